"""``c2cvpn demo``: the main job on the embedded default, with no cloud account and no CLI.

For each example stack: validate it, plan it under Pulumi's mocks, and reconcile it against
the bundled Genesys simulator (started on loopback and seeded from the stacks, as a Genesys
admin would have entered them). Then it shows the parity check doing its job: one parameter
is changed behind the API's back and the reconciler must name it.

Genesys holds one connection per name, so stacks that share a connection name (a copied
stack that kept ``tunnel.name``) are reconciled against simulators of their own.

Last, when the machine can run it (root, strongSwan: :func:`c2cvpn.lab.cloud.cloud_preconditions`),
``c2cvpn lab`` for each stack that planned: a real tunnel in network namespaces, verified and
torn down, one line per stack; a failing lab fails the demo. Elsewhere one line says why the
labs are skipped. The lab is imported only then: the demo runs without root.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from c2cvpn.genesys.reconcile import format_lines
from c2cvpn.genesys.sim import SeedError, SimConfig, SimServer, Simulator, seed_names, seed_stacks
from c2cvpn.genesys.source import GenesysUnreadable, reconcile_stack
from c2cvpn.plan_report import type_counts
from c2cvpn.retrying import quiet_retry_logs
from c2cvpn.rules import validate
from c2cvpn.spec import GenesysSource, LoadedStack

if TYPE_CHECKING:
    from c2cvpn.lab.run import LabResult

#: The drift the demo injects, and the finding the reconciler must report for it.
DRIFT_PATH, DRIFT_VALUE = "phase2.encryption", "aes128"


@dataclass
class Outcome:
    failures: list[str]

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0


def run_demo(stacks: Sequence[LoadedStack], out: Console) -> Outcome:
    """Validate, plan and reconcile ``stacks``, catch a drift, then run their labs (root)."""
    from components.mock_engine import (  # the mocked engine (imports pulumi)
        ProgramRefused,
        plan_stack,
    )

    quiet_retry_logs()
    failures: list[str] = []
    valid = []
    plans: list[tuple[LoadedStack, Mapping[str, Any]]] = []
    for loaded in stacks:
        report = validate(loaded)
        verdict = "[green]valid[/]" if report.valid else "[bold red]invalid[/]"
        out.print(f"[bold]{escape(loaded.name)}[/] ({escape(loaded.source)})")
        out.print(
            f"  validate : {verdict}, {len(report.problems)} problem(s), {len(report.warnings)} warning(s)"
        )
        for p in [*report.problems, *report.warnings]:
            out.print(f"             {p.code} at {escape(p.path)}")
        if not report.valid:
            failures.append(f"{loaded.name}: invalid")
            continue
        try:
            plan = plan_stack(loaded)
        except ProgramRefused as exc:
            out.print(f"  plan     : [bold red]refused[/] {escape(str(exc).splitlines()[0])}")
            failures.append(f"{loaded.name}: plan refused")
            continue
        counts = ", ".join(
            f"{n} {t.split(':', 1)[1]}"
            for t, n in type_counts(plan).items()
            if not t.startswith("c2c-vpn:")
        )
        out.print(
            f"  plan     : {len(plan['resources'])} resource(s): {escape(counts) or 'none (on-prem: render the peer)'}"
        )
        valid.append(loaded)
        plans.append((loaded, plan))

    if not valid:
        return Outcome(failures)
    groups = _distinct_names(valid)
    for index, group in enumerate(groups):
        sim = Simulator(SimConfig(seed=1 + index))
        try:
            ids = seed_stacks(sim, group)
        except SeedError as exc:
            out.print(f"  [bold red]cannot seed[/] {escape(str(exc))}")
            failures.append(f"{', '.join(s.name for s in group)}: not seeded")
            continue
        with SimServer(sim) as server:
            shared = (
                ""
                if len(groups) == 1
                else f" for {', '.join(s.name for s in group)}"
                + ("" if index == 0 else " (their connection names repeat an earlier stack's)")
            )
            out.print(
                f"\nGenesys simulator on {server.url}, seeded with {len(sim.connections)} connection(s){escape(shared)}"
            )
            _reconcile_all(group, server.url, out, failures)
            if index == 0:
                _drift_check(sim, group[0], ids[0], server.url, out, failures)
    _labs(plans, out, failures)
    return Outcome(failures)


def _distinct_names(stacks: Sequence[LoadedStack]) -> list[list[LoadedStack]]:
    """The stacks in as few groups as possible, in order, no connection name twice in a group."""
    groups: list[tuple[list[LoadedStack], set[str]]] = []
    for loaded in stacks:
        names = seed_names(loaded)
        for members, taken in groups:
            if taken.isdisjoint(names):
                members.append(loaded)
                taken.update(names)
                break
        else:
            groups.append(([loaded], set(names)))
    return [members for members, _ in groups]


def _reconcile_all(
    stacks: Sequence[LoadedStack], url: str, out: Console, failures: list[str]
) -> None:
    for loaded in stacks:
        try:
            result = reconcile_stack(loaded, url=url)
        except GenesysUnreadable as exc:
            out.print(f"  {escape(loaded.name)}: [bold red]unreadable[/] {escape(str(exc))}")
            failures.append(f"{loaded.name}: Genesys unreadable")
            continue
        state = "[green]in sync[/]" if result.in_sync else "[bold red]NOT in sync[/]"
        out.print(
            f"  reconcile {escape(loaded.name)}: {state}, {len(result.unchecked)} parameter(s) not checkable here"
        )
        if not result.in_sync:
            failures.append(f"{loaded.name}: out of sync")


def _drift_check(
    sim: Simulator,
    first: LoadedStack,
    drift_target: str,
    url: str,
    out: Console,
    failures: list[str],
) -> None:
    sim.patch_connection(drift_target, DRIFT_PATH, DRIFT_VALUE)
    out.print(
        f"\nDrift check: {DRIFT_PATH} of {escape(first.name)} set to {DRIFT_VALUE} in Genesys behind the API's back"
    )
    try:
        drifted = reconcile_stack(first, url=url)
    except GenesysUnreadable as exc:
        out.print(f"  [bold red]unreadable[/] {escape(str(exc))}")
        failures.append(f"{first.name}: Genesys unreadable during the drift check")
        return
    for line in format_lines(drifted)[:2]:
        out.print(f"  {escape(line)}")
    caught = [f for f in drifted.errors if f.parameter == DRIFT_PATH]
    if caught and len(drifted.errors) == 1:
        out.print(
            "  [green]caught[/]: `c2cvpn reconcile` exits 1 and `pulumi preview` fails with this finding"
        )
    else:
        failures.append(f"{first.name}: drift of {DRIFT_PATH} not reported as exactly one finding")


def _labs(
    plans: Sequence[tuple[LoadedStack, Mapping[str, Any]]], out: Console, failures: list[str]
) -> None:
    """``c2cvpn lab`` (plain: no scenario, failover or soak) for each planned stack, one line
    each; or one line saying why not."""
    from c2cvpn.lab.cloud import cloud_preconditions
    from c2cvpn.lab.netns import LabError
    from c2cvpn.lab.run import LabRefused, refusal_line

    missing = cloud_preconditions()  # the on-prem lab needs a subset of it
    if missing:
        out.print(
            f"\nLab: skipped: {escape(refusal_line(missing))} "
            "(`sudo .venv/bin/c2cvpn demo` runs a real tunnel per stack)"
        )
        return
    out.print("\nLab: a real tunnel per stack in network namespaces, verified and torn down")
    for loaded, plan in plans:
        started = time.monotonic()
        try:
            result = _run_lab(loaded, plan)
        except (LabRefused, LabError) as exc:  # one line; the lab removed what it made
            out.print(f"  lab {escape(loaded.name)}: [bold red]could not run[/] {escape(str(exc))}")
            failures.append(f"{loaded.name}: lab could not run ({_shorten(str(exc))})")
            continue
        seconds = time.monotonic() - started
        if result.ok:
            out.print(
                f"  lab {escape(loaded.name)}: [green]ok[/], {len(result.checks)} check(s) passed in {seconds:.1f} s"
            )
            continue
        cause = _first_cause(result)
        out.print(
            f"  lab {escape(loaded.name)}: [bold red]failed[/] {escape(cause)} "
            f"(`c2cvpn lab {escape(loaded.name)}` shows every check and the evidence)"
        )
        # the summary goes to stderr: CI, which hides the demo's output, still sees the cause
        failures.append(f"{loaded.name}: lab failed ({_shorten(cause)})")


def _shorten(text: str, limit: int = 120) -> str:
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _first_cause(result: LabResult) -> str:
    """The first diagnosis line, else the first failing check, else what was left behind."""
    if result.diagnosis:
        return result.diagnosis[0]
    failed = [c for c in result.checks if not c.ok]
    if failed:
        return f"{failed[0].name}: {failed[0].detail}"
    if result.left_behind:
        return f"cleanup left {', '.join(result.left_behind)}; run `c2cvpn lab-down {result.tag}`"
    return "the tunnel did not come up"


def _run_lab(loaded: LoadedStack, plan: Mapping[str, Any]) -> LabResult:
    """The stack's primary attachment in the lab, as ``c2cvpn lab STACK`` runs it, except: the
    key is the stack's readable one or generated for the lab (``$C2CVPN_PSK`` is not read), and
    a stack whose Genesys record lives in the API gets it from a simulator seeded from the
    stack (the demo has no credentials)."""
    from c2cvpn.lab.cloud import Options
    from c2cvpn.lab.run import LabRefused
    from c2cvpn.lab.stack import run_any_lab

    def lab(url: str | None = None) -> LabResult:
        return run_any_lab(
            loaded, plan=lambda: plan, options=Options(), environ={}, genesys_url=url
        )

    if loaded.spec.genesys.source is GenesysSource.DECLARED:
        return lab()
    sim = Simulator(SimConfig(seed=1))
    try:
        seed_stacks(sim, [loaded])
    except SeedError as exc:
        raise LabRefused(f"cannot seed a simulator with its Genesys record: {exc}") from None
    with SimServer(sim) as server:
        return lab(server.url)
