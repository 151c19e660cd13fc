"""Hosts in network namespaces (root only): several hosts on one machine, torn down after.

Every namespace a :class:`Lab` creates carries the lab's tag in its name (``c2c<role>-<tag>``),
and every process it starts carries ``C2CVPN_LAB_TAG=<tag>`` in its environment, so whatever a
lab leaves behind (a kept lab, a killed run) can be found and removed by tag alone:
:func:`leftovers` and :func:`teardown`.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

#: Tools the namespace labs need, with their Debian packages.
REQUIRED_TOOLS: Mapping[str, str] = {
    "ip": "iproute2",
    "nft": "nftables",
    "iptables": "iptables",
    "unshare": "util-linux",
}
#: The environment variable that marks a lab's processes.
TAG_ENV = "C2CVPN_LAB_TAG"
TAG_RE = re.compile(r"^[0-9a-f]{6,16}$")
NS_PREFIX = "c2c"


class LabError(RuntimeError):
    """The lab itself could not be built (a tool failed): not a finding about the tunnel."""


def missing_netns(tools: Mapping[str, str] = REQUIRED_TOOLS) -> list[str]:
    """What is missing for namespace labs, each piece named with its Debian package."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root (network namespaces need it)")
    missing += [
        f"`{tool}` (Debian package {pkg})"
        for tool, pkg in tools.items()
        if shutil.which(tool) is None
    ]
    return missing


def new_tag() -> str:
    return uuid.uuid4().hex[:8]


def sh(
    *argv: str, input: str | None = None, timeout: float = 20
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, input=input, capture_output=True, text=True, timeout=timeout, check=True
    )


class Lab:
    """Namespaces joined by veth pairs; every name carries the lab's tag."""

    def __init__(self, tag: str | None = None) -> None:
        self.tag = tag or new_tag()
        if not TAG_RE.match(self.tag):
            raise ValueError(f"a lab tag is 6 to 16 lower-case hex digits, not {self.tag!r}")
        self.namespaces: list[str] = []
        self.env = {**os.environ, TAG_ENV: self.tag}

    def ns(self, role: str) -> str:
        name = f"{NS_PREFIX}{role}-{self.tag}"  # the separator keeps one tag from matching another's suffix
        sh("ip", "netns", "add", name)
        self.namespaces.append(name)
        sh("ip", "-n", name, "link", "set", "lo", "up")
        return name

    def link(self, a: str, a_addr: str, b: str, b_addr: str, *, mtu: int = 1500) -> tuple[str, str]:
        ia, ib = f"v{uuid.uuid4().hex[:8]}", f"v{uuid.uuid4().hex[:8]}"
        sh(
            "ip",
            "link",
            "add",
            ia,
            "mtu",
            str(mtu),
            "netns",
            a,
            "type",
            "veth",
            "peer",
            "name",
            ib,
            "mtu",
            str(mtu),
            "netns",
            b,
        )
        for ns, iface, addr in ((a, ia, a_addr), (b, ib, b_addr)):
            sh("ip", "-n", ns, "addr", "add", addr, "dev", iface)
            sh("ip", "-n", ns, "link", "set", iface, "up")
        return ia, ib

    def route(self, ns: str, via: str) -> None:
        sh("ip", "-n", ns, "route", "add", "default", "via", via)

    def run(
        self, ns: str, argv: Sequence[str], *, input: str | None = None, timeout: float = 20
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ip", "netns", "exec", ns, *argv],
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
            env=self.env,
        )

    def popen(self, ns: str, argv: Sequence[str]) -> subprocess.Popen[str]:
        return subprocess.Popen(
            ["ip", "netns", "exec", ns, *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
            start_new_session=True,
        )

    def close(self) -> None:
        """Kill what still runs in the namespaces, then delete them (never raises)."""
        for name in self.namespaces:
            _kill_pids(_netns_pids(name))
        for name in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)
        self.namespaces.clear()


# --------------------------------------------------------------------------- finding by tag


def tagged_namespaces(tag: str) -> list[str]:
    try:
        listing = subprocess.run(
            ["ip", "netns", "list"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    names = [line.split()[0] for line in listing.splitlines() if line.strip()]
    return [n for n in names if n.startswith(NS_PREFIX) and n.endswith(f"-{tag}")]


def tagged_processes(tag: str) -> list[int]:
    """Processes whose environment carries ``C2CVPN_LAB_TAG=<tag>``."""
    marker = f"{TAG_ENV}={tag}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def _netns_pids(name: str) -> list[int]:
    try:
        out = subprocess.run(
            ["ip", "netns", "pids", name], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [int(p) for p in out.split() if p.isdigit()]


def _kill_pids(pids: Sequence[int], *, grace: float = 3.0) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = []
        for pid in pids:
            try:
                os.kill(pid, sig)
                alive.append(pid)
            except ProcessLookupError:
                continue
            except PermissionError:
                continue
        deadline = time.monotonic() + grace
        while alive and time.monotonic() < deadline:
            alive = [p for p in alive if Path(f"/proc/{p}").exists() and not _zombie(p)]
            time.sleep(0.05)
        if not alive:
            return
        pids = alive


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def leftovers(tag: str, workdir: Path | None = None) -> list[str]:
    """What a lab with this tag still holds: namespaces, processes, its work directory."""
    found = [f"namespace {n}" for n in tagged_namespaces(tag)]
    found += [f"process {p}" for p in tagged_processes(tag)]
    if workdir is not None and workdir.exists():
        found.append(f"directory {workdir}")
    return found


def teardown(tag: str, workdir: Path | None = None) -> list[str]:
    """Remove everything a lab with this tag holds; returns what was removed."""
    if not TAG_RE.match(tag):
        raise ValueError(f"a lab tag is 6 to 16 lower-case hex digits, not {tag!r}")
    removed = []
    namespaces = tagged_namespaces(tag)
    pids = sorted(set(tagged_processes(tag)).union(*(_netns_pids(n) for n in namespaces)))
    _kill_pids(pids)
    removed += [f"process {p}" for p in pids]
    for name in namespaces:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)
        removed.append(f"namespace {name}")
    if workdir is not None and workdir.exists():
        shutil.rmtree(workdir, ignore_errors=True)
        removed.append(f"directory {workdir}")
    return removed
