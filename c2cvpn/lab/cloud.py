"""``c2cvpn lab`` for cloud stacks: the three ends built from three different sources.

- **Genesys stand-ins** (namespace ``g``): one IKE connection per Genesys connection, built from
  the *Genesys record* the reconciler reads (the declared block, the API, or the bundled
  simulator), with the project's own vendor table turning its values into strongSwan proposals.
- **The cloud gateway** (namespace ``c``): one endpoint per AWS tunnel or Azure gateway
  instance, built from the *planned provider inputs* through the behaviour model of
  :mod:`c2cvpn.lab.cloud_model`, which has its own tables of the vendors' spellings.
- **The back end** (namespaces ``b1``…, and ``a`` for the MSS appliance): the planned security
  rules as an nftables filter with the cloud's defaults, the planned route-table routes as
  policy routing in a VPC router (namespace ``v``), the appliance running the plan's exact
  user-data script.

An internet router (namespace ``i``) joins ``g`` and ``c``: the scenarios that break the path
(UDP blocked, an MTU black hole, a NAT that forgets, the primary path down) act there. Every
drop rule the lab installs counts what it drops and carries a tag, so a diagnosis cites the
packets it saw, next to the charon log lines.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from c2cvpn.genesys.desired import Desired, Record
from c2cvpn.lab.cloud_conf import (
    GenesysEnd,
    cloud_swanctl,
    counters,
    daemon_conf,
    dpd_settings,
    genesys_swanctl,
    nft_filter,
)
from c2cvpn.lab.cloud_model import (
    CloudModel,
    ModelError,
    lab_outside_ip,
)
from c2cvpn.lab.netns import (
    STATE_DIR,
    Lab,
    missing_netns,
    new_tag,
    sh,
)
from c2cvpn.lab.probes import BULK_BYTES, BULK_CLIENT, BULK_SERVER, STREAM_CLIENT, STREAM_SERVER
from c2cvpn.lab.run import (
    CLIENT,
    LAB_BREAKS,
    SERVER,
    Check,
    LabRefused,
    LabResult,
    Proposals,
    _readline,
    _tail,
    _why,
    algorithms_label,
    close_lab,
    compare_algorithms,
    conduct,
    diagnose,
    refusal_line,
    stop_process,
    workdir_for,
)
from c2cvpn.lab.scenarios import BLACKHOLE_MTU, NAT_UDP_TIMEOUT, SCENARIOS, apply_scenario
from c2cvpn.lab.strongswan import Charon, charon_path, decode, missing_strongswan
from c2cvpn.psk import PSK_RESOURCE, generate_psk
from c2cvpn.vendors import (
    CIPHERS,
    DH_GROUPS,
    Phase,
    strongswan_negotiated,
    strongswan_proposal,
)

#: What the cloud lab runs besides strongSwan, with the Debian packages that ship it.
CLOUD_LAB_TOOLS = {
    "ip": "iproute2",
    "nft": "nftables",
    "ping": "iputils-ping",
    "unshare": "util-linux",
}
ROUTER = "192.0.2.254"  # the internet router's address on every link (TEST-NET-1)
VPC_ROUTER = "169.254.100.1"
GATEWAY_INSIDE = "169.254.100.2"  # the cloud gateway's leg into the VPC
NAT_PRIVATE = "100.64.0.2"  # the Genesys edge behind the NAT scenario's router


@dataclass
class Options:
    """What a cloud lab run does beyond up-and-verify."""

    scenario: str | None = None
    failover: bool = False
    soak: bool = False
    timeout: float = 30.0
    keep: bool = False


# --------------------------------------------------------------------------- the cloud side


class Daemon(Protocol):
    def sas(self) -> dict[str, Any]: ...

    def log_text(self) -> str: ...


class Gateways:
    """The cloud gateway stand-ins, read as one: a charon per gateway device (AWS and Azure: one;
    GCP active-passive: one per Classic gateway, each with its own TUN device and routes)."""

    def __init__(self, daemons: Mapping[str, Charon], gateway_of: Mapping[int, str]) -> None:
        self.daemons, self.gateway_of = dict(daemons), dict(gateway_of)

    def of(self, index: int) -> Charon:
        """The charon that holds endpoint ``index``."""
        return self.daemons[self.gateway_of[index]]

    def sas(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for d in self.daemons.values():
            found.update(d.sas())
        return found

    def log_text(self) -> str:
        return "".join(d.log_text() for d in self.daemons.values())


def ike_states(daemon: Charon) -> dict[str, set[str]]:
    """Every IKE SA's state by connection name (a rekey briefly holds two SAs of one name)."""
    import vici

    states: dict[str, set[str]] = {}
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(5)
        sock.connect(str(daemon.socket))
        for entry in vici.Session(sock).list_sas():
            for name, ike in decode(entry).items():
                states.setdefault(str(name), set()).add(str(ike.get("state", "")))
    return states


#: IKE SA states in which GCP counts a tunnel as a valid next hop (an IKE SA exists).
IKE_UP = frozenset({"ESTABLISHED", "REKEYING", "REKEYED"})


class CloudPlane:
    """What the cloud's control plane does beside the gateway's IKE daemon, for GCP:

    - **route choice**: "Google Cloud never considers a Cloud VPN tunnel as a valid next hop
      that has not established an IKE security association", and disregards such routes
      "before considering route priority"; among the rest the lowest priority number wins and
      equal priorities share the flows (ECMP) ("Order of routes"). Every
      :data:`CloudPlane.INTERVAL` seconds (and on :meth:`sync`) each endpoint's IKE SA state
      is read from its gateway's charon and each destination's route in the back ends' table
      in the VPC router is replaced by the winners, or removed when no tunnel is up;
    - **initiation on traffic**: Cloud VPN initiates "depending on the origin of traffic when a
      new security association is needed". The gateway's connections carry ``start_action =
      trap``, but kernel-libipsec raises no acquire for a trap policy: it drops the packet and
      logs "could not find an outbound IPsec SA". When a gateway logs that while one of its
      trap endpoints has an IKE SA and no CHILD_SA, this initiates the CHILD_SA from the
      gateway, as the acquire would have."""

    INTERVAL = 0.2
    NO_SA = "could not find an outbound IPsec SA"

    def __init__(self, run: CloudRun, gateways: Gateways, table_ids: Mapping[str, int]) -> None:
        self.run, self.gateways, self.table_ids = run, gateways, dict(table_ids)
        self.entries = [
            e
            for entries in run.model.tables.values()
            for e in entries
            if e.priority is not None and e.endpoint is not None and e.table in table_ids
        ]
        # behind the NAT scenario's router the cloud only answers (no trap is loaded)
        responder = run.opt.scenario == "nat-timeout"
        self.trapped = [
            e.index for e in run.model.endpoints if e.initiates_on_traffic and not responder
        ]
        self.chosen: dict[tuple[str, str], tuple[int, ...]] = {}
        #: (time.monotonic(), table, destination, endpoints) per change.
        self.changes: list[tuple[float, str, str, tuple[int, ...]]] = []
        #: (time.monotonic(), endpoint) per CHILD_SA initiated on traffic.
        self.acquired: list[tuple[float, int]] = []
        self.log_seen = {gw: len(d.log_text()) for gw, d in gateways.daemons.items()}
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None

    def acquire(self) -> None:
        """Initiate the CHILD_SA of a trap endpoint whose gateway dropped traffic for want of one."""
        for gw, daemon in self.gateways.daemons.items():
            mine = [i for i in self.trapped if self.gateways.gateway_of.get(i) == gw]
            if not mine:
                continue
            text = daemon.log_text()
            fresh, self.log_seen[gw] = text[self.log_seen[gw] :], len(text)
            if self.NO_SA not in fresh:
                continue
            states = ike_states(daemon)
            children = self.run.children(daemon)
            for index in mine:
                name = f"ep{index}"
                if states.get(name, set()) & IKE_UP and name not in children:
                    with suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
                        daemon.swanctl("--initiate", "--child", name, "--timeout", "5", timeout=10)
                        self.acquired.append((time.monotonic(), index))

    def up(self) -> set[int]:
        """Endpoints whose tunnel has an IKE SA."""
        found: set[int] = set()
        for gw, daemon in self.gateways.daemons.items():
            try:
                states = ike_states(daemon)
            except LAB_BREAKS:
                continue
            for index, where in self.gateways.gateway_of.items():
                if where == gw and states.get(f"ep{index}", set()) & IKE_UP:
                    found.add(index)
        return found

    def winners(self, up: set[int]) -> dict[tuple[str, str], tuple[int, ...]]:
        best: dict[tuple[str, str], tuple[int, tuple[int, ...]]] = {}
        for e in self.entries:
            if e.endpoint not in up or e.priority is None or e.endpoint is None:
                continue
            key = (e.table, e.destination)
            now = best.get(key)
            if now is None or e.priority < now[0]:
                best[key] = (e.priority, (e.endpoint,))
            elif e.priority == now[0] and e.endpoint not in now[1]:
                best[key] = (now[0], (*now[1], e.endpoint))
        return {k: tuple(sorted(v[1])) for k, v in best.items()}

    def sync(self) -> dict[tuple[str, str], tuple[int, ...]]:
        """Make the VPC router's routes what GCP would choose now; the choice per destination."""
        with self.lock:
            want = self.winners(self.up())
            for key in sorted({*self.chosen, *want}):
                if self.chosen.get(key) == want.get(key):
                    continue
                table, dest = key
                tid = str(self.table_ids[table])
                hops = want.get(key, ())
                if hops:
                    via: list[str] = []
                    for index in hops:
                        gw = self.gateways.gateway_of[index]
                        hop = ["via", self.run.gw_inside[gw], "dev", self.run.v_gw[gw], "onlink"]
                        via += ["nexthop", *hop] if len(hops) > 1 else hop
                    self.run.ip_v("route", "replace", dest, *via, "table", tid)
                else:
                    with suppress(subprocess.CalledProcessError):
                        self.run.ip_v("route", "del", dest, "table", tid)
                self.chosen[key] = hops
                self.changes.append((time.monotonic(), table, dest, hops))
            return dict(self.chosen)

    def start(self) -> None:
        if not self.entries and not self.trapped:
            return
        self.sync()

        def loop() -> None:
            while not self.stop_event.wait(self.INTERVAL):
                with suppress(Exception):
                    self.sync()
                with suppress(Exception):
                    self.acquire()

        self.thread = threading.Thread(target=loop, name="c2cvpn-vpc-routes", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(5)


# --------------------------------------------------------------------------- the run


class CloudRun:
    def __init__(
        self,
        *,
        stack: str,
        model: CloudModel,
        ends: list[GenesysEnd],
        gateway_ip: str,
        keys: Mapping[int, str],
        options: Options,
        charon: Path,
        tag: str,
        result: LabResult,
    ) -> None:
        self.stack, self.model, self.ends, self.gateway_ip = stack, model, ends, gateway_ip
        self.keys, self.opt, self.charon, self.tag, self.result = keys, options, charon, tag, result
        self.timeout = options.timeout
        self.workdir = workdir_for(tag)
        self.owns_workdir = False
        self.state_file: Path | None = None
        self.net = Lab(tag)
        self.daemons: list[Charon] = []
        self.meanings: dict[str, str] = {}
        self.v_ifaces: dict[str, str] = {}
        self.ns: dict[str, str] = {}
        self.diagnosis: list[str] = []
        self.evidence: list[str] = []
        # outside IPs: the record's peer IP when Genesys already knows it, else a lab address
        # Genesys dials the record's peer IP when it holds one; a second connection on an
        # address already taken is a Genesys side that uses one tunnel for both.
        self.ips: dict[int, str] = {}
        for e in model.endpoints:
            known = next(
                (str(g.value("peerIp")) for g in ends if g.tunnel == e.index and g.value("peerIp")),
                None,
            )
            taken = set(self.ips.values())
            if known and known not in taken:
                self.ips[e.index] = known
            else:
                self.ips[e.index] = next(
                    ip
                    for ip in (
                        lab_outside_ip(e.index),
                        *(lab_outside_ip(100 + k) for k in range(100)),
                    )
                    if ip not in taken and all(ip != str(g.value("peerIp")) for g in ends)
                )
        self.remotes = {
            g.conn: str(g.value("peerIp")) if g.value("peerIp") else self.ips.get(g.tunnel, "")
            for g in ends
        }
        self.tenants = sorted(
            {
                str(next(ipaddress.IPv4Network(n).hosts()))
                for g in ends
                for n in g.value("localNetworks") or ()
            }
        )
        self.hide = [*keys.values(), *(g.psk for g in ends)]
        # One gateway stand-in per gateway device: namespace c, then c2, c3… (GCP: a Classic
        # gateway per attachment); each with its own leg into the VPC.
        self.gateways = list(dict.fromkeys(e.gateway for e in model.endpoints)) or [""]
        self.gw_role = {gw: "c" if k == 0 else f"c{k + 1}" for k, gw in enumerate(self.gateways)}
        self.gw_inside = {
            gw: str(ipaddress.IPv4Address(GATEWAY_INSIDE) + k) for k, gw in enumerate(self.gateways)
        }
        self.gateway_of = {e.index: e.gateway for e in model.endpoints}
        self.v_gw: dict[str, str] = {}  # gateway -> the VPC router's interface to it
        self.i_gw: dict[str, str] = {}  # gateway -> the internet router's interface to it
        self.cloud: Gateways | None = None
        self.plane: CloudPlane | None = None
        self.table_ids: dict[str, int] = {}

    def check(self, name: str, ok: bool, detail: str) -> bool:
        self.result.checks.append(Check(name, ok, detail))
        return ok

    # ---- topology
    def _link(self, a: str, b: str) -> tuple[str, str]:
        ia, ib = f"{a}{b}{self.tag}"[:15], f"{b}{a}{self.tag}"[:15]
        sh(
            "ip",
            "link",
            "add",
            ia,
            "netns",
            self.ns[a],
            "type",
            "veth",
            "peer",
            "name",
            ib,
            "netns",
            self.ns[b],
        )
        for ns, iface in ((self.ns[a], ia), (self.ns[b], ib)):
            sh("ip", "-n", ns, "link", "set", iface, "up")
        return ia, ib

    def _ip(self, who: str, *args: str) -> None:
        sh("ip", "-n", self.ns[who], *args)

    def _sysctl(self, who: str, *settings: str) -> None:
        for s in settings:
            self.net.run(self.ns[who], ["sysctl", "-q", "-w", s])

    def _nft(self, who: str, ruleset: str) -> None:
        self.net.run(self.ns[who], ["nft", "-f", "-"], input=ruleset)

    def ip_v(self, *args: str) -> None:
        """``ip`` in the VPC router (the route controller's way in)."""
        self._ip("v", *args)

    def endpoint_routes(self, gw: str) -> list[str]:
        """What gateway ``gw`` sends into its tunnels: its endpoints' routes."""
        out: list[str] = []
        for e in self.model.endpoints:
            if e.gateway != gw:
                continue
            mine = e.routes if e.routes is not None else [d for d, _ in self.model.gateway_routes]
            out += [d for d in mine if d not in out]
        return out

    def build(self) -> None:
        os.mkdir(self.workdir, 0o700)
        self.owns_workdir = True
        m = self.model
        gw_roles = [self.gw_role[gw] for gw in self.gateways]
        roles = ["g", "i", *gw_roles, "v"] + [f"b{n + 1}" for n in range(len(m.backends))]
        if m.appliance is not None:
            roles.append("a")
        for r in roles:
            self.ns[r] = self.net.ns(r)
            self._sysctl(
                r,
                "net.ipv4.conf.all.rp_filter=0",
                "net.ipv4.conf.default.rp_filter=0",
                "net.ipv4.tcp_timestamps=0",
            )
        nat = self.opt.scenario == "nat-timeout"
        # internet: g — i — c (c2…)
        gi, ig = self._link("g", "i")
        self.if_ig = ig
        g_addr = NAT_PRIVATE if nat else self.gateway_ip
        self._ip("g", "addr", "add", f"{g_addr}/32", "dev", gi)
        self._ip("g", "route", "add", "default", "via", ROUTER, "dev", gi, "onlink")
        for t in self.tenants:
            self._ip("g", "addr", "add", f"{t}/32", "dev", "lo")
        self._ip("i", "addr", "add", f"{ROUTER}/32", "dev", ig)
        self._ip("i", "route", "add", f"{g_addr}/32", "dev", ig)
        for gw in self.gateways:
            c = self.gw_role[gw]
            ic, ci = self._link("i", c)
            self.i_gw[gw] = ic
            self._ip("i", "addr", "add", f"{ROUTER}/32", "dev", ic)
            for index, ip in self.ips.items():
                if self.gateway_of.get(index, "") == gw:
                    self._ip(c, "addr", "add", f"{ip}/32", "dev", ci)
                    self._ip("i", "route", "add", f"{ip}/32", "dev", ic)
            self._ip(c, "route", "add", "default", "via", ROUTER, "dev", ci, "onlink")
        self._sysctl("i", "net.ipv4.ip_forward=1")
        self._path_rules(g_addr)
        # VPC: c (c2…) — v — b…/a
        vpc_nets = list(m.networks) + ([m.appliance.subnet] if m.appliance else [])
        for gw in self.gateways:
            c = self.gw_role[gw]
            cv, vc = self._link(c, "v")
            self.v_gw[gw] = vc
            inside = self.gw_inside[gw]
            self._ip(c, "addr", "add", f"{inside}/32", "dev", cv)
            self._ip("v", "addr", "add", f"{VPC_ROUTER}/32", "dev", vc)
            self._ip("v", "route", "add", f"{inside}/32", "dev", vc)
            self._sysctl(c, "net.ipv4.ip_forward=1")
            # kernel-libipsec installs its policies with a route whose source lies in the local
            # traffic selector: the gateway holds the VPC router's reserved first address of
            # each network on its loopback (AWS reserves .1 of every subnet for the VPC router).
            for network in m.networks:
                self._ip(
                    c,
                    "addr",
                    "add",
                    f"{ipaddress.IPv4Network(network).network_address + 1}/32",
                    "dev",
                    "lo",
                )
            for net in vpc_nets:
                self._ip(c, "route", "add", net, "via", VPC_ROUTER, "dev", cv, "onlink")
            if any(e.initiates_on_traffic for e in m.endpoints if e.gateway == gw):
                # A trap on 0.0.0.0/0 makes kernel-libipsec route everything into its TUN
                # (table 220, "default dev ipsec0"): the gateway routes by its own table first,
                # which sends into the tunnel only what its routes name (below).
                self._ip(c, "rule", "add", "priority", "100", "lookup", "main")
            # the gateway sends into the tunnel only what its routes name (AWS static routes,
            # Azure LNG, GCP routes whose next hop is its tunnel)
            routes = ", ".join(self.endpoint_routes(gw))
            allow = f'    iifname "{cv}" ip daddr {{ {routes} }} accept\n' if routes else ""
            self._nft(
                c,
                "table inet c2c_gw {\n  chain forward {\n    type filter hook forward priority 0; policy accept;\n"
                f'{allow}    iifname "{cv}" counter drop comment "gw-noroute-drop"\n  }}\n}}\n',
            )
        self._sysctl("v", "net.ipv4.ip_forward=1")
        hosts = self.v_ifaces  # role -> its interface on the VPC router
        for n, b in enumerate(m.backends):
            role = f"b{n + 1}"
            hb, vb = self._link(role, "v")
            hosts[role] = vb
            self._host(role, hb, b.address, vb)
            ruleset, meanings = nft_filter(b.filter, hb, f"{role}")
            self._nft(role, ruleset)
            self.meanings.update({k: f"{b.name}: {v}" for k, v in meanings.items()})
        if m.appliance is not None:
            ha, va = self._link("a", "v")
            hosts["a"] = va
            self._host("a", ha, m.appliance.address, va)
            ruleset, meanings = nft_filter(m.appliance.filter, ha, "a")
            self._nft("a", ruleset)
            self.meanings.update(
                {k: f"appliance {m.appliance.name}: {v}" for k, v in meanings.items()}
            )
        # route tables as policy routing in v: the table of the source subnet decides
        table_ids = self.table_ids = {name: 100 + k for k, name in enumerate(sorted(m.tables))}
        first = self.gateways[0]
        for name, entries in m.tables.items():
            for e in entries:
                if e.priority is not None and e.endpoint is not None:
                    continue  # GCP: the route controller installs what is up (CloudPlane)
                if e.target == "gateway":
                    gw = self.gateway_of.get(e.endpoint, first) if e.endpoint else first
                    via = ("via", self.gw_inside[gw], "dev", self.v_gw[gw], "onlink")
                elif e.target == "appliance" and m.appliance is not None:
                    via = ("via", m.appliance.address, "dev", hosts["a"], "onlink")
                else:
                    continue
                self._ip(
                    "v", "route", "replace", e.destination, *via, "table", str(table_ids[name])
                )
        for n, b in enumerate(m.backends):
            if b.table in table_ids:
                self._ip(
                    "v",
                    "rule",
                    "add",
                    "iif",
                    hosts[f"b{n + 1}"],
                    "lookup",
                    str(table_ids[b.table]),
                    "priority",
                    "100",
                )
        if m.appliance is not None and m.appliance.table in table_ids:
            self._ip(
                "v",
                "rule",
                "add",
                "iif",
                hosts["a"],
                "lookup",
                str(table_ids[m.appliance.table]),
                "priority",
                "100",
            )
        if m.edge_table in table_ids:
            for gw in self.gateways:
                self._ip(
                    "v",
                    "rule",
                    "add",
                    "iif",
                    self.v_gw[gw],
                    "lookup",
                    str(table_ids[str(m.edge_table)]),
                    "priority",
                    "100",
                )
        self.meanings["gw-noroute-drop"] = (
            "the cloud gateway has no route into the tunnel for it: "
            + {
                "aws": "no VPN connection static route (aws:ec2/vpnConnectionRoute)",
                "azure": "not in the local network gateway's prefixes",
                "gcp": "no gcp:compute/route:Route names its tunnel as next hop for it",
            }.get(m.provider, "no route names the tunnel")
        )
        if m.appliance is not None:
            self._appliance()

    def _host(self, role: str, iface: str, address: str, v_iface: str) -> None:
        self._ip(role, "addr", "add", f"{address}/32", "dev", iface)
        self._ip(role, "route", "add", "default", "via", VPC_ROUTER, "dev", iface, "onlink")
        self._ip("v", "addr", "add", f"{VPC_ROUTER}/32", "dev", v_iface)
        self._ip("v", "route", "add", f"{address}/32", "dev", v_iface)

    def _appliance(self) -> None:
        a = self.model.appliance
        assert a is not None
        script = self.workdir / "appliance-user-data.sh"
        script.write_text(a.script)
        script.chmod(0o700)
        # a new namespace may inherit forwarding from the host: off, as on a fresh instance
        self._sysctl("a", "net.ipv4.ip_forward=0")
        if a.source_dest_check:  # AWS drops what an instance with the check on forwards
            self._nft(
                "a",
                "table inet c2c_srcdst {\n  chain forward {\n    type filter hook forward priority -300; policy accept;\n"
                '    counter drop comment "a-srcdst-drop"\n  }\n}\n',
            )
            self.meanings["a-srcdst-drop"] = (
                f"AWS's source/destination check on {a.name} (sourceDestCheck on)"
            )
        try:
            # run as cloud-init runs it: by its own interpreter line
            argv = [str(script)] if a.script.startswith("#!") else ["sh", str(script)]
            self.net.run(self.ns["a"], argv, timeout=self.timeout)
            forwarding = self.net.run(
                self.ns["a"], ["sysctl", "-n", "net.ipv4.ip_forward"]
            ).stdout.strip()
            self.check(
                "appliance-script",
                bool(a.script.strip()) and forwarding == "1",
                f"{a.source}: the boot script ran; IP forwarding {'on' if forwarding == '1' else 'OFF'}"
                if a.script.strip()
                else f"{a.source}: no boot script found in the user data",
            )
        except subprocess.CalledProcessError as exc:
            self.check(
                "appliance-script",
                False,
                f"{a.source}: the boot script failed: {(exc.stderr or '').strip()[-300:]}",
            )
            self.diagnosis.append(
                f"The MSS appliance's boot script ({a.source}) does not run: {(exc.stderr or '').strip()[-200:]}. "
                "Nothing is forwarded or clamped until it does."
            )

    def _path_rules(self, g_addr: str) -> None:
        """The internet router's counted rules: scenario drops, and a counter for big DF packets."""
        rules = []
        sc = self.opt.scenario
        # the internet router's interfaces towards the cloud gateways
        to_cloud = "{ " + ", ".join(f'"{x}"' for x in self.i_gw.values()) + " }"
        if sc == "udp-blocked":
            rules.append('    udp dport { 500, 4500 } counter drop comment "path-udp-drop"')
            rules.append('    meta l4proto esp counter drop comment "path-esp-drop"')
            self.meanings["path-udp-drop"] = "the path dropped IKE (UDP 500/4500)"
            self.meanings["path-esp-drop"] = "the path dropped ESP"
        if sc == "mtu-blackhole":
            rules.append(
                f'    ip length > {BLACKHOLE_MTU} ip frag-off & 0x4000 != 0 counter drop comment "path-mtu-drop"'
            )
            self.meanings["path-mtu-drop"] = (
                f"a router with MTU {BLACKHOLE_MTU} dropped packets above it with DF set, without the ICMP "
                "'fragmentation needed' that would tell the sender"
            )
        nat = ""
        if sc == "nat-timeout":
            rules.append(
                f'    iifname {to_cloud} ip daddr {self.gateway_ip} ct state new counter drop comment "nat-nomap-drop"'
            )
            no_mapping = "the NAT had no mapping for a packet from the cloud to the Genesys edge (its UDP mapping expired)"
            self.meanings["nat-nomap-drop"] = self.meanings["nat-nomap-local-drop"] = no_mapping
            nat = (
                "  chain post {\n    type nat hook postrouting priority 100; policy accept;\n"
                f"    oifname {to_cloud} ip saddr {g_addr} snat ip to {self.gateway_ip}\n  }}\n"
                "  chain pre {\n    type nat hook prerouting priority -100; policy accept;\n  }\n"
            )
            self._ip("i", "addr", "add", f"{self.gateway_ip}/32", "dev", self.if_ig)
        self._nft(
            "i",
            "table inet c2c_path {\n  chain forward {\n    type filter hook forward priority 0; policy accept;\n"
            + "".join(r + "\n" for r in rules)
            + "  }\n"
            + (
                "  chain input {\n    type filter hook input priority 0; policy accept;\n"
                f'    iifname {to_cloud} ip daddr {self.gateway_ip} counter drop comment "nat-nomap-local-drop"\n  }}\n'
                if nat
                else ""
            )
            + nat
            + "}\n",
        )
        if nat:  # after the ruleset: its conntrack rules load the module these settings live in
            self._sysctl(
                "i",
                f"net.netfilter.nf_conntrack_udp_timeout={NAT_UDP_TIMEOUT}",
                f"net.netfilter.nf_conntrack_udp_timeout_stream={NAT_UDP_TIMEOUT}",
            )

    def drop_path(self, tunnel: int) -> None:
        """Drop everything between the Genesys edge and one endpoint's outside IP (IKE and ESP)."""
        ip = self.ips[tunnel]
        self._nft(
            "i",
            "table inet c2c_down {\n  chain forward {\n    type filter hook forward priority -10; policy accept;\n"
            f'    ip daddr {ip} counter drop comment "down-{tunnel}-drop"\n'
            f'    ip saddr {ip} counter drop comment "down-{tunnel}-drop"\n  }}\n}}\n',
        )
        ep = self.model.endpoint(tunnel)
        self.meanings[f"down-{tunnel}-drop"] = (
            f"the lab dropped the path to {ep.label if ep else f'tunnel {tunnel}'}"
        )

    # ---- daemons
    def gw_dir(self, gw: str) -> Path:
        """The work subdirectory of gateway ``gw``'s files (``cloud``, ``cloud2``…)."""
        return self.workdir / ("cloud" + self.gw_role[gw].removeprefix("c"))

    def start(self) -> tuple[Charon, Gateways]:
        m = self.model
        timeouts = [e.dpd_timeout for e in m.endpoints] or [30]
        keepalive = (
            0
            if self.opt.scenario == "nat-timeout"
            else int(self.ends[0].value("keepaliveSeconds") or 0)
        )
        nat = self.opt.scenario == "nat-timeout"
        (self.workdir / "genesys").mkdir(mode=0o700)
        for gw in self.gateways:
            mine = [e for e in m.endpoints if e.gateway == gw]
            where = self.gw_dir(gw)
            where.mkdir(mode=0o700)
            # The gateway routes into the tunnel what its own routes name (below), not every selector.
            (where / "daemon.conf").write_text(
                daemon_conf(
                    dpd_timeout=min([e.dpd_timeout for e in mine] or timeouts),
                    keepalive=0,
                    install_routes=False,
                )
            )
            (where / "swanctl.conf").write_text(
                cloud_swanctl(
                    m, self.ips, self.keys, responder=nat, endpoints={e.index for e in mine}
                )
            )
        (self.workdir / "genesys" / "daemon.conf").write_text(
            daemon_conf(dpd_timeout=min(timeouts), keepalive=keepalive)
        )
        # Behind a NAT only the inside end can open the mapping: Genesys initiates, the cloud answers.
        initiate = {e.index: nat or not e.initiates for e in m.endpoints}
        delay, _, _ = dpd_settings(min(timeouts))
        (self.workdir / "genesys" / "swanctl.conf").write_text(
            genesys_swanctl(
                self.ends,
                local_ip=NAT_PRIVATE if nat else self.gateway_ip,
                gateway_ip=self.gateway_ip,
                remotes=self.remotes,
                initiate=initiate,
                dpd_delay=delay,
            )
        )
        sides = [("g", self.workdir / "genesys", self.workdir / "genesys-daemon")]
        sides += [
            (self.gw_role[gw], self.gw_dir(gw), Path(f"{self.gw_dir(gw)}-daemon"))
            for gw in self.gateways
        ]
        out = []
        for role, conf, home in sides:
            c = Charon(
                self.net,
                self.ns[role],
                home,
                daemon_conf=conf / "daemon.conf",
                charon=self.charon,
            )
            self.daemons.append(c)
            c.start(timeout=self.timeout)
            out.append(c)
        self.cloud = Gateways(dict(zip(self.gateways, out[1:], strict=True)), self.gateway_of)
        self._tunnel_routes()
        return out[0], self.cloud

    def _tunnel_routes(self) -> None:
        """Each cloud gateway's routes into its tunnels: kernel-libipsec's TUN device carries them."""
        for gw in self.gateways:
            c = self.gw_role[gw]
            deadline = time.monotonic() + self.timeout
            while "ipsec0" not in self.net.run(self.ns[c], ["ip", "-o", "link", "show"]).stdout:
                if time.monotonic() > deadline:
                    raise RuntimeError("the cloud gateway's charon made no ipsec0 device")
                time.sleep(0.05)
            for destination in self.endpoint_routes(gw):
                self._ip(c, "route", "replace", destination, "dev", "ipsec0")

    def load(self, genesys: Charon, cloud: Gateways) -> None:
        """Load the answering side first: loading a connection with ``start_action = start``
        initiates it, and an IKE_SA_INIT that reaches a side with nothing loaded is refused.
        Then the VPC's GCP routes follow the tunnels' IKE SAs (:class:`CloudPlane`)."""
        cloud_initiates = self.opt.scenario != "nat-timeout" and any(
            e.initiates for e in self.model.endpoints
        )
        order: list[tuple[Charon, Path]] = [(genesys, self.workdir / "genesys")]
        clouds = [(cloud.daemons[gw], self.gw_dir(gw)) for gw in self.gateways]
        order = [*order, *clouds] if cloud_initiates else [*clouds, *order]
        for daemon, where in order:
            with suppress(subprocess.CalledProcessError):
                daemon.load(where / "swanctl.conf", timeout=self.timeout)
        self.plane = CloudPlane(self, cloud, self.table_ids)
        self.plane.start()

    def children(self, daemon: Daemon) -> dict[str, dict[str, Any]]:
        """INSTALLED child SAs by connection name, each with its IKE SA."""
        found: dict[str, dict[str, Any]] = {}
        for name, ike in daemon.sas().items():
            for child in ike.get("child-sas", {}).values():
                if child.get("state") == "INSTALLED":
                    found[name] = {"ike": ike, "child": child}
        return found

    def wait_up(self, genesys: Charon, cloud: Gateways) -> tuple[dict[str, Any], dict[str, Any]]:
        want_g = {g.conn for g in self.ends}
        want_c = {
            f"ep{g.tunnel}"
            for g in self.ends
            if self.model.endpoint(g.tunnel) and self.remotes[g.conn] == self.ips[g.tunnel]
        }
        deadline = time.monotonic() + self.timeout
        while True:
            gs, cs = self.children(genesys), self.children(cloud)
            if want_g <= set(gs) and want_c <= set(cs):
                return gs, cs
            logs = genesys.log_text() + cloud.log_text()
            fatal = any(
                k in logs
                for k in (
                    "AUTHENTICATION_FAILED",
                    "NO_PROPOSAL_CHOSEN",
                    "TS_UNACCEPTABLE",
                    "giving up",
                )
            )
            silent = logs.count("retransmit") >= 2 and "received packet" not in genesys.log_text()
            if time.monotonic() >= deadline or fatal or silent:
                time.sleep(0.5)
                return self.children(genesys), self.children(cloud)
            time.sleep(0.1)

    # ---- checks
    def verify(
        self, genesys: Charon, cloud: Gateways, gs: dict[str, Any], cs: dict[str, Any]
    ) -> None:
        m = self.model
        covered = {g.tunnel for g in self.ends}
        for e in m.endpoints:
            if e.index not in covered:
                self.check(
                    f"{e.label} has a Genesys connection",
                    False,
                    f"no Genesys connection uses {e.label} ({e.outside}): when the cloud moves traffic to it "
                    "(maintenance, or the other one down), nothing answers",
                )
                used = [x.label for x in m.endpoints if x.index in covered]
                self.diagnosis.append(
                    f"Redundancy: Genesys uses only {', '.join(used or ['no tunnel'])}; "
                    f"create a Genesys connection for {e.label} too."
                )
        for g in self.ends:
            end = m.endpoint(g.tunnel)
            mine, theirs = gs.get(g.conn), cs.get(f"ep{g.tunnel}")
            ok = (
                mine is not None
                and theirs is not None
                and mine["ike"].get("remote-host") == self.ips[g.tunnel]
            )
            self.check(
                f"{g.role} connection up on {end.label if end else f'tunnel {g.tunnel}'}",
                ok,
                f"{g.name}: {mine['ike'].get('local-host')} ⇄ {mine['ike'].get('remote-host')} "
                f"(the {end.label if end else ''} outside IP {self.ips[g.tunnel]} stands for {end.outside if end else '?'})"
                if mine
                else f"{g.name}: no CHILD_SA installed within {self.timeout:g} s",
            )
            if not (mine and theirs):
                continue
            v = g.value
            want1 = strongswan_negotiated(
                str(v("phase1.encryption")),
                str(v("phase1.integrity")),
                int(v("phase1.dhGroup")),
                Phase.IKE,
            )
            diffs = compare_algorithms(want1, mine["ike"])
            self.check(
                f"{g.role} phase1-algorithms",
                not diffs,
                "; ".join(diffs) or algorithms_label(mine["ike"]),
            )
            want2 = strongswan_negotiated(
                str(v("phase2.encryption")), str(v("phase2.integrity")), None, Phase.IPSEC
            )
            diffs = compare_algorithms(
                want2, {k: x for k, x in mine["child"].items() if k != "dh-group"}
            )
            self.check(
                f"{g.role} phase2-algorithms",
                not diffs,
                "; ".join(diffs) or algorithms_label(mine["child"]),
            )
            ts_local, ts_remote = (
                sorted(mine["child"].get("local-ts", [])),
                sorted(mine["child"].get("remote-ts", [])),
            )
            exp_local, exp_remote = (
                sorted(v("localNetworks") or ()),
                sorted(v("remoteNetworks") or ()),
            )
            c_local, c_remote = (
                sorted(theirs["child"].get("local-ts", [])),
                sorted(theirs["child"].get("remote-ts", [])),
            )
            ok = (ts_local, ts_remote) == (exp_local, exp_remote) and (c_local, c_remote) == (
                exp_remote,
                exp_local,
            )
            self.check(
                f"{g.role} traffic-selectors",
                ok,
                f"Genesys {', '.join(ts_local)} ⇄ {', '.join(ts_remote)}; cloud {', '.join(c_local)} ⇄ {', '.join(c_remote)}"
                + (
                    ""
                    if ok
                    else f" (the Genesys record says {', '.join(exp_local)} ⇄ {', '.join(exp_remote)})"
                ),
            )
            if end is not None and (
                tuple(end.remote_ts) != tuple(exp_local) or tuple(end.local_ts) != tuple(exp_remote)
            ):
                self.result.notes.append(
                    f"{end.label}: the cloud proposes {', '.join(end.local_ts)} ⇄ {', '.join(end.remote_ts)} "
                    f"({end.sources.get('remoteNetworks')}, {end.sources.get('localNetworks')}); negotiation narrowed it to the Genesys networks"
                )
        self.rekey_check(genesys)
        before = self._bytes(genesys)
        self.traffic(genesys)
        after = self._bytes(genesys)
        sent, got = after[0] - before[0], after[1] - before[1]
        self.check(
            "bytes on the SAs",
            sent > 0 and got > 0,
            f"the Genesys stand-in's CHILD_SAs carried {sent} bytes out and {got} bytes in during the checks",
        )

    def _bytes(self, genesys: Charon) -> tuple[int, int]:
        """(bytes out, bytes in) summed over the Genesys stand-in's installed CHILD_SAs."""
        sas = self.children(genesys).values()
        return (
            sum(int(sa["child"].get("bytes-out", 0)) for sa in sas),
            sum(int(sa["child"].get("bytes-in", 0)) for sa in sas),
        )

    def inside(self) -> None:
        """Each Genesys connection's tunnel range is its endpoint's inside CIDR: the cloud takes
        the first host and Genesys the second (AWS's own example pairs 169.254.44.233 with the
        customer gateway's .234: https://github.com/awsdocs/aws-site-to-site-vpn-user-guide/blob/main/doc_source/cgw-static-routing-examples.md)."""
        for g in self.ends:
            end = self.model.endpoint(g.tunnel)
            if end is None or end.inside_cidr is None:
                continue
            record = g.value("tunnelCidr")
            net = ipaddress.IPv4Network(end.inside_cidr)
            cloud, genesys = (str(h) for h in list(net.hosts())[:2])
            ok = record is None or str(record) == str(net)
            self.check(
                f"{g.role} inside addresses",
                ok,
                f"{end.label} inside {net} ({end.sources.get('inside')}): "
                f"the cloud {cloud}, Genesys {genesys}"
                + ("" if ok else f"; the Genesys record's tunnelCidr is {record}"),
            )
            if not ok:
                self.diagnosis.append(
                    f"Inside addresses: Genesys' {g.role} connection uses tunnel range {record}, {end.label} uses "
                    f"{net}: set the connection's tunnel CIDR to {net} (Genesys {genesys}, the cloud {cloud})."
                )

    def selectors(self) -> None:
        """An endpoint that initiates with any-to-any selectors: a Genesys side that insists on its
        networks answers TS_UNACCEPTABLE (aws-review #6, azure-review #12). The stand-in narrows
        them as RFC 7296 §2.9 allows, so this is judged from the model, not from the handshake."""
        for e in self.model.endpoints:
            wide = e.local_ts == ("0.0.0.0/0",) and e.remote_ts == ("0.0.0.0/0",)
            if not (wide and e.initiates):
                continue
            self.check(
                f"{e.label} selectors",
                False,
                f"{e.label} initiates proposing 0.0.0.0/0 ⇄ 0.0.0.0/0 "
                f"({e.sources.get('localNetworks')}, {e.sources.get('remoteNetworks')} unset)",
            )
            self.diagnosis.append(
                f"Phase 2 risk: {e.label} initiates with any-to-any traffic selectors; a Genesys side that "
                "insists on genesys.tenantCidrs ⇄ the IaaS networks answers TS_UNACCEPTABLE (Phase 2 Failed). "
                f"Set {e.sources.get('localNetworks')} and {e.sources.get('remoteNetworks')}, or let Genesys initiate."
            )

    def configuration(self) -> None:
        """What would deploy but not carry traffic, from the model; and each tunnel's key: the
        plan's key input must be the password of the key the Genesys connection holds."""
        for name, why in self.model.broken:
            self.check(name, False, why.split(":", 1)[0])
            self.diagnosis.append(why)
        for g in self.ends:
            e = self.model.endpoint(g.tunnel)
            if e is None:
                continue
            want = PSK_RESOURCE.get(g.key_role)
            ok = e.psk_resource == want
            self.check(
                f"{g.role} key",
                ok,
                f"{e.sources.get('psk')} is {e.psk_resource or 'not a generated password'}'s result"
                + (
                    ""
                    if ok
                    else f"; Genesys' {g.role} connection holds the {g.key_role} key ({want})"
                ),
            )
            if not ok:
                self.diagnosis.append(
                    f"Phase 1 Failed (planned): {e.sources.get('psk')} takes {e.psk_resource or 'another value'}, "
                    f"but Genesys' {g.role} connection holds the {g.key_role} key ({want}): wire the "
                    f"{e.label} key to {want}."
                )

    def addressing(self) -> None:
        """Each Genesys connection dials its own endpoint (its record's peer IP, when it has one)."""
        m = self.model
        for g in self.ends:
            end = m.endpoint(g.tunnel)
            dialled = self.remotes[g.conn]
            if dialled == self.ips.get(g.tunnel):
                continue
            other = next((e.label for e in m.endpoints if self.ips[e.index] == dialled), None)
            where = end.label if end else f"tunnel {g.tunnel}"
            self.check(
                f"{g.role} connection dials {where}",
                False,
                f"{g.name} dials {dialled} (its record's peerIp): "
                + (f"the address of {other}" if other else "no address of this gateway"),
            )
            self.diagnosis.append(
                f"Redundancy: Genesys' {g.role} connection {g.name!r} dials {dialled}, "
                + (f"the address of {other}" if other else "no address of this gateway")
                + f", not {where}: set its peer IP to {where}'s outside IP "
                f"({end.outside if end else '?'})."
            )

    def rekey_check(self, genesys: Charon) -> None:
        """One CHILD_SA rekey per Genesys connection: PFS is negotiated only then. The primary
        rekeys last: with two SAs for the same selectors, kernel-libipsec sends on the newest,
        and Genesys sends on its primary connection."""
        for g in reversed(self.ends):
            before = self.children(genesys).get(g.conn)
            if not before:
                continue
            mark = len(genesys.log_text())
            try:
                genesys.swanctl("--rekey", "--child", g.conn, timeout=10)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
                self.check(f"{g.role} child-rekey", False, f"swanctl --rekey failed: {_why(exc)}")
                continue
            deadline = time.monotonic() + min(self.timeout, 10)
            after = None
            while time.monotonic() < deadline:
                after = self.children(genesys).get(g.conn)
                log = genesys.log_text()[mark:]
                if after and after["child"].get("uniqueid") != before["child"].get("uniqueid"):
                    break
                if "NO_PROPOSAL_CHOSEN" in log or "N(NO_PROP)" in log:
                    after = None
                    break
                time.sleep(0.1)
            pfs = g.value("phase2.pfsGroup")
            if not after or after["child"].get("uniqueid") == before["child"].get("uniqueid"):
                self.check(
                    f"{g.role} child-rekey",
                    False,
                    "the CHILD_SA rekey was refused or did not complete",
                )
                continue
            want = strongswan_negotiated(
                str(g.value("phase2.encryption")),
                str(g.value("phase2.integrity")),
                None if pfs in (None, "off") else int(pfs),
                Phase.IPSEC,
            ).get("dh-group")
            got = after["child"].get("dh-group")
            self.check(
                f"{g.role} child-rekey",
                got == want,
                f"rekeyed with PFS {got or 'none'}"
                + ("" if got == want else f" (the record says {want or 'none'})"),
            )

    def attempt(self, role: str, argv: Sequence[str], timeout: float = 15) -> int:
        """Run a probe in a namespace; its exit status (a failing probe is a finding, not an error)."""
        try:
            return subprocess.run(
                ["ip", "netns", "exec", self.ns[role], *argv],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                env=self.net.env,
            ).returncode
        except subprocess.TimeoutExpired:
            return -1

    def _server(self, ns: str, address: str, port: int, wait: float) -> subprocess.Popen[str]:
        return self.net.popen(
            ns, [sys.executable, "-c", BULK_SERVER, address, str(port), str(wait), str(BULK_BYTES)]
        )

    def bulk(self, client_ns: str, client_ip: str, server: str, port: int, wait: float) -> str:
        out = self.net.run(
            client_ns,
            [
                sys.executable,
                "-c",
                BULK_CLIENT,
                server,
                str(port),
                client_ip,
                str(wait),
                str(BULK_BYTES),
            ],
            timeout=wait + 10,
        ).stdout.strip()
        return out

    def traffic(self, genesys: Charon) -> None:
        """From the first host of every tenant CIDR to every back end: each application port
        (64 KiB back, so a path that loses large packets fails) and ping."""
        m = self.model
        wait = min(self.timeout, 4.0)
        for n, b in enumerate(m.backends):
            role = f"b{n + 1}"
            for port in m.application_ports:
                server = self._server(
                    self.ns[role], b.address, int(port), wait * len(self.tenants) + 6
                )
                try:
                    if _readline(server, 5) != "ready":
                        self.check(
                            f"tcp genesys→{b.name} :{port}",
                            False,
                            f"server did not start: {_tail(server)}",
                        )
                        continue
                    outs = {
                        t: self.bulk(self.ns["g"], t, b.address, int(port), wait)
                        for t in self.tenants
                    }
                finally:
                    stop_process(server)
                bad = {t: o for t, o in outs.items() if not o.startswith("ok")}
                self.check(
                    f"tcp genesys→{b.name} :{port}",
                    not bad,
                    f"{', '.join(self.tenants)} → {b.address}:{port}: "
                    + (
                        f"answered, {BULK_BYTES // 1024} KiB back"
                        if not bad
                        else "; ".join(f"from {t}: {_bulk_failure(o)}" for t, o in bad.items())
                    ),
                )
            silent = [
                t
                for t in self.tenants
                if self.attempt(
                    "g", ["ping", "-c", "2", "-i", "0.2", "-W", "1", "-I", t, b.address]
                )
            ]
            self.check(
                f"icmp genesys→{b.name}",
                not silent,
                f"ping {', '.join(self.tenants)} → {b.address}: "
                + ("answered" if not silent else f"no answer from {', '.join(silent)}"),
            )

    def mss(self) -> None:
        """With the appliance, a SYN from the back end reaches Genesys with the clamped MSS."""
        a = self.model.appliance
        if a is None or a.mss is None:
            return
        tenant, b = self.tenants[0], self.model.backends[0]
        port = int(self.model.application_ports[0]) if self.model.application_ports else 443
        server = self.net.popen(
            self.ns["g"], [sys.executable, "-c", SERVER, tenant, str(port), "5"]
        )
        try:
            if _readline(server, 5) != "ready":
                self.check("mss-clamp", False, "server did not start")
                return
            try:
                self.net.run(
                    self.ns["b1"],
                    [sys.executable, "-c", CLIENT, tenant, str(port), b.address, "5"],
                    timeout=10,
                )
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
                last = (_why(exc).strip().splitlines() or ["no output"])[-1]
                self.check("mss-clamp", False, f"{b.address} → {tenant}:{port}: {last[-200:]}")
                return
            line = _readline(server, 5)
        finally:
            stop_process(server)
        mss = int(line) if line.lstrip("-").isdigit() else None
        self.check(
            "mss-clamp",
            mss is not None and 0 < mss <= a.mss,
            f"SYN from the back end reached Genesys with MSS {mss} (the appliance clamps to {a.mss})",
        )

    def hop_names(self, hops: Sequence[int]) -> str:
        return ", ".join(e.label for e in self.model.endpoints if e.index in hops) or "nothing"

    def cloud_carriers(self, cloud: Gateways) -> list[int]:
        """The endpoints whose CHILD_SA carried the back end's replies to a ping from Genesys."""

        def out() -> dict[int, int]:
            sas = self.children(cloud)
            return {
                e.index: int(sas[f"ep{e.index}"]["child"].get("bytes-out", 0))
                for e in self.model.endpoints
                if f"ep{e.index}" in sas
            }

        before = out()
        b = self.model.backends[0]
        self.attempt(
            "g", ["ping", "-c", "3", "-i", "0.2", "-W", "1", "-I", self.tenants[0], b.address]
        )
        after = out()
        return [k for k, v in after.items() if v > before.get(k, 0)]

    def vpc_routes(self, cloud: Gateways) -> None:
        """GCP: with every tunnel up, the VPC sends each Genesys CIDR to the lowest priority
        number (equal: all of them), and the back end's replies leave through it."""
        routes = self.plane
        if routes is None or not routes.entries:
            return
        chosen = routes.sync()
        everyone = {e.index for e in self.model.endpoints}
        expected = routes.winners(everyone)
        carried = self.cloud_carriers(cloud)
        parts = []
        for key in sorted(expected):
            dest = key[1]
            others = sorted(
                {
                    (e.priority, e.endpoint)
                    for e in routes.entries
                    if (e.table, e.destination) == key and e.endpoint not in expected[key]
                },
                key=lambda x: (x[0] or 0, x[1] or 0),
            )
            best = min(
                (e.priority or 0 for e in routes.entries if (e.table, e.destination) == key),
                default=0,
            )
            parts.append(
                f"{dest} → {self.hop_names(chosen.get(key, ()))} (priority {best}"
                + "".join(f"; {self.hop_names([i or 0])} {p} in reserve" for p, i in others)
                + ")"
            )
        used = {i for hops in chosen.values() for i in hops}
        ok = chosen == expected and bool(carried) and set(carried) <= used
        self.check(
            "vpc routes",
            ok,
            "; ".join(parts)
            + f"; the back end's replies left through {self.hop_names(carried)}"
            + (
                ""
                if chosen == expected
                else " (GCP would choose "
                + "; ".join(f"{d} → {self.hop_names(h)}" for (_, d), h in sorted(expected.items()))
                + ")"
            ),
        )

    def on_traffic(self, genesys: Charon, cloud: Gateways) -> None:
        """GCP initiates when traffic needs a new SA: Genesys closes its primary CHILD_SA (the
        IKE SA stays, so the VPC's route stays valid) and a ping from the back end must make
        the cloud's endpoint negotiate a new one, proposing its own selectors."""
        plane = self.plane
        g = self.ends[0]
        e = self.model.endpoint(g.tunnel)
        if plane is None or e is None or not e.initiates_on_traffic:
            return
        name = f"ep{e.index}"
        b = self.model.backends[0]
        tenant = self.tenants[0]
        with suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            genesys.swanctl("--terminate", "--child", g.conn, "--timeout", "5", timeout=10)
        deadline = time.monotonic() + 5
        while name in self.children(cloud) and time.monotonic() < deadline:
            time.sleep(0.1)
        mark = len(plane.acquired)
        answered = False
        deadline = time.monotonic() + min(self.timeout, 8)
        while not answered and time.monotonic() < deadline:
            # the first ping is dropped for want of an SA (and starts the initiation)
            answered = self.attempt("b1", ["ping", "-c", "1", "-W", "1", tenant], timeout=5) == 0
        child = self.children(cloud).get(name)
        initiated = len(plane.acquired) > mark and child is not None
        ts = (
            f"{', '.join(child['child'].get('local-ts', []))} ⇄ {', '.join(child['child'].get('remote-ts', []))}"
            if child
            else "none"
        )
        self.check(
            f"{e.label} initiates on traffic",
            answered and initiated,
            f"Genesys closed {g.conn}'s CHILD_SA; a ping {b.address} → {tenant} "
            + (
                f"made {e.label} initiate a new one (proposing {', '.join(e.local_ts)} ⇄ {', '.join(e.remote_ts)}, "
                f"narrowed to {ts}) and was answered"
                if answered and initiated
                else f"{'was answered' if answered else 'was not answered'}, "
                f"{e.label} {'initiated' if initiated else 'initiated no'} CHILD_SA"
            ),
        )

    # ---- failover and soak
    def probe(self, wait: float = 1.0) -> bool:
        b = self.model.backends[0]
        port = int(self.model.application_ports[0]) if self.model.application_ports else 443
        try:
            out = self.bulk(self.ns["g"], self.tenants[0], b.address, port, wait)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            return False
        return out.startswith("ok")

    def carriers(self, genesys: Charon) -> list[str]:
        """The Genesys connections whose SA carried a probe (bytes out before and after)."""
        before = {k: int(v["child"].get("bytes-out", 0)) for k, v in self.children(genesys).items()}
        self.probe()
        after = {k: int(v["child"].get("bytes-out", 0)) for k, v in self.children(genesys).items()}
        return [k for k in after if after[k] > before.get(k, 0)]

    def failover(self, genesys: Charon) -> None:
        if len(self.ends) < 2:
            self.check(
                "failover", False, "the stack has one Genesys connection: nothing to fail over to"
            )
            self.diagnosis.append(
                "Single tunnel: with the primary path down the application is unreachable; add a standby connection."
            )
            return
        b = self.model.backends[0]
        port = int(self.model.application_ports[0]) if self.model.application_ports else 443
        e = self.model.endpoint(self.ends[0].tunnel)
        dpd = e.dpd_timeout if e else 30
        budget = 2 * dpd + 15
        server = self._server(self.ns["b1"], b.address, port, budget + 10)
        try:
            if _readline(server, 5) != "ready":
                self.check("failover", False, "server did not start")
                return
            carrying = self.carriers(genesys)
            self.drop_path(self.ends[0].tunnel)
            t0 = time.monotonic()
            answered = None
            while time.monotonic() - t0 < budget:
                if self.probe(1.0):
                    answered = time.monotonic() - t0
                    break
                time.sleep(0.2)
        finally:
            stop_process(server)
        moved = self.children(genesys)
        standby = self.ends[1].conn
        self.result.measurements["failoverSeconds"] = (
            round(answered, 2) if answered is not None else None
        )
        self.result.measurements["dpdTimeoutSeconds"] = dpd
        assumed = " (assumed: the vendor documents none)" if e is not None and e.dpd_assumed else ""
        route_ok, route_line = self.route_switch(t0, self.ends[0].tunnel, self.ends[1].tunnel)
        self.check(
            "failover",
            answered is not None and standby in moved and route_ok,
            (
                f"primary path dropped (it carried: {', '.join(carrying) or 'none measured'}); TCP {port} answered again through "
                f"the standby after {answered:.1f} s (DPD timeout {dpd} s: {e.sources.get('dpd') if e else ''}{assumed})"
                + route_line
            )
            if answered is not None
            else f"no answer through the standby within {budget} s of dropping the primary path"
            + route_line,
        )

    def route_switch(self, since: float, primary: int, standby: int) -> tuple[bool, str]:
        """GCP: when the VPC's routes left the primary's tunnel for the standby's after
        ``since`` (ok, and a clause for the failover line); (True, "") without GCP routes."""
        routes = self.plane
        if routes is None or not routes.entries:
            return True, ""
        routes.sync()
        switched = [
            (t, dest)
            for t, _, dest, hops in routes.changes
            if t >= since and primary not in hops and standby in hops
        ]
        now = {
            dest
            for (_, dest), hops in routes.chosen.items()
            if standby in hops and primary not in hops
        }
        wanted = {e.destination for e in routes.entries if e.endpoint == standby}
        if switched:
            seconds = round(switched[0][0] - since, 2)
            self.result.measurements["routeSwitchSeconds"] = seconds
        ok = bool(wanted) and wanted <= now
        return ok, (
            f"; the VPC's routes to {', '.join(sorted(wanted))} moved to {self.hop_names([standby])} "
            f"{switched[0][0] - since:.1f} s after the drop, once {self.hop_names([primary])} had no IKE SA"
            if switched and ok
            else f"; the VPC still routes {', '.join(sorted(wanted - now)) or 'nothing'} elsewhere than "
            f"{self.hop_names([standby])} ({', '.join(f'{d} → {self.hop_names(h)}' for (_, d), h in sorted(routes.chosen.items()))})"
        )

    def soak(self, genesys: Charon, cloud: Gateways) -> None:
        b = self.model.backends[0]
        port = int(self.model.application_ports[0]) if self.model.application_ports else 443
        g = self.ends[0]
        seconds = 8.0
        rate = 50
        probe_server = self._server(self.ns["b1"], b.address, port, 10)
        try:
            carrying = self.carriers(genesys) if _readline(probe_server, 5) == "ready" else []
        finally:
            stop_process(probe_server)
        server = self.net.popen(
            self.ns["b1"], [sys.executable, "-c", STREAM_SERVER, b.address, str(port), "30"]
        )
        ping = None
        try:
            if _readline(server, 5) != "ready":
                self.check("rekey-soak", False, "stream server did not start")
                return
            client = self.net.popen(
                self.ns["g"],
                [
                    sys.executable,
                    "-c",
                    STREAM_CLIENT,
                    b.address,
                    str(port),
                    self.tenants[0],
                    str(seconds),
                ],
            )
            ping = self.net.popen(
                self.ns["g"],
                [
                    "ping",
                    "-q",
                    "-i",
                    str(1 / rate),
                    "-c",
                    str(int(seconds * rate)),
                    "-W",
                    "1",
                    "-I",
                    self.tenants[0],
                    b.address,
                ],
            )
            time.sleep(0.5)
            marks = (len(genesys.log_text()), len(cloud.log_text()))
            asked_child = asked_ike = 0
            # even steps from the Genesys stand-in, odd ones from the cloud: IKE at 5 and 10
            plan = ["child"] * 5 + ["ike"] + ["child"] * 4 + ["ike", "child"]
            step = (seconds - 1.5) / len(plan)
            for n, kind in enumerate(plan):
                daemon, conn = (cloud.of(g.tunnel), f"ep{g.tunnel}") if n % 2 else (genesys, g.conn)
                with suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
                    daemon.swanctl("--rekey", f"--{kind}", conn, timeout=10)
                    if kind == "child":
                        asked_child += 1
                    else:
                        asked_ike += 1
                time.sleep(step)
            stream = client.communicate(timeout=seconds + 30)[0].strip()
            pinged = ping.communicate(timeout=seconds + 10)[0]
            # what charon did, not what was asked: rekeys logged by the Genesys side
            during = genesys.log_text()[marks[0] :]
            # each CHILD_SA is logged once per direction: count the distinct unique ids
            child_rekeys = len(
                set(re.findall(rf"CHILD_SA {g.conn}\{{(\d+)\}} established with SPIs", during))
            )
            ike_rekeys = len(re.findall(rf"IKE_SA {g.conn}\[\d+\] rekeyed", during))
        finally:
            stop_process(server)
            if ping is not None:
                stop_process(ping)
        sent = received = 0
        for line in pinged.splitlines():
            if "transmitted" in line:
                parts = line.split(",")
                sent = int(parts[0].split()[0])
                received = int(parts[1].split()[0])
        lost = sent - received
        broken = 0 if stream.startswith("sent") and stream.split()[1] == stream.split()[3] else 1
        self.result.measurements.update(
            {
                "soakChildRekeys": child_rekeys,
                "soakIkeRekeys": ike_rekeys,
                "soakPingsSent": sent,
                "soakPingsLost": lost,
                "soakTcpBroken": broken,
            }
        )
        self.check(
            "rekey-soak",
            child_rekeys >= 10 and ike_rekeys >= 2 and lost == 0 and broken == 0 and sent > 0,
            f"{child_rekeys} CHILD_SA and {ike_rekeys} IKE_SA rekeys of {g.conn} (asked {asked_child}/{asked_ike}) (carrying: {', '.join(carrying) or 'none measured'}) "
            f"under load: {lost} of {sent} pings lost, "
            f"TCP stream {'intact' if not broken else 'BROKEN'} ({stream})",
        )

    def nat_idle(self) -> None:
        """Cloud → Genesys after an idle period longer than the NAT's UDP timeout."""
        time.sleep(NAT_UDP_TIMEOUT + 2)
        b = self.model.backends[0]
        ok = self.attempt("b1", ["ping", "-c", "3", "-i", "0.3", "-W", "1", self.tenants[0]]) == 0
        self.check(
            "after idle: back end → Genesys",
            ok,
            f"ping {b.address} → {self.tenants[0]} after {NAT_UDP_TIMEOUT + 2} s without traffic",
        )

    # ---- evidence
    def counted(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for ns in self.ns.values():
            with suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
                text = self.net.run(ns, ["nft", "-j", "list", "ruleset"]).stdout
                for k, v in counters(text).items():
                    found[k] = found.get(k, 0) + v
        return found

    def explain(self, genesys: Charon, cloud: Gateways, up: bool) -> None:
        """Diagnosis in the guide's terms, from counters, routes and the charon logs."""
        m = self.model
        seen = self.counted()
        drops = {k: v for k, v in seen.items() if v and k.endswith("-drop")}
        for tag, n in sorted(drops.items()):
            if tag.startswith("down-"):
                continue
            self.evidence.append(f"packets: {n} dropped by {self.meanings.get(tag, tag)} [{tag}]")
        failed = [c for c in self.result.checks if not c.ok]
        tcp_failed = [c for c in failed if c.name.startswith("tcp ")]
        icmp_ok = any(c.name.startswith("icmp") and c.ok for c in self.result.checks)
        kind = {"aws": "security group", "gcp": "VPC firewall rules of network"}.get(
            m.provider, "NSG"
        )
        ports = ", ".join(sorted({c.name.rsplit(":", 1)[-1] for c in tcp_failed}))
        backend_drops = sorted({k.split("-", 1)[0] for k in drops if k[0] == "b"})
        if backend_drops and tcp_failed:
            names = sorted({m.backends[int(b[1:]) - 1].filter.name for b in backend_drops})
            self.diagnosis.append(
                "Established but no data: the tunnel is up"
                + (" and ping passes" if icmp_ok else "")
                + f", but the back end's security rules drop TCP {ports} from the Genesys CIDRs "
                f"({kind} {', '.join(names)}). Allow inbound TCP {ports} from genesys.tenantCidrs "
                "(the planned rule is missing)."
            )
        if drops.get("a-srcdst-drop") and m.appliance is not None:
            self.diagnosis.append(
                f"Established but no data: the MSS appliance drops what it forwards: {self.meanings['a-srcdst-drop']}."
            )
        elif any(k.startswith("a-") for k in drops) and tcp_failed and m.appliance is not None:
            self.diagnosis.append(
                f"Established but no data: the MSS appliance's {kind} ({m.appliance.filter.name}) drops TCP {ports} "
                "on its way through: its planned rules must allow the Genesys CIDRs in and the application networks out."
            )
        if drops.get("gw-noroute-drop"):
            self.diagnosis.append(
                "Established but no data: the cloud gateway has no route back to Genesys: "
                + {
                    "aws": "add the VPN connection's static routes (aws:ec2/vpnConnectionRoute) for genesys.tenantCidrs.",
                    "gcp": "add a gcp:compute/route:Route per genesys.tenantCidrs entry with the tunnel as nextHopVpnTunnel.",
                }.get(
                    m.provider,
                    "the local network gateway's prefixes must list genesys.tenantCidrs.",
                )
            )
        if tcp_failed and not any(d.startswith("Established but no data") for d in self.diagnosis):
            # a back end without a route back: the VPC router has nowhere to send the reply
            for n, b in enumerate(m.backends):
                hosts_if = self.v_ifaces[f"b{n + 1}"]
                try:
                    out = self.net.run(
                        self.ns["v"],
                        ["ip", "route", "get", self.tenants[0], "from", b.address, "iif", hosts_if],
                    ).stdout.strip()
                    reach = True
                except subprocess.CalledProcessError as exc:
                    out, reach = (exc.stderr or "").strip(), False
                if not reach:
                    self.evidence.append(
                        f"route: ip route get {self.tenants[0]} from {b.address} iif {b.table}: {out}"
                    )
                    planned = [e for e in m.tables.get(b.table, [])]
                    if m.provider == "gcp":
                        self.diagnosis.append(
                            f"Established but no data: the VPC network's routes for the back end ({b.table}) send nothing "
                            f"to Genesys ({self.tenants[0]}) through a tunnel that is up: replies from {b.address} never reach "
                            "a gateway. Add a gcp:compute/route:Route for each genesys.tenantCidrs entry with the tunnel as "
                            "nextHopVpnTunnel, on the back ends' network tags"
                            + (
                                f" (planned here: {', '.join(str(e.source) for e in planned)}; GCP disregards a route "
                                "whose tunnel has no IKE SA)"
                                if planned
                                else " (the route-missing scenario removed the planned ones)"
                                if self.opt.scenario == "route-missing"
                                else " (the plan adds none)"
                            )
                            + "."
                        )
                        continue
                    self.diagnosis.append(
                        f"Established but no data: route table {b.table} has no route to Genesys ({self.tenants[0]}): replies from "
                        f"{b.address} never reach the gateway. Add a route for each genesys.tenantCidrs entry to the "
                        f"{'virtual private gateway' if m.provider == 'aws' else 'VPN gateway'}"
                        + (
                            f" (planned here: {', '.join(str(e.source) for e in planned)})"
                            if planned
                            else " (the route-missing scenario removed the planned ones)"
                            if self.opt.scenario == "route-missing"
                            else " (the plan adds none)"
                        )
                        + "."
                    )
        if drops.get("path-mtu-drop"):
            self.diagnosis.append(
                "MTU black hole: the handshake and small packets pass, large packets vanish: "
                f"{self.meanings['path-mtu-drop']}. "
                + (
                    f"The appliance clamps to MSS {m.appliance.mss}, sized for a 1500-byte path: lower iaas.mssClamp.mss "
                    f"to fit a {BLACKHOLE_MTU}-byte path (about {BLACKHOLE_MTU - 40 - 80}), or fix ICMP on the path."
                    if m.appliance is not None and m.appliance.mss
                    else "Clamp the TCP MSS (iaas.mssClamp) to fit the path, or fix ICMP on the path."
                )
            )
        if drops.get("nat-nomap-drop") or drops.get("nat-nomap-local-drop"):
            self.diagnosis.append(
                "NAT timeout: the tunnel flaps or goes one-way after idle: the NAT in front of the Genesys edge forgot its UDP 4500 "
                f"mapping after {NAT_UDP_TIMEOUT} s and dropped what the cloud sent. Keep NAT-T keepalives on "
                "(tunnel.keepaliveSeconds below the NAT's UDP timeout)."
            )
        if not up:
            logs = {"genesys": genesys.log_text(), "cloud": cloud.log_text()}
            # the first connection that failed decides (another one may well be up)
            g = next((x for x in self.ends if x.conn not in self.children(genesys)), self.ends[0])
            e = m.endpoint(g.tunnel)
            pfs = g.value("phase2.pfsGroup")
            props = Proposals(
                strongswan_proposal(
                    str(g.value("phase1.encryption")),
                    str(g.value("phase1.integrity")),
                    int(g.value("phase1.dhGroup")),
                    Phase.IKE,
                ),
                ",".join(e.ike_proposals) if e else "?",
                strongswan_proposal(
                    str(g.value("phase2.encryption")),
                    str(g.value("phase2.integrity")),
                    None if pfs in (None, "off") else int(pfs),
                    Phase.IPSEC,
                ),
                ",".join(e.esp_proposals) if e else "?",
            )
            ike_up = genesys.sas().get(g.conn, {}).get("state") == "ESTABLISHED"
            lines, ev = diagnose(logs, ike_up=ike_up, proposals=props, hide=self.hide)
            unmatched = sorted(
                set(
                    re.findall(
                        r"no IKE config found for (\S+?)\.\.\.(\S+?),", "\n".join(logs.values())
                    )
                )
            )
            if unmatched:
                # not a proposal mismatch: one side holds no connection for these addresses
                lines = [x for x in lines if "no common IKE proposal" not in x]
                lines += [
                    f"Phase 1 Failed: an IKE_SA_INIT for {a} ⇄ {b} found no connection there: the peer addresses "
                    "differ from what that side expects (a Genesys peerIp, or the cloud's customer gateway / "
                    "local network gateway IP, which must be genesys.gatewayIp)."
                    for a, b in unmatched
                ]
            if (
                drops.get("path-udp-drop")
                or drops.get("nat-nomap-local-drop")
                or drops.get("nat-nomap-drop")
            ):
                lines = [x for x in lines if not x.startswith("Phase 1 Failed: no answer")]
            self.diagnosis += [
                line.replace("the on-prem side", f"the {m.provider.upper()} side") for line in lines
            ]
            self.evidence += ev
            self.diagnosis += self.name_inputs(
                [x for x in self.ends if x.conn not in self.children(genesys)]
            )
            if drops.get("path-udp-drop"):
                self.diagnosis.insert(
                    0,
                    "Phase 1 Failed: UDP 500/4500 blocked on the path: IKE never reaches the other end.",
                )
        elif any(c.name.endswith("child-rekey") and not c.ok for c in failed):
            logs = {"genesys": genesys.log_text(), "cloud": cloud.log_text()}
            g = self.ends[0]
            ep = m.endpoint(g.tunnel)
            self.diagnosis.append(
                "Phase 2 Failed at the rekey: a mismatch in PFS settings — the first CHILD_SA is keyed without a DH exchange, so it "
                f"comes up, and the rekey is refused: Genesys pfsGroup {g.value('phase2.pfsGroup')}, the cloud allows "
                f"{', '.join(ep.allowed.get('phase2.pfsGroup', ()) or ('none',)) if ep else '?'} "
                f"({ep.sources.get('phase2.pfsGroup') if ep else ''})."
            )
            _, ev = diagnose(logs, ike_up=True, proposals=Proposals("", "", "", ""), hide=self.hide)
            self.evidence += ev
        if failed and not self.diagnosis:
            self.diagnosis.append(
                "Checks failed: " + "; ".join(f"{c.name}: {c.detail}" for c in failed)
            )

    def name_inputs(self, ends: Sequence[GenesysEnd]) -> list[str]:
        """Where a proposal failure comes from: for each connection that did not come up, the
        planned input whose values leave out what the Genesys record asks for."""
        out = []
        for g in ends:
            e = self.model.endpoint(g.tunnel)
            if e is None:
                continue
            enc1, enc2 = str(g.value("phase1.encryption")), str(g.value("phase2.encryption"))
            pfs = g.value("phase2.pfsGroup")
            want: dict[str, str | None] = {
                "phase1.encryption": CIPHERS[enc1].strongswan,
                "phase1.integrity": str(g.value("phase1.integrity")),
                "phase1.dhGroup": _group(g.value("phase1.dhGroup")),
                "phase2.encryption": CIPHERS[enc2].strongswan,
                "phase2.integrity": None
                if CIPHERS[enc2].aead
                else str(g.value("phase2.integrity")),
            }
            for key, value in want.items():
                allowed = e.allowed.get(key)
                if value is not None and allowed is not None and value not in allowed:
                    out.append(
                        f"{g.name}: the Genesys record's {key} ({g.value(key)}) is not among what {e.label} "
                        f"accepts: {e.sources.get(key)} allows {', '.join(allowed) or 'nothing'}."
                    )
            groups = e.allowed.get("phase2.pfsGroup")
            if groups and pfs not in (None, "off") and _group(pfs) not in groups:
                out.append(
                    f"{g.name}: the Genesys record's phase2.pfsGroup ({pfs}) is not among what {e.label} "
                    f"accepts: {e.sources.get('phase2.pfsGroup')} allows {', '.join(groups)}."
                )
        return out

    # ---- down
    def close(self) -> None:
        if self.plane is not None:
            self.plane.stop()
        close_lab(self)


def _group(value: object) -> str:
    try:
        return DH_GROUPS[int(str(value))].strongswan
    except (KeyError, ValueError):
        return str(value)


def _bulk_failure(out: str) -> str:
    """What the bulk client's line says went wrong."""
    parts = out.split()
    got = parts[1] if len(parts) > 1 else "0"
    if out.startswith("short") and got != "0":
        return f"stalled after {got} of {BULK_BYTES} bytes"
    return out or "no output"


# --------------------------------------------------------------------------- entry


def cloud_preconditions(charon: Path | None = None) -> list[str]:
    """Every piece the cloud lab misses here, each with its Debian package (empty: it can run)."""
    return missing_netns(CLOUD_LAB_TOOLS) + missing_strongswan(charon_path(charon))


def genesys_ends(
    pairs: Sequence[tuple[Desired, Record | None]],
    tunnels: Mapping[str, int],
    keys: Mapping[str, str],
    key_roles: Mapping[str, str] | None = None,
) -> tuple[list[GenesysEnd], list[str]]:
    """The stand-ins from what the reconciler read; a missing record is a missing connection."""
    ends, missing = [], []
    for want, actual in pairs:
        if actual is None:
            missing.append(f"Genesys holds no {want.role} connection {want.record.name!r}")
            continue
        values = dict(want.record.values)
        values.update({k: v for k, v in actual.values.items() if v is not None})
        ends.append(
            GenesysEnd(
                role=want.role,
                name=actual.name,
                tunnel=tunnels.get(want.role, 1),
                record=replace(actual, values=values),
                psk=keys[(key_roles or {}).get(want.role, want.role)],
                conn=f"gen-{want.role}",
                key_role=(key_roles or {}).get(want.role, want.role),
            )
        )
    return ends, missing


def run_cloud_lab(
    *,
    stack: str,
    model: CloudModel,
    pairs: Sequence[tuple[Desired, Record | None]],
    tunnels: Mapping[str, int],
    gateway_ip: str,
    keys: Mapping[str, str],
    options: Options,
    charon: Path | None = None,
    tag: str | None = None,
    on_start: Callable[[str], None] | None = None,
    state_dir: Path = STATE_DIR,
    key_notes: Sequence[str] = (),
    key_roles: Mapping[str, str] | None = None,
) -> LabResult:
    """The lab for a cloud stack. ``keys``: the lab's key per PSK role ("primary"/"standby").

    Raises :class:`LabRefused` before anything is built when the machine cannot run it."""
    if options.scenario is not None and options.scenario not in SCENARIOS:
        raise LabRefused(f"unknown scenario {options.scenario!r}; known: {', '.join(SCENARIOS)}")
    charon = charon_path(charon)
    missing = cloud_preconditions(charon)
    if missing:
        raise LabRefused(refusal_line(missing))
    tag = tag or new_tag()
    result = LabResult(stack, model.attachment, tag)
    result.scenario = options.scenario
    result.notes += list(key_notes)
    result.notes += model.notes
    ends, absent = genesys_ends(pairs, tunnels, keys, key_roles)
    if model.refusals:
        for r in model.refusals:
            result.checks.append(Check("cloud-api", False, str(r)))
        result.diagnosis.append(
            "Would not deploy: the cloud API refuses "
            + "; ".join(
                f"{r.source} = {r.value!r} (it accepts {r.allowed})" for r in model.refusals
            )
            + ". Fix the vendor spelling or the stack value behind it."
        )
        return result
    if not ends:
        result.checks.append(Check("genesys-record", False, "; ".join(absent)))
        result.diagnosis.append("No Genesys connection to stand in for: " + "; ".join(absent))
        return result
    psk_role = {v: k for k, v in PSK_RESOURCE.items()}
    ep_keys = {
        e.index: keys.get(psk_role.get(e.psk_resource or "", ""), "") or generate_psk()
        for e in model.endpoints
    }
    model, ends, notes = apply_scenario(options.scenario, model, ends)
    result.notes += notes
    for a in absent:
        result.checks.append(Check("genesys-record", False, a))
    run = CloudRun(
        stack=stack,
        model=model,
        ends=ends,
        gateway_ip=gateway_ip,
        keys=ep_keys,
        options=options,
        charon=charon,
        tag=tag,
        result=result,
    )
    started = time.monotonic()

    def build() -> tuple[Charon, Gateways]:
        run.build()
        return run.start()

    def test(built: tuple[Charon, Gateways]) -> None:
        _cloud_checks(run, result, *built, started)

    conduct(
        run,
        result,
        stack=stack,
        keep=options.keep,
        state_dir=state_dir,
        on_start=on_start,
        build=build,
        test=test,
    )
    return result


def _cloud_checks(
    run: CloudRun, result: LabResult, genesys: Charon, cloud: Gateways, started: float
) -> None:
    run.configuration()
    run.addressing()
    run.selectors()
    run.inside()
    run.load(genesys, cloud)
    gs, cs = run.wait_up(genesys, cloud)
    want = {g.conn for g in run.ends}
    result.up = want <= set(gs)
    if result.up:
        first = gs[run.ends[0].conn]
        result.sa = {
            "ike": {
                k: first["ike"].get(k)
                for k in ("encr-alg", "encr-keysize", "integ-alg", "prf-alg", "dh-group")
                if k in first["ike"]
            },
            "child": {
                k: first["child"].get(k)
                for k in ("encr-alg", "encr-keysize", "integ-alg", "dh-group")
                if k in first["child"]
            },
        }
        run.verify(genesys, cloud, gs, cs)
        run.vpc_routes(cloud)
        run.mss()
        if all(c.ok for c in result.checks):  # verified: every check so far passed
            result.measurements["upAndVerifiedSeconds"] = round(time.monotonic() - started, 2)
            run.on_traffic(genesys, cloud)
        if run.opt.scenario == "nat-timeout":
            run.nat_idle()
        if run.opt.soak:
            run.soak(genesys, cloud)
        if run.opt.failover or run.opt.scenario == "primary-down":
            run.failover(genesys)
    else:
        for g in run.ends:
            if g.conn not in gs:
                run.check(
                    f"{g.role} connection up",
                    False,
                    f"{g.name}: no CHILD_SA within {run.timeout:g} s",
                )
    run.explain(genesys, cloud, result.up)
    result.diagnosis += run.diagnosis
    result.evidence += run.evidence


__all__ = [
    "SCENARIOS",
    "GenesysEnd",
    "ModelError",
    "Options",
    "apply_scenario",
    "cloud_swanctl",
    "counters",
    "daemon_conf",
    "dpd_settings",
    "genesys_swanctl",
    "nft_filter",
    "run_cloud_lab",
]
