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
)
from c2cvpn.genesys.credentials import resolve_credentials
from c2cvpn.genesys.desired import Desired, Record, from_connection
from c2cvpn.genesys.model import Connection, ConnectionInput, psk_digest
from c2cvpn.genesys.reconcile import Finding, compare
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
) -> GenesysClient:
    """A client for the ``api`` inputs; the credentials as :func:`resolve_credentials` finds them."""
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


def create(client: GenesysClient, news: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    conn = client.create_connection(body_of(news))
    findings, _ = compare(desired_of(news), from_connection(conn))
    return conn.id, outputs(news, conn, findings)


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
