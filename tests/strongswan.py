"""A strongSwan daemon per network namespace: :mod:`c2cvpn.lab.strongswan` for the tests.

``require_strongswan()`` skips locally and fails in CI (``CI=true``), naming what is missing;
``Charon.wait_for_child`` raises an AssertionError carrying the log's tail.
"""

from __future__ import annotations

from typing import Any

from c2cvpn.lab import strongswan as _ss
from c2cvpn.lab.strongswan import CHARON, PLUGINS, daemons
from tests.netns import require, require_netns

__all__ = ["CHARON", "PLUGINS", "Charon", "daemons", "require_strongswan"]


def require_strongswan() -> None:
    require_netns()
    require(_ss.missing_strongswan(), "strongSwan tests")


class Charon(_ss.Charon):
    def wait_for_child(self, timeout: float = 20) -> dict[str, Any]:
        found = super().wait_for_child(timeout)
        if found is None:
            raise AssertionError(
                f"no CHILD_SA installed in {self.ns}; log tail:\n{self.log_text()[-3000:]}"
            )
        return found
