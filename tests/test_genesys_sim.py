"""The simulator: the contract over real loopback HTTP, negotiation, faults, persistence."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from rich.console import Console

from c2cvpn.genesys import sim as sim_module
from c2cvpn.genesys.client import DEFAULT_CONNECTIONS_PATH, DEFAULT_TOKEN_PATH
from c2cvpn.genesys.commands import run_simulator
from c2cvpn.genesys.demo_credentials import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from c2cvpn.genesys.desired import desired, to_input
from c2cvpn.genesys.model import Connection, ConnectionInput
from c2cvpn.genesys.sim import SimConfig, SimServer, Simulator
from tests.genesys_support import PSK, client, loaded, running, stack_config

CONTRACT = Path(__file__).resolve().parents[1] / "c2cvpn" / "genesys" / "openapi.yaml"


def body(name: str = "LAB-ONPREM-VPN") -> ConnectionInput:
    want = desired(loaded(stack_config("local")).spec)
    return to_input(want, psk=PSK).model_copy(update={"name": name})


def raw_token(url: str) -> str:
    r = httpx.post(
        url + DEFAULT_TOKEN_PATH,
        auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        data={"grant_type": "client_credentials"},
    )
    assert r.status_code == 200
    return str(r.json()["access_token"])


def test_contract_paths_and_fields_match_the_code() -> None:
    doc = yaml.safe_load(CONTRACT.read_text())
    assert doc["openapi"].startswith("3.1")
    base = DEFAULT_CONNECTIONS_PATH
    assert set(doc["paths"]) == {
        DEFAULT_TOKEN_PATH,
        base,
        f"{base}/{{connectionId}}",
        f"{base}/{{connectionId}}/status",
        f"{base}/{{connectionId}}/pingtest",
        f"{base}/{{connectionId}}/diagnostics",
    }
    fields = set(doc["components"]["schemas"]["ConnectionFields"]["properties"])
    model_fields = {f.alias for n, f in Connection.model_fields.items()} - {
        "id",
        "gatewayIp",
        "preSharedKeyDigest",
        "selfUri",
    }
    assert fields == model_fields
    psk = doc["components"]["schemas"]["ConnectionInput"]["allOf"][1]["properties"]["preSharedKey"]
    assert psk["writeOnly"] is True
    assert doc["components"]["responses"]["TooManyRequests"]["headers"]["Retry-After"]


def test_no_response_ever_contains_the_key() -> None:
    with running() as (_sim, server):
        token = raw_token(server.url)
        h = {"Authorization": f"Bearer {token}"}
        created = httpx.post(server.url + DEFAULT_CONNECTIONS_PATH, json=body().body(), headers=h)
        assert created.status_code == 201
        cid = created.json()["id"]
        texts = [created.text]
        for suffix in ("", "/status", "/diagnostics"):
            texts.append(
                httpx.get(f"{server.url}{DEFAULT_CONNECTIONS_PATH}/{cid}{suffix}", headers=h).text
            )
        texts.append(httpx.get(server.url + DEFAULT_CONNECTIONS_PATH, headers=h).text)
        bad = {**body("OTHER").body(), "preSharedKey": PSK, "tunnelCidr": "10.0.0.0/8"}
        texts.append(httpx.post(server.url + DEFAULT_CONNECTIONS_PATH, json=bad, headers=h).text)
        assert all(PSK not in t for t in texts)
        assert "preSharedKeyDigest" in texts[1] and 'preSharedKey"' not in texts[1]


def test_errors_follow_the_platform_shape() -> None:
    with running() as (_sim, server):
        r = httpx.get(server.url + DEFAULT_CONNECTIONS_PATH)
        assert r.status_code == 401
        err = r.json()
        assert set(err) == {"status", "code", "message", "contextId"}
        assert r.headers["ININ-Correlation-Id"] == err["contextId"]
        h = {"Authorization": f"Bearer {raw_token(server.url)}"}
        nf = httpx.get(server.url + DEFAULT_CONNECTIONS_PATH + "/nope", headers=h)
        assert (nf.status_code, nf.json()["code"]) == (404, "not.found")
        bad_page = httpx.get(
            server.url + DEFAULT_CONNECTIONS_PATH, params={"pageSize": 1000}, headers=h
        )
        assert bad_page.status_code == 400
        oauth = httpx.post(
            server.url + DEFAULT_TOKEN_PATH,
            auth=("nobody", "x"),
            data={"grant_type": "client_credentials"},
        )
        assert (oauth.status_code, oauth.json()["error"]) == (401, "invalid_client")


def test_paging_shape() -> None:
    with running() as (sim, server):
        for i in range(5):
            sim.add_connection(body(f"C{i}"))
        h = {"Authorization": f"Bearer {raw_token(server.url)}"}
        p1 = httpx.get(
            server.url + DEFAULT_CONNECTIONS_PATH,
            params={"pageSize": 2, "pageNumber": 1},
            headers=h,
        ).json()
        p3 = httpx.get(
            server.url + DEFAULT_CONNECTIONS_PATH,
            params={"pageSize": 2, "pageNumber": 3},
            headers=h,
        ).json()
        assert (p1["total"], p1["pageCount"], len(p1["entities"])) == (5, 3, 2)
        assert p1["nextUri"].endswith("pageSize=2&pageNumber=2")
        assert len(p3["entities"]) == 1 and "nextUri" not in p3


def test_rate_limiter_answers_429_like_genesys() -> None:
    with running(rate_limit_per_minute=2) as (_sim, server):
        h = {"Authorization": f"Bearer {raw_token(server.url)}"}
        codes = [httpx.get(server.url + DEFAULT_CONNECTIONS_PATH, headers=h) for _ in range(3)]
        assert [r.status_code for r in codes] == [200, 200, 429]
        limited = codes[-1]
        assert limited.json()["code"] == "too.many.requests.retry.after"
        assert 1 <= int(limited.headers["Retry-After"]) <= 60


def test_fault_rates_are_seeded_and_injected() -> None:
    def outcomes(seed: int) -> list[int]:
        with running(SimConfig(seed=seed, fault_429_rate=0.3, fault_5xx_rate=0.3)) as (
            _sim,
            server,
        ):
            h = {"Authorization": f"Bearer {raw_token(server.url)}"}
            return [
                httpx.get(server.url + DEFAULT_CONNECTIONS_PATH, headers=h).status_code
                for _ in range(40)
            ]

    a, b = outcomes(11), outcomes(11)
    assert a == b
    assert 429 in a and any(c >= 500 for c in a) and 200 in a


def test_status_and_diagnostics_follow_the_peer() -> None:
    with running() as (sim, server), client(server.url) as c:
        cid = sim.add_connection(body())
        st = c.status(cid)
        assert st.status == "Connecting"
        assert (
            c.diagnostics(cid)
            .entries[0]
            .message.startswith("Phase 1 Failed: no response from peer 192.168.250.2")
        )

        peer = sim.mirror_peer(cid)
        assert c.status(cid).status == "Established"
        assert c.pingtest(cid, "10.10.0.9").success
        outside = c.pingtest(cid, "10.99.0.1")
        assert not outside.success and "no route" in outside.message

        sim.set_peer(
            cid,
            peer.model_copy(update={"pre_shared_key": __import__("pydantic").SecretStr(PSK + "x")}),
        )
        st = c.status(cid)
        assert (st.status, st.phase1.state) == ("Connecting", "Failed")
        msgs = [e.message for e in c.diagnostics(cid).entries]
        assert msgs == ["Phase 1 Failed: AUTHENTICATION_FAILED: pre-shared key mismatch"]
        assert PSK not in json.dumps(msgs)

        sim.set_peer(
            cid,
            peer.model_copy(update={"phase2": peer.phase2.model_copy(update={"pfs_group": 19})}),
        )
        st = c.status(cid)
        assert (st.status, st.phase1.state, st.phase2.state) == (
            "Connecting",
            "Established",
            "Failed",
        )
        msgs = [e.message for e in c.diagnostics(cid).entries]
        assert (
            "Phase 2 Failed: NO_PROPOSAL_CHOSEN: phase2.pfsGroup: Genesys has 14, the peer has 19"
            in msgs
        )
        assert not c.pingtest(cid, "10.10.0.9").success

        sim.set_peer(
            cid,
            peer.model_copy(
                update={
                    "remote_networks": [
                        *peer.remote_networks,
                        __import__("ipaddress").IPv4Network("10.200.0.0/24"),
                    ]
                }
            ),
        )
        assert any("TS_UNACCEPTABLE" in e.message for e in c.diagnostics(cid).entries)

        sim.set_peer(cid, peer.model_copy(update={"online": False}))
        assert c.status(cid).status == "Down"


def test_state_file_is_private_atomic_and_reloaded(tmp_path: Path) -> None:
    state = tmp_path / "sim" / "state.json"
    sim = Simulator(SimConfig(seed=5, state_file=state))
    with SimServer(sim) as server, client(server.url) as c:
        created = c.create_connection(body())
        sim.mirror_peer(created.id)
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert [p.name for p in state.parent.iterdir()] == ["state.json"]  # no temp files left behind
    again = Simulator(SimConfig(seed=6, state_file=state))
    with SimServer(again) as server, client(server.url) as c:
        assert c.get_connection(created.id).name == "LAB-ONPREM-VPN"
        assert c.status(created.id).status == "Established"  # the peer (and its key) came back


def test_sim_repr_names_no_secret() -> None:
    sim = Simulator(SimConfig(clients={"id": "Very.Secret_1"}))
    assert "Very.Secret_1" not in repr(sim) and "Very.Secret_1" not in repr(sim.config)


# --------------------------------------------------------------------------- review fixes


def test_a_replace_with_a_short_key_is_refused_like_a_create() -> None:
    with running() as (sim, server):
        cid = sim.add_connection(body())
        h = {"Authorization": f"Bearer {raw_token(server.url)}"}
        r = httpx.put(
            f"{server.url}{DEFAULT_CONNECTIONS_PATH}/{cid}",
            json={**body().body(), "preSharedKey": "short"},
            headers=h,
        )
        assert (r.status_code, r.json()["code"]) == (400, "bad.request")
        assert "short" not in r.text
        assert sim._psks[cid] == PSK  # the stored key is untouched


def test_an_internal_failure_still_answers_in_the_contract_shape(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with running() as (sim, server):
        h = {"Authorization": f"Bearer {raw_token(server.url)}"}

        def broken(*_a: object) -> None:
            raise KeyError("gone")

        monkeypatch.setattr(sim, "_route", broken)
        r = httpx.get(server.url + DEFAULT_CONNECTIONS_PATH, headers=h)
        assert r.status_code == 500
        err = r.json()
        assert (
            set(err) == {"status", "code", "message", "contextId"}
            and err["code"] == "internal.server.error"
        )
        assert r.headers["ININ-Correlation-Id"] == err["contextId"]


def test_a_connection_deleted_before_the_reply_is_a_404_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A create is answered with the stored record after the state file is written; a delete
    # landing in between (here: during the write) must give the contract's 404, not a 500.
    write = sim_module.write_private
    with running(SimConfig(seed=1, state_file=tmp_path / "state.json")) as (sim, server):

        def deleted_meanwhile(path: Path, text: str) -> None:
            with sim.lock:
                sim.connections.clear()
            write(path, text)

        monkeypatch.setattr(sim_module, "write_private", deleted_meanwhile)
        h = {"Authorization": f"Bearer {raw_token(server.url)}"}
        r = httpx.post(server.url + DEFAULT_CONNECTIONS_PATH, json=body().body(), headers=h)
        assert (r.status_code, r.json()["code"]) == (404, "not.found")
        assert set(r.json()) == {"status", "code", "message", "contextId"}


def test_the_demo_secret_is_refused_on_a_non_loopback_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("C2CVPN_TEST_SIM_SECRET", raising=False)
    started: list[object] = []
    monkeypatch.setattr(SimServer, "serve_forever", lambda self: started.append(self))
    out, err = Console(file=io.StringIO()), Console(file=io.StringIO(), width=300)
    kw: dict[str, Any] = dict(
        port=0,
        state=None,
        fault_429_rate=0.0,
        fault_5xx_rate=0.0,
        latency_ms=0.0,
        seed=1,
        client_id=DEMO_CLIENT_ID,
        client_secret_env="C2CVPN_TEST_SIM_SECRET",
        rate_limit=300,
        stacks=[],
        out=out,
        err=err,
    )
    assert run_simulator(host="0.0.0.0", **kw) == 2
    assert "loopback only" in err.file.getvalue() and started == []  # type: ignore[attr-defined]
    assert run_simulator(host="127.0.0.1", **kw) == 0 and len(started) == 1
    started[0].stop()  # type: ignore[attr-defined]


def test_a_failed_start_leaves_no_listening_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    server = SimServer(Simulator(SimConfig(seed=1)))

    def exits_at_once(**_kw: object) -> None:
        return None  # as uvicorn does when startup fails

    monkeypatch.setattr(server._server, "run", exits_at_once)
    with pytest.raises(RuntimeError, match="did not start"):
        server.start()
    assert server._sock.fileno() == -1
