"""The AWS end of one Genesys Cloud-to-Cloud VPN connection.

:class:`AwsVpnAttachment` turns a validated spec into provider resources and nothing else.
Every vendor spelling comes from :mod:`c2cvpn.vendors`, the tunnel addressing, the MSS and the
clamp script from :mod:`c2cvpn.derive`.

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

import ipaddress
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from c2cvpn import derive
from c2cvpn.spec import GatewayKind, IaasSide
from c2cvpn.vendors import aws_cipher, aws_integrity
from components.common import AttachmentArgs

#: The customer gateway's ASN. Static routing ignores it, but AWS requires one.
CUSTOMER_GATEWAY_ASN = 65000
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

    A VPC takes exactly one VGW, so a standby in the primary's VPC reuses the primary's
    gateway (and its edge route table, when the primary has one) instead of attaching a
    second gateway, and skips the rules and routes the primary already owns. The program
    passes this to the standby through :class:`AwsAttachmentArgs`.
    """

    vpc_id: str
    region: str
    vpn_gateway_id: pulumi.Output[str] | None
    edge_route_table_id: pulumi.Output[str] | None
    #: ``(security group, protocol, port, cidr)`` rules and ``(route table, cidr)`` routes
    #: the other attachment already owns: AWS refuses duplicates, so they are not repeated.
    security_rules: frozenset[tuple[str, str, int, str]]
    routes: frozenset[tuple[str, str]]


@dataclass(frozen=True)
class AwsAttachmentArgs(AttachmentArgs):
    """:class:`AttachmentArgs` plus what only an AWS attachment can share with another."""

    shared_gateway: SharedGateway | None = None


def slug(value: object) -> str:
    """A resource-name fragment for a CIDR or ID: deterministic, so names never drift."""
    return str(value).replace("/", "-").replace(".", "-")


def security_rule_keys(
    iaas: IaasSide, genesys_cidrs: list[ipaddress.IPv4Network]
) -> list[tuple[str, str, int, str]]:
    """Every ingress rule an attachment wants: application ports over TCP and ICMP, per Genesys CIDR."""
    assert iaas.aws is not None
    keys: list[tuple[str, str, int, str]] = []
    for sg in iaas.aws.security_group_ids:
        for cidr in genesys_cidrs:
            keys += [(sg, "tcp", port, str(cidr)) for port in iaas.application_ports]
            keys.append((sg, "icmp", -1, str(cidr)))
    return keys


class AwsVpnAttachment(pulumi.ComponentResource):
    """Customer gateway, gateway, VPN connection, routes, rules, alarms and the MSS appliance."""

    customer_gateway_id: pulumi.Output[str]
    vpn_gateway_id: pulumi.Output[str] | None
    vpn_connection_id: pulumi.Output[str]
    tunnel_outside_ips: pulumi.Output[list[str]]
    tunnel_inside_cidrs: pulumi.Output[list[str]]
    log_group_name: pulumi.Output[str]
    alarm_names: list[pulumi.Output[str]]
    appliance_interface_id: pulumi.Output[str] | None
    edge_route_table_id: pulumi.Output[str] | None
    route_target: pulumi.Output[str]
    shared: SharedGateway

    def __init__(
        self, name: str, args: AttachmentArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("c2c-vpn:aws:VpnAttachment", name, None, opts)
        spec, iaas = args.spec, args.iaas
        if iaas.aws is None:  # a validated spec never gets here
            raise ValueError(f"{name}: the AWS attachment needs the iaas.aws block")
        settings = iaas.aws
        tunnel = spec.tunnel
        genesys_cidrs = list(spec.genesys.tenant_cidrs)
        genesys = [str(c) for c in genesys_cidrs]
        shared = args.shared_gateway if isinstance(args, AwsAttachmentArgs) else None
        child = pulumi.ResourceOptions(parent=self)
        label = f"{tunnel.name}-{args.role}"

        def tags(role: str) -> dict[str, str]:
            return {
                "Name": f"{label}-{role}",
                "c2c-vpn:connection": tunnel.name,
                "c2c-vpn:role": args.role,
            }

        # --- customer gateway: the Genesys VPN gateway. AWS returns an existing gateway for an
        # identical (type, IP, ASN) request, so each connection names its own device.
        cgw = aws.ec2.CustomerGateway(
            f"{name}-cgw",
            type="ipsec.1",
            bgp_asn=str(CUSTOMER_GATEWAY_ASN),
            ip_address=str(spec.genesys.gateway_ip),
            device_name=label,
            tags=tags("cgw"),
            opts=child,
        )

        # --- gateway: a new VGW attached to the VPC, the VGW a sibling already attached, or the TGW.
        vgw_id: pulumi.Output[str] | None = None
        reused_vgw = False
        tgw = settings.gateway is GatewayKind.TGW
        if tgw:
            assert settings.transit_gateway_id is not None
        elif shared is not None and shared.vpn_gateway_id is not None:
            vgw_id = shared.vpn_gateway_id
            reused_vgw = True
        else:
            vgw = aws.ec2.VpnGateway(
                f"{name}-vgw",
                vpc_id=settings.vpc_id,
                availability_zone=settings.availability_zone,
                tags=tags("vgw"),
                opts=child,
            )
            vgw_id = vgw.id

        # --- tunnel logs
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-tunnel-logs",
            name=f"/c2c-vpn/{tunnel.name}/{args.role}",
            retention_in_days=LOG_RETENTION_DAYS,
            tags=tags("tunnel-logs"),
            opts=child,
        )

        # --- the VPN connection: both tunnels from the spec, in AWS spelling.
        p1, p2 = tunnel.phase1, tunnel.phase2
        inside = derive.inside_tunnels(args.tunnel_cidr)
        tunnel_options: dict[str, Any] = {}
        for index in (1, 2):
            t = f"tunnel{index}_"
            tunnel_options.update(
                {
                    f"{t}ike_versions": ["ikev2"],
                    f"{t}phase1_encryption_algorithms": [aws_cipher(p1.encryption)],
                    f"{t}phase1_integrity_algorithms": [aws_integrity(p1.integrity)],
                    f"{t}phase1_dh_group_numbers": [p1.dh_group],
                    f"{t}phase1_lifetime_seconds": p1.lifetime_seconds,
                    f"{t}phase2_encryption_algorithms": [aws_cipher(p2.encryption)],
                    f"{t}phase2_integrity_algorithms": [aws_integrity(p2.integrity)],
                    f"{t}phase2_lifetime_seconds": p2.lifetime_seconds,
                    f"{t}dpd_timeout_seconds": tunnel.dpd.timeout_seconds,
                    f"{t}dpd_timeout_action": tunnel.dpd.action,
                    f"{t}startup_action": tunnel.startup_action,
                    f"{t}preshared_key": args.psk,
                }
            )
            if p2.pfs_group is not None:
                tunnel_options[f"{t}phase2_dh_group_numbers"] = [p2.pfs_group]
            if index <= len(inside):  # a /30 gives tunnel 1 only; AWS picks tunnel 2's range
                tunnel_options[f"{t}inside_cidr"] = str(inside[index - 1].cidr)
        log_cls = {
            1: aws.ec2.VpnConnectionTunnel1LogOptionsArgs,
            2: aws.ec2.VpnConnectionTunnel2LogOptionsArgs,
        }
        cw_cls = {
            1: aws.ec2.VpnConnectionTunnel1LogOptionsCloudwatchLogOptionsArgs,
            2: aws.ec2.VpnConnectionTunnel2LogOptionsCloudwatchLogOptionsArgs,
        }
        for index in (1, 2):
            tunnel_options[f"tunnel{index}_log_options"] = log_cls[index](
                cloudwatch_log_options=cw_cls[index](
                    log_enabled=True, log_group_arn=log_group.arn, log_output_format="json"
                )
            )
        vpn = aws.ec2.VpnConnection(
            f"{name}-vpn",
            type="ipsec.1",
            customer_gateway_id=cgw.id,
            vpn_gateway_id=vgw_id,
            transit_gateway_id=settings.transit_gateway_id if tgw else None,
            static_routes_only=True,
            tags=tags("vpn"),
            opts=pulumi.ResourceOptions(
                parent=self,
                additional_secret_outputs=[
                    "tunnel1_preshared_key",
                    "tunnel2_preshared_key",
                    "customer_gateway_configuration",
                ],
            ),
            **tunnel_options,
        )

        # --- static VPN routes to the Genesys networks
        if tgw:
            tgw_info = aws.ec2transitgateway.get_transit_gateway_output(
                id=settings.transit_gateway_id, opts=pulumi.InvokeOutputOptions(parent=self)
            )
            for cidr in genesys:
                aws.ec2transitgateway.Route(
                    f"{name}-tgw-route-{slug(cidr)}",
                    destination_cidr_block=cidr,
                    transit_gateway_attachment_id=vpn.transit_gateway_attachment_id,
                    transit_gateway_route_table_id=tgw_info.association_default_route_table_id,
                    opts=child,
                )
        else:
            for cidr in genesys:
                aws.ec2.VpnConnectionRoute(
                    f"{name}-vpn-route-{slug(cidr)}",
                    vpn_connection_id=vpn.id,
                    destination_cidr_block=cidr,
                    opts=child,
                )

        # --- the MSS appliance (see the module docstring for the routing)
        gateway_target: pulumi.Output[str] = (
            pulumi.Output.from_input(settings.transit_gateway_id or "")
            if tgw
            else pulumi.Output.from_input(vgw_id)  # type: ignore[arg-type]
        )

        def gateway_route(route_name: str, table: pulumi.Input[str], cidr: str) -> aws.ec2.Route:
            return aws.ec2.Route(
                route_name,
                route_table_id=table,
                destination_cidr_block=cidr,
                transit_gateway_id=settings.transit_gateway_id if tgw else None,
                gateway_id=None if tgw else vgw_id,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[vpn]),
            )

        self.appliance_interface_id = None
        self.edge_route_table_id = (
            shared.edge_route_table_id if shared is not None and reused_vgw else None
        )
        if iaas.mss_clamp.enabled:
            assert settings.subnet_id is not None
            mss = derive.attachment_mss(spec, iaas)
            app_networks = [str(n) for n in iaas.networks]
            forwarded_ingress = [
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
            appliance_sg = aws.ec2.SecurityGroup(
                f"{name}-appliance-sg",
                name=f"{label}-mss-appliance",
                description="c2c-vpn MSS appliance: only traffic it forwards between the application networks and Genesys",
                vpc_id=settings.vpc_id,
                ingress=forwarded_ingress,
                egress=[
                    aws.ec2.SecurityGroupEgressArgs(
                        protocol="-1",
                        from_port=0,
                        to_port=0,
                        cidr_blocks=[*genesys, *app_networks],
                        description="forwarded traffic to Genesys and back to the application networks",
                    )
                ],
                tags=tags("appliance-sg"),
                opts=child,
            )
            ami = aws.ec2.get_ami_output(
                most_recent=True,
                owners=[DEBIAN_OWNER],
                filters=[
                    aws.ec2.GetAmiFilterArgs(name="name", values=[DEBIAN_12_IMAGES]),
                    aws.ec2.GetAmiFilterArgs(name="architecture", values=["x86_64"]),
                ],
                opts=pulumi.InvokeOutputOptions(parent=self),
            )
            appliance = aws.ec2.Instance(
                f"{name}-appliance",
                ami=ami.id,
                instance_type=APPLIANCE_INSTANCE_TYPE,
                subnet_id=settings.subnet_id,
                vpc_security_group_ids=[appliance_sg.id],
                source_dest_check=False,
                user_data=derive.mss_clamp_cloud_config(mss.mss, genesys_cidrs),
                user_data_replace_on_change=True,
                metadata_options=aws.ec2.InstanceMetadataOptionsArgs(http_tokens="required"),
                tags=tags("mss-appliance"),
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["ami"]),
            )
            eni = appliance.primary_network_interface_id
            self.appliance_interface_id = eni
            # The appliance's own subnet sends the Genesys networks to the gateway.
            appliance_rt = aws.ec2.RouteTable(
                f"{name}-appliance-rt",
                vpc_id=settings.vpc_id,
                tags=tags("appliance-rt"),
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-appliance-rt-assoc",
                route_table_id=appliance_rt.id,
                subnet_id=settings.subnet_id,
                opts=child,
            )
            for cidr in genesys:
                gateway_route(f"{name}-appliance-route-{slug(cidr)}", appliance_rt.id, cidr)
            # Inbound through the appliance: the VGW's edge route table.
            if not tgw:
                if self.edge_route_table_id is None:
                    edge_rt = aws.ec2.RouteTable(
                        f"{name}-edge-rt", vpc_id=settings.vpc_id, tags=tags("edge-rt"), opts=child
                    )
                    aws.ec2.RouteTableAssociation(
                        f"{name}-edge-rt-assoc",
                        route_table_id=edge_rt.id,
                        gateway_id=vgw_id,
                        opts=child,
                    )
                    self.edge_route_table_id = edge_rt.id
                for net in app_networks:
                    aws.ec2.Route(
                        f"{name}-edge-route-{slug(net)}",
                        route_table_id=self.edge_route_table_id,
                        destination_cidr_block=net,
                        network_interface_id=eni,
                        opts=child,
                    )
            self.route_target = eni
        else:
            self.route_target = gateway_target

        # --- the application route tables: each Genesys CIDR to the appliance or the gateway
        owned_routes = shared.routes if shared is not None else frozenset()
        routes: set[tuple[str, str]] = set()
        for table in settings.route_table_ids:
            for cidr in genesys:
                if (table, cidr) in owned_routes:
                    continue  # the other attachment's route; a table holds one route per CIDR
                routes.add((table, cidr))
                route_name = f"{name}-route-{table}-{slug(cidr)}"
                if iaas.mss_clamp.enabled:
                    aws.ec2.Route(
                        route_name,
                        route_table_id=table,
                        destination_cidr_block=cidr,
                        network_interface_id=self.appliance_interface_id,
                        opts=child,
                    )
                else:
                    gateway_route(route_name, table, cidr)

        # --- security-group rules: application ports and ICMP, from the Genesys CIDRs only
        owned_rules = shared.security_rules if shared is not None else frozenset()
        rules: set[tuple[str, str, int, str]] = set()
        for key in security_rule_keys(iaas, genesys_cidrs):
            if key in owned_rules:
                continue
            rules.add(key)
            sg, protocol, port, cidr = key
            what = f"tcp{port}" if protocol == "tcp" else "icmp"
            aws.ec2.SecurityGroupRule(
                f"{name}-sg-{sg}-{what}-{slug(cidr)}",
                type="ingress",
                security_group_id=sg,
                protocol=protocol,
                from_port=port,
                to_port=port,
                cidr_blocks=[cidr],
                description=(
                    f"Genesys Cloud {cidr} to port {port} over {tunnel.name}"
                    if protocol == "tcp"
                    else f"Genesys Cloud {cidr} ping test over {tunnel.name}"
                ),
                opts=child,
            )

        # --- alarms: each tunnel's TunnelState (1 up, 0 down)
        addresses = [vpn.tunnel1_address, vpn.tunnel2_address]
        self.alarm_names = []
        for index, address in enumerate(addresses, start=1):
            alarm = aws.cloudwatch.MetricAlarm(
                f"{name}-tunnel{index}-down",
                name=f"{label}-tunnel{index}-down",
                alarm_description=f"{tunnel.name} ({args.role}) tunnel {index} to Genesys Cloud is down",
                namespace="AWS/VPN",
                metric_name="TunnelState",
                dimensions={"VpnId": vpn.id, "TunnelIpAddress": address},
                statistic="Maximum",
                period=ALARM_PERIOD_SECONDS,
                evaluation_periods=1,
                comparison_operator="LessThanThreshold",
                threshold=1,
                treat_missing_data="breaching",
                alarm_actions=list(settings.alarm_actions),
                ok_actions=list(settings.alarm_actions),
                tags=tags(f"tunnel{index}-alarm"),
                opts=child,
            )
            self.alarm_names.append(alarm.name)

        self.customer_gateway_id = cgw.id
        self.vpn_gateway_id = vgw_id
        self.vpn_connection_id = vpn.id
        self.tunnel_outside_ips = pulumi.Output.all(*addresses)
        self.tunnel_inside_cidrs = pulumi.Output.all(
            vpn.tunnel1_inside_cidr, vpn.tunnel2_inside_cidr
        )
        self.log_group_name = log_group.name
        self.shared = SharedGateway(
            vpc_id=settings.vpc_id,
            region=settings.region,
            vpn_gateway_id=vgw_id,
            edge_route_table_id=self.edge_route_table_id,
            security_rules=frozenset(rules) | owned_rules,
            routes=frozenset(routes) | owned_routes,
        )
        self.register_outputs(
            {
                "customer_gateway_id": self.customer_gateway_id,
                "vpn_gateway_id": self.vpn_gateway_id,
                "vpn_connection_id": self.vpn_connection_id,
                "tunnel_outside_ips": self.tunnel_outside_ips,
                "tunnel_inside_cidrs": self.tunnel_inside_cidrs,
                "log_group_name": self.log_group_name,
                "alarm_names": self.alarm_names,
                "appliance_interface_id": self.appliance_interface_id,
                "route_target": self.route_target,
            }
        )
