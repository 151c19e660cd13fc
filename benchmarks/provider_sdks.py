"""What each provider SDK costs a plan: disk, and the import the component needs.

For pulumi-aws, pulumi-azure-native and pulumi-gcp as installed in this venv: the size of the
package directory (sources and the bytecode pip compiled), and the time to import exactly the
modules the provider's component imports (a class of each, since the SDKs load modules
lazily), in a fresh interpreter each time (warm bytecode, the
median of five), as a ratio to importing ``pulumi`` alone. The components import their SDK only
when a stack has an attachment on that provider (``components/registry.py``), so an AWS-only
stack never pays for pulumi-gcp.

Run: ``python benchmarks/provider_sdks.py``. Nothing here is a test.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SDKS = {
    "pulumi": "import pulumi",
    "pulumi_aws": "import pulumi; import pulumi_aws as aws; aws.ec2.VpnConnection, aws.cloudwatch.MetricAlarm",
    "pulumi_azure_native": "import pulumi; from pulumi_azure_native import compute, network; network.VirtualNetworkGateway, compute.VirtualMachine",
    "pulumi_gcp": "import pulumi; import pulumi_gcp as gcp; gcp.compute.VPNTunnel, gcp.monitoring.AlertPolicy",
}
REPEATS = 5


def size_mb(package: str) -> float:
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations
    root = Path(next(iter(spec.submodule_search_locations)))
    total = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    return total / 1e6


def import_seconds(code: str) -> float:
    runs = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ))
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    base = import_seconds(SDKS["pulumi"])
    print("| SDK | installed MB | import s | ÷ import pulumi |")
    print("|---|---:|---:|---:|")
    for package, code in SDKS.items():
        seconds = base if package == "pulumi" else import_seconds(code)
        print(f"| {package} | {size_mb(package):.0f} | {seconds:.2f} | {seconds / base:.2f} |")


if __name__ == "__main__":
    main()
