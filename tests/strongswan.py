"""A strongSwan daemon per network namespace, for tests that bring up real IKEv2/IPsec.

Each charon gets its own ``/run`` (a private mount namespace with a bind mount), its own vici
socket and its own log, and uses the ``kernel-libipsec`` plugin (ESP in userspace over a TUN
device), because this kernel has no ESP in XFRM. Rendered files are loaded with ``swanctl``
exactly as an operator would load them; state is read back over vici.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import vici

from tests.netns import Lab, require_netns

CHARON = Path("/usr/lib/ipsec/charon")
PLUGINS = (
    "random nonce aes sha1 sha2 hmac gcm kdf pem pkcs1 x509 pubkey openssl "
    "kernel-libipsec kernel-netlink socket-default vici updown"
)


def require_strongswan() -> None:
    require_netns()
    missing = []
    if not CHARON.exists():
        missing.append(f"{CHARON} (Debian package strongswan-charon)")
    if shutil.which("swanctl") is None:
        missing.append("`swanctl` (Debian package strongswan-swanctl)")
    if not Path("/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so").exists():
        missing.append("the kernel-libipsec plugin (Debian package libcharon-extra-plugins)")
    if not Path("/dev/net/tun").exists():
        missing.append("/dev/net/tun (kernel-libipsec needs a TUN device)")
    if not missing:
        return
    message = "strongSwan tests need " + ", ".join(missing) + "; .ci/run installs them"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


class Charon:
    """One IKE daemon in ``ns``, with its files under ``workdir``."""

    def __init__(self, lab: Lab, ns: str, workdir: Path, *, daemon_conf: Path | None = None) -> None:
        self.lab, self.ns, self.dir = lab, ns, workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "run").mkdir(exist_ok=True)
        self.socket = self.dir / "charon.vici"
        self.log = self.dir / "charon.log"
        include = f"include {daemon_conf}\n" if daemon_conf else ""
        self.conf = self.dir / "strongswan.conf"
        self.conf.write_text(
            "charon {\n"
            f"  load = {PLUGINS}\n"
            "  install_routes = yes\n"
            f"  filelog {{\n    log {{\n      path = {self.log}\n      default = 1\n      ike = 2\n      cfg = 2\n    }}\n  }}\n"
            f"  plugins {{\n    vici {{\n      socket = unix://{self.socket}\n    }}\n  }}\n"
            "}\n" + include
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Charon:
        script = f"mount --bind {self.dir / 'run'} /run && exec {CHARON}"
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, "unshare", "-m", "sh", "-c", script],
            env={**os.environ, "STRONGSWAN_CONF": str(self.conf)},
            stdout=subprocess.DEVNULL, stderr=(self.dir / "stderr").open("wb"), start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while not self.socket.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"charon in {self.ns} did not start: {(self.dir / 'stderr').read_text()[-2000:]}")
            time.sleep(0.05)
        return self

    def swanctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ip", "netns", "exec", self.ns, "swanctl", *args, "--uri", f"unix://{self.socket}"],
            env={**os.environ, "STRONGSWAN_CONF": str(self.conf)},
            capture_output=True, text=True, timeout=30, check=True,
        )

    def load(self, swanctl_conf: Path) -> None:
        """Load a rendered swanctl.conf the way an operator does (``swanctl --load-all``)."""
        self.swanctl("--load-all", "--file", str(swanctl_conf))

    def sas(self) -> dict[str, Any]:
        """IKE SAs by connection name, values decoded to str."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(self.socket))
            result: dict[str, Any] = {}
            for entry in vici.Session(sock).list_sas():
                result.update(_decode(entry))
            return result

    def wait_for_child(self, timeout: float = 20) -> dict[str, Any]:
        """The first INSTALLED child SA, or an AssertionError carrying the log's tail."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for ike in self.sas().values():
                for child in ike.get("child-sas", {}).values():
                    if child.get("state") == "INSTALLED":
                        return {"ike": ike, "child": child}
            time.sleep(0.2)
        raise AssertionError(f"no CHILD_SA installed in {self.ns}; log tail:\n{self.log_text()[-3000:]}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def _decode(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, dict):
        return {_decode(k): _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


@contextmanager
def daemons(*charons: Charon) -> Iterator[tuple[Charon, ...]]:
    try:
        for c in charons:
            c.start()
        yield charons
    finally:
        for c in charons:
            c.stop()
