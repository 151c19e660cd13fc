"""The cloud side of a lab, read from the plan: a behaviour model of the AWS, Azure and Google Cloud gateways.

``c2cvpn plan --format json`` shows what `pulumi up` will send to the cloud API. This module
reads those *provider inputs* (never the stack spec) and says what the cloud's gateway will do
with them: which IKE and ESP proposals each tunnel endpoint accepts, which traffic selectors it
proposes, when it initiates, how it reacts to a dead peer, which destinations it routes into the
tunnel, and which security rules and route-table routes the back end will live with.

It is written from the vendors' documentation, with its own tables of the vendors' spellings,
and deliberately shares nothing with :mod:`c2cvpn.vendors` (the forward table that *writes*
those inputs): a wrong spelling there shows up here as a value the cloud would refuse or as a
proposal nobody else makes, instead of cancelling itself out.

Every modelled value keeps the plan input it came from (:class:`Source`), so the lab can name
that input in a diagnosis.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import yaml

#: Test-only outside IPs (RFC 5737 TEST-NET-2) for endpoints whose address only the cloud knows.
LAB_OUTSIDE_NET = ipaddress.IPv4Network("198.51.100.0/24")
UNKNOWN_RE = re.compile(r"\(known after apply: ([A-Za-z0-9_.:/-]+?)\.([A-Za-z0-9]+)\)")

# --------------------------------------------------------------------------- AWS, from AWS docs
# "Tunnel options for your Site-to-Site VPN connection":
# https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNTunnels.html — the permitted values and
# the defaults below (all algorithms and groups are allowed unless the tunnel lists some).
AWS_ENCRYPTION = {
    "AES128": "aes128",
    "AES256": "aes256",
    "AES128-GCM-16": "aes128gcm16",
    "AES256-GCM-16": "aes256gcm16",
}
AWS_INTEGRITY = {"SHA1": "sha1", "SHA2-256": "sha256", "SHA2-384": "sha384", "SHA2-512": "sha512"}
AWS_GROUPS = {
    2: "modp1024",
    5: "modp1536",
    14: "modp2048",
    15: "modp3072",
    16: "modp4096",
    17: "modp6144",
    18: "modp8192",
    19: "ecp256",
    20: "ecp384",
    21: "ecp521",
    22: "modp1024s160",
    23: "modp2048s224",
    24: "modp2048s256",
}
AWS_PHASE1_GROUPS = (2, *range(14, 25))  # Phase 1: 2, 14-24
AWS_PHASE2_GROUPS = (2, 5, *range(14, 25))  # Phase 2: 2, 5, 14-24
# DPD timeout: 30 s minimum everywhere; the default is 30 in the API's
# VpnTunnelOptionsSpecification and the Terraform docs but 40 on the live tunnel-options page.
# The project always sets it, so the fallback below only serves hand-edited plans.
AWS_DEFAULTS: Mapping[str, Any] = {
    "Phase1EncryptionAlgorithms": list(AWS_ENCRYPTION),
    "Phase2EncryptionAlgorithms": list(AWS_ENCRYPTION),
    "Phase1IntegrityAlgorithms": list(AWS_INTEGRITY),
    "Phase2IntegrityAlgorithms": list(AWS_INTEGRITY),
    "Phase1DhGroupNumbers": list(AWS_PHASE1_GROUPS),
    "Phase2DhGroupNumbers": list(AWS_PHASE2_GROUPS),
    "IkeVersions": ["ikev1", "ikev2"],
    "Phase1LifetimeSeconds": 28800,
    "Phase2LifetimeSeconds": 3600,
    "DpdTimeoutSeconds": 30,
    "DpdTimeoutAction": "clear",
    "StartupAction": "add",
}

# --------------------------------------------------------------------------- Azure, from Microsoft docs
# "About cryptographic requirements and Azure VPN gateways" (custom IPsec/IKE policy):
# https://learn.microsoft.com/azure/vpn-gateway/ipsec-ike-policy-howto — the policy's values;
# the IKE (main mode) SA lifetime is fixed at 28,800 s whatever the policy says.
AZURE_IKE_ENCRYPTION = {
    "AES256": "aes256",
    "AES192": "aes192",
    "AES128": "aes128",
    "GCMAES256": "aes256gcm16",
    "GCMAES128": "aes128gcm16",
    "DES3": "3des",
    "DES": "des",
}
AZURE_IKE_INTEGRITY = {"SHA384": "sha384", "SHA256": "sha256", "SHA1": "sha1", "MD5": "md5"}
AZURE_DH = {
    "DHGroup1": "modp768",
    "DHGroup2": "modp1024",
    "DHGroup14": "modp2048",
    "DHGroup2048": "modp2048",
    "ECP256": "ecp256",
    "ECP384": "ecp384",
    "DHGroup24": "modp2048s256",
}
AZURE_IPSEC_ENCRYPTION = {
    "AES256": "aes256",
    "AES192": "aes192",
    "AES128": "aes128",
    "GCMAES256": "aes256gcm16",
    "GCMAES192": "aes192gcm16",
    "GCMAES128": "aes128gcm16",
    "DES3": "3des",
    "DES": "des",
}
AZURE_IPSEC_INTEGRITY = {
    "SHA256": "sha256",
    "SHA1": "sha1",
    "MD5": "md5",
    "GCMAES256": "gcm",
    "GCMAES192": "gcm",
    "GCMAES128": "gcm",
}
AZURE_PFS = {
    "None": None,
    "PFS1": "modp768",
    "PFS2": "modp1024",
    "PFS2048": "modp2048",
    "PFS14": "modp2048",
    "ECP256": "ecp256",
    "ECP384": "ecp384",
    "PFS24": "modp2048s256",
}
AZURE_IKE_LIFETIME = 28800
AZURE_DEFAULT_ESP_LIFETIME = 27000
AZURE_DEFAULT_DPD = 45
# Without a custom policy a route-based gateway uses its default sets ("About VPN devices and
# IPsec/IKE parameters", https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-devices#ipsec):
# main mode DH group 2 with AES256/SHA1, AES256/SHA256, AES128/SHA1, AES128/SHA256, 3DES/SHA1,
# 3DES/SHA256 in that order; quick mode as initiator GCM-AES256, AES256/SHA1, 3DES/SHA1,
# AES256/SHA256, AES128/SHA1, 3DES/SHA256 without PFS (as responder it accepts more: the
# stand-in offers the initiator's list either way).
AZURE_DEFAULT_IKE = (
    "aes256-sha1-modp1024",
    "aes256-sha256-modp1024",
    "aes128-sha1-modp1024",
    "aes128-sha256-modp1024",
    "3des-sha1-modp1024",
    "3des-sha256-modp1024",
)
AZURE_DEFAULT_ESP = (
    "aes256gcm16",
    "aes256-sha1",
    "3des-sha1",
    "aes256-sha256",
    "aes128-sha1",
    "3des-sha256",
)

PLAIN_SUITES = {"aes128", "aes192", "aes256", "3des", "des"}


class ModelError(Exception):
    """The plan cannot be modelled at all (no gateway in it): one line."""


@dataclass(frozen=True)
class Source:
    """Where a modelled value comes from: a plan resource and one of its inputs (``""``: the
    resource as a whole, e.g. a security rule)."""

    resource: str
    input: str = ""

    def __str__(self) -> str:
        return f"{self.resource}.{self.input}" if self.input else self.resource


@dataclass(frozen=True)
class Refusal:
    """A value the cloud's API would refuse: `pulumi up` would fail on it."""

    source: Source
    value: object
    allowed: str

    def __str__(self) -> str:
        return (
            f"{self.source} = {self.value!r}: the cloud API refuses it (it accepts {self.allowed})"
        )


@dataclass
class Endpoint:
    """One IPsec endpoint of the cloud gateway: an AWS tunnel or an Azure gateway instance."""

    index: int
    label: str
    #: The address the plan leaves to the cloud (``(known after apply: …)``) or states.
    outside: str
    peer_ip: str
    psk_resource: str | None
    ike_versions: tuple[str, ...]
    ike_proposals: tuple[str, ...]
    esp_proposals: tuple[str, ...]
    #: strongSwan transform names each proposal allows, per kind (for diagnosis).
    allowed: Mapping[str, tuple[str, ...]]
    ike_lifetime: int
    esp_lifetime: int
    local_ts: tuple[str, ...]
    remote_ts: tuple[str, ...]
    dpd_timeout: int
    dpd_action: Literal["clear", "restart", "none"]
    initiates: bool
    inside_cidr: str | None
    sources: Mapping[str, Source]
    notes: list[str] = field(default_factory=list)
    #: The plan's attachment the endpoint belongs to ("": the model's own). A GCP model spans
    #: two attachments when their Classic gateways share one VPC network.
    attachment: str = ""
    #: Which gateway device the endpoint is on ("": the model's one gateway). The lab runs one
    #: gateway stand-in per device: GCP's primary and standby are two Classic gateways.
    gateway: str = ""
    #: Initiates only when traffic needs a new SA (strongSwan ``start_action = trap``).
    initiates_on_traffic: bool = False
    #: The DPD timeout is the lab's assumption, not the vendor's (GCP documents none).
    dpd_assumed: bool = False
    #: Destinations the gateway sends into this endpoint's tunnel (None: the model's
    #: ``gateway_routes``).
    routes: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Rule:
    """A security rule, normalised: the back end's nftables filter is built from these."""

    direction: Literal["in", "out"]
    protocol: Literal["tcp", "udp", "icmp", "all"]
    ports: tuple[int, int] | None
    cidrs: tuple[str, ...]
    access: Literal["accept", "drop"]
    priority: int
    source: Source
    description: str = ""

    def matches(self, protocol: str, port: int | None, address: str) -> bool:
        if self.protocol not in ("all", protocol):
            return False
        if (
            self.ports is not None
            and port is not None
            and not (self.ports[0] <= port <= self.ports[1])
        ):
            return False
        ip = ipaddress.IPv4Address(address)
        return any(ip in ipaddress.IPv4Network(c) for c in self.cidrs)


@dataclass
class Filter:
    """A security group (set) or an NSG as it applies to one network interface."""

    name: str
    rules: list[Rule]
    #: What happens to a packet no rule matches, inbound and outbound.
    default_in: Literal["accept", "drop"] = "drop"
    default_out: Literal["accept", "drop"] = "accept"
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RouteEntry:
    table: str
    destination: str
    #: "gateway" (the VPN gateway), "appliance", or "local".
    target: str
    source: Source
    #: GCP: the route's priority (the lowest number wins among next hops that are up).
    priority: int | None = None
    #: GCP: the endpoint whose tunnel is the next hop; the route counts only while it is up.
    endpoint: int | None = None
    #: GCP: the network tags the route applies to (none: every instance).
    tags: tuple[str, ...] = ()


@dataclass
class BackendModel:
    name: str
    address: str
    table: str
    filter: Filter


@dataclass
class ApplianceModel:
    name: str
    address: str
    subnet: str
    table: str | None
    filter: Filter
    script: str
    source: Source
    mss: int | None
    #: On by default in AWS: the instance then drops what it forwards.
    source_dest_check: bool = False


@dataclass
class CloudModel:
    provider: str
    attachment: str
    endpoints: list[Endpoint]
    #: Destinations the gateway sends into the tunnel (AWS static routes, Azure LNG prefixes).
    gateway_routes: list[tuple[str, Source]]
    #: Route tables by name; "edge" is the gateway's own ingress table when one is associated.
    tables: dict[str, list[RouteEntry]]
    edge_table: str | None
    backends: list[BackendModel]
    appliance: ApplianceModel | None
    networks: list[str]
    application_ports: list[int]
    refusals: list[Refusal]
    notes: list[str] = field(default_factory=list)
    #: What would deploy but not carry traffic: (check name, diagnosis naming the input).
    broken: list[tuple[str, str]] = field(default_factory=list)

    def endpoint(self, index: int) -> Endpoint | None:
        return next((e for e in self.endpoints if e.index == index), None)


# --------------------------------------------------------------------------- helpers


def reference(value: object) -> tuple[str, str] | None:
    """``(resource, attribute)`` of a ``(known after apply: resource.attribute)`` value."""
    if not isinstance(value, str):
        return None
    found = UNKNOWN_RE.search(value)
    return (found.group(1), found.group(2)) if found else None


def _resources(plan: Mapping[str, Any], suffix: str) -> list[dict[str, Any]]:
    return [r for r in plan.get("resources", []) if str(r.get("type", "")).endswith(suffix)]


def _role_of(resource: Mapping[str, Any], attachment: str) -> bool:
    return str(resource.get("name", "")).startswith(f"{attachment}-")


def _proposals(
    ciphers: Sequence[str], integrity: Sequence[str], groups: Sequence[str | None], *, ike: bool
) -> tuple[str, ...]:
    """strongSwan proposals allowing every combination of the listed transforms (AEAD apart)."""
    plain = [c for c in ciphers if c in PLAIN_SUITES]
    aead = [c for c in ciphers if c not in PLAIN_SUITES]
    dh = [g for g in groups if g]
    out = []
    if plain and integrity:
        out.append("-".join([*plain, *integrity, *dh]))
    if aead:
        prf = [f"prf{i}" for i in integrity] if ike else []
        out.append("-".join([*aead, *prf, *dh]))
    return tuple(out)


def lab_outside_ip(index: int) -> str:
    return str(LAB_OUTSIDE_NET.network_address + index)


# --------------------------------------------------------------------------- AWS


def _aws_list(
    inputs: Mapping[str, Any],
    name: str,
    key: str,
    table: Mapping[Any, str],
    refusals: list[Refusal],
    allowed: Sequence[Any] | None = None,
) -> list[str]:
    src = Source(name, key)
    values = inputs.get(key)
    tail = key.split("Phase", 1)[-1] if "Phase" in key else key
    if values is None:
        values = AWS_DEFAULTS["Phase" + tail if "Phase" in key else tail]
    out = []
    permitted = list(allowed if allowed is not None else table)
    for v in values:
        if v not in permitted or v not in table:
            refusals.append(Refusal(src, v, " | ".join(str(p) for p in permitted)))
            continue
        out.append(table[v])
    return out


def aws_model(plan: Mapping[str, Any], attachment: str = "primary") -> CloudModel:
    vpns = [r for r in _resources(plan, "vpnConnection:VpnConnection") if _role_of(r, attachment)]
    if not vpns:
        raise ModelError(f"the plan has no aws:ec2/vpnConnection:VpnConnection for {attachment}")
    vpn = vpns[0]
    name, inputs = vpn["name"], vpn.get("inputs", {})
    refusals: list[Refusal] = []
    cgw_ref = reference(inputs.get("customerGatewayId"))
    cgw = next(
        (
            r
            for r in _resources(plan, "customerGateway:CustomerGateway")
            if cgw_ref and r["name"] == cgw_ref[0]
        ),
        None,
    )
    if cgw is None:
        raise ModelError(f"{name}.customerGatewayId names no customer gateway in the plan")
    peer_ip = str(cgw["inputs"].get("ipAddress"))
    # Local = the customer gateway's side (Genesys), remote = the AWS side; 0.0.0.0/0 unless set
    # (https://docs.aws.amazon.com/vpn/latest/s2svpn/modify-vpn-connection-options.html).
    local_cidr = inputs.get("localIpv4NetworkCidr") or "0.0.0.0/0"
    remote_cidr = inputs.get("remoteIpv4NetworkCidr") or "0.0.0.0/0"
    endpoints = []
    for n in (1, 2):
        p = f"tunnel{n}"

        def src(key: str, p: str = p) -> Source:
            return Source(name, f"{p}{key}")

        enc1 = _aws_list(inputs, name, f"{p}Phase1EncryptionAlgorithms", AWS_ENCRYPTION, refusals)
        enc2 = _aws_list(inputs, name, f"{p}Phase2EncryptionAlgorithms", AWS_ENCRYPTION, refusals)
        int1 = _aws_list(inputs, name, f"{p}Phase1IntegrityAlgorithms", AWS_INTEGRITY, refusals)
        int2 = _aws_list(inputs, name, f"{p}Phase2IntegrityAlgorithms", AWS_INTEGRITY, refusals)
        dh1 = _aws_list(
            inputs, name, f"{p}Phase1DhGroupNumbers", AWS_GROUPS, refusals, AWS_PHASE1_GROUPS
        )
        dh2 = _aws_list(
            inputs, name, f"{p}Phase2DhGroupNumbers", AWS_GROUPS, refusals, AWS_PHASE2_GROUPS
        )
        versions = tuple(inputs.get(f"{p}IkeVersions") or AWS_DEFAULTS["IkeVersions"])
        for v in versions:
            if v not in ("ikev1", "ikev2"):
                refusals.append(Refusal(src("IkeVersions"), v, "ikev1 | ikev2"))
        dpd_input = inputs.get(f"{p}DpdTimeoutSeconds")
        dpd = int(AWS_DEFAULTS["DpdTimeoutSeconds"] if dpd_input is None else dpd_input)
        if dpd < 30:
            refusals.append(Refusal(src("DpdTimeoutSeconds"), dpd, "30 or more seconds"))
        action = str(inputs.get(f"{p}DpdTimeoutAction") or AWS_DEFAULTS["DpdTimeoutAction"])
        if action not in ("clear", "none", "restart"):
            refusals.append(Refusal(src("DpdTimeoutAction"), action, "clear | none | restart"))
            action = "clear"
        start = str(inputs.get(f"{p}StartupAction") or AWS_DEFAULTS["StartupAction"])
        if start not in ("add", "start"):
            refusals.append(Refusal(src("StartupAction"), start, "add | start"))
        if start == "start" and "ikev2" not in versions:  # AWS initiates IKEv2 only
            refusals.append(
                Refusal(src("StartupAction"), start, "add with IKEv1 (start needs ikev2)")
            )
        # Lifetimes: phase 1 900-28,800 s, phase 2 900-3,600 s and below phase 1 (VPNTunnels.html).
        life1 = int(
            inputs.get(f"{p}Phase1LifetimeSeconds") or AWS_DEFAULTS["Phase1LifetimeSeconds"]
        )
        life2 = int(
            inputs.get(f"{p}Phase2LifetimeSeconds") or AWS_DEFAULTS["Phase2LifetimeSeconds"]
        )
        if not 900 <= life1 <= 28800:
            refusals.append(Refusal(src("Phase1LifetimeSeconds"), life1, "900 to 28800 seconds"))
        if not 900 <= life2 <= 3600 or life2 >= life1:
            refusals.append(
                Refusal(
                    src("Phase2LifetimeSeconds"),
                    life2,
                    "900 to 3600 seconds, below the phase 1 lifetime",
                )
            )
        inside = inputs.get(f"{p}InsideCidr")
        if inside is not None and not _aws_inside_ok(str(inside)):
            refusals.append(
                Refusal(
                    src("InsideCidr"),
                    inside,
                    "a /30 in 169.254.0.0/16 outside AWS's reserved ranges",
                )
            )
        psk_ref = reference(inputs.get(f"{p}PresharedKey"))
        endpoints.append(
            Endpoint(
                index=n,
                label=f"tunnel {n}",
                outside=f"(known after apply: {name}.{p}Address)",
                peer_ip=peer_ip,
                psk_resource=psk_ref[0] if psk_ref else None,
                ike_versions=versions,
                ike_proposals=_proposals(enc1, int1, dh1, ike=True),
                esp_proposals=_proposals(enc2, [i for i in int2], dh2, ike=False),
                allowed={
                    "phase1.encryption": tuple(enc1),
                    "phase1.integrity": tuple(int1),
                    "phase1.dhGroup": tuple(dh1),
                    "phase2.encryption": tuple(enc2),
                    "phase2.integrity": tuple(int2),
                    "phase2.pfsGroup": tuple(dh2),
                },
                ike_lifetime=life1,
                esp_lifetime=life2,
                local_ts=(str(remote_cidr),),
                remote_ts=(str(local_cidr),),
                dpd_timeout=dpd,
                dpd_action=action,  # type: ignore[arg-type]
                # AWS initiates only with startup action "start" (IKEv2 only); with "add" the
                # customer gateway must
                # (https://docs.aws.amazon.com/vpn/latest/s2svpn/initiate-vpn-tunnels.html).
                initiates=start == "start",
                inside_cidr=inputs.get(f"{p}InsideCidr"),
                sources={
                    "phase1.encryption": src("Phase1EncryptionAlgorithms"),
                    "phase1.integrity": src("Phase1IntegrityAlgorithms"),
                    "phase1.dhGroup": src("Phase1DhGroupNumbers"),
                    "phase2.encryption": src("Phase2EncryptionAlgorithms"),
                    "phase2.integrity": src("Phase2IntegrityAlgorithms"),
                    "phase2.pfsGroup": src("Phase2DhGroupNumbers"),
                    "localNetworks": Source(name, "localIpv4NetworkCidr"),
                    "remoteNetworks": Source(name, "remoteIpv4NetworkCidr"),
                    "psk": src("PresharedKey"),
                    "peer": Source(cgw["name"], "ipAddress"),
                    "dpd": src("DpdTimeoutSeconds"),
                    "start": src("StartupAction"),
                    "inside": src("InsideCidr"),
                },
                notes=(
                    [
                        "no localIpv4NetworkCidr/remoteIpv4NetworkCidr: AWS proposes 0.0.0.0/0 ⇄ 0.0.0.0/0"
                    ]
                    if (local_cidr, remote_cidr) == ("0.0.0.0/0", "0.0.0.0/0")
                    else []
                ),
            )
        )
    static = inputs.get("staticRoutesOnly", False)
    gateway_routes = [
        (str(r["inputs"]["destinationCidrBlock"]), Source(r["name"], "destinationCidrBlock"))
        for r in _resources(plan, "vpnConnectionRoute:VpnConnectionRoute")
        if reference(r["inputs"].get("vpnConnectionId")) == (name, "id")
    ]
    notes: list[str] = []
    broken: list[tuple[str, str]] = []
    if not static:
        # A dynamic connection learns its routes over BGP; Genesys' connections are static, so
        # the gateway has no route back to Genesys (static routes are for connections with
        # staticRoutesOnly: https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html).
        gateway_routes = []
        broken.append(
            (
                "cloud routing",
                f"{name}.staticRoutesOnly is off: AWS expects BGP on this connection and Genesys' static "
                "connection speaks none, so the gateway learns no route back to Genesys. Set staticRoutesOnly.",
            )
        )
    outputs = plan.get("outputs", {})
    iaas = outputs.get("iaasTeam", {}).get("attachments", {}).get(attachment, {})
    tables, edge, backends, appliance = _aws_vpc(plan, attachment, iaas, name, broken)
    return CloudModel(
        provider="aws",
        attachment=attachment,
        endpoints=endpoints,
        gateway_routes=gateway_routes,
        tables=tables,
        edge_table=edge,
        backends=backends,
        appliance=appliance,
        networks=[str(n) for n in iaas.get("networks", [])],
        application_ports=[int(p) for p in iaas.get("applicationPorts", [])],
        refusals=refusals,
        notes=notes,
        broken=broken,
    )


#: AWS reserves these inside /30s (VPNTunnels.html, "Inside tunnel IPv4 CIDR"). The validator's
#: copy is ``c2cvpn.vendors`` (the AWS profile's ``reserved_inside``); this one is kept apart on
#: purpose, like the spellings, so that a mistake there is a disagreement here.
AWS_RESERVED_INSIDE = frozenset(
    ipaddress.IPv4Network(n)
    for n in (*(f"169.254.{k}.0/30" for k in range(6)), "169.254.169.252/30")
)


def _aws_inside_ok(cidr: str) -> bool:
    try:
        net = ipaddress.IPv4Network(cidr)
    except ValueError:
        return False
    return (
        net.prefixlen == 30
        and net.subnet_of(ipaddress.IPv4Network("169.254.0.0/16"))
        and net not in AWS_RESERVED_INSIDE
    )


def _table_name(value: object) -> str:
    ref = reference(value)
    return ref[0] if ref else str(value)


def _aws_target(inputs: Mapping[str, Any]) -> str:
    for key, target in (
        ("gatewayId", "gateway"),
        ("transitGatewayId", "gateway"),
        ("networkInterfaceId", "appliance"),
    ):
        if inputs.get(key):
            return target
    return "other"


def _aws_rules(entries: Iterable[Mapping[str, Any]], name: str, key: str) -> list[Rule]:
    out = []
    for i, e in enumerate(entries):
        out.append(_aws_rule(e, Source(name, f"{key}[{i}]"), "in" if key == "ingress" else "out"))
    return out


def _aws_rule(e: Mapping[str, Any], source: Source, direction: str) -> Rule:
    proto = str(e.get("protocol", "-1")).lower()
    protocol = {"-1": "all", "all": "all", "6": "tcp", "17": "udp", "1": "icmp"}.get(proto, proto)
    ports: tuple[int, int] | None = None
    if protocol in ("tcp", "udp"):
        ports = (int(e.get("fromPort", 0)), int(e.get("toPort", 65535)))
    return Rule(
        direction=direction,  # type: ignore[arg-type]
        protocol=protocol,  # type: ignore[arg-type]
        ports=ports,
        cidrs=tuple(str(c) for c in e.get("cidrBlocks") or []),
        access="accept",
        priority=0,
        source=source,
        description=str(e.get("description", "")),
    )


def _aws_vpc(
    plan: Mapping[str, Any],
    attachment: str,
    iaas: Mapping[str, Any],
    vpn_name: str,
    broken: list[tuple[str, str]],
) -> tuple[dict[str, list[RouteEntry]], str | None, list[BackendModel], ApplianceModel | None]:
    info = iaas.get("iaas", {})
    tables: dict[str, list[RouteEntry]] = {}
    for r in _resources(plan, "ec2/route:Route"):
        if not _role_of(r, attachment):
            continue
        inp = r["inputs"]
        table = _table_name(inp.get("routeTableId"))
        tables.setdefault(table, []).append(
            RouteEntry(
                table,
                str(inp["destinationCidrBlock"]),
                _aws_target(inp),
                Source(r["name"], "destinationCidrBlock"),
            )
        )
    edge = None
    subnet_tables: dict[str, str] = {}
    for r in _resources(plan, "routeTableAssociation:RouteTableAssociation"):
        if not _role_of(r, attachment):
            continue
        inp = r["inputs"]
        if inp.get("gatewayId"):
            # A gateway route table (edge association): traffic from the VGW is routed by it,
            # to the local route or a middlebox ENI
            # (https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html).
            edge = _table_name(inp.get("routeTableId"))
        elif inp.get("subnetId"):
            subnet_tables[_table_name(inp["subnetId"])] = _table_name(inp.get("routeTableId"))
    # Security groups: the planned rules on the stack's groups. Rules the group already holds
    # are not in the plan and not modelled; egress of a group the plan does not create is
    # AWS's default for a new group, allow-all, and groups are stateful
    # (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html).
    group_ids = [str(g) for g in info.get("securityGroupIds") or []]
    rules: list[Rule] = []
    for r in _resources(plan, "securityGroupRule:SecurityGroupRule"):
        inp = r["inputs"]
        if str(inp.get("securityGroupId")) in group_ids:
            rules.append(
                _aws_rule(
                    inp,
                    Source(r["name"]),
                    "in" if inp.get("type") == "ingress" else "out",
                )
            )
    sg = Filter(
        name=", ".join(group_ids) or "(no security group)",
        rules=rules,
        default_in="drop",
        default_out="accept",
        notes=[
            "existing rules of these groups are not in the plan: only the planned rules are modelled"
        ],
    )
    networks = [ipaddress.IPv4Network(n) for n in iaas.get("networks", [])]
    backends = []
    route_tables = [str(t) for t in info.get("routeTableIds") or []]
    for i, table in enumerate(route_tables or ["(main)"]):
        net = networks[i % len(networks)] if networks else ipaddress.IPv4Network("10.0.0.0/24")
        address = str(net.network_address + 10 + i // max(1, len(networks)))
        backends.append(BackendModel(f"backend {i + 1} ({table})", address, table, sg))
    appliance = None
    instances = [r for r in _resources(plan, "ec2/instance:Instance") if _role_of(r, attachment)]
    if instances:
        inst = instances[0]
        inp = inst["inputs"]
        subnet_name = _table_name(inp.get("subnetId"))
        subnet = next(
            (r for r in _resources(plan, "ec2/subnet:Subnet") if r["name"] == subnet_name), None
        )
        cidr = (
            ipaddress.IPv4Network(subnet["inputs"]["cidrBlock"])
            if subnet
            else ipaddress.IPv4Network("10.255.255.0/28")
        )
        groups = [
            r
            for r in _resources(plan, "ec2/securityGroup:SecurityGroup")
            if _role_of(r, attachment)
        ]
        arules: list[Rule] = []
        for g in groups:
            arules += _aws_rules(g["inputs"].get("ingress") or [], g["name"], "ingress")
            arules += _aws_rules(g["inputs"].get("egress") or [], g["name"], "egress")
        # Terraform's (so Pulumi's) aws_security_group removes AWS's default allow-all egress
        # rule whenever it creates a group and keeps only the listed ones
        # (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group;
        # https://www.pulumi.com/registry/packages/aws/api-docs/ec2/securitygroup/).
        afilter = Filter(
            name=", ".join(g["name"] for g in groups) or "(no security group)",
            rules=arules,
            default_in="drop",
            default_out="drop" if groups else "accept",
        )
        # On by default; an instance that routes must turn it off ("You must disable
        # source/destination checks if the instance runs services such as ... routing":
        # ModifyInstanceAttribute SourceDestCheck, https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/ec2/aws.sdk.kotlin.services.ec2.model/-modify-instance-attribute-request/source-dest-check.html).
        if inp.get("sourceDestCheck", True):
            broken.append(
                (
                    "appliance forwarding",
                    f"{inst['name']}.sourceDestCheck is on: AWS drops every packet the appliance forwards "
                    "(it is on by default; an instance that routes must turn it off). Set sourceDestCheck false.",
                )
            )
        appliance = ApplianceModel(
            name=inst["name"],
            address=str(cidr.network_address + 4),  # AWS reserves the first four addresses
            subnet=str(cidr),
            table=subnet_tables.get(subnet_name),
            filter=afilter,
            script=appliance_script(str(inp.get("userData", ""))),
            source=Source(inst["name"], "userData"),
            mss=iaas.get("mss"),
            source_dest_check=bool(inp.get("sourceDestCheck", True)),
        )
    return tables, edge, backends, appliance


def appliance_script(user_data: str) -> str:
    """The shell script an instance runs at boot: a plain script, or the cloud-config
    ``write_files`` entry under ``scripts/per-boot`` (what cloud-init runs on every boot)."""
    text = user_data.lstrip()
    if text.startswith("#!"):
        return text
    if text.startswith("#cloud-config"):
        try:
            doc = yaml.safe_load(user_data)  # unstripped: a `|` block keeps its final newline
        except yaml.YAMLError:
            return ""
        for f in (doc or {}).get("write_files") or []:
            if "/scripts/per-boot/" in str(f.get("path", "")) or "/scripts/per-instance/" in str(
                f.get("path", "")
            ):
                return str(f.get("content", ""))
        run = (doc or {}).get("runcmd") or []
        return "\n".join(" ".join(c) if isinstance(c, list) else str(c) for c in run) + "\n"
    return ""


# --------------------------------------------------------------------------- Azure


def _azure_value(
    value: object, table: Mapping[str, Any], src: Source, refusals: list[Refusal]
) -> Any:
    if value not in table:
        refusals.append(Refusal(src, value, " | ".join(table)))
        return None
    return table[str(value)]


def azure_model(plan: Mapping[str, Any], attachment: str = "primary") -> CloudModel:
    conns = [
        r for r in _resources(plan, "VirtualNetworkGatewayConnection") if _role_of(r, attachment)
    ]
    if not conns:
        raise ModelError(f"the plan has no VirtualNetworkGatewayConnection for {attachment}")
    conn = conns[0]
    name, inp = conn["name"], conn.get("inputs", {})
    vms = [r for r in _resources(plan, "compute:VirtualMachine") if _role_of(r, attachment)]
    if vms:
        # Its boot script travels in osProfile.customData, next to the admin password: the plan
        # masks the whole osProfile, so the lab cannot run the script the VM would.
        raise ModelError(
            f"the lab does not emulate the Azure MSS appliance ({vms[0]['name']}): its boot script is in "
            "osProfile.customData, which the plan shows as [secret]; run the lab with iaas.mssClamp off"
        )
    refusals: list[Refusal] = []
    gw_ref = reference((inp.get("virtualNetworkGateway1") or {}).get("id"))
    gw = next(
        (r for r in _resources(plan, "VirtualNetworkGateway") if gw_ref and r["name"] == gw_ref[0]),
        None,
    )
    lng_ref = reference((inp.get("localNetworkGateway2") or {}).get("id"))
    lng = next(
        (r for r in _resources(plan, "LocalNetworkGateway") if lng_ref and r["name"] == lng_ref[0]),
        None,
    )
    if gw is None or lng is None:
        raise ModelError(f"{name} names no gateway or local network gateway in the plan")
    gin, lin = gw["inputs"], lng["inputs"]
    peer_ip = str(lin.get("gatewayIpAddress"))
    configs = gin.get("ipConfigurations") or []
    # Active-active: one IPsec endpoint per gateway instance, each with its own public IP
    # (https://learn.microsoft.com/azure/vpn-gateway/active-active-portal).
    count = 2 if gin.get("activeActive") and len(configs) > 1 else 1
    if gin.get("activeActive") and len(configs) < 2:
        refusals.append(
            Refusal(
                Source(gw["name"], "ipConfigurations"),
                len(configs),
                "two IP configurations for an active-active gateway",
            )
        )
    policies = inp.get("ipsecPolicies") or []
    if policies:
        pol = policies[0]

        def s(key: str) -> Source:
            return Source(name, f"ipsecPolicies[0].{key}")

        ike_enc = _azure_value(
            pol.get("ikeEncryption"), AZURE_IKE_ENCRYPTION, s("ikeEncryption"), refusals
        )
        ike_int = _azure_value(
            pol.get("ikeIntegrity"), AZURE_IKE_INTEGRITY, s("ikeIntegrity"), refusals
        )
        dh = _azure_value(pol.get("dhGroup"), AZURE_DH, s("dhGroup"), refusals)
        esp_enc = _azure_value(
            pol.get("ipsecEncryption"), AZURE_IPSEC_ENCRYPTION, s("ipsecEncryption"), refusals
        )
        esp_int = _azure_value(
            pol.get("ipsecIntegrity"), AZURE_IPSEC_INTEGRITY, s("ipsecIntegrity"), refusals
        )
        pfs = _azure_value(pol.get("pfsGroup"), AZURE_PFS, s("pfsGroup"), refusals)
        # A GCM ipsecEncryption needs the same GCM value as ipsecIntegrity (ipsec-ike-policy-howto).
        gcm = str(pol.get("ipsecEncryption", "")).startswith("GCM")
        if gcm != (esp_int == "gcm") or (
            gcm and pol.get("ipsecIntegrity") != pol.get("ipsecEncryption")
        ):
            refusals.append(
                Refusal(
                    s("ipsecIntegrity"),
                    pol.get("ipsecIntegrity"),
                    f"{pol.get('ipsecEncryption')} with a GCM ipsecEncryption, else SHA256 | SHA1 | MD5",
                )
            )
        ike = _proposals([ike_enc] if ike_enc else [], [ike_int] if ike_int else [], [dh], ike=True)
        esp = _proposals(
            [esp_enc] if esp_enc else [],
            [esp_int] if esp_int and esp_int != "gcm" else [],
            [pfs],
            ike=False,
        )
        esp_lifetime = int(pol.get("saLifeTimeSeconds") or AZURE_DEFAULT_ESP_LIFETIME)
        if esp_lifetime < 300:  # QM SA lifetime: at least 300 s (ipsec-ike-policy-howto)
            refusals.append(Refusal(s("saLifeTimeSeconds"), esp_lifetime, "300 or more seconds"))
        allowed = {
            "phase1.encryption": (ike_enc,) if ike_enc else (),
            "phase1.integrity": (ike_int,) if ike_int else (),
            "phase1.dhGroup": (dh,) if dh else (),
            "phase2.encryption": (esp_enc,) if esp_enc else (),
            "phase2.integrity": (esp_int,) if esp_int else (),
            "phase2.pfsGroup": (pfs,) if pfs else (),
        }
        sources = {
            "phase1.encryption": s("ikeEncryption"),
            "phase1.integrity": s("ikeIntegrity"),
            "phase1.dhGroup": s("dhGroup"),
            "phase2.encryption": s("ipsecEncryption"),
            "phase2.integrity": s("ipsecIntegrity"),
            "phase2.pfsGroup": s("pfsGroup"),
        }
    else:
        ike, esp, esp_lifetime, allowed, sources = (
            AZURE_DEFAULT_IKE,
            AZURE_DEFAULT_ESP,
            AZURE_DEFAULT_ESP_LIFETIME,
            {},
            {},
        )
    selectors = inp.get("trafficSelectorPolicies") or []
    lng_prefixes = [
        str(p) for p in (lin.get("localNetworkAddressSpace") or {}).get("addressPrefixes", [])
    ]
    iaas_nets = [
        str(n)
        for n in plan.get("outputs", {})
        .get("iaasTeam", {})
        .get("attachments", {})
        .get(attachment, {})
        .get("networks", [])
    ]
    ts_note: list[str] = []
    if inp.get("usePolicyBasedTrafficSelectors") and selectors:
        local_ts = tuple(str(c) for p in selectors for c in p.get("localAddressRanges", []))
        remote_ts = tuple(str(c) for p in selectors for c in p.get("remoteAddressRanges", []))
    elif inp.get("usePolicyBasedTrafficSelectors"):
        # Policy-based without custom selectors: every VNet prefix with every local network
        # gateway prefix (https://learn.microsoft.com/azure/vpn-gateway/custom-traffic-selectors);
        # the VNet's address space is not in the plan, the IaaS networks stand for it.
        local_ts, remote_ts = tuple(iaas_nets), tuple(lng_prefixes)
        ts_note = [
            f"{name}: policy-based selectors without custom ones: the IaaS networks stand for the VNet's prefixes"
        ]
    else:
        # Route-based without policy-based selectors: Azure proposes any-to-any when it initiates.
        local_ts, remote_ts = ("0.0.0.0/0",), ("0.0.0.0/0",)
        ts_note = [
            f"{name}.usePolicyBasedTrafficSelectors is off: Azure proposes 0.0.0.0/0 ⇄ 0.0.0.0/0"
        ]
    mode = str(inp.get("connectionMode") or "Default")
    dpd_input = inp.get("dpdTimeoutSeconds")
    dpd = AZURE_DEFAULT_DPD if dpd_input is None else int(dpd_input)
    if not 9 <= dpd <= 3600:  # ipsec-ike-policy-howto: 9 to 3600 seconds
        refusals.append(Refusal(Source(name, "dpdTimeoutSeconds"), dpd, "9 to 3600 seconds"))
    psk_ref = reference(inp.get("sharedKey"))
    versions = ("ikev1",) if inp.get("connectionProtocol") == "IKEv1" else ("ikev2",)
    endpoints = []
    for n in range(1, count + 1):
        ip_ref = reference(
            ((configs[n - 1] if n - 1 < len(configs) else {}).get("publicIPAddress") or {}).get(
                "id"
            )
        )
        endpoints.append(
            Endpoint(
                index=n,
                label=f"instance {n}",
                outside=f"(known after apply: {ip_ref[0] if ip_ref else gw['name']}.ipAddress)",
                peer_ip=peer_ip,
                psk_resource=psk_ref[0] if psk_ref else None,
                ike_versions=versions,
                ike_proposals=tuple(ike),
                esp_proposals=tuple(esp),
                allowed=allowed,
                ike_lifetime=AZURE_IKE_LIFETIME,
                esp_lifetime=esp_lifetime,
                local_ts=local_ts,
                remote_ts=remote_ts,
                dpd_timeout=dpd,
                dpd_action="clear" if mode == "ResponderOnly" else "restart",
                initiates=mode in ("Default", "InitiatorOnly"),
                inside_cidr=None,
                sources={
                    **sources,
                    "localNetworks": Source(name, "trafficSelectorPolicies[0].remoteAddressRanges"),
                    "remoteNetworks": Source(name, "trafficSelectorPolicies[0].localAddressRanges"),
                    "psk": Source(name, "sharedKey"),
                    "peer": Source(lng["name"], "gatewayIpAddress"),
                    "dpd": Source(name, "dpdTimeoutSeconds"),
                    "start": Source(name, "connectionMode"),
                },
                notes=list(ts_note),
            )
        )
    prefixes = [
        str(p) for p in (lin.get("localNetworkAddressSpace") or {}).get("addressPrefixes", [])
    ]
    # Subnets learn the local network gateway's prefixes from the VPN gateway (next hop
    # VirtualNetworkGateway) unless propagation is off: https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview
    gateway_routes = [
        (p, Source(lng["name"], "localNetworkAddressSpace.addressPrefixes")) for p in prefixes
    ]
    outputs = plan.get("outputs", {})
    iaas = outputs.get("iaasTeam", {}).get("attachments", {}).get(attachment, {})
    tables: dict[str, list[RouteEntry]] = {
        "system": [RouteEntry("system", p, "gateway", src) for p, src in gateway_routes]
    }
    for r in _resources(plan, "network:Route"):
        if not _role_of(r, attachment):
            continue
        ri = r["inputs"]
        target = {"VirtualNetworkGateway": "gateway", "VirtualAppliance": "appliance"}.get(
            str(ri.get("nextHopType")), "other"
        )
        table = str(ri.get("routeTableName") or "udr")
        tables.setdefault(table, []).append(
            RouteEntry(
                table, str(ri.get("addressPrefix")), target, Source(r["name"], "addressPrefix")
            )
        )
    nsgs: dict[str, list[Rule]] = {}
    for r in _resources(plan, "network:SecurityRule"):
        if not _role_of(r, attachment):
            continue
        ri = r["inputs"]
        proto = {"Tcp": "tcp", "Udp": "udp", "Icmp": "icmp", "*": "all"}.get(
            str(ri.get("protocol")), "all"
        )
        port = str(ri.get("destinationPortRange", "*"))
        ports = None
        if proto in ("tcp", "udp") and port != "*":
            lo, _, hi = port.partition("-")
            ports = (int(lo), int(hi or lo))
        nsgs.setdefault(str(ri.get("networkSecurityGroupName")), []).append(
            Rule(
                direction="in" if ri.get("direction") == "Inbound" else "out",
                protocol=proto,  # type: ignore[arg-type]
                ports=ports,
                cidrs=tuple(
                    ri.get("sourceAddressPrefixes") or [ri.get("sourceAddressPrefix", "0.0.0.0/0")]
                ),
                access="accept" if ri.get("access") == "Allow" else "drop",
                priority=int(ri.get("priority", 4096)),
                source=Source(r["name"]),
                description=str(ri.get("description", "")),
            )
        )
    networks = [ipaddress.IPv4Network(n) for n in iaas.get("networks", [])]
    backends = []
    for i, (nsg, rules) in enumerate(sorted(nsgs.items()) or [("(no NSG)", [])]):
        net = networks[i % len(networks)] if networks else ipaddress.IPv4Network("10.0.0.0/24")
        address = str(net.network_address + 10 + i // max(1, len(networks)))
        # NSG default rules: AllowVnetInBound (65000) — the VirtualNetwork tag covers the address
        # space of the VNet and of on-premises networks reached through the VPN gateway (the
        # local network gateway's prefixes) — then DenyAllInBound (65500); outbound allowed
        # (https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview).
        vnet_tag = tuple([*(str(n) for n in networks), *prefixes])
        defaults = [
            Rule(
                "in",
                "all",
                None,
                vnet_tag,
                "accept",
                65000,
                Source(nsg, "AllowVnetInBound"),
                "Azure default rule",
            ),
        ]
        backends.append(
            BackendModel(
                f"backend {i + 1} ({nsg})",
                address,
                "system",
                Filter(
                    name=nsg,
                    rules=sorted([*rules, *defaults], key=lambda r: r.priority),
                    default_in="drop",
                    default_out="accept",
                ),
            )
        )
    notes = []
    if mode == "ResponderOnly":
        notes.append(f"{name}.connectionMode ResponderOnly: Azure never initiates")
    return CloudModel(
        provider="azure",
        attachment=attachment,
        endpoints=endpoints,
        gateway_routes=gateway_routes,
        tables=tables,
        edge_table=None,
        backends=backends,
        appliance=None,
        networks=[str(n) for n in networks],
        application_ports=[int(p) for p in iaas.get("applicationPorts", [])],
        refusals=refusals,
        notes=notes,
    )


# --------------------------------------------------------------------------- Google Cloud, from Google's docs
# "Supported IKE ciphers" (https://cloud.google.com/network-connectivity/docs/vpn/concepts/supported-ike-ciphers,
# updated 2026-04-10): the cipherSuite configuration values, case-sensitive, per phase and role,
# in the order of Google's tables. "If you have not configured the cipher algorithms, then the
# Cloud VPN tunnel proposes the cipher algorithms in the order shown in the supported cipher
# tables"; with a cipher suite it proposes and accepts only its values. Phase 2 has no 3DES, no
# HMAC-SHA2-384-192 and no HMAC-MD5-96; DES and groups 1 and 17 are offered nowhere.
GCP_PHASE1_ENCRYPTION = {
    "AES-GCM-16-128": "aes128gcm16",
    "AES-GCM-16-192": "aes192gcm16",
    "AES-GCM-16-256": "aes256gcm16",
    "AES-CBC-128": "aes128",
    "AES-CBC-192": "aes192",
    "AES-CBC-256": "aes256",
    "3DES-CBC": "3des",
}
GCP_PHASE2_ENCRYPTION = {
    "AES-GCM-16-128": "aes128gcm16",
    "AES-GCM-16-256": "aes256gcm16",
    "AES-GCM-16-192": "aes192gcm16",
    "AES-CBC-128": "aes128",
    "AES-CBC-256": "aes256",
    "AES-CBC-192": "aes192",
}
GCP_PHASE1_INTEGRITY = {
    "AES-XCBC-96": "aesxcbc",
    "AES-CMAC-96": "aescmac",
    "HMAC-SHA1-96": "sha1",
    "HMAC-MD5-96": "md5",
    "HMAC-SHA2-256-128": "sha256",
    "HMAC-SHA2-384-192": "sha384",
    "HMAC-SHA2-512-256": "sha512",
}
GCP_PHASE2_INTEGRITY = {
    "HMAC-SHA2-256-128": "sha256",
    "HMAC-SHA2-512-256": "sha512",
    "HMAC-SHA1-96": "sha1",
}
GCP_PRF = {
    "PRF-AES128-XCBC": "prfaesxcbc",
    "PRF-AES128-CMAC": "prfaescmac",
    "PRF-HMAC-SHA1": "prfsha1",
    "PRF-HMAC-MD5": "prfmd5",
    "PRF-HMAC-SHA2-256": "prfsha256",
    "PRF-HMAC-SHA2-384": "prfsha384",
    "PRF-HMAC-SHA2-512": "prfsha512",
}
#: Phase 1 ``dhs`` and phase 2 ``pfs`` take the same list ("PFS Algorithm (required)").
GCP_GROUPS = {
    "Group-14": "modp2048",
    "modp-2048-224": "modp2048s224",
    "modp-2048-256": "modp2048s256",
    "Group-5": "modp1536",
    "Group-15": "modp3072",
    "Group-16": "modp4096",
    "Group-18": "modp8192",
    "Group-2": "modp1024",
    "modp-1024-160": "modp1024s160",
    "Group-19": "ecp256",
    "Group-20": "ecp384",
    "Group-21": "ecp521",
    "Group-31": "curve25519",
}
#: cipherSuite roles: (phase, plan key, table, Endpoint.allowed key).
GCP_ROLES: tuple[tuple[str, str, Mapping[str, str], str], ...] = (
    ("phase1", "encryptions", GCP_PHASE1_ENCRYPTION, "phase1.encryption"),
    ("phase1", "integrities", GCP_PHASE1_INTEGRITY, "phase1.integrity"),
    ("phase1", "prves", GCP_PRF, "phase1.prf"),
    ("phase1", "dhs", GCP_GROUPS, "phase1.dhGroup"),
    ("phase2", "encryptions", GCP_PHASE2_ENCRYPTION, "phase2.encryption"),
    ("phase2", "integrities", GCP_PHASE2_INTEGRITY, "phase2.integrity"),
    ("phase2", "pfs", GCP_GROUPS, "phase2.pfsGroup"),
)
# Same page: the lifetimes are fixed, IKE SA 36,000 s (10 h) and CHILD SA 10,800 s (3 h).
GCP_IKE_LIFETIME = 36000
GCP_ESP_LIFETIME = 10800
# Route.priority: "Default value is 1000. Valid range is 0 through 65535" (the provider's
# docs); a firewall rule's priority has the same default and range.
GCP_ROUTE_PRIORITY = 1000
GCP_FIREWALL_PRIORITY = 1000
#: Google documents no DPD interval or timeout for Cloud VPN (it asks the *peer* for
#: aggressive DPD): the lab's assumption for the gateway when it knows no stack value.
GCP_DPD_ASSUMED = 30
#: The three forwarding rules a Classic gateway needs on its address ("ESP", "UDP 500",
#: "UDP 4500"), with what is lost without each.
GCP_FORWARDING = {
    ("ESP", ""): "ESP never reaches the gateway (no NAT between the ends)",
    ("UDP", "500"): "IKE never reaches the gateway",
    ("UDP", "4500"): "NAT-T (IKE and ESP in UDP 4500) never reaches the gateway",
}
GCP_AEAD = ("aes128gcm16", "aes192gcm16", "aes256gcm16")


def _gcp_network(value: object) -> str:
    """A network's name from its name or self link (``projects/P/global/networks/N``)."""
    return str(value or "").rstrip("/").rsplit("/", 1)[-1]


def _gcp_suite(
    suite: Mapping[str, Any] | None, name: str, refusals: list[Refusal]
) -> tuple[dict[str, list[str]], bool]:
    """strongSwan names per allowed key from a tunnel's cipherSuite (Google's default list for
    what it leaves out), and whether the suite was configured at all."""
    out: dict[str, list[str]] = {}
    for phase, key, table, allowed_key in GCP_ROLES:
        given = ((suite or {}).get(phase) or {}).get(key)
        src = Source(name, f"cipherSuite.{phase}.{key}")
        if given is None:
            out[allowed_key] = list(table.values())
            continue
        names = []
        for value in given:
            if value not in table:
                refusals.append(Refusal(src, value, " | ".join(table)))
                continue
            names.append(table[str(value)])
        out[allowed_key] = list(dict.fromkeys(names))
    # "If you specify AEAD ciphers for encryption, you cannot specify separate ciphers for
    # integrity" (Configure ciphers, HA VPN how-to).
    for phase in ("phase1", "phase2"):
        given = (suite or {}).get(phase) or {}
        enc = out[f"{phase}.encryption"]
        if (
            given.get("encryptions")
            and given.get("integrities")
            and any(c in GCP_AEAD for c in enc)
        ):
            refusals.append(
                Refusal(
                    Source(name, f"cipherSuite.{phase}.integrities"),
                    list(given["integrities"]),
                    "no integrity with an AEAD (AES-GCM) encryption",
                )
            )
    return out, bool(suite)


def _gcp_proposals(
    enc: Sequence[str], integrity: Sequence[str], prf: Sequence[str], groups: Sequence[str]
) -> tuple[str, ...]:
    """strongSwan proposals allowing every combination (``prf`` empty: an ESP proposal)."""
    plain = [c for c in enc if c not in GCP_AEAD]
    aead = [c for c in enc if c in GCP_AEAD]
    out = []
    if plain and integrity:
        out.append("-".join([*plain, *integrity, *prf, *groups]))
    if aead:
        out.append("-".join([*aead, *prf, *groups]))
    return tuple(out)


def _gcp_attachments(plan: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    attachments = plan.get("outputs", {}).get("iaasTeam", {}).get("attachments", {}) or {}
    return {str(k): v for k, v in attachments.items() if (v or {}).get("provider") == "gcp"}


def _gcp_tunnel_of(plan: Mapping[str, Any], role: str) -> dict[str, Any] | None:
    return next((r for r in _resources(plan, "vPNTunnel:VPNTunnel") if _role_of(r, role)), None)


def _gcp_gateway_of(plan: Mapping[str, Any], tunnel: Mapping[str, Any]) -> dict[str, Any]:
    ref = reference(tunnel.get("inputs", {}).get("targetVpnGateway"))
    gw = next(
        (r for r in _resources(plan, "vPNGateway:VPNGateway") if ref and r["name"] == ref[0]),
        None,
    )
    if gw is None:
        raise ModelError(
            f"{tunnel['name']}.targetVpnGateway names no Classic VPN gateway in the plan "
            "(the lab models Classic VPN: HA VPN needs BGP)"
        )
    return gw


def _gcp_network_key(gw: Mapping[str, Any], tunnel: Mapping[str, Any]) -> tuple[str, str]:
    gi, ti = gw.get("inputs", {}), tunnel.get("inputs", {})
    network = str(gi.get("network", ""))
    project = str(gi.get("project") or ti.get("project") or "")
    if network.startswith("projects/") or "/projects/" in network:
        parts = network.split("/")
        project = parts[parts.index("projects") + 1]
    return project, _gcp_network(network)


def _gcp_rules(
    fw: Mapping[str, Any], address: str, tags: Sequence[str]
) -> tuple[list[Rule], str | None]:
    """The rules one planned firewall gives a back end at ``address`` carrying ``tags``, or why
    it gives none (a note)."""
    inp, name = fw.get("inputs", {}), str(fw["name"])
    if inp.get("disabled"):
        return [], f"{name} is disabled"
    target = [str(t) for t in inp.get("targetTags") or []]
    if target and not set(target) & set(tags):
        return [], f"{name} applies to instances tagged {', '.join(target)}"
    direction = "out" if str(inp.get("direction", "INGRESS")).upper() == "EGRESS" else "in"
    ip = ipaddress.IPv4Address(address)
    if direction == "in":
        dest = [str(c) for c in inp.get("destinationRanges") or []]
        if dest and not any(ip in ipaddress.IPv4Network(c, strict=False) for c in dest):
            return [], f"{name}.destinationRanges leave out {address}"
        # No source range and no source tag: gcloud's --source-ranges defaults to 0.0.0.0/0;
        # source tags and service accounts never match traffic from the VPN.
        cidrs = [str(c) for c in inp.get("sourceRanges") or []]
        if not cidrs and (inp.get("sourceTags") or inp.get("sourceServiceAccounts")):
            return [], f"{name} matches sources by tag or service account only"
        cidrs = cidrs or ["0.0.0.0/0"]
    else:
        cidrs = [str(c) for c in inp.get("destinationRanges") or []] or ["0.0.0.0/0"]
    priority = int(inp.get("priority", GCP_FIREWALL_PRIORITY))
    out: list[Rule] = []
    for key, access in (("denies", "drop"), ("allows", "accept")):
        for entry in inp.get(key) or []:
            proto = str(entry.get("protocol", "all")).lower()
            protocol = {"6": "tcp", "17": "udp", "1": "icmp"}.get(proto, proto)
            if protocol not in ("tcp", "udp", "icmp", "all"):
                continue
            ranges: list[tuple[int, int] | None] = [None]
            if protocol in ("tcp", "udp") and entry.get("ports"):
                ranges = []
                for port in entry["ports"]:
                    lo, _, hi = str(port).partition("-")
                    ranges.append((int(lo), int(hi or lo)))
            for ports in ranges:
                out.append(
                    Rule(
                        direction=direction,  # type: ignore[arg-type]
                        protocol=protocol,  # type: ignore[arg-type]
                        ports=ports,
                        cidrs=tuple(cidrs),
                        access=access,  # type: ignore[arg-type]
                        priority=priority,
                        source=Source(name),
                        description=(
                            f"{'deny' if access == 'drop' else 'allow'} {protocol}"
                            + (f" {ports[0]}" if ports and ports[0] == ports[1] else "")
                            + (f" {ports[0]}-{ports[1]}" if ports and ports[0] != ports[1] else "")
                        ),
                    )
                )
    return out, None


def _verdict(rules: Sequence[Rule], protocol: str, port: int | None, address: str) -> Rule | None:
    """The first inbound rule that decides for a packet (rules in evaluation order)."""
    return next(
        (r for r in rules if r.direction == "in" and r.matches(protocol, port, address)), None
    )


def gcp_model(plan: Mapping[str, Any], attachment: str = "primary") -> CloudModel:
    """Classic VPN, route-based: one endpoint per Classic gateway's tunnel. Attachments whose
    gateways share the VPC network are one model: their tunnels compete for the same
    destinations through the VPC's static routes, the up one with the lowest priority number
    winning ("Order of routes")."""
    gcp = _gcp_attachments(plan)
    if attachment not in gcp:
        raise ModelError(f"the plan's {attachment} attachment is not on Google Cloud")
    tunnel = _gcp_tunnel_of(plan, attachment)
    if tunnel is None:
        raise ModelError(f"the plan has no gcp:compute/vPNTunnel:VPNTunnel for {attachment}")
    key = _gcp_network_key(_gcp_gateway_of(plan, tunnel), tunnel)
    members: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    for role in gcp:
        t = _gcp_tunnel_of(plan, role)
        if t is None:
            continue
        gw = _gcp_gateway_of(plan, t)
        if _gcp_network_key(gw, t) == key:
            members.append((role, t, gw))
    vpc = key[1]
    refusals: list[Refusal] = []
    broken: list[tuple[str, str]] = []
    notes: list[str] = []
    iaas = [gcp[role] for role, _, _ in members]
    networks = list(dict.fromkeys(str(n) for a in iaas for n in a.get("networks", [])))
    subnets = [ipaddress.IPv4Network(n, strict=False) for n in networks]
    tags = list(
        dict.fromkeys(str(t) for a in iaas for t in a.get("iaas", {}).get("targetTags", []))
    )
    ports = list(dict.fromkeys(int(p) for a in iaas for p in a.get("applicationPorts", [])))
    tenants = [
        str(c) for c in plan.get("outputs", {}).get("iaasTeam", {}).get("genesysTenantCidrs", [])
    ]
    forwarding = _resources(plan, "forwardingRule:ForwardingRule")
    endpoints: list[Endpoint] = []
    for index, (role, t, gw) in enumerate(members, start=1):
        name, inp = str(t["name"]), t.get("inputs", {})
        version = inp.get("ikeVersion", 2)
        if version not in (1, 2):
            refusals.append(Refusal(Source(name, "ikeVersion"), version, "1 | 2"))
        suite = inp.get("cipherSuite")
        if suite and version == 1:
            refusals.append(
                Refusal(Source(name, "cipherSuite"), "(set)", "no cipher suite with ikeVersion 1")
            )
        allowed, configured = _gcp_suite(suite, name, refusals)
        prf_hashes = [p.removeprefix("prf") for p in allowed["phase1.prf"]]
        plain = [c for c in allowed["phase1.encryption"] if c not in GCP_AEAD]
        aead = [c for c in allowed["phase1.encryption"] if c in GCP_AEAD]
        # what a peer's phase 1 "integrity" can be: its HMAC and its PRF (CBC), the PRF (GCM)
        p1_hashes = [h for h in allowed["phase1.integrity"] if plain and h in prf_hashes]
        p1_hashes += [h for h in prf_hashes if aead and h not in p1_hashes]
        ike = _gcp_proposals(
            allowed["phase1.encryption"],
            allowed["phase1.integrity"],
            allowed["phase1.prf"],
            allowed["phase1.dhGroup"],
        )
        esp = _gcp_proposals(
            allowed["phase2.encryption"],
            allowed["phase2.integrity"],
            [],
            allowed["phase2.pfsGroup"],
        )
        local = tuple(str(c) for c in inp.get("localTrafficSelectors") or ["0.0.0.0/0"])
        remote = tuple(str(c) for c in inp.get("remoteTrafficSelectors") or ["0.0.0.0/0"])
        psk = reference(inp.get("sharedSecret"))
        if not inp.get("sharedSecret"):
            refusals.append(Refusal(Source(name, "sharedSecret"), None, "a shared secret"))
        peer = str(inp.get("peerIp"))
        try:
            peer_addr: ipaddress.IPv4Address | None = ipaddress.IPv4Address(peer)
        except ValueError:
            refusals.append(Refusal(Source(name, "peerIp"), peer, "an IPv4 address"))
            peer_addr = None
        ep_notes: list[str] = []
        if peer_addr is not None and not peer_addr.is_global:
            # terraform-provider-google's validatePeerAddr refuses RFC 5735/5737 ranges; the
            # example stacks use documentation addresses, so the lab runs and says so.
            ep_notes.append(
                f"peerIp {peer} is a reserved (RFC 5735/5737) address: it plans, but Google refuses it as a "
                "tunnel's peer IP; the lab stands it in as the Genesys gateway"
            )
        if not configured:
            ep_notes.append(
                f"{name} sets no cipherSuite: Cloud VPN proposes and accepts its whole default list "
                "(the supported-ciphers tables, in their order), and what is negotiated may change at rekey"
            )
        bound = [
            r
            for r in forwarding
            if reference(r.get("inputs", {}).get("target")) == (gw["name"], "id")
        ]
        have = {
            (str(r["inputs"].get("ipProtocol", "")).upper(), str(r["inputs"].get("portRange", "")))
            for r in bound
        }
        missing = [why for fr, why in GCP_FORWARDING.items() if fr not in have]
        if missing:
            wanted = ", ".join(
                f"{p} {port}".strip() for (p, port), why in GCP_FORWARDING.items() if why in missing
            )
            broken.append(
                (
                    "forwarding rules",
                    f"{gw['name']}: no gcp:compute/forwardingRule for {wanted} on its address: "
                    + "; ".join(missing)
                    + ". A Classic gateway needs ESP, UDP 500 and UDP 4500 forwarded to it.",
                )
            )
        address = next(
            (str(r["inputs"]["ipAddress"]) for r in bound if r["inputs"].get("ipAddress")),
            f"(known after apply: {role}-address.address)",
        )
        notes += ep_notes
        endpoints.append(
            Endpoint(
                index=index,
                label=name,
                outside=address,
                peer_ip=peer,
                psk_resource=psk[0] if psk else None,
                ike_versions=("ikev1",) if version == 1 else ("ikev2",),
                ike_proposals=ike,
                esp_proposals=esp,
                allowed={
                    **{k: tuple(v) for k, v in allowed.items()},
                    "phase1.integrity": tuple(p1_hashes),
                },
                ike_lifetime=GCP_IKE_LIFETIME,
                esp_lifetime=GCP_ESP_LIFETIME,
                local_ts=local,
                remote_ts=remote,
                dpd_timeout=GCP_DPD_ASSUMED,
                # Not documented: after a dead peer the lab's gateway clears the SA and
                # initiates again when traffic needs it.
                dpd_action="clear",
                initiates=False,
                inside_cidr=None,
                sources={
                    "phase1.encryption": Source(name, "cipherSuite.phase1.encryptions"),
                    "phase1.integrity": Source(
                        name, "cipherSuite.phase1.integrities/cipherSuite.phase1.prves"
                    ),
                    "phase1.prf": Source(name, "cipherSuite.phase1.prves"),
                    "phase1.dhGroup": Source(name, "cipherSuite.phase1.dhs"),
                    "phase2.encryption": Source(name, "cipherSuite.phase2.encryptions"),
                    "phase2.integrity": Source(name, "cipherSuite.phase2.integrities"),
                    "phase2.pfsGroup": Source(name, "cipherSuite.phase2.pfs"),
                    "localNetworks": Source(name, "remoteTrafficSelectors"),
                    "remoteNetworks": Source(name, "localTrafficSelectors"),
                    "psk": Source(name, "sharedSecret"),
                    "peer": Source(name, "peerIp"),
                    "dpd": Source(name, "(Google documents no DPD timer)"),
                    "start": Source(name, "(no initiation setting)"),
                },
                notes=ep_notes,
                attachment=role,
                gateway=str(gw["name"]),
                initiates_on_traffic=True,
                dpd_assumed=True,
            )
        )
    by_tunnel = {(str(t["name"]), "id"): n for n, (_, t, _) in enumerate(members, start=1)}
    table = vpc + (f" (tags {', '.join(tags)})" if tags else "")
    entries: list[RouteEntry] = []
    for r in _resources(plan, "compute/route:Route"):
        inp = r.get("inputs", {})
        ref = reference(inp.get("nextHopVpnTunnel"))
        if ref is None or ref not in by_tunnel:
            continue
        if _gcp_network(inp.get("network")) != vpc:
            notes.append(f"{r['name']} is in network {inp.get('network')}, not {vpc}: not modelled")
            continue
        name, dest = str(r["name"]), str(inp.get("destRange"))
        priority = int(inp.get("priority", GCP_ROUTE_PRIORITY))
        if not 0 <= priority <= 65535:
            refusals.append(Refusal(Source(name, "priority"), priority, "0 to 65535"))
        try:
            net = ipaddress.IPv4Network(dest)
        except ValueError:
            refusals.append(Refusal(Source(name, "destRange"), dest, "an IPv4 CIDR"))
            continue
        inside = next((s for s in subnets if net.subnet_of(s)), None)
        if inside is not None:
            # "Google Cloud does not let you create a static route whose destination" equals or
            # lies inside a subnet range: subnet routes always win ("Order of routes").
            refusals.append(
                Refusal(
                    Source(name, "destRange"),
                    dest,
                    f"a range outside the network's subnets (it lies inside {inside})",
                )
            )
            continue
        route_tags = tuple(str(t) for t in inp.get("tags") or [])
        if route_tags and not set(route_tags) & set(tags):
            broken.append(
                (
                    "route tags",
                    f"{name}.tags ({', '.join(route_tags)}): the route applies only to instances with those network "
                    f"tags and the back ends carry {', '.join(tags) or 'none'} (iaas.gcp.targetTags): their replies "
                    f"to {dest} do not take it. Tag the back ends, or give the route the back ends' tags.",
                )
            )
            continue
        entries.append(
            RouteEntry(
                table,
                dest,
                "gateway",
                Source(name, "destRange"),
                priority=priority,
                endpoint=by_tunnel[ref],
                tags=route_tags,
            )
        )
    for e in endpoints:
        mine = [ipaddress.IPv4Network(x.destination) for x in entries if x.endpoint == e.index]
        e.routes = tuple(dict.fromkeys(str(n) for n in mine))
        uncovered = [
            c for c in tenants if not any(ipaddress.IPv4Network(c).subnet_of(n) for n in mine)
        ]
        if uncovered:
            broken.append(
                (
                    f"{e.label} routes",
                    f"no gcp:compute/route:Route in {vpc} sends {', '.join(uncovered)} to {e.label} "
                    '(a Classic tunnel gets no route by itself: "you must manually create the static routes"): '
                    f"while {e.label} is the tunnel up, the back ends' replies to Genesys have no way back. "
                    "Add a route per genesys.tenantCidrs entry with the tunnel as nextHopVpnTunnel.",
                )
            )
    if len(endpoints) > 1:
        best = {
            e.index: min((x.priority or 0 for x in entries if x.endpoint == e.index), default=None)
            for e in endpoints
        }
        first, *others = endpoints
        for other in others:
            p1, p2 = best[first.index], best[other.index]
            if p1 is None or p2 is None:
                continue
            if p2 < p1:
                notes.append(
                    f"{other.label}'s routes (priority {p2}) beat {first.label}'s ({p1}): the VPC sends to {other.label} "
                    "while both are up"
                )
            elif p2 == p1:
                notes.append(
                    f"{first.label} and {other.label} have equal route priorities ({p1}): the VPC spreads flows over both "
                    "(ECMP); Genesys must accept traffic on either"
                )
    gateway_routes = list({x.destination: (x.destination, x.source) for x in entries}.values())
    # Firewall rules are network-wide: every planned rule of the network, whichever attachment
    # made it, on top of the implied rules (deny all ingress, allow all egress, priority 65535;
    # stateful): https://cloud.google.com/firewall/docs/firewalls.
    firewalls = [
        f
        for f in _resources(plan, "compute/firewall:Firewall")
        if _gcp_network(f.get("inputs", {}).get("network")) == vpc
    ]
    backends = []
    for i, net in enumerate(subnets or [ipaddress.IPv4Network("10.0.0.0/24")]):
        address = str(net.network_address + 10)
        rules: list[Rule] = []
        skipped: list[str] = []
        for fw in firewalls:
            got, why = _gcp_rules(fw, address, tags)
            rules += got
            if why:
                skipped.append(why)
        # lowest number first; at equal priority a deny wins over an allow
        rules.sort(key=lambda r: (r.priority, r.access != "drop"))
        flt = Filter(
            name=vpc,
            rules=rules,
            default_in="drop",
            default_out="accept",
            notes=[
                f"existing firewall rules of {vpc} are not in the plan: only the planned rules and the implied ones are modelled",
                *skipped,
            ],
        )
        backends.append(BackendModel(f"backend {i + 1} ({vpc})", address, table, flt))
        for port in ports:
            for tenant in tenants:
                probe = str(next(ipaddress.IPv4Network(tenant).hosts()))
                rule = _verdict(rules, "tcp", port, probe)
                if rule is None or rule.access == "drop":
                    broken.append(
                        (
                            "firewall",
                            f"no planned gcp:compute/firewall:Firewall of {vpc} lets TCP {port} from {tenant} in to "
                            f"{address} ({net}, tags {', '.join(tags) or 'none'}): "
                            + (
                                f"{rule.source} denies it"
                                if rule is not None
                                else "the implied deny-ingress rule drops it"
                            )
                            + ". Allow TCP on the application ports from genesys.tenantCidrs to the IaaS networks.",
                        )
                    )
    notes += [
        f"Google Cloud's lifetimes are fixed: IKE SA {GCP_IKE_LIFETIME} s, CHILD_SA {GCP_ESP_LIFETIME} s",
        "Cloud VPN initiates when traffic needs a new SA (the lab's gateway: start_action = trap, with the acquire "
        "kernel-libipsec does not raise emulated by the lab); the Genesys stand-in brings the tunnels up. When it "
        "initiates it proposes the tunnel's selectors "
        f"({', '.join(endpoints[0].local_ts)} ⇄ {', '.join(endpoints[0].remote_ts)})",
        "Classic tunnels with static routes have no inside (169.254) addresses: the Genesys tunnel range is for the record",
        "not emulated: the gateway MTU of 1460 and Cloud VPN's own MSS clamping towards the peer (the lab's "
        "kernel-libipsec TUN devices have MTU 1400)",
    ]
    if len(endpoints) > 1:
        notes.append(
            f"one VPC network ({vpc}) with {len(endpoints)} Classic gateways: "
            + ", ".join(f"{e.label} ({e.attachment})" for e in endpoints)
            + "; the VPC router sends each Genesys CIDR to the tunnel with an IKE SA and the lowest route priority "
            "(the lab re-evaluates it as the SAs come and go)"
        )
    notes = list(dict.fromkeys(notes))
    return CloudModel(
        provider="gcp",
        attachment=attachment,
        endpoints=endpoints,
        gateway_routes=gateway_routes,
        tables={table: entries},
        edge_table=None,
        backends=backends,
        appliance=None,
        networks=networks,
        application_ports=ports,
        refusals=refusals,
        notes=notes,
        broken=broken,
    )


def assume_dpd(model: CloudModel, seconds: int, source: Source) -> CloudModel:
    """The model with ``seconds`` as the DPD timeout of every endpoint whose vendor documents
    none (GCP), said in a note: an assumption of the lab, not a vendor fact."""
    assumed = [e for e in model.endpoints if e.dpd_assumed]
    if not assumed:
        return model
    endpoints = [
        replace(e, dpd_timeout=seconds, sources={**e.sources, "dpd": source})
        if e.dpd_assumed
        else e
        for e in model.endpoints
    ]
    note = (
        f"DPD: Google documents no dead-peer-detection interval or timeout for Cloud VPN; the lab assumes "
        f"{', '.join(e.label for e in assumed)} declares a silent peer dead after {seconds} s ({source}, "
        "the Genesys side's setting) and clears the SA: failover figures hold for that assumption"
    )
    return replace(model, endpoints=endpoints, notes=[*model.notes, note])


MODELS = {"aws": aws_model, "azure": azure_model, "gcp": gcp_model}


def cloud_model(plan: Mapping[str, Any], attachment: str = "primary") -> CloudModel:
    """The gateway, routes and filters the plan gives ``attachment``; ModelError if none."""
    provider = (
        plan.get("outputs", {})
        .get("iaasTeam", {})
        .get("attachments", {})
        .get(attachment, {})
        .get("provider")
    )
    if provider not in MODELS:
        raise ModelError(
            f"the lab has no behaviour model for provider {provider!r} (it models: {', '.join(MODELS)})"
        )
    return MODELS[provider](plan, attachment)
