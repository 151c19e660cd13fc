"""What ``c2cvpn reconcile`` and ``c2cvpn genesys-sim`` do (``c2cvpn.cli`` only parses options)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from c2cvpn.exits import EXIT_INVALID, EXIT_OK, EXIT_UNUSABLE, print_spec_error
from c2cvpn.genesys.client import DEFAULT_DEADLINE, is_loopback
from c2cvpn.genesys.demo_credentials import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from c2cvpn.genesys.reconcile import format_lines
from c2cvpn.genesys.source import GenesysUnreadable, reconcile_stack
from c2cvpn.retrying import quiet_retry_logs
from c2cvpn.spec import LoadedStack, SpecError, load_stack


def reconcile_command(
    loaded: LoadedStack,
    *,
    genesys_url: str | None,
    fmt: str,
    out: Console,
    err: Console,
    deadline: float = DEFAULT_DEADLINE,
) -> int:
    """0 in sync, 1 a must-match difference, 2 the Genesys side cannot be read (in time)."""
    quiet_retry_logs()  # retries are expected; the outcome is reported
    try:
        result = reconcile_stack(loaded, url=genesys_url, deadline=deadline)
    except GenesysUnreadable as exc:
        err.print(f"[bold red]error:[/] {escape(loaded.name)}: {escape(str(exc))}")
        if fmt == "json":  # the same answer on stdout, as every --format json command gives
            error = {"kind": "unreadable", "source": loaded.source, "lines": [str(exc)]}
            out.print_json(json.dumps({"stack": loaded.name, "error": error}, allow_nan=False))
        return EXIT_UNUSABLE
    if fmt == "json":
        out.print_json(json.dumps(result.as_dict(), allow_nan=False))
    else:
        for i, line in enumerate(format_lines(result)):
            style = "green" if result.in_sync else "bold red"
            out.print(f"[{style}]{escape(line)}[/]" if i == 0 else escape(line))
    return EXIT_OK if result.in_sync else EXIT_INVALID


def run_simulator(
    *,
    host: str,
    port: int,
    state: Path | None,
    fault_429_rate: float,
    fault_5xx_rate: float,
    latency_ms: float,
    seed: int | None,
    client_id: str,
    client_secret_env: str,
    rate_limit: int,
    stacks: Sequence[str],
    out: Console,
    err: Console,
) -> int:
    """Serve the contract until Ctrl-C."""
    # Imported here: `c2cvpn reconcile` (above) must not load the simulator.
    from c2cvpn.genesys.sim import SeedError, SimConfig, SimServer, Simulator, seed_stacks

    for name, rate in (("--fault-429-rate", fault_429_rate), ("--fault-5xx-rate", fault_5xx_rate)):
        if not 0 <= rate <= 1:
            err.print(f"[bold red]error:[/] {name} must be between 0 and 1, got {rate}")
            return EXIT_UNUSABLE
    if fault_429_rate + fault_5xx_rate > 1:
        err.print("[bold red]error:[/] --fault-429-rate plus --fault-5xx-rate must not exceed 1")
        return EXIT_UNUSABLE
    secret = os.environ.get(client_secret_env) or None
    demo = secret is None
    if demo and not is_loopback(f"http://[{host}]" if ":" in host else f"http://{host}"):
        # The demo secret is published: on a reachable address anyone could read and rewrite
        # the connections (and plant simulated peers).
        err.print(
            f"[bold red]error:[/] the demo secret is for loopback only; to listen on {escape(host)}, "
            f"set ${escape(client_secret_env)} to a secret of your own"
        )
        return EXIT_UNUSABLE
    config = SimConfig(
        clients={client_id: secret or DEMO_CLIENT_SECRET},
        fault_429_rate=fault_429_rate,
        fault_5xx_rate=fault_5xx_rate,
        latency_ms=latency_ms,
        seed=seed,
        state_file=state,
        rate_limit_per_minute=rate_limit,
    )
    try:
        loaded = [load_stack(s) for s in stacks]
    except SpecError as exc:
        print_spec_error(exc, err)
        return EXIT_UNUSABLE
    try:
        sim = Simulator(config)
    except (OSError, ValueError) as exc:
        err.print(
            f"[bold red]error:[/] cannot load the state file {state}: {escape(str(exc).splitlines()[0])}"
        )
        return EXIT_UNUSABLE
    if loaded:
        try:
            ids = seed_stacks(sim, loaded)
        except SeedError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}")
            return EXIT_UNUSABLE
        out.print(f"seeded {len(ids)} connection(s) from {', '.join(s.name for s in loaded)}")
    try:
        server = SimServer(sim, host=host, port=port)
    except OSError as exc:
        err.print(
            f"[bold red]error:[/] cannot listen on {host}:{port}: {escape(exc.strerror or str(exc))}"
        )
        return EXIT_UNUSABLE
    who = f"client id {client_id}, " + (
        "demo secret (set $" + client_secret_env + " to choose one)"
        if demo and client_id == DEMO_CLIENT_ID
        else f"secret from ${client_secret_env}"
        if not demo
        else "demo secret"
    )
    out.print(
        f"Genesys simulator on {server.url} ({who}); state: {state or 'memory only'}; Ctrl-C stops it"
    )
    server.serve_forever()
    return EXIT_OK
