"""A simulator of the Genesys-side VPN contract (``openapi.yaml``): a plain ASGI app.

It serves the token endpoint and every path of the contract, follows the Platform API
conventions (paging, error bodies, ``ININ-Correlation-Id``), limits each OAuth client to
``rate_limit_per_minute`` requests and answers 429 with ``Retry-After`` like Genesys, and
injects faults on demand (random 429/5xx rates, latency, or a queue of scripted faults, some
of them *after* the request was carried out: the ambiguous failures a client cannot tell
from a refusal).

Status and diagnostics are derived, not stored: each connection may have a *simulated
peer* (the IaaS end as it is really configured, set through the simulator-only
``PUT /sim/connections/{id}/peer``). Negotiation compares the two with the project's own
reconciler, so a mismatch shows up as "Phase 1 Failed: …" or "Phase 2 Failed: …" exactly
where a real gateway would report it. Without a peer, IKE gets no answer (Connecting).

State is kept in memory and, when a state file is given, written atomically with mode
0600 after every change (it holds pre-shared keys).

Run it with ``c2cvpn genesys-sim`` or in-process with :class:`SimServer` (a uvicorn thread
on a real loopback port).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import json
import math
import os
import random
import secrets
import socket
import tempfile
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from pydantic import Field, SecretStr, ValidationError

from c2cvpn.genesys.client import DEFAULT_CONNECTIONS_PATH, DEFAULT_TOKEN_PATH
from c2cvpn.genesys.demo_credentials import DEMO_CLIENT_ID as DEMO_CLIENT_ID  # re-exported
from c2cvpn.genesys.demo_credentials import DEMO_CLIENT_SECRET as DEMO_CLIENT_SECRET
from c2cvpn.genesys.desired import Desired, Record, _phase_values, from_connection
from c2cvpn.genesys.model import (
    Connection,
    ConnectionInput,
    Phase1Record,
    Phase2Record,
    _Wire,
    networks,
    psk_digest,
)
from c2cvpn.genesys.reconcile import compare, phase_failures
from c2cvpn.problems import Severity
from c2cvpn.spec import Address, Network
from c2cvpn.vendors import Provider

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class SimPeer(_Wire):
    """The IaaS end as it is really configured (simulator only; not part of the contract)."""

    ike_address: Address
    gateway_ip: Address
    local_networks: list[Network] = Field(min_length=1)
    remote_networks: list[Network] = Field(min_length=1)
    nat_traversal: bool = True
    phase1: Phase1Record
    phase2: Phase2Record
    pre_shared_key: SecretStr
    online: bool = True
    answers_ping: bool = True


@dataclass
class SimConfig:
    clients: dict[str, str] = field(default_factory=lambda: {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET})
    token_ttl: float = 86400.0
    rate_limit_per_minute: int = 300
    fault_429_rate: float = 0.0
    fault_5xx_rate: float = 0.0
    fault_retry_after: int = 1
    #: How long an ``after:stall`` fault holds its answer back (past any sane client timeout).
    fault_stall_seconds: float = 30.0
    latency_ms: float = 0.0
    seed: int | None = None
    state_file: Path | None = None
    gateway_ip: str = "203.0.113.10"
    default_page_size: int = 25
    max_page_size: int = 100
    token_path: str = DEFAULT_TOKEN_PATH
    connections_path: str = DEFAULT_CONNECTIONS_PATH

    def __repr__(self) -> str:
        return f"SimConfig(clients={sorted(self.clients)!r}, state_file={self.state_file!r}, rate_limit_per_minute={self.rate_limit_per_minute})"


class _Reply(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


class _Stall(Exception):
    """Internal: the request was carried out; its answer is held back ``seconds``."""

    def __init__(self, seconds: float, reply: tuple[int, Any, dict[str, str]]) -> None:
        super().__init__(seconds)
        self.seconds, self.reply = seconds, reply


class SeedError(ValueError):
    """A stack's connections cannot be seeded (e.g. a name already taken). ``str()`` is one line."""


#: Scripted faults (:meth:`Simulator.queue_faults`). ``after:<kind>``: the request is carried
#: out first, then answered with ``<kind>`` (a 5xx, a truncated 200, or a stall).
FAULT_KINDS = ("429", "500", "502", "503", "malformed")
AFTER_KINDS = ("500", "502", "503", "malformed", "stall")


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Simulator:
    """The ASGI app. Thread-safe: tests drive it over HTTP and inspect it directly."""

    def __init__(
        self, config: SimConfig | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config or SimConfig()
        self.clock = clock
        self.rng = random.Random(self.config.seed)
        self.lock = threading.Lock()
        self._write_lock = threading.Lock()  # orders snapshots and writes of the state file
        self.connections: dict[str, dict[str, Any]] = {}
        self._psks: dict[str, str] = {}
        self.peers: dict[str, SimPeer] = {}
        self._tokens: dict[str, tuple[str, float]] = {}
        self._windows: dict[str, deque[float]] = {}
        self._faults: deque[str] = deque()
        self.counts: Counter[str] = Counter()
        if self.config.state_file is not None and self.config.state_file.exists():
            self._load(self.config.state_file)

    def __repr__(self) -> str:
        return f"Simulator({self.config!r}, connections={len(self.connections)})"

    # ------------------------------------------------------------------ test and CLI hooks

    def queue_faults(self, *kinds: str | int) -> None:
        """Script the next API responses: 429, 500, 502, 503, "malformed" (200 with broken JSON),
        each refused before any work; or ``"after:<kind>"`` (500, 502, 503, malformed, stall):
        the request is carried out, then answered that way (a create that happened although
        the client saw a failure)."""
        for k in map(str, kinds):
            kind = k.removeprefix("after:")
            if kind not in (AFTER_KINDS if k.startswith("after:") else FAULT_KINDS):
                raise ValueError(f"unknown fault {k!r}")
        with self.lock:
            self._faults.extend(str(k) for k in kinds)

    def expire_tokens(self) -> None:
        """Revoke every issued token (as if they expired server-side)."""
        with self.lock:
            self._tokens.clear()

    def add_connection(self, body: ConnectionInput, *, gateway_ip: str | None = None) -> str:
        with self.lock:
            conn_id = self._create(body, gateway_ip=gateway_ip)
        self._persist()
        return conn_id

    def set_peer(self, connection_id: str, peer: SimPeer | None) -> None:
        with self.lock:
            if peer is None:
                self.peers.pop(connection_id, None)
            else:
                self.peers[connection_id] = peer
        self._persist()

    def mirror_peer(self, connection_id: str) -> SimPeer:
        """A peer configured exactly as the Genesys record says (the tunnel comes up)."""
        with self.lock:
            rec = self.connections[connection_id]
            psk = self._psks[connection_id]
        peer = SimPeer.model_validate(
            {
                "ikeAddress": rec["peerIp"],
                "gatewayIp": rec["gatewayIp"],
                "localNetworks": rec["remoteNetworks"],
                "remoteNetworks": rec["localNetworks"],
                "natTraversal": rec["natTraversal"],
                "phase1": rec["phase1"],
                "phase2": rec["phase2"],
                "preSharedKey": psk,
            }
        )
        self.set_peer(connection_id, peer)
        return peer

    def patch_connection(self, connection_id: str, path: str, value: Any) -> None:
        """Change one field behind the API's back, e.g. ``("phase2.encryption", "aes128")``."""
        with self.lock:
            target = self.connections[connection_id]
            *parents, last = path.split(".")
            for part in parents:
                target = target[part]
            target[last] = value
            Connection.model_validate(self.connections[connection_id])  # keep the store valid
        self._persist()

    # ------------------------------------------------------------------ persistence

    def _snapshot(self) -> dict[str, Any]:
        return {
            "connections": self.connections,
            "preSharedKeys": self._psks,
            "peers": {
                k: {
                    **p.model_dump(mode="json", by_alias=True),
                    "preSharedKey": p.pre_shared_key.get_secret_value(),
                }
                for k, p in self.peers.items()
            },
        }

    def _persist(self) -> None:
        path = self.config.state_file
        if path is None:
            return
        with self._write_lock:
            with self.lock:
                text = json.dumps(self._snapshot(), indent=2, sort_keys=True)
            write_private(path, text)

    def _load(self, path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self.connections = {
            k: Connection.model_validate(v).model_dump(
                mode="json", by_alias=True, exclude_none=True
            )
            for k, v in data.get("connections", {}).items()
        }
        self._psks = dict(data.get("preSharedKeys", {}))
        self.peers = {k: SimPeer.model_validate(v) for k, v in data.get("peers", {}).items()}

    # ------------------------------------------------------------------ ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        context_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        if self.config.latency_ms:
            await asyncio.sleep(self.config.latency_ms / 1000)
        raw: bytes | None = None
        try:
            status, body, extra = self._handle(
                scope["method"],
                scope["path"],
                scope.get("query_string", b"").decode(),
                headers,
                b"".join(chunks),
                context_id,
            )
        except _Reply as reply:
            status, body, extra = reply.status, reply.body, reply.headers
        except _Stall as stall:
            await asyncio.sleep(stall.seconds)
            status, body, extra = stall.reply
        except Exception as exc:  # a simulator bug still answers in the contract's error shape
            status, body, extra = (
                500,
                {
                    "code": "internal.server.error",
                    "message": f"simulator failure: {type(exc).__name__}",
                },
                {},
            )
        if isinstance(body, dict) and status >= 400 and "error" not in body:
            body = {"status": status, **body, "contextId": context_id}
        if body is _MALFORMED:
            raw = b'{"entities": [ {"id": "truncated'
        elif body is not None:
            raw = json.dumps(body).encode()
        out = [(b"inin-correlation-id", context_id.encode())]
        if raw is not None:
            out.append((b"content-type", b"application/json"))
        out += [(k.lower().encode(), v.encode()) for k, v in extra.items()]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": raw or b""})

    # ------------------------------------------------------------------ request handling

    def _handle(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes, ctx: str
    ) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            self.counts["requests"] += 1
        if path == self.config.token_path:
            with self.lock:
                self.counts["token"] += 1
            if method != "POST":
                raise _Reply(405, {"code": "method.not.allowed", "message": "use POST"})
            return self._token(headers, body)
        client = self._authenticate(headers)
        with self.lock:
            self.counts["api"] += 1
            self._rate_limit(client)
            fault = self._faults.popleft() if self._faults else None
            if fault is None:
                roll = self.rng.random()
                if roll < self.config.fault_429_rate:
                    fault = "429"
                elif roll < self.config.fault_429_rate + self.config.fault_5xx_rate:
                    fault = self.rng.choice(["500", "502", "503"])
            if fault is not None:
                self.counts[f"fault:{fault}"] += 1
        if fault == "429":
            raise _Reply(
                429,
                {
                    "code": "too.many.requests.retry.after",
                    "message": f"Rate limit exceeded the maximum. Retry the request in [{self.config.fault_retry_after}] seconds",
                },
                {"Retry-After": str(self.config.fault_retry_after)},
            )
        if fault is not None and fault.startswith("after:"):
            kind = fault.removeprefix("after:")
            done = self._route(method, path, query, body)  # carried out, then answered badly
            if kind == "stall":
                raise _Stall(self.config.fault_stall_seconds, done)
            fault = kind
        if fault == "malformed":
            return 200, _MALFORMED, {}
        if fault is not None and fault.isdigit():
            raise _Reply(
                int(fault),
                {
                    "code": "internal.server.error" if fault == "500" else "service.unavailable",
                    "message": "The simulator injected a server failure",
                },
            )
        return self._route(method, path, query, body)

    def _token(self, headers: dict[str, str], body: bytes) -> tuple[int, Any, dict[str, str]]:
        import base64

        auth = headers.get("authorization", "")
        form = parse_qs(body.decode("latin-1"))
        if form.get("grant_type") != ["client_credentials"]:
            raise _Reply(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant_type must be client_credentials",
                },
            )
        client_id = secret = None
        if auth.lower().startswith("basic "):
            with contextlib.suppress(ValueError, UnicodeDecodeError):
                client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        expected = self.config.clients.get(client_id or "")
        if expected is None or secret is None or not secrets.compare_digest(expected, secret):
            raise _Reply(
                401,
                {"error": "invalid_client", "error_description": "client authentication failed"},
            )
        token = secrets.token_urlsafe(32)
        with self.lock:
            self._tokens[token] = (client_id or "", self.clock() + self.config.token_ttl)
        return (
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": int(self.config.token_ttl),
            },
            {},
        )

    def _authenticate(self, headers: dict[str, str]) -> str:
        auth = headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else ""
        with self.lock:
            entry = self._tokens.get(token)
            if entry is not None and entry[1] <= self.clock():
                del self._tokens[token]
                entry = None
        if entry is None:
            raise _Reply(
                401,
                {
                    "code": "authentication.required",
                    "message": "No authentication bearer token specified in authorization header or it has expired.",
                },
            )
        return entry[0]

    def _rate_limit(self, client: str) -> None:
        """Sliding one-minute window per OAuth client (caller holds the lock)."""
        now = self.clock()
        window = self._windows.setdefault(client, deque())
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) >= self.config.rate_limit_per_minute:
            wait = max(1, math.ceil(window[0] + 60 - now))
            self.counts["rate-limited"] += 1
            raise _Reply(
                429,
                {
                    "code": "too.many.requests.retry.after",
                    "message": f"Rate limit exceeded the maximum. Retry the request in [{wait}] seconds",
                },
                {"Retry-After": str(wait)},
            )
        window.append(now)

    def _route(
        self, method: str, path: str, query: str, body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        base = self.config.connections_path.rstrip("/")
        if path.startswith("/sim/connections/") and path.endswith("/peer") and method == "PUT":
            conn_id = path[len("/sim/connections/") : -len("/peer")]
            self._get(conn_id)
            self.set_peer(conn_id, self._parse(SimPeer, body))
            return 204, None, {}
        if path == base:
            if method == "GET":
                return 200, self._list(query), {}
            if method == "POST":
                item = self._parse(ConnectionInput, body)
                if item.pre_shared_key is None:
                    raise _Reply(
                        400,
                        {
                            "code": "bad.request",
                            "message": "preSharedKey is required when creating a connection",
                        },
                    )
                with self.lock:
                    conn_id = self._create(item, gateway_ip=None)
                self._persist()
                return 201, self._view(conn_id), {}
            raise _Reply(
                405, {"code": "method.not.allowed", "message": f"{method} is not allowed on {path}"}
            )
        if not path.startswith(base + "/"):
            raise _Reply(404, {"code": "not.found", "message": f"no resource at {path}"})
        rest = path[len(base) + 1 :].split("/")
        conn_id = rest[0]
        sub = "/".join(rest[1:])
        self._get(conn_id)
        if sub == "" and method == "GET":
            return 200, self._view(conn_id), {}
        if sub == "" and method == "PUT":
            item = self._parse(ConnectionInput, body)
            if item.pre_shared_key is not None:
                _check_key(item.pre_shared_key.get_secret_value())
            with self.lock:
                if any(
                    c["name"] == item.name and k != conn_id for k, c in self.connections.items()
                ):
                    raise _Reply(
                        409,
                        {
                            "code": "general.conflict",
                            "message": f"a connection named {item.name!r} already exists",
                        },
                    )
                old = self.connections[conn_id]
                self.connections[conn_id] = self._stored(item, conn_id, old["gatewayIp"])
                if item.pre_shared_key is not None:
                    self._psks[conn_id] = item.pre_shared_key.get_secret_value()
            self._persist()
            return 200, self._view(conn_id), {}
        if sub == "" and method == "DELETE":
            with self.lock:
                self.connections.pop(conn_id, None)
                self._psks.pop(conn_id, None)
                self.peers.pop(conn_id, None)
            self._persist()
            return 204, None, {}
        if sub == "status" and method == "GET":
            return 200, self._negotiate(conn_id)[0], {}
        if sub == "diagnostics" and method == "GET":
            return 200, {"id": conn_id, "entries": self._negotiate(conn_id)[1]}, {}
        if sub == "pingtest" and method == "POST":
            return 200, self._ping(conn_id, body), {}
        raise _Reply(404, {"code": "not.found", "message": f"no resource at {path}"})

    # ------------------------------------------------------------------ the store

    def _parse(self, model: type[Any], body: bytes) -> Any:
        try:
            return model.model_validate_json(body or b"{}")
        except ValidationError as exc:
            # Name the fields, never the values (a body may hold a pre-shared key).
            fields = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}"
                for e in exc.errors()[:8]
            )
            raise _Reply(
                400, {"code": "bad.request", "message": f"The request body is invalid: {fields}"}
            ) from None

    def _get(self, conn_id: str) -> dict[str, Any]:
        with self.lock:
            rec = self.connections.get(conn_id)
        if rec is None:
            raise _Reply(
                404, {"code": "not.found", "message": f"VPN connection {conn_id} not found"}
            )
        return rec

    def _stored(self, item: ConnectionInput, conn_id: str, gateway_ip: str) -> dict[str, Any]:
        data = item.model_dump(mode="json", by_alias=True, exclude={"pre_shared_key"})
        tunnel = ipaddress.IPv4Network(data["tunnelCidr"])
        if tunnel.prefixlen not in (29, 30) or not tunnel.subnet_of(
            ipaddress.IPv4Network("169.254.0.0/16")
        ):
            raise _Reply(
                400,
                {
                    "code": "bad.request",
                    "message": "tunnelCidr must be a /30 or /29 in 169.254.0.0/16",
                },
            )
        return {
            "id": conn_id,
            **data,
            "gatewayIp": gateway_ip,
            "selfUri": f"{self.config.connections_path.rstrip('/')}/{conn_id}",
        }

    def _create(self, item: ConnectionInput, *, gateway_ip: str | None) -> str:
        """Caller holds the lock."""
        if any(c["name"] == item.name for c in self.connections.values()):
            raise _Reply(
                409,
                {
                    "code": "general.conflict",
                    "message": f"a connection named {item.name!r} already exists",
                },
            )
        key = item.pre_shared_key.get_secret_value() if item.pre_shared_key else ""
        _check_key(key)
        conn_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        self.connections[conn_id] = self._stored(
            item, conn_id, gateway_ip or self.config.gateway_ip
        )
        self._psks[conn_id] = key
        return conn_id

    def _view(self, conn_id: str) -> dict[str, Any]:
        with self.lock:
            if conn_id not in self.connections:  # deleted since the caller looked it up
                raise _Reply(
                    404, {"code": "not.found", "message": f"VPN connection {conn_id} not found"}
                )
            return self._view_locked(conn_id)

    def _view_locked(self, conn_id: str) -> dict[str, Any]:
        """Caller holds the lock."""
        rec = dict(self.connections[conn_id])
        rec["preSharedKeyDigest"] = psk_digest(conn_id, self._psks[conn_id])
        return rec

    def _list(self, query: str) -> dict[str, Any]:
        q = parse_qs(query)
        try:
            size = int(q.get("pageSize", [self.config.default_page_size])[0])
            number = int(q.get("pageNumber", ["1"])[0])
        except ValueError:
            raise _Reply(
                400, {"code": "bad.request", "message": "pageSize and pageNumber must be integers"}
            ) from None
        if not 1 <= size <= self.config.max_page_size or number < 1:
            raise _Reply(
                400,
                {
                    "code": "bad.request",
                    "message": f"pageSize must be 1-{self.config.max_page_size} and pageNumber at least 1",
                },
            )
        with self.lock:  # one consistent snapshot: a delete in between must not break the page
            ids = list(self.connections)
            total = len(ids)
            entities = [self._view_locked(i) for i in ids[(number - 1) * size : number * size]]
        page_count = max(1, math.ceil(total / size))
        base = self.config.connections_path
        out: dict[str, Any] = {
            "entities": entities,
            "pageSize": size,
            "pageNumber": number,
            "total": total,
            "pageCount": page_count,
            "firstUri": f"{base}?{urlencode({'pageSize': size, 'pageNumber': 1})}",
            "lastUri": f"{base}?{urlencode({'pageSize': size, 'pageNumber': page_count})}",
            "selfUri": f"{base}?{urlencode({'pageSize': size, 'pageNumber': number})}",
        }
        if number < page_count:
            out["nextUri"] = f"{base}?{urlencode({'pageSize': size, 'pageNumber': number + 1})}"
        if number > 1:
            out["previousUri"] = f"{base}?{urlencode({'pageSize': size, 'pageNumber': number - 1})}"
        return out

    # ------------------------------------------------------------------ negotiation

    def _negotiate(self, conn_id: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
        conn = Connection.model_validate(self._view(conn_id))
        with self.lock:
            peer = self.peers.get(conn_id)
        return negotiate(conn, peer)

    def _ping(self, conn_id: str, body: bytes) -> dict[str, Any]:
        try:
            target = ipaddress.IPv4Address(json.loads(body or b"{}").get("target", ""))
        except (ValueError, AttributeError):
            raise _Reply(
                400, {"code": "bad.request", "message": "target must be an IPv4 address"}
            ) from None
        status, _ = self._negotiate(conn_id)
        conn = self._get(conn_id)
        with self.lock:
            peer = self.peers.get(conn_id)
        result = {
            "target": str(target),
            "packetsSent": 4,
            "packetsReceived": 0,
            "averageRttMs": None,
            "success": False,
        }
        if status["status"] != "Established":
            return {
                **result,
                "message": f"the tunnel is not established (status {status['status']}): {status['phase1']['detail']}",
            }
        if not any(target in ipaddress.IPv4Network(n) for n in conn["remoteNetworks"]):
            return {
                **result,
                "message": f"no route: {target} is outside the remote networks {', '.join(conn['remoteNetworks'])}",
            }
        if peer is not None and not peer.answers_ping:
            return {
                **result,
                "message": "request timed out: check that the IaaS security groups/firewall allow ICMP from the Genesys tunnel IP",
            }
        with self.lock:
            rtt = round(20 + self.rng.random() * 10, 1)
        return {
            **result,
            "packetsReceived": 4,
            "averageRttMs": rtt,
            "success": True,
            "message": "4 of 4 replies received",
        }


_MALFORMED = object()


def _check_key(key: str) -> None:
    """The contract's preSharedKey bounds (create and replace alike); the value is never quoted."""
    if not 8 <= len(key) <= 64:
        raise _Reply(
            400, {"code": "bad.request", "message": "preSharedKey must be 8 to 64 characters"}
        )


def _peer_record(peer: SimPeer, conn: Connection) -> Desired:
    """The peer's view, mirrored into Genesys orientation, as a 'desired' record to compare."""
    values: dict[str, object] = {
        **_phase_values(peer.phase1, peer.phase2),
        "localNetworks": tuple(networks(peer.remote_networks)),
        "remoteNetworks": tuple(networks(peer.local_networks)),
        "peerIp": str(peer.ike_address),
        "gatewayIp": str(peer.gateway_ip),
        "natTraversal": peer.nat_traversal,
    }
    return Desired(
        role="primary",
        provider=Provider.ONPREM,
        record=Record(conn.name, values, psk=peer.pre_shared_key),
        paths={},
    )


_SHORT = {
    "preSharedKey": "AUTHENTICATION_FAILED",
    "localNetworks": "TS_UNACCEPTABLE",
    "remoteNetworks": "TS_UNACCEPTABLE",
    "peerIp": "no IKE response from the configured peer",
    "gatewayIp": "the peer sends IKE to another gateway",
}


def negotiate(
    conn: Connection, peer: SimPeer | None
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """(status body, diagnostic entries) for a connection and its simulated peer."""
    now = _now_iso()

    def entry(level: str, message: str) -> dict[str, str]:
        return {"timestamp": now, "level": level, "message": message}

    def body(status: str, p1: tuple[str, str], p2: tuple[str, str]) -> dict[str, Any]:
        return {
            "id": conn.id,
            "status": status,
            "phase1": {"state": p1[0], "detail": p1[1]},
            "phase2": {"state": p2[0], "detail": p2[1]},
        }

    if peer is None:
        detail = f"no response from peer {conn.peer_ip} on UDP 500/4500"
        return (
            body("Connecting", ("Connecting", detail), ("Down", "waiting for phase 1")),
            [
                entry(
                    "error",
                    f"Phase 1 Failed: {detail}; is the IaaS side deployed and are UDP 500 and 4500 open?",
                )
            ],
        )
    if not peer.online:
        detail = f"peer {conn.peer_ip} stopped answering; dead-peer detection cleared the SAs"
        return body("Down", ("Down", detail), ("Down", detail)), [
            entry("error", f"Tunnel Down: {detail}")
        ]
    want = _peer_record(peer, conn)
    actual = from_connection(conn)
    findings, _ = compare(want, actual)
    p1_fail, p2_fail = phase_failures(findings)

    def line(phase: str, f: Any) -> str:
        reason = _SHORT.get(f.parameter, "NO_PROPOSAL_CHOSEN")
        if f.parameter == "preSharedKey":
            return f"Phase {phase} Failed: {reason}: pre-shared key mismatch"
        return f"Phase {phase} Failed: {reason}: {f.parameter}: Genesys has {_fmt(f.genesys)}, the peer has {_fmt(f.iaas)}"

    warnings = [
        entry(
            "warning",
            f"{f.parameter} differs (local setting): Genesys {_fmt(f.genesys)}, peer {_fmt(f.iaas)}",
        )
        for f in findings
        if f.severity is Severity.WARNING
    ]
    if p1_fail:
        lines = [line("1", f) for f in p1_fail]
        return body("Connecting", ("Failed", lines[0]), ("Down", "waiting for phase 1")), [
            entry("error", s) for s in lines
        ] + warnings
    ok1 = f"IKEv2 SA up: {conn.phase1.encryption}/{conn.phase1.integrity}/group {conn.phase1.dh_group}"
    if p2_fail:
        lines = [line("2", f) for f in p2_fail]
        return (
            body("Connecting", ("Established", ok1), ("Failed", lines[0])),
            [
                entry("info", f"Phase 1 Established: {ok1}"),
                *(entry("error", s) for s in lines),
                *warnings,
            ],
        )
    pfs = "off" if conn.phase2.pfs_group is None else f"group {conn.phase2.pfs_group}"
    ok2 = f"ESP SA up: {conn.phase2.encryption}/{conn.phase2.integrity}/PFS {pfs}"
    return (
        body("Established", ("Established", ok1), ("Established", ok2)),
        [
            entry("info", f"Phase 1 Established: {ok1}"),
            entry("info", f"Phase 2 Established: {ok2}"),
            *warnings,
        ],
    )


def _fmt(value: Any) -> str:
    return ", ".join(value) if isinstance(value, (tuple, list)) else str(value)


def write_private(path: Path, text: str) -> None:
    """Write atomically with mode 0600: a temp file in the same directory, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


# --------------------------------------------------------------------------- serving


class SimServer:
    """Serve a :class:`Simulator` on a real loopback port from a background thread.

    ``with SimServer(sim) as server: server.url`` — port 0 picks a free port.
    """

    def __init__(
        self, sim: Simulator | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        import uvicorn

        self.sim = sim or Simulator()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        config = uvicorn.Config(self.sim, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def serve_forever(self) -> None:
        """Run in the calling thread (the CLI); returns on Ctrl-C."""
        self._server.run(sockets=[self._sock])

    def start(self) -> SimServer:
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._sock]},
            daemon=True,
            name="genesys-sim",
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.stop()  # no thread or listening socket outlives a failed start
                raise RuntimeError("the Genesys simulator did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def seed_names(loaded: Any) -> list[str]:
    """The names of the connections :func:`seed_stacks` creates for one stack, in order."""
    from c2cvpn.genesys.desired import desired
    from c2cvpn.spec import genesys_connections

    return [desired(loaded.spec, c.role).record.name for c in genesys_connections(loaded.spec)]


def seed_stacks(sim: Simulator, stacks: Iterable[Any], *, with_peer: bool = True) -> list[str]:
    """Create each stack's connections as the spec says (a demo starting point); returns ids.

    AWS peer IPs are only known after deploy: a TEST-NET-2 placeholder per connection
    (198.51.100.1, .2, … in the stack's connection order) stands in. Stacks
    without a readable key get a random one (mirrored into the simulated peer).

    Genesys holds one connection per name: a name already in the simulator, or seeded by an
    earlier stack of ``stacks`` (the same stack twice, or a copied stack that kept
    ``tunnel.name``), is a :class:`SeedError` raised before anything is created.
    """
    from c2cvpn.genesys.desired import desired, to_input
    from c2cvpn.spec import genesys_connections

    stacks = list(stacks)
    with sim.lock:
        taken = {c["name"]: "" for c in sim.connections.values()}
    for loaded in stacks:
        for name in seed_names(loaded):
            if name in taken:
                where = f"by stack {taken[name]}" if taken[name] else "in the simulator"
                raise SeedError(
                    f"cannot seed stack {loaded.name}: a connection named {name!r} is already "
                    f"seeded {where}, and Genesys holds one connection per name; give each "
                    "stack its own tunnel.name, or seed them into separate simulators"
                )
            taken[name] = loaded.name
    ids = []
    for loaded in stacks:
        spec = loaded.spec
        generated: dict[str, str] = {}  # one per key: connections sharing a key get the same
        for number, connection in enumerate(genesys_connections(spec), start=1):
            role = connection.role
            want = desired(spec, role)
            # one TEST-NET-2 placeholder per connection: two connections on one address would
            # be a Genesys side that uses one tunnel only (the lab reports it)
            placeholder = f"198.51.100.{number}"
            key = spec.tunnel.psk_readable_for(connection.key_role) or generated.setdefault(
                connection.key_role, secrets.token_urlsafe(30).replace("-", ".")
            )
            body = to_input(want, peer_ip=want.record.values["peerIp"] or placeholder, psk=key)  # type: ignore[arg-type]
            try:
                conn_id = sim.add_connection(body, gateway_ip=str(spec.genesys.gateway_ip))
            except _Reply as refused:  # e.g. a name taken meanwhile: the simulator's own words
                message = refused.body.get("message") if isinstance(refused.body, dict) else None
                raise SeedError(
                    f"cannot seed stack {loaded.name}: the simulator answered {refused.status}"
                    + (f": {message}" if message else "")
                ) from None
            if with_peer:
                sim.mirror_peer(conn_id)
            ids.append(conn_id)
    return ids
