"""How much the project's layers cost when evaluating a stack under Pulumi's mocks.

For 1, 10 and 50 AWS attachments (the prod example's primary, with the MSS appliance), this
times two programs under the same mocks (``preview=False``), in one run, and prints ratios:

- project: ``components.mock_engine.plan_stack`` running ``AwsVpnAttachment`` N times (spec → derive
  → vendor table → component → recording monitor → resolved, masked outputs);
- bare: a program that registers the very same resources (types, names, inputs) as plain
  ``pulumi.CustomResource`` calls with literal inputs under plain mocks: no spec, no
  component, no recording.

Run: ``python benchmarks/plan.py``. Nothing here is a test; no timing is asserted anywhere.
"""

from __future__ import annotations

import asyncio
import contextvars
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pulumi
from pulumi.runtime import settings
from pulumi.runtime.stack import wait_for_rpcs
from pulumi.runtime.sync_await import _sync_await

from c2cvpn.spec import LoadedStack, attachments, load_stack
from components.aws import AwsAttachmentArgs, AwsVpnAttachment
from components.engine_config import pre_shared_key
from components.mock_engine import plan_stack

SIZES = (1, 10, 50)
REPEATS = 5


def project_program(count: int) -> Any:
    def program(loaded: LoadedStack) -> dict[str, Any]:
        spec = loaded.spec
        psk = pre_shared_key(spec.tunnel, "primary")
        atts = [
            AwsVpnAttachment(
                f"att{i}",
                AwsAttachmentArgs(
                    spec=spec,
                    attachment=attachments(spec)[0],
                    psks={"primary": psk, "standby": psk},
                ),
            )
            for i in range(count)
        ]
        return {"vpn": [a.vpn_connection_id for a in atts]}

    return program


class BareMocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[Any, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]]]:
        return {}, []


def bare_run(resources: list[dict[str, Any]]) -> None:
    """Register ``resources`` (type, name, inputs) directly, isolated like ``plan_stack``."""
    context = contextvars.copy_context()
    loop = asyncio.new_event_loop()

    def run() -> None:
        asyncio.set_event_loop(loop)
        settings.reset_options(project="bare", stack="bench", preview=False)
        pulumi.runtime.set_mocks(BareMocks(), project="bare", stack="bench", preview=False)
        for r in resources:
            if r["type"].startswith("c2c-vpn:"):
                continue  # no component layer in the bare program
            pulumi.CustomResource(r["type"], r["name"], dict(r["inputs"]))
        _sync_await(wait_for_rpcs())

    try:
        context.run(run)
    finally:
        loop.close()


def timed(fn: Any) -> float:
    samples = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    loaded = load_stack("prod")
    config = {"aws:region": "us-east-1"}
    print(f"{'attachments':>11} {'resources':>9} {'project s':>10} {'bare s':>8} {'ratio':>6}")
    for count in SIZES:
        program = project_program(count)
        result = plan_stack(
            loaded, config=config, program=program
        )  # warm-up, and the resource list
        resources = result["resources"]
        project = timed(lambda program=program: plan_stack(loaded, config=config, program=program))
        bare = timed(lambda resources=resources: bare_run(resources))
        print(
            f"{count:>11} {len(resources):>9} {project:>10.3f} {bare:>8.3f} {project / bare:>6.2f}"
        )


if __name__ == "__main__":
    main()
