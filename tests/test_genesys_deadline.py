"""The overall deadline and the paging bounds of the Genesys client (review D12, D13).

A server that trickles its answer (one byte every few tenths of a second here, every 3 s in
the review) resets httpx's read timeout on every byte: only a wall-clock deadline ends it.
A listing that keeps announcing a new ``nextUri`` and never a ``pageCount`` would be read
forever: the client stops at what the API announced, or after ``MAX_PAGES``. Every test here
is bounded to a few seconds by a small deadline.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pulumi
import pytest
import yaml

from c2cvpn.genesys import manage
from c2cvpn.genesys.client import (
    DEADLINE_ENV,
    DEFAULT_DEADLINE,
    MAX_PAGES,
    DeadlineExceeded,
    GenesysClient,
    GenesysError,
    GenesysUnavailable,
    MalformedResponse,
    RetryPolicy,
    deadline_from_env,
)
from c2cvpn.genesys.source import GenesysUnreadable, reconcile_stack
from components.genesys import genesys_side
from tests.genesys_support import FAST, api_stack, stack_config
from tests.helpers import ROOT

TOKEN = {"access_token": "t0ken-value", "expires_in": 3600}


def _token_or(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json=TOKEN)
        return handler(request)

    return httpx.MockTransport(handle)


def _client(transport: httpx.BaseTransport | None = None, **kw: Any) -> GenesysClient:
    kw.setdefault("retry", FAST)
    return GenesysClient(
        base_url=kw.pop("base_url", "http://127.0.0.1:9"),
        client_id="x",
        client_secret="y-secret",
        transport=transport,
        **kw,
    )


class _Trickle(httpx.SyncByteStream):
    """A body that arrives one byte every ``every`` seconds."""

    def __init__(self, size: int, every: float) -> None:
        self.size, self.every = size, every

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(self.size):
            time.sleep(self.every)
            yield b" "


# --------------------------------------------------------------------------- a loopback server that trickles


@contextmanager
def trickling_server(mode: str, every: float = 0.25) -> Iterator[str]:
    """A plain-socket HTTP server on loopback: the token at once, then every other answer
    trickled a byte at a time — ``body`` (status and headers at once) or ``head`` (from the
    status line on). Yields its URL; the threads end with the test."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    request += chunk
                head, _, rest = request.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":", 1)[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                while len(rest) < length:
                    rest += conn.recv(4096)
                if head.startswith(b"POST /oauth/token"):
                    payload = json.dumps(TOKEN).encode()
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        + f"Content-Length: {len(payload)}\r\n\r\n".encode()
                        + payload
                    )
                    return
                body = b'{"entities": [], "pageCount": 1}' + b" " * 2000
                header = (
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                )
                if mode == "body":
                    conn.sendall(header)
                    slow = body
                else:
                    slow = header + body
                for byte in slow:
                    if stop.is_set():
                        return
                    conn.sendall(bytes([byte]))
                    time.sleep(every)
            except OSError:
                return

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()


# --------------------------------------------------------------------------- D12: the deadline


def test_a_trickled_body_ends_at_the_deadline_with_a_mock_transport() -> None:
    transport = _token_or(lambda _r: httpx.Response(200, stream=_Trickle(1000, 0.1)))
    started = time.monotonic()
    with _client(transport, deadline=1.0, timeout=10) as c, pytest.raises(DeadlineExceeded) as exc:
        list(c.list_connections())
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, elapsed
    assert "overall deadline of 1 s passed while reading the response" in str(exc.value)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("mode", ["body", "head"])
def test_a_trickling_server_is_cut_off_at_the_deadline(mode: str) -> None:
    """Over a real socket: each byte resets httpx's read timeout (10 s here, never reached)."""
    with trickling_server(mode) as url:
        started = time.monotonic()
        with (
            _client(base_url=url, deadline=1.5, timeout=10) as c,
            pytest.raises(GenesysError) as exc,
        ):
            list(c.list_connections())
        elapsed = time.monotonic() - started
    assert elapsed < 3.0, elapsed
    assert isinstance(exc.value, DeadlineExceeded), exc.value
    assert "overall deadline of 1.5 s passed" in str(exc.value)


def test_the_deadline_bounds_retries_and_their_waits() -> None:
    sent: list[float] = []

    def always_503(_request: httpx.Request) -> httpx.Response:
        sent.append(time.monotonic())
        return httpx.Response(503, json={"code": "service.unavailable", "message": "busy"})

    patient = RetryPolicy(attempts=1000, timeout=600, wait_initial=0.2, wait_max=0.3, wait_jitter=0)
    started = time.monotonic()
    with (
        _client(_token_or(always_503), retry=patient, deadline=1.2) as c,
        pytest.raises(DeadlineExceeded) as exc,
    ):
        list(c.list_connections())
    assert time.monotonic() - started < 1.5
    assert 3 <= len(sent) <= 8
    assert "overall deadline of 1.2 s passed after" in str(exc.value)
    assert "HTTP 503" in str(exc.value)


def test_a_retry_after_beyond_the_deadline_gives_up_at_once() -> None:
    def limited(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "5"}, json={"message": "slow down"})

    started = time.monotonic()
    with (
        _client(_token_or(limited), retry=RetryPolicy(), deadline=2) as c,
        pytest.raises(DeadlineExceeded, match="beyond the overall deadline of 2 s"),
    ):
        list(c.list_connections())
    assert time.monotonic() - started < 1.0


def test_each_request_timeout_is_cut_to_the_time_left() -> None:
    seen: list[float] = []

    def record(request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions["timeout"]
        seen.append(timeouts["read"])
        return httpx.Response(200, json={"entities": [], "pageCount": 1})

    with _client(_token_or(record), deadline=3, timeout=10) as c:
        list(c.list_connections())
    assert seen and all(t <= 3 for t in seen)


def test_the_deadline_comes_from_the_environment_for_the_program_and_the_provider() -> None:
    assert deadline_from_env({}) == DEFAULT_DEADLINE == 120
    assert deadline_from_env({DEADLINE_ENV: "7.5"}) == 7.5
    for junk in ("", "soon", "-1", "0", "nan", "inf"):
        assert deadline_from_env({DEADLINE_ENV: junk}) == DEFAULT_DEADLINE
    api = {"baseUrl": "http://127.0.0.1:9", "clientSecretEnv": "NONE"}
    with manage.client_for(api, env={DEADLINE_ENV: "7.5"}) as c:
        assert c.deadline == 7.5
    with manage.client_for(api, env={}) as c:
        assert c.deadline == DEFAULT_DEADLINE


def test_reconcile_stack_gives_up_at_the_deadline_in_one_line() -> None:
    with trickling_server("body") as url:
        started = time.monotonic()
        with pytest.raises(GenesysUnreadable) as exc:
            reconcile_stack(api_stack(url), deadline=1.0)
        assert time.monotonic() - started < 2.5
    assert "cannot read the Genesys side" in str(exc.value)
    assert "overall deadline of 1 s passed" in str(exc.value)
    assert "\n" not in str(exc.value)


def test_the_programs_verify_read_keeps_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    pulumi.runtime.set_mocks(_NoMocks(), preview=False)
    monkeypatch.setenv(DEADLINE_ENV, "1")
    with trickling_server("body") as url:
        stack = api_stack(url)

        @pulumi.runtime.test
        def program() -> Any:
            return pulumi.Output.from_input(genesys_side(stack, cloud_outputs={}))

        started = time.monotonic()
        with pytest.raises(pulumi.RunError, match="overall deadline of 1 s passed"):
            program()
        assert time.monotonic() - started < 2.5


class _NoMocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


def test_cli_reconcile_deadline_flag_exits_2_in_one_line(tmp_path: Path) -> None:
    with trickling_server("body") as url:
        cfg = stack_config("dev")
        cfg["c2c-vpn:genesys"].update(source="api", api={"baseUrl": url})
        path = tmp_path / "Pulumi.slow.yaml"
        path.write_text(yaml.safe_dump({"config": cfg}))
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "c2cvpn.cli", "reconcile", str(path), "--deadline", "1.5"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        elapsed = time.monotonic() - started
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert elapsed < 10, elapsed
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "overall deadline of 1.5 s passed" in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- D13: paging bounds


def _pages(body: Callable[[int], dict[str, Any]], log: list[int]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("pageNumber", "1"))
        log.append(number)
        assert len(log) <= MAX_PAGES + 1, "paging did not stop"
        return httpx.Response(200, json=body(number))

    return _token_or(handler)


def _next(number: int) -> str:
    return f"/api/v2/telephony/vpn/connections?pageSize=1&pageNumber={number + 1}"


def test_an_endless_chain_of_new_pages_stops_at_the_cap_in_one_line() -> None:
    log: list[int] = []
    transport = _pages(lambda n: {"entities": [], "nextUri": _next(n)}, log)
    with _client(transport) as c, pytest.raises(MalformedResponse) as exc:
        list(c.list_connections())
    assert len(log) == MAX_PAGES
    message = str(exc.value)
    assert f"{MAX_PAGES} pages read and the API announced no end" in message
    assert "\n" not in message


def test_paging_stops_at_the_total_the_api_announced() -> None:
    log: list[int] = []
    entity = {"id": "x"}  # not read: only counted

    def page(n: int) -> dict[str, Any]:
        return {"entities": [entity], "total": 3, "pageSize": 1, "nextUri": _next(n)}

    with _client(_pages(page, log)) as c:
        assert sum(len(p) for p in c.pages("/api/v2/telephony/vpn/connections")) == 3
    assert log == [1, 2, 3]


def test_paging_stops_at_the_smallest_page_count_announced() -> None:
    log: list[int] = []

    def page(n: int) -> dict[str, Any]:
        # The first page says 2; later pages claim more and keep sending nextUri.
        return {"entities": [], "pageCount": 2 if n == 1 else 10_000, "nextUri": _next(n)}

    with _client(_pages(page, log)) as c:
        list(c.list_connections())
    assert log == [1, 2]


def test_a_page_count_beyond_the_cap_is_refused_at_the_cap() -> None:
    log: list[int] = []
    transport = _pages(lambda n: {"entities": [], "pageCount": 10**9, "nextUri": _next(n)}, log)
    with _client(transport) as c, pytest.raises(MalformedResponse, match="paging stopped"):
        list(c.list_connections())
    assert len(log) == MAX_PAGES


# --------------------------------------------------------------------------- the review's rough edges


def test_a_redirect_says_it_is_one_and_was_not_followed() -> None:
    def moved(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "https://elsewhere.example/api/v2/x"})

    with _client(_token_or(moved)) as c, pytest.raises(GenesysError) as exc:
        list(c.list_connections())
    message = str(exc.value)
    assert "redirect to elsewhere.example/api/v2/x" in message
    assert "not followed" in message and "HTTP 302" in message


def test_a_truncated_200_is_retried_like_a_5xx() -> None:
    answers = iter([b'{"entities": [ {"id": "trunc', b'{"entities": [], "pageCount": 1}'])

    def flaky(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=next(answers))

    with _client(_token_or(flaky)) as c:
        assert list(c.list_connections()) == []
        assert c.stats.retries == 1


def test_the_provider_leaves_no_retry_warnings_on_stderr() -> None:
    """stamina's ``retry_scheduled`` warnings reached the engine's stderr from the provider."""
    script = (
        "import logging, httpx\n"
        "from components.genesys import VpnConnectionProvider\n"
        "from tests.genesys_support import FAST\n"
        "from tests.test_genesys_provider import inputs\n"
        "calls = []\n"
        "def handler(request):\n"
        "    if request.url.path == '/oauth/token':\n"
        "        return httpx.Response(200, json={'access_token': 't0ken', 'expires_in': 3600})\n"
        "    calls.append(1)\n"
        "    return httpx.Response(503, json={'message': 'busy'})\n"
        "prov = VpnConnectionProvider(retry=FAST, transport=httpx.MockTransport(handler))\n"
        "try:\n"
        "    prov.read('c-1', inputs('http://127.0.0.1:9'))\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__)\n"
        "assert len(calls) == FAST.attempts\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == GenesysUnavailable.__name__
    assert proc.stderr == ""
