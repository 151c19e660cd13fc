"""One sticky pull-request comment, or one open issue, per stack and kind of report.

What ties a comment or an issue to a stack is the hidden marker line of
:mod:`c2cvpn.markers` (``<!-- c2cvpn:impact stack=prod -->``), matched as a whole line:
``dev`` never picks up ``dev-tokyo``'s comment. The rules, the same for comments and issues:

- Every comment (every open issue with the label) is read, page after page.
- Only what ``author`` wrote is ever edited (``github-actions[bot]``, the login the workflow's
  ``GITHUB_TOKEN`` posts as). A marked comment or issue by anyone else is left as it is, with
  a warning, and ours is created next to it: a human who quotes the marker cannot get their
  text overwritten, and the next runs find and edit ours.
- Several of our own carry the marker (an older bug, two jobs racing): the newest is edited,
  the others are named in a warning and left alone (never deleted).
- An edit that would change nothing is skipped (``unchanged``): no "edited" mark, no noise.
- A body over GitHub's 65 536 characters, or answered with 422 "too long", is replaced by its
  summary: everything before the first ``<details>`` (``c2cvpn impact`` puts the verdict,
  the counts and the Genesys actions first), a line saying the full report is in the workflow
  run (its URL when ``GITHUB_SERVER_URL``/``GITHUB_REPOSITORY``/``GITHUB_RUN_ID`` are set),
  and the marker. Still too long: the first line, that notice and the marker.
- A 403 that is not a rate limit raises :class:`~c2cvpn.github.api.Forbidden` with what to
  do: a fork's pull request gets a read-only token (its comment is posted by the separate
  ``workflow_run`` job); otherwise the job needs ``pull-requests: write`` (comments) or
  ``issues: write`` (issues).
- A create that GitHub answered with a 5xx or a timeout may have happened anyway: the
  listing is read again before creating once more, so a flaky answer leaves no duplicate.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from c2cvpn.github import DEFAULT_AUTHOR, DEFAULT_LABEL
from c2cvpn.github.api import (
    Forbidden,
    GitHubClient,
    GitHubError,
    Malformed,
    TooLong,
    parse_repo,
)
from c2cvpn.markers import has_marker, marker

#: GitHub's limit for a comment or an issue body ("maximum is 65536 characters").
MAX_BODY_CHARS: Final = 65_536
#: The longest first line kept by the last-resort body.
_FIRST_LINE_CHARS: Final = 2_000

Action = Literal["created", "updated", "closed", "unchanged", "skipped"]


@dataclass
class Outcome:
    """What was done (``action``), where (``url``) and what the caller should hear about."""

    action: Action
    url: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: The body was replaced by its summary to fit GitHub's limit.
    shortened: bool = False


# --------------------------------------------------------------------------- bodies


def with_marker(body: str, kind: str, stack: str) -> str:
    """``body`` carrying the marker line: as given when it already does, else with the marker
    appended on a line of its own."""
    if has_marker(body, kind, stack):
        return body
    return body.rstrip("\n") + "\n\n" + marker(kind, stack) + "\n"


def run_url(env: Mapping[str, str]) -> str | None:
    """The URL of the current workflow run, when the Actions variables say which it is."""
    server = env.get("GITHUB_SERVER_URL", "").strip().rstrip("/")
    repo = env.get("GITHUB_REPOSITORY", "").strip()
    run = env.get("GITHUB_RUN_ID", "").strip()
    if server and repo and run.isdigit():
        return f"{server}/{repo}/actions/runs/{run}"
    return None


def _size(body: str) -> int:
    """Characters as GitHub may count them: UTF-16 code units (never fewer than code points)."""
    return len(body.encode("utf-16-le")) // 2


def fits(body: str) -> bool:
    return _size(body) <= MAX_BODY_CHARS


def _notice(full: int, env: Mapping[str, str]) -> str:
    where = run_url(env)
    place = f"the workflow run: {where}" if where else "the workflow run's log and artifacts"
    return (
        f"> [!NOTE]\n> The full report ({full:,} characters) does not fit in a GitHub "
        f"comment (at most {MAX_BODY_CHARS:,}); it is in {place}"
    )


def shortened_bodies(body: str, kind: str, stack: str, env: Mapping[str, str]) -> list[str]:
    """The fallbacks for ``body``, longest first: its summary (everything before the first
    ``<details>``), then its first line; each with the notice and the marker."""
    mark = marker(kind, stack)
    notice = _notice(_size(body), env)
    lines = [line for line in body.splitlines() if line.strip() != mark]
    text = "\n".join(lines)
    head = text.split("<details>", 1)[0].rstrip()
    first = next((line.strip() for line in lines if line.strip()), "")
    if len(first) > _FIRST_LINE_CHARS:
        first = first[: _FIRST_LINE_CHARS - 1] + "…"
    bodies = []
    for part in (head, first):
        candidate = f"{part}\n\n{notice}\n\n{mark}\n" if part else f"{notice}\n\n{mark}\n"
        if candidate not in bodies:
            bodies.append(candidate)
    return bodies


def _send_fitting(
    body: str,
    kind: str,
    stack: str,
    env: Mapping[str, str],
    outcome: Outcome,
    send: Callable[[str], dict[str, Any]],
) -> dict[str, Any]:
    """``send(body)``, or the first fallback that fits and that GitHub accepts."""
    candidates = [body, *shortened_bodies(body, kind, stack, env)]
    last: TooLong | None = None
    for i, candidate in enumerate(candidates):
        if not fits(candidate):
            continue
        try:
            sent = send(candidate)
        except TooLong as exc:
            last = exc
            continue
        if i:
            outcome.shortened = True
            outcome.warnings.append(
                f"the report ({_size(body):,} characters) is over GitHub's limit of "
                f"{MAX_BODY_CHARS:,}: posted its summary; the full report is in the workflow run"
            )
        return sent
    raise last or TooLong(None, "even the shortest form of the report is too long for GitHub")


def _login(item: Mapping[str, Any]) -> str:
    user = item.get("user")
    login = user.get("login") if isinstance(user, dict) else None
    return login if isinstance(login, str) else "(unknown)"


def _mine(item: Mapping[str, Any], author: str) -> bool:
    return _login(item).casefold() == author.casefold()  # logins are case-insensitive


def _number(item: Mapping[str, Any], key: str) -> int:
    value = item.get(key)
    return value if isinstance(value, int) else -1


def _pick(
    items: list[dict[str, Any]],
    *,
    kind: str,
    stack: str,
    author: str,
    key: str,
    what: str,
    outcome: Outcome,
) -> dict[str, Any] | None:
    """The newest of ``author``'s marked items; warnings name the others."""
    marked = [i for i in items if has_marker(str(i.get("body") or ""), kind, stack)]
    mine = sorted((i for i in marked if _mine(i, author)), key=lambda i: _number(i, key))
    for other in marked:
        if not _mine(other, author):
            outcome.warnings.append(
                f"{what} {_ref(other, key)} by @{_login(other)} carries the marker of stack "
                f"{stack} but was not written by {author}: left as it is"
            )
    if len(mine) > 1:
        older = ", ".join(_ref(i, key) for i in mine[:-1])
        outcome.warnings.append(
            f"{len(mine) - 1} older {what}(s) of {author} carry the marker of stack {stack} "
            f"({older}): edited the newest, left these alone"
        )
    return mine[-1] if mine else None


def _ref(item: Mapping[str, Any], key: str) -> str:
    return f"#{_number(item, key)}" if key == "number" else f"{_number(item, key)}"


def _forbidden(exc: Forbidden, where: str, permission: str, *, fork: bool) -> Forbidden:
    """The 403, with what to do about it."""
    hint = (
        "A pull request from a fork gets a read-only GITHUB_TOKEN: its comment is posted by "
        "the separate `workflow_run` job. Otherwise grant"
        if fork
        else "Grant"
    )
    return Forbidden(
        exc.status,
        f"the token cannot write {where} ({exc.message}). "
        f"{hint} the job `permissions: {permission}: write`",
    )


# --------------------------------------------------------------------------- comments


def upsert_comment(
    client: GitHubClient,
    repo: str,
    number: int,
    kind: str,
    stack: str,
    body: str,
    *,
    author: str = DEFAULT_AUTHOR,
    env: Mapping[str, str] | None = None,
) -> Outcome:
    """Create or edit the one comment of ``stack`` on issue or pull request ``number``."""
    env = os.environ if env is None else env
    owner, name = parse_repo(repo)
    body = with_marker(body, kind, stack)
    listing = f"repos/{owner}/{name}/issues/{number}/comments"
    outcome = Outcome("unchanged")

    def ours(note: Outcome) -> dict[str, Any] | None:
        return _pick(
            list(client.paginate(listing)),
            kind=kind,
            stack=stack,
            author=author,
            key="id",
            what="comment",
            outcome=note,
        )

    try:
        found = ours(outcome)
        if found is not None:
            existing = found

            def edit(text: str) -> dict[str, Any]:
                if text == existing.get("body"):
                    return existing
                outcome.action = "updated"
                return _obj(
                    client.patch(
                        f"repos/{owner}/{name}/issues/comments/{_number(existing, 'id')}",
                        {"body": text},
                    )
                )

            sent = _send_fitting(body, kind, stack, env, outcome, edit)
        else:

            def create(text: str) -> dict[str, Any]:
                outcome.action = "created"
                return _create_once(
                    lambda: _obj(client.post(listing, {"body": text})),
                    lambda: ours(Outcome("unchanged")),
                    outcome,
                )

            sent = _send_fitting(body, kind, stack, env, outcome, create)
    except Forbidden as exc:
        raise _forbidden(
            exc, f"comments on {owner}/{name}#{number}", "pull-requests", fork=True
        ) from None
    outcome.url = _url(sent)
    return outcome


def _create_once(
    create: Callable[[], dict[str, Any]],
    look: Callable[[], dict[str, Any] | None],
    outcome: Outcome,
) -> dict[str, Any]:
    """``create()``; after an answer that leaves open whether GitHub acted, ``look()`` for the
    record first and create again only when it is not there."""
    try:
        return create()
    except GitHubError as exc:
        if not exc.maybe_acted:
            raise
        landed = look()
        if landed is not None:
            outcome.warnings.append(
                f"GitHub answered the create with an error ({exc.status}) but had created it"
            )
            return landed
        return create()


def _obj(answer: Any) -> dict[str, Any]:
    """A write's answer: the JSON object of the comment or issue."""
    if not isinstance(answer, dict):
        raise Malformed(
            None, f"GitHub answered a write with {type(answer).__name__}, not an object"
        )
    return answer


def _url(item: Mapping[str, Any]) -> str | None:
    url = item.get("html_url")
    return url if isinstance(url, str) else None


# --------------------------------------------------------------------------- issues


def _open_issues(
    client: GitHubClient, owner: str, name: str, label: str
) -> Iterator[dict[str, Any]]:
    """Open issues with ``label``; pull requests (which the issues API lists too) left out."""
    for item in client.paginate(f"repos/{owner}/{name}/issues", {"state": "open", "labels": label}):
        if "pull_request" not in item:
            yield item


def upsert_issue(
    client: GitHubClient,
    repo: str,
    kind: str,
    stack: str,
    title: str,
    body: str,
    *,
    author: str = DEFAULT_AUTHOR,
    label: str = DEFAULT_LABEL,
    resolved: bool,
    env: Mapping[str, str] | None = None,
) -> Outcome:
    """Keep the one open issue of ``stack`` in step with the latest check.

    Drift present (``resolved=False``): edit our open marked issue (title and body), or create
    it with ``label``. Drift gone (``resolved=True``): comment "resolved" with ``body`` on our
    open marked issue and close it; with none open, do nothing. A marked issue opened by
    someone else is never edited, commented on or closed (a warning names it): ours is
    created next to it, so daily runs do not pile comments onto a human's issue.
    """
    env = os.environ if env is None else env
    owner, name = parse_repo(repo)
    if not label or "," in label:
        raise ValueError(f"label {label!r}: one non-empty label without ','")
    body = with_marker(body, kind, stack)
    outcome = Outcome("unchanged")

    def ours(note: Outcome) -> dict[str, Any] | None:
        return _pick(
            list(_open_issues(client, owner, name, label)),
            kind=kind,
            stack=stack,
            author=author,
            key="number",
            what="issue",
            outcome=note,
        )

    try:
        found = ours(outcome)
        if resolved:
            if found is None:
                return outcome
            issue = f"repos/{owner}/{name}/issues/{_number(found, 'number')}"
            note = f"**Resolved**: the latest check finds no {kind} for stack `{stack}`.\n\n"
            _send_fitting(
                note + body,
                kind,
                stack,
                env,
                outcome,
                lambda text: _obj(client.post(f"{issue}/comments", {"body": text})),
            )
            closed = _obj(client.patch(issue, {"state": "closed", "state_reason": "completed"}))
            outcome.action = "closed"
            outcome.url = _url(closed) or _url(found)
            return outcome
        if found is not None:
            existing = found

            def edit(text: str) -> dict[str, Any]:
                if text == existing.get("body") and title == existing.get("title"):
                    return existing
                outcome.action = "updated"
                return _obj(
                    client.patch(
                        f"repos/{owner}/{name}/issues/{_number(existing, 'number')}",
                        {"title": title, "body": text},
                    )
                )

            sent = _send_fitting(body, kind, stack, env, outcome, edit)
        else:

            def create(text: str) -> dict[str, Any]:
                outcome.action = "created"
                return _create_once(
                    lambda: _obj(
                        client.post(
                            f"repos/{owner}/{name}/issues",
                            {"title": title, "body": text, "labels": [label]},
                        )
                    ),
                    lambda: ours(Outcome("unchanged")),
                    outcome,
                )

            sent = _send_fitting(body, kind, stack, env, outcome, create)
            labels = [
                lab.get("name") if isinstance(lab, dict) else lab
                for lab in sent.get("labels") or []
            ]
            if label not in labels:
                outcome.warnings.append(
                    f"GitHub created the issue without the label {label!r} (a token without "
                    "push access cannot label): the next run will not find it and opens another"
                )
    except Forbidden as exc:
        raise _forbidden(exc, f"issues of {owner}/{name}", "issues", fork=False) from None
    outcome.url = _url(sent)
    return outcome
