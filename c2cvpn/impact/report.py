"""The impact report: verdict first, counts, what Genesys must do, then the details.

Markdown is a pull-request comment: it carries the stack's marker, it always fits in
``max_chars`` (GitHub refuses comments over 65,536 characters; the default leaves room), and
the budget drops details before the summary and never cuts the verdict. Secret values never
appear: a secret input shows as ``[secret]`` whatever the input holds.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from c2cvpn.impact import table
from c2cvpn.impact.classes import SEVERITY, Impact
from c2cvpn.impact.classify import (
    MEANING,
    Finding,
    Verdict,
    classify,
    counts,
    genesys_actions,
    verdict,
)
from c2cvpn.impact.steps import UNKNOWN_VALUE, ChangeSet, value_at
from c2cvpn.markers import marker
from c2cvpn.plan_report import mermaid, strict_json

DEFAULT_MAX_CHARS = 60_000
MIN_MAX_CHARS = 1_000
SECRET = "[secret]"
_VALUE_LIMIT = 160
#: Input names that hold key material even when the table does not know them yet.
_SECRET_NAME = re.compile(r"(?i)(pre)?sharedkey|secret|password|passphrase|privatekey|^result$")


@dataclass(frozen=True)
class Report:
    changes: ChangeSet
    findings: tuple[Finding, ...]
    verdict: Verdict
    actions: tuple[str, ...]
    notes: tuple[str, ...] = ()
    base_plan: Mapping[str, Any] | None = None
    head_plan: Mapping[str, Any] | None = None
    counts: Mapping[Impact, int] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code


def build(
    changes: ChangeSet,
    *,
    head_plan: Mapping[str, Any] | None = None,
    base_plan: Mapping[str, Any] | None = None,
    notes: Sequence[str] = (),
) -> Report:
    """Classify every change and assemble the report (pure; the CLI does the reading)."""
    findings = sorted(
        (classify(c) for c in changes.changes),
        key=lambda f: (SEVERITY.index(f.worst()), f.change.type, f.change.name),
    )
    head_plan = head_plan if head_plan is not None else changes.head
    base_plan = base_plan if base_plan is not None else changes.base
    more = list(notes)
    disagreements = [f for f in findings if f.disagreement]
    if disagreements:
        more.append(
            f"{len(disagreements)} change(s) where the provider and the impact table disagree: "
            "the provider's decision is used; correct the table (c2cvpn/impact/table.py) with a source."
        )
    actions = tuple(genesys_actions(findings, head_plan, base_plan))
    return Report(
        changes,
        tuple(findings),
        verdict(changes, findings, bool(actions)),
        actions,
        tuple(more),
        base_plan,
        head_plan,
        counts(findings),
    )


# --------------------------------------------------------------------------- values


def is_secret(type_token: str, path: str) -> bool:
    top = re.split(r"[.\[]", path, maxsplit=1)[0]
    return table.is_secret(type_token, path) or bool(_SECRET_NAME.search(top))


def shown(type_token: str, path: str, value: Any) -> str:
    """A value as the report may show it: secrets masked, long values cut."""
    if value is None:
        return "(none)"
    if is_secret(type_token, path):
        return SECRET
    text = value if isinstance(value, str) else strict_json(value, sort_keys=True)
    if SECRET in text:
        return SECRET
    text = text.replace(UNKNOWN_VALUE, "(known after apply)")
    return text if len(text) <= _VALUE_LIMIT else text[: _VALUE_LIMIT - 1] + "…"


def _property_rows(finding: Finding) -> list[dict[str, Any]]:
    change = finding.change
    rows: list[dict[str, Any]] = []
    for item in finding.paths:
        rows.append(
            {
                "path": item.path,
                "impacts": sorted(i.value for i in item.impacts),
                "replaces": item.replaces,
                "tunnel": item.tunnel,
                "source": item.source,
                "why": item.why,
                "old": shown(change.type, item.path, value_at(change.old, item.path)),
                "new": shown(change.type, item.path, value_at(change.new, item.path)),
            }
        )
    for path in finding.unclassified:
        rows.append(
            {
                "path": path,
                "impacts": [Impact.UNCLASSIFIED.value],
                "replaces": None,
                "tunnel": None,
                "source": "",
                "why": "not in the impact table",
                "old": shown(change.type, path, value_at(change.old, path)),
                "new": shown(change.type, path, value_at(change.new, path)),
            }
        )
    return rows


# --------------------------------------------------------------------------- JSON


def to_json(report: Report) -> dict[str, Any]:
    changes = report.changes
    return {
        "stack": changes.stack,
        "source": changes.source,
        "status": report.verdict.status,
        "verdict": report.verdict.line,
        "disruptive": report.verdict.disruptive,
        "exitCode": report.exit_code,
        "counts": {i.value: n for i, n in report.counts.items()},
        "genesysActions": list(report.actions),
        "notes": list(report.notes),
        "errors": list(changes.errors),
        "unchanged": changes.unchanged,
        "changes": [
            {
                "urn": f.change.urn,
                "type": f.change.type,
                "name": f.change.name,
                "parent": f.change.parent,
                "op": f.change.op,
                "effectiveOp": f.op_label,
                "impacts": [i.value for i in SEVERITY if i in f.impacts],
                "replaced": f.replaced,
                "tableSaysReplace": f.predicted_replace,
                "providerReplaces": f.change.provider_replaces,
                "replaceReasons": list(f.change.replace_reasons),
                "disagreement": f.disagreement,
                "tunnels": sorted(f.tunnels),
                "source": f.source,
                "properties": _property_rows(f),
            }
            for f in report.findings
        ],
    }


def format_json(report: Report) -> str:
    return strict_json(to_json(report), indent=2) + "\n"


# --------------------------------------------------------------------------- text


def format_text(report: Report) -> str:
    lines = [report.verdict.line, ""]
    if report.counts:
        lines.append("impact:")
        lines += [f"  {n:>4}  {i.value:<24} {MEANING[i]}" for i, n in report.counts.items()]
        lines.append("")
    if report.actions:
        lines.append("what to do in Genesys:")
        lines += [f"  - {a.replace('**', '')}" for a in report.actions]
        lines.append("")
    for note in report.notes:
        lines.append(f"note: {note}")
    if report.notes:
        lines.append("")
    if report.changes.errors:
        lines.append("preview errors:")
        lines += [f"  {e}" for e in report.changes.errors]
        lines.append("")
    for f in report.findings:
        lines.append(
            f"{f.op_label} {f.change.type} {f.label}: {', '.join(i.value for i in SEVERITY if i in f.impacts)}"
        )
        if f.disagreement:
            lines.append(f"    ! {f.disagreement}")
        for row in _property_rows(f):
            lines.append(
                f"    {row['path']}: {row['old']} → {row['new']}  [{', '.join(row['impacts'])}]"
            )
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- Markdown


def _md(text: str) -> str:
    """Text from a stack or a provider, safe inside a comment: no HTML, no table breaks."""
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "&#124;")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def _code(text: str) -> str:
    return f"<code>{_md(text)}</code>"


def _counts_table(report: Report) -> list[str]:
    if not report.counts:
        return []
    rows = ["| impact | changes | what it means |", "|---|---:|---|"]
    rows += [f"| {i.value} | {n} | {MEANING[i]} |" for i, n in report.counts.items()]
    return [*rows, ""]


def _actions(report: Report, limit: int) -> list[str]:
    if not report.actions:
        return []
    shown_actions = list(report.actions[:limit])
    out = ["#### What to do in Genesys", ""]
    out += [f"- {_md(a)}" for a in shown_actions]
    if len(report.actions) > limit:
        out.append(f"- … and {len(report.actions) - limit} more (`c2cvpn impact --format json`)")
    return [*out, ""]


def _finding_rows(finding: Finding) -> list[str]:
    impacts = ", ".join(i.value for i in SEVERITY if i in finding.impacts)
    head = (
        f"| {finding.op_label} | {_code(finding.change.type)} {_code(finding.label)} | {impacts} |"
    )
    details = []
    if finding.disagreement:
        details.append(f"⚠️ {_md(finding.disagreement)}")
    for row in _property_rows(finding):
        cite = f" — {_md(row['source'])}" if row["source"] else ""
        details.append(
            f"{_code(row['path'])}: {_code(row['old'])} → {_code(row['new'])} ({', '.join(row['impacts'])}){cite}"
        )
    if not details and finding.source:
        details.append(_md(finding.source))
    return [head[:-2] + "<br/>" + "<br/>".join(details) + " |" if details else head]


def _details(report: Report, limit: int) -> list[str]:
    if not report.findings:
        return []
    out = [
        f"<details><summary>Changes: {len(report.findings)} resource(s) change, {report.changes.unchanged} unchanged</summary>",
        "",
        "| op | resource | impact and properties |",
        "|---|---|---|",
    ]
    for finding in report.findings[:limit]:
        out += _finding_rows(finding)
    if len(report.findings) > limit:
        out.append(
            f"| … | {len(report.findings) - limit} more | cut to fit the comment: `c2cvpn impact --format json` lists them all |"
        )
    return [*out, "", "</details>", ""]


def _errors(report: Report, limit: int) -> list[str]:
    if not report.changes.errors:
        return []
    out = ["<details open><summary>Preview errors</summary>", "", "<pre>"]
    for error in report.changes.errors[:limit]:
        out.append(html.escape(error[:2000], quote=False))
    if len(report.changes.errors) > limit:
        out.append(f"… and {len(report.changes.errors) - limit} more")
    return [*out, "</pre>", "", "</details>", ""]


def _topology(report: Report) -> list[str]:
    base, head = report.base_plan, report.head_plan
    if head is None or report.changes.source != "plans":
        return []
    after = mermaid(head)
    before = mermaid(base) if base is not None and base.get("resources") else None
    if before == after:
        return []
    out = ["<details><summary>Topology</summary>", ""]
    if before is not None:
        out += ["Before:", "", "```mermaid", before.rstrip(), "```", ""]
    out += [
        "After:" if before is not None else "New:",
        "",
        "```mermaid",
        after.rstrip(),
        "```",
        "",
        "</details>",
        "",
    ]
    return out


def _markdown(report: Report, *, rows: int, actions: int, errors: int, topology: bool) -> str:
    out = [_md(report.verdict.line), marker("impact", report.changes.stack), ""]
    out += _counts_table(report)
    out += _actions(report, actions)
    out += [f"> {_md(note)}" for note in report.notes]
    if report.notes:
        out.append("")
    out += _errors(report, errors)
    out += _details(report, rows)
    if topology:
        out += _topology(report)
    return "\n".join(out).rstrip() + "\n"


def format_markdown(report: Report, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The pull-request comment, within ``max_chars``: details go first, the verdict never."""
    if max_chars < MIN_MAX_CHARS:
        raise ValueError(f"max_chars {max_chars}: at least {MIN_MAX_CHARS}")
    rows, actions, errors = len(report.findings), len(report.actions), len(report.changes.errors)
    text = _markdown(report, rows=rows, actions=actions, errors=errors, topology=True)
    if len(text) <= max_chars:
        return text
    text = _markdown(report, rows=rows, actions=actions, errors=errors, topology=False)
    while len(text) > max_chars and (rows or actions > 5 or errors > 3):
        rows, actions, errors = (
            rows // 2,
            max(5, actions // 2) if actions > 5 else actions,
            max(3, errors // 2) if errors > 3 else errors,
        )
        text = _markdown(report, rows=rows, actions=actions, errors=errors, topology=False)
    if len(text) <= max_chars:
        return text
    # Still too long (a pathological error text): the verdict and the marker, and a pointer.
    tail = f"\n{marker('impact', report.changes.stack)}\n\n(the report was cut to fit a comment: run `c2cvpn impact --format json`)\n"
    return _md(report.verdict.line)[: max_chars - len(tail)] + tail


def render(report: Report, fmt: str, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    if fmt == "json":
        return format_json(report)
    if fmt == "markdown":
        return format_markdown(report, max_chars)
    return format_text(report)
