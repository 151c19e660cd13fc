"""The Google Cloud end of one Genesys Cloud-to-Cloud VPN attachment (``c2c-vpn:gcp:VpnAttachment``).

**Classic VPN, route-based.** HA VPN "does not support static routing" and needs a BGP peer,
which the Genesys side is not; Google deprecated *BGP* on Classic VPN (1 Aug 2025) and kept
Classic tunnels "that use static (route-based or policy-based) routing" (Cloud VPN release
notes, 5 Oct 2021; "Classic VPN deprecation", updated 2026-04-10).

Children, named ``<component name>-<suffix>`` and parented to the component; each GCP name is
set explicitly (RFC 1035: lower case, at most 63 characters, :mod:`c2cvpn.inputs.gcp`):

``address``
    A regional external IPv4 address (Premium tier): the peer IP the Genesys admin enters.
``gateway``
    The Classic *target* VPN gateway in ``iaas.gcp.network`` and ``iaas.gcp.region``.
``fr-esp``, ``fr-udp500``, ``fr-udp4500``
    The three forwarding rules that bind ESP, IKE and NAT-T on the address to the gateway.
``tunnel``
    IKEv2, the Genesys gateway IP as peer, the connection's key (secret), traffic selectors
    0.0.0.0/0 both ways (route-based), and an explicit cipher suite with one value per role
    from the spec ("configure your peer VPN gateway and the Cloud VPN tunnel to propose and
    accept only one cipher for each cipher role", "Supported IKE ciphers"). Created after the
    forwarding rules, as the provider's example does. Google documents cipher selection on HA
    VPN pages; the provider's acceptance test sets it on a Classic tunnel
    (terraform-provider-google ``TestAccComputeVpnTunnel_vpnTunnelCipherSuiteExample``), so
    ``pulumi up`` fails loudly when the created tunnel reports no cipher suite back.
``route-<cidr>``
    One static route per Genesys tenant CIDR, next hop the tunnel, at the role's priority
    (primary 100, standby 200, or ``iaas.gcp.routePriority``), on ``iaas.gcp.targetTags`` when
    given. GCP disregards a tunnel without an IKE SA "before considering route priority"
    ("Order of routes"), so traffic moves to the standby's tunnel by itself.
``fw-tcp``, ``fw-icmp``
    Ingress allow rules (VPC firewall rules are network-wide and stateful) from the tenant
    CIDRs to the IaaS networks: the application ports, and ICMP (PMTUD needs it).
``alert`` (with ``iaas.gcp.alertNotificationChannels``)
    A Cloud Monitoring policy that tells those channels when the tunnel has not been
    established for two minutes.

Classic tunnels with static routing have no inside addresses (169.254 /30s belong to Cloud
Router BGP sessions), so the Genesys tunnel range is exported for the record only, and the
exported tunnel has no inside addresses, as on Azure.

Standby (role ``standby``): its own address and Classic gateway ("Tunnels on the same Classic
VPN gateway must connect to unique peer gateway IP addresses", "Networks and tunnel routing";
both tunnels dial the one Genesys gateway IP), in the standby's own region and network.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_gcp as gcp

from c2cvpn.inputs import gcp as inputs
from c2cvpn.spec import Attachment, GcpSettings
from c2cvpn.vendors import Provider
from components.attachment import (
    AttachmentArgs,
    AttachmentExports,
    BuildContext,
    TunnelEndpoint,
)


class CipherSuiteMissing(pulumi.RunError):
    """The created Classic tunnel did not keep the cipher suite it was given."""


class GcpVpnAttachment(pulumi.ComponentResource):
    """One Classic VPN gateway with its tunnel to Genesys, routes and firewall rules."""

    gateway_address: pulumi.Output[str]
    """The peer IP Genesys dials: what the Genesys admin enters."""
    gateway_id: pulumi.Output[str]
    tunnel_id: pulumi.Output[str]
    route_names: list[str]
    firewall_names: list[str]
    alert_policy: pulumi.Output[str] | None
    exports: AttachmentExports

    def __init__(
        self, name: str, args: AttachmentArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("c2c-vpn:gcp:VpnAttachment", name, None, opts)
        self._name, self._args = name, args
        self._gcp = _settings(args.attachment)
        self._child = pulumi.ResourceOptions(parent=self)
        self._base = inputs.base_name(args.spec.tunnel.name, args.attachment.role)
        self._labels = inputs.labels(args.spec, args.attachment.role)

        address = self._address()
        gateway = self._gateway()
        rules = self._forwarding_rules(address, gateway)
        tunnel = self._tunnel(gateway, rules)
        self.route_names = self._routes(tunnel)
        self.firewall_names = self._firewall()
        self.alert_policy = self._alert() if self._gcp.alert_notification_channels else None
        self._publish(address, gateway, tunnel)

    def _name_of(self, part: str) -> str:
        return inputs.resource_name(self._base, part)

    def _placed(self) -> dict[str, Any]:
        """Region, and the project when the stack names one (else the ``gcp:project`` config)."""
        return {"region": self._gcp.region, **self._project()}

    def _project(self) -> dict[str, Any]:
        """The project given, or the one the network's self link names (else the provider's)."""
        project = self._gcp.project_id
        return {"project": project} if project is not None else {}

    def _description(self) -> str:
        a = self._args
        return f"c2c-vpn {a.spec.tunnel.name} ({a.attachment.role}): Genesys Cloud VPN"

    # ------------------------------------------------------------------ the gateway

    def _address(self) -> gcp.compute.Address:
        return gcp.compute.Address(
            f"{self._name}-address",
            name=self._name_of("ip"),
            address_type="EXTERNAL",
            network_tier="PREMIUM",
            description=self._description(),
            labels=self._labels,
            opts=self._child,
            **self._placed(),
        )

    def _gateway(self) -> gcp.compute.VPNGateway:
        """The Classic (target) VPN gateway; it takes no labels."""
        return gcp.compute.VPNGateway(
            f"{self._name}-gateway",
            name=self._name_of("gw"),
            network=self._gcp.network,
            description=self._description(),
            opts=self._child,
            **self._placed(),
        )

    def _forwarding_rules(
        self, address: gcp.compute.Address, gateway: gcp.compute.VPNGateway
    ) -> list[gcp.compute.ForwardingRule]:
        return [
            gcp.compute.ForwardingRule(
                f"{self._name}-fr-{suffix}",
                name=self._name_of(suffix),
                ip_protocol=protocol,
                port_range=port,
                ip_address=address.address,
                # The address's tier: "If IPAddress is specified, this value must be equal to
                # the networkTier of the Address", and an unset tier may be the project's default
                # (magic-modules ForwardingRule.yaml; Compute API setDefaultNetworkTier).
                network_tier="PREMIUM",
                target=gateway.id,
                description=self._description(),
                labels=self._labels,
                opts=self._child,
                **self._placed(),
            )
            for suffix, protocol, port in inputs.FORWARDING_RULES
        ]

    def _tunnel(
        self, gateway: gcp.compute.VPNGateway, rules: list[gcp.compute.ForwardingRule]
    ) -> gcp.compute.VPNTunnel:
        """IKEv2, 0/0 selectors, the key, one cipher per role; after the forwarding rules."""
        spec = self._args.spec
        suite = inputs.cipher_suite(spec)
        key = self._args.psk_for_tunnel(1)
        if key is None:  # a validated stack has a Genesys connection on every attachment
            raise ValueError(f"{self._args.attachment.path}: no Genesys connection ends here")
        self._tunnel_name = self._name_of("tunnel")
        local, remote = inputs.traffic_selectors(spec, self._args.attachment.iaas)
        return gcp.compute.VPNTunnel(
            f"{self._name}-tunnel",
            name=self._tunnel_name,
            target_vpn_gateway=gateway.id,
            peer_ip=str(spec.genesys.gateway_ip),
            shared_secret=pulumi.Output.secret(key),
            ike_version=2,
            local_traffic_selectors=local,
            remote_traffic_selectors=remote,
            cipher_suite=gcp.compute.VPNTunnelCipherSuiteArgs(
                phase1=gcp.compute.VPNTunnelCipherSuitePhase1Args(**suite["phase1"]),
                phase2=gcp.compute.VPNTunnelCipherSuitePhase2Args(**suite["phase2"]),
            ),
            description=self._description(),
            labels=self._labels,
            opts=pulumi.ResourceOptions.merge(
                self._child,
                pulumi.ResourceOptions(
                    depends_on=list(rules), additional_secret_outputs=["sharedSecret"]
                ),
            ),
            **self._placed(),
        )

    # ------------------------------------------------------------------ routes and firewall

    def _routes(self, tunnel: gcp.compute.VPNTunnel) -> list[str]:
        a, tags = self._args, self._gcp.target_tags
        routes = inputs.routes(a.spec, self._gcp, a.attachment.role)
        for route in routes:
            gcp.compute.Route(
                f"{self._name}-{route.suffix}",
                name=route.name,
                network=self._gcp.network,
                dest_range=route.dest_range,
                next_hop_vpn_tunnel=tunnel.id,
                priority=route.priority,
                tags=list(tags) if tags else None,
                description=f"{self._description()}: to Genesys {route.dest_range}",
                opts=self._child,
                **self._project(),
            )
        return [r.name for r in routes]

    def _firewall(self) -> list[str]:
        a, tags = self._args, self._gcp.target_tags
        names = []
        for rule in inputs.firewall_rules(a.spec, a.attachment.iaas, a.attachment.role):
            gcp.compute.Firewall(
                f"{self._name}-{rule.suffix}",
                name=rule.name,
                network=self._gcp.network,
                direction="INGRESS",
                source_ranges=[str(c) for c in a.spec.genesys.tenant_cidrs],
                destination_ranges=[str(n) for n in a.attachment.iaas.networks],
                allows=[gcp.compute.FirewallAllowArgs(protocol=rule.protocol, ports=rule.ports)],
                target_tags=list(tags) if tags else None,
                description=f"c2c-vpn {a.spec.tunnel.name} ({a.attachment.role}): Genesys Cloud to the application",
                opts=self._child,
                **self._project(),
            )
            names.append(rule.name)
        return names

    def _alert(self) -> pulumi.Output[str]:
        a = self._args
        policy = gcp.monitoring.AlertPolicy(
            f"{self._name}-alert",
            display_name=f"c2c-vpn {a.spec.tunnel.name} ({a.attachment.role}) tunnel down",
            combiner="OR",
            conditions=[
                gcp.monitoring.AlertPolicyConditionArgs(
                    display_name=f"{self._tunnel_name} not established",
                    condition_threshold=gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
                        filter=inputs.alert_filter(self._tunnel_name),
                        comparison="COMPARISON_LT",
                        threshold_value=1,
                        duration=inputs.ALERT_DURATION,
                        aggregations=[
                            gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs(
                                alignment_period="60s", per_series_aligner="ALIGN_MIN"
                            )
                        ],
                    ),
                ),
                # A threshold never fires on a series that stops arriving: the same filter
                # absent for five minutes alerts too.
                gcp.monitoring.AlertPolicyConditionArgs(
                    display_name=f"{self._tunnel_name} reports no state",
                    condition_absent=gcp.monitoring.AlertPolicyConditionConditionAbsentArgs(
                        filter=inputs.alert_filter(self._tunnel_name),
                        duration=inputs.ABSENT_DURATION,
                        aggregations=[
                            gcp.monitoring.AlertPolicyConditionConditionAbsentAggregationArgs(
                                alignment_period="60s", per_series_aligner="ALIGN_MIN"
                            )
                        ],
                    ),
                ),
            ],
            notification_channels=list(self._gcp.alert_notification_channels),
            user_labels=self._labels,
            documentation=gcp.monitoring.AlertPolicyDocumentationArgs(
                content=(
                    f"The Classic VPN tunnel {self._tunnel_name} to Genesys Cloud has no IKE SA. "
                    "Its `detailedStatus` (`gcloud compute vpn-tunnels describe`) says why; `c2cvpn reconcile` checks that the Genesys side still matches."
                ),
                mime_type="text/markdown",
            ),
            opts=self._child,
            **self._project(),
        )
        name: pulumi.Output[str] = policy.name
        return name

    # ------------------------------------------------------------------ exports

    def _publish(
        self,
        address: gcp.compute.Address,
        gateway: gcp.compute.VPNGateway,
        tunnel: gcp.compute.VPNTunnel,
    ) -> None:
        a, g = self._args, self._gcp
        self.gateway_address = address.address
        self.gateway_id = gateway.id
        self.tunnel_id = tunnel.id
        cipher_suite = tunnel.cipher_suite.apply(_cipher_suite_kept)
        self.exports = AttachmentExports(
            role=a.attachment.role,
            provider=Provider.GCP,
            tunnel_cidr=str(a.attachment.tunnel_cidr),
            # No inside addresses on a Classic static tunnel: the range is for the record.
            tunnels=[TunnelEndpoint(str(a.attachment.tunnel_cidr), None, None, address.address)],
            placement={"region": g.region},
            iaas={
                "project": g.project_id,
                "network": g.network,
                "gatewayAddress": address.address,
                "gatewayId": gateway.id,
                "tunnelId": tunnel.id,
                "tunnelName": self._tunnel_name,
                "routeNames": self.route_names,
                "routePriority": g.priority(a.attachment.role),
                "targetTags": list(g.target_tags),
                "firewallNames": self.firewall_names,
                "alertPolicy": self.alert_policy,
                "cipherSuite": cipher_suite,
            },
        )
        self.register_outputs(
            {
                "gatewayAddress": self.gateway_address,
                "gatewayId": self.gateway_id,
                "tunnelId": self.tunnel_id,
                "routeNames": self.route_names,
                "firewallNames": self.firewall_names,
                "alertPolicy": self.alert_policy,
            }
        )


def _cipher_suite_kept(suite: Any) -> Any:
    """The tunnel's cipher suite as GCP reports it; ``pulumi up`` fails when a created tunnel
    reports none (the docs show cipher selection on HA VPN only: see the module docstring)."""
    if not suite and not pulumi.runtime.is_dry_run():
        raise CipherSuiteMissing(
            "the Classic VPN tunnel reports no cipher suite: Google did not keep the one "
            "c2c-vpn set, so the tunnel negotiates from Google's default list and the Genesys "
            "side's algorithms are no longer guaranteed to match. Check `gcloud compute "
            "vpn-tunnels describe`, and report it to the c2c-vpn maintainers."
        )
    return suite


def _settings(attachment: Attachment) -> GcpSettings:
    if attachment.iaas.gcp is None:  # a validated spec never gets here
        raise ValueError(f"{attachment.path}: the Google Cloud attachment needs the iaas.gcp block")
    return attachment.iaas.gcp


def build(attachment: Attachment, context: BuildContext) -> AttachmentExports:
    """The registry's builder: one Classic VPN attachment in its own region and network."""
    _settings(attachment)
    args = AttachmentArgs(context.spec, attachment, context.psks)
    return GcpVpnAttachment(attachment.role, args).exports
