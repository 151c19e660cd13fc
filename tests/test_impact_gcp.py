"""The Google Cloud rows of the impact table, and ``c2cvpn impact`` on the gcp-dev example.

The facts come from the provider's own source (magic-modules ``mmv1/products/compute/*.yaml``:
VpnTunnel, VpnGateway, Address, ForwardingRule and Route are ``immutable: true``, so every field
is ForceNew unless it has its own update_url, such as ``labels`` (setLabels) and the forwarding
rule's ``target`` (setTarget); Firewall and AlertPolicy are PATCHed). The SDK contract (every
input classified or listed unused) is in tests/test_impact_table.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from c2cvpn.impact import table
from c2cvpn.impact.classes import Impact, Rule
from c2cvpn.impact.report import Report, build, format_markdown
from c2cvpn.impact.steps import from_plans
from tests.helpers import Planned, plan, raw_config, set_path

GCP_TYPES = (
    table.GCP_ADDRESS,
    table.GCP_GATEWAY,
    table.GCP_FORWARDING_RULE,
    table.GCP_TUNNEL,
    table.GCP_ROUTE,
    table.GCP_FIREWALL,
    table.GCP_ALERT_POLICY,
)
#: Where the table keeps its labels rows (the outputs labels come back as are rows too).
LABELS = {"labels", "effectiveLabels", "pulumiLabels"}


def rows(token: str) -> dict[str, Rule]:
    return {name: rule for (t, name), rule in table.PROPERTY_RULES.items() if t == token}


def row(token: str, path: str) -> Rule:
    found = table.lookup(token, path)
    assert found is not None, f"{token}.{path}"
    return found


# --------------------------------------------------------------------------- the rows


@pytest.mark.parametrize("token", GCP_TYPES)
def test_every_gcp_row_cites_the_provider_source(token: str) -> None:
    for name, rule in rows(token).items():
        assert "@" in rule.source, f"{token}.{name}: no commit in {rule.source!r}"
        assert any(
            repo in rule.source
            for repo in (
                "GoogleCloudPlatform/magic-modules",
                "hashicorp/terraform-provider-google",
                "pulumi/pulumi-gcp",
            )
        ), f"{token}.{name}: {rule.source!r}"
    type_rule = table.type_rule(token)
    assert type_rule is not None and "@" in type_rule.source


@pytest.mark.parametrize(
    "token",
    [table.GCP_ADDRESS, table.GCP_GATEWAY, table.GCP_TUNNEL, table.GCP_ROUTE],
)
def test_immutable_resources_replace_on_every_input_but_labels(token: str) -> None:
    """Address, the Classic gateway, the tunnel and the route are ``immutable: true``."""
    for name, rule in rows(token).items():
        if name in LABELS:
            assert rule.replaces is False and rule.impacts == table.NO_IMPACT, name
        elif name != "sharedSecretWo":  # write-only: never ForceNew (left to the preview)
            assert rule.replaces is True, f"{token}.{name}"
    if "labels" in rows(token):  # the Classic gateway and routes take no labels
        assert table.predicts_replace(token, ["labels.c2c-vpn-role"]) is False


def test_the_tunnel_is_replaced_by_any_change_and_only_its_labels_update() -> None:
    tunnel = table.GCP_TUNNEL
    for path in (
        "cipherSuite.phase1.encryptions[0]",
        "ikeVersion",
        "peerIp",
        "sharedSecret",
        "localTrafficSelectors[0]",
        "description",
        "targetVpnGateway",
    ):
        assert table.predicts_replace(tunnel, [path]) is True, path
        assert Impact.BOTH_TUNNELS_DOWN in row(tunnel, path).impacts, path
    for path in ("cipherSuite.phase2.pfs[0]", "ikeVersion", "peerIp", "remoteTrafficSelectors"):
        assert Impact.GENESYS_PARITY in row(tunnel, path).impacts, path
    type_rule = table.type_rule(tunnel)
    assert type_rule is not None
    assert Impact.BOTH_TUNNELS_DOWN in type_rule.on_replace
    assert Impact.NEW_PEER_IPS not in type_rule.on_replace  # the address keeps the peer IP


def test_the_shared_secret_is_a_secret_and_a_psk_rotation() -> None:
    for path in ("sharedSecret", "sharedSecretWo"):
        assert table.is_secret(table.GCP_TUNNEL, path)
        assert Impact.PSK_ROTATION in row(table.GCP_TUNNEL, path).impacts
    assert not table.is_secret(table.GCP_TUNNEL, "cipherSuite")
    assert row(table.GCP_TUNNEL, "sharedSecretWo").replaces is None  # [verify on first preview]


def test_a_replaced_address_is_a_new_peer_ip() -> None:
    address = table.type_rule(table.GCP_ADDRESS)
    assert address is not None and {Impact.NEW_PEER_IPS, Impact.BOTH_TUNNELS_DOWN} <= (
        address.on_replace
    )
    # Even the description text is ForceNew on an immutable resource.
    assert table.predicts_replace(table.GCP_ADDRESS, ["description"]) is True
    assert Impact.NEW_PEER_IPS in row(table.GCP_ADDRESS, "networkTier").impacts
    assert Impact.NEW_PEER_IPS in row(table.GCP_FORWARDING_RULE, "ipAddress").impacts


def test_the_forwarding_rule_moves_its_target_in_place() -> None:
    rule = table.GCP_FORWARDING_RULE
    assert table.predicts_replace(rule, ["target"]) is False  # setTarget
    assert Impact.BOTH_TUNNELS_DOWN in row(rule, "target").impacts
    for path in ("ipProtocol", "portRange", "name", "region", "project"):
        assert table.predicts_replace(rule, [path]) is True, path
    assert table.predicts_replace(rule, ["labels", "target"]) is False


def test_firewall_rules_patch_all_but_name_and_direction() -> None:
    firewall = table.GCP_FIREWALL
    for path in ("name", "direction", "project"):
        assert table.predicts_replace(firewall, [path]) is True, path
    for path in ("allows[0].ports[1]", "sourceRanges[0]", "targetTags", "priority", "network"):
        assert table.predicts_replace(firewall, [path]) is False, path
        assert row(firewall, path).impacts == {Impact.DELETE}, path
    assert row(firewall, "description").impacts == table.NO_IMPACT


def test_the_alert_policy_is_monitoring_only() -> None:
    for name, rule in rows(table.GCP_ALERT_POLICY).items():
        assert rule.impacts == table.NO_IMPACT, name
        assert rule.replaces is (name == "project"), name


def test_the_gcp_provider_is_never_replaced_but_a_default_project_moves_resources() -> None:
    provider = table.PROVIDER_GCP
    assert table.predicts_replace(provider, ["project", "region", "version"]) is False
    assert Impact.NEW_PEER_IPS in row(provider, "project").impacts
    assert row(provider, "region").impacts == table.NO_IMPACT
    assert table.type_rule("c2c-vpn:gcp:VpnAttachment") is not None


# --------------------------------------------------------------------------- gcp-dev plan pairs


def diff(planned: Planned, mutate: Callable[[dict[str, Any]], dict[str, Any]]) -> Report:
    head = plan(mutate(raw_config("gcp-dev")), "gcp-dev")
    return build(from_plans(planned("gcp-dev"), head, "gcp-dev"))


def test_the_gcp_example_against_itself_has_no_changes(planned: Planned) -> None:
    report = build(from_plans(planned("gcp-dev"), planned("gcp-dev"), "gcp-dev"))
    assert report.verdict.status == "no-changes" and report.exit_code == 0


def test_a_cipher_change_replaces_the_tunnels_and_needs_genesys_parity(planned: Planned) -> None:
    report = diff(planned, lambda c: set_path(c, "c2c-vpn:tunnel.phase1.encryption", "aes128"))
    tunnels = [f for f in report.findings if f.change.type == table.GCP_TUNNEL]
    assert {f.change.name for f in tunnels} == {"primary-tunnel", "standby-tunnel"}
    for finding in tunnels:
        assert finding.replaced and not finding.unclassified
        assert {Impact.BOTH_TUNNELS_DOWN, Impact.GENESYS_PARITY, Impact.REPLACE} <= (
            finding.impacts
        )
    assert {f.change.type for f in report.findings} == {table.GCP_TUNNEL}
    assert any("phase1.encryption" in a for a in report.actions)
    assert report.verdict.disruptive


def test_renaming_the_connection_gives_new_peer_ips(planned: Planned) -> None:
    report = diff(planned, lambda c: set_path(c, "c2c-vpn:tunnel.name", "DEV-GCP-CRM-VPN2"))
    address = next(f for f in report.findings if f.change.name == "primary-address")
    assert address.replaced and Impact.NEW_PEER_IPS in address.impacts
    assert all(not f.unclassified for f in report.findings)
    assert report.verdict.disruptive


def test_a_new_route_priority_replaces_the_route_only(planned: Planned) -> None:
    report = diff(planned, lambda c: set_path(c, "c2c-vpn:iaas.gcp.routePriority", 150))
    [route] = report.findings
    assert route.change.type == table.GCP_ROUTE and route.replaced
    assert route.impacts == {Impact.DELETE, Impact.REPLACE}


def test_the_gcp_key_never_reaches_the_report(planned: Planned) -> None:
    def keyed(key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
        return lambda c: set_path(c, "c2c-vpn:tunnel.preSharedKey", {"secure": key})

    base = plan(keyed("v1:AAAAAAAAAAAAAAAA")(raw_config("gcp-dev")), "gcp-dev")
    head = plan(keyed("v1:BBBBBBBBBBBBBBBB")(raw_config("gcp-dev")), "gcp-dev")
    report = build(from_plans(base, head, "gcp-dev"))
    tunnel = next(f for f in report.findings if f.change.name == "primary-tunnel")
    assert {Impact.PSK_ROTATION, Impact.REPLACE} <= tunnel.impacts
    assert "v1:AAAA" not in format_markdown(report)
