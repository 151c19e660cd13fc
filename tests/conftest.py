"""Shared fixtures: the example stacks, loaded and planned once per session.

Plain helpers (paths, the raw-config loader, path setters) live in :mod:`tests.helpers`;
this file holds the fixtures built on them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from c2cvpn.spec import LoadedStack
from tests.helpers import EXAMPLES, Planned, load, plan, raw_config
from tests.netns import lab_traces, other_labs
from tests.strongswan import require_strongswan


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


@pytest.fixture
def clean() -> Iterator[None]:
    """For the strongSwan labs: skip/fail when a piece is missing (:func:`require_strongswan`);
    afterwards no charon, c2c* namespace or lab work directory may remain that was not there
    before, except what belongs to a lab another live process runs (its state file says so)."""
    require_strongswan()
    before = lab_traces()
    yield
    others = other_labs()
    after = lab_traces()
    others |= other_labs()
    for what, items in after.items():
        left = sorted(i for i in items - before[what] if i.rsplit("@", 1)[1] not in others)
        assert not left, f"{what} left behind: {left}"
