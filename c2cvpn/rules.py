"""Every rule of the guide and of the vendors, over a parsed :class:`~c2cvpn.spec.StackSpec`.

Each rule yields :class:`~c2cvpn.problems.Problem` values with a stable code; all rules
run, so one ``validate`` shows every problem. Provider-dependent rules run once per
attachment (primary, and standby when declared) against that attachment's provider.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from c2cvpn.genesys.regions import REGION_DOMAINS
from c2cvpn.genesys.urls import is_loopback
from c2cvpn.mss import MIN_MSS, compute_mss
from c2cvpn.problems import Problem, Severity, problem
from c2cvpn.psk import psk_problems
from c2cvpn.spec import (
    AZURE_GATEWAY_SUBNET_ID,
    AZURE_NSG_PRIORITIES,
    NAMESPACE,
    PSK_KEYS,
    Attachment,
    AzureSettings,
    DeclaredConnection,
    Encrypted,
    GatewayKind,
    LoadedStack,
    StackSpec,
    attachments,
    connections_on,
    genesys_connections,
    shown,
)
from c2cvpn.vendors import (
    AZURE_GATEWAY_SKUS,
    CIPHERS,
    DH_GROUPS,
    INTEGRITY,
    MIN_GROUP,
    PORTABLE_CIPHERS,
    PORTABLE_GROUPS,
    PROFILES,
    WEAK_GROUPS,
    Phase,
    group_label,
    profile,
)

LINK_LOCAL = ipaddress.IPv4Network("169.254.0.0/16")
#: RFC 5737 documentation ranges: accepted everywhere so examples can use them.
DOCUMENTATION = tuple(
    ipaddress.IPv4Network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)
SHARED_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")


T = f"{NAMESPACE}:tunnel"
P1, P2 = f"{T}.phase1", f"{T}.phase2"


@dataclass
class Report:
    """The result of validation: the JSON shape of ``c2cvpn validate --format json``."""

    stack: str
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        return {
            "stack": self.stack,
            "valid": self.valid,
            "problems": [p.model_dump() for p in self.problems],
            "warnings": [p.model_dump() for p in self.warnings],
        }


Rule = Callable[[LoadedStack], Iterator[Problem]]
RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    RULES.append(fn)
    return fn


def validate(stack: LoadedStack) -> Report:
    """Run every rule; problems are errors, warnings do not make the stack invalid."""
    report = Report(stack=stack.name)
    seen: set[tuple[str, str, str]] = set()
    for fn in RULES:
        for p in fn(stack):
            key = (p.code, p.path, p.message)
            if key in seen:
                continue
            seen.add(key)
            (report.problems if p.severity is Severity.ERROR else report.warnings).append(p)
    return report


# --------------------------------------------------------------------------- addressing


#: ``subnet-overlap`` problems reported one by one; past this, one more problem counts the rest.
MAX_OVERLAPS_REPORTED = 50


def overlapping_pairs(ranges: list[ipaddress.IPv4Network]) -> list[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, of the ranges that overlap, in list order.

    Two CIDRs overlap only when one contains the other. Sorted by first address (widest
    first), each range overlaps exactly the wider ones still open on a stack, so the sweep
    costs O(n log n) plus one step per overlapping pair; and a range has at most 32 distinct
    wider ones, so there are at most 33 pairs per range (times the copies of one CIDR, which
    the loader allows only across different lists).
    """
    order = sorted(
        range(len(ranges)), key=lambda i: (int(ranges[i].network_address), ranges[i].prefixlen)
    )
    open_ranges: list[int] = []
    pairs: list[tuple[int, int]] = []
    for i in order:
        net = ranges[i]
        while open_ranges and not ranges[open_ranges[-1]].supernet_of(net):
            open_ranges.pop()
        pairs += [(min(i, j), max(i, j)) for j in open_ranges]
        open_ranges.append(i)
    return sorted(pairs)


def gcp_network(stack: LoadedStack, a: Attachment) -> tuple[str | None, str] | None:
    """(project, network) of a Google Cloud attachment; the project from ``gcp:project`` when
    the stack does not name one (None: not on Google Cloud)."""
    if a.iaas.gcp is None:
        return None
    return a.iaas.gcp.network_key(stack.provider_config.get("gcp:project"))


@rule
def subnet_overlap(stack: LoadedStack) -> Iterator[Problem]:
    spec = stack.spec
    ranges: list[tuple[str, ipaddress.IPv4Network]] = []
    ranges += [
        (f"{NAMESPACE}:genesys.tenantCidrs[{i}]", n)
        for i, n in enumerate(spec.genesys.tenant_cidrs)
    ]
    # A primary and a standby on one Google Cloud VPC network reach the same subnets (a VPC is
    # global, its routes network-wide): their networks may be the same ranges.
    shared: dict[int, tuple[str, object]] = {}
    for a in attachments(spec):
        vpc = gcp_network(stack, a)
        for i, n in enumerate(a.iaas.networks):
            if vpc is not None:
                shared[len(ranges)] = (a.role, vpc)
            ranges.append((f"{a.path}.networks[{i}]", n))
        ranges.append((a.tunnel_cidr_path, a.tunnel_cidr))
    pairs = [
        (i, j)
        for i, j in overlapping_pairs([n for _, n in ranges])
        if not (
            i in shared
            and j in shared
            and shared[i][0] != shared[j][0]
            and shared[i][1] == shared[j][1]
        )
    ]
    for i, j in pairs[:MAX_OVERLAPS_REPORTED]:
        (pa, na), (pb, nb) = ranges[i], ranges[j]
        yield problem("subnet-overlap", pb, f"{nb} ({pb}) overlaps {na} ({pa})")
    if len(pairs) > MAX_OVERLAPS_REPORTED:
        i, j = pairs[MAX_OVERLAPS_REPORTED]
        (pa, na), (pb, nb) = ranges[i], ranges[j]
        yield problem(
            "subnet-overlap",
            pb,
            f"{len(pairs) - MAX_OVERLAPS_REPORTED} more overlapping pairs are not listed, the "
            f"first being {nb} ({pb}) and {na} ({pa})",
        )


@rule
def link_local_network(stack: LoadedStack) -> Iterator[Problem]:
    spec = stack.spec
    named = [
        (f"{NAMESPACE}:genesys.tenantCidrs[{i}]", n)
        for i, n in enumerate(spec.genesys.tenant_cidrs)
    ]
    for a in attachments(spec):
        named += [(f"{a.path}.networks[{i}]", n) for i, n in enumerate(a.iaas.networks)]
    for path, net in named:
        if net.overlaps(LINK_LOCAL):
            yield problem(
                "link-local-network", path, f"{net} is inside the link-local range 169.254.0.0/16"
            )


@rule
def tunnel_cidr(stack: LoadedStack) -> Iterator[Problem]:
    for a in attachments(stack.spec):
        net = a.tunnel_cidr
        if net.prefixlen not in (29, 30):
            yield problem(
                "tunnel-cidr",
                a.tunnel_cidr_path,
                f"{net} is a /{net.prefixlen}; the tunnel range must be a /30 or /29",
            )
        if not net.subnet_of(LINK_LOCAL):
            yield problem("tunnel-cidr", a.tunnel_cidr_path, f"{net} is outside 169.254.0.0/16")
        for reserved in a.profile.reserved_inside:
            if net.overlaps(reserved):
                yield problem(
                    "tunnel-cidr",
                    a.tunnel_cidr_path,
                    f"{net} covers {reserved}, which {a.profile.label} reserves and refuses "
                    "as a tunnel inside CIDR",
                )


def _is_public(addr: ipaddress.IPv4Address) -> tuple[bool, str]:
    if any(addr in n for n in DOCUMENTATION):
        return True, "documentation"
    for test, label in (
        (addr.is_unspecified, "unspecified"),
        (addr.is_loopback, "loopback"),
        (addr.is_link_local, "link-local"),
        (addr.is_multicast, "multicast"),
        (addr in SHARED_CGNAT, "shared address space (CGNAT, RFC 6598)"),
        (addr.is_private, "private (RFC 1918)"),
        (addr.is_reserved, "reserved"),
        (not addr.is_global, "not globally routable"),
    ):
        if test:
            return False, label
    return True, "public"


@rule
def peer_ip_not_public(stack: LoadedStack) -> Iterator[Problem]:
    spec = stack.spec
    for a in attachments(spec):
        if not a.profile.public_peers:
            continue
        checks = [
            (
                f"{NAMESPACE}:genesys.gatewayIp",
                spec.genesys.gateway_ip,
                "the Genesys VPN gateway IP",
            )
        ]
        if a.iaas.peer_ip is not None:
            checks.append((f"{a.path}.peerIp", a.iaas.peer_ip, "the IaaS peer IP"))
        for path, addr, what in checks:
            public, label = _is_public(addr)
            if not public:
                yield problem(
                    "peer-ip-not-public",
                    path,
                    f"{what} {addr} is {label}, but the {a.role} attachment is on {a.iaas.provider.value}",
                )


@rule
def peer_ip_ignored(stack: LoadedStack) -> Iterator[Problem]:
    for a in attachments(stack.spec):
        if a.profile.assigns_peer_ip and a.iaas.peer_ip is not None:
            yield problem(
                "peer-ip-ignored",
                f"{a.path}.peerIp",
                f"peerIp {a.iaas.peer_ip} is set on the {a.role} attachment, on {a.profile.label}",
            )


# --------------------------------------------------------------------------- authentication


@rule
def psk(stack: LoadedStack) -> Iterator[Problem]:
    tunnel = stack.spec.tunnel
    if tunnel.authentication == "certificate":
        yield problem(
            "cert-auth-unsupported", f"{T}.authentication", "authentication is certificate"
        )
    elif tunnel.authentication != "psk":
        yield problem(
            "cert-auth-unsupported",
            f"{T}.authentication",
            f"authentication {shown(tunnel.authentication)} is not a method Genesys offers",
            fix="Use authentication: psk.",
        )
    for secret_path in sorted(stack.plaintext_secrets):
        yield problem("psk-plaintext", secret_path, "the pre-shared key is stored in plain text")
    # Every key a Genesys connection uses: the primary's, and the standby's own where it has
    # one (absent: generated; encrypted: checked where it can be read, in the program).
    for role in dict.fromkeys(c.key_role for c in genesys_connections(stack.spec)):
        key = tunnel.psk_readable_for(role)
        if key is not None:
            yield from psk_problems(key, f"{T}.{PSK_KEYS[role]}")


# --------------------------------------------------------------------------- algorithms


@rule
def ike_version(stack: LoadedStack) -> Iterator[Problem]:
    version = stack.spec.tunnel.phase1.ike_version
    if version != "ikev2":
        yield problem("ike-version", f"{P1}.ikeVersion", f"ikeVersion is {shown(version)}")


@rule
def protocol(stack: LoadedStack) -> Iterator[Problem]:
    proto = stack.spec.tunnel.phase2.protocol
    if proto == "ah":
        yield problem("protocol-ah", f"{P2}.protocol", "phase 2 protocol is ah")
    elif proto != "esp":
        yield problem(
            "protocol-ah",
            f"{P2}.protocol",
            f"phase 2 protocol {shown(proto)} is not an IPsec protocol",
            fix="Set tunnel.phase2.protocol: esp.",
        )


def _phases(spec: StackSpec) -> list[tuple[Phase, str, str, str, int | None, str]]:
    """(phase, path, encryption, integrity, group, group key) for both phases."""
    p1, p2 = spec.tunnel.phase1, spec.tunnel.phase2
    return [
        (Phase.IKE, P1, p1.encryption, p1.integrity, p1.dh_group, "dhGroup"),
        (Phase.IPSEC, P2, p2.encryption, p2.integrity, p2.pfs_group, "pfsGroup"),
    ]


@rule
def weak_crypto(stack: LoadedStack) -> Iterator[Problem]:
    for _phase, path, enc, integ, group, gkey in _phases(stack.spec):
        if enc in CIPHERS and CIPHERS[enc].weak:
            yield problem("weak-crypto", f"{path}.encryption", f"{enc} encryption is broken")
        if integ in INTEGRITY and INTEGRITY[integ].weak:
            yield problem("weak-crypto", f"{path}.integrity", f"{integ} integrity is broken")
        if group is not None and group < MIN_GROUP:
            yield problem(
                "weak-crypto", f"{path}.{gkey}", f"{group_label(group)} is below group {MIN_GROUP}"
            )
        elif group in WEAK_GROUPS:  # 22: a 1024-bit MODP group, deprecated by RFC 8247
            yield problem(
                "weak-crypto", f"{path}.{gkey}", f"{group_label(group)} is deprecated by RFC 8247"
            )


@rule
def pfs_disabled(stack: LoadedStack) -> Iterator[Problem]:
    if stack.spec.tunnel.phase2.pfs_group is None:
        yield problem("pfs-disabled", f"{P2}.pfsGroup", "phase 2 has no PFS group")


@rule
def algorithm_unsupported(stack: LoadedStack) -> Iterator[Problem]:
    known_groups = ", ".join(str(g) for g in sorted(PORTABLE_GROUPS))
    # Values the project does not offer at all, whatever the target.
    for _phase, path, enc, integ, group, gkey in _phases(stack.spec):
        if enc not in CIPHERS or not (CIPHERS[enc].portable or CIPHERS[enc].weak):  # aes192, typos
            yield problem(
                "algorithm-unsupported",
                f"{path}.encryption",
                f"encryption {shown(enc)} is not offered",
                fix=f"Use one of {', '.join(sorted(PORTABLE_CIPHERS))}.",
            )
        if integ not in INTEGRITY:
            yield problem(
                "algorithm-unsupported",
                f"{path}.integrity",
                f"integrity {shown(integ)} is not offered",
                fix="Use sha256, sha384 or sha512.",
            )
        if group is not None and group not in DH_GROUPS:
            yield problem(
                "algorithm-unsupported",
                f"{path}.{gkey}",
                f"{group_label(group)} is not a group the project knows",
                fix=f"Use one of {known_groups}.",
            )
    # Values a particular target cannot do (weak ones too: they are refused twice over).
    for a in attachments(stack.spec):
        prov = a.iaas.provider
        for phase, path, enc, integ, group, gkey in _phases(stack.spec):
            where = f"{prov.value} ({a.role}) {phase.value}"
            can = a.profile.supports(phase)
            if (
                enc in CIPHERS
                and (CIPHERS[enc].portable or CIPHERS[enc].weak)
                and enc not in can.ciphers
            ):
                yield problem(
                    "algorithm-unsupported", f"{path}.encryption", f"{where} cannot do {enc}"
                )
            # Azure replaces phase 2 integrity by the GCM value when the cipher is AEAD.
            integrity_set_by_cipher = (
                a.profile.aead_sets_phase2_integrity
                and phase is Phase.IPSEC
                and enc in CIPHERS
                and CIPHERS[enc].aead
            )
            if integ in INTEGRITY and not integrity_set_by_cipher and integ not in can.integrity:
                choices = ", ".join(sorted(i for i in can.integrity if not INTEGRITY[i].weak))
                yield problem(
                    "algorithm-unsupported",
                    f"{path}.integrity",
                    f"{where} cannot do {integ}",
                    fix=f"Use one of {choices}.",
                )
            if group is not None and group in DH_GROUPS and group not in can.groups:
                choices = ", ".join(str(g) for g in sorted(can.groups) if g >= MIN_GROUP)
                yield problem(
                    "algorithm-unsupported",
                    f"{path}.{gkey}",
                    f"{where} cannot do {group_label(group)}",
                    fix=f"Use one of {choices}.",
                )


@rule
def phase_asymmetry(stack: LoadedStack) -> Iterator[Problem]:
    p1, p2 = stack.spec.tunnel.phase1, stack.spec.tunnel.phase2
    if p1.encryption != p2.encryption:
        yield problem(
            "phase-asymmetry",
            f"{P2}.encryption",
            f"phase 1 encrypts with {p1.encryption}, phase 2 with {p2.encryption}",
        )
    if p1.integrity != p2.integrity:
        yield problem(
            "phase-asymmetry",
            f"{P2}.integrity",
            f"phase 1 integrity is {p1.integrity}, phase 2 is {p2.integrity}",
        )


@rule
def integrity_deprecated(stack: LoadedStack) -> Iterator[Problem]:
    for _phase, path, _enc, integ, _group, _gkey in _phases(stack.spec):
        if integ in INTEGRITY and INTEGRITY[integ].deprecated:
            yield problem("integrity-deprecated", f"{path}.integrity", f"{integ} integrity")


# --------------------------------------------------------------------------- lifetimes and timers


#: The widest phase 1 lifetimes any target takes, for a value only the Genesys side applies
#: (Azure fixes its own IKE SA lifetime): no IKE peer the project knows takes more or less.
PHASE1_ANY = (
    min(p.lifetimes.phase1[0] for p in PROFILES.values() if p.lifetimes.phase1),
    max(p.lifetimes.phase1[1] for p in PROFILES.values() if p.lifetimes.phase1),
)
#: The same for phase 2 (Google Cloud fixes its own child SA lifetime).
PHASE2_ANY = (
    min(p.lifetimes.phase2[0] for p in PROFILES.values() if p.lifetimes.phase2),
    max(p.lifetimes.phase2[1] for p in PROFILES.values() if p.lifetimes.phase2),
)


@rule
def lifetimes(stack: LoadedStack) -> Iterator[Problem]:
    p1 = stack.spec.tunnel.phase1.lifetime_seconds
    p2 = stack.spec.tunnel.phase2.lifetime_seconds
    if p2 > p1:
        yield problem(
            "lifetime-order",
            f"{P2}.lifetimeSeconds",
            f"phase 2 lifetime {shown(p2)} s is longer than phase 1 ({shown(p1)} s)",
        )
    for a in attachments(stack.spec):
        prov = a.iaas.provider
        limits = a.profile.lifetimes
        if limits.phase2_strictly_shorter and p2 == p1:
            yield problem(
                "lifetime-order",
                f"{P2}.lifetimeSeconds",
                f"phase 2 lifetime equals phase 1 ({shown(p1)} s) on {prov.value}",
            )
        yield from _lifetime(prov.value, 1, p1, limits.phase1, limits.phase1_fixed, 28800)
        yield from _lifetime(prov.value, 2, p2, limits.phase2, limits.phase2_fixed, 3600)


def _lifetime(
    provider: str,
    phase: int,
    value: int,
    limits: tuple[int, int] | None,
    fixed: int | None,
    default: int,
) -> Iterator[Problem]:
    """One phase's lifetime on one target: inside what it takes, or — where the vendor fixes
    its own (``limits`` None) — inside what any IKE peer here takes, and a warning when it
    differs from the vendor's fixed value (the value then is the Genesys side's only)."""
    path = f"{P1 if phase == 1 else P2}.lifetimeSeconds"
    if limits is not None and not limits[0] <= value <= limits[1]:
        yield problem(
            "lifetime-range",
            path,
            f"phase {phase} lifetime {shown(value)} s is outside {provider}'s {limits[0]}-{limits[1]} s",
        )
    anywhere = PHASE1_ANY if phase == 1 else PHASE2_ANY
    if limits is None and not anywhere[0] <= value <= anywhere[1]:
        yield problem(
            "lifetime-range",
            path,
            f"phase {phase} lifetime {shown(value)} s is outside {anywhere[0]}-{anywhere[1]} s, "
            f"all any IKE peer here takes ({provider} fixes its own; the value is the Genesys "
            "side's)",
            fix=f"Use {fixed or default} s.",
        )
    if fixed is not None and value != fixed:
        sa = "IKE SA" if phase == 1 else "child SA"
        yield problem(
            "lifetime-local",
            path,
            f"{provider} fixes the {sa} lifetime at {fixed} s; {shown(value)} s applies to the "
            "Genesys side only",
        )


#: Keepalive intervals that make sense anywhere: at least a second (every target counts in
#: whole seconds), at most the longest dead-peer timeout any target takes (a peer is declared
#: dead before a longer interval's first probe).
KEEPALIVE_RANGE = (1, max(p.dpd_timeout[1] for p in PROFILES.values() if p.dpd_timeout))


def _keepalive_range(value: int, path: str) -> Iterator[Problem]:
    lo, hi = KEEPALIVE_RANGE
    if not lo <= value <= hi:
        yield problem(
            "keepalive-range",
            path,
            f"keepaliveSeconds is {shown(value)}; it is a whole number of seconds from {lo} to {hi}",
        )


@rule
def keepalive(stack: LoadedStack) -> Iterator[Problem]:
    value = stack.spec.tunnel.keepalive_seconds
    path = f"{T}.keepaliveSeconds"
    yield from _keepalive_range(value, path)
    if 20 < value <= KEEPALIVE_RANGE[1]:
        yield problem("keepalive-long", path, f"keepaliveSeconds is {value}")
    genesys = stack.spec.genesys
    declared: list[tuple[str, DeclaredConnection | None]] = [
        ("connection", genesys.connection),
        ("standbyConnection", genesys.standby_connection),
    ]
    for key, block in declared:
        if block is not None and block.keepalive_seconds is not None:
            yield from _keepalive_range(
                block.keepalive_seconds, f"{NAMESPACE}:genesys.{key}.keepaliveSeconds"
            )


@rule
def nat_traversal(stack: LoadedStack) -> Iterator[Problem]:
    if not stack.spec.tunnel.nat_traversal:
        yield problem("natt-disabled", f"{T}.natTraversal", "natTraversal is false")


@rule
def dpd(stack: LoadedStack) -> Iterator[Problem]:
    timeout = stack.spec.tunnel.dpd.timeout_seconds
    for a in attachments(stack.spec):
        if a.profile.dpd_timeout is None:  # no knob: setting-ignored says so
            continue
        lo, hi = a.profile.dpd_timeout
        if not lo <= timeout <= hi:
            yield problem(
                "dpd-range",
                f"{T}.dpd.timeoutSeconds",
                f"dpd.timeoutSeconds {shown(timeout)} is outside {a.iaas.provider.value}'s {lo}-{hi} s",
            )


# --------------------------------------------------------------------------- placement and routing


@rule
def genesys_region(stack: LoadedStack) -> Iterator[Problem]:
    region = stack.spec.genesys.region
    if region not in REGION_DOMAINS:
        yield problem(
            "genesys-region",
            f"{NAMESPACE}:genesys.region",
            f"{shown(region)} is not a Genesys Cloud region",
            fix=f"Use one of {', '.join(sorted(REGION_DOMAINS))}.",
        )


@rule
def application_ports(stack: LoadedStack) -> Iterator[Problem]:
    for a in attachments(stack.spec):
        if not a.iaas.application_ports:
            yield problem(
                "icmp-only",
                f"{a.path}.applicationPorts",
                f"the {a.role} attachment opens no application port",
            )


@rule
def aws_placement(stack: LoadedStack) -> Iterator[Problem]:
    for a in attachments(stack.spec):
        aws = a.iaas.aws
        if aws is None:
            continue
        if not aws.route_table_ids:
            yield problem(
                "route-tables-missing",
                f"{a.path}.aws.routeTableIds",
                f"the {a.role} AWS attachment lists no route tables",
            )
        if not aws.security_group_ids:
            yield problem(
                "security-groups-missing",
                f"{a.path}.aws.securityGroupIds",
                f"the {a.role} AWS attachment lists no security groups",
            )
        if aws.availability_zone[:-1] != aws.region:
            yield problem(
                "zone-region-mismatch",
                f"{a.path}.aws.availabilityZone",
                f"{aws.availability_zone} is not a zone of {aws.region}",
                fix=f"Use a zone of {aws.region}, e.g. {aws.region}a, or change aws.region.",
            )


#: Inbound rules one AWS security group holds: 60 by default; the quota times security groups
#: per network interface "cannot exceed 1,000" (awsdocs amazon-vpc-user-guide,
#: amazon-vpc-limits.md, Security groups). Azure: 1,000 "NSG rules per NSG"
#: (azure-docs includes/azure-virtual-network-limits.md).
AWS_SG_RULES_DEFAULT = 60
SG_RULES_MAX = 1000


@rule
def security_group_size(stack: LoadedStack) -> Iterator[Problem]:
    """Each listed AWS group gets a rule per application port per Genesys CIDR, plus ICMP per
    CIDR (``c2cvpn.inputs.aws.security_rule_keys``); each Azure NSG a rule per port plus ICMP."""
    spec = stack.spec
    cidrs = len(spec.genesys.tenant_cidrs)
    for a in attachments(spec):
        ports = len(a.iaas.application_ports)
        path = f"{a.path}.applicationPorts"
        if a.iaas.aws is not None and a.iaas.aws.security_group_ids:
            rules = cidrs * (ports + 1)
            what = (
                f"each security group of the {a.role} AWS attachment gets {rules} inbound rules "
                f"({ports} port(s) and ICMP, for each of {cidrs} Genesys CIDR(s))"
            )
            if rules > SG_RULES_MAX:
                yield problem("security-group-size", path, f"{what}; AWS allows {SG_RULES_MAX}")
            elif rules > AWS_SG_RULES_DEFAULT:
                yield problem(
                    "security-group-quota",
                    path,
                    f"{what}; AWS allows {AWS_SG_RULES_DEFAULT} unless the quota was raised",
                )
        if a.iaas.azure is not None and a.iaas.azure.network_security_group_names:
            rules = ports + 1
            if rules > SG_RULES_MAX:
                yield problem(
                    "security-group-size",
                    path,
                    f"each NSG of the {a.role} Azure attachment gets {rules} rules ({ports} "
                    f"port(s) and ICMP); Azure allows {SG_RULES_MAX}",
                )


@rule
def azure_placement(stack: LoadedStack) -> Iterator[Problem]:
    spec = stack.spec
    for a in attachments(spec):
        az = a.iaas.azure
        if az is None:
            continue
        yield from _azure_sku(a, az)
        yield from _azure_gateway_subnet(spec, a, az)
        yield from _azure_appliance_subnet(spec, a, az)
        yield from _azure_tunnels(spec, a, az)
        yield from _azure_nsg_priorities(spec, a, az)
        if a.iaas.mss_clamp.enabled:
            yield problem(
                "route-table-unassociated",
                f"{a.path}.mssClamp.enabled",
                f"the {a.role} attachment's to-Genesys route table is created but associated "
                "with no back-end subnet",
            )


def _azure_sku(a: Attachment, az: AzureSettings) -> Iterator[Problem]:
    if az.sku in AZURE_GATEWAY_SKUS:
        return
    path = f"{a.path}.azure.sku"
    twin = f"{az.sku}AZ"
    if twin in AZURE_GATEWAY_SKUS:
        # "Effective January 1, 2025: Creation of new VPN gateways using VpnGw1-5 SKUs (non-AZ)
        # will no longer be possible" (azure-docs articles/vpn-gateway/gateway-sku-consolidation.md).
        yield problem(
            "azure-sku",
            path,
            f"{az.sku} is a non-AZ SKU, which no new gateway can use since 1 January 2025",
            fix=f"Use {twin}, its AZ twin (the same throughput; it deploys in every region, "
            "zone-redundant where the region has zones).",
        )
    elif az.sku.lower() == "basic":
        yield problem("azure-sku", path, "the Basic SKU takes no custom IPsec policy")
    else:
        yield problem("azure-sku", path, f"{shown(az.sku)} is not a VPN gateway SKU")


def _other_networks(spec: StackSpec, a: Attachment) -> list[ipaddress.IPv4Network]:
    return [n for b in attachments(spec) if b.role != a.role for n in b.iaas.networks]


def _azure_gateway_subnet(spec: StackSpec, a: Attachment, az: AzureSettings) -> Iterator[Problem]:
    """The GatewaySubnet: created from a prefix (size, overlaps), or an existing one by ID."""
    genesys_ranges = [*spec.genesys.tenant_cidrs, *(b.tunnel_cidr for b in attachments(spec))]
    if az.gateway_subnet_id is not None:
        path = f"{a.path}.azure.gatewaySubnetId"
        found = AZURE_GATEWAY_SUBNET_ID.fullmatch(az.gateway_subnet_id)
        assert found is not None  # the spec checked its shape
        group, vnet = found.groups()
        if (group.lower(), vnet.lower()) != (
            az.resource_group_name.lower(),
            az.virtual_network_name.lower(),
        ):
            yield problem(
                "gateway-subnet",
                path,
                f"the GatewaySubnet is in {group}/{vnet}, not in the attachment's "
                f"{az.resource_group_name}/{az.virtual_network_name}",
                fix="Give the ID of the GatewaySubnet of azure.virtualNetworkName (in "
                "azure.resourceGroupName).",
            )
        if a.iaas.mss_clamp.enabled:
            yield problem(
                "gateway-subnet",
                path,
                "mssClamp.enabled routes the IaaS networks through the appliance with a route "
                "table on GatewaySubnet, and only a GatewaySubnet this stack creates carries it "
                "(associating a table rewrites a subnet its owner declares)",
                fix="Give gatewaySubnetPrefix instead, or turn mssClamp off and clamp MSS on the "
                "back-end hosts.",
            )
        return
    prefix = az.gateway_subnet_prefix
    assert prefix is not None  # the spec requires the prefix or the ID
    path = f"{a.path}.azure.gatewaySubnetPrefix"
    if prefix.prefixlen > 27:
        yield problem("gateway-subnet", path, f"{prefix} is smaller than a /27")
    for net in genesys_ranges:
        if prefix.overlaps(net):
            yield problem("gateway-subnet", path, f"{prefix} overlaps the Genesys range {net}")
    for net in _other_networks(spec, a):
        if prefix.overlaps(net):
            yield problem(
                "gateway-subnet", path, f"{prefix} overlaps the other attachment's network {net}"
            )
    yield from _covered_by_appliance_routes(a, prefix, "the GatewaySubnet")


def _azure_appliance_subnet(spec: StackSpec, a: Attachment, az: AzureSettings) -> Iterator[Problem]:
    appliance = az.appliance_subnet_prefix
    if appliance is None:
        return
    genesys_ranges = [*spec.genesys.tenant_cidrs, *(b.tunnel_cidr for b in attachments(spec))]
    apath = f"{a.path}.azure.applianceSubnetPrefix"
    fix = "Use a free /28 of the virtual network, outside GatewaySubnet and the Genesys ranges."
    if appliance.prefixlen > 29:
        yield problem(
            "gateway-subnet",
            apath,
            f"{appliance} is smaller than a /29, the smallest subnet Azure allows",
            fix="Use a free /28 of the virtual network.",
        )
    gateway = [az.gateway_subnet_prefix] if az.gateway_subnet_prefix is not None else []
    for net in (*gateway, *genesys_ranges, *_other_networks(spec, a)):
        if appliance.overlaps(net):
            yield problem(
                "gateway-subnet", apath, f"the appliance subnet {appliance} overlaps {net}", fix=fix
            )
    yield from _covered_by_appliance_routes(a, appliance, "the appliance subnet")


def _covered_by_appliance_routes(
    a: Attachment, subnet: ipaddress.IPv4Network, what: str
) -> Iterator[Problem]:
    """With the appliance, every IaaS network is routed to it from the GatewaySubnet: a network
    covering the GatewaySubnet (or the appliance's own subnet) puts a user-defined route over
    it. "Diagnostics, data path, and control path can be affected if a user-defined route
    overlaps with the Gateway subnet range" (azure-docs includes/vpn-gateway-gwudr-warning.md)."""
    if not a.iaas.mss_clamp.enabled:
        return
    for i, net in enumerate(a.iaas.networks):
        if net.overlaps(subnet):
            yield problem(
                "gateway-subnet",
                f"{a.path}.networks[{i}]",
                f"{net} covers {what} {subnet}: with mssClamp the GatewaySubnet's route table "
                f"sends {net} to the appliance",
                fix="List the back-end subnets' prefixes in iaas.networks (not the whole VNet "
                "space), outside GatewaySubnet and the appliance subnet.",
            )


def _azure_tunnels(spec: StackSpec, a: Attachment, az: AzureSettings) -> Iterator[Problem]:
    """Active-active: two tunnels (one per gateway instance and public IP), each a Genesys
    connection with its own /30 — and, being one Azure connection, one shared key."""
    if not az.active_active:
        return
    if a.tunnel_cidr.prefixlen == 30:
        yield problem(
            "tunnel-cidr",
            a.tunnel_cidr_path,
            f"{a.tunnel_cidr} is a /30, but azure.activeActive gives the {a.role} gateway two "
            "tunnels, one per public IP, each a Genesys connection",
            why="Genesys allocates one /30 per connection, so two connections need a /29; and "
            "an active-active gateway with one tunnel connected loses it whenever that instance "
            "is maintained (azure-docs about-active-active-gateways.md).",
            fix="Ask Genesys for a /29 tunnel range, or turn azure.activeActive off (one tunnel "
            "on Azure's built-in active-standby pair).",
        )
    if set(connections_on(spec, a)) != {1, 2}:
        return
    # "Both VPN tunnels are actually part of the same connection" (about-active-active-gateways.md):
    # one VirtualNetworkGatewayConnection, one sharedKey.
    tunnel = spec.tunnel
    primary, standby = tunnel.psk_readable_for("primary"), tunnel.psk_readable_for("standby")
    same = primary is not None and primary == standby
    encrypted = isinstance(tunnel.pre_shared_key, Encrypted) or isinstance(
        tunnel.standby_pre_shared_key, Encrypted
    )  # unreadable offline: the program checks it once the engine decrypts both
    if tunnel.standby_pre_shared_key is not None and not same and not encrypted:
        yield problem(
            "azure-shared-key",
            f"{T}.standbyPreSharedKey",
            f"the primary and standby Genesys connections both end on the {a.role} Azure "
            "connection, but standbyPreSharedKey is not the same key as preSharedKey",
        )


def _azure_nsg_priorities(spec: StackSpec, a: Attachment, az: AzureSettings) -> Iterator[Problem]:
    """ICMP at the base, one priority per application port; within 100-4096, and apart from
    the other attachment's block in an NSG both use."""
    path = f"{a.path}.azure.nsgPriorityBase"
    if not az.network_security_group_names:
        return
    mine = _nsg_block(a.iaas.application_ports, az.nsg_priority(a.role))
    if mine[-1] not in AZURE_NSG_PRIORITIES:
        yield problem(
            "nsg-priority",
            path,
            f"the {a.role} attachment's rules take priorities {mine[0]}-{mine[-1]} in each NSG; "
            f"Azure's last is {AZURE_NSG_PRIORITIES[-1]}",
        )
    for b in attachments(spec):
        other = b.iaas.azure
        if b.role == a.role or a.role != "standby" or other is None:
            continue
        if other.resource_group_name.lower() != az.resource_group_name.lower():
            continue
        shared = sorted(
            set(az.network_security_group_names) & set(other.network_security_group_names)
        )
        theirs = _nsg_block(b.iaas.application_ports, other.nsg_priority(b.role))
        if shared and set(mine) & set(theirs):
            yield problem(
                "nsg-priority",
                path,
                f"the {a.role} attachment's priorities {mine[0]}-{mine[-1]} overlap the "
                f"{b.role}'s {theirs[0]}-{theirs[-1]} in {', '.join(shared)}",
            )


def _nsg_block(ports: list[int], base: int) -> range:
    return range(base, base + 1 + len(set(ports)))


#: Peer IPs the Google provider refuses (RFC 5735/5737; terraform-provider-google
#: google/services/compute/resource_compute_vpn_tunnel.go validatePeerAddr).
GCP_REFUSED_PEERS = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
)
#: Google Cloud's auto-mode subnets: "10.128.0.0/9" (VPC networks, "Auto mode IPv4 ranges").
GCP_AUTO_MODE = ipaddress.IPv4Network("10.128.0.0/9")


@rule
def gcp_placement(stack: LoadedStack) -> Iterator[Problem]:
    """Google Cloud: what the provider or the API refuses at deploy time, and the route priority
    that makes the standby passive."""
    spec = stack.spec
    ends = attachments(spec)
    on_gcp = [a for a in ends if a.iaas.gcp is not None]
    if not on_gcp:
        return
    # terraform-provider-google resource_compute_vpn_tunnel.go validatePeerAddr refuses the
    # RFC 5735/5737 ranges as a peer IP: the documentation ranges are a warning (examples use
    # them); the others that Python counts as public are an error here.
    gateway_ip = spec.genesys.gateway_ip
    refused = next((n for n in GCP_REFUSED_PEERS if gateway_ip in n), None)
    documentation = next((n for n in DOCUMENTATION if gateway_ip in n), None)
    # (A non-public one is peer-ip-not-public already.)
    if refused is not None and documentation is None and _is_public(gateway_ip)[0]:
        yield problem(
            "peer-ip-not-public",
            f"{NAMESPACE}:genesys.gatewayIp",
            f"the Genesys gateway IP {gateway_ip} is in {refused}, a reserved range Google "
            "Cloud refuses as a VPN tunnel's peer IP",
        )
    if documentation is not None:
        yield problem(
            "peer-ip-documentation",
            f"{NAMESPACE}:genesys.gatewayIp",
            f"the Genesys gateway IP {gateway_ip} is in the documentation range {documentation}, "
            "which Google Cloud refuses as a VPN tunnel's peer IP",
        )
    for i, cidr in enumerate(spec.genesys.tenant_cidrs):
        if cidr.overlaps(GCP_AUTO_MODE):
            yield problem(
                "auto-mode-range",
                f"{NAMESPACE}:genesys.tenantCidrs[{i}]",
                f"{cidr} overlaps {GCP_AUTO_MODE}, the range of an auto-mode VPC network's subnets",
            )
    if len(on_gcp) < 2:
        return
    primary, standby = on_gcp
    assert primary.iaas.gcp is not None and standby.iaas.gcp is not None
    path = f"{standby.path}.gcp"
    if gcp_network(stack, primary) == gcp_network(stack, standby):
        mine, theirs = primary.iaas.gcp.priority("primary"), standby.iaas.gcp.priority("standby")
        if theirs <= mine:
            yield problem(
                "route-priority",
                f"{path}.routePriority",
                f"the standby's routes to the Genesys CIDRs have priority {theirs} and the "
                f"primary's {mine}, in the same VPC network {standby.iaas.gcp.network_name}",
            )
    if primary.iaas.gcp.region == standby.iaas.gcp.region:
        yield problem(
            "standby-same-region",
            f"{path}.region",
            f"the standby's Classic VPN gateway is in {standby.iaas.gcp.region}, the primary's region",
        )


@rule
def appliance_unsupported(stack: LoadedStack) -> Iterator[Problem]:
    for a in attachments(stack.spec):
        if a.iaas.mss_clamp.enabled and not a.profile.mss_appliance:
            mss = (
                compute_mss(
                    stack.spec.tunnel.phase2.encryption,
                    stack.spec.tunnel.phase2.integrity,
                    nat_traversal=stack.spec.tunnel.nat_traversal,
                    underlay_mtu=a.iaas.mss_clamp.underlay_mtu,
                    provider=a.iaas.provider,
                )
                if _algorithms_known(stack.spec)
                else None
            )
            figure = f" (MSS {mss.mss} on its {mss.underlay_mtu}-byte gateway MTU)" if mss else ""
            yield problem(
                "appliance-unsupported",
                f"{a.path}.mssClamp.enabled",
                f"the {a.role} attachment is on {a.profile.label}, where c2c-vpn offers no MSS "
                f"appliance; Cloud VPN clamps the MSS of traffic to the peer itself{figure}",
            )


def _algorithms_known(spec: StackSpec) -> bool:
    p2 = spec.tunnel.phase2
    return p2.encryption in CIPHERS and p2.integrity in INTEGRITY


@rule
def standby_zone(stack: LoadedStack) -> Iterator[Problem]:
    spec = stack.spec
    if spec.standby is None:
        return
    primary, standby = spec.iaas, spec.standby.iaas
    path = f"{NAMESPACE}:standby.iaas"
    # On AWS the zone places only the MSS appliances (a VGW is regional and AWS puts a
    # connection's two tunnels on separate endpoints): two appliances in one zone fail together.
    if (
        primary.aws
        and standby.aws
        and primary.mss_clamp.enabled
        and standby.mss_clamp.enabled
        and primary.aws.availability_zone == standby.aws.availability_zone
    ):
        yield problem(
            "standby-same-zone",
            f"{path}.aws.availabilityZone",
            f"the standby's MSS appliance is in {standby.aws.availability_zone}, the zone of the "
            "primary's",
        )
    if primary.azure and standby.azure and _same_vnet(primary.azure, standby.azure):
        # "Each virtual network can only have one virtual network gateway of each type"
        # (azure-docs vpn-gateway-about-vpn-gateway-settings.md), whatever the location says.
        yield problem(
            "standby-same-gateway",
            f"{path}.azure.virtualNetworkName",
            f"the standby uses the primary's virtual network {standby.azure.resource_group_name}/"
            f"{standby.azure.virtual_network_name}: it would need a second GatewaySubnet and VPN "
            "gateway there",
        )
    if (
        primary.provider is standby.provider
        and not profile(primary.provider).assigns_peer_ip
        and primary.peer_ip is not None
        and primary.peer_ip == standby.peer_ip
    ):
        yield problem(
            "standby-same-zone",
            f"{path}.peerIp",
            f"the standby uses the primary's peer {standby.peer_ip}",
        )


def _same_vnet(one: AzureSettings, other: AzureSettings) -> bool:
    """Azure names compare case-insensitively."""
    return (one.resource_group_name.lower(), one.virtual_network_name.lower()) == (
        other.resource_group_name.lower(),
        other.virtual_network_name.lower(),
    )


@rule
def aws_appliance_subnet(stack: LoadedStack) -> Iterator[Problem]:
    spec = stack.spec
    ends = attachments(spec)
    taken = [*spec.genesys.tenant_cidrs, *(a.tunnel_cidr for a in ends)]
    taken += [n for a in ends for n in a.iaas.networks]
    seen: list[ipaddress.IPv4Network] = []
    for a in ends:
        aws = a.iaas.aws
        cidr = aws.appliance_subnet_cidr if aws is not None else None
        if cidr is None:
            continue
        path = f"{a.path}.aws.applianceSubnetCidr"
        if not 16 <= cidr.prefixlen <= 28:
            yield problem(
                "appliance-subnet",
                path,
                f"{cidr} is a /{cidr.prefixlen}; AWS subnets are /16 to /28",
            )
        for other in (*taken, *seen):
            if cidr.overlaps(other):
                yield problem("appliance-subnet", path, f"{cidr} overlaps {other}")
        seen.append(cidr)


@rule
def standby_same_gateway(stack: LoadedStack) -> Iterator[Problem]:
    """AWS: one VPN connection per customer gateway IP on a VGW, one static route per prefix
    in a TGW route table (aws-review #1, #4; EC2 error InvalidCustomerGateway.DuplicateIpAddress)."""
    spec = stack.spec
    if spec.standby is None:
        return
    primary, standby = spec.iaas.aws, spec.standby.iaas.aws
    if primary is None or standby is None or primary.region != standby.region:
        return
    path = f"{NAMESPACE}:standby.iaas.aws"
    if primary.gateway is standby.gateway is GatewayKind.VGW and primary.vpc_id == standby.vpc_id:
        yield problem(
            "standby-same-gateway",
            f"{path}.vpcId",
            f"the standby is in the primary's VPC {standby.vpc_id}: it would be a second VPN "
            f"connection from {spec.genesys.gateway_ip} on the same virtual private gateway",
        )
    if (
        primary.gateway is standby.gateway is GatewayKind.TGW
        and primary.transit_gateway_id == standby.transit_gateway_id
    ):
        yield problem(
            "standby-same-gateway",
            f"{path}.transitGatewayId",
            f"the standby uses the primary's transit gateway {standby.transit_gateway_id}: in one "
            "route table a second static route to the same Genesys CIDRs is refused "
            "(RouteAlreadyExists), static VPNs get no ECMP, and the VPC attachment is associated "
            "with one table only, so a second table would never be used",
        )


@rule
def tunnel_unused(stack: LoadedStack) -> Iterator[Problem]:
    spec = stack.spec
    for a in attachments(spec):
        on = connections_on(spec, a)
        for index in range(1, a.tunnel_count + 1):
            if index in on:
                continue
            why = (
                f"the Genesys range {a.tunnel_cidr} is a /30: one Genesys connection"
                if a.tunnel_cidr.prefixlen == 30
                else "the standby Genesys connection ends on the standby attachment"
            )
            yield problem(
                "tunnel-unused",
                a.tunnel_cidr_path,
                f"tunnel {index} of the {a.role} {a.profile.label} attachment carries no Genesys "
                f"connection ({why})",
            )


@rule
def appliance_single(stack: LoadedStack) -> Iterator[Problem]:
    for a in attachments(stack.spec):
        if a.iaas.mss_clamp.enabled and a.profile.public_peers and a.profile.mss_appliance:
            yield problem(
                "appliance-spof",
                f"{a.path}.mssClamp.enabled",
                f"the {a.role} attachment's MSS appliance is one instance on the only path",
            )


@rule
def settings_ignored(stack: LoadedStack) -> Iterator[Problem]:
    tunnel = stack.spec.tunnel
    for a in attachments(stack.spec):
        ignored = a.profile.ignored_settings
        if "keepaliveSeconds" in ignored and "keepalive_seconds" in tunnel.model_fields_set:
            yield problem(
                "setting-ignored",
                f"{T}.keepaliveSeconds",
                f"{a.profile.label} ({a.role}) has no keepalive interval: "
                f"keepaliveSeconds {tunnel.keepalive_seconds} applies to the Genesys side only",
            )
        if "natTraversal" in ignored and not tunnel.nat_traversal:
            yield problem(
                "setting-ignored",
                f"{T}.natTraversal",
                f"{a.profile.label} ({a.role}) uses NAT traversal whenever it detects NAT: "
                "natTraversal false applies to the Genesys side only",
            )
        if "dpd" in ignored and "dpd" in tunnel.model_fields_set:
            yield problem(
                "setting-ignored",
                f"{T}.dpd",
                f"{a.profile.label} ({a.role}) has no dead-peer detection setting: dpd "
                f"(timeout {tunnel.dpd.timeout_seconds} s, action {tunnel.dpd.action}) applies "
                "to the Genesys side only",
            )
        if "startupAction" in ignored and "startup_action" in tunnel.model_fields_set:
            yield problem(
                "setting-ignored",
                f"{T}.startupAction",
                f"{a.profile.label} ({a.role}) initiates or responds depending on where the "
                f"traffic that needs an SA comes from: startupAction {tunnel.startup_action} "
                "applies to the Genesys side only",
            )


@rule
def selectors_wide(stack: LoadedStack) -> Iterator[Problem]:
    spec = stack.spec
    for a in attachments(spec):
        gcp = a.iaas.gcp
        if gcp is not None and gcp.traffic_selectors == "networks":
            yield from _policy_selectors(stack, a)
            continue
        if a.profile.selectors_any:
            yield problem(
                "selectors-wide",
                f"{a.path}.networks",
                f"the {a.role} {a.profile.label} attachment's tunnel is route-based: whenever "
                "Google initiates (on traffic, or to rekey) it proposes 0.0.0.0/0 on both sides",
                fix="Confirm that the Genesys side narrows 0.0.0.0/0 to its networks (`c2cvpn "
                "lab` checks it against the stand-in) before relying on the tunnel; Google "
                "Cloud has no setting that makes it a responder only.",
            )
            continue
        if not a.profile.one_selector_pair:
            continue
        many = [
            (f"{NAMESPACE}:genesys.tenantCidrs", len(spec.genesys.tenant_cidrs), "tenant CIDRs"),
            (f"{a.path}.networks", len(a.iaas.networks), "IaaS networks"),
        ]
        for path, count, what in many:
            if count > 1:
                yield problem(
                    "selectors-wide",
                    path,
                    f"the {a.role} {a.profile.label} attachment has {count} {what}: its tunnels "
                    "will propose 0.0.0.0/0 on that side",
                )


#: "Cloud VPN always uses a single Child SA" for policy-based selectors, and its IKE packets
#: must fit the 1460-byte gateway MTU: about 30 CIDRs per side (Cloud VPN, "Networks and tunnel
#: routing").
GCP_MAX_POLICY_SELECTORS = 30


def _policy_selectors(stack: LoadedStack, a: Attachment) -> Iterator[Problem]:
    """Google Cloud ``trafficSelectors: networks``: one child SA with every CIDR of each side."""
    sides = [
        (f"{NAMESPACE}:genesys.tenantCidrs", len(stack.spec.genesys.tenant_cidrs), "tenant CIDRs"),
        (f"{a.path}.networks", len(a.iaas.networks), "IaaS networks"),
    ]
    for path, count, what in sides:
        if count > GCP_MAX_POLICY_SELECTORS:
            yield problem(
                "selectors-wide",
                path,
                f"the {a.role} Google Cloud tunnel's policy-based selectors list {count} {what}, "
                f"more than the about {GCP_MAX_POLICY_SELECTORS} whose IKE proposal fits "
                "Google's 1460-byte gateway MTU",
                fix="Summarise the ranges into fewer CIDRs, or use trafficSelectors: any "
                "(route-based) if the Genesys side narrows 0.0.0.0/0.",
            )


@rule
def failover_route53(stack: LoadedStack) -> Iterator[Problem]:
    spec = stack.spec
    if spec.standby is None or spec.standby.failover.route53 is None:
        return
    dns = spec.standby.failover.route53
    path = f"{NAMESPACE}:standby.failover.route53"
    for role, iaas in (("primary", spec.iaas), ("standby", spec.standby.iaas)):
        if iaas.aws is None:  # the health comes from AWS TunnelState alarms
            yield problem(
                "failover-route53",
                path,
                f"the {role} attachment is on {iaas.provider.value}, not aws",
            )
    for key, address, iaas in (
        ("primaryAddress", dns.primary_address, spec.iaas),
        ("standbyAddress", dns.standby_address, spec.standby.iaas),
    ):
        if not any(address in net for net in iaas.networks):
            nets = ", ".join(str(n) for n in iaas.networks)
            yield problem(
                "failover-route53",
                f"{path}.{key}",
                f"{key} {address} is outside that attachment's networks ({nets})",
            )


@rule
def mss_clamp(stack: LoadedStack) -> Iterator[Problem]:
    p2 = stack.spec.tunnel.phase2
    if not _algorithms_known(stack.spec):
        return  # reported by algorithm-unsupported; no arithmetic without an algorithm
    for a in attachments(stack.spec):
        clamp = a.iaas.mss_clamp
        if clamp.mss == "auto":
            continue
        limit = compute_mss(
            p2.encryption,
            p2.integrity,
            nat_traversal=stack.spec.tunnel.nat_traversal,
            underlay_mtu=clamp.underlay_mtu,
            provider=a.iaas.provider,
        )
        path = f"{a.path}.mssClamp.mss"
        if clamp.mss > limit.mss:
            yield problem(
                "mss-range",
                path,
                f"mss {clamp.mss} exceeds the {limit.mss} this tunnel carries ({p2.encryption}/{p2.integrity}, "
                f"underlay MTU {clamp.underlay_mtu}, {a.iaas.provider.value}); the guide's fixed 1360 is not always safe",
            )
        elif clamp.mss < MIN_MSS:
            yield problem("mss-range", path, f"mss {clamp.mss} is below {MIN_MSS}")


# --------------------------------------------------------------------------- the Genesys API source


@rule
def genesys_api(stack: LoadedStack) -> Iterator[Problem]:
    api = stack.spec.genesys.api
    if api is None:
        return

    for key, url in (("baseUrl", api.base_url), ("loginUrl", api.login_url)):
        if url and url.lower().startswith("http://") and not is_loopback(url):
            yield problem(
                "genesys-api-insecure",
                f"{NAMESPACE}:genesys.api.{key}",
                f"{key} {url} is plain http to a remote host",
            )
