"""The one table of vendor spellings and capabilities.

Every algorithm and Diffie-Hellman group the project knows is written here once, with its
spelling for AWS (``pulumi_aws.ec2.VpnConnection`` tunnel options), Azure (``azure-native``
``IpsecPolicy`` enums), Google Cloud (``VPNTunnel.cipher_suite`` configuration values) and
strongSwan (``swanctl.conf`` proposals), and with what each target accepts. Sources: the AWS
EC2 ``ModifyVpnTunnelOptions`` API reference, the Azure ``IpsecPolicy`` REST reference,
Google's "Supported IKE ciphers" page
(https://docs.cloud.google.com/network-connectivity/docs/vpn/concepts/supported-ike-ciphers),
and strongSwan's IKEv2 cipher-suite list.

Nothing else in the project spells a vendor value: components, the renderer and the
reconciler all ask this module.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Provider(StrEnum):
    AWS = "aws"
    AZURE = "azure"
    GCP = "gcp"
    ONPREM = "onprem"


class Phase(StrEnum):
    IKE = "phase1"
    IPSEC = "phase2"


@dataclass(frozen=True, slots=True)
class Cipher:
    """An encryption algorithm as the project spells it in stack files."""

    name: str
    label: str  # how a person (and the Genesys dashboard) names it
    aws: str | None
    azure: str | None  # same enum spelling for IKE and IPsec policies
    strongswan: str
    key_bits: int
    block_bytes: int  # ESP padding block (RFC 4303 minimum alignment is 4)
    iv_bytes: int
    aead: bool
    weak: bool = False
    portable: bool = True  # offered by this project at all (aes192 is not)
    #: Google Cloud ``cipherSuite`` values (case-sensitive), per phase; None: GCP has none.
    gcp_ike: str | None = None
    gcp_ipsec: str | None = None


@dataclass(frozen=True, slots=True)
class Integrity:
    name: str
    label: str
    aws: str | None
    azure_ike: str | None
    azure_ipsec: str | None
    strongswan: str
    icv_bytes: int  # truncated HMAC length carried in ESP (RFC 4868 / RFC 2404)
    weak: bool = False
    deprecated: bool = False
    #: Google Cloud ``cipherSuite`` values: phase 1 and phase 2 integrity, and the phase 1 PRF
    #: of the same hash (GCP takes the PRF as its own role, ``phase1.prf``).
    gcp_ike: str | None = None
    gcp_ipsec: str | None = None
    gcp_prf: str | None = None


@dataclass(frozen=True, slots=True)
class DhGroup:
    number: int
    description: str
    strongswan: str
    azure_dh: str | None
    azure_pfs: str | None
    #: Google Cloud ``phase1.dh`` / ``phase2.pfs`` value (the same list for both phases).
    gcp: str | None = None


# Google Cloud spellings: "Supported IKE ciphers" (docs.cloud.google.com/network-connectivity/
# docs/vpn/concepts/supported-ike-ciphers, updated 2026-04-10). Phase 2 offers no 3DES, no
# HMAC-SHA2-384-192 and no HMAC-MD5-96; neither phase offers DES, group 1 or group 17.
CIPHERS: Final[dict[str, Cipher]] = {
    c.name: c
    for c in (
        Cipher(
            "aes128",
            "AES-128",
            "AES128",
            "AES128",
            "aes128",
            128,
            16,
            16,
            aead=False,
            gcp_ike="AES-CBC-128",
            gcp_ipsec="AES-CBC-128",
        ),
        Cipher(
            "aes256",
            "AES-256",
            "AES256",
            "AES256",
            "aes256",
            256,
            16,
            16,
            aead=False,
            gcp_ike="AES-CBC-256",
            gcp_ipsec="AES-CBC-256",
        ),
        Cipher(
            "aes128gcm",
            "AES-128-GCM",
            "AES128-GCM-16",
            "GCMAES128",
            "aes128gcm16",
            128,
            4,
            8,
            aead=True,
            gcp_ike="AES-GCM-16-128",
            gcp_ipsec="AES-GCM-16-128",
        ),
        Cipher(
            "aes256gcm",
            "AES-256-GCM",
            "AES256-GCM-16",
            "GCMAES256",
            "aes256gcm16",
            256,
            4,
            8,
            aead=True,
            gcp_ike="AES-GCM-16-256",
            gcp_ipsec="AES-GCM-16-256",
        ),
        # Known so that they can be named in a refusal; never rendered for a target.
        Cipher(
            "aes192",
            "AES-192",
            None,
            "AES192",
            "aes192",
            192,
            16,
            16,
            aead=False,
            portable=False,
            gcp_ike="AES-CBC-192",
            gcp_ipsec="AES-CBC-192",
        ),
        Cipher(
            "3des",
            "3DES",
            None,
            "DES3",
            "3des",
            168,
            8,
            8,
            aead=False,
            weak=True,
            portable=False,
            gcp_ike="3DES-CBC",
        ),
        Cipher("des", "DES", None, "DES", "des", 56, 8, 8, aead=False, weak=True, portable=False),
    )
}

INTEGRITY: Final[dict[str, Integrity]] = {
    i.name: i
    for i in (
        Integrity(
            "sha1",
            "SHA-1",
            "SHA1",
            "SHA1",
            "SHA1",
            "sha1",
            12,
            deprecated=True,
            gcp_ike="HMAC-SHA1-96",
            gcp_ipsec="HMAC-SHA1-96",
            gcp_prf="PRF-HMAC-SHA1",
        ),
        Integrity(
            "sha256",
            "SHA-256",
            "SHA2-256",
            "SHA256",
            "SHA256",
            "sha256",
            16,
            gcp_ike="HMAC-SHA2-256-128",
            gcp_ipsec="HMAC-SHA2-256-128",
            gcp_prf="PRF-HMAC-SHA2-256",
        ),
        Integrity(
            "sha384",
            "SHA-384",
            "SHA2-384",
            "SHA384",
            None,
            "sha384",
            24,
            gcp_ike="HMAC-SHA2-384-192",
            gcp_prf="PRF-HMAC-SHA2-384",
        ),
        Integrity(
            "sha512",
            "SHA-512",
            "SHA2-512",
            None,
            None,
            "sha512",
            32,
            gcp_ike="HMAC-SHA2-512-256",
            gcp_ipsec="HMAC-SHA2-512-256",
            gcp_prf="PRF-HMAC-SHA2-512",
        ),
        Integrity(
            "md5",
            "MD5",
            None,
            "MD5",
            "MD5",
            "md5",
            12,
            weak=True,
            gcp_ike="HMAC-MD5-96",
            gcp_prf="PRF-HMAC-MD5",
        ),
    )
}

DH_GROUPS: Final[dict[int, DhGroup]] = {
    g.number: g
    for g in (
        DhGroup(1, "MODP 768-bit", "modp768", "DHGroup1", "PFS1"),
        DhGroup(2, "MODP 1024-bit", "modp1024", "DHGroup2", "PFS2", gcp="Group-2"),
        DhGroup(5, "MODP 1536-bit", "modp1536", None, None, gcp="Group-5"),
        DhGroup(14, "MODP 2048-bit", "modp2048", "DHGroup14", "PFS2048", gcp="Group-14"),
        DhGroup(15, "MODP 3072-bit", "modp3072", None, None, gcp="Group-15"),
        DhGroup(16, "MODP 4096-bit", "modp4096", None, None, gcp="Group-16"),
        DhGroup(17, "MODP 6144-bit", "modp6144", None, None),
        DhGroup(18, "MODP 8192-bit", "modp8192", None, None, gcp="Group-18"),
        DhGroup(19, "ECP 256-bit (NIST P-256)", "ecp256", "ECP256", "ECP256", gcp="Group-19"),
        DhGroup(20, "ECP 384-bit (NIST P-384)", "ecp384", "ECP384", "ECP384", gcp="Group-20"),
        DhGroup(21, "ECP 521-bit (NIST P-521)", "ecp521", None, None, gcp="Group-21"),
        DhGroup(
            22,
            "MODP 1024-bit with 160-bit prime order subgroup",
            "modp1024s160",
            None,
            None,
            gcp="modp-1024-160",
        ),
        DhGroup(
            23,
            "MODP 2048-bit with 224-bit prime order subgroup",
            "modp2048s224",
            None,
            None,
            gcp="modp-2048-224",
        ),
        DhGroup(
            24,
            "MODP 2048-bit with 256-bit prime order subgroup",
            "modp2048s256",
            "DHGroup24",
            "PFS24",
            gcp="modp-2048-256",
        ),
        DhGroup(31, "Curve25519", "curve25519", None, None, gcp="Group-31"),
    )
}


def squash(text: str) -> str:
    """How names are compared: case, spaces, ``-`` and ``_`` ignored (``AES-256`` = ``aes256``)."""
    return re.sub(r"[\s_\-]", "", text.lower())


#: Every spelling a person may copy from a console or a config, squashed → the project's name.
CIPHER_ALIASES: Final[dict[str, str]] = {
    squash(spelling): c.name
    for c in CIPHERS.values()
    for spelling in (c.name, c.label, c.aws, c.azure, c.strongswan, c.gcp_ike, c.gcp_ipsec)
    if spelling
} | {"tripledes": "3des"}
INTEGRITY_ALIASES: Final[dict[str, str]] = {
    squash(spelling): i.name
    for i in INTEGRITY.values()
    for spelling in (
        i.name,
        i.label,
        i.aws,
        i.azure_ike,
        i.azure_ipsec,
        i.strongswan,
        i.gcp_ike,
        i.gcp_ipsec,
        i.gcp_prf,
    )
    if spelling
} | {"sha": "sha1"}

#: The weakest group the project accepts (RFC 8247 deprecates 1, 2, 5 and 22).
MIN_GROUP: Final = 14
WEAK_GROUPS: Final = frozenset({1, 2, 5, 22})

_AWS_GROUPS_COMMON = frozenset({2, *range(14, 25)})


@dataclass(frozen=True, slots=True)
class LifetimeRange:
    phase1: tuple[int, int] | None  # None: not settable on this target
    phase2: tuple[int, int] | None  # None: not settable on this target
    phase2_strictly_shorter: bool
    phase1_fixed: int | None = None
    phase2_fixed: int | None = None


@dataclass(frozen=True, slots=True)
class PhaseSupport:
    """What a target accepts in one phase: the project's cipher/integrity names, group numbers."""

    ciphers: frozenset[str]
    integrity: frozenset[str]
    groups: frozenset[int]


@dataclass(frozen=True, slots=True)
class ProviderProfile:
    """Everything the project knows about one IaaS end, stated once.

    Rules (:mod:`c2cvpn.rules`), the spec (:mod:`c2cvpn.spec`), the MSS arithmetic and the
    Genesys desired state ask the profile; none of them compares a provider by name. A new
    provider is a new profile here, a spelling column in the tables above, its settings model
    in the spec, and its component behind one registry line (``components/registry.py``).
    """

    provider: Provider
    #: How messages name this end ("AWS", "Azure", "the on-prem peer").
    label: str
    #: The ``iaas.<key>`` settings block this provider requires (None: none).
    settings_key: str | None
    #: Per phase: what the target can negotiate.
    phases: dict[Phase, PhaseSupport]
    #: Azure: with an AEAD cipher in phase 2 the integrity value is the GCM one (not chosen).
    aead_sets_phase2_integrity: bool
    #: Which lifetimes the target takes (None phase 1: fixed by the vendor).
    lifetimes: LifetimeRange
    #: Dead-peer detection timeout accepted, in seconds (None: the target has no DPD knob).
    dpd_timeout: tuple[int, int] | None
    #: The vendor's own TCP MSS recommendation across its tunnel (None: compute only).
    vendor_mss: int | None
    #: The cloud assigns the IPsec endpoint's public IP (``iaas.peerIp`` has no effect).
    assigns_peer_ip: bool
    #: ``iaas.peerIp`` must be declared (the project cannot learn the IaaS end's IP).
    peer_ip_required: bool
    #: The IKE peers meet over the internet: gateway and peer IPs must be public.
    public_peers: bool
    #: Tunnel inside ranges the vendor refuses.
    reserved_inside: tuple[ipaddress.IPv4Network, ...]
    #: Tunnels one connection brings up (AWS: two, on two outside IPs).
    tunnels_per_connection: int
    #: The target configures tunnel inside addresses (AWS: yes; Azure without BGP: no).
    uses_inside_addresses: bool
    #: It takes one custom IKE/IPsec policy (the algorithms can be enforced).
    custom_policy: bool
    #: Tunnel settings (config keys of ``c2c-vpn:tunnel``) the target has no knob for.
    ignored_settings: frozenset[str] = frozenset()
    #: One SA pair per tunnel with one local and one remote CIDR (AWS).
    one_selector_pair: bool = False
    #: Each of a connection's tunnels takes its own key (AWS: tunnel1/tunnel2_preshared_key);
    #: False where one connection has one shared key for both tunnels (Azure).
    key_per_tunnel: bool = True
    #: IKEv2 lifetimes must match the other side's: a difference may interrupt the tunnel.
    lifetimes_must_match: bool = False

    #: The vendor's MSS per ESP algorithm with NAT-T (``"gcm"`` for AEAD ciphers, else the
    #: integrity name); overrides ``vendor_mss`` for the algorithms it lists.
    vendor_mss_nat_t: Mapping[str, int] | None = None
    #: The same without NAT-T (GCP publishes both).
    vendor_mss_plain: Mapping[str, int] | None = None
    #: The MTU of the vendor's gateway, which caps the underlay the MSS is computed on
    #: (None: the configured underlay MTU alone).
    gateway_mtu: int | None = None
    #: The project can deploy its MSS-clamping appliance here.
    mss_appliance: bool = True
    #: Route-based with fixed 0.0.0.0/0 selectors: any-to-any whenever the gateway initiates.
    selectors_any: bool = False

    def supports(self, phase: Phase) -> PhaseSupport:
        return self.phases[phase]

    def vendor_mss_for(self, cipher: str, integrity: str, *, nat_traversal: bool) -> int | None:
        """The vendor's own MSS figure for these phase 2 algorithms (None: compute only)."""
        table = self.vendor_mss_nat_t if nat_traversal else self.vendor_mss_plain
        if table is not None:
            key = "gcm" if CIPHERS[cipher].aead else integrity
            return table.get(key, self.vendor_mss)
        return self.vendor_mss


def _both(support: PhaseSupport) -> dict[Phase, PhaseSupport]:
    return {Phase.IKE: support, Phase.IPSEC: support}


_AES = frozenset({"aes128", "aes256", "aes128gcm", "aes256gcm"})

PROFILES: Final[dict[Provider, ProviderProfile]] = {
    # AWS: ModifyVpnTunnelOptions / VpnTunnelOptionsSpecification (EC2 API reference):
    # Phase1/2EncryptionAlgorithms AES128 | AES256 | AES128-GCM-16 | AES256-GCM-16,
    # IntegrityAlgorithms SHA1 | SHA2-256 | SHA2-384 | SHA2-512, Phase1DHGroupNumbers 2, 14-24,
    # Phase2DHGroupNumbers 2, 5, 14-24, Phase1LifetimeSeconds 900-28800, Phase2LifetimeSeconds
    # 900-3600 (below phase 1), DPDTimeoutSeconds >= 30, TunnelInsideCidr a /30 of
    # 169.254.0.0/16 outside the reserved blocks.
    Provider.AWS: ProviderProfile(
        provider=Provider.AWS,
        label="AWS",
        settings_key="aws",
        phases={
            Phase.IKE: PhaseSupport(
                _AES, frozenset({"sha1", "sha256", "sha384", "sha512"}), _AWS_GROUPS_COMMON
            ),
            Phase.IPSEC: PhaseSupport(
                _AES, frozenset({"sha1", "sha256", "sha384", "sha512"}), _AWS_GROUPS_COMMON | {5}
            ),
        },
        aead_sets_phase2_integrity=False,
        lifetimes=LifetimeRange((900, 28800), (900, 3600), phase2_strictly_shorter=True),
        dpd_timeout=(30, 3600),
        # "Site-to-Site VPN supports a maximum transmission unit (MTU) of 1446 bytes and a
        # corresponding maximum segment size (MSS) of 1406 bytes", less per algorithm with
        # NAT-T (S2S VPN User Guide, "Site-to-Site VPN quotas" / customer gateway device
        # requirements): AES-GCM 1398, AES-CBC with SHA-1/SHA2-256/SHA2-384 1382, SHA2-512
        # 1366. (1399 is the MTU AWS asks of a BGP tunnel *interface*, not an MSS source.)
        vendor_mss=1406,
        vendor_mss_nat_t={
            "gcm": 1398,
            "sha1": 1382,
            "sha256": 1382,
            "sha384": 1382,
            "sha512": 1366,
        },
        assigns_peer_ip=True,
        peer_ip_required=False,
        public_peers=True,
        reserved_inside=tuple(
            ipaddress.IPv4Network(n)
            for n in (*(f"169.254.{i}.0/30" for i in range(6)), "169.254.169.252/30")
        ),
        tunnels_per_connection=2,
        uses_inside_addresses=True,
        custom_policy=True,
        # No keepalive or DPD interval knob, NAT-T automatic (VpnTunnelOptionsSpecification).
        ignored_settings=frozenset({"keepaliveSeconds", "natTraversal"}),
        # "You are limited to one unique security association (SA) pair per tunnel."
        one_selector_pair=True,
        # "If such lifetimes are different than the negotiated handshake values, this may
        # interrupt tunnel connectivity" (S2S VPN User Guide, tunnel options).
        lifetimes_must_match=True,
    ),
    # Azure: IpsecPolicy (REST reference, network VirtualNetworkGatewayConnections): IKE
    # encryption/integrity and DH groups, IPsec encryption/integrity and PFS groups as spelled
    # in the tables above; the IKE SA lifetime is fixed at 28800 s; saLifeTimeSeconds >= 300;
    # dpdTimeoutSeconds 9-3600; Azure recommends clamping TCP MSS at 1350. IKEv2 encryption is
    # GCMAES256/128, AES256/192/128 only: DES3/DES exist for IPsec (phase 2) alone
    # (MicrosoftDocs/azure-docs includes/vpn-gateway-ipsec-ike-algorithm-include.md).
    Provider.AZURE: ProviderProfile(
        provider=Provider.AZURE,
        label="Azure",
        settings_key="azure",
        phases={
            Phase.IKE: PhaseSupport(
                _AES | {"aes192"},
                frozenset({"sha1", "sha256", "sha384", "md5"}),
                frozenset(g.number for g in DH_GROUPS.values() if g.azure_dh),
            ),
            Phase.IPSEC: PhaseSupport(
                _AES | {"aes192", "3des", "des"},
                frozenset({"sha1", "sha256", "md5"}),
                frozenset(g.number for g in DH_GROUPS.values() if g.azure_pfs),
            ),
        },
        aead_sets_phase2_integrity=True,
        lifetimes=LifetimeRange(
            None, (300, 172799), phase2_strictly_shorter=False, phase1_fixed=28800
        ),
        dpd_timeout=(9, 3600),
        vendor_mss=1350,
        # One VirtualNetworkGatewayConnection, one sharedKey, for both active-active tunnels.
        key_per_tunnel=False,
        # The gateway's public IPs are created with it (Standard, static): Azure assigns them.
        assigns_peer_ip=True,
        peer_ip_required=False,
        public_peers=True,
        reserved_inside=(),
        tunnels_per_connection=1,
        uses_inside_addresses=False,
        custom_policy=True,
    ),
    # Google Cloud, Classic VPN route-based (docs.cloud.google.com/network-connectivity/docs/vpn):
    # the cipher suite per role from the spellings above ("Supported IKE ciphers"); lifetimes
    # fixed at 36000 s (IKE) and 10800 s (child), no DPD or initiation knob, PFS required; the
    # gateway's MTU is 1460 and it clamps MSS to the payload MTU itself ("MTU considerations":
    # payload MTU 1406 AES-GCM, 1390 AES-CBC with HMAC-SHA1/SHA2-256, 1374 with SHA2-512,
    # 8 bytes less with NAT-T); Cloud VPN allocates the regional address Genesys dials.
    Provider.GCP: ProviderProfile(
        provider=Provider.GCP,
        label="Google Cloud",
        settings_key="gcp",
        phases={
            Phase.IKE: PhaseSupport(
                frozenset(c.name for c in CIPHERS.values() if c.gcp_ike),
                frozenset(i.name for i in INTEGRITY.values() if i.gcp_ike),
                frozenset(g.number for g in DH_GROUPS.values() if g.gcp),
            ),
            Phase.IPSEC: PhaseSupport(
                frozenset(c.name for c in CIPHERS.values() if c.gcp_ipsec),
                frozenset(i.name for i in INTEGRITY.values() if i.gcp_ipsec),
                frozenset(g.number for g in DH_GROUPS.values() if g.gcp),
            ),
        },
        # "If you specify AEAD ciphers for encryption, you cannot specify separate ciphers for
        # integrity": with AES-GCM the phase 2 integrity is not GCP's to take.
        aead_sets_phase2_integrity=True,
        lifetimes=LifetimeRange(
            None, None, phase2_strictly_shorter=False, phase1_fixed=36000, phase2_fixed=10800
        ),
        dpd_timeout=None,
        vendor_mss=1366,
        vendor_mss_plain={"gcm": 1366, "sha1": 1350, "sha256": 1350, "sha512": 1334},
        vendor_mss_nat_t={"gcm": 1358, "sha1": 1342, "sha256": 1342, "sha512": 1326},
        gateway_mtu=1460,
        assigns_peer_ip=True,
        peer_ip_required=False,
        public_peers=True,
        # Classic tunnels with static routing have no inside addresses: 169.254 /30s exist
        # only for Cloud Router BGP sessions ("Create an HA VPN gateway to a peer VPN gateway").
        reserved_inside=(),
        tunnels_per_connection=1,
        uses_inside_addresses=False,
        custom_policy=True,
        # No keepalive, DPD or initiation setting: "Cloud VPN can act as an initiator or a
        # responder to IKE requests depending on the origin of traffic when a new security
        # association is needed" (Supported IKE ciphers); NAT-T is automatic.
        ignored_settings=frozenset({"keepaliveSeconds", "natTraversal", "dpd", "startupAction"}),
        # Not offered in the first version: Cloud VPN clamps MSS towards the peer itself.
        mss_appliance=False,
        # Route-based: "Local traffic selector: Always 0.0.0.0/0 / Remote: Always 0.0.0.0/0"
        # (Cloud VPN, "Networks and tunnel routing").
        selectors_any=True,
    ),
    # On-prem (strongSwan or any IKEv2 firewall): every algorithm the project knows; the
    # lifetime bounds keep rekeying sane (5 min to 1 day); no vendor MSS figure.
    Provider.ONPREM: ProviderProfile(
        provider=Provider.ONPREM,
        label="the on-prem peer",
        settings_key=None,
        phases=_both(PhaseSupport(frozenset(CIPHERS), frozenset(INTEGRITY), frozenset(DH_GROUPS))),
        aead_sets_phase2_integrity=False,
        lifetimes=LifetimeRange((300, 86400), (300, 86400), phase2_strictly_shorter=False),
        dpd_timeout=(5, 3600),
        vendor_mss=None,
        assigns_peer_ip=False,
        peer_ip_required=True,
        public_peers=False,
        reserved_inside=(),
        tunnels_per_connection=1,
        uses_inside_addresses=True,
        custom_policy=True,
    ),
}


def profile(provider: Provider) -> ProviderProfile:
    return PROFILES[provider]


#: The project's portable choices: what every target accepts and nothing weak.
PORTABLE_CIPHERS: Final = frozenset(name for name, c in CIPHERS.items() if c.portable)
PORTABLE_GROUPS: Final = frozenset(
    n
    for n in DH_GROUPS
    if n >= MIN_GROUP
    and n not in WEAK_GROUPS
    and all(n in p.supports(ph).groups for p in PROFILES.values() for ph in Phase)
)


#: Azure VPN gateway SKUs a new gateway can use: the AZ SKUs (Basic takes no custom IPsec
#: policy). "Effective January 1, 2025: Creation of new VPN gateways using VpnGw1-5 SKUs
#: (non-AZ) will no longer be possible"; AZ SKUs deploy in every region, regional where the
#: region has no zones (MicrosoftDocs/azure-docs articles/vpn-gateway/gateway-sku-consolidation.md).
AZURE_GATEWAY_SKUS: Final = frozenset(f"VpnGw{i}AZ" for i in range(1, 6))

#: strongSwan (swanctl.conf) spellings of the tunnel's behaviour settings.
#: ``startupAction: add`` waits for Genesys to initiate (``none``; ``trap`` would initiate on
#: the first matching packet instead). IKEv2 DPD ``none`` has no strongSwan twin: ``clear``
#: drops the dead SA without acting, which is what "no action" amounts to.
STRONGSWAN_START_ACTION: Final = {"start": "start", "add": "none"}
STRONGSWAN_DPD_ACTION: Final = {"restart": "restart", "clear": "clear", "none": "clear"}
STRONGSWAN_CLOSE_ACTION: Final = {"restart": "start", "clear": "none", "none": "none"}


class UnknownAlgorithm(KeyError):
    """Asked to spell a value for a target that cannot do it (a validated spec never does)."""


def aws_cipher(name: str) -> str:
    spelled = CIPHERS[name].aws
    if spelled is None:
        raise UnknownAlgorithm(f"AWS has no cipher {name!r}")
    return spelled


def aws_integrity(name: str) -> str:
    spelled = INTEGRITY[name].aws
    if spelled is None:
        raise UnknownAlgorithm(f"AWS has no integrity algorithm {name!r}")
    return spelled


def azure_cipher(name: str) -> str:
    spelled = CIPHERS[name].azure
    if spelled is None:
        raise UnknownAlgorithm(f"Azure has no cipher {name!r}")
    return spelled


def azure_integrity(name: str, phase: Phase, cipher: str) -> str:
    """Azure spelling; with AES-GCM in phase 2 Azure wants the GCM value as integrity too."""
    c = CIPHERS[cipher]
    if phase is Phase.IPSEC and c.aead:
        return azure_cipher(cipher)
    i = INTEGRITY[name]
    spelled = i.azure_ike if phase is Phase.IKE else i.azure_ipsec
    if spelled is None:
        raise UnknownAlgorithm(f"Azure has no {phase.value} integrity algorithm {name!r}")
    return spelled


def azure_dh_group(number: int) -> str:
    g = DH_GROUPS.get(number)
    if g is None or g.azure_dh is None:
        raise UnknownAlgorithm(f"Azure has no DH group {number}")
    return g.azure_dh


def azure_pfs_group(number: int | None) -> str:
    if number is None:
        return "None"
    g = DH_GROUPS.get(number)
    if g is None or g.azure_pfs is None:
        raise UnknownAlgorithm(f"Azure has no PFS group {number}")
    return g.azure_pfs


def _gcp(spelled: str | None, what: str) -> str:
    if spelled is None:
        raise UnknownAlgorithm(f"Google Cloud has no {what}")
    return spelled


def gcp_cipher(name: str, phase: Phase) -> str:
    c = CIPHERS[name]
    return _gcp(c.gcp_ike if phase is Phase.IKE else c.gcp_ipsec, f"{phase.value} cipher {name!r}")


def gcp_integrity(name: str, phase: Phase) -> str:
    i = INTEGRITY[name]
    return _gcp(
        i.gcp_ike if phase is Phase.IKE else i.gcp_ipsec, f"{phase.value} integrity {name!r}"
    )


def gcp_prf(name: str) -> str:
    return _gcp(INTEGRITY[name].gcp_prf, f"PRF of {name!r}")


def gcp_group(number: int) -> str:
    g = DH_GROUPS.get(number)
    return _gcp(g.gcp if g is not None else None, f"DH group {number}")


def gcp_cipher_suite(
    cipher1: str, integrity1: str, group1: int, cipher2: str, integrity2: str, pfs: int | None
) -> dict[str, dict[str, list[str]]]:
    """One value per role, as ``VPNTunnelCipherSuiteArgs`` takes them (pulumi-gcp 10.2.0:
    ``phase1={encryptions, integrities, prves, dhs}``, ``phase2={encryptions, integrities,
    pfs}``; the generated names ``prves`` and ``dhs`` are the API's ``prf`` and ``dh``).

    Google: "configure your peer VPN gateway and the Cloud VPN tunnel to propose and accept
    only one cipher for each cipher role" (Supported IKE ciphers). "If you specify AEAD ciphers
    for encryption, you cannot specify separate ciphers for integrity": with AES-GCM the
    integrity roles are left out and the phase 1 hash is the PRF alone. GCP requires PFS
    ("PFS Algorithm (required)"); a validated spec always has it.
    """
    if pfs is None:
        raise UnknownAlgorithm("Google Cloud requires a PFS group in phase 2")
    phase1: dict[str, list[str]] = {"encryptions": [gcp_cipher(cipher1, Phase.IKE)]}
    if not CIPHERS[cipher1].aead:
        phase1["integrities"] = [gcp_integrity(integrity1, Phase.IKE)]
    phase1["prves"] = [gcp_prf(integrity1)]
    phase1["dhs"] = [gcp_group(group1)]
    phase2: dict[str, list[str]] = {"encryptions": [gcp_cipher(cipher2, Phase.IPSEC)]}
    if not CIPHERS[cipher2].aead:
        phase2["integrities"] = [gcp_integrity(integrity2, Phase.IPSEC)]
    phase2["pfs"] = [gcp_group(pfs)]
    return {"phase1": phase1, "phase2": phase2}


def strongswan_proposal(cipher: str, integrity: str, group: int | None, phase: Phase) -> str:
    """A swanctl.conf proposal, e.g. ``aes256-sha256-modp2048`` or ``aes256gcm16-prfsha256-ecp384``.

    AEAD ciphers carry no integrity transform; in IKE their hash becomes the PRF.
    """
    c = CIPHERS[cipher]
    parts = [c.strongswan]
    if c.aead:
        if phase is Phase.IKE:
            parts.append("prf" + INTEGRITY[integrity].strongswan)
    else:
        parts.append(INTEGRITY[integrity].strongswan)
    if group is not None:
        parts.append(DH_GROUPS[group].strongswan)
    return "-".join(parts)


#: How charon names a negotiated transform (IANA names, as ``swanctl --list-sas`` and vici
#: report them): cipher → (``encr-alg``, ``encr-keysize`` or None when the key size is fixed).
STRONGSWAN_NEGOTIATED_CIPHERS: Final[dict[str, tuple[str, int | None]]] = {
    "aes128": ("AES_CBC", 128),
    "aes192": ("AES_CBC", 192),
    "aes256": ("AES_CBC", 256),
    "aes128gcm": ("AES_GCM_16", 128),
    "aes256gcm": ("AES_GCM_16", 256),
    "3des": ("3DES_CBC", None),
    "des": ("DES_CBC", None),
}
#: integrity → (``integ-alg``, ``prf-alg``).
STRONGSWAN_NEGOTIATED_INTEGRITY: Final[dict[str, tuple[str, str]]] = {
    "sha1": ("HMAC_SHA1_96", "PRF_HMAC_SHA1"),
    "sha256": ("HMAC_SHA2_256_128", "PRF_HMAC_SHA2_256"),
    "sha384": ("HMAC_SHA2_384_192", "PRF_HMAC_SHA2_384"),
    "sha512": ("HMAC_SHA2_512_256", "PRF_HMAC_SHA2_512"),
    "md5": ("HMAC_MD5_96", "PRF_HMAC_MD5"),
}
#: DH group number → ``dh-group``.
STRONGSWAN_NEGOTIATED_GROUPS: Final[dict[int, str]] = {
    1: "MODP_768",
    2: "MODP_1024",
    5: "MODP_1536",
    14: "MODP_2048",
    15: "MODP_3072",
    16: "MODP_4096",
    17: "MODP_6144",
    18: "MODP_8192",
    19: "ECP_256",
    20: "ECP_384",
    21: "ECP_521",
    22: "MODP_1024_160",
    23: "MODP_2048_224",
    24: "MODP_2048_256",
    31: "CURVE_25519",
}


def strongswan_negotiated(
    cipher: str, integrity: str, group: int | None, phase: Phase
) -> dict[str, str]:
    """What charon reports for an SA negotiated from :func:`strongswan_proposal`'s proposal,
    as vici ``list-sas`` keys, e.g. ``{"encr-alg": "AES_CBC", "encr-keysize": "256", ...}``.

    AEAD ciphers carry no ``integ-alg``; an IKE SA always has a ``prf-alg``; a child SA without
    PFS has no ``dh-group``.
    """
    alg, keysize = STRONGSWAN_NEGOTIATED_CIPHERS[cipher]
    integ, prf = STRONGSWAN_NEGOTIATED_INTEGRITY[integrity]
    out = {"encr-alg": alg}
    if keysize is not None:
        out["encr-keysize"] = str(keysize)
    if not CIPHERS[cipher].aead:
        out["integ-alg"] = integ
    if phase is Phase.IKE:
        out["prf-alg"] = prf
    if group is not None:
        out["dh-group"] = STRONGSWAN_NEGOTIATED_GROUPS[group]
    return out


def group_label(number: int) -> str:
    g = DH_GROUPS.get(number)
    return f"group {number} ({g.description})" if g else f"group {number}"
