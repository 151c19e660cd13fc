"""The GitHub comment and issue poster against a loopback fake of GitHub's REST API.

The fake is a real HTTP server on 127.0.0.1 (a free port, a thread): comments and issues in
memory, listings paginated with ``per_page``/``page`` and real ``Link`` headers, every request
recorded, and faults on demand (422 "too long" over a size, 403, 5xx, 429, 403 rate limits).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import stamina
from typer.testing import CliRunner, Result

from c2cvpn.github.api import (
    MAX_PAGES,
    ConfigError,
    Forbidden,
    GitHubClient,
    GitHubError,
    NotFound,
    TooLong,
    Unavailable,
    parse_repo,
)
from c2cvpn.github.cli import _workflow_escape, github_app
from c2cvpn.github.post import (
    MAX_BODY_CHARS,
    shortened_bodies,
    upsert_comment,
    upsert_issue,
    with_marker,
)
from c2cvpn.markers import has_marker, marker

TOKEN = "ghs_SeCrEt0token0value0never0printed"
BOT = "github-actions[bot]"
REPO = "acme/vpn"


# --------------------------------------------------------------------------- the fake


@dataclass
class Fault:
    """Answer ``status`` instead of serving, ``times`` times, to requests that match."""

    method: str
    path: str  # a regular expression matched against the whole path
    status: int
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "fault"
    act_first: bool = False  # serve the request, then answer the fault (a 5xx after acting)


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


class FakeGitHub:
    """GitHub's issues and comments endpoints, as far as the poster uses them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.issues: list[dict[str, Any]] = []
        self.requests: list[Seen] = []
        self.faults: list[Fault] = []
        self.max_body = MAX_BODY_CHARS
        self.missing: set[int] = set()
        self.drop_labels = False  # a token without push access: labels silently dropped
        self.next_id = 1000
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # ------------------------------------------------------------------ seeding

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def add_comment(self, number: int, body: str, login: str = BOT) -> dict[str, Any]:
        cid = self._id()
        item = {
            "id": cid,
            "body": body,
            "user": {"login": login},
            "html_url": f"https://github.com/{REPO}/pull/{number}#issuecomment-{cid}",
        }
        self.comments.setdefault(number, []).append(item)
        return item

    def add_issue(
        self,
        title: str,
        body: str,
        *,
        login: str = BOT,
        labels: tuple[str, ...] = ("c2cvpn-drift",),
        pull_request: bool = False,
    ) -> dict[str, Any]:
        number = len(self.issues) + 1
        item: dict[str, Any] = {
            "number": number,
            "title": title,
            "body": body,
            "state": "open",
            "labels": [{"name": n} for n in labels],
            "user": {"login": login},
            "html_url": f"https://github.com/{REPO}/{'pull' if pull_request else 'issues'}/{number}",
        }
        if pull_request:
            item["pull_request"] = {"url": "x"}
        self.issues.append(item)
        return item

    def bodies(self, number: int) -> list[str]:
        return [c["body"] for c in self.comments.get(number, [])]

    def sent(self, method: str) -> list[Seen]:
        return [r for r in self.requests if r.method == method]

    # ------------------------------------------------------------------ serving

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_PATCH(self) -> None:
                self._serve("PATCH")

            def _reply(self, status: int, doc: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _serve(self, method: str) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                with fake.lock:
                    fake.requests.append(
                        Seen(method, split.path, parse_qs(split.query), dict(self.headers), body)
                    )
                    status, doc, headers = fake.answer(method, split.path, split.query, body, self)
                self._reply(status, doc, headers)

        return Handler

    def _fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and re.fullmatch(fault.path, path):
                fault.times -= 1
                return fault
        return None

    def answer(
        self, method: str, path: str, query: str, body: Any, handler: BaseHTTPRequestHandler
    ) -> tuple[int, Any, dict[str, str]]:
        if handler.headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {"message": "Bad credentials"}, {}
        if handler.headers.get("X-GitHub-Api-Version") != "2022-11-28":
            return 400, {"message": "no API version"}, {}
        fault = self._fault(method, path)
        if fault is not None and not fault.act_first:
            return fault.status, {"message": fault.message}, fault.headers
        result = self.route(method, path, parse_qs(query), body)
        if fault is not None:
            return fault.status, {"message": fault.message}, fault.headers
        return result

    def _too_long(self, body: Any) -> tuple[int, Any, dict[str, str]] | None:
        text = (body or {}).get("body") or ""
        if len(text) > self.max_body:
            return (
                422,
                {
                    "message": "Validation Failed",
                    "errors": [
                        {
                            "resource": "IssueComment",
                            "code": "custom",
                            "field": "body",
                            "message": f"body is too long (maximum is {self.max_body} characters)",
                        }
                    ],
                },
                {},
            )
        return None

    def _page(
        self, path: str, items: list[dict[str, Any]], query: dict[str, list[str]]
    ) -> tuple[int, Any, dict[str, str]]:
        per_page = min(100, int(query.get("per_page", ["30"])[0]))
        page = int(query.get("page", ["1"])[0])
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        keep = {k: v[0] for k, v in query.items() if k not in {"page", "per_page"}}
        extra = "".join(f"&{k}={v}" for k, v in keep.items())

        def link(n: int) -> str:
            return f"{self.url}{path}?per_page={per_page}&page={n}{extra}"

        links = []
        if page < last:
            links.append(f'<{link(page + 1)}>; rel="next"')
            links.append(f'<{link(last)}>; rel="last"')
        if page > 1:
            links.append(f'<{link(1)}>; rel="first"')
            links.append(f'<{link(page - 1)}>; rel="prev"')
        return 200, chunk, ({"Link": ", ".join(links)} if links else {})

    def route(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        base = f"/repos/{REPO}"
        if m := re.fullmatch(rf"{base}/issues/(\d+)/comments", path):
            number = int(m[1])
            if number in self.missing:
                return 404, {"message": "Not Found"}, {}
            if method == "GET":
                return self._page(path, self.comments.get(number, []), query)
            if method == "POST":
                if refused := self._too_long(body):
                    return refused
                return 201, self.add_comment(number, body["body"]), {}
        if (m := re.fullmatch(rf"{base}/issues/comments/(\d+)", path)) and method == "PATCH":
            if refused := self._too_long(body):
                return refused
            for item in (c for cs in self.comments.values() for c in cs):
                if item["id"] == int(m[1]):
                    item["body"] = body["body"]
                    return 200, item, {}
            return 404, {"message": "Not Found"}, {}
        if path == f"{base}/issues":
            if method == "GET":
                state = query.get("state", ["open"])[0]
                label = query.get("labels", [None])[0]
                items = [
                    i
                    for i in self.issues
                    if i["state"] == state
                    and (label is None or label in [lab["name"] for lab in i["labels"]])
                ]
                return self._page(path, items, query)
            if method == "POST":
                if refused := self._too_long(body):
                    return refused
                labels = () if self.drop_labels else tuple(body.get("labels", []))
                item = self.add_issue(body["title"], body["body"], labels=labels)
                return 201, item, {}
        if (m := re.fullmatch(rf"{base}/issues/(\d+)", path)) and method == "PATCH":
            if refused := self._too_long(body):
                return refused
            item = next(i for i in self.issues if i["number"] == int(m[1]))
            item.update({k: v for k, v in body.items() if k in {"title", "body", "state"}})
            return 200, item, {}
        return 404, {"message": f"Not Found: {method} {path}"}, {}


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    server = FakeGitHub()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()
        server.thread.join(5)


@pytest.fixture(autouse=True)
def _fast_retries() -> Iterator[None]:
    """Retries without their waits: attempts still counted, capped at 3."""
    with stamina.set_testing(True, attempts=3, cap=True):
        yield


@pytest.fixture
def client(fake: FakeGitHub) -> Iterator[GitHubClient]:
    with GitHubClient(TOKEN, base_url=fake.url) as c:
        yield c


ENV_OFF = {
    "GITHUB_ACTIONS": None,
    "GITHUB_SERVER_URL": None,
    "GITHUB_REPOSITORY": None,
    "GITHUB_RUN_ID": None,
}


def run(fake: FakeGitHub, args: list[str], **env: str | None) -> Result:
    """``c2cvpn github ARGS`` against the fake; the token never shows in what it prints."""
    environment: dict[str, str | None] = {
        **ENV_OFF,
        "GITHUB_API_URL": fake.url,
        "GITHUB_TOKEN": TOKEN,
        **env,
    }
    result = CliRunner().invoke(github_app, args, env=environment)
    assert TOKEN not in result.stdout and TOKEN not in result.stderr
    assert "Traceback" not in result.output
    return result


def body_file(tmp_path: Path, text: str, name: str = "body.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def comment_args(path: Path, stack: str = "prod", pr: int = 7, *more: str) -> list[str]:
    return [
        "comment",
        "--repo",
        REPO,
        "--pr",
        str(pr),
        "--stack",
        stack,
        "--body-file",
        str(path),
        *more,
    ]


def report(stack: str, verdict: str, details: str = "details") -> str:
    """A report shaped like c2cvpn impact's Markdown: verdict first, details collapsed."""
    return (
        f"{verdict}\n\n| class | count |\n|---|---|\n| in-place | 1 |\n\n"
        f"<details><summary>Resources</summary>\n\n{details}\n\n</details>\n\n"
        f"{marker('impact', stack)}\n"
    )


# --------------------------------------------------------------------------- comments


def test_create_then_update_in_place_then_unchanged(fake: FakeGitHub, tmp_path: Path) -> None:
    first = run(fake, comment_args(body_file(tmp_path, report("prod", "prod: no impact"))))
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("impact comment of stack prod on acme/vpn#7 created: https://")
    second = run(fake, comment_args(body_file(tmp_path, report("prod", "prod: tunnel blip"))))
    assert second.exit_code == 0, second.output
    assert " updated: https://" in second.stdout
    assert len(fake.bodies(7)) == 1 and fake.bodies(7)[0].startswith("prod: tunnel blip")
    third = run(fake, comment_args(body_file(tmp_path, report("prod", "prod: tunnel blip"))))
    assert third.exit_code == 0 and " unchanged: https://" in third.stdout
    assert len(fake.sent("PATCH")) == 1  # the identical body was not sent again
    assert len(fake.sent("POST")) == 1
    assert "tunnel blip" not in first.output + second.output + third.output  # never the body
    seen = fake.requests[0].headers
    assert seen["Accept"] == "application/vnd.github+json"
    assert seen["User-Agent"].startswith("c2cvpn")


def test_a_body_without_the_marker_gets_it_on_its_own_line(
    fake: FakeGitHub, client: GitHubClient
) -> None:
    outcome = upsert_comment(client, REPO, 7, "impact", "prod", "prod: no impact", env={})
    assert outcome.action == "created"
    (posted,) = fake.bodies(7)
    assert posted.splitlines()[0] == "prod: no impact"
    assert posted.splitlines()[-1] == marker("impact", "prod")
    assert with_marker(posted, "impact", "prod") == posted  # never twice


def test_the_marked_comment_on_page_3_of_250_is_found_and_edited(
    fake: FakeGitHub, client: GitHubClient
) -> None:
    for i in range(250):
        if i == 230:
            fake.add_comment(7, report("prod", "prod: old verdict"))
        else:
            fake.add_comment(7, f"review comment {i}", login=f"user{i % 7}")
    outcome = upsert_comment(client, REPO, 7, "impact", "prod", report("prod", "prod: new"), env={})
    assert outcome.action == "updated"
    assert len(fake.bodies(7)) == 250 and not fake.sent("POST")
    assert fake.bodies(7)[230].startswith("prod: new")
    pages = [r.query for r in fake.sent("GET")]
    assert [q.get("page", ["1"])[0] for q in pages] == ["1", "2", "3"]
    assert all(q["per_page"] == ["100"] for q in pages)


def test_dev_and_dev_tokyo_never_cross(fake: FakeGitHub, client: GitHubClient) -> None:
    tokyo = fake.add_comment(7, report("dev-tokyo", "dev-tokyo: old"))
    outcome = upsert_comment(client, REPO, 7, "impact", "dev", report("dev", "dev: first"), env={})
    assert outcome.action == "created"  # dev-tokyo's comment is not dev's
    assert tokyo["body"].startswith("dev-tokyo: old")
    dev = next(c for c in fake.comments[7] if c is not tokyo)

    upsert_comment(client, REPO, 7, "impact", "dev", report("dev", "dev: second"), env={})
    assert dev["body"].startswith("dev: second") and tokyo["body"].startswith("dev-tokyo: old")
    upsert_comment(
        client, REPO, 7, "impact", "dev-tokyo", report("dev-tokyo", "dev-tokyo: new"), env={}
    )
    assert dev["body"].startswith("dev: second") and tokyo["body"].startswith("dev-tokyo: new")
    assert len(fake.comments[7]) == 2
    assert has_marker(dev["body"], "impact", "dev")
    assert not has_marker(dev["body"], "impact", "dev-tokyo")


def test_another_authors_marked_comment_is_never_edited(fake: FakeGitHub, tmp_path: Path) -> None:
    theirs = fake.add_comment(7, "I copied this:\n" + marker("impact", "prod"), login="mallory")
    result = run(
        fake,
        comment_args(body_file(tmp_path, report("prod", "prod: ok"))),
        GITHUB_ACTIONS="true",
    )
    assert result.exit_code == 0, result.output
    assert theirs["body"].startswith("I copied this")
    assert len(fake.comments[7]) == 2 and fake.comments[7][1]["user"]["login"] == BOT
    assert "@mallory" in result.stderr and "left as it is" in result.stderr
    assert re.search(r"^::warning::comment \d+ by @mallory", result.stdout, re.MULTILINE)
    again = run(fake, comment_args(body_file(tmp_path, report("prod", "prod: changed"))))
    assert " updated: " in again.stdout and len(fake.comments[7]) == 2
    assert theirs["body"].startswith("I copied this")


def test_several_of_our_marked_comments_edit_the_newest_and_name_the_others(
    fake: FakeGitHub, client: GitHubClient
) -> None:
    old = fake.add_comment(7, report("prod", "prod: older"))
    new = fake.add_comment(7, report("prod", "prod: newer"))
    outcome = upsert_comment(client, REPO, 7, "impact", "prod", report("prod", "prod: now"), env={})
    assert new["body"].startswith("prod: now") and old["body"].startswith("prod: older")
    assert len(fake.comments[7]) == 2
    assert any(str(old["id"]) in w and "newest" in w for w in outcome.warnings)


def test_a_422_too_long_falls_back_to_the_summary_that_fits(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    fake.max_body = 2_000  # GitHub refuses what our own count let through
    big = report("prod", "prod: both tunnels of PROD-AWS will drop", "x" * 5_000)
    result = run(
        fake,
        comment_args(body_file(tmp_path, big)),
        GITHUB_ACTIONS="true",
        GITHUB_SERVER_URL="https://github.com",
        GITHUB_REPOSITORY=REPO,
        GITHUB_RUN_ID="4242",
    )
    assert result.exit_code == 0, result.output
    (posted,) = fake.bodies(7)
    assert posted.splitlines()[0] == "prod: both tunnels of PROD-AWS will drop"
    assert "| in-place | 1 |" in posted and "<details>" not in posted
    assert "https://github.com/acme/vpn/actions/runs/4242" in posted
    assert posted.rstrip().splitlines()[-1] == marker("impact", "prod")
    assert len(posted) <= fake.max_body
    assert [len(r.body["body"]) > 2_000 for r in fake.sent("POST")] == [True, False]
    assert "::warning::the report" in result.stdout


def test_when_even_the_summary_is_too_long_the_first_line_is_kept(
    fake: FakeGitHub, client: GitHubClient
) -> None:
    fake.max_body = 1_000
    body = "prod: verdict line\n\n" + "summary row\n" * 200 + "<details>\nmore\n</details>"
    outcome = upsert_comment(client, REPO, 7, "impact", "prod", body, env={})
    (posted,) = fake.bodies(7)
    assert outcome.shortened and posted.splitlines()[0] == "prod: verdict line"
    assert "summary row" not in posted and "workflow run's log" in posted
    assert has_marker(posted, "impact", "prod") and len(posted) <= 1_000


def test_a_body_over_githubs_limit_is_never_sent_whole(
    fake: FakeGitHub, client: GitHubClient
) -> None:
    huge = report("prod", "prod: huge", "y" * (MAX_BODY_CHARS + 10))
    outcome = upsert_comment(client, REPO, 7, "impact", "prod", huge, env={})
    assert outcome.action == "created" and outcome.shortened
    assert [len(r.body["body"]) <= MAX_BODY_CHARS for r in fake.sent("POST")] == [True]
    (posted,) = fake.bodies(7)
    assert posted.count(marker("impact", "prod")) == 1


def test_shortened_bodies_keep_one_marker_and_fit() -> None:
    body = marker("impact", "s") + "\n" + "v" * 70_000 + "\n<details>x</details>"
    for short in shortened_bodies(body, "impact", "s", {}):
        assert short.count(marker("impact", "s")) == 1
    assert len(shortened_bodies(body, "impact", "s", {})[-1]) < 3_000


def test_403_on_a_fork_is_exit_2_with_what_to_do(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.faults.append(
        Fault(
            "POST", r".*/comments", 403, times=5, message="Resource not accessible by integration"
        )
    )
    result = run(fake, comment_args(body_file(tmp_path, report("prod", "prod: ok"))))
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and line.startswith("error:")
    for part in ("cannot write", "fork", "workflow_run", "pull-requests: write", "not accessible"):
        assert part in line
    assert len(fake.sent("POST")) == 1  # a 403 is not retried


def test_403_with_allow_readonly_is_a_warning_and_exit_0(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.faults.append(Fault("POST", r".*/comments", 403, times=5, message="Forbidden"))
    result = run(
        fake,
        comment_args(
            body_file(tmp_path, report("prod", "prod: ok")), "prod", 7, "--allow-readonly"
        ),
        GITHUB_ACTIONS="true",
    )
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stderr and "workflow_run" in result.stderr
    assert "::warning::the token cannot write" in result.stdout
    assert " skipped" in result.stdout and not fake.bodies(7)


def test_a_500_once_then_success_is_retried(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.faults.append(Fault("GET", r".*/comments", 500))
    result = run(fake, comment_args(body_file(tmp_path, report("prod", "prod: ok"))))
    assert result.exit_code == 0, result.output
    assert len(fake.sent("GET")) == 2 and len(fake.bodies(7)) == 1


def test_a_5xx_after_the_comment_was_created_leaves_no_duplicate(
    fake: FakeGitHub, client: GitHubClient
) -> None:
    fake.faults.append(Fault("POST", r".*/comments", 502, act_first=True))
    outcome = upsert_comment(client, REPO, 7, "impact", "prod", report("prod", "prod: ok"), env={})
    assert outcome.action == "created" and outcome.url
    assert len(fake.bodies(7)) == 1 and len(fake.sent("POST")) == 1
    assert any("had created it" in w for w in outcome.warnings)


def test_a_5xx_on_create_that_did_not_act_creates_once(
    fake: FakeGitHub, client: GitHubClient
) -> None:
    fake.faults.append(Fault("POST", r".*/comments", 503))
    outcome = upsert_comment(client, REPO, 7, "impact", "prod", report("prod", "prod: ok"), env={})
    assert outcome.action == "created"
    assert len(fake.bodies(7)) == 1 and len(fake.sent("POST")) == 2


def test_rate_limits_are_waited_out_and_retried(fake: FakeGitHub, client: GitHubClient) -> None:
    fake.faults += [
        Fault("GET", r".*/comments", 429, headers={"retry-after": "0"}),
        Fault(
            "GET",
            r".*/comments",
            403,
            headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "0"},
            message="API rate limit exceeded",
        ),
        Fault("POST", r".*/comments", 429, headers={"retry-after": "0"}),
    ]
    outcome = upsert_comment(client, REPO, 7, "impact", "prod", report("prod", "prod: ok"), env={})
    assert outcome.action == "created"
    assert len(fake.sent("GET")) == 3 and len(fake.sent("POST")) == 2  # a 429 was not acted on
    assert len(fake.bodies(7)) == 1


def test_a_rate_limit_longer_than_the_budget_is_not_waited_for(
    fake: FakeGitHub, client: GitHubClient
) -> None:
    fake.faults.append(Fault("GET", r".*/comments", 429, times=5, headers={"retry-after": "3600"}))
    with pytest.raises(Unavailable, match="wait 3600 s, beyond the retry budget"):
        upsert_comment(client, REPO, 7, "impact", "prod", "x", env={})
    assert len(fake.sent("GET")) == 1


def test_a_server_that_keeps_failing_is_exit_2_after_bounded_attempts(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    fake.faults.append(Fault("GET", r".*/comments", 500, times=99, message="boom"))
    result = run(fake, comment_args(body_file(tmp_path, "x")))
    assert result.exit_code == 2
    assert "gave up after 3 attempt(s)" in result.stderr
    assert len(fake.sent("GET")) == 3


def test_missing_token_is_exit_2_naming_it(fake: FakeGitHub, tmp_path: Path) -> None:
    result = run(fake, comment_args(body_file(tmp_path, "x")), GITHUB_TOKEN=None)
    assert result.exit_code == 2
    assert "GITHUB_TOKEN is not set" in result.stderr
    assert "pull-requests: write" in result.stderr
    assert not fake.requests
    issue = run(
        fake,
        [
            "issue",
            "--repo",
            REPO,
            "--stack",
            "prod",
            "--title",
            "t",
            "--body-file",
            str(body_file(tmp_path, "x")),
        ],
        GITHUB_TOKEN="",
    )
    assert issue.exit_code == 2 and "issues: write" in issue.stderr


def test_a_refused_token_is_exit_2_and_never_echoed(fake: FakeGitHub, tmp_path: Path) -> None:
    result = run(fake, comment_args(body_file(tmp_path, "x")), GITHUB_TOKEN="ghs_wrong_token_value")
    assert result.exit_code == 2
    assert "GitHub refused GITHUB_TOKEN" in result.stderr and "Bad credentials" in result.stderr
    assert "ghs_wrong_token_value" not in result.output


def test_an_echoed_token_is_scrubbed_from_errors(fake: FakeGitHub, client: GitHubClient) -> None:
    fake.faults.append(Fault("GET", r".*/comments", 400, message=f"bad header Bearer {TOKEN}"))
    with pytest.raises(GitHubError) as exc:
        upsert_comment(client, REPO, 7, "impact", "prod", "x", env={})
    assert TOKEN not in str(exc.value) and "[secret]" in str(exc.value)
    assert TOKEN not in repr(client)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--repo", "acme"], "expected OWNER/NAME"),
        (["--repo", "acme/vpn/x"], "expected OWNER/NAME"),
        (["--repo", "acme/.."], "expected OWNER/NAME"),
        (["--stack", "dev -->"], "stack name"),
        (["--body-file", "/nonexistent/body.md"], "cannot read the body file"),
    ],
)
def test_unusable_input_is_exit_2_in_one_line(
    fake: FakeGitHub, tmp_path: Path, args: list[str], message: str
) -> None:
    base = {"--repo": REPO, "--stack": "prod", "--body-file": str(body_file(tmp_path, "x"))}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [part for pair in base.items() for part in pair]
    result = run(fake, ["comment", "--pr", "7", *flat])
    assert result.exit_code == 2
    assert result.stderr.startswith("error:") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not fake.requests


def test_an_empty_or_binary_body_file_is_exit_2(fake: FakeGitHub, tmp_path: Path) -> None:
    empty = run(fake, comment_args(body_file(tmp_path, "  \n")))
    assert empty.exit_code == 2 and "is empty" in empty.stderr
    binary = tmp_path / "b.md"
    binary.write_bytes(b"\xff\xfe\x00bad")
    assert run(fake, comment_args(binary)).exit_code == 2


def test_the_body_can_come_from_stdin(fake: FakeGitHub) -> None:
    result = CliRunner().invoke(
        github_app,
        ["comment", "--repo", REPO, "--pr", "7", "--stack", "prod", "--body-file", "-"],
        input="prod: from stdin\n",
        env={**ENV_OFF, "GITHUB_API_URL": fake.url, "GITHUB_TOKEN": TOKEN},
    )
    assert result.exit_code == 0, result.output
    assert fake.bodies(7)[0].startswith("prod: from stdin")


def test_a_missing_pull_request_is_exit_2(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.missing.add(7)
    result = run(fake, comment_args(body_file(tmp_path, "x")))
    assert result.exit_code == 2 and "does not exist, or the token cannot see it" in result.stderr


def test_plain_http_is_refused_off_loopback() -> None:
    with pytest.raises(ConfigError, match="in clear"):
        GitHubClient(TOKEN, base_url="http://github.example.com/api/v3")
    with pytest.raises(ConfigError, match="GITHUB_TOKEN is not set"):
        GitHubClient.from_env({"GITHUB_API_URL": "https://api.github.com"})
    assert parse_repo("my-org/repo.name_1") == ("my-org", "repo.name_1")


def test_a_next_link_to_another_origin_is_not_followed() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(
            200, json=[{"id": 1}], headers={"Link": '<https://evil.example/x?page=2>; rel="next"'}
        )

    with (
        GitHubClient(TOKEN, transport=httpx.MockTransport(handler)) as c,
        pytest.raises(GitHubError, match="another origin"),
    ):
        list(c.paginate("repos/a/b/issues/1/comments"))
    assert len(seen) == 1


def test_a_listing_that_never_ends_stops_at_the_page_cap() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        nxt = f"https://api.github.com/repos/a/b/issues/1/comments?per_page=100&page={page + 1}"
        return httpx.Response(200, json=[{"id": page}], headers={"Link": f'<{nxt}>; rel="next"'})

    with (
        GitHubClient(TOKEN, transport=httpx.MockTransport(handler)) as c,
        pytest.raises(GitHubError, match=f"more than {MAX_PAGES} pages"),
    ):
        list(c.paginate("repos/a/b/issues/1/comments"))


def test_typed_errors(fake: FakeGitHub, client: GitHubClient) -> None:
    fake.missing.add(9)
    with pytest.raises(NotFound):
        client.get(f"repos/{REPO}/issues/9/comments")
    fake.max_body = 5
    fake.missing.clear()
    with pytest.raises(TooLong) as too_long:
        client.post(f"repos/{REPO}/issues/9/comments", {"body": "long body"})
    assert too_long.value.kind == "too_long" and too_long.value.status == 422
    fake.faults.append(Fault("PATCH", r".*", 403, message="Resource not accessible"))
    with pytest.raises(Forbidden) as forbidden:
        client.patch(f"repos/{REPO}/issues/comments/1", {"body": "x"})
    assert forbidden.value.kind == "forbidden"


# --------------------------------------------------------------------------- issues


def issue_args(path: Path, *more: str, stack: str = "prod") -> list[str]:
    return [
        "issue",
        "--repo",
        REPO,
        "--stack",
        stack,
        "--title",
        f"Drift in {stack}",
        "--body-file",
        str(path),
        *more,
    ]


def drift(stack: str, text: str) -> str:
    return f"{text}\n\n{marker('drift', stack)}\n"


def test_issue_create_update_close(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.add_issue("Bump deps", "a pull request\n" + marker("drift", "prod"), pull_request=True)
    created = run(fake, issue_args(body_file(tmp_path, drift("prod", "2 findings"))))
    assert created.exit_code == 0, created.output
    assert created.stdout.startswith("drift issue of stack prod in acme/vpn created: https://")
    assert fake.issues[0]["body"].startswith("a pull request")  # the PR was never touched
    ours = fake.issues[1]
    assert ours["labels"] == [{"name": "c2cvpn-drift"}] and ours["title"] == "Drift in prod"

    updated = run(fake, issue_args(body_file(tmp_path, drift("prod", "3 findings"))))
    assert updated.exit_code == 0 and " updated: " in updated.stdout
    assert len(fake.issues) == 2 and ours["body"].startswith("3 findings")

    closed = run(fake, issue_args(body_file(tmp_path, drift("prod", "in sync")), "--resolved"))
    assert closed.exit_code == 0 and " closed: " in closed.stdout
    assert ours["state"] == "closed"
    (note,) = fake.comments[ours["number"]]
    assert note["body"].startswith("**Resolved**") and "in sync" in note["body"]
    close = fake.sent("PATCH")[-1]
    assert close.body == {"state": "closed", "state_reason": "completed"}

    again = run(fake, issue_args(body_file(tmp_path, drift("prod", "in sync")), "--resolved"))
    assert again.exit_code == 0 and "unchanged (nothing open)" in again.stdout
    assert len(fake.issues) == 2

    back = run(fake, issue_args(body_file(tmp_path, drift("prod", "drift again"))))
    assert " created: " in back.stdout and len(fake.issues) == 3


def test_issue_stacks_never_cross_and_unchanged_is_not_sent(
    fake: FakeGitHub, client: GitHubClient
) -> None:
    upsert_issue(
        client, REPO, "drift", "dev-tokyo", "t", drift("dev-tokyo", "a"), resolved=False, env={}
    )
    out = upsert_issue(client, REPO, "drift", "dev", "t", drift("dev", "b"), resolved=False, env={})
    assert out.action == "created" and len(fake.issues) == 2
    same = upsert_issue(
        client, REPO, "drift", "dev", "t", drift("dev", "b"), resolved=False, env={}
    )
    assert same.action == "unchanged" and not fake.sent("PATCH")
    closed = upsert_issue(client, REPO, "drift", "dev", "t", "ok", resolved=True, env={})
    assert closed.action == "closed"
    assert [i["state"] for i in fake.issues] == ["open", "closed"]


def test_issue_by_someone_else_is_left_alone_and_ours_created(
    fake: FakeGitHub, client: GitHubClient
) -> None:
    theirs = fake.add_issue("My notes", "see\n" + marker("drift", "prod"), login="alice")
    outcome = upsert_issue(
        client, REPO, "drift", "prod", "Drift in prod", drift("prod", "x"), resolved=False, env={}
    )
    assert outcome.action == "created" and len(fake.issues) == 2
    assert theirs["body"].startswith("see") and theirs["title"] == "My notes"
    assert any("@alice" in w for w in outcome.warnings)
    resolved = upsert_issue(client, REPO, "drift", "prod", "t", "fine", resolved=True, env={})
    assert resolved.action == "closed" and theirs["state"] == "open"
    assert theirs["number"] not in fake.comments


def test_issue_listing_is_filtered_by_label_and_paginated(
    fake: FakeGitHub, client: GitHubClient
) -> None:
    for i in range(150):
        fake.add_issue(f"noise {i}", "x", login="bob")
    fake.add_issue("Drift in prod", drift("prod", "old"))
    fake.add_issue("Unlabelled", drift("prod", "elsewhere"), labels=())
    outcome = upsert_issue(
        client, REPO, "drift", "prod", "Drift in prod", drift("prod", "new"), resolved=False, env={}
    )
    assert outcome.action == "updated" and fake.issues[150]["body"].startswith("new")
    assert fake.issues[151]["body"].startswith("elsewhere")
    listing = fake.sent("GET")
    assert len(listing) == 2 and all(r.query["labels"] == ["c2cvpn-drift"] for r in listing)


def test_issue_403_names_issues_write(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.faults.append(Fault("POST", r".*/issues", 403, message="Resource not accessible"))
    result = run(fake, issue_args(body_file(tmp_path, drift("prod", "x"))))
    assert result.exit_code == 2 and "issues: write" in result.stderr
    assert "workflow_run" not in result.stderr


def test_issue_label_with_a_comma_is_exit_2(fake: FakeGitHub, tmp_path: Path) -> None:
    result = run(fake, issue_args(body_file(tmp_path, "x"), "--label", "a,b"))
    assert result.exit_code == 2 and "label" in result.stderr and not fake.requests


def test_a_dropped_label_is_reported(fake: FakeGitHub, client: GitHubClient) -> None:
    fake.drop_labels = True
    outcome = upsert_issue(client, REPO, "drift", "prod", "t", "x", resolved=False, env={})
    assert outcome.action == "created"
    assert any("without the label 'c2cvpn-drift'" in w for w in outcome.warnings)


def test_workflow_commands_are_escaped_as_the_runner_requires() -> None:
    assert _workflow_escape("50% done\r\nnext") == "50%25 done%0D%0Anext"
