"""How long ``c2cvpn lab`` takes per example stack, how fast it fails over, what a rekey soak loses.

For each example stack (dev, prod, azure-dev, azure-prod, local), in one run on this machine:

- up-and-verified: from the start of the lab until every check has passed. Cloud stacks report
  it themselves (``measurements["upAndVerifiedSeconds"]``: from the first namespace to the last
  check, the plan made beforehand); the on-prem lab does not, so it is the wall clock around
  ``run_lab`` with ``keep=True`` (nothing torn down inside the call);
- teardown: cloud stacks report it (``measurements["teardownSeconds"]``); for the on-prem lab it
  is the wall clock of ``lab_down(tag)`` removing the kept lab;
- for cloud stacks whose primary lab carries two Genesys connections (on the primary
  attachment, or on two Google Cloud gateways of one VPC network): the failover
  seconds (``Options(failover=True)``: the primary path dropped, TCP polled until it answers
  through the standby) and, in a separate run, the pings lost and TCP streams broken across
  the rekey soak (``Options(soak=True)``: 10 CHILD_SA and 2 IKE_SA rekeys under 50 pings/s and
  a TCP stream).

The failover figure is bounded by dead-peer detection: the stack's DPD timeout, and the lab's
strongSwan settings derived from it (``c2cvpn.lab.cloud.dpd_settings``: IKEv2 has no DPD
timeout of its own, so the peer is declared dead after ``dpd_delay`` plus the retransmission
budget ``retransmit_timeout * (tries + 1)``). Both are printed under the table.

Needs root and strongSwan (as ``c2cvpn lab`` does); failover takes 30-50 s per stack. Run:
``python benchmarks/lab.py [--repeats 3]``. Nothing here is a test; no timing is asserted.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from c2cvpn.lab.cloud import Options, cloud_preconditions, dpd_settings
from c2cvpn.lab.cloud_model import cloud_model
from c2cvpn.lab.netns import leftovers
from c2cvpn.lab.run import (
    LabRefused,
    LabResult,
    lab_down,
    refusal_line,
    run_lab,
    workdir_for,
)
from c2cvpn.lab.stack import run_stack_lab
from c2cvpn.spec import LoadedStack, attachment, genesys_connections, load_stack
from c2cvpn.vendors import Provider
from components.mock_engine import plan_stack

STACKS = ("dev", "prod", "azure-dev", "azure-prod", "gcp-dev", "local")
#: The targets of the issue the lab answers.
UP_TARGET = 3.0  # seconds, up-and-verified per stack
FAILOVER_MARGIN = 2.0  # seconds beyond the DPD timeout
#: No key from this environment: every lab generates its own.
ENVIRON: dict[str, str] = {}


@dataclass
class Row:
    stack: str
    provider: str
    up: list[float] = field(default_factory=list)
    teardown: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    failover: float | None = None
    dpd: int | None = None
    soak: dict[str, Any] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)


def is_cloud(loaded: LoadedStack) -> bool:
    return attachment(loaded.spec, "primary").iaas.provider is not Provider.ONPREM


def two_connections(loaded: LoadedStack, plan: dict[str, Any]) -> bool:
    """The primary's lab carries two Genesys connections: on the primary attachment, or on the
    attachments its model spans (Google Cloud: two Classic gateways on one VPC network)."""
    model = cloud_model(plan, "primary")
    spanned = {e.attachment or model.attachment for e in model.endpoints}
    return sum(c.attachment.role in spanned for c in genesys_connections(loaded.spec)) >= 2


def failed_line(result: LabResult) -> str:
    first = (result.diagnosis or [c.name for c in result.checks if not c.ok] or ["?"])[0]
    return first[:160]


def cloud_run(loaded: LoadedStack, plan: dict[str, Any], options: Options) -> LabResult:
    return run_stack_lab(loaded, plan, options=options, environ=ENVIRON)


def measure_cloud(loaded: LoadedStack, repeats: int) -> Row:
    row = Row(loaded.name, attachment(loaded.spec, "primary").iaas.provider.value)
    plan = plan_stack(loaded)
    for _ in range(repeats):
        started = time.perf_counter()
        result = cloud_run(loaded, plan, Options())
        row.wall.append(time.perf_counter() - started)
        if not result.ok:
            row.failed.append(f"plain: {failed_line(result)}")
            continue
        row.up.append(result.measurements["upAndVerifiedSeconds"])
        row.teardown.append(result.measurements["teardownSeconds"])
    if not two_connections(loaded, plan):
        return row
    result = cloud_run(loaded, plan, Options(failover=True))
    row.failover = result.measurements.get("failoverSeconds")
    row.dpd = result.measurements.get("dpdTimeoutSeconds")
    if not result.ok:
        row.failed.append(f"failover: {failed_line(result)}")
    result = cloud_run(loaded, plan, Options(soak=True))
    row.soak = {k: v for k, v in result.measurements.items() if k.startswith("soak")}
    if not result.ok:
        row.failed.append(f"soak: {failed_line(result)}")
    return row


def measure_local(loaded: LoadedStack, repeats: int) -> Row:
    row = Row(loaded.name, "onprem")
    for _ in range(repeats):
        started = time.perf_counter()
        result = run_lab(loaded.spec, loaded.name, keep=True, environ=ENVIRON)
        up = time.perf_counter() - started
        started = time.perf_counter()
        lab_down(result.tag)
        down = time.perf_counter() - started
        left = leftovers(result.tag, workdir_for(result.tag))
        row.wall.append(up + down)
        if left:
            row.failed.append(f"lab-down left {', '.join(left)}")
        if not result.ok:
            row.failed.append(f"plain: {failed_line(result)}")
            continue
        row.up.append(up)
        row.teardown.append(down)
    return row


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}" if values else "—"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=3, help="plain runs per stack (median shown)"
    )
    parser.add_argument(
        "stacks", nargs="*", default=list(STACKS), help="example stacks (default: all)"
    )
    args = parser.parse_args()
    logging.getLogger("stamina").setLevel(logging.ERROR)
    missing = cloud_preconditions()
    if missing:
        print(f"cannot run: {refusal_line(missing)}", file=sys.stderr)
        raise SystemExit(2)
    rows: list[Row] = []
    for name in args.stacks:
        loaded = load_stack(name)
        print(f"… {name}", file=sys.stderr, flush=True)
        try:
            rows.append(
                measure_cloud(loaded, args.repeats)
                if is_cloud(loaded)
                else measure_local(loaded, args.repeats)
            )
        except LabRefused as exc:
            print(f"cannot run {name}: {exc}", file=sys.stderr)
            raise SystemExit(2) from None

    print(f"{os.cpu_count()} cores; median of {args.repeats} plain run(s) per stack\n")
    print(
        "| stack | provider | up-and-verified s | teardown s | whole run s | failover s "
        "| DPD timeout s | soak rekeys child/IKE | soak pings lost | soak TCP broken |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        s = r.soak
        rekeys = f"{s['soakChildRekeys']}/{s['soakIkeRekeys']}" if s else "—"
        lost = f"{s['soakPingsLost']} of {s['soakPingsSent']}" if s else "—"
        broken = str(s["soakTcpBroken"]) if s else "—"
        failover = f"{r.failover:.1f}" if r.failover is not None else "—"
        dpd = str(r.dpd) if r.dpd is not None else "—"
        print(
            f"| {r.stack} | {r.provider} | {median(r.up)} | {median(r.teardown)} | {median(r.wall)} "
            f"| {failover} | {dpd} | {rekeys} | {lost} | {broken} |"
        )

    print(
        f"\nTargets: up-and-verified ≤ {UP_TARGET:g} s per stack; failover ≤ DPD timeout + "
        f"{FAILOVER_MARGIN:g} s; 0 pings lost and no TCP stream broken across the rekey soak."
    )
    for r in rows:
        slow = [u for u in r.up if u > UP_TARGET]
        if slow:
            print(f"- {r.stack}: up-and-verified above {UP_TARGET:g} s in {len(slow)} run(s)")
        if r.failover is not None and r.dpd is not None:
            delay, retransmit, tries = dpd_settings(r.dpd)
            budget = delay + retransmit * (tries + 1)
            verdict = "within" if r.failover <= r.dpd + FAILOVER_MARGIN else "ABOVE"
            print(
                f"- {r.stack}: failover {r.failover:.1f} s, {verdict} DPD timeout {r.dpd} s + {FAILOVER_MARGIN:g} s; "
                f"lab strongSwan: dpd_delay {delay} s + retransmit_timeout {retransmit:g} s * "
                f"({tries} tries + 1) = {budget:g} s to declare the primary dead"
            )
        for f in r.failed:
            print(f"- {r.stack}: FAILED {f}")


if __name__ == "__main__":
    main()
