"""The loader: shape errors are one clear line each, never a traceback, never a pydantic dump."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from c2cvpn.spec import Encrypted, SpecError, load_stack, parse_config, resolve_stack
from tests.helpers import GOOD_PSK, ROOT, dr_config, raw_config, set_path, write_stack


def _error(config: dict) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse_config(config, stack="t", source="t.yaml")
    return info.value.lines


def test_stack_name_resolves_under_stacks() -> None:
    name, path = resolve_stack("dev", root=ROOT)
    assert name == "dev" and path == ROOT / "stacks" / "Pulumi.dev.yaml"
    loaded = load_stack("dev", root=ROOT)
    assert loaded.spec.iaas.provider == "aws"


def test_missing_stack_lists_the_stacks_there() -> None:
    with pytest.raises(SpecError) as info:
        load_stack("nope", root=ROOT)
    assert "no such stack file" in info.value.lines[0]
    assert "dev" in info.value.lines[0] and "prod" in info.value.lines[0]


def test_unknown_key_suggests_the_right_one() -> None:
    config = raw_config("dev")
    config["c2c-vpn:tunnel"]["phase1"]["dhGruop"] = 14
    lines = _error(config)
    assert any(
        "c2c-vpn:tunnel.phase1.dhGruop: unknown key; did you mean 'dhGroup'?" in line
        for line in lines
    )


def test_unknown_top_level_key() -> None:
    config = raw_config("dev")
    config["c2c-vpn:standbye"] = {}
    (line,) = _error(config)
    assert "did you mean 'c2c-vpn:standby'" in line


def test_other_namespaces_are_left_alone() -> None:
    config = raw_config("dev")
    config["aws:profile"] = "prod-admin"
    assert parse_config(config, stack="t", source="t").spec.tunnel.name == "DEV-AWS-SFDC-VPN"


def test_host_bits_message_names_the_network() -> None:
    lines = _error(set_path(raw_config("dev"), "c2c-vpn:genesys.tunnelCidr", "169.254.10.1/29"))
    assert lines == [
        "c2c-vpn:genesys.tunnelCidr: '169.254.10.1/29' has host bits set; the network is 169.254.10.0/29"
    ]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("10.10.0.0", "no prefix length"),
        ("fd00::/64", "IPv6"),
        ("ten/8", "not an IPv4 CIDR"),
        (42, "expected a CIDR"),
    ],
)
def test_bad_networks(value: object, fragment: str) -> None:
    (line,) = _error(set_path(raw_config("dev"), "c2c-vpn:iaas.networks", [value]))
    assert line.startswith("c2c-vpn:iaas.networks[0]: ") and fragment in line


def test_missing_required_key_says_what_it_is_for() -> None:
    config = raw_config("dev")
    del config["c2c-vpn:genesys"]["gatewayIp"]
    (line,) = _error(config)
    assert line.startswith("c2c-vpn:genesys.gatewayIp: required key is missing")
    assert "Genesys VPN gateway" in line


def test_provider_block_must_match_provider() -> None:
    config = raw_config("dev")
    config["c2c-vpn:iaas"]["provider"] = "azure"
    (line,) = _error(config)
    assert "provider is azure but the `azure` block is missing" in line


def test_tgw_needs_its_id() -> None:
    config = set_path(raw_config("dev"), "c2c-vpn:iaas.aws.gateway", "tgw")
    (line,) = _error(config)
    assert "transitGatewayId is required" in line


def test_appliance_needs_a_subnet() -> None:
    config = set_path(raw_config("dev"), "c2c-vpn:iaas.mssClamp.enabled", True)
    (line,) = _error(config)
    assert "aws.subnetId" in line


def test_azure_appliance_needs_a_subnet_prefix() -> None:
    config = set_path(raw_config("azure-dev"), "c2c-vpn:iaas.mssClamp.enabled", True)
    (line,) = _error(config)
    assert "azure.applianceSubnetPrefix" in line


def test_azure_gateway_subnet_is_a_prefix_or_an_existing_id() -> None:
    """A new GatewaySubnet from a prefix, or the VNet's existing one by ID, never both."""
    existing = (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-crm-dev"
        "/providers/Microsoft.Network/virtualNetworks/vnet-crm-dev/subnets/GatewaySubnet"
    )
    both = set_path(raw_config("azure-dev"), "c2c-vpn:iaas.azure.gatewaySubnetId", existing)
    (line,) = _error(both)
    assert "gatewaySubnetPrefix and gatewaySubnetId are both set" in line
    neither = raw_config("azure-dev")
    del neither["c2c-vpn:iaas"]["azure"]["gatewaySubnetPrefix"]
    (line,) = _error(neither)
    assert "gatewaySubnetPrefix" in line and "gatewaySubnetId" in line
    (line,) = _error(
        set_path(neither, "c2c-vpn:iaas.azure.gatewaySubnetId", existing.replace("Gateway", "App"))
    )
    assert line.startswith("c2c-vpn:iaas.azure.gatewaySubnetId:")
    assert "not the resource ID of a GatewaySubnet" in line


def test_azure_appliance_key_must_be_an_openssh_public_key() -> None:
    config = set_path(
        raw_config("azure-dev"), "c2c-vpn:iaas.azure.applianceSshPublicKey", "-----BEGIN"
    )
    (line,) = _error(config)
    assert line.startswith("c2c-vpn:iaas.azure.applianceSshPublicKey:")


def test_alarm_actions_must_be_sns_topics() -> None:
    (line,) = _error(
        set_path(
            raw_config("dev"),
            "c2c-vpn:iaas.aws.alarmActions",
            ["arn:aws:lambda:eu-west-1:123456789012:function:x"],
        )
    )
    assert line.startswith("c2c-vpn:iaas.aws.alarmActions[0]:")


def test_bad_aws_ids_are_named() -> None:
    (line,) = _error(set_path(raw_config("dev"), "c2c-vpn:iaas.aws.vpcId", "vpc-XYZ"))
    assert line.startswith("c2c-vpn:iaas.aws.vpcId:")


def test_algorithm_spellings_are_normalised() -> None:
    config = raw_config("dev")
    config["c2c-vpn:tunnel"]["phase1"].update(encryption="AES-256", integrity="SHA2-256")
    config["c2c-vpn:tunnel"]["phase2"].update(encryption="aes_256", integrity="SHA256")
    tunnel = parse_config(config, stack="t", source="t").spec.tunnel
    assert (tunnel.phase1.encryption, tunnel.phase1.integrity) == ("aes256", "sha256")
    assert (tunnel.phase2.encryption, tunnel.phase2.integrity) == ("aes256", "sha256")


def test_secure_values_stay_opaque() -> None:
    config = set_path(raw_config("dev"), "c2c-vpn:tunnel.preSharedKey", {"secure": "v1:ZmFrZQ=="})
    loaded = parse_config(config, stack="t", source="t")
    assert isinstance(loaded.spec.tunnel.pre_shared_key, Encrypted)
    assert loaded.spec.tunnel.psk_readable is None
    assert "ZmFrZQ" not in repr(loaded.spec)


def test_readable_psk_is_masked_in_reprs() -> None:
    config = set_path(raw_config("dev"), "c2c-vpn:tunnel.preSharedKey", GOOD_PSK)
    loaded = parse_config(config, stack="t", source="t")
    assert isinstance(loaded.spec.tunnel.pre_shared_key, SecretStr)
    assert GOOD_PSK not in repr(loaded) and GOOD_PSK not in str(loaded.spec)


def test_type_errors_never_echo_input() -> None:
    config = set_path(raw_config("dev"), "c2c-vpn:tunnel.preSharedKey", 12345678901234567890)
    lines = _error(config)
    assert all("12345678901234567890" not in line for line in lines)


def test_engine_passes_objects_as_json_text() -> None:
    import json

    config = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in raw_config("dev").items()}
    loaded = parse_config(config, stack="dev", source="pulumi", secret_keys=frozenset())
    assert str(loaded.spec.genesys.gateway_ip) == "203.0.113.10"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("config:\n  c2c-vpn:tunnel: [\n", "broken YAML at line"),
        ("", "the file is empty"),
        ("- a\n- b\n", "a stack file is a mapping"),
        ("confg: {}\n", "unknown top-level key 'confg'"),
        ("encryptionsalt: x\n", "no `config:` section"),
        ("config:\n  c2c-vpn:tunnel: {}\n  c2c-vpn:tunnel: {}\n", "duplicate key"),
        ("config: 3\n", "must be a mapping"),
    ],
)
def test_unusable_files(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as info:
        load_stack(str(path))
    assert fragment in " ".join(info.value.lines)


def test_write_and_reload_roundtrip(tmp_path: Path) -> None:
    path = write_stack(tmp_path, dr_config(), "copy")
    loaded = load_stack(str(path))
    assert loaded.name == "copy" and loaded.spec.standby is not None


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("c2c-vpn:iaas.applicationPorts", [443, 443]),
        ("c2c-vpn:iaas.aws.routeTableIds", ["rtb-0a1b2c3d4e5f60718", "rtb-0a1b2c3d4e5f60718"]),
        ("c2c-vpn:iaas.aws.securityGroupIds", ["sg-0a1b2c3d4e5f60718", "sg-0a1b2c3d4e5f60718"]),
    ],
)
def test_repeated_entries_are_refused(path: str, value: list[object]) -> None:
    # Each entry becomes a resource name: a repeat would make two resources with one name.
    (line,) = _error(set_path(raw_config("dev"), path, value))
    assert line.startswith(f"{path}: ") and "listed more than once" in line
