"""The stack specification: pydantic models for ``c2c-vpn:*`` config and the one loader.

The loader reads either a Pulumi stack file (``stacks/Pulumi.<env>.yaml``) or the config
mapping that the Pulumi engine hands to the program, so the CLI and ``pulumi up`` judge a
stack by the same code. It checks *shape* (keys, types, addresses); the rules in
:mod:`c2cvpn.rules` check *meaning*. Shape errors make a stack unusable (exit 2); rule
problems make it invalid (exit 1).
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from c2cvpn.vendors import (
    CIPHER_ALIASES,
    INTEGRITY_ALIASES,
    PROFILES,
    Provider,
    ProviderProfile,
    profile,
    squash,
)

NAMESPACE = "c2c-vpn"
#: The two attachments a stack may have: every module names a role with this one type.
Role = Literal["primary", "standby"]
ROLES: tuple[Role, ...] = ("primary", "standby")
#: ``c2c-vpn:tunnel`` key holding each Genesys connection's pre-shared key.
PSK_KEYS: dict[Role, str] = {"primary": "preSharedKey", "standby": "standbyPreSharedKey"}
TOP_LEVEL_KEYS = ("genesys", "tunnel", "iaas", "standby")
#: Top-level keys a Pulumi stack file may carry besides ``config``.
STACK_FILE_KEYS = frozenset(
    {"config", "encryptionsalt", "secretsprovider", "encryptedkey", "environment"}
)


# --------------------------------------------------------------------------- value types


def _parse_network(value: Any) -> Any:
    if isinstance(value, ipaddress.IPv4Network):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError(
            "cidr", "expected a CIDR such as 10.10.0.0/24, got {value}", {"value": repr(value)}
        )
    text = value.strip()
    if "/" not in text:
        raise PydanticCustomError(
            "cidr",
            "{value} has no prefix length; write it as a CIDR such as 10.10.0.0/24",
            {"value": repr(value)},
        )
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise PydanticCustomError(
            "cidr", "{value} is not an IPv4 CIDR such as 10.10.0.0/24", {"value": repr(value)}
        ) from None
    if net.version != 4:
        raise PydanticCustomError(
            "cidr",
            "{value} is IPv6; Genesys Cloud-to-Cloud VPN networks are IPv4",
            {"value": repr(value)},
        )
    if str(net) != text:
        raise PydanticCustomError(
            "cidr",
            "{value} has host bits set; the network is {net}",
            {"value": repr(value), "net": str(net)},
        )
    return net


def _parse_address(value: Any) -> Any:
    if isinstance(value, ipaddress.IPv4Address):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError(
            "ip",
            "expected an IPv4 address such as 203.0.113.10, got {value}",
            {"value": repr(value)},
        )
    try:
        addr = ipaddress.ip_address(value.strip())
    except ValueError:
        raise PydanticCustomError(
            "ip", "{value} is not an IPv4 address such as 203.0.113.10", {"value": repr(value)}
        ) from None
    if addr.version != 4:
        raise PydanticCustomError(
            "ip", "{value} is IPv6; the IKE peers here use IPv4", {"value": repr(value)}
        )
    return addr


def _unique(values: list[Any]) -> list[Any]:
    """Each entry once: a repeated port or ID would become two resources with one name."""
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise PydanticCustomError(
                "duplicate",
                "{value} is listed more than once; list it once",
                {"value": repr(value)},
            )
        seen.add(value)
    return values


Network = Annotated[ipaddress.IPv4Network, BeforeValidator(_parse_network)]
Address = Annotated[ipaddress.IPv4Address, BeforeValidator(_parse_address)]


def _normaliser(aliases: Mapping[str, str], kind: str, example: str) -> Any:
    def normalise(value: Any) -> Any:
        if not isinstance(value, str):
            raise PydanticCustomError(
                "algorithm",
                "expected an {kind} name such as {example}, got {value}",
                {"kind": kind, "example": example, "value": repr(value)},
            )
        return aliases.get(squash(value), value.strip().lower())

    return normalise


# Algorithm names are normalised ("AES-256" -> "aes256") but not restricted here: a value the
# project does not know becomes an `algorithm-unsupported` problem with the list of choices.
CipherName = Annotated[
    str, BeforeValidator(_normaliser(CIPHER_ALIASES, "encryption algorithm", "aes256"))
]
IntegrityName = Annotated[
    str, BeforeValidator(_normaliser(INTEGRITY_ALIASES, "integrity algorithm", "sha256"))
]
Lowercase = Annotated[
    str, BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v)
]
Port = Annotated[int, Field(ge=1, le=65535)]


class Encrypted(BaseModel):
    """A ``secure:`` value from a stack file: present, but unreadable without the Pulumi CLI."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    secure: str

    def __repr__(self) -> str:
        return "Encrypted('[secret]')"

    __str__ = __repr__


# --------------------------------------------------------------------------- models


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        hide_input_in_errors=True,
    )


class GenesysSource(StrEnum):
    DECLARED = "declared"
    API = "api"


class GenesysSide(_Model):
    """``c2c-vpn:genesys``: the Genesys Cloud end, as its VPN dashboard shows it."""

    region: Lowercase = Field(description="Genesys Cloud region of the org, e.g. `us-east-1`.")
    gateway_ip: Address = Field(
        description="Public IP of the Genesys VPN gateway, from its dashboard."
    )
    tenant_cidrs: list[Network] = Field(
        min_length=1, description="Genesys-side networks the IaaS must reach."
    )
    tunnel_cidr: Network = Field(
        description="Tunnel interface range Genesys allocated: a /30 or /29 in 169.254.0.0/16."
    )
    source: GenesysSource = Field(
        GenesysSource.DECLARED,
        description="Where the Genesys record comes from: `declared` (this block) or `api`.",
    )
    connection: DeclaredConnection | None = Field(
        None,
        description="source declared: the primary connection as the Genesys dashboard shows it (absent: as this spec says).",
    )
    standby_connection: DeclaredConnection | None = Field(
        None, description="source declared: the standby connection as the dashboard shows it."
    )
    api: GenesysApi | None = Field(
        None, description="source api: where and how to read (or manage) the Genesys record."
    )

    @model_validator(mode="after")
    def _source_blocks(self) -> GenesysSide:
        if self.source is GenesysSource.API and (
            self.connection is not None or self.standby_connection is not None
        ):
            raise PydanticCustomError(
                "conflict",
                "source is api but a declared `connection` block is given; remove it (the API is read instead) or set source: declared",
            )
        if self.source is GenesysSource.DECLARED and self.api is not None:
            raise PydanticCustomError(
                "conflict",
                "an `api` block is given but source is declared; set source: api to use it, or remove it",
            )
        return self


class Phase1(_Model):
    """``c2c-vpn:tunnel.phase1``: IKE SA parameters."""

    ike_version: Lowercase = Field(
        "ikev2", description="`ikev2` (the only version Genesys speaks)."
    )
    encryption: CipherName = Field(description="`aes128`, `aes256`, `aes128gcm` or `aes256gcm`.")
    integrity: IntegrityName = Field(
        description="`sha256` (or `sha384`, `sha512`; `sha1` is deprecated). With GCM, the PRF."
    )
    dh_group: int = Field(
        description="Diffie-Hellman group number: 14, 19, 20 or 24 work everywhere."
    )
    lifetime_seconds: int = Field(
        28800, description="IKE SA lifetime (AWS 900-28800; fixed at 28800 on Azure)."
    )


class Phase2(_Model):
    """``c2c-vpn:tunnel.phase2``: IPsec (child) SA parameters."""

    protocol: Lowercase = Field("esp", description="`esp` (AH cannot cross NAT).")
    encryption: CipherName = Field(description="As phase 1; keep them identical.")
    integrity: IntegrityName = Field(description="As phase 1; Azure phase 2 has no sha384/sha512.")
    pfs_group: int | None = Field(
        description="PFS group number, normally the phase 1 DH group; `null` disables PFS (refused)."
    )
    lifetime_seconds: int = Field(
        3600, description="Child SA lifetime (AWS 900-3600 and below phase 1; Azure 300-172799)."
    )


class DeclaredConnection(_Model):
    """``c2c-vpn:genesys.connection``: what the admin copied from the Genesys VPN dashboard.

    The gateway IP and tunnel CIDR are ``genesys.gatewayIp`` and ``genesys.tunnelCidr``. The
    pre-shared key is write-only in Genesys, so it is never declared here.
    """

    peer_ip: Address | None = Field(
        None,
        description="Peer IP Address as entered in Genesys (AWS: the tunnel outside IP, known after deploy).",
    )
    local_networks: list[Network] = Field(
        min_length=1, description="Genesys-side networks (should equal genesys.tenantCidrs)."
    )
    remote_networks: list[Network] = Field(
        min_length=1,
        description="IaaS-side networks Genesys routes into the tunnel (should equal iaas.networks).",
    )
    nat_traversal: bool | None = Field(
        None, description="NAT-T as set in Genesys (absent: not compared)."
    )
    keepalive_seconds: float | None = Field(
        None, description="Keepalive interval as set in Genesys (absent: not compared)."
    )
    phase1: Phase1 = Field(description="Phase 1 as set in Genesys.")
    phase2: Phase2 = Field(description="Phase 2 as set in Genesys.")


class GenesysApiPaths(_Model):
    """``c2c-vpn:genesys.api.paths``: the contract's paths, for a server that mounts them elsewhere."""

    token: str = Field(
        "/oauth/token", pattern=r"^/", description="OAuth token endpoint on the login host."
    )
    connections: str = Field(
        "/api/v2/telephony/vpn/connections",
        pattern=r"^/",
        description="Connection collection on the API host.",
    )


class GenesysApi(_Model):
    """``c2c-vpn:genesys.api``: reading (verify) or managing the Genesys record over HTTP.

    The client secret is never configuration here: it comes from the environment variable
    named by ``clientSecretEnv`` (or, in the Pulumi program, the secret config
    ``genesyscloud:oauthclientSecret``).
    """

    base_url: str | None = Field(
        None,
        pattern=r"^https?://[^\s/]+(/[^\s]*)?$",
        description="API base URL (default: https://api.<region domain>).",
    )
    login_url: str | None = Field(
        None,
        pattern=r"^https?://[^\s/]+(/[^\s]*)?$",
        description="OAuth host (default: https://login.<region domain>; baseUrl itself only when that is loopback, the simulator).",
    )
    client_id: str | None = Field(
        None, min_length=1, description="OAuth client id (default: $GENESYS_CLIENT_ID)."
    )
    client_secret_env: str = Field(
        "GENESYS_CLIENT_SECRET",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Environment variable holding the OAuth client secret.",
    )
    connection_name: str | None = Field(
        None, description="Name of the primary connection in Genesys (default: tunnel.name)."
    )
    connection_id: str | None = Field(
        None, description="Id of the primary connection (looked up by name when absent)."
    )
    standby_connection_name: str | None = Field(
        None, description="Name of the standby connection (default: <tunnel.name>-STANDBY)."
    )
    standby_connection_id: str | None = Field(None, description="Id of the standby connection.")
    mode: Literal["verify", "manage"] = Field(
        "verify",
        description="`verify`: read-only, a must-match difference fails preview/up; `manage`: create and update it.",
    )
    paths: GenesysApiPaths = Field(
        default_factory=GenesysApiPaths,
        description="Paths of the contract (default: the project's openapi.yaml).",
    )
    timeout_seconds: float = Field(10.0, gt=0, le=300, description="Per-request timeout.")


GenesysSide.model_rebuild()  # its declared/api blocks are defined after it


class Dpd(_Model):
    """``c2c-vpn:tunnel.dpd``: dead-peer detection."""

    timeout_seconds: int = Field(
        30, description="Declare the peer dead after this long (AWS >= 30, Azure 9-3600)."
    )
    action: Literal["clear", "none", "restart"] = Field(
        "restart", description="What to do then: `restart` re-initiates."
    )


class Tunnel(_Model):
    """``c2c-vpn:tunnel``: the IKEv2/IPsec parameters both sides must share."""

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        description="Connection name, e.g. `PROD-AWS-SFDC-VPN` (letters, digits, `.`, `_`, `-`).",
    )
    authentication: Lowercase = Field(
        "psk", description="`psk` (certificates are not offered by Genesys)."
    )
    pre_shared_key: SecretStr | Encrypted | None = Field(
        None,
        description="The primary Genesys connection's PSK as a Pulumi secret; generated to the portable rule when absent.",
    )
    standby_pre_shared_key: SecretStr | Encrypted | None = Field(
        None,
        description="The standby Genesys connection's PSK (each tunnel has its own key); generated when absent.",
    )
    nat_traversal: bool = Field(True, description="Encapsulate ESP in UDP 4500.")
    keepalive_seconds: float = Field(
        20, description="NAT keepalive / DPD interval in seconds (20 or less)."
    )
    startup_action: Literal["add", "start"] = Field(
        "start", description="`start`: the IaaS side initiates; `add`: it waits for Genesys."
    )
    dpd: Dpd = Field(default_factory=Dpd, description="Dead-peer detection.")
    phase1: Phase1
    phase2: Phase2

    @property
    def psk_readable(self) -> str | None:
        """The primary connection's key, when the stack holds it readably."""
        return self.psk_readable_for("primary")

    def key_for(self, role: Role) -> SecretStr | Encrypted | None:
        """The key of the Genesys connection ``role`` as configured (None: generated)."""
        return self.pre_shared_key if role == "primary" else self.standby_pre_shared_key

    def psk_readable_for(self, role: Role) -> str | None:
        key = self.key_for(role)
        return key.get_secret_value() if isinstance(key, SecretStr) else None


class GatewayKind(StrEnum):
    VGW = "vgw"
    TGW = "tgw"


class AwsSettings(_Model):
    """``c2c-vpn:iaas.aws``: where the attachment lands on AWS."""

    region: str = Field(
        pattern=r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$",
        description="AWS region, e.g. `eu-west-1`.",
    )
    vpc_id: str = Field(
        pattern=r"^vpc-[0-9a-f]{8,17}$", description="The VPC that holds the back ends."
    )
    route_table_ids: Annotated[
        list[Annotated[str, Field(pattern=r"^rtb-[0-9a-f]{8,17}$")]], AfterValidator(_unique)
    ] = Field(default_factory=list, description="Route tables that get a route per Genesys CIDR.")
    security_group_ids: Annotated[
        list[Annotated[str, Field(pattern=r"^sg-[0-9a-f]{8,17}$")]], AfterValidator(_unique)
    ] = Field(default_factory=list, description="Groups that get the application-port rules.")
    availability_zone: str = Field(
        pattern=r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d[a-z]$",
        description="AZ of this attachment (appliance and failover placement), e.g. `eu-west-1a`.",
    )
    subnet_id: str | None = Field(
        None,
        pattern=r"^subnet-[0-9a-f]{8,17}$",
        description="An existing subnet for the MSS appliance; it must have no explicit route-table association (or use applianceSubnetCidr).",
    )
    appliance_subnet_cidr: Network | None = Field(
        None,
        description="A free CIDR of the VPC (/28 or larger) for a subnet the project creates for the MSS appliance, in availabilityZone (or use subnetId).",
    )
    gateway: GatewayKind = Field(
        GatewayKind.VGW,
        description="`vgw` (a new virtual private gateway) or `tgw` (an existing transit gateway).",
    )
    transit_gateway_id: str | None = Field(
        None, pattern=r"^tgw-[0-9a-f]{8,17}$", description="Required with `gateway: tgw`."
    )
    transit_gateway_route_table_id: str | None = Field(
        None,
        pattern=r"^tgw-rtb-[0-9a-f]{8,17}$",
        description="With `gateway: tgw` (required): the TGW route table the VPN attachment is associated with and that gets a static route per Genesys CIDR.",
    )
    transit_gateway_vpc_attachment_id: str | None = Field(
        None,
        pattern=r"^tgw-attach-[0-9a-f]{8,17}$",
        description="With `gateway: tgw`: the VPC's TGW attachment, propagated into that route table for the return path (absent: propagate it yourself).",
    )
    alarm_actions: Annotated[
        list[
            Annotated[
                str, Field(pattern=r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$")
            ]
        ],
        AfterValidator(_unique),
    ] = Field(
        default_factory=list,
        description="SNS topic ARNs told when a tunnel goes down and when it recovers.",
    )

    @model_validator(mode="after")
    def _gateway_fields(self) -> AwsSettings:
        if self.gateway is GatewayKind.TGW and not self.transit_gateway_id:
            raise PydanticCustomError(
                "required_with",
                "transitGatewayId is required with gateway: tgw (the transit gateway to attach to)",
            )
        if self.gateway is GatewayKind.TGW and not self.transit_gateway_route_table_id:
            # AWS creates no default route table when default association and propagation are
            # off (Transit Gateway guide, "How transit gateways work"): name the table.
            raise PydanticCustomError(
                "required_with",
                "transitGatewayRouteTableId is required with gateway: tgw (the TGW route table "
                "that holds the Genesys routes and is associated with the VPN attachment)",
            )
        if self.subnet_id is not None and self.appliance_subnet_cidr is not None:
            raise PydanticCustomError(
                "conflict",
                "subnetId and applianceSubnetCidr are both set; give one: the existing subnet, or "
                "the CIDR of a subnet the project creates",
            )
        tgw_only = (
            self.transit_gateway_id,
            self.transit_gateway_route_table_id,
            self.transit_gateway_vpc_attachment_id,
        )
        if self.gateway is GatewayKind.VGW and any(tgw_only):
            raise PydanticCustomError(
                "conflict",
                "transit gateway settings are set but gateway is vgw; set gateway: tgw to use the "
                "transit gateway",
            )
        return self

    def appliance_placement_missing(self) -> str | None:
        """What the MSS appliance still needs here (None: it can be placed)."""
        if self.subnet_id is None and self.appliance_subnet_cidr is None:
            return (
                "aws.applianceSubnetCidr (a free CIDR of the VPC for the appliance's own subnet) "
                "or aws.subnetId (an existing subnet without an explicit route-table association)"
            )
        return None


#: The resource ID of a virtual network's ``GatewaySubnet`` (Azure fixes the subnet name;
#: ARM IDs compare case-insensitively). Groups: resource group, virtual network.
AZURE_GATEWAY_SUBNET_ID = re.compile(
    r"/subscriptions/[0-9a-f-]{36}/resourceGroups/([^/]+)/providers/Microsoft\.Network"
    r"/virtualNetworks/([^/]+)/subnets/GatewaySubnet",
    re.IGNORECASE,
)


#: First NSG rule priority per role when ``azure.nsgPriorityBase`` is not set.
AZURE_NSG_PRIORITY_BASE: dict[Role, int] = {"primary": 300, "standby": 500}
#: NSG rule priorities Azure accepts ("a number between 100 and 4096",
#: MicrosoftDocs/azure-docs articles/virtual-network/network-security-groups-overview.md).
AZURE_NSG_PRIORITIES = range(100, 4097)


def _gateway_subnet_id(value: str) -> str:
    if not AZURE_GATEWAY_SUBNET_ID.fullmatch(value):
        raise PydanticCustomError(
            "azure_id",
            "{value} is not the resource ID of a GatewaySubnet: /subscriptions/<subscription>/"
            "resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/"
            "GatewaySubnet",
            {"value": repr(value)},
        )
    return value


class AzureSettings(_Model):
    """``c2c-vpn:iaas.azure``: where the attachment lands on Azure."""

    resource_group_name: str = Field(
        min_length=1, max_length=90, description="Resource group of the virtual network."
    )
    location: Lowercase = Field(min_length=2, description="Azure location, e.g. `westeurope`.")
    virtual_network_name: str = Field(
        min_length=2, max_length=64, description="The virtual network that holds the back ends."
    )
    gateway_subnet_prefix: Network | None = Field(
        None,
        description="Prefix for a new `GatewaySubnet`: /27 or larger, free in the VNet (or give gatewaySubnetId).",
    )
    gateway_subnet_id: Annotated[str, AfterValidator(_gateway_subnet_id)] | None = Field(
        None,
        description="Resource ID of the VNet's existing `GatewaySubnet` (hub VNets, ExpressRoute coexistence), instead of gatewaySubnetPrefix; it must hold no VPN gateway yet.",
    )
    sku: str = Field(
        "VpnGw1AZ",
        description="Gateway SKU: `VpnGw1AZ`..`VpnGw5AZ` (Basic and the retired non-AZ `VpnGw1`..`VpnGw5` are refused).",
    )
    zone_redundant: bool = Field(
        True,
        description="Zone-redundant public IPs (zones 1, 2, 3); set false in a location without availability zones, where Azure cannot create them.",
    )
    network_security_group_names: Annotated[list[str], AfterValidator(_unique)] = Field(
        default_factory=list,
        description="NSGs of the back-end subnets that get the application-port rules.",
    )
    nsg_priority_base: int | None = Field(
        None,
        ge=AZURE_NSG_PRIORITIES.start,
        le=AZURE_NSG_PRIORITIES.stop - 1,
        description="First NSG rule priority (ICMP; application ports follow): free in every listed NSG. Default: primary 300, standby 500.",
    )
    active_active: bool = Field(
        False,
        description="Active-active gateway: two public IPs, one Genesys connection each (needs a /29 tunnel range). Off: Azure's built-in active-standby pair behind one IP, one tunnel.",
    )
    appliance_subnet_prefix: Network | None = Field(
        None,
        description="Free prefix (/29 or larger) in the VNet for the MSS appliance's subnet (required when mssClamp.enabled).",
    )
    appliance_ssh_public_key: str | None = Field(
        None,
        pattern=r"^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( [^\n]*)?$",
        description="OpenSSH public key for the appliance's admin: key login only, password login off (absent: a generated password kept in the stack's state).",
    )

    @model_validator(mode="after")
    def _one_gateway_subnet(self) -> AzureSettings:
        given = (self.gateway_subnet_prefix is not None, self.gateway_subnet_id is not None)
        if given == (True, True):
            raise PydanticCustomError(
                "conflict",
                "gatewaySubnetPrefix and gatewaySubnetId are both set; give the prefix to create "
                "GatewaySubnet, or the ID of the existing one",
            )
        if given == (False, False):
            raise PydanticCustomError(
                "required_with",
                "gatewaySubnetPrefix (a free /27 for a new GatewaySubnet) or gatewaySubnetId "
                "(the VNet's existing GatewaySubnet) is required",
            )
        return self

    def appliance_placement_missing(self) -> str | None:
        """What the MSS appliance still needs here (None: it can be placed)."""
        if self.appliance_subnet_prefix is None:
            return "azure.applianceSubnetPrefix (a free prefix in the VNet for the appliance)"
        return None

    def nsg_priority(self, role: Role) -> int:
        """The first NSG rule priority of this attachment: configured, or the role's default
        (primary 300, standby 500, so a shared NSG keeps the two apart)."""
        if self.nsg_priority_base is not None:
            return self.nsg_priority_base
        return AZURE_NSG_PRIORITY_BASE[role]


#: The ``iaas`` keys that hold a provider's settings block.
SETTINGS_KEYS: tuple[str, ...] = tuple(
    sorted({p.settings_key for p in PROFILES.values() if p.settings_key is not None})
)


class MssClamp(_Model):
    """``c2c-vpn:iaas.mssClamp``: the MSS-clamping appliance."""

    enabled: bool = Field(
        False, description="Deploy the appliance that clamps TCP MSS on Genesys-bound traffic."
    )
    mss: Literal["auto"] | Annotated[int, Field(ge=1, le=65535)] = Field(
        "auto", description="`auto` (computed) or a number no larger than the computed MSS."
    )
    underlay_mtu: int = Field(
        1500, ge=576, le=9001, description="MTU of the path the tunnel runs over."
    )


class IaasSide(_Model):
    """``c2c-vpn:iaas``: the application network end."""

    provider: Provider = Field(description="`aws`, `azure` or `onprem`.")
    networks: list[Network] = Field(
        min_length=1, description="IaaS back-end networks Genesys must reach."
    )
    peer_ip: Address | None = Field(
        None,
        description="Static public IP of the IaaS endpoint (onprem: required; AWS and Azure assign their own and ignore it).",
    )
    application_ports: Annotated[list[Port], AfterValidator(_unique)] = Field(
        description="TCP ports Genesys calls, e.g. [443]."
    )
    aws: AwsSettings | None = Field(None, description="Required when provider is aws.")
    azure: AzureSettings | None = Field(None, description="Required when provider is azure.")
    mss_clamp: MssClamp = Field(default_factory=MssClamp, description="MSS clamping.")

    @property
    def settings(self) -> AwsSettings | AzureSettings | None:
        """The provider's own settings block (``iaas.aws``, ``iaas.azure``), if it has one."""
        key = profile(self.provider).settings_key
        return getattr(self, key) if key is not None else None

    @model_validator(mode="after")
    def _provider_block(self) -> IaasSide:
        wanted = profile(self.provider).settings_key
        if wanted is not None and getattr(self, wanted) is None:
            raise PydanticCustomError(
                "required_with",
                "provider is {p} but the `{b}` block is missing",
                {"p": self.provider.value, "b": wanted},
            )
        for block in SETTINGS_KEYS:
            if block != wanted and getattr(self, block) is not None:
                raise PydanticCustomError(
                    "conflict",
                    "provider is {p} but an `{b}` block is given; remove it or change provider",
                    {"p": self.provider.value, "b": block},
                )
        if profile(self.provider).peer_ip_required and self.peer_ip is None:
            raise PydanticCustomError(
                "required_with",
                "provider is {p} but peerIp is missing (the IP of the IaaS end that Genesys connects to)",
                {"p": self.provider.value},
            )
        settings = self.settings
        missing = settings.appliance_placement_missing() if settings is not None else None
        if self.mss_clamp.enabled and missing is not None:
            raise PydanticCustomError("required_with", "mssClamp.enabled needs {m}", {"m": missing})
        return self


class Route53Failover(_Model):
    """``c2c-vpn:standby.failover.route53``: health-checked failover records for the endpoint Genesys calls."""

    hosted_zone_id: str = Field(
        pattern=r"^Z[0-9A-Z]{1,32}$",
        description="Route 53 hosted zone of the application endpoint's name.",
    )
    record_name: str = Field(
        max_length=254,
        pattern=r"^([A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\.?$",
        description="The name Genesys calls, e.g. `crm-api.example.com`.",
    )
    primary_address: Address = Field(
        description="The endpoint's address behind the primary attachment (inside iaas.networks)."
    )
    standby_address: Address = Field(
        description="The endpoint's address behind the standby (inside standby.iaas.networks)."
    )
    ttl: int = Field(
        60,
        ge=5,
        le=3600,
        description="Record TTL in seconds; short, so Genesys follows a failover quickly.",
    )


class Failover(_Model):
    """``c2c-vpn:standby.failover``: how traffic moves to the standby."""

    route53: Route53Failover | None = Field(
        None, description="AWS: PRIMARY/SECONDARY records, healthy while a primary tunnel is up."
    )


class Standby(_Model):
    """``c2c-vpn:standby``: the active-passive second attachment."""

    iaas: IaasSide = Field(
        description="Same shape as `c2c-vpn:iaas`, on another gateway (another VPC, region, VNet or firewall): a disaster-recovery termination for the standby Genesys connection."
    )
    tunnel_cidr: Network = Field(
        description="Tunnel range Genesys allocated to the standby connection."
    )
    failover: Failover = Field(
        default_factory=Failover, description="How traffic moves to the standby."
    )


class StackSpec(_Model):
    """All ``c2c-vpn:*`` configuration of one stack."""

    genesys: GenesysSide
    tunnel: Tunnel
    iaas: IaasSide
    standby: Standby | None = None


# --------------------------------------------------------------------------- attachments


@dataclass(frozen=True)
class Attachment:
    """One IaaS end of the stack: the primary, or the standby. The one place that knows which
    config paths and tunnel range belong to each role."""

    role: Role
    iaas: IaasSide
    path: str  # config path of its iaas block
    tunnel_cidr: ipaddress.IPv4Network
    tunnel_cidr_path: str

    @property
    def profile(self) -> ProviderProfile:
        """What the project knows about this attachment's provider."""
        return profile(self.iaas.provider)

    @property
    def tunnel_count(self) -> int:
        """Tunnels its gateway brings up, each on its own outside IP: AWS two per VPN
        connection; Azure two when active-active, else one; an on-prem peer one."""
        if self.iaas.azure is not None and self.iaas.azure.active_active:
            return 2
        return self.profile.tunnels_per_connection

    def inside_ranges(self) -> list[ipaddress.IPv4Network]:
        """One inside range per tunnel the Genesys range covers: a /29 gives a two-tunnel
        gateway one /30 per tunnel; otherwise the whole range belongs to tunnel 1."""
        if self.tunnel_count == 2 and self.tunnel_cidr.prefixlen == 29:
            return list(self.tunnel_cidr.subnets(new_prefix=30))
        return [self.tunnel_cidr]


def attachments(spec: StackSpec) -> list[Attachment]:
    """The primary, then the standby when the stack declares one."""
    out = [
        Attachment(
            "primary",
            spec.iaas,
            f"{NAMESPACE}:iaas",
            spec.genesys.tunnel_cidr,
            f"{NAMESPACE}:genesys.tunnelCidr",
        )
    ]
    if spec.standby is not None:
        out.append(
            Attachment(
                "standby",
                spec.standby.iaas,
                f"{NAMESPACE}:standby.iaas",
                spec.standby.tunnel_cidr,
                f"{NAMESPACE}:standby.tunnelCidr",
            )
        )
    return out


def attachment(spec: StackSpec, role: str) -> Attachment:
    """The attachment with ``role``; ValueError naming the roles there when it is absent."""
    for a in attachments(spec):
        if a.role == role:
            return a
    raise ValueError(
        f"the stack has no {role} attachment (roles here: {', '.join(a.role for a in attachments(spec))})"
    )


@dataclass(frozen=True)
class GenesysConnection:
    """One Genesys Cloud VPN connection: one tunnel, to one outside IP of one attachment.

    A stack has a primary Genesys connection and, for redundancy, a standby one. The primary
    ends on the primary attachment's tunnel 1. The standby ends on the standby attachment when
    the stack declares one (a disaster-recovery termination), else on the primary attachment's
    tunnel 2 when its gateway has two tunnels and the Genesys range is a /29 (AWS's two
    tunnels; Azure active-active).
    """

    role: Role
    attachment: Attachment
    tunnel: int  # 1 or 2: which of the attachment's tunnels
    tunnel_cidr: ipaddress.IPv4Network  # its inside range
    tunnel_cidr_path: str
    #: Whose key it uses: its own, or the primary's where the gateway has one key for both of
    #: its tunnels (an Azure connection has one shared key, used by both active-active tunnels).
    key_role: Role

    @property
    def psk_path(self) -> str:
        return f"{NAMESPACE}:tunnel.{PSK_KEYS[self.key_role]}"


def genesys_connections(spec: StackSpec) -> list[GenesysConnection]:
    """The stack's Genesys connections: the primary, then the standby when there is one."""
    ends = attachments(spec)
    primary = ends[0]
    ranges = primary.inside_ranges()
    out = [GenesysConnection("primary", primary, 1, ranges[0], primary.tunnel_cidr_path, "primary")]
    if len(ends) > 1:
        standby = ends[1]
        first = standby.inside_ranges()[0]
        out.append(
            GenesysConnection("standby", standby, 1, first, standby.tunnel_cidr_path, "standby")
        )
    elif len(ranges) > 1:
        key: Role = "standby" if primary.profile.key_per_tunnel else "primary"
        out.append(
            GenesysConnection("standby", primary, 2, ranges[1], primary.tunnel_cidr_path, key)
        )
    return out


def genesys_connection(spec: StackSpec, role: str) -> GenesysConnection:
    """The Genesys connection ``role``; ValueError naming the connections there when absent."""
    found = genesys_connections(spec)
    for c in found:
        if c.role == role:
            return c
    raise ValueError(
        f"the stack has no {role} Genesys connection (here: {', '.join(c.role for c in found)})"
    )


def connections_on(spec: StackSpec, attachment: Attachment) -> dict[int, GenesysConnection]:
    """The Genesys connections ending on ``attachment``, by tunnel index."""
    return {c.tunnel: c for c in genesys_connections(spec) if c.attachment.role == attachment.role}


# --------------------------------------------------------------------------- loading


class SpecError(Exception):
    """The stack cannot be interpreted at all (exit 2). Each line names the key and the fix."""

    def __init__(self, source: str, lines: Iterable[str]) -> None:
        self.source = source
        self.lines = list(lines)
        super().__init__("\n".join(f"{source}: {line}" for line in self.lines))


@dataclass(frozen=True)
class LoadedStack:
    name: str
    source: str  # file path, or "pulumi" for engine config
    spec: StackSpec
    #: Config paths whose value is a secret kept in plain text where it is stored.
    plaintext_secrets: frozenset[str] = field(default_factory=frozenset)
    #: Scalar config of other namespaces (``aws:region``): what the providers would read.
    provider_config: Mapping[str, str] = field(default_factory=dict)


def config_path(loc: Iterable[int | str]) -> str:
    """``('tunnel', 'phase2', 'lifetimeSeconds')`` → ``c2c-vpn:tunnel.phase2.lifetimeSeconds``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    head, _, rest = out.partition(".")
    return f"{NAMESPACE}:{head}" + (f".{rest}" if rest else "")


def _field_model(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class that owns the last key of ``loc`` (for 'did you mean' hints)."""
    current: type[BaseModel] | None = model
    for part in loc[:-1]:
        if isinstance(part, int) or current is None:
            continue
        by_alias = {f.alias or n: f for n, f in current.model_fields.items()}
        info = by_alias.get(part)
        current = None
        if info is not None:
            for candidate in _flatten(info.annotation):
                if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                    current = candidate
                    break
    return current


def _flatten(annotation: Any) -> Iterator[Any]:
    if get_origin(annotation) in (Union, UnionType, list, Annotated):
        for arg in get_args(annotation):
            yield from _flatten(arg)
    else:
        yield annotation


def _describe(err: Mapping[str, Any], model: type[BaseModel]) -> str:
    loc = tuple(err["loc"])
    # Drop pydantic's union-branch and validator tags from the location.
    loc = tuple(
        p
        for p in loc
        if not (
            isinstance(p, str)
            and ("[" in p or p in {"SecretStr", "Encrypted", "str", "int", "literal['auto']"})
        )
    )
    path = config_path(loc) if loc else NAMESPACE
    kind = err["type"]
    if kind == "extra_forbidden":
        owner = _field_model(model, loc)
        names = [f.alias or n for n, f in owner.model_fields.items()] if owner else []
        hint = difflib.get_close_matches(str(loc[-1]), names, n=1)
        also = f"did you mean {hint[0]!r}? " if hint else ""
        return f"{path}: unknown key; {also}valid keys here: {', '.join(names)}"
    if kind == "missing":
        owner = _field_model(model, loc)
        desc = ""
        if owner is not None:
            for n, f in owner.model_fields.items():
                if (f.alias or n) == loc[-1] and f.description:
                    desc = f" ({f.description})"
        return f"{path}: required key is missing{desc}"
    if kind == "string_pattern_mismatch":
        return f"{path}: {err['msg'].lower()} — check the spelling of the value"
    return f"{path}: {err['msg']}"


def _dedupe(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


def _plaintext_psk(raw: Mapping[str, Any], name: str) -> bool:
    tunnel = raw.get("tunnel")
    return isinstance(tunnel, Mapping) and isinstance(tunnel.get(name), str)


def parse_config(
    values: Mapping[str, Any],
    *,
    stack: str,
    source: str,
    secret_keys: frozenset[str] | None = None,
) -> LoadedStack:
    """Turn ``{"c2c-vpn:genesys": {...}, ...}`` into a :class:`LoadedStack` or raise :class:`SpecError`.

    ``secret_keys`` are the config keys the engine marks secret; ``None`` means the values
    come from a stack file, where ``{secure: ...}`` marks a secret.
    """
    if not isinstance(values, Mapping):
        raise SpecError(source, ["`config:` must be a mapping of keys such as `c2c-vpn:genesys`"])
    raw: dict[str, Any] = {}
    providers: dict[str, str] = {}
    errors: list[str] = []
    for key, value in values.items():
        if not isinstance(key, str):
            errors.append(f"config key {key!r} is not a string")
            continue
        namespace, sep, name = key.partition(":")
        if not sep or namespace != NAMESPACE:
            # Provider config such as aws:region belongs to others; scalars are kept for plans.
            if sep and isinstance(value, str | int | float | bool):
                providers[key] = str(value).lower() if isinstance(value, bool) else str(value)
            continue
        if name not in TOP_LEVEL_KEYS:
            hint = difflib.get_close_matches(name, TOP_LEVEL_KEYS, n=1)
            also = f"did you mean '{NAMESPACE}:{hint[0]}'? " if hint else ""
            errors.append(
                f"{key}: unknown key; {also}valid keys: {', '.join(f'{NAMESPACE}:{k}' for k in TOP_LEVEL_KEYS)}"
            )
            continue
        if isinstance(value, str) and value.lstrip().startswith(("{", "[")):
            try:
                value = json.loads(value)  # the engine passes objects as JSON text
            except json.JSONDecodeError:
                errors.append(f"{key}: value is not valid JSON")
                continue
        raw[name] = value
    if errors:
        raise SpecError(source, errors)
    try:
        spec = StackSpec.model_validate(raw)
    except ValidationError as exc:
        raise SpecError(source, _dedupe(_describe(e, StackSpec) for e in exc.errors())) from None
    plaintext: set[str] = set()
    tunnel_key = f"{NAMESPACE}:tunnel"
    for role in ROLES:
        if spec.tunnel.key_for(role) is None:
            continue
        name = PSK_KEYS[role]
        is_plain = (
            _plaintext_psk(raw, name) if secret_keys is None else tunnel_key not in secret_keys
        )
        if is_plain:
            plaintext.add(f"{tunnel_key}.{name}")
    return LoadedStack(
        name=stack,
        source=source,
        spec=spec,
        plaintext_secrets=frozenset(plaintext),
        provider_config=providers,
    )


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys (YAML would silently keep the last one)."""


def _construct_mapping(
    loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (the second would silently win)",
                key_node.start_mark,
            )
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def find_project_root(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "Pulumi.yaml").is_file():
            return candidate
    return None


def stack_dir(root: Path | None = None) -> Path:
    """Where stack files live: ``stackConfigDir`` of the project's ``Pulumi.yaml`` (else ``stacks/``),
    the project found from ``root`` or the current directory upwards."""
    project = root or find_project_root() or Path.cwd()
    project_file = project / "Pulumi.yaml"
    if project_file.is_file():
        try:
            meta = yaml.safe_load(project_file.read_text(encoding="utf-8")) or {}
            configured = meta.get("stackConfigDir") if isinstance(meta, dict) else None
            if isinstance(configured, str):
                return project / configured
        except yaml.YAMLError:
            pass
    return project / "stacks"


def stack_names(directory: Path) -> list[str]:
    """The stack names with a ``Pulumi.<name>.yaml`` (or ``.yml``) file in ``directory``."""
    found = (
        re.fullmatch(r"Pulumi\.(.+)\.ya?ml", p.name)
        for p in directory.glob("Pulumi.*.y*ml")
        if p.is_file()
    )
    return sorted(m.group(1) for m in found if m)


def resolve_stack(ref: str, *, root: Path | None = None) -> tuple[str, Path]:
    """``dev`` → ``stacks/Pulumi.dev.yaml``; a file path (or anything with ``/`` or a YAML suffix) as it is."""
    path = Path(ref)
    if path.suffix in {".yaml", ".yml"} or path.is_file() or "/" in ref:
        m = re.fullmatch(r"Pulumi\.(.+)\.ya?ml", path.name)
        return (m.group(1) if m else path.stem), path
    return ref, stack_dir(root) / f"Pulumi.{ref}.yaml"


def load_stack(ref: str, *, root: Path | None = None) -> LoadedStack:
    """Load a stack by name (found under ``stacks/``) or by file path. Raises :class:`SpecError`."""
    name, path = resolve_stack(ref, root=root)
    source = str(path)
    if not path.is_file():
        names = stack_names(path.parent) if path.parent.is_dir() else []
        available = f"; stacks found in {path.parent}: {', '.join(names)}" if names else ""
        raise SpecError(source, [f"no such stack file{available}"])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(source, [f"cannot read the file: {exc}"]) from None
    try:
        document = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(source, [f"broken YAML at {where}{what}"]) from None
    if document is None:
        raise SpecError(source, ["the file is empty; a stack file starts with `config:`"])
    if not isinstance(document, dict):
        raise SpecError(source, ["a stack file is a mapping with a `config:` key"])
    unknown = [k for k in document if k not in STACK_FILE_KEYS]
    if unknown:
        raise SpecError(
            source,
            [
                f"unknown top-level key {k!r}; a stack file has {', '.join(sorted(STACK_FILE_KEYS))}"
                for k in unknown
            ],
        )
    config = document.get("config")
    if config is None:
        raise SpecError(source, [f"no `config:` section; it holds the {NAMESPACE}:* keys"])
    return parse_config(config, stack=name, source=source)
