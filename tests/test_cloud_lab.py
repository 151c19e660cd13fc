"""``c2cvpn lab`` for cloud stacks: the vendor behaviour model, and real labs in namespaces.

The model tests read plans (``plan_stack`` under Pulumi's mocks) and need no root. The lab
tests build the three ends for real (:func:`run_stack_lab` in-process, or the command as a
user runs it) and, through the ``clean`` fixture, assert afterwards that nothing is left: no
new ``c2c*`` namespace, no new charon process, no lab work directory. Like ``test_lab.py``,
they fail in CI (``CI=true``) naming the missing piece, and are skipped elsewhere.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
import yaml

from c2cvpn import vendors
from c2cvpn.lab.cloud import SCENARIOS, Options, counters, dpd_settings, nft_filter
from c2cvpn.lab.cloud_model import (
    CloudModel,
    Filter,
    Refusal,
    Rule,
    Source,
    appliance_script,
    cloud_model,
)
from c2cvpn.lab.netns import leftovers, tagged_namespaces
from c2cvpn.lab.run import LabResult, workdir_for
from c2cvpn.lab.stack import run_stack_lab
from c2cvpn.spec import LoadedStack, load_stack
from components.mock_engine import plan_stack
from tests.helpers import ROOT, cli

# --------------------------------------------------------------------------- helpers


@functools.cache
def _planned(name: str) -> tuple[LoadedStack, dict[str, Any]]:
    loaded = load_stack(name, root=ROOT)
    return loaded, plan_stack(loaded)


def stack(name: str) -> tuple[LoadedStack, dict[str, Any]]:
    """An example stack and its plan (a fresh copy: tests edit it)."""
    loaded, plan = _planned(name)
    return loaded, copy.deepcopy(plan)


def model_of(name: str) -> CloudModel:
    return cloud_model(stack(name)[1])


def resource(plan: dict[str, Any], name: str) -> dict[str, Any]:
    found = [r for r in plan["resources"] if r["name"] == name]
    assert len(found) == 1, f"expected one resource {name!r}, got {len(found)}"
    return found[0]


def inputs(plan: dict[str, Any], name: str) -> dict[str, Any]:
    ins: dict[str, Any] = resource(plan, name)["inputs"]
    return ins


def lab(
    loaded: LoadedStack, plan: dict[str, Any], scenario: str | None = None, timeout: float = 30
) -> LabResult:
    """The cloud lab, in-process, with no key from this environment."""
    return run_stack_lab(
        loaded, plan, options=Options(scenario=scenario, timeout=timeout), environ={}
    )


def failed(result: LabResult) -> list[str]:
    return [f"{c.name}: {c.detail}" for c in result.checks if not c.ok]


def _environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("C2CVPN_PSK", "C2CVPN_CHARON")}


#: The line ``c2cvpn lab`` prints on stderr once it has chosen a tag, before building anything.
TAG_LINE = re.compile(r"\btag ([0-9a-f]{6,16})\b")


def _gone(tag: str) -> None:
    assert not tagged_namespaces(tag)
    assert leftovers(tag, workdir_for(tag)) == []


# --------------------------------------------------------------------------- the model (no root)


def test_dev_has_two_aws_tunnels_with_their_own_keys_and_strongswan_proposals() -> None:
    _, plan = stack("dev")
    model = cloud_model(plan)
    assert model.provider == "aws" and model.attachment == "primary"
    assert [e.index for e in model.endpoints] == [1, 2]
    assert [e.psk_resource for e in model.endpoints] == ["tunnel-psk", "tunnel-standby-psk"]
    vpn = inputs(plan, "primary-vpn")
    for e in model.endpoints:
        # AES256 / SHA2-256 / group 14, spelt as strongSwan spells them
        assert e.ike_proposals == ("aes256-sha256-modp2048",)
        assert e.esp_proposals == ("aes256-sha256-modp2048",)
        # the AWS side's selectors: its own network locally, Genesys' remotely
        assert e.local_ts == (vpn["remoteIpv4NetworkCidr"],) == ("10.10.0.0/24",)
        assert e.remote_ts == (vpn["localIpv4NetworkCidr"],) == ("10.100.0.0/24",)
        assert e.sources["localNetworks"] == Source("primary-vpn", "localIpv4NetworkCidr")
        assert e.sources["remoteNetworks"] == Source("primary-vpn", "remoteIpv4NetworkCidr")
        assert str(e.sources["phase1.encryption"]) == (
            f"primary-vpn.tunnel{e.index}Phase1EncryptionAlgorithms"
        )
        assert e.dpd_timeout == 30 and e.dpd_action == "restart" and e.initiates
    assert model.refusals == []


def test_the_selectors_follow_the_planned_cidrs() -> None:
    _, plan = stack("dev")
    inputs(plan, "primary-vpn")["localIpv4NetworkCidr"] = "10.200.0.0/24"
    assert {e.remote_ts for e in cloud_model(plan).endpoints} == {("10.200.0.0/24",)}
    for key in ("localIpv4NetworkCidr", "remoteIpv4NetworkCidr"):
        del inputs(plan, "primary-vpn")[key]
    for e in cloud_model(plan).endpoints:  # AWS's default: any to any
        assert e.local_ts == e.remote_ts == ("0.0.0.0/0",)
        assert any("0.0.0.0/0" in note for note in e.notes)


def test_prod_runs_the_script_inside_the_cloud_config_user_data() -> None:
    _, plan = stack("prod")
    model = cloud_model(plan)
    appliance = model.appliance
    assert appliance is not None and appliance.name == "primary-appliance"
    user_data = inputs(plan, "primary-appliance")["userData"]
    assert user_data.startswith("#cloud-config")
    assert appliance.script.startswith("#!/bin/sh")
    (entry,) = yaml.safe_load(user_data)["write_files"]
    # what cloud-init writes (the model strips the user data, so the final newline may go)
    assert appliance.script.rstrip("\n") == entry["content"].rstrip("\n")
    assert "tcp option maxseg size set 1395" in appliance.script
    assert appliance.mss == 1395 and str(appliance.source) == "primary-appliance.userData"
    # the gateway's edge table sends the VPC's traffic to the appliance
    assert model.edge_table == "primary-edge-rt"
    edge = model.tables[model.edge_table]
    assert edge and {r.target for r in edge} == {"appliance"}
    assert appliance.table is not None and appliance.table in model.tables


def test_a_plain_script_user_data_is_the_script() -> None:
    assert appliance_script("#!/bin/sh\necho hi\n") == "#!/bin/sh\necho hi\n"
    assert appliance_script("not a script") == ""


def test_azure_prod_is_active_active_with_a_fixed_ike_lifetime() -> None:
    _, plan = stack("azure-prod")
    policy = inputs(plan, "primary-connection")["ipsecPolicies"][0]
    policy["saLifeTimeSeconds"] = 7200
    model = cloud_model(plan)
    assert model.provider == "azure"
    assert [e.label for e in model.endpoints] == ["instance 1", "instance 2"]
    assert all(e.ike_lifetime == 28800 for e in model.endpoints)  # not the plan's to say
    assert all(e.esp_lifetime == 7200 for e in model.endpoints)  # the plan's
    assert len(model_of("azure-dev").endpoints) == 1  # one instance: not active-active


def test_an_aws_input_left_out_means_the_aws_default() -> None:
    _, plan = stack("dev")
    del inputs(plan, "primary-vpn")["tunnel1Phase1EncryptionAlgorithms"]
    model = cloud_model(plan)
    one, two = model.endpoints
    assert set(one.allowed["phase1.encryption"]) == {
        "aes128",
        "aes256",
        "aes128gcm16",
        "aes256gcm16",
    }
    joined = ",".join(one.ike_proposals)
    for cipher in ("aes128", "aes256", "aes128gcm16", "aes256gcm16"):
        assert re.search(rf"(^|[-,]){cipher}([-,]|$)", joined), (cipher, one.ike_proposals)
    assert two.allowed["phase1.encryption"] == ("aes256",)  # tunnel 2 still says AES256
    assert model.refusals == []


def test_a_misspelt_aws_value_is_a_refusal_naming_the_input() -> None:
    _, plan = stack("dev")
    inputs(plan, "primary-vpn")["tunnel1Phase1IntegrityAlgorithms"] = ["SHA256"]
    refusals = cloud_model(plan).refusals
    assert len(refusals) == 1, refusals
    (refusal,) = refusals
    assert isinstance(refusal, Refusal)
    assert refusal.source == Source("primary-vpn", "tunnel1Phase1IntegrityAlgorithms")
    assert refusal.value == "SHA256" and "SHA2-256" in refusal.allowed
    assert "primary-vpn.tunnel1Phase1IntegrityAlgorithms" in str(refusal)


def test_a_misspelt_azure_value_is_a_refusal_naming_the_input() -> None:
    _, plan = stack("azure-prod")
    inputs(plan, "primary-connection")["ipsecPolicies"][0]["ikeEncryption"] = "AES-GCM-256"
    (refusal,) = cloud_model(plan).refusals
    assert str(refusal.source) == "primary-connection.ipsecPolicies[0].ikeEncryption"
    assert refusal.value == "AES-GCM-256" and "GCMAES256" in refusal.allowed


def test_a_planned_rule_matches_only_what_it_allows() -> None:
    # The planned ICMP rule of dev matches ICMP from Genesys, not TCP, not other sources.
    rules: list[Rule] = model_of("dev").backends[0].filter.rules
    icmp = next(r for r in rules if r.protocol == "icmp")
    assert icmp.matches("icmp", None, "10.100.0.7")
    assert not icmp.matches("tcp", 443, "10.100.0.7")
    assert not icmp.matches("icmp", None, "10.101.0.7")


def test_the_security_group_filter_ends_in_a_counted_default_drop() -> None:
    flt = model_of("dev").backends[0].filter
    assert flt.name == "sg-0a1b2c3d4e5f60718"
    ruleset, meanings = nft_filter(flt, "veth0", "b1")
    lines = [line.strip() for line in ruleset.splitlines()]
    drop = 'counter drop comment "b1-in-drop"'
    assert drop in lines
    assert 'counter accept comment "b1-out-accept"' in lines  # a new group's egress: allow all
    # the planned rules (TCP 443, ICMP from Genesys) come before the default drop
    allows = [i for i, line in enumerate(lines) if "b1-r" in line and line.endswith('-accept"')]
    assert len(allows) == len(flt.rules) == 2 and max(allows) < lines.index(drop)
    assert any("th dport 443-443" in lines[i] and "10.100.0.0/24" in lines[i] for i in allows)
    assert "inbound default deny" in meanings["b1-in-drop"] and flt.name in meanings["b1-in-drop"]


def test_a_filter_without_rules_still_counts_what_it_drops() -> None:
    flt = Filter(name="nsg-x", rules=[], default_in="drop", default_out="drop")
    ruleset, _ = nft_filter(flt, "eth9", "a")
    assert 'counter drop comment "a-in-drop"' in ruleset
    assert 'counter drop comment "a-out-drop"' in ruleset


def test_counters_reads_nft_json() -> None:
    def rule(comment: str | None, packets: int, verdict: str = "drop") -> dict[str, Any]:
        body: dict[str, Any] = {
            "family": "ip",
            "table": "c2c_sg",
            "chain": "ingress",
            "handle": 7,
            "expr": [
                {"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "tcp"}},
                {"counter": {"packets": packets, "bytes": packets * 60}},
                {verdict: None},
            ],
        }
        if comment is not None:
            body["comment"] = comment
        return {"rule": body}

    doc = {
        "nftables": [
            {"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
            {"table": {"family": "ip", "name": "c2c_sg", "handle": 1}},
            {"chain": {"family": "ip", "table": "c2c_sg", "name": "ingress", "handle": 2}},
            rule("b1-in-drop", 4),
            rule("b1-r0-accept", 0, "accept"),
            rule(None, 99),  # not one of the lab's: no comment
            rule("down-1-drop", 2),
            rule("down-1-drop", 3),  # two rules, one tag: summed
        ]
    }
    assert counters(json.dumps(doc)) == {"b1-in-drop": 4, "b1-r0-accept": 0, "down-1-drop": 5}
    assert counters("nft: not JSON") == {}


@pytest.mark.parametrize("timeout", [30, 45, 60])
def test_dpd_settings_declare_a_silent_peer_dead_within_its_timeout(timeout: int) -> None:
    delay, retransmit_timeout, tries = dpd_settings(timeout)
    assert delay >= 2 and tries >= 1
    budget = delay + retransmit_timeout * (tries + 1)  # retransmit_base = 1
    assert abs(budget - timeout) <= 1, (delay, retransmit_timeout, tries)


EXPECTED: dict[str, tuple[str, ...]] = {
    "psk-mismatch": ("pre-shared key mismatch",),
    "proposal-mismatch": ("Phase 1 Failed", "tunnel1Phase1EncryptionAlgorithms"),
    "pfs-mismatch": ("PFS",),
    "sg-blocks-app": ("security",),
    "route-missing": ("route table",),
    "udp-blocked": ("UDP 500/4500",),
    "mtu-blackhole": ("MTU black hole",),
    "nat-timeout": ("NAT timeout",),
}


def test_every_scenario_is_tested_here_and_offered_by_the_cli() -> None:
    assert set(SCENARIOS) == {*EXPECTED, "primary-down"}


# --------------------------------------------------------------------------- the lab, for real


@pytest.mark.lab
@pytest.mark.parametrize("name", ["dev", "prod", "azure-dev", "azure-prod"])
def test_cloud_stack_passes_end_to_end(clean: None, name: str) -> None:
    loaded, plan = stack(name)
    model = cloud_model(plan)
    result = lab(loaded, plan)
    assert result.ok and result.exit_code == 0, (failed(result), result.diagnosis)
    assert result.up and result.diagnosis == [] and result.left_behind == []
    assert result.checks and all(c.ok for c in result.checks)
    names = {c.name for c in result.checks}
    for e in model.endpoints:  # a Genesys connection up on every endpoint
        assert any(n.endswith(f"connection up on {e.label}") for n in names), (e.label, names)
    for b in model.backends:  # every application port answered on every back end
        for port in model.application_ports:
            assert f"tcp genesys→{b.name} :{port}" in names, names
        assert f"icmp genesys→{b.name}" in names
    assert result.measurements.get("upAndVerifiedSeconds") is not None
    if name == "prod":
        assert {"appliance-script", "mss-clamp"} <= names
        mss = next(c.detail for c in result.checks if c.name == "mss-clamp")
        assert "1395" in mss
    _gone(result.tag)


@pytest.mark.lab
@pytest.mark.parametrize("scenario", list(EXPECTED))
def test_a_scenario_fails_the_lab_with_its_diagnosis(clean: None, scenario: str) -> None:
    loaded, plan = stack("dev")
    result = lab(loaded, plan, scenario)
    assert result.scenario == scenario
    assert not result.ok and result.exit_code == 1
    assert failed(result), "a scenario must fail a check"
    text = "\n".join(result.diagnosis)
    for words in EXPECTED[scenario]:
        assert words in text, result.diagnosis
    assert result.evidence, f"the diagnosis cites no evidence: {result.diagnosis}"
    if scenario == "sg-blocks-app":
        checks = {c.name: c.ok for c in result.checks}
        assert checks["icmp genesys→backend 1 (rtb-0a1b2c3d4e5f60718)"]  # the tunnel works
        assert not checks["tcp genesys→backend 1 (rtb-0a1b2c3d4e5f60718) :443"]
    assert result.left_behind == []
    _gone(result.tag)


@pytest.mark.lab
def test_primary_down_fails_over_to_the_standby(clean: None) -> None:
    loaded, plan = stack("dev")
    result = lab(loaded, plan, "primary-down")
    assert result.scenario == "primary-down"
    assert result.ok and result.exit_code == 0, (failed(result), result.diagnosis)
    seconds = result.measurements.get("failoverSeconds")
    assert seconds is not None and 0 < seconds <= 2 * 30 + 15  # within the DPD budget
    assert any(c.name == "failover" and c.ok for c in result.checks)
    _gone(result.tag)


@pytest.mark.lab
def test_a_vendor_table_misspelling_is_refused_before_the_lab(
    clean: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    sha256 = vendors.INTEGRITY["sha256"]
    monkeypatch.setitem(vendors.INTEGRITY, "sha256", dataclasses.replace(sha256, aws="SHA256"))
    loaded = load_stack("dev", root=ROOT)
    plan = plan_stack(loaded)  # planned with the misspelling
    assert inputs(plan, "primary-vpn")["tunnel1Phase1IntegrityAlgorithms"] == ["SHA256"]
    started: list[str] = []
    result = run_stack_lab(loaded, plan, options=Options(), environ={}, on_start=started.append)
    assert started == [], "the lab was built for a plan the cloud API would refuse"
    assert not result.ok and result.exit_code == 1 and not result.up
    assert any("tunnel1Phase1IntegrityAlgorithms" in line for line in result.diagnosis)
    assert any(c.name == "cloud-api" and not c.ok for c in result.checks)
    _gone(result.tag)


@pytest.mark.lab
def test_a_missing_security_group_rule_is_named(clean: None) -> None:
    loaded, plan = stack("dev")
    rule = "primary-sg-sg-0a1b2c3d4e5f60718-tcp443-10-100-0-0-24"
    assert resource(plan, rule)["type"] == "aws:ec2/securityGroupRule:SecurityGroupRule"
    plan["resources"] = [r for r in plan["resources"] if r["name"] != rule]
    result = lab(loaded, plan)
    assert not result.ok and result.up
    checks = {c.name: c.ok for c in result.checks}
    assert checks["tcp genesys→backend 1 (rtb-0a1b2c3d4e5f60718) :443"] is False
    assert checks["icmp genesys→backend 1 (rtb-0a1b2c3d4e5f60718)"] is True  # its rule is there
    text = "\n".join(result.diagnosis)
    assert "security group" in text and "sg-0a1b2c3d4e5f60718" in text, result.diagnosis
    assert any("b1-in-drop" in line for line in result.evidence), result.evidence
    _gone(result.tag)


@pytest.mark.lab
def test_a_missing_route_table_route_is_named(clean: None) -> None:
    loaded, plan = stack("dev")
    routes = [r for r in plan["resources"] if r["type"] == "aws:ec2/route:Route"]
    assert len(routes) == 1
    plan["resources"].remove(routes[0])
    result = lab(loaded, plan)
    assert not result.ok and result.up
    assert any(c.name.startswith("tcp ") and not c.ok for c in result.checks)
    assert any("route table rtb-0a1b2c3d4e5f60718" in line for line in result.diagnosis), (
        result.diagnosis
    )
    assert result.evidence
    _gone(result.tag)


# --------------------------------------------------------------------------- the command


@pytest.mark.lab
def test_cli_scenario_exits_1_with_json(clean: None) -> None:
    proc = cli("lab", "dev", "--scenario", "route-missing", "--format", "json")
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    try:
        result = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"not JSON (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    assert result["scenario"] == "route-missing" and result["stack"] == "dev"
    assert result["checks"] and any(not c["ok"] for c in result["checks"])
    assert any("route table" in line for line in result["diagnosis"])
    assert result["leftBehind"] == []
    _gone(result["tag"])


def test_cli_unknown_scenario_exits_2_in_one_line() -> None:
    proc = cli("lab", "dev", "--scenario", "nope")
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope" in lines[0], proc.stderr
    assert "route-missing" in lines[0]  # it names the scenarios there are
    assert proc.stdout == ""
    assert not TAG_LINE.search(proc.stderr)  # refused before a lab was tagged


def test_cli_cloud_scenario_on_an_onprem_stack_exits_2() -> None:
    proc = cli("lab", "local", "--scenario", "mtu-blackhole")
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "mtu-blackhole" in lines[0]
    for name in ("psk-mismatch", "proposal-mismatch", "pfs-mismatch", "udp-blocked"):
        assert name in lines[0], lines[0]
    assert proc.stdout == ""
    assert not TAG_LINE.search(proc.stderr)  # refused before a lab was tagged


@pytest.mark.lab
def test_ctrl_c_mid_run_tears_the_cloud_lab_down(clean: None) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "c2cvpn.cli", "lab", "dev", "--scenario", "primary-down"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environ(),
    )
    assert proc.stderr is not None and proc.stdout is not None
    lines: list[str] = []
    tagged = threading.Event()

    def read_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if TAG_LINE.search(line):
                tagged.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        assert tagged.wait(60), f"no tag line (exit {proc.poll()}): {''.join(lines)}"
        time.sleep(2)  # built, and testing the tunnel (primary-down runs for ~30 s)
        found = TAG_LINE.search("".join(lines))
        assert found, lines
        tag = found.group(1)
        assert proc.poll() is None, "the run ended before the Ctrl-C"
        assert tagged_namespaces(tag), "the lab was not built when the Ctrl-C came"
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        stdout = proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(10)
    stderr = "".join(lines)
    assert proc.returncode == 130, (stdout, stderr)
    assert "interrupted: the lab was torn down" in stderr
    _gone(tag)
    # The clean fixture checks that no charon, namespace or work directory is left.
