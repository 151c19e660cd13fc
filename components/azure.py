"""The Azure end of one Genesys Cloud-to-Cloud VPN attachment (``c2c-vpn:azure:VpnAttachment``).

Children, all named ``<component name>-<suffix>`` (the component is named by its role, so
``primary-gateway``, ``standby-connection``) and parented to the component:

``gateway-subnet``
    ``GatewaySubnet`` (Azure insists on that exact name) in the existing virtual network,
    from ``iaas.azure.gatewaySubnetPrefix``. With ``iaas.azure.gatewaySubnetId`` (a hub VNet,
    ExpressRoute coexistence) the existing subnet is used and none is created; it must not
    hold a VPN gateway already (one per virtual network).
``public-ip`` (and ``public-ip-2`` when active-active)
    Standard, static IPv4: the peer IP the Genesys admin enters for each tunnel.
    Zone-redundant (zones 1, 2, 3) unless ``iaas.azure.zoneRedundant`` is false (a location
    without availability zones cannot create a zone-redundant IP).
``gateway``
    Route-based VPN gateway of ``iaas.azure.sku`` (an AZ SKU); BGP off (static routing, as
    the design table says); generation 1 for VpnGw1AZ (which has no generation 2), generation
    2 for every larger SKU, and later changes of the generation ignored (Azure migrates
    generation-1 gateways itself). ``activeActive: false`` (the default) is Azure's built-in
    active-standby pair behind one public IP: **one** tunnel to Genesys. ``activeActive: true``
    puts each of the two instances on its own public IP: two tunnels of the one connection,
    one Genesys connection each (tunnel 1 on ``public-ip``, tunnel 2 on ``public-ip-2``).
``local-gateway``
    The Genesys VPN gateway IP and tenant CIDRs.
``connection``
    IPsec, IKEv2, the primary Genesys connection's PSK as a secret (both tunnels of an
    active-active gateway share it: one connection, one key), exactly one custom IPsec policy
    spelled by :mod:`c2cvpn.vendors`, ``saLifeTimeSeconds`` = phase 2 lifetime (Azure fixes the
    IKE SA at 28800 s), DPD timeout from the spec, and policy-based traffic selectors with one
    custom selector policy (IaaS networks ↔ tenant CIDRs), so an Azure-initiated CHILD_SA
    proposes the networks Genesys holds rather than any-to-any. ``startupAction: add`` makes
    the connection ``ResponderOnly``; ``start`` keeps Azure's ``Default``.
``nsg-<nsg>-icmp``, ``nsg-<nsg>-tcp-<port>``
    Inbound allow rules on every NSG of ``iaas.azure.networkSecurityGroupNames`` (looked up
    in ``resourceGroupName``): ICMP and each application port over TCP, source the Genesys
    tenant CIDRs only, destination the IaaS networks. Priorities are deterministic: ICMP at
    ``iaas.azure.nsgPriorityBase`` (default primary 300, standby 500), port *i* (config order)
    at base + 1 + i. The rules of one NSG are written one after another (Azure serialises
    writes to an NSG and answers concurrent ones with AnotherOperationInProgress).

Azure reports no tunnel interface addresses for a route-based gateway without BGP, so every
exported tunnel has ``cloudInsideAddress``/``genesysInsideAddress`` None: its inside range is
the Genesys allocation, kept for the record, and no inside-address health check can answer.

When ``iaas.mssClamp.enabled`` (the MSS-clamping appliance):

``appliance-subnet``
    The appliance's own subnet, ``iaas.azure.applianceSubnetPrefix`` (validated free of the
    GatewaySubnet, the Genesys ranges and the routed IaaS networks), without default outbound
    access: the clamp installs nothing (it uses ``nft``, which Debian 12 ships). The
    appliance takes the subnet's first usable address (Azure reserves .0-.3), statically, so
    routes never wait on allocation. The GatewaySubnet is written after it: Azure refuses
    concurrent subnet writes to one virtual network.
``appliance-nic``, ``appliance-password`` (without an SSH key), ``appliance``
    A Debian 12 ``Standard_D2s_v5`` VM (not burstable; accelerated networking, which the size
    requires) with IP forwarding on its NIC and no public IP. Its cloud-init is
    :func:`c2cvpn.derive.mss_clamp_script` at :func:`c2cvpn.derive.attachment_mss` (capped at
    Azure's 1350), a per-boot script so the clamp survives reboots. ``customData`` cannot be
    updated on a VM, so a change of the clamp (tenant CIDRs, MSS) replaces the VM, deleting the
    old one first (its names are fixed). Login: ``iaas.azure.applianceSshPublicKey`` with
    password login off, else a generated ``pulumi_random`` password kept in the stack's state.
``route-table``
    Genesys CIDRs → the appliance (``VirtualAppliance``). The back-end subnets are not named
    in the spec, and associating a table rewrites a subnet its owner declares, so the IaaS team
    associates it (exported as ``iaasTeam.attachments.<role>.iaas.routeTableId``; validation
    warns with ``route-table-unassociated``).
``gateway-route-table``
    IaaS networks → the appliance, associated with the ``GatewaySubnet`` created here, so
    Genesys-initiated SYNs cross the appliance too.

Standby (role ``standby``): the registry calls this builder a second time with the standby's
``iaas`` block and tunnel range; everything lands in the standby's own location, resource group
and virtual network (never the primary's: one VPN gateway per virtual network), and every Azure
name carries the role. On Azure that is disaster recovery, not a failover pair: its networks
are its own, and nothing moves the primary's traffic to it; in-region resilience is the AZ
gateway itself and ``activeActive``.
"""

from __future__ import annotations

import base64
import ipaddress
from dataclasses import dataclass

import pulumi
import pulumi_random as random
from pulumi_azure_native import compute, network

from c2cvpn import derive
from c2cvpn.inputs import azure as inputs
from c2cvpn.spec import Attachment, AzureSettings
from c2cvpn.vendors import Provider
from components.attachment import (
    AttachmentArgs,
    AttachmentExports,
    BuildContext,
    TunnelEndpoint,
)

#: Not burstable: a Bv1 ``Standard_B1s`` runs at a 10 % CPU baseline once its credits are
#: spent (azure-compute-docs sizes/general-purpose/bv1-series.md), and this VM forwards every
#: Genesys packet. Dsv5: generation 2 supported, accelerated networking required
#: (sizes/general-purpose/dsv5-series.md).
APPLIANCE_VM_SIZE = "Standard_D2s_v5"
APPLIANCE_IMAGE = {
    "publisher": "Debian",
    "offer": "debian-12",
    "sku": "12-gen2",
    "version": "latest",
}
APPLIANCE_ADMIN = "c2cvpn"


@dataclass(frozen=True)
class ApplianceRouting:
    """What the gateway needs from the appliance: the GatewaySubnet's route table, and the
    appliance subnet that the GatewaySubnet must be written after."""

    gateway_route_table: network.RouteTable
    subnet: network.Subnet


class AzureVpnAttachment(pulumi.ComponentResource):
    """One Azure VPN gateway with its connection to Genesys, NSG rules and optional MSS appliance."""

    gateway_public_ips: list[pulumi.Output[str]]
    """The peer IP of each tunnel (tunnel 1 first): what the Genesys admin enters."""
    gateway_id: pulumi.Output[str]
    connection_id: pulumi.Output[str]
    connection_name: str
    nsg_rule_names: list[str]
    """Azure names of the security rules, as ``<nsg>/<rule>``."""
    mss: int | None
    """The clamped MSS when the appliance is deployed."""
    appliance_private_ip: str | None
    appliance_admin_password: pulumi.Output[str] | None
    route_table_id: pulumi.Output[str] | None
    """Genesys CIDRs → appliance: associate with the back-end subnets."""
    exports: AttachmentExports

    def __init__(
        self, name: str, args: AttachmentArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("c2c-vpn:azure:VpnAttachment", name, None, opts)
        self._name, self._args = name, args
        self._azure = _settings(args.attachment)
        self._child = pulumi.ResourceOptions(parent=self)
        self._base = inputs.azure_base_name(args.spec.tunnel.name, args.attachment.role)
        self.mss = None
        self.appliance_private_ip = None
        self.appliance_admin_password = None
        self.route_table_id = None

        appliance = self._appliance() if args.attachment.iaas.mss_clamp.enabled else None
        gateway_subnet_id = self._gateway_subnet(appliance)
        public_ips = self._public_ips()
        gateway = self._gateway(public_ips, gateway_subnet_id)
        local_gateway = self._local_gateway()
        connection = self._connection(gateway, local_gateway)
        self.nsg_rule_names = self._nsg_rules()
        self._publish(public_ips, gateway, local_gateway, connection, gateway_subnet_id)

    def _located(self) -> dict[str, str]:
        """Resource group and location: every Azure resource of this attachment lands there."""
        return {
            "resource_group_name": self._azure.resource_group_name,
            "location": self._azure.location,
        }

    # ------------------------------------------------------------------ the gateway

    def _gateway_subnet(self, appliance: ApplianceRouting | None) -> pulumi.Input[str]:
        """The ID of ``GatewaySubnet``: the existing one when configured, else one created here
        (the name is fixed by Azure: a replacement must delete the old subnet first). Azure
        refuses concurrent subnet writes to one virtual network (AnotherOperationInProgress),
        so it waits for the appliance subnet."""
        if self._azure.gateway_subnet_id is not None:
            return self._azure.gateway_subnet_id
        table = appliance.gateway_route_table if appliance is not None else None
        subnet = network.Subnet(
            f"{self._name}-gateway-subnet",
            subnet_name=inputs.GATEWAY_SUBNET_NAME,
            resource_group_name=self._azure.resource_group_name,
            virtual_network_name=self._azure.virtual_network_name,
            address_prefix=str(self._azure.gateway_subnet_prefix),
            route_table=network.RouteTableArgs(id=table.id) if table is not None else None,
            opts=pulumi.ResourceOptions.merge(
                self._child,
                pulumi.ResourceOptions(
                    delete_before_replace=True,
                    depends_on=[appliance.subnet] if appliance is not None else None,
                ),
            ),
        )
        created: pulumi.Output[str] = subnet.id
        return created

    def _public_ips(self) -> list[network.PublicIPAddress]:
        """Standard, static IPv4, one per tunnel: two for active-active ("Two public IP
        addresses are required. Both must be Standard SKU public IP addresses that are assigned
        as Static", azure-docs about-active-active-gateways.md)."""
        return [
            network.PublicIPAddress(
                f"{self._name}-public-ip" if index == 0 else f"{self._name}-public-ip-{index + 1}",
                public_ip_address_name=inputs.public_ip_name(self._base, index),
                sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
                public_ip_allocation_method="Static",
                public_ip_address_version="IPv4",
                zones=inputs.public_ip_zones(self._azure),
                opts=self._child,
                **self._located(),
            )
            for index in range(inputs.public_ip_count(self._azure))
        ]

    def _gateway(
        self, public_ips: list[network.PublicIPAddress], subnet_id: pulumi.Input[str]
    ) -> network.VirtualNetworkGateway:
        """Route-based, BGP off (static routing), generation by SKU, one IP configuration per
        public IP (two: active-active)."""
        sku = self._azure.sku
        return network.VirtualNetworkGateway(
            f"{self._name}-gateway",
            virtual_network_gateway_name=f"{self._base}-vng",
            gateway_type="Vpn",
            vpn_type="RouteBased",
            sku=network.VirtualNetworkGatewaySkuArgs(name=sku, tier=sku),
            vpn_gateway_generation=inputs.gateway_generation(sku),
            active_active=self._azure.active_active,
            enable_bgp=False,
            ip_configurations=[
                network.VirtualNetworkGatewayIPConfigurationArgs(
                    name=config_name,
                    private_ip_allocation_method="Dynamic",
                    public_ip_address=network.SubResourceArgs(id=public_ip.id),
                    subnet=network.SubResourceArgs(id=subnet_id),
                )
                for config_name, public_ip in zip(
                    inputs.IP_CONFIGURATION_NAMES, public_ips, strict=False
                )
            ],
            # "For gateways already using Standard IP, we will migrate them to Gen2 separately
            # before Sep 30, 2026" (azure-docs gateway-sku-consolidation.md): the generation is
            # set at creation and not fought over afterwards.
            opts=pulumi.ResourceOptions.merge(
                self._child, pulumi.ResourceOptions(ignore_changes=["vpnGatewayGeneration"])
            ),
            **self._located(),
        )

    def _local_gateway(self) -> network.LocalNetworkGateway:
        """The Genesys VPN gateway IP and tenant CIDRs."""
        genesys = self._args.spec.genesys
        return network.LocalNetworkGateway(
            f"{self._name}-local-gateway",
            local_network_gateway_name=f"{self._base}-genesys",
            gateway_ip_address=str(genesys.gateway_ip),
            local_network_address_space=network.AddressSpaceArgs(
                address_prefixes=[str(c) for c in genesys.tenant_cidrs]
            ),
            opts=self._child,
            **self._located(),
        )

    def _connection(
        self, gateway: network.VirtualNetworkGateway, local: network.LocalNetworkGateway
    ) -> network.VirtualNetworkGatewayConnection:
        """IKEv2, the key as a secret, exactly one custom IPsec policy, DPD, and the tenant
        CIDRs ↔ IaaS networks as the selectors Azure proposes when it initiates."""
        spec, a = self._args.spec, self._args
        self.connection_name = f"{self._base}-connection"
        selectors = inputs.traffic_selector_policy(spec, a.attachment.iaas)
        return network.VirtualNetworkGatewayConnection(
            f"{self._name}-connection",
            virtual_network_gateway_connection_name=self.connection_name,
            connection_type="IPsec",
            connection_protocol="IKEv2",
            connection_mode=inputs.connection_mode(spec),
            virtual_network_gateway1=network.VirtualNetworkGatewayArgs(id=gateway.id),
            local_network_gateway2=network.LocalNetworkGatewayArgs(id=local.id),
            # One connection, one key: both tunnels of an active-active gateway use it.
            shared_key=pulumi.Output.secret(self._shared_key()),
            ipsec_policies=[network.IpsecPolicyArgs(**inputs.ipsec_policy(spec))],
            dpd_timeout_seconds=spec.tunnel.dpd.timeout_seconds,
            # Custom selectors take effect only with policy-based selectors on, and need the
            # full custom IPsec policy above (azure-docs custom-traffic-selectors.md,
            # vpn-gateway-connect-multiple-policybased-rm-ps.md).
            use_policy_based_traffic_selectors=True,
            traffic_selector_policies=[network.TrafficSelectorPolicyArgs(**selectors)],
            enable_bgp=False,
            opts=pulumi.ResourceOptions.merge(
                self._child, pulumi.ResourceOptions(additional_secret_outputs=["sharedKey"])
            ),
            **self._located(),
        )

    def _shared_key(self) -> pulumi.Input[str]:
        """The key of the Genesys connection on tunnel 1 (the attachment's first)."""
        connections = self._args.connections
        first = min(connections) if connections else 1
        key = self._args.psk_for_tunnel(first)
        if key is None:  # a validated stack has a Genesys connection on every attachment
            raise ValueError(f"{self._args.attachment.path}: no Genesys connection ends here")
        return key

    def _nsg_rules(self) -> list[str]:
        """ICMP and each application port, from the Genesys tenant CIDRs to the IaaS networks;
        the rules of one NSG one after another."""
        a = self._args
        names = []
        previous: dict[str, network.SecurityRule] = {}
        for rule in inputs.nsg_rules(a.spec, a.attachment.iaas, a.attachment.role):
            after = previous.get(rule.nsg)
            previous[rule.nsg] = network.SecurityRule(
                f"{self._name}-nsg-{rule.nsg}-{rule.suffix}",
                security_rule_name=rule.name,
                network_security_group_name=rule.nsg,
                resource_group_name=self._azure.resource_group_name,
                description=f"c2c-vpn {a.spec.tunnel.name} ({a.attachment.role}): Genesys Cloud to the application",
                direction="Inbound",
                access="Allow",
                protocol=rule.protocol,
                priority=rule.priority,
                source_address_prefixes=[str(c) for c in a.spec.genesys.tenant_cidrs],
                source_port_range="*",
                destination_address_prefixes=[str(n) for n in a.attachment.iaas.networks],
                destination_port_range=rule.port,
                opts=pulumi.ResourceOptions.merge(
                    self._child,
                    pulumi.ResourceOptions(depends_on=[after] if after is not None else None),
                ),
            )
            names.append(f"{rule.nsg}/{rule.name}")
        return names

    # ------------------------------------------------------------------ the MSS appliance

    def _appliance(self) -> ApplianceRouting:
        """The MSS-clamping VM in its own subnet, and the route tables through it."""
        prefix = self._azure.appliance_subnet_prefix
        assert prefix is not None, "the spec requires applianceSubnetPrefix with mssClamp.enabled"
        self.appliance_private_ip = str(inputs.appliance_address(prefix))
        subnet = network.Subnet(
            f"{self._name}-appliance-subnet",
            subnet_name=f"{self._base}-mss",
            resource_group_name=self._azure.resource_group_name,
            virtual_network_name=self._azure.virtual_network_name,
            address_prefix=str(prefix),
            # Nothing to download; default outbound access "is subject to change and it's not
            # recommended to depend on it" (azure-docs ip-services/default-outbound-access.md).
            default_outbound_access=False,
            opts=self._child,
        )
        nic = network.NetworkInterface(
            f"{self._name}-appliance-nic",
            network_interface_name=f"{self._base}-mss-nic",
            enable_ip_forwarding=True,
            enable_accelerated_networking=True,  # required by the Dsv5 size
            ip_configurations=[
                network.NetworkInterfaceIPConfigurationArgs(
                    name="ipconfig1",
                    primary=True,
                    private_ip_allocation_method="Static",
                    private_ip_address=self.appliance_private_ip,
                    private_ip_address_version="IPv4",
                    subnet=network.SubnetArgs(id=subnet.id),
                )
            ],
            opts=self._child,
            **self._located(),
        )
        self._appliance_vm(nic)
        spec, iaas = self._args.spec, self._args.attachment.iaas
        to_genesys = self._via_appliance(
            "route-table", "to-genesys", "genesys", list(spec.genesys.tenant_cidrs)
        )
        self.route_table_id = to_genesys.id
        # A GatewaySubnet route table must keep BGP propagation on (Azure refuses otherwise).
        to_iaas = self._via_appliance(
            "gateway-route-table", "gateway", "iaas", list(iaas.networks), bgp_propagation=True
        )
        return ApplianceRouting(gateway_route_table=to_iaas, subnet=subnet)

    def _appliance_vm(self, nic: network.NetworkInterface) -> compute.VirtualMachine:
        """Debian 12, IP forwarding on its NIC, no public IP, the clamp on every boot. The
        clamp travels in ``customData``, which "cannot be updated after the VM is created"
        (the SDK's OSProfileArgs): a changed clamp replaces the VM, the old one deleted first
        since its names are fixed (pulumi-azure-native does not replace by itself: issue #577)."""
        a = self._args
        self.mss = derive.attachment_mss(a.spec, a.attachment.iaas).mss
        cloud_config = derive.mss_clamp_cloud_config(self.mss, a.spec.genesys.tenant_cidrs)
        return compute.VirtualMachine(
            f"{self._name}-appliance",
            vm_name=f"{self._base}-mss",
            hardware_profile=compute.HardwareProfileArgs(vm_size=APPLIANCE_VM_SIZE),
            storage_profile=compute.StorageProfileArgs(
                image_reference=compute.ImageReferenceArgs(**APPLIANCE_IMAGE),
                os_disk=compute.OSDiskArgs(
                    name=f"{self._base}-mss-osdisk",
                    create_option="FromImage",
                    delete_option="Delete",
                    managed_disk=compute.ManagedDiskParametersArgs(
                        storage_account_type="Standard_LRS"
                    ),
                ),
            ),
            os_profile=self._os_profile(base64.b64encode(cloud_config.encode()).decode("ascii")),
            network_profile=compute.NetworkProfileArgs(
                network_interfaces=[
                    compute.NetworkInterfaceReferenceArgs(
                        id=nic.id, primary=True, delete_option="Detach"
                    )
                ]
            ),
            opts=pulumi.ResourceOptions.merge(
                self._child,
                pulumi.ResourceOptions(
                    replace_on_changes=["osProfile.customData"], delete_before_replace=True
                ),
            ),
            **self._located(),
        )

    def _os_profile(self, custom_data: str) -> compute.OSProfileArgs:
        """SSH key login when ``applianceSshPublicKey`` is set (password login off), else a
        generated password kept as a secret in the stack's state."""
        common = {
            "computer_name": inputs.computer_name(self._base),
            "admin_username": APPLIANCE_ADMIN,
            "custom_data": custom_data,
        }
        key = self._azure.appliance_ssh_public_key
        if key is not None:
            ssh = compute.SshConfigurationArgs(
                public_keys=[
                    compute.SshPublicKeyArgs(
                        path=f"/home/{APPLIANCE_ADMIN}/.ssh/authorized_keys", key_data=key
                    )
                ]
            )
            return compute.OSProfileArgs(
                **common,
                linux_configuration=compute.LinuxConfigurationArgs(
                    disable_password_authentication=True, ssh=ssh
                ),
            )
        password = random.RandomPassword(
            f"{self._name}-appliance-password",
            length=32,
            special=True,
            override_special="._-",
            min_upper=2,
            min_lower=2,
            min_numeric=2,
            min_special=2,
            opts=self._child,
        )
        self.appliance_admin_password = pulumi.Output.secret(password.result)
        return compute.OSProfileArgs(
            **common,
            admin_password=password.result,
            linux_configuration=compute.LinuxConfigurationArgs(
                disable_password_authentication=False
            ),
        )

    def _via_appliance(
        self,
        suffix: str,
        table: str,
        label: str,
        prefixes: list[ipaddress.IPv4Network],
        *,
        bgp_propagation: bool | None = None,
    ) -> network.RouteTable:
        """A route table sending ``prefixes`` to the appliance (``VirtualAppliance``)."""
        extra = (
            {}
            if bgp_propagation is None
            else {"disable_bgp_route_propagation": not bgp_propagation}
        )
        return network.RouteTable(
            f"{self._name}-{suffix}",
            route_table_name=f"{self._base}-{table}",
            routes=[
                network.RouteArgs(
                    name=inputs.route_name(label, prefix),
                    address_prefix=str(prefix),
                    next_hop_type="VirtualAppliance",
                    next_hop_ip_address=self.appliance_private_ip,
                )
                for prefix in prefixes
            ],
            opts=self._child,
            **self._located(),
            **extra,
        )

    # ------------------------------------------------------------------ exports

    def _tunnels(self) -> list[TunnelEndpoint]:
        """One tunnel per public IP, never one per /30: Azure configures no tunnel interface
        addresses (route-based, no BGP), so those stay None and the inside range is the
        Genesys allocation of that tunnel's connection, for the record."""
        ranges = self._args.attachment.inside_ranges()
        return [
            TunnelEndpoint(str(ranges[min(i, len(ranges) - 1)]), None, None, ip)
            for i, ip in enumerate(self.gateway_public_ips)
        ]

    def _publish(
        self,
        public_ips: list[network.PublicIPAddress],
        gateway: network.VirtualNetworkGateway,
        local: network.LocalNetworkGateway,
        connection: network.VirtualNetworkGatewayConnection,
        gateway_subnet_id: pulumi.Input[str],
    ) -> None:
        a, az = self._args, self._azure
        self.gateway_id = gateway.id
        self.connection_id = connection.id
        self.gateway_public_ips = [p.ip_address.apply(lambda ip: ip or "") for p in public_ips]
        appliance_prefix = az.appliance_subnet_prefix if self.mss is not None else None
        self.exports = AttachmentExports(
            role=a.attachment.role,
            provider=Provider.AZURE,
            tunnel_cidr=str(a.attachment.tunnel_cidr),
            tunnels=self._tunnels(),
            placement={"location": az.location},
            iaas={
                "resourceGroupName": az.resource_group_name,
                "virtualNetworkName": az.virtual_network_name,
                "gatewayId": gateway.id,
                "gatewaySubnetId": gateway_subnet_id,
                "gatewayPublicIps": self.gateway_public_ips,
                "activeActive": az.active_active,
                "connectionId": connection.id,
                "nsgRuleNames": self.nsg_rule_names,
                # With the appliance: the VNet owner associates this route table with the
                # back-end subnets (route-table-unassociated says so at validation).
                "routeTableId": self.route_table_id,
                "appliancePrivateIp": self.appliance_private_ip,
                "applianceSubnetPrefix": str(appliance_prefix) if appliance_prefix else None,
            },
        )
        self.register_outputs(
            {
                "gatewayPublicIps": self.gateway_public_ips,
                "gatewaySubnetId": gateway_subnet_id,
                "gatewayId": self.gateway_id,
                "localNetworkGatewayId": local.id,
                "connectionId": self.connection_id,
                "connectionName": self.connection_name,
                "nsgRuleNames": self.nsg_rule_names,
                "mss": self.mss,
                "appliancePrivateIp": self.appliance_private_ip,
                "applianceAdminPassword": self.appliance_admin_password,
                "routeTableId": self.route_table_id,
            }
        )


def _settings(attachment: Attachment) -> AzureSettings:
    if attachment.iaas.azure is None:  # a validated spec never gets here
        raise ValueError(f"{attachment.path}: the Azure attachment needs the iaas.azure block")
    return attachment.iaas.azure


def build(attachment: Attachment, context: BuildContext) -> AttachmentExports:
    """The registry's builder: one Azure attachment in its own location and resource group."""
    _settings(attachment)
    args = AttachmentArgs(context.spec, attachment, context.psks)
    return AzureVpnAttachment(attachment.role, args).exports
