"""Shared fixtures: the example stacks, loaded and planned once per session.

Plain helpers (paths, the raw-config loader, path setters) live in :mod:`tests.helpers`;
this file holds the fixtures built on them.
"""

from __future__ import annotations

from typing import Any

import pytest

from c2cvpn.spec import LoadedStack
from tests.helpers import EXAMPLES, Planned, load, plan, raw_config


@pytest.fixture(scope="session")
def planned() -> Planned:
    """The plan of an example stack, computed once per session (treat it as read-only)."""
    cache: dict[str, dict[str, Any]] = {}

    def planned_example(name: str) -> dict[str, Any]:
        if name not in cache:
            cache[name] = plan(raw_config(name), name)
        return cache[name]

    return planned_example


@pytest.fixture(params=EXAMPLES)
def example(request: pytest.FixtureRequest) -> LoadedStack:
    """Each example stack, parsed."""
    name: str = request.param
    return load(raw_config(name), name)
