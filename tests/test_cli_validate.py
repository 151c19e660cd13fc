"""`c2cvpn validate` as a user runs it: exit codes, JSON shape, one clear line on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from c2cvpn.cli import app
from c2cvpn.problems import CODES, Severity
from tests.helpers import EXAMPLES, ROOT, write_stack
from tests.test_rules import EXAMPLE_WARNINGS, TRIGGER_CASES, Case, _apply

runner = CliRunner()


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """The real console entry point, as a user's shell would call it."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-c", "from c2cvpn.cli import main; main()", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("stack", EXAMPLES)
def test_examples_pass_with_exit_0(stack: str) -> None:
    result = runner.invoke(app, ["validate", stack, "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert (body["stack"], body["valid"], body["problems"]) == (stack, True, [])
    assert {w["code"] for w in body["warnings"]} == EXAMPLE_WARNINGS.get(stack, set())


ERROR_CASES = [c for c in TRIGGER_CASES if CODES[c.code].severity is Severity.ERROR]
WARNING_CASES = [c for c in TRIGGER_CASES if CODES[c.code].severity is Severity.WARNING]


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda c: f"{c.code}:{c.id}")
def test_each_error_code_exits_1(tmp_path: Path, case: Case) -> None:
    path = write_stack(tmp_path, _apply(case.base, case.bad))
    result = runner.invoke(app, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 1, result.output
    body = json.loads(result.output)
    assert body["valid"] is False
    assert case.code in {p["code"] for p in body["problems"]}
    assert all(set(p) == {"code", "path", "message"} for p in body["problems"] + body["warnings"])


@pytest.mark.parametrize("case", WARNING_CASES, ids=lambda c: f"{c.code}:{c.id}")
def test_warnings_alone_exit_0(tmp_path: Path, case: Case) -> None:
    path = write_stack(tmp_path, _apply(case.base, case.bad))
    result = runner.invoke(app, ["validate", str(path), "--format", "json"])
    body = json.loads(result.output)
    assert case.code in {p["code"] for p in body["warnings"]}
    assert result.exit_code == (0 if body["valid"] else 1)
    assert body["valid"] is (not body["problems"])


def test_text_report_names_code_path_and_fix(tmp_path: Path) -> None:
    config = _apply("dev", {"c2c-vpn:tunnel.phase1.lifetimeSeconds": 3600})
    result = _run("validate", str(write_stack(tmp_path, config)))
    assert result.returncode == 1
    assert "lifetime-order" in result.stdout
    assert "c2c-vpn:tunnel.phase2.lifetimeSeconds" in result.stdout
    assert "Fix:" in result.stdout


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "no such stack file"),
        ("config:\n  c2c-vpn:tunnel: [\n", "broken YAML"),
        ("config:\n  c2c-vpn:tunel: {}\n", "unknown key"),
    ],
)
def test_unusable_input_is_one_line_exit_2(
    tmp_path: Path, content: str | None, fragment: str
) -> None:
    path = tmp_path / "Pulumi.bad.yaml"
    if content is not None:
        path.write_text(content)
    result = _run("validate", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and fragment in lines[0] and str(path) in lines[0]


def test_stack_found_by_name_from_a_subdirectory() -> None:
    result = _run("validate", "prod", cwd=ROOT / "tests")
    assert result.returncode == 0, result.stderr
    assert "stack prod" in result.stdout


def test_version() -> None:
    from c2cvpn import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"c2cvpn {__version__}"
