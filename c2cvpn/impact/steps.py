"""The changes to classify: from a real ``pulumi preview --json``, or from two offline plans.

``pulumi preview --json`` prints a ``PreviewDigest`` (pulumi/pulumi
``sdk/go/common/display/json.go``): ``steps[]`` with ``op``, ``urn``, ``oldState``/``newState``
(``inputs``, secrets as ``"[secret]"``), ``diffReasons``, ``replaceReasons`` and
``detailedDiff`` (``{path: {kind}}``, kinds ``add``/``update``/``delete`` and their
``-replace`` forms), plus ``diagnostics`` and ``changeSummary``. A replacement is several
steps for one URN (``create-replacement``, ``replace``, ``delete-replaced``): they are grouped
by URN here. Offline plans (``c2cvpn plan --format json``) carry no diff: resources are
matched on (type, name) and their inputs compared key by key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

#: The step ops of ``pulumi.automation.events.OpType`` (copied: this package never imports
#: pulumi; tests/test_impact.py checks the copy against the SDK).
STEP_OPS = frozenset(
    {
        "same",
        "create",
        "update",
        "delete",
        "replace",
        "create-replacement",
        "delete-replaced",
        "read",
        "read-replacement",
        "refresh",
        "discard",
        "discard-replaced",
        "remove-pending-replace",
        "import",
        "import-replacement",
    }
)
#: The kinds of ``pulumi.automation.events.DiffKind`` (same check).
DIFF_KINDS = frozenset(
    {"add", "add-replace", "delete", "delete-replace", "update", "update-replace"}
)
_REPLACING = frozenset({"replace", "create-replacement", "delete-replaced"})
#: Steps that change nothing in the cloud (reads of data sources, state-only operations).
_QUIET = frozenset(
    {
        "same",
        "read",
        "read-replacement",
        "refresh",
        "discard",
        "discard-replaced",
        "remove-pending-replace",
    }
)

Op = Literal["create", "update", "replace", "delete", "import"]

#: How the engine writes a value known only after apply (``pulumi.runtime.rpc.UNKNOWN``).
UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


class ImpactInputError(ValueError):
    """The input cannot be read as a preview or a plan (exit 2)."""


@dataclass(frozen=True)
class Change:
    """One resource that changes, with what the provider said about it when it said anything."""

    urn: str
    type: str
    name: str
    parent: str | None
    op: Op
    paths: tuple[str, ...] = ()
    #: From a real preview: the provider's decision (True: replaced; False: in place).
    #: ``None`` for offline plans, where the table predicts.
    provider_replaces: bool | None = None
    replace_reasons: tuple[str, ...] = ()
    old: Mapping[str, Any] = field(default_factory=dict)
    new: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChangeSet:
    """Everything the report needs about one stack's change."""

    stack: str
    source: Literal["preview", "plans"]
    changes: tuple[Change, ...]
    unchanged: int
    #: Error diagnostics of a failed preview (empty when it succeeded).
    errors: tuple[str, ...] = ()
    base: Mapping[str, Any] | None = None
    head: Mapping[str, Any] | None = None

    @property
    def failed(self) -> bool:
        return bool(self.errors)


def _name_of(urn: str) -> str:
    return urn.rsplit("::", 1)[-1] if "::" in urn else urn


def _type_of(urn: str) -> str:
    parts = urn.split("::")
    return parts[-2].rsplit("$", 1)[-1] if len(parts) >= 3 else ""


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ImpactInputError(f"{what} is not an object")
    return value


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ImpactInputError(f"{what} is not a list of property names")
    return tuple(value)


def _changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(sorted(k for k in {*old, *new} if old.get(k) != new.get(k)))


def _leaves(paths: list[str]) -> list[str]:
    """Paths without duplicates, a whole input dropped when its parts are listed
    (``tags`` beside ``tags.Name``)."""
    unique = list(dict.fromkeys(paths))
    nested = {re.split(r"[.\[]", p, maxsplit=1)[0] for p in unique if re.search(r"[.\[]", p)}
    return [p for p in unique if p not in nested]


def _error_lines(diagnostics: Any) -> tuple[str, ...]:
    if diagnostics is None:
        return ()
    if not isinstance(diagnostics, list):
        raise ImpactInputError("`diagnostics` is not a list")
    lines: list[str] = []
    for diag in diagnostics:
        if isinstance(diag, Mapping) and diag.get("severity") == "error":
            message = str(diag.get("message", "")).strip()
            urn = diag.get("urn")
            lines.append(f"{_name_of(str(urn))}: {message}" if urn else message)
    return tuple(line for line in lines if line)


def _grouped(steps: list[Any]) -> dict[str, list[Mapping[str, Any]]]:
    by_urn: dict[str, list[Mapping[str, Any]]] = {}
    for index, step in enumerate(steps):
        if not isinstance(step, Mapping):
            raise ImpactInputError(f"steps[{index}] is not an object")
        op, urn = step.get("op"), step.get("urn")
        if not isinstance(urn, str) or not urn:
            raise ImpactInputError(f"steps[{index}] has no `urn`")
        if op not in STEP_OPS:
            raise ImpactInputError(
                f"steps[{index}] has op {str(op)[:40]!r}: not a `pulumi preview --json` step op"
            )
        by_urn.setdefault(urn, []).append(step)
    return by_urn


def _state_type(state: Mapping[str, Any], urn: str) -> str:
    token = state.get("type")
    return token if isinstance(token, str) and token else _type_of(urn)


def _change_from_steps(urn: str, steps: list[Mapping[str, Any]]) -> Change | None:
    ops = {str(s["op"]) for s in steps}
    if ops <= _QUIET:
        return None
    old: Mapping[str, Any] = {}
    new: Mapping[str, Any] = {}
    state: Mapping[str, Any] = {}
    paths: list[str] = []
    reasons: list[str] = []
    replace_kind = False
    for step in steps:
        for key in ("oldState", "newState"):
            value = _mapping(step.get(key), f"{urn}: `{key}`")
            if value:
                state = value
                inputs = _mapping(value.get("inputs"), f"{urn}: `{key}.inputs`")
                if key == "oldState":
                    old = old or inputs
                else:
                    new = inputs
        paths += _strings(step.get("diffReasons"), f"{urn}: `diffReasons`")
        reasons += _strings(step.get("replaceReasons"), f"{urn}: `replaceReasons`")
        detailed = _mapping(step.get("detailedDiff"), f"{urn}: `detailedDiff`")
        for path, diff in detailed.items():
            paths.append(path)
            kind = diff.get("kind") if isinstance(diff, Mapping) else None
            if isinstance(kind, str) and kind.endswith("-replace"):
                replace_kind = True
                reasons.append(path)
    if ops & _REPLACING or reasons or replace_kind:
        op: Op = "replace" if (ops & _REPLACING or "update" in ops) else "create"
    elif "create" in ops:
        op = "create"
    elif "delete" in ops:
        op = "delete"
    elif ops & {"import", "import-replacement"}:
        op = "import"
    else:
        op = "update"
    if op == "update" and not paths:
        paths = list(_changed_keys(old, new))
    paths = _leaves(paths + reasons)
    parent = state.get("parent")
    return Change(
        urn=urn,
        type=_state_type(state, urn),
        name=_name_of(urn),
        parent=_name_of(parent) if isinstance(parent, str) and parent else None,
        op=op,
        paths=tuple(paths),
        provider_replaces=op == "replace" if op in ("update", "replace") else None,
        replace_reasons=tuple(dict.fromkeys(reasons)),
        old=old,
        new=new,
    )


def from_preview(document: Any, stack: str) -> ChangeSet:
    """A ``pulumi preview --json`` document (already parsed) as a :class:`ChangeSet`."""
    if not isinstance(document, Mapping):
        raise ImpactInputError("the preview is not a JSON object (`pulumi preview --json`)")
    steps = document.get("steps", [])
    if not isinstance(steps, list):
        raise ImpactInputError("`steps` is not a list")
    errors = _error_lines(document.get("diagnostics"))
    if "steps" not in document and not errors:
        raise ImpactInputError(
            "no `steps` and no error diagnostics: not the output of `pulumi preview --json`"
        )
    changes: list[Change] = []
    unchanged = 0
    for urn, group in _grouped(steps).items():
        change = _change_from_steps(urn, group)
        if change is None:
            unchanged += 1
        else:
            changes.append(change)
    return ChangeSet(stack, "preview", tuple(changes), unchanged, errors)


def _resources(plan: Mapping[str, Any], what: str) -> dict[tuple[str, str], Mapping[str, Any]]:
    resources = plan.get("resources")
    if not isinstance(resources, list):
        raise ImpactInputError(f"{what}: no `resources` list (`c2cvpn plan --format json`)")
    out: dict[tuple[str, str], Mapping[str, Any]] = {}
    for index, resource in enumerate(resources):
        if not (
            isinstance(resource, Mapping)
            and isinstance(resource.get("type"), str)
            and isinstance(resource.get("name"), str)
            and isinstance(resource.get("inputs", {}), Mapping)
        ):
            raise ImpactInputError(f"{what}: resources[{index}] needs `type`, `name`, `inputs`")
        out[(resource["type"], resource["name"])] = resource
    return out


def empty_plan(stack: str) -> dict[str, Any]:
    """The plan of a stack that does not exist yet (every resource of the head is created)."""
    return {"stack": stack, "resources": [], "outputs": {}}


def from_plans(base: Mapping[str, Any], head: Mapping[str, Any], stack: str) -> ChangeSet:
    """The predicted change between two offline plans: matched on (type, name)."""
    before, after = _resources(base, "base plan"), _resources(head, "head plan")
    changes: list[Change] = []
    unchanged = 0
    for key in sorted({*before, *after}):
        type_, name = key
        old_r, new_r = before.get(key), after.get(key)
        old = _mapping((old_r or {}).get("inputs"), f"{name}: inputs")
        new = _mapping((new_r or {}).get("inputs"), f"{name}: inputs")
        parent = (new_r or old_r or {}).get("parent")
        urn = f"{type_}::{name}"
        if old_r is None:
            op: Op = "create"
            paths: tuple[str, ...] = ()
        elif new_r is None:
            op, paths = "delete", ()
        else:
            paths = _changed_keys(old, new)
            if not paths:
                unchanged += 1
                continue
            op = "update"  # the table decides whether it replaces
        changes.append(
            Change(
                urn,
                type_,
                name,
                parent if isinstance(parent, str) else None,
                op,
                paths,
                old=old,
                new=new,
            )
        )
    return ChangeSet(stack, "plans", tuple(changes), unchanged, base=base, head=head)


def read_json(text: str, what: str) -> Any:
    """Strict JSON (no NaN), with a one-line error naming the file."""

    def refuse(token: str) -> None:
        raise ValueError(f"{token} is not JSON")

    if not text.strip():
        raise ImpactInputError(f"{what} is empty")
    try:
        return json.loads(text, parse_constant=refuse)
    except (ValueError, RecursionError) as exc:
        raise ImpactInputError(f"{what} is not valid JSON: {str(exc)[:120]}") from None


def as_plan(document: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(document, Mapping) or "resources" not in document:
        if isinstance(document, Mapping) and "error" in document:
            raise ImpactInputError(f"{what} is the error answer of `c2cvpn plan`, not a plan")
        raise ImpactInputError(f"{what} is not a plan (`c2cvpn plan --format json`)")
    return document


def value_at(inputs: Mapping[str, Any], path: str) -> Any:
    """The value at ``ipsecPolicies[0].ikeEncryption`` (None when absent)."""
    node: Any = inputs
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            node = node[index] if isinstance(node, list) and index < len(node) else None
        else:
            node = node.get(part) if isinstance(node, Mapping) else None
        if node is None:
            return None
    return node
