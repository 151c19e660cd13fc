"""The Azure attachment under Pulumi's mocks (preview=False): assertions on the planned resources.

Each test plans ``stacks/Pulumi.azure-dev.yaml`` (or a variant of its config) through the
project's program, as ``c2cvpn plan`` does, and reads the recorded resources (type, name,
parent, inputs) and the stack outputs. Children are named after the attachment's role
(``primary-gateway``, ``standby-connection``...).
"""

from __future__ import annotations

import base64
import ipaddress
import itertools
import re
import tomllib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
import yaml

from c2cvpn import derive
from c2cvpn.inputs.azure import NSG_PRIORITY_BASE
from components.mock_engine import SECRET, unknown
from tests.helpers import (
    GOOD_PSK,
    ROOT,
    Planned,
    azure_standby_config,
    check,
    load,
    of_type,
    one,
    plan,
    plan_with_options,
    raw_config,
    set_path,
)

T_COMPONENT = "c2c-vpn:azure:VpnAttachment"
T_SUBNET = "azure-native:network:Subnet"
T_PIP = "azure-native:network:PublicIPAddress"
T_VNG = "azure-native:network:VirtualNetworkGateway"
T_LNG = "azure-native:network:LocalNetworkGateway"
T_CONN = "azure-native:network:VirtualNetworkGatewayConnection"
T_RULE = "azure-native:network:SecurityRule"
T_NIC = "azure-native:network:NetworkInterface"
T_RT = "azure-native:network:RouteTable"
T_VM = "azure-native:compute:VirtualMachine"
T_PASSWORD = "random:index/randomPassword:RandomPassword"

FORBIDDEN_SOURCES = {"*", "internet", "0.0.0.0/0", "any"}
#: A plan with what the program passed for each resource (:func:`tests.helpers.plan_with_options`).
WithOptions = tuple[dict[str, Any], dict[str, pulumi.ResourceTransformationArgs]]
UNKNOWN_VALUE = re.compile(r"\(known after apply: ([^)]+)\.[A-Za-z0-9]+\)")


# --------------------------------------------------------------------------- harness


def valid(config: dict[str, Any]) -> dict[str, Any]:
    """``config``, after checking it is a stack `c2cvpn validate` accepts (fixtures must be real)."""
    report = check(config)
    assert report.valid, [p.message for p in report.problems]
    return config


def children(result: dict[str, Any], role: str, typ: str | None = None) -> list[dict[str, Any]]:
    """The resources of one attachment (``parent == role``), optionally of one type."""
    return [
        r for r in result["resources"] if r["parent"] == role and (typ is None or r["type"] == typ)
    ]


def strings(value: Any) -> Iterator[str]:
    """Every string in a recorded input or output."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


@pytest.fixture
def dev(planned: Planned) -> dict[str, Any]:
    return planned("azure-dev")


def nsg_config() -> dict[str, Any]:
    config = raw_config("azure-dev")
    config["c2c-vpn:genesys"]["tenantCidrs"] = ["10.100.0.0/24", "10.100.8.0/24"]
    config["c2c-vpn:iaas"]["networks"] = ["10.20.0.0/24", "10.20.1.0/24"]
    config["c2c-vpn:iaas"]["applicationPorts"] = [443, 8443]
    config["c2c-vpn:iaas"]["azure"]["networkSecurityGroupNames"] = [
        "nsg-crm-backend",
        "nsg-crm-api",
    ]
    return valid(config)


def appliance_config() -> dict[str, Any]:
    config = nsg_config()
    config["c2c-vpn:iaas"]["mssClamp"]["enabled"] = True
    config["c2c-vpn:iaas"]["azure"]["applianceSubnetPrefix"] = "10.20.255.32/28"
    return valid(config)


@pytest.fixture(scope="module")
def appliance() -> WithOptions:
    """The plan with the MSS appliance, and what the program passed for each resource."""
    return plan_with_options(appliance_config())


# --------------------------------------------------------------------------- the SDK


def test_the_declared_sdk_has_every_argument_used() -> None:
    """azure-native 2.x (network API 2023-02-01) has no Subnet ``defaultOutboundAccess``, so a
    2.x install raised TypeError with the appliance (azure review #22): 3.x is the floor."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (requirement,) = [d for d in project["dependencies"] if d.startswith("pulumi-azure-native")]
    floor = re.search(r">=\s*(\d+)", requirement)
    assert floor is not None and int(floor.group(1)) >= 3, requirement


# --------------------------------------------------------------------------- the dev stack


def test_dev_stack_registers_exactly_the_attachment(dev: dict[str, Any]) -> None:
    attachment = [r for r in dev["resources"] if r["parent"] == "primary"]
    component = one(dev, "primary")
    assert component["type"] == T_COMPONENT and component["parent"] is None
    assert Counter(r["type"] for r in attachment) == {
        T_SUBNET: 1,
        T_PIP: 1,
        T_VNG: 1,
        T_LNG: 1,
        T_CONN: 1,
        T_RULE: 2,
    }
    assert all(r["name"].startswith("primary-") for r in attachment)
    # Outside the attachment: only the generated tunnel key.
    rest = [r for r in dev["resources"] if r is not component and r not in attachment]
    assert [(r["type"], r["name"]) for r in rest] == [(T_PASSWORD, "tunnel-psk")]
    # Everything is referenced by resource, no lookup needed: every value known only after
    # apply belongs to a resource of this plan.
    names = {r["name"] for r in dev["resources"]}
    referenced = {
        m.group(1)
        for r in attachment
        for s in strings(r["inputs"])
        for m in UNKNOWN_VALUE.finditer(s)
    }
    assert referenced and referenced <= names


def test_gateway_subnet_public_ip_and_gateway(dev: dict[str, Any]) -> None:
    subnet = one(dev, "primary-gateway-subnet")
    assert subnet["type"] == T_SUBNET
    inputs = subnet["inputs"]
    assert inputs["subnetName"] == "GatewaySubnet"
    assert inputs["virtualNetworkName"] == "vnet-crm-dev"
    assert inputs["resourceGroupName"] == "rg-crm-dev"
    assert inputs["addressPrefix"] == "10.20.255.0/27"
    assert "routeTable" not in inputs

    pip = one(dev, "primary-public-ip")["inputs"]
    assert pip["sku"] == {"name": "Standard", "tier": "Regional"}
    assert pip["publicIPAllocationMethod"] == "Static"
    assert pip["zones"] == ["1", "2", "3"]
    assert pip["location"] == "westeurope"

    vng = one(dev, "primary-gateway")["inputs"]
    assert vng["gatewayType"] == "Vpn"
    assert vng["vpnType"] == "RouteBased"
    assert vng["sku"] == {"name": "VpnGw1AZ", "tier": "VpnGw1AZ"}
    assert vng["vpnGatewayGeneration"] == "Generation1"
    assert vng["enableBgp"] is False
    (ipconf,) = vng["ipConfigurations"]
    assert ipconf["publicIPAddress"] == {"id": unknown("primary-public-ip", "id")}
    assert ipconf["subnet"] == {"id": unknown("primary-gateway-subnet", "id")}

    rules = of_type(dev, T_RULE)
    assert rules
    for rule in rules:
        assert rule["inputs"]["networkSecurityGroupName"] == "nsg-crm-backend"
        assert rule["inputs"]["sourceAddressPrefixes"] == ["10.100.0.0/24"]
        assert rule["inputs"]["destinationAddressPrefixes"] == ["10.20.0.0/24"]

    lng = one(dev, "primary-local-gateway")["inputs"]
    assert lng["gatewayIpAddress"] == "203.0.113.30"
    assert lng["localNetworkAddressSpace"] == {"addressPrefixes": ["10.100.0.0/24"]}


def test_connection_policy_in_azure_spelling(dev: dict[str, Any]) -> None:
    conn = one(dev, "primary-connection")
    assert conn["type"] == T_CONN
    inputs = conn["inputs"]
    assert inputs["connectionType"] == "IPsec"
    assert inputs["connectionProtocol"] == "IKEv2"
    assert inputs["connectionMode"] == "Default"  # startupAction: start
    # Azure initiates too: it proposes the spec's networks, not any-to-any (review #12).
    assert inputs["usePolicyBasedTrafficSelectors"] is True
    assert inputs["trafficSelectorPolicies"] == [
        {"localAddressRanges": ["10.20.0.0/24"], "remoteAddressRanges": ["10.100.0.0/24"]}
    ]
    assert inputs["enableBgp"] is False
    assert inputs["dpdTimeoutSeconds"] == 45
    assert inputs["virtualNetworkGateway1"] == {"id": unknown("primary-gateway", "id")}
    assert inputs["localNetworkGateway2"] == {"id": unknown("primary-local-gateway", "id")}
    assert inputs["ipsecPolicies"] == [
        {
            "ikeEncryption": "AES256",
            "ikeIntegrity": "SHA256",
            "dhGroup": "DHGroup14",
            "ipsecEncryption": "AES256",
            "ipsecIntegrity": "SHA256",
            "pfsGroup": "PFS2048",
            "saLifeTimeSeconds": 3600,
            "saDataSizeKilobytes": 102400000,
        }
    ]


def test_outputs_for_the_genesys_admin_and_the_iaas_team() -> None:
    config = raw_config("azure-dev")
    outputs = plan(config, "azure-dev")["outputs"]
    admin = outputs["genesysAdmin"]
    assert admin["algorithms"] == derive.genesys_terms(load(config).spec.tunnel)
    assert admin["algorithms"]["phase1"]["dhGroup"].startswith("group 14")
    assert admin["genesysGatewayIp"] == "203.0.113.30"
    # Active-standby (the default): one tunnel, on the gateway's one public IP.
    (connection,) = admin["connections"]
    assert (connection["role"], connection["provider"], connection["tunnelCidr"]) == (
        "primary",
        "azure",
        "169.254.30.0/30",
    )
    assert (connection["attachment"], connection["tunnel"]) == ("primary", 1)
    assert connection["outsideIp"] == unknown("primary-public-ip", "ipAddress")
    # Azure configures no tunnel interface addresses (route-based, no BGP): none invented
    # (review #8: 169.254.30.1 was exported, and no inside-address health check can answer).
    assert (connection["cloudInsideAddress"], connection["genesysInsideAddress"]) == (None, None)
    assert outputs["preSharedKey"] == SECRET

    team = outputs["iaasTeam"]["attachments"]["primary"]
    assert (team["role"], team["location"], team["tunnelCidr"]) == (
        "primary",
        "westeurope",
        "169.254.30.0/30",
    )
    assert team["iaas"] == {
        "resourceGroupName": "rg-crm-dev",
        "virtualNetworkName": "vnet-crm-dev",
        "gatewayId": unknown("primary-gateway", "id"),
        "gatewaySubnetId": unknown("primary-gateway-subnet", "id"),
        "gatewayPublicIps": [unknown("primary-public-ip", "ipAddress")],
        "activeActive": False,
        "connectionId": unknown("primary-connection", "id"),
        "nsgRuleNames": [
            "nsg-crm-backend/dev-azure-crm-vpn-primary-icmp",
            "nsg-crm-backend/dev-azure-crm-vpn-primary-tcp-443",
        ],
        "routeTableId": None,  # no appliance here
        "appliancePrivateIp": None,
        "applianceSubnetPrefix": None,
    }


def test_the_shared_key_stays_secret(dev: dict[str, Any]) -> None:
    # Generated (the dev stack sets none): the connection takes it as a secret.
    conn = one(dev, "primary-connection")
    # A secret; the plan only names where the generated key will come from.
    assert conn["inputs"]["sharedKey"] == f"{SECRET} (known after apply: tunnel-psk.result)"
    # The provider echoes sharedKey: it must be declared an additional secret output.
    assert "sharedKey" in conn["secretOutputs"]

    # Configured: used as it is, and it appears nowhere in clear text.
    result = plan(set_path(raw_config("azure-dev"), "c2c-vpn:tunnel.preSharedKey", GOOD_PSK))
    assert not of_type(result, T_PASSWORD)
    conn = one(result, "primary-connection")
    assert conn["inputs"]["sharedKey"] == SECRET and "sharedKey" in conn["secretOutputs"]
    assert result["outputs"]["preSharedKey"] == SECRET
    assert GOOD_PSK not in repr(result)


# --------------------------------------------------------------------------- algorithms


@pytest.mark.parametrize(
    ("phase1", "phase2", "expected"),
    [
        (
            {"encryption": "aes256gcm", "integrity": "sha384", "dhGroup": 20},
            {"encryption": "aes256gcm", "integrity": "sha256", "pfsGroup": 20},
            {
                "ikeEncryption": "GCMAES256",
                "ikeIntegrity": "SHA384",
                "dhGroup": "ECP384",
                "ipsecEncryption": "GCMAES256",
                "ipsecIntegrity": "GCMAES256",
                "pfsGroup": "ECP384",
            },
        ),
        (
            {"encryption": "aes128", "integrity": "sha256", "dhGroup": 19},
            {"encryption": "aes128gcm", "integrity": "sha256", "pfsGroup": 19},
            {
                "ikeEncryption": "AES128",
                "ikeIntegrity": "SHA256",
                "dhGroup": "ECP256",
                "ipsecEncryption": "GCMAES128",
                "ipsecIntegrity": "GCMAES128",
                "pfsGroup": "ECP256",
            },
        ),
        (
            {"encryption": "aes256", "integrity": "sha256", "dhGroup": 24},
            {"encryption": "aes256", "integrity": "sha256", "pfsGroup": 24},
            {
                "ikeEncryption": "AES256",
                "ikeIntegrity": "SHA256",
                "dhGroup": "DHGroup24",
                "ipsecEncryption": "AES256",
                "ipsecIntegrity": "SHA256",
                "pfsGroup": "PFS24",
            },
        ),
    ],
)
def test_policy_variants(
    phase1: dict[str, Any], phase2: dict[str, Any], expected: dict[str, Any]
) -> None:
    config = raw_config("azure-dev")
    config["c2c-vpn:tunnel"]["phase1"].update(phase1)
    config["c2c-vpn:tunnel"]["phase2"].update({**phase2, "lifetimeSeconds": 2700})
    config["c2c-vpn:tunnel"]["dpd"]["timeoutSeconds"] = 30
    config["c2c-vpn:tunnel"]["startupAction"] = "add"
    conn = one(plan(valid(config)), "primary-connection")["inputs"]
    assert conn["ipsecPolicies"] == [
        {**expected, "saLifeTimeSeconds": 2700, "saDataSizeKilobytes": 102400000}
    ]
    assert conn["dpdTimeoutSeconds"] == 30
    assert conn["connectionMode"] == "ResponderOnly"


@pytest.mark.parametrize(
    ("sku", "generation"), [("VpnGw1AZ", "Generation1"), ("VpnGw5AZ", "Generation2")]
)
def test_sku_decides_generation(sku: str, generation: str) -> None:
    result = plan(valid(set_path(raw_config("azure-dev"), "c2c-vpn:iaas.azure.sku", sku)))
    vng = one(result, "primary-gateway")["inputs"]
    assert vng["sku"] == {"name": sku, "tier": sku}
    assert vng["vpnGatewayGeneration"] == generation
    assert one(result, "primary-public-ip")["inputs"]["zones"] == ["1", "2", "3"]


def test_generation_is_set_once_and_azure_may_migrate_it() -> None:
    """Azure migrates Standard-IP generation-1 gateways to generation 2 itself (review #23)."""
    _, passed = plan_with_options(raw_config("azure-dev"))
    assert passed["primary-gateway"].opts.ignore_changes == ["vpnGatewayGeneration"]


def test_no_zones_where_the_location_has_none() -> None:
    """A zone-redundant public IP cannot be created where the location has no zones (#23)."""
    config = set_path(raw_config("azure-dev"), "c2c-vpn:iaas.azure.zoneRedundant", False)
    pip = one(plan(valid(config)), "primary-public-ip")["inputs"]
    assert "zones" not in pip


# --------------------------------------------------------------------------- NSG rules


def test_nsg_rules_admit_only_genesys() -> None:
    rules = of_type(plan(nsg_config()), T_RULE)
    assert len(rules) == 2 * (2 + 1)  # two NSGs x (two ports + ICMP)
    by_nsg: dict[str, list[dict[str, Any]]] = {}
    for r in rules:
        by_nsg.setdefault(r["inputs"]["networkSecurityGroupName"], []).append(r["inputs"])
    assert set(by_nsg) == {"nsg-crm-backend", "nsg-crm-api"}
    for nsg_rules in by_nsg.values():
        protocols = sorted((i["protocol"], i["destinationPortRange"]) for i in nsg_rules)
        assert protocols == [("Icmp", "*"), ("Tcp", "443"), ("Tcp", "8443")]
        priorities = [i["priority"] for i in nsg_rules]
        assert len(set(priorities)) == len(priorities)
        assert len({i["securityRuleName"] for i in nsg_rules}) == len(nsg_rules)
    for r in rules:
        inputs = r["inputs"]
        assert r["parent"] == "primary"
        sources = inputs["sourceAddressPrefixes"]
        assert sources == ["10.100.0.0/24", "10.100.8.0/24"]
        assert not {s.lower() for s in sources} & FORBIDDEN_SOURCES
        assert "sourceAddressPrefix" not in inputs  # no single catch-all prefix beside the list
        assert inputs["destinationAddressPrefixes"] == ["10.20.0.0/24", "10.20.1.0/24"]
        assert (inputs["direction"], inputs["access"]) == ("Inbound", "Allow")
        assert inputs["resourceGroupName"] == "rg-crm-dev"


def test_nsg_priorities_are_stable_across_runs() -> None:
    def priorities() -> dict[str, tuple[str, int]]:
        return {
            r["name"]: (r["inputs"]["securityRuleName"], r["inputs"]["priority"])
            for r in of_type(plan(nsg_config()), T_RULE)
        }

    first, second = priorities(), priorities()
    assert first == second
    base = NSG_PRIORITY_BASE["primary"]
    assert base == 300
    assert first["primary-nsg-nsg-crm-api-icmp"][1] == base
    assert first["primary-nsg-nsg-crm-api-tcp-443"][1] == base + 1
    assert first["primary-nsg-nsg-crm-api-tcp-8443"][1] == base + 2


def test_nsg_priority_base_is_configurable() -> None:
    """Hard-coded priorities collide with rules already in the NSG (review #4)."""
    config = set_path(nsg_config(), "c2c-vpn:iaas.azure.nsgPriorityBase", 1200)
    rules = of_type(plan(valid(config)), T_RULE)
    assert sorted({r["inputs"]["priority"] for r in rules}) == [1200, 1201, 1202]


def test_rules_of_one_nsg_are_written_one_at_a_time() -> None:
    """Azure serialises writes to one NSG (AnotherOperationInProgress): each rule waits for the
    previous rule of its NSG; the two NSGs proceed side by side (review #4)."""
    result, passed = plan_with_options(nsg_config())
    for nsg in ("nsg-crm-backend", "nsg-crm-api"):
        chain = [f"primary-nsg-{nsg}-{suffix}" for suffix in ("icmp", "tcp-443", "tcp-8443")]
        assert not passed[chain[0]].opts.depends_on
        for before, after in itertools.pairwise(chain):
            assert passed[after].opts.depends_on == [passed[before].resource]
    assert len(of_type(result, T_RULE)) == 6


# --------------------------------------------------------------------------- MSS appliance


def test_appliance_when_mss_clamp_enabled(appliance: WithOptions) -> None:
    result, passed = appliance
    spec = load(appliance_config()).spec

    appliance_subnet = one(result, "primary-appliance-subnet")["inputs"]
    assert appliance_subnet["addressPrefix"] == "10.20.255.32/28"
    assert appliance_subnet["virtualNetworkName"] == "vnet-crm-dev"
    assert appliance_subnet["subnetName"] != "GatewaySubnet"
    # The clamp installs nothing (nft ships with Debian 12): no default outbound access (#14).
    assert appliance_subnet["defaultOutboundAccess"] is False

    nic = one(result, "primary-appliance-nic")["inputs"]
    assert nic["enableIPForwarding"] is True
    assert nic["enableAcceleratedNetworking"] is True  # the Dsv5 size requires it
    (ipconf,) = nic["ipConfigurations"]
    assert ipconf["privateIPAddress"] == "10.20.255.36"
    assert ipconf["privateIPAllocationMethod"] == "Static"
    assert ipconf["subnet"]["id"] == unknown("primary-appliance-subnet", "id")
    assert ipaddress.ip_address(ipconf["privateIPAddress"]) in ipaddress.ip_network(
        "10.20.255.32/28"
    )

    vm = one(result, "primary-appliance")["inputs"]
    image = vm["storageProfile"]["imageReference"]
    assert (image["publisher"], image["offer"]) == ("Debian", "debian-12")
    assert "id" not in image
    # Not burstable: a B1s forwards at a 10 % CPU baseline once its credits run out (#13).
    assert vm["hardwareProfile"]["vmSize"] == "Standard_D2s_v5"
    assert vm["networkProfile"]["networkInterfaces"][0]["id"] == unknown(
        "primary-appliance-nic", "id"
    )
    # The admin password is a generated secret: the OS profile carrying it is masked, and the
    # password's value appears nowhere in clear text.
    assert vm["osProfile"] == SECRET
    password = one(result, "primary-appliance-password")
    assert password["type"] == T_PASSWORD and "result" in password["secretOutputs"]
    assert "primary-appliance-password.result" not in repr(result)

    # What the masked profile holds: the clamp, as a cloud-init per-boot script.
    profile: Any = passed["primary-appliance"].props["os_profile"]  # compute.OSProfileArgs
    assert profile.linux_configuration.disable_password_authentication is False
    user_data = base64.b64decode(profile.custom_data).decode()
    assert user_data.startswith("#cloud-config\n")
    (written,) = yaml.safe_load(user_data)["write_files"]
    assert written["path"] == "/var/lib/cloud/scripts/per-boot/c2cvpn-mss-clamp.sh"  # every boot
    assert written["permissions"] == "0755"
    script = written["content"]
    mss = derive.attachment_mss(spec, spec.iaas)
    assert mss.mss == 1350  # the arithmetic gives 1375; Azure's recommendation caps it
    assert script == derive.mss_clamp_script(1350, spec.genesys.tenant_cidrs)
    assert "--set-mss 1350" in script and "10.100.8.0/24" in script
    team = result["outputs"]["iaasTeam"]["attachments"]["primary"]
    assert (team["mssClamp"], team["mss"]) == (True, 1350)

    to_genesys = one(result, "primary-route-table")
    assert to_genesys["type"] == T_RT
    assert [
        (r["addressPrefix"], r["nextHopType"], r["nextHopIpAddress"])
        for r in to_genesys["inputs"]["routes"]
    ] == [
        ("10.100.0.0/24", "VirtualAppliance", "10.20.255.36"),
        ("10.100.8.0/24", "VirtualAppliance", "10.20.255.36"),
    ]
    to_iaas = one(result, "primary-gateway-route-table")["inputs"]
    assert [(r["addressPrefix"], r["nextHopIpAddress"]) for r in to_iaas["routes"]] == [
        ("10.20.0.0/24", "10.20.255.36"),
        ("10.20.1.0/24", "10.20.255.36"),
    ]
    gateway_subnet = one(result, "primary-gateway-subnet")["inputs"]
    assert gateway_subnet["routeTable"] == {"id": unknown("primary-gateway-route-table", "id")}
    # The IaaS team must associate the to-Genesys table with the back-end subnets: exported,
    # with what else it needs to route and to find the rules (review #11).
    assert team["iaas"]["routeTableId"] == unknown("primary-route-table", "id")
    assert team["iaas"]["appliancePrivateIp"] == "10.20.255.36"
    assert team["iaas"]["applianceSubnetPrefix"] == "10.20.255.32/28"
    assert team["iaas"]["gatewayPublicIps"] == [unknown("primary-public-ip", "ipAddress")]
    assert len(team["iaas"]["nsgRuleNames"]) == 6


def test_a_changed_clamp_replaces_the_appliance(appliance: WithOptions) -> None:
    """customData cannot be updated on a VM (PropertyChangeNotAllowed) and azure-native does
    not replace by itself: the program asks for the replacement, deleting the old VM first
    because its names are fixed (review #3)."""
    _, passed = appliance
    opts = passed["primary-appliance"].opts
    assert opts.replace_on_changes == ["osProfile.customData"]
    assert opts.delete_before_replace is True


def test_appliance_with_an_ssh_key_turns_password_login_off() -> None:
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops"
    config = set_path(appliance_config(), "c2c-vpn:iaas.azure.applianceSshPublicKey", key)
    result, passed = plan_with_options(valid(config))
    assert children(result, "primary", T_PASSWORD) == []  # no password made, none in state
    profile: Any = passed["primary-appliance"].props["os_profile"]
    assert profile.admin_password is None
    linux = profile.linux_configuration
    assert linux.disable_password_authentication is True
    (public_key,) = linux.ssh.public_keys
    assert (public_key.key_data, public_key.path) == (key, "/home/c2cvpn/.ssh/authorized_keys")


def test_no_appliance_when_mss_clamp_disabled(dev: dict[str, Any]) -> None:
    for typ in (T_VM, T_NIC, T_RT):
        assert of_type(dev, typ) == [], typ
    assert children(dev, "primary", T_PASSWORD) == []
    assert [r["name"] for r in of_type(dev, T_SUBNET)] == ["primary-gateway-subnet"]
    assert "routeTable" not in one(dev, "primary-gateway-subnet")["inputs"]
    team = dev["outputs"]["iaasTeam"]["attachments"]["primary"]
    assert team["mssClamp"] is False
    assert (team["iaas"]["routeTableId"], team["iaas"]["appliancePrivateIp"]) == (None, None)


def test_gateway_subnet_waits_for_the_appliance_subnet(
    appliance: WithOptions,
) -> None:
    """Azure refuses two concurrent subnet writes to one virtual network (AnotherOperationInProgress)."""
    _, passed = appliance
    opts = passed["primary-gateway-subnet"].opts
    assert opts.depends_on == [passed["primary-appliance-subnet"].resource]
    assert opts.delete_before_replace is True  # the name GatewaySubnet is fixed


# --------------------------------------------------------------------------- standby


def test_standby_lands_in_its_own_location() -> None:
    config = azure_standby_config()
    config["c2c-vpn:standby"]["iaas"]["mssClamp"]["enabled"] = True
    config["c2c-vpn:standby"]["iaas"]["azure"]["applianceSubnetPrefix"] = "10.21.255.32/28"
    result = plan(valid(config))

    names = [r["name"] for r in result["resources"]]
    assert len(names) == len(set(names)), "children of the two attachments collide"
    standby, primary = children(result, "standby"), children(result, "primary")
    assert all(r["name"].startswith("standby-") for r in standby)
    assert {r["type"] for r in standby} >= {T_SUBNET, T_PIP, T_VNG, T_LNG, T_CONN, T_RULE, T_VM}
    assert {r["type"] for r in primary} & {T_VM, T_NIC} == set()  # only the standby clamps here

    for r in standby:
        if "location" in r["inputs"]:
            assert r["inputs"]["location"] == "northeurope", r["name"]
        if "resourceGroupName" in r["inputs"]:
            assert r["inputs"]["resourceGroupName"] == "rg-crm-dr", r["name"]
    for r in primary:
        if "location" in r["inputs"]:
            assert r["inputs"]["location"] == "westeurope", r["name"]

    standby_subnet = one(result, "standby-gateway-subnet")["inputs"]
    assert (standby_subnet["virtualNetworkName"], standby_subnet["addressPrefix"]) == (
        "vnet-crm-dr",
        "10.21.255.0/27",
    )
    # Both connections reach the same Genesys gateway, each from its own public IP.
    assert one(result, "standby-local-gateway")["inputs"]["gatewayIpAddress"] == "203.0.113.30"
    (ipconf,) = one(result, "standby-gateway")["inputs"]["ipConfigurations"]
    assert ipconf["publicIPAddress"] == {"id": unknown("standby-public-ip", "id")}
    connections = {c["role"]: c for c in result["outputs"]["genesysAdmin"]["connections"]}
    assert {role: c["outsideIp"] for role, c in connections.items()} == {
        "primary": unknown("primary-public-ip", "ipAddress"),
        "standby": unknown("standby-public-ip", "ipAddress"),
    }
    assert connections["standby"]["tunnelCidr"] == "169.254.31.0/30"
    team = result["outputs"]["iaasTeam"]["attachments"]
    assert (team["standby"]["location"], team["standby"]["tunnelCidr"]) == (
        "northeurope",
        "169.254.31.0/30",
    )
    # Azure-side names carry the role, so a shared resource group could hold both.
    azure_names = {
        r["inputs"]["virtualNetworkGatewayConnectionName"] for r in of_type(result, T_CONN)
    }
    assert azure_names == {
        "dev-azure-crm-vpn-primary-connection",
        "dev-azure-crm-vpn-standby-connection",
    }
    # The standby clamps toward its own networks from its own subnet.
    assert one(result, "standby-appliance-subnet")["inputs"]["addressPrefix"] == "10.21.255.32/28"
    standby_rules = children(result, "standby", T_RULE)
    assert {r["inputs"]["priority"] for r in standby_rules} == {500, 501}
    assert all(r["inputs"]["destinationAddressPrefixes"] == ["10.21.0.0/24"] for r in standby_rules)


def test_standby_sharing_the_primary_resource_group_does_not_collide() -> None:
    # Same location is allowed when the VNet differs; NSG names may then be shared.
    config = azure_standby_config(location="westeurope", resourceGroupName="rg-crm-dev")
    result = plan(valid(config))
    rules = [r["inputs"] for r in of_type(result, T_RULE)]
    assert {r["parent"] for r in of_type(result, T_RULE)} == {"primary", "standby"}
    keys = Counter((r["networkSecurityGroupName"], r["priority"]) for r in rules)
    assert max(keys.values()) == 1
    rule_names = Counter((r["networkSecurityGroupName"], r["securityRuleName"]) for r in rules)
    assert max(rule_names.values()) == 1
    for typ, key in (
        (T_VNG, "virtualNetworkGatewayName"),
        (T_PIP, "publicIpAddressName"),
        (T_LNG, "localNetworkGatewayName"),
    ):
        values = [r["inputs"][key] for r in of_type(result, typ)]
        assert len(values) == 2 and len(set(values)) == 2, (typ, values)


# --------------------------------------------------------------------------- active-active


def active_active_config() -> dict[str, Any]:
    """azure-dev with an active-active gateway and the /29 Genesys allocates for two
    connections: the standby Genesys connection takes tunnel 2 (the second public IP)."""
    config = raw_config("azure-dev")
    config["c2c-vpn:iaas"]["azure"]["activeActive"] = True
    config["c2c-vpn:genesys"]["tunnelCidr"] = "169.254.30.0/29"
    return valid(config)


def test_active_active_gateway_has_two_public_ips_and_two_tunnels() -> None:
    """Review #7: Azure's tunnel-level redundancy is active-active, two Standard static public
    IPs and two IP configurations; each tunnel carries one Genesys connection (#8: one tunnel
    per public IP, with no invented inside addresses)."""
    result = plan(active_active_config())
    pips = children(result, "primary", T_PIP)
    assert sorted(p["name"] for p in pips) == ["primary-public-ip", "primary-public-ip-2"]
    assert sorted(p["inputs"]["publicIpAddressName"] for p in pips) == [
        "dev-azure-crm-vpn-primary-pip",
        "dev-azure-crm-vpn-primary-pip-2",
    ]
    for pip in pips:
        assert pip["inputs"]["sku"] == {"name": "Standard", "tier": "Regional"}
        assert pip["inputs"]["publicIPAllocationMethod"] == "Static"
        assert pip["inputs"]["zones"] == ["1", "2", "3"]

    vng = one(result, "primary-gateway")["inputs"]
    assert vng["activeActive"] is True
    assert [
        (c["name"], c["publicIPAddress"]["id"], c["subnet"]["id"]) for c in vng["ipConfigurations"]
    ] == [
        ("default", unknown("primary-public-ip", "id"), unknown("primary-gateway-subnet", "id")),
        (
            "active-active",
            unknown("primary-public-ip-2", "id"),
            unknown("primary-gateway-subnet", "id"),
        ),
    ]
    # Both tunnels are one Azure connection to one local network gateway.
    assert len(of_type(result, T_CONN)) == 1 and len(of_type(result, T_LNG)) == 1

    connections = {c["role"]: c for c in result["outputs"]["genesysAdmin"]["connections"]}
    assert {
        role: (c["attachment"], c["tunnel"], c["outsideIp"], c["tunnelCidr"])
        for role, c in connections.items()
    } == {
        "primary": (
            "primary",
            1,
            unknown("primary-public-ip", "ipAddress"),
            "169.254.30.0/30",
        ),
        "standby": (
            "primary",
            2,
            unknown("primary-public-ip-2", "ipAddress"),
            "169.254.30.4/30",
        ),
    }
    for c in connections.values():
        assert (c["cloudInsideAddress"], c["genesysInsideAddress"]) == (None, None)
    team = result["outputs"]["iaasTeam"]["attachments"]["primary"]["iaas"]
    assert team["activeActive"] is True
    assert team["gatewayPublicIps"] == [
        unknown("primary-public-ip", "ipAddress"),
        unknown("primary-public-ip-2", "ipAddress"),
    ]


def test_active_standby_is_one_tunnel_whatever_the_range() -> None:
    """Without activeActive the gateway shows Genesys one public IP: one tunnel, never one per
    /30 of the range on the same IP (review #8)."""
    config = set_path(raw_config("azure-dev"), "c2c-vpn:genesys.tunnelCidr", "169.254.30.0/29")
    result = plan(config)
    assert len(children(result, "primary", T_PIP)) == 1
    assert one(result, "primary-gateway")["inputs"]["activeActive"] is False
    (connection,) = result["outputs"]["genesysAdmin"]["connections"]
    assert connection["outsideIp"] == unknown("primary-public-ip", "ipAddress")
    assert connection["cloudInsideAddress"] is None


# --------------------------------------------------------------------------- an existing GatewaySubnet

EXISTING_GATEWAY_SUBNET = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-crm-dev"
    "/providers/Microsoft.Network/virtualNetworks/vnet-crm-dev/subnets/GatewaySubnet"
)


def test_an_existing_gateway_subnet_is_used_not_created() -> None:
    """A hub VNet (ExpressRoute coexistence) already has GatewaySubnet: creating it again fails
    (review #5). Given its ID, the gateway lands in it and no subnet is written."""
    config = raw_config("azure-dev")
    azure = config["c2c-vpn:iaas"]["azure"]
    del azure["gatewaySubnetPrefix"]
    azure["gatewaySubnetId"] = EXISTING_GATEWAY_SUBNET
    result = plan(valid(config))
    assert of_type(result, T_SUBNET) == []
    (ipconf,) = one(result, "primary-gateway")["inputs"]["ipConfigurations"]
    assert ipconf["subnet"] == {"id": EXISTING_GATEWAY_SUBNET}
    team = result["outputs"]["iaasTeam"]["attachments"]["primary"]["iaas"]
    assert team["gatewaySubnetId"] == EXISTING_GATEWAY_SUBNET
