"""TCP MSS across an IPsec tunnel: arithmetic, not a constant.

An ESP tunnel-mode packet carried over UDP (NAT-T) costs, in bytes::

    outer IPv4 header            20
    UDP (NAT traversal only)      8
    ESP header (SPI + sequence)   8
    IV                           16 for CBC, 8 for GCM
    padding                      worst case: block - 1 (block 16 for CBC, 4 for GCM)
    pad length + next header      2
    ICV                          the integrity algorithm's truncated length (16 for GCM)
    inner IPv4 + TCP headers     40

The MSS is what is left of the underlay MTU. The clamp uses the smaller of that and the
vendor's own recommendation, so that neither the arithmetic nor the vendor can be exceeded.
"""

from __future__ import annotations

from dataclasses import dataclass

from c2cvpn.vendors import CIPHERS, INTEGRITY, Provider, profile

OUTER_IP = 20
NAT_T_UDP = 8
ESP_HEADER = 8
ESP_TRAILER = 2
GCM_ICV = 16
INNER_IP_TCP = 40

#: Below this, TCP stops being useful and some stacks refuse the value (RFC 879 default).
MIN_MSS = 536


@dataclass(frozen=True, slots=True)
class MssBreakdown:
    underlay_mtu: int
    overhead: int
    computed: int
    vendor: int | None
    mss: int


def esp_overhead(cipher: str, integrity: str, *, nat_traversal: bool) -> int:
    """Worst-case bytes that ESP in tunnel mode adds around an inner packet."""
    c = CIPHERS[cipher]
    icv = GCM_ICV if c.aead else INTEGRITY[integrity].icv_bytes
    return (
        OUTER_IP
        + (NAT_T_UDP if nat_traversal else 0)
        + ESP_HEADER
        + c.iv_bytes
        + (c.block_bytes - 1)
        + ESP_TRAILER
        + icv
    )


def compute_mss(
    cipher: str,
    integrity: str,
    *,
    nat_traversal: bool = True,
    underlay_mtu: int = 1500,
    provider: Provider | None = None,
) -> MssBreakdown:
    """The MSS to clamp to for the phase 2 algorithms, capped by the vendor's recommendation.

    A vendor whose gateway has a smaller MTU than the underlay (Google Cloud: 1460) caps the
    underlay the arithmetic starts from.
    """
    vendor = None
    if provider is not None:
        prof = profile(provider)
        if prof.gateway_mtu is not None:
            underlay_mtu = min(underlay_mtu, prof.gateway_mtu)
        vendor = prof.vendor_mss_for(cipher, integrity, nat_traversal=nat_traversal)
    overhead = esp_overhead(cipher, integrity, nat_traversal=nat_traversal)
    computed = underlay_mtu - overhead - INNER_IP_TCP
    mss = min(computed, vendor) if vendor is not None else computed
    return MssBreakdown(underlay_mtu, overhead, computed, vendor, mss)
