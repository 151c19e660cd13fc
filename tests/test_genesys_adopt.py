"""Manage mode after an ambiguous create (review D14): adopt the connection, or refuse clearly.

The simulator carries the create out and then answers 500, or holds its answer back past the
client's timeout: the client cannot tell that from a refusal, so it does not repeat the POST.
The connection must then be found by its exact name and adopted when every must-match field
agrees — in the same run, or in the next one (whose POST meets "409 already exists") — or
the run fails with a message that names the orphan's id and how to remove it. Never a bare 409.
"""

from __future__ import annotations

import pytest

from c2cvpn.genesys import manage
from c2cvpn.genesys.client import RetryPolicy
from c2cvpn.genesys.model import psk_digest
from c2cvpn.genesys.sim import SimConfig
from components.genesys import VpnConnectionProvider
from tests.genesys_support import FAST, PSK, running
from tests.test_genesys_provider import inputs

NAME = "DEV-AWS-SFDC-VPN"


def _one(sim: object) -> str:
    ids = list(sim.connections)  # type: ignore[attr-defined]
    assert len(ids) == 1, ids
    return ids[0]


@pytest.mark.parametrize("fault", ["after:500", "after:malformed"])
def test_an_ambiguous_create_adopts_the_connection_in_the_same_run(fault: str) -> None:
    with running() as (sim, server):
        prov = VpnConnectionProvider(retry=FAST)
        news = inputs(server.url)
        prov.read("warm-up", news)  # a token and a first request, so the fault hits the POST
        sim.queue_faults(fault)
        before = sim.counts["api"]
        created = prov.create(news)
        cid = _one(sim)
        assert created.id == cid
        # One POST (carried out, answered badly, not repeated), then one listing found it.
        assert sim.counts["api"] - before == 2
        outs = created.outs or {}
        assert outs["findings"] == [] and outs["pre_shared_key_digest"] == psk_digest(cid, PSK)
        assert prov.diff(cid, outs, news).changes is False


def test_the_simulator_knows_its_fault_kinds() -> None:
    with running() as (sim, _server):
        sim.queue_faults(429, "after:500", "after:stall", "malformed")
        with pytest.raises(ValueError, match="unknown fault"):
            sim.queue_faults("after:429")  # a 429 is a refusal: nothing was carried out


def test_a_create_that_timed_out_is_adopted_by_the_next_run() -> None:
    """The answer comes after the client gave up (a timeout): the next run's POST meets 409."""
    config = SimConfig(seed=3, fault_stall_seconds=3)
    with running(config) as (sim, server):
        news = inputs(server.url)
        news["api"]["timeoutSeconds"] = 0.5
        no_retry = RetryPolicy(attempts=1, timeout=5)
        first = VpnConnectionProvider(retry=no_retry)
        first.read("warm-up", news)
        # Created, answer held back; the lookup that follows fails too (503s): not found yet.
        sim.queue_faults("after:stall", 503)
        with pytest.raises(Exception) as exc:
            first.create(news)
        message = str(exc.value)
        assert "not retried" in message and "run `pulumi up` again" in message
        cid = _one(sim)  # the orphan: Pulumi has no state for it

        second = VpnConnectionProvider(retry=FAST)  # the next `pulumi up`
        created = second.create(news)
        assert created.id == cid and _one(sim) == cid
        assert (created.outs or {})["findings"] == []


def test_an_orphan_that_differs_where_it_must_match_is_refused_with_its_id() -> None:
    with running() as (sim, server):
        prov = VpnConnectionProvider(retry=FAST)
        news = inputs(server.url)
        prov.create(news)
        cid = _one(sim)
        sim.patch_connection(cid, "phase2.encryption", "aes128")  # someone else's, or edited
        with pytest.raises(manage.OrphanRefused) as exc:
            prov.create(news)  # a run that has no state for it
        message = str(exc.value)
        assert f"named {NAME!r} already exists in Genesys (id {cid})" in message
        assert "phase2.encryption: Genesys aes128, stack aes256" in message
        assert f"DELETE {server.url}/api/v2/telephony/vpn/connections/{cid}" in message
        assert "Genesys Cloud VPN dashboard" in message
        assert "\n" not in message and PSK not in message
        assert sim.connections[cid]["phase2"]["encryption"] == "aes128"  # left as it was


def test_an_orphan_with_another_key_is_refused_not_overwritten() -> None:
    with running() as (sim, server):
        prov = VpnConnectionProvider(retry=FAST)
        prov.create(inputs(server.url, psk=PSK.replace("A", "B")))
        cid = _one(sim)
        with pytest.raises(manage.OrphanRefused, match="preSharedKey"):
            prov.create(inputs(server.url))
        assert psk_digest(cid, PSK.replace("A", "B")) == sim._view(cid)["preSharedKeyDigest"]


def test_adopting_converges_local_settings_with_one_put() -> None:
    with running() as (sim, server):
        prov = VpnConnectionProvider(retry=FAST)
        news = inputs(server.url)
        prov.create(news)
        cid = _one(sim)
        sim.patch_connection(cid, "keepaliveSeconds", 10)  # local to each side: a warning
        created = prov.create(news)  # a run without state for it: adopted, then converged
        assert created.id == cid and _one(sim) == cid
        assert sim.connections[cid]["keepaliveSeconds"] == news["record"]["keepaliveSeconds"]
        assert (created.outs or {})["findings"] == []
