"""Values derived from a validated spec, shared by the components, the renderer and the lab.

Pure functions: the AWS and Azure components, the on-prem renderer and the lab take their tunnel
addressing, MSS and clamping script from here, so they can never drift.
"""

from __future__ import annotations

import ipaddress
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from c2cvpn.mss import MssBreakdown, compute_mss
from c2cvpn.spec import IaasSide, StackSpec, Tunnel
from c2cvpn.vendors import CIPHERS, INTEGRITY, group_label


@dataclass(frozen=True, slots=True)
class InsideTunnel:
    """One tunnel interface pair: the cloud side takes the first host, Genesys the second."""

    cidr: ipaddress.IPv4Network
    cloud_address: ipaddress.IPv4Address
    genesys_address: ipaddress.IPv4Address


def interface_addresses(inside: ipaddress.IPv4Network) -> InsideTunnel:
    """A tunnel's interface addresses in its inside range: the cloud takes the first host,
    Genesys the second (AWS's convention: 169.254.10.5 / .6 in 169.254.10.4/30). How a Genesys
    /29 splits into one /30 per tunnel is :meth:`c2cvpn.spec.Attachment.inside_ranges`."""
    first, second = list(inside.hosts())[:2]
    return InsideTunnel(inside, first, second)


def attachment_mss(spec: StackSpec, iaas: IaasSide) -> MssBreakdown:
    """The MSS to clamp Genesys-bound TCP to on this attachment."""
    p2 = spec.tunnel.phase2
    clamp = iaas.mss_clamp
    computed = compute_mss(
        p2.encryption,
        p2.integrity,
        nat_traversal=spec.tunnel.nat_traversal,
        underlay_mtu=clamp.underlay_mtu,
        provider=iaas.provider,
    )
    if clamp.mss == "auto":
        return computed
    return MssBreakdown(
        computed.underlay_mtu, computed.overhead, computed.computed, computed.vendor, clamp.mss
    )


#: nftables table the clamp owns (replaced whole on every run, so the script is idempotent).
CLAMP_TABLE = "c2cvpn_mss"


def mss_clamp_script(
    mss: int, genesys_cidrs: Sequence[ipaddress.IPv4Network], *, shebang: bool = True
) -> str:
    """A shell script that forwards and clamps TCP SYNs to/from the Genesys ranges to ``mss``.

    It uses nftables where ``nft`` exists (Debian 12 and Amazon Linux 2023 images ship it, and
    the appliance subnets have no route to a package mirror), else iptables' TCPMSS target, and
    fails loudly when neither exists rather than forwarding unclamped. An MSS already below
    ``mss`` is never raised. Used as the AWS and Azure appliances' boot script and in the lab.
    """
    mss = int(mss)
    nets = [str(c) for c in genesys_cidrs]
    syn = "tcp flags & (syn | rst) == syn"
    nft_rules = [
        f"    ip {field} {net} {syn} tcp option maxseg size > {mss} tcp option maxseg size set {mss}"
        for net in nets
        for field in ("daddr", "saddr")
    ]
    lines = ["#!/bin/sh"] if shebang else []
    lines += [
        "set -eu",
        "# c2c-vpn MSS clamp: IPsec adds overhead and there is no PMTUD across the tunnel.",
        "sysctl -q -w net.ipv4.ip_forward=1",
        "if command -v nft >/dev/null 2>&1; then",
        "  nft -f - <<'NFT'",
        f"table inet {CLAMP_TABLE}",
        f"delete table inet {CLAMP_TABLE}",
        f"table inet {CLAMP_TABLE} {{",
        "  chain forward {",
        "    type filter hook forward priority mangle; policy accept;",
        *nft_rules,
        "  }",
        "}",
        "NFT",
        "elif command -v iptables >/dev/null 2>&1; then",
    ]
    for net in nets:
        c = shlex.quote(net)
        for direction in ("-d", "-s"):
            rule = (
                f"FORWARD {direction} {c} -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss {mss}"
            )
            lines.append(
                f"  iptables -t mangle -C {rule} 2>/dev/null || iptables -t mangle -A {rule}"
            )
    lines += [
        "else",
        '  echo "c2c-vpn: neither nft nor iptables is installed: cannot clamp MSS" >&2',
        "  exit 1",
        "fi",
    ]
    return "\n".join(lines) + "\n"


CLAMP_SCRIPT_PATH = "/var/lib/cloud/scripts/per-boot/c2cvpn-mss-clamp.sh"


def mss_clamp_cloud_config(mss: int, genesys_cidrs: Sequence[ipaddress.IPv4Network]) -> str:
    """cloud-init user data that runs :func:`mss_clamp_script` on *every* boot.

    A plain user-data script runs once per instance: after a reboot or a host move the
    iptables rules and ``ip_forward`` would be gone and the MTU black hole back. The script is
    written in cloud-init's init stage and run from ``scripts-per-boot`` in its final stage,
    so the first boot runs it too. Used by the AWS and Azure appliances alike.
    """
    script = mss_clamp_script(mss, genesys_cidrs)
    body = "".join(f"      {line}\n" if line else "\n" for line in script.splitlines())
    return (
        "#cloud-config\n"
        "write_files:\n"
        f"  - path: {CLAMP_SCRIPT_PATH}\n"
        "    owner: root:root\n"
        "    permissions: '0755'\n"
        "    content: |\n"
        f"{body}"
    )


def genesys_terms(tunnel: Tunnel) -> dict[str, dict[str, object]]:
    """The algorithms as the Genesys admin enters them in the VPN dashboard."""
    p1, p2 = tunnel.phase1, tunnel.phase2
    return {
        "phase1": {
            "ikeVersion": "IKEv2",
            "encryption": CIPHERS[p1.encryption].label,
            "integrity": INTEGRITY[p1.integrity].label,
            "dhGroup": group_label(p1.dh_group),
            "lifetimeSeconds": p1.lifetime_seconds,
        },
        "phase2": {
            "protocol": p2.protocol.upper(),
            "encryption": CIPHERS[p2.encryption].label,
            "integrity": INTEGRITY[p2.integrity].label,
            "pfsGroup": group_label(p2.pfs_group) if p2.pfs_group is not None else "off",
            "lifetimeSeconds": p2.lifetime_seconds,
        },
        "natTraversal": {"enabled": tunnel.nat_traversal},
        "keepalive": {"seconds": tunnel.keepalive_seconds},
    }
