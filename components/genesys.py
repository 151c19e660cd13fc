"""The Genesys side in the Pulumi program: verify it (read-only) or manage it (dynamic resource).

One entry point, :func:`genesys_side`. All logic lives in :mod:`c2cvpn.genesys`; this module
only wires it into Pulumi.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi import dynamic

from c2cvpn.genesys import manage
from c2cvpn.genesys.client import GenesysError, RetryPolicy, deadline_from_env
from c2cvpn.genesys.desired import Desired, Record, declared, to_input
from c2cvpn.genesys.reconcile import Finding, Reconciliation, compare, format_lines, reconcile
from c2cvpn.genesys.source import (
    GenesysUnreadable,
    api_addresses,
    api_settings,
    desired_all,
    read_actual,
)
from c2cvpn.problems import Severity
from c2cvpn.retrying import quiet_retry_logs
from c2cvpn.spec import GenesysSource, LoadedStack, StackSpec

#: Pulumi secret config holding the OAuth client secret (the Genesys Cloud provider's key).
SECRET_CONFIG_KEY = "genesyscloud:oauthclientSecret"


# --------------------------------------------------------------------------- manage: dynamic resource


class VpnConnectionProvider(dynamic.ResourceProvider):
    """CRUD for one Genesys-side connection through the contract. Holds no credential.

    ``retry``/``transport`` exist for tests; the engine uses the defaults.
    """

    serialize_as_secret_always = (
        False  # nothing secret is captured (the secret is read at run time)
    )

    def __init__(self, retry: RetryPolicy | None = None, transport: Any = None) -> None:
        self._retry = retry
        self._transport = transport
        self._configured_secret: str | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_configured_secret"] = None  # never serialised into state
        state["_transport"] = None
        return state

    def configure(self, req: dynamic.ConfigureRequest) -> None:
        value = req.config.get(SECRET_CONFIG_KEY)
        self._configured_secret = value if isinstance(value, str) and value else None

    def _client(self, props: Mapping[str, Any]) -> Any:
        # Retries are expected and the outcome is reported: stamina's per-retry warnings
        # would reach the engine's stderr as noise.
        quiet_retry_logs()
        return manage.client_for(
            props["api"],
            configured_secret=self._configured_secret,
            retry=self._retry,
            transport=self._transport,
        )

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dynamic.CheckResult:
        failures = manage.check(news, unknown=_UNKNOWN)
        return dynamic.CheckResult(news, [dynamic.CheckFailure(p, r) for p, r in failures])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        if manage.contains(news, _UNKNOWN):
            return dynamic.DiffResult(changes=True)
        with self._client(news) as client:
            changes, replaces, _ = manage.diff(client, _id, olds, news)
        return dynamic.DiffResult(
            changes=changes, replaces=replaces, delete_before_replace=bool(replaces)
        )

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        with self._client(props) as client:
            conn_id, outs = manage.create(client, props)
        return dynamic.CreateResult(conn_id, outs)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dynamic.UpdateResult:
        with self._client(news) as client:
            return dynamic.UpdateResult(manage.update(client, _id, news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        with self._client(props) as client:
            manage.delete(client, _id)

    def read(self, id_: str, props: dict[str, Any]) -> dynamic.ReadResult:
        with self._client(props) as client:
            outs = manage.read(client, id_, props)
        return dynamic.ReadResult(id_ if outs is not None else None, outs or {})


_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi.runtime.rpc.UNKNOWN, as dynamic providers see it


class VpnConnectionRecord(dynamic.Resource, module="genesys", name="VpnConnectionRecord"):
    """The dynamic resource (``pulumi-python:dynamic/genesys:VpnConnectionRecord``)."""

    connection_id: pulumi.Output[str]
    gateway_ip: pulumi.Output[str]
    findings: pulumi.Output[list[dict[str, Any]]]

    def __init__(
        self,
        name: str,
        props: dict[str, Any],
        opts: pulumi.ResourceOptions | None = None,
        provider: VpnConnectionProvider | None = None,
    ) -> None:
        full = {**props, **dict.fromkeys(manage.OUTPUT_KEYS)}
        opts = pulumi.ResourceOptions.merge(
            opts,
            pulumi.ResourceOptions(
                additional_secret_outputs=["preSharedKey", "pre_shared_key_digest"]
            ),
        )
        super().__init__(provider or VpnConnectionProvider(), name, full, opts)


class VpnConnection(pulumi.ComponentResource):
    """``c2c-vpn:genesys:VpnConnection``: one managed Genesys connection (child ``{name}-record``)."""

    connection_id: pulumi.Output[str]
    gateway_ip: pulumi.Output[str]
    findings: pulumi.Output[list[dict[str, Any]]]

    def __init__(
        self,
        name: str,
        args: dict[str, Any],
        opts: pulumi.ResourceOptions | None = None,
        provider: VpnConnectionProvider | None = None,
    ) -> None:
        super().__init__("c2c-vpn:genesys:VpnConnection", name, None, opts)
        record = VpnConnectionRecord(
            f"{name}-record", args, pulumi.ResourceOptions(parent=self), provider=provider
        )
        self.connection_id = record.connection_id
        self.gateway_ip = record.gateway_ip
        self.findings = record.findings
        self.register_outputs(
            {
                "connectionId": self.connection_id,
                "gatewayIp": self.gateway_ip,
                "findings": self.findings,
            }
        )


# --------------------------------------------------------------------------- entry point


def _failure(result: Reconciliation, *, mode: str) -> pulumi.RunError:
    lines = "\n".join(format_lines(result))
    return pulumi.RunError(f"the Genesys side does not match the spec ({mode}):\n{lines}")


def _plain(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _client_secret() -> str | None:
    raw = pulumi.runtime.get_config(SECRET_CONFIG_KEY)
    return raw if isinstance(raw, str) and raw else None


def genesys_side(
    loaded: LoadedStack,
    *,
    cloud_outputs: Mapping[str, Mapping[str, Any]] | None = None,
    psks: Mapping[str, pulumi.Input[str]] | None = None,
    opts: pulumi.ResourceOptions | None = None,
) -> dict[str, Any]:
    """Verify or manage the Genesys side of a validated stack; returns exports to register.

    Arguments:
        loaded: the validated stack (``components.engine_config.load_from_engine()``).
        cloud_outputs: per Genesys connection role, what the IaaS deployment knows, e.g.
            ``{"primary": {"peerIp": aws_vpn.tunnel1_address}, "standby": {...}}``. ``peerIp``
            may be a plain string or an Output (a tunnel outside IP the cloud assigns). Missing
            roles or keys mean "not known": the peer IP is then not compared (on-prem uses
            iaas.peerIp).
        psks: each Genesys connection's pre-shared key by role (secret Outputs of
            ``engine_config.pre_shared_key``). Needed in ``manage`` mode (they are written to
            Genesys); ignored otherwise.
        opts: options for the resources created in ``manage`` mode (e.g. a parent).

    Behaviour by ``genesys.source`` / ``genesys.api.mode``:
        - ``declared``: compares the dashboard block (or the spec) at program time; a must-match
          difference raises ``pulumi.RunError`` (fails preview and up).
        - ``api`` + ``verify`` (default): reads Genesys at program time (preview and up); a
          must-match difference or an unreadable API raises ``pulumi.RunError``. A peer IP known
          only after apply is compared in an apply that fails ``up`` on a mismatch.
        - ``api`` + ``manage``: one ``VpnConnection`` component per attachment
          (``genesys-<role>``) creates/updates the connection; its diff is the reconciler.

    Returns a dict of stack exports: ``genesysSource``, ``genesysMode``, ``genesysInSync``
    (bool, or Output[bool] when a check waits for apply), ``genesysFindings`` (list of finding
    dicts, warnings included), and in manage mode ``genesysConnectionIds`` and
    ``genesysGatewayIps`` ({role: Output[str]}). No secret is exported.
    """
    spec = loaded.spec
    cloud_outputs = cloud_outputs or {}
    api = spec.genesys.api
    mode = "manage" if api is not None and api.mode == "manage" else "verify"
    source = spec.genesys.source.value
    exports: dict[str, Any] = {"genesysSource": source, "genesysMode": mode}
    plain_peers = {role: _plain(v.get("peerIp")) for role, v in cloud_outputs.items()}
    wanted = desired_all(spec, peer_ips=plain_peers)

    if mode == "manage":
        return {**exports, **_manage(loaded, wanted, cloud_outputs, psks or {}, opts)}

    actual = _actual(spec, wanted, source)
    result = reconcile(loaded.name, zip(wanted, actual, strict=True))
    if not result.in_sync:
        raise _failure(result, mode=f"{source}, verify")
    for f in result.findings:
        pulumi.log.warn(f"{f.code} [{f.connection}] {f.parameter}: {f.message}")
    exports["genesysFindings"] = [f.as_dict() for f in result.findings]
    exports["genesysInSync"] = True
    late = _late_checks(loaded.name, wanted, actual, cloud_outputs, source)
    if late:
        exports["genesysInSync"] = pulumi.Output.all(*late).apply(lambda oks: all(oks))
    return exports


def _actual(spec: StackSpec, wanted: list[Desired], source: str) -> list[Record | None]:
    """What Genesys holds: the declared block (or the spec), or the API read at program time."""
    if spec.genesys.source is GenesysSource.DECLARED:
        return [declared(spec, w.role) for w in wanted]
    quiet_retry_logs()
    try:
        settings = api_settings(spec, client_secret=_client_secret())
        # Bounded like `c2cvpn reconcile`: retries, waits and slow answers, $C2CVPN_DEADLINE.
        with settings.client(deadline=deadline_from_env()) as client:
            return read_actual(client, wanted)
    except (GenesysUnreadable, GenesysError) as exc:
        raise pulumi.RunError(f"cannot read the Genesys side ({source}, verify): {exc}") from None


def _late_checks(
    stack: str,
    wanted: list[Desired],
    actual: list[Record | None],
    cloud_outputs: Mapping[str, Mapping[str, Any]],
    source: str,
) -> list[pulumi.Output[bool]]:
    """Peer IPs known only after apply (AWS): compared once they resolve (not in preview)."""
    checks: list[pulumi.Output[bool]] = []
    for w, a in zip(wanted, actual, strict=True):
        peer = cloud_outputs.get(w.role, {}).get("peerIp")
        if a is None or not isinstance(peer, pulumi.Output):
            continue

        def check(ip: str | None, w: Desired = w, a: Record = a) -> bool:
            return _late_peer_check(stack, w, a, ip, source)

        checks.append(peer.apply(check))
    return checks


def _late_peer_check(
    stack: str, want: Desired, actual: Record, peer_ip: str | None, source: str
) -> bool:
    if not peer_ip:
        return True
    values = dict(want.record.values)
    values["peerIp"] = peer_ip
    target = Desired(
        want.role,
        want.provider,
        Record(want.record.name, values, want.record.id, want.record.psk),
        want.paths,
        {},
    )
    findings: list[Finding] = [
        f
        for f in compare(target, actual)[0]
        if f.parameter == "peerIp" and f.severity is Severity.ERROR
    ]
    if findings:
        raise _failure(Reconciliation(stack, findings), mode=f"{source}, verify after apply")
    return True


def _manage(
    loaded: LoadedStack,
    wanted: list[Desired],
    cloud_outputs: Mapping[str, Mapping[str, Any]],
    psks: Mapping[str, pulumi.Input[str]],
    opts: pulumi.ResourceOptions | None,
) -> dict[str, Any]:
    spec = loaded.spec
    api = spec.genesys.api
    assert api is not None
    missing = [w.role for w in wanted if w.role not in psks]
    if missing:
        raise pulumi.RunError(
            "genesys.api.mode is manage, but no pre-shared key was passed to "
            f"genesys_side(psks=...) for the {' and '.join(missing)} connection"
        )
    try:
        base, login, paths, timeout = api_addresses(spec)
    except GenesysUnreadable as exc:
        raise pulumi.RunError(str(exc)) from None
    api_inputs = {
        "baseUrl": base,
        "loginUrl": login,
        "clientId": api.client_id,
        "clientSecretEnv": api.client_secret_env,
        "tokenPath": paths.token,
        "connectionsPath": paths.connections,
        "timeoutSeconds": timeout,
    }
    ids: dict[str, Any] = {}
    gateways: dict[str, Any] = {}
    findings: list[Any] = []
    for want in wanted:
        peer = cloud_outputs.get(want.role, {}).get("peerIp") or want.record.values["peerIp"]
        if peer is None:
            raise pulumi.RunError(
                f"the {want.role} connection's peer IP is unknown: pass cloud_outputs[{want.role!r}]['peerIp']"
            )

        def body(ip: str, w: Desired = want) -> dict[str, Any]:
            # The key travels as its own secret input; the record never holds it.
            return to_input(w, peer_ip=ip, psk="").model_dump(
                mode="json", by_alias=True, exclude={"pre_shared_key"}
            )

        record_body = pulumi.Output.from_input(peer).apply(body)
        args = {
            "role": want.role,
            "provider": want.provider.value,
            "record": record_body,
            "gatewayIp": want.record.values["gatewayIp"],
            "preSharedKey": pulumi.Output.secret(psks[want.role]),
            "paths": dict(want.paths),
            "api": api_inputs,
        }
        conn = VpnConnection(f"genesys-{want.role}", args, opts)
        ids[want.role] = conn.connection_id
        gateways[want.role] = conn.gateway_ip
        findings.append(conn.findings)
    all_findings = pulumi.Output.all(*findings).apply(
        lambda per_role: [f for fs in per_role for f in (fs or [])]
    )
    return {
        "genesysConnectionIds": ids,
        "genesysGatewayIps": gateways,
        "genesysFindings": all_findings,
        "genesysInSync": all_findings.apply(
            lambda fs: not any(f["severity"] == "error" for f in fs)
        ),
    }
