"""The pre-shared key rule, in one place: what a key may be, how one is generated, how it is judged.

The portable rule is what every target accepts: AWS takes only ``[A-Za-z0-9._]``, 8-64
characters, not starting with ``0``; Azure refuses space, ``-`` and ``~``; the guide asks for
at least 32 characters with upper, lower, digits and symbols. So: 32-64 characters of
``[A-Za-z0-9._]`` with an upper-case letter, a lower-case letter, a digit and ``.`` or ``_``,
never starting with ``0``.

The validator (:func:`psk_problems`), the Pulumi program's ``RandomPassword``
(``components/engine_config.py``), the lab's generator (:func:`generate_psk`) and the AWS-safe
fix-up (:func:`portable_psk`) all read the constants below, so they cannot drift.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Iterator
from typing import Final

from c2cvpn.problems import Problem, problem

#: The only non-alphanumeric characters a key may hold.
PSK_SPECIALS: Final = "._"
PSK_ALPHABET: Final = string.ascii_letters + string.digits + PSK_SPECIALS
PSK_CHARSET: Final = re.compile(f"^[A-Za-z0-9{re.escape(PSK_SPECIALS)}]*$")
#: Accepted lengths (the guide's minimum, AWS's maximum).
PSK_MIN, PSK_MAX = 32, 64
#: Length of a generated key.
PSK_LENGTH: Final = 40
#: At least this many of each class in a generated key (upper, lower, digit, one of '._').
PSK_MIN_PER_CLASS: Final = 2


def portable_psk(generated: str) -> str:
    """A generated key made AWS-safe: AWS refuses a leading ``0``; replace it deterministically.

    Deterministic, so the value stays stable in state across runs.
    """
    return "Z" + generated[1:] if generated.startswith("0") else generated


def generate_psk() -> str:
    """A fresh key to the rule from the system RNG: every class at least
    :data:`PSK_MIN_PER_CLASS` times, the rest random, shuffled, then made AWS-safe."""
    rng = secrets.SystemRandom()
    classes = (string.ascii_uppercase, string.ascii_lowercase, string.digits, PSK_SPECIALS)
    chars = [rng.choice(cls) for cls in classes for _ in range(PSK_MIN_PER_CLASS)]
    chars += [rng.choice(PSK_ALPHABET) for _ in range(PSK_LENGTH - len(chars))]
    rng.shuffle(chars)
    return portable_psk("".join(chars))


def psk_problems(key: str, path: str) -> Iterator[Problem]:
    """The portable PSK rule for any key (the stack's, or one given to render or the lab).

    Never puts the key, or any character of it, in a message.
    """
    missing = [
        label
        for label, ok in (
            ("an upper-case letter", any(c.isupper() for c in key)),
            ("a lower-case letter", any(c.islower() for c in key)),
            ("a digit", any(c.isdigit() for c in key)),
            (
                f"one of {' or '.join(repr(c) for c in PSK_SPECIALS)}",
                any(c in PSK_SPECIALS for c in key),
            ),
        )
        if not ok
    ]
    if len(key) < PSK_MIN:
        yield problem(
            "psk-weak",
            path,
            f"the pre-shared key has {len(key)} characters; at least {PSK_MIN} are needed",
        )
    if missing:
        yield problem("psk-weak", path, f"the pre-shared key has no {', no '.join(missing)}")
    bad = sum(1 for c in key if not PSK_CHARSET.match(c))
    if bad:
        yield problem(
            "psk-charset",
            path,
            f"the pre-shared key contains {bad} character(s) outside [A-Za-z0-9{PSK_SPECIALS}] "
            "(such as spaces, '-', '!' or '~')",
        )
    if len(key) > PSK_MAX:
        yield problem(
            "psk-charset",
            path,
            f"the pre-shared key has {len(key)} characters; AWS takes at most {PSK_MAX}",
        )
    if key.startswith("0"):
        yield problem("psk-charset", path, "the pre-shared key starts with '0', which AWS refuses")


#: The Pulumi names of the generated keys, per Genesys connection role (the program creates
#: them; ``c2cvpn impact`` reads them in plans and previews).
PSK_RESOURCE: dict[str, str] = {"primary": "tunnel-psk", "standby": "tunnel-standby-psk"}
