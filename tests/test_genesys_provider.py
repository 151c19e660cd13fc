"""The Genesys side in Pulumi: provider methods against the simulator, verify/manage under mocks."""

from __future__ import annotations

import pickle
from typing import Any

import pulumi
import pytest
from pulumi import dynamic

from c2cvpn.genesys import manage
from c2cvpn.genesys.desired import desired, to_input
from c2cvpn.genesys.model import Connection, psk_digest
from c2cvpn.genesys.sim import SimConfig, seed_stacks
from c2cvpn.spec import load_stack
from components.genesys import VpnConnectionProvider, genesys_side
from tests.genesys_support import FAST, PSK, api_stack, loaded, running, stack_config

PEER = "198.51.100.7"


class Mocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        return f"{args.name}-id", dict(args.inputs)

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture
def mocks() -> Mocks:
    m = Mocks()
    pulumi.runtime.set_mocks(m, preview=False)
    return m


def inputs(url: str, *, psk: str = PSK, **record_changes: Any) -> dict[str, Any]:
    want = desired(loaded(stack_config("dev")).spec, peer_ip=PEER)
    record = to_input(want, psk="").model_dump(
        mode="json", by_alias=True, exclude={"pre_shared_key"}
    )
    for path, value in record_changes.items():
        target = record
        *parents, last = path.split(".")
        for part in parents:
            target = target[part]
        target[last] = value
    return {
        "role": "primary",
        "provider": "aws",
        "record": record,
        "gatewayIp": "203.0.113.10",
        "preSharedKey": psk,
        "paths": dict(want.paths),
        "api": {
            "baseUrl": url,
            "loginUrl": url,
            "clientId": None,
            "clientSecretEnv": "GENESYS_TEST_NONE",
            "tokenPath": "/oauth/token",
            "connectionsPath": "/api/v2/telephony/vpn/connections",
            "timeoutSeconds": 5,
        },
    }


# --------------------------------------------------------------------------- provider methods


def test_check_accepts_good_inputs_and_names_bad_fields_never_the_key() -> None:
    prov = VpnConnectionProvider(retry=FAST)
    good = inputs("http://127.0.0.1:1")
    assert prov.check({}, good).failures == []
    bad = inputs("http://127.0.0.1:1", **{"peerIp": "not-an-ip", "phase1.dhGroup": "x"})
    result = prov.check({}, bad)
    props = sorted(f.property for f in result.failures)
    assert props == ["record.peerIp", "record.phase1.dhGroup"]
    assert all(PSK not in f.reason for f in result.failures)
    leaked = inputs("http://127.0.0.1:1")
    leaked["api"]["clientSecret"] = "nope"
    assert [f.property for f in prov.check({}, leaked).failures] == ["api.clientSecret"]


def test_create_diff_update_delete_against_the_simulator() -> None:
    with running() as (sim, server):
        prov = VpnConnectionProvider(retry=FAST)
        news = inputs(server.url)
        created = prov.create(news)
        cid = created.id
        outs = created.outs or {}
        assert cid in sim.connections
        assert "preSharedKey" not in outs and PSK not in repr(outs)
        assert outs["gateway_ip"] == "203.0.113.10" and outs["findings"] == []
        assert outs["pre_shared_key_digest"] == psk_digest(cid, PSK)

        assert prov.diff(cid, outs, news).changes is False

        sim.patch_connection(cid, "phase2.encryption", "aes128")  # someone edits the dashboard
        d = prov.diff(cid, outs, news)
        assert d.changes is True and not d.replaces

        updated = prov.update(cid, outs, news)
        assert sim.connections[cid]["phase2"]["encryption"] == "aes256"
        assert prov.diff(cid, updated.outs or {}, news).changes is False

        rotated = inputs(server.url, psk=PSK.replace("A", "B"))
        assert prov.diff(cid, outs, rotated).changes is True  # key compared by digest
        prov.update(cid, outs, rotated)
        assert prov.diff(cid, outs, rotated).changes is False

        read = prov.read(cid, updated.outs or {})
        assert read.id == cid

        prov.delete(cid, outs)
        assert cid not in sim.connections
        prov.delete(cid, outs)  # already gone: fine
        gone = prov.diff(cid, outs, news)
        assert gone.changes is True and gone.replaces == ["record"]


def test_credentials_come_from_configure_and_never_serialise() -> None:
    secret = "Sim.Secret_Value_42"
    with running(SimConfig(seed=2, clients={"ops": secret})) as (_sim, server):
        prov = VpnConnectionProvider(retry=FAST)
        news = inputs(server.url)
        news["api"]["clientId"] = "ops"
        prov.configure(
            dynamic.ConfigureRequest(
                dynamic.Config({"genesyscloud:oauthclientSecret": secret}, "c2c-vpn")
            )
        )
        assert prov.create(news).id
        assert secret.encode() not in pickle.dumps(prov)
        assert secret not in repr(news)


# --------------------------------------------------------------------------- under mocks


def test_verify_mode_fails_on_a_phase2_encryption_mismatch(mocks: Mocks) -> None:
    with running() as (sim, server):
        cid, _standby = seed_stacks(sim, [load_stack("dev")])  # tunnel 1's and tunnel 2's
        sim.patch_connection(cid, "phase2.encryption", "aes128")
        stack = api_stack(server.url)

        @pulumi.runtime.test
        def program() -> Any:
            return pulumi.Output.from_input(genesys_side(stack, cloud_outputs={}))

        with pytest.raises(pulumi.RunError) as exc:
            program()
    text = str(exc.value)
    assert "phase2.encryption" in text
    assert "Phase 2 will fail: Genesys proposes aes128, AWS is set to aes256" in text
    assert mocks.resources == []  # verify is read-only


def test_verify_mode_in_sync_exports_and_checks_the_late_peer_ip(mocks: Mocks) -> None:
    with running() as (sim, server):
        cid, _standby = seed_stacks(sim, [load_stack("dev")])
        stack = api_stack(server.url)
        peer = sim.connections[cid]["peerIp"]

        @pulumi.runtime.test
        def in_sync() -> Any:
            exports = genesys_side(
                stack, cloud_outputs={"primary": {"peerIp": pulumi.Output.from_input(peer)}}
            )
            assert exports["genesysSource"] == "api" and exports["genesysMode"] == "verify"
            return exports["genesysInSync"].apply(lambda ok: assert_true(ok))

        in_sync()

        @pulumi.runtime.test
        def wrong_peer() -> Any:
            exports = genesys_side(
                stack,
                cloud_outputs={"primary": {"peerIp": pulumi.Output.from_input("198.51.100.250")}},
            )
            return exports["genesysInSync"]

        with pytest.raises(pulumi.RunError) as exc:
            wrong_peer()
        assert "peerIp" in str(exc.value)


def assert_true(value: bool) -> None:
    assert value is True


def test_declared_mismatch_fails_the_program(mocks: Mocks) -> None:
    cfg = stack_config("dev")
    cfg["c2c-vpn:genesys"]["connection"] = {
        "localNetworks": ["10.100.0.0/24"],
        "remoteNetworks": ["10.10.0.0/24"],
        "phase1": {"encryption": "aes256", "integrity": "sha256", "dhGroup": 14},
        "phase2": {"encryption": "aes256", "integrity": "sha256", "pfsGroup": 19},
    }
    with pytest.raises(pulumi.RunError, match=r"phase2\.pfsGroup"):
        genesys_side(loaded(cfg), cloud_outputs={})
    assert genesys_side(loaded(stack_config("dev")))["genesysInSync"] is True


def test_manage_mode_registers_the_component_and_its_dynamic_record(
    mocks: Mocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", "Env.Secret_never_in_state")
    stack = api_stack("http://127.0.0.1:8787", mode="manage", clientId="ops")

    @pulumi.runtime.test
    def program() -> Any:
        exports = genesys_side(
            stack,
            cloud_outputs={
                "primary": {"peerIp": pulumi.Output.from_input(PEER)},
                "standby": {"peerIp": pulumi.Output.from_input("198.51.100.8")},
            },
            psks={
                "primary": pulumi.Output.secret(PSK),
                "standby": pulumi.Output.secret(PSK.replace("A", "B")),
            },
        )
        return exports["genesysConnectionIds"]["primary"]

    program()
    types = {r.typ: r for r in mocks.resources}
    assert "c2c-vpn:genesys:VpnConnection" in types
    record = next(r for r in mocks.resources if r.name == "genesys-primary-record")
    assert record.name == "genesys-primary-record"
    standby = next(r for r in mocks.resources if r.name == "genesys-standby-record")
    assert standby.inputs["record"]["tunnelCidr"] == "169.254.10.4/30"  # tunnel 2's /30
    assert record.inputs["record"]["peerIp"] == PEER
    assert record.inputs["record"]["phase2"]["encryption"] == "aes256"
    assert "preSharedKey" not in record.inputs["record"]
    assert "clientSecret" not in record.inputs["api"]
    assert "Env.Secret_never_in_state" not in repr(record.inputs)


def test_manage_mode_needs_the_key(mocks: Mocks) -> None:
    stack = api_stack("http://127.0.0.1:8787", mode="manage")
    with pytest.raises(pulumi.RunError, match="pre-shared key"):
        genesys_side(stack, cloud_outputs={"primary": {"peerIp": PEER}})


# --------------------------------------------------------------------------- review fixes


class _NoDigestClient:
    """A client whose server keeps the record but offers no key digest (the contract allows it)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get_connection(self, _id: str) -> Connection:
        return self.conn


def test_diff_sees_a_rename_and_a_key_rotation_without_a_server_digest() -> None:
    news = inputs("http://127.0.0.1:1")
    live = Connection.model_validate({**news["record"], "id": "c-1", "gatewayIp": "203.0.113.10"})
    olds = manage.outputs(news, live, [])
    stub: Any = _NoDigestClient(live)
    assert olds["pre_shared_key_digest"] == psk_digest("c-1", PSK) and PSK not in repr(olds)
    assert manage.diff(stub, "c-1", olds, news)[0] is False  # nothing changed: no perpetual diff

    rotated = inputs("http://127.0.0.1:1", psk=PSK.replace("A", "B"))
    assert manage.diff(stub, "c-1", olds, rotated)[0] is True

    renamed = inputs("http://127.0.0.1:1", name="DEV-AWS-SFDC-VPN-2")
    assert manage.diff(stub, "c-1", olds, renamed)[0] is True

    refreshed = manage.read(stub, "c-1", olds)  # a refresh keeps the digest of the key last written
    assert (
        refreshed is not None
        and refreshed["pre_shared_key_digest"] == olds["pre_shared_key_digest"]
    )


def test_manage_reads_the_client_id_from_the_same_variables_as_reconcile() -> None:
    api = inputs("https://api.example.com")["api"]
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": "ops", "GENESYSCLOUD_OAUTHCLIENT_SECRET": "Ops.Secret_1"}
    with manage.client_for(api, env=env) as c:
        assert c.client_id == "ops" and "Ops.Secret_1" not in repr(c)
