"""``c2cvpn lab``: one shot of a real tunnel for an on-prem stack — up, verify, diagnose, tear down.

Two network namespaces stand for the two ends: a Genesys stand-in holding ``genesys.gatewayIp``
and the on-prem firewall holding the attachment's ``peerIp``, joined by a veth pair. The first
host of each Genesys tenant CIDR sits on the stand-in's ``lo``, the first host of each IaaS
network on the firewall's. Each runs its own charon with the files ``c2cvpn render`` writes
(``side="genesys"`` and ``side="iaas"``), loaded with ``swanctl``; the side the stack's
``startupAction`` names initiates. Then the lab checks what the guide says to check — the
CHILD_SA, the negotiated algorithms against the vendor table, the traffic selectors both ways,
TCP on every application port in both directions, bytes on the SA, the MSS through the
rendered clamp — and on failure names the cause in the guide's words ("Phase 1 Failed: …",
"Phase 2 Failed: …") with the charon log lines that prove it.

Everything is torn down at the end, on an error and on Ctrl-C, unless ``keep`` is asked: then
``c2cvpn lab-down TAG`` removes it. Before it builds anything, a lab records its tag in a
state file (:data:`~c2cvpn.lab.netns.STATE_DIR`) and announces it (``on_start``), so a run
killed with SIGKILL can be removed the same way (``c2cvpn lab-down`` without a tag finds
every such lab). The PSK is written only into the lab's work directory (mode 0700) and never
printed.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Protocol, TypeVar

from c2cvpn.derive import attachment_mss
from c2cvpn.lab.netns import (
    STATE_DIR,
    FoundLab,
    Lab,
    LabError,
    find_labs,
    forget_lab,
    leftovers,
    missing_netns,
    new_tag,
    record_lab,
    sh,
    teardown,
)
from c2cvpn.lab.strongswan import Charon, charon_path, missing_strongswan
from c2cvpn.psk import generate_psk, psk_problems
from c2cvpn.render import RenderError, render_peer, write_rendered
from c2cvpn.spec import Role, StackSpec, attachment
from c2cvpn.vendors import Phase, strongswan_negotiated, strongswan_proposal

#: Tools the lab itself needs (the MSS check uses the rendered script's nft/iptables if present).
LAB_TOOLS = {"ip": "iproute2", "unshare": "util-linux"}
PSK_ENV = "C2CVPN_PSK"
#: Test-only perturbations of the Genesys stand-in (see :func:`perturb`).
OVERRIDE_KEYS = (
    "phase1.<key>",
    "phase2.<key>",
    "tenantCidrs",
    "networks",
    "preSharedKey",
    "dropIke",
)
#: Log markers after which waiting longer cannot help.
FATAL = ("AUTHENTICATION_FAILED", "NO_PROPOSAL_CHOSEN", "TS_UNACCEPTABLE", "giving up after")
#: Log lines that prove a failure, and (second) the proposal lines that show what differed.
DECISIVE = re.compile(
    r"AUTHENTICATION_FAILED|N\(AUTH_FAILED\)|MAC mismatched|NO_PROPOSAL_CHOSEN|N\(NO_PROP\)|no acceptable proposal|"
    r"proposals unacceptable|TS_UNACCEPTABLE|N\(TS_UNACCEPT\)|traffic selectors .* unacceptable|"
    r"failed to establish CHILD_SA|retransmit|giving up|notify error"
)
MAX_EVIDENCE = 8

#: Answers one connection and reports the MSS option of the SYN it received (read with a packet
#: socket opened before listening: TCP_MAXSEG would be capped by the server's own path).
SERVER = textwrap.dedent(
    """
    import socket, struct, sys
    addr, port, wait = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    sniff = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800)); sniff.settimeout(wait)
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(1); s.settimeout(wait)
    print("ready", flush=True)
    c, _ = s.accept(); c.settimeout(wait)
    c.sendall(b"pong:" + c.recv(64)); c.close()
    mss = 0
    while not mss:
        pkt = sniff.recv(65535)
        ihl = (pkt[0] & 15) * 4
        if pkt[9] != 6 or socket.inet_ntoa(pkt[16:20]) != addr:
            continue
        tcp = pkt[ihl:]
        if struct.unpack("!H", tcp[2:4])[0] != port or tcp[13] & 0x12 != 0x02:
            continue
        opts, i = tcp[20:(tcp[12] >> 4) * 4], 0
        while i < len(opts) and opts[i] != 0:
            if opts[i] == 1:
                i += 1
                continue
            if opts[i] == 2:
                mss = struct.unpack("!H", opts[i + 2:i + 4])[0]
            i += max(2, opts[i + 1])
        mss = mss or -1
    print(mss, flush=True)
    """
)
CLIENT = textwrap.dedent(
    """
    import socket, sys
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[4]), source_address=(sys.argv[3], 0))
    s.sendall(b"ping"); print(s.recv(64).decode())
    """
)


class LabRefused(Exception):
    """The lab cannot run here or for this stack (exit 2): one line, already worded for the user."""


@dataclass
class Check:
    name: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass
class LabResult:
    stack: str
    role: str
    tag: str
    up: bool = False
    sa: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    diagnosis: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kept: bool = False
    teardown: str | None = None
    left_behind: list[str] = field(default_factory=list)
    #: The scenario that broke the lab on purpose (None: the stack as planned).
    scenario: str | None = None
    #: What the lab measured: seconds to up-and-verified, failover, rekey-soak losses, teardown.
    measurements: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.up and all(c.ok for c in self.checks) and not self.left_behind

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "role": self.role,
            "tag": self.tag,
            "up": self.up,
            "sa": self.sa,
            "checks": [c.as_dict() for c in self.checks],
            "diagnosis": self.diagnosis,
            "evidence": self.evidence,
            "notes": self.notes,
            "kept": self.kept,
            "teardown": self.teardown,
            "leftBehind": self.left_behind,
            "scenario": self.scenario,
            "measurements": self.measurements,
        }


# --------------------------------------------------------------------------- before anything runs


def preconditions(charon: Path | None = None) -> list[str]:
    """Every missing piece, each with its Debian package (empty: the lab can run)."""
    return missing_netns(LAB_TOOLS) + missing_strongswan(charon)


def refusal_line(missing: Sequence[str]) -> str:
    return "the lab needs " + ", ".join(missing)


def lab_psk(
    spec: StackSpec, environ: Mapping[str, str] = os.environ, role: Role = "primary"
) -> tuple[str, str]:
    """(key, where it came from): the stack's readable key for the ``role`` connection, else
    ``$C2CVPN_PSK``, else a fresh random key to the portable rule (the lab's own; the stack's
    real key is not needed)."""
    readable = spec.tunnel.psk_readable_for(role)
    if readable:
        return readable, "the stack"
    if environ.get(PSK_ENV):
        problems = [p.message for p in psk_problems(environ[PSK_ENV], f"${PSK_ENV}")]
        if problems:
            raise LabRefused(f"${PSK_ENV}: " + " ".join(problems))
        return environ[PSK_ENV], f"${PSK_ENV}"
    return generate_psk(), "generated"


def perturb(
    spec: StackSpec, role: str, overrides: Mapping[str, object]
) -> tuple[StackSpec, str | None, bool]:
    """The Genesys stand-in's spec with test-only changes: ``phase1.<key>``/``phase2.<key>`` (stack
    spelling, e.g. ``phase2.encryption``), ``tenantCidrs``, ``networks`` (what the stand-in routes
    to the IaaS side), ``preSharedKey`` (its key) and ``dropIke`` (it drops UDP 500/4500).
    Returns (spec, key or None, drop IKE)."""
    psk: str | None = None
    drop = False
    for key, value in overrides.items():
        head, _, sub = key.partition(".")
        if head in ("phase1", "phase2") and sub:
            phase = getattr(spec.tunnel, head)
            new = type(phase).model_validate(
                {**phase.model_dump(mode="json", by_alias=True), sub: value}
            )
            spec = spec.model_copy(update={"tunnel": spec.tunnel.model_copy(update={head: new})})
        elif key == "tenantCidrs":
            g = spec.genesys
            spec = spec.model_copy(
                update={
                    "genesys": type(g).model_validate(
                        {**g.model_dump(mode="json", by_alias=True), key: value}
                    )
                }
            )
        elif key == "networks":
            iaas = spec.iaas if role == "primary" or spec.standby is None else spec.standby.iaas
            new_iaas = type(iaas).model_validate(
                {**iaas.model_dump(mode="json", by_alias=True), key: value}
            )
            if role == "primary" or spec.standby is None:
                spec = spec.model_copy(update={"iaas": new_iaas})
            else:
                spec = spec.model_copy(
                    update={"standby": spec.standby.model_copy(update={"iaas": new_iaas})}
                )
        elif key == "preSharedKey":
            psk = str(value)
        elif key == "dropIke":
            drop = str(value).lower() in ("1", "true", "yes", "on")
        else:
            raise ValueError(f"unknown lab override {key!r}; known: {', '.join(OVERRIDE_KEYS)}")
    return spec, psk, drop


def workdir_for(tag: str) -> Path:
    return Path(tempfile.gettempdir()) / f"c2cvpn-lab-{tag}"


def lab_down(tag: str, state_dir: Path = STATE_DIR) -> list[str]:
    """Tear down a kept or killed lab (``c2cvpn lab-down TAG``): its processes, namespaces,
    work directory and state file."""
    return teardown(tag, workdir_for(tag), state_dir)


def labs_found(state_dir: Path = STATE_DIR) -> list[FoundLab]:
    """Every lab this machine shows a trace of (``c2cvpn lab-down`` without a tag)."""
    return find_labs(state_dir, workdir_for("x").parent)


# --------------------------------------------------------------------------- diagnosis (pure)


@dataclass(frozen=True)
class Proposals:
    genesys_ike: str
    onprem_ike: str
    genesys_esp: str
    onprem_esp: str


def _evidence(logs: Mapping[str, str], hide: Sequence[str], *, proposals: str | None) -> list[str]:
    """Decisive lines first; then, for a proposal failure (``proposals``: "IKE" or "ESP"), the latest
    "received proposals" line of that phase and the "configured proposals" line after it, from
    the side that refused: the pair shows what differed."""
    decisive: list[str] = []
    context: list[str] = []
    for side, text in logs.items():
        retransmits = 0
        lines = text.splitlines()
        for line in lines:
            if DECISIVE.search(line):
                if "retransmit" in line:
                    retransmits += 1
                    if retransmits > 2:  # the first ones tell the story
                        continue
                decisive.append(_scrub(f"{side}: {line.strip()}", hide))
        if proposals and not context:
            received = [
                i for i, line in enumerate(lines) if f"received proposals: {proposals}:" in line
            ]
            if received:
                i = received[-1]
                configured = next(
                    (j for j in range(i + 1, len(lines)) if "configured proposals" in lines[j]),
                    None,
                )
                context = [
                    _scrub(f"{side}: {lines[k].strip()}", hide)
                    for k in (i, configured)
                    if k is not None
                ]
    return decisive[: MAX_EVIDENCE - len(context)] + context


def _scrub(line: str, hide: Sequence[str]) -> str:
    for secret in hide:
        if secret:
            line = line.replace(secret, "[secret]")
    return line


def diagnose(
    logs: Mapping[str, str], *, ike_up: bool, proposals: Proposals, hide: Sequence[str] = ()
) -> tuple[list[str], list[str]]:
    """(diagnosis, evidence) for a tunnel that did not come up, from both charon logs.

    ``logs`` maps a side's label to its log; ``ike_up`` says whether an IKE SA was ESTABLISHED.
    """
    text = "\n".join(logs.values())
    no_proposal = "NO_PROPOSAL_CHOSEN" in text or "N(NO_PROP)" in text
    evidence = _evidence(
        logs, hide, proposals=("ESP" if ike_up else "IKE") if no_proposal else None
    )
    out: list[str] = []
    if "AUTHENTICATION_FAILED" in text or "AUTH_FAILED" in text or "MAC mismatched" in text:
        out.append(
            "Phase 1 Failed: pre-shared key mismatch (AUTHENTICATION_FAILED in IKE_AUTH): the two ends hold "
            "different keys. Enter the stack's key unchanged on both sides "
            "(`pulumi stack output preSharedKey --show-secrets`)."
        )
    if no_proposal and not ike_up and not out:
        out.append(
            "Phase 1 Failed: no common IKE proposal (NO_PROPOSAL_CHOSEN during IKE_SA_INIT): phase 1 encryption, "
            f"integrity or DH group differ — the Genesys side proposes {proposals.genesys_ike}, "
            f"the on-prem side {proposals.onprem_ike}."
        )
    elif no_proposal and ike_up:
        out.append(
            "Phase 2 Failed: no common ESP proposal (NO_PROPOSAL_CHOSEN for the CHILD_SA, the IKE SA is up): "
            "a mismatch in encryption algorithms, DH groups, or PFS settings — the Genesys side proposes "
            f"{proposals.genesys_esp}, the on-prem side {proposals.onprem_esp}."
        )
    if "TS_UNACCEPTABLE" in text or "N(TS_UNACCEPT)" in text:
        out.append(
            "Phase 2 Failed: traffic selectors refused (TS_UNACCEPTABLE): Genesys' local networks must equal "
            "genesys.tenantCidrs and its remote networks the IaaS networks, on both sides."
        )
    if (
        not out
        and not ike_up
        and ("retransmit" in text or "giving up" in text)
        and "received packet" not in text
    ):
        out.append(
            "Phase 1 Failed: no answer on UDP 500/4500: blocked or peer down — the IKE_SA_INIT request was "
            "retransmitted without a reply. Open UDP 500 and 4500 both ways and check the peer and gateway IPs."
        )
    if not out:
        state = (
            "the IKE SA is up but no CHILD_SA was installed"
            if ike_up
            else "no IKE SA was established"
        )
        out.append(
            f"The tunnel did not come up: {state}, and the charon logs name no cause; see the evidence lines."
        )
    return out, evidence


def compare_algorithms(expected: Mapping[str, str], actual: Mapping[str, Any]) -> list[str]:
    """Differences between the spec's algorithms (vendor names) and what charon negotiated."""
    diffs = [
        f"{k}: expected {v}, negotiated {actual.get(k, '(none)')}"
        for k, v in expected.items()
        if actual.get(k) != v
    ]
    # a transform negotiated but not asked for (e.g. PFS when the spec has none) is a difference too
    diffs += [
        f"{k}: not in the spec, negotiated {actual[k]}"
        for k in ("integ-alg", "dh-group")
        if k in actual and k not in expected
    ]
    return diffs


def algorithms_label(sa: Mapping[str, Any]) -> str:
    parts = [sa.get("encr-alg", "?") + (f"/{sa['encr-keysize']}" if sa.get("encr-keysize") else "")]
    parts += [sa[k] for k in ("integ-alg", "prf-alg", "dh-group") if sa.get(k)]
    return " ".join(parts)


# --------------------------------------------------------------------------- the run


def _first_host(net: ipaddress.IPv4Network) -> ipaddress.IPv4Address:
    return next(iter(net.hosts()), net.network_address)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP (they are delivered afterwards): teardown runs to its end."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def _interrupt_once() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP tear the lab down, once: the first raises KeyboardInterrupt
    and sets all three to "ignore" until the lab is gone, so a second Ctrl-C can neither cut
    the teardown short (before it even starts) nor end the process by signal."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    watched = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def handler(signum: int, frame: FrameType | None) -> None:
        for s in watched:
            signal.signal(s, signal.SIG_IGN)
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {s: signal.signal(s, handler) for s in watched}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


class _Run:
    def __init__(
        self,
        spec: StackSpec,
        stack: str,
        role: str,
        *,
        psk: str,
        genesys_spec: StackSpec,
        genesys_psk: str,
        drop_ike: bool,
        timeout: float,
        charon: Path,
        tag: str,
        result: LabResult,
    ) -> None:
        self.spec, self.stack, self.role, self.timeout = spec, stack, role, timeout
        self.psk, self.genesys_spec, self.genesys_psk, self.drop_ike = (
            psk,
            genesys_spec,
            genesys_psk,
            drop_ike,
        )
        self.charon, self.tag, self.result = charon, tag, result
        self.end = attachment(spec, role)
        assert self.end.iaas.peer_ip is not None
        self.gw, self.peer = spec.genesys.gateway_ip, self.end.iaas.peer_ip
        self.tenant_hosts = [_first_host(n) for n in spec.genesys.tenant_cidrs]
        self.iaas_hosts = [_first_host(n) for n in self.end.iaas.networks]
        self.workdir = workdir_for(tag)
        self.state_file: Path | None = None
        self.net = Lab(tag)
        self.daemons: list[Charon] = []
        self.owns_workdir = False
        self.hide = [psk, genesys_psk]
        self.diagnosis: list[str] = []  # specific causes found while verifying
        gt, ot = genesys_spec.tunnel, spec.tunnel
        self.proposals = Proposals(
            strongswan_proposal(
                gt.phase1.encryption, gt.phase1.integrity, gt.phase1.dh_group, Phase.IKE
            ),
            strongswan_proposal(
                ot.phase1.encryption, ot.phase1.integrity, ot.phase1.dh_group, Phase.IKE
            ),
            strongswan_proposal(
                gt.phase2.encryption, gt.phase2.integrity, gt.phase2.pfs_group, Phase.IPSEC
            ),
            strongswan_proposal(
                ot.phase2.encryption, ot.phase2.integrity, ot.phase2.pfs_group, Phase.IPSEC
            ),
        )

    def check(self, name: str, ok: bool, detail: str) -> bool:
        self.result.checks.append(Check(name, ok, detail))
        return ok

    # ---- up
    def build(self) -> tuple[Charon, Charon, str]:
        os.mkdir(self.workdir, 0o700)  # exclusive: never reuse a directory someone else made
        self.owns_workdir = True
        rendered_o = render_peer(self.spec, role=self.role, side="iaas", psk=self.psk)
        rendered_g = render_peer(
            self.genesys_spec, role=self.role, side="genesys", psk=self.genesys_psk
        )
        write_rendered(rendered_o, self.workdir / "onprem")
        write_rendered(rendered_g, self.workdir / "genesys")
        g, o = self.net.ns("g"), self.net.ns("o")
        sh(
            "ip",
            "link",
            "add",
            f"c2cg{self.tag}",
            "netns",
            g,
            "type",
            "veth",
            "peer",
            "name",
            f"c2co{self.tag}",
            "netns",
            o,
        )
        for ns, iface, local, remote in (
            (g, f"c2cg{self.tag}", self.gw, self.peer),
            (o, f"c2co{self.tag}", self.peer, self.gw),
        ):
            sh("ip", "-n", ns, "addr", "add", f"{local}/32", "peer", f"{remote}/32", "dev", iface)
            sh("ip", "-n", ns, "link", "set", iface, "up")
            self.net.run(ns, ["sysctl", "-q", "-w", "net.ipv4.tcp_timestamps=0"])
        for ns, hosts in ((g, self.tenant_hosts), (o, self.iaas_hosts)):
            for host in hosts:
                sh("ip", "-n", ns, "addr", "add", f"{host}/32", "dev", "lo")
        if self.drop_ike:
            self.net.run(
                g,
                ["nft", "-f", "-"],
                input=(
                    "table inet c2cvpn_lab {\n  chain input {\n    type filter hook input priority 0; policy accept;\n"
                    "    udp dport { 500, 4500 } drop\n  }\n}\n"
                ),
            )
        daemons = []
        for ns, side in ((g, "genesys"), (o, "onprem")):
            files = self.workdir / side
            c = Charon(
                self.net,
                ns,
                self.workdir / f"{side}-daemon",
                daemon_conf=files / "strongswan.d" / "c2cvpn.conf",
                charon=self.charon,
            )
            self.daemons.append(c)
            c.start(timeout=self.timeout)
            daemons.append(c)
        return daemons[0], daemons[1], rendered_o.connection

    def bring_up(self, genesys: Charon, onprem: Charon, name: str) -> None:
        genesys.load(self.workdir / "genesys" / "swanctl.conf", timeout=self.timeout)
        try:  # start_action=start: loading initiates; swanctl may report a failed initiation
            onprem.load(self.workdir / "onprem" / "swanctl.conf", timeout=self.timeout)
        except subprocess.CalledProcessError:
            pass
        except subprocess.TimeoutExpired:
            self.result.notes.append(
                "swanctl --load-all on the on-prem side did not return in time"
            )
        if self.spec.tunnel.startup_action == "add":  # the on-prem side waits: Genesys initiates
            self.result.notes.append("startupAction add: the Genesys stand-in initiates")
            with suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
                genesys.swanctl(
                    "--initiate",
                    "--child",
                    name,
                    "--timeout",
                    str(max(1, int(self.timeout))),
                    timeout=self.timeout + 5,
                )

    def wait(
        self, genesys: Charon, onprem: Charon
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        deadline = time.monotonic() + self.timeout
        while True:
            o, g = onprem.installed_child(), genesys.installed_child()
            if o and g:
                return o, g
            if time.monotonic() >= deadline:
                return o, g
            if any(marker in c.log_text() for c in (genesys, onprem) for marker in FATAL):
                time.sleep(0.5)  # let both sides finish writing the exchange
                return onprem.installed_child(), genesys.installed_child()
            time.sleep(0.2)

    # ---- verify
    def verify(self, genesys: Charon, onprem: Charon, o: dict[str, Any], g: dict[str, Any]) -> None:
        spec, p1, p2 = self.spec, self.spec.tunnel.phase1, self.spec.tunnel.phase2
        ike, child = o["ike"], o["child"]
        self.check(
            "ike-sa",
            ike.get("state") == "ESTABLISHED",
            f"{ike.get('state')} IKEv{ike.get('version', '2')} {ike.get('local-host')} ⇄ {ike.get('remote-host')}, "
            f"initiated by the {'on-prem side' if ike.get('initiator') == 'yes' else 'Genesys stand-in'}",
        )
        encap = child.get("encap") == "yes"
        self.check(
            "child-sa",
            child.get("state") == "INSTALLED" and g["child"].get("state") == "INSTALLED",
            f"on-prem {child.get('state')}, Genesys {g['child'].get('state')}, {child.get('protocol', 'ESP')}"
            + (" in UDP 4500 (NAT-T)" if encap else ""),
        )
        want1 = strongswan_negotiated(p1.encryption, p1.integrity, p1.dh_group, Phase.IKE)
        diffs = compare_algorithms(want1, ike)
        self.check("phase1-algorithms", not diffs, "; ".join(diffs) or algorithms_label(ike))
        # The first CHILD_SA is keyed in IKE_AUTH, without a DH exchange: PFS shows at the first rekey.
        want2 = strongswan_negotiated(p2.encryption, p2.integrity, None, Phase.IPSEC)
        diffs = compare_algorithms(want2, {k: v for k, v in child.items() if k != "dh-group"})
        if spec.tunnel.nat_traversal and not encap:
            diffs.append("natTraversal is on but ESP is not UDP-encapsulated")
        self.check("phase2-algorithms", not diffs, "; ".join(diffs) or algorithms_label(child))
        tenants = sorted(str(n) for n in spec.genesys.tenant_cidrs)
        nets = sorted(str(n) for n in self.end.iaas.networks)
        views = {
            "on-prem": (
                sorted(child.get("local-ts", [])),
                sorted(child.get("remote-ts", [])),
                nets,
                tenants,
            ),
            "Genesys": (
                sorted(g["child"].get("local-ts", [])),
                sorted(g["child"].get("remote-ts", [])),
                tenants,
                nets,
            ),
        }
        bad = [
            f"{side}: local {', '.join(lt)} remote {', '.join(rt)} (expected local {', '.join(el)} remote {', '.join(er)})"
            for side, (lt, rt, el, er) in views.items()
            if (lt, rt) != (el, er)
        ]
        self.check(
            "traffic-selectors",
            not bad,
            "; ".join(bad)
            or f"Genesys {', '.join(tenants)} ⇄ IaaS {', '.join(nets)} (both sides agree)",
        )
        self.traffic(genesys.ns, onprem.ns)
        after_o, after_g = onprem.installed_child(), genesys.installed_child()
        counts = []
        for side, sa in (("on-prem", after_o), ("Genesys", after_g)):
            c = (sa or {}).get("child", {})
            counts.append((side, int(c.get("bytes-in", 0)), int(c.get("bytes-out", 0))))
        self.check(
            "esp-bytes",
            all(i > 0 and out > 0 for _, i, out in counts),
            ", ".join(f"{s} in {i} B / out {out} B" for s, i, out in counts),
        )
        final = after_o or o
        self.result.sa = {
            "view": "on-prem",
            "ike": _sa_summary(final["ike"], IKE_KEYS),
            "child": _sa_summary(final["child"], CHILD_KEYS),
        }
        self.rekey(onprem, final["child"])
        if self.end.iaas.mss_clamp.enabled:
            self.mss(genesys.ns, onprem.ns)

    def genesys_log(self) -> str:
        return self.daemons[0].log_text() if self.daemons else ""

    def rekey(self, onprem: Charon, child: Mapping[str, Any]) -> None:
        """Rekey the CHILD_SA now: the CREATE_CHILD_SA exchange is where the PFS group is negotiated
        (and where a PFS mismatch drops a tunnel that came up fine, an hour later)."""
        p2 = self.spec.tunnel.phase2
        want = strongswan_negotiated(p2.encryption, p2.integrity, p2.pfs_group, Phase.IPSEC)
        old = child.get("uniqueid")
        try:
            onprem.swanctl("--rekey", "--child", str(child.get("name")), timeout=self.timeout)
        except subprocess.CalledProcessError as exc:
            self.result.notes.append(
                f"swanctl --rekey: {(exc.stderr or exc.stdout or '').strip()[-200:]}"
            )
        except subprocess.TimeoutExpired:
            pass
        deadline = time.monotonic() + self.timeout
        new: dict[str, Any] | None = None
        while new is None and time.monotonic() < deadline:
            for ike in onprem.sas().values():
                for c in ike.get("child-sas", {}).values():
                    if c.get("state") == "INSTALLED" and c.get("uniqueid") != old:
                        new = c
            if new is None:
                if any(m in onprem.log_text() for m in ("NO_PROPOSAL_CHOSEN", "N(NO_PROP)")):
                    break
                time.sleep(0.2)
        if new is None:
            self.check(
                "phase2-rekey-pfs", False, f"the CHILD_SA did not rekey within {self.timeout:g} s"
            )
            diagnosis, evidence = diagnose(
                {"genesys": self.genesys_log(), "on-prem": onprem.log_text()},
                ike_up=True,
                proposals=self.proposals,
                hide=self.hide,
            )
            self.diagnosis += [
                d
                + (
                    " This shows only at the first rekey (PFS is negotiated there): the tunnel comes "
                    "up, carries traffic, and drops after phase2.lifetimeSeconds."
                )
                for d in diagnosis
            ]
            self.result.evidence += evidence
            return
        diffs = compare_algorithms(want, new)
        self.result.sa["rekeyed"] = _sa_summary(new, CHILD_KEYS)
        self.check(
            "phase2-rekey-pfs",
            not diffs,
            "; ".join(diffs) or f"rekeyed with {algorithms_label(new)}",
        )

    def tcp(
        self, server_ns: str, server_ip: str, client_ns: str, client_ip: str, port: int
    ) -> tuple[bool, str, int | None]:
        wait = min(10.0, self.timeout)
        server = self.net.popen(
            server_ns, [sys.executable, "-c", SERVER, server_ip, str(port), str(wait)]
        )
        try:
            assert server.stdout is not None
            line = _readline(server, wait)
            if line != "ready":
                return False, f"server on {server_ip}:{port} did not start: {_tail(server)}", None
            try:
                reply = self.net.run(
                    client_ns,
                    [sys.executable, "-c", CLIENT, server_ip, str(port), client_ip, str(wait)],
                    timeout=wait + 5,
                ).stdout.strip()
            except subprocess.CalledProcessError as exc:
                last = (exc.stderr or "").strip().splitlines()[-1:] or ["no output"]
                return False, f"{client_ip} → {server_ip}:{port}: {last[0]}", None
            except subprocess.TimeoutExpired:
                return False, f"{client_ip} → {server_ip}:{port}: no answer in {wait:g} s", None
            mss_line = _readline(server, wait)
            ok = reply == "pong:ping"
            mss = int(mss_line) if mss_line.isdigit() else None
            return (
                ok,
                f"{client_ip} → {server_ip}:{port} {'answered' if ok else f'wrong reply {reply!r}'}",
                mss,
            )
        finally:
            stop_process(server)

    def traffic(self, g: str, o: str) -> None:
        for port in self.end.iaas.application_ports:
            for t in self.tenant_hosts:
                for i in self.iaas_hosts:
                    ok, detail, _ = self.tcp(o, str(i), g, str(t), int(port))
                    self.check(f"tcp genesys→backend :{port}", ok, detail)
                    if not ok:
                        self.diagnosis.append(
                            f"Established but no data: the tunnel is up, but TCP {port} from Genesys ({t}) to the back end "
                            f"({i}) fails. Allow inbound TCP {port} from the Genesys CIDR on the IaaS firewall, and clamp MSS."
                        )
                    ok, detail, _ = self.tcp(g, str(t), o, str(i), int(port))
                    self.check(f"tcp backend→genesys :{port}", ok, detail)

    def mss(self, g: str, o: str) -> None:
        """Put a back end behind the firewall, measure the MSS a SYN arrives with each way without
        the clamp (the control), run the rendered mss-clamp.sh, and measure again."""
        script = self.workdir / "onprem" / "mss-clamp.sh"
        want = attachment_mss(self.spec, self.end.iaas).mss
        net = self.end.iaas.networks[0]
        backend_ip = next((h for h in net.hosts() if h not in self.iaas_hosts), None)
        if backend_ip is None:
            self.check(
                "mss-clamp", False, f"{net} has no second host for a back end behind the firewall"
            )
            return
        b = self.net.ns("b")
        sh(
            "ip",
            "link",
            "add",
            f"c2cb{self.tag}",
            "netns",
            b,
            "type",
            "veth",
            "peer",
            "name",
            f"c2cf{self.tag}",
            "netns",
            o,
        )
        sh("ip", "-n", b, "addr", "add", f"{backend_ip}/32", "dev", f"c2cb{self.tag}")
        sh("ip", "-n", b, "link", "set", f"c2cb{self.tag}", "up")
        sh("ip", "-n", o, "link", "set", f"c2cf{self.tag}", "up")
        sh(
            "ip",
            "-n",
            o,
            "route",
            "add",
            f"{backend_ip}/32",
            "dev",
            f"c2cf{self.tag}",
            "src",
            str(self.iaas_hosts[0]),
        )
        sh(
            "ip",
            "-n",
            b,
            "route",
            "add",
            "default",
            "via",
            str(self.iaas_hosts[0]),
            "dev",
            f"c2cb{self.tag}",
            "onlink",
        )
        self.net.run(b, ["sysctl", "-q", "-w", "net.ipv4.tcp_timestamps=0"])
        self.net.run(o, ["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])
        port = int(self.end.iaas.application_ports[0]) if self.end.iaas.application_ports else 443
        tenant = str(self.tenant_hosts[0])
        legs = (
            ("Genesys→back end", b, str(backend_ip), g, tenant),
            ("back end→Genesys", g, tenant, b, str(backend_ip)),
        )

        def measure() -> list[int | None]:
            seen = []
            for _label, server_ns, server_ip, client_ns, client_ip in legs:
                ok, _detail, mss = self.tcp(server_ns, server_ip, client_ns, client_ip, port)
                seen.append(mss if ok else None)
            return seen

        before = measure()
        try:
            self.net.run(o, ["sh", str(script)], timeout=self.timeout)
        except subprocess.CalledProcessError as exc:
            self.check(
                "mss-clamp", False, f"mss-clamp.sh failed: {(exc.stderr or '').strip()[-300:]}"
            )
            return
        after = measure()
        # Genesys-originated SYNs already carry the TUN device's MSS; the clamp must lower what exceeds it.
        ok = all(a is not None and a <= want for a in after) and all(
            a == want for a, b in zip(after, before, strict=True) if b is not None and b > want
        )
        shown = "; ".join(
            f"{label} {a if a is not None else 'no connection'}"
            for (label, *_), a in zip(legs, after, strict=True)
        )
        control = "/".join(str(x) for x in before)
        self.check(
            "mss-clamp",
            ok,
            f"SYN MSS through the rendered clamp ({want}): {shown} (without it: {control})",
        )

    # ---- down
    def close(self) -> None:
        close_lab(self)


T = TypeVar("T")


class Closable(Protocol):
    """What a lab run holds until :func:`close_lab` removes it."""

    daemons: list[Charon]
    net: Lab
    tag: str
    workdir: Path
    owns_workdir: bool
    state_file: Path | None

    def close(self) -> None: ...


def close_lab(run: Closable) -> None:
    """Tear a run down: daemons, namespaces, its own work directory, its state file. A second
    Ctrl-C (or SIGTERM) waits until teardown is done."""
    with _signals_held():
        for c in run.daemons:
            c.stop()
        run.net.close()
        if run.owns_workdir:
            shutil.rmtree(run.workdir, ignore_errors=True)
        if run.state_file is not None:
            forget_lab(run.tag, run.state_file.parent)


IKE_KEYS = (
    "state",
    "version",
    "local-host",
    "remote-host",
    "initiator",
    "encr-alg",
    "encr-keysize",
    "integ-alg",
    "prf-alg",
    "dh-group",
    "established",
)
CHILD_KEYS = (
    "name",
    "state",
    "mode",
    "protocol",
    "encap",
    "encr-alg",
    "encr-keysize",
    "integ-alg",
    "dh-group",
    "local-ts",
    "remote-ts",
    "bytes-in",
    "bytes-out",
    "packets-in",
    "packets-out",
    "rekey-time",
    "life-time",
)


def _sa_summary(sa: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    return {k: sa[k] for k in keys if k in sa}


def stop_process(proc: subprocess.Popen[str]) -> None:
    """Kill a probe's process group (started with ``start_new_session``) and reap it."""
    if proc.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    with suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def _readline(proc: subprocess.Popen[str], timeout: float) -> str:
    import selectors

    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            return ""
    return proc.stdout.readline().strip()


def _tail(proc: subprocess.Popen[str]) -> str:
    if proc.poll() is None or proc.stderr is None:
        return "no output"
    lines = proc.stderr.read().strip().splitlines()
    return lines[-1] if lines else f"exit {proc.returncode}"


def run_lab(
    spec: StackSpec,
    stack: str,
    *,
    role: str = "primary",
    timeout: float = 30,
    keep: bool = False,
    charon: Path | None = None,
    genesys_overrides: Mapping[str, object] | None = None,
    environ: Mapping[str, str] = os.environ,
    tag: str | None = None,
    on_start: Callable[[str], None] | None = None,
    state_dir: Path = STATE_DIR,
) -> LabResult:
    """The whole lab for a validated on-prem stack. Raises :class:`LabRefused` (exit 2) before
    building anything when the stack or the machine cannot run it; otherwise returns the result
    with everything torn down (unless ``keep``), also when interrupted.

    Before anything is built, the lab's tag is recorded in ``state_dir`` (see
    :func:`~c2cvpn.lab.netns.record_lab`) and handed to ``on_start`` (the CLI prints it)."""
    try:
        render_peer(spec, role=role, side="iaas")
    except RenderError as exc:
        raise LabRefused(
            f"{exc}; the lab runs on-prem attachments (their strongSwan peer is what it tests)"
        ) from None
    try:
        genesys_spec, genesys_psk, drop = perturb(spec, role, genesys_overrides or {})
        render_peer(genesys_spec, role=role, side="genesys")  # an override the table cannot spell
    except ValueError as exc:
        raise LabRefused(f"cannot apply the Genesys overrides: {exc}") from None
    except KeyError as exc:
        raise LabRefused(
            f"cannot apply the Genesys overrides: {exc} is not a value the vendor table knows"
        ) from None
    charon = charon_path(charon)
    missing = preconditions(charon)
    if missing:
        raise LabRefused(refusal_line(missing))
    psk, source = lab_psk(spec, environ, "standby" if role == "standby" else "primary")
    tag = tag or new_tag()
    result = LabResult(stack, role, tag)
    result.notes.append(
        "pre-shared key: generated for this lab only (never printed)"
        if source == "generated"
        else f"pre-shared key: from {source} (never printed)"
    )
    if genesys_overrides:
        shown = ", ".join(
            f"{k}=[secret]" if k == "preSharedKey" else f"{k}={v}"
            for k, v in genesys_overrides.items()
        )
        result.notes.append(f"Genesys stand-in perturbed: {shown}")
    run = _Run(
        spec,
        stack,
        role,
        psk=psk,
        genesys_spec=genesys_spec,
        genesys_psk=genesys_psk or psk,
        drop_ike=drop,
        timeout=timeout,
        charon=charon,
        tag=tag,
        result=result,
    )

    def build() -> tuple[Charon, Charon, str]:
        return run.build()

    def test(built: tuple[Charon, Charon, str]) -> None:
        _up_and_verify(run, result, *built, timeout)

    conduct(
        run,
        result,
        stack=stack,
        keep=keep,
        state_dir=state_dir,
        on_start=on_start,
        build=build,
        test=test,
    )
    return result


#: What counts as the lab's own build failing (a tool, a daemon that does not start).
BUILD_BREAKS: tuple[type[BaseException], ...] = (
    subprocess.CalledProcessError,
    subprocess.TimeoutExpired,
    RuntimeError,
    OSError,
)


def conduct(
    run: Closable,
    result: LabResult,
    *,
    stack: str,
    keep: bool,
    state_dir: Path,
    on_start: Callable[[str], None] | None,
    build: Callable[[], T],
    test: Callable[[T], None],
) -> None:
    """Record the lab, announce its tag, ``build`` it, ``test`` what was built, and tear it
    down — on every exit, Ctrl-C included — unless ``keep``. The lab itself breaking is a
    :class:`LabError` (after teardown); a finding about the tunnel is in ``result``."""
    tag = run.tag
    with _interrupt_once():
        try:
            try:
                run.state_file = record_lab(
                    tag,
                    state_dir,
                    stack=stack,
                    role=result.role,
                    workdir=str(run.workdir),
                    keep=keep,
                )
            except OSError as exc:
                result.notes.append(
                    f"not recorded in {state_dir} ({exc.strerror or exc}): if this run is "
                    f"killed, remove what it leaves with `c2cvpn lab-down {tag}`"
                )
            if on_start is not None:
                on_start(tag)
            try:
                built = build()
            except BUILD_BREAKS as exc:
                raise LabError(f"could not build the lab: {_why(exc)}") from None
            try:
                test(built)
            except LAB_BREAKS as exc:
                raise LabError(f"the lab broke while testing the tunnel: {_why(exc)}") from None
        except BaseException:
            run.close()
            raise
        if keep:
            result.kept = True
            result.teardown = f"c2cvpn lab-down {tag}"
            result.notes.append(
                f"kept: namespaces {', '.join(run.net.namespaces)}; files and charon logs in {run.workdir}"
            )
        else:
            started = time.monotonic()
            run.close()
            result.measurements["teardownSeconds"] = round(time.monotonic() - started, 2)
            result.left_behind = leftovers(tag, run.workdir)


def _vici_errors() -> tuple[type[Exception], ...]:
    try:
        from vici.exception import CommandException, DeserializationException, SessionException
    except ImportError:  # the preconditions name vici as missing before any of this runs
        return ()
    return (CommandException, DeserializationException, SessionException)


#: What counts as the lab itself breaking (not a finding about the tunnel): a tool failing,
#: or vici's own exceptions (not OSError) when a daemon answers badly.
LAB_BREAKS: tuple[type[BaseException], ...] = (
    subprocess.CalledProcessError,
    subprocess.TimeoutExpired,
    OSError,
    *_vici_errors(),
)


def _why(exc: BaseException) -> str:
    if isinstance(exc, subprocess.CalledProcessError) and exc.stderr:
        return f"{' '.join(map(str, exc.cmd))}: {str(exc.stderr).strip()[-300:]}"
    return str(exc)


def _up_and_verify(
    run: _Run, result: LabResult, genesys: Charon, onprem: Charon, name: str, timeout: float
) -> None:
    run.bring_up(genesys, onprem, name)
    o, g = run.wait(genesys, onprem)
    ike_up = any(ike.get("state") == "ESTABLISHED" for ike in onprem.sas().values())
    result.up = bool(o and g)
    if not result.up:
        run.check(
            "ike-sa",
            ike_up,
            "ESTABLISHED" if ike_up else f"no IKE SA established within {timeout:g} s",
        )
        run.check("child-sa", False, f"no CHILD_SA installed within {timeout:g} s")
        result.diagnosis, result.evidence = diagnose(
            {"genesys": genesys.log_text(), "on-prem": onprem.log_text()},
            ike_up=ike_up,
            proposals=run.proposals,
            hide=run.hide,
        )
    else:
        assert o is not None and g is not None
        run.verify(genesys, onprem, o, g)
        failed = [c for c in result.checks if not c.ok]
        result.diagnosis += run.diagnosis
        if failed and not run.diagnosis:
            result.diagnosis.append(
                "The tunnel is Established but checks failed: "
                + "; ".join(f"{c.name}: {c.detail}" for c in failed)
            )


# --------------------------------------------------------------------------- text report


def format_lines(result: LabResult) -> list[str]:
    lines = [
        f"lab {result.stack} ({result.role}) [tag {result.tag}]: tunnel {'UP' if result.up else 'DOWN'}"
    ]
    if result.sa:
        lines.append(f"  IKE  {algorithms_label(result.sa['ike'])}")
        lines.append(f"  ESP  {algorithms_label(result.sa['child'])}")
    for c in result.checks:
        lines.append(f"  {'ok  ' if c.ok else 'FAIL'} {c.name}: {c.detail}")
    if result.diagnosis:
        lines.append("diagnosis:")
        lines += [f"  {d}" for d in result.diagnosis]
    if result.evidence:
        lines.append("evidence:")
        lines += [f"  {e}" for e in result.evidence]
    lines += [f"note: {n}" for n in result.notes]
    if result.left_behind:
        lines.append(
            f"WARNING: cleanup left {', '.join(result.left_behind)}; run `c2cvpn lab-down {result.tag}`"
        )
    if result.kept:
        lines.append(f"left running; tear down with: {result.teardown}")
    else:
        lines.append("torn down: namespaces, charons and the work directory are gone")
    return lines


__all__ = [
    "Check",
    "LabError",
    "LabRefused",
    "LabResult",
    "diagnose",
    "format_lines",
    "lab_down",
    "lab_psk",
    "perturb",
    "preconditions",
    "run_lab",
]
