"""The cloud lab's configuration files, from the model and the Genesys record (pure).

strongSwan's ``swanctl.conf`` for the cloud gateway stand-in (from :mod:`c2cvpn.lab.cloud_model`,
never from the vendor table) and for the Genesys stand-in (from the Genesys record, spelled
with :mod:`c2cvpn.vendors`), the daemon settings that make strongSwan's dead-peer detection
keep the cloud's timeout, and the nftables filter that behaves like a security group.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from c2cvpn.genesys.desired import Record
from c2cvpn.lab.cloud_model import CloudModel, Filter
from c2cvpn.vendors import Phase, strongswan_proposal


@dataclass
class GenesysEnd:
    """One Genesys stand-in connection: the record's values, the tunnel it uses, its key."""

    role: str
    name: str
    tunnel: int
    record: Record
    psk: str
    conn: str  # charon connection name
    #: Which stack key the connection holds ("primary" or "standby"; AWS: one per tunnel).
    key_role: str = "primary"

    def value(self, key: str) -> Any:
        return self.record.values.get(key)


# --------------------------------------------------------------------------- pure pieces


def swan_ts(values: Sequence[str]) -> str:
    return ",".join(values)


def dpd_settings(timeout: int) -> tuple[int, float, int]:
    """(dpd_delay, retransmit_timeout, retransmit_tries): a peer silent for ``timeout`` seconds
    is declared dead within about that time.

    IKEv2 DPD has no timeout of its own: after ``dpd_delay`` without inbound traffic charon
    sends an empty INFORMATIONAL and gives up when its retransmissions are exhausted
    (https://docs.strongswan.org/docs/latest/swanctl/swanctlConf.html, ``dpd_delay``;
    https://docs.strongswan.org/docs/latest/config/retransmission.html: the n-th retransmit
    waits ``retransmit_timeout * retransmit_base^(n-1)``). With ``retransmit_base = 1`` the
    budget is ``retransmit_timeout * (tries + 1)``. AWS sends its R-U-THERE after 10 s without
    traffic and declares the peer dead after three unanswered ones
    (https://repost.aws/knowledge-center/vpn-tunnel-instability-inactivity): with the AWS
    minimum of 30 s this gives the same 10 s delay and a 20 s budget."""
    delay = max(2, timeout // 3)
    tries = 3
    return delay, round(max(1.0, (timeout - delay) / (tries + 1)), 2), tries


def start_action(initiates: bool, on_traffic: bool, *, responder: bool = False) -> str:
    """strongSwan's ``start_action`` for an endpoint: ``start`` when it initiates at once,
    ``trap`` when it initiates only once traffic needs an SA (GCP), else ``none``."""
    if responder:
        return "none"
    return "start" if initiates else "trap" if on_traffic else "none"


def cloud_swanctl(
    model: CloudModel,
    ips: Mapping[int, str],
    keys: Mapping[int, str],
    *,
    responder: bool = False,
    endpoints: Collection[int] | None = None,
) -> str:
    """swanctl.conf for a cloud gateway stand-in: one connection per endpoint, as the model
    says (``endpoints``: only those, for a model with several gateway devices)."""
    conns, secrets = [], []
    for e in model.endpoints:
        if endpoints is not None and e.index not in endpoints:
            continue
        version = (
            "2" if e.ike_versions == ("ikev2",) else "1" if e.ike_versions == ("ikev1",) else "0"
        )
        # AWS "none": DPD runs but nothing is done about a dead peer, so the SA stays
        delay = 0 if e.dpd_action == "none" else dpd_settings(e.dpd_timeout)[0]
        action = {"restart": "restart", "clear": "clear", "none": "clear"}[e.dpd_action]
        conns.append(
            f"""  ep{e.index} {{
    version = {version}
    local_addrs = {ips[e.index]}
    remote_addrs = {e.peer_ip}
    proposals = {",".join(e.ike_proposals) or "default"}
    rekey_time = {e.ike_lifetime}s
    dpd_delay = {delay}s
    encap = no
    mobike = no
    local {{
      auth = psk
      id = {ips[e.index]}
    }}
    remote {{
      auth = psk
      id = {e.peer_ip}
    }}
    children {{
      ep{e.index} {{
        mode = tunnel
        local_ts = {swan_ts(e.local_ts)}
        remote_ts = {swan_ts(e.remote_ts)}
        esp_proposals = {",".join(e.esp_proposals) or "default"}
        rekey_time = {e.esp_lifetime}s
        dpd_action = {action}
        start_action = {start_action(e.initiates, e.initiates_on_traffic, responder=responder)}
        close_action = {"start" if e.dpd_action == "restart" and not responder else "none"}
      }}
    }}
  }}"""
        )
        secrets.append(
            f'  ike-ep{e.index} {{\n    id-1 = {ips[e.index]}\n    id-2 = {e.peer_ip}\n    secret = "{_q(keys[e.index])}"\n  }}'
        )
    return (
        "connections {\n" + "\n".join(conns) + "\n}\n\nsecrets {\n" + "\n".join(secrets) + "\n}\n"
    )


def genesys_swanctl(
    ends: Sequence[GenesysEnd],
    *,
    local_ip: str,
    gateway_ip: str,
    remotes: Mapping[str, str],
    initiate: Mapping[int, bool],
    dpd_delay: int,
) -> str:
    """swanctl.conf for the Genesys stand-in: one connection per Genesys record."""
    conns, secrets = [], []
    for g in ends:
        v = g.value
        pfs = v("phase2.pfsGroup")
        ike = strongswan_proposal(
            str(v("phase1.encryption")),
            str(v("phase1.integrity")),
            int(v("phase1.dhGroup")),
            Phase.IKE,
        )
        esp = strongswan_proposal(
            str(v("phase2.encryption")),
            str(v("phase2.integrity")),
            None if pfs in (None, "off") else int(pfs),
            Phase.IPSEC,
        )
        remote = remotes[g.conn]
        conns.append(
            f"""  {g.conn} {{
    version = {"1" if v("phase1.ikeVersion") == "ikev1" else "2"}
    local_addrs = {local_ip}
    remote_addrs = {remote}
    proposals = {ike}
    rekey_time = {v("phase1.lifetimeSeconds")}s
    dpd_delay = {dpd_delay}s
    encap = {"yes" if v("natTraversal") else "no"}
    mobike = no
    local {{
      auth = psk
      id = {gateway_ip}
    }}
    remote {{
      auth = psk
      id = {remote}
    }}
    children {{
      {g.conn} {{
        mode = tunnel
        local_ts = {swan_ts(list(v("localNetworks") or ()))}
        remote_ts = {swan_ts(list(v("remoteNetworks") or ()))}
        esp_proposals = {esp}
        rekey_time = {v("phase2.lifetimeSeconds")}s
        dpd_action = restart
        start_action = {"start" if initiate.get(g.tunnel) else "none"}
        close_action = none
      }}
    }}
  }}"""
        )
        secrets.append(
            f'  ike-{g.conn} {{\n    id-1 = {gateway_ip}\n    id-2 = {remote}\n    secret = "{_q(g.psk)}"\n  }}'
        )
    return (
        "connections {\n" + "\n".join(conns) + "\n}\n\nsecrets {\n" + "\n".join(secrets) + "\n}\n"
    )


def daemon_conf(*, dpd_timeout: int, keepalive: int, install_routes: bool = True) -> str:
    _, rt, tries = dpd_settings(dpd_timeout)
    return (
        "charon {\n"
        f"  install_routes = {'yes' if install_routes else 'no'}\n"
        f"  retransmit_timeout = {rt}\n  retransmit_base = 1\n  retransmit_tries = {tries}\n"
        f"  keep_alive = {keepalive}s\n"
        "}\n"
    )


def _q(secret: str) -> str:
    return secret.replace("\\", "\\\\").replace('"', '\\"')


def nft_filter(flt: Filter, iface: str, prefix: str) -> tuple[str, dict[str, str]]:
    """An nftables table that behaves like a security group (or NSG) on ``iface``: stateful,
    rules in priority order, the cloud's default for what no rule matches. Every rule counts and
    carries a tag; returns (ruleset, tag → meaning)."""
    meanings: dict[str, str] = {}
    lines_in: list[str] = []
    lines_out: list[str] = []
    for n, rule in enumerate(flt.rules):
        tag = f"{prefix}-r{n}-{rule.access}"
        meanings[tag] = f"{rule.source} ({rule.description or rule.protocol})"
        addr = "saddr" if rule.direction == "in" else "daddr"
        cidrs = ", ".join(rule.cidrs) or "0.0.0.0/0"
        match = f"ip {addr} {{ {cidrs} }}"
        if rule.protocol != "all":
            match += f" meta l4proto {rule.protocol}"
        if rule.ports is not None:
            match += f" th dport {rule.ports[0]}-{rule.ports[1]}"
        line = f'    {match} counter {rule.access} comment "{tag}"'
        (lines_in if rule.direction == "in" else lines_out).append(line)
    meanings[f"{prefix}-in-drop"] = f"{flt.name}: inbound default deny (no rule allows it)"
    meanings[f"{prefix}-out-drop"] = f"{flt.name}: outbound default deny (no rule allows it)"
    tail_in = f'    counter {flt.default_in} comment "{prefix}-in-{flt.default_in}"'
    tail_out = f'    counter {flt.default_out} comment "{prefix}-out-{flt.default_out}"'
    ruleset = (
        "table ip c2c_sg {\n"
        "  chain ingress {\n    type filter hook prerouting priority 0; policy accept;\n"
        f'    iifname != "{iface}" accept\n    ct state established,related accept\n'
        + "\n".join([*lines_in, tail_in])
        + "\n  }\n"
        "  chain egress {\n    type filter hook postrouting priority 0; policy accept;\n"
        f'    oifname != "{iface}" accept\n    ct state established,related accept\n'
        + "\n".join([*lines_out, tail_out])
        + "\n  }\n}\n"
    )
    return ruleset, meanings


def counters(json_text: str) -> dict[str, int]:
    """Packets counted per rule comment, from ``nft -j list ruleset``."""
    out: dict[str, int] = {}
    try:
        doc = json.loads(json_text)
    except ValueError:
        return out
    for item in doc.get("nftables", []):
        rule = item.get("rule")
        if not rule or not rule.get("comment"):
            continue
        for expr in rule.get("expr", []):
            if isinstance(expr, dict) and "counter" in expr:
                out[rule["comment"]] = out.get(rule["comment"], 0) + int(
                    expr["counter"].get("packets", 0)
                )
    return out
