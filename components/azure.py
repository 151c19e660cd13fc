"""The Azure end of one Genesys Cloud-to-Cloud VPN connection (``c2c-vpn:azure:VpnAttachment``).

Children, all named ``f"{name}-<role>"`` and parented to the component:

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
    per-boot script so the clamp survives reboots. The subnet keeps default outbound access
    because Debian 12 has no iptables until the script installs it. ``pulumi_tls`` is not a
    dependency, so there is no SSH key to give it: the admin password is a generated
    ``pulumi_random`` secret (the ``appliance_admin_password`` attribute), reachable only from
    inside the VNet.
``route-table``
    Genesys CIDRs → the appliance (``VirtualAppliance``). The back-end subnets are not named
    in the spec, so the IaaS team associates ``route_table_id`` with them.
``gateway-route-table``
    IaaS networks → the appliance, associated with the ``GatewaySubnet`` created here, so
    Genesys-initiated SYNs cross the appliance too (symmetric path, both directions clamped).

Standby (``args.role == "standby"``): the program calls this component a second time with
the standby's ``iaas`` block and tunnel CIDR; everything lands in the standby's own location,
resource group and virtual network, and every Azure name carries the role. Failover is
active-passive on the Genesys side, as for AWS: Genesys holds two connections (one per
tunnel CIDR) to two gateway IPs and moves traffic to the standby when DPD declares the
primary dead; both Azure connections stay up, no Azure-side switch is needed.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from typing import Any

import pulumi
import pulumi_azure_native as azure_native
import pulumi_random as random

from c2cvpn import derive
from c2cvpn.spec import AzureSettings
from c2cvpn.vendors import (
    Phase,
    azure_cipher,
    azure_dh_group,
    azure_integrity,
    azure_pfs_group,
)
from components.common import AttachmentArgs

network = azure_native.network
compute = azure_native.compute

#: Azure requires the gateway's subnet to carry exactly this name.
GATEWAY_SUBNET_NAME = "GatewaySubnet"
#: IPsec SA volume lifetime: large enough that the time lifetime always rekeys first.
SA_DATA_SIZE_KILOBYTES = 102_400_000
#: First NSG priority per role; ICMP takes the base, application ports the next slots.
NSG_PRIORITY_BASE = {"primary": 300, "standby": 500}
#: The appliance subnet: this prefix length, right after the GatewaySubnet.
#: Azure reserves the first four addresses of a subnet (.0 network, .1 gateway, .2/.3 DNS).
AZURE_RESERVED_HOSTS = 4
APPLIANCE_VM_SIZE = "Standard_B1s"
APPLIANCE_IMAGE = {
    "publisher": "Debian",
    "offer": "debian-12",
    "sku": "12-gen2",
    "version": "latest",
}
APPLIANCE_ADMIN = "c2cvpn"


def gateway_generation(sku: str) -> str:
    """VpnGw1/VpnGw1AZ exist only as generation 1; VpnGw2 and above run as generation 2."""
    return "Generation1" if sku.removesuffix("AZ") == "VpnGw1" else "Generation2"


def zone_redundant(sku: str) -> bool:
    return sku.endswith("AZ")


def appliance_address(subnet: ipaddress.IPv4Network) -> ipaddress.IPv4Address:
    return subnet.network_address + AZURE_RESERVED_HOSTS


def azure_base_name(tunnel_name: str, role: str) -> str:
    """``DEV-AZURE-CRM-VPN`` + ``primary`` → ``dev-azure-crm-vpn-primary`` (fits every Azure limit)."""
    return f"{tunnel_name.lower()[:40].rstrip('.-_')}-{role}"


def ipsec_policy(args: AttachmentArgs) -> dict[str, Any]:
    """The one custom IPsec policy, in Azure spelling (keys as ``IpsecPolicyArgs`` takes them)."""
    p1, p2 = args.spec.tunnel.phase1, args.spec.tunnel.phase2
    return {
        "ike_encryption": azure_cipher(p1.encryption),
        "ike_integrity": azure_integrity(p1.integrity, Phase.IKE, p1.encryption),
        "dh_group": azure_dh_group(p1.dh_group),
        "ipsec_encryption": azure_cipher(p2.encryption),
        "ipsec_integrity": azure_integrity(p2.integrity, Phase.IPSEC, p2.encryption),
        "pfs_group": azure_pfs_group(p2.pfs_group),
        "sa_life_time_seconds": p2.lifetime_seconds,
        "sa_data_size_kilobytes": SA_DATA_SIZE_KILOBYTES,
    }


class AzureVpnAttachment(pulumi.ComponentResource):
    """One Azure VPN gateway with its connection to Genesys, NSG rules and optional MSS appliance."""

    gateway_public_ip: pulumi.Output[str]
    """The peer IP the Genesys admin enters for this connection."""
    algorithms: pulumi.Output[dict[str, Any]]
    """Phase 1 / phase 2 algorithms in Genesys dashboard terms."""
    psk: pulumi.Output[str]
    """The pre-shared key (secret)."""
    role: str
    location: str
    resource_group_name: str
    tunnel_cidr: str
    gateway_subnet_id: pulumi.Output[str]
    gateway_id: pulumi.Output[str]
    local_network_gateway_id: pulumi.Output[str]
    connection_id: pulumi.Output[str]
    connection_name: str
    nsg_rule_names: list[str]
    """Azure names of the security rules, as ``<nsg>/<rule>``."""
    mss: int | None
    """The clamped MSS when the appliance is deployed."""
    appliance_private_ip: str | None
    appliance_subnet_prefix: str | None
    appliance_admin_password: pulumi.Output[str] | None
    route_table_id: pulumi.Output[str] | None
    """Genesys CIDRs → appliance: associate with the back-end subnets."""

    def __init__(
        self, name: str, args: AttachmentArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("c2c-vpn:azure:VpnAttachment", name, None, opts)
        azure = args.iaas.azure
        if azure is None:  # impossible for a validated spec with provider azure
            raise ValueError(f"{name}: the {args.role} attachment has no `azure` block")
        child = pulumi.ResourceOptions(parent=self)
        spec, iaas = args.spec, args.iaas
        rg, location = azure.resource_group_name, azure.location
        base = azure_base_name(spec.tunnel.name, args.role)
        tenant_cidrs = [str(c) for c in spec.genesys.tenant_cidrs]
        iaas_networks = [str(n) for n in iaas.networks]

        self.role = args.role
        self.location = location
        self.resource_group_name = rg
        self.tunnel_cidr = str(args.tunnel_cidr)
        self.psk = pulumi.Output.secret(args.psk)
        self.algorithms = pulumi.Output.from_input(derive.genesys_terms(spec.tunnel))

        # ---------------------------------------------------------------- MSS appliance
        gateway_route_table: Any = None
        appliance_subnet: Any = None
        self.mss = None
        self.appliance_private_ip = None
        self.appliance_subnet_prefix = None
        self.appliance_admin_password = None
        self.route_table_id = None
        if iaas.mss_clamp.enabled:
            gateway_route_table, appliance_subnet = self._appliance(name, args, azure, base, child)

        # ---------------------------------------------------------------- gateway
        gateway_subnet = network.Subnet(
            f"{name}-gateway-subnet",
            subnet_name=GATEWAY_SUBNET_NAME,
            resource_group_name=rg,
            virtual_network_name=azure.virtual_network_name,
            address_prefix=str(azure.gateway_subnet_prefix),
            route_table=network.RouteTableArgs(id=gateway_route_table.id)
            if gateway_route_table is not None
            else None,
            # The name is fixed by Azure: a replacement must delete the old subnet first. Azure
            # refuses concurrent subnet writes to one virtual network (AnotherOperationInProgress,
            # RetryableErrorDueToAnotherOperation), so this one waits for the appliance subnet.
            opts=pulumi.ResourceOptions.merge(
                child,
                pulumi.ResourceOptions(
                    delete_before_replace=True,
                    depends_on=[appliance_subnet] if appliance_subnet is not None else None,
                ),
            ),
        )
        public_ip = network.PublicIPAddress(
            f"{name}-public-ip",
            public_ip_address_name=f"{base}-pip",
            resource_group_name=rg,
            location=location,
            sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
            public_ip_allocation_method="Static",
            public_ip_address_version="IPv4",
            zones=["1", "2", "3"] if zone_redundant(azure.sku) else None,
            opts=child,
        )
        gateway = network.VirtualNetworkGateway(
            f"{name}-gateway",
            virtual_network_gateway_name=f"{base}-vng",
            resource_group_name=rg,
            location=location,
            gateway_type="Vpn",
            vpn_type="RouteBased",
            sku=network.VirtualNetworkGatewaySkuArgs(name=azure.sku, tier=azure.sku),
            vpn_gateway_generation=gateway_generation(azure.sku),
            active_active=False,
            enable_bgp=False,
            ip_configurations=[
                network.VirtualNetworkGatewayIPConfigurationArgs(
                    name="default",
                    private_ip_allocation_method="Dynamic",
                    public_ip_address=network.SubResourceArgs(id=public_ip.id),
                    subnet=network.SubResourceArgs(id=gateway_subnet.id),
                )
            ],
            opts=child,
        )
        local_gateway = network.LocalNetworkGateway(
            f"{name}-local-gateway",
            local_network_gateway_name=f"{base}-genesys",
            resource_group_name=rg,
            location=location,
            gateway_ip_address=str(spec.genesys.gateway_ip),
            local_network_address_space=network.AddressSpaceArgs(address_prefixes=tenant_cidrs),
            opts=child,
        )
        self.connection_name = f"{base}-connection"
        connection = network.VirtualNetworkGatewayConnection(
            f"{name}-connection",
            virtual_network_gateway_connection_name=self.connection_name,
            resource_group_name=rg,
            location=location,
            connection_type="IPsec",
            connection_protocol="IKEv2",
            connection_mode="ResponderOnly" if spec.tunnel.startup_action == "add" else "Default",
            virtual_network_gateway1=network.VirtualNetworkGatewayArgs(id=gateway.id),
            local_network_gateway2=network.LocalNetworkGatewayArgs(id=local_gateway.id),
            shared_key=self.psk,
            ipsec_policies=[network.IpsecPolicyArgs(**ipsec_policy(args))],
            dpd_timeout_seconds=spec.tunnel.dpd.timeout_seconds,
            use_policy_based_traffic_selectors=False,
            enable_bgp=False,
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(additional_secret_outputs=["sharedKey"])
            ),
        )

        # ---------------------------------------------------------------- NSG rules
        self.nsg_rule_names = []
        priority = NSG_PRIORITY_BASE[args.role]
        ports = list(dict.fromkeys(iaas.application_ports))  # config order, duplicates once
        for nsg in azure.network_security_group_names:
            rules: list[tuple[str, str, str, str, int]] = [
                ("icmp", "Icmp", "*", f"{base}-icmp", priority),
                *(
                    (f"tcp-{p}", "Tcp", str(p), f"{base}-tcp-{p}", priority + 1 + i)
                    for i, p in enumerate(ports)
                ),
            ]
            for suffix, protocol, dest_port, rule_name, prio in rules:
                network.SecurityRule(
                    f"{name}-nsg-{nsg}-{suffix}",
                    security_rule_name=rule_name,
                    network_security_group_name=nsg,
                    resource_group_name=rg,
                    description=f"c2c-vpn {spec.tunnel.name} ({args.role}): Genesys Cloud to the application",
                    direction="Inbound",
                    access="Allow",
                    protocol=protocol,
                    priority=prio,
                    source_address_prefixes=tenant_cidrs,
                    source_port_range="*",
                    destination_address_prefixes=iaas_networks,
                    destination_port_range=dest_port,
                    opts=child,
                )
                self.nsg_rule_names.append(f"{nsg}/{rule_name}")

        self.gateway_subnet_id = gateway_subnet.id
        self.gateway_id = gateway.id
        self.local_network_gateway_id = local_gateway.id
        self.connection_id = connection.id
        self.gateway_public_ip = public_ip.ip_address.apply(lambda ip: ip or "")

        self.register_outputs(
            {
                "gatewayPublicIp": self.gateway_public_ip,
                "algorithms": self.algorithms,
                "psk": self.psk,
                "role": self.role,
                "location": self.location,
                "resourceGroupName": self.resource_group_name,
                "tunnelCidr": self.tunnel_cidr,
                "gatewaySubnetId": self.gateway_subnet_id,
                "gatewayId": self.gateway_id,
                "localNetworkGatewayId": self.local_network_gateway_id,
                "connectionId": self.connection_id,
                "nsgRuleNames": self.nsg_rule_names,
                "mss": self.mss,
                "appliancePrivateIp": self.appliance_private_ip,
                "applianceSubnetPrefix": self.appliance_subnet_prefix,
                "applianceAdminPassword": self.appliance_admin_password,
                "routeTableId": self.route_table_id,
            }
        )

    def _appliance(
        self,
        name: str,
        args: AttachmentArgs,
        azure: AzureSettings,
        base: str,
        child: pulumi.ResourceOptions,
    ) -> tuple[Any, Any]:
        """The MSS-clamping VM and its routes; returns the GatewaySubnet's route table and the appliance subnet."""
        spec, iaas = args.spec, args.iaas
        rg, location = azure.resource_group_name, azure.location
        subnet_prefix = azure.appliance_subnet_prefix
        assert subnet_prefix is not None, (
            "the spec requires applianceSubnetPrefix with mssClamp.enabled"
        )
        private_ip = str(appliance_address(subnet_prefix))
        mss = derive.attachment_mss(spec, iaas).mss
        cloud_config = derive.mss_clamp_cloud_config(mss, spec.genesys.tenant_cidrs)

        subnet = network.Subnet(
            f"{name}-appliance-subnet",
            subnet_name=f"{base}-mss",
            resource_group_name=rg,
            virtual_network_name=azure.virtual_network_name,
            address_prefix=str(subnet_prefix),
            # Debian 12 ships without iptables; the clamp script installs it from the mirror.
            default_outbound_access=True,
            opts=child,
        )
        nic = network.NetworkInterface(
            f"{name}-appliance-nic",
            network_interface_name=f"{base}-mss-nic",
            resource_group_name=rg,
            location=location,
            enable_ip_forwarding=True,
            ip_configurations=[
                network.NetworkInterfaceIPConfigurationArgs(
                    name="ipconfig1",
                    primary=True,
                    private_ip_allocation_method="Static",
                    private_ip_address=private_ip,
                    private_ip_address_version="IPv4",
                    subnet=network.SubnetArgs(id=subnet.id),
                )
            ],
            opts=child,
        )
        password = random.RandomPassword(
            f"{name}-appliance-password",
            length=32,
            special=True,
            override_special="._-",
            min_upper=2,
            min_lower=2,
            min_numeric=2,
            min_special=2,
            opts=child,
        )
        computer_name = re.sub(r"[^a-z0-9-]", "-", f"{base}-mss")
        compute.VirtualMachine(
            f"{name}-appliance",
            vm_name=f"{base}-mss",
            resource_group_name=rg,
            location=location,
            hardware_profile=compute.HardwareProfileArgs(vm_size=APPLIANCE_VM_SIZE),
            storage_profile=compute.StorageProfileArgs(
                image_reference=compute.ImageReferenceArgs(**APPLIANCE_IMAGE),
                os_disk=compute.OSDiskArgs(
                    name=f"{base}-mss-osdisk",
                    create_option="FromImage",
                    delete_option="Delete",
                    managed_disk=compute.ManagedDiskParametersArgs(
                        storage_account_type="Standard_LRS"
                    ),
                ),
            ),
            os_profile=compute.OSProfileArgs(
                computer_name=computer_name,
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
            opts=child,
        )

        def via_appliance(
            suffix: str, table: str, label: str, prefixes: list[Any], **extra: Any
        ) -> Any:
            return network.RouteTable(
                f"{name}-{suffix}",
                route_table_name=f"{base}-{table}",
                resource_group_name=rg,
                location=location,
                routes=[
                    network.RouteArgs(
                        name=f"{label}-{str(prefix).replace('/', '_')}",
                        address_prefix=str(prefix),
                        next_hop_type="VirtualAppliance",
                        next_hop_ip_address=private_ip,
                    )
                    for prefix in prefixes
                ],
                opts=child,
                **extra,
            )

        to_genesys = via_appliance(
            "route-table", "to-genesys", "genesys", list(spec.genesys.tenant_cidrs)
        )
        # A GatewaySubnet route table must keep BGP propagation on (Azure refuses otherwise).
        to_iaas = via_appliance(
            "gateway-route-table",
            "gateway",
            "iaas",
            list(iaas.networks),
            disable_bgp_route_propagation=False,
        )
        self.mss = mss
        self.appliance_private_ip = private_ip
        self.appliance_subnet_prefix = str(subnet_prefix)
        self.appliance_admin_password = pulumi.Output.secret(password.result)
        self.route_table_id = to_genesys.id
        return to_iaas, subnet
