"""URL facts the rules, the client and the simulator share (pure: no HTTP library)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback(url: str) -> bool:
    """True for http(s)://localhost, 127.0.0.0/8 and ::1 (the simulator), by address, never by lookup."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
