"""A thin GitHub REST client on httpx: what the comment and issue poster needs, no more.

- Base URL from ``GITHUB_API_URL`` (default ``https://api.github.com``; GitHub Enterprise
  Server's ``https://HOST/api/v3`` works too), token from ``GITHUB_TOKEN``. Plain ``http`` is
  accepted only for a loopback address (a test server): the token never crosses a network
  in clear.
- Every request sends ``Accept: application/vnd.github+json``, ``X-GitHub-Api-Version:
  2022-11-28`` and a User-Agent, with explicit connect/read timeouts.
- Listings ask for ``per_page=100`` and follow the ``Link: <…>; rel="next"`` header to the
  end, never only the first page. A ``next`` link to another origin is refused (the token
  would follow it), and more than :data:`MAX_PAGES` pages is an error, not a silent cut.
- Retries through *stamina*, bounded in attempts and total time: 5xx, timeouts and lost
  connections back off exponentially with jitter; rate limits (429, or 403 with
  ``x-ratelimit-remaining: 0``, a ``retry-after`` or a "rate limit" message) wait what GitHub
  asks (``retry-after``, else until ``x-ratelimit-reset``) when that fits the budget. A create
  (``POST``) is not repeated after a 5xx or a timeout, which may have created the record: the
  error says so (:attr:`GitHubError.maybe_acted`) and the caller looks before trying again.
- Errors are typed: :class:`Forbidden` (403, not a rate limit), :class:`TooLong` (422 whose
  message says the body is too long), :class:`NotFound`, :class:`Unauthorized`,
  :class:`Unavailable` (retries exhausted). The token never appears in a message or a repr.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

import httpx
import stamina

from c2cvpn.genesys.urls import is_loopback
from c2cvpn.github import API_URL_ENV, TOKEN_ENV
from c2cvpn.retrying import retry_after_seconds

DEFAULT_API_URL: Final = "https://api.github.com"
API_VERSION: Final = "2022-11-28"
USER_AGENT: Final = "c2cvpn-github-poster"
#: GitHub's largest page.
PER_PAGE: Final = 100
#: Pages read from one listing before giving up (10 000 comments or issues).
MAX_PAGES: Final = 100
#: Connect, read, write and pool timeouts of one request, seconds.
DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)
#: ``owner/name`` as GitHub spells them (owner: 39 characters of letters, digits, '-').
REPO: Final = re.compile(
    r"(?P<owner>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/(?P<name>[A-Za-z0-9._-]{1,100})"
)
#: How much of GitHub's own message an error keeps.
_MESSAGE_CHARS = 300


# --------------------------------------------------------------------------- errors


class ConfigError(ValueError):
    """The client cannot be set up: no token, or an unusable API URL."""


class GitHubError(Exception):
    """A failed call: ``status`` (None when no answer came) and a one-line ``message``."""

    kind: str = "error"

    def __init__(self, status: int | None, message: str, *, maybe_acted: bool = False) -> None:
        self.status = status
        self.message = message
        #: A create that failed in a way that leaves open whether GitHub acted on it.
        self.maybe_acted = maybe_acted
        super().__init__(f"{message} (HTTP {status})" if status is not None else message)


class Forbidden(GitHubError):
    """403 that is not a rate limit: the token may not do this here."""

    kind = "forbidden"


class TooLong(GitHubError):
    """422 whose message says the body is too long (GitHub's limit: 65 536 characters)."""

    kind = "too_long"


class NotFound(GitHubError):
    """404: no such repository, issue or comment, or one the token cannot see."""

    kind = "not_found"


class Unauthorized(GitHubError):
    """401: GitHub refused the token itself (expired, revoked, mistyped)."""

    kind = "unauthorized"


class Unavailable(GitHubError):
    """GitHub did not answer usefully within the retry budget (5xx, rate limit, network)."""

    kind = "unavailable"


class Malformed(GitHubError):
    """GitHub answered, but not with the JSON expected."""

    kind = "malformed"


class _Retry(Exception):
    """Internal: a failure worth another attempt."""

    def __init__(
        self, error: GitHubError, *, wait: float | None = None, ambiguous: bool = True
    ) -> None:
        super().__init__(str(error))
        self.error = error
        #: What GitHub asked to wait (seconds); None: exponential backoff.
        self.wait = wait
        #: GitHub may have acted on the request (a 5xx, or a timeout after sending).
        self.ambiguous = ambiguous


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds on retrying one request."""

    attempts: int = 4
    timeout: float = 120.0  # total seconds across the attempts of one request
    wait_initial: float = 1.0
    wait_max: float = 15.0
    wait_jitter: float = 1.0
    max_retry_after: float = 60.0  # refuse to wait longer than this for one rate limit


def parse_repo(repo: str) -> tuple[str, str]:
    """``owner/name`` → (owner, name); ValueError for anything GitHub would not accept."""
    found = REPO.fullmatch(repo)
    if found is None or found["name"] in {".", ".."}:
        raise ValueError(
            f"repository {repo[:120]!r}: expected OWNER/NAME (letters, digits, '-', and '.', '_' in the name)"
        )
    return found["owner"], found["name"]


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


# --------------------------------------------------------------------------- client


class GitHubClient:
    """Synchronous client. Use as a context manager, or call :meth:`close`."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_API_URL,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not token.strip():
            raise ConfigError(f"{TOKEN_ENV} is empty")
        try:
            url = httpx.URL(base_url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise ConfigError(f"{API_URL_ENV} {base_url[:120]!r} is not a URL: {exc}") from None
        if url.scheme not in {"http", "https"} or not url.host:
            raise ConfigError(f"{API_URL_ENV} {base_url[:120]!r}: expected an https:// URL")
        if url.scheme != "https" and not is_loopback(base_url):
            raise ConfigError(
                f"{API_URL_ENV} {base_url[:120]!r}: plain http would send the token in clear; "
                "use https (http is accepted for a loopback test server only)"
            )
        self._token = token.strip()
        self.base_url = url
        self.retry = retry or RetryPolicy()
        #: Requests sent, retries included.
        self.requests = 0
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
            headers={
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": USER_AGENT,
                "Authorization": f"Bearer {self._token}",
            },
        )

    @classmethod
    def from_env(
        cls, env: Mapping[str, str], *, transport: httpx.BaseTransport | None = None
    ) -> GitHubClient:
        """The client ``GITHUB_TOKEN`` and ``GITHUB_API_URL`` describe (ConfigError if unusable)."""
        token = env.get(TOKEN_ENV, "").strip()
        if not token:
            raise ConfigError(f"{TOKEN_ENV} is not set")
        base = env.get(API_URL_ENV, "").strip() or DEFAULT_API_URL
        return cls(token, base_url=base, transport=transport)

    def __repr__(self) -> str:
        return f"GitHubClient(base_url={str(self.base_url)!r}, token=[secret])"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ public calls

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        return self._send("GET", path, params=params).json_body

    def post(self, path: str, payload: Mapping[str, Any]) -> Any:
        """A create: not repeated after an answer that leaves open whether GitHub acted."""
        return self._send("POST", path, payload=payload, idempotent=False).json_body

    def patch(self, path: str, payload: Mapping[str, Any]) -> Any:
        return self._send("PATCH", path, payload=payload).json_body

    def paginate(
        self, path: str, params: Mapping[str, str | int] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every item of a listing, page after page (``per_page=100``, ``Link: rel="next"``)."""
        query: dict[str, str | int] | None = {**(params or {}), "per_page": PER_PAGE}
        target: str = path
        pages = 0
        while True:
            pages += 1
            if pages > MAX_PAGES:
                raise GitHubError(
                    None,
                    f"GET {self._path_of(path)}: more than {MAX_PAGES} pages of {PER_PAGE}; "
                    "refusing to read further",
                )
            answer = self._send("GET", target, params=query)
            if not isinstance(answer.json_body, list):
                raise Malformed(
                    answer.status,
                    f"GET {self._path_of(path)}: expected a JSON list, got {type(answer.json_body).__name__}",
                )
            for item in answer.json_body:
                if isinstance(item, dict):
                    yield item
            following = answer.next_url
            if following is None:
                return
            nxt = httpx.URL(following)
            if _origin(nxt) != _origin(self.base_url):
                raise GitHubError(
                    None,
                    f"GET {self._path_of(path)}: the next page is on another origin "
                    f"({nxt.scheme}://{nxt.host}); not following it with the token",
                )
            # The link carries the whole query (page, per_page, filters); params would replace it.
            target, query = str(nxt), None

    # ------------------------------------------------------------------ transport + retries

    def _path_of(self, target: str) -> str:
        return httpx.URL(target).path if "://" in target else "/" + target.lstrip("/")

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "[secret]") if self._token else text

    def _send(
        self,
        method: str,
        target: str,
        *,
        params: Mapping[str, str | int] | None = None,
        payload: Mapping[str, Any] | None = None,
        idempotent: bool = True,
    ) -> _Answer:
        policy = self.retry
        started = time.monotonic()
        attempts = 0
        refused: list[str] = []
        where = f"{method} {self._path_of(target)}"

        def backoff(exc: Exception) -> bool | float:
            if not isinstance(exc, _Retry):
                return False
            if exc.ambiguous and not idempotent:
                return False
            if exc.wait is None:
                return True  # stamina's exponential backoff with jitter
            left = policy.timeout - (time.monotonic() - started)
            if exc.wait > policy.max_retry_after or exc.wait > left:
                refused.append(f"GitHub asks to wait {exc.wait:.0f} s, beyond the retry budget")
                return False
            return exc.wait

        try:
            for attempt in stamina.retry_context(
                on=backoff,
                attempts=policy.attempts,
                timeout=policy.timeout,
                wait_initial=policy.wait_initial,
                wait_max=policy.wait_max,
                wait_jitter=policy.wait_jitter,
            ):
                with attempt:
                    attempts += 1
                    return self._attempt(method, target, where, params=params, payload=payload)
        except _Retry as exc:
            err = exc.error
            if exc.ambiguous and not idempotent:
                raise GitHubError(
                    err.status,
                    f"{err.message}; not retried: {method} creates, and GitHub may have acted on it",
                    maybe_acted=True,
                ) from None
            why = refused[-1] if refused else f"gave up after {attempts} attempt(s)"
            raise Unavailable(err.status, f"{err.message}; {why}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self,
        method: str,
        target: str,
        where: str,
        *,
        params: Mapping[str, str | int] | None,
        payload: Mapping[str, Any] | None,
    ) -> _Answer:
        self.requests += 1
        host = self.base_url.host
        try:
            response = self._http.request(method, target, params=params, json=payload)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Nothing was sent: safe to repeat whatever the method.
            raise _Retry(
                GitHubError(None, f"{where}: cannot reach {host}: {type(exc).__name__}"),
                ambiguous=False,
            ) from None
        except httpx.TimeoutException:
            raise _Retry(GitHubError(None, f"{where}: timed out talking to {host}")) from None
        except httpx.TransportError as exc:
            raise _Retry(
                GitHubError(None, f"{where}: lost the connection to {host}: {type(exc).__name__}")
            ) from None
        status = response.status_code
        if 200 <= status < 300:
            return _Answer.of(response, where)
        message = f"{where}: {self._scrub(_github_message(response))}"
        if status == 429 or (status == 403 and _rate_limited(response, message)):
            raise _Retry(
                GitHubError(status, f"{message} (rate limited)"),
                wait=_rate_limit_wait(response),
                ambiguous=False,  # a rate-limited request was not acted on
            )
        if status >= 500:
            raise _Retry(GitHubError(status, message))
        if status == 401:
            raise Unauthorized(status, message)
        if status == 403:
            raise Forbidden(status, message)
        if status == 404:
            raise NotFound(status, message)
        if status == 422 and "too long" in message.lower():
            raise TooLong(status, message)
        raise GitHubError(status, message)


@dataclass(frozen=True)
class _Answer:
    status: int
    json_body: Any
    next_url: str | None

    @classmethod
    def of(cls, response: httpx.Response, where: str) -> _Answer:
        body: Any = None
        if response.status_code != 204 and response.content:
            try:
                body = response.json()
            except ValueError:
                raise Malformed(response.status_code, f"{where}: the answer is not JSON") from None
        link = response.links.get("next", {}).get("url")
        return cls(response.status_code, body, link or None)


def _github_message(response: httpx.Response) -> str:
    """GitHub's ``message`` and the messages of its ``errors`` list, on one short line."""
    try:
        doc = response.json()
    except ValueError:
        doc = None
    parts: list[str] = []
    if isinstance(doc, dict):
        if isinstance(doc.get("message"), str):
            parts.append(doc["message"])
        for item in doc.get("errors") or []:
            if isinstance(item, str):
                parts.append(item)
            elif isinstance(item, dict):
                text = item.get("message") or " ".join(
                    str(item[k]) for k in ("resource", "field", "code") if item.get(k)
                )
                if text:
                    parts.append(str(text))
    text = "; ".join(parts) or response.reason_phrase or "no message"
    text = " ".join(text.split())
    return text if len(text) <= _MESSAGE_CHARS else text[: _MESSAGE_CHARS - 1] + "…"


def _rate_limited(response: httpx.Response, message: str) -> bool:
    headers = response.headers
    return (
        headers.get("x-ratelimit-remaining") == "0"
        or "retry-after" in headers
        or "rate limit" in message.lower()
    )


def _rate_limit_wait(response: httpx.Response) -> float | None:
    """What GitHub asks to wait: ``retry-after``, else until ``x-ratelimit-reset`` when the
    quota is spent; None: back off exponentially."""
    stated = retry_after_seconds(response.headers.get("retry-after"))
    if stated is not None:
        return stated
    if response.headers.get("x-ratelimit-remaining") == "0":
        try:
            reset = float(response.headers.get("x-ratelimit-reset", ""))
        except ValueError:
            return None
        return max(0.0, reset - time.time())
    return None
