"""Properties of ``c2cvpn impact`` over arbitrary previews: the budget, the verdict first, one
marker, never a secret value, order independence, and "unclassified" never safe."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from c2cvpn.impact.classes import Impact
from c2cvpn.impact.report import _md, build, format_json, format_markdown, format_text
from c2cvpn.impact.steps import from_preview
from c2cvpn.markers import marker

VPN = "aws:ec2/vpnConnection:VpnConnection"
TYPES = [
    VPN,
    "aws:ec2/customerGateway:CustomerGateway",
    "aws:ec2/route:Route",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "azure-native:network:VirtualNetworkGatewayConnection",
    "azure-native:network:PublicIPAddress",
    "random:index/randomPassword:RandomPassword",
    "example:unknown/thing:Thing",
]
PATHS = [
    "tags",
    "tunnel1Phase1EncryptionAlgorithms",
    "tunnel2InsideCidr",
    "customerGatewayId",
    "deviceName",
    "connectionProtocol",
    "ipsecPolicies[0].ikeEncryption",
    "sku",
    "length",
    "destinationCidrBlock",
    "someNewInput",
]
SECRET_PATHS = ["tunnel1PresharedKey", "tunnel2PresharedKey", "sharedKey", "result"]

names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=40
).filter(lambda s: "::" not in s and not s.endswith(":"))
secrets = st.text(
    alphabet="abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=16, max_size=40
).map(lambda s: "S3cr3t-" + s)


@st.composite
def steps(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[str]]:
    out: list[dict[str, Any]] = []
    hidden: list[str] = []
    for index in range(draw(st.integers(0, 60))):
        type_ = draw(st.sampled_from(TYPES))
        name = f"{draw(names)}-{index}"
        urn = f"urn:pulumi:prod::c2c-vpn::{type_}::{name}"
        op = draw(st.sampled_from(["same", "update", "replace", "create", "delete"]))
        paths = draw(st.lists(st.sampled_from(PATHS + SECRET_PATHS), max_size=5, unique=True))
        old: dict[str, Any] = {}
        new: dict[str, Any] = {}
        for path in paths:
            if path in SECRET_PATHS:
                old[path], new[path] = draw(secrets), draw(secrets)
                hidden += [old[path], new[path]]
            else:
                old[path] = draw(st.text(max_size=300))
                new[path] = draw(st.text(max_size=300))
        state_old = {"urn": urn, "type": type_, "inputs": old}
        state_new = {"urn": urn, "type": type_, "inputs": new}
        if op == "replace":
            for sub in ("create-replacement", "replace", "delete-replaced"):
                out.append(
                    {
                        "op": sub,
                        "urn": urn,
                        "oldState": state_old,
                        "newState": state_new,
                        "replaceReasons": paths,
                    }
                )
        else:
            out.append(
                {
                    "op": op,
                    "urn": urn,
                    "oldState": state_old if op != "create" else None,
                    "newState": state_new if op != "delete" else None,
                    "diffReasons": paths if op == "update" else None,
                }
            )
    return out, hidden


@settings(max_examples=150, deadline=None)
@given(steps(), st.integers(1000, 65536), st.sampled_from(["prod", "dev", "dev-tokyo"]))
def test_the_comment_fits_starts_with_the_verdict_has_one_marker_and_no_secret(
    generated: tuple[list[dict[str, Any]], list[str]], budget: int, stack: str
) -> None:
    step_list, hidden = generated
    report = build(from_preview({"steps": step_list}, stack))
    md = format_markdown(report, budget)
    assert len(md) <= budget
    assert md.splitlines()[0] == _md(report.verdict.line)
    lines = [line.strip() for line in md.splitlines()]
    assert lines.count(marker("impact", stack)) == 1
    assert sum("c2cvpn:impact" in line for line in lines) == 1
    for text in (md, format_text(report), format_json(report)):
        assert not any(secret in text for secret in hidden)


@settings(max_examples=80, deadline=None)
@given(steps(), st.randoms(use_true_random=False))
def test_classification_does_not_depend_on_step_order(
    generated: tuple[list[dict[str, Any]], list[str]], rnd: random.Random
) -> None:
    step_list, _ = generated
    shuffled = list(step_list)
    rnd.shuffle(shuffled)
    a = build(from_preview({"steps": step_list}, "prod"))
    b = build(from_preview({"steps": shuffled}, "prod"))
    assert a.verdict == b.verdict
    assert dict(a.counts) == dict(b.counts)


@settings(max_examples=80, deadline=None)
@given(steps())
def test_unclassified_is_never_safe(generated: tuple[list[dict[str, Any]], list[str]]) -> None:
    step_list, _ = generated
    report = build(from_preview({"steps": step_list}, "prod"))
    if any(Impact.UNCLASSIFIED in f.impacts for f in report.findings):
        assert report.verdict.disruptive and report.exit_code == 1
    if not report.verdict.disruptive:
        assert all(f.impacts == {Impact.NO_IMPACT} for f in report.findings)
