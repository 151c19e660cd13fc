"""A strongSwan daemon per network namespace, for labs that bring up real IKEv2/IPsec.

Each charon gets its own ``/run`` (a private mount namespace with a bind mount), its own vici
socket and its own log, and uses the ``kernel-libipsec`` plugin (ESP in userspace over a TUN
device), because kernels without ESP in XFRM are common in containers. Rendered files are
loaded with ``swanctl`` exactly as an operator would load them; state is read back over vici.
"""

from __future__ import annotations

import importlib.util
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

from c2cvpn.lab.netns import Lab

#: Where Debian puts the IKE daemon; ``$C2CVPN_CHARON`` points elsewhere.
CHARON = Path("/usr/lib/ipsec/charon")
CHARON_ENV = "C2CVPN_CHARON"
PLUGIN_DIR = Path("/usr/lib/ipsec/plugins")
#: Plugins outside strongSwan's core packages, with the Debian package that ships each: openssl
#: carries the MODP/ECP groups and gcm the AEAD ciphers (both only *recommended* by Debian).
PLUGIN_PACKAGES = {
    "kernel-libipsec": "libcharon-extra-plugins",
    "openssl": "libstrongswan-standard-plugins",
    "gcm": "libstrongswan-standard-plugins",
}
TUN = Path("/dev/net/tun")
PLUGINS = (
    "random nonce aes sha1 sha2 hmac gcm kdf pem pkcs1 x509 pubkey openssl "
    "kernel-libipsec kernel-netlink socket-default vici updown"
)


def charon_path(explicit: Path | None = None) -> Path:
    if explicit is not None:
        return explicit
    return Path(os.environ[CHARON_ENV]) if os.environ.get(CHARON_ENV) else CHARON


def missing_strongswan(charon: Path | None = None) -> list[str]:
    """What is missing for a strongSwan lab, each piece named with its Debian package."""
    charon = charon_path(charon)
    missing = []
    if not (charon.is_file() and os.access(charon, os.X_OK)):
        missing.append(f"{charon} (Debian package strongswan-charon)")
    if shutil.which("swanctl") is None:
        missing.append("`swanctl` (Debian package strongswan-swanctl)")
    for plugin, package in PLUGIN_PACKAGES.items():
        if not (PLUGIN_DIR / f"libstrongswan-{plugin}.so").exists():
            missing.append(f"the {plugin} plugin (Debian package {package})")
    if not TUN.exists():
        missing.append(
            f"{TUN} (kernel-libipsec needs a TUN device; in a container, pass --device /dev/net/tun)"
        )
    if importlib.util.find_spec("vici") is None:
        missing.append("the Python package vici (pip install vici; Debian package python3-vici)")
    return missing


class Charon:
    """One IKE daemon in ``ns``, with its files under ``workdir``."""

    def __init__(
        self,
        lab: Lab,
        ns: str,
        workdir: Path,
        *,
        daemon_conf: Path | None = None,
        charon: Path | None = None,
    ) -> None:
        self.lab, self.ns, self.dir = lab, ns, workdir
        self.charon = charon_path(charon)
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        (self.dir / "run").mkdir(exist_ok=True)
        self.socket = self.dir / "charon.vici"
        self.log = self.dir / "charon.log"
        include = f"include {daemon_conf}\n" if daemon_conf else ""
        self.conf = self.dir / "strongswan.conf"
        self.conf.write_text(
            "charon {\n"
            f"  load = {PLUGINS}\n"
            "  install_routes = yes\n"
            f"  filelog {{\n    log {{\n      path = {self.log}\n      flush_line = yes\n      default = 1\n      ike = 2\n      cfg = 2\n    }}\n  }}\n"
            f"  plugins {{\n    vici {{\n      socket = unix://{self.socket}\n    }}\n  }}\n"
            "}\n" + include
        )
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        return {**self.lab.env, "STRONGSWAN_CONF": str(self.conf)}

    def start(self, timeout: float = 15) -> Charon:
        script = f"mount --bind {self.dir / 'run'} /run && exec {self.charon}"
        with (self.dir / "stderr").open("wb") as stderr:
            self.process = subprocess.Popen(
                ["ip", "netns", "exec", self.ns, "unshare", "-m", "sh", "-c", script],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while not self.socket.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"charon in {self.ns} did not start: {(self.dir / 'stderr').read_text()[-2000:]}"
                )
            time.sleep(0.05)
        return self

    def swanctl(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ip", "netns", "exec", self.ns, "swanctl", *args, "--uri", f"unix://{self.socket}"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )

    def load(self, swanctl_conf: Path, timeout: float = 30) -> None:
        """Load a rendered swanctl.conf the way an operator does (``swanctl --load-all``)."""
        self.swanctl("--load-all", "--file", str(swanctl_conf), timeout=timeout)

    def sas(self) -> dict[str, Any]:
        """IKE SAs by connection name, values decoded to str."""
        import vici

        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(10)
            sock.connect(str(self.socket))
            result: dict[str, Any] = {}
            for entry in vici.Session(sock).list_sas():
                result.update(decode(entry))
            return result

    def installed_child(self) -> dict[str, Any] | None:
        """``{"ike": ..., "child": ...}`` for the first INSTALLED child SA, else None."""
        for ike in self.sas().values():
            for child in ike.get("child-sas", {}).values():
                if child.get("state") == "INSTALLED":
                    return {"ike": ike, "child": child}
        return None

    def wait_for_child(self, timeout: float = 20) -> dict[str, Any] | None:
        """The first INSTALLED child SA within ``timeout`` seconds, else None."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.installed_child()
            if found is not None or time.monotonic() >= deadline:
                return found
            time.sleep(0.2)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        """Stop the daemon's whole process group (never raises)."""
        if self.process is None or self.process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue


def decode(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, dict):
        return {decode(k): decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
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
