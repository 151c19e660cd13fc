"""The Pulumi program: a validated stack in, attachments built, exports out.

``run()`` is what ``__main__.py`` calls under ``pulumi up``/``preview``; ``build()`` is the
part ``c2cvpn plan`` runs under the mocks, so both see the same resources.

Active-passive failover (guide, "Multi-AZ/Region Failover"): Genesys holds two connections,
one per attachment, both up. On AWS both VPN connections carry static routes to the same
Genesys networks; a standby in the primary's VPC shares the primary's virtual private gateway
(a VPC takes one), so when the primary's tunnels drop the gateway keeps forwarding through the
standby connection. Each attachment's route tables (its AZ's subnets) send Genesys-bound
traffic through its own gateway or MSS appliance, so losing one AZ loses only that AZ's path.
Switching the *application endpoint* that Genesys calls is outside this stack (it declares no
DNS): put a Route 53 failover record pair with a health check on the primary endpoint, or a
load balancer across both AZs (the guide's recommendation), in front of the back ends. The
exports say which attachment is active (``activeAttachment``) and carry ``failover``.
"""

from __future__ import annotations

from typing import Any

import pulumi

from c2cvpn import derive
from c2cvpn.rules import Report, validate
from c2cvpn.spec import (
    Encrypted,
    GenesysSource,
    IaasSide,
    LoadedStack,
    SpecError,
    StackSpec,
    attachments,
)
from c2cvpn.vendors import Provider
from components.common import AttachmentArgs, load_from_engine, pre_shared_key

#: What ``build`` returns: export name → value or Output.
Exports = dict[str, Any]

FAILOVER_DESIGN = (
    "active-passive: Genesys holds one connection per attachment; the primary's route tables "
    "carry the traffic while it is up. On AWS both connections hold static routes to the Genesys "
    "networks, and a standby in the primary's VPC shares its gateway, which falls back to the "
    "standby connection when the primary's tunnels are down. For the application endpoint Genesys "
    "calls, standby.failover.route53 creates PRIMARY/SECONDARY records, healthy while a tunnel of "
    "that attachment is up; otherwise use a load balancer across both zones."
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


def _inside(tunnel_cidr: Any) -> list[dict[str, str]]:
    return [
        {
            "insideCidr": str(t.cidr),
            "cloudInsideAddress": str(t.cloud_address),
            "genesysInsideAddress": str(t.genesys_address),
        }
        for t in derive.inside_tunnels(tunnel_cidr)
    ]


def _attachment_specs(spec: StackSpec) -> list[tuple[str, IaasSide, Any]]:
    return [(a.role, a.iaas, a.tunnel_cidr) for a in attachments(spec)]


def _build_aws(spec: StackSpec, psk: pulumi.Output[str]) -> list[dict[str, Any]]:
    import pulumi_aws as aws

    from components.aws import AwsAttachmentArgs, AwsVpnAttachment, SharedGateway

    default_region = pulumi.Config("aws").get("region")
    providers: dict[str, aws.Provider] = {}
    built: list[dict[str, Any]] = []
    shared: SharedGateway | None = None
    for role, iaas, tunnel_cidr in _attachment_specs(spec):
        assert iaas.aws is not None
        region = iaas.aws.region
        opts = None
        if region != default_region:  # e.g. a standby in another region: its own provider
            if region not in providers:
                providers[region] = aws.Provider(f"aws-{region}", region=region)
            opts = pulumi.ResourceOptions(providers={"aws": providers[region]})
        reuse = (
            shared
            if shared is not None and (shared.vpc_id, shared.region) == (iaas.aws.vpc_id, region)
            else None
        )
        args = AwsAttachmentArgs(
            spec=spec,
            iaas=iaas,
            tunnel_cidr=tunnel_cidr,
            role=role,  # type: ignore[arg-type]
            psk=psk,
            shared_gateway=reuse,
        )
        att = AwsVpnAttachment(role, args, opts)
        shared = att.shared if shared is None else shared
        tunnels: list[dict[str, Any]] = list(_inside(tunnel_cidr))
        while len(tunnels) < 2:  # a /30: AWS chooses tunnel 2's inside range
            tunnels.append({"insideCidr": "", "cloudInsideAddress": "", "genesysInsideAddress": ""})
        for index, t in enumerate(tunnels):
            t["outsideIp"] = att.tunnel_outside_ips[index]
            if not t["insideCidr"]:
                t["insideCidr"] = att.tunnel_inside_cidrs[index]
        built.append(
            {
                "role": role,
                "provider": "aws",
                "region": region,
                "availabilityZone": iaas.aws.availability_zone,
                "tunnelCidr": str(tunnel_cidr),
                "tunnels": tunnels,
                "iaas": {
                    "vpcId": iaas.aws.vpc_id,
                    "gateway": iaas.aws.gateway.value,
                    "vpnGatewayId": att.vpn_gateway_id,
                    "transitGatewayId": iaas.aws.transit_gateway_id,
                    "customerGatewayId": att.customer_gateway_id,
                    "vpnConnectionId": att.vpn_connection_id,
                    "routeTableIds": list(iaas.aws.route_table_ids),
                    "routeTarget": att.route_target,
                    "securityGroupIds": list(iaas.aws.security_group_ids),
                    "applianceInterfaceId": att.appliance_interface_id,
                    "tunnelLogGroup": att.log_group_name,
                    "alarmNames": att.alarm_names,
                },
            }
        )
    return built


def _build_azure(spec: StackSpec, psk: pulumi.Output[str]) -> list[dict[str, Any]]:
    # Written alongside (components/azure.py); imported only for azure stacks.
    from components.azure import AzureVpnAttachment

    built: list[dict[str, Any]] = []
    for role, iaas, tunnel_cidr in _attachment_specs(spec):
        assert iaas.azure is not None
        att = AzureVpnAttachment(
            role, AttachmentArgs(spec=spec, iaas=iaas, tunnel_cidr=tunnel_cidr, role=role, psk=psk)
        )  # type: ignore[arg-type]
        built.append(
            {
                "role": role,
                "provider": "azure",
                "location": iaas.azure.location,
                "tunnelCidr": str(tunnel_cidr),
                "tunnels": [
                    {**t, "outsideIp": getattr(att, "gateway_public_ip", None)}
                    for t in _inside(tunnel_cidr)
                ],
                "iaas": {
                    "resourceGroupName": iaas.azure.resource_group_name,
                    "virtualNetworkName": iaas.azure.virtual_network_name,
                    "gatewayId": getattr(att, "gateway_id", None),
                    "connectionId": getattr(att, "connection_id", None),
                },
            }
        )
    return built


def _onprem(spec: StackSpec) -> list[dict[str, Any]]:
    return [
        {
            "role": role,
            "provider": "onprem",
            "tunnelCidr": str(tunnel_cidr),
            "tunnels": [{**t, "outsideIp": str(iaas.peer_ip)} for t in _inside(tunnel_cidr)],
            "iaas": {"peerIp": str(iaas.peer_ip)},
        }
        for role, iaas, tunnel_cidr in _attachment_specs(spec)
    ]


def _peer_outputs(attachments: list[dict[str, Any]], *, offline: bool) -> dict[str, dict[str, Any]]:
    """What Genesys must hold as each connection's peer IP: tunnel 1's outside address.

    Offline (under the plan's mocks) a cloud-assigned address is the mocks' invention, so only
    addresses the spec itself knows (on-prem peers) are passed on to be compared.
    """
    peers = {a["role"]: a["tunnels"][0]["outsideIp"] for a in attachments if a["tunnels"]}
    return {
        role: {"peerIp": ip} for role, ip in peers.items() if not offline or isinstance(ip, str)
    }


def _route53_failover(spec: StackSpec, attachments: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Health-checked PRIMARY/SECONDARY records when ``standby.failover.route53`` asks for them."""
    if spec.standby is None or spec.standby.failover.route53 is None:
        return None
    from components.failover import FailoverEnd, Route53Failover, Route53FailoverArgs

    ends = {
        a["role"]: FailoverEnd(a["role"], a["iaas"]["alarmNames"], a["region"]) for a in attachments
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


def build(loaded: LoadedStack, *, offline: bool = False) -> Exports:
    """Create the stack's resources from a *validated* spec; return the exports.

    ``offline`` (``c2cvpn plan``): a Genesys API is not read; a declared record still is.
    """
    spec = loaded.spec
    psk = _psk(spec)
    provider = spec.iaas.provider
    dns_failover = None
    if provider is Provider.AWS:
        attachments = _build_aws(spec, psk)
        dns_failover = _route53_failover(spec, attachments)
    elif provider is Provider.AZURE:
        attachments = _build_azure(spec, psk)
    else:  # on-prem: no cloud resources; the exports carry what the firewall needs
        attachments = _onprem(spec)

    # The Genesys side: verify it against this spec (declared, or read through the API) or
    # manage it. A must-match difference fails preview and up with the reconciler's findings.
    if offline and spec.genesys.source is GenesysSource.API:
        genesys_exports: Exports = {
            "genesysSource": "api",
            "genesysMode": "not read offline: `c2cvpn reconcile` and `pulumi preview` read it",
        }
    else:
        from components.genesys import genesys_side

        genesys_exports = genesys_side(
            loaded, cloud_outputs=_peer_outputs(attachments, offline=offline), psk=psk
        )

    by_role = {a["role"]: a for a in attachments}
    iaas_by_role = {role: iaas for role, iaas, _ in _attachment_specs(spec)}
    return {
        **genesys_exports,
        "connectionName": spec.tunnel.name,
        "provider": provider.value,
        "activeAttachment": "primary",
        # The key is exported on its own: a secret nested in another export masks all of it.
        "preSharedKey": psk,
        "genesysAdmin": {
            "genesysRegion": spec.genesys.region,
            "genesysGatewayIp": str(spec.genesys.gateway_ip),
            "preSharedKey": "see the preSharedKey output: pulumi stack output preSharedKey --show-secrets",
            "algorithms": derive.genesys_terms(spec.tunnel),
            "connections": [
                {
                    "role": a["role"],
                    "active": a["role"] == "primary",
                    "tunnelCidr": a["tunnelCidr"],
                    "tunnels": a["tunnels"],
                    "iaasNetworks": [str(n) for n in iaas_by_role[a["role"]].networks],
                }
                for a in attachments
            ],
        },
        "iaasTeam": {
            "genesysTenantCidrs": [str(c) for c in spec.genesys.tenant_cidrs],
            "genesysGatewayIp": str(spec.genesys.gateway_ip),
            "attachments": {
                role: {
                    **{k: v for k, v in a.items() if k != "tunnels"},
                    "networks": [str(n) for n in iaas_by_role[role].networks],
                    "applicationPorts": list(iaas_by_role[role].application_ports),
                    "mssClamp": iaas_by_role[role].mss_clamp.enabled,
                    "mss": derive.attachment_mss(spec, iaas_by_role[role]).mss,
                }
                for role, a in by_role.items()
            },
        },
        "failover": {
            "primary": "primary",
            "standby": "standby" if "standby" in by_role else None,
            "design": FAILOVER_DESIGN if "standby" in by_role else "single attachment: no failover",
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
