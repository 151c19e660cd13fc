"""Google Cloud, pure domain: spellings, MSS, rules and settings shape, against Google's facts.

Expected values are written from the research report /work/shared/reviews/gcp.md (§3.1 the
supported-ciphers table of Google's "Supported IKE ciphers" page, §3.3 the MTU figures, §6.3
the unsupported choices, §6.4 the spellings table), never copied from ``c2cvpn.vendors``: a
wrong spelling or a wrong capability there fails here.
"""

from __future__ import annotations

import copy
import dataclasses
import ipaddress
from pathlib import Path
from typing import Any

import pytest

from c2cvpn import vendors as v
from c2cvpn.mss import compute_mss
from c2cvpn.problems import CODES, Severity
from c2cvpn.rules import Report
from c2cvpn.vendors import Phase, Provider
from tests.helpers import check, cli, delete_path, load, raw_config, set_path, write_stack

T = "c2c-vpn:tunnel"
P1, P2 = f"{T}.phase1", f"{T}.phase2"
I = "c2c-vpn:iaas"  # noqa: E741
G = "c2c-vpn:genesys"
S = "c2c-vpn:standby"
GCP = f"{I}.gcp"
SGCP = f"{S}.iaas.gcp"

# --------------------------------------------------------------------------- Google's tables
# gcp.md §6.4 (and §3.1): GCP ``cipherSuite`` configuration values, case-sensitive. None: the
# role has no value for that project name on Google Cloud.

#: project cipher → (phase 1 ``encryptions``, phase 2 ``encryptions``)
GOOGLE_CIPHERS: dict[str, tuple[str | None, str | None]] = {
    "aes128": ("AES-CBC-128", "AES-CBC-128"),
    "aes256": ("AES-CBC-256", "AES-CBC-256"),
    "aes128gcm": ("AES-GCM-16-128", "AES-GCM-16-128"),
    "aes256gcm": ("AES-GCM-16-256", "AES-GCM-16-256"),
    "aes192": ("AES-CBC-192", "AES-CBC-192"),
    "3des": ("3DES-CBC", None),
    "des": (None, None),
}
#: project integrity → (phase 1 ``integrities``, phase 1 ``prves``, phase 2 ``integrities``)
GOOGLE_INTEGRITY: dict[str, tuple[str, str, str | None]] = {
    "sha1": ("HMAC-SHA1-96", "PRF-HMAC-SHA1", "HMAC-SHA1-96"),
    "sha256": ("HMAC-SHA2-256-128", "PRF-HMAC-SHA2-256", "HMAC-SHA2-256-128"),
    "sha384": ("HMAC-SHA2-384-192", "PRF-HMAC-SHA2-384", None),
    "sha512": ("HMAC-SHA2-512-256", "PRF-HMAC-SHA2-512", "HMAC-SHA2-512-256"),
    "md5": ("HMAC-MD5-96", "PRF-HMAC-MD5", None),
}
#: DH group → ``dhs`` (phase 1) and ``pfs`` (phase 2) value; None: not offered at all.
GOOGLE_GROUPS: dict[int, str | None] = {
    1: None,
    2: "Group-2",
    5: "Group-5",
    14: "Group-14",
    15: "Group-15",
    16: "Group-16",
    17: None,
    18: "Group-18",
    19: "Group-19",
    20: "Group-20",
    21: "Group-21",
    22: "modp-1024-160",
    23: "modp-2048-224",
    24: "modp-2048-256",
    31: "Group-31",
}
#: Every configuration value on Google's page (§3.1), per role: any spelling the project
#: sends must be one of these, character for character.
GOOGLE_PHASE1_ENCRYPTION = {
    "AES-GCM-16-128",
    "AES-GCM-16-192",
    "AES-GCM-16-256",
    "AES-CBC-128",
    "AES-CBC-192",
    "AES-CBC-256",
    "3DES-CBC",
}
GOOGLE_PHASE2_ENCRYPTION = GOOGLE_PHASE1_ENCRYPTION - {"3DES-CBC"}
GOOGLE_PHASE1_INTEGRITY = {
    "AES-XCBC-96",
    "AES-CMAC-96",
    "HMAC-SHA1-96",
    "HMAC-MD5-96",
    "HMAC-SHA2-256-128",
    "HMAC-SHA2-384-192",
    "HMAC-SHA2-512-256",
}
GOOGLE_PHASE2_INTEGRITY = {"HMAC-SHA2-256-128", "HMAC-SHA2-512-256", "HMAC-SHA1-96"}
GOOGLE_PRF = {
    "PRF-AES128-XCBC",
    "PRF-AES128-CMAC",
    "PRF-HMAC-SHA1",
    "PRF-HMAC-MD5",
    "PRF-HMAC-SHA2-256",
    "PRF-HMAC-SHA2-384",
    "PRF-HMAC-SHA2-512",
}
GOOGLE_DH = {
    "Group-14",
    "modp-2048-224",
    "modp-2048-256",
    "Group-5",
    "Group-15",
    "Group-16",
    "Group-18",
    "Group-2",
    "modp-1024-160",
    "Group-19",
    "Group-20",
    "Group-21",
    "Group-31",
}


# --------------------------------------------------------------------------- harness


def gcp_config(*changes: tuple[str, Any], delete: tuple[str, ...] = ()) -> dict[str, Any]:
    """The gcp-dev example with ``changes`` applied (``(dotted path, value)``) and ``delete``d."""
    config = raw_config("gcp-dev")
    for dotted, value in changes:
        set_path(config, dotted, value)
    for dotted in delete:
        delete_path(config, dotted)
    return config


def codes(report: Report) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(errors, warnings) as (code, path) pairs."""
    return (
        {(p.code, p.path) for p in report.problems},
        {(p.code, p.path) for p in report.warnings},
    )


def errors_of(report: Report) -> set[str]:
    return {p.code for p in report.problems}


def warnings_of(report: Report) -> set[str]:
    return {p.code for p in report.warnings}


# --------------------------------------------------------------------------- spellings


@pytest.mark.parametrize(("name", "expected"), sorted(GOOGLE_CIPHERS.items()))
def test_cipher_spelling_per_phase(name: str, expected: tuple[str | None, str | None]) -> None:
    for phase, spelled in zip((Phase.IKE, Phase.IPSEC), expected, strict=True):
        if spelled is None:
            with pytest.raises(v.UnknownAlgorithm):
                v.gcp_cipher(name, phase)
        else:
            assert v.gcp_cipher(name, phase) == spelled


@pytest.mark.parametrize(("name", "expected"), sorted(GOOGLE_INTEGRITY.items()))
def test_integrity_and_prf_spelling_per_phase(
    name: str, expected: tuple[str, str, str | None]
) -> None:
    ike, prf, ipsec = expected
    assert v.gcp_integrity(name, Phase.IKE) == ike
    assert v.gcp_prf(name) == prf
    if ipsec is None:
        with pytest.raises(v.UnknownAlgorithm):
            v.gcp_integrity(name, Phase.IPSEC)
    else:
        assert v.gcp_integrity(name, Phase.IPSEC) == ipsec


@pytest.mark.parametrize(("group", "expected"), sorted(GOOGLE_GROUPS.items()))
def test_group_spelling(group: int, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(v.UnknownAlgorithm):
            v.gcp_group(group)
    else:
        assert v.gcp_group(group) == expected


def test_subgroup_and_curve_groups_use_googles_odd_names() -> None:
    """22/23/24 are spelled after the modulus and subgroup, 31 like the plain groups."""
    assert [v.gcp_group(g) for g in (22, 23, 24, 31)] == [
        "modp-1024-160",
        "modp-2048-224",
        "modp-2048-256",
        "Group-31",
    ]


def test_every_spelling_sent_is_a_value_on_googles_page() -> None:
    """A spelling that is not character for character on Google's page is refused by the API."""
    for c in v.CIPHERS.values():
        assert c.gcp_ike is None or c.gcp_ike in GOOGLE_PHASE1_ENCRYPTION, c
        assert c.gcp_ipsec is None or c.gcp_ipsec in GOOGLE_PHASE2_ENCRYPTION, c
    for i in v.INTEGRITY.values():
        assert i.gcp_ike is None or i.gcp_ike in GOOGLE_PHASE1_INTEGRITY, i
        assert i.gcp_ipsec is None or i.gcp_ipsec in GOOGLE_PHASE2_INTEGRITY, i
        assert i.gcp_prf is None or i.gcp_prf in GOOGLE_PRF, i
    for g in v.DH_GROUPS.values():
        assert g.gcp is None or g.gcp in GOOGLE_DH, g
    # And every group on Google's list that the project knows is spelled.
    assert {g.gcp for g in v.DH_GROUPS.values() if g.gcp} == GOOGLE_DH


def test_profile_capabilities_match_googles_lists() -> None:
    gcp = v.profile(Provider.GCP)
    supported_ciphers = {
        phase: {n for n, pair in GOOGLE_CIPHERS.items() if pair[i] is not None}
        for i, phase in enumerate((Phase.IKE, Phase.IPSEC))
    }
    assert gcp.supports(Phase.IKE).ciphers == supported_ciphers[Phase.IKE]
    assert gcp.supports(Phase.IPSEC).ciphers == supported_ciphers[Phase.IPSEC]
    assert "3des" in gcp.supports(Phase.IKE).ciphers
    assert "3des" not in gcp.supports(Phase.IPSEC).ciphers
    assert gcp.supports(Phase.IKE).integrity == set(GOOGLE_INTEGRITY)
    assert gcp.supports(Phase.IPSEC).integrity == {"sha1", "sha256", "sha512"}
    groups = {g for g, spelled in GOOGLE_GROUPS.items() if spelled is not None}
    assert gcp.supports(Phase.IKE).groups == groups
    assert gcp.supports(Phase.IPSEC).groups == groups
    assert not {1, 17} & gcp.supports(Phase.IKE).groups
    # Everything the project calls portable is supported (§0).
    for phase in Phase:
        assert v.PORTABLE_CIPHERS <= gcp.supports(phase).ciphers
        assert v.PORTABLE_GROUPS <= gcp.supports(phase).groups
        assert {"sha256", "sha512"} <= gcp.supports(phase).integrity
    assert v.PORTABLE_GROUPS == {14, 19, 20, 24}


def test_profile_fixed_lifetimes_and_no_knobs() -> None:
    gcp = v.profile(Provider.GCP)
    assert (gcp.lifetimes.phase1_fixed, gcp.lifetimes.phase2_fixed) == (36000, 10800)
    assert (gcp.lifetimes.phase1, gcp.lifetimes.phase2) == (None, None)
    assert gcp.dpd_timeout is None
    assert gcp.gateway_mtu == 1460
    assert gcp.mss_appliance is False
    assert gcp.assigns_peer_ip and not gcp.peer_ip_required and gcp.public_peers
    assert not gcp.uses_inside_addresses and gcp.tunnels_per_connection == 1
    assert {"dpd", "startupAction"} <= gcp.ignored_settings


def test_cipher_suite_cbc_has_one_value_per_role() -> None:
    assert v.gcp_cipher_suite("aes256", "sha256", 14, "aes128", "sha512", 24) == {
        "phase1": {
            "encryptions": ["AES-CBC-256"],
            "integrities": ["HMAC-SHA2-256-128"],
            "prves": ["PRF-HMAC-SHA2-256"],
            "dhs": ["Group-14"],
        },
        "phase2": {
            "encryptions": ["AES-CBC-128"],
            "integrities": ["HMAC-SHA2-512-256"],
            "pfs": ["modp-2048-256"],
        },
    }


def test_cipher_suite_aead_drops_integrities_and_keeps_the_prf() -> None:
    # "If you specify AEAD ciphers for encryption, you cannot specify separate ciphers for
    # integrity"; phase 1 keeps prves from the integrity name (§6.4). sha384 in phase 2 is not
    # GCP's to take with GCM: no exception.
    assert v.gcp_cipher_suite("aes256gcm", "sha384", 20, "aes128gcm", "sha384", 31) == {
        "phase1": {
            "encryptions": ["AES-GCM-16-256"],
            "prves": ["PRF-HMAC-SHA2-384"],
            "dhs": ["Group-20"],
        },
        "phase2": {"encryptions": ["AES-GCM-16-128"], "pfs": ["Group-31"]},
    }


def test_cipher_suite_refuses_what_google_has_not() -> None:
    with pytest.raises(v.UnknownAlgorithm):
        v.gcp_cipher_suite("aes256", "sha256", 14, "aes256", "sha256", None)  # PFS required
    with pytest.raises(v.UnknownAlgorithm):
        v.gcp_cipher_suite("aes256", "sha256", 14, "aes256", "sha384", 14)
    with pytest.raises(v.UnknownAlgorithm):
        v.gcp_cipher_suite("aes256", "sha256", 17, "aes256", "sha256", 14)
    with pytest.raises(v.UnknownAlgorithm):
        v.gcp_cipher_suite("aes256", "sha256", 14, "3des", "sha256", 14)


# --------------------------------------------------------------------------- aliases


@pytest.mark.parametrize(
    ("key", "typed", "expected"),
    [
        ("phase1.encryption", "AES-CBC-256", "aes256"),
        ("phase2.encryption", "AES-GCM-16-256", "aes256gcm"),
        ("phase1.integrity", "HMAC-SHA2-256-128", "sha256"),
        ("phase2.integrity", "HMAC-SHA2-512-256", "sha512"),
        ("phase1.encryption", "3DES-CBC", "3des"),
        ("phase1.integrity", "PRF-HMAC-SHA2-384", "sha384"),
        ("phase2.encryption", "AES-GCM-16-128", "aes128gcm"),
        ("phase2.integrity", "HMAC-SHA1-96", "sha1"),
    ],
)
def test_google_spellings_typed_in_a_stack_normalise(key: str, typed: str, expected: str) -> None:
    spec = load(gcp_config((f"{T}.{key}", typed))).spec
    phase, field = key.split(".")
    assert getattr(getattr(spec.tunnel, phase), field) == expected


def test_every_google_spelling_is_an_alias_of_its_name() -> None:
    for name, pair in GOOGLE_CIPHERS.items():
        for spelled in pair:
            if spelled is not None:
                assert v.CIPHER_ALIASES[v.squash(spelled)] == name, spelled
    for name, triple in GOOGLE_INTEGRITY.items():
        for spelled in triple:
            if spelled is not None:
                assert v.INTEGRITY_ALIASES[v.squash(spelled)] == name, spelled


@pytest.mark.parametrize(
    ("table", "aliases"), [("CIPHERS", "CIPHER_ALIASES"), ("INTEGRITY", "INTEGRITY_ALIASES")]
)
def test_no_alias_names_two_algorithms(table: str, aliases: str) -> None:
    """Every spelling column of the table, squashed: one name each, the one the alias table has
    (a later entry silently overwriting an earlier one would read a stack wrongly)."""
    claims: dict[str, set[str]] = {}
    for entry in getattr(v, table).values():
        for f in dataclasses.fields(entry):
            value = getattr(entry, f.name)
            if isinstance(value, str):
                claims.setdefault(v.squash(value), set()).add(entry.name)
    clashes = {k: names for k, names in claims.items() if len(names) > 1}
    assert not clashes
    alias_table: dict[str, str] = getattr(v, aliases)
    for spelled, names in claims.items():
        assert alias_table[spelled] == next(iter(names)), spelled
    # Cipher and integrity spellings never meet either (a cipher typed as integrity or the
    # reverse would be read as the other kind).
    assert not set(v.CIPHER_ALIASES) & set(v.INTEGRITY_ALIASES)


# --------------------------------------------------------------------------- MSS

# gcp.md §3.3: gateway MTU 1460; ESP worst case on it (outer IP 20, NAT-T UDP 8, ESP 8, IV,
# padding block-1, 2, ICV, inner IP+TCP 40).
GCP_MSS = [
    ("aes256gcm", "sha256", False, 1460 - 20 - 8 - 8 - 3 - 2 - 16 - 40),  # 1363
    ("aes256gcm", "sha256", True, 1460 - 20 - 8 - 8 - 8 - 3 - 2 - 16 - 40),  # 1355
    ("aes256", "sha256", False, 1460 - 20 - 8 - 16 - 15 - 2 - 16 - 40),  # 1343
    ("aes256", "sha256", True, 1460 - 20 - 8 - 8 - 16 - 15 - 2 - 16 - 40),  # 1335
    ("aes128", "sha512", False, 1460 - 20 - 8 - 16 - 15 - 2 - 32 - 40),  # 1327
    ("aes128", "sha512", True, 1460 - 20 - 8 - 8 - 16 - 15 - 2 - 32 - 40),  # 1319
    ("aes256", "sha1", False, 1460 - 20 - 8 - 16 - 15 - 2 - 12 - 40),  # 1347
    ("aes256", "sha1", True, 1460 - 20 - 8 - 8 - 16 - 15 - 2 - 12 - 40),  # 1339
]


@pytest.mark.parametrize(("cipher", "integrity", "natt", "expected"), GCP_MSS)
def test_gcp_mss_on_the_1460_gateway(
    cipher: str, integrity: str, natt: bool, expected: int
) -> None:
    result = compute_mss(cipher, integrity, nat_traversal=natt, provider=Provider.GCP)
    assert result.underlay_mtu == 1460
    assert result.mss == result.computed == expected


def test_spot_figures_of_the_brief() -> None:
    def mss(cipher: str, integrity: str, natt: bool) -> int:
        return compute_mss(cipher, integrity, nat_traversal=natt, provider=Provider.GCP).mss

    assert (mss("aes128gcm", "sha256", False), mss("aes128gcm", "sha256", True)) == (1363, 1355)
    assert (mss("aes256", "sha256", False), mss("aes256", "sha256", True)) == (1343, 1335)
    assert (mss("aes256", "sha512", False), mss("aes256", "sha512", True)) == (1327, 1319)


@pytest.mark.parametrize(
    ("cipher", "integrity", "plain", "nat_t"),
    [
        # Google's payload MTU (1406 AEAD, 1390 CBC+SHA-1/SHA-256, 1374 CBC+SHA-512) minus
        # 40 for the inner headers; NAT-T costs 8 more (§3.3).
        ("aes256gcm", "sha256", 1406 - 40, 1406 - 40 - 8),
        ("aes128", "sha1", 1390 - 40, 1390 - 40 - 8),
        ("aes256", "sha256", 1390 - 40, 1390 - 40 - 8),
        ("aes256", "sha512", 1374 - 40, 1374 - 40 - 8),
    ],
)
def test_googles_own_figure_is_the_vendor_cap(
    cipher: str, integrity: str, plain: int, nat_t: int
) -> None:
    without = compute_mss(cipher, integrity, nat_traversal=False, provider=Provider.GCP)
    with_natt = compute_mss(cipher, integrity, nat_traversal=True, provider=Provider.GCP)
    assert (without.vendor, with_natt.vendor) == (plain, nat_t)
    # The worst-case arithmetic is never above Google's figure (§3.3's table).
    assert without.mss <= plain and with_natt.mss <= nat_t


def test_underlay_1500_is_capped_at_1460_on_gcp_not_on_aws() -> None:
    gcp = compute_mss("aes256", "sha256", underlay_mtu=1500, provider=Provider.GCP)
    aws = compute_mss("aes256", "sha256", underlay_mtu=1500, provider=Provider.AWS)
    assert gcp.underlay_mtu == 1460 and gcp.computed == 1335
    assert aws.underlay_mtu == 1500 and aws.computed == 1375
    # A smaller underlay is not raised to the gateway's MTU.
    small = compute_mss("aes256", "sha256", underlay_mtu=1400, provider=Provider.GCP)
    assert small.underlay_mtu == 1400 and small.mss == 1275


def test_a_fixed_mss_above_the_1460_figure_is_refused_on_gcp() -> None:
    """mssClamp.mss 1340 with underlayMtu 1500: fine on a 1500 underlay, too big on GCP (1335)."""
    report = check(gcp_config((f"{I}.mssClamp.mss", 1340), (f"{I}.mssClamp.underlayMtu", 1500)))
    errors, _ = codes(report)
    assert ("mss-range", f"{I}.mssClamp.mss") in errors
    (message,) = [p.message for p in report.problems if p.path == f"{I}.mssClamp.mss"]
    assert "1335" in message
    assert check(gcp_config((f"{I}.mssClamp.mss", 1335))).valid


# --------------------------------------------------------------------------- rules: algorithms


def test_the_example_is_valid_with_only_its_intended_warnings() -> None:
    report = check(raw_config("gcp-dev"))
    assert report.valid, [p.message for p in report.problems]
    assert codes(report)[1] == {
        ("peer-ip-documentation", f"{G}.gatewayIp"),
        # the Genesys side's lifetimes: Google fixes its own
        ("lifetime-local", f"{P1}.lifetimeSeconds"),
        ("lifetime-local", f"{P2}.lifetimeSeconds"),
        # route-based: 0/0 whenever Google initiates, on each attachment
        ("selectors-wide", f"{I}.networks"),
        ("selectors-wide", f"{S}.iaas.networks"),
    }


def test_phase2_sha384_is_refused() -> None:
    report = check(gcp_config((f"{P2}.integrity", "sha384")))
    errors, _ = codes(report)
    assert errors == {("algorithm-unsupported", f"{P2}.integrity")}
    assert all("sha384" in p.message for p in report.problems)
    # The fix names only what GCP phase 2 takes, nothing weak.
    fixes = {p.message.rsplit("Fix: ", 1)[-1] for p in report.problems}
    assert all("sha256" in f and "sha512" in f and "sha384" not in f for f in fixes), fixes


def test_phase1_sha384_is_accepted() -> None:
    report = check(gcp_config((f"{P1}.integrity", "sha384"), (f"{P2}.integrity", "sha256")))
    assert report.valid, [p.message for p in report.problems]


def test_md5_in_phase2_is_unsupported_and_weak() -> None:
    errors, _ = codes(check(gcp_config((f"{P2}.integrity", "md5"))))
    assert errors == {
        ("algorithm-unsupported", f"{P2}.integrity"),
        ("weak-crypto", f"{P2}.integrity"),
    }


def test_md5_in_phase1_is_weak_but_google_has_it() -> None:
    errors, _ = codes(check(gcp_config((f"{P1}.integrity", "md5"))))
    assert errors == {("weak-crypto", f"{P1}.integrity")}


def test_3des_in_phase2_is_unsupported_and_weak() -> None:
    errors, _ = codes(check(gcp_config((f"{P2}.encryption", "3des"))))
    assert errors == {
        ("algorithm-unsupported", f"{P2}.encryption"),
        ("weak-crypto", f"{P2}.encryption"),
    }


def test_3des_in_phase1_is_weak_only() -> None:
    errors, _ = codes(check(gcp_config((f"{P1}.encryption", "3des"))))
    assert errors == {("weak-crypto", f"{P1}.encryption")}


@pytest.mark.parametrize("phase", [P1, P2])
def test_des_anywhere_is_unsupported_and_weak(phase: str) -> None:
    errors, _ = codes(check(gcp_config((f"{phase}.encryption", "des"))))
    assert errors == {
        ("algorithm-unsupported", f"{phase}.encryption"),
        ("weak-crypto", f"{phase}.encryption"),
    }


@pytest.mark.parametrize(
    ("key", "group", "weak"),
    [
        ("phase1.dhGroup", 1, True),
        ("phase1.dhGroup", 17, False),
        ("phase2.pfsGroup", 17, False),
        ("phase2.pfsGroup", 1, True),
    ],
)
def test_groups_1_and_17_are_refused(key: str, group: int, weak: bool) -> None:
    path = f"{T}.{key}"
    report = check(gcp_config((path, group)))
    errors, _ = codes(report)
    expected = {("algorithm-unsupported", path)} | ({("weak-crypto", path)} if weak else set())
    assert errors == expected
    unsupported = [p for p in report.problems if p.code == "algorithm-unsupported"]
    assert unsupported and all(f"group {group}" in p.message for p in unsupported)


@pytest.mark.parametrize("key", ["phase1.dhGroup", "phase2.pfsGroup"])
def test_group_22_google_offers_is_refused_as_weak(key: str) -> None:
    """Google offers modp-1024-160 (group 22), a 1024-bit MODP group like group 2, which the
    project refuses as weak; vendors.WEAK_GROUPS lists 22 ("RFC 8247 deprecates 1, 2, 5 and
    22"), so it must not pass validate silently."""
    path = f"{T}.{key}"
    errors, _ = codes(check(gcp_config((path, 22))))
    assert ("weak-crypto", path) in errors


@pytest.mark.parametrize("group", [15, 16, 18, 19, 20, 21, 23, 24, 31])
def test_strong_groups_google_offers_are_accepted(group: int) -> None:
    report = check(gcp_config((f"{P1}.dhGroup", group), (f"{P2}.pfsGroup", group)))
    assert report.valid, [p.message for p in report.problems]


def test_aead_phase2_takes_no_integrity_so_sha384_is_not_refused() -> None:
    report = check(gcp_config((f"{P2}.encryption", "aes128gcm"), (f"{P2}.integrity", "sha384")))
    assert report.valid, [p.message for p in report.problems]
    assert "algorithm-unsupported" not in warnings_of(report)


def test_aead_phase1_keeps_its_integrity_as_the_prf() -> None:
    report = check(
        gcp_config(
            (f"{P1}.encryption", "aes256gcm"),
            (f"{P1}.integrity", "sha384"),
            (f"{P2}.encryption", "aes256gcm"),
            (f"{P2}.integrity", "sha384"),
        )
    )
    assert report.valid, [p.message for p in report.problems]


def test_pfs_null_is_refused() -> None:
    errors, _ = codes(check(gcp_config((f"{P2}.pfsGroup", None))))
    assert errors == {("pfs-disabled", f"{P2}.pfsGroup")}


# --------------------------------------------------------------------------- rules: settings


def test_mss_clamp_appliance_is_unsupported_and_not_a_spof() -> None:
    report = check(gcp_config((f"{I}.mssClamp.enabled", True)))
    errors, warnings = codes(report)
    assert errors == {("appliance-unsupported", f"{I}.mssClamp.enabled")}
    assert "appliance-spof" not in {c for c, _ in warnings}
    (problem,) = report.problems
    assert CODES[problem.code].severity is Severity.ERROR
    # The figures the user needs instead: the MSS on the 1460-byte gateway MTU.
    assert "1335" in problem.message and "1460" in problem.message


def test_standby_mss_clamp_is_refused_at_its_path() -> None:
    errors, _ = codes(check(gcp_config((f"{S}.iaas.mssClamp", {"enabled": True}))))
    assert errors == {("appliance-unsupported", f"{S}.iaas.mssClamp.enabled")}


def test_lifetimes_other_than_googles_are_local_warnings() -> None:
    report = check(gcp_config((f"{P1}.lifetimeSeconds", 28800), (f"{P2}.lifetimeSeconds", 3600)))
    errors, warnings = codes(report)
    assert errors == set()
    assert {
        ("lifetime-local", f"{P1}.lifetimeSeconds"),
        ("lifetime-local", f"{P2}.lifetimeSeconds"),
    } <= warnings
    local = [p for p in report.warnings if p.code == "lifetime-local"]
    assert any("36000" in p.message for p in local) and any("10800" in p.message for p in local)


def test_googles_lifetimes_give_no_lifetime_warning() -> None:
    report = check(gcp_config((f"{P1}.lifetimeSeconds", 36000), (f"{P2}.lifetimeSeconds", 10800)))
    assert report.valid, [p.message for p in report.problems]
    assert "lifetime-local" not in warnings_of(report)


@pytest.mark.parametrize(
    ("key", "value"),
    [("dpd", {"timeoutSeconds": 45, "action": "restart"}), ("startupAction", "add")],
)
def test_settings_google_has_no_knob_for_are_ignored_with_a_warning(key: str, value: Any) -> None:
    report = check(gcp_config((f"{T}.{key}", value)))
    errors, warnings = codes(report)
    assert errors == set()
    assert ("setting-ignored", f"{T}.{key}") in warnings


def test_a_dpd_timeout_no_target_takes_is_not_a_gcp_range_error() -> None:
    report = check(gcp_config((f"{T}.dpd", {"timeoutSeconds": 20, "action": "restart"})))
    assert "dpd-range" not in errors_of(report)


def test_peer_ip_is_ignored_on_gcp() -> None:
    report = check(gcp_config((f"{I}.peerIp", "34.120.10.20")))
    errors, warnings = codes(report)
    assert errors == set()
    assert ("peer-ip-ignored", f"{I}.peerIp") in warnings


def test_tenant_cidr_in_the_auto_mode_range_warns() -> None:
    report = check(gcp_config((f"{G}.tenantCidrs", ["10.100.0.0/24", "10.140.0.0/24"])))
    assert report.valid
    assert ("auto-mode-range", f"{G}.tenantCidrs[1]") in codes(report)[1]
    assert ("auto-mode-range", f"{G}.tenantCidrs[0]") not in codes(report)[1]
    # A supernet of the range overlaps it too.
    wide = check(
        gcp_config(
            (f"{G}.tenantCidrs", ["10.0.0.0/8"]),
            (f"{I}.networks", ["172.16.0.0/24"]),
            (f"{S}.iaas.networks", ["172.16.0.0/24"]),
        )
    )
    assert ("auto-mode-range", f"{G}.tenantCidrs[0]") in codes(wide)[1]


def test_auto_mode_range_is_a_gcp_only_warning() -> None:
    config = raw_config("dev")
    config[G]["tenantCidrs"] = ["10.140.0.0/24"]
    assert "auto-mode-range" not in warnings_of(check(config))


def test_documentation_gateway_ip_warns_a_real_one_does_not() -> None:
    doc = check(raw_config("gcp-dev"))
    assert ("peer-ip-documentation", f"{G}.gatewayIp") in codes(doc)[1]
    assert doc.valid
    real = check(gcp_config((f"{G}.gatewayIp", "35.176.12.34")))
    assert real.valid and "peer-ip-documentation" not in warnings_of(real)
    for ip in ("192.0.2.10", "198.51.100.10"):
        assert "peer-ip-documentation" in warnings_of(check(gcp_config((f"{G}.gatewayIp", ip))))
    # AWS takes them (the project's other examples use them).
    assert "peer-ip-documentation" not in warnings_of(check(raw_config("dev")))


#: terraform-provider-google ``validatePeerAddr`` (gcp.md §2): peer IPs Google refuses.
GOOGLE_REFUSED_PEERS = [
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
]


@pytest.mark.parametrize(
    "address",
    [str(ipaddress.IPv4Network(n)[1]) for n in GOOGLE_REFUSED_PEERS]
    + ["192.0.0.9", "192.88.99.200"],
)
def test_every_peer_ip_google_refuses_is_reported(address: str) -> None:
    """``validate`` must not pass silently a gateway IP that ``pulumi up`` fails on: either
    peer-ip-not-public (error) or peer-ip-documentation (warning) at genesys.gatewayIp."""
    report = check(gcp_config((f"{G}.gatewayIp", address)))
    flagged = {
        code for code, path in codes(report)[0] | codes(report)[1] if path == f"{G}.gatewayIp"
    }
    assert flagged & {"peer-ip-not-public", "peer-ip-documentation"}, (address, flagged)


# --------------------------------------------------------------------------- rules: standby


def test_standby_priority_not_above_the_primarys_is_refused() -> None:
    for value in (100, 50, 0):
        errors, _ = codes(check(gcp_config((f"{SGCP}.routePriority", value))))
        assert errors == {("route-priority", f"{SGCP}.routePriority")}, value
    # A primary configured above the standby's default.
    errors, _ = codes(check(gcp_config((f"{GCP}.routePriority", 300))))
    assert errors == {("route-priority", f"{SGCP}.routePriority")}
    # Both explicit, standby larger: fine.
    ok = check(gcp_config((f"{GCP}.routePriority", 10), (f"{SGCP}.routePriority", 11)))
    assert ok.valid, [p.message for p in ok.problems]
    assert check(gcp_config((f"{SGCP}.routePriority", 65535))).valid


def _standby_elsewhere(*changes: tuple[str, Any], delete: tuple[str, ...] = ()) -> Report:
    """gcp-dev with an equal standby priority and the standby moved by ``changes``; its
    networks are its own, so only the VPC comparison is under test."""
    return check(
        gcp_config(
            (f"{SGCP}.routePriority", 100),
            (f"{S}.iaas.networks", ["10.21.0.0/24"]),
            *changes,
            delete=delete,
        )
    )


def test_equal_priorities_in_other_vpcs_are_fine() -> None:
    for report in (
        _standby_elsewhere((f"{SGCP}.network", "crm-dr-vpc")),
        _standby_elsewhere((f"{SGCP}.project", "acme-cc-dr")),
        _standby_elsewhere(
            (f"{SGCP}.network", "projects/acme-cc-dr/global/networks/crm-vpc"),
            delete=(f"{SGCP}.project",),
        ),
        # The standby takes gcp:project by default, which is not the primary's explicit project.
        _standby_elsewhere(("gcp:project", "acme-cc-other"), delete=(f"{SGCP}.project",)),
    ):
        assert report.valid, [(p.code, p.message) for p in report.problems]


def test_the_same_vpc_however_it_is_spelled_is_the_same_vpc() -> None:
    same = [
        # The default project is the primary's.
        ((), (f"{SGCP}.project",)),
        (
            ((f"{SGCP}.network", "projects/acme-cc-dev/global/networks/crm-vpc"),),
            (f"{SGCP}.project",),
        ),
        (
            (
                (
                    f"{SGCP}.network",
                    "https://www.googleapis.com/compute/v1/projects/acme-cc-dev/global/networks/crm-vpc",
                ),
            ),
            (),
        ),
        # Both default to gcp:project.
        ((), (f"{SGCP}.project", f"{GCP}.project")),
    ]
    for changes, delete in same:
        errors, _ = codes(_standby_elsewhere(*changes, delete=delete))
        assert errors == {("route-priority", f"{SGCP}.routePriority")}, (changes, delete)


def test_standby_in_the_primarys_region_warns() -> None:
    report = check(gcp_config((f"{SGCP}.region", "europe-west1")))
    errors, warnings = codes(report)
    assert errors == set()
    assert ("standby-same-region", f"{SGCP}.region") in warnings
    assert "standby-same-region" not in warnings_of(check(raw_config("gcp-dev")))


def test_one_vpc_shares_its_networks_between_primary_and_standby() -> None:
    # The example: both attachments list 10.20.0.0/24 in crm-vpc.
    assert "subnet-overlap" not in errors_of(check(raw_config("gcp-dev")))
    # Overlapping networks within one attachment still overlap.
    errors, _ = codes(check(gcp_config((f"{I}.networks", ["10.20.0.0/24", "10.20.0.0/25"]))))
    assert errors == {("subnet-overlap", f"{I}.networks[1]")}
    errors, _ = codes(check(gcp_config((f"{S}.iaas.networks", ["10.20.0.0/24", "10.20.0.128/25"]))))
    assert errors == {("subnet-overlap", f"{S}.iaas.networks[1]")}
    # The standby's network against the Genesys tenant CIDR: still an overlap.
    errors, _ = codes(check(gcp_config((f"{S}.iaas.networks", ["10.100.0.0/25"]))))
    assert ("subnet-overlap", f"{S}.iaas.networks[0]") in errors


@pytest.mark.parametrize(
    ("changes", "delete"),
    [
        ([(f"{SGCP}.network", "crm-dr-vpc")], ()),
        ([(f"{SGCP}.project", "acme-cc-dr")], ()),
        (
            [(f"{SGCP}.network", "projects/acme-cc-dr/global/networks/crm-vpc")],
            (f"{SGCP}.project",),
        ),
    ],
)
def test_the_same_networks_in_two_vpcs_overlap(
    changes: list[tuple[str, Any]], delete: tuple[str, ...]
) -> None:
    errors, _ = codes(check(gcp_config(*changes, delete=delete)))
    assert errors == {("subnet-overlap", f"{S}.iaas.networks[0]")}


def test_an_aws_standby_does_not_share_a_gcp_primarys_networks() -> None:
    config = raw_config("gcp-dev")
    aws = copy.deepcopy(raw_config("dev")["c2c-vpn:iaas"])
    aws["networks"] = ["10.20.0.0/24"]
    config[S] = {"tunnelCidr": "169.254.61.0/30", "iaas": aws}
    assert ("subnet-overlap", f"{S}.iaas.networks[0]") in codes(check(config))[0]


# --------------------------------------------------------------------------- settings shape


SHAPE_ERRORS = [
    ("region-case", f"{GCP}.region", "Europe-West1"),
    ("region-no-number", f"{GCP}.region", "europe-west"),
    ("region-underscore", f"{GCP}.region", "europe_west1"),
    ("network-upper", f"{GCP}.network", "CRM-vpc"),
    ("network-64", f"{GCP}.network", "a" * 64),
    ("network-digit", f"{GCP}.network", "1crm"),
    ("network-trailing-dash", f"{GCP}.network", "crm-"),
    ("network-selflink-upper", f"{GCP}.network", "projects/acme-cc-dev/global/networks/CRM"),
    ("tag-upper", f"{GCP}.targetTags", ["Crm-backend"]),
    ("tag-underscore", f"{GCP}.targetTags", ["crm_backend"]),
    ("tag-64", f"{GCP}.targetTags", ["t" * 64]),
    ("priority-high", f"{GCP}.routePriority", 70000),
    ("priority-negative", f"{GCP}.routePriority", -1),
    ("channel-bad", f"{GCP}.alertNotificationChannels", ["projects/acme/notificationChannels/abc"]),
    ("channel-no-project", f"{GCP}.alertNotificationChannels", ["notificationChannels/123"]),
    ("project-upper", f"{GCP}.project", "ACME-cc-dev"),
    ("standby-region", f"{SGCP}.region", "EU-WEST4"),
    ("standby-priority", f"{SGCP}.routePriority", 65536),
]


@pytest.mark.parametrize(("case", "path", "value"), SHAPE_ERRORS, ids=[c[0] for c in SHAPE_ERRORS])
def test_bad_gcp_settings_are_refused_in_one_line(
    tmp_path: Path, case: str, path: str, value: Any
) -> None:
    stack = write_stack(tmp_path, gcp_config((path, value)), case)
    out = cli("validate", str(stack))
    assert out.returncode == 2, (out.stdout, out.stderr)
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    (line,) = lines
    # The field by its stack path, array index included.
    field = path + ("[0]" if isinstance(value, list) else "")
    assert f" {field}: " in line, line
    assert "Traceback" not in out.stderr


def test_boundary_gcp_settings_are_accepted(tmp_path: Path) -> None:
    config = gcp_config(
        (f"{GCP}.network", "n" * 63),
        (f"{SGCP}.network", "n" * 63),
        (f"{GCP}.targetTags", ["t" * 63, "a"]),
        (f"{GCP}.routePriority", 0),
        (f"{SGCP}.routePriority", 65535),
        (f"{GCP}.alertNotificationChannels", ["projects/acme-cc-dev/notificationChannels/123"]),
    )
    out = cli("validate", str(write_stack(tmp_path, config)))
    assert out.returncode == 0, out.stderr


def test_the_refusal_quotes_the_pattern_the_field_accepts(tmp_path: Path) -> None:
    """A user fixes the value from the quoted pattern: it must be the accepted one, not a
    lower-cased copy (``notificationchannels`` is refused by the same pattern)."""
    bad = gcp_config((f"{GCP}.alertNotificationChannels", ["projects/acme/channels/1"]))
    out = cli("validate", str(write_stack(tmp_path, bad)))
    assert out.returncode == 2
    assert "notificationChannels" in out.stderr, out.stderr
    assert "notificationchannels" not in out.stderr, out.stderr


def test_a_gcp_provider_without_its_block_or_with_another_is_refused(tmp_path: Path) -> None:
    missing = cli("validate", str(write_stack(tmp_path, gcp_config(delete=(GCP,)), "missing")))
    assert missing.returncode == 2 and f"{I}" in missing.stderr and "`gcp`" in missing.stderr
    other = gcp_config((f"{I}.aws", copy.deepcopy(raw_config("dev")[I]["aws"])))
    both = cli("validate", str(write_stack(tmp_path, other, "both")))
    assert both.returncode == 2 and "`aws`" in both.stderr, both.stderr


# --------------------------------------------------------------------------- held back


#: gcp.md §6.3: every choice Google Cloud cannot do, as a mutation of gcp-dev, and the error
#: codes ``validate`` must give (warnings are not listed: only what makes the stack invalid).
HELD_BACK: list[tuple[str, list[tuple[str, Any]], set[str]]] = [
    ("phase2-sha384", [(f"{P2}.integrity", "sha384")], {"algorithm-unsupported"}),
    ("phase2-md5", [(f"{P2}.integrity", "md5")], {"algorithm-unsupported", "weak-crypto"}),
    ("dh-1", [(f"{P1}.dhGroup", 1)], {"algorithm-unsupported", "weak-crypto"}),
    ("dh-17", [(f"{P1}.dhGroup", 17)], {"algorithm-unsupported"}),
    ("pfs-1", [(f"{P2}.pfsGroup", 1)], {"algorithm-unsupported", "weak-crypto"}),
    ("pfs-17", [(f"{P2}.pfsGroup", 17)], {"algorithm-unsupported"}),
    ("phase2-3des", [(f"{P2}.encryption", "3des")], {"algorithm-unsupported", "weak-crypto"}),
    ("phase1-des", [(f"{P1}.encryption", "des")], {"algorithm-unsupported", "weak-crypto"}),
    ("phase2-des", [(f"{P2}.encryption", "des")], {"algorithm-unsupported", "weak-crypto"}),
    (
        "both-des",
        [(f"{P1}.encryption", "des"), (f"{P2}.encryption", "des")],
        {"algorithm-unsupported", "weak-crypto"},
    ),
    ("pfs-null", [(f"{P2}.pfsGroup", None)], {"pfs-disabled"}),
    ("mss-appliance", [(f"{I}.mssClamp.enabled", True)], {"appliance-unsupported"}),
    (
        "standby-mss-appliance",
        [(f"{S}.iaas.mssClamp", {"enabled": True})],
        {"appliance-unsupported"},
    ),
    ("standby-priority-equal", [(f"{SGCP}.routePriority", 100)], {"route-priority"}),
    ("primary-priority-above", [(f"{GCP}.routePriority", 250)], {"route-priority"}),
    (
        "sha384-and-group-17",
        [(f"{P2}.integrity", "sha384"), (f"{P2}.pfsGroup", 17)],
        {"algorithm-unsupported"},
    ),
]


@pytest.mark.parametrize(("case", "changes", "expected"), HELD_BACK, ids=[c[0] for c in HELD_BACK])
def test_held_back_choices_are_refused(
    case: str, changes: list[tuple[str, Any]], expected: set[str]
) -> None:
    report = check(gcp_config(*changes))
    assert report.valid is False, case
    assert errors_of(report) == expected, [(p.code, p.path, p.message) for p in report.problems]
    for p in report.problems:
        assert CODES[p.code].severity is Severity.ERROR
        assert p.path.startswith(("c2c-vpn:tunnel.", "c2c-vpn:iaas.", "c2c-vpn:standby.")), p.path


def test_held_back_choices_are_refused_on_the_cli(tmp_path: Path) -> None:
    import json

    config = gcp_config((f"{P2}.integrity", "sha384"), (f"{P1}.dhGroup", 17))
    out = cli("validate", str(write_stack(tmp_path, config)), "--format", "json")
    assert out.returncode != 0
    result = json.loads(out.stdout)
    assert result["valid"] is False
    assert {(p["code"], p["path"]) for p in result["problems"]} == {
        ("algorithm-unsupported", f"{P2}.integrity"),
        ("algorithm-unsupported", f"{P1}.dhGroup"),
    }


def test_a_network_self_link_and_another_project_are_refused(tmp_path: Path) -> None:
    """Routes and firewall rules live in the network's project: a self link naming one project
    and ``project`` naming another is one clear error, not a deploy-time failure."""
    bad = gcp_config((f"{GCP}.network", "projects/acme-host/global/networks/crm-vpc"))
    out = cli("validate", str(write_stack(tmp_path, bad)))
    assert out.returncode == 2
    lines = [line for line in out.stderr.splitlines() if "iaas.gcp" in line]
    assert len(lines) == 1 and "acme-host" in lines[0] and "acme-cc-dev" in lines[0], out.stderr


def test_a_network_self_link_gives_the_resources_its_project() -> None:
    from tests.helpers import plan

    config = gcp_config((f"{GCP}.network", "projects/acme-host/global/networks/crm-vpc"))
    delete_path(config, f"{GCP}.project")
    result = plan(config)
    projects = {
        r["inputs"].get("project")
        for r in result["resources"]
        if r["type"].startswith("gcp:") and r["name"].startswith("primary-")
    }
    assert projects == {"acme-host"}


def test_route_based_tunnels_warn_that_google_proposes_any_to_any() -> None:
    _, warnings = codes(check(raw_config("gcp-dev")))
    assert {
        ("selectors-wide", f"{I}.networks"),
        ("selectors-wide", f"{S}.iaas.networks"),
    } <= warnings


def test_policy_based_selectors_drop_the_any_to_any_warning() -> None:
    report = check(gcp_config((f"{GCP}.trafficSelectors", "networks")))
    assert report.valid, [p.message for p in report.problems]
    _, warnings = codes(report)
    assert ("selectors-wide", f"{I}.networks") not in warnings
    assert ("selectors-wide", f"{S}.iaas.networks") in warnings  # the standby is still 0/0


def test_policy_based_selectors_beyond_what_fits_googles_mtu_warn() -> None:
    many = [f"10.20.{i}.0/24" for i in range(31)]
    report = check(gcp_config((f"{GCP}.trafficSelectors", "networks"), (f"{I}.networks", many)))
    _, warnings = codes(report)
    assert ("selectors-wide", f"{I}.networks") in warnings
    (found,) = [
        p for p in report.warnings if p.code == "selectors-wide" and p.path == f"{I}.networks"
    ]
    assert "31 IaaS networks" in found.message and "1460" in found.message
    thirty = check(
        gcp_config((f"{GCP}.trafficSelectors", "networks"), (f"{I}.networks", many[:30]))
    )
    assert ("selectors-wide", f"{I}.networks") not in codes(thirty)[1]


def test_traffic_selectors_takes_any_or_networks(tmp_path: Path) -> None:
    out = cli(
        "validate", str(write_stack(tmp_path, gcp_config((f"{GCP}.trafficSelectors", "some"))))
    )
    assert out.returncode == 2
    assert "trafficSelectors" in out.stderr
