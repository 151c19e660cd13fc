"""Fuzzing `validate` and `plan` through the command line, bounded in time and deterministic.

Stack files are generated as YAML *text* (so the reader itself is fuzzed: tags, anchors,
merge keys, numbers as the Pulumi CLI resolves them, deep nesting, junk), from the example
stacks with random parts replaced. Whatever the file, the command must answer 0, 1 or 2,
with `--format json` print strict JSON (no NaN, no Infinity) on stdout, and keep its output
small.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.helpers import EXAMPLES, raw_config

runner = CliRunner()

#: Output of one run, stdout and stderr together: the largest example plan is ~40 KB.
MAX_OUTPUT = 200_000


@dataclass(frozen=True)
class Raw:
    """YAML text written as it is (a tag, an alias, a number spelt the Go way...)."""

    text: str


RAW_SCALARS = [
    "7:23", "016", "0o16", "0x0e", "4_43", "08", "1e999", "-0b101", "yes", "no", "on", "off",
    "~", "null", "NULL", "tRUE", ".nan", ".NaN", ".inf", "-.inf", "+.INF", "2024-01-31",
    "2001-12-14T21:59:43.10-05:00", "!!binary aGk=", "!custom x", "!!str 443", "!!int '0x1bb'",
    "!!float 20", "!!bool yes", "!!python/object/apply:os.system ['true']", "*undefined",
    "'<<'", "18446744073709551615", "1" + "0" * 309, "1e300", "0.5", "-1", "1_000", "''",
    '"\\u00e9\\t"', "|\n  text", "[]", "{}", "[[[[[[1]]]]]]", "{<<: {a: 1}, b: 2}",
    "{<<: [{a: 1}, {a: 2}]}", "{<<: 5}", "{? [a] : 1}", "{1: x}", "{a: 1, a: 2}",
    "[" * 70 + "]" * 70, "10.10.0.0/24", "169.254.10.0/29", "203.0.113.10", "aes256", "sha256",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(RAW_SCALARS).map(Raw),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=6),
        st.dictionaries(st.text(max_size=10), children, max_size=5),
    ),
    max_leaves=20,
)


def _emit(value: Any) -> str:
    """Flow-style YAML; strings double-quoted (JSON escapes are YAML escapes)."""
    if isinstance(value, Raw):
        return value.text if "\n" not in value.text else json.dumps(value.text)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_emit(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{json.dumps(str(k))}: {_emit(v)}" for k, v in value.items()) + "}"


DOMAIN_TEXT = [
    "aes128", "aes256", "aes256gcm", "AES-256", "sha1", "sha384", "sha512", "md5", "3des",
    "ikev1", "ah", "esp", "psk", "certificate", "start", "add", "clear", "none", "restart",
    "aws", "azure", "onprem", "us-east-1", "eu-west-1", "westeurope", "VpnGw2AZ", "Basic",
    "10.10.0.0/24", "10.100.0.0/16", "10.10.0.0/8", "169.254.10.0/29", "169.254.0.0/30",
    "192.168.1.0/24", "0.0.0.0/0", "203.0.113.10", "198.51.100.7", "10.0.0.1", "auto",
]  # fmt: skip


def _like(value: Any) -> st.SearchStrategy[Any]:
    """Values of the same kind as ``value``, mostly plausible ones."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.one_of(
            st.integers(-5, 100_000), st.sampled_from([14, 19, 20, 24, 300, 3600, 28800])
        )
    if isinstance(value, str):
        return st.sampled_from(
            [t for t in DOMAIN_TEXT if _shape(t) == _shape(value)] or DOMAIN_TEXT
        )
    if isinstance(value, list):
        if value and isinstance(value[0], int):
            return st.lists(st.integers(0, 70_000), max_size=70)
        cidrs = [t for t in DOMAIN_TEXT if _shape(t) == "cidr"]
        return st.lists(st.sampled_from(cidrs), max_size=8)
    return values


def _shape(text: str) -> str:
    return "cidr" if "/" in text else "ip" if text.count(".") == 3 else "word"


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, child in node.items():
            out += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            out += _paths(child, (*prefix, index))
    return out


@st.composite
def stack_texts(draw: st.DrawFn) -> str:
    """A stack file: an example with 1-4 parts replaced, deleted or added, as YAML text;
    sometimes with an anchor block and aliases, sometimes plain junk."""
    if draw(st.integers(0, 19)) == 13:
        return draw(st.text(max_size=200))
    config: Any = raw_config(draw(st.sampled_from(EXAMPLES)))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(_paths(config)))
        parent: Any = config
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["tweak", "tweak", "replace", "delete", "add", "alias"]))
        if action == "tweak":  # a value of the same kind: reaches the rules and the plan
            parent[path[-1]] = draw(_like(parent[path[-1]]))
        elif action == "replace":
            parent[path[-1]] = draw(values)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "alias":
            parent[path[-1]] = Raw(draw(st.sampled_from(["*l1", "*one", "{<<: *map}", "*top"])))
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=12))] = draw(values)
    # Anchors the aliases above use; one file in ten carries a billion-laughs tree as well.
    levels = 6 if draw(st.integers(0, 9)) == 7 else 1
    anchors = (
        "  x:anchors: &top\n"
        "    - &one 10.10.0.0/24\n"
        "    - &map {a: 1}\n"
        "    - &l0 [*one, *one, *one, *one, *one, *one, *one, *one, *one, *one]\n"
        + "".join(
            f"    - &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]\n" for i in range(1, levels + 1)
        )
    )
    body = "".join(f"  {json.dumps(k)}: {_emit(v)}\n" for k, v in config.items())
    return "config:\n" + anchors + body


def _strict_json(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def _check(tmp_path: Path, text: str, command: str) -> None:
    path = tmp_path / "Pulumi.fuzz.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    result = runner.invoke(app_(), [command, str(path), "--format", "json"])
    # An exception other than the exit would be exit 3 ("internal error") from the console script.
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.stderr[-500:])
    assert len(result.stdout) + len(result.stderr) < MAX_OUTPUT
    body = _strict_json(result.stdout)  # JSON whatever the exit code
    assert isinstance(body, dict)
    if result.exit_code == 2:
        assert body["error"]["kind"] == "unusable" and body["error"]["lines"]
    elif command == "validate":
        assert body["valid"] is (result.exit_code == 0)


def app_() -> Any:
    from c2cvpn.cli import app

    return app


def fuzz(examples: int) -> settings:
    """Deterministic (the same files every run), no example database, a bounded number of runs."""
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


@fuzz(120)
@given(text=stack_texts())
def test_validate_answers_0_1_or_2_with_strict_json(tmp_path: Path, text: str) -> None:
    _check(tmp_path, text, "validate")


@fuzz(12)
@given(text=stack_texts())
def test_plan_answers_0_1_or_2_with_strict_json(tmp_path: Path, text: str) -> None:
    _check(tmp_path, text, "plan")
