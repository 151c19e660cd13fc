"""The vendor table and the MSS arithmetic against the facts in DESIGN.md."""

from __future__ import annotations

import pytest

from c2cvpn import vendors as v
from c2cvpn.mss import compute_mss, esp_overhead
from c2cvpn.vendors import Phase, Provider


def test_aws_spellings() -> None:
    assert [v.aws_cipher(c) for c in ("aes128", "aes256", "aes128gcm", "aes256gcm")] == [
        "AES128",
        "AES256",
        "AES128-GCM-16",
        "AES256-GCM-16",
    ]
    assert [v.aws_integrity(i) for i in ("sha1", "sha256", "sha384", "sha512")] == [
        "SHA1",
        "SHA2-256",
        "SHA2-384",
        "SHA2-512",
    ]
    with pytest.raises(v.UnknownAlgorithm):
        v.aws_cipher("aes192")


def test_aws_groups_per_phase() -> None:
    assert v.profile(Provider.AWS).supports(Phase.IKE).groups == {2, *range(14, 25)}
    assert v.profile(Provider.AWS).supports(Phase.IPSEC).groups == {2, 5, *range(14, 25)}


def test_azure_spellings() -> None:
    assert [v.azure_dh_group(g) for g in (2, 14, 19, 20, 24)] == [
        "DHGroup2",
        "DHGroup14",
        "ECP256",
        "ECP384",
        "DHGroup24",
    ]
    assert [v.azure_pfs_group(g) for g in (14, 19, 20, 24)] == [
        "PFS2048",
        "ECP256",
        "ECP384",
        "PFS24",
    ]
    assert v.azure_pfs_group(None) == "None"
    assert v.azure_cipher("aes256gcm") == "GCMAES256"
    assert v.azure_integrity("sha384", Phase.IKE, "aes256") == "SHA384"
    # With GCM in phase 2, Azure's integrity is the GCM value itself.
    assert v.azure_integrity("sha256", Phase.IPSEC, "aes128gcm") == "GCMAES128"
    with pytest.raises(v.UnknownAlgorithm):
        v.azure_integrity("sha384", Phase.IPSEC, "aes256")  # Azure IPsec has no SHA384
    with pytest.raises(v.UnknownAlgorithm):
        v.azure_dh_group(5)


def test_groups_on_both_clouds_are_2_14_19_20_24() -> None:
    both = {
        g
        for g in v.DH_GROUPS
        if all(
            g in v.profile(p).supports(ph).groups
            for p in (Provider.AWS, Provider.AZURE)
            for ph in Phase
        )
    }
    assert both == {2, 14, 19, 20, 24}
    assert v.PORTABLE_GROUPS == {14, 19, 20, 24}


def test_group_20_is_ecp384_not_a_4096_bit_group() -> None:
    assert "ECP 384" in v.group_label(20)
    assert v.DH_GROUPS[20].strongswan == "ecp384"
    assert "4096" in v.group_label(16)


def test_strongswan_proposals() -> None:
    assert v.strongswan_proposal("aes256", "sha256", 14, Phase.IKE) == "aes256-sha256-modp2048"
    assert (
        v.strongswan_proposal("aes256gcm", "sha384", 20, Phase.IKE)
        == "aes256gcm16-prfsha384-ecp384"
    )
    assert v.strongswan_proposal("aes256gcm", "sha384", 20, Phase.IPSEC) == "aes256gcm16-ecp384"
    assert v.strongswan_proposal("aes128", "sha256", None, Phase.IPSEC) == "aes128-sha256"


def test_every_portable_value_has_every_spelling() -> None:
    for name in v.PORTABLE_CIPHERS:
        assert v.aws_cipher(name) and v.azure_cipher(name) and v.CIPHERS[name].strongswan
    for group in v.PORTABLE_GROUPS:
        assert (
            v.azure_dh_group(group) and v.azure_pfs_group(group) and v.DH_GROUPS[group].strongswan
        )


# MSS: outer MTU - IP 20 - UDP 8 (NAT-T) - ESP 8 - IV - padding (block-1) - 2 - ICV - 40.
@pytest.mark.parametrize(
    ("cipher", "integrity", "natt", "mtu", "expected"),
    [
        ("aes256", "sha256", True, 1500, 1500 - 20 - 8 - 8 - 16 - 15 - 2 - 16 - 40),  # 1375
        ("aes256", "sha256", False, 1500, 1500 - 20 - 8 - 16 - 15 - 2 - 16 - 40),  # 1383
        ("aes128", "sha1", True, 1500, 1500 - 20 - 8 - 8 - 16 - 15 - 2 - 12 - 40),  # 1379
        ("aes256", "sha512", True, 1500, 1500 - 20 - 8 - 8 - 16 - 15 - 2 - 32 - 40),  # 1359
        ("aes256gcm", "sha384", True, 1500, 1500 - 20 - 8 - 8 - 8 - 3 - 2 - 16 - 40),  # 1395
        ("aes256", "sha256", True, 1400, 1400 - 20 - 8 - 8 - 16 - 15 - 2 - 16 - 40),  # 1275
    ],
)
def test_mss_arithmetic(cipher: str, integrity: str, natt: bool, mtu: int, expected: int) -> None:
    result = compute_mss(cipher, integrity, nat_traversal=natt, underlay_mtu=mtu)
    assert result.computed == expected == result.mss
    assert result.overhead == mtu - expected - 40


def test_mss_takes_the_smaller_of_arithmetic_and_vendor() -> None:
    # AWS's own table (NAT-T): AES-CBC + SHA2-256 1382, AES-GCM 1398, SHA2-512 1366; the
    # worst-case arithmetic is lower for CBC (1375), so it wins.
    aws = compute_mss("aes256", "sha256", provider=Provider.AWS)
    assert (aws.vendor, aws.mss) == (1382, 1375)
    gcm = compute_mss("aes256gcm", "sha384", provider=Provider.AWS)
    assert (gcm.vendor, gcm.computed, gcm.mss) == (1398, 1395, 1395)
    assert compute_mss("aes128", "sha512", provider=Provider.AWS).vendor == 1366
    no_natt = compute_mss("aes256gcm", "sha384", nat_traversal=False, provider=Provider.AWS)
    assert no_natt.vendor == 1406  # AWS's maximum MSS
    assert compute_mss("aes256", "sha256", provider=Provider.AZURE).mss == 1350
    assert compute_mss("aes256", "sha256", provider=Provider.ONPREM).mss == 1375
    small = compute_mss("aes256", "sha256", underlay_mtu=1400, provider=Provider.AWS)
    assert small.mss == small.computed == 1275
    # The guide's fixed 1360 is above Azure's advice for AES-256/SHA-256.
    assert compute_mss("aes256", "sha256", provider=Provider.AZURE).mss < 1360


def test_overhead_grows_with_nat_t() -> None:
    assert (
        esp_overhead("aes256", "sha256", nat_traversal=True)
        - esp_overhead("aes256", "sha256", nat_traversal=False)
        == 8
    )
