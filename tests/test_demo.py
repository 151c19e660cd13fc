"""The README's main job: every example validated, planned and reconciled; drift is caught."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from c2cvpn.cli import app
from tests.helpers import EXAMPLES, raw_config, set_path, write_stack

runner = CliRunner()


def test_demo_runs_every_example_and_catches_the_drift() -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    for stack in EXAMPLES:
        assert f"reconcile {stack}: in sync" in result.output
    assert "genesys-phase2-mismatch" in result.output
    assert "caught" in result.output
    assert "demo failed" not in result.output


def test_demo_fails_on_an_invalid_stack(tmp_path: Path) -> None:
    bad = write_stack(
        tmp_path, set_path(raw_config("dev"), "c2c-vpn:tunnel.phase2.pfsGroup", None), "bad"
    )
    result = runner.invoke(app, ["demo", "dev", str(bad)])
    assert result.exit_code == 1
    assert "pfs-disabled" in result.output
    assert "bad: invalid" in result.output
