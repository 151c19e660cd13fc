"""From a stack to a cloud lab: the plan's model, the Genesys records, the lab's keys.

The plan comes from the caller (the CLI plans the stack under Pulumi's mocks; this package
never imports Pulumi). The Genesys records come from the reconciler's own reading: the
declared block, the API, or the simulator named with ``--genesys-url``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from c2cvpn.genesys.desired import Desired, Record
from c2cvpn.genesys.source import GenesysUnreadable, actual_records
from c2cvpn.lab.cloud import Options, run_cloud_lab
from c2cvpn.lab.cloud_model import CloudModel, ModelError, Source, assume_dpd, cloud_model
from c2cvpn.lab.run import LabRefused, LabResult, lab_psk, run_lab
from c2cvpn.lab.scenarios import ONPREM_SCENARIOS
from c2cvpn.psk import generate_psk
from c2cvpn.spec import NAMESPACE, LoadedStack, Role, attachment, genesys_connections
from c2cvpn.vendors import Provider


def genesys_pairs(
    loaded: LoadedStack, *, url: str | None = None, env: Mapping[str, str] | None = None
) -> list[tuple[Desired, Record | None]]:
    """(desired, actual) per Genesys connection, read as ``c2cvpn reconcile`` reads them."""
    try:
        return actual_records(loaded, url=url, env=env)
    except GenesysUnreadable as exc:
        raise LabRefused(f"cannot read the Genesys record: {exc}") from None


def run_stack_lab(
    loaded: LoadedStack,
    plan: Mapping[str, Any],
    *,
    role: str = "primary",
    options: Options,
    genesys_url: str | None = None,
    environ: Mapping[str, str] = os.environ,
    charon: Path | None = None,
    tag: str | None = None,
    on_start: Callable[[str], None] | None = None,
) -> LabResult:
    """The lab of a validated cloud stack's ``role`` attachment from its plan."""
    spec = loaded.spec
    try:
        model = cloud_model(plan, role)
    except ModelError as exc:
        raise LabRefused(str(exc)) from None
    # A vendor without a documented DPD timer (GCP) runs with the stack's own, said in a note.
    model = assume_dpd(
        model,
        spec.tunnel.dpd.timeout_seconds,
        Source(f"{NAMESPACE}:tunnel.dpd", "timeoutSeconds"),
    )
    # The model may span attachments (GCP: two Classic gateways in one VPC network): every
    # Genesys connection of those attachments, each on its endpoint there.
    spanned = {e.attachment or model.attachment for e in model.endpoints}
    connections = [c for c in genesys_connections(spec) if c.attachment.role in spanned]
    tunnels: dict[str, int] = {
        c.role: endpoint_index(model, c.attachment.role, c.tunnel) for c in connections
    }
    pairs = [p for p in genesys_pairs(loaded, url=genesys_url) if p[0].role in tunnels]
    keys: dict[str, str] = {}
    notes = []
    roles: tuple[Role, ...] = ("primary", "standby")
    for key_role in roles:
        key, source = lab_psk(spec, environ, key_role)
        if key_role == "standby" and source != "the stack" and key == keys["primary"]:
            # one key for both ($C2CVPN_PSK) would hide a tunnel wired to the other password
            key, source = generate_psk(), "generated"
        keys[key_role] = key
        notes.append(
            f"{key_role} pre-shared key: "
            + ("generated for this lab only" if source == "generated" else f"from {source}")
            + " (never printed)"
        )
    gateway = next(
        (
            str(a.values["gatewayIp"])
            for _, a in pairs
            if a is not None and a.values.get("gatewayIp")
        ),
        str(spec.genesys.gateway_ip),
    )
    source = "--genesys-url" if genesys_url else spec.genesys.source.value
    notes.append(
        f"Genesys stand-ins from the Genesys record ({source}); the cloud side from the plan"
    )
    return run_cloud_lab(
        stack=loaded.name,
        model=model,
        pairs=pairs,
        tunnels=tunnels,
        gateway_ip=gateway,
        keys=keys,
        options=options,
        charon=charon,
        tag=tag,
        on_start=on_start,
        key_notes=notes,
        key_roles={c.role: c.key_role for c in connections},
    )


def endpoint_index(model: CloudModel, attachment: str, tunnel: int) -> int:
    """The model's endpoint for an attachment's tunnel ``tunnel`` (1-based among the
    attachment's endpoints); the tunnel number itself when the model does not have it."""
    mine = [e.index for e in model.endpoints if (e.attachment or model.attachment) == attachment]
    return mine[tunnel - 1] if 0 < tunnel <= len(mine) else tunnel


#: Genesys record parameters the on-prem lab's stand-in takes, with the override key
#: :func:`c2cvpn.lab.run.perturb` knows them by.
_RECORD_OVERRIDES = {
    **{
        f"{phase}.{key}": f"{phase}.{key}"
        for phase, keys in (
            ("phase1", ("ikeVersion", "encryption", "integrity", "dhGroup", "lifetimeSeconds")),
            ("phase2", ("protocol", "encryption", "integrity", "pfsGroup", "lifetimeSeconds")),
        )
        for key in keys
    },
    "localNetworks": "tenantCidrs",
    "remoteNetworks": "networks",
}


def record_overrides(want: Desired, actual: Record | None) -> dict[str, object]:
    """What the on-prem lab's Genesys stand-in must change so that it holds the Genesys record
    rather than the spec: every value the record states and the spec does not. A missing
    record is refused (there is nothing to stand in for)."""
    if actual is None:
        raise LabRefused(f"Genesys holds no {want.role} connection {want.record.name!r}")
    out: dict[str, object] = {}
    for parameter, key in _RECORD_OVERRIDES.items():
        value = actual.values.get(parameter)
        if value is None or value == want.record.values.get(parameter):
            continue
        if parameter == "phase2.pfsGroup" and value == "off":
            value = None
        out[key] = list(value) if isinstance(value, tuple) else value
    return out


def run_any_lab(
    loaded: LoadedStack,
    *,
    plan: Callable[[], Mapping[str, Any]],
    role: str = "primary",
    options: Options,
    overrides: Mapping[str, object] | None = None,
    genesys_url: str | None = None,
    environ: Mapping[str, str] = os.environ,
    on_start: Callable[[str], None] | None = None,
) -> LabResult:
    """``c2cvpn lab STACK``: the on-prem lab (its Genesys stand-in holding the Genesys record,
    a scenario as a change to it) or the cloud lab on ``plan()`` (called only for a cloud
    stack). Raises :class:`LabRefused` for what the stack's lab cannot do."""
    try:
        end = attachment(loaded.spec, role)
    except ValueError as exc:
        raise LabRefused(str(exc)) from None
    if end.iaas.provider is not Provider.ONPREM:
        if overrides:
            raise LabRefused(
                "--genesys-override is for on-prem stacks; cloud stacks take --scenario"
            )
        return run_stack_lab(
            loaded,
            plan(),
            role=role,
            options=options,
            genesys_url=genesys_url,
            environ=environ,
            on_start=on_start,
        )
    if options.failover or options.soak:
        raise LabRefused(
            "--failover and --soak run on cloud stacks (the on-prem lab has one tunnel and no back end)"
        )
    # the Genesys stand-in holds what the reconciler reads, where that differs from the spec
    pairs = genesys_pairs(loaded, url=genesys_url)
    changes = {
        **record_overrides(*next(p for p in pairs if p[0].role == role)),
        **(overrides or {}),
    }
    scenario = options.scenario
    if scenario is not None:
        if scenario not in ONPREM_SCENARIOS:
            raise LabRefused(
                f"scenario {scenario} needs a cloud stack's back end and path; on-prem stacks run: "
                + ", ".join(ONPREM_SCENARIOS)
            )
        changes.update(ONPREM_SCENARIOS[scenario](loaded.spec))
    result = run_lab(
        loaded.spec,
        loaded.name,
        role=role,
        timeout=options.timeout,
        keep=options.keep,
        genesys_overrides=changes,
        environ=environ,
        on_start=on_start,
    )
    result.scenario = scenario
    return result
