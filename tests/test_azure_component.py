"""Mocked-engine tests of ``components.azure.AzureVpnAttachment`` (preview=False: applies run).

Each test builds a spec from ``stacks/Pulumi.azure-dev.yaml`` (or a variant of its config),
constructs the component directly, and asserts on what the mock monitor registered.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import ipaddress
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.runtime import rpc

from c2cvpn import derive
from c2cvpn.rules import validate
from c2cvpn.spec import StackSpec, load_stack, parse_config
from components.azure import AzureVpnAttachment
from components.common import AttachmentArgs

ROOT = Path(__file__).resolve().parents[1]
AZURE_DEV = ROOT / "stacks" / "Pulumi.azure-dev.yaml"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
PSK = "Tq7.Lm2_Zx9vB4nR8sW1yK6pH3dF5gJ0cA"
APPLIANCE_PASSWORD = "Appl1ance.Pass_word.For.Tests.00"

T_COMPONENT = "c2c-vpn:azure:VpnAttachment"
T_SUBNET = "azure-native:network:Subnet"
T_PIP = "azure-native:network:PublicIPAddress"
T_VNG = "azure-native:network:VirtualNetworkGateway"
T_LNG = "azure-native:network:LocalNetworkGateway"
T_CONN = "azure-native:network:VirtualNetworkGatewayConnection"
T_RULE = "azure-native:network:SecurityRule"
T_NIC = "azure-native:network:NetworkInterface"
T_RT = "azure-native:network:RouteTable"
T_VM = "azure-native:compute:VirtualMachine"
T_PASSWORD = "random:index/randomPassword:RandomPassword"

FORBIDDEN_SOURCES = {"*", "internet", "0.0.0.0/0", "any"}


# --------------------------------------------------------------------------- harness


@dataclass
class Registered:
    typ: str
    name: str
    inputs: dict[str, Any]
    id: str


class Recorder(pulumi.runtime.Mocks):
    """Answers the engine like Azure would (ids, a static public IP) and records everything."""

    def __init__(self) -> None:
        self.resources: list[Registered] = []
        self.calls: list[str] = []
        self._ips = 0

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[Any, Any]]:
        inputs = dict(args.inputs)
        state = dict(inputs)
        rg = inputs.get("resourceGroupName", "none")
        rid = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{rg}/providers/{args.typ}/{args.name}"
        if args.typ == T_PIP:
            self._ips += 1
            state["ipAddress"] = f"198.51.100.{self._ips}"
        if args.typ == T_PASSWORD:
            state["result"] = rpc.wrap_rpc_secret(APPLIANCE_PASSWORD)
        self.resources.append(Registered(args.typ, args.name, inputs, rid))
        return rid, state

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        self.calls.append(args.token)
        if args.token == "azure-native:authorization:getClientConfig":
            return {
                "subscriptionId": SUBSCRIPTION,
                "tenantId": SUBSCRIPTION,
                "clientId": "test",
                "objectId": "test",
            }, None
        return {}, None

    def of_type(self, typ: str) -> list[Registered]:
        return [r for r in self.resources if r.typ == typ]

    def one(self, typ: str, name: str | None = None) -> Registered:
        found = [r for r in self.of_type(typ) if name is None or r.name == name]
        assert len(found) == 1, f"expected one {typ} {name or ''}, got {[r.name for r in found]}"
        return found[0]


@dataclass
class Deployment:
    mocks: Recorder
    outputs: dict[str, dict[str, Any]]  # role -> resolved component outputs
    opts: dict[str, pulumi.ResourceOptions] = field(default_factory=dict)  # child name -> options


def ensure_event_loop() -> None:
    """The SDK needs a current loop; another test module may have closed or unset it."""
    try:
        if not asyncio.get_event_loop_policy().get_event_loop().is_closed():
            return
    except RuntimeError:
        pass
    asyncio.set_event_loop(asyncio.new_event_loop())


def deploy(spec: StackSpec, roles: tuple[str, ...] = ("primary",)) -> Deployment:
    ensure_event_loop()
    mocks = Recorder()
    pulumi.runtime.set_mocks(mocks, preview=False)
    outputs: dict[str, dict[str, Any]] = {}
    opts: dict[str, pulumi.ResourceOptions] = {}

    def remember(args: pulumi.ResourceTransformationArgs) -> None:
        opts[args.name] = args.opts  # transformations run in the SDK, so the mocks see them
        return None

    def keep(role: str, component: AzureVpnAttachment) -> Any:
        def store(values: dict[str, Any]) -> None:
            outputs[role] = {**values, "component": component}

        return store

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        assert not pulumi.runtime.is_dry_run(), "preview mocks would let unknowns skip the checks"
        resolved = []
        for role in roles:
            if role == "primary":
                iaas, cidr = spec.iaas, spec.genesys.tunnel_cidr
            else:
                assert spec.standby is not None
                iaas, cidr = spec.standby.iaas, spec.standby.tunnel_cidr
            component = AzureVpnAttachment(
                f"azure-{role}",
                AttachmentArgs(
                    spec=spec, iaas=iaas, tunnel_cidr=cidr, role=role, psk=pulumi.Output.secret(PSK)
                ),  # type: ignore[arg-type]
                opts=pulumi.ResourceOptions(transformations=[remember]),
            )
            password = component.appliance_admin_password
            resolved.append(
                pulumi.Output.all(
                    gateway_public_ip=component.gateway_public_ip,
                    algorithms=component.algorithms,
                    psk=component.psk,
                    psk_is_secret=secretness(component.psk),
                    gateway_id=component.gateway_id,
                    connection_id=component.connection_id,
                    route_table_id=component.route_table_id,
                    password_is_secret=secretness(password) if password is not None else None,
                ).apply(keep(role, component))
            )
        return pulumi.Output.all(*resolved)

    program()
    assert set(outputs) == set(roles), "the applies did not run: are the mocks in preview mode?"
    return Deployment(mocks, outputs, opts)


def secretness(output: pulumi.Output[Any]) -> pulumi.Output[bool]:
    """Whether an output is secret, as an output (so the test can await it with the rest)."""
    flag: Awaitable[bool] = output.is_secret()
    result: pulumi.Output[bool] = pulumi.Output.from_input(flag)
    return result


def dev_config() -> dict[str, Any]:
    document = yaml.safe_load(AZURE_DEV.read_text(encoding="utf-8"))
    return copy.deepcopy(document["config"])


def spec_of(config: dict[str, Any]) -> StackSpec:
    loaded = parse_config(config, stack="azure-test", source="test")
    report = validate(loaded)
    assert report.valid, [p.message for p in report.problems]  # fixtures must be real stacks
    return loaded.spec


def standby_config(**azure: Any) -> dict[str, Any]:
    config = dev_config()
    standby_iaas = copy.deepcopy(config["c2c-vpn:iaas"])
    standby_iaas["networks"] = ["10.21.0.0/24"]
    standby_iaas["azure"] = {
        "resourceGroupName": "rg-crm-dr",
        "location": "northeurope",
        "virtualNetworkName": "vnet-crm-dr",
        "gatewaySubnetPrefix": "10.21.255.0/27",
        "sku": "VpnGw1AZ",
        "networkSecurityGroupNames": ["nsg-crm-backend"],
        **azure,
    }
    config["c2c-vpn:standby"] = {"tunnelCidr": "169.254.31.0/30", "iaas": standby_iaas}
    return config


def unwrap(value: Any) -> Any:
    return value["value"] if rpc.is_rpc_secret(value) else value


def plain_strings(value: Any) -> list[str]:
    """Every string in a registered input that is NOT inside a secret wrapper."""
    if rpc.is_rpc_secret(value):
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in plain_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in plain_strings(v)]
    return []


@pytest.fixture(scope="module")
def dev() -> Deployment:
    return deploy(load_stack(str(AZURE_DEV)).spec)


# --------------------------------------------------------------------------- the dev stack


def test_dev_stack_registers_exactly_the_attachment(dev: Deployment) -> None:
    counts = Counter(r.typ for r in dev.mocks.resources)
    assert counts == {
        T_COMPONENT: 1,
        T_SUBNET: 1,
        T_PIP: 1,
        T_VNG: 1,
        T_LNG: 1,
        T_CONN: 1,
        T_RULE: 2,
    }
    assert all(r.name.startswith("azure-primary") for r in dev.mocks.resources)
    assert dev.mocks.one(T_COMPONENT).name == "azure-primary"
    assert dev.mocks.calls == []  # everything is referenced by resource, no lookup needed


def test_gateway_subnet_public_ip_and_gateway(dev: Deployment) -> None:
    subnet = dev.mocks.one(T_SUBNET)
    assert subnet.inputs["subnetName"] == "GatewaySubnet"
    assert subnet.inputs["virtualNetworkName"] == "vnet-crm-dev"
    assert subnet.inputs["resourceGroupName"] == "rg-crm-dev"
    assert subnet.inputs["addressPrefix"] == "10.20.255.0/27"
    assert "routeTable" not in subnet.inputs

    pip = dev.mocks.one(T_PIP)
    assert pip.inputs["sku"] == {"name": "Standard", "tier": "Regional"}
    assert pip.inputs["publicIPAllocationMethod"] == "Static"
    assert pip.inputs["zones"] == ["1", "2", "3"]
    assert pip.inputs["location"] == "westeurope"

    vng = dev.mocks.one(T_VNG)
    assert vng.inputs["gatewayType"] == "Vpn"
    assert vng.inputs["vpnType"] == "RouteBased"
    assert vng.inputs["sku"] == {"name": "VpnGw1AZ", "tier": "VpnGw1AZ"}
    assert vng.inputs["vpnGatewayGeneration"] == "Generation1"
    assert vng.inputs["enableBgp"] is False
    (ipconf,) = vng.inputs["ipConfigurations"]
    assert ipconf["publicIPAddress"] == {"id": pip.id}
    assert ipconf["subnet"] == {"id": subnet.id}

    for rule in dev.mocks.of_type(T_RULE):
        assert rule.inputs["networkSecurityGroupName"] == "nsg-crm-backend"
        assert rule.inputs["sourceAddressPrefixes"] == ["10.100.0.0/24"]
        assert rule.inputs["destinationAddressPrefixes"] == ["10.20.0.0/24"]

    lng = dev.mocks.one(T_LNG)
    assert lng.inputs["gatewayIpAddress"] == "203.0.113.30"
    assert lng.inputs["localNetworkAddressSpace"] == {"addressPrefixes": ["10.100.0.0/24"]}


def test_connection_policy_in_azure_spelling(dev: Deployment) -> None:
    conn = dev.mocks.one(T_CONN)
    assert conn.inputs["connectionType"] == "IPsec"
    assert conn.inputs["connectionProtocol"] == "IKEv2"
    assert conn.inputs["connectionMode"] == "Default"  # startupAction: start
    assert conn.inputs["usePolicyBasedTrafficSelectors"] is False
    assert conn.inputs["enableBgp"] is False
    assert conn.inputs["dpdTimeoutSeconds"] == 45
    assert conn.inputs["virtualNetworkGateway1"] == {"id": dev.mocks.one(T_VNG).id}
    assert conn.inputs["localNetworkGateway2"] == {"id": dev.mocks.one(T_LNG).id}
    assert conn.inputs["ipsecPolicies"] == [
        {
            "ikeEncryption": "AES256",
            "ikeIntegrity": "SHA256",
            "dhGroup": "DHGroup14",
            "ipsecEncryption": "AES256",
            "ipsecIntegrity": "SHA256",
            "pfsGroup": "PFS2048",
            "saLifeTimeSeconds": 3600,
            "saDataSizeKilobytes": 102400000,
        }
    ]


def test_outputs_for_the_genesys_admin(dev: Deployment) -> None:
    out = dev.outputs["primary"]
    assert out["gateway_public_ip"] == "198.51.100.1"
    spec = load_stack(str(AZURE_DEV)).spec
    assert out["algorithms"] == derive.genesys_terms(spec.tunnel)
    assert out["algorithms"]["phase1"]["dhGroup"].startswith("group 14")
    assert out["psk"] == PSK
    assert out["gateway_id"] == dev.mocks.one(T_VNG).id
    assert out["connection_id"] == dev.mocks.one(T_CONN).id
    component = out["component"]
    assert (component.location, component.resource_group_name, component.role) == (
        "westeurope",
        "rg-crm-dev",
        "primary",
    )
    assert component.tunnel_cidr == "169.254.30.0/30"


def test_the_shared_key_stays_secret(dev: Deployment) -> None:
    assert dev.outputs["primary"]["psk_is_secret"] is True
    conn = dev.mocks.one(T_CONN)
    assert rpc.is_rpc_secret(conn.inputs["sharedKey"])
    assert unwrap(conn.inputs["sharedKey"]) == PSK
    # The provider echoes sharedKey: it must be declared an additional secret output.
    assert "sharedKey" in (dev.opts[conn.name].additional_secret_outputs or [])
    # And the key appears nowhere in clear text.
    for r in dev.mocks.resources:
        assert PSK not in plain_strings(r.inputs), f"{r.name} carries the PSK unmasked"


# --------------------------------------------------------------------------- algorithms


@pytest.mark.parametrize(
    ("phase1", "phase2", "expected"),
    [
        (
            {"encryption": "aes256gcm", "integrity": "sha384", "dhGroup": 20},
            {"encryption": "aes256gcm", "integrity": "sha256", "pfsGroup": 20},
            {
                "ikeEncryption": "GCMAES256",
                "ikeIntegrity": "SHA384",
                "dhGroup": "ECP384",
                "ipsecEncryption": "GCMAES256",
                "ipsecIntegrity": "GCMAES256",
                "pfsGroup": "ECP384",
            },
        ),
        (
            {"encryption": "aes128", "integrity": "sha256", "dhGroup": 19},
            {"encryption": "aes128gcm", "integrity": "sha256", "pfsGroup": 19},
            {
                "ikeEncryption": "AES128",
                "ikeIntegrity": "SHA256",
                "dhGroup": "ECP256",
                "ipsecEncryption": "GCMAES128",
                "ipsecIntegrity": "GCMAES128",
                "pfsGroup": "ECP256",
            },
        ),
        (
            {"encryption": "aes256", "integrity": "sha256", "dhGroup": 24},
            {"encryption": "aes256", "integrity": "sha256", "pfsGroup": 24},
            {
                "ikeEncryption": "AES256",
                "ikeIntegrity": "SHA256",
                "dhGroup": "DHGroup24",
                "ipsecEncryption": "AES256",
                "ipsecIntegrity": "SHA256",
                "pfsGroup": "PFS24",
            },
        ),
    ],
)
def test_policy_variants(
    phase1: dict[str, Any], phase2: dict[str, Any], expected: dict[str, Any]
) -> None:
    config = dev_config()
    config["c2c-vpn:tunnel"]["phase1"].update(phase1)
    config["c2c-vpn:tunnel"]["phase2"].update({**phase2, "lifetimeSeconds": 2700})
    config["c2c-vpn:tunnel"]["dpd"]["timeoutSeconds"] = 30
    config["c2c-vpn:tunnel"]["startupAction"] = "add"
    d = deploy(spec_of(config))
    conn = d.mocks.one(T_CONN)
    assert conn.inputs["ipsecPolicies"] == [
        {**expected, "saLifeTimeSeconds": 2700, "saDataSizeKilobytes": 102400000}
    ]
    assert conn.inputs["dpdTimeoutSeconds"] == 30
    assert conn.inputs["connectionMode"] == "ResponderOnly"


@pytest.mark.parametrize(
    ("sku", "generation", "zones"),
    [("VpnGw2", "Generation2", None), ("VpnGw5AZ", "Generation2", ["1", "2", "3"])],
)
def test_sku_decides_generation_and_zones(
    sku: str, generation: str, zones: list[str] | None
) -> None:
    config = dev_config()
    config["c2c-vpn:iaas"]["azure"]["sku"] = sku
    d = deploy(spec_of(config))
    vng = d.mocks.one(T_VNG)
    assert vng.inputs["sku"] == {"name": sku, "tier": sku}
    assert vng.inputs["vpnGatewayGeneration"] == generation
    assert d.mocks.one(T_PIP).inputs.get("zones") == zones


# --------------------------------------------------------------------------- NSG rules


def nsg_config() -> dict[str, Any]:
    config = dev_config()
    config["c2c-vpn:genesys"]["tenantCidrs"] = ["10.100.0.0/24", "10.100.8.0/24"]
    config["c2c-vpn:iaas"]["networks"] = ["10.20.0.0/24", "10.20.1.0/24"]
    config["c2c-vpn:iaas"]["applicationPorts"] = [443, 8443]
    config["c2c-vpn:iaas"]["azure"]["networkSecurityGroupNames"] = [
        "nsg-crm-backend",
        "nsg-crm-api",
    ]
    return config


def test_nsg_rules_admit_only_genesys() -> None:
    d = deploy(spec_of(nsg_config()))
    rules = d.mocks.of_type(T_RULE)
    assert len(rules) == 2 * (2 + 1)  # two NSGs x (two ports + ICMP)
    by_nsg: dict[str, list[Registered]] = {}
    for r in rules:
        by_nsg.setdefault(r.inputs["networkSecurityGroupName"], []).append(r)
    assert set(by_nsg) == {"nsg-crm-backend", "nsg-crm-api"}
    for nsg_rules in by_nsg.values():
        protocols = sorted(
            (r.inputs["protocol"], r.inputs["destinationPortRange"]) for r in nsg_rules
        )
        assert protocols == [("Icmp", "*"), ("Tcp", "443"), ("Tcp", "8443")]
        priorities = [r.inputs["priority"] for r in nsg_rules]
        assert len(set(priorities)) == len(priorities)
        assert len({r.inputs["securityRuleName"] for r in nsg_rules}) == len(nsg_rules)
    for r in rules:
        sources = r.inputs["sourceAddressPrefixes"]
        assert sources == ["10.100.0.0/24", "10.100.8.0/24"]
        assert not {s.lower() for s in sources} & FORBIDDEN_SOURCES
        assert "sourceAddressPrefix" not in r.inputs  # no single catch-all prefix beside the list
        assert r.inputs["destinationAddressPrefixes"] == ["10.20.0.0/24", "10.20.1.0/24"]
        assert (r.inputs["direction"], r.inputs["access"]) == ("Inbound", "Allow")
        assert r.inputs["resourceGroupName"] == "rg-crm-dev"


def test_nsg_priorities_are_stable_across_runs() -> None:
    def priorities() -> dict[str, tuple[str, int]]:
        d = deploy(spec_of(nsg_config()))
        return {
            r.name: (r.inputs["securityRuleName"], r.inputs["priority"])
            for r in d.mocks.of_type(T_RULE)
        }

    first, second = priorities(), priorities()
    assert first == second
    assert first["azure-primary-nsg-nsg-crm-api-icmp"][1] == 300
    assert first["azure-primary-nsg-nsg-crm-api-tcp-443"][1] == 301
    assert first["azure-primary-nsg-nsg-crm-api-tcp-8443"][1] == 302


# --------------------------------------------------------------------------- MSS appliance


def test_appliance_when_mss_clamp_enabled() -> None:
    config = nsg_config()
    config["c2c-vpn:iaas"]["mssClamp"]["enabled"] = True
    config["c2c-vpn:iaas"]["azure"]["applianceSubnetPrefix"] = "10.20.255.32/28"
    spec = spec_of(config)
    d = deploy(spec)
    out = d.outputs["primary"]
    component = out["component"]

    appliance_subnet = d.mocks.one(T_SUBNET, "azure-primary-appliance-subnet")
    assert appliance_subnet.inputs["addressPrefix"] == "10.20.255.32/28"
    assert appliance_subnet.inputs["virtualNetworkName"] == "vnet-crm-dev"
    assert appliance_subnet.inputs["subnetName"] != "GatewaySubnet"
    assert appliance_subnet.inputs["defaultOutboundAccess"] is True  # apt must reach the mirror

    nic = d.mocks.one(T_NIC)
    assert nic.inputs["enableIPForwarding"] is True
    (ipconf,) = nic.inputs["ipConfigurations"]
    assert ipconf["privateIPAddress"] == "10.20.255.36"
    assert ipconf["privateIPAllocationMethod"] == "Static"
    assert ipconf["subnet"]["id"] == appliance_subnet.id
    assert ipaddress.ip_address(ipconf["privateIPAddress"]) in ipaddress.ip_network(
        "10.20.255.32/28"
    )

    vm = d.mocks.one(T_VM)
    image = vm.inputs["storageProfile"]["imageReference"]
    assert (image["publisher"], image["offer"]) == ("Debian", "debian-12")
    assert "id" not in image
    assert vm.inputs["hardwareProfile"]["vmSize"] == "Standard_B1s"
    assert vm.inputs["networkProfile"]["networkInterfaces"][0]["id"] == nic.id
    profile = unwrap(vm.inputs["osProfile"])
    assert rpc.is_rpc_secret(vm.inputs["osProfile"]) or rpc.is_rpc_secret(profile["adminPassword"])
    assert unwrap(profile["adminPassword"]) == APPLIANCE_PASSWORD
    assert APPLIANCE_PASSWORD not in plain_strings(vm.inputs)
    user_data = base64.b64decode(profile["customData"]).decode()
    assert user_data.startswith("#cloud-config\n")
    (written,) = yaml.safe_load(user_data)["write_files"]
    assert written["path"] == "/var/lib/cloud/scripts/per-boot/c2cvpn-mss-clamp.sh"  # every boot
    assert written["permissions"] == "0755"
    script = written["content"]
    mss = derive.attachment_mss(spec, spec.iaas)
    assert mss.mss == 1350  # the arithmetic gives 1375; Azure's recommendation caps it
    assert script == derive.mss_clamp_script(1350, spec.genesys.tenant_cidrs)
    assert "--set-mss 1350" in script and "10.100.8.0/24" in script
    assert component.mss == 1350
    assert out["password_is_secret"] is True

    to_genesys = d.mocks.one(T_RT, "azure-primary-route-table")
    assert [
        (r["addressPrefix"], r["nextHopType"], r["nextHopIpAddress"])
        for r in to_genesys.inputs["routes"]
    ] == [
        ("10.100.0.0/24", "VirtualAppliance", "10.20.255.36"),
        ("10.100.8.0/24", "VirtualAppliance", "10.20.255.36"),
    ]
    assert out["route_table_id"] == to_genesys.id
    to_iaas = d.mocks.one(T_RT, "azure-primary-gateway-route-table")
    assert [(r["addressPrefix"], r["nextHopIpAddress"]) for r in to_iaas.inputs["routes"]] == [
        ("10.20.0.0/24", "10.20.255.36"),
        ("10.20.1.0/24", "10.20.255.36"),
    ]
    gateway_subnet = d.mocks.one(T_SUBNET, "azure-primary-gateway-subnet")
    assert gateway_subnet.inputs["routeTable"] == {"id": to_iaas.id}


def test_no_appliance_when_mss_clamp_disabled(dev: Deployment) -> None:
    for typ in (T_VM, T_NIC, T_RT, T_PASSWORD):
        assert dev.mocks.of_type(typ) == [], typ
    component = dev.outputs["primary"]["component"]
    assert (component.mss, component.appliance_private_ip, component.route_table_id) == (
        None,
        None,
        None,
    )
    assert dev.outputs["primary"]["password_is_secret"] is None


# --------------------------------------------------------------------------- standby


def test_standby_lands_in_its_own_location() -> None:
    config = standby_config()
    config["c2c-vpn:standby"]["iaas"]["mssClamp"]["enabled"] = True
    config["c2c-vpn:standby"]["iaas"]["azure"]["applianceSubnetPrefix"] = "10.21.255.32/28"
    spec = spec_of(config)
    d = deploy(spec, roles=("primary", "standby"))

    names = [r.name for r in d.mocks.resources]
    assert len(names) == len(set(names)), "children of the two attachments collide"
    standby = [r for r in d.mocks.resources if r.name.startswith("azure-standby")]
    primary = [r for r in d.mocks.resources if r.name.startswith("azure-primary")]
    assert {r.typ for r in standby} >= {T_SUBNET, T_PIP, T_VNG, T_LNG, T_CONN, T_RULE, T_VM}
    assert {r.typ for r in primary} & {T_VM, T_NIC} == set()  # only the standby clamps here

    for r in standby:
        if "location" in r.inputs:
            assert r.inputs["location"] == "northeurope", r.name
        if "resourceGroupName" in r.inputs:
            assert r.inputs["resourceGroupName"] == "rg-crm-dr", r.name
    for r in primary:
        if "location" in r.inputs:
            assert r.inputs["location"] == "westeurope", r.name

    standby_subnet = d.mocks.one(T_SUBNET, "azure-standby-gateway-subnet")
    assert (
        standby_subnet.inputs["virtualNetworkName"],
        standby_subnet.inputs["addressPrefix"],
    ) == ("vnet-crm-dr", "10.21.255.0/27")
    # Both connections reach the same Genesys gateway, each from its own public IP.
    assert (
        d.mocks.one(T_LNG, "azure-standby-local-gateway").inputs["gatewayIpAddress"]
        == "203.0.113.30"
    )
    assert d.outputs["primary"]["gateway_public_ip"] != d.outputs["standby"]["gateway_public_ip"]
    assert d.outputs["standby"]["component"].tunnel_cidr == "169.254.31.0/30"
    # Azure-side names carry the role, so a shared resource group could hold both.
    azure_names = [
        r.inputs.get("virtualNetworkGatewayConnectionName") for r in d.mocks.of_type(T_CONN)
    ]
    assert azure_names == [
        "dev-azure-crm-vpn-primary-connection",
        "dev-azure-crm-vpn-standby-connection",
    ]
    # The standby clamps toward its own networks from its own subnet.
    assert (
        d.mocks.one(T_SUBNET, "azure-standby-appliance-subnet").inputs["addressPrefix"]
        == "10.21.255.32/28"
    )
    standby_rules = [r for r in d.mocks.of_type(T_RULE) if r.name.startswith("azure-standby")]
    assert {r.inputs["priority"] for r in standby_rules} == {500, 501}
    assert all(r.inputs["destinationAddressPrefixes"] == ["10.21.0.0/24"] for r in standby_rules)


def test_standby_sharing_the_primary_resource_group_does_not_collide() -> None:
    # Same location is allowed when the VNet differs; NSG names may then be shared.
    spec = spec_of(standby_config(location="westeurope", resourceGroupName="rg-crm-dev"))
    d = deploy(spec, roles=("primary", "standby"))
    keys = Counter(
        (r.inputs["networkSecurityGroupName"], r.inputs["priority"])
        for r in d.mocks.of_type(T_RULE)
    )
    assert max(keys.values()) == 1
    rule_names = Counter(
        (r.inputs["networkSecurityGroupName"], r.inputs["securityRuleName"])
        for r in d.mocks.of_type(T_RULE)
    )
    assert max(rule_names.values()) == 1
    for typ, key in (
        (T_VNG, "virtualNetworkGatewayName"),
        (T_PIP, "publicIpAddressName"),
        (T_LNG, "localNetworkGatewayName"),
    ):
        values = [r.inputs[key] for r in d.mocks.of_type(typ)]
        assert len(values) == 2 and len(set(values)) == 2, (typ, values)


def test_gateway_subnet_waits_for_the_appliance_subnet() -> None:
    """Azure refuses two concurrent subnet writes to one virtual network (AnotherOperationInProgress)."""
    config = nsg_config()
    config["c2c-vpn:iaas"]["mssClamp"]["enabled"] = True
    config["c2c-vpn:iaas"]["azure"]["applianceSubnetPrefix"] = "10.20.255.32/28"
    d = deploy(spec_of(config))
    depends_on = d.opts["azure-primary-gateway-subnet"].depends_on
    assert isinstance(depends_on, list)
    assert [r._name for r in depends_on] == ["azure-primary-appliance-subnet"]  # type: ignore[union-attr]
    assert d.opts["azure-primary-gateway-subnet"].delete_before_replace is True
