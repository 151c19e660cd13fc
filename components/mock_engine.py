"""``c2cvpn plan``: run the stack's program in-process under Pulumi's mocks.

No CLI, no credentials, no network: :func:`plan_stack` sets the mocks (``preview=False``, so
every ``apply`` runs), calls :func:`components.program.build` and records each registered
resource (type, name, parent, inputs) and the exports. Secrets become ``[secret]``; values
only the cloud can know (IDs, tunnel addresses, looked-up images) become
``(known after apply: <resource>.<property>)``.

Each run happens on a worker thread (a daemon: a Ctrl-C does not wait for it) with its own
event loop, in a copy of the caller's
:mod:`contextvars` context with the Pulumi settings, root stack resource and config reset
inside it, so repeated runs (tests, benchmarks) neither see each other's resources nor disturb
whoever called them (the caller's event loop, even a running one, is left alone). A
``pulumi.RunError`` raised by the program, or later in an apply, is a :class:`ProgramRefused`.

Every event loop a run creates is closed before it returns: its own, and the one the SDK's
mock monitor makes on each thread of the loop's executor (``_ensure_event_loop``) — left
open, those are finalised at interpreter exit, when closing them fails noisily
(``Exception ignored in BaseEventLoop.__del__ … Invalid file descriptor: -1``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import threading
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.stack import wait_for_rpcs
from pulumi.runtime.sync_await import _sync_await

from c2cvpn.spec import NAMESPACE, LoadedStack
from components.engine_config import ENCRYPTED_PLACEHOLDER

PROJECT = "c2c-vpn"
SECRET = "[secret]"
UNKNOWN = "(known after apply)"

#: Outputs the program reads from resources that only the provider can fill in.
COMPUTED: Mapping[str, tuple[str, ...]] = {
    "aws:ec2/vpnConnection:VpnConnection": (
        "arn",
        "tunnel1Address",
        "tunnel2Address",
        "tunnel1InsideCidr",
        "tunnel2InsideCidr",
        "transitGatewayAttachmentId",
        "customerGatewayConfiguration",
    ),
    "aws:cloudwatch/logGroup:LogGroup": ("arn",),
    # Azure fills in a static public IP's address on create: the peer IP Genesys must hold.
    "azure-native:network:PublicIPAddress": ("ipAddress",),
    "aws:ec2/instance:Instance": ("primaryNetworkInterfaceId", "privateIp"),
    # Google allocates the regional address: the peer IP Genesys must hold.
    "gcp:compute/address:Address": ("address", "selfLink"),
    "gcp:compute/vPNTunnel:VPNTunnel": ("selfLink", "tunnelId", "detailedStatus"),
    "gcp:monitoring/alertPolicy:AlertPolicy": ("name",),
    "random:index/randomPassword:RandomPassword": ("result",),
}
#: Data-source results the program reads: looked up at deploy time.
LOOKUPS: Mapping[str, tuple[str, ...]] = {
    "aws:ec2/getAmi:getAmi": ("id", "imageId", "name"),
    "aws:ec2transitgateway/getTransitGateway:getTransitGateway": (
        "id",
        "associationDefaultRouteTableId",
    ),
}

#: A program under the mocks: ``build(loaded)`` or anything with that shape.
Program = Callable[[LoadedStack], Mapping[str, Any]]


def unknown(resource: str, prop: str) -> str:
    return f"{UNKNOWN[:-1]}: {resource}.{prop})"


class PlanMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        #: ``additional_secret_outputs`` of the registration in progress (the engine's job).
        self.secret_outputs: list[str] = []

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[Any, Any]]:
        state = {prop: unknown(args.name, prop) for prop in COMPUTED.get(args.typ, ())}
        state.update(args.inputs)  # inputs echo as outputs, secrets still wrapped
        for prop in self.secret_outputs:
            if prop in state and not rpc.is_rpc_secret(state[prop]):
                state[prop] = rpc.wrap_rpc_secret(state[prop])
        return (unknown(args.name, "id") if args.custom else None), state

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        what = args.token.rsplit(":", 1)[-1]
        return {prop: unknown(what, prop) for prop in LOOKUPS.get(args.token, ("id",))}, []


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, plus a record of every registration with its secrets still marked."""

    def __init__(self, mocks: PlanMocks) -> None:
        super().__init__(mocks)
        self.plan_mocks = mocks
        self.registered: list[dict[str, Any]] = []
        self._lock = threading.Lock()  # the SDK calls the monitor from worker threads
        self._urns: set[tuple[str, str, str]] = set()

    def RegisterResource(self, request: Any) -> Any:  # the gRPC method's name
        with self._lock:
            # The engine refuses two resources with one URN (same type chain and name); so does the plan.
            chain = request.parent.split("::")[2] if request.parent else ""
            urn = (chain, request.type, request.name)
            if urn in self._urns:
                raise pulumi.RunError(
                    f"duplicate resource name {request.name!r} of type {request.type}: the engine would refuse it"
                )
            self._urns.add(urn)
            self.plan_mocks.secret_outputs = list(request.additionalSecretOutputs)
            response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
            parent = None
            if request.parent:
                _, _, chain, parent_name = request.parent.split("::", 3)
                parent = None if chain.split("$")[-1] == "pulumi:pulumi:Stack" else parent_name
            self.registered.append(
                {
                    "type": request.type,
                    "name": request.name,
                    "parent": parent,
                    "inputs": {
                        k: masked(v) for k, v in sorted(inputs.items()) if not k.startswith("__")
                    },
                    "secretOutputs": list(request.additionalSecretOutputs),
                }
            )
        return response


def masked(value: Any) -> Any:
    """A recorded input with secrets replaced by ``[secret]`` and numbers made whole.

    A secret the cloud has not made yet (a generated key) names where it will come from —
    ``[secret] (known after apply: tunnel-psk.result)`` — which holds no secret material and
    shows which key each input gets (two tunnels, two keys).
    """
    if rpc.is_rpc_secret(value):
        inner = rpc.unwrap_rpc_secret(value)
        if isinstance(inner, str) and inner.startswith((UNKNOWN[:-1], ENCRYPTED_PLACEHOLDER)):
            return f"{SECRET} {inner}"
        return SECRET
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == rpc.UNKNOWN:
        return UNKNOWN
    return value


async def resolve(value: Any) -> Any:
    """An export as plain data: Outputs awaited, secrets masked, nested values kept apart."""
    if isinstance(value, pulumi.Output):
        if await value.is_secret():
            return SECRET
        if not await value.is_known():
            return UNKNOWN
        return await resolve(await value.future())
    if isinstance(value, Mapping):
        return {k: await resolve(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [await resolve(v) for v in value]
    if isinstance(value, pulumi.Resource):
        return type(value).__name__
    return masked(value)


class ProgramRefused(Exception):
    """The program stopped the run as ``pulumi preview`` would: the message says why."""


def provider_config(config: Mapping[str, Any] | None) -> dict[str, str]:
    """Provider settings such as ``aws:region`` from the stack file (never ``c2c-vpn:*``)."""
    return {
        k: v if isinstance(v, str) else str(v)
        for k, v in (config or {}).items()
        if isinstance(k, str) and not k.startswith(f"{NAMESPACE}:") and not isinstance(v, dict)
    }


def _run(loaded: LoadedStack, program: Program, config: Mapping[str, str]) -> dict[str, Any]:
    settings.reset_options(project=PROJECT, stack=loaded.name, preview=False)
    pulumi.runtime.set_all_config(dict(config), [])
    mocks = PlanMocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(
        mocks, project=PROJECT, stack=loaded.name, preview=False, monitor=monitor
    )
    # The mocks registered a root stack resource already; resources made below parent to it.
    try:
        exports = program(loaded)
    except pulumi.RunError as exc:  # the program refused the stack (e.g. Genesys out of sync)
        raise ProgramRefused(str(exc)) from None

    async def finish() -> Any:
        resolved = await resolve(dict(exports))
        await wait_for_rpcs()
        return resolved

    try:
        outputs = _sync_await(finish())
    except (
        pulumi.RunError
    ) as exc:  # refused in an apply (e.g. a check on a value known after apply)
        raise ProgramRefused(str(exc)) from None
    # Registration order follows the event loop; a plan reads (and diffs) better sorted.
    resources = sorted(
        monitor.registered,
        key=lambda r: (r["parent"] or r["name"], r["parent"] is not None, r["type"], r["name"]),
    )
    return {"stack": loaded.name, "resources": resources, "outputs": outputs}


def plan_stack(
    loaded: LoadedStack,
    *,
    config: Mapping[str, Any] | None = None,
    program: Program | None = None,
) -> dict[str, Any]:
    """The desired state of a validated stack: ``{"stack", "resources", "outputs"}``.

    Provider keys (``aws:region``) are set as the engine would set them: from ``config`` (a
    stack file's ``config:`` mapping) when given, else from what the loader kept. ``program``
    defaults to the project's own, offline (a Genesys API is not read).
    """
    if program is None:
        from components.program import build

        program = functools.partial(build, offline=True)
    context = contextvars.copy_context()
    thread_loops: list[asyncio.AbstractEventLoop] = []
    lock = threading.Lock()

    def thread_loop() -> None:
        # The SDK's mock monitor runs on the executor's threads and needs a loop there; it
        # would make one of its own and never close it. This one is closed below.
        own = asyncio.new_event_loop()
        asyncio.set_event_loop(own)
        with lock:
            thread_loops.append(own)

    def isolated() -> dict[str, Any]:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        executor = concurrent.futures.ThreadPoolExecutor(
            thread_name_prefix="c2cvpn-plan-rpc", initializer=thread_loop
        )
        loop.set_default_executor(executor)
        try:
            providers = (
                provider_config(config) if config is not None else dict(loaded.provider_config)
            )
            return _run(loaded, program, providers)
        finally:
            # A program that raised leaves registrations in flight: end them before the loop.
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_default_executor())
            asyncio.set_event_loop(None)
            loop.close()
            with lock:
                for own in thread_loops:
                    own.close()

    # A thread of its own: the caller's thread keeps its event loop (set, unset or running).
    # A daemon: a Ctrl-C in the caller ends the wait at once instead of after the whole plan.
    done: concurrent.futures.Future[dict[str, Any]] = concurrent.futures.Future()

    def work() -> None:
        try:
            done.set_result(context.run(isolated))
        except BaseException as exc:
            done.set_exception(exc)

    threading.Thread(target=work, name="c2cvpn-plan", daemon=True).start()
    return done.result()
