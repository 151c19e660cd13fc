"""AWS inputs of one attachment: names, tags, tunnel options, security-rule and route keys.

Spellings come from :mod:`c2cvpn.vendors`, addressing from :mod:`c2cvpn.derive`. Keys are the
``pulumi_aws.ec2.VpnConnection`` argument names.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import TypeVar

from c2cvpn.spec import Attachment, IaasSide, Role, StackSpec, connections_on
from c2cvpn.vendors import aws_cipher, aws_integrity

#: The customer gateway's ASN. Static routing ignores it, but AWS requires one.
CUSTOMER_GATEWAY_ASN = 65000

Secret = TypeVar("Secret")


def slug(value: object) -> str:
    """A resource-name fragment for a CIDR or ID: deterministic, so names never drift."""
    return str(value).replace("/", "-").replace(".", "-")


def label(tunnel_name: str, role: Role) -> str:
    """``PROD-AWS-SFDC-VPN`` + ``primary``: the AWS-side name of everything an attachment owns."""
    return f"{tunnel_name}-{role}"


def tags(tunnel_name: str, role: Role, what: str) -> dict[str, str]:
    return {
        "Name": f"{label(tunnel_name, role)}-{what}",
        "c2c-vpn:connection": tunnel_name,
        "c2c-vpn:role": role,
    }


def traffic_selectors(spec: StackSpec, attachment: Attachment) -> tuple[str, str]:
    """(local, remote) IPv4 network CIDRs of the VPN connection: AWS's local side is the
    customer gateway's (the Genesys tenant range), remote is the AWS side (the back ends).

    AWS negotiates one SA pair per tunnel with these selectors, 0.0.0.0/0 by default
    (Site-to-Site VPN User Guide, "Tunnel options": Local/Remote IPv4 Network CIDR; "one
    unique security association (SA) pair per tunnel"). One range each can be stated exactly;
    several stay 0.0.0.0/0 (the rule ``selectors-wide`` warns).
    """
    tenant, backends = spec.genesys.tenant_cidrs, attachment.iaas.networks
    local = str(tenant[0]) if len(tenant) == 1 else ANY
    remote = str(backends[0]) if len(backends) == 1 else ANY
    return local, remote


#: What AWS proposes when it is not told the networks.
ANY = "0.0.0.0/0"


def tunnel_options(
    spec: StackSpec,
    attachment: Attachment,
    psks: Mapping[int, Secret | None],
) -> dict[str, object]:
    """Both tunnels' options in AWS spelling.

    Every tunnel: IKEv2 only, one cipher, integrity and group per phase, lifetimes, DPD and
    endpoint lifecycle control (AWS then asks before replacing a tunnel endpoint). A tunnel
    that carries a Genesys connection gets that connection's /30 and key and the spec's
    startup action; a tunnel without one waits (``add``) with a key AWS generates, so it never
    calls a peer that does not answer. ``psks`` maps tunnel index → key (None: no connection).
    """
    tunnel, p1, p2 = spec.tunnel, spec.tunnel.phase1, spec.tunnel.phase2
    on = connections_on(spec, attachment)
    ranges = attachment.inside_ranges()
    options: dict[str, object] = {}
    for index in (1, 2):
        t = f"tunnel{index}_"
        connection = on.get(index)
        options.update(
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
                f"{t}startup_action": tunnel.startup_action if connection else "add",
                # S2S VPN User Guide, "Tunnel endpoint lifecycle control": AWS notifies and
                # waits (up to its deadline) before replacing an endpoint, instead of doing it
                # unannounced; with Genesys on both tunnels one is always up meanwhile.
                f"{t}enable_tunnel_lifecycle_control": True,
            }
        )
        if p2.pfs_group is not None:
            options[f"{t}phase2_dh_group_numbers"] = [p2.pfs_group]
        key = psks.get(index)
        if key is not None:
            options[f"{t}preshared_key"] = key
        if connection is not None:
            options[f"{t}inside_cidr"] = str(connection.tunnel_cidr)
        elif index <= len(ranges) and ranges[index - 1].prefixlen == 30:
            options[f"{t}inside_cidr"] = str(ranges[index - 1])
    return options


#: ``(security group, protocol, port, cidr)``: one ingress rule; ICMP has port -1.
RuleKey = tuple[str, str, int, str]
#: ``(route table, destination cidr)``: one route; a table holds one route per destination.
RouteKey = tuple[str, str]


def security_rule_keys(
    iaas: IaasSide, genesys_cidrs: Iterable[ipaddress.IPv4Network]
) -> list[RuleKey]:
    """Every ingress rule an attachment wants: application ports over TCP and ICMP, per Genesys CIDR."""
    assert iaas.aws is not None
    cidrs = [str(c) for c in genesys_cidrs]
    keys: list[RuleKey] = []
    for sg in iaas.aws.security_group_ids:
        for cidr in cidrs:
            keys += [(sg, "tcp", port, cidr) for port in iaas.application_ports]
            keys.append((sg, "icmp", -1, cidr))
    return keys


def rule_description(key: RuleKey, tunnel_name: str) -> str:
    _, protocol, port, cidr = key
    if protocol == "tcp":
        return f"Genesys Cloud {cidr} to port {port} over {tunnel_name}"
    return f"Genesys Cloud {cidr} ping test over {tunnel_name}"


def rule_name(prefix: str, key: RuleKey) -> str:
    sg, protocol, port, cidr = key
    what = f"tcp{port}" if protocol == "tcp" else "icmp"
    return f"{prefix}-sg-{sg}-{what}-{slug(cidr)}"


def route_table_keys(
    iaas: IaasSide, genesys_cidrs: Sequence[ipaddress.IPv4Network]
) -> list[RouteKey]:
    """Each listed route table sends each Genesys CIDR into the tunnel (the guide's route
    propagation trap: the VPN connection alone routes nothing)."""
    assert iaas.aws is not None
    return [(table, str(c)) for table in iaas.aws.route_table_ids for c in genesys_cidrs]


Key = TypeVar("Key", RuleKey, RouteKey)


def not_owned(keys: Iterable[Key], owned: AbstractSet[Key]) -> list[Key]:
    """The keys another attachment of the stack does not already own (AWS refuses duplicates)."""
    return [k for k in keys if k not in owned]
