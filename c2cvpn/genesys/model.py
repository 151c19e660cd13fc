"""The Genesys-side VPN connection record, as the contract (``openapi.yaml``) spells it.

One set of models serves the client (parsing responses), the simulator (validating
requests), the reconciler (comparing records) and the ``declared`` source (values an admin
copied from the dashboard). Algorithm names use the project's canonical spelling
(``aes256``, ``sha256``, DH group numbers); dashboard labels such as ``AES-256`` are
accepted and normalised by the same validators as the stack spec.

The pre-shared key is write-only: :class:`ConnectionInput` takes it, no response model has
it. A server may return ``preSharedKeyDigest`` (HMAC-SHA256 of the key, keyed by the
connection id) so that a client can check the key without ever reading it.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_serializer
from pydantic.alias_generators import to_camel

from c2cvpn.spec import Address, CipherName, IntegrityName, Lowercase, Network

ConnectionState = Literal["Connecting", "Established", "Down"]


class _Wire(BaseModel):
    """JSON on the wire. Unknown fields are ignored, as the Platform API does: a server that
    adds a field to its responses must not break reconciliation (the spec, by contrast,
    refuses unknown keys, because there they are typos)."""

    model_config = ConfigDict(
        extra="ignore",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        hide_input_in_errors=True,
    )


class Phase1Record(_Wire):
    ike_version: Lowercase = "ikev2"
    encryption: CipherName
    integrity: IntegrityName
    dh_group: int
    lifetime_seconds: int = 28800


class Phase2Record(_Wire):
    protocol: Lowercase = "esp"
    encryption: CipherName
    integrity: IntegrityName
    pfs_group: int | None
    lifetime_seconds: int = 3600


class _ConnectionBody(_Wire):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    peer_ip: Address
    tunnel_cidr: Network
    local_networks: list[Network] = Field(min_length=1)
    remote_networks: list[Network] = Field(min_length=1)
    nat_traversal: bool = True
    keepalive_seconds: float = 20
    phase1: Phase1Record
    phase2: Phase2Record


class ConnectionInput(_ConnectionBody):
    """A POST or PUT body. ``preSharedKey`` is required on create, optional on update."""

    pre_shared_key: SecretStr | None = None

    @field_serializer("pre_shared_key", when_used="json")
    def _reveal(self, value: SecretStr | None) -> str | None:
        # Serialised only to build the request body; never logged or returned.
        return value.get_secret_value() if value is not None else None

    def __repr_args__(self) -> Any:
        for key, value in super().__repr_args__():
            yield (key, "[secret]" if key == "pre_shared_key" and value is not None else value)

    def body(self) -> dict[str, Any]:
        """The JSON request body (the only place the key is revealed)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class Connection(_ConnectionBody):
    """A connection as the API returns it (no ``preSharedKey``, ever)."""

    id: str
    gateway_ip: Address
    pre_shared_key_digest: str | None = None
    self_uri: str | None = None


class PhaseStatus(_Wire):
    state: str
    detail: str


class ConnectionStatus(_Wire):
    id: str
    status: ConnectionState
    phase1: PhaseStatus
    phase2: PhaseStatus


class DiagnosticEntry(_Wire):
    timestamp: str
    level: Literal["info", "warning", "error"]
    message: str


class Diagnostics(_Wire):
    id: str
    entries: list[DiagnosticEntry]


class PingResult(_Wire):
    target: Address
    success: bool
    packets_sent: int
    packets_received: int
    average_rtt_ms: float | None
    message: str


def psk_digest(connection_id: str, psk: str) -> str:
    """``hmac-sha256:<hex>`` of the key, keyed by the connection id (a fingerprint, not the key)."""
    mac = hmac.new(connection_id.encode(), psk.encode(), hashlib.sha256).hexdigest()
    return f"hmac-sha256:{mac}"


def networks(values: list[ipaddress.IPv4Network]) -> list[str]:
    """A canonical, order-free spelling of a network list (traffic selectors are sets)."""
    return sorted({str(n) for n in values}, key=lambda s: ipaddress.IPv4Network(s))
