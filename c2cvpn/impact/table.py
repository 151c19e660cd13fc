"""The sourced impact table: what changing each input of each resource type does to live tunnels.

Keyed by (Pulumi type token, top-level camelCase input name) as ``pulumi preview --json`` and
``c2cvpn plan --format json`` spell them. Per-tunnel inputs of a tunnel-scoped type (the AWS VPN
connection) are keyed once, with the placeholder ``tunnel{n}``. Every row cites where its fact
comes from: a provider source file (repository, path, commit of the stored copy that was read)
or a vendor page. A fact that could not be checked offline says ``[verify on first preview]``
in ``why`` and has ``replaces=None``: the real preview (``replaceReasons``) decides.

Pure data plus four small functions (:func:`lookup`, :func:`tunnel_of`, :func:`type_rule`,
:func:`predicts_replace`) and :func:`is_secret`. No Pulumi import (tests/test_boundaries.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from c2cvpn.impact.classes import Impact, Rule, TypeRule

VERIFY = "[verify on first preview]"
#: The placeholder of the tunnel number in the keys of tunnel-scoped inputs.
TUNNEL = "tunnel{n}"

# --------------------------------------------------------------------------- type tokens

VPN_CONNECTION = "aws:ec2/vpnConnection:VpnConnection"
CUSTOMER_GATEWAY = "aws:ec2/customerGateway:CustomerGateway"
VPN_GATEWAY = "aws:ec2/vpnGateway:VpnGateway"
VPN_CONNECTION_ROUTE = "aws:ec2/vpnConnectionRoute:VpnConnectionRoute"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
SUBNET = "aws:ec2/subnet:Subnet"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INSTANCE = "aws:ec2/instance:Instance"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TGW_ROUTE = "aws:ec2transitgateway/route:Route"
TGW_ASSOCIATION = "aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation"
TGW_PROPAGATION = "aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
DNS_RECORD = "aws:route53/record:Record"
AZ_CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
AZ_GATEWAY = "azure-native:network:VirtualNetworkGateway"
AZ_LOCAL_GATEWAY = "azure-native:network:LocalNetworkGateway"
AZ_PUBLIC_IP = "azure-native:network:PublicIPAddress"
AZ_SUBNET = "azure-native:network:Subnet"
AZ_SECURITY_RULE = "azure-native:network:SecurityRule"
AZ_ROUTE_TABLE = "azure-native:network:RouteTable"
AZ_NIC = "azure-native:network:NetworkInterface"
AZ_VM = "azure-native:compute:VirtualMachine"
GCP_ADDRESS = "gcp:compute/address:Address"
GCP_GATEWAY = "gcp:compute/vPNGateway:VPNGateway"
GCP_FORWARDING_RULE = "gcp:compute/forwardingRule:ForwardingRule"
GCP_TUNNEL = "gcp:compute/vPNTunnel:VPNTunnel"
GCP_ROUTE = "gcp:compute/route:Route"
GCP_FIREWALL = "gcp:compute/firewall:Firewall"
GCP_ALERT_POLICY = "gcp:monitoring/alertPolicy:AlertPolicy"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
#: pulumi.dynamic.Resource subclass ``VpnConnectionRecord(module="genesys", ...)``: the Python
#: SDK builds ``f"pulumi-python:dynamic/{module}:{name}"`` (pulumi/dynamic/dynamic.py).
GENESYS_RECORD = "pulumi-python:dynamic/genesys:VpnConnectionRecord"
STACK = "pulumi:pulumi:Stack"
PROVIDER_AWS = "pulumi:providers:aws"
PROVIDER_AZURE = "pulumi:providers:azure-native"
PROVIDER_RANDOM = "pulumi:providers:random"
PROVIDER_DYNAMIC = "pulumi:providers:pulumi-python"
PROVIDER_GCP = "pulumi:providers:gcp"
COMPONENTS = (
    "c2c-vpn:aws:VpnAttachment",
    "c2c-vpn:azure:VpnAttachment",
    "c2c-vpn:gcp:VpnAttachment",
    "c2c-vpn:aws:Route53Failover",
    "c2c-vpn:genesys:VpnConnection",
)

# --------------------------------------------------------------------------- sources

_TF_AWS = "hashicorp/terraform-provider-aws"
SRC_VPN = f"{_TF_AWS} internal/service/ec2/vpnsite_connection.go@050ac111"
SRC_ENDPOINTS = "https://docs.aws.amazon.com/vpn/latest/s2svpn/endpoint-replacements.html"
SRC_VPN_TUNNEL = f"{SRC_ENDPOINTS} (Modify the VPN tunnel options: ModifyVpnTunnelOptions)"
SRC_VPN_OPTIONS = f"{SRC_ENDPOINTS} (Modify the VPN connection options: ModifyVpnConnectionOptions)"
SRC_VPN_TARGET = f"{SRC_ENDPOINTS} (ModifyVpnConnection: target gateway, customer gateway)"
SRC_VPN_LOGS = "https://docs.aws.amazon.com/vpn/latest/s2svpn/monitoring-logs.html#enable-logs"
SRC_CGW = f"{_TF_AWS} internal/service/ec2/vpnsite_customer_gateway.go@08923b68"
SRC_VGW = f"{_TF_AWS} internal/service/ec2/vpnsite_gateway.go@03412d53"
SRC_VPN_ROUTE = f"{_TF_AWS} internal/service/ec2/vpnsite_connection_route.go@20cb798b"
SRC_ROUTE = f"{_TF_AWS} internal/service/ec2/vpc_route.go@0128541e"
SRC_RTA = f"{_TF_AWS} internal/service/ec2/vpc_route_table_association.go@5c58e0c2"
SRC_SG_RULE = f"{_TF_AWS} internal/service/ec2/vpc_security_group_rule.go@0d90774d"
SRC_TGW_ROUTE = f"{_TF_AWS} internal/service/ec2/transitgateway_route.go@3cdebe95"
SRC_TGW_ASSOC = f"{_TF_AWS} internal/service/ec2/transitgateway_route_table_association.go@6286e3f1"
SRC_TGW_PROP = f"{_TF_AWS} internal/service/ec2/transitgateway_route_table_propagation.go@86475b48"
SRC_RECORD = f"{_TF_AWS} internal/service/route53/record.go@00655c16"
SRC_HEALTH = f"{_TF_AWS} internal/service/route53/health_check.go@21d93134"
SRC_TAGS = f"{_TF_AWS} tftags.TagsSchema() (not ForceNew; e.g. {SRC_CGW.split(' ', 1)[1]})"
SRC_SDK_INSTANCE = (
    "pulumi_aws 7.51.1 ec2/instance.py docstrings (user_data_replace_on_change, instance_type)"
)
SRC_SDK_SG = "pulumi_aws 7.51.1 ec2/security_group.py docstring (description: no Update API)"
SRC_AWS_LIFETIMES = (
    "c2cvpn/vendors.py AWS profile lifetimes_must_match (S2S VPN User Guide, tunnel options)"
)
SRC_RECONCILE = "c2cvpn/genesys/reconcile.py (must-match parameters: an error finding)"
SRC_RANDOM = "hashicorp/terraform-provider-random internal/provider/resource_password.go@c054b476 (passwordSchemaV3)"
SRC_AZN_FORCENEW = "pulumi/pulumi-azure-native provider/pkg/gen/replacement.go@f8d3054a forceNewMap"
SRC_AZN_MUTABILITY = (
    "pulumi/pulumi-azure-native provider/pkg/gen/properties.go@f65ea5be forceNew "
    "(x-ms-mutability, forceNewMap; nothing else replaces)"
)
SRC_AZN_PATH = (
    "https://github.com/pulumi/pulumi-azure-native/issues/77 (path parameters force replacement)"
)
SRC_AZN_LOCATION = (
    "https://github.com/pulumi/pulumi-azure-native/issues/3053 (location change planned as update)"
)
SRC_AZURERM_CONN = (
    "hashicorp/terraform-provider-azurerm "
    "internal/services/network/virtual_network_gateway_connection_resource.go@2068ea3a"
)
SRC_AZURERM_VNG = (
    "hashicorp/terraform-provider-azurerm "
    "internal/services/network/virtual_network_gateway_resource.go@04854624"
)
SRC_AZ_LNG = "MicrosoftDocs/azure-docs articles/vpn-gateway/vpn-gateway-modify-local-network-gateway.md@0aa2b14a"
SRC_MANAGE = "c2cvpn/genesys/manage.py diff()"
SRC_PROVIDER_REGION = (
    "https://github.com/pulumi/pulumi-aws/pull/4000 (region: ForcesProviderReplace)"
)
SRC_BRIDGE_CONFIG = (
    "pulumi/pulumi-terraform-bridge pkg/tfbridge provider.go configDiffer.DiffConfig "
    "(only ForcesProviderReplace properties replace a provider)"
)
SRC_PROGRAM_AWS = "components/aws.py"
SRC_PROGRAM_AZURE = "components/azure.py"
SRC_PROGRAM_GCP = "components/gcp.py"
# Google Cloud: the generator's YAML is the provider source (terraform-provider-google is
# generated from it). In an ``immutable: true`` resource every field is ForceNew unless it has
# its own update_url; labels with an update_url (setLabels) are not (mmv1/api/type.go IsForceNew).
_MM = "GoogleCloudPlatform/magic-modules"
_MM_AT = "@d5778440"
SRC_GCP_FORCE_NEW = (
    f"{_MM} mmv1/api/type.go{_MM_AT} IsForceNew (immutable resource: every field ForceNew "
    "unless it has its own update_url)"
)
SRC_GCP_PROJECT = (
    f"{_MM} mmv1/templates/terraform/resource.go.tmpl{_MM_AT} (project: ForceNew); "
    f"mmv1/third_party/terraform/tpgresource/utils.go{_MM_AT} DefaultProviderProject"
)
SRC_GCP_TUNNEL = (
    f"{_MM} mmv1/products/compute/VpnTunnel.yaml{_MM_AT} (immutable: true; labels: setLabels)"
)
SRC_GCP_TUNNEL_TF = (
    "hashicorp/terraform-provider-google google/services/compute/resource_compute_vpn_tunnel.go"
    "@07fc8657 (shared_secret, peer_ip, ike_version, selectors: ForceNew; labels: not)"
)
SRC_GCP_WRITE_ONLY = (
    f"{_MM} mmv1/api/resource.go{_MM_AT} addWriteOnlyFields (sharedSecretWo: write-only, "
    "never ForceNew; sharedSecretWoVersion: ForceNew like sharedSecret)"
)
SRC_GCP_GATEWAY = f"{_MM} mmv1/products/compute/VpnGateway.yaml{_MM_AT} (immutable: true)"
SRC_GCP_ADDRESS = (
    f"{_MM} mmv1/products/compute/Address.yaml{_MM_AT} (immutable: true; labels: setLabels)"
)
SRC_GCP_FR = (
    f"{_MM} mmv1/products/compute/ForwardingRule.yaml{_MM_AT} (immutable: true; target: "
    "setTarget; labels: setLabels)"
)
SRC_GCP_FR_DIFF = (
    f"{_MM} mmv1/templates/terraform/constants/compute_forwarding_rule.go.tmpl{_MM_AT} "
    "forwardingRuleCustomizeDiff (target ForceNew only between PSC service attachments)"
)
SRC_GCP_ROUTE = f"{_MM} mmv1/products/compute/Route.yaml{_MM_AT} (immutable: true)"
SRC_GCP_FIREWALL = (
    f"{_MM} mmv1/products/compute/Firewall.yaml{_MM_AT} (update_verb: PATCH; name, direction, "
    "params: immutable)"
)
SRC_GCP_FIREWALL_TF = (
    "hashicorp/terraform-provider-google google/services/compute/resource_compute_firewall.go"
    "@07fc8657 (network: not ForceNew; direction: ForceNew)"
)
SRC_GCP_ALERT = (
    f"{_MM} mmv1/products/monitoring/AlertPolicy.yaml{_MM_AT} (update_verb: PATCH, "
    "update_mask; no immutable field)"
)
#: pulumi-gcp autonames ``name`` (SetAutonaming); a name the program sets is not the
#: autonamer's, so the bridge replaces delete-first: the old resource is gone before the new one.
SRC_GCP_DELETE_FIRST = (
    'pulumi/pulumi-gcp provider/resources.go@ed6078aa (prov.SetAutonaming(255, "-")); '
    "pulumi/pulumi-terraform-bridge pkg/tfbridge/schema.go@d38636cd nameRequiresDeleteBeforeReplace"
)
SRC_GCP_PROVIDER = (
    "pulumi/pulumi-gcp provider/resources.go@ed6078aa (v9.35; Config: no ForcesProviderReplace)"
)

# --------------------------------------------------------------------------- helpers

NO_IMPACT = frozenset({Impact.NO_IMPACT})
_BLIP = Impact.TUNNEL_BLIP
_BOTH = Impact.BOTH_TUNNELS_DOWN
_NEW_IPS = Impact.NEW_PEER_IPS
_PSK = Impact.PSK_ROTATION
_PARITY = Impact.GENESYS_PARITY
_CREATE_ONLY = Impact.AZURE_CREATE_ONLY
_REPLACE = Impact.REPLACE
_DELETE = Impact.DELETE


def _r(
    impacts: Iterable[Impact],
    replaces: bool | None,
    source: str,
    why: str = "",
    *,
    secret: bool = False,
) -> Rule:
    return Rule(frozenset(impacts), replaces, source, why, secret)


def _no_impact(source: str, why: str = "", *, replaces: bool | None = False) -> Rule:
    return _r(NO_IMPACT, replaces, source, why)


_TAGS = _no_impact(SRC_TAGS, "tags only (CreateTags/DeleteTags)")


def _path_param(impacts: Iterable[Impact], what: str) -> Rule:
    """An Azure resource path parameter: part of the resource ID, so a change replaces."""
    return _r(
        impacts, True, SRC_AZN_PATH, f"part of the Azure resource ID ({what}): a new resource"
    )


def _az_location(impacts: Iterable[Impact] = (_CREATE_ONLY,)) -> Rule:
    return _r(
        impacts,
        None,
        SRC_AZN_LOCATION,
        "not in forceNewMap: azure-native may plan an in-place update that ARM refuses "
        f"(InvalidResourceLocation) {VERIFY}",
    )


def _az_body(impacts: Iterable[Impact], why: str, source: str = SRC_AZN_MUTABILITY) -> Rule:
    """An Azure body property outside forceNewMap whose ARM mutability was not read offline."""
    return _r(impacts, None, source, f"{why} {VERIFY}")


def _rows(type_token: str, rows: Mapping[str, Rule]) -> dict[tuple[str, str], Rule]:
    return {(type_token, name): rule for name, rule in rows.items()}


# --------------------------------------------------------------------------- AWS VPN connection

_TUNNEL_OPTION = "in place: ModifyVpnTunnelOptions, once per tunnel: the modified tunnel is unavailable during the update"
_PHASE = f"{_TUNNEL_OPTION}; a must-match IKE/IPsec parameter: Genesys must hold the same value"

_VPN_TUNNEL_ROWS: dict[str, Rule] = {
    "DpdTimeoutAction": _r({_BLIP}, False, SRC_VPN_TUNNEL, _TUNNEL_OPTION),
    "DpdTimeoutSeconds": _r({_BLIP}, False, SRC_VPN_TUNNEL, _TUNNEL_OPTION),
    "EnableTunnelLifecycleControl": _r({_BLIP}, False, SRC_VPN_TUNNEL, _TUNNEL_OPTION),
    "IkeVersions": _r({_BLIP, _PARITY}, False, SRC_VPN_TUNNEL, _PHASE),
    "Phase1DhGroupNumbers": _r({_BLIP, _PARITY}, False, SRC_VPN_TUNNEL, _PHASE),
    "Phase1EncryptionAlgorithms": _r({_BLIP, _PARITY}, False, SRC_VPN_TUNNEL, _PHASE),
    "Phase1IntegrityAlgorithms": _r({_BLIP, _PARITY}, False, SRC_VPN_TUNNEL, _PHASE),
    "Phase2DhGroupNumbers": _r({_BLIP, _PARITY}, False, SRC_VPN_TUNNEL, _PHASE),
    "Phase2EncryptionAlgorithms": _r({_BLIP, _PARITY}, False, SRC_VPN_TUNNEL, _PHASE),
    "Phase2IntegrityAlgorithms": _r({_BLIP, _PARITY}, False, SRC_VPN_TUNNEL, _PHASE),
    "Phase1LifetimeSeconds": _r(
        {_BLIP, _PARITY},
        False,
        f"{SRC_VPN_TUNNEL}; {SRC_AWS_LIFETIMES}",
        f"{_TUNNEL_OPTION}; AWS wants the lifetimes to match the negotiated ones",
    ),
    "Phase2LifetimeSeconds": _r(
        {_BLIP, _PARITY},
        False,
        f"{SRC_VPN_TUNNEL}; {SRC_AWS_LIFETIMES}",
        f"{_TUNNEL_OPTION}; AWS wants the lifetimes to match the negotiated ones",
    ),
    "PresharedKey": _r(
        {_BLIP, _PSK},
        False,
        SRC_VPN_TUNNEL,
        f"{_TUNNEL_OPTION}; phase 1 fails until Genesys holds the new key",
        secret=True,
    ),
    "RekeyFuzzPercentage": _r({_BLIP}, False, SRC_VPN_TUNNEL, _TUNNEL_OPTION),
    "RekeyMarginTimeSeconds": _r({_BLIP}, False, SRC_VPN_TUNNEL, _TUNNEL_OPTION),
    "ReplayWindowSize": _r({_BLIP}, False, SRC_VPN_TUNNEL, _TUNNEL_OPTION),
    "StartupAction": _r({_BLIP}, False, SRC_VPN_TUNNEL, _TUNNEL_OPTION),
    "LogOptions": _r(
        {_BLIP},
        False,
        f"{SRC_VPN_LOGS}; {SRC_VPN_TUNNEL}",
        "in place: ModifyVpnTunnelOptions; AWS: enabling logs on an existing tunnel can "
        "interrupt it for several minutes (one tunnel at a time)",
    ),
    "InsideCidr": _r(
        {_NEW_IPS, _BOTH, _PARITY},
        True,
        SRC_VPN,
        "ForceNew: a new VPN connection with new outside IPs; Genesys must also enter the "
        "new inside range",
    ),
    "InsideIpv6Cidr": _r(
        {_NEW_IPS, _BOTH, _PARITY},
        True,
        SRC_VPN,
        "ForceNew: a new VPN connection with new outside IPs and a new inside range",
    ),
}

_MODIFY_CONNECTION = "in place: ModifyVpnConnection: both tunnels are unavailable while new endpoints are provisioned"
_MODIFY_OPTIONS = (
    "in place: ModifyVpnConnectionOptions: both tunnels are unavailable while new endpoints "
    "are provisioned; the traffic selectors must match Genesys"
)
_NEW_CONNECTION = "ForceNew: a new VPN connection, new tunnel outside IPs (the Genesys peer IPs)"

_VPN_ROWS: dict[str, Rule] = {
    **{f"{TUNNEL}{name}": rule for name, rule in _VPN_TUNNEL_ROWS.items()},
    "customerGatewayId": _r({_BOTH}, False, f"{SRC_VPN}; {SRC_VPN_TARGET}", _MODIFY_CONNECTION),
    "vpnGatewayId": _r({_BOTH}, False, f"{SRC_VPN}; {SRC_VPN_TARGET}", _MODIFY_CONNECTION),
    "transitGatewayId": _r({_BOTH}, False, f"{SRC_VPN}; {SRC_VPN_TARGET}", _MODIFY_CONNECTION),
    "localIpv4NetworkCidr": _r(
        {_BOTH, _PARITY}, False, f"{SRC_VPN}; {SRC_VPN_OPTIONS}", _MODIFY_OPTIONS
    ),
    "remoteIpv4NetworkCidr": _r(
        {_BOTH, _PARITY}, False, f"{SRC_VPN}; {SRC_VPN_OPTIONS}", _MODIFY_OPTIONS
    ),
    "localIpv6NetworkCidr": _r(
        {_BOTH, _PARITY}, False, f"{SRC_VPN}; {SRC_VPN_OPTIONS}", _MODIFY_OPTIONS
    ),
    "remoteIpv6NetworkCidr": _r(
        {_BOTH, _PARITY}, False, f"{SRC_VPN}; {SRC_VPN_OPTIONS}", _MODIFY_OPTIONS
    ),
    "type": _r({_NEW_IPS, _BOTH}, True, SRC_VPN, _NEW_CONNECTION),
    "staticRoutesOnly": _r({_NEW_IPS, _BOTH}, True, SRC_VPN, _NEW_CONNECTION),
    "enableAcceleration": _r({_NEW_IPS, _BOTH}, True, SRC_VPN, _NEW_CONNECTION),
    "tunnelInsideIpVersion": _r({_NEW_IPS, _BOTH}, True, SRC_VPN, _NEW_CONNECTION),
    "outsideIpAddressType": _r(
        {_NEW_IPS, _BOTH},
        None,
        SRC_VPN,
        "neither ForceNew nor handled by Update in the stored provider source: a change may be "
        f"dropped silently or replace the connection {VERIFY}",
    ),
    "transportTransitGatewayAttachmentId": _r(
        {_NEW_IPS, _BOTH},
        None,
        SRC_VPN,
        f"neither ForceNew nor handled by Update in the stored provider source {VERIFY}",
    ),
    "presharedKeyStorage": _r(
        {_BLIP},
        None,
        "https://github.com/hashicorp/terraform-provider-aws/pull/42819",
        f"newer than the stored provider source; reportedly ModifyVpnTunnelOptions {VERIFY}",
    ),
    "tunnelBandwidth": _r(
        {_NEW_IPS, _BOTH},
        None,
        "https://github.com/hashicorp/terraform-provider-aws/issues/47797",
        f"in-place update is an open request: a change likely replaces the connection {VERIFY}",
    ),
    "tags": _TAGS,
    # An output, never an input: the device configuration AWS generates holds both keys.
    "customerGatewayConfiguration": Rule(
        NO_IMPACT,
        False,
        f"{SRC_VPN} (Sensitive, Computed)",
        "an output (the device configuration, with both tunnels' keys): never shown",
        secret=True,
    ),
}

# --------------------------------------------------------------------------- AWS gateways, routes

_CGW_FORCE_NEW = (
    "ForceNew (Update is tags only): a new customer gateway, so the VPN connection's "
    "customerGatewayId changes (ModifyVpnConnection: both tunnels drop)"
)
_CGW_ROWS: dict[str, Rule] = {
    "bgpAsn": _r({_BOTH}, True, f"{SRC_CGW}; {SRC_VPN_TARGET}", _CGW_FORCE_NEW),
    "deviceName": _r(
        {_BOTH},
        True,
        f"{SRC_CGW}; {SRC_VPN_TARGET}",
        f"{_CGW_FORCE_NEW}; the device name is built from the connection name: renaming it replaces",
    ),
    "ipAddress": _r(
        {_BOTH, _PARITY},
        True,
        f"{SRC_CGW}; {SRC_VPN_TARGET}; {SRC_RECONCILE}",
        f"{_CGW_FORCE_NEW}; the Genesys gateway IP must match what Genesys reports",
    ),
    "type": _r({_BOTH}, True, f"{SRC_CGW}; {SRC_VPN_TARGET}", _CGW_FORCE_NEW),
    "certificateArn": _r({_BOTH}, True, f"{SRC_CGW}; {SRC_VPN_TARGET}", _CGW_FORCE_NEW),
    "bgpAsnExtended": _r(
        {_BOTH},
        None,
        SRC_CGW,
        f"newer than the stored provider source (every other input is ForceNew) {VERIFY}",
    ),
    "tags": _TAGS,
}

_VGW_ROWS: dict[str, Rule] = {
    "amazonSideAsn": _r(
        {_BOTH},
        True,
        f"{SRC_VGW}; {SRC_VPN_TARGET}",
        "ForceNew: a new gateway, so the VPN connection's vpnGatewayId changes (both tunnels drop)",
    ),
    "availabilityZone": _r(
        {_BOTH},
        True,
        f"{SRC_VGW}; {SRC_VPN_TARGET}",
        "ForceNew: a new gateway, so the VPN connection's vpnGatewayId changes (both tunnels drop)",
    ),
    "vpcId": _r(
        {_BOTH},
        False,
        SRC_VGW,
        "in place, but as DetachVpnGateway then AttachVpnGateway: the VPC loses the gateway meanwhile",
    ),
    "tags": _TAGS,
}

_VPN_ROUTE_ROWS: dict[str, Rule] = {
    "destinationCidrBlock": _r(
        {_DELETE},
        True,
        SRC_VPN_ROUTE,
        "ForceNew (no Update): the static route is deleted and created; traffic to the old prefix stops",
    ),
    "vpnConnectionId": _r(
        {_DELETE},
        True,
        SRC_VPN_ROUTE,
        "ForceNew: follows a replaced VPN connection; the route is recreated on the new one",
    ),
}

_ROUTE_TARGET = (
    "in place (ReplaceRoute, atomic): the prefix moves to another next hop; if that hop does "
    "not forward yet (appliance down, gateway detached) the prefix's traffic stops"
)
_ROUTE_ROWS: dict[str, Rule] = {
    "destinationCidrBlock": _r(
        {_DELETE}, True, SRC_ROUTE, "ForceNew: the route is deleted and created again"
    ),
    "routeTableId": _r({_DELETE}, True, SRC_ROUTE, "ForceNew: the route moves to another table"),
    "gatewayId": _r({_DELETE}, False, SRC_ROUTE, _ROUTE_TARGET),
    "networkInterfaceId": _r({_DELETE}, False, SRC_ROUTE, _ROUTE_TARGET),
    "transitGatewayId": _r({_DELETE}, False, SRC_ROUTE, _ROUTE_TARGET),
}

_ROUTE_TABLE_ROWS: dict[str, Rule] = {
    "vpcId": _r(
        {_DELETE},
        None,
        SRC_PROGRAM_AWS,
        f"a table of another VPC: its routes and association are recreated {VERIFY}",
    ),
    "tags": _TAGS,
}

_RTA_ROWS: dict[str, Rule] = {
    "routeTableId": _r(
        {_DELETE},
        False,
        SRC_RTA,
        "in place (ReplaceRouteTableAssociation): the subnet or gateway edge follows other routes",
    ),
    "gatewayId": _r(
        {_DELETE},
        True,
        SRC_RTA,
        "ForceNew: the edge association is removed and made again; inbound traffic meanwhile "
        "bypasses the appliance or finds no route",
    ),
    "subnetId": _r(
        {_DELETE},
        None,
        SRC_RTA,
        f"the appliance subnet's association is removed and made again {VERIFY}",
    ),
}

_SUBNET_ROWS: dict[str, Rule] = {
    "availabilityZone": _r(
        {_BOTH},
        None,
        SRC_PROGRAM_AWS,
        f"a new appliance subnet replaces the MSS appliance with it (subnetId) {VERIFY}",
    ),
    "cidrBlock": _r(
        {_BOTH},
        None,
        SRC_PROGRAM_AWS,
        f"a new appliance subnet replaces the MSS appliance with it (subnetId) {VERIFY}",
    ),
    "vpcId": _r(
        {_BOTH},
        None,
        SRC_PROGRAM_AWS,
        f"a new appliance subnet replaces the MSS appliance with it (subnetId) {VERIFY}",
    ),
    "mapPublicIpOnLaunch": _no_impact(
        SRC_PROGRAM_AWS,
        f"only for instances launched later; the appliance has no public IP {VERIFY}",
        replaces=None,
    ),
    "tags": _TAGS,
}

_SG_ROWS: dict[str, Rule] = {
    "description": _r(
        {_REPLACE}, True, SRC_SDK_SG, "no Update API: a new group, swapped on the appliance"
    ),
    "name": _r(
        {_REPLACE}, None, SRC_PROGRAM_AWS, f"a new group, swapped on the appliance {VERIFY}"
    ),
    "vpcId": _r({_REPLACE}, None, SRC_PROGRAM_AWS, f"a new group in another VPC {VERIFY}"),
    "ingress": _r(
        {_DELETE},
        None,
        SRC_PROGRAM_AWS,
        f"what the appliance accepts: a removed entry stops that forwarded traffic {VERIFY}",
    ),
    "egress": _r(
        {_DELETE},
        None,
        SRC_PROGRAM_AWS,
        f"what the appliance sends: a removed entry stops that forwarded traffic {VERIFY}",
    ),
    "tags": _TAGS,
}

_SG_RULE_FORCE_NEW = (
    "ForceNew: a new rule is authorised and the old one revoked; traffic the old rule allowed "
    "(port, prefix) stops"
)
_SG_RULE_ROWS: dict[str, Rule] = {
    "cidrBlocks": _r({_DELETE}, True, SRC_SG_RULE, _SG_RULE_FORCE_NEW),
    "fromPort": _r({_DELETE}, True, SRC_SG_RULE, _SG_RULE_FORCE_NEW),
    "toPort": _r({_DELETE}, True, SRC_SG_RULE, _SG_RULE_FORCE_NEW),
    "protocol": _r({_DELETE}, True, SRC_SG_RULE, _SG_RULE_FORCE_NEW),
    "securityGroupId": _r({_DELETE}, True, SRC_SG_RULE, _SG_RULE_FORCE_NEW),
    "type": _r({_DELETE}, True, SRC_SG_RULE, _SG_RULE_FORCE_NEW),
    "ipv6CidrBlocks": _r({_DELETE}, True, SRC_SG_RULE, _SG_RULE_FORCE_NEW),
    "prefixListIds": _r({_DELETE}, True, SRC_SG_RULE, _SG_RULE_FORCE_NEW),
    "self": _r({_DELETE}, True, SRC_SG_RULE, _SG_RULE_FORCE_NEW),
    "sourceSecurityGroupId": _r({_DELETE}, True, SRC_SG_RULE, _SG_RULE_FORCE_NEW),
    "description": _no_impact(
        SRC_SG_RULE, "in place: UpdateSecurityGroupRuleDescriptions*; the rule itself stays"
    ),
}

_APPLIANCE = (
    "the MSS appliance carries all Genesys traffic when clamping is on: while it is replaced "
    "or stopped the data path is down although the IPsec tunnels stay up"
)
_INSTANCE_ROWS: dict[str, Rule] = {
    "userData": _r(
        {_BOTH},
        True,
        f"{SRC_SDK_INSTANCE}; {SRC_PROGRAM_AWS} (user_data_replace_on_change=True)",
        f"the clamp changes (MSS, Genesys CIDRs): the instance is destroyed and recreated; {_APPLIANCE}",
    ),
    "userDataReplaceOnChange": _no_impact(
        SRC_SDK_INSTANCE,
        f"a provider-side switch; nothing changes on the instance {VERIFY}",
        replaces=None,
    ),
    "instanceType": _r(
        {_BOTH},
        False,
        SRC_SDK_INSTANCE,
        f"in place, but the instance is stopped and started; {_APPLIANCE}",
    ),
    "ami": _r(
        {_BOTH},
        None,
        f"{SRC_PROGRAM_AWS} (ignore_changes=['ami'])",
        f"ignored by the program: a newer Debian image never shows up; a forced change would "
        f"recreate the appliance {VERIFY}",
    ),
    "subnetId": _r(
        {_BOTH},
        None,
        SRC_PROGRAM_AWS,
        f"another subnet means a new instance; {_APPLIANCE} {VERIFY}",
    ),
    "sourceDestCheck": _r(
        {_BOTH},
        None,
        SRC_PROGRAM_AWS,
        f"turned on, the appliance drops the traffic it forwards; {_APPLIANCE} {VERIFY}",
    ),
    "vpcSecurityGroupIds": _r(
        {_DELETE},
        None,
        SRC_PROGRAM_AWS,
        f"the groups that admit forwarded traffic: a removed group stops it {VERIFY}",
    ),
    "metadataOptions": _no_impact(
        SRC_PROGRAM_AWS, f"instance metadata service settings only {VERIFY}", replaces=None
    ),
    "tags": _TAGS,
}

_LOG_GROUP_ROWS: dict[str, Rule] = {
    "name": _r(
        {_BLIP},
        None,
        f"{SRC_PROGRAM_AWS}; {SRC_VPN_LOGS}",
        "a new log group: both tunnels' logOptions (log group ARN) change, ModifyVpnTunnelOptions "
        f"per tunnel, one after the other {VERIFY}",
    ),
    "retentionInDays": _no_impact(
        SRC_PROGRAM_AWS, f"how long logs are kept; the tunnels log on {VERIFY}", replaces=None
    ),
    "tags": _TAGS,
}

_ALARM = "monitoring only: the tunnels are not touched"
_ALARM_FAILOVER = (
    "monitoring; with Route 53 failover the alarm gates the health check (insufficient data "
    "counts as unhealthy), so a new or re-evaluated alarm can fail the record over"
)
_ALARM_ROWS: dict[str, Rule] = {
    "name": _r({_REPLACE}, None, SRC_PROGRAM_AWS, f"a new alarm: {_ALARM_FAILOVER} {VERIFY}"),
    **{
        name: _no_impact(
            SRC_PROGRAM_AWS, f"PutMetricAlarm overwrites it: {_ALARM} {VERIFY}", replaces=None
        )
        for name in (
            "alarmActions",
            "alarmDescription",
            "comparisonOperator",
            "evaluationPeriods",
            "metricName",
            "namespace",
            "okActions",
            "period",
            "statistic",
            "threshold",
            "treatMissingData",
        )
    },
    "dimensions": _no_impact(
        SRC_PROGRAM_AWS,
        f"which tunnel or connection is watched (follows a replaced VPN connection): {_ALARM_FAILOVER} {VERIFY}",
        replaces=None,
    ),
    "tags": _TAGS,
}

_TGW_ROUTE_ROWS: dict[str, Rule] = {
    name: _r(
        {_DELETE},
        True,
        SRC_TGW_ROUTE,
        "ForceNew (no Update): the transit gateway route is deleted and created; the prefix has "
        "no route meanwhile",
    )
    for name in (
        "destinationCidrBlock",
        "transitGatewayAttachmentId",
        "transitGatewayRouteTableId",
        "blackhole",
    )
}

_TGW_ASSOC_ROWS: dict[str, Rule] = {
    "transitGatewayAttachmentId": _r(
        {_DELETE},
        True,
        SRC_TGW_ASSOC,
        "ForceNew: follows a replaced VPN connection; traffic from Genesys has no route table until associated",
    ),
    "transitGatewayRouteTableId": _r(
        {_DELETE},
        True,
        SRC_TGW_ASSOC,
        "ForceNew: disassociated and associated again; traffic from Genesys has no routes meanwhile",
    ),
    "replaceExistingAssociation": _no_impact(
        SRC_TGW_ASSOC, "Update is a no-op: read only when the association is created"
    ),
}

_TGW_PROP_ROWS: dict[str, Rule] = {
    name: _r(
        {_DELETE},
        True,
        SRC_TGW_PROP,
        "ForceNew (no Update): the VPC routes leave the VPN attachment's table, then come back",
    )
    for name in ("transitGatewayAttachmentId", "transitGatewayRouteTableId")
}

_HEALTH_IN_PLACE = "in place (no ForceNew): decides the failover only; the tunnels are not touched"
_HEALTH_ROWS: dict[str, Rule] = {
    "type": _r(
        {_REPLACE},
        None,
        SRC_HEALTH,
        f"a new health check: the record's healthCheckId changes {VERIFY}",
    ),
    "cloudwatchAlarmName": _no_impact(SRC_HEALTH, _HEALTH_IN_PLACE),
    "cloudwatchAlarmRegion": _no_impact(SRC_HEALTH, _HEALTH_IN_PLACE),
    "insufficientDataHealthStatus": _no_impact(SRC_HEALTH, _HEALTH_IN_PLACE),
    "childHealthchecks": _no_impact(SRC_HEALTH, _HEALTH_IN_PLACE),
    "childHealthThreshold": _no_impact(SRC_HEALTH, _HEALTH_IN_PLACE),
    "tags": _TAGS,
}

_ANSWER = (
    "the answer Genesys resolves changes: after the TTL its calls stop reaching the old "
    "address or record"
)
_RECORD_ROWS: dict[str, Rule] = {
    "name": _r({_DELETE}, True, SRC_RECORD, f"ForceNew: a new record; {_ANSWER}"),
    "zoneId": _r({_DELETE}, True, SRC_RECORD, f"ForceNew: a record in another zone; {_ANSWER}"),
    "records": _r({_DELETE}, False, SRC_RECORD, f"in place (UPSERT); {_ANSWER}"),
    "type": _r({_DELETE}, False, SRC_RECORD, f"in place (UPSERT); {_ANSWER}"),
    "setIdentifier": _r({_DELETE}, False, SRC_RECORD, f"in place (UPSERT); {_ANSWER}"),
    "failoverRoutingPolicies": _r(
        {_DELETE}, False, SRC_RECORD, f"in place: PRIMARY/SECONDARY swap; {_ANSWER}"
    ),
    "healthCheckId": _no_impact(SRC_RECORD, "in place: which health check gates the record"),
    "ttl": _no_impact(SRC_RECORD, "in place: how long resolvers cache the answer"),
}

# --------------------------------------------------------------------------- Azure

_CONN_RESET = "the Azure connection carries every tunnel of the attachment"
_AZ_CONNECTION_ROWS: dict[str, Rule] = {
    "resourceGroupName": _path_param({_BOTH}, "resource group"),
    "virtualNetworkGatewayConnectionName": _path_param({_BOTH}, "connection name"),
    "location": _az_location(),
    "connectionProtocol": _az_body(
        {_CREATE_ONLY, _BOTH, _PARITY},
        "ForceNew in azurerm (ARM treats it as create-only), not in azure-native's forceNewMap: "
        "an update ARM may refuse at apply; the IKE version must match Genesys",
        f"{SRC_AZURERM_CONN}; {SRC_AZN_FORCENEW}",
    ),
    "connectionMode": _az_body(
        {_CREATE_ONLY},
        "ForceNew in azurerm, not in azure-native's forceNewMap: an update ARM may refuse at apply",
        f"{SRC_AZURERM_CONN}; {SRC_AZN_FORCENEW}",
    ),
    "dpdTimeoutSeconds": _az_body(
        {_CREATE_ONLY},
        "ForceNew in azurerm, not in azure-native's forceNewMap: an update ARM may refuse at apply",
        f"{SRC_AZURERM_CONN}; {SRC_AZN_FORCENEW}",
    ),
    "connectionType": _az_body(
        {_CREATE_ONLY, _BOTH},
        "ForceNew in azurerm (type), not in azure-native's forceNewMap",
        f"{SRC_AZURERM_CONN}; {SRC_AZN_FORCENEW}",
    ),
    "virtualNetworkGateway1": _az_body(
        {_CREATE_ONLY, _BOTH},
        "ForceNew in azurerm (virtual_network_gateway_id): changes only with a new gateway",
        f"{SRC_AZURERM_CONN}; {SRC_AZN_FORCENEW}",
    ),
    "localNetworkGateway2": _az_body(
        {_BOTH},
        f"in place in azurerm: the connection moves to another local network gateway; {_CONN_RESET}",
        SRC_AZURERM_CONN,
    ),
    "sharedKey": _r(
        {_PSK, _BOTH},
        None,
        SRC_AZURERM_CONN,
        "in place in azurerm (SetSharedKey); one key for the whole connection: every tunnel "
        "fails until Genesys holds it. Whether an up connection resets at once is not "
        f"documented {VERIFY}",
        secret=True,
    ),
    "ipsecPolicies": _az_body(
        {_BOTH, _PARITY},
        "in place in azurerm; the IKE/IPsec proposal must match Genesys; whether the update "
        "resets an up connection is not documented (assumed)",
        SRC_AZURERM_CONN,
    ),
    "trafficSelectorPolicies": _az_body(
        {_BOTH, _PARITY},
        "in place in azurerm; the selectors Azure proposes must match Genesys' networks",
        SRC_AZURERM_CONN,
    ),
    "usePolicyBasedTrafficSelectors": _az_body(
        {_BOTH, _PARITY},
        "in place in azurerm; switches between any-to-any and the custom selectors",
        SRC_AZURERM_CONN,
    ),
    "enableBgp": _az_body(
        {_BOTH},
        f"in place in azurerm; static routing becomes BGP (or back); {_CONN_RESET}",
        SRC_AZURERM_CONN,
    ),
}

_AZ_GATEWAY_ROWS: dict[str, Rule] = {
    "resourceGroupName": _path_param({_BOTH}, "resource group"),
    "virtualNetworkGatewayName": _path_param({_BOTH}, "gateway name"),
    "location": _az_location({_CREATE_ONLY, _BOTH}),
    "gatewayType": _az_body(
        {_CREATE_ONLY, _BOTH},
        "ForceNew in azurerm (type), not in azure-native's forceNewMap",
        f"{SRC_AZURERM_VNG}; {SRC_AZN_FORCENEW}",
    ),
    "vpnType": _az_body(
        {_CREATE_ONLY, _BOTH},
        "ForceNew in azurerm, not in azure-native's forceNewMap",
        f"{SRC_AZURERM_VNG}; {SRC_AZN_FORCENEW}",
    ),
    "vpnGatewayGeneration": _az_body(
        {_CREATE_ONLY, _BOTH},
        "ForceNew in azurerm (generation); the program ignores changes of it (ignore_changes)",
        f"{SRC_AZURERM_VNG}; {SRC_PROGRAM_AZURE}",
    ),
    "sku": _az_body(
        {_BOTH},
        "in place in azurerm within a generation (a resize); downtime during the resize assumed",
        SRC_AZURERM_VNG,
    ),
    "activeActive": _az_body(
        {_BOTH, _PARITY},
        "in place in azurerm; adds or removes the second instance's tunnel (and its public IP): "
        "Genesys must add or remove that connection",
        SRC_AZURERM_VNG,
    ),
    "enableBgp": _az_body(
        {_BOTH}, "in place in azurerm; routing mode of the gateway", SRC_AZURERM_VNG
    ),
    "ipConfigurations": _az_body(
        {_NEW_IPS, _BOTH},
        "which public IPs and subnet the gateway uses: another public IP is another Genesys peer IP",
        SRC_AZURERM_VNG,
    ),
}

_LNG_CHANGE = (
    "in place in azurerm; Microsoft: changing a local network gateway that has a connection may "
    "cause tunnel disconnects and downtime"
)
_AZ_LOCAL_GATEWAY_ROWS: dict[str, Rule] = {
    "resourceGroupName": _path_param({_BOTH}, "resource group"),
    "localNetworkGatewayName": _path_param({_BOTH}, "local network gateway name"),
    "location": _az_location({_CREATE_ONLY, _BOTH}),
    "gatewayIpAddress": _az_body(
        {_BOTH, _PARITY},
        f"{_LNG_CHANGE}; the Genesys gateway IP must match what Genesys reports",
        f"{SRC_AZ_LNG}; {SRC_RECONCILE}",
    ),
    "localNetworkAddressSpace": _az_body(
        {_BOTH, _PARITY},
        f"{_LNG_CHANGE}; the Genesys tenant CIDRs: Genesys' own networks must match",
        f"{SRC_AZ_LNG}; {SRC_RECONCILE}",
    ),
}

_NEW_IP = "a new public IP resource: a new address, the Genesys peer IP of that tunnel"
_AZ_PUBLIC_IP_ROWS: dict[str, Rule] = {
    "resourceGroupName": _path_param({_NEW_IPS, _BOTH}, "resource group"),
    "publicIpAddressName": _path_param({_NEW_IPS, _BOTH}, "public IP name"),
    "location": _r({_NEW_IPS, _BOTH}, True, SRC_AZN_FORCENEW, f"in forceNewMap: {_NEW_IP}"),
    "sku": _r({_NEW_IPS, _BOTH}, True, SRC_AZN_FORCENEW, f"in forceNewMap: {_NEW_IP}"),
    "publicIPAddressVersion": _r(
        {_NEW_IPS, _BOTH}, True, SRC_AZN_FORCENEW, f"in forceNewMap: {_NEW_IP}"
    ),
    "publicIPPrefix": _r({_NEW_IPS, _BOTH}, True, SRC_AZN_FORCENEW, f"in forceNewMap: {_NEW_IP}"),
    "publicIPAllocationMethod": _az_body(
        {_CREATE_ONLY, _NEW_IPS},
        "a Standard IP must stay Static: ARM refuses the change, or the address changes",
    ),
    "zones": _az_body(
        {_CREATE_ONLY, _NEW_IPS},
        "not in forceNewMap; zones of an IP are fixed at creation in ARM: refused, or a new address",
    ),
}

_AZ_SUBNET_ROWS: dict[str, Rule] = {
    "resourceGroupName": _path_param({_BOTH}, "resource group"),
    "virtualNetworkName": _path_param({_BOTH}, "virtual network"),
    "subnetName": _path_param({_BOTH}, "subnet name"),
    "addressPrefix": _az_body(
        {_CREATE_ONLY},
        "Subnet is in forceNewMap with no force-new property: an update that ARM refuses while "
        "the gateway or the appliance is in the subnet",
        f"{SRC_AZN_FORCENEW}; {SRC_AZN_MUTABILITY}",
    ),
    "defaultOutboundAccess": _az_body(
        {_CREATE_ONLY},
        "the appliance subnet: an update ARM may refuse while the appliance is in it",
    ),
    "routeTable": _az_body(
        {_DELETE},
        "the GatewaySubnet's route table (inbound through the appliance): removed, Genesys-initiated "
        "SYNs are no longer clamped; changed, traffic follows other routes",
    ),
    "privateEndpointNetworkPolicies": _no_impact(
        SRC_AZN_MUTABILITY, f"SDK default; no VPN traffic depends on it {VERIFY}", replaces=None
    ),
    "privateLinkServiceNetworkPolicies": _no_impact(
        SRC_AZN_MUTABILITY, f"SDK default; no VPN traffic depends on it {VERIFY}", replaces=None
    ),
}

_NSG = "the NSG rule admits Genesys to the application: traffic it allowed before may stop"
_AZ_SECURITY_RULE_ROWS: dict[str, Rule] = {
    "resourceGroupName": _path_param({_DELETE}, "resource group"),
    "networkSecurityGroupName": _path_param({_DELETE}, "network security group"),
    "securityRuleName": _path_param({_DELETE}, "rule name"),
    **{
        name: _az_body({_DELETE}, f"an update of the rule (PUT); {_NSG}")
        for name in (
            "access",
            "destinationAddressPrefixes",
            "destinationPortRange",
            "direction",
            "priority",
            "protocol",
            "sourceAddressPrefixes",
            "sourcePortRange",
        )
    },
    "description": _no_impact(SRC_AZN_MUTABILITY, f"text only {VERIFY}", replaces=None),
}

_AZ_ROUTE_TABLE_ROWS: dict[str, Rule] = {
    "resourceGroupName": _path_param({_DELETE}, "resource group"),
    "routeTableName": _path_param({_DELETE}, "route table name"),
    "location": _az_location({_CREATE_ONLY, _DELETE}),
    "routes": _az_body(
        {_DELETE},
        "the routes through the MSS appliance: a removed route sends that prefix elsewhere",
    ),
    "disableBgpRoutePropagation": _az_body(
        {_DELETE},
        "the GatewaySubnet table must keep propagation on (Azure refuses otherwise)",
        f"{SRC_AZN_MUTABILITY}; {SRC_PROGRAM_AZURE}",
    ),
}

_AZ_APPLIANCE = (
    "the MSS appliance VM carries all Genesys traffic when clamping is on: while it is "
    "replaced or restarted the data path is down although the tunnels stay up"
)
_AZ_NIC_ROWS: dict[str, Rule] = {
    "resourceGroupName": _path_param({_BOTH}, "resource group"),
    "networkInterfaceName": _path_param({_BOTH}, "NIC name"),
    "location": _az_location({_CREATE_ONLY, _BOTH}),
    "enableIPForwarding": _az_body(
        {_BOTH}, f"off, the appliance forwards nothing; {_AZ_APPLIANCE}"
    ),
    "enableAcceleratedNetworking": _az_body(
        {_BOTH}, f"required by the VM size; a change needs the VM stopped; {_AZ_APPLIANCE}"
    ),
    "ipConfigurations": _az_body(
        {_BOTH}, f"the static address every route points to; {_AZ_APPLIANCE}"
    ),
}

_AZ_VM_ROWS: dict[str, Rule] = {
    "resourceGroupName": _path_param({_BOTH}, "resource group"),
    "vmName": _path_param({_BOTH}, "VM name"),
    "location": _az_location({_CREATE_ONLY, _BOTH}),
    "osProfile": _r(
        {_BOTH, _CREATE_ONLY},
        None,
        f"{SRC_PROGRAM_AZURE} (replace_on_changes=['osProfile.customData'], delete_before_replace)",
        "osProfile.customData (the clamp) replaces the VM, old one deleted first; the other "
        f"osProfile fields are create-only in ARM; {_AZ_APPLIANCE}. Holds the generated admin "
        f"password: never shown {VERIFY}",
        secret=True,
    ),
    "hardwareProfile": _az_body({_BOTH}, f"a resize restarts the VM; {_AZ_APPLIANCE}"),
    "storageProfile": _az_body(
        {_CREATE_ONLY, _BOTH}, f"image and OS disk are fixed at creation; {_AZ_APPLIANCE}"
    ),
    "networkProfile": _az_body({_BOTH}, f"the NIC the routes point to; {_AZ_APPLIANCE}"),
}

# --------------------------------------------------------------------------- Google Cloud

_DELETE_FIRST = (
    "the program names it, so the replacement is delete-first (pulumi-gcp autonames, the bridge "
    "deletes before it creates a resource it did not name)"
)


def _gcp_labels(source: str) -> Rule:
    return _no_impact(
        f"{source}; {SRC_GCP_FORCE_NEW}",
        "labels only: in place (setLabels), the resource itself stays",
    )


#: ``labels`` comes back as these outputs; pulumi-gcp keeps them secret (additional_secret_outputs).
_GCP_LABEL_OUTPUTS: dict[str, Rule] = {
    name: Rule(
        NO_IMPACT,
        False,
        f"{SRC_GCP_FORCE_NEW}; pulumi_gcp 10.2.0 compute/address.py (additional_secret_outputs)",
        "an output (the labels as GCP holds them): follows labels; Pulumi keeps it secret",
        secret=True,
    )
    for name in ("effectiveLabels", "pulumiLabels")
}
_GCP_ADDRESS_NEW = (
    "ForceNew (Address is immutable, labels aside): the address is released and another one "
    f"reserved, a new external IP, the Genesys peer IP ({_DELETE_FIRST}); the three forwarding "
    "rules are replaced with it (ipAddress ForceNew): the tunnel is down until Genesys takes "
    "the new IP"
)
_GCP_ADDRESS_ROWS: dict[str, Rule] = {
    **{
        name: _r(
            {_NEW_IPS, _BOTH}, True, f"{SRC_GCP_ADDRESS}; {SRC_GCP_FORCE_NEW}", _GCP_ADDRESS_NEW
        )
        for name in ("name", "region", "addressType", "networkTier", "description")
    },
    "project": _r({_NEW_IPS, _BOTH}, True, SRC_GCP_PROJECT, _GCP_ADDRESS_NEW),
    "labels": _gcp_labels(SRC_GCP_ADDRESS),
    **_GCP_LABEL_OUTPUTS,
}

_GCP_GATEWAY_NEW = (
    "ForceNew (the Classic target VPN gateway is immutable): a new gateway "
    f"({_DELETE_FIRST}); the tunnel is replaced with it (targetVpnGateway ForceNew) and the "
    "routes through the tunnel follow: the attachment's tunnel is down until IKE is up on the "
    "new one. The address, the Genesys peer IP, stays"
)
_GCP_GATEWAY_ROWS: dict[str, Rule] = {
    **{
        name: _r({_BOTH}, True, f"{SRC_GCP_GATEWAY}; {SRC_GCP_FORCE_NEW}", _GCP_GATEWAY_NEW)
        for name in ("name", "network", "region", "description")
    },
    "project": _r({_BOTH}, True, SRC_GCP_PROJECT, _GCP_GATEWAY_NEW),
}

_GCP_FR_NEW = (
    "ForceNew: the forwarding rule is deleted and created again "
    f"({_DELETE_FIRST}); while it is missing, ESP, IKE (UDP 500) or NAT-T (UDP 4500) to the "
    "gateway has no path: assume the tunnel drops"
)
_GCP_FR_ROWS: dict[str, Rule] = {
    **{
        name: _r({_BOTH}, True, f"{SRC_GCP_FR}; {SRC_GCP_FORCE_NEW}", _GCP_FR_NEW)
        for name in ("name", "region", "ipProtocol", "portRange", "networkTier", "description")
    },
    "project": _r({_BOTH}, True, SRC_GCP_PROJECT, _GCP_FR_NEW),
    "ipAddress": _r(
        {_NEW_IPS, _BOTH},
        True,
        f"{SRC_GCP_FR}; {SRC_GCP_FORCE_NEW}",
        f"{_GCP_FR_NEW}. It changes only with a new address: a new Genesys peer IP",
    ),
    "target": _r(
        {_BOTH},
        False,
        f"{SRC_GCP_FR}; {SRC_GCP_FR_DIFF}",
        "in place (setTarget): the address's ESP/IKE/NAT-T traffic goes to another gateway; the "
        "tunnel on the old gateway stops, the new gateway's tunnel has to come up",
    ),
    "labels": _gcp_labels(SRC_GCP_FR),
    **_GCP_LABEL_OUTPUTS,
}

_GCP_TUNNEL_NEW = (
    "ForceNew (the whole VpnTunnel is immutable, labels aside): the tunnel is deleted and "
    f"created again ({_DELETE_FIRST}) and the routes through it follow (nextHopVpnTunnel "
    "ForceNew); the attachment's only tunnel is down until IKE is up again (the standby "
    "attachment's tunnel, if any, carries the traffic meanwhile)"
)
_GCP_TUNNEL_SRC = f"{SRC_GCP_TUNNEL}; {SRC_GCP_FORCE_NEW}; {SRC_GCP_TUNNEL_TF}"
_GCP_TUNNEL_ROWS: dict[str, Rule] = {
    **{
        name: _r({_BOTH}, True, _GCP_TUNNEL_SRC, _GCP_TUNNEL_NEW)
        for name in ("name", "region", "description", "targetVpnGateway")
    },
    "project": _r({_BOTH}, True, SRC_GCP_PROJECT, _GCP_TUNNEL_NEW),
    "peerIp": _r(
        {_BOTH, _PARITY},
        True,
        f"{_GCP_TUNNEL_SRC}; {SRC_RECONCILE}",
        f"{_GCP_TUNNEL_NEW}; the Genesys gateway IP must match what Genesys reports",
    ),
    **{
        name: _r(
            {_BOTH, _PARITY},
            True,
            _GCP_TUNNEL_SRC,
            f"{_GCP_TUNNEL_NEW}; a must-match IKE/IPsec parameter: Genesys must hold the same value",
        )
        for name in ("ikeVersion", "cipherSuite", "localTrafficSelectors", "remoteTrafficSelectors")
    },
    "sharedSecret": _r(
        {_BOTH, _PSK},
        True,
        _GCP_TUNNEL_SRC,
        f"{_GCP_TUNNEL_NEW}; phase 1 fails until Genesys holds the new key",
        secret=True,
    ),
    "sharedSecretWo": _r(
        {_BOTH, _PSK},
        None,
        SRC_GCP_WRITE_ONLY,
        "a write-only key (the program sets sharedSecret instead): not kept by the provider and "
        f"not ForceNew; a new value takes effect with a new sharedSecretWoVersion {VERIFY}",
        secret=True,
    ),
    "sharedSecretWoVersion": _r(
        {_BOTH, _PSK},
        True,
        SRC_GCP_WRITE_ONLY,
        f"{_GCP_TUNNEL_NEW}; the write-only key is sent again: Genesys must hold it",
    ),
    "labels": _gcp_labels(SRC_GCP_TUNNEL),
    **_GCP_LABEL_OUTPUTS,
}

_GCP_ROUTE_NEW = (
    "ForceNew (routes cannot be updated): the route is deleted and created again "
    f"({_DELETE_FIRST}); meanwhile the Genesys prefix takes the standby's route (a higher "
    "priority number) or has none"
)
_GCP_ROUTE_ROWS: dict[str, Rule] = {
    **{
        name: _r({_DELETE}, True, f"{SRC_GCP_ROUTE}; {SRC_GCP_FORCE_NEW}", _GCP_ROUTE_NEW)
        for name in (
            "name",
            "network",
            "destRange",
            "nextHopVpnTunnel",
            "priority",
            "tags",
            "description",
        )
    },
    "project": _r({_DELETE}, True, SRC_GCP_PROJECT, _GCP_ROUTE_NEW),
}

_GCP_FW = (
    "the ingress allow rule admits Genesys to the application (VPC firewalls deny ingress "
    "by default): traffic it allowed before may stop"
)
_GCP_FW_NEW = f"ForceNew: the rule is deleted and created again ({_DELETE_FIRST}); {_GCP_FW}"
_GCP_FIREWALL_ROWS: dict[str, Rule] = {
    "name": _r({_DELETE}, True, f"{SRC_GCP_FIREWALL}; {SRC_GCP_FIREWALL_TF}", _GCP_FW_NEW),
    "direction": _r({_DELETE}, True, f"{SRC_GCP_FIREWALL}; {SRC_GCP_FIREWALL_TF}", _GCP_FW_NEW),
    "project": _r({_DELETE}, True, SRC_GCP_PROJECT, _GCP_FW_NEW),
    "network": _r(
        {_DELETE},
        False,
        f"{SRC_GCP_FIREWALL}; {SRC_GCP_FIREWALL_TF}",
        f"not ForceNew: planned as an in-place PATCH to another network; {_GCP_FW}",
    ),
    **{
        name: _r(
            {_DELETE},
            False,
            f"{SRC_GCP_FIREWALL}; {SRC_GCP_FIREWALL_TF}",
            f"in place (PATCH); {_GCP_FW}",
        )
        for name in ("allows", "sourceRanges", "destinationRanges", "targetTags", "priority")
    },
    "description": _no_impact(
        f"{SRC_GCP_FIREWALL}; {SRC_GCP_FIREWALL_TF}", "in place (PATCH): text only"
    ),
}

_GCP_ALERT = "monitoring only: the tunnel is not touched"
_GCP_ALERT_ROWS: dict[str, Rule] = {
    **{
        name: _no_impact(SRC_GCP_ALERT, f"in place (PATCH, update mask): {_GCP_ALERT}")
        for name in (
            "displayName",
            "combiner",
            "conditions",
            "notificationChannels",
            "userLabels",
            "documentation",
        )
    },
    "project": _no_impact(
        SRC_GCP_PROJECT,
        f"ForceNew: a new policy in the other project; {_GCP_ALERT}",
        replaces=True,
    ),
}

_PROVIDER_GCP_ROWS: dict[str, Rule] = {
    "project": _r(
        {_NEW_IPS, _BOTH},
        False,
        f"{SRC_GCP_PROVIDER}; {SRC_BRIDGE_CONFIG}; {SRC_GCP_PROJECT}",
        "the provider is updated, never replaced; but a resource whose inputs name no project "
        "(iaas.gcp.project unset) takes the new default (DefaultProviderProject) and project is "
        "ForceNew: every such resource is recreated in the other project, with a new peer IP",
    ),
    "region": _no_impact(
        f"{SRC_GCP_PROVIDER}; {SRC_BRIDGE_CONFIG}; {SRC_PROGRAM_GCP}",
        "the program sets region on every regional resource; routes and firewall rules are global",
    ),
    "zone": _no_impact(
        f"{SRC_GCP_PROVIDER}; {SRC_BRIDGE_CONFIG}", "the program creates no zonal resource"
    ),
    "version": _no_impact(SRC_BRIDGE_CONFIG, "the plugin version: resources are not replaced"),
}

# --------------------------------------------------------------------------- random, Genesys, providers

_NEW_PASSWORD = (
    "RequiresReplace: a new random value. For a generated PSK (tunnel-psk, tunnel-standby-psk) "
    "that rotates tunnel{n}PresharedKey (AWS), sharedKey (Azure) or sharedSecret (Google Cloud: "
    "ForceNew, a new tunnel); Genesys must take the new key"
)
_RANDOM_ROWS: dict[str, Rule] = {
    **{
        name: _r({_PSK}, True, SRC_RANDOM, _NEW_PASSWORD)
        for name in (
            "keepers",
            "length",
            "lower",
            "minLower",
            "minNumeric",
            "minSpecial",
            "minUpper",
            "number",
            "numeric",
            "special",
            "upper",
        )
    },
    "overrideSpecial": _r(
        {_PSK}, True, SRC_RANDOM, f"{_NEW_PASSWORD} (except from an empty string to null)"
    ),
    "bcryptHash": Rule(
        frozenset({_PSK}),
        False,
        f"{SRC_RANDOM} (bcrypt_hash: Computed, Sensitive)",
        "a hash of the generated value (an output): it changes only with a replacement",
        secret=True,
    ),
    "result": Rule(
        frozenset({_PSK}),
        False,
        f"{SRC_RANDOM} (result: Computed, Sensitive)",
        "the generated value (an output): it changes only with a replacement",
        secret=True,
    ),
}

_RECORD_UPDATE = (
    "diff() compares the live Genesys record with the inputs and updates it in place (PUT); "
    "the program writes the Genesys side itself (manage mode): no manual Genesys step"
)
_GENESYS_ROWS: dict[str, Rule] = {
    "record": _r(
        {_BLIP},
        False,
        SRC_MANAGE,
        f"{_RECORD_UPDATE}. A record is one Genesys connection (one tunnel); whether Genesys "
        "restarts it on an update is not documented (assumed). Replaced only when Genesys lost "
        "the connection (NotFound)",
    ),
    "preSharedKey": _r(
        {_BLIP, _PSK},
        False,
        SRC_MANAGE,
        f"a new key is a change (digest of the key last written): updated in place; {_RECORD_UPDATE}",
        secret=True,
    ),
    "gatewayIp": _no_impact(
        SRC_MANAGE,
        "Genesys' own address (read-only): a difference is reported, never written; the cloud "
        "side's rows (customer / local network gateway) carry the change",
    ),
    "role": _no_impact(
        SRC_MANAGE, "labels the findings; a write follows only if the record differs"
    ),
    "provider": _no_impact(
        SRC_MANAGE,
        "picks the vendor profile the reconciler compares with; a write follows only if the record differs",
    ),
    "paths": _no_impact(SRC_MANAGE, "spec paths quoted in findings"),
    "api": _r(
        {_REPLACE},
        None,
        SRC_MANAGE,
        "how the provider reaches Genesys (base URL, paths, client id, timeout): diff() reads the "
        "record by id through the new address; an organisation or region that does not know the id "
        f"answers NotFound and the record is replaced (created there) {VERIFY}",
    ),
    "__provider": _no_impact(
        SRC_MANAGE,
        "the pickled dynamic provider: diff() ignores it; the state takes the new one on an update",
    ),
    # Output placeholders the component passes as None (manage.OUTPUT_KEYS).
    "connection_id": _no_impact(SRC_MANAGE, "an output (Genesys' connection id)"),
    "gateway_ip": _no_impact(SRC_MANAGE, "an output (Genesys' gateway IP)"),
    "findings": _no_impact(SRC_MANAGE, "an output (the reconciler's findings)"),
    "pre_shared_key_digest": Rule(
        NO_IMPACT,
        False,
        f"{SRC_MANAGE}; components/genesys.py (additional_secret_outputs)",
        "an output (digest of the key): never shown",
        secret=True,
    ),
}

_PROVIDER_AWS_ROWS: dict[str, Rule] = {
    "region": _r(
        {_REPLACE, _NEW_IPS, _BOTH},
        True,
        SRC_PROVIDER_REGION,
        "pulumi-aws replaces the provider and every resource it manages: a new VPN in another region",
    ),
    "version": _no_impact(SRC_BRIDGE_CONFIG, "the plugin version: resources are not replaced"),
    "skipCredentialsValidation": _no_impact(SRC_BRIDGE_CONFIG, "a client-side check"),
    "skipRegionValidation": _no_impact(SRC_BRIDGE_CONFIG, "a client-side check"),
    "skipMetadataApiCheck": _no_impact(SRC_BRIDGE_CONFIG, "a client-side check"),
}

PROPERTY_RULES: dict[tuple[str, str], Rule] = {
    **_rows(VPN_CONNECTION, _VPN_ROWS),
    **_rows(CUSTOMER_GATEWAY, _CGW_ROWS),
    **_rows(VPN_GATEWAY, _VGW_ROWS),
    **_rows(VPN_CONNECTION_ROUTE, _VPN_ROUTE_ROWS),
    **_rows(ROUTE, _ROUTE_ROWS),
    **_rows(ROUTE_TABLE, _ROUTE_TABLE_ROWS),
    **_rows(ROUTE_TABLE_ASSOCIATION, _RTA_ROWS),
    **_rows(SUBNET, _SUBNET_ROWS),
    **_rows(SECURITY_GROUP, _SG_ROWS),
    **_rows(SECURITY_GROUP_RULE, _SG_RULE_ROWS),
    **_rows(INSTANCE, _INSTANCE_ROWS),
    **_rows(LOG_GROUP, _LOG_GROUP_ROWS),
    **_rows(METRIC_ALARM, _ALARM_ROWS),
    **_rows(TGW_ROUTE, _TGW_ROUTE_ROWS),
    **_rows(TGW_ASSOCIATION, _TGW_ASSOC_ROWS),
    **_rows(TGW_PROPAGATION, _TGW_PROP_ROWS),
    **_rows(HEALTH_CHECK, _HEALTH_ROWS),
    **_rows(DNS_RECORD, _RECORD_ROWS),
    **_rows(AZ_CONNECTION, _AZ_CONNECTION_ROWS),
    **_rows(AZ_GATEWAY, _AZ_GATEWAY_ROWS),
    **_rows(AZ_LOCAL_GATEWAY, _AZ_LOCAL_GATEWAY_ROWS),
    **_rows(AZ_PUBLIC_IP, _AZ_PUBLIC_IP_ROWS),
    **_rows(AZ_SUBNET, _AZ_SUBNET_ROWS),
    **_rows(AZ_SECURITY_RULE, _AZ_SECURITY_RULE_ROWS),
    **_rows(AZ_ROUTE_TABLE, _AZ_ROUTE_TABLE_ROWS),
    **_rows(AZ_NIC, _AZ_NIC_ROWS),
    **_rows(AZ_VM, _AZ_VM_ROWS),
    **_rows(RANDOM_PASSWORD, _RANDOM_ROWS),
    **_rows(GENESYS_RECORD, _GENESYS_ROWS),
    **_rows(PROVIDER_AWS, _PROVIDER_AWS_ROWS),
    **_rows(GCP_ADDRESS, _GCP_ADDRESS_ROWS),
    **_rows(GCP_GATEWAY, _GCP_GATEWAY_ROWS),
    **_rows(GCP_FORWARDING_RULE, _GCP_FR_ROWS),
    **_rows(GCP_TUNNEL, _GCP_TUNNEL_ROWS),
    **_rows(GCP_ROUTE, _GCP_ROUTE_ROWS),
    **_rows(GCP_FIREWALL, _GCP_FIREWALL_ROWS),
    **_rows(GCP_ALERT_POLICY, _GCP_ALERT_ROWS),
    **_rows(PROVIDER_GCP, _PROVIDER_GCP_ROWS),
    (PROVIDER_AZURE, "version"): _no_impact(
        "https://github.com/pulumi/pulumi-azure-native/issues/2305 (provider change, resources kept)",
        f"the plugin version; other azure-native provider inputs are left unclassified {VERIFY}",
        replaces=None,
    ),
    (PROVIDER_RANDOM, "version"): _no_impact(
        SRC_BRIDGE_CONFIG, "the plugin version: resources are not replaced"
    ),
}

# --------------------------------------------------------------------------- type rules

_CREATE = NO_IMPACT  # a new resource breaks nothing that runs


def _t(
    label: str,
    source: str,
    *,
    on_replace: Iterable[Impact],
    on_delete: Iterable[Impact] = (_DELETE,),
    on_create: Iterable[Impact] = _CREATE,
    replace_why: str = "",
    tunnel_scoped: bool = False,
    default: Rule | None = None,
    unused: Iterable[str] = (),
) -> TypeRule:
    return TypeRule(
        label,
        frozenset(on_create),
        frozenset({_REPLACE, *on_replace}),
        frozenset(on_delete),
        source,
        replace_why,
        tunnel_scoped,
        default,
        frozenset(unused),
    )


_CONTAINER = _no_impact("the program", "a container: its children carry the changes")


def _container(label: str, source: str) -> TypeRule:
    return TypeRule(label, NO_IMPACT, NO_IMPACT, NO_IMPACT, source, "", False, _CONTAINER)


TYPE_RULES: dict[str, TypeRule] = {
    VPN_CONNECTION: _t(
        "AWS VPN connection",
        f"{SRC_VPN}; {SRC_ENDPOINTS}",
        on_replace={_NEW_IPS, _BOTH},
        on_delete={_DELETE, _BOTH},
        replace_why="a new VPN connection has new tunnel outside IPs: both tunnels are down until "
        "Genesys takes the new peer IPs",
        tunnel_scoped=True,
        unused={"region", "vpnConcentratorId"},
    ),
    CUSTOMER_GATEWAY: _t(
        "AWS customer gateway (the Genesys side)",
        SRC_CGW,
        on_replace={_BOTH},
        replace_why="the VPN connection's customerGatewayId changes: ModifyVpnConnection, both "
        "tunnels unavailable while new endpoints are provisioned",
        unused={"region"},
    ),
    VPN_GATEWAY: _t(
        "AWS virtual private gateway",
        SRC_VGW,
        on_replace={_BOTH},
        on_delete={_DELETE, _BOTH},
        replace_why="the VPN connection's vpnGatewayId changes (ModifyVpnConnection: both tunnels "
        "drop) and the routes to it follow; a VPC holds one gateway, so the new one cannot attach "
        "before the old one leaves",
        unused={"region"},
    ),
    VPN_CONNECTION_ROUTE: _t(
        "AWS VPN static route",
        SRC_VPN_ROUTE,
        on_replace={_DELETE},
        replace_why="deleted and created: the Genesys prefix has no route meanwhile",
        unused={"region"},
    ),
    ROUTE: _t(
        "AWS route to Genesys",
        SRC_ROUTE,
        on_replace={_DELETE},
        replace_why="deleted and created: the prefix follows other routes meanwhile",
        unused={
            "carrierGatewayId",
            "coreNetworkArn",
            "destinationIpv6CidrBlock",
            "destinationPrefixListId",
            "egressOnlyGatewayId",
            "localGatewayId",
            "natGatewayId",
            "odbNetworkArn",
            "region",
            "vpcEndpointId",
            "vpcPeeringConnectionId",
        },
    ),
    ROUTE_TABLE: _t(
        "AWS route table (appliance subnet or gateway edge)",
        SRC_PROGRAM_AWS,
        on_replace={_DELETE},
        replace_why="its routes and association are recreated with it",
        unused={"propagatingVgws", "region", "routes"},
    ),
    ROUTE_TABLE_ASSOCIATION: _t(
        "AWS route table association",
        SRC_RTA,
        on_replace={_DELETE},
        replace_why="disassociated, then associated: the subnet or edge uses the main table meanwhile",
        unused={"region"},
    ),
    SUBNET: _t(
        "AWS appliance subnet",
        SRC_PROGRAM_AWS,
        on_replace={_BOTH},
        replace_why="the MSS appliance lives in it and is recreated with it: the clamped data path "
        "is down until the new appliance forwards",
        unused={
            "assignIpv6AddressOnCreation",
            "availabilityZoneId",
            "customerOwnedIpv4Pool",
            "enableDns64",
            "enableLniAtDeviceIndex",
            "enableResourceNameDnsARecordOnLaunch",
            "enableResourceNameDnsAaaaRecordOnLaunch",
            "ipv4IpamPoolId",
            "ipv4NetmaskLength",
            "ipv6CidrBlock",
            "ipv6IpamPoolId",
            "ipv6Native",
            "ipv6NetmaskLength",
            "mapCustomerOwnedIpOnLaunch",
            "outpostArn",
            "privateDnsHostnameTypeOnLaunch",
            "region",
        },
    ),
    SECURITY_GROUP: _t(
        "AWS appliance security group",
        SRC_PROGRAM_AWS,
        on_replace=(),
        replace_why="a new group is created and swapped on the appliance",
        unused={"namePrefix", "region", "revokeRulesOnDelete"},
    ),
    SECURITY_GROUP_RULE: _t(
        "AWS security group rule (Genesys to the application)",
        SRC_SG_RULE,
        on_replace={_DELETE},
        replace_why="authorised anew, the old permission revoked: what only it allowed stops",
        unused={"region"},
    ),
    INSTANCE: _t(
        "AWS MSS appliance",
        f"{SRC_SDK_INSTANCE}; {SRC_PROGRAM_AWS}",
        on_replace={_BOTH},
        replace_why=f"{_APPLIANCE}; the routes move to the new instance's interface",
        unused={
            "associatePublicIpAddress",
            "availabilityZone",
            "capacityReservationSpecification",
            "cpuOptions",
            "creditSpecification",
            "disableApiStop",
            "disableApiTermination",
            "ebsBlockDevices",
            "ebsOptimized",
            "enablePrimaryIpv6",
            "enclaveOptions",
            "ephemeralBlockDevices",
            "forceDestroy",
            "getPasswordData",
            "hibernation",
            "hostId",
            "hostResourceGroupArn",
            "iamInstanceProfile",
            "instanceInitiatedShutdownBehavior",
            "instanceMarketOptions",
            "ipv6AddressCount",
            "ipv6Addresses",
            "keyName",
            "launchTemplate",
            "maintenanceOptions",
            "monitoring",
            "networkInterfaces",
            "placementGroup",
            "placementGroupId",
            "placementPartitionNumber",
            "primaryNetworkInterface",
            "privateDnsNameOptions",
            "privateIp",
            "region",
            "rootBlockDevice",
            "secondaryNetworkInterfaces",
            "secondaryPrivateIps",
            "securityGroups",
            "tenancy",
            "userDataBase64",
            "volumeTags",
        },
    ),
    LOG_GROUP: _t(
        "AWS tunnel log group",
        f"{SRC_PROGRAM_AWS}; {SRC_VPN_LOGS}",
        on_replace={_BLIP},
        replace_why="both tunnels' logOptions point at the new group: ModifyVpnTunnelOptions per "
        "tunnel, each interrupted in turn",
        unused={
            "deletionProtectionEnabled",
            "kmsKeyId",
            "logGroupClass",
            "namePrefix",
            "region",
            "skipDestroy",
        },
    ),
    METRIC_ALARM: _t(
        "AWS CloudWatch alarm",
        SRC_PROGRAM_AWS,
        on_replace=(),
        replace_why=_ALARM_FAILOVER,
        unused={
            "actionsEnabled",
            "datapointsToAlarm",
            "evaluateLowSampleCountPercentiles",
            "evaluationCriteria",
            "evaluationInterval",
            "evaluationWindow",
            "extendedStatistic",
            "insufficientDataActions",
            "metricQueries",
            "region",
            "thresholdMetricId",
            "unit",
            "warmUpConfiguration",
        },
    ),
    TGW_ROUTE: _t(
        "AWS transit gateway route",
        SRC_TGW_ROUTE,
        on_replace={_DELETE},
        replace_why="deleted and created: the prefix has no route meanwhile",
        unused={"region"},
    ),
    TGW_ASSOCIATION: _t(
        "AWS transit gateway route table association",
        SRC_TGW_ASSOC,
        on_replace={_DELETE},
        replace_why="disassociated, then associated: traffic from Genesys has no table meanwhile",
        unused={"region"},
    ),
    TGW_PROPAGATION: _t(
        "AWS transit gateway route propagation",
        SRC_TGW_PROP,
        on_replace={_DELETE},
        replace_why="the VPC's routes leave the VPN attachment's table, then come back",
        unused={"region"},
    ),
    HEALTH_CHECK: _t(
        "Route 53 health check (failover)",
        SRC_HEALTH,
        on_replace=(),
        replace_why="the record's healthCheckId changes; failover decisions restart",
        unused={
            "disabled",
            "enableSni",
            "failureThreshold",
            "fqdn",
            "invertHealthcheck",
            "ipAddress",
            "measureLatency",
            "port",
            "referenceName",
            "regions",
            "requestInterval",
            "resourcePath",
            "routingControlArn",
            "searchString",
            "triggers",
        },
    ),
    DNS_RECORD: _t(
        "Route 53 failover record",
        SRC_RECORD,
        on_replace={_DELETE},
        replace_why=_ANSWER,
        unused={
            "aliases",
            "allowOverwrite",
            "cidrRoutingPolicy",
            "geolocationRoutingPolicies",
            "geoproximityRoutingPolicy",
            "latencyRoutingPolicies",
            "multivalueAnswerRoutingPolicy",
            "weightedRoutingPolicies",
        },
    ),
    AZ_CONNECTION: _t(
        "Azure VPN connection",
        f"{SRC_AZURERM_CONN}; {SRC_AZN_FORCENEW}",
        on_replace={_BOTH},
        on_delete={_DELETE, _BOTH},
        replace_why="deleted and created again: every tunnel of the attachment drops; the peer IPs "
        "stay (they belong to the public IP resources)",
        unused={
            "authorizationKey",
            "egressNatRules",
            "enablePrivateLinkFastPath",
            "expressRouteGatewayBypass",
            "gatewayCustomBgpIpAddresses",
            "id",
            "ingressNatRules",
            "peer",
            "routingWeight",
            "tags",
            "useLocalAzureIpAddress",
            "virtualNetworkGateway2",
        },
    ),
    AZ_GATEWAY: _t(
        "Azure VPN gateway",
        f"{SRC_AZURERM_VNG}; {SRC_AZN_FORCENEW}",
        on_replace={_BOTH},
        on_delete={_DELETE, _BOTH},
        replace_why="a new gateway takes 45 minutes or more and its connection is recreated: every "
        "tunnel is down meanwhile. The peer IPs stay only if the public IP resources are kept "
        "(their own rows say when they are replaced)",
        unused={
            "adminState",
            "allowRemoteVnetTraffic",
            "allowVirtualWanTraffic",
            "autoScaleConfiguration",
            "bgpSettings",
            "customRoutes",
            "disableIPSecReplayProtection",
            "enableBgpRouteTranslationForNat",
            "enableDnsForwarding",
            "enablePrivateIpAddress",
            "extendedLocation",
            "gatewayDefaultSite",
            "id",
            "identity",
            "natRules",
            "resiliencyModel",
            "tags",
            "vNetExtendedLocationResourceId",
            "virtualNetworkGatewayPolicyGroups",
            "vpnClientConfiguration",
        },
    ),
    AZ_LOCAL_GATEWAY: _t(
        "Azure local network gateway (the Genesys side)",
        f"{SRC_AZ_LNG}; {SRC_AZN_FORCENEW}",
        on_replace={_BOTH},
        on_delete={_DELETE, _BOTH},
        replace_why="the connection's localNetworkGateway2 changes: every tunnel drops",
        unused={"bgpSettings", "fqdn", "id", "tags"},
    ),
    AZ_PUBLIC_IP: _t(
        "Azure gateway public IP (a Genesys peer IP)",
        SRC_AZN_FORCENEW,
        on_replace={_NEW_IPS, _BOTH},
        on_delete={_DELETE, _BOTH},
        replace_why="a new address for that tunnel: Genesys must take the new peer IP; the gateway's "
        "ipConfigurations change with it",
        unused={
            "ddosSettings",
            "deleteOption",
            "dnsSettings",
            "extendedLocation",
            "id",
            "idleTimeoutInMinutes",
            "ipAddress",
            "ipTags",
            "linkedPublicIPAddress",
            "migrationPhase",
            "natGateway",
            "servicePublicIPAddress",
            "tags",
        },
    ),
    AZ_SUBNET: _t(
        "Azure subnet (GatewaySubnet or appliance subnet)",
        f"{SRC_AZN_FORCENEW}; {SRC_PROGRAM_AZURE}",
        on_replace={_BOTH},
        replace_why="the VPN gateway or the MSS appliance lives in it (GatewaySubnet: "
        "delete_before_replace); ARM refuses to delete a subnet in use",
        unused={
            "addressPrefixes",
            "applicationGatewayIPConfigurations",
            "delegations",
            "id",
            "ipAllocations",
            "ipamPoolPrefixAllocations",
            "name",
            "natGateway",
            "networkSecurityGroup",
            "serviceEndpointPolicies",
            "serviceEndpoints",
            "sharingScope",
            "type",
        },
    ),
    AZ_SECURITY_RULE: _t(
        "Azure NSG rule (Genesys to the application)",
        SRC_AZN_MUTABILITY,
        on_replace={_DELETE},
        replace_why="deleted and created: what only it allowed stops meanwhile",
        unused={
            "destinationAddressPrefix",
            "destinationApplicationSecurityGroups",
            "destinationPortRanges",
            "id",
            "name",
            "sourceAddressPrefix",
            "sourceApplicationSecurityGroups",
            "sourcePortRanges",
            "type",
        },
    ),
    AZ_ROUTE_TABLE: _t(
        "Azure route table through the MSS appliance",
        SRC_PROGRAM_AZURE,
        on_replace={_DELETE},
        replace_why="the subnets associated with it follow other routes meanwhile",
        unused={"id", "tags"},
    ),
    AZ_NIC: _t(
        "Azure MSS appliance NIC",
        SRC_PROGRAM_AZURE,
        on_replace={_BOTH},
        replace_why=_AZ_APPLIANCE,
        unused={
            "auxiliaryMode",
            "auxiliarySku",
            "disableTcpStateTracking",
            "dnsSettings",
            "extendedLocation",
            "id",
            "migrationPhase",
            "networkSecurityGroup",
            "nicType",
            "privateLinkService",
            "tags",
            "workloadType",
        },
    ),
    AZ_VM: _t(
        "Azure MSS appliance VM",
        f"{SRC_PROGRAM_AZURE} (delete_before_replace)",
        on_replace={_BOTH},
        replace_why=f"the old VM is deleted first (fixed names); {_AZ_APPLIANCE}",
        unused={
            "additionalCapabilities",
            "applicationProfile",
            "availabilitySet",
            "billingProfile",
            "capacityReservation",
            "diagnosticsProfile",
            "evictionPolicy",
            "extendedLocation",
            "extensionsTimeBudget",
            "host",
            "hostGroup",
            "identity",
            "licenseType",
            "placement",
            "plan",
            "platformFaultDomain",
            "priority",
            "proximityPlacementGroup",
            "scheduledEventsPolicy",
            "scheduledEventsProfile",
            "securityProfile",
            "tags",
            "userData",
            "virtualMachineScaleSet",
            "zones",
        },
    ),
    GCP_ADDRESS: _t(
        "Google Cloud VPN address (the Genesys peer IP)",
        f"{SRC_GCP_ADDRESS}; {SRC_GCP_DELETE_FIRST}",
        on_replace={_NEW_IPS, _BOTH},
        on_delete={_DELETE, _BOTH},
        replace_why="released, then another address reserved (delete-first: the program names "
        "it): a new peer IP Genesys must take; the forwarding rules are replaced with it and the "
        "tunnel is down until Genesys dials the new IP",
        unused={
            "address",
            "deletionPolicy",
            "ipCollection",
            "ipVersion",
            "ipv6EndpointType",
            "network",
            "prefixLength",
            "purpose",
            "subnetwork",
        },
    ),
    GCP_GATEWAY: _t(
        "Google Cloud Classic VPN gateway",
        f"{SRC_GCP_GATEWAY}; {SRC_GCP_DELETE_FIRST}",
        on_replace={_BOTH},
        on_delete={_DELETE, _BOTH},
        replace_why="deleted first (the program names it), so its tunnel and the routes through "
        "the tunnel are recreated and the forwarding rules move to the new gateway: the "
        "attachment's tunnel is down meanwhile; the address (peer IP) stays",
        unused={"deletionPolicy", "params"},
    ),
    GCP_FORWARDING_RULE: _t(
        "Google Cloud VPN forwarding rule (ESP, UDP 500, UDP 4500)",
        f"{SRC_GCP_FR}; {SRC_GCP_DELETE_FIRST}",
        on_replace={_BOTH},
        on_delete={_DELETE, _BOTH},
        replace_why="deleted first (the program names it): ESP, IKE or NAT-T to the gateway has "
        "no path meanwhile, so the tunnel drops",
        unused={
            "allPorts",
            "allowGlobalAccess",
            "allowPscGlobalAccess",
            "backendService",
            "deletionPolicy",
            "ipCollection",
            "ipVersion",
            "isMirroringCollector",
            "loadBalancingScheme",
            "network",
            "noAutomateDnsZone",
            "ports",
            "recreateClosedPsc",
            "serviceDirectoryRegistrations",
            "serviceLabel",
            "sourceIpRanges",
            "subnetwork",
        },
    ),
    GCP_TUNNEL: _t(
        "Google Cloud Classic VPN tunnel",
        f"{SRC_GCP_TUNNEL}; {SRC_GCP_DELETE_FIRST}",
        on_replace={_BOTH},
        on_delete={_DELETE, _BOTH},
        replace_why="deleted first (the program names it), then created with the routes through "
        "it: the attachment's only tunnel is down until IKE is up again; the peer IP stays",
        unused={
            "deletionPolicy",
            "params",
            "peerExternalGateway",
            "peerExternalGatewayInterface",
            "peerGcpGateway",
            "router",
            "vpnGateway",
            "vpnGatewayInterface",
        },
    ),
    GCP_ROUTE: _t(
        "Google Cloud route to Genesys",
        f"{SRC_GCP_ROUTE}; {SRC_GCP_DELETE_FIRST}",
        on_replace={_DELETE},
        replace_why="deleted first (the program names it), then created: the Genesys prefix "
        "takes the standby's route or has none meanwhile",
        unused={
            "deletionPolicy",
            "nextHopGateway",
            "nextHopIlb",
            "nextHopInstance",
            "nextHopInstanceZone",
            "nextHopIp",
            "params",
        },
    ),
    GCP_FIREWALL: _t(
        "Google Cloud firewall rule (Genesys to the application)",
        f"{SRC_GCP_FIREWALL}; {SRC_GCP_DELETE_FIRST}",
        on_replace={_DELETE},
        replace_why="deleted first (the program names it), then created: what only it allowed "
        "is refused meanwhile",
        unused={
            "deletionPolicy",
            "denies",
            "disabled",
            "enableLogging",
            "logConfig",
            "params",
            "sourceServiceAccounts",
            "sourceTags",
            "targetServiceAccounts",
        },
    ),
    GCP_ALERT_POLICY: _t(
        "Google Cloud Monitoring alert policy (tunnel down)",
        f"{SRC_GCP_ALERT}; {SRC_PROGRAM_GCP}",
        on_replace=(),
        replace_why="a new policy: monitoring only, the tunnel is not touched",
        unused={"alertStrategy", "deletionPolicy", "enabled", "severity"},
    ),
    RANDOM_PASSWORD: _t(
        "generated password (PSK or appliance password)",
        SRC_RANDOM,
        on_replace={_PSK},
        replace_why="a new value: a generated PSK (tunnel-psk, tunnel-standby-psk) rotates the "
        "tunnel keys and Genesys must take it. The Azure appliance password (*-appliance-password) "
        "is the same type: its replacement changes the VM's osProfile instead",
    ),
    GENESYS_RECORD: _t(
        "Genesys VPN connection (manage mode)",
        SRC_MANAGE,
        on_replace={_BOTH},
        on_delete={_DELETE, _BOTH},
        replace_why="the Genesys connection is deleted and created again (delete_before_replace); "
        "diff() replaces only when Genesys no longer has it (NotFound)",
    ),
    STACK: _container("Pulumi stack", "the Pulumi engine"),
    **{token: _container(f"component {token}", f"components/ ({token})") for token in COMPONENTS},
    PROVIDER_AWS: TypeRule(
        "AWS provider",
        NO_IMPACT,
        frozenset({_REPLACE, _NEW_IPS, _BOTH}),
        NO_IMPACT,
        f"{SRC_PROVIDER_REGION}; {SRC_BRIDGE_CONFIG}",
        "a replaced provider replaces every resource it manages: new VPN connections, new peer IPs",
    ),
    PROVIDER_AZURE: TypeRule(
        "azure-native provider",
        NO_IMPACT,
        frozenset({_REPLACE, _BOTH}),
        NO_IMPACT,
        SRC_AZN_MUTABILITY,
        "a replaced provider replaces every resource it manages",
    ),
    PROVIDER_RANDOM: TypeRule(
        "random provider",
        NO_IMPACT,
        frozenset({_REPLACE, _PSK}),
        NO_IMPACT,
        SRC_BRIDGE_CONFIG,
        "a replaced provider replaces every password it generated",
    ),
    PROVIDER_GCP: TypeRule(
        "Google Cloud provider",
        NO_IMPACT,
        frozenset({_REPLACE, _NEW_IPS, _BOTH}),
        NO_IMPACT,
        f"{SRC_GCP_PROVIDER}; {SRC_BRIDGE_CONFIG}",
        "a replaced provider replaces every resource it manages: new addresses, new peer IPs",
    ),
    PROVIDER_DYNAMIC: TypeRule(
        "Python dynamic provider",
        NO_IMPACT,
        frozenset({_REPLACE, _BOTH}),
        NO_IMPACT,
        "pulumi/dynamic/dynamic.py",
        "a replaced provider replaces the Genesys records it manages",
    ),
}

#: (type token, input) pairs whose values are secrets: never shown, whatever the input says.
SECRET_INPUTS: frozenset[tuple[str, str]] = frozenset(
    key for key, rule in PROPERTY_RULES.items() if rule.secret
)

# --------------------------------------------------------------------------- lookups

_TUNNEL_INPUT = re.compile(r"^tunnel([12])([A-Z]\w*)$")
_QUOTED_HEAD = re.compile(r'^\[\s*"((?:[^"\\]|\\.)*)"\s*\]')
_PLAIN_HEAD = re.compile(r"^[^.\[]+")


def top_level(path: str) -> str:
    """The top-level input of a preview ``detailedDiff`` path: ``ipsecPolicies[0].ikeEncryption``
    gives ``ipsecPolicies``, ``tags.Name`` gives ``tags``, ``["odd.key"].x`` gives ``odd.key``."""
    quoted = _QUOTED_HEAD.match(path)
    if quoted:
        return quoted.group(1).replace('\\"', '"')
    plain = _PLAIN_HEAD.match(path)
    return plain.group(0) if plain else path


def _split(type_token: str, path: str) -> tuple[str, int | None]:
    name = top_level(path)
    rule = TYPE_RULES.get(type_token)
    if rule is not None and rule.tunnel_scoped:
        match = _TUNNEL_INPUT.match(name)
        if match:
            return f"{TUNNEL}{match.group(2)}", int(match.group(1))
    return name, None


def input_name(type_token: str, path: str) -> str:
    """The table's name for the input a path changes (``tunnel2IkeVersions[0]`` of the AWS VPN
    connection gives ``tunnel{n}IkeVersions``)."""
    return _split(type_token, path)[0]


def type_rule(type_token: str) -> TypeRule | None:
    return TYPE_RULES.get(type_token)


def lookup(type_token: str, path: str) -> Rule | None:
    """The rule for a changed input (a nested path counts as its top-level input); the type's
    ``default`` for an input the table does not list; None for a type it does not know."""
    rule = TYPE_RULES.get(type_token)
    if rule is None:
        return None
    return PROPERTY_RULES.get((type_token, input_name(type_token, path)), rule.default)


def tunnel_of(type_token: str, path: str) -> int | None:
    """1 or 2 for a per-tunnel input of a tunnel-scoped type, else None."""
    return _split(type_token, path)[1]


def predicts_replace(type_token: str, paths: Iterable[str]) -> bool | None:
    """True when any of the changed inputs replaces the resource; None when none does but one
    is unknown offline (or not in the table); False when every one updates in place."""
    unknown = False
    for path in paths:
        rule = lookup(type_token, path)
        if rule is None or rule.replaces is None:
            unknown = True
        elif rule.replaces:
            return True
    return None if unknown else False


def is_secret(type_token: str, path: str) -> bool:
    """Whether the input's value is a secret (key material), whatever the preview shows."""
    rule = lookup(type_token, path)
    return rule is not None and rule.secret
