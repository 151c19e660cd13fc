"""Shared helpers for the Genesys-side tests: a simulator on real loopback HTTP and a fast client."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from c2cvpn.genesys.client import GenesysClient, RetryPolicy
from c2cvpn.genesys.demo_credentials import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from c2cvpn.genesys.sim import SimConfig, SimServer, Simulator
from c2cvpn.spec import LoadedStack, parse_config

ROOT = Path(__file__).resolve().parents[1]
PSK = "Abcdefghij0123456789.KLMNOPqrstuv_wxyz42"

#: Retries that keep the suite fast: Retry-After is honoured at 1/100 of its value.
FAST = RetryPolicy(
    attempts=4,
    timeout=20,
    wait_initial=0.001,
    wait_max=0.005,
    wait_jitter=0.001,
    retry_after_scale=0.01,
)


def stack_config(name: str = "dev") -> dict[str, Any]:
    return copy.deepcopy(
        yaml.safe_load((ROOT / "stacks" / f"Pulumi.{name}.yaml").read_text())["config"]
    )


def loaded(config: dict[str, Any], name: str = "t") -> LoadedStack:
    return parse_config(config, stack=name, source="test")


def api_stack(url: str, name: str = "dev", **api: Any) -> LoadedStack:
    cfg = stack_config(name)
    cfg["c2c-vpn:genesys"]["source"] = "api"
    cfg["c2c-vpn:genesys"]["api"] = {"baseUrl": url, **api}
    return loaded(cfg, name)


@contextmanager
def running(config: SimConfig | None = None, **kw: Any) -> Iterator[tuple[Simulator, SimServer]]:
    sim = Simulator(config or SimConfig(seed=7, **kw))
    with SimServer(sim) as server:
        yield sim, server


def client(url: str, **kw: Any) -> GenesysClient:
    kw.setdefault("retry", FAST)
    return GenesysClient(
        base_url=url, client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET, **kw
    )
