"""``c2cvpn lab`` interrupted the hard ways (review §4): a double Ctrl-C still exits 130, and a
run killed with SIGKILL has announced and recorded its tag, so ``lab-down`` removes it all.

The state-file logic and the ``lab-down`` listing are also tested without root.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from c2cvpn.cli import app
from c2cvpn.lab.netns import (
    STATE_DIR,
    FoundLab,
    find_labs,
    forget_lab,
    new_tag,
    record_lab,
    recorded_labs,
    tagged_namespaces,
    tagged_processes,
)
from c2cvpn.lab.run import labs_found, workdir_for
from tests.helpers import ROOT
from tests.test_lab import _environ

WAITING = ["lab", "local", "--genesys-override", "dropIke=1", "--timeout", "20"]


def _start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "c2cvpn.cli", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environ(),
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )


def _first_stderr_line(proc: subprocess.Popen[str], timeout: float = 60) -> str:
    assert proc.stderr is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stderr, selectors.EVENT_READ)
        assert sel.select(timeout), "nothing on stderr"
    return proc.stderr.readline()


def _built(tag: str, timeout: float = 60) -> None:
    """Wait until both charons of the lab run (the lab is built and waiting for the tunnel)."""
    deadline = time.monotonic() + timeout
    while len(tagged_processes(tag)) < 2 or len(tagged_namespaces(tag)) < 2:
        assert time.monotonic() < deadline, "the lab was never built"
        time.sleep(0.05)


def _tag_of(line: str) -> str:
    assert line.startswith("lab local (primary): tag "), line
    tag = line.split("tag ", 1)[1].split(";", 1)[0]
    assert f"`c2cvpn lab-down {tag}`" in line
    return tag


@pytest.mark.lab
@pytest.mark.usefixtures("clean")
def test_a_lab_killed_with_sigkill_is_found_and_removed_by_its_announced_tag() -> None:
    proc = _start(WAITING)
    try:
        tag = _tag_of(_first_stderr_line(proc))  # announced before anything is built
        _built(tag)
        state = STATE_DIR / tag
        assert state.exists() and (state.stat().st_mode & 0o777) == 0o600
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert state.exists(), "the state file must outlive a SIGKILL"
    found = {lab.tag: lab for lab in labs_found()}
    assert tag in found and not found[tag].running
    assert found[tag].info.get("stack") == "local"
    assert any(s.startswith("namespace c2cg-") for s in found[tag].seen)

    down = subprocess.run(
        [sys.executable, "-m", "c2cvpn.cli", "lab-down", tag],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert down.returncode == 0, down.stderr
    assert f"removed state file {state}" in down.stdout
    assert "removed namespace c2cg-" in down.stdout and "removed process" in down.stdout
    assert not state.exists() and not tagged_namespaces(tag) and not tagged_processes(tag)
    assert not workdir_for(tag).exists()
    # The clean fixture checks that no charon, namespace or work directory is left.


@pytest.mark.lab
@pytest.mark.usefixtures("clean")
@pytest.mark.parametrize("gap", [0.02, 0.08, 0.12, 0.2])
def test_a_double_ctrl_c_tears_the_lab_down_and_exits_130(gap: float) -> None:
    """The second Ctrl-C lands during the teardown or the exit: it must change nothing."""
    proc = _start(WAITING)
    try:
        tag = _tag_of(_first_stderr_line(proc))
        _built(tag)
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(gap)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, stderr
    assert "interrupted: the lab was torn down" in stderr and "Traceback" not in stderr
    assert not (STATE_DIR / tag).exists()


# --------------------------------------------------------------------------- without root


def test_state_files_record_a_lab_and_tell_a_live_run_from_a_dead_one(tmp_path: Path) -> None:
    live, dead = new_tag(), new_tag()
    path = record_lab(live, tmp_path, stack="local", role="primary")
    assert (path.stat().st_mode & 0o777) == 0o600 and (tmp_path.stat().st_mode & 0o777) == 0o700
    (tmp_path / dead).write_text(json.dumps({"tag": dead, "pid": 999_999_999, "stack": "old"}))
    (tmp_path / "not-a-tag").write_text("{}")
    assert set(recorded_labs(tmp_path)) == {live, dead}
    found = {lab.tag: lab for lab in find_labs(tmp_path)}
    assert found[live].running and not found[dead].running
    assert found[dead].describe().startswith(f"lab {dead} (stack old, primary)")
    assert forget_lab(live, tmp_path) and not forget_lab(live, tmp_path)


def test_lab_down_without_a_tag_removes_ended_labs_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import c2cvpn.lab.run as lab_run

    labs = [
        FoundLab("aaaa1111", {"stack": "local", "pid": 1}, True, ("state file",)),
        FoundLab("bbbb2222", {"stack": "local"}, False, ("state file", "namespace c2cg-bbbb2222")),
        FoundLab("cccc3333", {}, False, ("namespace c2cg-cccc3333",)),  # e.g. a test's topology
    ]
    removed: list[str] = []

    def down(tag: str, state_dir: Any = None) -> list[str]:
        removed.append(tag)
        return [f"namespace c2cg-{tag}"]

    monkeypatch.setattr(lab_run, "labs_found", lambda state_dir=None: labs)
    monkeypatch.setattr(lab_run, "lab_down", down)
    result = CliRunner().invoke(app, ["lab-down"])
    assert result.exit_code == 0, result.output
    assert removed == ["bbbb2222"]
    assert (
        "left alone: lab aaaa1111 (stack local, primary), still running as pid 1" in result.stdout
    )
    assert "removed namespace c2cg-bbbb2222" in result.stdout
    assert "not removed: lab cccc3333: namespace c2cg-cccc3333" in result.stdout
    assert "`c2cvpn lab-down cccc3333` removes it" in result.stdout
