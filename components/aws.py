"""The AWS end of one Genesys Cloud-to-Cloud VPN connection (``c2c-vpn:aws:VpnAttachment``).

:class:`AwsVpnAttachment` turns a validated spec into provider resources and nothing else.
Vendor spellings, tunnel options, rule and route keys come from :mod:`c2cvpn.inputs.aws`;
addressing, the MSS and the clamp script from :mod:`c2cvpn.derive`.

Routing with the MSS appliance (``mssClamp.enabled``). AWS has no MSS clamp of its own and
no PMTUD across the tunnel, so Genesys-bound TCP must cross the appliance *in both
directions* (the clamp rewrites the SYN on the way out and the SYN on the way in):

- out: every listed route table sends each Genesys CIDR to the appliance's network
  interface, not to the gateway. The appliance's subnet gets a route table of its own that
  sends the Genesys CIDRs to the gateway (a route table that points them at the appliance
  would loop). So the appliance subnet must be a dedicated subnet that is not associated
  with one of the listed route tables.
- in (virtual private gateway only): a gateway route table, edge-associated with the VGW,
  sends each application network to the appliance. AWS requires each such destination to
  be a whole subnet CIDR of the VPC. A transit gateway has no edge association: with
  ``gateway: tgw`` the inbound SYN reaches the servers directly and only the outbound SYN
  is clamped (which caps the MSS Genesys sends with; the servers' own sending MSS follows
  Genesys' SYN).

Without the appliance each listed route table sends the Genesys CIDRs to the gateway (the
guide's "route propagation" trap: the VPN connection alone routes nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from c2cvpn import derive
from c2cvpn.inputs import aws as inputs
from c2cvpn.inputs.aws import RouteKey, RuleKey
from c2cvpn.spec import Attachment, AwsSettings, GatewayKind
from c2cvpn.vendors import Provider
from components.attachment import (
    AttachmentArgs,
    AttachmentExports,
    BuildContext,
    tunnel_endpoints,
)

#: Debian's AWS account and the Debian 12 image name: looked up, never a hard-coded AMI ID.
DEBIAN_OWNER = "136693071363"
DEBIAN_12_IMAGES = "debian-12-amd64-*"
APPLIANCE_INSTANCE_TYPE = "t3.micro"
LOG_RETENTION_DAYS = 30
#: CloudWatch period of the TunnelState alarms (AWS/VPN publishes every 5 minutes).
ALARM_PERIOD_SECONDS = 300


@dataclass(frozen=True)
class SharedGateway:
    """What an attachment leaves for another attachment of the same stack in the same VPC.

    A VPC takes exactly one VGW, so a second attachment in the VPC reuses the first one's
    gateway (and its edge route table, when it has one) instead of attaching a second
    gateway, and skips the rules and routes the first already owns (AWS refuses duplicates).
    """

    vpc_id: str
    region: str
    vpn_gateway_id: pulumi.Output[str] | None
    edge_route_table_id: pulumi.Output[str] | None
    security_rules: frozenset[RuleKey]
    routes: frozenset[RouteKey]


@dataclass(frozen=True)
class AwsAttachmentArgs(AttachmentArgs):
    """:class:`AttachmentArgs` plus the gateway a sibling in the same VPC already attached."""

    shared_gateway: SharedGateway | None = None


@dataclass(frozen=True)
class Gateway:
    """Where the VPN connection terminates: a VGW (new or reused) or a transit gateway."""

    vgw_id: pulumi.Output[str] | None
    tgw_id: str | None

    @property
    def route_via(self) -> dict[str, pulumi.Input[str] | None]:
        """``aws.ec2.Route`` target arguments that send a destination into the tunnel."""
        return {"transit_gateway_id": self.tgw_id, "gateway_id": self.vgw_id}

    @property
    def target_id(self) -> pulumi.Output[str]:
        if self.tgw_id is not None:
            return pulumi.Output.from_input(self.tgw_id)
        assert self.vgw_id is not None
        return self.vgw_id


class AwsVpnAttachment(pulumi.ComponentResource):
    """Customer gateway, gateway, VPN connection, routes, rules, alarms and the MSS appliance."""

    customer_gateway_id: pulumi.Output[str]
    vpn_gateway_id: pulumi.Output[str] | None
    vpn_connection_id: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    alarm_names: list[pulumi.Output[str]]
    appliance_interface_id: pulumi.Output[str] | None
    edge_route_table_id: pulumi.Output[str] | None
    route_target: pulumi.Output[str]
    shared: SharedGateway
    exports: AttachmentExports

    def __init__(
        self, name: str, args: AwsAttachmentArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("c2c-vpn:aws:VpnAttachment", name, None, opts)
        self._name, self._args = name, args
        self._settings = _settings(args.attachment)
        self._child = pulumi.ResourceOptions(parent=self)
        self._genesys = list(args.spec.genesys.tenant_cidrs)
        self.edge_route_table_id = None
        self.appliance_interface_id = None

        cgw = self._customer_gateway()
        gateway = self._gateway()
        log_group = self._log_group()
        vpn = self._vpn_connection(cgw, gateway, log_group)
        self._vpn_routes(vpn, gateway)
        if args.attachment.iaas.mss_clamp.enabled:
            self._appliance(vpn, gateway)
        routes = self._route_tables(vpn, gateway)
        rules = self._security_rules()
        self.alarm_names = self._alarms(vpn)
        self._publish(cgw, gateway, vpn, log_group, routes, rules)

    # ------------------------------------------------------------------ helpers

    def _tags(self, what: str) -> dict[str, str]:
        return inputs.tags(self._args.spec.tunnel.name, self._args.attachment.role, what)

    @property
    def _label(self) -> str:
        return inputs.label(self._args.spec.tunnel.name, self._args.attachment.role)

    def _route(
        self,
        name: str,
        table: pulumi.Input[str],
        cidr: str,
        via: Mapping[str, pulumi.Input[str] | None],
        after: pulumi.Resource | None = None,
    ) -> aws.ec2.Route:
        """One route: ``via`` holds the target argument (gateway, TGW or network interface)."""
        opts = (
            self._child
            if after is None
            else pulumi.ResourceOptions(parent=self, depends_on=[after])
        )
        return aws.ec2.Route(
            name, route_table_id=table, destination_cidr_block=cidr, opts=opts, **via
        )

    # ------------------------------------------------------------------ steps

    def _customer_gateway(self) -> aws.ec2.CustomerGateway:
        """The Genesys VPN gateway. AWS returns an existing gateway for an identical
        (type, IP, ASN) request, so each connection names its own device."""
        return aws.ec2.CustomerGateway(
            f"{self._name}-cgw",
            type="ipsec.1",
            bgp_asn=str(inputs.CUSTOMER_GATEWAY_ASN),
            ip_address=str(self._args.spec.genesys.gateway_ip),
            device_name=self._label,
            tags=self._tags("cgw"),
            opts=self._child,
        )

    def _gateway(self) -> Gateway:
        """A new VGW attached to the VPC, the VGW a sibling already attached, or the TGW."""
        s, shared = self._settings, self._args.shared_gateway
        if s.gateway is GatewayKind.TGW:
            return Gateway(vgw_id=None, tgw_id=s.transit_gateway_id)
        if shared is not None and shared.vpn_gateway_id is not None:
            self.edge_route_table_id = shared.edge_route_table_id  # the VGW's, when it has one
            return Gateway(vgw_id=shared.vpn_gateway_id, tgw_id=None)
        vgw = aws.ec2.VpnGateway(
            f"{self._name}-vgw",
            vpc_id=s.vpc_id,
            availability_zone=s.availability_zone,
            tags=self._tags("vgw"),
            opts=self._child,
        )
        return Gateway(vgw_id=vgw.id, tgw_id=None)

    def _log_group(self) -> aws.cloudwatch.LogGroup:
        return aws.cloudwatch.LogGroup(
            f"{self._name}-tunnel-logs",
            name=f"/c2c-vpn/{self._args.spec.tunnel.name}/{self._args.attachment.role}",
            retention_in_days=LOG_RETENTION_DAYS,
            tags=self._tags("tunnel-logs"),
            opts=self._child,
        )

    def _vpn_connection(
        self, cgw: aws.ec2.CustomerGateway, gateway: Gateway, logs: aws.cloudwatch.LogGroup
    ) -> aws.ec2.VpnConnection:
        """Both tunnels from the spec, in AWS spelling, logging to CloudWatch."""
        a = self._args
        options = inputs.tunnel_options(a.spec, a.attachment.tunnel_cidr, a.psk)
        log_options = {
            "tunnel1_log_options": aws.ec2.VpnConnectionTunnel1LogOptionsArgs(
                cloudwatch_log_options=aws.ec2.VpnConnectionTunnel1LogOptionsCloudwatchLogOptionsArgs(
                    log_enabled=True, log_group_arn=logs.arn, log_output_format="json"
                )
            ),
            "tunnel2_log_options": aws.ec2.VpnConnectionTunnel2LogOptionsArgs(
                cloudwatch_log_options=aws.ec2.VpnConnectionTunnel2LogOptionsCloudwatchLogOptionsArgs(
                    log_enabled=True, log_group_arn=logs.arn, log_output_format="json"
                )
            ),
        }
        secret_outputs = ["tunnel1_preshared_key", "tunnel2_preshared_key"]
        # The option names are pulumi_aws's own (c2cvpn.inputs.aws); mypy cannot see through **.
        return aws.ec2.VpnConnection(  # type: ignore[call-overload, no-any-return]
            f"{self._name}-vpn",
            type="ipsec.1",
            customer_gateway_id=cgw.id,
            vpn_gateway_id=gateway.vgw_id,
            transit_gateway_id=gateway.tgw_id,
            static_routes_only=True,
            tags=self._tags("vpn"),
            opts=pulumi.ResourceOptions(
                parent=self,
                additional_secret_outputs=[*secret_outputs, "customer_gateway_configuration"],
            ),
            **options,
            **log_options,
        )

    def _vpn_routes(self, vpn: aws.ec2.VpnConnection, gateway: Gateway) -> None:
        """Static routes to the Genesys networks: on the VPN connection, or in the TGW's
        default association route table."""
        genesys = [str(c) for c in self._genesys]
        if gateway.tgw_id is None:
            for cidr in genesys:
                aws.ec2.VpnConnectionRoute(
                    f"{self._name}-vpn-route-{inputs.slug(cidr)}",
                    vpn_connection_id=vpn.id,
                    destination_cidr_block=cidr,
                    opts=self._child,
                )
            return
        tgw = aws.ec2transitgateway.get_transit_gateway_output(
            id=gateway.tgw_id, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        for cidr in genesys:
            aws.ec2transitgateway.Route(
                f"{self._name}-tgw-route-{inputs.slug(cidr)}",
                destination_cidr_block=cidr,
                transit_gateway_attachment_id=vpn.transit_gateway_attachment_id,
                transit_gateway_route_table_id=tgw.association_default_route_table_id,
                opts=self._child,
            )

    def _appliance(self, vpn: aws.ec2.VpnConnection, gateway: Gateway) -> None:
        """The MSS appliance, its subnet's own route table, and (VGW) the inbound edge routes."""
        sg = self._appliance_security_group()
        eni = self._appliance_instance(sg).primary_network_interface_id
        self.appliance_interface_id = eni
        s = self._settings
        assert s.subnet_id is not None  # the spec requires it with mssClamp.enabled
        # The appliance's own subnet sends the Genesys networks to the gateway.
        table = aws.ec2.RouteTable(
            f"{self._name}-appliance-rt",
            vpc_id=s.vpc_id,
            tags=self._tags("appliance-rt"),
            opts=self._child,
        )
        aws.ec2.RouteTableAssociation(
            f"{self._name}-appliance-rt-assoc",
            route_table_id=table.id,
            subnet_id=s.subnet_id,
            opts=self._child,
        )
        for cidr in (str(c) for c in self._genesys):
            self._route(
                f"{self._name}-appliance-route-{inputs.slug(cidr)}",
                table.id,
                cidr,
                gateway.route_via,
                vpn,
            )
        if gateway.tgw_id is not None:
            return  # a transit gateway has no edge association: only outbound SYNs are clamped
        if self.edge_route_table_id is None:
            edge = aws.ec2.RouteTable(
                f"{self._name}-edge-rt",
                vpc_id=s.vpc_id,
                tags=self._tags("edge-rt"),
                opts=self._child,
            )
            aws.ec2.RouteTableAssociation(
                f"{self._name}-edge-rt-assoc",
                route_table_id=edge.id,
                gateway_id=gateway.vgw_id,
                opts=self._child,
            )
            self.edge_route_table_id = edge.id
        for net in (str(n) for n in self._args.attachment.iaas.networks):
            self._route(
                f"{self._name}-edge-route-{inputs.slug(net)}",
                self.edge_route_table_id,
                net,
                {"network_interface_id": eni},
            )

    def _appliance_security_group(self) -> aws.ec2.SecurityGroup:
        """Only what the appliance forwards: application networks ⇄ Genesys."""
        genesys = [str(c) for c in self._genesys]
        iaas = self._args.attachment.iaas
        app_networks = [str(n) for n in iaas.networks]
        ingress = [
            aws.ec2.SecurityGroupIngressArgs(
                protocol="-1",
                from_port=0,
                to_port=0,
                cidr_blocks=app_networks,
                description="Genesys-bound traffic from the application networks",
            ),
            *(
                aws.ec2.SecurityGroupIngressArgs(
                    protocol="tcp",
                    from_port=port,
                    to_port=port,
                    cidr_blocks=genesys,
                    description=f"Genesys to the application port {port}",
                )
                for port in iaas.application_ports
            ),
            aws.ec2.SecurityGroupIngressArgs(
                protocol="icmp",
                from_port=-1,
                to_port=-1,
                cidr_blocks=genesys,
                description="Genesys ping test",
            ),
        ]
        return aws.ec2.SecurityGroup(
            f"{self._name}-appliance-sg",
            name=f"{self._label}-mss-appliance",
            description="c2c-vpn MSS appliance: only traffic it forwards between the application networks and Genesys",
            vpc_id=self._settings.vpc_id,
            ingress=ingress,
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    protocol="-1",
                    from_port=0,
                    to_port=0,
                    cidr_blocks=[*genesys, *app_networks],
                    description="forwarded traffic to Genesys and back to the application networks",
                )
            ],
            tags=self._tags("appliance-sg"),
            opts=self._child,
        )

    def _appliance_instance(self, sg: aws.ec2.SecurityGroup) -> aws.ec2.Instance:
        """Debian 12 (looked up), source/destination check off, the clamp on every boot."""
        a = self._args
        ami = aws.ec2.get_ami_output(
            most_recent=True,
            owners=[DEBIAN_OWNER],
            filters=[
                aws.ec2.GetAmiFilterArgs(name="name", values=[DEBIAN_12_IMAGES]),
                aws.ec2.GetAmiFilterArgs(name="architecture", values=["x86_64"]),
            ],
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        mss = derive.attachment_mss(a.spec, a.attachment.iaas)
        return aws.ec2.Instance(
            f"{self._name}-appliance",
            ami=ami.id,
            instance_type=APPLIANCE_INSTANCE_TYPE,
            subnet_id=self._settings.subnet_id,
            vpc_security_group_ids=[sg.id],
            source_dest_check=False,
            user_data=derive.mss_clamp_cloud_config(mss.mss, self._genesys),
            user_data_replace_on_change=True,
            metadata_options=aws.ec2.InstanceMetadataOptionsArgs(http_tokens="required"),
            tags=self._tags("mss-appliance"),
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["ami"]),
        )

    def _route_tables(self, vpn: aws.ec2.VpnConnection, gateway: Gateway) -> list[RouteKey]:
        """Each listed route table: each Genesys CIDR to the appliance or the gateway."""
        shared = self._args.shared_gateway
        owned = shared.routes if shared is not None else frozenset()
        keys = inputs.not_owned(
            inputs.route_table_keys(self._args.attachment.iaas, self._genesys), owned
        )
        eni = self.appliance_interface_id
        for table, cidr in keys:
            name = f"{self._name}-route-{table}-{inputs.slug(cidr)}"
            if eni is not None:
                self._route(name, table, cidr, {"network_interface_id": eni})
            else:
                self._route(name, table, cidr, gateway.route_via, vpn)
        return keys

    def _security_rules(self) -> list[RuleKey]:
        """Application ports and ICMP, from the Genesys CIDRs only."""
        shared = self._args.shared_gateway
        owned = shared.security_rules if shared is not None else frozenset()
        keys = inputs.not_owned(
            inputs.security_rule_keys(self._args.attachment.iaas, self._genesys), owned
        )
        for key in keys:
            sg, protocol, port, cidr = key
            aws.ec2.SecurityGroupRule(
                inputs.rule_name(self._name, key),
                type="ingress",
                security_group_id=sg,
                protocol=protocol,
                from_port=port,
                to_port=port,
                cidr_blocks=[cidr],
                description=inputs.rule_description(key, self._args.spec.tunnel.name),
                opts=self._child,
            )
        return keys

    def _alarms(self, vpn: aws.ec2.VpnConnection) -> list[pulumi.Output[str]]:
        """Each tunnel's TunnelState (1 up, 0 down), notifying the SNS topics both ways."""
        tunnel, role = self._args.spec.tunnel, self._args.attachment.role
        names = []
        for index, address in enumerate([vpn.tunnel1_address, vpn.tunnel2_address], start=1):
            alarm = aws.cloudwatch.MetricAlarm(
                f"{self._name}-tunnel{index}-down",
                name=f"{self._label}-tunnel{index}-down",
                alarm_description=f"{tunnel.name} ({role}) tunnel {index} to Genesys Cloud is down",
                namespace="AWS/VPN",
                metric_name="TunnelState",
                dimensions={"VpnId": vpn.id, "TunnelIpAddress": address},
                statistic="Maximum",
                period=ALARM_PERIOD_SECONDS,
                evaluation_periods=1,
                comparison_operator="LessThanThreshold",
                threshold=1,
                treat_missing_data="breaching",
                alarm_actions=list(self._settings.alarm_actions),
                ok_actions=list(self._settings.alarm_actions),
                tags=self._tags(f"tunnel{index}-alarm"),
                opts=self._child,
            )
            names.append(alarm.name)
        return names

    def _publish(
        self,
        cgw: aws.ec2.CustomerGateway,
        gateway: Gateway,
        vpn: aws.ec2.VpnConnection,
        logs: aws.cloudwatch.LogGroup,
        routes: list[RouteKey],
        rules: list[RuleKey],
    ) -> None:
        """Attributes, what a sibling in the same VPC reuses, the exports, registered outputs."""
        a, s = self._args, self._settings
        shared = a.shared_gateway
        self.customer_gateway_id = cgw.id
        self.vpn_gateway_id = gateway.vgw_id
        self.vpn_connection_id = vpn.id
        self.log_group_name = logs.name
        self.route_target = self.appliance_interface_id or gateway.target_id
        self.shared = SharedGateway(
            vpc_id=s.vpc_id,
            region=s.region,
            vpn_gateway_id=gateway.vgw_id,
            edge_route_table_id=self.edge_route_table_id,
            security_rules=frozenset(rules) | (shared.security_rules if shared else frozenset()),
            routes=frozenset(routes) | (shared.routes if shared else frozenset()),
        )
        self.exports = AttachmentExports(
            role=a.attachment.role,
            provider=Provider.AWS,
            tunnel_cidr=str(a.attachment.tunnel_cidr),
            tunnels=tunnel_endpoints(
                a.attachment,
                [vpn.tunnel1_address, vpn.tunnel2_address],
                [vpn.tunnel1_inside_cidr, vpn.tunnel2_inside_cidr],
            ),
            placement={"region": s.region, "availabilityZone": s.availability_zone},
            iaas={
                "vpcId": s.vpc_id,
                "gateway": s.gateway.value,
                "vpnGatewayId": gateway.vgw_id,
                "transitGatewayId": s.transit_gateway_id,
                "customerGatewayId": cgw.id,
                "vpnConnectionId": vpn.id,
                "routeTableIds": list(s.route_table_ids),
                "routeTarget": self.route_target,
                "securityGroupIds": list(s.security_group_ids),
                "applianceInterfaceId": self.appliance_interface_id,
                "tunnelLogGroup": logs.name,
                "alarmNames": self.alarm_names,
            },
            alarm_names=self.alarm_names,
            alarm_region=s.region,
        )
        self.register_outputs(
            {
                "customerGatewayId": self.customer_gateway_id,
                "vpnGatewayId": self.vpn_gateway_id,
                "vpnConnectionId": self.vpn_connection_id,
                "tunnelOutsideIps": [vpn.tunnel1_address, vpn.tunnel2_address],
                "tunnelInsideCidrs": [vpn.tunnel1_inside_cidr, vpn.tunnel2_inside_cidr],
                "logGroupName": self.log_group_name,
                "alarmNames": self.alarm_names,
                "applianceInterfaceId": self.appliance_interface_id,
                "routeTarget": self.route_target,
            }
        )


def _settings(attachment: Attachment) -> AwsSettings:
    if attachment.iaas.aws is None:  # a validated spec never gets here
        raise ValueError(f"{attachment.path}: the AWS attachment needs the iaas.aws block")
    return attachment.iaas.aws


@dataclass
class AwsStackState:
    """What the stack's AWS attachments share: a provider per extra region, the first VPC's gateway."""

    default_region: str | None
    providers: dict[str, aws.Provider] = field(default_factory=dict)
    shared: SharedGateway | None = None

    def options(self, region: str) -> pulumi.ResourceOptions | None:
        """A region other than ``aws:region`` (e.g. a standby elsewhere) gets its own provider."""
        if region == self.default_region:
            return None
        if region not in self.providers:
            self.providers[region] = aws.Provider(f"aws-{region}", region=region)
        return pulumi.ResourceOptions(providers={"aws": self.providers[region]})


def build(attachment: Attachment, context: BuildContext) -> AttachmentExports:
    """The registry's builder: one AWS attachment, reusing a sibling's gateway in the same VPC."""
    state = context.state(Provider.AWS, lambda: AwsStackState(pulumi.Config("aws").get("region")))
    s = _settings(attachment)
    shared = state.shared
    reuse = (
        shared
        if shared is not None and (shared.vpc_id, shared.region) == (s.vpc_id, s.region)
        else None
    )
    args = AwsAttachmentArgs(context.spec, attachment, context.psk, shared_gateway=reuse)
    component = AwsVpnAttachment(attachment.role, args, state.options(s.region))
    if state.shared is None:
        state.shared = component.shared
    return component.exports
