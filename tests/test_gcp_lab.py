"""``c2cvpn lab`` for Google Cloud stacks: the Classic VPN behaviour model, and real labs.

The model tests read the plan of ``gcp-dev`` (``plan_stack`` under Pulumi's mocks) and need no
root: one model for the two Classic gateways that share the VPC network ``crm-vpc``, the
cipher suite read through the model's own spelling tables, Google's fixed lifetimes, the
VPC's routes with their priorities and the network's firewall rules, what the API refuses and
what would deploy but carry nothing. The lab tests build the ends for real in network
namespaces; through the ``clean`` fixture they fail in CI (``CI=true``) when root, strongSwan
or a tool is missing, and assert that nothing is left behind.
"""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

import pytest

from c2cvpn.lab.cloud import CloudPlane, Gateways, Options, cloud_preconditions
from c2cvpn.lab.cloud_conf import cloud_swanctl
from c2cvpn.lab.cloud_model import (
    GCP_DPD_ASSUMED,
    CloudModel,
    RouteEntry,
    Source,
    assume_dpd,
    cloud_model,
)
from c2cvpn.lab.netns import leftovers, tagged_namespaces
from c2cvpn.lab.run import LabResult, workdir_for
from c2cvpn.lab.stack import endpoint_index, run_stack_lab
from c2cvpn.spec import LoadedStack, load_stack
from components.mock_engine import plan_stack
from tests.helpers import ROOT, cli
from tests.netns import require

STACK = "gcp-dev"

# --------------------------------------------------------------------------- helpers


@functools.cache
def _planned() -> tuple[LoadedStack, dict[str, Any]]:
    loaded = load_stack(STACK, root=ROOT)
    return loaded, plan_stack(loaded)


def stack() -> tuple[LoadedStack, dict[str, Any]]:
    """gcp-dev and its plan (a fresh copy: tests edit it)."""
    loaded, plan = _planned()
    return loaded, copy.deepcopy(plan)


def resource(plan: dict[str, Any], name: str) -> dict[str, Any]:
    found = [r for r in plan["resources"] if r["name"] == name]
    assert len(found) == 1, f"expected one resource {name!r}, got {len(found)}"
    return found[0]


def inputs(plan: dict[str, Any], name: str) -> dict[str, Any]:
    ins: dict[str, Any] = resource(plan, name)["inputs"]
    return ins


def drop(plan: dict[str, Any], *names: str) -> None:
    for name in names:
        resource(plan, name)
    plan["resources"] = [r for r in plan["resources"] if r["name"] not in names]


def suite(plan: dict[str, Any], role: str = "primary") -> dict[str, Any]:
    found: dict[str, Any] = inputs(plan, f"{role}-tunnel")["cipherSuite"]
    return found


def model() -> CloudModel:
    return cloud_model(stack()[1])


def checks(result: LabResult) -> dict[str, bool]:
    return {c.name: c.ok for c in result.checks}


def failed(result: LabResult) -> list[str]:
    return [f"{c.name}: {c.detail}" for c in result.checks if not c.ok]


def lab(plan: dict[str, Any] | None = None, **options: Any) -> LabResult:
    """The gcp-dev lab, in-process, with no key from this environment."""
    require(cloud_preconditions(), "cloud lab tests")
    loaded, planned = stack()
    return run_stack_lab(
        loaded, plan if plan is not None else planned, options=Options(**options), environ={}
    )


def gone(tag: str) -> None:
    assert not tagged_namespaces(tag)
    assert leftovers(tag, workdir_for(tag)) == []


ROUTE = "primary-route-10-100-0-0-24"
STANDBY_ROUTE = "standby-route-10-100-0-0-24"

# --------------------------------------------------------------------------- the model (no root)


def test_both_classic_gateways_on_one_network_are_one_model() -> None:
    m = model()
    assert m.provider == "gcp" and m.attachment == "primary"
    assert [(e.index, e.label, e.attachment, e.gateway) for e in m.endpoints] == [
        (1, "primary-tunnel", "primary", "primary-gateway"),
        (2, "standby-tunnel", "standby", "standby-gateway"),
    ]
    one, two = m.endpoints
    # each its own address (the forwarding rules' ipAddress) and its own key
    assert one.outside == "(known after apply: primary-address.address)"
    assert two.outside == "(known after apply: standby-address.address)"
    assert (one.psk_resource, two.psk_resource) == ("tunnel-psk", "tunnel-standby-psk")
    assert one.peer_ip == two.peer_ip == "203.0.113.60"
    assert one.sources["psk"] == Source("primary-tunnel", "sharedSecret")
    assert m.networks == ["10.20.0.0/24"] and m.application_ports == [443, 1433]
    assert m.refusals == [] and m.broken == []
    # the standby's lab sees the same VPC network
    assert [e.label for e in cloud_model(stack()[1], "standby").endpoints] == [
        "primary-tunnel",
        "standby-tunnel",
    ]


def test_proposals_come_from_the_cipher_suite_in_strongswan_spelling() -> None:
    for e in model().endpoints:
        assert e.ike_versions == ("ikev2",)
        # AES-CBC-256 / HMAC-SHA2-256-128 / PRF-HMAC-SHA2-256 / Group-14
        assert e.ike_proposals == ("aes256-sha256-prfsha256-modp2048",)
        # AES-CBC-256 / HMAC-SHA2-256-128 / PFS Group-14
        assert e.esp_proposals == ("aes256-sha256-modp2048",)
        assert e.allowed["phase2.pfsGroup"] == ("modp2048",)
        assert str(e.sources["phase1.encryption"]) == (f"{e.label}.cipherSuite.phase1.encryptions")


def test_lifetimes_are_googles_fixed_ones_and_selectors_any_to_any() -> None:
    for e in model().endpoints:
        assert (e.ike_lifetime, e.esp_lifetime) == (36000, 10800)
        assert e.local_ts == e.remote_ts == ("0.0.0.0/0",)
        assert e.sources["localNetworks"] == Source(e.label, "remoteTrafficSelectors")
        # initiates on traffic only; no inside addresses on a Classic static tunnel
        assert not e.initiates and e.initiates_on_traffic
        assert e.inside_cidr is None
        # no DPD knob: the lab's assumption, marked as such
        assert e.dpd_assumed and e.dpd_timeout == GCP_DPD_ASSUMED and e.dpd_action == "clear"


def test_an_aead_suite_uses_the_prf_and_no_integrity() -> None:
    _, plan = stack()
    s = suite(plan)
    s["phase1"] = {
        "encryptions": ["AES-GCM-16-256"],
        "prves": ["PRF-HMAC-SHA2-384"],
        "dhs": ["Group-20"],
    }
    s["phase2"] = {"encryptions": ["AES-GCM-16-128"], "pfs": ["Group-20"]}
    one = cloud_model(plan).endpoints[0]
    assert one.ike_proposals == ("aes256gcm16-prfsha384-ecp384",)
    assert one.esp_proposals == ("aes128gcm16-ecp384",)
    assert one.allowed["phase1.integrity"] == ("sha384",)  # what a Genesys "integrity" maps to


def test_without_a_cipher_suite_google_offers_its_whole_default_list() -> None:
    _, plan = stack()
    del inputs(plan, "primary-tunnel")["cipherSuite"]
    m = cloud_model(plan)
    one = m.endpoints[0]
    assert m.refusals == []
    assert set(one.allowed["phase1.encryption"]) >= {"aes128", "aes256", "3des", "aes256gcm16"}
    # phase 2 has no 3DES, no SHA-384 and no MD5 integrity
    assert "3des" not in one.allowed["phase2.encryption"]
    assert set(one.allowed["phase2.integrity"]) == {"sha256", "sha512", "sha1"}
    assert "modp6144" not in one.allowed["phase1.dhGroup"]  # group 17: offered nowhere
    plain = next(p for p in one.esp_proposals if "gcm" not in p)
    assert not any(t in plain.split("-") for t in ("3des", "sha384", "md5"))
    # Google's table order: Group-14 first
    assert one.allowed["phase1.dhGroup"][0] == "modp2048"
    assert any("sets no cipherSuite" in n for n in m.notes)
    assert m.endpoints[1].ike_proposals == ("aes256-sha256-prfsha256-modp2048",)  # unchanged


@pytest.mark.parametrize(
    ("phase", "key", "value", "allowed"),
    [
        ("phase1", "encryptions", "AES-256-CBC", "AES-CBC-256"),  # misspelt
        ("phase1", "encryptions", "aes-cbc-256", "AES-CBC-256"),  # values are case-sensitive
        ("phase2", "encryptions", "3DES-CBC", "AES-CBC-128"),  # phase 2 has no 3DES
        ("phase2", "integrities", "HMAC-SHA2-384-192", "HMAC-SHA2-512-256"),  # nor SHA-384
        ("phase2", "integrities", "HMAC-MD5-96", "HMAC-SHA1-96"),  # nor MD5
        ("phase1", "dhs", "Group-17", "Group-14"),  # group 17: nowhere
        ("phase2", "pfs", "Group-1", "Group-14"),  # group 1: nowhere
        ("phase1", "prves", "PRF-HMAC-SHA256", "PRF-HMAC-SHA2-256"),
    ],
)
def test_a_value_google_does_not_take_is_a_refusal_naming_the_input(
    phase: str, key: str, value: str, allowed: str
) -> None:
    _, plan = stack()
    suite(plan)[phase][key] = [value]
    refusals = cloud_model(plan).refusals
    assert len(refusals) == 1, refusals
    (refusal,) = refusals
    assert refusal.source == Source("primary-tunnel", f"cipherSuite.{phase}.{key}")
    assert refusal.value == value and allowed in refusal.allowed.split(" | ")
    assert f"primary-tunnel.cipherSuite.{phase}.{key}" in str(refusal)


def test_an_aead_cipher_with_a_separate_integrity_is_refused() -> None:
    _, plan = stack()
    suite(plan)["phase2"]["encryptions"] = ["AES-GCM-16-256"]  # integrities stay set
    (refusal,) = cloud_model(plan).refusals
    assert refusal.source == Source("primary-tunnel", "cipherSuite.phase2.integrities")
    assert "AEAD" in refusal.allowed


def test_a_route_inside_a_subnet_or_out_of_range_is_refused() -> None:
    _, plan = stack()
    inputs(plan, ROUTE)["destRange"] = "10.20.0.128/25"  # inside the subnet 10.20.0.0/24
    inputs(plan, STANDBY_ROUTE)["priority"] = 70000
    refusals = {str(r.source): r for r in cloud_model(plan).refusals}
    assert set(refusals) == {f"{ROUTE}.destRange", f"{STANDBY_ROUTE}.priority"}
    assert "10.20.0.0/24" in refusals[f"{ROUTE}.destRange"].allowed


def test_the_vpcs_routes_keep_their_priorities_and_next_hops() -> None:
    m = model()
    (table,) = m.tables
    assert table == "crm-vpc (tags crm-backend)"
    entries = sorted(m.tables[table], key=lambda e: e.priority or 0)
    assert [(e.destination, e.priority, e.endpoint, e.tags) for e in entries] == [
        ("10.100.0.0/24", 100, 1, ("crm-backend",)),
        ("10.100.0.0/24", 200, 2, ("crm-backend",)),
    ]
    assert entries[0].source == Source(ROUTE, "destRange")
    assert [d for d, _ in m.gateway_routes] == ["10.100.0.0/24"]
    assert [e.routes for e in m.endpoints] == [("10.100.0.0/24",), ("10.100.0.0/24",)]
    (backend,) = m.backends
    assert backend.table == table and backend.address == "10.20.0.10"


def test_the_firewall_is_the_networks_planned_rules_over_googles_implied_ones() -> None:
    (backend,) = model().backends
    flt = backend.filter
    assert flt.name == "crm-vpc"
    assert (flt.default_in, flt.default_out) == ("drop", "accept")  # implied rules
    sources = {str(r.source) for r in flt.rules}
    assert sources == {"primary-fw-tcp", "primary-fw-icmp", "standby-fw-tcp", "standby-fw-icmp"}
    tcp = [r for r in flt.rules if r.protocol == "tcp" and str(r.source) == "primary-fw-tcp"]
    assert sorted(r.ports for r in tcp if r.ports) == [(443, 443), (1433, 1433)]
    assert all(r.priority == 1000 and r.access == "accept" for r in flt.rules)
    assert tcp[0].matches("tcp", tcp[0].ports[0] if tcp[0].ports else 0, "10.100.0.9")
    assert not tcp[0].matches("tcp", 22, "10.100.0.9")
    assert not tcp[0].matches("tcp", 443, "10.101.0.9")


def test_a_deny_wins_over_an_allow_of_the_same_priority() -> None:
    _, plan = stack()
    inputs(plan, "standby-fw-tcp")["denies"] = inputs(plan, "standby-fw-tcp").pop("allows")
    m = cloud_model(plan)
    first = next(r for r in m.backends[0].filter.rules if r.protocol == "tcp")
    assert first.access == "drop" and str(first.source) == "standby-fw-tcp"
    names = {name for name, _ in m.broken}
    assert names == {"firewall"}
    assert any("standby-fw-tcp denies it" in why for _, why in m.broken)


def test_a_firewall_without_the_application_port_is_broken() -> None:
    _, plan = stack()
    for name in ("primary-fw-tcp", "standby-fw-tcp"):
        inputs(plan, name)["allows"][0]["ports"] = ["443"]
    broken = cloud_model(plan).broken
    assert [name for name, _ in broken] == ["firewall"]
    (why,) = [w for _, w in broken]
    assert "TCP 1433" in why and "implied deny-ingress" in why


def test_a_tunnel_without_a_route_is_broken() -> None:
    _, plan = stack()
    drop(plan, STANDBY_ROUTE)
    m = cloud_model(plan)
    assert [name for name, _ in m.broken] == ["standby-tunnel routes"]
    (why,) = [w for _, w in m.broken]
    assert "10.100.0.0/24" in why and "nextHopVpnTunnel" in why
    assert m.endpoints[1].routes == ()


def test_a_route_with_tags_no_back_end_carries_is_broken() -> None:
    _, plan = stack()
    inputs(plan, ROUTE)["tags"] = ["crm-frontend"]
    m = cloud_model(plan)
    names = [name for name, _ in m.broken]
    assert names == ["route tags", "primary-tunnel routes"], m.broken
    assert f"{ROUTE}.tags (crm-frontend)" in m.broken[0][1]


def test_a_missing_forwarding_rule_is_broken() -> None:
    _, plan = stack()
    drop(plan, "primary-fr-udp500")
    (broken,) = cloud_model(plan).broken
    assert broken[0] == "forwarding rules" and "UDP 500" in broken[1]
    assert "IKE never reaches" in broken[1]


def test_gateways_on_different_networks_are_separate_models() -> None:
    _, plan = stack()
    inputs(plan, "standby-gateway")["network"] = "dr-vpc"
    primary = cloud_model(plan)
    assert [e.label for e in primary.endpoints] == ["primary-tunnel"]
    standby = cloud_model(plan, "standby")
    assert [e.label for e in standby.endpoints] == ["standby-tunnel"]
    assert standby.endpoints[0].index == 1


def test_each_genesys_connection_finds_its_endpoint() -> None:
    m = model()
    assert endpoint_index(m, "primary", 1) == 1
    assert endpoint_index(m, "standby", 1) == 2


def test_the_stacks_dpd_timeout_is_assumed_and_said() -> None:
    m = assume_dpd(model(), 45, Source("c2c-vpn:tunnel.dpd", "timeoutSeconds"))
    assert {e.dpd_timeout for e in m.endpoints} == {45}
    assert str(m.endpoints[0].sources["dpd"]) == "c2c-vpn:tunnel.dpd.timeoutSeconds"
    assert any("Google documents no dead-peer-detection" in n for n in m.notes)


def test_each_classic_gateway_gets_its_own_swanctl_with_a_trap() -> None:
    m = model()
    ips, keys = {1: "198.51.100.1", 2: "198.51.100.2"}, {1: "k1" * 16, 2: "k2" * 16}
    conf = cloud_swanctl(m, ips, keys, endpoints={2})
    assert "ep2 {" in conf and "ep1 {" not in conf
    assert "start_action = trap" in conf and "rekey_time = 36000s" in conf
    assert "proposals = aes256-sha256-prfsha256-modp2048" in conf
    assert "start_action = none" in cloud_swanctl(m, ips, keys, responder=True)


class _Run:
    """What :class:`CloudPlane` reads of a run, for its pure part."""

    def __init__(self, m: CloudModel) -> None:
        self.model = m
        self.opt = Options()


def _plane(entries: list[RouteEntry]) -> CloudPlane:
    m = model()
    m.tables = {"t": entries}
    return CloudPlane(_Run(m), Gateways({}, {1: "a", 2: "b", 3: "c"}), {"t": 100})  # type: ignore[arg-type]


def _entry(priority: int, endpoint: int, dest: str = "10.100.0.0/24") -> RouteEntry:
    return RouteEntry("t", dest, "gateway", Source("r"), priority=priority, endpoint=endpoint)


def test_the_lowest_priority_among_up_tunnels_wins_and_ties_share() -> None:
    # Google's own example: priorities 10 (down), 20 (up), 30 (up): traffic goes to 20
    plane = _plane([_entry(10, 1), _entry(20, 2), _entry(30, 3)])
    key = ("t", "10.100.0.0/24")
    assert plane.winners({2, 3}) == {key: (2,)}
    assert plane.winners({1, 2, 3}) == {key: (1,)}  # 10 back: used again
    assert plane.winners(set()) == {}  # no tunnel up: no route at all
    tie = _plane([_entry(100, 1), _entry(100, 2)])
    assert tie.winners({1, 2}) == {key: (1, 2)}  # ECMP


# --------------------------------------------------------------------------- the lab, for real


@pytest.mark.lab
def test_gcp_dev_passes_end_to_end(clean: None) -> None:
    result = lab()
    assert result.ok and result.exit_code == 0, (failed(result), result.diagnosis)
    assert result.up and result.diagnosis == [] and result.left_behind == []
    names = checks(result)
    assert names["primary connection up on primary-tunnel"]
    assert names["standby connection up on standby-tunnel"]
    for port in (443, 1433):
        assert names[f"tcp genesys→backend 1 (crm-vpc) :{port}"]
    assert names["vpc routes"] and names["primary-tunnel initiates on traffic"]
    routes = next(c.detail for c in result.checks if c.name == "vpc routes")
    assert "10.100.0.0/24 → primary-tunnel (priority 100" in routes
    assert "replies left through primary-tunnel" in routes
    assert result.sa["ike"]["prf-alg"] == "PRF_HMAC_SHA2_256"
    assert result.measurements.get("upAndVerifiedSeconds") is not None
    assert any("Google documents no dead-peer-detection" in n for n in result.notes)
    gone(result.tag)


@pytest.mark.lab
def test_failover_moves_the_vpcs_route_to_the_standby(clean: None) -> None:
    result = lab(failover=True)
    assert result.ok, (failed(result), result.diagnosis)
    m = result.measurements
    assert m["dpdTimeoutSeconds"] == 30
    assert 0 < m["failoverSeconds"] <= 2 * 30 + 15
    assert 0 < m["routeSwitchSeconds"] <= m["failoverSeconds"] + 1
    detail = next(c.detail for c in result.checks if c.name == "failover")
    assert "moved to standby-tunnel" in detail and "assumed" in detail
    gone(result.tag)


@pytest.mark.lab
def test_rekeys_under_load_lose_nothing(clean: None) -> None:
    result = lab(soak=True)
    assert result.ok, (failed(result), result.diagnosis)
    m = result.measurements
    assert m["soakChildRekeys"] >= 10 and m["soakIkeRekeys"] >= 2
    assert m["soakPingsLost"] == 0 and m["soakTcpBroken"] == 0
    gone(result.tag)


EXPECTED: dict[str, tuple[str, ...]] = {
    "psk-mismatch": ("pre-shared key mismatch",),
    "proposal-mismatch": ("Phase 1 Failed", "primary-tunnel.cipherSuite.phase1.encryptions"),
    "pfs-mismatch": ("PFS", "primary-tunnel.cipherSuite.phase2.pfs"),
    "sg-blocks-app": ("VPC firewall rules of network crm-vpc",),
    "route-missing": ("send nothing to Genesys", "gcp:compute/route:Route"),
    "udp-blocked": ("UDP 500/4500",),
    "mtu-blackhole": ("MTU black hole",),
    "nat-timeout": ("NAT timeout",),
}


@pytest.mark.lab
@pytest.mark.parametrize("scenario", list(EXPECTED))
def test_a_scenario_fails_the_gcp_lab_with_its_diagnosis(clean: None, scenario: str) -> None:
    result = lab(scenario=scenario)
    assert result.scenario == scenario
    assert not result.ok and result.exit_code == 1 and failed(result)
    text = "\n".join(result.diagnosis)
    for words in EXPECTED[scenario]:
        assert words in text, result.diagnosis
    assert result.evidence, f"the diagnosis cites no evidence: {result.diagnosis}"
    if scenario == "sg-blocks-app":
        assert checks(result)["icmp genesys→backend 1 (crm-vpc)"]  # the tunnel works
    assert result.left_behind == []
    gone(result.tag)


@pytest.mark.lab
def test_a_misspelt_cipher_suite_is_refused_before_the_lab(clean: None) -> None:
    require(cloud_preconditions(), "cloud lab tests")
    loaded, plan = stack()
    suite(plan)["phase1"]["encryptions"] = ["AES-256"]
    started: list[str] = []
    result = run_stack_lab(loaded, plan, options=Options(), environ={}, on_start=started.append)
    assert started == [], "the lab was built for a plan the cloud API would refuse"
    assert not result.ok and not result.up
    assert any(c.name == "cloud-api" and not c.ok for c in result.checks)
    assert any("primary-tunnel.cipherSuite.phase1.encryptions" in d for d in result.diagnosis)


@pytest.mark.lab
def test_a_missing_route_is_named_before_and_after_the_traffic(clean: None) -> None:
    _, plan = stack()
    drop(plan, ROUTE, STANDBY_ROUTE)
    result = lab(plan)
    assert result.up and not result.ok
    names = checks(result)
    assert names["primary-tunnel routes"] is False and names["standby-tunnel routes"] is False
    assert names["tcp genesys→backend 1 (crm-vpc) :443"] is False
    assert names["icmp genesys→backend 1 (crm-vpc)"] is False
    text = "\n".join(result.diagnosis)
    assert "no gcp:compute/route:Route in crm-vpc sends 10.100.0.0/24 to primary-tunnel" in text
    assert "(the plan adds none)" in text
    gone(result.tag)


@pytest.mark.lab
def test_cli_lab_gcp_dev_json(clean: None) -> None:
    require(cloud_preconditions(), "cloud lab tests")
    proc = cli("lab", STACK, "--format", "json")
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-2000:])
    result = json.loads(proc.stdout)
    assert result["stack"] == STACK and result["up"] and result["leftBehind"] == []
    assert all(c["ok"] for c in result["checks"])
    gone(result["tag"])


def test_policy_based_selectors_are_what_the_gateway_proposes() -> None:
    """With ``trafficSelectors: networks`` the plan's selectors are the endpoint's, so when it
    initiates it proposes the networks, not 0/0."""
    _, plan = stack()
    tunnel = inputs(plan, "primary-tunnel")
    tunnel["localTrafficSelectors"] = ["10.20.0.0/24"]
    tunnel["remoteTrafficSelectors"] = ["10.100.0.0/24"]
    m = cloud_model(plan)
    primary = m.endpoint(1)
    assert primary is not None
    assert (primary.local_ts, primary.remote_ts) == (("10.20.0.0/24",), ("10.100.0.0/24",))
    standby = m.endpoint(2)
    assert standby is not None and standby.local_ts == ("0.0.0.0/0",)
