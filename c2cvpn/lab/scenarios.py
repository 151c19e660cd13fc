"""``c2cvpn lab --scenario``: one thing broken on purpose, in the model or the Genesys record.

The path scenarios (UDP blocked, an MTU black hole, a NAT that forgets, the primary path down)
are built by the lab's internet router; this module changes what the stand-ins are built from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from c2cvpn.lab import SCENARIOS
from c2cvpn.lab.cloud_conf import GenesysEnd
from c2cvpn.lab.cloud_model import CloudModel, Rule, Source
from c2cvpn.psk import generate_psk
from c2cvpn.vendors import CIPHERS

__all__ = ["BLACKHOLE_MTU", "NAT_UDP_TIMEOUT", "ONPREM_SCENARIOS", "SCENARIOS", "apply_scenario"]

#: The scenarios an on-prem stack runs, as changes to its Genesys stand-in
#: (:func:`c2cvpn.lab.run.perturb` keys); the others need a cloud stack's back end and path.
ONPREM_SCENARIOS: dict[str, Callable[[Any], dict[str, object]]] = {
    "psk-mismatch": lambda spec: {"preSharedKey": "lab-mismatch-" + "x" * 24},
    "proposal-mismatch": lambda spec: {
        "phase1.encryption": "aes128" if spec.tunnel.phase1.encryption != "aes128" else "aes256"
    },
    "pfs-mismatch": lambda spec: {
        "phase2.pfsGroup": None if spec.tunnel.phase2.pfs_group is not None else 14
    },
    "udp-blocked": lambda spec: {"dropIke": "yes"},
}
#: The NAT scenario's UDP mapping timeout (seconds), shorter than the idle check's wait.
NAT_UDP_TIMEOUT = 3
#: The black-hole scenario's path MTU: kernel-libipsec's TUN (MTU 1400) plus ESP exceeds it.
BLACKHOLE_MTU = 1400


def apply_scenario(
    scenario: str | None, model: CloudModel, ends: list[GenesysEnd]
) -> tuple[CloudModel, list[GenesysEnd], list[str]]:
    """The model and stand-ins as the scenario breaks them, with a note per change."""
    notes: list[str] = []
    if scenario is None:
        return model, ends, notes
    if scenario == "psk-mismatch":
        ends = [replace(ends[0], psk=generate_psk()), *ends[1:]]
        notes.append(
            "scenario psk-mismatch: the Genesys stand-in holds another key for its primary connection"
        )
    elif scenario == "proposal-mismatch":
        g = ends[0]
        ep = model.endpoint(g.tunnel)
        # a cipher none of the endpoint's IKE proposals carries (AWS without a list allows all
        # four of its own: then AES-192, which AWS does not offer at all; GCP without a cipher
        # suite offers every one but DES)
        offered = {t for p in (ep.ike_proposals if ep else ()) for t in p.split("-")}
        other = next(
            (
                c
                for c in ("aes128", "aes256", "aes128gcm", "aes256gcm", "aes192", "3des", "des")
                if CIPHERS[c].strongswan not in offered
            ),
            "des",
        )
        values = {**g.record.values, "phase1.encryption": other}
        if CIPHERS[other].aead != CIPHERS[str(g.value("phase1.encryption"))].aead:
            values["phase1.integrity"] = g.value("phase1.integrity")
        ends = [replace(g, record=replace(g.record, values=values)), *ends[1:]]
        notes.append(
            f"scenario proposal-mismatch: the Genesys record's phase1.encryption is {other}"
        )
    elif scenario == "pfs-mismatch":
        g = ends[0]
        now = g.value("phase2.pfsGroup")
        new: object = "off" if now not in (None, "off") else 14
        ends = [
            replace(
                g, record=replace(g.record, values={**g.record.values, "phase2.pfsGroup": new})
            ),
            *ends[1:],
        ]
        notes.append(f"scenario pfs-mismatch: the Genesys record's phase2.pfsGroup is {new}")
    elif scenario == "sg-blocks-app":
        ports = set(model.application_ports)
        backends = []
        for b in model.backends:
            rules = [
                r
                for r in b.filter.rules
                if not (
                    r.protocol == "tcp"
                    and r.ports
                    and any(r.ports[0] <= p <= r.ports[1] for p in ports)
                    and r.access == "accept"
                    and r.priority < 65000
                )
            ]
            if model.provider == "azure":
                # A hardened NSG: without its own deny, Azure's AllowVnetInBound (65000) would
                # let Genesys in, since the VirtualNetwork tag covers the local network gateway.
                rules = [
                    *rules,
                    Rule(
                        "in",
                        "all",
                        None,
                        ("0.0.0.0/0",),
                        "drop",
                        4096,
                        Source(f"{b.filter.name} (a customer DenyAllInbound the scenario adds)"),
                        "customer DenyAllInbound (hardened NSG)",
                    ),
                ]
                rules.sort(key=lambda r: r.priority)
            backends.append(replace(b, filter=replace(b.filter, rules=rules)))
        model = replace(model, backends=backends)
        notes.append(
            "scenario sg-blocks-app: the planned rules for the application ports are removed (ICMP kept)"
        )
    elif scenario == "route-missing":
        tables = {
            name: [e for e in entries if not any(e.table == b.table for b in model.backends)]
            for name, entries in model.tables.items()
        }
        model = replace(model, tables=tables)
        notes.append(
            "scenario route-missing: the VPC network's routes to Genesys (gcp:compute/route) are removed"
            if model.provider == "gcp"
            else "scenario route-missing: the back ends' route-table routes to Genesys are removed"
        )
    elif scenario == "udp-blocked":
        notes.append("scenario udp-blocked: the path drops UDP 500 and 4500")
    elif scenario == "mtu-blackhole":
        notes.append(
            f"scenario mtu-blackhole: a router on the path with MTU {BLACKHOLE_MTU} drops larger packets with DF set "
            "and sends no ICMP"
        )
    elif scenario == "nat-timeout":
        notes.append(
            f"scenario nat-timeout: the Genesys edge sits behind a NAT that forgets a UDP mapping after {NAT_UDP_TIMEOUT} s, "
            "and NAT-T keepalives are off"
        )
    elif scenario == "primary-down":
        notes.append(
            "scenario primary-down: the primary path drops IKE and ESP once the tunnels are up"
        )
    return model, ends, notes
