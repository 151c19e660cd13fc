"""The Genesys client against the simulator over real loopback HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from c2cvpn.genesys.client import (
    AuthError,
    GenesysClient,
    GenesysUnavailable,
    MalformedResponse,
    NotFound,
    RetryPolicy,
    ValidationFailed,
)
from c2cvpn.genesys.demo_credentials import DEMO_CLIENT_ID
from c2cvpn.genesys.desired import desired, to_input
from c2cvpn.genesys.model import ConnectionInput
from c2cvpn.genesys.sim import SimConfig, SimServer, Simulator
from tests.genesys_support import FAST, PSK, client, loaded, running, stack_config


def body(name: str = "DEV-AWS-SFDC-VPN", psk: str | None = PSK) -> ConnectionInput:
    want = desired(loaded(stack_config("dev")).spec)
    b = to_input(want, peer_ip="198.51.100.7", psk=psk or "")
    return b.model_copy(update={"name": name, "pre_shared_key": b.pre_shared_key if psk else None})


def test_paging_follows_every_page_with_the_floor_of_requests() -> None:
    with running() as (sim, server):
        for i in range(7):
            sim.add_connection(body(f"C-{i:02d}"))
        with client(server.url) as c:
            names = [x.name for x in c.list_connections(page_size=3)]
            assert names == [f"C-{i:02d}" for i in range(7)]
            # one token + ceil(7/3) = 3 pages, and nothing else
            assert (c.stats.token_requests, c.stats.api_requests) == (1, 3)
    assert sim.counts["api"] == 3


def test_token_is_refreshed_before_it_expires() -> None:
    now = [1000.0]
    with (
        running(token_ttl=3600) as (_sim, server),
        client(server.url, clock=lambda: now[0], token_refresh_margin=60) as c,
    ):
        list(c.list_connections())
        now[0] += 3550  # within 60 s of expiry: inside the refresh margin
        list(c.list_connections())
        assert c.stats.token_requests == 2
        now[0] += 100  # fresh token still valid
        list(c.list_connections())
        assert c.stats.token_requests == 2


def test_a_token_revoked_early_is_refreshed_once_on_401() -> None:
    with running() as (sim, server), client(server.url) as c:
        list(c.list_connections())
        sim.expire_tokens()
        list(c.list_connections())
        assert c.stats.token_requests == 2
        assert c.stats.retries == 0


def test_wrong_secret_is_an_auth_error_without_the_secret() -> None:
    with running() as (_sim, server):
        with (
            GenesysClient(
                base_url=server.url,
                client_id=DEMO_CLIENT_ID,
                client_secret="Wr0ng.Secret_value",
                retry=FAST,
            ) as c,
            pytest.raises(AuthError) as exc,
        ):
            list(c.list_connections())
        assert "Wr0ng.Secret_value" not in str(exc.value)
        assert "Wr0ng.Secret_value" not in repr(c)
        assert "invalid_client" in str(exc.value)


def test_429_waits_exactly_retry_after_then_succeeds() -> None:
    with running(fault_retry_after=3) as (sim, server), client(server.url) as c:
        list(c.list_connections())  # token
        before = c.stats.api_requests
        sim.queue_faults(429, 429)
        started = time.monotonic()
        assert list(c.list_connections()) == []
        elapsed = time.monotonic() - started
        assert c.stats.retry_after_waits == [3.0, 3.0]
        assert c.stats.api_requests - before == 3  # two 429s, one success
        assert elapsed >= 2 * 3 * FAST.retry_after_scale  # it really waited (scaled)


def test_the_simulators_rate_limiter_is_honoured() -> None:
    # Simulator time runs 100x faster, matching the client's 1/100 Retry-After scale.
    sim = Simulator(
        SimConfig(seed=1, rate_limit_per_minute=3), clock=lambda: time.monotonic() * 100
    )
    with SimServer(sim) as server, client(server.url) as c:
        for _ in range(4):
            list(c.list_connections())
        assert sim.counts["rate-limited"] >= 1
        assert c.stats.retry_after_waits and all(1 <= w <= 60 for w in c.stats.retry_after_waits)


def test_a_retry_after_beyond_the_budget_gives_up_at_once() -> None:
    with running(fault_retry_after=120) as (sim, server), client(server.url) as c:
        list(c.list_connections())
        before = c.stats.api_requests
        sim.queue_faults(429)
        with pytest.raises(GenesysUnavailable) as exc:
            list(c.list_connections())
        assert "120 s, beyond the retry budget" in str(exc.value)
        assert exc.value.code == "too.many.requests.retry.after"
        assert c.stats.api_requests - before == 1


def test_5xx_then_success() -> None:
    with running() as (sim, server), client(server.url) as c:
        conn_id = sim.add_connection(body())
        sim.queue_faults(500, 503)
        assert c.get_connection(conn_id).id == conn_id
        assert c.stats.retries == 2
        assert c.stats.api_requests == 3


def test_persistent_5xx_gives_a_clear_error_with_the_context_id() -> None:
    with running() as (sim, server), client(server.url) as c:
        conn_id = sim.add_connection(body())
        sim.queue_faults(*[503] * 10)
        with pytest.raises(GenesysUnavailable) as exc:
            c.get_connection(conn_id)
        assert c.stats.api_requests == FAST.attempts  # bounded
        err = exc.value
        assert err.status == 503 and err.context_id
        assert f"contextId {err.context_id}" in str(err)
        assert f"gave up after {FAST.attempts} attempt(s)" in str(err)


def test_malformed_json_is_retried_like_a_5xx_then_a_typed_error() -> None:
    with running() as (sim, server), client(server.url) as c:
        list(c.list_connections())
        before = c.stats.api_requests
        sim.queue_faults("malformed")  # a truncated 200, once: transient
        assert list(c.list_connections()) == []
        assert c.stats.api_requests - before == 2 and c.stats.retries == 1
        sim.queue_faults(*["malformed"] * 10)
        with pytest.raises(MalformedResponse) as exc:
            list(c.list_connections())
        assert exc.value.context_id
        assert "not JSON" in str(exc.value)
        assert f"gave up after {FAST.attempts} attempt(s)" in str(exc.value)


def test_a_create_answered_with_a_truncated_body_is_not_repeated() -> None:
    with running() as (sim, server), client(server.url) as c:
        list(c.list_connections())
        sim.queue_faults("after:malformed")  # created, then the answer was cut short
        with pytest.raises(MalformedResponse) as exc:
            c.create_connection(body())
        assert exc.value.maybe_acted and "not retried" in str(exc.value)
        assert len(sim.connections) == 1


def test_connection_errors_are_retried_then_reported() -> None:
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request.url.path)
        raise httpx.ConnectError("refused")

    with (
        GenesysClient(
            base_url="http://127.0.0.1:9",
            client_id="x",
            client_secret="y",
            transport=httpx.MockTransport(handler),
            retry=FAST,
        ) as c,
        pytest.raises(GenesysUnavailable) as exc,
    ):
        list(c.list_connections())
    assert len(attempts) == FAST.attempts
    assert "cannot reach 127.0.0.1" in str(exc.value)


def test_crud_not_found_and_validation_never_echo_the_key() -> None:
    with running() as (_sim, server), client(server.url) as c:
        created = c.create_connection(body())
        assert "preSharedKey" not in created.model_dump(by_alias=True)
        with pytest.raises(ValidationFailed) as dup:
            c.create_connection(body())
        assert dup.value.status == 409
        bad = body().model_copy(update={"pre_shared_key": body().pre_shared_key})
        bad_body = ConnectionInput.model_validate({**bad.body(), "preSharedKey": "short"})
        with pytest.raises(ValidationFailed) as v:
            c.create_connection(bad_body.model_copy(update={"name": "OTHER"}))
        assert "short" not in str(v.value) and PSK not in str(v.value)
        assert "preSharedKey" in str(v.value)
        c.delete_connection(created.id)
        with pytest.raises(NotFound):
            c.get_connection(created.id)
        assert PSK not in repr(body())


def test_region_maps_to_api_and_login_hosts() -> None:
    with GenesysClient.for_region("eu-central-1", client_id="a", client_secret="b") as c:
        assert c.base_url == "https://api.mypurecloud.de"
        assert c.login_url == "https://login.mypurecloud.de"
    with pytest.raises(ValueError):
        GenesysClient.for_region("mars-1", client_id="a", client_secret="b")


def test_paths_are_configurable() -> None:
    from c2cvpn.genesys.client import ApiPaths

    config = SimConfig(seed=3, connections_path="/custom/vpn", token_path="/auth/token")
    with running(config) as (sim, server):
        sim.add_connection(body())
        with client(
            server.url, paths=ApiPaths(token="/auth/token", connections="/custom/vpn")
        ) as c:
            assert [x.name for x in c.list_connections()] == ["DEV-AWS-SFDC-VPN"]
        with client(server.url, retry=RetryPolicy(attempts=1)) as default, pytest.raises(AuthError):
            list(default.list_connections())


# --------------------------------------------------------------------------- review fixes


def test_a_create_is_not_repeated_after_a_5xx_but_is_after_a_429() -> None:
    """A 5xx may come after the server created the record: repeating the POST duplicates or 409s it."""
    with running() as (sim, server), client(server.url) as c:
        list(c.list_connections())
        before = c.stats.api_requests
        sim.queue_faults(502)
        with pytest.raises(GenesysUnavailable) as exc:
            c.create_connection(body())
        assert c.stats.api_requests - before == 1
        assert "not idempotent" in str(exc.value) and exc.value.context_id
        sim.queue_faults(429)  # refused before any work: safe to repeat
        assert c.create_connection(body()).name == "DEV-AWS-SFDC-VPN"
        assert c.stats.retry_after_waits == [1.0]


def test_a_create_is_not_repeated_after_a_read_timeout_but_is_after_a_connect_error() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t0ken-value", "expires_in": 3600})
        sent.append(request.method)
        if len(sent) == 1:
            raise httpx.ConnectError("refused", request=request)  # nothing reached the server
        raise httpx.ReadTimeout("no answer", request=request)  # the server may have acted

    with (
        GenesysClient(
            base_url="http://127.0.0.1:9",
            client_id="x",
            client_secret="y-secret",
            transport=httpx.MockTransport(handler),
            retry=FAST,
        ) as c,
        pytest.raises(GenesysUnavailable, match="not retried"),
    ):
        c.create_connection(body())
    assert sent == ["POST", "POST"]


def test_no_wait_is_counted_when_the_last_attempt_is_a_429() -> None:
    with running() as (sim, server), client(server.url) as c:
        list(c.list_connections())
        sim.queue_faults(*[429] * 10)
        with pytest.raises(GenesysUnavailable):
            list(c.list_connections())
        # FAST allows 4 attempts: 3 waits happened, not 4
        assert c.stats.retry_after_waits == [1.0] * (FAST.attempts - 1)
        assert c.stats.retries == FAST.attempts - 1


def _listing(handler_pages: dict[str, dict[str, object]], log: list[str]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t0ken-value", "expires_in": 3600})
        log.append(str(request.url))
        assert len(log) <= 5, "paging did not stop"
        page = request.url.params.get("pageNumber", "1")
        return httpx.Response(
            200, json=handler_pages.get(request.url.host, {}).get(page) or handler_pages["loop"]
        )

    return httpx.MockTransport(handler)


def test_paging_stops_on_a_nextUri_loop_and_never_follows_another_host() -> None:
    empty = {"entities": [], "pageSize": 1, "pageNumber": 1, "total": 9}
    loop = {**empty, "nextUri": "/api/v2/telephony/vpn/connections?pageSize=1&pageNumber=2"}
    log: list[str] = []
    with (
        GenesysClient(
            base_url="http://127.0.0.1:9",
            client_id="x",
            client_secret="y-secret",
            retry=FAST,
            transport=_listing({"loop": loop}, log),
        ) as c,
        pytest.raises(MalformedResponse, match="repeats"),
    ):
        list(c.list_connections())
    assert len(log) == 2

    away = {
        **empty,
        "nextUri": "https://evil.example/api/v2/telephony/vpn/connections?pageNumber=2",
    }
    log.clear()
    with (
        GenesysClient(
            base_url="http://127.0.0.1:9",
            client_id="x",
            client_secret="y-secret",
            retry=FAST,
            transport=_listing({"loop": away}, log),
        ) as c,
        pytest.raises(MalformedResponse, match="another host"),
    ):
        list(c.list_connections())
    assert all(u.startswith("http://127.0.0.1:9/") for u in log) and len(log) == 1

    last = {
        **empty,
        "pageCount": 1,
        "nextUri": "/api/v2/telephony/vpn/connections?pageSize=1&pageNumber=2",
    }
    log.clear()
    with GenesysClient(
        base_url="http://127.0.0.1:9",
        client_id="x",
        client_secret="y-secret",
        retry=FAST,
        transport=_listing({"loop": last}, log),
    ) as c:
        assert list(c.list_connections()) == []
    assert len(log) == 1  # pageCount 1 ends it, whatever nextUri says


def test_credentials_are_never_sent_over_plain_http_to_a_remote_host() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"access_token": "t0ken-value", "expires_in": 3600})

    for base, login in (
        ("http://api.example.com", "https://login.example.com"),
        ("https://api.example.com", "http://login.example.com"),
    ):
        with (
            GenesysClient(
                base_url=base,
                login_url=login,
                client_id="x",
                client_secret="Remote.Secret_1",
                transport=httpx.MockTransport(handler),
                retry=FAST,
            ) as c,
            pytest.raises(AuthError, match="plain http"),
        ):
            list(c.list_connections())
    assert sent == []


def test_server_messages_never_carry_the_secrets_into_logs_or_errors(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "Client.Secret_value_9"

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t0ken-value", "expires_in": 3600})
        echo = request.content.decode() + " " + secret  # a careless server echoes what it got
        return httpx.Response(
            503,
            json={
                "status": 503,
                "code": "service.unavailable",
                "message": echo,
                "contextId": "ctx-1",
            },
        )

    caplog.set_level("DEBUG")
    caplog.set_level("DEBUG", logger="stamina")  # the CLI quiets it for the whole process
    with (
        GenesysClient(
            base_url="http://127.0.0.1:9",
            client_id="x",
            client_secret=secret,
            transport=httpx.MockTransport(handler),
            retry=FAST,
        ) as c,
        pytest.raises(GenesysUnavailable) as exc,
    ):
        c.update_connection("c-1", body())
    stamina_records = [r for r in caplog.records if r.name == "stamina"]
    assert len(stamina_records) == FAST.attempts - 1  # the retries were logged...
    logged = " ".join(repr(r.__dict__) for r in caplog.records)
    for value in (PSK, secret, "t0ken-value"):  # ...without a secret
        assert value not in logged and value not in str(exc.value)
    assert "ctx-1" in str(exc.value)


def test_a_short_lived_token_is_not_fetched_before_every_request() -> None:
    with running(token_ttl=30) as (_sim, server), client(server.url, token_refresh_margin=60) as c:
        for _ in range(3):
            list(c.list_connections())
        assert c.stats.token_requests == 1


# --------------------------------------------------------------------------- regions (review #18)


@pytest.mark.parametrize(
    ("region", "domain"),
    [
        ("mx-central-1", "mxc1.pure.cloud"),
        ("ap-southeast-1", "apse1.pure.cloud"),
        ("eusc-de-east-1", "edee1.eusc-pure.cloud"),
    ],
)
def test_the_newer_regions_map_to_their_hosts_and_validate(region: str, domain: str) -> None:
    from c2cvpn.genesys.regions import REGION_DOMAINS
    from tests.helpers import check, raw_config, set_path

    assert REGION_DOMAINS[region] == domain  # as Genesys' SDKs and Terraform provider list it
    with GenesysClient.for_region(region, client_id="a", client_secret="b") as c:
        assert (c.base_url, c.login_url) == (f"https://api.{domain}", f"https://login.{domain}")
    report = check(set_path(raw_config("dev"), "c2c-vpn:genesys.region", region))
    assert not [p for p in report.problems + report.warnings if p.code == "genesys-region"]
    bad = check(set_path(raw_config("dev"), "c2c-vpn:genesys.region", "mars-north-1"))
    (unknown,) = [p for p in bad.problems if p.code == "genesys-region"]
    assert region in unknown.message  # the fix lists it


def test_without_a_login_url_the_login_host_is_derived_as_genesys_sdks_do() -> None:
    def make(base: str) -> GenesysClient:
        return GenesysClient(base_url=base, client_id="a", client_secret="b")

    with make("https://api.mypurecloud.de/") as c:
        assert c.login_url == "https://login.mypurecloud.de"
    with make("http://127.0.0.1:8787") as c:  # the simulator serves both
        assert c.login_url == "http://127.0.0.1:8787"


# --------------------------------------------------------------------------- token rate limit (#16)

RATE_LIMITED = {"error": "invalid_request", "error_description": "rate limit exceeded; slow down"}


def _login_service(
    answers: list[httpx.Response], log: list[str]
) -> Callable[[httpx.Request], httpx.Response]:
    """The token endpoint answers ``answers`` in turn (then 200s); the API lists nothing."""

    def handler(request: httpx.Request) -> httpx.Response:
        log.append(f"{request.url.host}{request.url.path}")
        if request.url.path == "/oauth/token":
            if answers:
                return answers.pop(0)
            return httpx.Response(200, json={"access_token": "t0ken-value", "expires_in": 3600})
        return httpx.Response(200, json={"entities": [], "pageCount": 1})

    return handler


def _remote(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> GenesysClient:
    return GenesysClient(
        base_url="https://api.example.com",
        client_id="ops",
        client_secret="Remote.Secret_1",
        transport=httpx.MockTransport(handler),
        retry=kw.pop("retry", FAST),
        **kw,
    )


def test_a_rate_limited_login_is_retried_then_succeeds() -> None:
    log: list[str] = []
    with _remote(_login_service([httpx.Response(400, json=RATE_LIMITED)], log)) as c:
        assert list(c.list_connections()) == []
        assert (c.stats.token_requests, c.stats.api_requests) == (2, 1)
        assert c.stats.retries == 1
        assert c.stats.retry_after_waits == []  # nothing stated: the policy's backoff
    # the token went to login.<domain>, the API call to api.<domain>
    assert log == [
        "login.example.com/oauth/token",
        "login.example.com/oauth/token",
        "api.example.com/api/v2/telephony/vpn/connections",
    ]


def test_a_rate_limited_login_waits_what_it_states() -> None:
    stated = {**RATE_LIMITED, "error_description": "rate limit exceeded; retry in [2] seconds"}
    answers = [
        httpx.Response(400, json=stated),
        httpx.Response(400, json=RATE_LIMITED, headers={"Retry-After": "3"}),
    ]
    with _remote(_login_service(answers, [])) as c:
        assert list(c.list_connections()) == []
        assert c.stats.retry_after_waits == [2.0, 3.0]


@pytest.mark.parametrize(
    "refusal",
    [
        {"error": "invalid_client", "error_description": "client not found"},
        {"error": "invalid_request", "error_description": "grant_type is required"},
        {"error": "unsupported_grant_type"},
    ],
    ids=lambda r: str(r["error"]) + ("/" + str(r.get("error_description", ""))[:5]),
)
def test_any_other_400_from_the_login_service_is_fatal_at_once(refusal: dict[str, str]) -> None:
    log: list[str] = []
    with (
        _remote(_login_service([httpx.Response(400, json=refusal)], log)) as c,
        pytest.raises(AuthError) as exc,
    ):
        list(c.list_connections())
    assert len(log) == 1 and c.stats.retries == 0
    assert exc.value.status == 400 and exc.value.code == refusal["error"]


def test_a_login_that_stays_rate_limited_is_bounded_by_the_attempts() -> None:
    log: list[str] = []
    answers = [httpx.Response(400, json=RATE_LIMITED) for _ in range(10)]
    with (
        _remote(_login_service(answers, log)) as c,
        pytest.raises(GenesysUnavailable) as exc,
    ):
        list(c.list_connections())
    assert len(log) == FAST.attempts
    assert "rate limit exceeded" in str(exc.value) and f"{FAST.attempts} attempt" in str(exc.value)
    assert (exc.value.status, exc.value.code) == (400, "invalid_request")
    assert "Remote.Secret_1" not in str(exc.value)


def test_a_rate_limited_login_asking_beyond_the_budget_gives_up_at_once() -> None:
    long = {**RATE_LIMITED, "error_description": "rate limit exceeded; retry in 600 seconds"}
    log: list[str] = []
    with (
        _remote(_login_service([httpx.Response(400, json=long)], log)) as c,
        pytest.raises(GenesysUnavailable, match="600 s, beyond the retry budget"),
    ):
        list(c.list_connections())
    assert len(log) == 1
