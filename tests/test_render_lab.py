"""Rendered strongSwan files bring up a real IKEv2/IPsec tunnel between two namespaces.

The on-prem firewall (``c2cvpn render --side iaas``) and a stand-in for the Genesys gateway
(``--side genesys``) run one charon each, with the addresses of ``stacks/Pulumi.local.yaml``:

    genesys ns: 192.168.250.1, tenant 10.100.0.1  ══ESP══  onprem ns: 192.168.250.2, back end 10.10.0.1

Then the two failures the guide names are provoked and must look as the reconciler says:
a phase 2 mismatch leaves the IKE SA up and refuses the child ("Phase 2 Failed"), a PSK
mismatch refuses the IKE SA ("Phase 1 Failed").
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from c2cvpn.genesys.desired import declared, desired
from c2cvpn.genesys.reconcile import compare
from c2cvpn.render import render_peer, write_rendered
from tests.helpers import GOOD_PSK, load, raw_config
from tests.netns import Lab, lab
from tests.strongswan import Charon, daemons, require_strongswan

pytestmark = pytest.mark.lab

SERVER = """
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8443)); s.listen(1); s.settimeout(15)
print("ready", flush=True)
c, _ = s.accept(); c.sendall(b"pong:" + c.recv(64)); c.close()
"""
CLIENT = """
import socket, sys
s = socket.create_connection((sys.argv[1], 8443), timeout=5, source_address=(sys.argv[2], 0))
s.sendall(b"ping"); print(s.recv(64).decode())
"""


@pytest.fixture
def hosts() -> Iterator[tuple[Lab, str, str]]:
    require_strongswan()
    with lab() as net:
        genesys, onprem = net.ns("g"), net.ns("o")
        net.link(genesys, "192.168.250.1/24", onprem, "192.168.250.2/24")
        net.run(genesys, ["ip", "addr", "add", "10.100.0.1/32", "dev", "lo"])
        net.run(onprem, ["ip", "addr", "add", "10.10.0.1/32", "dev", "lo"])
        yield net, genesys, onprem


def _config(**phase2: Any) -> dict[str, Any]:
    config = raw_config("local")
    config["c2c-vpn:tunnel"]["phase2"].update(phase2)
    return config


class Peer:
    """A charon and the rendered files it runs."""

    def __init__(self, charon: Charon, files: Path) -> None:
        self.charon, self.files = charon, files

    def load(self, *, may_fail: bool = False) -> None:
        # swanctl reports a failed initiation (start_action=start); the daemons say what happened.
        with contextlib.suppress(*((subprocess.CalledProcessError,) if may_fail else ())):
            self.charon.load(self.files / "swanctl.conf")


def _peers(
    net: Lab,
    genesys: str,
    onprem: str,
    tmp: Path,
    *,
    genesys_cfg: dict[str, Any],
    onprem_cfg: dict[str, Any],
    genesys_psk: str = GOOD_PSK,
) -> tuple[Peer, Peer]:
    made = []
    for ns, side, config, psk in (
        (genesys, "genesys", genesys_cfg, genesys_psk),
        (onprem, "iaas", onprem_cfg, GOOD_PSK),
    ):
        files = tmp / side
        write_rendered(render_peer(load(config).spec, side=side, psk=psk), files)  # type: ignore[arg-type]
        made.append(
            Peer(
                Charon(
                    net,
                    ns,
                    tmp / f"{side}-daemon",
                    daemon_conf=files / "strongswan.d" / "c2cvpn.conf",
                ),
                files,
            )
        )
    return made[0], made[1]


def _no_child_sa(g: Peer, o: Peer) -> str:
    """Load both sides, require that no CHILD_SA installs, and return both daemons' logs."""
    g.load()
    o.load(may_fail=True)
    with pytest.raises(AssertionError):
        o.charon.wait_for_child(timeout=6)
    return g.charon.log_text() + o.charon.log_text()


def _tcp(net: Lab, server_ns: str, server_ip: str, client_ns: str, client_ip: str) -> str:
    server = net.popen(server_ns, [sys.executable, "-c", SERVER, server_ip])
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        reply = net.run(
            client_ns, [sys.executable, "-c", CLIENT, server_ip, client_ip]
        ).stdout.strip()
        server.wait(timeout=10)
    finally:
        server.kill()
    return reply


@pytest.mark.parametrize(
    ("phase", "expect"),
    [
        (
            {},
            {
                "encr-alg": "AES_CBC",
                "encr-keysize": "256",
                "integ-alg": "HMAC_SHA2_256_128",
                "dh-group": "MODP_2048",
            },
        ),
        (
            {"encryption": "aes256gcm", "integrity": "sha384", "pfsGroup": 20, "dh": 20},
            {"encr-alg": "AES_GCM_16", "encr-keysize": "256", "dh-group": "ECP_384"},
        ),
    ],
    ids=["aes256-sha256-modp2048", "aes256gcm-ecp384"],
)
def test_rendered_peers_carry_traffic_both_ways(
    hosts: tuple[Lab, str, str], tmp_path: Path, phase: dict[str, Any], expect: dict[str, str]
) -> None:
    net, genesys, onprem = hosts
    config = _config()
    if phase:
        dh = phase.pop("dh")
        for p in ("phase1", "phase2"):
            config["c2c-vpn:tunnel"][p].update(
                encryption=phase["encryption"], integrity=phase["integrity"]
            )
        config["c2c-vpn:tunnel"]["phase1"]["dhGroup"] = dh
        config["c2c-vpn:tunnel"]["phase2"]["pfsGroup"] = phase["pfsGroup"]
    g, o = _peers(net, genesys, onprem, tmp_path, genesys_cfg=config, onprem_cfg=config)
    with daemons(g.charon, o.charon):
        g.load()
        o.load()  # start_action=start: the on-prem side initiates
        sa = o.charon.wait_for_child()
        child = sa["child"]
        for key, value in expect.items():
            assert child.get(key, sa["ike"].get(key)) == value, (key, child, sa["ike"])
        assert child["local-ts"] == ["10.10.0.0/24"] and child["remote-ts"] == ["10.100.0.0/24"]
        assert (
            _tcp(net, onprem, "10.10.0.1", genesys, "10.100.0.1") == "pong:ping"
        )  # Genesys → back end
        assert (
            _tcp(net, genesys, "10.100.0.1", onprem, "10.10.0.1") == "pong:ping"
        )  # back end → Genesys
        assert int(o.charon.wait_for_child()["child"]["bytes-in"]) > 0  # it went through ESP


def test_phase2_mismatch_fails_as_the_reconciler_predicts(
    hosts: tuple[Lab, str, str], tmp_path: Path
) -> None:
    net, genesys, onprem = hosts
    genesys_cfg, onprem_cfg = _config(encryption="aes128"), _config()
    findings, _ = compare(desired(load(onprem_cfg).spec), declared(load(genesys_cfg).spec))
    assert [f.parameter for f in findings] == ["phase2.encryption"]
    assert findings[0].message.startswith("Phase 2 will fail")

    g, o = _peers(net, genesys, onprem, tmp_path, genesys_cfg=genesys_cfg, onprem_cfg=onprem_cfg)
    with daemons(g.charon, o.charon):
        logs = _no_child_sa(g, o)
        assert "NO_PROPOSAL_CHOSEN" in logs
        assert any(
            ike.get("state") == "ESTABLISHED" for ike in o.charon.sas().values()
        )  # phase 1 is fine


def test_psk_mismatch_fails_phase1(hosts: tuple[Lab, str, str], tmp_path: Path) -> None:
    net, genesys, onprem = hosts
    config = _config()
    g, o = _peers(
        net,
        genesys,
        onprem,
        tmp_path,
        genesys_cfg=config,
        onprem_cfg=config,
        genesys_psk=GOOD_PSK[::-1],
    )
    with daemons(g.charon, o.charon):
        logs = _no_child_sa(g, o)
        assert "AUTHENTICATION_FAILED" in logs
        assert not any(ike.get("state") == "ESTABLISHED" for ike in o.charon.sas().values())
