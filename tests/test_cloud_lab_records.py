"""The cloud lab's three sources, each broken on its own: the Genesys record, the plan, the keys.

The Genesys stand-ins are built from what the reconciler reads, never from the spec: a record
changed behind the API's back (the simulator), a missing standby record, or two records on one
peer address must each fail the lab with a diagnosis that names the cause. The plan's inputs
are read through the vendor behaviour model: keys wired to the wrong tunnel, a boot script that
fails, any-to-any selectors when the cloud initiates.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

import pytest

from c2cvpn.genesys.desired import Desired, Record
from c2cvpn.genesys.sim import SimConfig, SimServer, Simulator, seed_stacks
from c2cvpn.lab import stack as lab_stack
from c2cvpn.lab.cloud import Options
from c2cvpn.lab.run import LabRefused, LabResult
from c2cvpn.spec import LoadedStack, load_stack
from components.mock_engine import plan_stack
from tests.helpers import cli
from tests.strongswan import require_strongswan

Pairs = list[tuple[Desired, Record | None]]


@pytest.fixture(scope="module")
def dev() -> tuple[LoadedStack, dict[str, Any]]:
    loaded = load_stack("dev")
    return loaded, plan_stack(loaded)


def _run(
    loaded: LoadedStack, plan: Mapping[str, Any], *, url: str | None = None, timeout: float = 8
) -> LabResult:
    return lab_stack.run_stack_lab(loaded, plan, options=Options(timeout=timeout), genesys_url=url)


def _records(
    monkeypatch: pytest.MonkeyPatch, change: Any
) -> None:  # change(pairs) -> pairs, applied to what the reconciler read
    read = lab_stack.genesys_pairs

    def patched(loaded: LoadedStack, **kw: Any) -> Pairs:
        return change(read(loaded, **kw))

    monkeypatch.setattr(lab_stack, "genesys_pairs", patched)


def _failed(result: LabResult) -> list[str]:
    return [c.name for c in result.checks if not c.ok]


@pytest.fixture
def sim() -> Iterator[tuple[Simulator, str]]:
    simulator = Simulator(SimConfig(seed=11))
    with SimServer(simulator) as server:
        yield simulator, server.url


@pytest.mark.usefixtures("clean")
def test_stand_ins_follow_the_simulators_record_not_the_spec(
    dev: tuple[LoadedStack, dict[str, Any]], sim: tuple[Simulator, str]
) -> None:
    """The standby record drifts in Genesys (phase 1 AES-128): the spec and the plan still say
    AES-256, so only a lab that reads the record sees tunnel 2 refuse it."""
    require_strongswan()
    loaded, plan = dev
    simulator, url = sim
    ids = seed_stacks(simulator, [loaded])
    ok = _run(loaded, plan, url=url)
    assert ok.ok, [c for c in ok.checks if not c.ok]
    simulator.patch_connection(ids[1], "phase1.encryption", "aes128")
    drifted = _run(loaded, plan, url=url)
    assert not drifted.ok
    assert "primary connection up on tunnel 1" not in _failed(drifted)
    text = "\n".join(drifted.diagnosis)
    assert "Phase 1 Failed: no common IKE proposal" in text
    assert "primary-vpn.tunnel2Phase1EncryptionAlgorithms allows aes256" in text
    assert any("NO_PROP" in e for e in drifted.evidence)


@pytest.mark.usefixtures("clean")
def test_a_missing_standby_record_leaves_tunnel_2_unanswered(
    dev: tuple[LoadedStack, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    require_strongswan()
    loaded, plan = dev
    _records(monkeypatch, lambda pairs: [(w, a if w.role == "primary" else None) for w, a in pairs])
    result = _run(loaded, plan)
    assert not result.ok and result.up
    assert "tunnel 2 has a Genesys connection" in _failed(result)
    assert "Redundancy: Genesys uses only tunnel 1" in "\n".join(result.diagnosis)


@pytest.mark.usefixtures("clean")
def test_two_records_on_one_peer_address_are_one_tunnel(
    dev: tuple[LoadedStack, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    require_strongswan()
    loaded, plan = dev
    _records(
        monkeypatch,
        lambda pairs: [
            (w, replace(a, values={**a.values, "peerIp": "198.51.100.1"}) if a else a)
            for w, a in pairs
        ],
    )
    result = _run(loaded, plan)
    assert not result.ok
    assert "standby connection dials tunnel 2" in _failed(result)
    assert "dials 198.51.100.1, the address of tunnel 1, not tunnel 2" in "\n".join(
        result.diagnosis
    )


@pytest.mark.usefixtures("clean")
def test_a_tunnel_key_wired_to_the_other_password_fails_authentication(
    dev: tuple[LoadedStack, dict[str, Any]],
) -> None:
    """AWS holds one key per tunnel: tunnel 2 must use the standby key Genesys' standby
    connection holds. Wiring it to the primary key's RandomPassword is a PSK mismatch."""
    require_strongswan()
    loaded, plan = dev
    vpn = next(r for r in plan["resources"] if r["type"].endswith("vpnConnection:VpnConnection"))
    vpn["inputs"]["tunnel2PresharedKey"] = "[secret] (known after apply: tunnel-psk.result)"
    try:
        result = _run(loaded, plan)
    finally:
        vpn["inputs"]["tunnel2PresharedKey"] = (
            "[secret] (known after apply: tunnel-standby-psk.result)"
        )
    assert not result.ok
    assert "standby connection up on tunnel 2" not in [c.name for c in result.checks if c.ok]
    assert "standby key" in _failed(result) and "primary key" not in _failed(result)
    text = "\n".join(result.diagnosis)
    assert "pre-shared key mismatch" in text
    assert "primary-vpn.tunnel2PresharedKey takes tunnel-psk" in text


@pytest.mark.usefixtures("clean")
def test_an_appliance_boot_script_that_fails_is_named() -> None:
    require_strongswan()
    loaded = load_stack("prod")
    plan = plan_stack(loaded)
    appliance = next(r for r in plan["resources"] if r["type"].endswith("instance:Instance"))
    appliance["inputs"]["userData"] = "#!/bin/sh\nset -eu\nnft -f /nonexistent/c2cvpn.nft\n"
    result = _run(loaded, plan)
    assert not result.ok
    check = next(c for c in result.checks if c.name == "appliance-script")
    assert not check.ok and "primary-appliance.userData" in check.detail
    assert "boot script (primary-appliance.userData) does not run" in "\n".join(result.diagnosis)


@pytest.mark.usefixtures("clean")
def test_any_to_any_selectors_fail_when_the_cloud_initiates(
    dev: tuple[LoadedStack, dict[str, Any]],
) -> None:
    require_strongswan()
    loaded, plan = dev
    vpn = next(r for r in plan["resources"] if r["type"].endswith("vpnConnection:VpnConnection"))
    saved = {k: vpn["inputs"].pop(k) for k in ("localIpv4NetworkCidr", "remoteIpv4NetworkCidr")}
    try:
        result = _run(loaded, plan)
    finally:
        vpn["inputs"].update(saved)
    assert result.up and not result.ok
    assert {"tunnel 1 selectors", "tunnel 2 selectors"} <= set(_failed(result))
    assert "answers TS_UNACCEPTABLE" in "\n".join(result.diagnosis)


def test_the_cli_offers_exactly_the_labs_scenarios() -> None:
    """`c2cvpn lab --help` lists the scenarios, and --scenario refuses any other name."""
    from c2cvpn.lab import SCENARIOS

    proc = cli("lab", "--help")
    listed = " ".join(proc.stdout.split())
    for name in SCENARIOS:
        assert name in listed, name
    proc = cli("lab", "dev", "--scenario", "route-gone")
    assert proc.returncode == 2 and ", ".join(SCENARIOS) in " ".join(proc.stderr.split())


@pytest.mark.usefixtures("clean")
def test_a_record_on_another_tunnel_range_is_named(
    dev: tuple[LoadedStack, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Genesys' tunnel range must be the AWS tunnel's inside /30 (the cloud takes its first
    host, Genesys the second): a standby record on another /30 fails with both ranges named."""
    require_strongswan()
    loaded, plan = dev
    _records(
        monkeypatch,
        lambda pairs: [
            (w, replace(a, values={**a.values, "tunnelCidr": "169.254.10.8/30"}))
            if a and w.role == "standby"
            else (w, a)
            for w, a in pairs
        ],
    )
    result = _run(loaded, plan)
    assert not result.ok and result.up
    assert "standby inside addresses" in _failed(result)
    assert "primary inside addresses" not in _failed(result)
    text = "\n".join(result.diagnosis)
    assert "uses tunnel range 169.254.10.8/30, tunnel 2 uses 169.254.10.4/30" in text
    assert "(Genesys 169.254.10.6, the cloud 169.254.10.5)" in text


@pytest.mark.usefixtures("clean")
def test_the_onprem_stand_in_follows_the_record_too(sim: tuple[Simulator, str]) -> None:
    """`c2cvpn lab local --genesys-url`: the on-prem lab's Genesys stand-in holds the record
    read from the API, so a record drifted to AES-128 in phase 2 fails phase 2."""
    require_strongswan()
    simulator, url = sim
    local = load_stack("local")
    ids = seed_stacks(simulator, [local])
    proc = cli("lab", "local", "--genesys-url", url, "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    simulator.patch_connection(ids[0], "phase2.encryption", "aes128")
    proc = cli("lab", "local", "--genesys-url", url, "--format", "json", "--timeout", "8")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert any("Phase 2 Failed" in line for line in report["diagnosis"]), report["diagnosis"]
    assert any("phase2.encryption=aes128" in note for note in report["notes"]), report["notes"]


def test_record_overrides_are_only_what_the_record_changes() -> None:
    local = load_stack("local")
    (want, actual), *_ = lab_stack.genesys_pairs(local)
    assert actual is not None
    assert lab_stack.record_overrides(want, actual) == {}
    drifted = replace(
        actual,
        values={**actual.values, "phase2.pfsGroup": "off", "localNetworks": ("10.100.9.0/24",)},
    )
    assert lab_stack.record_overrides(want, drifted) == {
        "phase2.pfsGroup": None,
        "tenantCidrs": ["10.100.9.0/24"],
    }
    with pytest.raises(LabRefused, match="Genesys holds no primary connection"):
        lab_stack.record_overrides(want, None)


def test_lab_down_recognises_every_cloud_lab_namespace() -> None:
    """`c2cvpn lab-down` without a tag finds labs by namespace name: the back ends' names carry
    a digit (b1, b2, …) and must be recognised like the others."""
    from c2cvpn.lab.netns import NS_RE

    for role in ("g", "i", "c", "v", "a", "b1", "b12"):
        found = NS_RE.match(f"c2c{role}-0c882bbb")
        assert found is not None and found.group(1) == "0c882bbb", role
    assert NS_RE.match("c2c1-0c882bbb") is None


# --------------------------------------------------------------------------- what would not carry traffic


def _vpn(plan: dict[str, Any]) -> dict[str, Any]:
    vpn: dict[str, Any] = next(
        r for r in plan["resources"] if r["type"].endswith("vpnConnection:VpnConnection")
    )
    return vpn


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("tunnel1Phase1LifetimeSeconds", 600, "900 to 28800 seconds"),
        ("tunnel1Phase2LifetimeSeconds", 28800, "900 to 3600 seconds, below the phase 1 lifetime"),
        ("tunnel1InsideCidr", "169.254.5.0/30", "a /30 in 169.254.0.0/16 outside AWS's reserved"),
        ("tunnel1InsideCidr", "10.0.0.0/30", "a /30 in 169.254.0.0/16"),
        ("tunnel1DpdTimeoutSeconds", 0, "30 or more seconds"),
        ("tunnel1IkeVersions", ["ikev1"], "add with IKEv1 (start needs ikev2)"),
    ],
)
def test_values_aws_refuses_are_named(
    dev: tuple[LoadedStack, dict[str, Any]], key: str, value: Any, allowed: str
) -> None:
    from c2cvpn.lab.cloud_model import cloud_model

    _, plan = dev
    inputs = _vpn(plan)["inputs"]
    saved = inputs[key]
    inputs[key] = value
    try:
        refusals = cloud_model(plan).refusals
    finally:
        inputs[key] = saved
    named = [r for r in refusals if allowed in r.allowed]
    assert named, [str(r) for r in refusals]
    assert any(str(r.source).startswith("primary-vpn.tunnel1") for r in named)


def test_the_azure_appliance_is_refused_not_silently_skipped() -> None:
    """Azure's appliance script is in osProfile.customData, which the plan masks: the lab says
    it cannot run it rather than passing a path it did not build."""
    from c2cvpn.lab.cloud_model import ModelError, cloud_model
    from tests.helpers import load, plan, raw_config, set_path

    config = raw_config("azure-prod")
    set_path(config, "c2c-vpn:iaas.mssClamp.enabled", True)
    set_path(config, "c2c-vpn:iaas.azure.applianceSubnetPrefix", "10.30.254.0/28")
    planned = plan(config, "azure-prod")
    assert any(r["type"].endswith("compute:VirtualMachine") for r in planned["resources"])
    load(config, "azure-prod")  # valid
    with pytest.raises(
        ModelError, match=r"osProfile.customData, which the plan shows as \[secret\]"
    ):
        cloud_model(planned)


def test_proposal_mismatch_finds_a_cipher_when_aws_allows_all_four(
    dev: tuple[LoadedStack, dict[str, Any]],
) -> None:
    from c2cvpn.lab.cloud import genesys_ends
    from c2cvpn.lab.cloud_model import cloud_model
    from c2cvpn.lab.scenarios import apply_scenario

    loaded, plan = dev
    inputs = _vpn(plan)["inputs"]
    saved = inputs.pop("tunnel1Phase1EncryptionAlgorithms")
    try:
        model = cloud_model(plan)
    finally:
        inputs["tunnel1Phase1EncryptionAlgorithms"] = saved
    ends, _ = genesys_ends(
        lab_stack.genesys_pairs(loaded),
        {"primary": 1, "standby": 2},
        {"primary": "k" * 32, "standby": "s" * 32},
    )
    _, changed, notes = apply_scenario("proposal-mismatch", model, ends)
    assert changed[0].value("phase1.encryption") == "aes192", notes


@pytest.mark.usefixtures("clean")
def test_source_dest_check_left_on_drops_what_the_appliance_forwards() -> None:
    require_strongswan()
    loaded = load_stack("prod")
    plan = plan_stack(loaded)
    appliance = next(r for r in plan["resources"] if r["type"].endswith("instance:Instance"))
    appliance["inputs"]["sourceDestCheck"] = True
    result = _run(loaded, plan)
    assert not result.ok and result.up
    assert "appliance forwarding" in _failed(result)
    assert any("tcp genesys→" in name for name in _failed(result))
    assert any("a-srcdst-drop" in line for line in result.evidence), result.evidence
    assert "primary-appliance.sourceDestCheck is on" in "\n".join(result.diagnosis)


@pytest.mark.usefixtures("clean")
def test_a_boot_script_that_never_turns_forwarding_on_is_caught() -> None:
    """A fresh namespace may inherit the host's forwarding: the lab turns it off first, so only
    the script can turn it on."""
    require_strongswan()
    loaded = load_stack("prod")
    plan = plan_stack(loaded)
    appliance = next(r for r in plan["resources"] if r["type"].endswith("instance:Instance"))
    appliance["inputs"]["userData"] = "#!/bin/sh\nexit 0\n"
    result = _run(loaded, plan)
    check = next(c for c in result.checks if c.name == "appliance-script")
    assert not check.ok and "IP forwarding OFF" in check.detail


@pytest.mark.usefixtures("clean")
def test_every_tenant_cidr_is_tested_not_only_the_first() -> None:
    """prod has two tenant CIDRs: without the VPN connection's static route for the second,
    the gateway drops what goes back to it, and the lab names the missing route."""
    require_strongswan()
    loaded = load_stack("prod")
    plan = plan_stack(loaded)
    plan["resources"] = [
        r for r in plan["resources"] if r["name"] != "primary-vpn-route-10-100-8-0-24"
    ]
    result = _run(loaded, plan)
    assert not result.ok and result.up
    tcp = [c for c in result.checks if c.name.startswith("tcp genesys→") and not c.ok]
    assert tcp and all("from 10.100.8.1" in c.detail for c in tcp)
    assert all("from 10.100.0.1" not in c.detail for c in tcp)
    assert "aws:ec2/vpnConnectionRoute" in "\n".join(result.diagnosis)
    assert any("gw-noroute-drop" in line for line in result.evidence)


@pytest.mark.usefixtures("clean")
def test_a_dynamic_connection_without_bgp_carries_nothing(
    dev: tuple[LoadedStack, dict[str, Any]],
) -> None:
    require_strongswan()
    loaded, plan = dev
    inputs = _vpn(plan)["inputs"]
    inputs["staticRoutesOnly"] = False
    try:
        result = _run(loaded, plan)
    finally:
        inputs["staticRoutesOnly"] = True
    assert not result.ok
    assert "cloud routing" in _failed(result)
    assert "primary-vpn.staticRoutesOnly is off" in "\n".join(result.diagnosis)
