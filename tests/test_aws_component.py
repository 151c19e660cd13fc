"""The AWS attachment under Pulumi's mocks (preview=False): assertions on registered resources."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
import yaml

from c2cvpn.derive import mss_clamp_cloud_config, mss_clamp_script
from components.mock_engine import SECRET
from tests.helpers import GOOD_PSK, Planned, of_type, one, plan, raw_config, set_path


@pytest.fixture
def dev(planned: Planned) -> dict[str, Any]:
    return planned("dev")


@pytest.fixture
def prod(planned: Planned) -> dict[str, Any]:
    return planned("prod")


def test_dev_tunnel_options_in_aws_spelling(dev: dict[str, Any]) -> None:
    vpn = one(dev, "primary-vpn")["inputs"]
    assert vpn["type"] == "ipsec.1"
    assert vpn["staticRoutesOnly"] is True
    assert vpn["vpnGatewayId"] == "(known after apply: primary-vgw.id)"
    for t in ("tunnel1", "tunnel2"):
        assert vpn[f"{t}IkeVersions"] == ["ikev2"]
        assert vpn[f"{t}Phase1EncryptionAlgorithms"] == ["AES256"]
        assert vpn[f"{t}Phase1IntegrityAlgorithms"] == ["SHA2-256"]
        assert vpn[f"{t}Phase1DhGroupNumbers"] == [14]
        assert vpn[f"{t}Phase1LifetimeSeconds"] == 28800
        assert vpn[f"{t}Phase2EncryptionAlgorithms"] == ["AES256"]
        assert vpn[f"{t}Phase2IntegrityAlgorithms"] == ["SHA2-256"]
        assert vpn[f"{t}Phase2DhGroupNumbers"] == [14]
        assert vpn[f"{t}Phase2LifetimeSeconds"] == 3600
        assert vpn[f"{t}DpdTimeoutSeconds"] == 30
        assert vpn[f"{t}DpdTimeoutAction"] == "restart"
        assert vpn[f"{t}StartupAction"] == "start"
        assert vpn[f"{t}PresharedKey"] == SECRET
        logs = vpn[f"{t}LogOptions"]["cloudwatchLogOptions"]
        assert logs["logEnabled"] is True
        assert logs["logGroupArn"] == "(known after apply: primary-tunnel-logs.arn)"
    # A /29 gives each tunnel one /30.
    assert (vpn["tunnel1InsideCidr"], vpn["tunnel2InsideCidr"]) == (
        "169.254.10.0/30",
        "169.254.10.4/30",
    )


def test_prod_gcm_spelling_and_group_20(prod: dict[str, Any]) -> None:
    vpn = one(prod, "primary-vpn")["inputs"]
    assert vpn["tunnel2Phase1EncryptionAlgorithms"] == ["AES256-GCM-16"]
    assert vpn["tunnel2Phase2IntegrityAlgorithms"] == ["SHA2-384"]
    assert vpn["tunnel1Phase1DhGroupNumbers"] == [20]


def test_slash_30_sets_tunnel1_only() -> None:
    config = set_path(raw_config("dev"), "c2c-vpn:genesys.tunnelCidr", "169.254.10.0/30")
    vpn = one(plan(config), "primary-vpn")["inputs"]
    assert vpn["tunnel1InsideCidr"] == "169.254.10.0/30"
    assert "tunnel2InsideCidr" not in vpn


def test_customer_gateway_and_vgw(dev: dict[str, Any]) -> None:
    cgw = one(dev, "primary-cgw")
    assert cgw["parent"] == "primary"
    assert cgw["inputs"]["type"] == "ipsec.1"
    assert cgw["inputs"]["bgpAsn"] == "65000"
    assert cgw["inputs"]["ipAddress"] == "203.0.113.10"
    [vgw] = of_type(dev, ":VpnGateway")
    assert vgw["inputs"]["vpcId"] == "vpc-0a1b2c3d4e5f60718"


def test_every_child_is_parented_to_its_component(prod: dict[str, Any]) -> None:
    components = {r["name"] for r in prod["resources"] if r["type"].startswith("c2c-vpn:")}
    assert components == {"primary", "standby", "failover"}
    for r in prod["resources"]:
        if r["type"].startswith("aws:"):
            assert r["parent"] in components, r["name"]
            assert r["name"].startswith(f"{r['parent']}-")


def test_vpn_routes_and_route_table_routes(dev: dict[str, Any]) -> None:
    [vpn_route] = of_type(dev, ":VpnConnectionRoute")
    assert vpn_route["inputs"]["destinationCidrBlock"] == "10.100.0.0/24"
    [route] = of_type(dev, ":Route")
    assert route["inputs"] == {
        "destinationCidrBlock": "10.100.0.0/24",
        "gatewayId": "(known after apply: primary-vgw.id)",
        "routeTableId": "rtb-0a1b2c3d4e5f60718",
    }


def test_prod_routes_every_table_through_the_appliance(prod: dict[str, Any]) -> None:
    wanted = {
        ("primary", "rtb-0123456789abcdef0"),
        ("primary", "rtb-0123456789abcdef1"),
        ("standby", "rtb-0123456789abcdef2"),
    }
    app_routes = [
        r for r in of_type(prod, ":Route") if str(r["inputs"]["routeTableId"]).startswith("rtb-")
    ]
    got = {
        (r["parent"], r["inputs"]["routeTableId"], r["inputs"]["destinationCidrBlock"])
        for r in app_routes
    }
    assert got == {
        (role, table, cidr) for role, table in wanted for cidr in ("10.100.0.0/24", "10.100.8.0/24")
    }
    for r in app_routes:
        assert (
            r["inputs"]["networkInterfaceId"]
            == f"(known after apply: {r['parent']}-appliance.primaryNetworkInterfaceId)"
        )
        assert "gatewayId" not in r["inputs"]
    # The appliance's own subnet reaches the gateway; the gateway's edge table returns through it.
    appliance_routes = [r for r in of_type(prod, ":Route") if "-appliance-route-" in r["name"]]
    assert {r["inputs"]["gatewayId"] for r in appliance_routes} == {
        "(known after apply: primary-vgw.id)"
    }
    edge = {
        r["inputs"]["destinationCidrBlock"]: r["inputs"]["networkInterfaceId"]
        for r in of_type(prod, ":Route")
        if "-edge-route-" in r["name"]
    }
    assert edge == {
        "10.10.0.0/23": "(known after apply: primary-appliance.primaryNetworkInterfaceId)",
        "10.10.2.0/23": "(known after apply: standby-appliance.primaryNetworkInterfaceId)",
    }
    [assoc] = [r for r in of_type(prod, ":RouteTableAssociation") if "gatewayId" in r["inputs"]]
    assert assoc["inputs"]["gatewayId"] == "(known after apply: primary-vgw.id)"


def test_security_rules_only_from_genesys_cidrs(prod: dict[str, Any]) -> None:
    genesys = {"10.100.0.0/24", "10.100.8.0/24"}
    rules = of_type(prod, ":SecurityGroupRule")
    got = {
        (r["inputs"]["protocol"], r["inputs"]["fromPort"], r["inputs"]["cidrBlocks"][0])
        for r in rules
    }
    assert got == {
        (p, port, c) for c in genesys for p, port in (("tcp", 443), ("tcp", 8443), ("icmp", -1))
    }
    for r in rules:
        assert r["inputs"]["type"] == "ingress"
        assert set(r["inputs"]["cidrBlocks"]) <= genesys
        assert r["inputs"]["fromPort"] == r["inputs"]["toPort"]
    # The standby shares the primary's group: AWS refuses duplicate rules, so they exist once.
    assert {r["parent"] for r in rules} == {"primary"}
    for sg in of_type(prod, ":SecurityGroup"):
        for block in (*sg["inputs"]["ingress"], *sg["inputs"]["egress"]):
            assert "0.0.0.0/0" not in block["cidrBlocks"]


def test_alarms_per_tunnel(prod: dict[str, Any]) -> None:
    alarms = of_type(prod, ":MetricAlarm")
    assert len(alarms) == 4
    for a in alarms:
        i = a["inputs"]
        assert (i["namespace"], i["metricName"], i["comparisonOperator"], i["threshold"]) == (
            "AWS/VPN",
            "TunnelState",
            "LessThanThreshold",
            1,
        )
        role, index = a["parent"], a["name"].split("-")[1][-1]
        assert (
            i["dimensions"]["TunnelIpAddress"]
            == f"(known after apply: {role}-vpn.tunnel{index}Address)"
        )


def test_appliance_present_when_enabled(prod: dict[str, Any]) -> None:
    appliances = {r["parent"]: r["inputs"] for r in of_type(prod, ":Instance")}
    assert set(appliances) == {"primary", "standby"}
    primary = appliances["primary"]
    assert primary["sourceDestCheck"] is False
    assert primary["subnetId"] == "subnet-0123456789abcdef0"
    assert primary["ami"] == "(known after apply: getAmi.id)"  # looked up, not hard-coded
    cidrs = [ipaddress.IPv4Network(c) for c in ("10.100.0.0/24", "10.100.8.0/24")]
    # Runs on every boot (a first-boot-only script would lose the clamp on reboot).
    assert primary["userData"] == mss_clamp_cloud_config(1359, cidrs)
    (written,) = yaml.safe_load(primary["userData"])["write_files"]
    assert written["path"].startswith("/var/lib/cloud/scripts/per-boot/")
    assert written["content"] == mss_clamp_script(1359, cidrs)
    assert "--set-mss 1359" in written["content"]


def test_appliance_absent_when_disabled(dev: dict[str, Any]) -> None:
    types = {r["type"] for r in dev["resources"]}
    assert not {
        t
        for t in types
        if t.endswith((":Instance", ":SecurityGroup", ":RouteTable", ":RouteTableAssociation"))
    }
    config = set_path(raw_config("prod"), "c2c-vpn:iaas.mssClamp.enabled", False)
    result = plan(config)
    assert [r["parent"] for r in of_type(result, ":Instance")] == ["standby"]
    primary_routes = [r for r in of_type(result, ":Route") if r["parent"] == "primary"]
    assert primary_routes and all(
        r["inputs"]["gatewayId"] == "(known after apply: primary-vgw.id)" for r in primary_routes
    )


def test_standby_in_another_zone_shares_the_vpc_gateway(prod: dict[str, Any]) -> None:
    [vgw] = of_type(prod, ":VpnGateway")  # a VPC takes one VGW
    assert vgw["inputs"]["availabilityZone"] == "us-east-1a"
    standby_vpn = one(prod, "standby-vpn")["inputs"]
    assert standby_vpn["vpnGatewayId"] == "(known after apply: primary-vgw.id)"
    assert standby_vpn["tunnel1InsideCidr"] == "169.254.21.0/30"
    assert one(prod, "standby-appliance")["inputs"]["subnetId"] == "subnet-0123456789abcdef1"
    cgws = {r["inputs"]["deviceName"] for r in of_type(prod, ":CustomerGateway")}
    assert cgws == {"PROD-AWS-SFDC-VPN-primary", "PROD-AWS-SFDC-VPN-standby"}
    assert prod["outputs"]["failover"]["primary"] == "primary"
    azs = {
        role: a["availabilityZone"]
        for role, a in prod["outputs"]["iaasTeam"]["attachments"].items()
    }
    assert azs == {"primary": "us-east-1a", "standby": "us-east-1b"}


def test_standby_in_another_region_gets_its_own_provider() -> None:
    config = raw_config("prod")
    aws = config["c2c-vpn:standby"]["iaas"]["aws"]
    aws.update(region="us-west-2", availabilityZone="us-west-2a", vpcId="vpc-0fedcba9876543210")
    result = plan(config)
    [provider] = of_type(result, "providers:aws")
    assert provider["inputs"]["region"] == "us-west-2"
    assert {r["parent"] for r in of_type(result, ":VpnGateway")} == {"primary", "standby"}


def test_transit_gateway_path() -> None:
    config = raw_config("dev")
    aws = config["c2c-vpn:iaas"]["aws"]
    aws.update(gateway="tgw", transitGatewayId="tgw-0123456789abcdef0")
    result = plan(config)
    assert not of_type(result, ":VpnGateway") and not of_type(result, ":VpnConnectionRoute")
    vpn = one(result, "primary-vpn")["inputs"]
    assert vpn["transitGatewayId"] == "tgw-0123456789abcdef0" and "vpnGatewayId" not in vpn
    [tgw_route] = of_type(result, "ec2transitgateway/route:Route")
    assert (
        tgw_route["inputs"]["transitGatewayAttachmentId"]
        == "(known after apply: primary-vpn.transitGatewayAttachmentId)"
    )
    [vpc_route] = of_type(result, "ec2/route:Route")
    assert vpc_route["inputs"]["transitGatewayId"] == "tgw-0123456789abcdef0"


def test_replacement_prone_inputs_stable_across_runs(planned: Planned) -> None:
    first, second = planned("prod"), plan(raw_config("prod"), "prod")
    assert [(r["type"], r["name"]) for r in first["resources"]] == [
        (r["type"], r["name"]) for r in second["resources"]
    ]
    assert first == second
    vpn = one(first, "primary-vpn")["inputs"]
    assert {k for k in vpn if "InsideCidr" in k} == {"tunnel1InsideCidr", "tunnel2InsideCidr"}
    assert (
        one(first, "primary-tunnel-logs")["inputs"]["name"] == "/c2c-vpn/PROD-AWS-SFDC-VPN/primary"
    )


def test_configured_psk_is_secret_in_every_input() -> None:
    config = set_path(raw_config("prod"), "c2c-vpn:tunnel.preSharedKey", GOOD_PSK)
    result = plan(config)
    assert not of_type(result, "RandomPassword")  # the configured key is used, not generated
    assert GOOD_PSK not in repr(result)
    for vpn in of_type(result, ":VpnConnection"):
        assert (
            vpn["inputs"]["tunnel1PresharedKey"] == vpn["inputs"]["tunnel2PresharedKey"] == SECRET
        )


def test_generated_psk_without_config(dev: dict[str, Any]) -> None:
    [password] = of_type(dev, "RandomPassword")
    assert password["inputs"]["overrideSpecial"] == "._"
    assert password["inputs"]["length"] >= 32


def test_alarms_notify_the_listed_topics() -> None:
    topic = "arn:aws:sns:eu-west-1:123456789012:vpn-oncall"
    result = plan(set_path(raw_config("dev"), "c2c-vpn:iaas.aws.alarmActions", [topic]))
    alarms = of_type(result, ":MetricAlarm")
    assert len(alarms) == 2
    for alarm in alarms:
        assert alarm["inputs"]["alarmActions"] == [topic]
        assert alarm["inputs"]["okActions"] == [topic]


def test_alarms_without_topics_notify_no_one(dev: dict[str, Any]) -> None:
    for alarm in of_type(dev, ":MetricAlarm"):
        assert alarm["inputs"].get("alarmActions", []) == []
