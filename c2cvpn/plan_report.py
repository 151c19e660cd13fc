"""Rendering of ``c2cvpn plan`` results: text, JSON and the pull-request Markdown.

Pure: takes the plain ``{"stack", "resources", "outputs"}`` mapping that
``components.mock_engine.plan_stack`` produces (secrets already ``[secret]``) and returns text.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

PlanData = Mapping[str, Any]


def _short_type(token: str) -> str:
    """``aws:ec2/vpnConnection:VpnConnection`` → ``aws:VpnConnection``."""
    parts = token.split(":")
    return f"{parts[0]}:{parts[-1]}" if len(parts) >= 3 else token


def strict_json(data: Any, *, indent: int | None = None, sort_keys: bool = False) -> str:
    """JSON as RFC 8259 has it: a NaN or infinity is a bug upstream (the loader refuses them),
    so it fails here instead of printing ``NaN``, which strict parsers reject."""
    return json.dumps(data, indent=indent, sort_keys=sort_keys, allow_nan=False)


def _value(value: Any) -> str:
    return value if isinstance(value, str) else strict_json(value, sort_keys=True)


def _groups(plan: PlanData) -> dict[str, list[Mapping[str, Any]]]:
    """Resources by top-level component (top-level resources under ``(stack)``)."""
    resources = plan["resources"]
    parents = {r["name"]: r["parent"] for r in resources}

    def root(r: Mapping[str, Any]) -> str:
        name = r["name"]
        while parents.get(name):
            name = parents[name]
        return (
            name
            if any(x["name"] == name and x["type"].startswith("c2c-vpn:") for x in resources)
            else "(stack)"
        )

    groups: dict[str, list[Mapping[str, Any]]] = {}
    for r in resources:
        if r["type"].startswith("c2c-vpn:") and r["parent"] is None:
            groups.setdefault(r["name"], [])
            continue
        groups.setdefault(root(r), []).append(r)
    return groups


def format_json(plan: PlanData) -> str:
    data = {
        "stack": plan["stack"],
        "resources": [
            {k: r[k] for k in ("type", "name", "parent", "inputs")} for r in plan["resources"]
        ],
        "outputs": plan["outputs"],
    }
    return strict_json(data, indent=2)


def format_text(plan: PlanData) -> str:
    lines = [f"stack {plan['stack']}: {len(plan['resources'])} resource(s)", ""]
    for group, members in _groups(plan).items():
        lines.append(f"{group}:")
        for r in members:
            lines.append(f"  + {r['type']} {r['name']}")
            for key, value in r["inputs"].items():
                lines.append(f"      {key}: {_value(value)}")
        lines.append("")
    lines.append("outputs:")
    lines += [f"  {key}: {_value(value)}" for key, value in plan["outputs"].items()]
    return "\n".join(lines) + "\n"


def _id(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)


def _aws_topology(role: str, mine: list[Mapping[str, Any]]) -> list[str]:
    vpn = next((r for r in mine if r["type"].endswith(":VpnConnection")), None)
    if vpn is None:
        return []
    lines = [f'  subgraph {_id(role)}["{role}"]']
    gw = f"{_id(role)}_gw"
    if vpn["inputs"].get("transitGatewayId"):
        lines.append(f'    {gw}["transit gateway {vpn["inputs"]["transitGatewayId"]}"]')
    else:
        lines.append(f'    {gw}["virtual private gateway"]')
    appliance = next((r for r in mine if r["type"].endswith(":Instance")), None)
    if appliance is not None:
        lines.append(
            f'    {_id(role)}_mss["MSS appliance<br/>{appliance["inputs"].get("subnetId", "")}"]'
        )
    tables = sorted(
        {
            r["inputs"]["routeTableId"]
            for r in mine
            if r["type"].endswith(":Route")
            and str(r["inputs"].get("routeTableId", "")).startswith("rtb-")
        }
    )
    for table in tables:
        lines.append(f'    {_id(role)}_{_id(table)}["route table {table}"]')
    lines.append("  end")
    for index in (1, 2):
        cidr = vpn["inputs"].get(f"tunnel{index}InsideCidr", "inside range chosen by AWS")
        lines.append(f'  genesys -- "tunnel {index} {cidr}" --- {gw}')
    for table in tables:
        target = f"{_id(role)}_mss" if appliance is not None else gw
        lines.append(f"  {_id(role)}_{_id(table)} --> {target}")
    if appliance is not None:
        lines.append(f"  {_id(role)}_mss --> {gw}")
    return lines


def _azure_topology(role: str, mine: list[Mapping[str, Any]]) -> list[str]:
    def first(kind: str) -> Mapping[str, Any] | None:
        return next((r for r in mine if r["type"].endswith(f":{kind}")), None)

    gateway, connection = first("VirtualNetworkGateway"), first("VirtualNetworkGatewayConnection")
    if gateway is None or connection is None:
        return []
    node = _id(role)
    location = gateway["inputs"].get("location", "")
    sku = (gateway["inputs"].get("sku") or {}).get("name", "")
    active_active = bool(gateway["inputs"].get("activeActive"))
    peers = (
        "two public IPs: one per Genesys connection"
        if active_active
        else "public IP: the Genesys peer"
    )
    lines = [
        f'  subgraph {node}["{role} ({location})"]',
        f'    {node}_gw["VPN gateway {sku}<br/>{peers}"]',
    ]
    subnet = next(
        (
            r
            for r in mine
            if r["type"].endswith(":Subnet") and r["inputs"].get("subnetName") == "GatewaySubnet"
        ),
        None,
    )
    if subnet is not None:
        lines.append(
            f'    {node}_gwsubnet["GatewaySubnet {subnet["inputs"].get("addressPrefix", "")}"]'
        )
    nsgs: dict[str, list[str]] = {}
    for rule in (r for r in mine if r["type"].endswith(":SecurityRule")):
        port = rule["inputs"].get("destinationPortRange", "*")
        proto = str(rule["inputs"].get("protocol", "")).lower()
        nsgs.setdefault(rule["inputs"].get("networkSecurityGroupName", "?"), []).append(
            "ICMP" if proto == "icmp" else f"{port}/{proto}"
        )
    for nsg, allowed in sorted(nsgs.items()):
        lines.append(
            f'    {node}_{_id(nsg)}["NSG {nsg}<br/>{", ".join(allowed)} from Genesys only"]'
        )
    appliance = first("VirtualMachine")
    if appliance is not None:
        lines.append(f'    {node}_mss["MSS appliance"]')
        lines.append(f'    {node}_rt["route table to Genesys"]')
    lines.append("  end")
    policy = (connection["inputs"].get("ipsecPolicies") or [{}])[0]
    label = " · ".join(
        str(policy.get(k, ""))
        for k in ("ikeEncryption", "dhGroup", "ipsecEncryption", "pfsGroup")
        if policy.get(k)
    )
    tunnels = ("tunnel 1 ", "tunnel 2 ") if active_active else ("",)
    lines += [f'  genesys -- "{t}IKEv2 {label}" --- {node}_gw' for t in tunnels]
    if subnet is not None:
        lines.append(f"  {node}_gw --- {node}_gwsubnet")
    for nsg in sorted(nsgs):
        target = f"{node}_mss" if appliance is not None else f"{node}_gw"
        lines.append(f"  {target} --> {node}_{_id(nsg)}")
    if appliance is not None:
        lines += [f"  {node}_gw --> {node}_mss", f"  {node}_rt --> {node}_mss"]
    return lines


def mermaid(plan: PlanData) -> str:
    """The topology: the Genesys gateway, each attachment's tunnels, gateway, routing and rules."""
    resources = plan["resources"]
    peer = next(
        (
            r["inputs"].get("ipAddress") or r["inputs"].get("gatewayIpAddress")
            for r in resources
            if r["type"].endswith((":CustomerGateway", ":LocalNetworkGateway"))
        ),
        None,
    )
    if peer is None:
        return "flowchart LR\n  genesys[Genesys Cloud VPN gateway] --- peer[IaaS peer: no cloud resources]\n"
    lines = ["flowchart LR", f'  genesys["Genesys Cloud VPN gateway<br/>{peer}"]']
    builders = {
        "c2c-vpn:aws:VpnAttachment": _aws_topology,
        "c2c-vpn:azure:VpnAttachment": _azure_topology,
    }
    for component in resources:
        build = builders.get(component["type"])
        if build is not None:
            lines += build(
                component["name"], [r for r in resources if r["parent"] == component["name"]]
            )
    return "\n".join(lines) + "\n"


def type_counts(plan: PlanData) -> dict[str, int]:
    """Resources per short type, sorted by type: the plan at a glance."""
    return dict(sorted(Counter(_short_type(r["type"]) for r in plan["resources"]).items()))


def format_markdown(plan: PlanData) -> str:
    counts = type_counts(plan)
    out = [f"### c2c-vpn plan: `{plan['stack']}`", "", "| resource type | count |", "|---|---:|"]
    out += [f"| `{t}` | {n} |" for t, n in counts.items()]
    out += [
        f"| **total** | **{sum(counts.values())}** |",
        "",
        "```mermaid",
        mermaid(plan).rstrip(),
        "```",
        "",
    ]
    for group, members in _groups(plan).items():
        out += [f"<details><summary><b>{group}</b> ({len(members)} resources)</summary>", ""]
        out += ["| type | name | inputs |", "|---|---|---|"]
        for r in members:
            inputs = "<br/>".join(
                f"`{k}`: {_value(v).replace('|', '&#124;').replace(chr(10), ' ')}"
                for k, v in r["inputs"].items()
            )
            out.append(f"| `{_short_type(r['type'])}` | `{r['name']}` | {inputs} |")
        out += ["", "</details>", ""]
    out += ["#### Outputs", "", "```json", strict_json(plan["outputs"], indent=2), "```", ""]
    return "\n".join(out)


FORMATS = {"text": format_text, "json": format_json, "markdown": format_markdown}


def format_plan(plan: PlanData, fmt: str) -> str:
    return FORMATS[fmt](plan)
