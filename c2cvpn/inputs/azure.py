"""Azure inputs of one attachment: names, the IPsec policy, NSG rules, appliance addressing.

Spellings come from :mod:`c2cvpn.vendors`. Keys of :func:`ipsec_policy` are the
``azure-native`` ``IpsecPolicyArgs`` argument names.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from c2cvpn.spec import IaasSide, Role, StackSpec
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
#: First NSG priority per role; ICMP takes the base, application ports the next slots.
NSG_PRIORITY_BASE: dict[Role, int] = {"primary": 300, "standby": 500}
#: Azure reserves the first four addresses of a subnet (.0 network, .1 gateway, .2/.3 DNS).
AZURE_RESERVED_HOSTS = 4


def gateway_generation(sku: str) -> str:
    """VpnGw1/VpnGw1AZ exist only as generation 1; VpnGw2 and above run as generation 2."""
    return "Generation1" if sku.removesuffix("AZ") == "VpnGw1" else "Generation2"


def zone_redundant(sku: str) -> bool:
    return sku.endswith("AZ")


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


def nsg_rules(spec: StackSpec, iaas: IaasSide, role: Role) -> list[NsgRule]:
    """ICMP at the role's base priority, application port *i* (config order) at base + 1 + i,
    on every listed NSG."""
    assert iaas.azure is not None
    base = azure_base_name(spec.tunnel.name, role)
    priority = NSG_PRIORITY_BASE[role]
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
