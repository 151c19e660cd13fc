"""The AWS attachment under Pulumi's mocks (preview=False): assertions on registered resources."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
import yaml
from pulumi.runtime import rpc

from c2cvpn.derive import mss_clamp_cloud_config, mss_clamp_script
from components.mock_engine import SECRET
from tests.helpers import GOOD_PSK, Planned, dr_config, of_type, one, plan, raw_config, set_path


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
        logs = vpn[f"{t}LogOptions"]["cloudwatchLogOptions"]
        assert logs["logEnabled"] is True
        assert logs["logGroupArn"] == "(known after apply: primary-tunnel-logs.arn)"
    # A /29 gives each tunnel one /30, and each tunnel its own generated key (secret).
    assert (vpn["tunnel1InsideCidr"], vpn["tunnel2InsideCidr"]) == (
        "169.254.10.0/30",
        "169.254.10.4/30",
    )
    assert (vpn["tunnel1PresharedKey"], vpn["tunnel2PresharedKey"]) == (
        f"{SECRET} (known after apply: tunnel-psk.result)",
        f"{SECRET} (known after apply: tunnel-standby-psk.result)",
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


def test_every_child_is_parented_to_its_component() -> None:
    result = plan(dr_config())
    components = {r["name"] for r in result["resources"] if r["type"].startswith("c2c-vpn:")}
    assert components == {"primary", "standby", "failover"}
    for r in result["resources"]:
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
    assert {r["parent"] for r in rules} == {"primary"}
    for sg in of_type(prod, ":SecurityGroup"):
        for block in (*sg["inputs"]["ingress"], *sg["inputs"]["egress"]):
            assert "0.0.0.0/0" not in block["cidrBlocks"]


def test_alarms_per_tunnel_and_for_the_path(prod: dict[str, Any]) -> None:
    """One dimension per alarm: AWS publishes TunnelState by VpnId or by TunnelIpAddress, and
    an alarm must match a datapoint's dimension set exactly (aws-review #2)."""
    alarms = {a["name"]: a["inputs"] for a in of_type(prod, ":MetricAlarm")}
    assert set(alarms) == {
        "primary-tunnel1-down",
        "primary-tunnel2-down",
        "primary-path-down",
        "primary-appliance-down",
    }
    for index in (1, 2):
        i = alarms[f"primary-tunnel{index}-down"]
        assert (i["namespace"], i["metricName"], i["statistic"]) == (
            "AWS/VPN",
            "TunnelState",
            "Maximum",
        )
        assert (i["comparisonOperator"], i["threshold"]) == ("LessThanThreshold", 1)
        assert i["dimensions"] == {
            "TunnelIpAddress": f"(known after apply: primary-vpn.tunnel{index}Address)"
        }
    # By VpnId the value is the fraction of tunnels up: the path is down only at 0 (an idle
    # tunnel is never up, so "< 1" would alarm forever with one tunnel unused).
    path = alarms["primary-path-down"]
    assert path["dimensions"] == {"VpnId": "(known after apply: primary-vpn.id)"}
    assert (path["statistic"], path["comparisonOperator"], path["threshold"]) == (
        "Maximum",
        "LessThanOrEqualToThreshold",
        0,
    )
    appliance = alarms["primary-appliance-down"]
    assert (appliance["namespace"], appliance["metricName"]) == ("AWS/EC2", "StatusCheckFailed")
    assert appliance["dimensions"] == {"InstanceId": "(known after apply: primary-appliance.id)"}


def test_one_connection_two_tunnels_two_genesys_connections(prod: dict[str, Any]) -> None:
    """AWS's own active-passive: one customer gateway, one VPN connection; the Genesys primary
    connection on tunnel 1, the standby on tunnel 2, each its /30 and its own key (aws-review
    #1, #3, #5)."""
    assert len(of_type(prod, ":CustomerGateway")) == len(of_type(prod, ":VpnConnection")) == 1
    vpn = one(prod, "primary-vpn")["inputs"]
    assert (vpn["tunnel1InsideCidr"], vpn["tunnel2InsideCidr"]) == (
        "169.254.20.0/30",
        "169.254.20.4/30",
    )
    for t in ("tunnel1", "tunnel2"):
        assert vpn[f"{t}StartupAction"] == "start"
        assert vpn[f"{t}EnableTunnelLifecycleControl"] is True
    # Distinct keys, each a secret: the plan names which generated key each tunnel gets.
    assert vpn["tunnel1PresharedKey"] == f"{SECRET} (known after apply: tunnel-psk.result)"
    assert vpn["tunnel2PresharedKey"] == f"{SECRET} (known after apply: tunnel-standby-psk.result)"
    passwords = sorted(r["name"] for r in of_type(prod, "RandomPassword"))
    assert passwords == ["tunnel-psk", "tunnel-standby-psk"]  # one key per tunnel
    admin = prod["outputs"]["genesysAdmin"]["connections"]
    assert [(c["role"], c["tunnel"], c["tunnelCidr"]) for c in admin] == [
        ("primary", 1, "169.254.20.0/30"),
        ("standby", 2, "169.254.20.4/30"),
    ]
    assert [c["outsideIp"] for c in admin] == [
        "(known after apply: primary-vpn.tunnel1Address)",
        "(known after apply: primary-vpn.tunnel2Address)",
    ]
    assert [(c["cloudInsideAddress"], c["genesysInsideAddress"]) for c in admin] == [
        ("169.254.20.1", "169.254.20.2"),
        ("169.254.20.5", "169.254.20.6"),
    ]
    assert [c["preSharedKey"] for c in admin] == [
        "pulumi stack output preSharedKey --show-secrets",
        "pulumi stack output standbyPreSharedKey --show-secrets",
    ]
    assert prod["outputs"]["preSharedKey"] == prod["outputs"]["standbyPreSharedKey"] == SECRET


def test_each_tunnel_gets_its_own_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan masks keys; unmask them here to prove the wiring: tunnel 1 carries the
    primary connection's key, tunnel 2 the standby's."""
    from components import mock_engine

    def unmasked(value: Any) -> Any:
        if rpc.is_rpc_secret(value):
            return rpc.unwrap_rpc_secret(value)
        return original(value)

    original = mock_engine.masked
    monkeypatch.setattr(mock_engine, "masked", unmasked)
    other = GOOD_PSK.replace("Tq7", "Wk4")
    config = set_path(raw_config("prod"), "c2c-vpn:tunnel.preSharedKey", GOOD_PSK)
    set_path(config, "c2c-vpn:tunnel.standbyPreSharedKey", other)
    vpn = one(plan(config), "primary-vpn")["inputs"]
    assert (vpn["tunnel1PresharedKey"], vpn["tunnel2PresharedKey"]) == (GOOD_PSK, other)


def test_a_slash_30_leaves_tunnel_2_waiting_and_unalarmed() -> None:
    config = set_path(raw_config("dev"), "c2c-vpn:genesys.tunnelCidr", "169.254.10.0/30")
    result = plan(config)
    vpn = one(result, "primary-vpn")["inputs"]
    assert vpn["tunnel1InsideCidr"] == "169.254.10.0/30"
    assert "tunnel2InsideCidr" not in vpn  # AWS chooses it
    assert "tunnel2PresharedKey" not in vpn  # AWS generates it: no Genesys connection uses it
    assert (vpn["tunnel1StartupAction"], vpn["tunnel2StartupAction"]) == ("start", "add")
    assert {a["name"] for a in of_type(result, ":MetricAlarm")} == {
        "primary-tunnel1-down",
        "primary-path-down",
    }
    [connection] = result["outputs"]["genesysAdmin"]["connections"]
    assert connection["tunnel"] == 1


def test_aws_selectors_are_exact_when_one_range_each(
    dev: dict[str, Any], prod: dict[str, Any]
) -> None:
    """AWS negotiates one SA pair per tunnel, 0.0.0.0/0 unless told (aws-review #6)."""
    vpn = one(dev, "primary-vpn")["inputs"]
    assert (vpn["localIpv4NetworkCidr"], vpn["remoteIpv4NetworkCidr"]) == (
        "10.100.0.0/24",
        "10.10.0.0/24",
    )
    wide = one(prod, "primary-vpn")["inputs"]  # two tenant CIDRs: Genesys' side stays open
    assert (wide["localIpv4NetworkCidr"], wide["remoteIpv4NetworkCidr"]) == (
        "0.0.0.0/0",
        "10.10.0.0/23",
    )


def test_appliance_present_when_enabled(prod: dict[str, Any]) -> None:
    appliances = {r["parent"]: r["inputs"] for r in of_type(prod, ":Instance")}
    assert set(appliances) == {"primary"}
    primary = appliances["primary"]
    assert primary["sourceDestCheck"] is False
    # In a subnet of its own that the project creates: its route-table association is the only
    # one (AWS refuses a second: Resource.AlreadyAssociated; aws-review #8).
    assert primary["subnetId"] == "(known after apply: primary-appliance-subnet.id)"
    subnet = one(prod, "primary-appliance-subnet")["inputs"]
    assert (subnet["cidrBlock"], subnet["availabilityZone"]) == ("10.10.4.0/28", "us-east-1a")
    associations = {
        r["name"]: r["inputs"].get("subnetId") for r in of_type(prod, ":RouteTableAssociation")
    }
    assert associations["primary-appliance-rt-assoc"] == primary["subnetId"]

    assert primary["ami"] == "(known after apply: getAmi.id)"  # looked up, not hard-coded
    cidrs = [ipaddress.IPv4Network(c) for c in ("10.100.0.0/24", "10.100.8.0/24")]
    # Runs on every boot (a first-boot-only script would lose the clamp on reboot).
    # AES-256-GCM with NAT-T: the arithmetic gives 1395, under AWS's 1398 for GCM.
    assert primary["userData"] == mss_clamp_cloud_config(1395, cidrs)
    (written,) = yaml.safe_load(primary["userData"])["write_files"]
    assert written["path"].startswith("/var/lib/cloud/scripts/per-boot/")
    assert written["content"] == mss_clamp_script(1395, cidrs)
    assert "--set-mss 1395" in written["content"]


def test_an_existing_appliance_subnet_is_used_as_given() -> None:
    config = raw_config("prod")
    aws = config["c2c-vpn:iaas"]["aws"]
    del aws["applianceSubnetCidr"]
    aws["subnetId"] = "subnet-0123456789abcdef0"
    result = plan(config)
    assert not of_type(result, ":Subnet")
    assert one(result, "primary-appliance")["inputs"]["subnetId"] == "subnet-0123456789abcdef0"


def test_appliance_absent_when_disabled(dev: dict[str, Any]) -> None:
    types = {r["type"] for r in dev["resources"]}
    assert not {
        t
        for t in types
        if t.endswith((":Instance", ":SecurityGroup", ":RouteTable", ":RouteTableAssociation"))
    }
    config = set_path(dr_config(), "c2c-vpn:iaas.mssClamp.enabled", False)
    result = plan(config)
    assert [r["parent"] for r in of_type(result, ":Instance")] == ["standby"]
    primary_routes = [r for r in of_type(result, ":Route") if r["parent"] == "primary"]
    assert primary_routes and all(
        r["inputs"]["gatewayId"] == "(known after apply: primary-vgw.id)" for r in primary_routes
    )


def test_disaster_recovery_attachment_on_another_gateway() -> None:
    result = plan(dr_config())
    vgws = {r["parent"]: r["inputs"] for r in of_type(result, ":VpnGateway")}
    assert vgws == {
        "primary": {"vpcId": "vpc-0123456789abcdef0", "tags": vgws["primary"]["tags"]},
        "standby": {"vpcId": "vpc-0fedcba9876543210", "tags": vgws["standby"]["tags"]},
    }  # a VGW is regional and AWS-managed: no availability zone (aws-review #13)
    standby_vpn = one(result, "standby-vpn")["inputs"]
    assert standby_vpn["vpnGatewayId"] == "(known after apply: standby-vgw.id)"
    assert standby_vpn["tunnel1InsideCidr"] == "169.254.21.0/30"
    # The standby Genesys connection ends on the DR attachment; each attachment's tunnel 2 waits.
    assert standby_vpn["tunnel2StartupAction"] == "add"
    assert one(result, "primary-vpn")["inputs"]["tunnel2StartupAction"] == "add"
    admin = result["outputs"]["genesysAdmin"]["connections"]
    assert [(c["role"], c["attachment"], c["tunnel"]) for c in admin] == [
        ("primary", "primary", 1),
        ("standby", "standby", 1),
    ]
    azs = {
        role: a["availabilityZone"]
        for role, a in result["outputs"]["iaasTeam"]["attachments"].items()
    }
    assert azs == {"primary": "us-east-1a", "standby": "us-east-1b"}


def test_standby_in_another_region_gets_its_own_provider() -> None:
    result = plan(dr_config(region="us-west-2", availabilityZone="us-west-2a"))
    [provider] = of_type(result, "providers:aws")
    assert provider["inputs"]["region"] == "us-west-2"
    assert {r["parent"] for r in of_type(result, ":VpnGateway")} == {"primary", "standby"}


def test_transit_gateway_path() -> None:
    config = raw_config("dev")
    aws = config["c2c-vpn:iaas"]["aws"]
    aws.update(
        gateway="tgw",
        transitGatewayId="tgw-0123456789abcdef0",
        transitGatewayRouteTableId="tgw-rtb-0123456789abcdef0",
        transitGatewayVpcAttachmentId="tgw-attach-0123456789abcdef0",
    )
    result = plan(config)
    assert not of_type(result, ":VpnGateway") and not of_type(result, ":VpnConnectionRoute")
    vpn = one(result, "primary-vpn")["inputs"]
    assert vpn["transitGatewayId"] == "tgw-0123456789abcdef0" and "vpnGatewayId" not in vpn
    attachment = "(known after apply: primary-vpn.transitGatewayAttachmentId)"
    [tgw_route] = of_type(result, "ec2transitgateway/route:Route")
    assert tgw_route["inputs"] == {
        "destinationCidrBlock": "10.100.0.0/24",
        "transitGatewayAttachmentId": attachment,
        "transitGatewayRouteTableId": "tgw-rtb-0123456789abcdef0",
    }
    # The named table, not the TGW's default one (absent when default association is off).
    [association] = of_type(result, ":RouteTableAssociation")
    assert association["inputs"] == {
        "transitGatewayAttachmentId": attachment,
        "transitGatewayRouteTableId": "tgw-rtb-0123456789abcdef0",
        "replaceExistingAssociation": True,
    }
    [propagation] = of_type(result, ":RouteTablePropagation")
    assert propagation["inputs"] == {
        "transitGatewayAttachmentId": "tgw-attach-0123456789abcdef0",
        "transitGatewayRouteTableId": "tgw-rtb-0123456789abcdef0",
    }


def test_transit_gateway_with_a_separate_table_for_the_vpc() -> None:
    """Traffic from the VPC is looked up in the VPC attachment's table: the Genesys routes go
    there, the VPN attachment keeps its own table (reviewer finding on the split design)."""
    config = raw_config("dev")
    config["c2c-vpn:iaas"]["aws"].update(
        gateway="tgw",
        transitGatewayId="tgw-0123456789abcdef0",
        transitGatewayRouteTableId="tgw-rtb-0123456789abcdef0",
        transitGatewayVpcRouteTableId="tgw-rtb-0fedcba9876543210",
    )
    result = plan(config)
    [tgw_route] = of_type(result, "ec2transitgateway/route:Route")
    assert tgw_route["inputs"]["transitGatewayRouteTableId"] == "tgw-rtb-0fedcba9876543210"
    [association] = of_type(result, ":RouteTableAssociation")
    assert association["inputs"]["transitGatewayRouteTableId"] == "tgw-rtb-0123456789abcdef0"
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
    # Under /aws/vendedlogs/ (the CloudWatch Logs resource-policy limit; aws-review #14).
    assert (
        one(first, "primary-tunnel-logs")["inputs"]["name"]
        == "/aws/vendedlogs/c2c-vpn/PROD-AWS-SFDC-VPN/primary"
    )


def test_configured_psk_is_secret_in_every_input() -> None:
    config = set_path(raw_config("prod"), "c2c-vpn:tunnel.preSharedKey", GOOD_PSK)
    set_path(config, "c2c-vpn:tunnel.standbyPreSharedKey", GOOD_PSK.replace("Tq7", "Wk4"))
    result = plan(config)
    assert not of_type(result, "RandomPassword")  # the configured keys are used, not generated
    assert GOOD_PSK not in repr(result)
    for vpn in of_type(result, ":VpnConnection"):
        assert (
            vpn["inputs"]["tunnel1PresharedKey"] == vpn["inputs"]["tunnel2PresharedKey"] == SECRET
        )


def test_generated_psk_without_config(dev: dict[str, Any]) -> None:
    passwords = of_type(dev, "RandomPassword")
    assert len(passwords) == 2  # the primary and the standby connection's
    for password in passwords:
        assert password["inputs"]["overrideSpecial"] == "._"
        assert password["inputs"]["length"] >= 32


def test_alarms_notify_the_listed_topics() -> None:
    topic = "arn:aws:sns:eu-west-1:123456789012:vpn-oncall"
    result = plan(set_path(raw_config("dev"), "c2c-vpn:iaas.aws.alarmActions", [topic]))
    alarms = of_type(result, ":MetricAlarm")
    assert len(alarms) == 3  # two tunnels, the path
    for alarm in alarms:
        assert alarm["inputs"]["alarmActions"] == [topic]
        assert alarm["inputs"]["okActions"] == [topic]


def test_alarms_without_topics_notify_no_one(dev: dict[str, Any]) -> None:
    for alarm in of_type(dev, ":MetricAlarm"):
        assert alarm["inputs"].get("alarmActions", []) == []
