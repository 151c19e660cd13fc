"""Derived values: tunnel addressing and generated keys."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from c2cvpn.derive import interface_addresses
from c2cvpn.psk import PSK_LENGTH, PSK_MIN_PER_CLASS, PSK_SPECIALS, portable_psk
from c2cvpn.spec import attachments
from tests.helpers import check, load, raw_config, set_path

CLASSES = (string.ascii_uppercase, string.ascii_lowercase, string.digits, PSK_SPECIALS)


@st.composite
def random_password(draw: st.DrawFn) -> str:
    """What pulumi_random's RandomPassword may return under the component's constraints."""
    chars = [draw(st.sampled_from(cls)) for cls in CLASSES for _ in range(PSK_MIN_PER_CLASS)]
    alphabet = "".join(CLASSES)
    chars += draw(
        st.lists(
            st.sampled_from(alphabet),
            min_size=PSK_LENGTH - len(chars),
            max_size=PSK_LENGTH - len(chars),
        )
    )
    return "".join(draw(st.permutations(chars)))


@settings(max_examples=200, deadline=None)
@given(random_password())
def test_every_generated_key_passes_the_portable_rule(generated: str) -> None:
    key = portable_psk(generated)
    report = check(set_path(raw_config("dev"), "c2c-vpn:tunnel.preSharedKey", key))
    assert not [p for p in report.problems if p.code.startswith("psk-")]
    assert portable_psk(generated) == key  # stable: the same state gives the same key


def test_a_leading_zero_is_replaced() -> None:
    assert portable_psk("0" + "a" * 39) == "Z" + "a" * 39
    assert portable_psk("A0") == "A0"


def test_a_slash_29_gives_each_aws_tunnel_a_slash_30() -> None:
    dev = attachments(load(raw_config("dev")).spec)[0]  # AWS, genesys.tunnelCidr 169.254.10.0/29
    t1, t2 = (interface_addresses(r) for r in dev.inside_ranges())
    assert (str(t1.cidr), str(t1.cloud_address), str(t1.genesys_address)) == (
        "169.254.10.0/30",
        "169.254.10.1",
        "169.254.10.2",
    )
    assert (str(t2.cidr), str(t2.cloud_address), str(t2.genesys_address)) == (
        "169.254.10.4/30",
        "169.254.10.5",
        "169.254.10.6",
    )
    local = attachments(load(raw_config("local")).spec)[0]  # 169.254.50.0/30
    (only,) = (interface_addresses(r) for r in local.inside_ranges())
    assert str(only.cidr) == "169.254.50.0/30"
