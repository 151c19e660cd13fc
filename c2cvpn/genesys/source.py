"""Reading the actual Genesys record, from whichever source the stack names.

``source: declared`` needs no network: the dashboard block (or the spec itself). ``source:
api`` (or an explicit URL) reads the contract over HTTP with :class:`GenesysClient`, using
the fewest requests: one GET per connection known by id, else one listing pass for all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import httpx
from pydantic import SecretStr

from c2cvpn.genesys.client import (
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    ApiPaths,
    GenesysClient,
    GenesysError,
    NotFound,
    RetryPolicy,
    login_url_for,
)
from c2cvpn.genesys.credentials import resolve_credentials
from c2cvpn.genesys.desired import Desired, Record, declared, desired, from_connection, roles
from c2cvpn.genesys.reconcile import Reconciliation, reconcile
from c2cvpn.genesys.regions import REGION_DOMAINS, api_base, login_base
from c2cvpn.genesys.urls import is_loopback
from c2cvpn.spec import GenesysSource, LoadedStack, StackSpec


class GenesysUnreadable(Exception):
    """The Genesys side cannot be read (exit 2). ``str()`` is one line with the reason."""


@dataclass(frozen=True)
class ApiSettings:
    base_url: str
    login_url: str
    client_id: str
    client_secret: SecretStr = field(repr=False)
    paths: ApiPaths
    timeout: float

    def client(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | None = DEFAULT_DEADLINE,
    ) -> GenesysClient:
        """A client for these settings; ``deadline`` bounds everything it does (seconds)."""
        return GenesysClient(
            base_url=self.base_url,
            login_url=self.login_url,
            client_id=self.client_id,
            client_secret=self.client_secret,
            paths=self.paths,
            transport=transport,
            timeout=self.timeout,
            retry=retry,
            deadline=deadline,
        )


def api_settings(
    spec: StackSpec,
    *,
    url: str | None = None,
    env: Mapping[str, str] | None = None,
    client_secret: str | None = None,
) -> ApiSettings:
    """Where and as whom to call the API. The secret: ``client_secret``, else the environment.

    Against a loopback URL (the simulator) without credentials, the simulator's published
    demo credentials apply (both as :func:`resolve_credentials` finds them).
    """
    api = spec.genesys.api
    base, login, paths, timeout = api_addresses(spec, url=url)
    creds = resolve_credentials(
        base_url=base,
        login_url=login,
        client_id=api.client_id if api else None,
        client_secret=client_secret,
        secret_env=api.client_secret_env if api else None,
        env=env,
    )
    if creds.client_id is None:
        raise GenesysUnreadable(
            "no OAuth client id: set genesys.api.clientId or $GENESYS_CLIENT_ID"
        )
    if creds.client_secret is None:
        raise GenesysUnreadable(
            f"no OAuth client secret: set ${creds.secret_env} (it is never read from the stack file)"
        )
    return ApiSettings(base, login, creds.client_id, creds.client_secret, paths, timeout)


def api_addresses(spec: StackSpec, *, url: str | None = None) -> tuple[str, str, ApiPaths, float]:
    """(API base URL, login URL, paths, timeout) of a stack: its api block, else its region.

    The login URL: ``genesys.api.loginUrl``; else the base URL itself when that is loopback
    (the simulator serves both); else ``https://login.<region domain>`` (Genesys' OAuth host,
    never the ``api.`` host). ``url`` (``--genesys-url``) replaces both, its login URL
    derived from it alone (:func:`~c2cvpn.genesys.client.login_url_for`).
    """
    api = spec.genesys.api
    region = spec.genesys.region
    base = url or (api.base_url if api else None)
    if base is None:
        if region not in REGION_DOMAINS:
            raise GenesysUnreadable(f"unknown Genesys region {region!r}: set genesys.api.baseUrl")
        base = api_base(region)
    if url:
        # An explicit URL (``--genesys-url``) replaces the whole endpoint: the stack's loginUrl
        # (or its region's) would otherwise mint a real org's token and send it to that URL.
        login = login_url_for(url)
    elif api and api.login_url:
        login = api.login_url
    elif is_loopback(base):
        login = base  # the simulator serves the token endpoint next to the API
    elif region in REGION_DOMAINS:
        login = login_base(region)  # a real host: Genesys' OAuth host is login.<domain>
    else:
        raise GenesysUnreadable(
            f"unknown Genesys region {region!r}: set genesys.api.loginUrl (the OAuth host)"
        )
    paths = (
        ApiPaths(token=api.paths.token, connections=api.paths.connections) if api else ApiPaths()
    )
    return (
        base.rstrip("/"),
        login.rstrip("/"),
        paths,
        api.timeout_seconds if api else DEFAULT_TIMEOUT,
    )


def read_actual(
    client: GenesysClient, wanted: Sequence[Desired], *, page_size: int = 100
) -> list[Record | None]:
    """The Genesys record for each desired connection (None: absent). Raises GenesysError."""
    out: list[Record | None] = []
    if all(w.record.id for w in wanted):
        for w in wanted:
            try:
                out.append(from_connection(client.get_connection(w.record.id or "")))
            except NotFound:
                out.append(None)
        return out
    by_name: dict[str, Record] = {}
    by_id: dict[str, Record] = {}
    for conn in client.list_connections(page_size=page_size):
        rec = from_connection(conn)
        by_name.setdefault(conn.name, rec)
        by_id[conn.id] = rec
    return [by_id.get(w.record.id) if w.record.id else by_name.get(w.record.name) for w in wanted]


def desired_all(
    spec: StackSpec,
    *,
    peer_ips: Mapping[str, str | None] | None = None,
    psks: Mapping[str, str | None] | None = None,
) -> list[Desired]:
    """Every Genesys connection's desired record; ``psks`` by connection role (default: the
    stack's readable keys)."""
    peer_ips, psks = peer_ips or {}, psks or {}
    return [
        desired(spec, role, peer_ip=peer_ips.get(role), psk=psks.get(role)) for role in roles(spec)
    ]


def actual_records(
    loaded: LoadedStack,
    *,
    url: str | None = None,
    transport: httpx.BaseTransport | None = None,
    retry: RetryPolicy | None = None,
    env: Mapping[str, str] | None = None,
    client_secret: str | None = None,
    peer_ips: Mapping[str, str | None] | None = None,
    psks: Mapping[str, str | None] | None = None,
    deadline: float | None = DEFAULT_DEADLINE,
) -> list[tuple[Desired, Record | None]]:
    """(desired, actual) for each Genesys connection of the stack: the declared block (or the
    spec) for ``source: declared`` without ``url``, else the API. Raises
    :class:`GenesysUnreadable` when the API cannot be read within ``deadline`` seconds
    (retries, waits and slow answers included)."""
    spec = loaded.spec
    wanted = desired_all(spec, peer_ips=peer_ips, psks=psks)
    if url is None and spec.genesys.source is GenesysSource.DECLARED:
        return [(w, declared(spec, w.role)) for w in wanted]
    settings = api_settings(spec, url=url, env=env, client_secret=client_secret)
    try:
        with settings.client(transport=transport, retry=retry, deadline=deadline) as client:
            actual = read_actual(client, wanted)
    except GenesysError as exc:
        raise GenesysUnreadable(
            f"cannot read the Genesys side at {settings.base_url}: {exc}"
        ) from None
    return list(zip(wanted, actual, strict=True))


def reconcile_stack(
    loaded: LoadedStack,
    *,
    url: str | None = None,
    transport: httpx.BaseTransport | None = None,
    retry: RetryPolicy | None = None,
    env: Mapping[str, str] | None = None,
    client_secret: str | None = None,
    peer_ips: Mapping[str, str | None] | None = None,
    psks: Mapping[str, str | None] | None = None,
    deadline: float | None = DEFAULT_DEADLINE,
) -> Reconciliation:
    """Reconcile one stack (see :func:`actual_records` for where the Genesys side is read)."""
    pairs = actual_records(
        loaded,
        url=url,
        transport=transport,
        retry=retry,
        env=env,
        client_secret=client_secret,
        peer_ips=peer_ips,
        psks=psks,
        deadline=deadline,
    )
    return reconcile(loaded.name, pairs)
