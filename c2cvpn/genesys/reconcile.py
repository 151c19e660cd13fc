"""The parity reconciler: what Genesys holds against what the spec implies. Pure.

IKEv2 comes up only when both sides agree on the version, the algorithms and groups, PFS,
the protocol, the traffic selectors (both ways), the peer and gateway addresses and the
pre-shared key: a difference there is an *error* finding. Lifetimes, keepalive and NAT-T
are local settings (not negotiated): a difference is a *warning*.

The pre-shared key is compared only as a digest, and only when both a readable key and the
server's digest are available; neither the key nor the digest is ever put in a finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from c2cvpn.genesys.desired import PARAMETERS, Desired, Record
from c2cvpn.genesys.model import psk_digest
from c2cvpn.problems import CODES, Severity, problem
from c2cvpn.vendors import profile

#: Timers each side keeps on its own clock (not negotiated): genesys-local-difference.
_LOCAL_TIMERS = frozenset({"phase1.lifetimeSeconds", "phase2.lifetimeSeconds", "keepaliveSeconds"})

#: Problem code of each parameter outside the two phases (other than the timers).
_CODE_BY_NAME: dict[str, str] = {
    "localNetworks": "genesys-selector-mismatch",
    "remoteNetworks": "genesys-selector-mismatch",
    "peerIp": "genesys-peer-mismatch",
    "gatewayIp": "genesys-peer-mismatch",
    "tunnelCidr": "genesys-tunnel-cidr-mismatch",
    "natTraversal": "genesys-natt-mismatch",
    "preSharedKey": "genesys-psk-mismatch",
}


def _code(parameter: str) -> str:
    if parameter in _LOCAL_TIMERS:
        return "genesys-local-difference"
    if parameter.startswith("phase1."):
        return "genesys-phase1-mismatch"
    if parameter.startswith("phase2."):
        return "genesys-phase2-mismatch"
    return _CODE_BY_NAME[parameter]  # a new parameter without a code fails at import


#: parameter -> problem code (its severity comes from problems.CODES), for every one of
#: :data:`~c2cvpn.genesys.desired.PARAMETERS` and the pre-shared key.
CODE_OF: dict[str, str] = {p: _code(p) for p in (*PARAMETERS, "preSharedKey")}

#: Parameters that fail phase 1 (the rest of the must-match ones fail phase 2).
PHASE1_PARAMETERS = frozenset(
    {
        "phase1.ikeVersion",
        "phase1.encryption",
        "phase1.integrity",
        "phase1.dhGroup",
        "peerIp",
        "gatewayIp",
        "preSharedKey",
    }
)


@dataclass(frozen=True)
class Finding:
    code: str
    parameter: str
    genesys: Any
    iaas: Any
    severity: Severity
    message: str
    connection: str = ""
    role: str = "primary"

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "parameter": self.parameter,
            "genesys": _jsonable(self.genesys),
            "iaas": _jsonable(self.iaas),
            "severity": self.severity.value,
            "message": self.message,
            "connection": self.connection,
            "role": self.role,
        }


@dataclass(frozen=True)
class Unchecked:
    connection: str
    parameter: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"connection": self.connection, "parameter": self.parameter, "reason": self.reason}


@dataclass
class Reconciliation:
    """The JSON shape of ``c2cvpn reconcile --format json`` (plus ``unchecked``)."""

    stack: str
    findings: list[Finding] = field(default_factory=list)
    unchecked: list[Unchecked] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def in_sync(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "inSync": self.in_sync,
            "findings": [f.as_dict() for f in self.findings],
            "unchecked": [u.as_dict() for u in self.unchecked],
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return value


def _show(parameter: str, value: object) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, tuple):
        return ", ".join(value) if value else "(none)"
    if parameter in ("phase1.dhGroup", "phase2.pfsGroup") and value != "off":
        return f"group {value}"
    if parameter.endswith("lifetimeSeconds") or parameter == "keepaliveSeconds":
        return f"{value:g} s" if isinstance(value, float) else f"{value} s"
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def _what(want: Desired, parameter: str, g: object, i: object) -> str:
    gs, is_ = _show(parameter, g), _show(parameter, i)
    iaas = want.iaas_label
    path = want.paths.get(parameter, parameter)
    if parameter.endswith("lifetimeSeconds") and profile(want.provider).lifetimes_must_match:
        return (
            f"{iaas} rekeys on its own lifetime: Genesys has {gs}, {iaas} is set to {is_} "
            f"({parameter}; spec {path}); a lifetime different from the negotiated one may "
            "interrupt the tunnel"
        )
    if (
        parameter.startswith(("phase1.", "phase2."))
        and CODES[CODE_OF[parameter]].severity is Severity.ERROR
    ):
        phase = "Phase 1" if parameter.startswith("phase1.") else "Phase 2"
        return f"{phase} will fail: Genesys proposes {gs}, {iaas} is set to {is_} ({parameter}; spec {path})"
    if parameter == "localNetworks":
        return (
            f"Phase 2 will fail (traffic selectors): Genesys' local networks are {gs}, "
            f"but {path} (what {iaas} routes to Genesys) is {is_}"
        )
    if parameter == "remoteNetworks":
        return (
            f"Phase 2 will fail (traffic selectors): Genesys' remote networks are {gs}, "
            f"but {iaas}'s networks ({path}) are {is_}"
        )
    if parameter == "peerIp":
        return (
            f"Phase 1 will fail: Genesys sends IKE to peer {gs}, but the {iaas} endpoint is {is_}"
        )
    if parameter == "gatewayIp":
        return f"Phase 1 will fail: Genesys' gateway IP is {gs}, but {path} (the address {iaas} talks to) is {is_}"
    if parameter == "tunnelCidr":
        return f"Genesys allocated the tunnel range {gs}, but {path} is {is_}"
    if parameter == "natTraversal":
        return f"NAT traversal is {gs} in Genesys and {is_} in the spec ({path})"
    return f"{parameter} is {gs} in Genesys and {is_} in the spec ({path}); it is local to each side, not negotiated"


def _code_for(want: Desired, parameter: str) -> str:
    """The parameter's code; a lifetime is must-match where the IaaS end rekeys on its own
    lifetimes and a different negotiated value may interrupt the tunnel (AWS)."""
    if parameter.endswith("lifetimeSeconds") and profile(want.provider).lifetimes_must_match:
        return (
            "genesys-phase1-mismatch"
            if parameter.startswith("phase1.")
            else "genesys-phase2-mismatch"
        )
    return CODE_OF[parameter]


def _finding(want: Desired, parameter: str, g: object, i: object) -> Finding:
    code = _code_for(want, parameter)
    path = want.paths.get(parameter, parameter)
    message = problem(code, path, _what(want, parameter, g, i)).message
    return Finding(
        code, parameter, g, i, CODES[code].severity, message, want.record.name, want.role
    )


def compare(want: Desired, actual: Record | None) -> tuple[list[Finding], list[Unchecked]]:
    """Findings for one connection. ``actual`` None: Genesys holds no such connection."""
    name = want.record.name
    unchecked = [Unchecked(name, p, reason) for p, reason in want.unknown.items()]
    if actual is None:
        where = f"id {want.record.id}" if want.record.id else f"name {name!r}"
        what = f"Genesys holds no VPN connection with {where}"
        code = "genesys-connection-missing"
        msg = problem(code, want.paths.get("connection", "connection"), what).message
        return [
            Finding(code, "connection", None, where, CODES[code].severity, msg, name, want.role)
        ], unchecked
    unchecked += [
        Unchecked(name, p, reason)
        for p, reason in actual.unchecked.items()
        if p not in want.record.values
    ]
    findings: list[Finding] = []
    for parameter, i in want.record.values.items():
        g = actual.values.get(parameter)
        if i is None or g is None:
            if g is None and i is not None:
                reason = actual.unchecked.get(
                    parameter, "not set on the Genesys side of this source"
                )
                unchecked.append(Unchecked(name, parameter, reason))
            continue
        if g != i:
            findings.append(_finding(want, parameter, g, i))
    if want.record.psk is not None and actual.psk_digest is not None and actual.id is not None:
        if psk_digest(actual.id, want.record.psk.get_secret_value()) != actual.psk_digest:
            code = "genesys-psk-mismatch"
            msg = problem(
                code,
                want.paths.get("preSharedKey", "preSharedKey"),
                "Phase 1 will fail: the pre-shared key Genesys holds differs from the stack's",
            ).message
            findings.append(
                Finding(
                    code,
                    "preSharedKey",
                    "[differs]",
                    "[secret]",
                    CODES[code].severity,
                    msg,
                    name,
                    want.role,
                )
            )
    else:
        if want.record.psk is None:
            reason = (
                "the stack's key is not readable here (a Pulumi secret, or generated at deploy)"
            )
        elif actual.id is None:
            reason = "a declared dashboard record holds no key (Genesys never shows it)"
        else:
            reason = "Genesys offers no key digest for this connection"
        unchecked.append(Unchecked(name, "preSharedKey", reason))
    return findings, unchecked


def reconcile(stack: str, pairs: Iterable[tuple[Desired, Record | None]]) -> Reconciliation:
    result = Reconciliation(stack=stack)
    for want, actual in pairs:
        f, u = compare(want, actual)
        result.findings.extend(f)
        result.unchecked.extend(u)
    return result


def phase_failures(findings: Sequence[Finding]) -> tuple[list[Finding], list[Finding]]:
    """Split must-match findings into those that fail phase 1 and those that fail phase 2."""
    errors = [f for f in findings if f.severity is Severity.ERROR]
    p1 = [f for f in errors if f.parameter in PHASE1_PARAMETERS]
    p2 = [f for f in errors if f.parameter not in PHASE1_PARAMETERS and f.parameter != "tunnelCidr"]
    return p1, p2


def format_lines(result: Reconciliation) -> list[str]:
    """Plain lines for a terminal or an error message (no secrets: findings never hold them)."""
    verdict = "in sync" if result.in_sync else "NOT in sync"
    lines = [
        f"stack {result.stack}: Genesys side {verdict} — {len(result.errors)} error(s), "
        f"{len(result.findings) - len(result.errors)} warning(s)"
    ]
    for f in result.findings:
        lines.append(f"  {f.severity.value} {f.code} [{f.connection}] {f.parameter}: {f.message}")
    for u in result.unchecked:
        lines.append(f"  unchecked [{u.connection}] {u.parameter}: {u.reason}")
    return lines
