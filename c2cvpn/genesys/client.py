"""A client for the Genesys-side VPN contract (``openapi.yaml``), on httpx.

Follows the Genesys Cloud Platform API conventions:

- OAuth client credentials against ``<login>/oauth/token`` (HTTP Basic, form body); the
  token is cached and refreshed shortly before it expires, and once on a 401. Without a
  login URL, the login host is the API host with ``api.`` turned into ``login.``, as
  Genesys' SDKs derive it.
- Paging with ``pageSize``/``pageNumber`` (``entities``, ``pageCount``, ``nextUri``), bounded:
  it ends at the ``pageCount`` (or ``total``) the first page announced, and a listing that
  announces neither stops with an error after :data:`MAX_PAGES` pages.
- Errors ``{status, code, message, contextId}`` become typed exceptions that name the
  contextId: :class:`AuthError`, :class:`NotFound`, :class:`ValidationFailed`,
  :class:`GenesysUnavailable`, :class:`MalformedResponse`.
- Retries through *stamina*: a 429 waits exactly its ``Retry-After``; 5xx, timeouts and
  connection errors back off exponentially with jitter; attempts and total time are bounded.
  A 200 whose body is not JSON (truncated) is retried like a 5xx, except after a create.
- An overall *deadline* (seconds, from the client's creation) bounds everything: retries and
  their waits, each request's timeouts, and the reading of each response, checked on the
  wall clock as the bytes arrive (a server trickling one byte every few seconds resets
  httpx's read timeout forever). Past it, :class:`DeadlineExceeded`.
  The login service reports its own rate limit as ``400 invalid_request`` with an
  ``error_description`` starting "rate limit exceeded" (not 429): that is retried the same
  way (its wait honoured when the response states one), every other 400/401/403 from the
  token endpoint is a fatal :class:`AuthError`.

The transport is the seam: pass an ``httpx.BaseTransport`` (a ``MockTransport``, or the
default one pointed at the simulator). The client secret and any pre-shared key never
appear in an error, a log line or a repr.
"""

from __future__ import annotations

import logging
import math
import os
import random
import re
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urljoin

import httpcore
import httpx
import stamina
from pydantic import BaseModel, SecretStr, ValidationError

from c2cvpn.genesys.model import (
    Connection,
    ConnectionInput,
    ConnectionStatus,
    Diagnostics,
    PingResult,
)
from c2cvpn.genesys.regions import REGION_DOMAINS, api_base, login_base
from c2cvpn.genesys.urls import is_loopback as is_loopback  # re-exported for callers
from c2cvpn.retrying import retry_after_seconds
from c2cvpn.spec import GenesysApi

log = logging.getLogger("c2cvpn.genesys")

_SPEC_DEFAULTS = GenesysApi()  # the contract's paths and the timeout are defined in the spec
DEFAULT_TOKEN_PATH = _SPEC_DEFAULTS.paths.token
DEFAULT_CONNECTIONS_PATH = _SPEC_DEFAULTS.paths.connections
#: Per-request timeout in seconds.
DEFAULT_TIMEOUT = _SPEC_DEFAULTS.timeout_seconds
#: Genesys' largest page for most listings.
MAX_PAGE_SIZE = 100
#: Pages read from a listing that announces neither ``pageCount`` nor ``total`` before giving
#: up (at 100 a page, 20 000 connections: far beyond any org's VPN connections).
MAX_PAGES = 200
#: The overall deadline of one command (``c2cvpn reconcile``) or one provider operation, seconds.
DEFAULT_DEADLINE = 120.0
#: The environment variable that sets it (``--deadline`` on the command line wins).
DEADLINE_ENV = "C2CVPN_DEADLINE"

M = TypeVar("M", bound=BaseModel)


# --------------------------------------------------------------------------- errors


class GenesysError(Exception):
    """A failed call. ``str()`` is one line that names the status, code and contextId."""

    #: A write that failed in a way that leaves open whether the server acted on it (a 5xx,
    #: a timeout or a lost connection after the request was sent).
    maybe_acted: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        context_id: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.context_id = context_id
        self.detail = message
        parts = [message]
        if status is not None or code:
            parts.append(f"(HTTP {status}{', ' + code if code else ''})")
        if context_id:
            parts.append(f"contextId {context_id}")
        super().__init__(" ".join(parts))


class AuthError(GenesysError):
    """The OAuth client was refused (bad id or secret, or a token refused twice)."""


class NotFound(GenesysError):
    """No such connection (404)."""


class ValidationFailed(GenesysError):
    """The server refused the request body or parameters (400, 409, 422)."""


class GenesysUnavailable(GenesysError):
    """Retries exhausted (429, 5xx, timeouts, connection errors) or the budget would be exceeded."""


class DeadlineExceeded(GenesysUnavailable):
    """The overall deadline passed (before a request, between retries or inside a response)."""


class MalformedResponse(GenesysError):
    """The server answered, but not with the contract's JSON."""


class _Retryable(Exception):
    """Internal: a response or transport failure worth another attempt."""

    def __init__(
        self, error: GenesysError, retry_after: float | None = None, *, ambiguous: bool = True
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after
        #: The server may have acted on the request (a 5xx, a timeout after sending).
        self.ambiguous = ambiguous


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class ApiPaths:
    token: str = DEFAULT_TOKEN_PATH
    connections: str = DEFAULT_CONNECTIONS_PATH

    def item(self, connection_id: str) -> str:
        return f"{self.connections.rstrip('/')}/{httpx.URL(connection_id).raw_path.decode()}"


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds on retrying. ``retry_after_scale`` shrinks Retry-After waits (tests, benchmarks only)."""

    attempts: int = 5
    timeout: float = 90.0  # total seconds across attempts
    wait_initial: float = 0.2
    wait_max: float = 5.0
    wait_jitter: float = 0.3
    max_retry_after: float = 60.0  # refuse to wait longer than this for one 429
    retry_after_scale: float = 1.0


@dataclass
class ClientStats:
    """What the client did: requests sent (by kind) and the waits it honoured."""

    requests: int = 0
    token_requests: int = 0
    retries: int = 0
    retry_after_waits: list[float] = field(default_factory=list)

    @property
    def api_requests(self) -> int:
        return self.requests - self.token_requests


# --------------------------------------------------------------------------- client


def _insecure(url: str) -> bool:
    """Plain http to anything but loopback: credentials and keys would cross the network in clear."""
    return httpx.URL(url).scheme != "https" and not is_loopback(url)


#: The login service's rate-limit answer: HTTP 400, ``error`` ``invalid_request``, and an
#: ``error_description`` that starts with this. Genesys' Terraform provider retries exactly
#: "Auth Error: 400 - invalid_request (rate limit exceeded; …" (the Go SDK's rendering of
#: status, ``error`` and ``error_description``) and fails on any other login error
#: (MyPureCloud/terraform-provider-genesyscloud, genesyscloud/provider/provider.go,
#: ``InitClientConfig`` and ``AuthorizeSdk``).
TOKEN_RATE_LIMIT_PREFIX = "rate limit exceeded"

#: A wait stated in words, e.g. "retry in [5] seconds", "try again in 2.5 s".
_STATED_WAIT = re.compile(r"\[?(\d+(?:\.\d+)?)\]?\s*(?:seconds?|secs?|s)\b", re.IGNORECASE)


def login_url_for(base_url: str) -> str:
    """The OAuth host that goes with an API URL on its own, as Genesys' SDKs derive it:
    ``//api.`` becomes ``//login.`` (``AuthorizeClientCredentials`` in the Go SDK, ``api_client``
    in the Python SDK). Any other URL, such as the loopback simulator, is its own login host."""
    return re.sub(r"//api\.", "//login.", base_url, count=1, flags=re.IGNORECASE)


def _token_rate_limit(body: Any) -> str | None:
    """The description of a token-endpoint rate-limit answer (400 invalid_request), else None."""
    if not isinstance(body, dict) or body.get("error") != "invalid_request":
        return None
    description = str(body.get("error_description") or body.get("description") or "")
    return description if description.lower().startswith(TOKEN_RATE_LIMIT_PREFIX) else None


def _stated_wait(text: str) -> float | None:
    """Seconds to wait when ``text`` states them ("retry in [5] seconds"), else None."""
    found = _STATED_WAIT.search(text)
    return float(found.group(1)) if found else None


def deadline_from_env(env: Mapping[str, str] | None = None) -> float:
    """The overall deadline: ``$C2CVPN_DEADLINE`` when it holds a positive number of seconds,
    else :data:`DEFAULT_DEADLINE`."""
    raw = (os.environ if env is None else env).get(DEADLINE_ENV, "")
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_DEADLINE
    return value if math.isfinite(value) and value > 0 else DEFAULT_DEADLINE


# --------------------------------------------------------------------------- the deadline on the wire


class _DeadlineStream(httpcore.NetworkStream):
    """A socket whose every read and write is bounded by the time left before the deadline."""

    def __init__(self, inner: httpcore.NetworkStream, left: Callable[[], float | None]) -> None:
        self._inner, self._left = inner, left

    def _bound(self, timeout: float | None, kind: type[Exception]) -> float | None:
        left = self._left()
        if left is None:
            return timeout
        if left <= 0:
            raise kind("the overall deadline passed")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._bound(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._bound(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._inner.start_tls(
            ssl_context, server_hostname, self._bound(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(tls, self._left)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend with :class:`_DeadlineStream` sockets."""

    def __init__(self, inner: httpcore.NetworkBackend, left: Callable[[], float | None]) -> None:
        self._inner, self._left = inner, left

    def _bound(self, timeout: float | None) -> float | None:
        left = self._left()
        if left is None:
            return timeout
        if left <= 0:
            raise httpcore.ConnectTimeout("the overall deadline passed")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, self._bound(timeout), local_address, socket_options
        )
        return _DeadlineStream(stream, self._left)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(path, self._bound(timeout), socket_options)
        return _DeadlineStream(stream, self._left)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _deadline_transport(left: Callable[[], float | None]) -> httpx.BaseTransport:
    """httpx's own transport, its sockets bounded by the deadline: a server that trickles the
    status line or headers a byte at a time cannot hold a request past it. (httpx has no
    total timeout; its connection pool keeps its network backend in ``_network_backend``. If
    that ever moves, the body check in :meth:`GenesysClient._attempt` still holds.)"""
    transport = httpx.HTTPTransport()
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.NetworkBackend):
        pool._network_backend = _DeadlineBackend(backend, left)  # type: ignore[union-attr]
    return transport


class _DeadlineBody(httpx.SyncByteStream):
    """A response body read under the deadline: checked on the wall clock as each chunk arrives."""

    def __init__(self, inner: Iterable[bytes], check: Callable[[int], None]) -> None:
        self._inner, self._check = inner, check

    def __iter__(self) -> Iterator[bytes]:
        received = 0
        self._check(received)
        for chunk in self._inner:
            received += len(chunk)
            self._check(received)
            yield chunk

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if callable(close):
            close()


class GenesysClient:
    """Synchronous client. Use as a context manager, or call :meth:`close`.

    ``deadline``: seconds from now after which no request is started, no retry is waited
    for and no response is read any further (None: only the retry policy bounds it).
    """

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str | SecretStr,
        login_url: str | None = None,
        paths: ApiPaths | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        token_refresh_margin: float = 60.0,
        deadline: float | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.login_url = (login_url or login_url_for(base_url)).rstrip("/")
        self.client_id = client_id
        self._secret = (
            client_secret if isinstance(client_secret, SecretStr) else SecretStr(client_secret)
        )
        self.paths = paths or ApiPaths()
        self.retry = retry or RetryPolicy()
        self.stats = ClientStats()
        self._clock = clock
        self._margin = token_refresh_margin
        self._token: SecretStr | None = None
        self._token_expires = 0.0
        self.timeout = timeout
        self.deadline = deadline
        self._deadline_at = None if deadline is None else time.monotonic() + deadline
        self._http = httpx.Client(
            transport=transport if transport is not None else _deadline_transport(self.remaining),
            timeout=timeout,
            headers={"Accept": "application/json", "User-Agent": "c2cvpn"},
        )

    @classmethod
    def for_region(cls, region: str, **kw: Any) -> GenesysClient:
        """The client for a Genesys Cloud region (``api.<domain>`` and ``login.<domain>``)."""
        if region not in REGION_DOMAINS:
            raise ValueError(
                f"unknown Genesys Cloud region {region!r}; known: {', '.join(sorted(REGION_DOMAINS))}"
            )
        return cls(base_url=api_base(region), login_url=login_base(region), **kw)

    def __repr__(self) -> str:
        return f"GenesysClient(base_url={self.base_url!r}, client_id={self.client_id!r}, client_secret='[secret]')"

    def __enter__(self) -> GenesysClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ token

    def _fetch_token(self) -> None:
        url = self.login_url + self.paths.token
        for where in (self.login_url, self.base_url):
            if _insecure(where):
                raise AuthError(
                    f"refusing to send OAuth credentials or a bearer token over plain http to {httpx.URL(where).host}: "
                    "use https (plain http is for the loopback simulator only)"
                )
        response = self._send("POST", url, auth=False, data={"grant_type": "client_credentials"})
        if response.status_code in (400, 401, 403):
            body = _json_or_none(response)
            reason = self._scrub(
                str((body or {}).get("error_description") or (body or {}).get("error") or "refused")
            )
            raise AuthError(
                f"OAuth client {self.client_id!r} was refused at {url}: {reason}",
                status=response.status_code,
                code=(body or {}).get("error"),
                context_id=_context_id(response, body),
            )
        body = self._check(response)
        try:
            token = str(body["access_token"])
            expires_in = float(body.get("expires_in", 86400))
        except (KeyError, TypeError, ValueError):
            raise MalformedResponse(
                f"token response from {url} has no access_token",
                status=response.status_code,
                context_id=_context_id(response, body),
            ) from None
        self._token = SecretStr(token)
        # Refresh `margin` seconds early, but never so early that a short-lived token is
        # refetched before every request: at most half its lifetime early.
        self._token_expires = self._clock() + expires_in - min(self._margin, expires_in / 2)

    def _bearer(self) -> str:
        if self._token is None or self._clock() >= self._token_expires:
            self._fetch_token()
        assert self._token is not None
        return self._token.get_secret_value()

    # ------------------------------------------------------------------ the deadline

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None: no deadline)."""
        if self._deadline_at is None:
            return None
        return self._deadline_at - time.monotonic()

    def _deadline_error(self, method: str, url: str, when: str) -> DeadlineExceeded:
        return DeadlineExceeded(
            f"{method} {httpx.URL(url).path}: the overall deadline of {self.deadline:g} s passed {when}"
        )

    def _request_timeout(self) -> httpx.Timeout:
        """The client's timeouts, none longer than the time left."""
        left = self.remaining()
        if left is None:
            return httpx.Timeout(self.timeout)
        return httpx.Timeout(max(0.001, min(self.timeout, left)))

    # ------------------------------------------------------------------ transport + retries

    def _scrub(self, text: str, secrets: tuple[str, ...] = ()) -> str:
        """``text`` with the client secret, the bearer token and ``secrets`` replaced by ``[secret]``."""
        known = [self._secret.get_secret_value(), *(s for s in secrets if s)]
        if self._token is not None:
            known.append(self._token.get_secret_value())
        for value in sorted({k for k in known if len(k) >= 4}, key=len, reverse=True):
            text = text.replace(value, "[secret]")
        return text

    def _send(
        self,
        method: str,
        url: str,
        *,
        auth: bool,
        idempotent: bool = True,
        secrets: tuple[str, ...] = (),
        **kw: Any,
    ) -> httpx.Response:
        """One logical request, retried per the policy. Returns the final non-retryable response.

        ``idempotent=False`` (a create): only failures that prove the server did not act are
        retried (429, and connection errors before the request was sent); a 5xx or a timeout
        may have created the record, so it is reported instead of repeated. ``secrets`` are
        scrubbed from every message built from a response (retry logs included).
        """
        policy = self.retry
        started = time.monotonic()
        attempts = 0
        over_budget: list[str] = []

        def backoff(exc: Exception) -> bool | float:
            if not isinstance(exc, _Retryable) or attempts >= policy.attempts:
                return False  # not retryable, or the last attempt: no wait is scheduled, none is counted
            if not idempotent and exc.ambiguous:
                return False
            left = self.remaining()
            if exc.retry_after is None:
                if left is None:
                    self.stats.retries += 1
                    return True  # stamina's exponential backoff with jitter
                wait = min(
                    policy.wait_max,
                    policy.wait_initial * 2.0 ** (attempts - 1)
                    + random.uniform(0, policy.wait_jitter),
                )
                if wait >= left:
                    over_budget.append(
                        f"the overall deadline of {self.deadline:g} s passed "
                        f"after {attempts} attempt(s)"
                    )
                    return False
                self.stats.retries += 1
                return wait  # the same backoff, computed here to keep it inside the deadline
            remaining = policy.timeout - (time.monotonic() - started)
            scaled = exc.retry_after * policy.retry_after_scale
            if exc.retry_after > policy.max_retry_after or scaled > remaining:
                over_budget.append(
                    f"Genesys asks to wait {exc.retry_after:g} s, beyond the retry budget"
                )
                return False  # waiting would break the budget: give up now
            if left is not None and scaled >= left:
                over_budget.append(
                    f"Genesys asks to wait {exc.retry_after:g} s, beyond the overall deadline "
                    f"of {self.deadline:g} s"
                )
                return False
            self.stats.retries += 1
            self.stats.retry_after_waits.append(exc.retry_after)
            return scaled

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
                    left = self.remaining()
                    if left is not None and left <= 0:
                        raise self._deadline_error(
                            method, url, f"before attempt {attempts + 1} could be sent"
                        )
                    attempts += 1
                    return self._attempt(method, url, auth=auth, secrets=secrets, **kw)
        except DeadlineExceeded as exc:
            exc.maybe_acted = exc.maybe_acted and not idempotent
            raise
        except _Retryable as exc:
            err = exc.error
            left = self.remaining()
            kind: type[GenesysError] = (
                MalformedResponse if isinstance(err, MalformedResponse) else GenesysUnavailable
            )
            if over_budget:
                why = over_budget[-1]
                if "overall deadline" in why:
                    kind = DeadlineExceeded
            elif left is not None and left <= 0:
                why = f"the overall deadline of {self.deadline:g} s passed after {attempts} attempt(s)"
                kind = DeadlineExceeded
            else:
                why = f"gave up after {attempts} attempt(s) in {time.monotonic() - started:.1f} s"
            maybe_acted = not idempotent and exc.ambiguous
            if maybe_acted:
                why = (
                    f"not retried: {method} is not idempotent and the server may have acted on it; "
                    "check whether the record exists before trying again"
                )
            failure = kind(
                f"{method} {httpx.URL(url).path} failed: {err.detail}; {why}",
                status=err.status,
                code=err.code,
                context_id=err.context_id,
            )
            failure.maybe_acted = maybe_acted
            raise failure from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self, method: str, url: str, *, auth: bool, secrets: tuple[str, ...] = (), **kw: Any
    ) -> httpx.Response:
        headers = dict(kw.pop("headers", {}) or {})
        refreshed = False
        while True:
            if auth:
                headers["Authorization"] = f"Bearer {self._bearer()}"
                request_kw = {**kw, "headers": headers}
            else:
                request_kw = {**kw, "auth": (self.client_id, self._secret.get_secret_value())}
            self.stats.requests += 1
            if not auth:
                self.stats.token_requests += 1
            try:
                response = self._exchange(method, url, request_kw)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                # Nothing was sent: safe to repeat whatever the method.
                raise _Retryable(
                    GenesysError(f"cannot reach {httpx.URL(url).host}: {type(exc).__name__}"),
                    ambiguous=False,
                ) from None
            except httpx.TimeoutException:
                raise _Retryable(
                    GenesysError(f"timed out talking to {httpx.URL(url).host}")
                ) from None
            except httpx.TransportError as exc:
                raise _Retryable(
                    GenesysError(
                        f"lost the connection to {httpx.URL(url).host}: {type(exc).__name__}"
                    )
                ) from None
            if response.status_code == 400 and not auth:  # the token request
                body = _json_or_none(response)
                description = _token_rate_limit(body)
                if description is not None:
                    # Refused before any work, like a 429: safe to repeat. Wait what the
                    # response states, else back off per the policy.
                    stated = retry_after_seconds(response.headers.get("Retry-After"))
                    raise _Retryable(
                        GenesysError(
                            f"the login service is rate limiting: {self._scrub(description)}",
                            status=400,
                            code="invalid_request",
                            context_id=_context_id(response, body),
                        ),
                        retry_after=stated if stated is not None else _stated_wait(description),
                        ambiguous=False,
                    )
            if response.status_code == 401 and auth and not refreshed:
                refreshed = True  # the token expired or was revoked early: refresh once
                self._token = None
                continue
            if response.status_code == 429:
                body = _json_or_none(response)
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                err = GenesysError(
                    f"rate limited (Retry-After {response.headers.get('Retry-After', 'absent')})",
                    status=429,
                    code=(body or {}).get("code", "too.many.requests.retry.after"),
                    context_id=_context_id(response, body),
                )
                # A 429 is refused before any work: safe to repeat whatever the method.
                raise _Retryable(
                    err,
                    retry_after=wait if wait is not None else self.retry.wait_initial,
                    ambiguous=False,
                )
            if response.status_code >= 500:
                body = _json_or_none(response)
                message = self._scrub(
                    str((body or {}).get("message") or response.reason_phrase or "server error"),
                    secrets,
                )
                raise _Retryable(
                    GenesysError(
                        message,
                        status=response.status_code,
                        code=(body or {}).get("code"),
                        context_id=_context_id(response, body),
                    )
                )
            if (
                response.is_success
                and response.status_code != 204
                and response.content
                and _json_or_none(response) is None
            ):
                # A truncated or garbled answer (a proxy cut it short): as transient as a 5xx,
                # and as ambiguous (a create is not repeated).
                raise _Retryable(
                    MalformedResponse(
                        f"{method} {response.request.url.path} answered {response.status_code} with a body that is not JSON",
                        status=response.status_code,
                        context_id=_context_id(response, None),
                    )
                )
            return response

    def _exchange(self, method: str, url: str, request_kw: dict[str, Any]) -> httpx.Response:
        """Send one request and read its whole body, both bounded by the deadline."""
        started = time.monotonic()
        with self._http.stream(method, url, timeout=self._request_timeout(), **request_kw) as r:
            if self._deadline_at is not None:

                def check(received: int) -> None:
                    left = self.remaining()
                    if left is not None and left <= 0:
                        late = self._deadline_error(
                            method,
                            url,
                            f"while reading the response ({received} bytes in "
                            f"{time.monotonic() - started:.1f} s)",
                        )
                        late.maybe_acted = True  # the request was sent (see _send)
                        raise late

                assert isinstance(r.stream, httpx.SyncByteStream)
                r.stream = _DeadlineBody(r.stream, check)
            r.read()
        return r

    def _check(self, response: httpx.Response, secrets: tuple[str, ...] = ()) -> Any:
        """JSON of a 2xx response, or the typed error of a 4xx."""
        body = _json_or_none(response)
        ctx = _context_id(response, body)
        if response.is_redirect:
            where = httpx.URL(response.headers.get("Location", ""))
            target = f"{where.host}{where.path}" if where.host else where.path or "elsewhere"
            raise GenesysError(
                f"{response.request.method} {response.request.url.path} answered a redirect to "
                f"{target}; redirects are not followed (the bearer token would go along): "
                "set genesys.api.baseUrl to the API's own address",
                status=response.status_code,
                context_id=ctx,
            )
        if response.is_success:
            if response.status_code == 204 or not response.content:
                return None
            if body is None:
                raise MalformedResponse(
                    f"{response.request.method} {response.request.url.path} answered {response.status_code} with a body that is not JSON",
                    status=response.status_code,
                    context_id=ctx,
                )
            return body
        message = self._scrub(str((body or {}).get("message") or response.reason_phrase), secrets)
        code = (body or {}).get("code")
        kind: type[GenesysError] = GenesysError
        if response.status_code in (401, 403):
            kind = AuthError
        elif response.status_code == 404:
            kind = NotFound
        elif response.status_code in (400, 409, 422):
            kind = ValidationFailed
        raise kind(message, status=response.status_code, code=code, context_id=ctx)

    def _call(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool = True,
        secrets: tuple[str, ...] = (),
        **kw: Any,
    ) -> Any:
        response = self._send(
            method, self.base_url + path, auth=True, idempotent=idempotent, secrets=secrets, **kw
        )
        return self._check(response, secrets)

    def _parse(self, model: type[M], data: Any, what: str) -> M:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            fields = ", ".join(
                ".".join(str(p) for p in e["loc"]) or "(body)" for e in exc.errors()[:5]
            )
            raise MalformedResponse(
                f"{what} does not follow the contract (fields: {fields})"
            ) from None

    # ------------------------------------------------------------------ paging

    def pages(
        self, path: str, *, page_size: int = MAX_PAGE_SIZE, params: Mapping[str, Any] | None = None
    ) -> Iterator[list[Any]]:
        """Yield each page's ``entities``, following ``nextUri`` (or pageNumber) to the end.

        The end is what the API announced: the last page by ``pageCount``, or the page that
        brings the entities read to ``total`` (the smallest announcement seen wins, so a
        server that keeps sending ``nextUri`` past it is not followed). A listing that
        announces neither is read for at most :data:`MAX_PAGES` pages, then refused. A
        ``nextUri`` seen before (a loop) or on another host (the bearer token would go there)
        is a :class:`MalformedResponse`.
        """
        number = 1
        next_url: str | None = None
        seen: set[str] = set()
        origin = httpx.URL(self.base_url)
        page_limit: int | None = None
        total: int | None = None
        read = 0
        while True:
            if next_url is None:
                body = self._call(
                    "GET",
                    path,
                    params={**(params or {}), "pageSize": page_size, "pageNumber": number},
                )
            else:
                body = self._check(self._send("GET", next_url, auth=True))
            if not isinstance(body, dict) or not isinstance(body.get("entities"), list):
                raise MalformedResponse(f"listing {path} page {number} has no `entities` list")
            yield body["entities"]
            read += len(body["entities"])
            page_limit = _smallest(page_limit, _count(body.get("pageCount")))
            total = _smallest(total, _count(body.get("total")))
            nxt = body.get("nextUri")
            number += 1
            if (page_limit is not None and number > page_limit) or (
                total is not None and read >= total
            ):
                return
            if not nxt and page_limit is None:
                return
            if number > MAX_PAGES:
                raise MalformedResponse(
                    f"listing {path}: {MAX_PAGES} pages read and the API announced no end "
                    f"(pageCount {page_limit if page_limit is not None else 'absent'}, "
                    f"total {total if total is not None else 'absent'}, {read} entities so far); "
                    "paging stopped"
                )
            if nxt:
                url = httpx.URL(urljoin(self.base_url + "/", str(nxt)))
                if (url.scheme, url.host, url.port) != (origin.scheme, origin.host, origin.port):
                    raise MalformedResponse(
                        f"listing {path} page {number - 1}: nextUri points to another host ({url.host}); not followed"
                    )
                if str(url) in seen:
                    raise MalformedResponse(
                        f"listing {path} page {number - 1}: nextUri repeats a page already read; paging stopped"
                    )
                seen.add(str(url))
                next_url = str(url)
            else:
                next_url = None  # pageCount says there is more: ask for it by number

    # ------------------------------------------------------------------ the contract

    def list_connections(self, *, page_size: int = MAX_PAGE_SIZE) -> Iterator[Connection]:
        for page in self.pages(self.paths.connections, page_size=page_size):
            for entity in page:
                yield self._parse(Connection, entity, "a listed connection")

    def find_connection(self, name: str, *, page_size: int = MAX_PAGE_SIZE) -> Connection | None:
        for conn in self.list_connections(page_size=page_size):
            if conn.name == name:
                return conn
        return None

    def get_connection(self, connection_id: str) -> Connection:
        return self._parse(
            Connection, self._call("GET", self.paths.item(connection_id)), "the connection"
        )

    def create_connection(self, body: ConnectionInput) -> Connection:
        if body.pre_shared_key is None:
            raise ValueError("a new connection needs its pre-shared key")
        created = self._write("POST", self.paths.connections, body, idempotent=False)
        return self._parse(Connection, created, "the created connection")

    def update_connection(self, connection_id: str, body: ConnectionInput) -> Connection:
        return self._parse(
            Connection,
            self._write("PUT", self.paths.item(connection_id), body),
            "the updated connection",
        )

    def delete_connection(self, connection_id: str) -> None:
        self._call("DELETE", self.paths.item(connection_id))

    def status(self, connection_id: str) -> ConnectionStatus:
        return self._parse(
            ConnectionStatus,
            self._call("GET", self.paths.item(connection_id) + "/status"),
            "the status",
        )

    def diagnostics(self, connection_id: str) -> Diagnostics:
        return self._parse(
            Diagnostics,
            self._call("GET", self.paths.item(connection_id) + "/diagnostics"),
            "the diagnostics",
        )

    def pingtest(self, connection_id: str, target: str) -> PingResult:
        body = self._call(
            "POST", self.paths.item(connection_id) + "/pingtest", json={"target": target}
        )
        return self._parse(PingResult, body, "the ping test result")

    def _write(
        self, method: str, path: str, body: ConnectionInput, *, idempotent: bool = True
    ) -> Any:
        secret = body.pre_shared_key.get_secret_value() if body.pre_shared_key else ""
        secrets = (secret,) if secret else ()
        try:
            return self._call(
                method, path, json=body.body(), idempotent=idempotent, secrets=secrets
            )
        except GenesysError as exc:
            if secret and secret in str(
                exc
            ):  # a server that echoes the key must not leak it through us
                raise type(exc)(
                    exc.detail.replace(secret, "[secret]"),
                    status=exc.status,
                    code=exc.code,
                    context_id=exc.context_id,
                ) from None
            raise


def _count(value: Any) -> int | None:
    """A non-negative integer announced by a listing (``pageCount``, ``total``), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _smallest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _context_id(response: httpx.Response, body: Any) -> str | None:
    if isinstance(body, dict) and body.get("contextId"):
        return str(body["contextId"])
    header: str | None = response.headers.get("ININ-Correlation-Id")
    return header
