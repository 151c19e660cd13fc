"""Route 53 failover for the endpoint Genesys calls: health from the tunnels, PRIMARY/SECONDARY."""

from __future__ import annotations

from typing import Any

import pytest

from c2cvpn.spec import SpecError
from tests.helpers import Planned, check, dr_config, load, of_type, one, plan, raw_config, set_path

DNS = "c2c-vpn:standby.failover.route53"


@pytest.fixture(scope="module")
def prod() -> dict[str, Any]:
    """A disaster-recovery pair (prod plus a standby on another VPC's gateway) with DNS failover."""
    return plan(dr_config())


def test_health_comes_from_the_path_and_appliance_alarms(prod: dict[str, Any]) -> None:
    """Per end: the connection's TunnelState on VpnId (no tunnel up) and the appliance's status
    checks; healthy only while both are (aws-review #2, #9)."""
    alarms = {r["inputs"]["name"]: r["inputs"] for r in of_type(prod, ":MetricAlarm")}
    checks = [r["inputs"] for r in of_type(prod, ":HealthCheck")]
    metric = sorted(i["cloudwatchAlarmName"] for i in checks if i["type"] == "CLOUDWATCH_METRIC")
    assert metric == sorted(
        f"PROD-AWS-SFDC-VPN-{role}-{what}"
        for role in ("primary", "standby")
        for what in ("path-down", "appliance-down")
    )
    for inputs in (i for i in checks if i["type"] == "CLOUDWATCH_METRIC"):
        assert inputs["cloudwatchAlarmRegion"] == "us-east-1"
        assert inputs["insufficientDataHealthStatus"] == "Unhealthy"
    assert alarms["PROD-AWS-SFDC-VPN-primary-path-down"]["dimensions"] == {
        "VpnId": "(known after apply: primary-vpn.id)"
    }
    for role in ("primary", "standby"):
        calc = one(prod, f"failover-{role}-health")["inputs"]
        assert calc["type"] == "CALCULATED" and calc["childHealthThreshold"] == 2
        assert calc["childHealthchecks"] == [
            f"(known after apply: failover-{role}-alarm{i}-health.id)" for i in (1, 2)
        ]


def test_primary_and_secondary_records(prod: dict[str, Any]) -> None:
    primary = one(prod, "failover-primary-record")["inputs"]
    standby = one(prod, "failover-standby-record")["inputs"]
    assert len(of_type(prod, ":Record")) == 2
    for r in (primary, standby):
        assert (r["zoneId"], r["name"], r["type"], r["ttl"]) == (
            "Z0123456789EXAMPLE",
            "crm-api.example.com",
            "A",
            60,
        )
    assert primary["failoverRoutingPolicies"] == [{"type": "PRIMARY"}]
    assert standby["failoverRoutingPolicies"] == [{"type": "SECONDARY"}]
    assert (primary["records"], standby["records"]) == (["10.10.0.10"], ["10.10.2.10"])
    assert primary["healthCheckId"] == "(known after apply: failover-primary-health.id)"
    assert standby["healthCheckId"] == "(known after apply: failover-standby-health.id)"
    assert primary["setIdentifier"] != standby["setIdentifier"]
    assert prod["outputs"]["failover"]["route53"]["recordName"] == "crm-api.example.com"


def test_no_records_without_the_block(planned: Planned) -> None:
    config = dr_config()
    del config["c2c-vpn:standby"]["failover"]
    result = plan(config)
    assert not of_type(result, ":HealthCheck") and not of_type(result, ":Record")
    assert result["outputs"]["failover"]["route53"] is None
    assert not of_type(planned("dev"), ":Record")


def test_addresses_must_sit_behind_their_attachment() -> None:
    report = check(set_path(dr_config(), f"{DNS}.standbyAddress", "10.10.0.20"))
    (p,) = [p for p in report.problems if p.code == "failover-route53"]
    assert p.path == f"{DNS}.standbyAddress" and "10.10.2.0/23" in p.message


def test_failover_needs_both_ends_on_aws() -> None:
    config = dr_config()
    azure = raw_config("azure-dev")["c2c-vpn:iaas"]
    config["c2c-vpn:standby"]["iaas"] = azure
    set_path(config, f"{DNS}.standbyAddress", "10.20.0.10")
    report = check(config)
    assert [p.message.split(".")[0] for p in report.problems if p.code == "failover-route53"] == [
        "the standby attachment is on azure, not aws"
    ]


@pytest.mark.parametrize(
    ("key", "value"), [("hostedZoneId", "zone-1"), ("recordName", "not a name"), ("ttl", 1)]
)
def test_malformed_dns_settings_are_unusable(key: str, value: Any) -> None:
    with pytest.raises(SpecError) as info:
        load(set_path(dr_config(), f"{DNS}.{key}", value))
    assert info.value.lines[0].startswith(f"{DNS}.{key}:")
