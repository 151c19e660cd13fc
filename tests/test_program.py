"""The program: secrets stay secret in outputs, invalid stacks fail the run with every problem."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from components import program
from components.plan import SECRET, plan_stack
from tests.helpers import GOOD_PSK, load, raw_config, set_path


def test_psk_export_is_secret_and_the_rest_readable() -> None:
    config = set_path(raw_config("prod"), "c2c-vpn:tunnel.preSharedKey", GOOD_PSK)
    outputs = plan_stack(load(config), config=config)["outputs"]
    assert outputs["preSharedKey"] == SECRET
    admin = outputs["genesysAdmin"]  # not masked as a whole by a nested secret
    assert admin["algorithms"]["phase1"]["encryption"] == "AES-256-GCM"
    assert [c["role"] for c in admin["connections"]] == ["primary", "standby"]
    assert admin["connections"][0]["tunnels"][1] == {
        "insideCidr": "169.254.20.4/30", "cloudInsideAddress": "169.254.20.5",
        "genesysInsideAddress": "169.254.20.6", "outsideIp": "(known after apply: primary-vpn.tunnel2Address)",
    }
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
            for name in ("tunnel1_preshared_key", "tunnel2_preshared_key", "customer_gateway_configuration")
        }
        return {"secret": pulumi.Output.all(**{k: pulumi.Output.from_input(v) for k, v in checks.items()}), "psk": exports["preSharedKey"]}

    outputs = plan_stack(load(config), config=config, program=probe)
    assert outputs["outputs"]["secret"] == {
        "tunnel1_preshared_key": True, "tunnel2_preshared_key": True, "customer_gateway_configuration": True,
    }
    [vpn] = [r for r in outputs["resources"] if r["type"].endswith(":VpnConnection")]
    assert set(vpn["secretOutputs"]) >= {"tunnel1PresharedKey", "tunnel2PresharedKey", "customerGatewayConfiguration"}


def test_encrypted_psk_plans_as_secret() -> None:
    config = set_path(raw_config("dev"), "c2c-vpn:tunnel.preSharedKey", {"secure": "v1:abc"})
    result = plan_stack(load(config), config=config)
    assert not [r for r in result["resources"] if "RandomPassword" in r["type"]]
    [vpn] = [r for r in result["resources"] if r["type"].endswith(":VpnConnection")]
    assert vpn["inputs"]["tunnel1PresharedKey"] == SECRET
    assert result["outputs"]["preSharedKey"] == SECRET


def test_onprem_builds_no_cloud_resources() -> None:
    config = raw_config("local")
    result = plan_stack(load(config), config=config)
    assert {r["type"] for r in result["resources"]} == {"random:index/randomPassword:RandomPassword"}
    [connection] = result["outputs"]["genesysAdmin"]["connections"]
    assert connection["tunnels"][0]["outsideIp"] == "192.168.250.2"


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
    assert any(r["type"].endswith(":VpnConnection") for r in result["resources"])


def test_run_fails_listing_every_problem_without_the_psk() -> None:
    weak = "Short.1"
    config = set_path(raw_config("dev"), "c2c-vpn:tunnel.preSharedKey", weak)
    set_path(config, "c2c-vpn:tunnel.phase2.lifetimeSeconds", 28800)
    with pytest.raises(pulumi.RunError) as caught:
        engine_run(config)
    message = str(caught.value)
    assert "psk-weak at c2c-vpn:tunnel.preSharedKey" in message
    assert "lifetime-order at c2c-vpn:tunnel.phase2.lifetimeSeconds" in message
    assert weak not in message
