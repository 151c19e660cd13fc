"""The parity reconciler: each must-match parameter is one error, each local one a warning."""

from __future__ import annotations

import json
from typing import Any

import pytest
import stamina
from typer.testing import CliRunner

from c2cvpn.cli import app
from c2cvpn.genesys.desired import Record, declared, desired, from_connection, to_input
from c2cvpn.genesys.model import Connection, psk_digest
from c2cvpn.genesys.reconcile import compare, reconcile
from c2cvpn.genesys.sim import seed_stacks
from c2cvpn.problems import CODES, Severity
from c2cvpn.spec import load_stack
from tests.genesys_support import PSK, api_stack, loaded, running, stack_config

PEER = "198.51.100.7"


def actual_connection(**changes: Any) -> dict[str, Any]:
    """The dev stack's record as Genesys would return it, with dotted-path changes applied."""
    want = desired(loaded(stack_config("dev")).spec, peer_ip=PEER)
    data = to_input(want, psk=PSK).model_dump(
        mode="json", by_alias=True, exclude={"pre_shared_key"}
    )
    data.update(id="c-1", gatewayIp="203.0.113.10", preSharedKeyDigest=psk_digest("c-1", PSK))
    for path, value in changes.items():
        target = data
        *parents, last = path.split(".")
        for part in parents:
            target = target[part]
        target[last] = value
    return data


def run(**changes: Any) -> list[Any]:
    want = desired(loaded(stack_config("dev")).spec, peer_ip=PEER, psk=PSK)
    actual = from_connection(Connection.model_validate(actual_connection(**changes)))
    findings, _ = compare(want, actual)
    return findings


def test_identical_records_are_in_sync() -> None:
    assert run() == []


def expected_code(path: str) -> str:
    """The stable code each Genesys parameter reports under."""
    head = path.split(".")[0]
    return (
        {
            "phase1": "genesys-phase1-mismatch",
            "phase2": "genesys-phase2-mismatch",
            "localNetworks": "genesys-selector-mismatch",
            "remoteNetworks": "genesys-selector-mismatch",
            "peerIp": "genesys-peer-mismatch",
            "gatewayIp": "genesys-peer-mismatch",
            "tunnelCidr": "genesys-tunnel-cidr-mismatch",
            "preSharedKeyDigest": "genesys-psk-mismatch",
            "natTraversal": "genesys-natt-mismatch",
        }.get(head, "genesys-local-difference")
        if not path.endswith("lifetimeSeconds")
        else "genesys-local-difference"
    )


MUST_MATCH = [
    ("phase1.ikeVersion", "ikev1"),
    ("phase1.encryption", "aes128"),
    ("phase1.integrity", "sha384"),
    ("phase1.dhGroup", 19),
    ("phase2.protocol", "ah"),
    ("phase2.encryption", "aes128"),
    ("phase2.integrity", "sha512"),
    ("phase2.pfsGroup", 20),
    ("localNetworks", ["10.100.0.0/24", "10.200.0.0/24"]),
    ("remoteNetworks", ["10.10.1.0/24"]),
    ("peerIp", "198.51.100.8"),
    ("gatewayIp", "203.0.113.99"),
    ("tunnelCidr", "169.254.44.0/29"),
    ("preSharedKeyDigest", psk_digest("c-1", PSK + "x")),
]


@pytest.mark.parametrize(("path", "value"), MUST_MATCH, ids=[p for p, _ in MUST_MATCH])
def test_each_must_match_parameter_flipped_alone_is_exactly_one_error(
    path: str, value: Any
) -> None:
    findings = run(**{path: value})
    assert len(findings) == 1, findings
    f = findings[0]
    assert f.severity is Severity.ERROR
    assert f.parameter == ("preSharedKey" if path == "preSharedKeyDigest" else path)
    assert f.code == expected_code(path) and CODES[f.code].severity is Severity.ERROR
    assert PSK not in f.message and PSK not in json.dumps(f.as_dict())


LOCAL = [
    ("keepaliveSeconds", 10),
    ("natTraversal", False),
]


@pytest.mark.parametrize(("path", "value"), LOCAL, ids=[p for p, _ in LOCAL])
def test_each_local_parameter_flipped_is_a_warning_only(path: str, value: Any) -> None:
    findings = run(**{path: value})
    assert [(f.parameter, f.severity) for f in findings] == [(path, Severity.WARNING)]
    assert findings[0].code == expected_code(path)
    want = desired(loaded(stack_config("dev")).spec, peer_ip=PEER, psk=PSK)
    actual = from_connection(Connection.model_validate(actual_connection(**{path: value})))
    assert reconcile("t", [(want, actual)]).in_sync


@pytest.mark.parametrize(
    ("path", "value", "code"),
    [
        ("phase1.lifetimeSeconds", 3600, "genesys-phase1-mismatch"),
        ("phase2.lifetimeSeconds", 1800, "genesys-phase2-mismatch"),
    ],
)
def test_a_lifetime_difference_is_an_error_on_aws(path: str, value: int, code: str) -> None:
    """AWS rekeys on its own lifetimes: "If such lifetimes are different than the negotiated
    handshake values, this may interrupt tunnel connectivity" (aws-review #7)."""
    (f,) = run(**{path: value})
    assert (f.parameter, f.code, f.severity) == (path, code, Severity.ERROR)
    assert "may interrupt the tunnel" in f.message


def test_a_lifetime_difference_is_local_elsewhere() -> None:
    """On-prem (strongSwan) and Azure rekey on their own clocks: IKEv2 lifetimes are local."""
    spec = loaded(stack_config("local")).spec
    want = desired(spec)
    data = to_input(want, psk=PSK).model_dump(
        mode="json", by_alias=True, exclude={"pre_shared_key"}
    )
    data.update(id="c-1", gatewayIp="192.168.250.1")
    data["phase2"]["lifetimeSeconds"] = 1800
    (f,) = compare(want, from_connection(Connection.model_validate(data)))[0]
    assert (f.code, f.severity) == ("genesys-local-difference", Severity.WARNING)


def test_message_names_the_trap_and_both_values() -> None:
    (f,) = run(**{"phase2.encryption": "aes128"})
    assert f.message.startswith("Phase 2 will fail: Genesys proposes aes128, AWS is set to aes256")
    assert (f.genesys, f.iaas) == ("aes128", "aes256")
    assert "Fix:" in f.message
    (g,) = run(**{"phase1.dhGroup": 19})
    assert g.message.startswith(
        "Phase 1 will fail: Genesys proposes group 19, AWS is set to group 14"
    )


def test_traffic_selectors_are_sets_not_lists() -> None:
    cfg = stack_config("prod")
    want = desired(loaded(cfg).spec, peer_ip=PEER)
    data = to_input(want, psk=PSK).model_dump(
        mode="json", by_alias=True, exclude={"pre_shared_key"}
    )
    data.update(
        id="x", gatewayIp="203.0.113.20", localNetworks=list(reversed(data["localNetworks"]))
    )
    assert compare(want, from_connection(Connection.model_validate(data)))[0] == []


def test_aws_peer_ip_is_unchecked_until_known() -> None:
    spec = loaded(stack_config("dev")).spec
    want = desired(spec)
    actual = from_connection(Connection.model_validate(actual_connection(peerIp="198.51.100.200")))
    findings, unchecked = compare(want, actual)
    assert findings == []
    assert any(u.parameter == "peerIp" and "known after apply" in u.reason for u in unchecked)
    findings, _ = compare(desired(spec, peer_ip=PEER), actual)
    assert [f.parameter for f in findings] == ["peerIp"]


def test_onprem_peer_ip_comes_from_the_spec() -> None:
    spec = loaded(stack_config("local")).spec
    assert desired(spec).record.values["peerIp"] == "192.168.250.2"
    assert desired(spec).unknown == {}


def test_missing_connection_is_one_error() -> None:
    want = desired(loaded(stack_config("dev")).spec)
    findings, _ = compare(want, None)
    assert [(f.code, f.severity) for f in findings] == [
        ("genesys-connection-missing", Severity.ERROR)
    ]


def test_declared_without_a_block_is_in_sync_and_with_a_block_is_compared() -> None:
    cfg = stack_config("dev")
    spec = loaded(cfg).spec
    assert reconcile("t", [(desired(spec), declared(spec))]).in_sync
    cfg["c2c-vpn:genesys"]["connection"] = {
        "localNetworks": ["10.100.0.0/24"],
        "remoteNetworks": ["10.10.0.0/24"],
        "phase1": {"encryption": "AES-256", "integrity": "SHA-256", "dhGroup": 14},
        "phase2": {"encryption": "AES-128", "integrity": "SHA-256", "pfsGroup": 14},
        "keepaliveSeconds": 30,
    }
    spec = loaded(cfg).spec
    result = reconcile("t", [(desired(spec), declared(spec))])
    assert not result.in_sync
    assert [(f.parameter, f.severity.value) for f in result.findings] == [
        ("phase2.encryption", "error"),
        ("keepaliveSeconds", "warning"),
    ]


def test_records_never_print_the_key() -> None:
    rec = Record("n", {}, psk=__import__("pydantic").SecretStr(PSK))
    assert PSK not in repr(rec)


# --------------------------------------------------------------------------- the CLI


def test_cli_reconcile_against_the_simulator(tmp_path: Any) -> None:
    runner = CliRunner()
    with running() as (sim, server):
        conn_id, _standby = seed_stacks(sim, [load_stack("dev")])  # tunnels 1 and 2
        stack = api_stack(server.url)
        path = tmp_path / "Pulumi.devapi.yaml"
        cfg = stack_config("dev")
        cfg["c2c-vpn:genesys"].update(source="api", api={"baseUrl": server.url})
        path.write_text(__import__("yaml").safe_dump({"config": cfg}))
        ok = runner.invoke(app, ["reconcile", str(path), "--format", "json"])
        assert ok.exit_code == 0, ok.output
        assert json.loads(ok.stdout)["inSync"] is True
        assert stack.spec.genesys.api is not None

        sim.patch_connection(conn_id, "phase2.encryption", "aes128")
        bad = runner.invoke(app, ["reconcile", str(path), "--format", "json"])
        assert bad.exit_code == 1
        doc = json.loads(bad.stdout)
        assert doc["inSync"] is False and doc["stack"] == "devapi"
        assert [f["parameter"] for f in doc["findings"]] == ["phase2.encryption"]

        text = runner.invoke(app, ["reconcile", "dev", "--genesys-url", server.url])
        assert (
            text.exit_code == 1
            and "Phase 2 will fail: Genesys proposes aes128, AWS is set to aes256" in text.stdout
        )


def test_cli_reconcile_unreadable_is_exit_2_in_one_line() -> None:
    with running() as (_sim, server):
        url = server.url
    with stamina.set_testing(
        True, attempts=2
    ):  # retries without the backoff sleeps: the outcome is what counts
        result = CliRunner().invoke(
            app, ["reconcile", "dev", "--genesys-url", url], env={"GENESYS_CLIENT_SECRET": "x"}
        )
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert (
        "cannot read the Genesys side" in result.stderr
        and len(result.stderr.strip().splitlines()) == 1
    )


def test_cli_reconcile_declared_is_offline_and_in_sync() -> None:
    result = CliRunner().invoke(app, ["reconcile", "prod"])
    assert result.exit_code == 0
    assert "in sync" in result.stdout


# --------------------------------------------------------------------------- review fixes


def test_declared_says_what_it_could_not_compare() -> None:
    cfg = stack_config("dev")
    spec = loaded(cfg).spec
    result = reconcile("t", [(desired(spec), declared(spec))])
    assert result.in_sync
    assert any(
        u.parameter == "connection" and "spec stands in" in u.reason for u in result.unchecked
    )
    cfg["c2c-vpn:genesys"]["connection"] = {
        "localNetworks": ["10.100.0.0/24"],
        "remoteNetworks": ["10.10.0.0/24"],
        "phase1": {"encryption": "aes256", "integrity": "sha256", "dhGroup": 14},
        "phase2": {"encryption": "aes256", "integrity": "sha256", "pfsGroup": 14},
    }
    spec = loaded(cfg).spec
    result = reconcile("t", [(desired(spec), declared(spec))])
    reasons = {u.parameter: u.reason for u in result.unchecked}
    assert "genesys.gatewayIp" in reasons["gatewayIp"] and "tunnelCidr" in reasons["tunnelCidr"]
    assert "connection" not in reasons


def test_an_explicit_url_replaces_the_stacks_login_host_too() -> None:
    from c2cvpn.genesys.source import api_addresses

    cfg = stack_config("dev")
    cfg["c2c-vpn:genesys"].update(source="api", api={"loginUrl": "https://login.example.com"})
    base, login, _, _ = api_addresses(loaded(cfg).spec, url="http://127.0.0.1:8787")
    assert (base, login) == ("http://127.0.0.1:8787", "http://127.0.0.1:8787")


def test_a_response_with_fields_the_contract_does_not_know_still_reconciles() -> None:
    data = actual_connection()
    data["createdBy"] = {"id": "u-1"}  # a field a newer API version might add
    data["phase2"]["replayWindow"] = 64
    want = desired(loaded(stack_config("dev")).spec, peer_ip=PEER, psk=PSK)
    assert compare(want, from_connection(Connection.model_validate(data)))[0] == []


def test_credentials_come_from_the_environment_and_the_demo_only_on_loopback() -> None:
    from c2cvpn.genesys.demo_credentials import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
    from c2cvpn.genesys.source import GenesysUnreadable, api_settings

    remote = api_stack("https://api.example.com").spec
    with pytest.raises(GenesysUnreadable, match="no OAuth client id"):
        api_settings(remote, env={})
    with pytest.raises(GenesysUnreadable, match=r"set \$GENESYS_CLIENT_SECRET"):
        api_settings(remote, env={"GENESYS_CLIENT_ID": "ops"})
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": "ops", "GENESYSCLOUD_OAUTHCLIENT_SECRET": "Ops.Secret_1"}
    got = api_settings(remote, env=env)
    assert (got.client_id, got.client_secret.get_secret_value()) == ("ops", "Ops.Secret_1")
    given = api_settings(remote, env=env, client_secret="Given.Secret_2")
    assert given.client_secret.get_secret_value() == "Given.Secret_2"
    local = api_settings(api_stack("http://127.0.0.1:8787").spec, env={})
    assert (local.client_id, local.client_secret.get_secret_value()) == (
        DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET,
    )


def test_the_login_url_is_the_base_url_only_on_loopback() -> None:
    """Review #19: Genesys' OAuth host is login.<domain>, never the api. host of a real org."""
    from c2cvpn.genesys.source import GenesysUnreadable, api_addresses

    def login(url: str | None = None, region: str = "eu-west-1", **api: Any) -> str:
        cfg = stack_config("dev")
        cfg["c2c-vpn:genesys"].update(source="api", region=region, api=api)
        return api_addresses(loaded(cfg).spec, url=url)[1]

    # the simulator serves both
    assert login(baseUrl="http://127.0.0.1:8787/") == "http://127.0.0.1:8787"
    assert login(url="http://127.0.0.1:8787") == "http://127.0.0.1:8787"
    # a real host: login.<region domain>, whatever the API host is called
    assert login(baseUrl="https://api.mypurecloud.ie") == "https://login.mypurecloud.ie"
    assert login(baseUrl="https://genesys-gw.example.com") == "https://login.mypurecloud.ie"
    assert login(region="eusc-de-east-1") == "https://login.edee1.eusc-pure.cloud"
    # an explicit loginUrl wins; --genesys-url pairs with its own login host
    assert login(baseUrl="https://api.mypurecloud.ie", loginUrl="https://sso.example.com") == (
        "https://sso.example.com"
    )
    assert login(url="https://api.mypurecloud.de") == "https://login.mypurecloud.de"
    with pytest.raises(GenesysUnreadable, match=r"set genesys\.api\.loginUrl"):
        login(baseUrl="https://genesys-gw.example.com", region="mars-north-1")
    assert login(baseUrl="http://localhost:8787", region="mars-north-1") == "http://localhost:8787"


def test_a_real_base_url_gets_no_demo_credentials_through_the_derived_login_host() -> None:
    from c2cvpn.genesys.source import GenesysUnreadable, api_settings

    with pytest.raises(GenesysUnreadable, match="no OAuth client id"):
        api_settings(api_stack("https://api.mypurecloud.ie").spec, env={})
    got = api_settings(
        api_stack("https://api.mypurecloud.ie").spec,
        env={"GENESYS_CLIENT_ID": "ops", "GENESYS_CLIENT_SECRET": "Ops.Secret_1"},
    )
    assert (got.base_url, got.login_url) == (
        "https://api.mypurecloud.ie",
        "https://login.mypurecloud.ie",
    )


def test_reconcile_json_answers_in_json_on_exit_2(tmp_path: Any) -> None:
    """--format json prints JSON on stdout for every exit code, the unreadable ones included."""
    from typer.testing import CliRunner

    from c2cvpn.cli import app

    runner = CliRunner()
    missing = runner.invoke(app, ["reconcile", str(tmp_path / "Pulumi.x.yaml"), "--format", "json"])
    assert missing.exit_code == 2
    assert json.loads(missing.stdout)["error"]["kind"] == "unusable"
    unreachable = runner.invoke(
        app,
        [
            "reconcile",
            "dev",
            "--genesys-url",
            "http://127.0.0.1:9",
            "--deadline",
            "1",
            "--format",
            "json",
        ],
    )
    assert unreachable.exit_code == 2
    body = json.loads(unreachable.stdout)
    assert body["stack"] == "dev" and body["error"]["kind"] == "unreadable"
    assert "127.0.0.1" in body["error"]["lines"][0]
