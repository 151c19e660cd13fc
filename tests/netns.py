"""Test hosts in network namespaces: :mod:`c2cvpn.lab.netns` with the tests' skip/fail rule.

Traffic goes only between the namespaces a test creates. In CI (``CI=true``, root) a missing
piece is a failure naming it; elsewhere the test is skipped with the same message.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from c2cvpn.lab.netns import REQUIRED_TOOLS, Lab, missing_netns, sh

__all__ = ["REQUIRED_TOOLS", "Lab", "lab", "require", "require_netns", "sh"]


def require(missing: list[str], what: str) -> None:
    """Fail in CI, skip elsewhere, naming exactly what is missing."""
    if not missing:
        return
    message = f"{what} need " + ", ".join(missing) + "; .ci/run installs them"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def require_netns() -> None:
    require(missing_netns(), "namespace tests")


@contextmanager
def lab() -> Iterator[Lab]:
    require_netns()
    topology = Lab()
    try:
        yield topology
    finally:
        topology.close()
