"""The provider inputs, decided without Pulumi: tunnel options, rule and route keys, names,
the Azure IPsec policy and NSG priorities (c2cvpn/inputs)."""

from __future__ import annotations

import ipaddress

from c2cvpn.inputs import aws, azure
from c2cvpn.spec import attachments
from tests.helpers import load, raw_config, set_path


def test_aws_tunnel_options_for_dev() -> None:
    spec = load(raw_config("dev")).spec
    options = aws.tunnel_options(spec, attachments(spec)[0], {1: "KEY1", 2: "KEY2"})
    for t in ("tunnel1_", "tunnel2_"):
        assert options[f"{t}ike_versions"] == ["ikev2"]
        assert options[f"{t}phase1_encryption_algorithms"] == ["AES256"]
        assert options[f"{t}phase1_integrity_algorithms"] == ["SHA2-256"]
        assert options[f"{t}phase1_dh_group_numbers"] == [14]
        assert options[f"{t}phase2_dh_group_numbers"] == [14]
        assert options[f"{t}phase1_lifetime_seconds"] == 28800
        assert options[f"{t}phase2_lifetime_seconds"] == 3600
        assert options[f"{t}enable_tunnel_lifecycle_control"] is True
        assert options[f"{t}startup_action"] == "start"
    # Each tunnel its own key, passed through untouched (secrets).
    assert (options["tunnel1_preshared_key"], options["tunnel2_preshared_key"]) == ("KEY1", "KEY2")
    # A /29 gives each tunnel its own /30.
    assert (options["tunnel1_inside_cidr"], options["tunnel2_inside_cidr"]) == (
        "169.254.10.0/30",
        "169.254.10.4/30",
    )


def test_aws_gcm_spelling_and_a_slash_30() -> None:
    config = set_path(raw_config("prod"), "c2c-vpn:genesys.tunnelCidr", "169.254.20.0/30")
    spec = load(config).spec
    options = aws.tunnel_options(spec, attachments(spec)[0], {1: "KEY1", 2: None})
    assert options["tunnel1_phase2_encryption_algorithms"] == ["AES256-GCM-16"]
    assert options["tunnel1_phase1_integrity_algorithms"] == ["SHA2-384"]
    assert options["tunnel1_inside_cidr"] == "169.254.20.0/30"
    # No Genesys connection on tunnel 2: AWS chooses its range and key, and it waits.
    assert "tunnel2_inside_cidr" not in options and "tunnel2_preshared_key" not in options
    assert options["tunnel2_startup_action"] == "add"


def test_aws_traffic_selectors() -> None:
    spec = load(raw_config("dev")).spec
    assert aws.traffic_selectors(spec, attachments(spec)[0]) == ("10.100.0.0/24", "10.10.0.0/24")
    wide = load(raw_config("prod")).spec  # two tenant CIDRs
    assert aws.traffic_selectors(wide, attachments(wide)[0]) == ("0.0.0.0/0", "10.10.0.0/23")


def test_aws_security_rule_and_route_keys() -> None:
    spec = load(raw_config("prod")).spec
    primary = attachments(spec)[0]
    rules = aws.security_rule_keys(primary.iaas, spec.genesys.tenant_cidrs)
    assert rules == [
        ("sg-0123456789abcdef0", "tcp", 443, "10.100.0.0/24"),
        ("sg-0123456789abcdef0", "tcp", 8443, "10.100.0.0/24"),
        ("sg-0123456789abcdef0", "icmp", -1, "10.100.0.0/24"),
        ("sg-0123456789abcdef0", "tcp", 443, "10.100.8.0/24"),
        ("sg-0123456789abcdef0", "tcp", 8443, "10.100.8.0/24"),
        ("sg-0123456789abcdef0", "icmp", -1, "10.100.8.0/24"),
    ]
    assert (
        aws.rule_name("primary", rules[2]) == "primary-sg-sg-0123456789abcdef0-icmp-10-100-0-0-24"
    )
    assert "port 8443" in aws.rule_description(rules[1], "T")
    routes = aws.route_table_keys(primary.iaas, spec.genesys.tenant_cidrs)
    assert len(routes) == 4 and ("rtb-0123456789abcdef1", "10.100.8.0/24") in routes
    # A sibling attachment that owns some keys: only the others are created again.
    assert aws.not_owned(rules, frozenset(rules[:3])) == rules[3:]


def test_azure_ipsec_policy_and_names() -> None:
    spec = load(raw_config("azure-dev")).spec
    assert azure.ipsec_policy(spec) == {
        "ike_encryption": "AES256",
        "ike_integrity": "SHA256",
        "dh_group": "DHGroup14",
        "ipsec_encryption": "AES256",
        "ipsec_integrity": "SHA256",
        "pfs_group": "PFS2048",
        "sa_life_time_seconds": 3600,
        "sa_data_size_kilobytes": azure.SA_DATA_SIZE_KILOBYTES,
    }
    assert azure.azure_base_name("DEV-AZURE-CRM-VPN", "standby") == "dev-azure-crm-vpn-standby"
    assert azure.computer_name("dev-azure_crm.vpn") == "dev-azure-crm-vpn-mss"
    assert azure.gateway_generation("VpnGw1AZ") == "Generation1"
    assert azure.gateway_generation("VpnGw2AZ") == "Generation2"
    assert spec.iaas.azure is not None
    assert azure.public_ip_zones(spec.iaas.azure) == ["1", "2", "3"]
    assert str(azure.appliance_address(ipaddress.IPv4Network("10.0.0.16/28"))) == "10.0.0.20"
    assert azure.connection_mode(spec) == "Default"
    add = load(set_path(raw_config("azure-dev"), "c2c-vpn:tunnel.startupAction", "add")).spec
    assert azure.connection_mode(add) == "ResponderOnly"


def test_azure_gcm_policy_uses_the_gcm_value_as_integrity() -> None:
    config = raw_config("azure-dev")
    for phase in ("phase1", "phase2"):
        set_path(config, f"c2c-vpn:tunnel.{phase}.encryption", "aes256gcm")
    policy = azure.ipsec_policy(load(config).spec)
    assert (policy["ipsec_encryption"], policy["ipsec_integrity"]) == ("GCMAES256", "GCMAES256")
    assert policy["ike_integrity"] == "SHA256"  # IKE keeps a real integrity/PRF


def test_azure_nsg_priorities_per_role_and_port() -> None:
    config = set_path(raw_config("azure-dev"), "c2c-vpn:iaas.applicationPorts", [443, 1433])
    set_path(config, "c2c-vpn:iaas.azure.networkSecurityGroupNames", ["nsg-a", "nsg-b"])
    spec = load(config).spec
    rules = azure.nsg_rules(spec, spec.iaas, "primary")
    assert [(r.nsg, r.protocol, r.port, r.priority) for r in rules] == [
        ("nsg-a", "Icmp", "*", 300),
        ("nsg-a", "Tcp", "443", 301),
        ("nsg-a", "Tcp", "1433", 302),
        ("nsg-b", "Icmp", "*", 300),
        ("nsg-b", "Tcp", "443", 301),
        ("nsg-b", "Tcp", "1433", 302),
    ]
    standby = azure.nsg_rules(spec, spec.iaas, "standby")
    assert [r.priority for r in standby][:3] == [500, 501, 502]
    assert rules[1].name == "dev-azure-crm-vpn-primary-tcp-443"
    # A base of the NSG owner's choosing (azure review #4), for either role.
    set_path(config, "c2c-vpn:iaas.azure.nsgPriorityBase", 2000)
    spec = load(config).spec
    for role in ("primary", "standby"):
        assert [r.priority for r in azure.nsg_rules(spec, spec.iaas, role)][:3] == [
            2000,
            2001,
            2002,
        ]
    assert spec.iaas.azure is not None
    assert azure.nsg_priorities(spec.iaas.azure, spec.iaas, "primary") == range(2000, 2003)


def test_azure_traffic_selectors_are_the_spec_networks() -> None:
    """What Azure proposes when it initiates: IaaS networks ↔ tenant CIDRs, not any-to-any
    (azure review #12), all in one policy (one SA for every pair)."""
    config = set_path(
        raw_config("azure-dev"), "c2c-vpn:iaas.networks", ["10.20.0.0/24", "10.20.1.0/24"]
    )
    set_path(config, "c2c-vpn:genesys.tenantCidrs", ["10.100.0.0/24", "10.100.8.0/24"])
    spec = load(config).spec
    assert azure.traffic_selector_policy(spec, spec.iaas) == {
        "local_address_ranges": ["10.20.0.0/24", "10.20.1.0/24"],
        "remote_address_ranges": ["10.100.0.0/24", "10.100.8.0/24"],
    }


def test_azure_public_ips_per_mode_and_location() -> None:
    """Active-active: two public IPs (azure review #7); zones only where the location has them
    (#23)."""
    config = raw_config("azure-dev")
    settings = load(config).spec.iaas.azure
    assert settings is not None and azure.public_ip_count(settings) == 1
    set_path(config, "c2c-vpn:iaas.azure.activeActive", True)
    set_path(config, "c2c-vpn:iaas.azure.zoneRedundant", False)
    settings = load(config).spec.iaas.azure
    assert settings is not None and azure.public_ip_count(settings) == 2
    assert azure.public_ip_zones(settings) is None
    assert [azure.public_ip_name("b", i) for i in range(2)] == ["b-pip", "b-pip-2"]
