"""The Google Cloud attachment under Pulumi's mocks: assertions on the planned resources.

Each test plans ``stacks/Pulumi.gcp-dev.yaml`` (or a variant of its config) through the
project's program, as ``c2cvpn plan`` does, and reads the recorded resources (type, name,
parent, inputs) and the stack outputs. Expected type tokens, argument names and spellings come
from /work/shared/reviews/gcp.md (§2: pulumi-gcp 10.2.0's classes; §6.4: Google's spellings).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from typing import Any

import pytest

from components.mock_engine import SECRET, unknown
from tests.helpers import (
    GOOD_PSK,
    ROOT,
    Planned,
    check,
    delete_path,
    of_type,
    one,
    plan,
    plan_with_options,
    raw_config,
    set_path,
)

T_COMPONENT = "c2c-vpn:gcp:VpnAttachment"
T_ADDRESS = "gcp:compute/address:Address"
T_GATEWAY = "gcp:compute/vPNGateway:VPNGateway"
T_RULE = "gcp:compute/forwardingRule:ForwardingRule"
T_TUNNEL = "gcp:compute/vPNTunnel:VPNTunnel"
T_ROUTE = "gcp:compute/route:Route"
T_FIREWALL = "gcp:compute/firewall:Firewall"
T_ALERT = "gcp:monitoring/alertPolicy:AlertPolicy"
T_PASSWORD = "random:index/randomPassword:RandomPassword"

I = "c2c-vpn:iaas"  # noqa: E741
S = "c2c-vpn:standby"
T = "c2c-vpn:tunnel"
G = "c2c-vpn:genesys"

#: Compute Engine names: "1-63 characters long and match the regular expression
#: `[a-z]([-a-z0-9]*[a-z0-9])?`".
GCP_NAME = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
#: GCP label keys: a lower-case letter first; keys and values lower case, digits, `_`, `-`.
LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
#: Resources that take labels (gcp.md §2: VPNGateway, Route and Firewall have none).
LABELLED = {T_ADDRESS: "labels", T_RULE: "labels", T_TUNNEL: "labels", T_ALERT: "userLabels"}
CHANNEL = "projects/acme-cc-dev/notificationChannels/1234567890"
ROLES = ("primary", "standby")


# --------------------------------------------------------------------------- harness


def gcp_config(*changes: tuple[str, Any], delete: tuple[str, ...] = ()) -> dict[str, Any]:
    """gcp-dev with ``changes`` (dotted path, value) and ``delete``, checked valid."""
    config = raw_config("gcp-dev")
    for dotted, value in changes:
        set_path(config, dotted, value)
    for dotted in delete:
        delete_path(config, dotted)
    report = check(config)
    assert report.valid, [p.message for p in report.problems]
    return config


def children(result: dict[str, Any], role: str, typ: str | None = None) -> list[dict[str, Any]]:
    return [
        r for r in result["resources"] if r["parent"] == role and (typ is None or r["type"] == typ)
    ]


def gcp_resources(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in result["resources"] if r["type"].startswith("gcp:")]


@pytest.fixture
def dev(planned: Planned) -> dict[str, Any]:
    return planned("gcp-dev")


# --------------------------------------------------------------------------- the Classic set


@pytest.mark.parametrize("role", ROLES)
def test_each_attachment_is_the_full_classic_set(dev: dict[str, Any], role: str) -> None:
    component = one(dev, role)
    assert component["type"] == T_COMPONENT and component["parent"] is None
    assert Counter(r["type"] for r in children(dev, role)) == {
        T_ADDRESS: 1,
        T_GATEWAY: 1,
        T_RULE: 3,
        T_TUNNEL: 1,
        T_ROUTE: 1,  # one tenant CIDR
        T_FIREWALL: 2,
    }
    assert all(r["name"].startswith(f"{role}-") for r in children(dev, role))


def test_nothing_else_is_planned(dev: dict[str, Any]) -> None:
    inside = {id(r) for role in ROLES for r in [one(dev, role), *children(dev, role)]}
    rest = [(r["type"], r["name"]) for r in dev["resources"] if id(r) not in inside]
    assert sorted(rest) == [(T_PASSWORD, "tunnel-psk"), (T_PASSWORD, "tunnel-standby-psk")]


@pytest.mark.parametrize(
    ("role", "region"), [("primary", "europe-west1"), ("standby", "europe-west4")]
)
def test_address_and_gateway(dev: dict[str, Any], role: str, region: str) -> None:
    address = one(dev, f"{role}-address")
    assert address["type"] == T_ADDRESS
    assert address["inputs"]["addressType"] == "EXTERNAL"
    assert address["inputs"]["region"] == region
    gateway = one(dev, f"{role}-gateway")
    assert gateway["type"] == T_GATEWAY
    assert gateway["inputs"]["network"] == "crm-vpc"
    assert gateway["inputs"]["region"] == region
    assert "labels" not in gateway["inputs"]


@pytest.mark.parametrize("role", ROLES)
def test_forwarding_rules_bind_esp_ike_and_nat_t(dev: dict[str, Any], role: str) -> None:
    rules = children(dev, role, T_RULE)
    seen = {(r["inputs"]["ipProtocol"], r["inputs"].get("portRange")) for r in rules}
    assert seen == {("ESP", None), ("UDP", "500"), ("UDP", "4500")}
    for rule in rules:
        assert rule["inputs"]["ipAddress"] == unknown(f"{role}-address", "address")
        assert rule["inputs"]["target"] == unknown(f"{role}-gateway", "id")
        assert rule["inputs"]["region"] == one(dev, f"{role}-address")["inputs"]["region"]


@pytest.mark.parametrize("role", ROLES)
def test_tunnel_inputs(dev: dict[str, Any], role: str) -> None:
    tunnel = one(dev, f"{role}-tunnel")
    assert tunnel["type"] == T_TUNNEL
    inputs = tunnel["inputs"]
    assert inputs["ikeVersion"] == 2
    assert inputs["peerIp"] == "203.0.113.60"
    assert inputs["localTrafficSelectors"] == ["0.0.0.0/0"]
    assert inputs["remoteTrafficSelectors"] == ["0.0.0.0/0"]
    assert inputs["targetVpnGateway"] == unknown(f"{role}-gateway", "id")
    assert inputs["region"] == one(dev, f"{role}-gateway")["inputs"]["region"]
    # Classic only: none of HA VPN's arguments.
    for ha in ("vpnGateway", "vpnGatewayInterface", "peerExternalGateway", "router"):
        assert ha not in inputs
    # aes256 / sha256 / group 14 in both phases, in Google's spelling (gcp.md §6.4).
    assert inputs["cipherSuite"] == {
        "phase1": {
            "encryptions": ["AES-CBC-256"],
            "integrities": ["HMAC-SHA2-256-128"],
            "prves": ["PRF-HMAC-SHA2-256"],
            "dhs": ["Group-14"],
        },
        "phase2": {
            "encryptions": ["AES-CBC-256"],
            "integrities": ["HMAC-SHA2-256-128"],
            "pfs": ["Group-14"],
        },
    }


def test_each_tunnel_has_its_own_generated_key_as_a_secret(dev: dict[str, Any]) -> None:
    primary, standby = one(dev, "primary-tunnel"), one(dev, "standby-tunnel")
    assert primary["inputs"]["sharedSecret"] == f"{SECRET} (known after apply: tunnel-psk.result)"
    assert (
        standby["inputs"]["sharedSecret"]
        == f"{SECRET} (known after apply: tunnel-standby-psk.result)"
    )
    for tunnel in (primary, standby):
        assert "sharedSecret" in tunnel["secretOutputs"]


def test_a_configured_key_never_appears_in_clear() -> None:
    result = plan(gcp_config((f"{T}.preSharedKey", GOOD_PSK)))
    tunnel = one(result, "primary-tunnel")
    assert tunnel["inputs"]["sharedSecret"] == SECRET
    assert "sharedSecret" in tunnel["secretOutputs"]
    assert result["outputs"]["preSharedKey"] == SECRET
    assert GOOD_PSK not in repr(result)


def test_the_tunnel_waits_for_its_forwarding_rules() -> None:
    _, passed = plan_with_options(raw_config("gcp-dev"))
    for role in ROLES:
        depends = passed[f"{role}-tunnel"].opts.depends_on
        assert isinstance(depends, list)
        rules = [passed[f"{role}-fr-{p}"].resource for p in ("esp", "udp500", "udp4500")]
        assert len(depends) == 3 and all(any(d is r for d in depends) for r in rules)
        assert "sharedSecret" in (passed[f"{role}-tunnel"].opts.additional_secret_outputs or [])


@pytest.mark.parametrize(
    ("phase1", "phase2", "expected"),
    [
        (
            {"encryption": "aes256gcm", "integrity": "sha384", "dhGroup": 20},
            {"encryption": "aes256gcm", "integrity": "sha384", "pfsGroup": 20},
            {
                "phase1": {
                    "encryptions": ["AES-GCM-16-256"],
                    "prves": ["PRF-HMAC-SHA2-384"],
                    "dhs": ["Group-20"],
                },
                "phase2": {"encryptions": ["AES-GCM-16-256"], "pfs": ["Group-20"]},
            },
        ),
        (
            {"encryption": "aes128", "integrity": "sha512", "dhGroup": 24},
            {"encryption": "aes128gcm", "integrity": "sha512", "pfsGroup": 31},
            {
                "phase1": {
                    "encryptions": ["AES-CBC-128"],
                    "integrities": ["HMAC-SHA2-512-256"],
                    "prves": ["PRF-HMAC-SHA2-512"],
                    "dhs": ["modp-2048-256"],
                },
                "phase2": {"encryptions": ["AES-GCM-16-128"], "pfs": ["Group-31"]},
            },
        ),
        (
            {"encryption": "aes128", "integrity": "sha1", "dhGroup": 19},
            {"encryption": "aes128", "integrity": "sha1", "pfsGroup": 23},
            {
                "phase1": {
                    "encryptions": ["AES-CBC-128"],
                    "integrities": ["HMAC-SHA1-96"],
                    "prves": ["PRF-HMAC-SHA1"],
                    "dhs": ["Group-19"],
                },
                "phase2": {
                    "encryptions": ["AES-CBC-128"],
                    "integrities": ["HMAC-SHA1-96"],
                    "pfs": ["modp-2048-224"],
                },
            },
        ),
    ],
)
def test_cipher_suite_variants(
    phase1: dict[str, Any], phase2: dict[str, Any], expected: dict[str, Any]
) -> None:
    config = raw_config("gcp-dev")
    config[T]["phase1"].update(phase1)
    config[T]["phase2"].update(phase2)
    assert check(config).valid, [p.message for p in check(config).problems]
    result = plan(config)
    for role in ROLES:
        assert one(result, f"{role}-tunnel")["inputs"]["cipherSuite"] == expected


# --------------------------------------------------------------------------- routes and firewall


@pytest.mark.parametrize(("role", "priority"), [("primary", 100), ("standby", 200)])
def test_routes_point_at_the_tunnel_at_the_roles_priority(
    dev: dict[str, Any], role: str, priority: int
) -> None:
    (route,) = children(dev, role, T_ROUTE)
    inputs = route["inputs"]
    assert inputs["destRange"] == "10.100.0.0/24"
    assert inputs["nextHopVpnTunnel"] == unknown(f"{role}-tunnel", "id")
    assert inputs["priority"] == priority
    assert inputs["network"] == "crm-vpc"
    assert inputs["tags"] == ["crm-backend"]
    assert "labels" not in inputs


def test_one_route_per_tenant_cidr_and_an_explicit_priority_is_honoured() -> None:
    config = gcp_config(
        (f"{G}.tenantCidrs", ["10.100.0.0/24", "10.101.0.0/24", "172.31.4.0/22"]),
        (f"{I}.gcp.routePriority", 10),
        (f"{S}.iaas.gcp.routePriority", 500),
    )
    result = plan(config)
    for role, priority in (("primary", 10), ("standby", 500)):
        routes = children(result, role, T_ROUTE)
        assert sorted(r["inputs"]["destRange"] for r in routes) == [
            "10.100.0.0/24",
            "10.101.0.0/24",
            "172.31.4.0/22",
        ]
        assert {r["inputs"]["priority"] for r in routes} == {priority}
        assert {r["inputs"]["nextHopVpnTunnel"] for r in routes} == {
            unknown(f"{role}-tunnel", "id")
        }
    team = result["outputs"]["iaasTeam"]["attachments"]
    assert (team["primary"]["iaas"]["routePriority"], team["standby"]["iaas"]["routePriority"]) == (
        10,
        500,
    )


@pytest.mark.parametrize("role", ROLES)
def test_firewall_admits_only_genesys(dev: dict[str, Any], role: str) -> None:
    rules = {r["name"]: r["inputs"] for r in children(dev, role, T_FIREWALL)}
    assert set(rules) == {f"{role}-fw-tcp", f"{role}-fw-icmp"}
    for inputs in rules.values():
        assert inputs["direction"] == "INGRESS"
        assert inputs["network"] == "crm-vpc"
        assert inputs["sourceRanges"] == ["10.100.0.0/24"]
        assert inputs["destinationRanges"] == ["10.20.0.0/24"]
        assert inputs["targetTags"] == ["crm-backend"]
        assert not {"0.0.0.0/0", "*"} & set(inputs["sourceRanges"])
        assert "labels" not in inputs
    assert rules[f"{role}-fw-tcp"]["allows"] == [{"protocol": "tcp", "ports": ["443", "1433"]}]
    assert rules[f"{role}-fw-icmp"]["allows"] == [{"protocol": "icmp"}]


def test_without_target_tags_routes_and_rules_apply_to_the_network() -> None:
    config = gcp_config(delete=(f"{I}.gcp.targetTags", f"{S}.iaas.gcp.targetTags"))
    result = plan(config)
    for r in [*of_type(result, T_ROUTE), *of_type(result, T_FIREWALL)]:
        assert not r["inputs"].get("tags") and not r["inputs"].get("targetTags"), r["name"]


# --------------------------------------------------------------------------- names and labels


def _names(result: dict[str, Any]) -> list[tuple[str, str]]:
    """(type, GCP name) of every planned GCP resource that has a name argument."""
    return [
        (r["type"], r["inputs"]["name"]) for r in gcp_resources(result) if "name" in r["inputs"]
    ]


def _assert_names(result: dict[str, Any]) -> None:
    named = _names(result)
    # Every compute resource is named explicitly (Pulumi's auto-name would not be RFC 1035).
    compute = [r for r in gcp_resources(result) if r["type"].startswith("gcp:compute/")]
    assert compute and all("name" in r["inputs"] for r in compute)
    for typ, name in named:
        assert GCP_NAME.match(name), (typ, name, len(name))
        assert len(name) <= 63
    # Unique: routes and firewalls are global per project, addresses and gateways per region.
    assert len({n for _, n in named}) == len(named), Counter(n for _, n in named).most_common(3)


def test_example_names(dev: dict[str, Any]) -> None:
    _assert_names(dev)
    assert one(dev, "primary-tunnel")["inputs"]["name"] == "dev-gcp-crm-vpn-primary-tunnel"
    assert one(dev, "standby-tunnel")["inputs"]["name"] == "dev-gcp-crm-vpn-standby-tunnel"


@pytest.mark.parametrize(
    "tunnel_name",
    [
        "PROD-GCP-" + "X" * 55,  # 64 characters, the longest the spec takes
        "P" * 64,
        "1-CRM-VPN",  # a digit first
        "9" * 64,  # a digit first, and too long
        "Prod.CRM_Vpn--01-",
        "A",
    ],
)
def test_every_gcp_name_is_rfc1035_and_unique(tunnel_name: str) -> None:
    config = gcp_config(
        (f"{T}.name", tunnel_name),
        (f"{G}.tenantCidrs", ["10.100.0.0/24", "10.101.0.0/24"]),
        (f"{I}.gcp.alertNotificationChannels", [CHANNEL]),
        (f"{S}.iaas.gcp.alertNotificationChannels", [CHANNEL]),
    )
    result = plan(config)
    _assert_names(result)
    # Each attachment's tunnel still has a name of its own, and the exports say which.
    team = result["outputs"]["iaasTeam"]["attachments"]
    for role in ROLES:
        assert team[role]["iaas"]["tunnelName"] == one(result, f"{role}-tunnel")["inputs"]["name"]
        routes = {r["inputs"]["name"] for r in children(result, role, T_ROUTE)}
        assert set(team[role]["iaas"]["routeNames"]) == routes and len(routes) == 2


@pytest.mark.parametrize("tunnel_name", ["DEV-GCP-CRM-VPN", "Prod.CRM_Vpn-01", "Q" * 64])
def test_labels_are_lower_case_without_colons(tunnel_name: str) -> None:
    config = gcp_config(
        (f"{T}.name", tunnel_name), (f"{I}.gcp.alertNotificationChannels", [CHANNEL])
    )
    result = plan(config)
    seen = 0
    for r in gcp_resources(result):
        key = LABELLED.get(r["type"])
        if key is None:
            assert "labels" not in r["inputs"], r["name"]
            continue
        labels = r["inputs"][key]
        assert labels, r["name"]
        seen += 1
        for k, value in labels.items():
            assert LABEL_KEY.match(k) and ":" not in k, (r["name"], k)
            assert LABEL_VALUE.match(value) and ":" not in value, (r["name"], k, value)
        assert labels["c2c-vpn-role"] == r["parent"]
    assert seen == 2 * (1 + 3 + 1) + 1  # address, 3 rules, tunnel per role; one alert


# --------------------------------------------------------------------------- options


def test_alert_policy_only_with_notification_channels(dev: dict[str, Any]) -> None:
    assert not of_type(dev, T_ALERT)
    result = plan(gcp_config((f"{I}.gcp.alertNotificationChannels", [CHANNEL])))
    (alert,) = of_type(result, T_ALERT)
    assert alert["parent"] == "primary"
    inputs = alert["inputs"]
    assert inputs["notificationChannels"] == [CHANNEL]
    condition, absent = inputs["conditions"]
    assert inputs["combiner"] == "OR"
    # a series that stops arriving alerts too
    assert absent["conditionAbsent"]["filter"] == condition["conditionThreshold"]["filter"]
    threshold = condition["conditionThreshold"]
    assert 'resource.type = "vpn_gateway"' in threshold["filter"]
    assert 'metric.type = "vpn.googleapis.com/tunnel_established"' in threshold["filter"]
    assert "dev-gcp-crm-vpn-primary-tunnel" in threshold["filter"]
    assert threshold["comparison"] == "COMPARISON_LT"
    assert threshold["thresholdValue"] == 1
    assert result["outputs"]["iaasTeam"]["attachments"]["primary"]["iaas"]["alertPolicy"]
    assert result["outputs"]["iaasTeam"]["attachments"]["standby"]["iaas"]["alertPolicy"] is None


def test_project_is_passed_only_when_configured(dev: dict[str, Any]) -> None:
    for r in gcp_resources(dev):
        assert r["inputs"]["project"] == "acme-cc-dev", r["name"]
    result = plan(gcp_config(delete=(f"{I}.gcp.project", f"{S}.iaas.gcp.project")))
    for r in gcp_resources(result):
        assert "project" not in r["inputs"], r["name"]
    other = plan(
        gcp_config(
            (f"{S}.iaas.gcp.project", "acme-cc-dr"),
            (f"{S}.iaas.networks", ["10.21.0.0/24"]),
            delete=(f"{I}.gcp.project",),
        )
    )
    for r in gcp_resources(other):
        if r["parent"] == "standby":
            assert r["inputs"]["project"] == "acme-cc-dr", r["name"]
        else:
            assert "project" not in r["inputs"], r["name"]


def test_an_aws_stack_plans_no_gcp_resource_nor_loads_the_sdk(planned: Planned) -> None:
    for stack in ("dev", "azure-dev", "local"):
        assert not gcp_resources(planned(stack)), stack
    code = (
        "import sys\n"
        "from c2cvpn.spec import load_stack\n"
        "from components.mock_engine import plan_stack\n"
        "plan_stack(load_stack('dev'))\n"
        "print('pulumi_gcp' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_an_aws_primary_with_a_gcp_standby_builds_each_end() -> None:
    config = raw_config("dev")
    standby = raw_config("gcp-dev")[S]
    standby["iaas"]["networks"] = ["10.21.0.0/24"]
    config[S] = {"tunnelCidr": "169.254.61.0/30", "iaas": standby["iaas"]}
    config["gcp:project"] = "acme-cc-dev"
    assert check(config).valid, [p.message for p in check(config).problems]
    result = plan(config)
    assert one(result, "standby")["type"] == T_COMPONENT
    assert not [r for r in gcp_resources(result) if r["parent"] != "standby"]
    (route,) = children(result, "standby", T_ROUTE)
    assert route["inputs"]["priority"] == 200


# --------------------------------------------------------------------------- exports


def test_exports_for_the_genesys_admin(dev: dict[str, Any]) -> None:
    admin = dev["outputs"]["genesysAdmin"]
    assert admin["genesysGatewayIp"] == "203.0.113.60"
    connections = {c["role"]: c for c in admin["connections"]}
    assert set(connections) == set(ROLES)
    for role, cidr in (("primary", "169.254.60.0/30"), ("standby", "169.254.60.4/30")):
        c = connections[role]
        assert c["provider"] == "gcp"
        # The peer IP Genesys dials is the attachment's regional address.
        assert c["outsideIp"] == unknown(f"{role}-address", "address")
        # Classic static tunnels have no inside addresses: none invented; the range is kept.
        assert (c["cloudInsideAddress"], c["genesysInsideAddress"]) == (None, None)
        assert c["tunnelCidr"] == cidr
    assert dev["outputs"]["preSharedKey"] == SECRET
    assert dev["outputs"]["standbyPreSharedKey"] == SECRET


def test_exports_for_the_iaas_team(dev: dict[str, Any]) -> None:
    team = dev["outputs"]["iaasTeam"]["attachments"]
    for role, region, cidr in (
        ("primary", "europe-west1", "169.254.60.0/30"),
        ("standby", "europe-west4", "169.254.60.4/30"),
    ):
        t = team[role]
        assert (t["provider"], t["region"], t["tunnelCidr"]) == ("gcp", region, cidr)
        iaas = t["iaas"]
        assert iaas["gatewayAddress"] == unknown(f"{role}-address", "address")
        assert iaas["tunnelId"] == unknown(f"{role}-tunnel", "id")
        assert iaas["network"] == "crm-vpc"
        assert iaas["firewallNames"] == [
            one(dev, f"{role}-fw-tcp")["inputs"]["name"],
            one(dev, f"{role}-fw-icmp")["inputs"]["name"],
        ]
        # The MSS the back ends should clamp to: aes256/sha256 with NAT-T on the 1460 gateway.
        assert t["mss"] == 1335


def test_plan_does_not_register_a_resource_twice() -> None:
    """The mock engine refuses duplicate URNs; with several CIDRs and alerts on both roles the
    plan still goes through (every child has a logical name of its own)."""
    config = gcp_config(
        (f"{G}.tenantCidrs", ["10.100.0.0/24", "10.100.1.0/24"]),
        (f"{I}.gcp.alertNotificationChannels", [CHANNEL]),
        (f"{S}.iaas.gcp.alertNotificationChannels", [CHANNEL]),
    )
    result = plan(config)
    assert len(of_type(result, T_ALERT)) == 2
    assert len(of_type(result, T_ROUTE)) == 4


def test_policy_based_selectors_are_the_networks_and_the_tenant_cidrs() -> None:
    """``trafficSelectors: networks``: one child SA with the IaaS networks ⇄ the tenant CIDRs
    (Cloud VPN, "Networks and tunnel routing"); routes are still created."""
    result = plan(
        gcp_config(
            (f"{I}.gcp.trafficSelectors", "networks"),
            (f"{I}.networks", ["10.20.0.0/24", "10.21.0.0/24"]),
            ("c2c-vpn:genesys.tenantCidrs", ["10.100.0.0/24", "10.101.0.0/24"]),
        )
    )
    primary = one(result, "primary-tunnel")["inputs"]
    assert primary["localTrafficSelectors"] == ["10.20.0.0/24", "10.21.0.0/24"]
    assert primary["remoteTrafficSelectors"] == ["10.100.0.0/24", "10.101.0.0/24"]
    assert len(children(result, "primary", "gcp:compute/route:Route")) == 2
    # the standby keeps its own setting (route-based by default)
    standby = one(result, "standby-tunnel")["inputs"]
    assert standby["localTrafficSelectors"] == standby["remoteTrafficSelectors"] == ["0.0.0.0/0"]
