"""The Genesys-side record the spec implies (desired), and the records to compare it with.

A :class:`Record` is a flat, canonical mapping ``parameter -> value`` (``phase2.encryption``
-> ``aes256``), so the reconciler compares like with like whatever the source: the spec,
the ``declared`` dashboard block, or an API response. ``None`` means *not known* (for
example the AWS tunnel outside IP before deploy) and is never compared.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pydantic import SecretStr

from c2cvpn.genesys.model import Connection, ConnectionInput, Phase1Record, Phase2Record, networks
from c2cvpn.spec import (
    NAMESPACE,
    DeclaredConnection,
    GenesysSource,
    IaasSide,
    Phase1,
    Phase2,
    Role,
    StackSpec,
    genesys_connection,
    genesys_connections,
)
from c2cvpn.vendors import Provider, profile

#: Parameters of a connection record, in report order.
PARAMETERS: tuple[str, ...] = (
    "phase1.ikeVersion",
    "phase1.encryption",
    "phase1.integrity",
    "phase1.dhGroup",
    "phase1.lifetimeSeconds",
    "phase2.protocol",
    "phase2.encryption",
    "phase2.integrity",
    "phase2.pfsGroup",
    "phase2.lifetimeSeconds",
    "localNetworks",
    "remoteNetworks",
    "peerIp",
    "gatewayIp",
    "tunnelCidr",
    "natTraversal",
    "keepaliveSeconds",
)


@dataclass(frozen=True)
class Record:
    """One connection, canonical. ``psk`` only on desired records, ``psk_digest`` only on actual ones."""

    name: str
    values: Mapping[str, object]
    id: str | None = None
    psk: SecretStr | None = field(default=None, repr=False)
    psk_digest: str | None = field(default=None, repr=False)
    #: What this source cannot tell about Genesys, with the reason (reported as unchecked).
    unchecked: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Desired:
    """What Genesys must hold for one connection, and where each value comes from in the spec."""

    role: Role
    provider: Provider
    record: Record
    #: Config path of the spec value behind each parameter (for messages).
    paths: Mapping[str, str]
    #: Parameters deliberately left unknown, with the reason (e.g. AWS peer IP before deploy).
    unknown: Mapping[str, str] = field(default_factory=dict)

    @property
    def iaas_label(self) -> str:
        return profile(self.provider).label


def _phase_values(p1: Phase1 | Phase1Record, p2: Phase2 | Phase2Record) -> dict[str, object]:
    return {
        "phase1.ikeVersion": p1.ike_version,
        "phase1.encryption": p1.encryption,
        "phase1.integrity": p1.integrity,
        "phase1.dhGroup": p1.dh_group,
        "phase1.lifetimeSeconds": p1.lifetime_seconds,
        "phase2.protocol": p2.protocol,
        "phase2.encryption": p2.encryption,
        "phase2.integrity": p2.integrity,
        "phase2.pfsGroup": "off" if p2.pfs_group is None else p2.pfs_group,
        "phase2.lifetimeSeconds": p2.lifetime_seconds,
    }


def _nets(values: Iterable[ipaddress.IPv4Network]) -> tuple[str, ...]:
    return tuple(networks(list(values)))


def _role_parts(spec: StackSpec, role: Role) -> tuple[IaasSide, ipaddress.IPv4Network, str, str]:
    """(iaas side, tunnel range, its config path, iaas config path) of a Genesys connection."""
    c = genesys_connection(spec, role)
    return c.attachment.iaas, c.tunnel_cidr, c.tunnel_cidr_path, c.attachment.path


def roles(spec: StackSpec) -> list[Role]:
    """The stack's Genesys connections: primary, and standby when there is one."""
    return [c.role for c in genesys_connections(spec)]


def connection_name(spec: StackSpec, role: Role) -> str:
    api = spec.genesys.api
    if role == "standby":
        return (api.standby_connection_name if api else None) or f"{spec.tunnel.name}-STANDBY"
    return (api.connection_name if api else None) or spec.tunnel.name


def connection_id(spec: StackSpec, role: Role) -> str | None:
    api = spec.genesys.api
    if api is None:
        return None
    return api.standby_connection_id if role == "standby" else api.connection_id


def desired(
    spec: StackSpec, role: Role = "primary", *, peer_ip: str | None = None, psk: str | None = None
) -> Desired:
    """The Genesys record the spec implies for one Genesys connection (one tunnel).

    ``peer_ip``: the IaaS endpoint's public IP when only the deployment knows it (the tunnel's
    outside IP on AWS and Azure). Without it, an assigned peer IP stays unknown and is not
    compared. ``psk``: the connection's readable key, when the caller has it (compared by
    digest only).
    """
    iaas, tunnel_cidr, cidr_path, iaas_path = _role_parts(spec, role)
    unknown: dict[str, str] = {}
    assigned = profile(iaas.provider).assigns_peer_ip
    declared_ip = str(iaas.peer_ip) if iaas.peer_ip is not None and not assigned else None
    peer = peer_ip or declared_ip
    if peer is None:
        unknown["peerIp"] = (
            f"known after apply: {profile(iaas.provider).label} assigns the tunnel outside IPs, "
            "so the peer IP is compared once the deployment passes it in"
            if assigned
            else "no iaas.peerIp is declared for this attachment"
        )
    connection = genesys_connection(spec, role)
    key = psk if psk is not None else spec.tunnel.psk_readable_for(connection.key_role)
    t = f"{NAMESPACE}:tunnel"
    values: dict[str, object] = {
        **_phase_values(spec.tunnel.phase1, spec.tunnel.phase2),
        "localNetworks": _nets(spec.genesys.tenant_cidrs),
        "remoteNetworks": _nets(iaas.networks),
        "peerIp": peer,
        "gatewayIp": str(spec.genesys.gateway_ip),
        "tunnelCidr": str(tunnel_cidr),
        "natTraversal": spec.tunnel.nat_traversal,
        "keepaliveSeconds": float(spec.tunnel.keepalive_seconds),
    }
    paths = {p: f"{t}.{p}" for p in PARAMETERS if p.startswith("phase")}
    paths.update(
        {
            "localNetworks": f"{NAMESPACE}:genesys.tenantCidrs",
            "remoteNetworks": f"{iaas_path}.networks",
            "peerIp": f"{iaas_path}.peerIp",
            "gatewayIp": f"{NAMESPACE}:genesys.gatewayIp",
            "tunnelCidr": cidr_path,
            "natTraversal": f"{t}.natTraversal",
            "keepaliveSeconds": f"{t}.keepaliveSeconds",
            "preSharedKey": connection.psk_path,
            "connection": f"{NAMESPACE}:genesys.api.{'standbyConnectionName' if role == 'standby' else 'connectionName'}",
        }
    )
    record = Record(
        name=connection_name(spec, role),
        values=values,
        id=connection_id(spec, role),
        psk=SecretStr(key) if key else None,
    )
    return Desired(role=role, provider=iaas.provider, record=record, paths=paths, unknown=unknown)


def declared(spec: StackSpec, role: Role = "primary") -> Record:
    """The actual record for ``source: declared``: the dashboard block, or the spec itself when absent."""
    if spec.genesys.source is not GenesysSource.DECLARED:
        raise ValueError("the stack's Genesys source is not `declared`")
    block: DeclaredConnection | None = (
        spec.genesys.standby_connection if role == "standby" else spec.genesys.connection
    )
    want = desired(spec, role)
    key = "standbyConnection" if role == "standby" else "connection"
    if block is None:
        # The spec stands in for the dashboard: equal by construction, so say nothing was compared.
        return Record(
            name=want.record.name,
            values=want.record.values,
            unchecked={
                "connection": f"no {NAMESPACE}:genesys.{key} block: the spec stands in for the Genesys record, "
                "so no value was compared with what Genesys holds"
            },
        )
    _, _, cidr_path, _ = _role_parts(spec, role)
    values: dict[str, object] = {
        **_phase_values(block.phase1, block.phase2),
        "localNetworks": _nets(block.local_networks),
        "remoteNetworks": _nets(block.remote_networks),
        "peerIp": str(block.peer_ip) if block.peer_ip is not None else None,
        # The dashboard's gateway IP and tunnel range live in the spec itself: nothing to compare.
        "gatewayIp": None,
        "tunnelCidr": None,
        "natTraversal": block.nat_traversal,
        "keepaliveSeconds": float(block.keepalive_seconds)
        if block.keepalive_seconds is not None
        else None,
    }
    same = "the declared source takes it from {} (copied from the dashboard), so it is the spec's own value"
    return Record(
        name=want.record.name,
        values=values,
        unchecked={
            "gatewayIp": same.format(f"{NAMESPACE}:genesys.gatewayIp"),
            "tunnelCidr": same.format(cidr_path),
        },
    )


def from_connection(conn: Connection) -> Record:
    """The actual record from an API response."""
    values: dict[str, object] = {
        **_phase_values(conn.phase1, conn.phase2),
        "localNetworks": _nets(conn.local_networks),
        "remoteNetworks": _nets(conn.remote_networks),
        "peerIp": str(conn.peer_ip),
        "gatewayIp": str(conn.gateway_ip),
        "tunnelCidr": str(conn.tunnel_cidr),
        "natTraversal": conn.nat_traversal,
        "keepaliveSeconds": float(conn.keepalive_seconds),
    }
    return Record(name=conn.name, values=values, id=conn.id, psk_digest=conn.pre_shared_key_digest)


def to_input(
    want: Desired, *, peer_ip: str | None = None, psk: str | None = None
) -> ConnectionInput:
    """The POST/PUT body that makes Genesys hold the desired record (gatewayIp is Genesys' own)."""
    v = want.record.values
    peer = peer_ip or v["peerIp"]
    if peer is None:
        raise ValueError(
            f"the {want.role} connection's peer IP is not known yet ({want.unknown.get('peerIp', 'not declared')})"
        )
    key = (
        psk
        if psk is not None
        else (want.record.psk.get_secret_value() if want.record.psk else None)
    )
    pfs = v["phase2.pfsGroup"]
    return ConnectionInput.model_validate(
        {
            "name": want.record.name,
            "peerIp": peer,
            "tunnelCidr": v["tunnelCidr"],
            "localNetworks": list(v["localNetworks"]),  # type: ignore[call-overload]
            "remoteNetworks": list(v["remoteNetworks"]),  # type: ignore[call-overload]
            "natTraversal": v["natTraversal"],
            "keepaliveSeconds": v["keepaliveSeconds"],
            "phase1": {
                "ikeVersion": v["phase1.ikeVersion"],
                "encryption": v["phase1.encryption"],
                "integrity": v["phase1.integrity"],
                "dhGroup": v["phase1.dhGroup"],
                "lifetimeSeconds": v["phase1.lifetimeSeconds"],
            },
            "phase2": {
                "protocol": v["phase2.protocol"],
                "encryption": v["phase2.encryption"],
                "integrity": v["phase2.integrity"],
                "pfsGroup": None if pfs == "off" else pfs,
                "lifetimeSeconds": v["phase2.lifetimeSeconds"],
            },
            "preSharedKey": key,
        }
    )
