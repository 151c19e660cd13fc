"""``c2cvpn``: what ``pulumi`` cannot do — validate, plan offline, reconcile, render, lab.

Exit codes, for every command: 0 success / valid / in sync; 1 the stack has problems;
2 unusable input (missing file, broken YAML, unknown key) or an unreadable peer;
3 an internal error (a bug: please report it with the command line).
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from c2cvpn.rules import Report, validate
from c2cvpn.spec import LoadedStack, SpecError, load_stack

EXIT_OK, EXIT_INVALID, EXIT_UNUSABLE, EXIT_INTERNAL = 0, 1, 2, 3

app = typer.Typer(
    name="c2cvpn",
    help="Validate, plan, reconcile and test Genesys Cloud-to-Cloud VPN attachments declared as Pulumi stacks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"


StackArg = Annotated[str, typer.Argument(help="A stack name found under stacks/ (e.g. dev) or a stack file path.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def fail_unusable(exc: SpecError) -> NoReturn:
    for line in exc.lines:
        err.print(f"[bold red]error:[/] {escape(exc.source)}: {escape(line)}")
    raise typer.Exit(EXIT_UNUSABLE)


def load_or_exit(ref: str) -> LoadedStack:
    try:
        return load_stack(ref)
    except SpecError as exc:
        fail_unusable(exc)


def print_report(report: Report, source: str) -> None:
    verdict = "[green]valid[/]" if report.valid else "[bold red]invalid[/]"
    out.print(
        f"stack {escape(report.stack)} ({escape(source)}): {verdict} — "
        f"{len(report.problems)} problem(s), {len(report.warnings)} warning(s)"
    )
    for label, style, items in (("error", "red", report.problems), ("warning", "yellow", report.warnings)):
        for p in items:
            out.print(f"  [{style}]{label}[/] [bold]{p.code}[/] at {escape(p.path)}")
            out.print(f"      {escape(p.message)}")


@app.command("validate")
def validate_cmd(stack: StackArg, fmt: FormatOpt = Format.TEXT) -> None:
    """Check a stack against every rule of the guide and the vendors (exit 0 valid, 1 invalid, 2 unusable)."""
    loaded = load_or_exit(stack)
    report = validate(loaded)
    if fmt is Format.JSON:
        out.print_json(json.dumps(report.as_dict()))
    else:
        print_report(report, loaded.source)
    raise typer.Exit(EXIT_OK if report.valid else EXIT_INVALID)


@app.command("demo")
def demo_cmd(
    stacks: Annotated[list[str] | None, typer.Argument(help="Stacks to run (default: every stack under stacks/).")] = None,
) -> None:
    """The main job on the embedded default: validate the example stacks and show what each side must enter."""
    from c2cvpn.spec import find_project_root, resolve_stack

    names = stacks
    if not names:
        root = find_project_root()
        _, probe = resolve_stack("probe", root=root)
        names = sorted(p.name.removeprefix("Pulumi.").rsplit(".", 1)[0] for p in probe.parent.glob("Pulumi.*.yaml"))
    worst = EXIT_OK
    for name in names:
        loaded = load_or_exit(name)
        report = validate(loaded)
        print_report(report, loaded.source)
        worst = max(worst, EXIT_OK if report.valid else EXIT_INVALID)
    raise typer.Exit(worst)


def main() -> None:
    """Console entry point: no traceback ever reaches the user."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # a bug: say so in one line, keep the detail for a report
        err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {escape(str(exc))} — please report this with the command line")
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
