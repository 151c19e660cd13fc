"""`c2cvpn plan`: the three formats, the JSON shape, the PSK never printed, exit codes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pytest
from typer.testing import CliRunner

from c2cvpn.cli import app
from c2cvpn.plan_report import format_plan
from c2cvpn.spec import LoadedStack, load_stack
from components.mock_engine import ProgramRefused, plan_stack
from tests.helpers import (
    GOOD_PSK,
    Planned,
    azure_standby_config,
    dr_config,
    load,
    plan,
    raw_config,
    set_path,
    write_stack,
)

runner = CliRunner()


@pytest.fixture(scope="module")
def readable_psk_stack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = set_path(raw_config("prod"), "c2c-vpn:tunnel.preSharedKey", GOOD_PSK)
    return write_stack(tmp_path_factory.mktemp("stacks"), config, "readable")


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_plan_never_prints_the_psk(readable_psk_stack: Path, fmt: str) -> None:
    result = runner.invoke(app, ["plan", str(readable_psk_stack), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert GOOD_PSK not in result.output
    assert GOOD_PSK[:12] not in result.output
    assert "[secret]" in result.output
    assert "primary-vpn" in result.output


def test_json_shape_lists_the_dev_resources() -> None:
    result = runner.invoke(app, ["plan", "dev", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"stack", "resources", "outputs"}
    assert data["stack"] == "dev"
    for r in data["resources"]:
        assert set(r) == {"type", "name", "parent", "inputs"}
    types = {r["type"] for r in data["resources"]}
    assert {
        "aws:ec2/customerGateway:CustomerGateway",
        "aws:ec2/vpnGateway:VpnGateway",
        "aws:ec2/vpnConnection:VpnConnection",
        "aws:ec2/vpnConnectionRoute:VpnConnectionRoute",
        "aws:ec2/route:Route",
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
    } <= types
    assert "aws:ec2/instance:Instance" not in types
    assert data["outputs"]["preSharedKey"] == "[secret]"


def test_markdown_has_summary_groups_and_topology() -> None:
    result = runner.invoke(app, ["plan", "prod", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "| resource type | count |" in text
    assert "<b>primary</b>" in text
    mermaid = text.split("```mermaid", 1)[1].split("```", 1)[0]
    assert "Genesys Cloud VPN gateway<br/>203.0.113.20" in mermaid
    assert "MSS appliance" in mermaid and "virtual private gateway" in mermaid
    # One VPN connection: the two Genesys connections on its two tunnels.
    assert 'genesys -- "tunnel 1 169.254.20.0/30" --- primary_gw' in mermaid
    assert 'genesys -- "tunnel 2 169.254.20.4/30" --- primary_gw' in mermaid
    assert "primary_rtb_0123456789abcdef1 --> primary_mss" in mermaid


def test_markdown_draws_both_active_active_tunnels(planned: Planned) -> None:
    mermaid = format_plan(planned("azure-prod"), "markdown").split("```mermaid", 1)[1]
    assert "two public IPs: one per Genesys connection" in mermaid
    assert mermaid.count('genesys -- "tunnel ') == 2


def test_markdown_draws_a_disaster_recovery_pair() -> None:
    markdown = format_plan(plan(dr_config()), "markdown")
    assert "<b>primary</b>" in markdown and "<b>standby</b>" in markdown
    mermaid = markdown.split("```mermaid", 1)[1].split("```", 1)[0]
    assert 'genesys -- "tunnel 1 169.254.21.0/30" --- standby_gw' in mermaid
    assert "standby_rtb_0123456789abcdef2 --> standby_mss" in mermaid


def test_invalid_stack_exits_1_with_the_validate_problems(tmp_path: Path) -> None:
    config = set_path(raw_config("dev"), "c2c-vpn:tunnel.phase2.lifetimeSeconds", 28800)
    path = write_stack(tmp_path, config, "bad")
    plan = runner.invoke(app, ["plan", str(path)])
    validate = runner.invoke(app, ["validate", str(path)])
    assert plan.exit_code == validate.exit_code == 1
    assert "lifetime-order" in plan.output
    assert plan.output == validate.output


def test_unusable_stack_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.broken.yaml"
    path.write_text("config: [\n")
    result = runner.invoke(app, ["plan", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_plan_leaves_the_callers_event_loop_alone() -> None:
    mine = asyncio.new_event_loop()
    asyncio.set_event_loop(mine)
    try:
        assert plan_stack(load_stack("dev"))["resources"]
        assert asyncio.get_event_loop() is mine and not mine.is_closed()

        async def from_async_code() -> int:  # a running loop in the caller's thread
            return len(plan_stack(load_stack("dev"))["resources"])

        assert mine.run_until_complete(from_async_code()) > 0
    finally:
        asyncio.set_event_loop(None)
        mine.close()


def test_a_refusal_inside_an_apply_is_a_program_refusal() -> None:
    def refuse(_: object) -> str:
        raise pulumi.RunError("peer IP differs after apply")

    def program(_: LoadedStack) -> dict[str, object]:
        return {"late": pulumi.Output.from_input("x").apply(refuse)}

    with pytest.raises(ProgramRefused, match="peer IP differs after apply"):
        plan_stack(load_stack("dev"), program=program)


def test_markdown_draws_the_azure_topology() -> None:
    markdown = format_plan(plan(azure_standby_config()), "markdown")
    diagram = markdown.split("```mermaid", 1)[1].split("```", 1)[0]
    assert 'genesys["Genesys Cloud VPN gateway<br/>203.0.113.30"]' in diagram
    assert 'subgraph primary["primary (westeurope)"]' in diagram
    assert 'subgraph standby["standby (northeurope)"]' in diagram
    assert "VPN gateway VpnGw1AZ" in diagram and "GatewaySubnet 10.20.255.0/27" in diagram
    assert "NSG nsg-crm-backend<br/>ICMP, 443/tcp from Genesys only" in diagram
    assert 'genesys -- "IKEv2 AES256 · DHGroup14 · AES256 · PFS2048" --- primary_gw' in diagram
    assert "genesys -- " in diagram.split("subgraph standby", 1)[1]


def test_two_resources_with_one_name_are_refused_as_the_engine_would() -> None:
    def program(_: LoadedStack) -> dict[str, object]:
        for _twice in range(2):
            aws.ec2.Eip("same-name")
        return {}

    with pytest.raises(ProgramRefused, match="duplicate resource name 'same-name'"):
        plan_stack(load(raw_config("dev")), program=program)
