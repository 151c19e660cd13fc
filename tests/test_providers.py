"""Each attachment is built by its own provider: mixed pairs, the registry, and the property
that every stack ``validate`` accepts also plans, with resources for every attachment."""

from __future__ import annotations

import copy
import subprocess
import sys
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from c2cvpn.cli import app
from c2cvpn.rules import validate
from c2cvpn.spec import attachments, genesys_connections
from c2cvpn.vendors import Provider
from components import registry
from tests.helpers import GOOD_PSK, ROOT, load, of_type, plan, raw_config, write_stack

COMPONENT = {
    Provider.AWS: "c2c-vpn:aws:VpnAttachment",
    Provider.AZURE: "c2c-vpn:azure:VpnAttachment",
}


def aws_primary_azure_standby() -> dict[str, Any]:
    """The review's first reproduction: prod's AWS primary with azure-dev's Azure end as standby."""
    config = raw_config("prod")
    azure = raw_config("azure-dev")["c2c-vpn:iaas"]
    config["c2c-vpn:standby"] = {"tunnelCidr": "169.254.31.0/30", "iaas": copy.deepcopy(azure)}
    return config


def onprem_primary_aws_standby() -> dict[str, Any]:
    """The review's second reproduction: an on-prem primary with dev's AWS end as standby."""
    config = raw_config("dev")
    aws = config["c2c-vpn:iaas"]
    config["c2c-vpn:standby"] = {"tunnelCidr": "169.254.11.0/29", "iaas": copy.deepcopy(aws)}
    config["c2c-vpn:iaas"] = {
        "provider": "onprem",
        "networks": ["10.30.0.0/24"],
        "peerIp": "198.51.100.77",
        "applicationPorts": [443],
    }
    return config


def components_by_role(result: dict[str, Any]) -> dict[str, str]:
    return {
        r["name"]: r["type"]
        for r in result["resources"]
        if r["parent"] is None and r["type"].startswith("c2c-vpn:")
    }


def test_aws_primary_with_azure_standby_plans_both_ends() -> None:
    config = aws_primary_azure_standby()
    assert validate(load(config)).problems == []
    result = plan(config)
    assert components_by_role(result) == {
        "primary": COMPONENT[Provider.AWS],
        "standby": COMPONENT[Provider.AZURE],
    }
    children = {(r["parent"], r["type"].rsplit(":", 1)[-1]) for r in result["resources"]}
    assert ("primary", "VpnConnection") in children
    assert ("standby", "VirtualNetworkGatewayConnection") in children
    team = result["outputs"]["iaasTeam"]["attachments"]
    assert (team["primary"]["provider"], team["standby"]["provider"]) == ("aws", "azure")
    assert team["standby"]["location"] == "westeurope"
    admin = {c["role"]: c for c in result["outputs"]["genesysAdmin"]["connections"]}
    assert admin["standby"]["provider"] == "azure"
    assert admin["standby"]["tunnelCidr"] == "169.254.31.0/30"


def test_onprem_primary_with_aws_standby_builds_the_aws_end() -> None:
    config = onprem_primary_aws_standby()
    assert validate(load(config)).problems == []
    result = plan(config)
    assert components_by_role(result) == {"standby": COMPONENT[Provider.AWS]}
    assert any(
        r["parent"] == "standby" and r["type"].endswith(":VpnConnection")
        for r in result["resources"]
    )
    team = result["outputs"]["iaasTeam"]["attachments"]
    assert team["primary"] == {
        "role": "primary",
        "provider": "onprem",
        "tunnelCidr": "169.254.10.0/29",
        "iaas": {"peerIp": "198.51.100.77"},
        "networks": ["10.30.0.0/24"],
        "applicationPorts": [443],
        "mssClamp": False,
        "mss": 1375,
    }
    assert team["standby"]["provider"] == "aws"
    assert team["standby"]["iaas"]["vpcId"] == config["c2c-vpn:standby"]["iaas"]["aws"]["vpcId"]
    admin = {c["role"]: c for c in result["outputs"]["genesysAdmin"]["connections"]}
    assert admin["primary"]["outsideIp"] == "198.51.100.77"
    # AWS assigns the standby's outside IP: known after apply, never the on-prem peer or 'None'.
    assert admin["standby"]["outsideIp"] == "(known after apply: standby-vpn.tunnel1Address)"
    assert (admin["standby"]["attachment"], admin["standby"]["tunnel"]) == ("standby", 1)


def test_validate_and_plan_agree_on_the_cli(tmp_path: Any) -> None:
    runner = CliRunner()
    for index, config in enumerate((aws_primary_azure_standby(), onprem_primary_aws_standby())):
        path = write_stack(tmp_path, config, name=f"mixed{index}")
        checked = runner.invoke(app, ["validate", str(path)])
        planned = runner.invoke(app, ["plan", str(path), "--format", "json"])
        assert (checked.exit_code, planned.exit_code) == (0, 0), planned.output


def test_every_provider_has_a_builder() -> None:
    assert set(registry.BUILDERS) == set(Provider)
    for provider in Provider:
        builder = registry.builder_for(provider)
        assert callable(builder), provider


def test_builders_import_their_sdk_only_when_used() -> None:
    """Planning an on-prem stack never loads the AWS or Azure SDK (an Azure-only team need not
    install the AWS provider's 200 MB, and vice versa)."""
    code = (
        "import sys\n"
        "from c2cvpn.spec import load_stack\n"
        "from components.mock_engine import plan_stack\n"
        "plan_stack(load_stack('local'))\n"
        "print(sorted(m for m in ('pulumi_aws', 'pulumi_azure_native') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- valid ⇒ plans

REGIONS = {"us-east-1": "us-east-1", "eu-west-1": "eu-west-1"}


@st.composite
def iaas_block(draw: st.DrawFn, index: int) -> dict[str, Any]:
    """One attachment's iaas block on any provider, with the choices that change the build."""
    provider = draw(st.sampled_from(["aws", "azure", "onprem"]))
    clamp = draw(st.booleans())
    block: dict[str, Any] = {
        "provider": provider,
        "networks": [f"10.{10 + index}.0.0/24"],
        "applicationPorts": draw(st.sampled_from([[443], [443, 8443]])),
        "mssClamp": {"enabled": clamp, "mss": "auto"},
    }
    if provider == "aws":
        region = draw(st.sampled_from(sorted(REGIONS)))
        tgw = draw(st.booleans())
        block["aws"] = {
            "region": region,
            "vpcId": draw(st.sampled_from(["vpc-0123456789abcdef0", "vpc-0fedcba9876543210"])),
            "routeTableIds": [f"rtb-0123456789abcdef{index}"],
            "securityGroupIds": draw(st.sampled_from([[], ["sg-0123456789abcdef0"]])),
            "availabilityZone": f"{region}{'ab'[index]}",
            "gateway": "tgw" if tgw else "vgw",
            **(
                {
                    "transitGatewayId": f"tgw-0123456789abcdef{index}",
                    "transitGatewayRouteTableId": "tgw-rtb-0123456789abcdef0",
                    **draw(
                        st.sampled_from(
                            [{}, {"transitGatewayVpcAttachmentId": "tgw-attach-0123456789abcdef0"}]
                        )
                    ),
                }
                if tgw
                else {}
            ),
            **(
                draw(
                    st.sampled_from(
                        [
                            {"subnetId": f"subnet-0123456789abcdef{index}"},
                            {"applianceSubnetCidr": f"10.{30 + index}.0.0/28"},
                        ]
                    )
                )
                if clamp
                else {}
            ),
        }
    elif provider == "azure":
        block["azure"] = {
            "resourceGroupName": f"rg-{index}",
            "location": draw(st.sampled_from(["westeurope", "northeurope"])),
            "virtualNetworkName": f"vnet-{index}",
            "gatewaySubnetPrefix": f"10.{20 + index}.255.0/27",
            "sku": draw(st.sampled_from(["VpnGw1AZ", "VpnGw2AZ", "Basic"])),
            "networkSecurityGroupNames": ["nsg-backend"],
            "activeActive": draw(st.booleans()),
            **({"applianceSubnetPrefix": f"10.{20 + index}.255.32/28"} if clamp else {}),
        }
    else:
        block["peerIp"] = draw(st.sampled_from(["198.51.100.7", "198.51.100.8", "10.1.1.1"]))
    return block


@st.composite
def stacks(draw: st.DrawFn) -> dict[str, Any]:
    prefix = draw(st.sampled_from([29, 30]))
    cipher, integrity, group = draw(
        st.sampled_from(
            [
                ("aes256", "sha256", 14),
                ("aes256gcm", "sha384", 20),
                ("aes128", "sha512", 19),  # sha512 is not Azure's in phase 2: invalid there
            ]
        )
    )
    phase = {"encryption": cipher, "integrity": integrity}
    config: dict[str, Any] = {
        "c2c-vpn:genesys": {
            "region": "us-east-1",
            "gatewayIp": "203.0.113.10",
            "tenantCidrs": ["10.100.0.0/24"],
            "tunnelCidr": f"169.254.40.0/{prefix}",
        },
        "c2c-vpn:tunnel": {
            "name": "PROP-VPN",
            "preSharedKey": GOOD_PSK,
            **draw(st.sampled_from([{}, {"standbyPreSharedKey": GOOD_PSK.replace("Tq7", "Wk4")}])),
            "dpd": {"timeoutSeconds": 45},
            "phase1": {**phase, "dhGroup": group, "lifetimeSeconds": 28800},
            "phase2": {**phase, "pfsGroup": group, "lifetimeSeconds": 3600},
        },
        "c2c-vpn:iaas": draw(iaas_block(0)),
    }
    if draw(st.booleans()):
        config["c2c-vpn:standby"] = {
            "tunnelCidr": f"169.254.41.0/{prefix}",
            "iaas": draw(iaas_block(1)),
        }
        if draw(st.booleans()):  # DNS failover (valid only when both ends are on AWS)
            config["c2c-vpn:standby"]["failover"] = {
                "route53": {
                    "hostedZoneId": "Z0123456789EXAMPLE",
                    "recordName": "crm-api.example.com",
                    "primaryAddress": "10.10.0.10",
                    "standbyAddress": "10.11.0.10",
                }
            }
    return config


def test_every_stack_validate_accepts_plans() -> None:
    outcomes = {"valid": 0, "invalid": 0}

    @settings(
        max_examples=80,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(stacks())
    def check(config: dict[str, Any]) -> None:
        loaded = load(config, "prop")
        if not validate(loaded).valid:
            outcomes["invalid"] += 1
            return
        outcomes["valid"] += 1
        result = plan(loaded)  # raises on any refusal or internal error
        built = components_by_role(result)
        team = result["outputs"]["iaasTeam"]["attachments"]
        for a in attachments(loaded.spec):
            assert team[a.role]["provider"] == a.iaas.provider.value
            if a.iaas.provider in COMPONENT:
                assert built[a.role] == COMPONENT[a.iaas.provider], a.role
                assert any(r["parent"] == a.role for r in result["resources"]), a.role
            else:
                assert a.role not in built
        connections = result["outputs"]["genesysAdmin"]["connections"]
        assert [c["role"] for c in connections] == [
            c.role for c in genesys_connections(loaded.spec)
        ]
        assert all(c["outsideIp"] not in (None, "", "None") for c in connections)
        route53 = loaded.spec.standby is not None and loaded.spec.standby.failover.route53
        assert bool(of_type(result, ":Record")) == bool(route53)

    check()
    # The generator must exercise both sides of the property, or it proves nothing.
    assert outcomes["valid"] >= 15, outcomes
    assert outcomes["invalid"] >= 5, outcomes
