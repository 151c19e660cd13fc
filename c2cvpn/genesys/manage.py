"""The logic of the ``manage``-mode dynamic provider, free of Pulumi (the component wraps it).

Inputs of one managed connection (camelCase, JSON-able; no credential among them)::

    {"role": "primary", "provider": "aws",
     "record": {<ConnectionInput body without preSharedKey>},
     "gatewayIp": "203.0.113.10",            # what the spec expects Genesys to report
     "preSharedKey": <secret>,
     "paths": {"phase2.encryption": "c2c-vpn:tunnel.phase2.encryption", ...},
     "api": {"baseUrl", "loginUrl", "clientId", "clientSecretEnv", "tokenPath", "connectionsPath", "timeoutSeconds"}}

The client secret is looked up when a method runs: the Pulumi secret config
``genesyscloud:oauthclientSecret`` (handed to the provider's ``configure``), else the
environment variable named by ``clientSecretEnv`` — never a resource input, so never in state.
So is the overall deadline of each operation (``$C2CVPN_DEADLINE``, default 120 s).

A create is not repeated after a failure that leaves open whether Genesys acted on it (a
5xx, a timeout, a lost connection). Instead the connection is looked for by its exact name,
then and on the next run (when the POST meets "409 already exists"): it is *adopted* when
every must-match field agrees with the stack (the reconciler finds no error), else the run
fails with a message that names the orphan's id and how to remove it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr, ValidationError

from c2cvpn.genesys.client import (
    DEFAULT_TIMEOUT,
    ApiPaths,
    GenesysClient,
    GenesysError,
    NotFound,
    RetryPolicy,
    ValidationFailed,
    deadline_from_env,
)
from c2cvpn.genesys.credentials import resolve_credentials
from c2cvpn.genesys.desired import Desired, Record, from_connection
from c2cvpn.genesys.model import Connection, ConnectionInput, psk_digest
from c2cvpn.genesys.reconcile import Finding, compare
from c2cvpn.problems import Severity
from c2cvpn.vendors import Provider

#: Output properties (no key: only its digest, which the component marks secret).
OUTPUT_KEYS = ("connection_id", "gateway_ip", "pre_shared_key_digest", "findings")


def check(news: Mapping[str, Any], *, unknown: object = None) -> list[tuple[str, str]]:
    """(property, reason) failures. Values are never quoted (the record sits next to a key)."""
    failures: list[tuple[str, str]] = []
    for key in ("role", "provider", "record", "api", "preSharedKey"):
        if news.get(key) in (None, ""):
            failures.append((key, f"{key} is required"))
    if failures:
        return failures
    record = news["record"]
    if unknown is not None and contains(record, unknown):
        return []  # preview with values known only after apply (e.g. the AWS peer IP)
    psk = news["preSharedKey"]
    try:
        ConnectionInput.model_validate(
            {**record, "preSharedKey": psk if isinstance(psk, str) else None}
        )
    except ValidationError as exc:
        for e in exc.errors():
            failures.append(("record." + ".".join(str(p) for p in e["loc"]), e["msg"]))
    if "clientSecret" in news.get("api", {}):
        failures.append(
            (
                "api.clientSecret",
                "credentials are never resource inputs; set genesyscloud:oauthclientSecret or the environment",
            )
        )
    return failures


def contains(value: Any, sentinel: object) -> bool:
    if value == sentinel:
        return True
    if isinstance(value, Mapping):
        return any(contains(v, sentinel) for v in value.values())
    if isinstance(value, list):
        return any(contains(v, sentinel) for v in value)
    return False


def client_for(
    api: Mapping[str, Any],
    *,
    configured_secret: str | None = None,
    env: Mapping[str, str] | None = None,
    retry: RetryPolicy | None = None,
    transport: Any = None,
    deadline: float | None = None,
) -> GenesysClient:
    """A client for the ``api`` inputs; the credentials as :func:`resolve_credentials` finds them.

    ``deadline`` (seconds) bounds the whole operation; default :func:`deadline_from_env`.
    """
    base = str(api["baseUrl"])
    login = str(api.get("loginUrl") or base)
    creds = resolve_credentials(
        base_url=base,
        login_url=login,
        client_id=api.get("clientId"),
        client_secret=configured_secret,
        secret_env=api.get("clientSecretEnv"),
        env=env,
    )
    if creds.client_id is None or creds.client_secret is None:
        raise GenesysError(
            "no Genesys OAuth credentials: set genesyscloud:oauthclientSecret (secret) or "
            f"${creds.secret_env}, and genesys.api.clientId"
        )
    paths = ApiPaths(
        token=str(api.get("tokenPath") or ApiPaths.token),
        connections=str(api.get("connectionsPath") or ApiPaths.connections),
    )
    return GenesysClient(
        base_url=base,
        login_url=login,
        client_id=creds.client_id,
        client_secret=creds.client_secret,
        paths=paths,
        timeout=float(api.get("timeoutSeconds") or DEFAULT_TIMEOUT),
        retry=retry,
        transport=transport,
        deadline=deadline if deadline is not None else deadline_from_env(env),
    )


def desired_of(news: Mapping[str, Any]) -> Desired:
    """The reconciler's view of the inputs (gatewayIp: what the spec expects Genesys to report)."""
    record = dict(news["record"])
    conn = Connection.model_validate({**record, "id": "desired", "gatewayIp": news["gatewayIp"]})
    rec = from_connection(conn)
    psk = news.get("preSharedKey")
    return Desired(
        role=news["role"],
        provider=Provider(news["provider"]),
        record=Record(conn.name, rec.values, psk=SecretStr(psk) if isinstance(psk, str) else None),
        paths=dict(news.get("paths") or {}),
    )


def body_of(news: Mapping[str, Any]) -> ConnectionInput:
    return ConnectionInput.model_validate({**news["record"], "preSharedKey": news["preSharedKey"]})


def outputs(news: Mapping[str, Any], conn: Connection, findings: list[Finding]) -> dict[str, Any]:
    """Output properties: the inputs minus the key, plus what Genesys reports.

    ``pre_shared_key_digest`` is Genesys' digest, or, from a server that offers none, the
    digest of the key last written (so a key changed in the stack is still seen by
    :func:`diff`: the engine hands it the old *outputs*, which never hold the key).
    """
    outs = {k: v for k, v in news.items() if k != "preSharedKey" and k not in OUTPUT_KEYS}
    psk = news.get("preSharedKey")
    digest = conn.pre_shared_key_digest
    if digest is None:
        digest = (
            psk_digest(conn.id, psk)
            if isinstance(psk, str) and psk
            else news.get("pre_shared_key_digest")
        )
    outs.update(
        connection_id=conn.id,
        gateway_ip=str(conn.gateway_ip),
        pre_shared_key_digest=digest,
        findings=[f.as_dict() for f in findings],
    )
    return outs


def diff(
    client: GenesysClient, connection_id: str, olds: Mapping[str, Any], news: Mapping[str, Any]
) -> tuple[bool, list[str], list[Finding]]:
    """(changes, replaces, findings): the reconciler on the live record, by id.

    Any finding (error or warning) is a change: manage mode converges the whole record. A
    connection deleted behind Pulumi's back is replaced (created again).
    """
    want = desired_of(news)
    try:
        actual = client.get_connection(connection_id)
    except NotFound:
        return True, ["record"], []
    live = from_connection(actual)
    findings, _ = compare(want, live)
    # gatewayIp is Genesys' own (read-only): a difference is reported, but no update can fix it.
    actionable = [f for f in findings if f.parameter != "gatewayIp"]
    # The record's values do not hold its name: a renamed connection is an update too.
    renamed = live.name != want.record.name
    # The key is compared on the live record when Genesys offers a digest; without one, against
    # the digest of the key last written (old outputs), so a key changed in the stack is a change.
    psk = news.get("preSharedKey")
    rotated = (
        live.psk_digest is None
        and isinstance(psk, str)
        and olds.get("pre_shared_key_digest") != psk_digest(connection_id, psk)
    )
    return bool(actionable) or renamed or rotated, [], findings


class OrphanRefused(GenesysError):
    """A connection with the stack's name exists in Genesys but differs where it must match:
    it is neither adopted nor overwritten. ``str()`` names its id and how to remove it."""


def create(client: GenesysClient, news: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Create the connection; or adopt the one an earlier, ambiguous create left behind.

    A POST that failed ambiguously (``maybe_acted``) is not repeated: the connection is
    looked up by name and adopted if it is there. A POST refused with 409 (a connection with
    this name exists: the leftover of such a failure in an earlier run, or one made by hand)
    adopts it the same way. Adopting means: every must-match field agrees (else
    :class:`OrphanRefused`), then the record is written once more with the stack's values and
    key (an idempotent PUT) when Genesys shows no key digest or a local setting differs.
    """
    body = body_of(news)
    try:
        conn = client.create_connection(body)
    except ValidationFailed as exc:
        if exc.status != 409:
            raise
        existing = client.find_connection(body.name)
        if existing is None:  # gone again since the 409: the name is free
            conn = client.create_connection(body)
        else:
            return _adopt(client, news, existing)
    except GenesysError as exc:
        if not exc.maybe_acted:
            raise
        try:
            existing = client.find_connection(body.name)
        except GenesysError as lookup:
            raise GenesysError(
                f"{exc}. Looking for {body.name!r} failed too ({lookup.detail}): run `pulumi up` "
                "again; it adopts the connection if Genesys created it after all"
            ) from None
        if existing is None:
            raise GenesysError(
                f"{exc}. No connection named {body.name!r} is listed: run `pulumi up` again; "
                "it adopts the connection if Genesys created it after all"
            ) from None
        return _adopt(client, news, existing)
    findings, _ = compare(desired_of(news), from_connection(conn))
    return conn.id, outputs(news, conn, findings)


def _adopt(
    client: GenesysClient, news: Mapping[str, Any], existing: Connection
) -> tuple[str, dict[str, Any]]:
    want = desired_of(news)
    findings, _ = compare(want, from_connection(existing))
    # gatewayIp is Genesys' own (read-only, as in :func:`diff`): a fresh create could not
    # change it either, so it does not stand in the way of adopting.
    errors = [f for f in findings if f.severity is Severity.ERROR and f.parameter != "gatewayIp"]
    if errors:
        differs = "; ".join(
            f"{f.parameter}: Genesys {_shown(f.genesys)}, stack {_shown(f.iaas)}" for f in errors
        )
        item = client.paths.item(existing.id)
        raise OrphanRefused(
            f"a connection named {existing.name!r} already exists in Genesys (id {existing.id}) "
            f"and differs from the stack where it must match ({differs}), so it is not adopted. "
            f"If it is a leftover of an interrupted create, remove it: DELETE {client.base_url}{item} "
            "with the OAuth client, or delete it in the Genesys Cloud VPN dashboard; "
            "else give this stack another tunnel.name. Then run `pulumi up` again",
            status=409,
        )
    conn = existing
    if existing.pre_shared_key_digest is None or findings:
        # The key cannot be compared, or a local setting differs: write the stack's values
        # and key once (a PUT, idempotent) so the adopted record is exactly the stack's.
        conn = client.update_connection(existing.id, body_of(news))
        findings, _ = compare(want, from_connection(conn))
    return conn.id, outputs(news, conn, findings)


def _shown(value: Any) -> str:
    """A finding's value for a message (the key is never among them: findings mask it)."""
    return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def update(client: GenesysClient, connection_id: str, news: Mapping[str, Any]) -> dict[str, Any]:
    conn = client.update_connection(connection_id, body_of(news))
    findings, _ = compare(desired_of(news), from_connection(conn))
    return outputs(news, conn, findings)


def delete(client: GenesysClient, connection_id: str) -> None:
    with contextlib.suppress(NotFound):  # already gone: the goal is reached
        client.delete_connection(connection_id)


def read(
    client: GenesysClient, connection_id: str, props: Mapping[str, Any]
) -> dict[str, Any] | None:
    try:
        conn = client.get_connection(connection_id)
    except NotFound:
        return None
    findings, _ = (
        compare(desired_of(props), from_connection(conn)) if props.get("record") else ([], [])
    )
    return outputs(props, conn, findings)
