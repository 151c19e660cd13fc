"""Google Cloud inputs of one attachment: names, labels, the cipher suite, routes, firewall rules.

Classic VPN, route-based: HA VPN "does not support static routing" and needs a BGP peer,
which Genesys is not (Cloud VPN docs, "Create a Classic VPN gateway using static routing";
"Create an HA VPN gateway to a peer VPN gateway"). Keys of the dictionaries here are the
pulumi-gcp 10.2.0 argument names (``VPNTunnelCipherSuiteArgs``, ``RouteArgs``,
``FirewallArgs``); spellings come from :mod:`c2cvpn.vendors`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass

from c2cvpn.spec import GcpSettings, IaasSide, Role, StackSpec
from c2cvpn.vendors import gcp_cipher_suite

#: Longest GCP resource name (RFC 1035 label: "1-63 characters long").
MAX_NAME = 63
#: GCP label keys and values: lower-case letters, digits, ``_`` and ``-``, at most 63.
MAX_LABEL = 63
#: Route-based: "Local traffic selector: Always 0.0.0.0/0 / Remote: Always 0.0.0.0/0" (Cloud
#: VPN, "Networks and tunnel routing"). GCP routes by the VPC's static routes instead.
ANY = ["0.0.0.0/0"]
#: The three forwarding rules a Classic gateway needs on its address: ESP, IKE on UDP 500, and
#: NAT-T on UDP 4500 (the provider's Classic example and terraform-google-vpn forwarding-rule.tf).
FORWARDING_RULES: tuple[tuple[str, str, str | None], ...] = (
    ("esp", "ESP", None),
    ("udp500", "UDP", "500"),
    ("udp4500", "UDP", "4500"),
)
#: Cloud Monitoring metric of a tunnel's state (1: established), on ``vpn_gateway``.
TUNNEL_METRIC = "vpn.googleapis.com/tunnel_established"
#: The alert fires when the tunnel has not been established for this long.
ALERT_DURATION = "120s"
#: ... or when it has reported nothing for this long (a series that stops is no threshold).
ABSENT_DURATION = "300s"


def _rfc1035(text: str) -> str:
    """Lower case, every other character a ``-``, no doubled or trailing ``-``, a letter first."""
    name = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", text.lower())).strip("-")
    return name if name[:1].isalpha() else f"c2c-{name}".rstrip("-")


def base_name(tunnel_name: str, role: Role) -> str:
    """``DEV-GCP-CRM-VPN`` + ``primary`` → ``dev-gcp-crm-vpn-primary``."""
    return f"{_rfc1035(tunnel_name)}-{role}"


def resource_name(base: str, part: str) -> str:
    """``<base>-<part>`` as GCP takes names: RFC 1035, at most 63 characters. A longer name
    keeps its end (the part says what it is) and a short hash of the whole, so two long names
    never collapse into one."""
    name = f"{base}-{part}"
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    keep = MAX_NAME - len(part) - len(digest) - 2
    return f"{base[:keep].rstrip('-')}-{digest}-{part}"


def label_value(text: str) -> str:
    """A GCP label value: lower case, ``[a-z0-9_-]``, at most 63 characters."""
    return re.sub(r"[^a-z0-9_-]", "_", text.lower())[:MAX_LABEL]


def labels(spec: StackSpec, role: Role) -> dict[str, str]:
    """Labels on the resources that take them (Address, ForwardingRule, VPNTunnel, AlertPolicy):
    GCP keys allow no ``:``, so the AWS tag ``c2c-vpn:connection`` is ``c2c-vpn-connection``."""
    return {"c2c-vpn-connection": label_value(spec.tunnel.name), "c2c-vpn-role": role}


def cidr_part(net: ipaddress.IPv4Network) -> str:
    """``10.20.0.0/22`` → ``10-20-0-0-22`` (a name part)."""
    return str(net).replace(".", "-").replace("/", "-")


def traffic_selectors(spec: StackSpec, iaas: IaasSide) -> tuple[list[str], list[str]]:
    """(local, remote): 0.0.0.0/0 both ways (route-based, the default), or with
    ``trafficSelectors: networks`` the IaaS networks and the Genesys tenant CIDRs (policy-based;
    "Creating a policy-based VPN tunnel with both traffic selectors set to 0.0.0.0/0 ... is
    functionally equivalent to creating a route-based VPN"). Routes are created either way."""
    assert iaas.gcp is not None
    if iaas.gcp.traffic_selectors == "networks":
        return [str(n) for n in iaas.networks], [str(c) for c in spec.genesys.tenant_cidrs]
    return list(ANY), list(ANY)


def cipher_suite(spec: StackSpec) -> dict[str, dict[str, list[str]]]:
    """One value per cipher role from the spec (``VPNTunnelCipherSuiteArgs`` keys)."""
    p1, p2 = spec.tunnel.phase1, spec.tunnel.phase2
    return gcp_cipher_suite(
        p1.encryption, p1.integrity, p1.dh_group, p2.encryption, p2.integrity, p2.pfs_group
    )


@dataclass(frozen=True)
class GcpRoute:
    """A static route to one Genesys CIDR through the attachment's tunnel."""

    suffix: str  # Pulumi resource-name suffix
    name: str  # the GCP route name
    dest_range: str
    priority: int


def routes(spec: StackSpec, gcp: GcpSettings, role: Role) -> list[GcpRoute]:
    """One route per Genesys tenant CIDR, at the role's priority (primary 100, standby 200).

    "You must manually create the static routes that use the tunnel as a next hop" when the
    tunnel is made through the API (Cloud VPN, "Order of routes"); a route to a destination
    that equals or lies inside a subnet of the VPC is refused, which validation warns about.
    """
    base = base_name(spec.tunnel.name, role)
    return [
        GcpRoute(
            f"route-{cidr_part(c)}",
            resource_name(base, f"r-{cidr_part(c)}"),
            str(c),
            gcp.priority(role),
        )
        for c in spec.genesys.tenant_cidrs
    ]


@dataclass(frozen=True)
class GcpFirewall:
    """One ingress allow rule from the Genesys tenant CIDRs to the IaaS networks."""

    suffix: str
    name: str
    protocol: str  # ``tcp`` or ``icmp``
    ports: list[str] | None


def firewall_rules(spec: StackSpec, iaas: IaasSide, role: Role) -> list[GcpFirewall]:
    """The application ports over TCP, and ICMP (ping, and the Fragmentation-Needed messages
    Cloud VPN sends for DF packets, which "requires that you configure ingress allow firewall
    rules applicable to the Compute Engine VM sender", Cloud VPN "MTU considerations").

    VPC firewall rules are stateful, so the replies need no egress rule; the implied rules
    deny ingress and allow egress (VPC firewall rules overview, "Implied rules")."""
    base = base_name(spec.tunnel.name, role)
    ports = [str(p) for p in dict.fromkeys(iaas.application_ports)]
    out = []
    if ports:
        out.append(GcpFirewall("fw-tcp", resource_name(base, "tcp"), "tcp", ports))
    out.append(GcpFirewall("fw-icmp", resource_name(base, "icmp"), "icmp", None))
    return out


def alert_filter(tunnel_name: str) -> str:
    """Cloud Monitoring filter of this tunnel's state (``tunnel_established`` on ``vpn_gateway``,
    its ``tunnel_name`` metric label)."""
    return (
        f'resource.type = "vpn_gateway" AND metric.type = "{TUNNEL_METRIC}" '
        f'AND metric.label.tunnel_name = "{tunnel_name}"'
    )
