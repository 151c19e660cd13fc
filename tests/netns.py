"""Test hosts in network namespaces (root only): several hosts on one machine, torn down after.

Traffic goes only between the namespaces a test creates. In CI (``CI=true``, root) a missing
piece is a failure naming it; elsewhere the test is skipped with the same message.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest

REQUIRED_TOOLS = {"ip": "iproute2", "nft": "nftables", "iptables": "iptables", "unshare": "util-linux"}


def require_netns() -> None:
    """Fail in CI, skip elsewhere, naming exactly what is missing."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root (network namespaces need it)")
    missing += [f"`{tool}` (Debian package {pkg})" for tool, pkg in REQUIRED_TOOLS.items() if shutil.which(tool) is None]
    if not missing:
        return
    message = "namespace tests need " + ", ".join(missing) + "; .ci/run installs them"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def sh(*argv: str, input: str | None = None, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, input=input, capture_output=True, text=True, timeout=timeout, check=True)


class Lab:
    """Namespaces joined by veth pairs; every name carries a per-run suffix."""

    def __init__(self) -> None:
        self.tag = uuid.uuid4().hex[:6]
        self.namespaces: list[str] = []

    def ns(self, role: str) -> str:
        name = f"c2c{role}{self.tag}"
        sh("ip", "netns", "add", name)
        self.namespaces.append(name)
        sh("ip", "-n", name, "link", "set", "lo", "up")
        return name

    def link(self, a: str, a_addr: str, b: str, b_addr: str, *, mtu: int = 1500) -> None:
        ia, ib = f"v{uuid.uuid4().hex[:8]}", f"v{uuid.uuid4().hex[:8]}"
        sh("ip", "link", "add", ia, "mtu", str(mtu), "netns", a, "type", "veth", "peer", "name", ib, "mtu", str(mtu), "netns", b)
        for ns, iface, addr in ((a, ia, a_addr), (b, ib, b_addr)):
            sh("ip", "-n", ns, "addr", "add", addr, "dev", iface)
            sh("ip", "-n", ns, "link", "set", iface, "up")

    def route(self, ns: str, via: str) -> None:
        sh("ip", "-n", ns, "route", "add", "default", "via", via)

    def run(self, ns: str, argv: Sequence[str], **kw: object) -> subprocess.CompletedProcess[str]:
        return sh("ip", "netns", "exec", ns, *argv, **kw)  # type: ignore[arg-type]

    def popen(self, ns: str, argv: Sequence[str]) -> subprocess.Popen[str]:
        return subprocess.Popen(["ip", "netns", "exec", ns, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def close(self) -> None:
        for name in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)


@contextmanager
def lab() -> Iterator[Lab]:
    require_netns()
    topology = Lab()
    try:
        yield topology
    finally:
        topology.close()
