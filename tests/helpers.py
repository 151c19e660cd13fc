"""Shared test helpers: example stacks as raw config, mutated per test."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from c2cvpn.rules import Report, validate
from c2cvpn.spec import LoadedStack, parse_config

ROOT = Path(__file__).resolve().parent.parent
STACKS = ROOT / "stacks"
EXAMPLES = ("dev", "prod", "azure-dev", "local")

#: A key that satisfies the portable PSK rule (never a real secret).
GOOD_PSK = "Tq7.vL2_xP9mR4kW8nZ3bY6cH1dF5gJ0sA"


def raw_config(stack: str) -> dict[str, Any]:
    """The `config:` mapping of an example stack, as a fresh deep copy."""
    doc = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())
    return copy.deepcopy(doc["config"])


def set_path(config: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """Set ``c2c-vpn:tunnel.phase1.dhGroup``-style paths in a raw config (returns it)."""
    head, _, rest = dotted.partition(".")
    node: Any = config.setdefault(head, {})
    parts = rest.split(".") if rest else []
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    if parts:
        node[parts[-1]] = value
    else:
        config[head] = value
    return config


def delete_path(config: dict[str, Any], dotted: str) -> dict[str, Any]:
    head, _, rest = dotted.partition(".")
    node: Any = config[head]
    parts = rest.split(".")
    for part in parts[:-1]:
        node = node[part]
    del node[parts[-1]]
    return config


def load(config: dict[str, Any], name: str = "test") -> LoadedStack:
    return parse_config(config, stack=name, source=f"{name}.yaml")


def check(config: dict[str, Any]) -> Report:
    return validate(load(config))


def write_stack(tmp_path: Path, config: dict[str, Any], name: str = "case") -> Path:
    path = tmp_path / f"Pulumi.{name}.yaml"
    path.write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    return path
