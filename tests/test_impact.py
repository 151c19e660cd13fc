"""``c2cvpn impact``: real-preview fixtures, offline plan pairs, the CLI, and the comment's limits.

The preview fixtures in tests/fixtures/preview/ are hand-written to the documented
``pulumi preview --json`` schema (pulumi/pulumi sdk/go/common/display/json.go): steps with
op/urn/oldState/newState/diffReasons/replaceReasons/detailedDiff, diagnostics, changeSummary.
Their Markdown renderings are golden files next to them (C2CVPN_UPDATE_GOLDEN=1 rewrites them).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from c2cvpn.cli import app
from c2cvpn.impact.classes import Impact
from c2cvpn.impact.report import build, format_markdown
from c2cvpn.impact.steps import DIFF_KINDS, STEP_OPS, from_plans, from_preview
from c2cvpn.markers import has_marker, marker
from tests.helpers import EXAMPLES, ROOT, STACKS, plan, raw_config, set_path

FIXTURES = ROOT / "tests" / "fixtures" / "preview"
runner = CliRunner()


def impact(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["impact", *args])
    return result.exit_code, result.stdout


def preview_json(name: str, stack: str) -> dict[str, Any]:
    code, out = impact(stack, "--preview", str(FIXTURES / f"{name}.json"), "--format", "json")
    data = json.loads(out)
    assert data["exitCode"] == code
    return data


def impacts_of(data: dict[str, Any], name: str) -> set[str]:
    return set(next(c for c in data["changes"] if c["name"] == name)["impacts"])


# --------------------------------------------------------------------------- the SDK's enums


def test_step_ops_and_diff_kinds_match_the_sdk() -> None:
    from pulumi.automation.events import DiffKind, OpType

    assert {o.value for o in OpType} == STEP_OPS
    assert {k.value for k in DiffKind} == DIFF_KINDS


# --------------------------------------------------------------------------- golden previews


def test_no_changes_is_said_and_safe() -> None:
    data = preview_json("no-changes", "prod")
    assert data["status"] == "no-changes"
    assert data["exitCode"] == 0
    assert data["verdict"] == "prod: ✅ no changes"
    code, md = impact(
        "prod", "--preview", str(FIXTURES / "no-changes.json"), "--format", "markdown"
    )
    assert code == 0
    assert md.splitlines()[0] == "prod: ✅ no changes"
    assert has_marker(md, "impact", "prod")


def test_tunnel_option_update_blips_one_tunnel_and_needs_genesys_parity() -> None:
    data = preview_json("tunnel-option-update", "prod")
    assert data["exitCode"] == 1
    vpn = next(c for c in data["changes"] if c["name"] == "primary-vpn")
    assert set(vpn["impacts"]) == {"one-tunnel-blips", "genesys-parity"}
    assert vpn["tunnels"] == [1]
    assert vpn["providerReplaces"] is False and vpn["disagreement"] is None
    assert "tunnel 1 of" in data["verdict"]
    assert "Genesys must match" in data["verdict"]


def test_vpn_replacement_means_new_peer_ips_for_both_connections() -> None:
    data = preview_json("vpn-replacement", "prod")
    assert {"new-peer-ips", "both-tunnels-drop", "replace"} <= impacts_of(data, "primary-vpn")
    assert data["verdict"].startswith("prod: ⚠️ new peer IPs")
    peer_actions = [a for a in data["genesysActions"] if "new peer (IaaS) IP" in a]
    # Both Genesys connections take their peer IP from this VPN connection's two tunnels.
    assert len(peer_actions) == 2
    assert any("PROD-AWS-SFDC-VPN-STANDBY" in a for a in peer_actions)
    assert len(data["changes"]) == 1  # three steps, one resource


def test_customer_gateway_replacement_cascades_to_both_tunnels() -> None:
    data = preview_json("cgw-replacement", "prod")
    assert {"replace", "both-tunnels-drop"} <= impacts_of(data, "primary-cgw")
    assert "both-tunnels-drop" in impacts_of(data, "primary-vpn")
    assert "new-peer-ips" not in impacts_of(data, "primary-vpn")  # same connection, same IPs
    assert "both tunnels of" in data["verdict"]
    assert "customerGatewayId" in data["verdict"] or "deviceName" in data["verdict"]


def test_psk_rotation_names_the_connection_whose_key_changes() -> None:
    data = preview_json("psk-rotation", "prod")
    assert "psk-rotation" in impacts_of(data, "tunnel-psk")
    assert "psk-rotation" in impacts_of(data, "primary-vpn")
    keys = [a for a in data["genesysActions"] if "pre-shared key" in a]
    assert len(keys) == 1 and "**PROD-AWS-SFDC-VPN**" in keys[0]  # not the standby's key


def test_azure_connection_protocol_is_a_create_only_risk() -> None:
    data = preview_json("azure-connection-protocol", "azure-prod")
    assert {"azure-create-only-risk", "genesys-parity"} <= impacts_of(data, "primary-connection")
    assert data["exitCode"] == 1


def test_azure_public_ip_replacement_changes_one_peer_ip() -> None:
    data = preview_json("azure-public-ip-replacement", "azure-prod")
    assert {"new-peer-ips", "replace"} <= impacts_of(data, "primary-public-ip")
    peer_actions = [a for a in data["genesysActions"] if "new peer (IaaS) IP" in a]
    # Active-active: only the connection on the first public IP changes.
    assert len(peer_actions) == 1 and "**PROD-AZURE-CRM-VPN**" in peer_actions[0]


def test_genesys_record_replaced_drops_the_tunnel() -> None:
    data = preview_json("genesys-record-replaced", "prod")
    assert {"both-tunnels-drop", "replace"} <= impacts_of(data, "genesys-primary-record")


def test_failed_preview_is_reported_with_its_errors() -> None:
    data = preview_json("failed", "prod")
    assert data["status"] == "failed" and data["exitCode"] == 1
    assert data["verdict"].startswith("prod: ❌ preview failed")
    assert len(data["errors"]) == 2  # the info diagnostic is not an error
    code, md = impact("prod", "--preview", str(FIXTURES / "failed.json"), "--format", "markdown")
    assert code == 1
    assert "tunnel1_inside_cidr" in md and has_marker(md, "impact", "prod")


def test_secret_values_never_appear_even_when_the_provider_did_not_blind_them() -> None:
    path = FIXTURES / "secrets.json"
    leaked = ("Leaked.Key_0123456789abcdefABCDEF", "Old.Leaked_Key_9876543210zyxwvuZYXW")
    assert all(s in path.read_text() for s in leaked)  # the fixture does carry them
    for fmt in ("text", "json", "markdown"):
        _, out = impact("prod", "--preview", str(path), "--format", fmt)
        assert "[secret]" in out
        assert not any(s in out for s in leaked), fmt


@pytest.mark.parametrize(
    ("name", "stack"),
    [
        ("no-changes", "prod"),
        ("tunnel-option-update", "prod"),
        ("vpn-replacement", "prod"),
        ("cgw-replacement", "prod"),
        ("psk-rotation", "prod"),
        ("azure-connection-protocol", "azure-prod"),
        ("azure-public-ip-replacement", "azure-prod"),
        ("genesys-record-replaced", "prod"),
        ("failed", "prod"),
        ("secrets", "prod"),
    ],
)
def test_markdown_matches_the_golden_comment(name: str, stack: str) -> None:
    _, md = impact(stack, "--preview", str(FIXTURES / f"{name}.json"), "--format", "markdown")
    golden = FIXTURES / f"{name}.md"
    if os.environ.get("C2CVPN_UPDATE_GOLDEN") == "1":
        golden.write_text(md, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden.name}: run with C2CVPN_UPDATE_GOLDEN=1"
    assert md == golden.read_text(encoding="utf-8")


def test_the_provider_wins_over_the_table_and_the_disagreement_is_printed() -> None:
    doc = json.loads((FIXTURES / "tunnel-option-update.json").read_text())
    step = next(s for s in doc["steps"] if s["op"] == "update")
    step["op"] = "replace"
    step["replaceReasons"] = step["diffReasons"]
    report = build(from_preview(doc, "prod"))
    vpn = next(f for f in report.findings if f.change.name == "primary-vpn")
    assert vpn.replaced and Impact.REPLACE in vpn.impacts
    assert vpn.disagreement is not None and "provider replaces" in vpn.disagreement
    assert any("disagree" in note for note in report.notes)


# --------------------------------------------------------------------------- unusable input


def test_an_unreadable_preview_still_gets_a_failed_comment(tmp_path: Path) -> None:
    bad = tmp_path / "preview.json"
    bad.write_text("error: could not load plugin\n")
    result = runner.invoke(app, ["impact", "prod", "--preview", str(bad), "--format", "markdown"])
    assert result.exit_code == 2
    assert result.stdout.startswith("prod: ❌ preview failed")
    assert has_marker(result.stdout, "impact", "prod")
    assert "not valid JSON" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["prod"],  # no mode
        ["prod", "--base-ref", "HEAD", "--preview", "x.json"],  # two modes
        ["prod", "--base", "x.json"],  # base without head
        ["prod", "--preview", "/nonexistent/preview.json"],
        ["no-such-stack", "--base-ref", "HEAD"],
        ["prod", "--base-ref", "no-such-ref-c2cvpn"],
        ["prod", "--base-ref", "--help"],
    ],
)
def test_unusable_input_exits_2_with_one_error_line(args: list[str]) -> None:
    result = runner.invoke(app, ["impact", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stderr.count("error:") == 1


def test_a_plan_of_another_stack_is_refused(tmp_path: Path, planned) -> None:
    dev = tmp_path / "dev.json"
    dev.write_text(json.dumps(planned("dev")))
    code = runner.invoke(app, ["impact", "prod", "--base", str(dev), "--head", str(dev)])
    assert code.exit_code == 2 and "not 'prod'" in code.stderr


# --------------------------------------------------------------------------- offline plan pairs


def diff_plans(stack: str, mutate, planned) -> Any:
    config = mutate(raw_config(stack))
    head = plan(config, stack)
    return build(from_plans(planned(stack), head, stack))


def test_every_example_against_itself_has_no_changes(planned) -> None:
    for stack in EXAMPLES:
        report = build(from_plans(planned(stack), planned(stack), stack))
        assert report.verdict.status == "no-changes" and report.exit_code == 0


def test_renaming_the_connection_replaces_the_customer_gateway(planned) -> None:
    report = diff_plans(
        "prod", lambda c: set_path(c, "c2c-vpn:tunnel.name", "PROD-AWS-SFDC-VPN2"), planned
    )
    cgw = next(f for f in report.findings if f.change.name == "primary-cgw")
    assert cgw.replaced and Impact.BOTH_TUNNELS_DOWN in cgw.impacts
    assert report.exit_code == 1


def test_a_new_tunnel_range_means_new_peer_ips_and_new_inside_addresses(planned) -> None:
    report = diff_plans(
        "prod", lambda c: set_path(c, "c2c-vpn:genesys.tunnelCidr", "169.254.22.0/29"), planned
    )
    vpn = next(f for f in report.findings if f.change.name == "primary-vpn")
    assert {Impact.NEW_PEER_IPS, Impact.BOTH_TUNNELS_DOWN, Impact.REPLACE} <= vpn.impacts
    text = "\n".join(report.actions)
    assert "tunnelCidr 169.254.20.0/30 → **169.254.22.0/30**" in text
    assert "new peer (IaaS) IP" in text


def test_a_phase2_change_says_what_to_set_in_genesys(planned) -> None:
    report = diff_plans(
        "prod", lambda c: set_path(c, "c2c-vpn:tunnel.phase2.encryption", "aes128gcm"), planned
    )
    assert report.verdict.disruptive
    assert any("phase2.encryption: AES-256-GCM → **AES-128-GCM**" in a for a in report.actions)
    vpn = next(f for f in report.findings if f.change.name == "primary-vpn")
    assert {Impact.TUNNEL_BLIP, Impact.GENESYS_PARITY} <= vpn.impacts
    assert vpn.tunnels == {1, 2}


def test_an_azure_ipsec_policy_change_needs_genesys_parity(planned) -> None:
    report = diff_plans(
        "azure-prod", lambda c: set_path(c, "c2c-vpn:tunnel.phase1.integrity", "sha384"), planned
    )
    conn = next(f for f in report.findings if f.change.name == "primary-connection")
    assert Impact.GENESYS_PARITY in conn.impacts
    assert any("phase1.integrity" in a for a in report.actions)


def test_a_new_encrypted_key_is_a_psk_rotation(planned) -> None:
    def encrypted(ciphertext: str):
        def mutate(c: dict[str, Any]) -> dict[str, Any]:
            return set_path(c, "c2c-vpn:tunnel.preSharedKey", {"secure": ciphertext})

        return mutate

    base = plan(encrypted("v1:AAAAAAAAAAAAAAAA")(raw_config("prod")), "prod")
    head = plan(encrypted("v1:BBBBBBBBBBBBBBBB")(raw_config("prod")), "prod")
    report = build(from_plans(base, head, "prod"))
    vpn = next(f for f in report.findings if f.change.name == "primary-vpn")
    assert Impact.PSK_ROTATION in vpn.impacts and vpn.tunnels == {1}
    assert any("pre-shared key" in a and "**PROD-AWS-SFDC-VPN**" in a for a in report.actions)
    assert "v1:AAAA" not in format_markdown(report)


def test_an_extra_application_port_has_no_impact_on_tunnels(planned) -> None:
    report = diff_plans(
        "prod", lambda c: set_path(c, "c2c-vpn:iaas.applicationPorts", [443, 8443, 9443]), planned
    )
    ops = {f.change.name: f.change.op for f in report.findings}
    assert ops.pop("primary-appliance-sg") == "update"  # its inline ingress list only grows
    assert ops and set(ops.values()) == {"create"}
    assert report.verdict.status == "safe" and report.exit_code == 0
    assert (
        not report.actions
        and report.verdict.line == "prod: ✅ no impact on live tunnels (3 change(s))"
    )


def test_removing_a_route_table_deletes_its_routes(planned) -> None:
    report = diff_plans(
        "prod",
        lambda c: set_path(c, "c2c-vpn:iaas.aws.routeTableIds", ["rtb-0123456789abcdef0"]),
        planned,
    )
    deleted = [f for f in report.findings if f.change.op == "delete"]
    assert deleted and all(Impact.DELETE in f.impacts for f in deleted)
    assert report.exit_code == 1


# --------------------------------------------------------------------------- --base-ref via git


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_base_ref_plans_the_stack_file_as_it_was(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    stack = stacks / "Pulumi.prod.yaml"
    stack.write_text((STACKS / "Pulumi.prod.yaml").read_text())
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "base")
    doc = yaml.safe_load(stack.read_text())
    doc["config"]["c2c-vpn:genesys"]["tunnelCidr"] = "169.254.22.0/29"
    stack.write_text(yaml.safe_dump(doc))
    _git(tmp_path, "commit", "-qam", "head")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["impact", "--base-ref", "HEAD~1", "prod", "--format", "markdown"])
    assert result.exit_code == 1, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("prod: ⚠️ new peer IPs")
    assert "169.254.22.0/30" in result.stdout
    assert "```mermaid" in result.stdout  # the topology changed: before and after
    # A stack file that did not exist at the base: everything is created.
    new = stacks / "Pulumi.dev.yaml"
    new.write_text((STACKS / "Pulumi.dev.yaml").read_text())
    created = runner.invoke(app, ["impact", "dev", "--base-ref", "HEAD", "--format", "json"])
    data = json.loads(created.stdout)
    assert all(c["op"] == "create" for c in data["changes"])
    assert any("does not exist at HEAD" in n for n in data["notes"])
    # Nothing is live yet (exit 0), but Genesys gets both connections once the IPs exist.
    assert created.exit_code == 0 and data["status"] == "safe"
    assert "Genesys side has work to do" in data["verdict"]
    assert [a.split("**")[1] for a in data["genesysActions"]] == [
        "DEV-AWS-SFDC-VPN",
        "DEV-AWS-SFDC-VPN-STANDBY",
    ]


# --------------------------------------------------------------------------- markers and budget


def test_markers_match_exactly() -> None:
    dev, tokyo = marker("impact", "dev"), marker("impact", "dev-tokyo")
    assert has_marker(f"x\n{dev}\n", "impact", "dev")
    assert not has_marker(f"x\n{tokyo}\n", "impact", "dev")
    assert not has_marker(f"x\n{dev}\n", "impact", "dev-tokyo")
    assert not has_marker(f"x\n{dev}\n", "drift", "dev")
    with pytest.raises(ValueError, match="stack name"):
        marker("impact", "dev --> <img>")


def test_a_huge_change_fits_the_budget_and_keeps_the_verdict(planned) -> None:
    base = planned("prod")
    head = json.loads(json.dumps(base))
    for i in range(3000):
        head["resources"].append(
            {
                "type": "aws:ec2/route:Route",
                "name": f"extra-route-{i}",
                "parent": "primary",
                "inputs": {"destinationCidrBlock": f"10.{i // 250}.{i % 250}.0/24" * 3},
            }
        )
    report = build(from_plans(base, head, "prod"))
    md = format_markdown(report, 60_000)
    assert len(md) <= 60_000
    assert md.splitlines()[0] == report.verdict.line
    assert md.count(marker("impact", "prod")) == 1
    assert "cut to fit" in md


def test_a_new_appliance_password_is_no_genesys_key(planned) -> None:
    base = json.loads(json.dumps(planned("prod")))
    password = {
        "type": "random:index/randomPassword:RandomPassword",
        "name": "primary-appliance-password",
        "parent": "primary",
        "inputs": {"length": 24, "special": True},
    }
    base["resources"].append(password)
    head = json.loads(json.dumps(base))
    head["resources"][-1]["inputs"]["length"] = 32
    report = build(from_plans(base, head, "prod"))
    [finding] = report.findings
    assert finding.replaced and report.exit_code == 1
    assert not any("pre-shared key" in action for action in report.actions)
