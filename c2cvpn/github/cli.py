"""``c2cvpn github``: post a report as the sticky pull-request comment or the issue of a stack.

Exit codes (as every ``c2cvpn`` command): 0 done (or, with ``--allow-readonly``, a read-only
token reported as a warning); 2 unusable input (no ``GITHUB_TOKEN``, a bad repository or
stack name, an unreadable body file, a token GitHub refuses or that may not write here, a
repository or pull request that cannot be found, GitHub unreachable within the retry
budget); 3 is the entry point's, for bugs. Errors are one ``error:`` line on stderr; on
success one line says what was done and where. In GitHub Actions (``GITHUB_ACTIONS=true``)
warnings are also printed as ``::warning::`` workflow commands. Neither the token nor the
body is ever printed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from c2cvpn.exits import EXIT_OK, EXIT_UNUSABLE
from c2cvpn.github import DEFAULT_AUTHOR, DEFAULT_LABEL, TOKEN_ENV
from c2cvpn.markers import STACK_NAME
from c2cvpn.retrying import quiet_retry_logs

if TYPE_CHECKING:
    from c2cvpn.github.api import GitHubClient
    from c2cvpn.github.post import Outcome

# The client (httpx, stamina) is imported by the commands that post, not by every `c2cvpn`
# command that mounts this group.

github_app = typer.Typer(
    help="Post c2cvpn reports to GitHub: one sticky pull-request comment, or one issue, per stack.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

_PERMISSIONS = {
    "comment": "`permissions: pull-requests: write`",
    "issue": "`permissions: issues: write`",
}


class Kind(StrEnum):
    IMPACT = "impact"
    DRIFT = "drift"


RepoOpt = Annotated[str, typer.Option("--repo", help="The repository, OWNER/NAME.")]
StackOpt = Annotated[
    str, typer.Option("--stack", help="The Pulumi stack the report is about (e.g. prod).")
]
BodyOpt = Annotated[
    Path,
    typer.Option(
        "--body-file",
        help="The Markdown to post (e.g. c2cvpn impact --format markdown); '-' reads stdin.",
    ),
]
AuthorOpt = Annotated[
    str,
    typer.Option(
        "--author",
        help="The login whose comments and issues may be edited (the one GITHUB_TOKEN posts as).",
    ),
]


def _fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(EXIT_UNUSABLE)


def _workflow_escape(text: str) -> str:
    """A workflow command's message, as the runner requires it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _warn(message: str, env: Mapping[str, str]) -> None:
    err.print(f"[yellow]warning:[/] {escape(message)}")
    if env.get("GITHUB_ACTIONS") == "true":
        sys.stdout.write(f"::warning::{_workflow_escape(message)}\n")
        sys.stdout.flush()


def _check_inputs(repo: str, stack: str) -> None:
    from c2cvpn.github.api import parse_repo

    try:
        parse_repo(repo)
    except ValueError as exc:
        _fail(str(exc))
    if not STACK_NAME.fullmatch(stack):
        _fail(
            f"stack name {stack[:80]!r}: letters, digits, '_', '.', '-', '/' only (a Pulumi stack name)"
        )


def _read_body(path: Path) -> str:
    where = "stdin" if str(path) == "-" else str(path)
    try:
        raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except OSError as exc:
        _fail(f"cannot read the body file {where}: {exc.strerror or type(exc).__name__}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        _fail(f"the body file {where} is not UTF-8 text")
    if not text.strip():
        _fail(f"the body file {where} is empty: nothing to post")
    return text


def _client(env: Mapping[str, str], command: str) -> GitHubClient:
    from c2cvpn.github.api import ConfigError, GitHubClient

    try:
        return GitHubClient.from_env(env)
    except ConfigError as exc:
        if TOKEN_ENV in str(exc):
            _fail(
                f"{exc}: pass the workflow token (env: {TOKEN_ENV}: ${{{{ github.token }}}}) "
                f"and grant the job {_PERMISSIONS[command]}"
            )
        _fail(str(exc))


def _run(
    command: str,
    what: str,
    act: Callable[[GitHubClient], Outcome],
    *,
    allow_readonly: bool = False,
) -> None:
    from c2cvpn.github.api import Forbidden, GitHubError, NotFound, Unauthorized

    env = os.environ
    quiet_retry_logs()  # stamina's per-retry warnings would reach stderr; the outcome is reported
    client = _client(env, command)
    try:
        with client:
            outcome = act(client)
    except Forbidden as exc:
        if not allow_readonly:
            _fail(exc.message)
        _warn(f"{exc.message}; nothing was posted (--allow-readonly)", env)
        out.print(f"{escape(what)} skipped: the token is read-only here")
        raise typer.Exit(EXIT_OK) from None
    except Unauthorized as exc:
        _fail(f"GitHub refused {TOKEN_ENV}: {exc}")
    except NotFound as exc:
        _fail(
            f"{exc}: the repository, pull request or issue does not exist, or the token cannot see it"
        )
    except GitHubError as exc:
        _fail(str(exc))
    except ValueError as exc:  # a label GitHub cannot filter on
        _fail(str(exc))
    for warning in outcome.warnings:
        _warn(warning, env)
    where = f": {outcome.url}" if outcome.url else " (nothing open)" if command == "issue" else ""
    out.print(f"{escape(what)} {outcome.action}{escape(where)}")


@github_app.command()
def comment(
    repo: RepoOpt,
    pr: Annotated[int, typer.Option("--pr", min=1, help="The pull request (or issue) number.")],
    stack: StackOpt,
    body_file: BodyOpt,
    kind: Annotated[Kind, typer.Option("--kind", help="The marker's kind.")] = Kind.IMPACT,
    author: AuthorOpt = DEFAULT_AUTHOR,
    allow_readonly: Annotated[
        bool,
        typer.Option(
            "--allow-readonly",
            help="A token that may not write here (a fork's pull request) is a warning, exit 0.",
        ),
    ] = False,
) -> None:
    """Create or edit the one comment of STACK on a pull request (exact marker, all pages)."""
    from c2cvpn.github.post import upsert_comment

    _check_inputs(repo, stack)
    body = _read_body(body_file)
    _run(
        "comment",
        f"{kind.value} comment of stack {stack} on {repo}#{pr}",
        lambda client: upsert_comment(client, repo, pr, kind.value, stack, body, author=author),
        allow_readonly=allow_readonly,
    )


@github_app.command()
def issue(
    repo: RepoOpt,
    stack: StackOpt,
    title: Annotated[str, typer.Option("--title", help="The issue's title.")],
    body_file: BodyOpt,
    kind: Annotated[Kind, typer.Option("--kind", help="The marker's kind.")] = Kind.DRIFT,
    label: Annotated[
        str, typer.Option("--label", help="The label the issue carries and is found by.")
    ] = DEFAULT_LABEL,
    resolved: Annotated[
        bool,
        typer.Option(
            "--resolved", help="The check found nothing: comment and close the open issue."
        ),
    ] = False,
    author: AuthorOpt = DEFAULT_AUTHOR,
) -> None:
    """Open, update or close the one issue of STACK (found by its label and exact marker)."""
    from c2cvpn.github.post import upsert_issue

    _check_inputs(repo, stack)
    title = " ".join(title.split())
    if not title:
        _fail("--title is empty")
    if not label.strip() or "," in label:
        _fail(f"label {label[:80]!r}: one non-empty label without ','")
    body = _read_body(body_file)
    _run(
        "issue",
        f"{kind.value} issue of stack {stack} in {repo}",
        lambda client: upsert_issue(
            client,
            repo,
            kind.value,
            stack,
            title,
            body,
            author=author,
            label=label,
            resolved=resolved,
        ),
    )
