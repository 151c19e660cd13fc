"""Stable problem codes: what each one means, why it matters, and the usual fix.

Codes are a public contract (CI pipelines grep for them): never rename one, only add.
A rule supplies *what* is wrong for the stack at hand; this table supplies the *why*
(the trap it avoids) and the default *fix*, so a message always says all three.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, ConfigDict


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class CodeInfo:
    severity: Severity
    summary: str
    why: str
    fix: str


E, W = Severity.ERROR, Severity.WARNING

CODES: Final[dict[str, CodeInfo]] = {
    # --- errors -------------------------------------------------------------------------
    "subnet-overlap": CodeInfo(
        E,
        "Two of the Genesys tenant CIDRs, IaaS networks, standby networks and tunnel CIDRs overlap.",
        "Overlapping ranges make both routers believe the destination is local: packets are "
        "dropped instead of entering the tunnel (the guide's most common failure).",
        "Re-address one side, or ask Genesys for a different tenant range.",
    ),
    "link-local-network": CodeInfo(
        E,
        "A tenant or IaaS network lies inside 169.254.0.0/16.",
        "169.254.0.0/16 is link-local: the tunnel interfaces live there and it is never routed.",
        "Use the routable ranges that hold the servers, not the tunnel addresses.",
    ),
    "tunnel-cidr": CodeInfo(
        E,
        "The tunnel CIDR is not a usable /30 or /29 inside 169.254.0.0/16.",
        "Genesys allocates a /30 or /29 in 169.254.0.0/16 for the tunnel interfaces; AWS refuses "
        "169.254.0.0/30 to 169.254.5.0/30 and 169.254.169.252/30.",
        "Copy the tunnel range from the Genesys VPN dashboard; on AWS pick one outside the reserved blocks.",
    ),
    "psk-weak": CodeInfo(
        E,
        "The pre-shared key is shorter than 32 characters or lacks upper, lower, digit or one of '._'.",
        "A short or low-variety PSK can be brute-forced offline from one captured IKE exchange.",
        "Remove tunnel.preSharedKey to have one generated, or set 32-64 characters from [A-Za-z0-9._] "
        "with upper, lower, digit and '.' or '_'.",
    ),
    "psk-charset": CodeInfo(
        E,
        "The pre-shared key has characters outside [A-Za-z0-9._], is longer than 64, or starts with 0.",
        "AWS accepts only [A-Za-z0-9._], 8-64 characters, not starting with 0; Azure refuses space, "
        "'-' and '~'. The portable rule is what every target accepts (the guide's 'symbols' are not).",
        "Use only letters, digits, '.' and '_', at most 64 characters, not starting with 0.",
    ),
    "ike-version": CodeInfo(
        E,
        "Phase 1 is not IKEv2.",
        "Genesys Cloud-to-Cloud VPN speaks IKEv2 only; an IKEv1 proposal never completes phase 1.",
        "Set tunnel.phase1.ikeVersion: ikev2.",
    ),
    "weak-crypto": CodeInfo(
        E,
        "A broken algorithm (des, 3des, md5) or a weak DH/PFS group (below 14, or 22).",
        "These are deprecated by RFC 8247 and refused by compliance frameworks (PCI-DSS, HIPAA).",
        "Use aes256 or aes256gcm, sha256 or stronger, and DH group 14, 19, 20 or 24.",
    ),
    "pfs-disabled": CodeInfo(
        E,
        "Phase 2 has no PFS group.",
        "Without perfect forward secrecy a leaked PSK decrypts recorded past traffic; the guide "
        "requires PFS, and a PFS mismatch is a classic 'Phase 2 Failed'.",
        "Set tunnel.phase2.pfsGroup, normally to the phase 1 DH group.",
    ),
    "protocol-ah": CodeInfo(
        E,
        "Phase 2 uses AH.",
        "AH authenticates the outer IP header, so it cannot cross NAT, and it does not encrypt.",
        "Set tunnel.phase2.protocol: esp.",
    ),
    "lifetime-order": CodeInfo(
        E,
        "The phase 2 lifetime is longer than phase 1 (or equal, on AWS).",
        "The child SA must be rekeyed before its IKE SA; AWS rejects a phase 2 lifetime that is not "
        "strictly shorter (so the guide's 3600/3600 fails on AWS).",
        "Keep phase 1 at 28800 s and phase 2 at 3600 s.",
    ),
    "lifetime-range": CodeInfo(
        E,
        "A lifetime is outside what the target accepts.",
        "AWS takes phase 1 900-28800 s and phase 2 900-3600 s; Azure takes phase 2 300-172799 s. "
        "Out-of-range values fail at deploy time, after the change was approved.",
        "Use phase 1 28800 s and phase 2 3600 s.",
    ),
    "security-group-size": CodeInfo(
        E,
        "A security group or NSG would get more rules than the cloud ever allows (1,000).",
        "Each application port is a rule per Genesys CIDR in every listed AWS security group, "
        "and a rule in every listed Azure NSG: AWS caps a group at 1,000 rules (the rules quota "
        "times groups per interface), Azure an NSG at 1,000. The deploy fails half-way.",
        "Open a port range on the back ends' own groups, or list fewer ports or Genesys CIDRs.",
    ),
    "algorithm-unsupported": CodeInfo(
        E,
        "The target cannot do this algorithm or group.",
        "A value one side cannot propose means no common proposal: the tunnel never comes up.",
        "Pick a value every target accepts: encryption aes128/aes256/aes128gcm/aes256gcm, "
        "integrity sha256, groups 14, 19, 20 or 24.",
    ),
    "cert-auth-unsupported": CodeInfo(
        E,
        "Certificate authentication was requested.",
        "Genesys Cloud-to-Cloud VPN exposes no certificate upload for its gateway: it expects a PSK.",
        "Use authentication: psk, or terminate certificate-based IKEv2 on a dedicated IaaS firewall "
        "and tunnel to Genesys from it with a PSK (or use Direct Connect / ExpressRoute).",
    ),
    "icmp-only": CodeInfo(
        E,
        "No application port is open.",
        "Ping would pass while every API call times out: the guide's 'established but no data'.",
        "List the ports Genesys calls in iaas.applicationPorts, e.g. [443].",
    ),
    "peer-ip-not-public": CodeInfo(
        E,
        "A gateway or peer IP on AWS or Azure is not a public address.",
        "The IKE peers meet over the internet: a private, shared (CGNAT), loopback, link-local, "
        "multicast or unspecified address is unreachable from the other cloud.",
        "Use the public IP shown in the Genesys VPN dashboard (gateway) and the IaaS endpoint's "
        "static public IP (peer).",
    ),
    "standby-same-zone": CodeInfo(
        E,
        "The standby attachment sits in the primary's availability zone (or behind the primary's peer IP).",
        "An active-passive pair in one zone fails together: the guide's single-AZ trap. (Azure "
        "has no zone to choose: an AZ-SKU gateway with zone-redundant public IPs already spreads "
        "its two instances over zones, and a second gateway in the primary's virtual network is "
        "standby-same-gateway.)",
        "Put c2c-vpn:standby in another availability zone or region; on Azure use "
        "azure.activeActive for a second tunnel, and a standby only as disaster recovery in "
        "another virtual network.",
    ),
    "keepalive-range": CodeInfo(
        E,
        "A keepalive interval (the tunnel's or a declared Genesys connection's) is outside 1-3600 s.",
        "Without keepalives idle NAT entries expire and the tunnel flaps; an interval longer than "
        "any dead-peer timeout (3600 s at most) never probes in time.",
        "Set tunnel.keepaliveSeconds: 20.",
    ),
    "dpd-range": CodeInfo(
        E,
        "The dead-peer-detection timeout is outside what the target accepts.",
        "AWS takes 30 s or more, Azure 9-3600 s; other values fail at deploy time.",
        "Set tunnel.dpd.timeoutSeconds: 30 (or more, at most 3600).",
    ),
    "genesys-region": CodeInfo(
        E,
        "The Genesys Cloud region is not one the project knows.",
        "The region decides the login and API domains used for OAuth and reconciliation.",
        "Use the AWS-style region name of the Genesys org, e.g. us-east-1 or eu-central-1.",
    ),
    "route-tables-missing": CodeInfo(
        E,
        "An AWS attachment lists no VPC route tables.",
        "A VPN connection does not route by itself: without route-table routes Genesys-bound "
        "packets go to the internet gateway and are dropped (the guide's route propagation trap).",
        "List the route tables of the subnets that hold the back ends in aws.routeTableIds.",
    ),
    "zone-region-mismatch": CodeInfo(
        E,
        "The availability zone does not belong to the region.",
        "Resources would be requested in a zone the regional API does not have; the deploy fails.",
        "Use a zone of the region, e.g. eu-west-1a for eu-west-1.",
    ),
    "azure-sku": CodeInfo(
        E,
        "The Azure gateway SKU cannot carry this attachment.",
        "The Basic SKU takes no custom IPsec policy, so the algorithms above cannot be enforced; "
        "no new gateway can use the non-AZ VpnGw1..5 since 1 January 2025.",
        "Use VpnGw1AZ (or VpnGw2AZ..VpnGw5AZ): AZ SKUs deploy in every region, regionally where "
        "the region has no zones.",
    ),
    "gateway-subnet": CodeInfo(
        E,
        "The Azure GatewaySubnet (or appliance subnet) is too small, overlaps another range, or "
        "cannot be routed through the appliance.",
        "Azure needs a /27 or larger GatewaySubnet; an overlap with Genesys ranges breaks routing, "
        "and a user-defined route that covers the GatewaySubnet affects the gateway's data and "
        "control path.",
        "Use a free /27 (or larger) of the virtual network, e.g. 10.20.255.0/27, outside the "
        "Genesys ranges and the IaaS networks routed through the appliance.",
    ),
    "mss-range": CodeInfo(
        E,
        "The configured MSS is larger than the tunnel can carry, or too small to be useful.",
        "A clamp above the computed MSS lets full-size segments through and they vanish into an "
        "MTU black hole (no PMTUD across the tunnel).",
        "Use mss: auto, which computes it from the phase 2 algorithms and the vendor's advice.",
    ),
    # --- Genesys side (c2cvpn reconcile; the genesys component in verify and manage mode) ---
    "genesys-phase1-mismatch": CodeInfo(
        E,
        "The Genesys connection and the spec disagree on an IKE (phase 1) parameter.",
        "IKEv2 needs one proposal both sides accept: a different version, cipher, integrity or DH "
        "group leaves the status at Connecting with 'Phase 1 Failed' in the diagnostic logs.",
        "Make the Genesys VPN dashboard and tunnel.phase1 say the same (the spec is the source of truth).",
    ),
    "genesys-phase2-mismatch": CodeInfo(
        E,
        "The Genesys connection and the spec disagree on an IPsec (phase 2) parameter.",
        "Phase 1 comes up, then the child SA is refused: 'Phase 2 Failed' (algorithms, PFS group or "
        "protocol), the guide's mismatched phase 1/phase 2 trap.",
        "Make the Genesys VPN dashboard and tunnel.phase2 say the same.",
    ),
    "genesys-selector-mismatch": CodeInfo(
        E,
        "Genesys' local or remote networks differ from the spec's tenant CIDRs or IaaS networks.",
        "The networks are the IKEv2 traffic selectors: when they differ the child SA is refused "
        "('Phase 2 Failed') or traffic for the missing range is silently not tunnelled.",
        "Local networks in Genesys must equal genesys.tenantCidrs; remote networks must equal the "
        "attachment's iaas.networks.",
    ),
    "genesys-peer-mismatch": CodeInfo(
        E,
        "The peer IP in Genesys, or the gateway IP Genesys reports, differs from the IaaS side.",
        "IKE packets go to the wrong address or come from an unexpected one: 'Phase 1 Failed' "
        "(the guide's IP mismatch).",
        "Enter the IaaS endpoint's public IP as the Genesys peer IP, and copy the Genesys gateway IP "
        "into genesys.gatewayIp.",
    ),
    "genesys-tunnel-cidr-mismatch": CodeInfo(
        E,
        "The tunnel range Genesys allocated differs from the spec's tunnel CIDR.",
        "Where the IaaS side configures tunnel interface addresses (AWS, an on-prem peer) the two "
        "ends would not share one /30: routed traffic and inside-address health checks fail. "
        "Azure (route-based, no BGP) configures none, so there the stack no longer describes the "
        "range Genesys holds.",
        "Copy the tunnel range from the Genesys VPN dashboard into genesys.tunnelCidr (or standby.tunnelCidr).",
    ),
    "genesys-psk-mismatch": CodeInfo(
        E,
        "The pre-shared key Genesys holds differs from the stack's (compared by digest; never shown).",
        "IKE_AUTH fails on a PSK mismatch: 'Phase 1 Failed', the guide's first suspect.",
        "Enter the stack's pre-shared key in Genesys again (or run the genesys component in manage mode).",
    ),
    "genesys-connection-missing": CodeInfo(
        E,
        "Genesys holds no connection with the expected name or id.",
        "Without the Genesys-side connection nothing answers the IaaS side's IKE requests.",
        "Create it in the Genesys VPN dashboard with the values `c2cvpn reconcile` lists, set "
        "genesys.api.connectionName/connectionId, or use genesys.api.mode: manage.",
    ),
    "genesys-api-insecure": CodeInfo(
        E,
        "The Genesys API or login URL is plain http to a host other than loopback.",
        "The OAuth client secret and the pre-shared key would cross the network in clear text.",
        "Use https, or http only to 127.0.0.1/localhost (the simulator).",
    ),
    "failover-route53": CodeInfo(
        E,
        "Route 53 failover cannot work as configured.",
        "Its health comes from the AWS tunnels' TunnelState alarms, so both attachments must be on "
        "AWS; and an endpoint address outside its attachment's networks is not reached through "
        "that attachment's tunnel, so failing over to it changes nothing.",
        "Put both attachments on AWS, and give each address from its own attachment's networks.",
    ),
    "appliance-subnet": CodeInfo(
        E,
        "The AWS appliance subnet CIDR is not a usable subnet of its own.",
        "AWS subnets are /16 to /28 and never overlap: a CIDR that overlaps the application "
        "networks, the Genesys ranges or another attachment's appliance subnet is refused "
        "(InvalidSubnet.Conflict) or routes Genesys traffic in a loop.",
        "Pick a free /28 of the VPC outside iaas.networks and the Genesys ranges.",
    ),
    "standby-same-gateway": CodeInfo(
        E,
        "The standby attachment would terminate on the primary's gateway.",
        "AWS refuses a second VPN connection from the same customer gateway IP in a region on one "
        "virtual private gateway (InvalidCustomerGateway.DuplicateIpAddress), and one transit "
        "gateway route table holds one static route per prefix (RouteAlreadyExists); Azure allows "
        "one VPN gateway per virtual network.",
        "Drop the standby block and let the standby Genesys connection use the primary's second "
        "tunnel (AWS: a /29 tunnel range; Azure: azure.activeActive), or put the disaster-recovery "
        "attachment on another gateway (another VPC or region, another virtual network).",
    ),
    "nsg-priority": CodeInfo(
        E,
        "The attachment's NSG rule priorities do not fit 100-4096 or collide with the other "
        "attachment's rules in a shared NSG.",
        "Azure refuses two security rules with the same priority and direction in one NSG "
        "(SecurityRuleConflict) and any priority outside 100-4096: the deploy fails after the "
        "change was approved.",
        "Set azure.nsgPriorityBase to a free block of the NSG's priorities (ICMP takes the base, "
        "each application port the next one), apart from the other attachment's block.",
    ),
    "azure-shared-key": CodeInfo(
        E,
        "Two Genesys connections end on one Azure connection with different pre-shared keys.",
        "An active-active gateway's two tunnels are part of one connection with one shared key: "
        "the Genesys connection holding the other key fails IKE_AUTH ('Phase 1 Failed').",
        "Remove tunnel.standbyPreSharedKey (both Genesys connections then take the primary's "
        "key), or set it to the same key as tunnel.preSharedKey.",
    ),
    "appliance-unsupported": CodeInfo(
        E,
        "mssClamp.enabled on a provider where c2c-vpn offers no MSS-clamping appliance (Google Cloud).",
        "Cloud VPN clamps the MSS of TCP bound for the peer itself and answers DF packets with "
        "ICMP Fragmentation-Needed (Cloud VPN, 'MTU considerations'); the first GCP version of "
        "the project builds no appliance, so the setting would deploy nothing.",
        "Turn mssClamp off; clamp on the back-end hosts to the MSS `c2cvpn plan` shows (the "
        "gateway MTU is 1460), and allow ICMP from the Genesys CIDRs so PMTUD works.",
    ),
    "route-priority": CodeInfo(
        E,
        "On one Google Cloud VPC network the standby's routes do not lose to the primary's.",
        "Google Cloud sends traffic to the route with the lowest priority number among tunnels "
        "that have an IKE SA; equal priorities split flows across both tunnels (ECMP), a lower "
        "standby number makes the standby active (Cloud VPN, 'Order of routes').",
        "Leave gcp.routePriority unset (primary 100, standby 200), or give the standby a larger "
        "number than the primary.",
    ),
    # --- warnings -----------------------------------------------------------------------
    "tunnel-unused": CodeInfo(
        W,
        "One of an attachment's gateway tunnels carries no Genesys connection.",
        "A two-tunnel gateway puts each tunnel on its own outside IP and maintains them one at a "
        "time (AWS replaces tunnel endpoints, Azure updates one active-active instance): with "
        "Genesys on one tunnel only, each maintenance of that one is an outage. On AWS the idle "
        "tunnel waits (startup add) and is not alarmed.",
        "Give the standby Genesys connection that tunnel: a /29 tunnel range from Genesys and no "
        "standby attachment (or accept the outage during maintenance).",
    ),
    "appliance-spof": CodeInfo(
        W,
        "The MSS-clamping appliance is a single instance on the only path to Genesys.",
        "Routes do not fail over: if the instance stops, reboots or its zone fails, every "
        "Genesys-bound packet is black-holed while the tunnels stay up.",
        "Keep its health in the failover (AWS: the instance status alarm gates the Route 53 "
        "health), plan its maintenance, or clamp MSS on the back-end hosts instead (MTU/MSS "
        "settings) and turn the appliance off.",
    ),
    "selectors-wide": CodeInfo(
        W,
        "The IaaS gateway will propose 0.0.0.0/0 traffic selectors (AWS with several networks, Google Cloud always).",
        "An AWS tunnel has one SA pair, with one local and one remote CIDR (0.0.0.0/0 unless "
        "set): with several Genesys tenant CIDRs or IaaS networks it proposes any-to-any, and a "
        "Genesys side that insists on its exact networks answers TS_UNACCEPTABLE (Phase 2 "
        "Failed) or covers one range only.",
        "Summarise to one tenant CIDR and one IaaS network, or have Genesys initiate "
        "(tunnel.startupAction: add) and confirm it narrows 0.0.0.0/0 to its networks.",
    ),
    "route-table-unassociated": CodeInfo(
        W,
        "The Azure appliance's return route table is associated with no back-end subnet.",
        "The GatewaySubnet route through the appliance works at once, but back-end → Genesys "
        "traffic goes straight to the gateway until the to-Genesys route table is associated "
        "with the back-end subnets: the path is asymmetric and SYN-ACKs leave unclamped (the MTU "
        "black hole in the Genesys → Azure direction). The spec does not name those subnets, and "
        "associating a route table rewrites the subnet, which the VNet owner's template holds.",
        "Have the VNet owner associate iaasTeam.attachments.<role>.iaas.routeTableId with every "
        "back-end subnet (in the template that declares the subnet), or clamp on the back-end "
        "hosts and turn the appliance off.",
    ),
    "setting-ignored": CodeInfo(
        W,
        "A tunnel setting has no effect on this target.",
        "The cloud does not expose the knob (AWS detects NAT itself and has no keepalive or DPD "
        "interval setting; Google Cloud has no DPD, keepalive or initiation setting): the value "
        "applies to the Genesys side only, so the stack does not read as the tunnel behaves.",
        "Leave it for the Genesys side, or set it to the target's behaviour to keep the stack honest.",
    ),
    "phase-asymmetry": CodeInfo(
        W,
        "Phase 1 and phase 2 use different encryption or integrity.",
        "Many firewalls enforce symmetry, and mixed strengths double the values to compare when "
        "a phase fails.",
        "Use the same encryption and integrity in both phases.",
    ),
    "integrity-deprecated": CodeInfo(
        W,
        "SHA-1 integrity.",
        "SHA-1 is deprecated by most security frameworks.",
        "Use sha256 (or sha384/sha512 where the target supports it).",
    ),
    "natt-disabled": CodeInfo(
        W,
        "NAT traversal is off.",
        "Most cloud endpoints sit behind NAT; without NAT-T (UDP 4500) ESP cannot pass it.",
        "Set tunnel.natTraversal: true.",
    ),
    "keepalive-long": CodeInfo(
        W,
        "The keepalive is longer than 20 seconds.",
        "Carrier and firewall NAT entries expire after 30-60 s idle: tunnels flap every few minutes.",
        "Set tunnel.keepaliveSeconds: 20 or lower.",
    ),
    "lifetime-local": CodeInfo(
        W,
        "An IKEv2 lifetime cannot be set on the target or differs between the sides.",
        "IKEv2 lifetimes are local and not negotiated: each side rekeys on its own clock, so a "
        "difference is harmless, but the configuration will not read as written.",
        "Nothing is required; align the value with the target to keep the record honest.",
    ),
    "psk-plaintext": CodeInfo(
        W,
        "The pre-shared key is stored in plain text in the stack file.",
        "Stack files are committed: anyone with the repository can read the key.",
        "Run `pulumi config set --secret --path 'tunnel.preSharedKey' <key>` (or remove it to "
        "have one generated).",
    ),
    "security-groups-missing": CodeInfo(
        W,
        "An AWS attachment lists no security groups.",
        "The project can only open application ports on groups it is told about: ping may pass "
        "while HTTPS is blocked.",
        "List the back ends' security groups in aws.securityGroupIds.",
    ),
    "security-group-quota": CodeInfo(
        W,
        "An AWS security group would get more than the default quota of 60 inbound rules.",
        "Each application port and ICMP is a rule per Genesys CIDR in every listed group; AWS "
        "refuses rule 61 (RulesPerSecurityGroupLimitExceeded) unless the quota was raised.",
        "Raise the quota 'Inbound or outbound rules per security group' (up to 1,000 divided "
        "by the groups per interface) before `pulumi up`, or list fewer ports or Genesys CIDRs.",
    ),
    "peer-ip-ignored": CodeInfo(
        W,
        "iaas.peerIp is set on AWS, Azure or Google Cloud, where it has no effect.",
        "The cloud assigns the gateway's outside IPs itself (AWS per tunnel, Azure on the "
        "public IPs created with the gateway, Google Cloud on the regional address of the "
        "Classic gateway); the project exports them for the Genesys admin.",
        "Remove peerIp from cloud attachments.",
    ),
    "genesys-local-difference": CodeInfo(
        W,
        "A local IKEv2 setting (lifetime, keepalive) differs between Genesys and the spec.",
        "IKEv2 lifetimes and keepalives are not negotiated: each side rekeys and probes on its own "
        "clock, so the tunnel comes up, but the record no longer reads as written.",
        "Align the Genesys dashboard with the spec to keep the record honest.",
    ),
    "genesys-natt-mismatch": CodeInfo(
        W,
        "NAT traversal is on at one side and off at the other.",
        "IKEv2 detects NAT itself, but with NAT-T off on one side ESP is not wrapped in UDP 4500 "
        "and is dropped by any NAT on the path.",
        "Enable NAT traversal on both sides.",
    ),
    "peer-ip-documentation": CodeInfo(
        W,
        "The Genesys gateway IP is in an RFC 5737 documentation range on a Google Cloud stack.",
        "The Google provider refuses a VPN tunnel peer IP in the RFC 5735/5737 reserved ranges "
        "(terraform-provider-google validatePeerAddr, a schema check): `c2cvpn plan` works "
        "offline, but a real `pulumi preview` or `up` fails on the tunnel.",
        "Copy the real gateway IP from the Genesys VPN dashboard into genesys.gatewayIp.",
    ),
    "auto-mode-range": CodeInfo(
        W,
        "A Genesys tenant CIDR overlaps 10.128.0.0/9, the subnet range of auto-mode VPC networks.",
        "Google Cloud refuses a static route whose destination equals or lies inside a subnet of "
        "the network, and subnet routes always win (Cloud VPN, 'Order of routes'): in an "
        "auto-mode network Genesys traffic would never enter the tunnel.",
        "Use a custom-mode VPC network whose subnets avoid the Genesys ranges, or ask Genesys for "
        "a tenant range outside 10.128.0.0/9.",
    ),
    "standby-same-region": CodeInfo(
        W,
        "The Google Cloud standby's Classic VPN gateway is in the primary's region.",
        "A Classic VPN gateway is a regional resource with one interface (99.9 % SLA): two "
        "gateways in one region share that region's failures.",
        "Put the standby in another region of the same VPC network (routes are network-wide).",
    ),
}


class Problem(BaseModel):
    """One finding of validation: the JSON shape of ``c2cvpn validate --format json``."""

    model_config = ConfigDict(frozen=True)

    code: str
    path: str
    message: str

    @property
    def severity(self) -> Severity:
        return CODES[self.code].severity


def problem(
    code: str, path: str, what: str, *, fix: str | None = None, why: str | None = None
) -> Problem:
    """Build a problem whose message says what is wrong, why it matters, and how to fix it."""
    info = CODES[code]
    what = what.rstrip(".")
    return Problem(
        code=code, path=path, message=f"{what}. {why or info.why} Fix: {fix or info.fix}"
    )


#: Codes found by ``c2cvpn reconcile`` (and the genesys component) comparing the Genesys
#: record with the spec, never by ``validate`` alone: no stack file triggers them by itself.
RECONCILE_CODES: Final = frozenset(
    {
        "genesys-phase1-mismatch",
        "genesys-phase2-mismatch",
        "genesys-selector-mismatch",
        "genesys-peer-mismatch",
        "genesys-tunnel-cidr-mismatch",
        "genesys-psk-mismatch",
        "genesys-connection-missing",
        "genesys-local-difference",
        "genesys-natt-mismatch",
    }
)
