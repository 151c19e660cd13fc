"""Test hosts in network namespaces: :mod:`c2cvpn.lab.netns` with the tests' skip/fail rule.

Traffic goes only between the namespaces a test creates. In CI (``CI=true``, root) a missing
piece is a failure naming it; elsewhere the test is skipped with the same message.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from c2cvpn.lab.netns import NS_RE, REQUIRED_TOOLS, TAG_ENV, Lab, missing_netns, recorded_labs, sh

__all__ = [
    "REQUIRED_TOOLS",
    "Lab",
    "charons",
    "lab",
    "lab_traces",
    "namespaces",
    "other_labs",
    "require",
    "require_netns",
    "sh",
]


def require(missing: list[str], what: str) -> None:
    """Fail in CI, skip elsewhere, naming exactly what is missing."""
    if not missing:
        return
    message = f"{what} need " + ", ".join(missing) + "; .ci/run installs them"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def require_netns() -> None:
    require(missing_netns(), "namespace tests")


@contextmanager
def lab() -> Iterator[Lab]:
    require_netns()
    topology = Lab()
    try:
        yield topology
    finally:
        topology.close()


# --------------------------------------------------------------------------- what labs leave


def charons() -> dict[int, str]:
    """Running charons, each with the lab tag its environment carries ("" if none)."""
    found = {}
    marker = f"{TAG_ENV}=".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if b"ipsec/charon" not in (entry / "cmdline").read_bytes():
                    continue
                tags = [
                    v for v in (entry / "environ").read_bytes().split(b"\0") if v.startswith(marker)
                ]
            except OSError:
                continue
            found[int(entry.name)] = tags[0][len(marker) :].decode() if tags else ""
    return found


def namespaces() -> set[str]:
    out = subprocess.run(
        ["ip", "netns", "list"], capture_output=True, text=True, check=False
    ).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def other_labs() -> set[str]:
    """Tags of labs another live process runs (its state file says so): not a test's leftover."""
    return {
        tag
        for tag, info in recorded_labs().items()
        if isinstance(info.get("pid"), int)
        and info["pid"] != os.getpid()
        and Path(f"/proc/{info['pid']}").exists()
    }


def lab_traces() -> dict[str, set[str]]:
    """Charons, c2c* namespaces and lab work directories, each as "name@tag"."""
    spaces = {n for n in namespaces() if n.startswith("c2c")}
    dirs = {p.name for p in Path(tempfile.gettempdir()).glob("c2cvpn-lab-*")}
    return {
        "charon processes": {f"{pid}@{tag}" for pid, tag in charons().items()},
        "namespaces": {f"{n}@{m.group(1) if (m := NS_RE.match(n)) else ''}" for n in spaces},
        "work directories": {f"{d}@{d.removeprefix('c2cvpn-lab-')}" for d in dirs},
    }
