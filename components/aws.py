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
    TunnelEndpoint,
    inside_endpoint,
)

#: Debian's AWS account and the Debian 12 image name: looked up, never a hard-coded AMI ID.
DEBIAN_OWNER = "136693071363"
DEBIAN_12_IMAGES = "debian-12-amd64-*"
APPLIANCE_INSTANCE_TYPE = "t3.micro"
LOG_RETENTION_DAYS = 30
#: CloudWatch period of the TunnelState alarms. AWS sends VPN metrics "as they become available"
#: (S2S VPN User Guide, monitoring); five minutes keeps a brief blip from paging anyone.
ALARM_PERIOD_SECONDS = 300


@dataclass(frozen=True)
class SharedGateway:
    """What an attachment leaves for another attachment of the same stack in the same VPC:
    the rules and routes it already owns, which AWS would refuse twice. (Two attachments never
    share a VGW or a transit gateway: ``standby-same-gateway`` refuses it.)"""

    vpc_id: str
    region: str
    security_rules: frozenset[RuleKey]
    routes: frozenset[RouteKey]


@dataclass(frozen=True)
class AwsAttachmentArgs(AttachmentArgs):
    """:class:`AttachmentArgs` plus the gateway a sibling in the same VPC already attached."""

    shared_gateway: SharedGateway | None = None


@dataclass(frozen=True)
class Gateway:
    """Where the VPN connection terminates: a new VGW or an existing transit gateway."""

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
        self._appliance_subnet: pulumi.Input[str] | None = None
        self._health_alarms: list[pulumi.Output[str]] = []

        cgw = self._customer_gateway()
        gateway = self._gateway()
        log_group = self._log_group()
        vpn = self._vpn_connection(cgw, gateway, log_group)
        self._vpn_routes(vpn, gateway)
        if args.attachment.iaas.mss_clamp.enabled:
            self._appliance(vpn, gateway)
        routes = self._route_tables(vpn, gateway)
        rules = self._security_rules()
        self.alarm_names = self._alarms(vpn) + self._health_alarms
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

    def _route_table(self, what: str, **associate: pulumi.Input[str]) -> aws.ec2.RouteTable:
        """A route table of the attachment's own, associated with a subnet or a gateway."""
        table = aws.ec2.RouteTable(
            f"{self._name}-{what}",
            vpc_id=self._settings.vpc_id,
            tags=self._tags(what),
            opts=self._child,
        )
        aws.ec2.RouteTableAssociation(
            f"{self._name}-{what}-assoc", route_table_id=table.id, opts=self._child, **associate
        )
        return table

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
        """A new VGW attached to the VPC, or the existing transit gateway. A VGW is regional
        and AWS-managed: the EC2 API calls its AvailabilityZone "may be empty or not returned",
        so none is requested (aws-review #13)."""
        s = self._settings
        if s.gateway is GatewayKind.TGW:
            return Gateway(vgw_id=None, tgw_id=s.transit_gateway_id)
        vgw = aws.ec2.VpnGateway(
            f"{self._name}-vgw", vpc_id=s.vpc_id, tags=self._tags("vgw"), opts=self._child
        )
        return Gateway(vgw_id=vgw.id, tgw_id=None)

    def _log_group(self) -> aws.cloudwatch.LogGroup:
        # Under /aws/vendedlogs/: AWS adds each VPN log group to the account's CloudWatch Logs
        # resource policy, whose 5,120-character limit the prefix avoids (S2S VPN User Guide,
        # "Site-to-Site VPN logs").
        return aws.cloudwatch.LogGroup(
            f"{self._name}-tunnel-logs",
            name=f"/aws/vendedlogs/c2c-vpn/{self._args.spec.tunnel.name}/{self._args.attachment.role}",
            retention_in_days=LOG_RETENTION_DAYS,
            tags=self._tags("tunnel-logs"),
            opts=self._child,
        )

    def _vpn_connection(
        self, cgw: aws.ec2.CustomerGateway, gateway: Gateway, logs: aws.cloudwatch.LogGroup
    ) -> aws.ec2.VpnConnection:
        """Both tunnels from the spec, in AWS spelling, logging to CloudWatch."""
        a = self._args
        options = inputs.tunnel_options(
            a.spec, a.attachment, {i: a.psk_for_tunnel(i) for i in (1, 2)}
        )
        local, remote = inputs.traffic_selectors(a.spec, a.attachment)
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
            local_ipv4_network_cidr=local,
            remote_ipv4_network_cidr=remote,
            tags=self._tags("vpn"),
            opts=pulumi.ResourceOptions(
                parent=self,
                additional_secret_outputs=[*secret_outputs, "customer_gateway_configuration"],
            ),
            **options,
            **log_options,
        )

    def _vpn_routes(self, vpn: aws.ec2.VpnConnection, gateway: Gateway) -> None:
        """Static routes to the Genesys networks: on the VPN connection, or on a transit gateway.

        A TGW looks a packet up in the route table associated with the attachment it arrived
        on (Transit Gateway guide, "How transit gateways work"): traffic from the VPC in the
        VPC attachment's table, which gets the Genesys routes; traffic from Genesys in the VPN
        attachment's table, associated here, into which the VPC attachment is propagated.
        """
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
        s = self._settings
        table = s.transit_gateway_route_table_id
        assert table is not None  # the spec requires it with gateway: tgw
        association = aws.ec2transitgateway.RouteTableAssociation(
            f"{self._name}-tgw-association",
            transit_gateway_attachment_id=vpn.transit_gateway_attachment_id,
            transit_gateway_route_table_id=table,
            # A TGW with default association on has already associated the new VPN attachment
            # with its default table: move it to this one (pulumi_aws RouteTableAssociation:
            # "remove any current Route Table association before associating").
            replace_existing_association=True,
            opts=self._child,
        )
        if s.transit_gateway_vpc_attachment_id is not None:
            aws.ec2transitgateway.RouteTablePropagation(
                f"{self._name}-tgw-vpc-propagation",
                transit_gateway_attachment_id=s.transit_gateway_vpc_attachment_id,
                transit_gateway_route_table_id=table,
                opts=self._child,
            )
        vpc_table = s.transit_gateway_vpc_route_table_id or table
        for cidr in genesys:
            aws.ec2transitgateway.Route(
                f"{self._name}-tgw-route-{inputs.slug(cidr)}",
                destination_cidr_block=cidr,
                transit_gateway_attachment_id=vpn.transit_gateway_attachment_id,
                transit_gateway_route_table_id=vpc_table,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[association]),
            )

    def _appliance(self, vpn: aws.ec2.VpnConnection, gateway: Gateway) -> None:
        """The MSS appliance, its subnet's own route table, and (VGW) the inbound edge routes."""
        self._appliance_subnet = self._appliance_subnet_id()
        sg = self._appliance_security_group()
        instance = self._appliance_instance(sg)
        self._health_alarms.append(self._appliance_alarm(instance).name)
        eni = instance.primary_network_interface_id
        self.appliance_interface_id = eni
        # The appliance's own subnet sends the Genesys networks to the gateway.
        assert self._appliance_subnet is not None
        table = self._route_table("appliance-rt", subnet_id=self._appliance_subnet)
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
        assert gateway.vgw_id is not None
        self.edge_route_table_id = self._route_table("edge-rt", gateway_id=gateway.vgw_id).id
        for net in (str(n) for n in self._args.attachment.iaas.networks):
            self._route(
                f"{self._name}-edge-route-{inputs.slug(net)}",
                self.edge_route_table_id,
                net,
                {"network_interface_id": eni},
            )

    def _appliance_subnet_id(self) -> pulumi.Input[str]:
        """The appliance's subnet: one the project creates (its route-table association is then
        the only one: AWS refuses a second, Resource.AlreadyAssociated) or the one given."""
        s = self._settings
        if s.appliance_subnet_cidr is None:
            assert s.subnet_id is not None  # the spec requires one of the two
            return s.subnet_id
        subnet = aws.ec2.Subnet(
            f"{self._name}-appliance-subnet",
            vpc_id=s.vpc_id,
            cidr_block=str(s.appliance_subnet_cidr),
            availability_zone=s.availability_zone,
            map_public_ip_on_launch=False,
            tags=self._tags("appliance-subnet"),
            opts=self._child,
        )
        return subnet.id

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
            subnet_id=self._appliance_subnet,
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
        """TunnelState (1 up, 0 down) alarms, notifying the SNS topics both ways: one per tunnel
        that carries a Genesys connection (redundancy lost), and one for the connection's path
        (no tunnel up), which is what the Route 53 failover health reads. Returns the alarms
        that say the path is down (with the appliance, its status check too).

        Dimensions: AWS documents VpnId and TunnelIpAddress as two *separate* filters of the
        AWS/VPN metrics (S2S VPN User Guide, "Monitoring with Amazon CloudWatch"), and
        datapoints carry one or the other (the AWS CDK's canned TunnelState metric uses VpnId
        alone); an alarm must match a datapoint's dimension set exactly, so each alarm uses
        one. By VpnId the value is the fraction of the connection's tunnels that are up ("values
        between 0 and 1 indicate at least one tunnel is not UP"), and a tunnel no Genesys
        connection uses is never up: so the path is down only at 0 (``Maximum <= 0``).
        """
        names = []
        addresses = {1: vpn.tunnel1_address, 2: vpn.tunnel2_address}
        for index in sorted(self._args.connections):
            self._state_alarm(
                f"tunnel{index}-down",
                f"tunnel {index} (the {self._args.connections[index].role} Genesys connection)",
                {"TunnelIpAddress": addresses[index]},
            )
        path = self._state_alarm("path-down", "every tunnel", {"VpnId": vpn.id}, none_up=True)
        names.append(path.name)
        return names

    def _state_alarm(
        self,
        what: str,
        description: str,
        dimensions: Mapping[str, pulumi.Input[str]],
        *,
        none_up: bool = False,
    ) -> aws.cloudwatch.MetricAlarm:
        """Down below 1 for one tunnel; with ``none_up`` (a connection's fraction) down at 0."""
        tunnel, role = self._args.spec.tunnel, self._args.attachment.role
        return aws.cloudwatch.MetricAlarm(
            f"{self._name}-{what}",
            name=f"{self._label}-{what}",
            alarm_description=f"{tunnel.name} ({role}): {description} to Genesys Cloud is down",
            namespace="AWS/VPN",
            metric_name="TunnelState",
            dimensions=dimensions,
            statistic="Maximum",
            period=ALARM_PERIOD_SECONDS,
            evaluation_periods=1,
            comparison_operator="LessThanOrEqualToThreshold" if none_up else "LessThanThreshold",
            threshold=0 if none_up else 1,
            treat_missing_data="breaching",
            alarm_actions=list(self._settings.alarm_actions),
            ok_actions=list(self._settings.alarm_actions),
            tags=self._tags(f"{what}-alarm"),
            opts=self._child,
        )

    def _appliance_alarm(self, instance: aws.ec2.Instance) -> aws.cloudwatch.MetricAlarm:
        """The appliance's EC2 status checks: a failed instance black-holes the path while the
        tunnels stay up, so its health gates the failover too (the `appliance-spof` warning)."""
        return aws.cloudwatch.MetricAlarm(
            f"{self._name}-appliance-down",
            name=f"{self._label}-appliance-down",
            alarm_description=f"{self._args.spec.tunnel.name} ({self._args.attachment.role}): "
            "the MSS appliance fails its status checks",
            namespace="AWS/EC2",
            metric_name="StatusCheckFailed",
            dimensions={"InstanceId": instance.id},
            statistic="Maximum",
            period=60,
            evaluation_periods=2,
            comparison_operator="GreaterThanOrEqualToThreshold",
            threshold=1,
            treat_missing_data="breaching",
            alarm_actions=list(self._settings.alarm_actions),
            ok_actions=list(self._settings.alarm_actions),
            tags=self._tags("appliance-alarm"),
            opts=self._child,
        )

    def _endpoint(
        self, index: int, outside: pulumi.Output[str], inside: pulumi.Output[str]
    ) -> TunnelEndpoint:
        """A tunnel as the Genesys admin enters it: with a Genesys connection its /30 (AWS
        takes the first host, Genesys the second), without one the range AWS chose."""
        connection = self._args.connections.get(index)
        if connection is None:
            return TunnelEndpoint(inside, None, None, outside)
        return inside_endpoint(connection.tunnel_cidr, outside)

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
            security_rules=frozenset(rules) | (shared.security_rules if shared else frozenset()),
            routes=frozenset(routes) | (shared.routes if shared else frozenset()),
        )
        self.exports = AttachmentExports(
            role=a.attachment.role,
            provider=Provider.AWS,
            tunnel_cidr=str(a.attachment.tunnel_cidr),
            tunnels=[
                self._endpoint(1, vpn.tunnel1_address, vpn.tunnel1_inside_cidr),
                self._endpoint(2, vpn.tunnel2_address, vpn.tunnel2_inside_cidr),
            ],
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
    """What the stack's AWS attachments share: a provider per extra region, and the rules and
    routes the first attachment owns in its VPC."""

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
    """The registry's builder: one AWS attachment (a sibling in the same VPC leaves it the
    rules and routes it already owns)."""
    state = context.state(Provider.AWS, lambda: AwsStackState(pulumi.Config("aws").get("region")))
    s = _settings(attachment)
    shared = state.shared
    reuse = (
        shared
        if shared is not None and (shared.vpc_id, shared.region) == (s.vpc_id, s.region)
        else None
    )
    args = AwsAttachmentArgs(context.spec, attachment, context.psks, shared_gateway=reuse)
    component = AwsVpnAttachment(attachment.role, args, state.options(s.region))
    if state.shared is None:
        state.shared = component.shared
    return component.exports
