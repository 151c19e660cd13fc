"""``c2cvpn``: what ``pulumi`` cannot do — validate, plan offline, reconcile, render, lab.

Exit codes, for every command: 0 success / valid / in sync; 1 the stack has problems;
2 unusable input (missing file, broken YAML, unknown key) or an unreadable peer;
3 an internal error (a bug: please report it with the command line).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from c2cvpn.exits import EXIT_INTERNAL, EXIT_INVALID, EXIT_OK, EXIT_UNUSABLE, print_spec_error
from c2cvpn.github.cli import github_app
from c2cvpn.lab import SCENARIOS as LAB_SCENARIOS
from c2cvpn.plan_report import strict_json
from c2cvpn.rules import Report, validate
from c2cvpn.spec import LoadedStack, Role, SpecError, load_stack

if TYPE_CHECKING:
    from c2cvpn.lab.run import LabResult

app = typer.Typer(
    name="c2cvpn",
    help="Validate, plan, reconcile and test Genesys Cloud-to-Cloud VPN attachments declared as Pulumi stacks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.add_typer(github_app, name="github")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        from c2cvpn import __version__

        out.print(f"c2cvpn {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Validate, plan, reconcile and test Genesys Cloud-to-Cloud VPN attachments declared as Pulumi stacks."""


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"


StackArg = Annotated[
    str, typer.Argument(help="A stack name found under stacks/ (e.g. dev) or a stack file path.")
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def _pipe_closed() -> None:
    """The reader went away (``| head -1``): what is left goes to /dev/null, so that neither
    click (which turns EPIPE into exit 1) nor the interpreter's last flush (exit 120) changes
    the exit status the command decided."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(devnull, stream.fileno())
    os.close(devnull)


def finish(code: int, emit: Callable[[], None]) -> NoReturn:
    """Print (``emit``), then end the command with ``code``, even when stdout or stderr is a
    pipe its reader has closed."""
    try:
        emit()
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        _pipe_closed()
    except SystemExit:
        # rich's Console.on_broken_pipe goes quiet and exits 1; any other exit is not ours.
        if not (out.quiet or err.quiet):
            raise
        _pipe_closed()
    raise typer.Exit(code)


def emit_json(data: Mapping[str, object]) -> None:
    """Strict JSON (RFC 8259: no NaN, no Infinity) on stdout, one document."""
    sys.stdout.write(strict_json(data, indent=2) + "\n")


def error_json(stack: str, kind: str, source: str, lines: list[str]) -> dict[str, object]:
    """The ``--format json`` answer of a command that could not produce its result:
    ``{"stack", "error": {"kind", "source", "lines"}}`` (kind ``unusable``: exit 2;
    ``refused``: the program refuses the stack, exit 1)."""
    return {"stack": stack, "error": {"kind": kind, "source": source, "lines": lines}}


def fail_unusable(exc: SpecError, *, as_json: bool = False, stack: str = "") -> NoReturn:
    """Unusable input: one ``error:`` line per fault on stderr (and, with ``--format json``,
    the same lines as JSON on stdout), exit 2."""

    def emit() -> None:
        print_spec_error(exc, err)
        if as_json:
            emit_json(error_json(stack, "unusable", exc.source, exc.lines))

    finish(EXIT_UNUSABLE, emit)


def load_or_exit(ref: str, *, as_json: bool = False) -> LoadedStack:
    try:
        return load_stack(ref)
    except SpecError as exc:
        fail_unusable(exc, as_json=as_json, stack=ref)


def valid_or_exit(ref: str, *, as_json: bool = False) -> LoadedStack:
    """Load and validate; an invalid stack ends the command with exit 1 and its problems."""
    loaded = load_or_exit(ref, as_json=as_json)
    report = validate(loaded)
    if not report.valid:
        if as_json:
            finish(EXIT_INVALID, lambda: emit_json(report.as_dict()))
        finish(EXIT_INVALID, lambda: print_report(report, loaded.source))
    return loaded


def print_report(report: Report, source: str) -> None:
    verdict = "[green]valid[/]" if report.valid else "[bold red]invalid[/]"
    out.print(
        f"stack {escape(report.stack)} ({escape(source)}): {verdict} — "
        f"{len(report.problems)} problem(s), {len(report.warnings)} warning(s)"
    )
    for label, style, items in (
        ("error", "red", report.problems),
        ("warning", "yellow", report.warnings),
    ):
        for p in items:
            out.print(f"  [{style}]{label}[/] [bold]{p.code}[/] at {escape(p.path)}")
            out.print(f"      {escape(p.message)}")


@app.command("validate")
def validate_cmd(stack: StackArg, fmt: FormatOpt = Format.TEXT) -> None:
    """Check a stack against every rule of the guide and the vendors (exit 0 valid, 1 invalid, 2 unusable).

    With --format json, stdout is one JSON document whatever the exit: the report (0, 1) or
    {"stack", "error": {"kind", "source", "lines"}} (2).
    """
    as_json = fmt is Format.JSON
    loaded = load_or_exit(stack, as_json=as_json)
    report = validate(loaded)
    code = EXIT_OK if report.valid else EXIT_INVALID
    if as_json:
        finish(code, lambda: emit_json(report.as_dict()))
    finish(code, lambda: print_report(report, loaded.source))


class PlanFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


@app.command("plan")
def plan_cmd(
    stack: StackArg,
    fmt: Annotated[
        PlanFormat,
        typer.Option("--format", "-f", help="Output format (markdown: a pull-request comment)."),
    ] = PlanFormat.TEXT,
) -> None:
    """Show the resources `pulumi up` would create, under Pulumi's mocks: no CLI, no credentials (exit 0, 1 invalid, 2 unusable).

    With --format json, stdout is one JSON document whatever the exit: the plan (0), the
    validation report (1), or {"stack", "error": {"kind", "source", "lines"}} when the program
    refuses the stack (kind refused, exit 1) or the input is unusable (kind unusable, exit 2).
    """
    from c2cvpn.plan_report import format_plan

    as_json = fmt is PlanFormat.JSON
    loaded = valid_or_exit(stack, as_json=as_json)
    try:
        from components.mock_engine import ProgramRefused, plan_stack
    except ImportError as exc:
        message = f"plan needs the Pulumi SDK and providers (pip install -e .): {exc}"

        def missing() -> None:
            err.print(f"[bold red]error:[/] {escape(message)}")
            if as_json:
                emit_json(error_json(loaded.name, "unusable", loaded.source, [message]))

        finish(EXIT_UNUSABLE, missing)
    try:
        result = plan_stack(loaded)
    except ProgramRefused as exc:
        reason = str(exc)

        def refused() -> None:
            err.print(
                f"[bold red]error:[/] the program refuses stack {escape(loaded.name)}, as `pulumi preview` would:"
            )
            err.print(escape(reason))
            if as_json:
                lines = [line for line in reason.splitlines() if line.strip()]
                emit_json(error_json(loaded.name, "refused", loaded.source, lines))

        finish(EXIT_INVALID, refused)

    def plan() -> None:
        sys.stdout.write(format_plan(result, fmt.value))

    finish(EXIT_OK, plan)


@app.command("impact")
def impact_cmd(
    stack: StackArg,
    preview: Annotated[
        Path | None,
        typer.Option(
            "--preview",
            help="A real `pulumi preview --json` output: the provider's decisions win over the table.",
        ),
    ] = None,
    base: Annotated[
        Path | None, typer.Option("--base", help="The base plan (`c2cvpn plan --format json`).")
    ] = None,
    head: Annotated[
        Path | None, typer.Option("--head", help="The head plan (`c2cvpn plan --format json`).")
    ] = None,
    base_ref: Annotated[
        str | None,
        typer.Option(
            "--base-ref",
            help="Plan the stack file as it was at this git revision, and as it is now.",
        ),
    ] = None,
    fmt: Annotated[
        PlanFormat,
        typer.Option("--format", "-f", help="Output format (markdown: the pull-request comment)."),
    ] = PlanFormat.TEXT,
    max_chars: Annotated[
        int,
        typer.Option(
            "--max-chars",
            min=1000,
            max=65536,
            help="Markdown size budget; details are dropped first, the verdict never.",
        ),
    ] = 60000,
) -> None:
    """What a change does to live tunnels, and what Genesys must do (exit 0 nothing disruptive, 1 disruptive or preview failed, 2 unusable input).

    The first line is the verdict. Every change is classified with the sourced table in
    c2cvpn/impact/table.py: no impact, one tunnel blips, both tunnels drop, new peer IPs,
    PSK rotation, Genesys parity, Azure create-only risk, replace, delete, unclassified.
    """
    from c2cvpn.impact.command import Planner, run

    planner: Planner | None
    try:
        from components.mock_engine import plan_stack

        planner = plan_stack
    except ImportError:
        planner = None
    code, text, error = run(
        stack,
        preview=preview,
        base=base,
        head=head,
        base_ref=base_ref,
        fmt=fmt.value,
        max_chars=max_chars,
        planner=planner,
    )

    def emit() -> None:
        if error is not None:
            err.print(f"[bold red]error:[/] {escape(error)}")
        sys.stdout.write(text)

    finish(code, emit)


@app.command("stacks")
def stacks_cmd() -> None:
    """The stack names under the project's stack directory, as one JSON array (for CI matrices)."""
    from c2cvpn.spec import stack_dir, stack_names

    names = stack_names(stack_dir())

    def emit() -> None:
        sys.stdout.write(json.dumps(names) + "\n")

    finish(EXIT_OK, emit)


@app.command("demo")
def demo_cmd(
    stacks: Annotated[
        list[str] | None, typer.Argument(help="Stacks to run (default: every stack under stacks/).")
    ] = None,
) -> None:
    """The main job on the embedded default: validate, plan and reconcile the example stacks against the bundled Genesys simulator, then run the lab for each (as root with strongSwan; one line says why not otherwise)."""
    from c2cvpn.demo import run_demo
    from c2cvpn.spec import stack_dir, stack_names

    names = stacks
    if not names:
        directory = stack_dir()
        names = stack_names(directory)
        if not names:
            err.print(
                f"[bold red]error:[/] no stack files (Pulumi.<name>.yaml) in {escape(str(directory))}"
            )
            raise typer.Exit(EXIT_UNUSABLE)
    outcome = run_demo([load_or_exit(name) for name in names], out)
    if outcome.failures:
        err.print(f"[bold red]demo failed:[/] {escape('; '.join(outcome.failures))}")
    raise typer.Exit(outcome.exit_code)


class RenderSide(StrEnum):
    IAAS = "iaas"
    GENESYS = "genesys"


@app.command("render")
def render_cmd(
    stack: StackArg,
    role: Annotated[Role, typer.Option(help="Which attachment.")] = "primary",
    side: Annotated[
        RenderSide,
        typer.Option(
            help="iaas: the on-prem firewall; genesys: a stand-in for the Genesys gateway (labs)."
        ),
    ] = RenderSide.IAAS,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Write the files here (swanctl.conf with the key: mode 0600)."),
    ] = None,
    psk_env: Annotated[
        str,
        typer.Option(
            help="Environment variable holding the PSK when the stack file cannot show it."
        ),
    ] = "C2CVPN_PSK",
) -> None:
    """strongSwan configuration for an on-prem peer (exit 0, 1 invalid stack, 2 nothing to render).

    Without --out, swanctl.conf is printed with the key replaced by a placeholder.
    """
    import os

    from c2cvpn.render import PSK_PLACEHOLDER, RenderError, render_peer, write_rendered

    loaded = valid_or_exit(stack)
    psk = loaded.spec.tunnel.psk_readable_for(role)
    if psk is None and os.environ.get(psk_env):
        from c2cvpn.psk import psk_problems

        psk = os.environ[psk_env]
        problems = list(psk_problems(psk, f"${psk_env}"))
        if problems:
            for p in problems:
                err.print(
                    f"[bold red]error[/] [bold]{p.code}[/] at {escape(p.path)}: {escape(p.message)}"
                )
            raise typer.Exit(EXIT_INVALID)
    try:
        rendered = render_peer(
            loaded.spec, role=role, side=side.value, psk=psk if out_dir is not None else None
        )
    except RenderError as exc:
        err.print(f"[bold red]error:[/] {escape(loaded.name)}: {escape(str(exc))}")
        raise typer.Exit(EXIT_UNUSABLE) from None
    if out_dir is None:
        sys.stdout.write(rendered.files["swanctl.conf"])
        return
    try:
        written = write_rendered(rendered, out_dir)
    except OSError as exc:
        err.print(
            f"[bold red]error:[/] cannot write to {escape(str(out_dir))}: {escape(exc.strerror or str(exc))}"
        )
        raise typer.Exit(EXIT_UNUSABLE) from None
    for path in written:
        out.print(f"wrote {escape(str(path))}")
    if not rendered.psk_included:
        err.print(
            f"[yellow]note:[/] the key is not readable here; swanctl.conf holds {PSK_PLACEHOLDER}. Re-run with "
            f"${psk_env} set (e.g. from `pulumi stack output preSharedKey --show-secrets`), or edit it in."
        )


def _overrides(pairs: list[str]) -> dict[str, object]:
    parsed: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            err.print(
                f"[bold red]error:[/] --genesys-override takes KEY=VALUE, not {escape(pair)!r}"
            )
            raise typer.Exit(EXIT_UNUSABLE)
        parsed[key] = value.split(",") if key in ("tenantCidrs", "networks") else value
    return parsed


@app.command("lab")
def lab_cmd(
    stack: StackArg,
    role: Annotated[Role, typer.Option(help="Which attachment.")] = "primary",
    keep: Annotated[
        bool,
        typer.Option(
            "--keep",
            help="Leave the lab running; prints the `c2cvpn lab-down TAG` that removes it.",
        ),
    ] = False,
    fmt: FormatOpt = Format.TEXT,
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for the tunnel (and for each step).", min=1)
    ] = 30.0,
    genesys_override: Annotated[
        list[str] | None,
        typer.Option(
            "--genesys-override",
            hidden=True,
            help="Test only: perturb the Genesys stand-in, KEY=VALUE (e.g. phase2.encryption=aes128).",
        ),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario",
            help="Break one thing on purpose: " + ", ".join(LAB_SCENARIOS) + ".",
        ),
    ] = None,
    failover: Annotated[
        bool,
        typer.Option(
            "--failover",
            help="Cloud stacks: drop the primary path and measure the seconds until the application answers through the standby.",
        ),
    ] = False,
    soak: Annotated[
        bool,
        typer.Option(
            "--soak",
            help="Cloud stacks: force 10 CHILD_SA and 2 IKE_SA rekeys under a TCP stream and 50 pings/s; count losses.",
        ),
    ] = False,
    genesys_url: Annotated[
        str | None,
        typer.Option(
            "--genesys-url",
            help="Build the Genesys stand-ins from this API's record (e.g. the simulator) instead of the stack's source.",
        ),
    ] = None,
) -> None:
    """Bring up a real IKEv2/IPsec tunnel for the stack in network namespaces, verify it, diagnose failures, tear it down.

    On-prem stacks: the rendered strongSwan files on both ends. AWS, Azure and Google Cloud stacks: the cloud
    gateway emulated from the plan, the Genesys stand-ins from the Genesys record, the back end
    from the planned security rules and routes. Exit 0 every check passed, 1 a check failed
    (with the diagnosis; a --scenario makes it fail on purpose, except primary-down, which
    passes when the standby takes over), 2 the lab cannot run (what is missing).
    """
    from c2cvpn.entry import ignore_interrupts
    from c2cvpn.lab.netns import LabError
    from c2cvpn.lab.run import LabRefused, format_lines

    loaded = valid_or_exit(stack, as_json=fmt is Format.JSON)
    if scenario is not None and scenario not in LAB_SCENARIOS:
        err.print(
            f"[bold red]error:[/] --scenario {escape(scenario)!r} is not a scenario; use one of: {', '.join(LAB_SCENARIOS)}"
        )
        raise typer.Exit(EXIT_UNUSABLE)

    def started(tag: str) -> None:  # one line on stderr, before anything is built
        err.print(
            f"lab {escape(loaded.name)} ({role}): tag {tag}; if this run is killed, "
            f"`c2cvpn lab-down {tag}` removes what it leaves"
        )

    try:
        result = _run_any_lab(
            loaded,
            role=role,
            timeout=timeout,
            keep=keep,
            overrides=_overrides(genesys_override or []),
            scenario=scenario,
            failover=failover,
            soak=soak,
            genesys_url=genesys_url,
            on_start=started,
        )
    except LabRefused as exc:
        err.print(f"[bold red]error:[/] {escape(loaded.name)}: {escape(str(exc))}")
        raise typer.Exit(EXIT_UNUSABLE) from None
    except LabError as exc:
        err.print(
            f"[bold red]error:[/] {escape(loaded.name)}: {escape(str(exc))} (everything it made was removed)"
        )
        raise typer.Exit(EXIT_UNUSABLE) from None
    except KeyboardInterrupt:
        ignore_interrupts()  # the lab is gone: another Ctrl-C must not change the exit
        err.print("interrupted: the lab was torn down")
        raise typer.Exit(130) from None
    if fmt is Format.JSON:
        out.print_json(json.dumps(result.as_dict()))
    else:
        for line in format_lines(result):
            out.print(escape(line))
    raise typer.Exit(result.exit_code)


def _run_any_lab(
    loaded: LoadedStack,
    *,
    role: str,
    timeout: float,
    keep: bool,
    overrides: dict[str, object],
    scenario: str | None,
    failover: bool,
    soak: bool,
    genesys_url: str | None,
    on_start: Callable[[str], None],
) -> LabResult:
    """The on-prem lab or the cloud lab, by the attachment's provider (the cloud lab plans the
    stack under Pulumi's mocks first)."""
    from c2cvpn.lab.cloud import Options
    from c2cvpn.lab.run import LabRefused
    from c2cvpn.lab.stack import run_any_lab

    def plan() -> dict[str, Any]:
        try:
            from components.mock_engine import ProgramRefused, plan_stack
        except ImportError as exc:
            raise LabRefused(
                f"the cloud lab plans the stack and needs the Pulumi SDK (pip install -e .): {exc}"
            ) from None
        try:
            return plan_stack(loaded)
        except ProgramRefused as exc:
            raise LabRefused(f"the program refuses the stack: {exc}") from None

    return run_any_lab(
        loaded,
        plan=plan,
        role=role,
        options=Options(
            scenario=scenario, failover=failover, soak=soak, timeout=timeout, keep=keep
        ),
        overrides=overrides,
        genesys_url=genesys_url,
        on_start=on_start,
    )


@app.command("lab-down")
def lab_down_cmd(
    tag: Annotated[
        str | None,
        typer.Argument(
            help="The tag `c2cvpn lab` printed (default: every lab found whose run has ended)."
        ),
    ] = None,
) -> None:
    """Tear down a lab left by `c2cvpn lab --keep` or by a killed run: its charons, namespaces, work directory and state file (exit 0, 2 bad tag).

    Without a tag, every lab this machine shows a trace of is listed; those whose state file says their run has ended (kept, or killed) are removed.
    """
    from c2cvpn.lab.run import lab_down, labs_found

    if tag is None:
        found = labs_found()
        if not found:
            out.print("no c2cvpn lab found")
        for lab in found:
            if lab.running:
                out.print(f"left alone: {escape(lab.describe())}")
            elif not lab.recorded:
                out.print(
                    f"not removed: {escape(lab.describe())}; no state file says its run has "
                    f"ended: `c2cvpn lab-down {lab.tag}` removes it"
                )
            else:
                out.print(f"found {escape(lab.describe())}")
                for item in lab_down(lab.tag):
                    out.print(f"  removed {escape(item)}")
        return
    try:
        removed = lab_down(tag)
    except ValueError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(EXIT_UNUSABLE) from None
    for item in removed:
        out.print(f"removed {escape(item)}")
    if not removed:
        out.print(f"nothing left for lab {escape(tag)}")


@app.command("reconcile")
def reconcile_cmd(
    stack: StackArg,
    genesys_url: Annotated[
        str | None,
        typer.Option(
            "--genesys-url",
            help="Read the Genesys side from this API (e.g. the simulator) instead of the stack's source.",
        ),
    ] = None,
    fmt: FormatOpt = Format.TEXT,
    deadline: Annotated[
        float | None,
        typer.Option(
            "--deadline",
            min=0.1,
            help="Give up after this many seconds in all (retries and slow answers included); "
            "default $C2CVPN_DEADLINE, else 120.",
        ),
    ] = None,
) -> None:
    """Compare the Genesys-side connection with the spec (exit 0 in sync, 1 must-match difference, 2 unreadable or too slow)."""
    from c2cvpn.genesys.client import deadline_from_env
    from c2cvpn.genesys.commands import reconcile_command

    loaded = load_or_exit(stack, as_json=fmt is Format.JSON)
    raise typer.Exit(
        reconcile_command(
            loaded,
            genesys_url=genesys_url,
            fmt=fmt.value,
            out=out,
            err=err,
            deadline=deadline if deadline is not None else deadline_from_env(),
        )
    )


@app.command("genesys-sim")
def genesys_sim_cmd(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0: any free port).")] = 8787,
    state: Annotated[
        Path | None,
        typer.Option(help="Persist connections (and their keys: mode 0600) to this file."),
    ] = None,
    fault_429_rate: Annotated[
        float, typer.Option(help="Share of API requests answered 429 with Retry-After.")
    ] = 0.0,
    fault_5xx_rate: Annotated[
        float, typer.Option(help="Share of API requests answered 500/502/503.")
    ] = 0.0,
    latency_ms: Annotated[float, typer.Option(help="Added latency per request.")] = 0.0,
    seed: Annotated[int | None, typer.Option(help="Random seed (fault injection, ids).")] = None,
    client_id: Annotated[
        str, typer.Option(help="OAuth client id the simulator accepts.")
    ] = "c2cvpn-sim",
    client_secret_env: Annotated[
        str,
        typer.Option(
            help="Environment variable with the accepted client secret (unset: the demo secret)."
        ),
    ] = "GENESYS_CLIENT_SECRET",
    rate_limit: Annotated[
        int, typer.Option(help="Requests per minute per OAuth client before 429.")
    ] = 300,
    stacks: Annotated[
        list[str] | None,
        typer.Option("--stack", help="Seed the connections of this stack (repeatable)."),
    ] = None,
) -> None:
    """Serve the Genesys-side VPN contract locally (the embedded default for demos, tests and the lab)."""
    from c2cvpn.genesys.commands import run_simulator

    raise typer.Exit(
        run_simulator(
            host=host,
            port=port,
            state=state,
            fault_429_rate=fault_429_rate,
            fault_5xx_rate=fault_5xx_rate,
            latency_ms=latency_ms,
            seed=seed,
            client_id=client_id,
            client_secret_env=client_secret_env,
            rate_limit=rate_limit,
            stacks=stacks or [],
            out=out,
            err=err,
        )
    )


def main() -> None:
    """Console entry point: no traceback ever reaches the user; Ctrl-C exits 130.

    Once the outcome is decided, further Ctrl-C are ignored (:mod:`c2cvpn.entry`, which also
    guards the imports before this runs).
    """
    from c2cvpn import entry

    try:
        app()
    except SystemExit as exc:
        entry.finish(exc.code)
    except KeyboardInterrupt:
        entry.interrupted()
    except Exception as exc:  # a bug: say so in one line, keep the detail for a report
        entry.ignore_interrupts()
        err.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {escape(str(exc))} — please report this with the command line"
        )
        entry.finish(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
