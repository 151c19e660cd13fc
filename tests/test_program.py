"""The program: secrets stay secret in outputs, invalid stacks fail the run with every problem."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from typer.testing import CliRunner

from c2cvpn.cli import app
from c2cvpn.genesys.sim import seed_stacks
from c2cvpn.spec import load_stack
from components import program
from components.mock_engine import SECRET, ProgramRefused, plan_stack
from tests.genesys_support import api_stack, running
from tests.helpers import (
    GOOD_PSK,
    Planned,
    load,
    of_type,
    plan,
    raw_config,
    set_path,
    write_stack,
)


def test_psk_export_is_secret_and_the_rest_readable() -> None:
    config = set_path(raw_config("prod"), "c2c-vpn:tunnel.preSharedKey", GOOD_PSK)
    outputs = plan(config)["outputs"]
    assert outputs["preSharedKey"] == SECRET
    admin = outputs["genesysAdmin"]  # not masked as a whole by a nested secret
    assert admin["algorithms"]["phase1"]["encryption"] == "AES-256-GCM"
    assert [c["role"] for c in admin["connections"]] == ["primary", "standby"]
    standby = admin["connections"][1]
    assert {k: standby[k] for k in ("tunnel", "tunnelCidr", "cloudInsideAddress", "outsideIp")} == {
        "tunnel": 2,
        "tunnelCidr": "169.254.20.4/30",
        "cloudInsideAddress": "169.254.20.5",
        "outsideIp": "(known after apply: primary-vpn.tunnel2Address)",
    }
    assert outputs["standbyPreSharedKey"] == SECRET
    assert outputs["activeAttachment"] == "primary"
    assert GOOD_PSK not in json.dumps(outputs)


def test_provider_echoed_psk_outputs_are_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[aws.ec2.VpnConnection] = []

    class Capturing(aws.ec2.VpnConnection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            created.append(self)

    monkeypatch.setattr(aws.ec2, "VpnConnection", Capturing)
    config = set_path(raw_config("dev"), "c2c-vpn:tunnel.preSharedKey", GOOD_PSK)

    def probe(loaded: Any) -> dict[str, Any]:
        exports = program.build(loaded)
        [vpn] = created
        checks = {
            name: getattr(vpn, name).is_secret()
            for name in (
                "tunnel1_preshared_key",
                "tunnel2_preshared_key",
                "customer_gateway_configuration",
            )
        }
        return {
            "secret": pulumi.Output.all(
                **{k: pulumi.Output.from_input(v) for k, v in checks.items()}
            ),
            "psk": exports["preSharedKey"],
        }

    outputs = plan_stack(load(config), config=config, program=probe)
    assert outputs["outputs"]["secret"] == {
        "tunnel1_preshared_key": True,
        "tunnel2_preshared_key": True,
        "customer_gateway_configuration": True,
    }
    [vpn] = of_type(outputs, ":VpnConnection")
    assert set(vpn["secretOutputs"]) >= {
        "tunnel1PresharedKey",
        "tunnel2PresharedKey",
        "customerGatewayConfiguration",
    }


def test_encrypted_psk_plans_as_secret() -> None:
    config = set_path(raw_config("dev"), "c2c-vpn:tunnel.preSharedKey", {"secure": "v1:abc"})
    set_path(config, "c2c-vpn:tunnel.standbyPreSharedKey", {"secure": "v1:def"})
    result = plan(config)
    assert not of_type(result, "RandomPassword")
    [vpn] = of_type(result, ":VpnConnection")
    # Masked, with a digest of the ciphertext (public: it is in the stack file) so that two
    # offline plans show a changed key; one digest per key.
    digest = hashlib.sha256(b"v1:abc").hexdigest()[:12]
    assert vpn["inputs"]["tunnel1PresharedKey"] == (
        f"{SECRET} (encrypted in the stack file: ciphertext sha256 {digest})"
    )
    assert vpn["inputs"]["tunnel2PresharedKey"] != vpn["inputs"]["tunnel1PresharedKey"]
    assert "v1:" not in json.dumps(result)
    assert result["outputs"]["preSharedKey"] == SECRET


def test_onprem_builds_no_cloud_resources(planned: Planned) -> None:
    result = planned("local")
    assert {r["type"] for r in result["resources"]} == {
        "random:index/randomPassword:RandomPassword"
    }
    [connection] = result["outputs"]["genesysAdmin"]["connections"]
    assert (connection["outsideIp"], connection["tunnelCidr"]) == (
        "192.168.250.2",
        "169.254.50.0/30",
    )


def engine_run(config: dict[str, Any]) -> dict[str, Any]:
    """``program.run()`` as ``pulumi up`` runs it: config from the engine, secret tunnel key."""
    engine_config = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in config.items()}

    def run(_: Any) -> dict[str, Any]:
        pulumi.runtime.set_all_config(engine_config, ["c2c-vpn:tunnel"])
        program.run()
        return {}

    return plan_stack(load(config), config=config, program=run)


def test_run_exports_a_valid_stack() -> None:
    config = set_path(raw_config("dev"), "c2c-vpn:tunnel.preSharedKey", GOOD_PSK)
    result = engine_run(config)
    assert of_type(result, ":VpnConnection")


def test_run_fails_listing_every_problem_without_the_psk() -> None:
    weak = "Short.1"
    config = set_path(raw_config("dev"), "c2c-vpn:tunnel.preSharedKey", weak)
    set_path(config, "c2c-vpn:tunnel.phase2.lifetimeSeconds", 28800)
    with pytest.raises(ProgramRefused) as caught:  # the plan's name for the engine's RunError
        engine_run(config)
    message = str(caught.value)
    assert "psk-weak at c2c-vpn:tunnel.preSharedKey" in message
    assert "lifetime-order at c2c-vpn:tunnel.phase2.lifetimeSeconds" in message
    assert weak not in message


# --------------------------------------------------------------------------- the Genesys side in the program


def _declared_mismatch() -> dict[str, Any]:
    config = raw_config("dev")
    tunnel = config["c2c-vpn:tunnel"]
    config["c2c-vpn:genesys"]["connection"] = {
        "localNetworks": ["10.100.0.0/24"],
        "remoteNetworks": ["10.10.0.0/24"],
        "phase1": dict(tunnel["phase1"]),
        "phase2": {**tunnel["phase2"], "encryption": "aes128"},
    }
    return config


def test_program_fails_on_a_declared_genesys_mismatch() -> None:
    config = _declared_mismatch()
    with pytest.raises(ProgramRefused) as info:
        plan_stack(load(config), config=config, program=program.build)
    assert "genesys-phase2-mismatch" in str(info.value)
    assert "Phase 2 will fail: Genesys proposes aes128, AWS is set to aes256" in str(info.value)


def test_plan_cli_exits_1_on_a_declared_genesys_mismatch(tmp_path: Any) -> None:
    result = CliRunner().invoke(
        app, ["plan", str(write_stack(tmp_path, _declared_mismatch())), "--format", "json"]
    )
    assert result.exit_code == 1
    assert "phase2.encryption" in result.output


def test_program_verifies_the_genesys_api_in_preview_and_up() -> None:
    with running() as (sim, server):
        (cid,) = seed_stacks(sim, [load_stack("local")])
        in_sync = plan_stack(api_stack(server.url, "local"), program=program.build)["outputs"]
        assert (in_sync["genesysSource"], in_sync["genesysMode"], in_sync["genesysInSync"]) == (
            "api",
            "verify",
            True,
        )

        sim.patch_connection(cid, "phase2.encryption", "aes128")
        with pytest.raises(ProgramRefused) as info:
            plan_stack(api_stack(server.url, "local"), program=program.build)
        assert "phase2.encryption" in str(info.value)
        # The offline plan does not read the API at all, so it still shows the resources.
        offline = plan(api_stack(server.url, "local"))["outputs"]
        assert (offline["genesysSource"], offline["genesysMode"]) == ("api", "verify")
        assert "not read offline" in offline["genesysNote"]
        managed = plan(api_stack(server.url, "local", mode="manage"))["outputs"]
        assert managed["genesysMode"] == "manage"  # the mode, not a sentence
        assert "pulumi up` creates and updates it" in managed["genesysNote"]


def test_offline_plan_does_not_compare_a_cloud_assigned_peer_ip() -> None:
    # A declared AWS record may hold the real tunnel outside IP; the mocks cannot know it.
    config = raw_config("dev")
    tunnel = config["c2c-vpn:tunnel"]
    config["c2c-vpn:genesys"]["connection"] = {
        "peerIp": "52.1.2.3",
        "localNetworks": ["10.100.0.0/24"],
        "remoteNetworks": ["10.10.0.0/24"],
        "phase1": dict(tunnel["phase1"]),
        "phase2": dict(tunnel["phase2"]),
    }
    outputs = plan(config)["outputs"]
    assert outputs["genesysInSync"] is True
