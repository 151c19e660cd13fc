"""``c2cvpn impact``: read the inputs, plan offline where needed, print the report.

Three ways in:
- ``--preview FILE``: a real ``pulumi preview --json`` (authoritative: the provider decided);
  the stack is also planned offline for its ``genesysAdmin`` view;
- ``--base PLAN --head PLAN``: two ``c2cvpn plan --format json`` files (predicted);
- ``--base-ref REF``: the stack file as it was at a git revision, planned with today's code,
  against the stack file as it is (predicted).

Exit codes: 0 nothing disruptive; 1 a disruptive change or a failed preview; 2 unusable input.
A report is printed whenever one can be made (a failed or unreadable preview gets one too:
the pull request must hear about it).
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from c2cvpn.exits import EXIT_INVALID, EXIT_OK, EXIT_UNUSABLE
from c2cvpn.impact.report import Report, build, render
from c2cvpn.impact.steps import (
    ChangeSet,
    ImpactInputError,
    as_plan,
    empty_plan,
    from_plans,
    from_preview,
    read_json,
)
from c2cvpn.markers import STACK_NAME
from c2cvpn.rules import validate
from c2cvpn.spec import LoadedStack, SpecError, load_stack, resolve_stack

#: The offline planner (``components.mock_engine.plan_stack``), injected by the CLI so this
#: module stays free of Pulumi.
Planner = Callable[[LoadedStack], Mapping[str, Any]]

_GIT_TIMEOUT = 30
_MAX_INPUT_BYTES = 64 * 1024 * 1024


class ImpactRefused(Exception):
    """Unusable input for ``c2cvpn impact`` (exit 2): the message names what and how to fix."""


def _read(path: Path, what: str) -> Any:
    try:
        if path.stat().st_size > _MAX_INPUT_BYTES:
            raise ImpactRefused(f"{what} {path}: larger than {_MAX_INPUT_BYTES // 2**20} MiB")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ImpactRefused(f"{what} {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ImpactRefused(f"{what} {path}: unreadable ({exc})") from None
    try:
        return read_json(text, f"{what} {path}")
    except ImpactInputError as exc:
        raise ImpactRefused(str(exc)) from None


def _plan(loaded: LoadedStack, planner: Planner, what: str) -> Mapping[str, Any]:
    report = validate(loaded)
    if report.problems:
        first = report.problems[0]
        raise ImpactRefused(
            f"{what}: the stack does not validate ({first.code}: {first.message}); "
            f"run `c2cvpn validate` on it, or compare two plan files with --base/--head"
        )
    try:
        return planner(loaded)
    except Exception as exc:  # the program refused the stack (ProgramRefused) or similar
        raise ImpactRefused(f"{what}: the program refuses the stack: {str(exc)[:300]}") from None


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, timeout=_GIT_TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise ImpactRefused("--base-ref needs git on PATH") from None
    except subprocess.TimeoutExpired:
        raise ImpactRefused(f"git {' '.join(args)} took over {_GIT_TIMEOUT}s") from None


def stack_at(ref: str, path: Path) -> str | None:
    """The text of the stack file at git revision ``ref`` (None: the file did not exist)."""
    if ref.startswith("-") or not ref.strip():
        raise ImpactRefused(f"--base-ref {ref!r}: not a git revision")
    directory = path.resolve().parent
    top = _git(["rev-parse", "--show-toplevel"], directory)
    if top.returncode != 0:
        raise ImpactRefused(f"--base-ref: {path} is not in a git work tree")
    root = Path(top.stdout.decode().strip())
    verify = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root)
    if verify.returncode != 0:
        raise ImpactRefused(
            f"--base-ref {ref!r}: no such commit here (in CI, fetch it: "
            "actions/checkout with fetch-depth: 0, or git fetch origin <sha>)"
        )
    commit = verify.stdout.decode().strip()
    relative = path.resolve().relative_to(root.resolve()).as_posix()
    shown = _git(["show", f"{commit}:{relative}"], root)
    if shown.returncode != 0:
        return None
    try:
        return shown.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise ImpactRefused(f"{relative} at {ref} is not UTF-8 text") from None


def _base_from_ref(
    loaded: LoadedStack, ref: str, planner: Planner
) -> tuple[Mapping[str, Any], str]:
    path = Path(loaded.source)
    text = stack_at(ref, path)
    if text is None:
        return empty_plan(
            loaded.name
        ), f"{path.name} does not exist at {ref}: every resource is new"
    with tempfile.TemporaryDirectory(prefix="c2cvpn-impact-") as tmp:
        copy = Path(tmp) / path.name
        copy.write_text(text, encoding="utf-8")
        try:
            base = load_stack(str(copy))
        except SpecError as exc:
            raise ImpactRefused(
                f"the stack file at {ref} is unusable: {'; '.join(exc.lines)[:300]}"
            ) from None
        plan = _plan(base, planner, f"the stack file at {ref}")
    note = (
        f"predicted from offline plans: the stack file at {ref} and as it is now, both planned "
        "with this revision's code; the real `pulumi preview` decides"
    )
    return plan, note


class PreviewUnusable(ImpactRefused):
    """The preview file cannot be read: a "preview failed" report is still printed."""


def _stack_name(ref: str) -> tuple[str, LoadedStack | None, str | None]:
    """The stack's name for the marker, the stack when its file loads, else why not."""
    name, _ = resolve_stack(ref)
    if not STACK_NAME.fullmatch(name):
        raise ImpactRefused(f"stack {name[:80]!r}: not a stack name (letters, digits, _ . - /)")
    try:
        return name, load_stack(ref), None
    except SpecError as exc:
        return name, None, f"stack {ref}: {'; '.join(exc.lines)[:300]}"


def _read_preview(path: Path, stack: str) -> ChangeSet:
    try:
        return from_preview(_read(path, "--preview"), stack)
    except (ImpactRefused, ImpactInputError) as exc:
        raise PreviewUnusable(str(exc)) from None


def collect(
    stack: str,
    *,
    preview: Path | None,
    base: Path | None,
    head: Path | None,
    base_ref: str | None,
    planner: Planner | None,
) -> Report:
    """The report, or :class:`ImpactRefused` (unusable input)."""
    modes = sum((preview is not None, base is not None or head is not None, base_ref is not None))
    if modes != 1 or (base is None) != (head is None):
        raise ImpactRefused(
            "give one of: --preview PREVIEW.json; --base BASE.json --head HEAD.json; --base-ref GIT_REF"
        )
    name, loaded, unloadable = _stack_name(stack)
    if base is not None and head is not None:
        before = as_plan(_read(base, "--base"), "--base")
        after = as_plan(_read(head, "--head"), "--head")
        for plan, what in ((before, "--base"), (after, "--head")):
            if plan.get("stack") not in (None, name):
                raise ImpactRefused(
                    f"{what} is a plan of stack {plan.get('stack')!r}, not {name!r}"
                )
        return build(from_plans(before, after, name))
    if preview is not None:
        changes = _read_preview(preview, name)
        notes: list[str] = []
        head_plan: Mapping[str, Any] | None = None
        if loaded is None or planner is None:
            notes.append(f"no Genesys view: {unloadable or 'the Pulumi SDK is not installed'}")
        else:
            try:
                head_plan = _plan(loaded, planner, "the stack file")
            except ImpactRefused as exc:
                notes.append(f"no Genesys view: {exc}")
        return build(changes, head_plan=head_plan, notes=notes)
    if loaded is None:
        raise ImpactRefused(unloadable or f"stack {stack}: unusable")
    if planner is None:
        raise ImpactRefused("planning needs the Pulumi SDK and providers (pip install -e .)")
    assert base_ref is not None
    before, note = _base_from_ref(loaded, base_ref, planner)
    after = _plan(loaded, planner, "the stack file")
    return build(from_plans(before, after, name), notes=[note])


def unreadable_preview_report(stack: str, reason: str) -> Report:
    """The report for a preview that produced no usable JSON: the PR hears that it failed."""
    return build(ChangeSet(stack, "preview", (), 0, (f"the preview output is unusable: {reason}",)))


def exit_code(report: Report) -> int:
    return EXIT_INVALID if report.verdict.disruptive else EXIT_OK


def run(
    stack: str,
    *,
    preview: Path | None,
    base: Path | None,
    head: Path | None,
    base_ref: str | None,
    fmt: str,
    max_chars: int,
    planner: Planner | None,
) -> tuple[int, str, str | None]:
    """(exit code, stdout text, one-line error for stderr)."""
    try:
        report = collect(
            stack, preview=preview, base=base, head=head, base_ref=base_ref, planner=planner
        )
    except PreviewUnusable as exc:
        # The pull request must hear that the preview failed, even without a usable JSON.
        name, _, _ = _stack_name(stack)
        return (
            EXIT_UNUSABLE,
            render(unreadable_preview_report(name, str(exc)), fmt, max_chars),
            str(exc),
        )
    except ImpactRefused as exc:
        return EXIT_UNUSABLE, "", str(exc)
    return exit_code(report), render(report, fmt, max_chars), None
