"""The Pulumi program: a validated stack in, attachments built, exports out.

``run()`` is what ``__main__.py`` calls under ``pulumi up``/``preview``; ``build()`` is the
part ``c2cvpn plan`` runs under the mocks, so both see the same resources. Each attachment
(the primary, and the standby when declared) is built by its own provider's builder
(:mod:`components.registry`); the failover design is described once, in the README.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from c2cvpn import derive
from c2cvpn.rules import Report, validate
from c2cvpn.spec import (
    GenesysConnection,
    GenesysSource,
    LoadedStack,
    Role,
    SpecError,
    StackSpec,
    attachments,
    genesys_connections,
)
from components.attachment import AttachmentExports, BuildContext, TunnelEndpoint
from components.engine_config import load_from_engine, pre_shared_key
from components.registry import build_attachment

#: What ``build`` returns: export name → value or Output.
Exports = dict[str, Any]
#: The stack output holding each Genesys connection's key.
PSK_OUTPUT: dict[Role, str] = {"primary": "preSharedKey", "standby": "standbyPreSharedKey"}

FAILOVER_DESIGN = (
    "active-passive: Genesys holds a primary and a standby connection, both up, each on its own "
    "tunnel and outside IP (AWS: the VPN connection's two tunnels; Azure: an active-active "
    "gateway's two instances; Google Cloud: a second Classic VPN gateway whose routes to the "
    "Genesys CIDRs have a higher priority number, primary 100 and standby 200; or a "
    "disaster-recovery attachment on another gateway). The IaaS side moves traffic to the tunnel "
    "that is up (Google Cloud disregards a tunnel without an IKE SA before it compares route "
    "priorities). For the application endpoint Genesys calls across two attachments, "
    "standby.failover.route53 creates PRIMARY/SECONDARY records gated by each path's health."
)


class StackProblems(pulumi.RunError):
    """The stack failed validation: every problem listed, never a traceback or the PSK."""

    def __init__(self, report: Report, source: str) -> None:
        lines = [
            f"stack {report.stack} ({source}) has {len(report.problems)} problem(s); `c2cvpn validate` shows the same:"
        ]
        lines += [f"  {p.code} at {p.path}: {p.message}" for p in report.problems]
        super().__init__("\n".join(lines))


def _endpoint(
    connection: GenesysConnection, built: Mapping[str, AttachmentExports]
) -> TunnelEndpoint:
    """The tunnel a Genesys connection ends on."""
    return built[connection.attachment.role].tunnels[connection.tunnel - 1]


def _peer_outputs(
    spec: StackSpec, built: Mapping[str, AttachmentExports], *, offline: bool
) -> dict[str, dict[str, Any]]:
    """What Genesys must hold as each connection's peer IP: its tunnel's outside address.

    Offline (under the plan's mocks) a cloud-assigned address is the mocks' invention, so only
    addresses the spec itself knows (on-prem peers) are passed on to be compared.
    """
    peers = {c.role: _endpoint(c, built).outside_ip for c in genesys_connections(spec)}
    return {
        role: {"peerIp": ip}
        for role, ip in peers.items()
        if ip is not None and (not offline or isinstance(ip, str))
    }


def _genesys_admin(spec: StackSpec, built: Mapping[str, AttachmentExports]) -> dict[str, Any]:
    """What the Genesys admin enters: per connection, its tunnel's outside IP, inside range
    and addresses, and which output holds its key."""
    from c2cvpn.genesys.desired import connection_name

    connections = []
    for c in genesys_connections(spec):
        end = _endpoint(c, built)
        connections.append(
            {
                "role": c.role,
                "name": connection_name(spec, c.role),
                "provider": c.attachment.iaas.provider.value,
                "attachment": c.attachment.role,
                "tunnel": c.tunnel,
                "outsideIp": end.outside_ip,
                "tunnelCidr": str(c.tunnel_cidr),
                "cloudInsideAddress": end.cloud_inside_address,
                "genesysInsideAddress": end.genesys_inside_address,
                "preSharedKey": f"pulumi stack output {PSK_OUTPUT[c.key_role]} --show-secrets",
                "iaasNetworks": [str(n) for n in c.attachment.iaas.networks],
            }
        )
    return {
        "genesysRegion": spec.genesys.region,
        "genesysGatewayIp": str(spec.genesys.gateway_ip),
        "algorithms": derive.genesys_terms(spec.tunnel),
        "connections": connections,
        "traffic": (
            "both connections stay up and either may carry traffic (AWS picks a tunnel, Azure "
            "active-active uses both, Google Cloud the up tunnel with the lowest route "
            "priority): the Genesys side must accept it on either"
            if len(connections) > 1
            else "one connection"
        ),
    }


def _route53_failover(
    spec: StackSpec, built: Mapping[str, AttachmentExports]
) -> dict[str, Any] | None:
    """Health-checked PRIMARY/SECONDARY records when ``standby.failover.route53`` asks for them
    (validation guarantees both attachments are on AWS, with tunnel alarms)."""
    if spec.standby is None or spec.standby.failover.route53 is None:
        return None
    from components.failover import FailoverEnd, Route53Failover, Route53FailoverArgs

    ends = {
        a.role: FailoverEnd(a.role, a.alarm_names, a.alarm_region or "") for a in built.values()
    }
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
    loaded: LoadedStack,
    built: Mapping[str, AttachmentExports],
    psks: Mapping[str, pulumi.Output[str]],
    *,
    offline: bool,
) -> Exports:
    """The Genesys side: verify it against this spec (declared, or read through the API) or
    manage it. A must-match difference fails preview and up with the reconciler's findings."""
    api = loaded.spec.genesys.api
    if offline and loaded.spec.genesys.source is GenesysSource.API:
        mode = api.mode if api is not None else "verify"
        return {
            "genesysSource": "api",
            "genesysMode": mode,
            "genesysNote": "not read offline: `c2cvpn reconcile` and `pulumi preview` read it"
            + ("; `pulumi up` creates and updates it" if mode == "manage" else ""),
        }
    from components.genesys import genesys_side

    peers = _peer_outputs(loaded.spec, built, offline=offline)
    return genesys_side(loaded, cloud_outputs=peers, psks=psks)


def build(loaded: LoadedStack, *, offline: bool = False) -> Exports:
    """Create the stack's resources from a *validated* spec; return the exports.

    ``offline`` (``c2cvpn plan``): a Genesys API is not read; a declared record still is.
    """
    spec = loaded.spec
    connections = genesys_connections(spec)
    key_roles = dict.fromkeys(c.key_role for c in connections)  # once each, in order
    keys = {role: pre_shared_key(spec.tunnel, role) for role in key_roles}
    psks: dict[str, pulumi.Output[str]] = {c.role: keys[c.key_role] for c in connections}
    context = BuildContext(spec=spec, psks=psks)
    ends = attachments(spec)
    built: dict[str, AttachmentExports] = {a.role: build_attachment(a, context) for a in ends}
    dns_failover = _route53_failover(spec, built)
    genesys_exports = _genesys(loaded, built, psks, offline=offline)
    iaas_of = {a.role: a.iaas for a in ends}
    return {
        **genesys_exports,
        "connectionName": spec.tunnel.name,
        "provider": spec.iaas.provider.value,
        "activeAttachment": "primary",
        # Each key is exported on its own: a secret nested in another export masks all of it.
        **{PSK_OUTPUT[role]: key for role, key in keys.items()},
        "genesysAdmin": _genesys_admin(spec, built),
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
                for a in built.values()
            },
        },
        "failover": {
            "primary": "primary",
            "standby": "standby" if len(connections) > 1 else None,
            "design": FAILOVER_DESIGN
            if len(connections) > 1
            else "one Genesys connection: no failover (see the tunnel-unused warning)",
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
