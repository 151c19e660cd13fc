"""Active-passive failover for the endpoint Genesys calls: Route 53 health-checked records.

``c2c-vpn:aws:Route53Failover`` creates, for ``standby.failover.route53``:

- per attachment, one ``CLOUDWATCH_METRIC`` health check per tunnel alarm (the attachment's
  ``TunnelState`` alarms) and one ``CALCULATED`` health check that is healthy while at least
  one of that attachment's tunnels is up. Route 53's own checkers cannot reach the private
  back ends behind the tunnel, so the tunnels' state is what says whether the path works;
- a ``PRIMARY`` A record for the primary's endpoint address with the primary's health check,
  and a ``SECONDARY`` record for the standby's address with the standby's. Route 53 answers
  with the primary while its tunnels are up and with the standby otherwise (and with the
  primary again if both are down, as Route 53 does when every record is unhealthy).

The TTL is short (60 s by default) so Genesys follows a failover within about a minute plus
the alarm's period.
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
                    f"{name}-{end.role}-tunnel{index}-health",
                    type="CLOUDWATCH_METRIC",
                    cloudwatch_alarm_name=alarm,
                    cloudwatch_alarm_region=end.region,
                    # No data means no tunnel metric: treat as down, as the alarm does.
                    insufficient_data_health_status="Unhealthy",
                    tags={
                        "Name": f"{args.connection_name}-{end.role}-tunnel{index}",
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
                child_health_threshold=1,  # one tunnel up is a working path
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
