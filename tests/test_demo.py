"""The README's main job: every example validated, planned and reconciled; drift is caught;
and, where the machine can run it (root, strongSwan), a real lab per stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from c2cvpn import demo
from c2cvpn.cli import app
from c2cvpn.lab import cloud as lab_cloud
from c2cvpn.lab.run import Check, LabRefused, LabResult
from tests.helpers import EXAMPLES, raw_config, set_path, write_stack
from tests.netns import lab_traces, other_labs

runner = CliRunner()

#: What the demo's skip line names when the lab cannot run (a stand-in for the real pieces).
MISSING = "root (network namespaces need it)"


def no_lab(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lab_cloud, "cloud_preconditions", lambda charon=None: [MISSING])


def test_demo_runs_every_example_and_catches_the_drift() -> None:
    """Without root: the skip line. As root with strongSwan (CI): one ok line per stack, and
    nothing left behind."""
    can_run = not lab_cloud.cloud_preconditions()
    before = lab_traces() if can_run else None
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    for stack in EXAMPLES:
        assert f"reconcile {stack}: in sync" in result.output
    assert "genesys-phase2-mismatch" in result.output
    assert "caught" in result.output
    assert "demo failed" not in result.output, result.output
    lab_lines = [line for line in result.output.splitlines() if line.startswith("  lab ")]
    if not can_run:
        assert lab_lines == [], result.output
        assert "Lab: skipped: the lab needs " in result.output, result.output
        return
    assert "Lab: skipped" not in result.output, result.output
    stacks = sorted(EXAMPLES)  # the demo's order: the stack files under stacks/
    assert [line.split(":")[0].split()[-1] for line in lab_lines] == stacks, result.output
    for stack, line in zip(stacks, lab_lines, strict=True):
        assert line.startswith(f"  lab {stack}: ok, "), result.output
    assert before is not None
    others = other_labs()
    for what, items in lab_traces().items():
        left = sorted(i for i in items - before[what] if i.rsplit("@", 1)[1] not in others)
        assert not left, f"{what} left behind: {left}"


def test_demo_says_in_one_line_why_it_skips_the_lab(monkeypatch: pytest.MonkeyPatch) -> None:
    no_lab(monkeypatch)

    def must_not_run(*args: Any, **kwargs: Any) -> LabResult:
        raise AssertionError("the lab ran although its preconditions are missing")

    monkeypatch.setattr(demo, "_run_lab", must_not_run)
    result = runner.invoke(app, ["demo", "local"])
    assert result.exit_code == 0, result.output
    skips = [line for line in result.output.splitlines() if "Lab" in line or "lab " in line]
    assert skips == [
        f"Lab: skipped: the lab needs {MISSING} (`sudo .venv/bin/c2cvpn demo` runs a real "
        "tunnel per stack)"
    ]


def test_a_failing_lab_fails_the_demo_with_its_first_diagnosis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lab_cloud, "cloud_preconditions", lambda charon=None: [])
    outcomes = {
        "dev": LabResult(
            "dev",
            "primary",
            "abcdef01",
            up=True,
            checks=[Check("tcp genesys→backend :443", False, "stalled")],
            diagnosis=["Established but no data: the security group drops TCP 443", "second"],
        ),
        "local": LabResult(
            "local", "primary", "abcdef02", up=True, checks=[Check("child-sa", True, "")]
        ),
    }

    def fake(loaded: Any, plan: Any) -> LabResult:
        if loaded.name == "prod":
            raise LabRefused("the lab needs `nft` (Debian package nftables)")
        return outcomes[loaded.name]

    monkeypatch.setattr(demo, "_run_lab", fake)
    result = runner.invoke(app, ["demo", "dev", "prod", "local"])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("  lab ")]
    assert lines[0].startswith(
        "  lab dev: failed Established but no data: the security group drops TCP 443 "
        "(`c2cvpn lab dev` shows"
    )
    assert lines[1] == "  lab prod: could not run the lab needs `nft` (Debian package nftables)"
    assert lines[2].startswith("  lab local: ok, 1 check(s) passed in ")
    assert "dev: lab failed (Established but no data: the security group drops TCP 443)" in (
        result.output
    )
    assert "prod: lab could not run (the lab needs `nft` (Debian package nftables))" in (
        result.output
    )
    assert "local: lab" not in result.output.split("demo failed:")[1]


def test_demo_fails_on_an_invalid_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    no_lab(monkeypatch)  # the labs are the first test's; this one is about validation
    bad = write_stack(
        tmp_path, set_path(raw_config("dev"), "c2c-vpn:tunnel.phase2.pfsGroup", None), "bad"
    )
    result = runner.invoke(app, ["demo", "dev", str(bad)])
    assert result.exit_code == 1
    assert "pfs-disabled" in result.output
    assert "bad: invalid" in result.output


def test_a_stack_whose_genesys_record_is_in_the_api_is_labbed_from_a_seeded_simulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No credentials in the demo: the stand-ins read the record from a simulator seeded
    from the stack (``c2cvpn lab`` itself would need the API's credentials)."""
    from c2cvpn.lab import stack as lab_stack

    monkeypatch.setattr(lab_cloud, "cloud_preconditions", lambda charon=None: [])
    read: dict[str, Any] = {}

    def fake(loaded: Any, plan: Any, **kwargs: Any) -> LabResult:
        read["url"] = kwargs.get("genesys_url")
        read["pairs"] = lab_stack.genesys_pairs(loaded, url=read["url"])
        return LabResult(loaded.name, "primary", "abcdef03", up=True)

    monkeypatch.setattr(lab_stack, "run_stack_lab", fake)
    api = write_stack(
        tmp_path, set_path(raw_config("dev"), "c2c-vpn:genesys.source", "api"), "apidev"
    )
    result = runner.invoke(app, ["demo", str(api)])
    assert result.exit_code == 0, result.output
    assert "  lab apidev: ok, 0 check(s) passed in " in result.output
    assert str(read["url"]).startswith("http://127.0.0.1:")
    assert [w.role for w, _ in read["pairs"]] == ["primary", "standby"]
    assert all(actual is not None for _, actual in read["pairs"])
