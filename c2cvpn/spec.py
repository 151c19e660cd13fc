"""The stack specification: pydantic models for ``c2c-vpn:*`` config and the one loader.

The loader reads either a Pulumi stack file (``stacks/Pulumi.<env>.yaml``) or the config
mapping that the Pulumi engine hands to the program, so the CLI and ``pulumi up`` judge a
stack by the same code. It checks *shape* (keys, types, addresses); the rules in
:mod:`c2cvpn.rules` check *meaning*. Shape errors make a stack unusable (exit 2); rule
problems make it invalid (exit 1).
"""

from __future__ import annotations

import calendar
import difflib
import ipaddress
import json
import math
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Final, Literal, Union, get_args, get_origin

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


# --------------------------------------------------------------------------- limits
#
# How much of a stack file the loader reads at all. Each limit is far above any real stack
# (the examples are 1-3 KB, nest 5 levels deep and hold about 150 values), so it only ever
# stops a file that is not a stack: a 20 MB comment, a billion-laughs alias tree, a list
# nested 10,000 deep. Without them such a file cost minutes, gigabytes or a RecursionError.

#: Bytes read from a stack file: 1 MiB, 300 times the largest example (an encrypted key and
#: all comments included, real stacks stay under 20 KB).
MAX_FILE_BYTES: Final = 1 << 20
#: Nesting depth of mappings and lists, aliases expanded: 64, where a stack needs 5
#: (config → c2c-vpn:genesys → connection → phase1 → key). The Pulumi CLI's own YAML library
#: stops at 10,000 (gopkg.in/yaml.v3 scannerc.go, max_flow_level / max_indents), deeper than
#: Python can recurse; 64 keeps every walk over the values far from Python's stack limit.
MAX_DEPTH: Final = 64
#: Values (scalars, lists, mappings) after alias expansion: 100,000. The largest stack the
#: list caps below allow holds a few thousand; an alias tree that expands past this is a
#: YAML bomb (gopkg.in/yaml.v3 refuses those too: "document contains excessive aliasing").
MAX_VALUES: Final = 100_000
#: Lines of one unusable-input report: enough to fix a file, never a flood in a CI log.
MAX_ERROR_LINES: Final = 20

#: Longest list each list key takes, and why: the smallest figure a vendor publishes as the
#: most it accepts where the list lands (an adjustable quota's *maximum*, not its default;
#: the defaults are checked by the rules, per provider). A longer list is unusable input.
LIST_CAPS: Final[dict[str, tuple[int, str]]] = {
    # Each port is an inbound rule in every listed AWS security group and Azure NSG. AWS: the
    # rules-per-group quota times groups per interface "cannot exceed 1,000"
    # (awsdocs amazon-vpc-user-guide, amazon-vpc-limits.md, Security groups); Azure: 1,000
    # "NSG rules per NSG" (azure-docs includes/azure-virtual-network-limits.md).
    "applicationPorts": (
        1000,
        "a security group (AWS) or NSG (Azure) holds at most 1,000 rules, one per port",
    ),
    # Each Genesys CIDR is a route in every listed AWS route table (at most 1,000 routes,
    # amazon-vpc-limits.md, Route tables) and in the Azure to-Genesys route table (at most
    # 400 "User defined routes per route table", azure-virtual-network-limits.md).
    "tenantCidrs": (400, "an Azure route table holds at most 400 routes, one per Genesys CIDR"),
    "localNetworks": (
        400,
        "an Azure route table holds at most 400 routes, one per Genesys CIDR",
    ),
    # Each IaaS network is a route of the appliance's edge table (AWS) or the GatewaySubnet's
    # route table (Azure): the same 400-route ceiling.
    "networks": (400, "an Azure route table holds at most 400 routes, one per network"),
    "remoteNetworks": (400, "an Azure route table holds at most 400 routes, one per network"),
    # "Route tables per VPC: 200" (amazon-vpc-limits.md, Route tables); all listed tables are
    # in aws.vpcId.
    "routeTableIds": (200, "a VPC has at most 200 route tables"),
    # "Security groups per network interface: 5 (up to 16)" (amazon-vpc-limits.md): the
    # groups that guard one set of back ends.
    "securityGroupIds": (16, "a network interface takes at most 16 security groups"),
    # Azure publishes no per-list figure below 5,000 NSGs per subscription; each listed NSG
    # gets one rule per port, so 100 bounds the plan at 100,000 rules.
    "networkSecurityGroupNames": (100, "each NSG gets a rule per port; 100 bounds the plan"),
    # CloudWatch PutMetricAlarm AlarmActions and OKActions: "Maximum number of 5 items".
    "alarmActions": (5, "a CloudWatch alarm takes at most 5 actions"),
}


def cap(key: str) -> int:
    """The longest list ``key`` takes (see :data:`LIST_CAPS`)."""
    return LIST_CAPS[key][0]


def cut(text: str, limit: int = 60) -> str:
    """``text``, or its first ``limit`` characters and how long it was."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def shown(value: Any, limit: int = 60) -> str:
    """A value as a message may quote it: a long one cut, with how long it was.

    Containers are described, never printed: an alias tree can expand to millions of items.
    """
    if isinstance(value, Mapping):
        return f"a mapping of {len(value)} key(s)"
    if isinstance(value, list | tuple | set | frozenset):
        return f"a list of {len(value)} item(s)"
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        return f"{value[:limit]!r}… ({len(value)} characters)"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**limit:
        digits = str(value)
        return f"{digits[:12]}… ({len(digits.lstrip('-'))} digits)"
    text = (
        str(value)
        if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv4Address)
        else repr(value)
    )
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


# --------------------------------------------------------------------------- value types


def _parse_network(value: Any) -> Any:
    if isinstance(value, ipaddress.IPv4Network):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError(
            "cidr", "expected a CIDR such as 10.10.0.0/24, got {value}", {"value": shown(value)}
        )
    text = value.strip()
    if "/" not in text:
        raise PydanticCustomError(
            "cidr",
            "{value} has no prefix length; write it as a CIDR such as 10.10.0.0/24",
            {"value": shown(value)},
        )
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise PydanticCustomError(
            "cidr", "{value} is not an IPv4 CIDR such as 10.10.0.0/24", {"value": shown(value)}
        ) from None
    if net.version != 4:
        raise PydanticCustomError(
            "cidr",
            "{value} is IPv6; Genesys Cloud-to-Cloud VPN networks are IPv4",
            {"value": shown(value)},
        )
    if str(net) != text:
        raise PydanticCustomError(
            "cidr",
            "{value} has host bits set; the network is {net}",
            {"value": shown(value), "net": str(net)},
        )
    return net


def _parse_address(value: Any) -> Any:
    if isinstance(value, ipaddress.IPv4Address):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError(
            "ip",
            "expected an IPv4 address such as 203.0.113.10, got {value}",
            {"value": shown(value)},
        )
    try:
        addr = ipaddress.ip_address(value.strip())
    except ValueError:
        raise PydanticCustomError(
            "ip", "{value} is not an IPv4 address such as 203.0.113.10", {"value": shown(value)}
        ) from None
    if addr.version != 4:
        raise PydanticCustomError(
            "ip", "{value} is IPv6; the IKE peers here use IPv4", {"value": shown(value)}
        )
    return addr


def _unique(values: list[Any]) -> list[Any]:
    """Each entry once: a repeated port or ID would become two resources with one name, and a
    repeated CIDR two routes to one destination. Refused at the first repeat, so a list of 500
    copies costs one set lookup each and one line of output."""
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise PydanticCustomError(
                "duplicate",
                "{value} is listed more than once; list it once",
                {"value": shown(value)},
            )
        seen.add(value)
    return values


Network = Annotated[ipaddress.IPv4Network, BeforeValidator(_parse_network)]
Address = Annotated[ipaddress.IPv4Address, BeforeValidator(_parse_address)]
#: A list of networks, each listed once.
Networks = Annotated[list[Network], AfterValidator(_unique)]


def _normaliser(aliases: Mapping[str, str], kind: str, example: str) -> Any:
    def normalise(value: Any) -> Any:
        if not isinstance(value, str):
            raise PydanticCustomError(
                "algorithm",
                "expected an {kind} name such as {example}, got {value}",
                {"kind": kind, "example": example, "value": shown(value)},
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
        # NaN and infinity have no JSON spelling (RFC 8259): the engine could not hand them to
        # the program, and a report or plan carrying one would not be JSON.
        allow_inf_nan=False,
        # The longest string a stack holds is an OpenSSH RSA public key (under 3 KB at 16,384
        # bits); anything longer is not a value of this schema.
        str_max_length=4096,
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
    tenant_cidrs: Networks = Field(
        min_length=1,
        max_length=cap("tenantCidrs"),
        description=f"Genesys-side networks the IaaS must reach (at most {cap('tenantCidrs')}).",
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
        ge=0,
        le=65535,  # an IKEv2 transform ID is 16 bits (RFC 7296 section 3.3.2)
        description="Diffie-Hellman group number: 14, 19, 20 or 24 work everywhere.",
    )
    lifetime_seconds: int = Field(
        28800,
        description="IKE SA lifetime (AWS 900-28800; fixed at 28800 on Azure, 36000 on Google Cloud).",
    )


class Phase2(_Model):
    """``c2c-vpn:tunnel.phase2``: IPsec (child) SA parameters."""

    protocol: Lowercase = Field("esp", description="`esp` (AH cannot cross NAT).")
    encryption: CipherName = Field(description="As phase 1; keep them identical.")
    integrity: IntegrityName = Field(
        description="As phase 1; Azure phase 2 has no sha384/sha512, Google Cloud phase 2 no sha384."
    )
    pfs_group: int | None = Field(
        ge=0,
        le=65535,
        description="PFS group number, normally the phase 1 DH group; `null` disables PFS (refused).",
    )
    lifetime_seconds: int = Field(
        3600,
        description="Child SA lifetime (AWS 900-3600 and below phase 1; Azure 300-172799; fixed at 10800 on Google Cloud).",
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
    local_networks: Networks = Field(
        min_length=1,
        max_length=cap("localNetworks"),
        description="Genesys-side networks (should equal genesys.tenantCidrs).",
    )
    remote_networks: Networks = Field(
        min_length=1,
        max_length=cap("remoteNetworks"),
        description="IaaS-side networks Genesys routes into the tunnel (should equal iaas.networks).",
    )
    nat_traversal: bool | None = Field(
        None, description="NAT-T as set in Genesys (absent: not compared)."
    )
    keepalive_seconds: int | None = Field(
        None,
        description="Keepalive interval as set in Genesys, whole seconds (absent: not compared).",
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
        30,
        description="Declare the peer dead after this long (AWS >= 30, Azure 9-3600; Google Cloud has no setting).",
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
    # Whole seconds, like every other timer here: strongSwan refuses `dpd_delay = 1.5s`, and
    # neither cloud has a sub-second knob. The range is the `keepalive-range` rule.
    keepalive_seconds: int = Field(
        20, description="NAT keepalive / DPD interval in whole seconds (20 or less)."
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
    ] = Field(
        default_factory=list,
        max_length=cap("routeTableIds"),
        description=f"Route tables that get a route per Genesys CIDR (at most {cap('routeTableIds')}).",
    )
    security_group_ids: Annotated[
        list[Annotated[str, Field(pattern=r"^sg-[0-9a-f]{8,17}$")]], AfterValidator(_unique)
    ] = Field(
        default_factory=list,
        max_length=cap("securityGroupIds"),
        description=f"Groups that get the application-port rules (at most {cap('securityGroupIds')}).",
    )
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
        description="With `gateway: tgw` (required): the TGW route table the VPN attachment is associated with (where traffic from Genesys is looked up).",
    )
    transit_gateway_vpc_route_table_id: str | None = Field(
        None,
        pattern=r"^tgw-rtb-[0-9a-f]{8,17}$",
        description="With `gateway: tgw`: the TGW route table the VPC's attachment is associated with, which gets a static route per Genesys CIDR (default: transitGatewayRouteTableId).",
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
        max_length=cap("alarmActions"),
        description=f"SNS topic ARNs told when a tunnel goes down and when it recovers (at most {cap('alarmActions')}).",
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
            self.transit_gateway_vpc_route_table_id,
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
            {"value": shown(value)},
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
        max_length=cap("networkSecurityGroupNames"),
        description=f"NSGs of the back-end subnets that get the application-port rules (at most {cap('networkSecurityGroupNames')}).",
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


#: A GCP resource name, network name or network tag: RFC 1035, lower case, at most 63
#: characters ("must be 1-63 characters long and match the regular expression
#: `[a-z]([-a-z0-9]*[a-z0-9])?`", Compute Engine naming convention).
GCP_NAME = r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?"
#: Route priorities Google accepts ("Valid range is 0 through 65535", compute Route ``priority``).
GCP_ROUTE_PRIORITIES = range(0, 65536)
#: Default route priority per role: GCP "disregards" a tunnel without an IKE SA "before
#: considering route priority" (Cloud VPN, "Order of routes"), so the standby's higher number
#: only takes effect when the primary's tunnel is down.
GCP_ROUTE_PRIORITY: dict[Role, int] = {"primary": 100, "standby": 200}


class GcpSettings(_Model):
    """``c2c-vpn:iaas.gcp``: where the attachment lands on Google Cloud (Classic VPN, route-based)."""

    project: str | None = Field(
        None,
        pattern=r"^([a-z][a-z0-9.-]*:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$",
        description="Project ID of the VPC network (default: the project a network self link names, else the stack's `gcp:project` config).",
    )
    region: str = Field(
        pattern=r"^[a-z]+-[a-z]+[0-9]+$",
        description="Region of the Classic VPN gateway and its address, e.g. `europe-west1`.",
    )
    network: str = Field(
        pattern=rf"^({GCP_NAME}|(https://www\.googleapis\.com/compute/v1/)?projects/[a-z][a-z0-9.:-]*/global/networks/{GCP_NAME})$",
        description="The VPC network that holds the back ends: its name, or `projects/<project>/global/networks/<name>`.",
    )
    target_tags: Annotated[
        list[Annotated[str, Field(pattern=rf"^{GCP_NAME}$")]], AfterValidator(_unique)
    ] = Field(
        default_factory=list,
        max_length=64,
        description="Network tags of the back-end VMs: the firewall rules and routes apply to them only (empty: to every VM in the network).",
    )
    traffic_selectors: Literal["any", "networks"] = Field(
        "any",
        description="`any`: route-based, 0.0.0.0/0 both ways (Google proposes any-to-any when it initiates); `networks`: policy-based, the IaaS networks ⇄ the Genesys tenant CIDRs in one child SA, for a Genesys side that refuses 0.0.0.0/0.",
    )
    route_priority: int | None = Field(
        None,
        ge=GCP_ROUTE_PRIORITIES.start,
        le=GCP_ROUTE_PRIORITIES.stop - 1,
        description="Priority of the routes to the Genesys CIDRs (lower wins). Default: primary 100, standby 200.",
    )
    alert_notification_channels: Annotated[
        list[Annotated[str, Field(pattern=r"^projects/[^/]+/notificationChannels/[0-9]+$")]],
        AfterValidator(_unique),
    ] = Field(
        default_factory=list,
        max_length=16,
        description="Cloud Monitoring channels told when the tunnel is down (`projects/<p>/notificationChannels/<id>`, at most 16); none: no alert policy.",
    )

    @model_validator(mode="after")
    def _one_project(self) -> GcpSettings:
        linked = self.linked_project
        if linked is not None and self.project is not None and linked != self.project:
            raise PydanticCustomError(
                "conflict",
                "network is in project {n} but project is {p}: the gateway, its routes and "
                "firewall rules live in the network's project (for a Shared VPC, the host "
                "project); give one project, or the network by name",
                {"n": linked, "p": self.project},
            )
        return self

    @property
    def linked_project(self) -> str | None:
        """The project a ``projects/<p>/global/networks/<n>`` network names (None: a name)."""
        if "/" not in self.network:
            return None
        parts = self.network.split("/")
        return parts[parts.index("projects") + 1]

    @property
    def project_id(self) -> str | None:
        """Where the resources go: the project given, or the network's (None: the provider's
        ``gcp:project``)."""
        return self.project or self.linked_project

    def appliance_placement_missing(self) -> str | None:
        """The appliance is not offered on Google Cloud (refused by ``appliance-unsupported``)."""
        return None

    def priority(self, role: Role) -> int:
        """The routes' priority: configured, or the role's default (primary 100, standby 200)."""
        if self.route_priority is not None:
            return self.route_priority
        return GCP_ROUTE_PRIORITY[role]

    @property
    def network_name(self) -> str:
        """The network's short name (a self link's last part)."""
        return self.network.rsplit("/", 1)[-1]

    def network_key(self, default_project: str | None = None) -> tuple[str | None, str]:
        """(project, network) as far as the stack says: a self link names its project."""
        return self.project_id or default_project, self.network_name


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

    provider: Provider = Field(description="`aws`, `azure`, `gcp` or `onprem`.")
    networks: Networks = Field(
        min_length=1,
        max_length=cap("networks"),
        description=f"IaaS back-end networks Genesys must reach (at most {cap('networks')}).",
    )
    peer_ip: Address | None = Field(
        None,
        description="Static public IP of the IaaS endpoint (onprem: required; AWS, Azure and Google Cloud assign their own and ignore it).",
    )
    application_ports: Annotated[list[Port], AfterValidator(_unique)] = Field(
        max_length=cap("applicationPorts"),
        description=f"TCP ports Genesys calls, e.g. [443] (at most {cap('applicationPorts')}).",
    )
    aws: AwsSettings | None = Field(None, description="Required when provider is aws.")
    azure: AzureSettings | None = Field(None, description="Required when provider is azure.")
    gcp: GcpSettings | None = Field(None, description="Required when provider is gcp.")
    mss_clamp: MssClamp = Field(default_factory=MssClamp, description="MSS clamping.")

    @property
    def settings(self) -> AwsSettings | AzureSettings | GcpSettings | None:
        """The provider's own settings block (``iaas.aws``, ``iaas.azure``, ``iaas.gcp``), if it has one."""
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
    """The stack cannot be interpreted at all (exit 2). Each line names the key and the fix.

    At most :data:`MAX_ERROR_LINES` lines are kept; the last then says how many were left out.
    """

    def __init__(self, source: str, lines: Iterable[str]) -> None:
        self.source = source
        kept: list[str] = []
        more = 0
        for line in lines:
            if len(kept) < MAX_ERROR_LINES:
                kept.append(line)
            else:
                more += 1
        if more:
            kept.append(f"… and {more} more like these; fix the ones above and run it again")
        self.lines = kept
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


def _key_text(part: str) -> str:
    return cut(part)


def config_path(loc: Iterable[int | str]) -> str:
    """``('tunnel', 'phase2', 'lifetimeSeconds')`` → ``c2c-vpn:tunnel.phase2.lifetimeSeconds``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + _key_text(part)
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
        hint = difflib.get_close_matches(str(loc[-1])[:100], names, n=1)
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
        # Only the first letter: the quoted pattern keeps its case (it may hold capitals).
        msg = str(err["msg"])
        return f"{path}: {msg[:1].lower()}{msg[1:]} — check the spelling of the value"
    if kind == "too_long" and loc and isinstance(loc[-1], str) and loc[-1] in LIST_CAPS:
        limit, why = LIST_CAPS[loc[-1]]
        actual = (err.get("ctx") or {}).get("actual_length", "more")
        return f"{path}: {actual} entries, at most {limit} are accepted: {why}"
    if kind in {"int_parsing_size", "int_from_float"} and "size" in err["msg"]:
        return f"{path}: the number is far too large for this key"
    return f"{path}: {err['msg']}"


def _dedupe(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


def _plaintext_psk(raw: Mapping[str, Any], name: str) -> bool:
    tunnel = raw.get("tunnel")
    return isinstance(tunnel, Mapping) and isinstance(tunnel.get(name), str)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is not a finite number")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _json_value(text: str) -> Any:
    """A config value the engine passes as JSON text, read strictly: no NaN, no infinity, no
    number too large for a float (RFC 8259; Go's encoding/json, which wrote it, refuses them)."""
    return json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)


def _bounds_problem(value: Any) -> str | None:
    """Why ``value`` is too deep, too large or not finite to read (None: it is fine).

    Iterative, so a value nested 100,000 deep costs a loop, not a RecursionError.
    """
    count = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            return f"holds more than {MAX_VALUES:,} values; a stack holds a few hundred"
        if depth > MAX_DEPTH:
            return f"nests deeper than {MAX_DEPTH} levels; a stack nests 5"
        if isinstance(item, float) and not math.isfinite(item):
            return f"holds {item}, which is not a finite number"
        if isinstance(item, Mapping):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list | tuple):
            stack.extend((v, depth + 1) for v in item)
    return None


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
            errors.append(f"config key {shown(key)} is not a string")
            continue
        namespace, sep, name = key.partition(":")
        if not sep or namespace != NAMESPACE:
            # Provider config such as aws:region belongs to others; scalars are kept for plans.
            if sep and isinstance(value, str | int | float | bool):
                providers[key] = str(value).lower() if isinstance(value, bool) else str(value)
            continue
        if name not in TOP_LEVEL_KEYS:
            hint = difflib.get_close_matches(name[:100], TOP_LEVEL_KEYS, n=1)
            also = f"did you mean '{NAMESPACE}:{hint[0]}'? " if hint else ""
            errors.append(
                f"{_key_text(key)}: unknown key; {also}valid keys: {', '.join(f'{NAMESPACE}:{k}' for k in TOP_LEVEL_KEYS)}"
            )
            continue
        if isinstance(value, str) and value.lstrip().startswith(("{", "[")):
            try:
                value = _json_value(value)  # the engine passes objects as JSON text
            except RecursionError:
                errors.append(f"{key}: value nests deeper than {MAX_DEPTH} levels")
                continue
            except ValueError as exc:  # JSONDecodeError is a ValueError
                errors.append(f"{key}: value is not valid JSON ({shown(str(exc), 80)})")
                continue
        problem = _bounds_problem(value)
        if problem is not None:
            errors.append(f"{key}: the value {problem}")
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


# --------------------------------------------------------------------------- reading YAML as Pulumi does
#
# `pulumi up` never sees this file through Python: the Pulumi CLI (Go) reads it with
# gopkg.in/yaml.v3 (pulumi/pulumi sdk/go/common/encoding/marshal.go: `yaml "gopkg.in/yaml.v3"`,
# `yamlMarshaler.Unmarshal` → `yaml.Unmarshal(data, v)`; sdk/go.mod pins v3.0.1) into a generic
# value (workspace/loaders.go `LoadProjectStackBytes`: `var projectStackRaw any`), namespaces
# keys without a colon with the project name (`stackConfigNamespacedWithProject`), and hands
# objects to the program as JSON. For `validate` and `pulumi up` to judge the same values, the
# loader resolves plain scalars exactly as yaml.v3 does, not as YAML 1.1 (PyYAML's resolver:
# `7:23` is 443 there) nor YAML 1.2 core (ruamel.yaml: `016` is 16 there).
#
# PyYAML's parser (a port of libyaml, as yaml.v3 is) supplies the events; composing and
# resolving below follow yaml.v3 v3.0.1:
# - resolve.go `resolve()` lines 126-265: `true/True/TRUE`, `false/...`, `~/null/Null/NULL`
#   and the empty string are the only booleans and nulls (`yes`, `no`, `on`, `off` are text);
#   an integer is whatever `strconv.ParseInt(s, 0, 64)` (then `ParseUint`) takes after every
#   `_` is removed, so `4_43` is 443, `016` and `0o16` are 14 (octal), `0x0e` is 14, `0b1110`
#   is 14; `7:23` is text (base 60 "purposefully unsupported", line 165); a decimal float
#   must match `yamlStyleFloat` (line 124) and fit a float64, else the scalar stays text; a
#   `YYYY-...` scalar that parses as a date is a timestamp (lines 184-189, 294-326).
# - decode.go `mapping()` lines 767-862 and `merge()` lines 959-996: `<<` merges a mapping or
#   a list of mappings, keys written in the mapping win, then the first merged mapping;
#   keys are compared as written (`mapping key "x" already defined`, line 776).
# - decode.go lines 455-490: alias expansion is bounded ("document contains excessive
#   aliasing"); `alias()` line 536: an anchor that contains itself is refused.
# Where yaml.v3 would hand Pulumi something this project cannot use (a date, NaN, a key that
# is not a string, a custom tag), the loader refuses it with one line instead of guessing.

_TAG = "tag:yaml.org,2002:"
#: The tags a stack file may carry explicitly (yaml.v3 `resolvableTag` plus collections).
_CORE_TAGS = frozenset(f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map"))
_MERGE_TAG = f"{_TAG}merge"
# resolve.go lines 47-60: the only spellings looked up in a table.
_RESOLVE_MAP: Final[dict[str, tuple[str, Any]]] = {
    **dict.fromkeys(("true", "True", "TRUE"), ("bool", True)),
    **dict.fromkeys(("false", "False", "FALSE"), ("bool", False)),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), ("null", None)),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), ("float", math.nan)),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), ("float", math.inf)),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), ("float", -math.inf)),
    "<<": ("merge", "<<"),
}
# resolve.go lines 36-45: the first character decides what a plain scalar may be.
_HINTS: Final = {
    **dict.fromkeys("+-", "S"),
    **dict.fromkeys("0123456789", "D"),
    **dict.fromkeys("yYnNtTfFoO~", "M"),
    ".": ".",
}
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")  # what ParseFloat takes after a '.'
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?(?:Z|[+-]\d{2}:\d{2}))"
    r"|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?))?"
)


def _go_parse_uint(text: str, base: int) -> int | None:
    """``strconv.ParseUint(text, base, 64)`` without the range check (None: not a number)."""
    if not text:
        return None
    if base == 0:
        base = 10
        if text[0] == "0":
            prefix = text[1:2].lower()
            if len(text) >= 3 and prefix in ("b", "o", "x"):
                base, text = {"b": 2, "o": 8, "x": 16}[prefix], text[2:]
            else:
                base, text = 8, text[1:]
    number = 0
    for char in text:
        if not char.isascii() or not char.isalnum():
            return None
        digit = int(char, 36)
        if digit >= base:
            return None
        number = number * base + digit
    return number


def _go_parse_int(text: str, base: int) -> int | None:
    """``strconv.ParseInt(text, base, 64)`` (None: not a number, or out of range)."""
    negative = text[:1] == "-"
    unsigned = _go_parse_uint(text[1:] if text[:1] in ("+", "-") else text, base)
    if unsigned is None:
        return None
    value = -unsigned if negative else unsigned
    return value if -(1 << 63) <= value < (1 << 63) else None


def _go_integer(plain: str, base: int) -> int | None:
    """ParseInt, then ParseUint (unsigned 64-bit), as resolve.go tries them."""
    value = _go_parse_int(plain, base)
    if value is None:
        unsigned = _go_parse_uint(plain, base)
        value = unsigned if unsigned is not None and unsigned < (1 << 64) else None
    return value


def _go_timestamp(text: str) -> bool:
    """Whether yaml.v3 reads the plain scalar as a ``time.Time`` (resolve.go parseTimestamp)."""
    found = _TIMESTAMP.fullmatch(text)
    if found is None:
        return False
    year, month, day = (int(g) for g in found.groups()[:3])
    time = [int(g) for g in found.groups()[3:] if g is not None]
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year or 2000, month)[1]:
        return False
    return not time or (time[0] < 24 and time[1] < 60 and time[2] < 60)


class _Refused(Exception):
    """One line saying why the file cannot be read as Pulumi reads it (exit 2)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


def _go_resolve(tag: str, text: str, line: int) -> Any:
    """A scalar's value as yaml.v3 resolves it for a generic value (resolve.go `resolve`).

    ``tag`` is "" for a plain scalar or the short tag written on it (``int``, ``float``,
    ``bool``, ``null``). Dates, NaN and infinities are refused: the program cannot use them.
    """
    kind: str = "str"
    value: Any = text
    hint = _HINTS.get(text[:1], "N" if not text else "")
    if hint:
        if text in _RESOLVE_MAP:
            kind, value = _RESOLVE_MAP[text]
        elif hint == "." and _DOT_FLOAT.fullmatch(text):
            number = float(text)
            if math.isfinite(number):
                kind, value = "float", number
        elif hint in ("D", "S"):
            kind, value = _go_number(tag, text)
    if kind == "timestamp":
        raise _Refused(
            f"{shown(text)} is read as a date by the Pulumi CLI; quote it if it is text", line
        )
    if tag and tag != kind:
        if tag == "float" and kind == "int":
            kind, value = "float", float(value)
        else:
            raise _Refused(f"cannot read {kind} {shown(text)} as !!{tag}", line)
    if kind == "float" and not math.isfinite(value):
        raise _Refused(
            f"{text} is not a finite number; JSON, which carries config to the program, has none",
            line,
        )
    if kind == "merge":
        kind, value = "str", text
    return value


def _go_number(tag: str, text: str) -> tuple[str, Any]:
    """The int, float, timestamp or text a scalar starting with a digit or sign is (resolve.go
    lines 180-259)."""
    if tag == "" and _go_timestamp(text):
        return "timestamp", text
    plain = text.replace("_", "")
    integer = _go_integer(plain, 0)
    if integer is not None:
        return "int", integer
    if _YAML_STYLE_FLOAT.fullmatch(plain):
        number = float(plain)
        if math.isfinite(number):  # Go's ParseFloat fails (ErrRange) where Python says inf
            return "float", number
    for prefix, base in (("0b", 2), ("0o", 8)):
        if plain.startswith(prefix):
            integer = _go_integer(plain[2:], base)
            if integer is not None:
                return "int", integer
        elif plain.startswith(f"-{prefix}"):
            integer = _go_parse_int("-" + plain[3:], base)
            if integer is not None:
                return "int", integer
    return "str", text


@dataclass(eq=False)
class _Node:
    """A composed YAML node: ``kind`` is scalar, seq or map; aliases point at their anchor's."""

    kind: str
    tag: str | None
    line: int
    value: str = ""
    style: str | None = None
    items: list[_Node] = field(default_factory=list)  # seq items, or map keys and values
    alias_of: _Node | None = None
    anchor: str | None = None


def _compose(text: str) -> _Node | None:
    """The document's node graph, from PyYAML's events; iterative, with depth and size bounded
    while parsing (a 100,000-deep list stops at level 65, not in a RecursionError)."""
    anchors: dict[str, _Node] = {}
    open_nodes: list[_Node] = []
    root: _Node | None = None
    documents = 0
    count = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise _Refused(
                    "a second YAML document starts here; a stack file is one document "
                    "(the Pulumi CLI would read only the first)",
                    line,
                )
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            open_nodes.pop()
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        count += 1
        if count > MAX_VALUES:
            raise _Refused(f"the file holds more than {MAX_VALUES:,} values", line)
        node: _Node
        if isinstance(event, yaml.AliasEvent):
            target = anchors.get(event.anchor or "")
            if target is None:
                raise _Refused(
                    f"alias *{cut(event.anchor or '')} names no anchor defined before it", line
                )
            node = _Node("alias", None, line, alias_of=target, anchor=event.anchor)
        elif isinstance(event, yaml.ScalarEvent):
            node = _Node("scalar", event.tag, line, value=event.value, style=event.style or None)
        elif isinstance(event, yaml.SequenceStartEvent):
            node = _Node("seq", event.tag, line)
        else:
            assert isinstance(event, yaml.MappingStartEvent)
            node = _Node("map", event.tag, line)
        if event.anchor is not None and node.kind != "alias":
            anchors[event.anchor] = node  # yaml.v3 lets a later anchor of the same name win
            node.anchor = event.anchor
        if open_nodes:
            open_nodes[-1].items.append(node)
        else:
            root = node
        if node.kind in ("seq", "map"):
            open_nodes.append(node)
            if len(open_nodes) > MAX_DEPTH:
                raise _Refused(f"nesting deeper than {MAX_DEPTH} levels; a stack nests 5", line)
    return root


class _Builder:
    """Values from the node graph as yaml.v3 decodes into ``any``, aliases expanded, with
    yaml.v3's bound on aliasing and this project's bounds on depth and size."""

    def __init__(self) -> None:
        self.decodes = 0
        self.alias_decodes = 0
        self.alias_depth = 0
        self.active: set[int] = set()

    def _count(self, node: _Node) -> None:
        self.decodes += 1
        if self.alias_depth:
            self.alias_decodes += 1
        if self.decodes > MAX_VALUES:
            raise _Refused(
                f"aliases expand the file past {MAX_VALUES:,} values; a stack holds a few hundred",
                node.line,
            )
        # decode.go lines 484-490: beyond 100 alias decodes and 1,000 decodes in all, at most
        # 99% of the decodes may come from aliases (less for large documents).
        ratio = 0.99 - 0.89 * min(max(self.decodes - 400_000, 0) / 3_600_000, 1.0)
        if (
            self.alias_decodes > 100
            and self.decodes > 1000
            and self.alias_decodes / self.decodes > ratio
        ):
            raise _Refused("the document contains excessive aliasing", node.line)

    def value(self, node: _Node, depth: int) -> Any:
        self._count(node)
        if depth > MAX_DEPTH:
            raise _Refused(
                f"nesting deeper than {MAX_DEPTH} levels (aliases expanded); a stack nests 5",
                node.line,
            )
        if node.kind == "alias":
            target = node.alias_of
            assert target is not None
            if id(target) in self.active:
                raise _Refused(f"anchor &{cut(node.anchor or '')} contains itself", node.line)
            self.alias_depth += 1
            try:
                return self.value(target, depth)
            finally:
                self.alias_depth -= 1
        if node.kind == "scalar":
            return self._scalar(node)
        if node.tag not in (None, "!", f"{_TAG}{node.kind}"):
            raise _Refused(self._tag_refusal(node.tag), node.line)
        self.active.add(id(node))
        try:
            if node.kind == "seq":
                return [self.value(item, depth + 1) for item in node.items]
            return self._mapping(node, depth)
        finally:
            self.active.discard(id(node))

    @staticmethod
    def _tag_refusal(tag: str | None) -> str:
        written = f"!!{tag.removeprefix(_TAG)}" if tag and tag.startswith(_TAG) else tag or ""
        return (
            f"the YAML tag {cut(written)} is not one a stack file may carry (the Pulumi CLI "
            "ignores or converts it); remove it"
        )

    def _scalar(self, node: _Node) -> Any:
        tag = node.tag
        if tag in (None, "!"):
            if node.style is None:  # plain: resolved as yaml.v3 resolves it
                return _go_resolve("", node.value, node.line)
            return node.value  # quoted or block: always text
        if tag == f"{_TAG}str":
            return node.value
        if tag in _CORE_TAGS and tag not in (f"{_TAG}seq", f"{_TAG}map"):
            return _go_resolve(tag.removeprefix(_TAG), node.value, node.line)
        raise _Refused(self._tag_refusal(tag), node.line)

    @staticmethod
    def _target(node: _Node) -> _Node:
        return node.alias_of if node.alias_of is not None else node

    def _is_merge(self, key: _Node) -> bool:
        # decode.go isMerge: a plain `<<` (or one tagged !!merge); a quoted "<<" is a key.
        return (
            key.kind == "scalar"
            and key.value == "<<"
            and ((key.tag in (None, "!") and key.style is None) or key.tag == _MERGE_TAG)
        )

    def _key(self, key: _Node) -> str:
        target = self._target(key)
        if target.kind != "scalar":
            raise _Refused(
                f"a {'list' if target.kind == 'seq' else 'mapping'} is used as a mapping key; "
                "keys are plain names",
                key.line,
            )
        value = self._scalar(target)
        if not isinstance(value, str):
            raise _Refused(
                f"the key {shown(target.value)} is read as {_kind_name(value)}, not a name; "
                "quote it if it is meant as one",
                key.line,
            )
        return value

    def _mapping(self, node: _Node, depth: int) -> dict[str, Any]:
        pairs = list(zip(node.items[0::2], node.items[1::2], strict=True))
        first: dict[str, int] = {}
        for key, _ in pairs:
            written = self._target(key)
            if written.kind == "scalar":
                if written.value in first:
                    raise _Refused(
                        f"duplicate key {shown(written.value)} (first at line "
                        f"{first[written.value]}); the Pulumi CLI refuses it",
                        key.line,
                    )
                first[written.value] = key.line
        out: dict[str, Any] = {}
        merges: list[_Node] = []
        for key, value in pairs:
            self._count(key)
            if self._is_merge(key):
                merges.append(value)
                continue
            out[self._key(key)] = self.value(value, depth + 1)
        for merge in merges:
            self._merge(out, merge, depth)
        return out

    def _merge(self, out: dict[str, Any], merge: _Node, depth: int) -> None:
        target = self._target(merge)
        if target.kind == "map":
            sources = [merge]
        elif target.kind == "seq" and merge.kind != "alias":
            sources = list(target.items)
        else:
            sources = []
        if not sources or any(self._target(s).kind != "map" for s in sources):
            raise _Refused("a merge key (<<) takes a mapping or a list of mappings", merge.line)
        for source in sources:
            merged = self.value(source, depth + 1)
            for key, value in merged.items():
                out.setdefault(key, value)


def _kind_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    return f"the number {value}"


def read_yaml(text: str) -> Any:
    """A YAML document's value as the Pulumi CLI reads it; :class:`_Refused` when it cannot
    be used, ``yaml.YAMLError`` when it is not YAML."""
    if len(text) > MAX_FILE_BYTES:
        raise _Refused(f"the text is larger than {MAX_FILE_BYTES:,} characters")
    root = _compose(text.removeprefix("\ufeff"))  # loaders.go readFileStripUTF8BOM
    return None if root is None else _Builder().value(root, 1)


# --------------------------------------------------------------------------- finding stack files


def _is_file(path: Path) -> bool:
    """``path.is_file()`` that answers False where the question itself fails (EACCES)."""
    try:
        return path.is_file()
    except OSError:
        return False


def find_project_root(start: Path | None = None) -> Path | None:
    try:
        here = (start or Path.cwd()).resolve()
    except OSError:
        return None
    for candidate in (here, *here.parents):
        if _is_file(candidate / "Pulumi.yaml"):
            return candidate
    return None


def stack_dir(root: Path | None = None) -> Path:
    """Where stack files live: ``stackConfigDir`` of the project's ``Pulumi.yaml`` (else ``stacks/``),
    the project found from ``root`` or the current directory upwards."""
    project = root or find_project_root() or Path.cwd()
    project_file = project / "Pulumi.yaml"
    if _is_file(project_file):
        try:
            meta = read_yaml(_read_bounded(project_file).decode("utf-8")) or {}
            configured = meta.get("stackConfigDir") if isinstance(meta, dict) else None
            if isinstance(configured, str):
                return project / configured
        except (OSError, UnicodeDecodeError, yaml.YAMLError, _Refused, SpecError):
            pass
    return project / "stacks"


#: Stack names a "no such stack file" message lists before it only counts the rest.
LISTED_STACKS: Final = 10


def stack_names(directory: Path) -> list[str]:
    """The stack names with a ``Pulumi.<name>.yaml`` (or ``.yml``) file in ``directory``."""
    try:
        found = (
            re.fullmatch(r"Pulumi\.(.+)\.ya?ml", p.name)
            for p in directory.glob("Pulumi.*.y*ml")
            if _is_file(p)
        )
        return sorted(m.group(1) for m in found if m)
    except OSError:
        return []


def resolve_stack(ref: str, *, root: Path | None = None) -> tuple[str, Path]:
    """``dev`` → ``stacks/Pulumi.dev.yaml``; a file path (or anything with ``/`` or a YAML suffix) as it is."""
    path = Path(ref)
    if path.suffix in {".yaml", ".yml"} or _is_file(path) or "/" in ref:
        m = re.fullmatch(r"Pulumi\.(.+)\.ya?ml", path.name)
        return (m.group(1) if m else path.stem), path
    return ref, stack_dir(root) / f"Pulumi.{ref}.yaml"


_FILE_KINDS: Final = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _missing(path: Path) -> str:
    try:
        if path.is_symlink():
            return "is a symbolic link to a file that does not exist"
    except OSError:
        pass
    directory = path.parent
    names = stack_names(directory)
    if not names:
        return "no such stack file"
    listed = ", ".join(names[:LISTED_STACKS])
    more = f" and {len(names) - LISTED_STACKS} more" if len(names) > LISTED_STACKS else ""
    return f"no such stack file; stacks found in {directory}: {listed}{more}"


def _read_bounded(path: Path) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_FILE_BYTES`; :class:`_Refused` with
    the reason otherwise. Opened non-blocking, so a FIFO is refused instead of waited on."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise _Refused(_missing(path)) from None
    except PermissionError:
        raise _Refused(
            "permission denied: the file is not readable, or a directory on its path is not "
            "searchable, for this user"
        ) from None
    except OSError as exc:
        raise _Refused(f"cannot open it: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        for test, what in _FILE_KINDS:
            if test(info.st_mode):
                raise _Refused(f"is {what}, not a stack file")
        if info.st_size > MAX_FILE_BYTES:
            raise _Refused(
                f"is {info.st_size:,} bytes; a stack file is a few kilobytes (at most "
                f"{MAX_FILE_BYTES:,} bytes are read)"
            )
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, MAX_FILE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise _Refused(
                f"is larger than {MAX_FILE_BYTES:,} bytes; a stack file is a few kilobytes"
            )
        return b"".join(chunks)
    except _Refused:
        raise
    except OSError as exc:
        raise _Refused(f"cannot read it: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


#: Unknown top-level keys named before the rest are only counted (a non-stack file such as
#: /etc/shadow must not be echoed line by line into a CI log).
LISTED_UNKNOWN_KEYS: Final = 3


def _document_config(document: Any) -> Any:
    """The ``config:`` mapping of a stack document, or :class:`_Refused` saying what is wrong."""
    if document is None:
        raise _Refused("the file is empty; a stack file starts with `config:`")
    if not isinstance(document, dict):
        raise _Refused("a stack file is a mapping with a `config:` key")
    unknown = [k for k in document if k not in STACK_FILE_KEYS]
    known = ", ".join(sorted(STACK_FILE_KEYS))
    if "config" not in document and len(unknown) > LISTED_UNKNOWN_KEYS:
        raise _Refused(
            f"not a Pulumi stack file: no `config:` key, and {len(unknown)} top-level keys a "
            f"stack file does not have (it has {known})"
        )
    if unknown:
        named = [shown(k, 40) for k in unknown[:LISTED_UNKNOWN_KEYS]]
        hint = difflib.get_close_matches(str(unknown[0])[:100], sorted(STACK_FILE_KEYS), n=1)
        also = f"; did you mean {hint[0]!r}?" if hint and len(unknown) == 1 else ""
        more = f" and {len(unknown) - len(named)} more" if len(unknown) > len(named) else ""
        noun = "key" if len(unknown) == 1 else "keys"
        raise _Refused(
            f"unknown top-level {noun} {', '.join(named)}{more}{also}; a stack file has {known}"
        )
    config = document.get("config")
    if config is None:
        raise _Refused(f"no `config:` section; it holds the {NAMESPACE}:* keys")
    if not isinstance(config, dict):
        return config  # parse_config says what it must be
    # loaders.go stackConfigNamespacedWithProject: a key without a namespace belongs to the
    # project (`name: c2c-vpn` in Pulumi.yaml), so `genesys:` is `c2c-vpn:genesys`.
    namespaced: dict[str, Any] = {}
    for key, value in config.items():
        full = key if ":" in key else f"{NAMESPACE}:{key}"
        if full in namespaced:
            raise _Refused(
                f"config has both {full!r} and {key!r}, which Pulumi reads as the same key; "
                "keep one"
            )
        namespaced[full] = value
    return namespaced


def load_stack(ref: str, *, root: Path | None = None) -> LoadedStack:
    """Load a stack by name (found under ``stacks/``) or by file path. Raises :class:`SpecError`.

    The file is read as the Pulumi CLI reads it (see "reading YAML as Pulumi does" above),
    within :data:`MAX_FILE_BYTES`, :data:`MAX_DEPTH` and :data:`MAX_VALUES`.
    """
    name, path = resolve_stack(ref, root=root)
    source = str(path)
    try:
        data = _read_bounded(path)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Refused(
                f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "a stack file is YAML text"
            ) from None
        try:
            document = read_yaml(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
            what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise _Refused(f"broken YAML at {where}{cut(what, 200)}") from None
        except RecursionError:  # not reachable with MAX_DEPTH; kept as the last guard
            raise _Refused(f"nesting deeper than {MAX_DEPTH} levels") from None
        config = _document_config(document)
    except _Refused as exc:
        raise SpecError(source, [str(exc)]) from None
    return parse_config(config, stack=name, source=source)
