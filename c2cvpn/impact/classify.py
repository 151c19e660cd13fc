"""Classify each change with the sourced table, decide the verdict, say what Genesys must do.

The table (:mod:`c2cvpn.impact.table`) predicts; a real preview decides. When the provider's
``replaceReasons`` (or a ``replace`` step) disagree with the table, the provider wins and the
disagreement is reported, so the table can be corrected with a source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from c2cvpn.impact import table
from c2cvpn.impact.classes import DISRUPTIVE, SEVERITY, Impact
from c2cvpn.impact.steps import UNKNOWN_VALUE, Change, ChangeSet, value_at
from c2cvpn.psk import PSK_RESOURCE


@dataclass(frozen=True)
class PathImpact:
    path: str
    impacts: frozenset[Impact]
    source: str
    why: str
    replaces: bool | None
    tunnel: int | None


@dataclass(frozen=True)
class Finding:
    """One changed resource, classified."""

    change: Change
    impacts: frozenset[Impact]
    replaced: bool
    predicted_replace: bool | None
    paths: tuple[PathImpact, ...]
    unclassified: tuple[str, ...]
    disagreement: str | None
    source: str

    @property
    def tunnels(self) -> frozenset[int]:
        return frozenset(p.tunnel for p in self.paths if p.tunnel is not None)

    @property
    def label(self) -> str:
        """A person's name for the resource: the connection tag (AWS ``c2c-vpn:connection``) or
        label (Google Cloud ``c2c-vpn-connection``: label keys take no ``:``), else the Pulumi
        name."""
        for inputs in (self.change.new, self.change.old):
            tags, record = inputs.get("tags"), inputs.get("record")
            labels = inputs.get("labels")
            if isinstance(tags, Mapping) and isinstance(tags.get("c2c-vpn:connection"), str):
                return f"{tags['c2c-vpn:connection']} ({self.change.name})"
            if isinstance(labels, Mapping) and isinstance(labels.get("c2c-vpn-connection"), str):
                return f"{labels['c2c-vpn-connection']} ({self.change.name})"
            if isinstance(record, Mapping) and isinstance(record.get("name"), str):
                return f"Genesys {record['name']} ({self.change.name})"
        return self.change.name

    @property
    def op_label(self) -> str:
        """The step as it will happen: an in-place update the table says replaces is a
        predicted replace."""
        if self.change.op == "update" and self.replaced:
            return "replace (predicted)"
        return self.change.op

    def worst(self) -> Impact:
        return next(i for i in SEVERITY if i in self.impacts)


def _path_impacts(change: Change) -> tuple[list[PathImpact], list[str]]:
    known: list[PathImpact] = []
    unknown: list[str] = []
    for path in change.paths:
        rule = table.lookup(change.type, path)
        if rule is None:
            unknown.append(path)
            continue
        impacts, why = rule.impacts, rule.why
        if impacts == {Impact.DELETE} and _only_additions(change, path):
            # A list of routes or rules that only grows narrows nothing: what passed still passes.
            impacts, why = frozenset({Impact.NO_IMPACT}), "entries are only added: " + why
        known.append(
            PathImpact(
                path, impacts, rule.source, why, rule.replaces, table.tunnel_of(change.type, path)
            )
        )
    return known, unknown


def _only_additions(change: Change, path: str) -> bool:
    old, new = value_at(change.old, path), value_at(change.new, path)
    if not (isinstance(old, list) and isinstance(new, list)):
        return False
    text = repr(new)
    if "[secret]" in text or "known after apply" in text or UNKNOWN_VALUE in text:
        return False  # an unknown may hide a removal
    return all(item in new for item in old)


def _disagreement(change: Change, predicted: bool | None) -> str | None:
    if change.provider_replaces is None or predicted is None:
        return None
    if change.provider_replaces and not predicted:
        reasons = ", ".join(change.replace_reasons) or "a replace step"
        return f"the table says in place, the provider replaces ({reasons}): the provider wins"
    if predicted and not change.provider_replaces:
        return "the table says replace, the provider updates in place: the provider wins"
    return None


def classify(change: Change) -> Finding:
    rule = table.type_rule(change.type)
    if rule is None:
        impacts = {Impact.UNCLASSIFIED}
        if change.op == "delete":
            impacts.add(Impact.DELETE)
        if change.op == "replace":
            impacts.add(Impact.REPLACE)
        return Finding(change, frozenset(impacts), change.op == "replace", None, (), (), None, "")
    paths: list[PathImpact] = []
    unknown: list[str] = []
    predicted: bool | None = None
    impacts = set[Impact]()
    if change.op == "create":
        impacts |= rule.on_create
    elif change.op == "delete":
        impacts |= {Impact.DELETE} | rule.on_delete
    elif change.op == "import":
        impacts.add(Impact.NO_IMPACT)  # adopting an existing resource changes nothing in it
    else:
        paths, unknown = _path_impacts(change)
        predicted = table.predicts_replace(change.type, change.paths)
        for item in paths:
            impacts |= item.impacts
        if unknown:
            impacts.add(Impact.UNCLASSIFIED)
        if not change.paths:  # the provider changes it but names nothing: never "safe"
            impacts.add(Impact.UNCLASSIFIED)
    replaced = change.op == "replace" or (
        change.op == "update" and change.provider_replaces is None and predicted is True
    )
    if replaced:
        impacts |= {Impact.REPLACE} | rule.on_replace
    if impacts - {Impact.NO_IMPACT}:
        impacts.discard(Impact.NO_IMPACT)
    return Finding(
        change,
        frozenset(impacts or {Impact.NO_IMPACT}),
        replaced,
        predicted,
        tuple(paths),
        tuple(unknown),
        _disagreement(change, predicted),
        rule.source,
    )


# --------------------------------------------------------------------------- verdict


@dataclass(frozen=True)
class Verdict:
    status: str  # no-changes | safe | disruptive | failed
    line: str
    disruptive: bool

    @property
    def exit_code(self) -> int:
        return 1 if self.disruptive else 0


#: What each class means, for the count table and the README.
MEANING: dict[Impact, str] = {
    Impact.NEW_PEER_IPS: "new tunnel outside IPs: the Genesys connection must be changed",
    Impact.BOTH_TUNNELS_DOWN: "every tunnel of the connection is down during the change",
    Impact.PSK_ROTATION: "the pre-shared key changes: both sides must change in one window",
    Impact.AZURE_CREATE_ONLY: "an Azure property ARM may only set at creation: replace or apply-time failure",
    Impact.GENESYS_PARITY: "a parameter Genesys must match changes",
    Impact.DELETE: "resources are deleted",
    Impact.REPLACE: "resources are replaced (deleted and created)",
    Impact.UNCLASSIFIED: "not in the impact table: not shown as safe",
    Impact.TUNNEL_BLIP: "one tunnel at a time is briefly unavailable",
    Impact.NO_IMPACT: "no effect on live tunnels",
}

_VERDICT_LIMIT = 400


def _names(findings: Iterable[Finding], limit: int = 2) -> str:
    labels = list(dict.fromkeys(f.label for f in findings))
    shown = ", ".join(labels[:limit])
    return shown + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


def _props(findings: Iterable[Finding], impact: Impact, limit: int = 3) -> str:
    """The changed inputs behind ``impact``, per-tunnel names folded (``tunnelNPresharedKey``)."""
    props = list(
        dict.fromkeys(
            re.sub(r"^tunnel[12](?=[A-Z])", "tunnelN", re.split(r"[.\[]", p.path, maxsplit=1)[0])
            for f in findings
            for p in f.paths
            if impact in p.impacts
        )
    )
    shown = ", ".join(props[:limit]) + (", …" if len(props) > limit else "")
    return f" ({shown} changes)" if shown else ""


def _phrase(impact: Impact, found: list[Finding]) -> str:
    if impact is Impact.NEW_PEER_IPS:
        return "new peer IPs: the Genesys connection must be changed"
    if impact is Impact.BOTH_TUNNELS_DOWN:
        return f"both tunnels of {_names(found)} will drop{_props(found, impact)}"
    if impact is Impact.PSK_ROTATION:
        return "the pre-shared key rotates: change both sides in one window"
    if impact is Impact.AZURE_CREATE_ONLY:
        return f"Azure create-only property on {_names(found)}{_props(found, impact)}: replace or apply-time failure"
    if impact is Impact.GENESYS_PARITY:
        return f"Genesys must match{_props(found, impact)}"
    if impact is Impact.DELETE:
        gone = [f for f in found if f.change.op == "delete"]
        narrowed = [f for f in found if f.change.op != "delete"]
        parts = [f"{len(gone)} resource(s) deleted ({_names(gone)})"] if gone else []
        if narrowed:
            parts.append(
                f"routes or rules of {_names(narrowed)} can stop traffic{_props(narrowed, impact)}"
            )
        return "; ".join(parts)
    if impact is Impact.REPLACE:
        return f"{len(found)} resource(s) replaced ({_names(found)})"
    if impact is Impact.UNCLASSIFIED:
        return f"{len(found)} change(s) the impact table does not know ({_names(found)}): not shown as safe"
    tunnels = sorted({t for f in found for t in f.tunnels})
    if len(tunnels) > 1:
        which = "tunnels " + " and ".join(str(t) for t in tunnels) + f" of {_names(found)} blip"
    else:
        which = (f"tunnel {tunnels[0]}" if tunnels else "a tunnel") + f" of {_names(found)} blips"
    return f"{which}, one at a time{_props(found, impact)}"


def verdict(changes: ChangeSet, findings: list[Finding], genesys: bool = False) -> Verdict:
    """The one-line verdict; ``genesys``: the Genesys side has something to do."""
    stack = changes.stack
    if changes.failed:
        first = changes.errors[0].splitlines()[0] if changes.errors[0] else "error"
        line = f"{stack}: ❌ preview failed ({first}): nothing is known about the tunnels"
        return Verdict("failed", _cut(line), True)
    if not findings:
        return Verdict("no-changes", f"{stack}: ✅ no changes", False)
    present = [i for i in SEVERITY if any(i in f.impacts for f in findings)]
    if present == [Impact.NO_IMPACT]:
        line = f"{stack}: ✅ no impact on live tunnels ({len(findings)} change(s))"
        if genesys:
            line += "; the Genesys side has work to do (below)"
        return Verdict("safe", line, False)
    phrases = [
        _phrase(i, [f for f in findings if i in f.impacts]) for i in present if i in DISRUPTIVE
    ]
    line = f"{stack}: ⚠️ " + "; ".join(phrases[:3])
    if len(phrases) > 3:
        line += f"; and {len(phrases) - 3} more"
    return Verdict("disruptive", _cut(line), True)


def _cut(line: str) -> str:
    line = " ".join(line.split())
    return line if len(line) <= _VERDICT_LIMIT else line[: _VERDICT_LIMIT - 1] + "…"


def counts(findings: list[Finding]) -> dict[Impact, int]:
    """Changes per class, worst first (a change counts under each of its classes)."""
    return {i: n for i in SEVERITY if (n := sum(1 for f in findings if i in f.impacts))}


# --------------------------------------------------------------------------- Genesys


def _admin(plan: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if plan is None:
        return None
    admin = (plan.get("outputs") or {}).get("genesysAdmin")
    return admin if isinstance(admin, Mapping) else None


def _connections(admin: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    conns = (admin or {}).get("connections") or []
    return {
        c["name"]: c for c in conns if isinstance(c, Mapping) and isinstance(c.get("name"), str)
    }


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out |= _flat(inner, f"{prefix}.{key}" if prefix else str(key))
        return out
    return {prefix: value}


_UNSET = "(not set)"


def _shown(value: Any) -> str:
    if value is None:
        return _UNSET
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value)


def _resource_of(value: Any) -> str | None:
    """``(known after apply: primary-vpn.tunnel1Address)`` → ``primary-vpn``."""
    text = str(value or "")
    marker = "known after apply: "
    if marker not in text:
        return None
    return text.split(marker, 1)[1].split(".", 1)[0].rstrip(")")


def genesys_actions(
    findings: list[Finding],
    head_plan: Mapping[str, Any] | None,
    base_plan: Mapping[str, Any] | None = None,
) -> list[str]:
    """What the Genesys administrator must do, connection by connection.

    The plans' ``genesysAdmin`` exports hold the values the Genesys side must have: the record
    ``c2cvpn reconcile`` compares with. Without a base (a real preview), the changed
    must-match properties are named and the head's values are where to read them.
    """
    head_admin, base_admin = _admin(head_plan), _admin(base_plan)
    if base_plan is not None and base_admin is None and head_admin is not None:
        # A new stack: nothing is live yet; Genesys gets the connections once the IPs exist.
        return [
            f"Create the Genesys connection **{name}** after `pulumi up`, with the values of "
            "`pulumi stack output genesysAdmin` (its peer IP exists only then)."
            for name in _connections(head_admin)
        ]
    if head_admin is None and base_admin is None:
        if any(
            f.impacts & {Impact.NEW_PEER_IPS, Impact.PSK_ROTATION, Impact.GENESYS_PARITY}
            for f in findings
        ):
            return [
                "The Genesys side must change, but this report has no `genesysAdmin` view of the stack: run `c2cvpn plan STACK` and compare with the Genesys connection."
            ]
        return []
    head, base = _connections(head_admin), _connections(base_admin)
    actions: list[str] = []
    if base_admin is not None:
        actions += [
            f"Create the Genesys connection **{n}** (values: `pulumi stack output genesysAdmin`)."
            for n in head
            if n not in base
        ]
        actions += [
            f"Delete the Genesys connection **{n}**: the IaaS side no longer has it."
            for n in base
            if n not in head
        ]
        before, after = (
            _flat(base_admin.get("algorithms")),
            _flat(head_admin.get("algorithms") if head_admin else None),
        )
        for key in sorted({*before, *after}):
            if before.get(key) != after.get(key):
                actions.append(
                    f"On every connection, set {key}: {_shown(before.get(key))} → **{_shown(after.get(key))}**."
                )
        for name, conn in head.items():
            old = base.get(name)
            if old is None:
                continue
            for key in ("tunnelCidr", "genesysInsideAddress", "cloudInsideAddress", "iaasNetworks"):
                if old.get(key) != conn.get(key):
                    actions.append(
                        f"**{name}**: set {key} {_shown(old.get(key))} → **{_shown(conn.get(key))}**."
                    )
    replaced = {f.change.name for f in findings if f.replaced or f.change.op == "create"}
    rotated = [f for f in findings if Impact.PSK_ROTATION in f.impacts]
    for name, conn in head.items():
        if name not in base and base_admin is not None:
            continue
        source = _resource_of(conn.get("outsideIp"))
        if source is not None and source in replaced:
            actions.append(
                f"**{name}**: enter the new peer (IaaS) IP after `pulumi up`: it comes from {source} "
                "(`pulumi stack output genesysAdmin`, connections[].outsideIp)."
            )
        if _rotates_key(conn, rotated):
            actions.append(
                f"**{name}**: enter the new pre-shared key in the same window "
                f"(`{conn.get('preSharedKey') or 'pulumi stack output preSharedKey --show-secrets'}`)."
            )
    if base_admin is None and any(Impact.GENESYS_PARITY in f.impacts for f in findings):
        props = sorted(
            {p.path for f in findings for p in f.paths if Impact.GENESYS_PARITY in p.impacts}
        )
        actions += _parity_from_head(props, head_admin)
    mode = ((head_plan or {}).get("outputs") or {}).get("genesysMode")
    if actions and mode == "manage":
        actions.insert(
            0,
            "The program manages the Genesys side (mode manage): `pulumi up` applies these; check with `c2cvpn reconcile`.",
        )
    return list(dict.fromkeys(actions))


#: Which part of ``genesysAdmin`` a must-match cloud input corresponds to (for a real
#: preview, where only the head's values are known).
_GENESYS_FIELDS: tuple[tuple[str, str], ...] = (
    # Google Cloud's VPNTunnel: one cipherSuite for both phases, ikeVersion, peerIp.
    (r"^cipherSuite", "algorithms"),
    (r"^ikeVersion", "algorithms.phase1"),
    (r"^peerIp", "genesysGatewayIp"),
    (r"Phase1|IkeVersions|connectionProtocol", "algorithms.phase1"),
    (r"Phase2", "algorithms.phase2"),
    (r"ipsecPolicies", "algorithms"),
    (r"InsideCidr", "connections.tunnelCidr"),
    (r"Ipv4NetworkCidr|[Tt]rafficSelector|localNetworkAddressSpace", "connections.iaasNetworks"),
    (r"gatewayIpAddress|ipAddress", "genesysGatewayIp"),
)


def _parity_from_head(props: list[str], head_admin: Mapping[str, Any] | None) -> list[str]:
    if head_admin is None:
        return [
            f"Set the changed must-match values on the Genesys side ({', '.join(props)}): "
            "`c2cvpn plan STACK` shows them under genesysAdmin; `c2cvpn reconcile` confirms."
        ]
    flat = _flat(head_admin.get("algorithms"), "algorithms") | {
        "genesysGatewayIp": head_admin.get("genesysGatewayIp")
    }
    wanted: dict[str, Any] = {}
    for prop in props:
        for pattern, field in _GENESYS_FIELDS:
            if not re.search(pattern, prop):
                continue
            if field.startswith("connections."):
                key = field.split(".", 1)[1]
                for name, conn in _connections(head_admin).items():
                    wanted[f"{name} {key}"] = conn.get(key)
            else:
                wanted |= {k: v for k, v in flat.items() if k.startswith(field)}
            break
    if not wanted:
        return [
            f"Set the changed must-match values on the Genesys side ({', '.join(props)}); "
            "`c2cvpn reconcile` confirms."
        ]
    values = "; ".join(
        f"{k.removeprefix('algorithms.')} **{_shown(v)}**" for k, v in wanted.items()
    )
    return [
        f"Make the Genesys side match ({', '.join(props)} change): {values}. "
        "`c2cvpn reconcile` confirms after `pulumi up`."
    ]


def _rotates_key(conn: Mapping[str, Any], rotated: list[Finding]) -> bool:
    attachment, tunnel = conn.get("attachment"), conn.get("tunnel")
    command = str(conn.get("preSharedKey") or "")
    standby = "standbyPreSharedKey" in command
    for finding in rotated:
        change = finding.change
        if change.type.startswith("random:"):
            # Only the generated keys: another generated secret (the Azure appliance's
            # password) is no key of Genesys's.
            if (
                change.name in PSK_RESOURCE.values()
                and (change.name == PSK_RESOURCE["standby"]) == standby
            ):
                return True
            continue
        if change.parent != attachment:
            continue
        tunnels = finding.tunnels
        if not tunnels or tunnel in tunnels:
            return True
    return False
