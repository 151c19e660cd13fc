"""Property tests: whatever the config, the loader answers with the project's own result.

Either a :class:`LoadedStack` whose validation yields a Report, or a :class:`SpecError`
naming what to fix: never any other exception.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from c2cvpn.rules import Report, validate
from c2cvpn.spec import SpecError, load_stack
from tests.helpers import EXAMPLES, load, raw_config

KEYS = [
    "c2c-vpn:genesys",
    "c2c-vpn:tunnel",
    "c2c-vpn:iaas",
    "c2c-vpn:standby",
    "region",
    "gatewayIp",
    "tenantCidrs",
    "tunnelCidr",
    "source",
    "name",
    "authentication",
    "preSharedKey",
    "natTraversal",
    "keepaliveSeconds",
    "phase1",
    "phase2",
    "ikeVersion",
    "encryption",
    "integrity",
    "dhGroup",
    "pfsGroup",
    "lifetimeSeconds",
    "protocol",
    "provider",
    "networks",
    "peerIp",
    "applicationPorts",
    "aws",
    "azure",
    "mssClamp",
    "secure",
    "mss",
    "enabled",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(
        ["10.0.0.0/8", "169.254.1.0/30", "aes256", "ikev2", "aws", "203.0.113.1", "auto", "0"]
    ),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), children, max_size=5
        ),
    ),
    max_leaves=25,
)


def _outcome(config: Any) -> None:
    try:
        loaded = load(config, "fuzz")
    except SpecError as exc:
        assert exc.lines and all(isinstance(line, str) and line for line in exc.lines)
        return
    assert isinstance(validate(loaded), Report)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.one_of(st.sampled_from(KEYS[:4]), st.text(max_size=12)), values, max_size=5)
)
def test_arbitrary_configs(config: dict[str, Any]) -> None:
    _outcome(config)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    config = raw_config(draw(st.sampled_from(EXAMPLES)))
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(config)
        path = draw(st.sampled_from(paths))
        parent: Any = config
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(values)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS))] = draw(values)
    return config


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_examples(config: dict[str, Any]) -> None:
    _outcome(config)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300))
def test_arbitrary_file_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "Pulumi.fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        loaded = load_stack(str(path))
    except SpecError:
        return
    assert isinstance(validate(loaded), Report)
