"""What an operator hits besides the happy path (review D6, D15, D16).

- D6: the simulator and the demo given two stacks that share a connection name;
- D15: ``plan`` leaves no event loop open (an unclosed one is finalised at exit, noisily);
- D16: Ctrl-C at any point, including while the CLI's modules are still being imported,
  ends with exit 130 and no traceback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from c2cvpn.cli import app
from c2cvpn.genesys.sim import SeedError, Simulator, seed_stacks
from c2cvpn.spec import load_stack
from tests.helpers import ROOT, raw_config, set_path, write_stack

runner = CliRunner()
ENTRY = [sys.executable, "-c", "from c2cvpn.entry import main; main()"]


def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "c2cvpn.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# --------------------------------------------------------------------------- D6


def test_the_simulator_refuses_a_stack_seeded_twice_in_one_line() -> None:
    proc = _cli("genesys-sim", "--port", "0", "--stack", "dev", "--stack", "dev", timeout=60)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "cannot seed stack dev" in lines[0] and "already seeded by stack dev" in lines[0]
    assert "internal error" not in proc.stderr and "_Reply" not in proc.stderr


def test_seeding_a_taken_name_creates_nothing() -> None:
    sim = Simulator()
    seed_stacks(sim, [load_stack("local")])
    before = dict(sim.connections)
    with pytest.raises(SeedError, match="already seeded in the simulator"):
        seed_stacks(sim, [load_stack("dev"), load_stack("local")])
    assert sim.connections == before  # dev was not seeded either


def test_the_demo_serves_stacks_that_share_a_tunnel_name(tmp_path: Path) -> None:
    copy = write_stack(
        tmp_path, set_path(raw_config("local"), "c2c-vpn:tunnel.keepaliveSeconds", 15), "copy"
    )
    result = runner.invoke(app, ["demo", "local", str(copy)])
    assert result.exit_code == 0, result.output
    assert "reconcile local: in sync" in result.output
    assert "reconcile copy: in sync" in result.output
    assert "repeat an earlier stack's" in result.output
    assert "caught" in result.output


# --------------------------------------------------------------------------- D15


@pytest.mark.parametrize(
    "args",
    [("dev",), ("prod", "--format", "markdown"), ("azure-dev", "--format", "json"), ("local",)],
)
def test_plan_closes_every_event_loop_it_opens(args: tuple[str, ...]) -> None:
    """An event loop left open is finalised at exit, where closing it may fail noisily
    (``Exception ignored in BaseEventLoop.__del__ … Invalid file descriptor: -1``). With
    ResourceWarning shown, every unclosed loop says so on stderr, every time."""
    proc = subprocess.run(
        [sys.executable, "-W", "always::ResourceWarning", "-m", "c2cvpn.cli", "plan", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


# --------------------------------------------------------------------------- D16


def test_the_console_script_is_the_entry_module() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["c2cvpn"] == "c2cvpn.entry:main"


def _mapped(pid: int, marker: str) -> bool:
    try:
        return marker in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def _interrupt(args: list[str], *, when: str, delay: float = 0.0) -> tuple[int, str]:
    """Run ``c2cvpn`` through the console entry point, wait until ``when`` is mapped into it (a
    shared library loaded while the CLI's modules are imported), then ``delay`` seconds, then
    Ctrl-C as a terminal sends it (to the process group)."""
    proc = subprocess.Popen(
        [*ENTRY, *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not _mapped(proc.pid, when):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "never reached the import"
            time.sleep(0.002)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, stderr


def test_ctrl_c_while_the_cli_is_still_importing_exits_130_without_a_traceback() -> None:
    # pydantic's compiled core is loaded while c2cvpn.cli imports the spec: mid-import.
    code, stderr = _interrupt(["plan", "dev"], when="_pydantic_core")
    assert code == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert stderr.strip() == "interrupted"


@pytest.mark.parametrize("delay", [0.05, 0.3, 0.6, 1.0])
def test_ctrl_c_at_any_later_point_of_a_plan_exits_130_promptly(delay: float) -> None:
    started = time.monotonic()
    code, stderr = _interrupt(["plan", "prod"], when="_pydantic_core", delay=delay)
    assert code in (130, 0), stderr  # 0: the plan had finished
    assert "Traceback" not in stderr
    assert time.monotonic() - started < delay + 5
