"""Hidden markers that tie a pull-request comment or an issue to one stack.

``<!-- c2cvpn:impact stack=prod -->`` on a line of its own. A comment belongs to a stack only
when one of its lines *is* the marker: ``dev`` never matches ``dev-tokyo`` (the prefix match
that lets one stack's comment overwrite another's in pulumi/actions#1165).
"""

from __future__ import annotations

import re

#: What a Pulumi stack name may hold (``org/project/stack`` for Pulumi Cloud included);
#: anything else (``-->``, spaces, newlines) could end the HTML comment early.
STACK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-/]{0,199}")
KINDS = ("impact", "drift")


def marker(kind: str, stack: str) -> str:
    """The marker line for ``kind`` (impact: PR comments; drift: issues) and ``stack``."""
    if kind not in KINDS:
        raise ValueError(f"marker kind {kind!r}: expected one of {', '.join(KINDS)}")
    if not STACK_NAME.fullmatch(stack):
        raise ValueError(
            f"stack name {stack[:80]!r}: letters, digits, '_', '.', '-', '/' only (a Pulumi stack name)"
        )
    return f"<!-- c2cvpn:{kind} stack={stack} -->"


def has_marker(body: str, kind: str, stack: str) -> bool:
    """True when a line of ``body`` is exactly the marker (surrounding blanks ignored)."""
    wanted = marker(kind, stack)
    return any(line.strip() == wanted for line in body.splitlines())
