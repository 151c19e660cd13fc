"""The sourced impact table (c2cvpn/impact/table.py) against the installed SDKs and the program.

Three contracts: every input of the provider Args classes (pulumi_aws, azure-native,
pulumi_gcp, random) is classified with a source or listed as unused (a provider upgrade that
adds one fails here); every input the program sets, in every example stack under stacks/ and in
the variants (transit gateway, Route 53 failover and DR, Azure standby, the MSS appliance,
the Google Cloud alert policy and default project, Genesys manage mode), has a rule; and the
rows keep their own invariants (a source each, unverified rows leave replacement to the preview).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from typing import Any, cast

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp
import pulumi_random as random
import pytest
from pulumi_azure_native import compute, network

from c2cvpn.impact import table
from c2cvpn.impact.classes import Impact, Rule
from tests.genesys_support import PSK, api_stack
from tests.helpers import (
    EXAMPLES,
    STACKS,
    Planned,
    azure_standby_config,
    dr_config,
    plan,
    raw_config,
    set_path,
)

#: Every provider resource type the program creates, with its SDK class.
SDK_TYPES: dict[str, type[pulumi.CustomResource]] = {
    table.VPN_CONNECTION: aws.ec2.VpnConnection,
    table.CUSTOMER_GATEWAY: aws.ec2.CustomerGateway,
    table.VPN_GATEWAY: aws.ec2.VpnGateway,
    table.VPN_CONNECTION_ROUTE: aws.ec2.VpnConnectionRoute,
    table.ROUTE: aws.ec2.Route,
    table.ROUTE_TABLE: aws.ec2.RouteTable,
    table.ROUTE_TABLE_ASSOCIATION: aws.ec2.RouteTableAssociation,
    table.SUBNET: aws.ec2.Subnet,
    table.SECURITY_GROUP: aws.ec2.SecurityGroup,
    table.SECURITY_GROUP_RULE: aws.ec2.SecurityGroupRule,
    table.INSTANCE: aws.ec2.Instance,
    table.LOG_GROUP: aws.cloudwatch.LogGroup,
    table.METRIC_ALARM: aws.cloudwatch.MetricAlarm,
    table.TGW_ROUTE: aws.ec2transitgateway.Route,
    table.TGW_ASSOCIATION: aws.ec2transitgateway.RouteTableAssociation,
    table.TGW_PROPAGATION: aws.ec2transitgateway.RouteTablePropagation,
    table.HEALTH_CHECK: aws.route53.HealthCheck,
    table.DNS_RECORD: aws.route53.Record,
    table.AZ_CONNECTION: network.VirtualNetworkGatewayConnection,
    table.AZ_GATEWAY: network.VirtualNetworkGateway,
    table.AZ_LOCAL_GATEWAY: network.LocalNetworkGateway,
    table.AZ_PUBLIC_IP: network.PublicIPAddress,
    table.AZ_SUBNET: network.Subnet,
    table.AZ_SECURITY_RULE: network.SecurityRule,
    table.AZ_ROUTE_TABLE: network.RouteTable,
    table.AZ_NIC: network.NetworkInterface,
    table.AZ_VM: compute.VirtualMachine,
    table.GCP_ADDRESS: gcp.compute.Address,
    table.GCP_GATEWAY: gcp.compute.VPNGateway,
    table.GCP_FORWARDING_RULE: gcp.compute.ForwardingRule,
    table.GCP_TUNNEL: gcp.compute.VPNTunnel,
    table.GCP_ROUTE: gcp.compute.Route,
    table.GCP_FIREWALL: gcp.compute.Firewall,
    table.GCP_ALERT_POLICY: gcp.monitoring.AlertPolicy,
    table.RANDOM_PASSWORD: random.RandomPassword,
}

#: Every example stack under stacks/ (``Pulumi.<name>.yaml``): a new example is covered
#: without editing this file.
ALL_EXAMPLES: tuple[str, ...] = tuple(
    sorted(
        path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        for path in STACKS.glob("Pulumi.*.yaml")
    )
)


def args_class(resource: type) -> type:
    """The resource's own Args class. ``pulumi_aws.ec2.VpnConnectionRouteArgs`` and the
    azure-native ``VirtualNetworkGatewayArgs`` are nested input types: the resource module
    names its Args ``<Name>InitArgs`` when the plain name is taken."""
    module = sys.modules[resource.__module__]
    for name in (f"{resource.__name__}InitArgs", f"{resource.__name__}Args"):
        if hasattr(module, name):
            found: type = getattr(module, name)
            return found
    raise AssertionError(f"no Args class for {resource.__module__}.{resource.__name__}")


def sdk_inputs(args: type) -> set[str]:
    """The camelCase input names of an Args class (each property getter carries its wire name)."""
    return {
        cast(Any, prop.fget)._pulumi_name
        for prop in vars(args).values()
        if isinstance(prop, property) and hasattr(prop.fget, "_pulumi_name")
    }


def classified(type_token: str, name: str) -> bool:
    """A row of the table, not only the type's default."""
    return (type_token, table.input_name(type_token, name)) in table.PROPERTY_RULES


# --------------------------------------------------------------------------- the SDK contract


def test_the_sdk_args_classes_are_the_resources_own() -> None:
    """The helpers read the right classes: a nested input type would make the contract vacuous."""
    vpn = sdk_inputs(args_class(aws.ec2.VpnConnection))
    assert {"customerGatewayId", "tunnel1InsideCidr", "tunnel2PresharedKey"} <= vpn
    assert "vpnConnectionId" in sdk_inputs(args_class(aws.ec2.VpnConnectionRoute))
    assert "virtualNetworkGatewayName" in sdk_inputs(args_class(network.VirtualNetworkGateway))
    assert "publicIpAddressName" in sdk_inputs(args_class(network.PublicIPAddress))
    assert {"sharedSecret", "cipherSuite", "targetVpnGateway"} <= sdk_inputs(
        args_class(gcp.compute.VPNTunnel)
    )
    assert args_class(gcp.compute.VPNTunnel) is gcp.compute.VPNTunnelArgs
    assert args_class(gcp.compute.VPNGateway) is gcp.compute.VPNGatewayArgs
    assert args_class(gcp.monitoring.AlertPolicy) is gcp.monitoring.AlertPolicyArgs


def test_the_sdk_type_tokens_are_the_tables() -> None:
    """The table's keys are the tokens the installed SDKs register (a renamed module or a new
    casing, ``vPNTunnel``, would leave every row of the type dead)."""
    from pulumi.type_token import get_type_token

    assert {token: get_type_token(resource) for token, resource in SDK_TYPES.items()} == {
        token: token for token in SDK_TYPES
    }


@pytest.mark.parametrize("type_token", sorted(SDK_TYPES))
def test_every_sdk_input_is_classified_or_listed_unused(type_token: str) -> None:
    rule = table.type_rule(type_token)
    assert rule is not None, f"{type_token}: no TYPE_RULES entry"
    inputs = sdk_inputs(args_class(SDK_TYPES[type_token]))
    assert inputs, f"{type_token}: the SDK exposes no inputs (helper broken?)"
    new = sorted(n for n in inputs if not classified(type_token, n) and n not in rule.unused)
    assert not new, (
        f"{type_token}: the installed SDK has inputs the impact table does not know: {new}. "
        "Classify each in c2cvpn/impact/table.py with a source (provider file or vendor page), "
        "or add it to the type's `unused` if the program never sets it."
    )
    stale = sorted(rule.unused - inputs)
    assert not stale, f"{type_token}: `unused` names inputs the SDK no longer has: {stale}"


@pytest.mark.parametrize("type_token", sorted(SDK_TYPES))
def test_unused_inputs_and_rows_never_overlap(type_token: str) -> None:
    rule = table.type_rule(type_token)
    assert rule is not None
    both = sorted(n for n in rule.unused if classified(type_token, n))
    assert not both, f"{type_token}: both classified and listed unused: {both}"


# --------------------------------------------------------------------------- what the program sets


def _tgw_config() -> dict[str, Any]:
    config = raw_config("dev")
    config["c2c-vpn:iaas"]["aws"].update(
        gateway="tgw",
        transitGatewayId="tgw-0123456789abcdef0",
        transitGatewayRouteTableId="tgw-rtb-0123456789abcdef0",
        transitGatewayVpcAttachmentId="tgw-attach-0123456789abcdef0",
    )
    return config


def _azure_appliance_config(ssh_key: bool = False) -> dict[str, Any]:
    config = raw_config("azure-dev")
    config["c2c-vpn:iaas"]["mssClamp"]["enabled"] = True
    config["c2c-vpn:iaas"]["azure"]["applianceSubnetPrefix"] = "10.20.255.32/28"
    if ssh_key:
        key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops"
        set_path(config, "c2c-vpn:iaas.azure.applianceSshPublicKey", key)
    return config


def _gcp_alert_config() -> dict[str, Any]:
    """gcp-dev with the alert policy, and the primary's project left to ``gcp:project``."""
    config = raw_config("gcp-dev")
    gcp_iaas = config["c2c-vpn:iaas"]["gcp"]
    gcp_iaas["alertNotificationChannels"] = ["projects/acme-cc-dev/notificationChannels/123"]
    del gcp_iaas["project"]
    return config


VARIANTS = {
    "prod-dr-route53": dr_config,
    "prod-dr-other-region": lambda: dr_config(region="us-west-2", availabilityZone="us-west-2a"),
    "dev-transit-gateway": _tgw_config,
    "azure-standby": azure_standby_config,
    "azure-appliance-password": _azure_appliance_config,
    "azure-appliance-ssh": lambda: _azure_appliance_config(ssh_key=True),
    "gcp-alert-default-project": _gcp_alert_config,
}


class _Mocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


def _manage_mode_resources(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The Genesys side in manage mode (the offline plan does not build it): the dynamic record."""
    from components.genesys import genesys_side

    monkeypatch.setenv("GENESYS_CLIENT_SECRET", "never-in-state")
    mocks = _Mocks()
    pulumi.runtime.set_mocks(mocks, preview=False)
    stack = api_stack("http://127.0.0.1:8787", mode="manage", clientId="ops")

    @pulumi.runtime.test
    def program() -> Any:
        peers = {
            role: {"peerIp": pulumi.Output.from_input(ip)}
            for role, ip in (("primary", "198.51.100.7"), ("standby", "198.51.100.8"))
        }
        keys = {role: pulumi.Output.secret(PSK) for role in ("primary", "standby")}
        return genesys_side(stack, cloud_outputs=peers, psks=keys)["genesysConnectionIds"]

    program()
    return [{"type": r.typ, "name": r.name, "inputs": dict(r.inputs)} for r in mocks.resources]


@pytest.fixture(scope="module")
def variant_plans() -> dict[str, list[dict[str, Any]]]:
    return {name: plan(build(), name)["resources"] for name, build in VARIANTS.items()}


def _planned_resources(
    planned: Planned, variants: Mapping[str, list[dict[str, Any]]], managed: list[dict[str, Any]]
) -> Iterator[tuple[str, dict[str, Any]]]:
    for name in ALL_EXAMPLES:
        for resource in planned(name)["resources"]:
            yield name, resource
    for name, resources in variants.items():
        for resource in resources:
            yield name, resource
    for resource in managed:
        yield "manage-mode", resource


@pytest.fixture(scope="module")
def managed() -> Iterator[list[dict[str, Any]]]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield _manage_mode_resources(monkeypatch)


def test_the_variants_reach_the_types_the_examples_do_not(
    planned: Planned, variant_plans: dict[str, list[dict[str, Any]]], managed: list[dict[str, Any]]
) -> None:
    """The variants are what make the next test cover the whole program."""
    types = {r["type"] for _, r in _planned_resources(planned, variant_plans, managed)}
    for token in (
        table.TGW_ROUTE,
        table.TGW_ASSOCIATION,
        table.TGW_PROPAGATION,
        table.HEALTH_CHECK,
        table.DNS_RECORD,
        table.PROVIDER_AWS,
        table.AZ_VM,
        table.AZ_NIC,
        table.AZ_ROUTE_TABLE,
        table.INSTANCE,
        table.GENESYS_RECORD,
        table.GCP_ALERT_POLICY,
    ):
        assert token in types, f"no variant plans a {token}"


def test_every_example_stack_is_planned() -> None:
    """The contract reads stacks/ itself: the helpers' list is a subset, never the limit."""
    assert set(EXAMPLES) <= set(ALL_EXAMPLES)
    assert "gcp-dev" in ALL_EXAMPLES, "the Google Cloud example is gone: its rows lose coverage"


def test_the_examples_and_variants_plan_every_sdk_type(
    planned: Planned, variant_plans: dict[str, list[dict[str, Any]]], managed: list[dict[str, Any]]
) -> None:
    """Every type of SDK_TYPES is something the program really creates somewhere."""
    types = {r["type"] for _, r in _planned_resources(planned, variant_plans, managed)}
    assert sorted(set(SDK_TYPES) - types) == []


def test_every_input_the_program_sets_has_a_rule(
    planned: Planned, variant_plans: dict[str, list[dict[str, Any]]], managed: list[dict[str, Any]]
) -> None:
    missing_types: set[str] = set()
    missing_inputs: set[tuple[str, str, str]] = set()
    for stack, resource in _planned_resources(planned, variant_plans, managed):
        token = resource["type"]
        if table.type_rule(token) is None:
            missing_types.add(token)
            continue
        for key in resource.get("inputs") or {}:
            if table.lookup(token, key) is None:
                missing_inputs.add((stack, token, key))
    assert not missing_types, f"types without a TYPE_RULES entry: {sorted(missing_types)}"
    assert not missing_inputs, (
        f"inputs the program sets that the impact table does not classify: {sorted(missing_inputs)}"
    )


def test_every_provider_input_the_program_sets_is_a_row_not_a_default(
    planned: Planned, variant_plans: dict[str, list[dict[str, Any]]], managed: list[dict[str, Any]]
) -> None:
    """A default only covers containers (no inputs); provider resources need real rows."""
    for _, resource in _planned_resources(planned, variant_plans, managed):
        token = resource["type"]
        if token in SDK_TYPES or token == table.GENESYS_RECORD or token == table.PROVIDER_AWS:
            for key in resource.get("inputs") or {}:
                assert classified(token, key), f"{token}.{key}: only the default classifies it"


def _secret_paths(value: Any, path: str = "") -> Iterator[str]:
    if isinstance(value, str) and value.startswith("[secret]"):
        yield path
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            yield from _secret_paths(inner, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _secret_paths(inner, f"{path}[{index}]")


def test_every_value_the_plan_masks_is_a_secret_input(
    planned: Planned, variant_plans: dict[str, list[dict[str, Any]]], managed: list[dict[str, Any]]
) -> None:
    """Whatever the offline plan shows as ``[secret]`` must stay hidden in impact reports too."""
    masked = [
        (r["type"], path)
        for _, r in _planned_resources(planned, variant_plans, [])
        for path in _secret_paths(r.get("inputs") or {})
    ]
    assert masked, "the plans mask no value: the test would prove nothing"
    assert [(t, p) for t, p in masked if not table.is_secret(t, p)] == []
    record = next(r for r in managed if r["type"] == table.GENESYS_RECORD)
    assert "preSharedKey" in record["inputs"]
    assert table.is_secret(table.GENESYS_RECORD, "preSharedKey")


def test_types_only_a_real_preview_shows_are_known() -> None:
    """The stack, the default providers and the components never appear in an offline plan."""
    for token in (
        table.STACK,
        table.PROVIDER_AWS,
        table.PROVIDER_AZURE,
        table.PROVIDER_RANDOM,
        table.PROVIDER_DYNAMIC,
        table.PROVIDER_GCP,
        *table.COMPONENTS,
    ):
        assert table.type_rule(token) is not None, token
    for token in (
        table.PROVIDER_AWS,
        table.PROVIDER_AZURE,
        table.PROVIDER_RANDOM,
        table.PROVIDER_GCP,
    ):
        version = table.lookup(token, "version")
        assert version is not None and version.impacts == table.NO_IMPACT


def test_the_dynamic_record_token_is_what_the_sdk_builds() -> None:
    from components.genesys import VpnConnectionRecord

    assert f"pulumi-python:{VpnConnectionRecord._resource_type_name}" == table.GENESYS_RECORD


# --------------------------------------------------------------------------- row invariants


def _all_rules() -> Iterator[tuple[str, Rule]]:
    for (token, name), rule in table.PROPERTY_RULES.items():
        yield f"{token}.{name}", rule
    for token, type_rule in table.TYPE_RULES.items():
        if type_rule.default is not None:
            yield f"{token} (default)", type_rule.default


def test_every_row_and_type_has_a_source() -> None:
    assert [where for where, rule in _all_rules() if not rule.source.strip()] == []
    assert [t for t, rule in table.TYPE_RULES.items() if not rule.source.strip()] == []
    assert [t for t, rule in table.TYPE_RULES.items() if not rule.label.strip()] == []


def test_unverified_rows_leave_replacement_to_the_preview() -> None:
    """``[verify on first preview]`` and ``replaces=None`` go together, both ways."""
    unverified = [where for where, rule in _all_rules() if table.VERIFY in rule.why]
    undecided = [where for where, rule in _all_rules() if rule.replaces is None]
    assert unverified, "no unverified row: the marker would be dead"
    assert sorted(unverified) == sorted(undecided)


def test_rows_are_well_formed() -> None:
    for where, rule in _all_rules():
        assert rule.impacts, f"{where}: no impact class"
        assert Impact.UNCLASSIFIED not in rule.impacts, f"{where}: a row is never unclassified"
        if Impact.NO_IMPACT in rule.impacts:
            assert rule.impacts == table.NO_IMPACT, f"{where}: no-impact mixed with others"
    for token, name in table.PROPERTY_RULES:
        owner = table.type_rule(token)
        assert owner is not None, f"{token}.{name}: a row for a type without a TYPE_RULES entry"
        if name.startswith(table.TUNNEL):
            assert owner.tunnel_scoped, f"{token}.{name}: a tunnel placeholder on a plain type"
        if owner.tunnel_scoped:
            assert table.tunnel_of(token, name) is None, f"{token}.{name}: key a tunnel once"


def test_replacement_cascades_are_disruptive() -> None:
    """Replacing a provider resource is never shown as safe; containers carry no impact."""
    for token, rule in table.TYPE_RULES.items():
        if token in table.COMPONENTS or token == table.STACK:
            assert rule.on_replace == table.NO_IMPACT
            continue
        assert rule.on_replace - table.NO_IMPACT, token
        assert Impact.NO_IMPACT not in rule.on_delete or token.startswith("pulumi:providers:")


# --------------------------------------------------------------------------- lookups


def test_nested_paths_classify_as_their_top_level_input() -> None:
    assert table.lookup(table.AZ_CONNECTION, "ipsecPolicies[0].ikeEncryption") is table.lookup(
        table.AZ_CONNECTION, "ipsecPolicies"
    )
    assert table.lookup(table.CUSTOMER_GATEWAY, "tags.Name") is table.lookup(
        table.CUSTOMER_GATEWAY, "tags"
    )
    assert table.lookup(table.CUSTOMER_GATEWAY, '["tags"]["c2c-vpn:role"]') is table.lookup(
        table.CUSTOMER_GATEWAY, "tags"
    )
    assert table.top_level("tunnel1Phase1EncryptionAlgorithms[0]") == (
        "tunnel1Phase1EncryptionAlgorithms"
    )


def test_both_tunnels_share_one_row_and_say_which_tunnel() -> None:
    for name in ("Phase1EncryptionAlgorithms[0]", "PresharedKey", "InsideCidr", "LogOptions"):
        one = table.lookup(table.VPN_CONNECTION, f"tunnel1{name}")
        two = table.lookup(table.VPN_CONNECTION, f"tunnel2{name}")
        assert one is not None and one is two
        assert table.tunnel_of(table.VPN_CONNECTION, f"tunnel1{name}") == 1
        assert table.tunnel_of(table.VPN_CONNECTION, f"tunnel2{name}") == 2
    assert table.input_name(table.VPN_CONNECTION, "tunnel2IkeVersions[0]") == "tunnel{n}IkeVersions"
    assert table.tunnel_of(table.VPN_CONNECTION, "customerGatewayId") is None
    assert table.tunnel_of(table.VPN_CONNECTION, "tunnel3IkeVersions") is None
    # Only a tunnel-scoped type maps tunnel1*/tunnel2*.
    assert table.tunnel_of(table.AZ_CONNECTION, "tunnel1Foo") is None


def test_unknown_types_and_inputs() -> None:
    assert table.lookup("aws:s3/bucket:Bucket", "tags") is None
    assert table.type_rule("aws:s3/bucket:Bucket") is None
    assert table.lookup(table.VPN_CONNECTION, "somethingNew") is None  # no default: unclassified
    container = table.lookup(table.COMPONENTS[0], "anything")
    assert container is not None and container.impacts == table.NO_IMPACT
    assert table.predicts_replace("aws:s3/bucket:Bucket", ["tags"]) is None
    assert table.predicts_replace(table.VPN_CONNECTION, []) is False


def test_predicts_replace_combines_the_rows() -> None:
    for token in (
        table.VPN_CONNECTION,
        table.AZ_CONNECTION,
        table.AZ_PUBLIC_IP,
        table.GCP_TUNNEL,
        table.GCP_FIREWALL,
    ):
        rows = {n: r for (t, n), r in table.PROPERTY_RULES.items() if t == token}
        in_place = [n for n, r in rows.items() if r.replaces is False]
        replacing = [n for n, r in rows.items() if r.replaces is True]
        unknown = [n for n, r in rows.items() if r.replaces is None]
        paths = [n.replace(table.TUNNEL, "tunnel1") for n in in_place]
        assert table.predicts_replace(token, paths) is False
        if replacing:
            first = replacing[0].replace(table.TUNNEL, "tunnel2")
            assert table.predicts_replace(token, [*paths, first]) is True
            assert table.predicts_replace(token, [*unknown, first]) is True
        if unknown:
            assert table.predicts_replace(token, [*paths, unknown[0]]) is None
    assert table.predicts_replace(table.VPN_CONNECTION, ["tunnel1IkeVersions", "brandNew"]) is None


def test_the_facts_the_verdict_leans_on() -> None:
    """The rows the PR verdict depends on most, checked against their sources' statements."""
    vpn = table.VPN_CONNECTION

    def row(token: str, path: str) -> Rule:
        found = table.lookup(token, path)
        assert found is not None, f"{token}.{path}"
        return found

    # ForceNew inside CIDR: a new connection, new peer IPs, Genesys enters the new range.
    inside = row(vpn, "tunnel1InsideCidr")
    assert inside.replaces is True
    assert {Impact.NEW_PEER_IPS, Impact.GENESYS_PARITY} <= inside.impacts
    # ModifyVpnTunnelOptions: only the modified tunnel, in place.
    phase2 = row(vpn, "tunnel2Phase2EncryptionAlgorithms[0]")
    assert phase2.replaces is False and Impact.TUNNEL_BLIP in phase2.impacts
    assert Impact.BOTH_TUNNELS_DOWN not in phase2.impacts
    # ModifyVpnConnection: both tunnels.
    assert Impact.BOTH_TUNNELS_DOWN in row(vpn, "customerGatewayId").impacts
    # Every customer gateway input but tags replaces it; the cascade drops both tunnels.
    cgw = table.type_rule(table.CUSTOMER_GATEWAY)
    assert cgw is not None and Impact.BOTH_TUNNELS_DOWN in cgw.on_replace
    assert table.predicts_replace(table.CUSTOMER_GATEWAY, ["deviceName"]) is True
    assert table.predicts_replace(table.CUSTOMER_GATEWAY, ["tags.Name"]) is False
    # A new PSK recipe is a new PSK.
    assert table.predicts_replace(table.RANDOM_PASSWORD, ["length"]) is True
    password = table.type_rule(table.RANDOM_PASSWORD)
    assert password is not None and Impact.PSK_ROTATION in password.on_replace
    # azure-native forceNewMap: a public IP's sku replaces it, a new peer IP.
    assert table.predicts_replace(table.AZ_PUBLIC_IP, ["sku.name"]) is True
    public_ip = table.type_rule(table.AZ_PUBLIC_IP)
    assert public_ip is not None and Impact.NEW_PEER_IPS in public_ip.on_replace
    # Not in forceNewMap: left to the preview, flagged as an apply-time risk.
    protocol = row(table.AZ_CONNECTION, "connectionProtocol")
    assert protocol.replaces is None and Impact.AZURE_CREATE_ONLY in protocol.impacts
    # The Genesys record is updated in place by manage.diff, replaced only when lost.
    assert row(table.GENESYS_RECORD, "record.phase2.encryption").replaces is False


def test_secret_inputs() -> None:
    for token, path in (
        (table.VPN_CONNECTION, "tunnel1PresharedKey"),
        (table.VPN_CONNECTION, "tunnel2PresharedKey"),
        (table.AZ_CONNECTION, "sharedKey"),
        (table.RANDOM_PASSWORD, "result"),
        (table.GENESYS_RECORD, "preSharedKey"),
        (table.GENESYS_RECORD, "pre_shared_key_digest"),
        (table.GCP_TUNNEL, "sharedSecret"),
        (table.GCP_TUNNEL, "sharedSecretWo"),
    ):
        assert table.is_secret(token, path), (token, path)
        assert (token, table.input_name(token, path)) in table.SECRET_INPUTS
    assert not table.is_secret(table.VPN_CONNECTION, "tunnel1IkeVersions")
    assert not table.is_secret(table.AZ_CONNECTION, "ipsecPolicies[0].ikeEncryption")
    assert not table.is_secret("aws:s3/bucket:Bucket", "tunnel1PresharedKey")
    assert table.SECRET_INPUTS == {k for k, r in table.PROPERTY_RULES.items() if r.secret}
