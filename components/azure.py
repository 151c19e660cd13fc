"""The Azure end of one Genesys Cloud-to-Cloud VPN connection (``c2c-vpn:azure:VpnAttachment``).

Children, all named ``<component name>-<suffix>`` (the component is named by its role, so
``primary-gateway``, ``standby-connection``) and parented to the component:

``gateway-subnet``
    ``GatewaySubnet`` (Azure insists on that exact name) in the existing virtual network,
    from ``iaas.azure.gatewaySubnetPrefix``.
``public-ip``
    Standard, static IPv4 — the peer IP the Genesys admin enters. Zone-redundant
    (zones 1, 2, 3) for the ``*AZ`` SKUs.
``gateway``
    Route-based VPN gateway of ``iaas.azure.sku``; BGP off (static routing, as the design
    table says); generation 1 for VpnGw1/VpnGw1AZ (which have no generation 2), generation 2
    for every larger SKU.
``local-gateway``
    The Genesys VPN gateway IP and tenant CIDRs. Azure uses no tunnel inside addresses
    without BGP, so the Genesys ``tunnelCidr`` is exported for the record only.
``connection``
    IPsec, IKEv2, the PSK as a secret, exactly one custom IPsec policy spelled by
    :mod:`c2cvpn.vendors`, ``saLifeTimeSeconds`` = phase 2 lifetime (Azure fixes the IKE SA
    at 28800 s), DPD timeout from the spec, policy-based traffic selectors off.
    ``startupAction: add`` makes the connection ``ResponderOnly``; ``start`` keeps Azure's
    ``Default`` (initiates and responds).
``nsg-<nsg>-icmp``, ``nsg-<nsg>-tcp-<port>``
    Inbound allow rules on every NSG of ``iaas.azure.networkSecurityGroupNames`` (looked up
    in ``resourceGroupName``): ICMP and each application port over TCP, source the Genesys
    tenant CIDRs only, destination the IaaS networks. Priorities are deterministic: ICMP at
    the role's base (primary 300, standby 500), port *i* (in config order) at base + 1 + i.

When ``iaas.mssClamp.enabled`` (the MSS-clamping appliance):

``appliance-subnet``
    The appliance's own subnet, ``iaas.azure.applianceSubnetPrefix`` (validated free of the
    GatewaySubnet and the Genesys ranges). The appliance takes the subnet's first usable address
    (Azure reserves .0-.3), statically, so routes never wait on allocation. The GatewaySubnet
    is written after it: Azure refuses concurrent subnet writes to one virtual network.
``appliance-nic``, ``appliance-password``, ``appliance``
    A Debian 12 ``Standard_B1s`` VM with IP forwarding on its NIC and no public IP. Its
    cloud-init is :func:`c2cvpn.derive.mss_clamp_script` at
    :func:`c2cvpn.derive.attachment_mss` (capped at Azure's 1350), installed as a cloud-init
    per-boot script so the clamp survives reboots. The clamp installs nothing: it uses ``nft``,
    which Debian 12 ships. ``pulumi_tls`` is not a dependency, so there is no SSH key to give
    it: the admin password is a generated ``pulumi_random`` secret, reachable only from
    inside the VNet.
``route-table``
    Genesys CIDRs → the appliance (``VirtualAppliance``). The back-end subnets are not named
    in the spec, so the IaaS team associates it (exported as ``iaasTeam.attachments.<role>.iaas.routeTableId``) with them.
``gateway-route-table``
    IaaS networks → the appliance, associated with the ``GatewaySubnet`` created here, so
    Genesys-initiated SYNs cross the appliance too (symmetric path, both directions clamped).

Standby (role ``standby``): the registry calls this builder a second time with the standby's
``iaas`` block and tunnel CIDR; everything lands in the standby's own location, resource group
and virtual network, and every Azure name carries the role. The failover design is the
README's ("Active-passive").
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
    same_ip_per_inside_range,
)

APPLIANCE_VM_SIZE = "Standard_B1s"
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

    gateway_public_ip: pulumi.Output[str]
    """The peer IP the Genesys admin enters for this connection."""
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
        gateway_subnet = self._gateway_subnet(appliance)
        public_ip = self._public_ip()
        gateway = self._gateway(public_ip, gateway_subnet)
        local_gateway = self._local_gateway()
        connection = self._connection(gateway, local_gateway)
        self.nsg_rule_names = self._nsg_rules()
        self._publish(public_ip, gateway, local_gateway, connection, gateway_subnet)

    def _located(self) -> dict[str, str]:
        """Resource group and location: every Azure resource of this attachment lands there."""
        return {
            "resource_group_name": self._azure.resource_group_name,
            "location": self._azure.location,
        }

    # ------------------------------------------------------------------ the gateway

    def _gateway_subnet(self, appliance: ApplianceRouting | None) -> network.Subnet:
        """``GatewaySubnet`` (the name is fixed by Azure: a replacement must delete the old
        subnet first). Azure refuses concurrent subnet writes to one virtual network
        (AnotherOperationInProgress), so it waits for the appliance subnet."""
        table = appliance.gateway_route_table if appliance is not None else None
        return network.Subnet(
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

    def _public_ip(self) -> network.PublicIPAddress:
        """Standard, static IPv4: the peer IP the Genesys admin enters; zone-redundant for AZ SKUs."""
        return network.PublicIPAddress(
            f"{self._name}-public-ip",
            public_ip_address_name=f"{self._base}-pip",
            sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
            public_ip_allocation_method="Static",
            public_ip_address_version="IPv4",
            zones=["1", "2", "3"] if inputs.zone_redundant(self._azure.sku) else None,
            opts=self._child,
            **self._located(),
        )

    def _gateway(
        self, public_ip: network.PublicIPAddress, subnet: network.Subnet
    ) -> network.VirtualNetworkGateway:
        """Route-based, BGP off (static routing), generation by SKU."""
        sku = self._azure.sku
        return network.VirtualNetworkGateway(
            f"{self._name}-gateway",
            virtual_network_gateway_name=f"{self._base}-vng",
            gateway_type="Vpn",
            vpn_type="RouteBased",
            sku=network.VirtualNetworkGatewaySkuArgs(name=sku, tier=sku),
            vpn_gateway_generation=inputs.gateway_generation(sku),
            active_active=False,
            enable_bgp=False,
            ip_configurations=[
                network.VirtualNetworkGatewayIPConfigurationArgs(
                    name="default",
                    private_ip_allocation_method="Dynamic",
                    public_ip_address=network.SubResourceArgs(id=public_ip.id),
                    subnet=network.SubResourceArgs(id=subnet.id),
                )
            ],
            opts=self._child,
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
        """IKEv2, the key as a secret, exactly one custom IPsec policy, DPD, no policy-based
        selectors."""
        spec = self._args.spec
        self.connection_name = f"{self._base}-connection"
        return network.VirtualNetworkGatewayConnection(
            f"{self._name}-connection",
            virtual_network_gateway_connection_name=self.connection_name,
            connection_type="IPsec",
            connection_protocol="IKEv2",
            connection_mode=inputs.connection_mode(spec),
            virtual_network_gateway1=network.VirtualNetworkGatewayArgs(id=gateway.id),
            local_network_gateway2=network.LocalNetworkGatewayArgs(id=local.id),
            shared_key=pulumi.Output.secret(self._args.psk),
            ipsec_policies=[network.IpsecPolicyArgs(**inputs.ipsec_policy(spec))],
            dpd_timeout_seconds=spec.tunnel.dpd.timeout_seconds,
            use_policy_based_traffic_selectors=False,
            enable_bgp=False,
            opts=pulumi.ResourceOptions.merge(
                self._child, pulumi.ResourceOptions(additional_secret_outputs=["sharedKey"])
            ),
            **self._located(),
        )

    def _nsg_rules(self) -> list[str]:
        """ICMP and each application port, from the Genesys tenant CIDRs to the IaaS networks."""
        a = self._args
        names = []
        for rule in inputs.nsg_rules(a.spec, a.attachment.iaas, a.attachment.role):
            network.SecurityRule(
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
                opts=self._child,
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
            default_outbound_access=True,
            opts=self._child,
        )
        nic = network.NetworkInterface(
            f"{self._name}-appliance-nic",
            network_interface_name=f"{self._base}-mss-nic",
            enable_ip_forwarding=True,
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
        """Debian 12, IP forwarding on its NIC, no public IP, the clamp on every boot."""
        a = self._args
        self.mss = derive.attachment_mss(a.spec, a.attachment.iaas).mss
        cloud_config = derive.mss_clamp_cloud_config(self.mss, a.spec.genesys.tenant_cidrs)
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
            os_profile=compute.OSProfileArgs(
                computer_name=inputs.computer_name(self._base),
                admin_username=APPLIANCE_ADMIN,
                admin_password=password.result,
                custom_data=base64.b64encode(cloud_config.encode()).decode("ascii"),
                linux_configuration=compute.LinuxConfigurationArgs(
                    disable_password_authentication=False
                ),
            ),
            network_profile=compute.NetworkProfileArgs(
                network_interfaces=[
                    compute.NetworkInterfaceReferenceArgs(
                        id=nic.id, primary=True, delete_option="Detach"
                    )
                ]
            ),
            opts=self._child,
            **self._located(),
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

    def _publish(
        self,
        public_ip: network.PublicIPAddress,
        gateway: network.VirtualNetworkGateway,
        local: network.LocalNetworkGateway,
        connection: network.VirtualNetworkGatewayConnection,
        gateway_subnet: network.Subnet,
    ) -> None:
        a, az = self._args, self._azure
        self.gateway_id = gateway.id
        self.connection_id = connection.id
        self.gateway_public_ip = public_ip.ip_address.apply(lambda ip: ip or "")
        self.exports = AttachmentExports(
            role=a.attachment.role,
            provider=Provider.AZURE,
            tunnel_cidr=str(a.attachment.tunnel_cidr),
            tunnels=same_ip_per_inside_range(a.attachment, self.gateway_public_ip),
            placement={"location": az.location},
            iaas={
                "resourceGroupName": az.resource_group_name,
                "virtualNetworkName": az.virtual_network_name,
                "gatewayId": gateway.id,
                "connectionId": connection.id,
                # With the appliance: associate this route table with the back-end subnets.
                "routeTableId": self.route_table_id,
                "appliancePrivateIp": self.appliance_private_ip,
            },
        )
        self.register_outputs(
            {
                "gatewayPublicIp": self.gateway_public_ip,
                "gatewaySubnetId": gateway_subnet.id,
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
    args = AttachmentArgs(context.spec, attachment, context.psk)
    return AzureVpnAttachment(attachment.role, args).exports
