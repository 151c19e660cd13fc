"""The contract between the program and a provider's builder.

A builder takes one :class:`~c2cvpn.spec.Attachment` (the primary or the standby, each with
its own provider) and the stack-wide :class:`BuildContext`, creates that attachment's
resources and returns its :class:`AttachmentExports`. The program never looks inside a
component: what Genesys and the IaaS team need comes back typed, and is exported with
camelCase keys by :meth:`AttachmentExports.export`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pulumi

from c2cvpn import derive
from c2cvpn.spec import Attachment, GenesysConnection, Role, StackSpec, connections_on
from c2cvpn.vendors import Provider

State = TypeVar("State")


@dataclass
class BuildContext:
    """What every builder of one stack shares: the spec, the keys, and per-provider state
    (for example the rules and routes an AWS attachment already owns in a shared VPC)."""

    spec: StackSpec
    #: Each Genesys connection's key, by connection role (each tunnel has its own).
    psks: Mapping[str, pulumi.Output[str]]
    _state: dict[Provider, Any] = field(default_factory=dict)

    def state(self, provider: Provider, factory: Callable[[], State]) -> State:
        """The provider's stack-wide state, made by ``factory`` on first use."""
        if provider not in self._state:
            self._state[provider] = factory()
        found: State = self._state[provider]
        return found


@dataclass(frozen=True)
class AttachmentArgs:
    """What every attachment component takes: the validated spec (components translate it and
    never re-check rules), which end it builds, and the key."""

    spec: StackSpec
    attachment: Attachment
    #: The keys of the Genesys connections that end on this attachment (secret Outputs).
    psks: Mapping[str, pulumi.Input[str]]

    @property
    def connections(self) -> dict[int, GenesysConnection]:
        """The Genesys connections ending here, by tunnel index (1 or 2)."""
        return connections_on(self.spec, self.attachment)

    def psk_for_tunnel(self, tunnel: int) -> pulumi.Input[str] | None:
        """The key of the Genesys connection on ``tunnel`` (None: no Genesys connection)."""
        connection = self.connections.get(tunnel)
        return self.psks[connection.role] if connection is not None else None


@dataclass(frozen=True)
class TunnelEndpoint:
    """One tunnel as the Genesys admin must enter it."""

    inside_cidr: pulumi.Input[str]
    #: The cloud's and Genesys' tunnel interface addresses; None where the cloud configures
    #: none (Azure route-based without BGP): no inside-address health check can answer there.
    cloud_inside_address: str | None
    genesys_inside_address: str | None
    outside_ip: pulumi.Input[str] | None

    def export(self) -> dict[str, Any]:
        return {
            "insideCidr": self.inside_cidr,
            "cloudInsideAddress": self.cloud_inside_address,
            "genesysInsideAddress": self.genesys_inside_address,
            "outsideIp": self.outside_ip,
        }


def inside_endpoint(
    inside: ipaddress.IPv4Network, outside_ip: pulumi.Input[str] | None
) -> TunnelEndpoint:
    """A tunnel whose interfaces use the Genesys range (addresses as
    :func:`c2cvpn.derive.interface_addresses` assigns them)."""
    t = derive.interface_addresses(inside)
    return TunnelEndpoint(str(t.cidr), str(t.cloud_address), str(t.genesys_address), outside_ip)


@dataclass(frozen=True)
class AttachmentExports:
    """What one attachment tells the program, the Genesys admin and the IaaS team."""

    role: Role
    provider: Provider
    tunnel_cidr: str
    tunnels: list[TunnelEndpoint]
    #: Where it landed: ``region``/``availabilityZone``, or ``location`` (camelCase keys).
    placement: Mapping[str, str]
    #: The provider's IDs and route targets for the IaaS team (camelCase keys).
    iaas: Mapping[str, Any]
    #: Alarms on the tunnels' health (AWS): what Route 53 failover is gated by.
    alarm_names: Sequence[pulumi.Output[str]] = ()
    #: The region those alarms live in.
    alarm_region: str | None = None

    def export(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "provider": self.provider.value,
            **self.placement,
            "tunnelCidr": self.tunnel_cidr,
            "iaas": dict(self.iaas),
        }


#: A provider's builder: one attachment in, its resources created, its exports out.
Builder = Callable[[Attachment, BuildContext], AttachmentExports]
