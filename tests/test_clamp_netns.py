"""The MSS clamp script, run for real on a router namespace, rewrites SYNs both ways.

Topology (all namespaces this test creates)::

    backend 10.10.0.2 ── 10.10.0.1 appliance 10.100.0.1 ── 10.100.0.2 genesys

The appliance runs :func:`c2cvpn.derive.mss_clamp_script` for the Genesys range; a TCP
connection in each direction must arrive with the clamped MSS, and without the script with
the full 1460 (the control that shows the measurement can fail).
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from c2cvpn.derive import mss_clamp_script
from tests.netns import Lab, lab

pytestmark = pytest.mark.lab

GENESYS = ipaddress.IPv4Network("10.100.0.0/24")
CLAMP = 1359
PORT = 8443

# The server reports the MSS it will send with: the peer's advertised MSS (from its SYN)
# capped by its own path. Timestamps are off in the test hosts so no option bytes blur it.
SERVER = textwrap.dedent(
    """
    import socket, sys
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(15)
    print("ready", flush=True)
    c, _ = s.accept()
    print(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG), flush=True)
    """
)
CLIENT = "import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10).close()"


@pytest.fixture
def topology() -> Iterator[tuple[Lab, str, str, str]]:
    with lab() as net:
        backend, appliance, genesys = net.ns("b"), net.ns("a"), net.ns("g")
        net.link(backend, "10.10.0.2/24", appliance, "10.10.0.1/24")
        net.link(appliance, "10.100.0.1/24", genesys, "10.100.0.2/24")
        net.route(backend, "10.10.0.1")
        net.route(genesys, "10.100.0.1")
        for ns in (backend, genesys):
            net.run(ns, ["sysctl", "-q", "-w", "net.ipv4.tcp_timestamps=0"])
        yield net, backend, appliance, genesys


def advertised_mss(net: Lab, client_ns: str, server_ns: str, server_ip: str) -> int:
    """Connect from client to server; return the MSS the server saw in the client's SYN."""
    server = net.popen(server_ns, [sys.executable, "-c", SERVER, server_ip, str(PORT)])
    try:
        assert server.stdout is not None
        assert server.stdout.readline().strip() == "ready", (
            server.stderr.read() if server.stderr else ""
        )
        net.run(client_ns, [sys.executable, "-c", CLIENT, server_ip, str(PORT)])
        out, err = server.communicate(timeout=15)
    finally:
        server.kill()
    assert server.returncode == 0, err
    return int(out.strip())


def apply_clamp(net: Lab, ns: str, *, path: str | None = None) -> None:
    env = {"PATH": path} if path else {}
    script = mss_clamp_script(CLAMP, [GENESYS])
    net.run(ns, ["env", *(f"{k}={v}" for k, v in env.items()), "/bin/sh", "-s"], input=script)


def test_without_the_clamp_the_full_mss_arrives(topology: tuple[Lab, str, str, str]) -> None:
    net, backend, appliance, genesys = topology
    net.run(appliance, ["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])
    assert advertised_mss(net, backend, genesys, "10.100.0.2") == 1460


def test_nft_clamp_rewrites_syns_both_ways(topology: tuple[Lab, str, str, str]) -> None:
    net, backend, appliance, genesys = topology
    apply_clamp(net, appliance)
    apply_clamp(net, appliance)  # idempotent: a second boot replaces, never duplicates
    listing = net.run(appliance, ["nft", "list", "table", "inet", "c2cvpn_mss"]).stdout
    assert listing.count(f"maxseg size set {CLAMP}") == 2
    assert advertised_mss(net, backend, genesys, "10.100.0.2") == CLAMP  # IaaS → Genesys
    assert advertised_mss(net, genesys, backend, "10.10.0.2") == CLAMP  # Genesys → IaaS


def test_iptables_fallback_when_nft_is_absent(
    topology: tuple[Lab, str, str, str], tmp_path: Path
) -> None:
    net, backend, appliance, genesys = topology
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("sysctl", "iptables"):
        found = shutil.which(tool)
        assert found, tool
        os.symlink(found, bin_dir / tool)
    apply_clamp(net, appliance, path=str(bin_dir))
    assert "nft" not in os.listdir(bin_dir)
    assert advertised_mss(net, backend, genesys, "10.100.0.2") == CLAMP


def test_no_firewall_tool_fails_loudly(topology: tuple[Lab, str, str, str], tmp_path: Path) -> None:
    net, _backend, appliance, _genesys = topology
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(shutil.which("sysctl") or "/usr/sbin/sysctl", bin_dir / "sysctl")
    with pytest.raises(Exception) as info:
        apply_clamp(net, appliance, path=str(bin_dir))
    assert "neither nft nor iptables" in getattr(info.value, "stderr", "")


def test_an_mss_already_lower_is_never_raised(topology: tuple[Lab, str, str, str]) -> None:
    net, backend, appliance, genesys = topology
    # The back end sits on a 1280-byte link, so its SYN already carries MSS 1240.
    for link in net.run(backend, ["ip", "-o", "link", "show", "type", "veth"]).stdout.splitlines():
        net.run(
            backend, ["ip", "link", "set", link.split(":")[1].strip().split("@")[0], "mtu", "1280"]
        )
    apply_clamp(net, appliance)
    assert advertised_mss(net, backend, genesys, "10.100.0.2") == 1280 - 40
