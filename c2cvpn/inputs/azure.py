"""Azure inputs of one attachment: names, the IPsec policy, traffic selectors, NSG rules,
appliance addressing.

Spellings come from :mod:`c2cvpn.vendors`. Keys of :func:`ipsec_policy` and
:func:`traffic_selector_policy` are the ``azure-native`` ``IpsecPolicyArgs`` and
``TrafficSelectorPolicyArgs`` argument names (pulumi-azure-native 3.x, network API 2024-05-01).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from c2cvpn.spec import AZURE_NSG_PRIORITY_BASE, AzureSettings, IaasSide, Role, StackSpec
from c2cvpn.vendors import (
    Phase,
    azure_cipher,
    azure_dh_group,
    azure_integrity,
    azure_pfs_group,
)

#: Azure requires the gateway's subnet to carry exactly this name.
GATEWAY_SUBNET_NAME = "GatewaySubnet"
#: IPsec SA volume lifetime: large enough that the time lifetime always rekeys first.
SA_DATA_SIZE_KILOBYTES = 102_400_000
#: First NSG priority per role when ``azure.nsgPriorityBase`` is not set.
NSG_PRIORITY_BASE = AZURE_NSG_PRIORITY_BASE
#: Azure reserves the first four addresses of a subnet (.0 network, .1 gateway, .2/.3 DNS).
AZURE_RESERVED_HOSTS = 4
#: Zone-redundant: a Standard public IP in zones 1, 2 and 3 (only where the location has zones).
ALL_ZONES = ["1", "2", "3"]
#: The gateway's IP configuration names: the first, and the second instance's (active-active).
IP_CONFIGURATION_NAMES = ("default", "active-active")


def gateway_generation(sku: str) -> str:
    """VpnGw1/VpnGw1AZ exist only as generation 1; VpnGw2 and above run as generation 2."""
    return "Generation1" if sku.removesuffix("AZ") == "VpnGw1" else "Generation2"


def public_ip_zones(azure: AzureSettings) -> list[str] | None:
    """Zones of the gateway's public IPs: all three (zone-redundant) unless the location has
    no availability zones ("A zone-redundant resource can only be created in regions where
    Availability Zones are supported", Azure update "zone-behavior-change", network API
    2020-08-01; MicrosoftDocs/azure-docs ip-services/create-public-ip-template.md)."""
    return list(ALL_ZONES) if azure.zone_redundant else None


def public_ip_count(azure: AzureSettings) -> int:
    """Active-active needs two Standard static public IPs, one per gateway instance; the
    active-standby pair shares one (MicrosoftDocs/azure-docs about-active-active-gateways.md)."""
    return 2 if azure.active_active else 1


def public_ip_name(base: str, index: int) -> str:
    """``<base>-pip`` for the first (unchanged from single-IP gateways), ``<base>-pip-2``."""
    return f"{base}-pip" if index == 0 else f"{base}-pip-{index + 1}"


def appliance_address(subnet: ipaddress.IPv4Network) -> ipaddress.IPv4Address:
    """The appliance takes the subnet's first usable address, statically."""
    return subnet.network_address + AZURE_RESERVED_HOSTS


def azure_base_name(tunnel_name: str, role: Role) -> str:
    """``DEV-AZURE-CRM-VPN`` + ``primary`` → ``dev-azure-crm-vpn-primary`` (fits every Azure limit)."""
    return f"{tunnel_name.lower()[:40].rstrip('.-_')}-{role}"


def computer_name(base: str) -> str:
    """A VM host name Azure accepts for the appliance (lower case, digits and ``-``)."""
    return re.sub(r"[^a-z0-9-]", "-", f"{base}-mss")


def ipsec_policy(spec: StackSpec) -> dict[str, str | int]:
    """The one custom IPsec policy, in Azure spelling (keys as ``IpsecPolicyArgs`` takes them)."""
    p1, p2 = spec.tunnel.phase1, spec.tunnel.phase2
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


def traffic_selector_policy(spec: StackSpec, iaas: IaasSide) -> dict[str, list[str]]:
    """The selectors Azure proposes when it initiates: IaaS networks ↔ Genesys tenant CIDRs.

    A route-based gateway otherwise proposes any-to-any. Custom selectors "are proposed only
    when a VPN gateway initiates the connection. A VPN gateway accepts any traffic selectors
    proposed by a remote gateway", and take effect with ``usePolicyBasedTrafficSelectors``
    on; all ranges in one policy make one SA for every local/remote pair
    (MicrosoftDocs/azure-docs articles/vpn-gateway/custom-traffic-selectors.md). Keys as
    ``TrafficSelectorPolicyArgs`` takes them.
    """
    return {
        "local_address_ranges": [str(n) for n in iaas.networks],
        "remote_address_ranges": [str(c) for c in spec.genesys.tenant_cidrs],
    }


def connection_mode(spec: StackSpec) -> str:
    """``startupAction: add`` waits for Genesys (``ResponderOnly``); ``start`` keeps Azure's
    ``Default`` (initiates and responds)."""
    return "ResponderOnly" if spec.tunnel.startup_action == "add" else "Default"


@dataclass(frozen=True)
class NsgRule:
    """One inbound allow rule on one NSG, from the Genesys tenant CIDRs to the IaaS networks."""

    nsg: str
    suffix: str  # resource-name suffix: ``icmp`` or ``tcp-<port>``
    name: str  # the Azure rule name
    protocol: str  # ``Icmp`` or ``Tcp``
    port: str  # ``*`` or the port
    priority: int


def nsg_priorities(azure: AzureSettings, iaas: IaasSide, role: Role) -> range:
    """The priorities this attachment's rules take in each NSG: ICMP at the base, then one
    per application port."""
    base = azure.nsg_priority(role)
    return range(base, base + 1 + len(set(iaas.application_ports)))


def nsg_rules(spec: StackSpec, iaas: IaasSide, role: Role) -> list[NsgRule]:
    """ICMP at the attachment's base priority (``azure.nsgPriorityBase``, default primary 300,
    standby 500), application port *i* (config order) at base + 1 + i, on every listed NSG."""
    assert iaas.azure is not None
    base = azure_base_name(spec.tunnel.name, role)
    priority = iaas.azure.nsg_priority(role)
    ports = list(dict.fromkeys(iaas.application_ports))
    rules: list[NsgRule] = []
    for nsg in iaas.azure.network_security_group_names:
        rules.append(NsgRule(nsg, "icmp", f"{base}-icmp", "Icmp", "*", priority))
        rules += [
            NsgRule(nsg, f"tcp-{p}", f"{base}-tcp-{p}", "Tcp", str(p), priority + 1 + i)
            for i, p in enumerate(ports)
        ]
    return rules


def route_name(label: str, prefix: ipaddress.IPv4Network) -> str:
    return f"{label}-{str(prefix).replace('/', '_')}"
