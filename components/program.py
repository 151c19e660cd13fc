"""The Pulumi program: a validated stack in, attachments built, exports out.

``run()`` is what ``__main__.py`` calls under ``pulumi up``/``preview``; ``build()`` is the
part ``c2cvpn plan`` runs under the mocks, so both see the same resources. Each attachment
(the primary, and the standby when declared) is built by its own provider's builder
(:mod:`components.registry`); the failover design is described once, in the README.
"""

from __future__ import annotations

from typing import Any

import pulumi

from c2cvpn import derive
from c2cvpn.rules import Report, validate
from c2cvpn.spec import Encrypted, GenesysSource, LoadedStack, SpecError, StackSpec, attachments
from components.attachment import AttachmentExports, BuildContext
from components.engine_config import load_from_engine, pre_shared_key
from components.registry import build_attachment

#: What ``build`` returns: export name → value or Output.
Exports = dict[str, Any]

FAILOVER_DESIGN = (
    "active-passive: Genesys holds one connection per attachment, both up; the primary's route "
    "tables carry the traffic while it is up. For the application endpoint Genesys calls, "
    "standby.failover.route53 creates PRIMARY/SECONDARY records, healthy while a tunnel of that "
    "attachment is up; otherwise use a load balancer across both zones."
)


class StackProblems(pulumi.RunError):
    """The stack failed validation: every problem listed, never a traceback or the PSK."""

    def __init__(self, report: Report, source: str) -> None:
        lines = [
            f"stack {report.stack} ({source}) has {len(report.problems)} problem(s); `c2cvpn validate` shows the same:"
        ]
        lines += [f"  {p.code} at {p.path}: {p.message}" for p in report.problems]
        super().__init__("\n".join(lines))


def _psk(spec: StackSpec) -> pulumi.Output[str]:
    if isinstance(spec.tunnel.pre_shared_key, Encrypted):
        # Only a stack file read offline (`c2cvpn plan`) holds an encrypted key: the engine
        # decrypts it for `pulumi up`. The placeholder is a secret and always shows as [secret].
        return pulumi.Output.secret("(encrypted in the stack file)")
    return pre_shared_key("tunnel", spec.tunnel, pulumi.ResourceOptions())


def _peer_outputs(built: list[AttachmentExports], *, offline: bool) -> dict[str, dict[str, Any]]:
    """What Genesys must hold as each connection's peer IP: tunnel 1's outside address.

    Offline (under the plan's mocks) a cloud-assigned address is the mocks' invention, so only
    addresses the spec itself knows (on-prem peers) are passed on to be compared.
    """
    return {
        a.role: {"peerIp": a.peer_ip}
        for a in built
        if a.tunnels and (not offline or isinstance(a.peer_ip, str))
    }


def _route53_failover(spec: StackSpec, built: list[AttachmentExports]) -> dict[str, Any] | None:
    """Health-checked PRIMARY/SECONDARY records when ``standby.failover.route53`` asks for them
    (validation guarantees both attachments are on AWS, with tunnel alarms)."""
    if spec.standby is None or spec.standby.failover.route53 is None:
        return None
    from components.failover import FailoverEnd, Route53Failover, Route53FailoverArgs

    ends = {a.role: FailoverEnd(a.role, a.alarm_names, a.alarm_region or "") for a in built}
    dns = spec.standby.failover.route53
    failover = Route53Failover(
        "failover",
        Route53FailoverArgs(
            dns=dns,
            primary=ends["primary"],
            standby=ends["standby"],
            connection_name=spec.tunnel.name,
        ),
    )
    return {
        "recordName": dns.record_name,
        "primaryAddress": str(dns.primary_address),
        "standbyAddress": str(dns.standby_address),
        "primaryHealthCheckId": failover.primary_health_check_id,
        "standbyHealthCheckId": failover.standby_health_check_id,
    }


def _genesys(
    loaded: LoadedStack, built: list[AttachmentExports], psk: Any, *, offline: bool
) -> Exports:
    """The Genesys side: verify it against this spec (declared, or read through the API) or
    manage it. A must-match difference fails preview and up with the reconciler's findings."""
    if offline and loaded.spec.genesys.source is GenesysSource.API:
        return {
            "genesysSource": "api",
            "genesysMode": "not read offline: `c2cvpn reconcile` and `pulumi preview` read it",
        }
    from components.genesys import genesys_side

    return genesys_side(loaded, cloud_outputs=_peer_outputs(built, offline=offline), psk=psk)


def build(loaded: LoadedStack, *, offline: bool = False) -> Exports:
    """Create the stack's resources from a *validated* spec; return the exports.

    ``offline`` (``c2cvpn plan``): a Genesys API is not read; a declared record still is.
    """
    spec = loaded.spec
    context = BuildContext(spec=spec, psk=_psk(spec))
    ends = attachments(spec)
    built = [build_attachment(a, context) for a in ends]
    dns_failover = _route53_failover(spec, built)
    genesys_exports = _genesys(loaded, built, context.psk, offline=offline)
    iaas_of = {a.role: a.iaas for a in ends}
    return {
        **genesys_exports,
        "connectionName": spec.tunnel.name,
        "provider": spec.iaas.provider.value,
        "activeAttachment": "primary",
        # The key is exported on its own: a secret nested in another export masks all of it.
        "preSharedKey": context.psk,
        "genesysAdmin": {
            "genesysRegion": spec.genesys.region,
            "genesysGatewayIp": str(spec.genesys.gateway_ip),
            "preSharedKey": "see the preSharedKey output: pulumi stack output preSharedKey --show-secrets",
            "algorithms": derive.genesys_terms(spec.tunnel),
            "connections": [
                {
                    "role": a.role,
                    "provider": a.provider.value,
                    "active": a.role == "primary",
                    "tunnelCidr": a.tunnel_cidr,
                    "tunnels": [t.export() for t in a.tunnels],
                    "iaasNetworks": [str(n) for n in iaas_of[a.role].networks],
                }
                for a in built
            ],
        },
        "iaasTeam": {
            "genesysTenantCidrs": [str(c) for c in spec.genesys.tenant_cidrs],
            "genesysGatewayIp": str(spec.genesys.gateway_ip),
            "attachments": {
                a.role: {
                    **a.export(),
                    "networks": [str(n) for n in iaas_of[a.role].networks],
                    "applicationPorts": list(iaas_of[a.role].application_ports),
                    "mssClamp": iaas_of[a.role].mss_clamp.enabled,
                    "mss": derive.attachment_mss(spec, iaas_of[a.role]).mss,
                }
                for a in built
            },
        },
        "failover": {
            "primary": "primary",
            "standby": "standby" if spec.standby is not None else None,
            "design": FAILOVER_DESIGN
            if spec.standby is not None
            else "single attachment: no failover",
            "route53": dns_failover,
        },
    }


def run() -> None:
    """``pulumi up``: load through the engine, refuse an invalid stack, build, export."""
    try:
        loaded = load_from_engine()
    except SpecError as exc:
        raise pulumi.RunError("\n".join(f"{exc.source}: {line}" for line in exc.lines)) from None
    report = validate(loaded)
    for warning in report.warnings:
        pulumi.log.warn(f"{warning.code} at {warning.path}: {warning.message}")
    if not report.valid:
        raise StackProblems(report, loaded.source)
    for name, value in build(loaded).items():
        pulumi.export(name, value)
