"""Shared test helpers: example stacks as raw config, mutated per test."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from c2cvpn.rules import Report, validate
from c2cvpn.spec import LoadedStack, parse_config

if TYPE_CHECKING:
    import pulumi

ROOT = Path(__file__).resolve().parent.parent
STACKS = ROOT / "stacks"
EXAMPLES = ("dev", "prod", "azure-dev", "azure-prod", "gcp-dev", "local")

#: The ``planned`` fixture (conftest): ``planned("prod")`` is the example's plan, cached.
Planned = Callable[[str], dict[str, Any]]

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


def plan(config: dict[str, Any] | LoadedStack, name: str = "test") -> dict[str, Any]:
    """The offline plan of a raw config (or a loaded stack), under the mocked engine."""
    from components.mock_engine import plan_stack

    return plan_stack(config if isinstance(config, LoadedStack) else load(config, name))


def of_type(result: dict[str, Any], suffix: str) -> list[dict[str, Any]]:
    """Planned resources whose type token ends with ``suffix`` (``:VpnConnection``)."""
    return [r for r in result["resources"] if r["type"].endswith(suffix)]


def one(result: dict[str, Any], name: str) -> dict[str, Any]:
    """The one planned resource named ``name``."""
    found = [r for r in result["resources"] if r["name"] == name]
    assert len(found) == 1, f"expected one resource {name!r}, got {len(found)}"
    return found[0]


def azure_standby_config(**azure: Any) -> dict[str, Any]:
    """``azure-dev`` with a standby Azure attachment in ``northeurope`` (``azure`` overrides
    keys of its ``iaas.azure`` block)."""
    config = raw_config("azure-dev")
    standby_iaas = copy.deepcopy(config["c2c-vpn:iaas"])
    standby_iaas["networks"] = ["10.21.0.0/24"]
    standby_iaas["azure"] = {
        **standby_iaas["azure"],
        "resourceGroupName": "rg-crm-dr",
        "location": "northeurope",
        "virtualNetworkName": "vnet-crm-dr",
        "gatewaySubnetPrefix": "10.21.255.0/27",
        **azure,
    }
    config["c2c-vpn:standby"] = {"tunnelCidr": "169.254.31.0/30", "iaas": standby_iaas}
    return config


def plan_with_options(
    config: dict[str, Any], name: str = "test"
) -> tuple[dict[str, Any], dict[str, pulumi.ResourceTransformationArgs]]:
    """The plan, and what the program passed for each resource (by name): its ``opts``
    (``depends_on``, ``delete_before_replace``...) and its ``props`` before any secret masks
    them. The plan records neither; a stack transformation sees both."""
    import pulumi

    from components.mock_engine import plan_stack
    from components.program import build

    seen: dict[str, pulumi.ResourceTransformationArgs] = {}

    def remember(args: pulumi.ResourceTransformationArgs) -> None:
        seen[args.name] = args

    def program(loaded: LoadedStack) -> dict[str, Any]:
        pulumi.runtime.register_stack_transformation(remember)
        return build(loaded, offline=True)

    return plan_stack(load(config, name), program=program), seen


def dr_config(**aws: Any) -> dict[str, Any]:
    """prod with a disaster-recovery attachment on another gateway: another VPC (or, with
    ``aws``, another region) in another zone, its own appliance and Genesys range."""
    config = raw_config("prod")
    standby = copy.deepcopy(config["c2c-vpn:iaas"])
    standby["networks"] = ["10.10.2.0/23"]
    standby["aws"].update(
        {
            "vpcId": "vpc-0fedcba9876543210",
            "routeTableIds": ["rtb-0123456789abcdef2"],
            "availabilityZone": "us-east-1b",
            "applianceSubnetCidr": "10.10.5.0/28",
            **aws,
        }
    )
    config["c2c-vpn:standby"] = {
        "tunnelCidr": "169.254.21.0/29",
        "iaas": standby,
        "failover": {
            "route53": {
                "hostedZoneId": "Z0123456789EXAMPLE",
                "recordName": "crm-api.example.com",
                "primaryAddress": "10.10.0.10",
                "standbyAddress": "10.10.2.10",
                "ttl": 60,
            }
        },
    }
    return config


def cli(
    *args: str, timeout: float = 120, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``c2cvpn ARGS`` in a subprocess from the repository root, as a user runs it (``env``:
    the whole environment; default this one without the lab's own variables)."""
    environ = (
        dict(env)
        if env is not None
        else {k: v for k, v in os.environ.items() if k not in ("C2CVPN_PSK", "C2CVPN_CHARON")}
    )
    return subprocess.run(
        [sys.executable, "-m", "c2cvpn.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environ,
        check=False,
    )
