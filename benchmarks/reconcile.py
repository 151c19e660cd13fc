"""Reconcile 1, 100 and 1,000 connections against the simulator over loopback HTTP.

Reports, per size, in one run (the 429 run always starts with one scripted 429):
- requests made against the floor (one token + one request per page of 100), as a ratio;
- wall time with a 429 budget: a run where the simulator answers a share of API requests
  429 (Retry-After 1 s, honoured in full), against a clean run, and against the clean run
  plus the waits Genesys demanded (the part no client can avoid) — so the ratio isolates
  the client's own overhead.

Run: ``python benchmarks/reconcile.py [--fault-429-rate 0.2] [--seed 1]``. Numbers are
ratios measured in one run; this is not a timed test.
"""

from __future__ import annotations

import argparse
import logging
import math
import time
from dataclasses import replace

from c2cvpn.genesys.client import GenesysClient, RetryPolicy
from c2cvpn.genesys.desired import Desired, Record, desired, to_input
from c2cvpn.genesys.reconcile import reconcile
from c2cvpn.genesys.sim import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, SimConfig, SimServer, Simulator
from c2cvpn.genesys.source import read_actual
from c2cvpn.spec import load_stack

PAGE = 100
PSK = "Bench.Key_0123456789abcdefABCDEF_xyz"


def wanted(n: int) -> list[Desired]:
    base = desired(load_stack("dev").spec, peer_ip="198.51.100.7")
    return [replace(base, record=Record(f"BENCH-{i:05d}", base.record.values)) for i in range(n)]


def run(n: int, *, rate_429: float, seed: int) -> tuple[int, int, float, float, bool]:
    """(requests, floor, wall seconds, Retry-After seconds honoured, in sync).

    With a 429 budget, the first API request is always answered 429 (so even a one-page
    run pays for one), and the seeded random share of the rest.
    """
    sim = Simulator(
        SimConfig(
            seed=seed, fault_429_rate=rate_429, fault_retry_after=1, gateway_ip="203.0.113.10"
        )
    )
    if rate_429 > 0:
        sim.queue_faults(429)
    want = wanted(n)
    for w in want:
        sim.add_connection(to_input(w, psk=PSK))
    with SimServer(sim) as server:
        client = GenesysClient(
            base_url=server.url,
            client_id=DEMO_CLIENT_ID,
            client_secret=DEMO_CLIENT_SECRET,
            retry=RetryPolicy(attempts=8, timeout=120),
        )
        started = time.perf_counter()
        with client:
            actual = read_actual(client, want, page_size=PAGE)
            result = reconcile("bench", zip(want, actual, strict=True))
        wall = time.perf_counter() - started
    floor = 1 + max(1, math.ceil(n / PAGE))
    return client.stats.requests, floor, wall, sum(client.stats.retry_after_waits), result.in_sync


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fault-429-rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.getLogger("stamina").setLevel(logging.ERROR)  # retries are counted, not logged
    print(
        f"{'connections':>11} {'requests':>8} {'floor':>5} {'req/floor':>9} {'clean s':>8} "
        f"{'429 run s':>9} {'waited s':>8} {'429/clean':>9} {'429/(clean+waits)':>17} in-sync"
    )
    for n in (1, 100, 1000):
        req, floor, clean, _, ok1 = run(n, rate_429=0.0, seed=args.seed)
        req429, _, wall429, waited, ok2 = run(n, rate_429=args.fault_429_rate, seed=args.seed)
        print(
            f"{n:>11} {req:>8} {floor:>5} {req / floor:>9.2f} {clean:>8.3f} {wall429:>9.3f} {waited:>8.1f} "
            f"{wall429 / clean:>9.1f} {wall429 / (clean + waited):>17.2f} {ok1 and ok2}"
        )
        print(f"{'':>11} with 429s: {req429} requests ({req429 / floor:.2f} x floor)")


if __name__ == "__main__":
    main()
