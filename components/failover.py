"""Active-passive failover for the endpoint Genesys calls: Route 53 health-checked records.

``c2c-vpn:aws:Route53Failover`` creates, for ``standby.failover.route53``:

- per attachment, one ``CLOUDWATCH_METRIC`` health check per path alarm (the connection's
  ``TunnelState`` alarm on ``VpnId``, down when no tunnel is up, and with the MSS appliance
  its status-check alarm) and one ``CALCULATED`` health check that is healthy while every one
  of them is. Route 53's own checkers cannot reach the private back ends behind the tunnel,
  so the path's own state is what says whether it works;
- a ``PRIMARY`` A record for the primary's endpoint address with the primary's health check,
  and a ``SECONDARY`` record for the standby's address with the standby's. Route 53 answers
  with the primary while its tunnels are up and with the standby otherwise (and with the
  primary again if both are down, as Route 53 does when every record is unhealthy).

Timing, from the vendors' own figures: the alarm's 300 s period after CloudWatch has the
datapoint, Route 53's evaluation of the alarm, the record's TTL (60 s by default), and however
long Genesys' resolvers cache the answer. The hosted zone must be public: Genesys resolves the
name through public DNS.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from c2cvpn.spec import Route53Failover as Route53Spec


@dataclass(frozen=True)
class FailoverEnd:
    """One side of the pair: its role, the alarms of its tunnels, and their region."""

    role: str  # "primary" or "standby"
    alarm_names: Sequence[pulumi.Input[str]]
    region: str


@dataclass(frozen=True)
class Route53FailoverArgs:
    dns: Route53Spec
    primary: FailoverEnd
    standby: FailoverEnd
    connection_name: str


class Route53Failover(pulumi.ComponentResource):
    """PRIMARY/SECONDARY records, each gated by its attachment's tunnel health."""

    record_name: str
    primary_health_check_id: pulumi.Output[str]
    standby_health_check_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: Route53FailoverArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("c2c-vpn:aws:Route53Failover", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        dns = args.dns
        health: dict[str, aws.route53.HealthCheck] = {}
        for end in (args.primary, args.standby):
            tunnels = [
                aws.route53.HealthCheck(
                    f"{name}-{end.role}-alarm{index}-health",
                    type="CLOUDWATCH_METRIC",
                    cloudwatch_alarm_name=alarm,
                    cloudwatch_alarm_region=end.region,
                    # No data means no tunnel metric: treat as down, as the alarm does.
                    insufficient_data_health_status="Unhealthy",
                    tags={
                        "Name": f"{args.connection_name}-{end.role}-alarm{index}",
                        "c2c-vpn:role": end.role,
                    },
                    opts=child,
                )
                for index, alarm in enumerate(end.alarm_names, start=1)
            ]
            health[end.role] = aws.route53.HealthCheck(
                f"{name}-{end.role}-health",
                type="CALCULATED",
                child_healthchecks=[t.id for t in tunnels],
                child_health_threshold=len(tunnels),  # the path and its appliance, all healthy
                tags={"Name": f"{args.connection_name}-{end.role}-path", "c2c-vpn:role": end.role},
                opts=child,
            )
        for end, address, policy in (
            (args.primary, dns.primary_address, "PRIMARY"),
            (args.standby, dns.standby_address, "SECONDARY"),
        ):
            aws.route53.Record(
                f"{name}-{end.role}-record",
                zone_id=dns.hosted_zone_id,
                name=dns.record_name,
                type="A",
                ttl=dns.ttl,
                records=[str(address)],
                set_identifier=f"{args.connection_name}-{end.role}",
                failover_routing_policies=[
                    aws.route53.RecordFailoverRoutingPolicyArgs(type=policy)
                ],
                health_check_id=health[end.role].id,
                opts=child,
            )
        self.record_name = dns.record_name
        self.primary_health_check_id = health["primary"].id
        self.standby_health_check_id = health["standby"].id
        self.register_outputs(
            {
                "recordName": self.record_name,
                "primaryHealthCheckId": self.primary_health_check_id,
                "standbyHealthCheckId": self.standby_health_check_id,
            }
        )
