"""Hosts in network namespaces (root only): several hosts on one machine, torn down after.

Every namespace a :class:`Lab` creates carries the lab's tag in its name (``c2c<role>-<tag>``),
and every process it starts carries ``C2CVPN_LAB_TAG=<tag>`` in its environment, so whatever a
lab leaves behind (a kept lab, a killed run) can be found and removed by tag alone:
:func:`leftovers` and :func:`teardown`.

A lab also records itself before it builds anything: a state file ``/run/c2cvpn/labs/<tag>``
(root only) with its stack, its process and its work directory. A run killed with SIGKILL
leaves that file, so its tag is known without reading ``ip netns list``; :func:`find_labs`
lists every lab it can find (state files, tagged namespaces, processes and work
directories) and whether its owner still runs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
#: A lab namespace: ``c2c<role>-<tag>``.
NS_RE = re.compile(rf"^{NS_PREFIX}[a-z][a-z0-9]*-([0-9a-f]{{6,16}})$")
#: Where labs record themselves (root only, emptied at boot like every lab).
STATE_DIR = Path("/run/c2cvpn/labs")


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


def teardown(
    tag: str, workdir: Path | None = None, state_dir: Path | None = STATE_DIR
) -> list[str]:
    """Remove everything a lab with this tag holds, its state file last; returns what was removed."""
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
    if state_dir is not None and forget_lab(tag, state_dir):
        removed.append(f"state file {state_dir / tag}")
    return removed


# --------------------------------------------------------------------------- the state file


def _start_time(pid: int) -> str | None:
    """The kernel's start time of a process (tells a live owner from a reused pid), else None."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def record_lab(tag: str, state_dir: Path = STATE_DIR, **info: Any) -> Path:
    """Write the lab's state file (mode 0600 in a 0700 directory); raises OSError."""
    if not TAG_RE.match(tag):
        raise ValueError(f"a lab tag is 6 to 16 lower-case hex digits, not {tag!r}")
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = state_dir / tag
    data = {"tag": tag, "pid": os.getpid(), "started": _start_time(os.getpid()), **info}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    return path


def forget_lab(tag: str, state_dir: Path = STATE_DIR) -> bool:
    """Remove the lab's state file; True if there was one."""
    try:
        (state_dir / tag).unlink()
    except FileNotFoundError:
        return False
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class FoundLab:
    tag: str
    #: What its state file says (empty: none was found).
    info: Mapping[str, Any]
    #: The process that made it still runs.
    running: bool
    #: Where it was seen: "state file", "namespace", "process", "directory".
    seen: tuple[str, ...]

    @property
    def recorded(self) -> bool:
        """A state file names it (so whether its run has ended is known)."""
        return "state file" in self.seen

    def describe(self) -> str:
        what = f"lab {self.tag}"
        if self.info.get("stack"):
            what += f" (stack {self.info['stack']}, {self.info.get('role', 'primary')})"
        if self.running:
            what += f", still running as pid {self.info.get('pid')}"
        return what + f": {', '.join(self.seen)}"


def recorded_labs(state_dir: Path = STATE_DIR) -> dict[str, dict[str, Any]]:
    """Every state file's content by tag (unreadable files count, with what their name says)."""
    found: dict[str, dict[str, Any]] = {}
    try:
        entries = list(state_dir.iterdir())
    except OSError:
        return found
    for entry in entries:
        if not TAG_RE.match(entry.name):
            continue
        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        found[entry.name] = data if isinstance(data, dict) else {}
    return found


def _running(info: Mapping[str, Any]) -> bool:
    pid = info.get("pid")
    if not isinstance(pid, int):
        return False
    started = _start_time(pid)
    return started is not None and started == info.get("started")


def _tagged_process_tags() -> dict[str, int]:
    """Lab tags carried by running processes (their ``C2CVPN_LAB_TAG``), with a count."""
    prefix = f"{TAG_ENV}=".encode()
    tags: dict[str, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            variables = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        for var in variables:
            if var.startswith(prefix):
                tag = var[len(prefix) :].decode("ascii", "replace")
                if TAG_RE.match(tag):
                    tags[tag] = tags.get(tag, 0) + 1
    return tags


def find_labs(state_dir: Path = STATE_DIR, workdir_root: Path | None = None) -> list[FoundLab]:
    """Every lab this machine shows a trace of, by tag (sorted)."""
    seen: dict[str, list[str]] = {}
    recorded = recorded_labs(state_dir)
    for tag in recorded:
        seen.setdefault(tag, []).append("state file")
    try:
        listing = subprocess.run(
            ["ip", "netns", "list"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        listing = ""
    for line in listing.splitlines():
        found = NS_RE.match(line.split()[0]) if line.strip() else None
        if found:
            seen.setdefault(found.group(1), []).append(f"namespace {line.split()[0]}")
    for tag, count in _tagged_process_tags().items():
        seen.setdefault(tag, []).append(f"{count} process(es)")
    if workdir_root is not None:
        for path in workdir_root.glob("c2cvpn-lab-*"):
            tag = path.name.removeprefix("c2cvpn-lab-")
            if TAG_RE.match(tag):
                seen.setdefault(tag, []).append(f"directory {path}")
    return [
        FoundLab(tag, recorded.get(tag, {}), _running(recorded.get(tag, {})), tuple(where))
        for tag, where in sorted(seen.items())
    ]
