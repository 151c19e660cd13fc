"""The simulator's published demo credentials: valid against ``c2cvpn genesys-sim`` only.

They live apart from the simulator so that the production credential path can fall back to
them on a loopback URL without importing the simulator.
"""

from __future__ import annotations

from typing import Final

#: OAuth client id the simulator accepts by default.
DEMO_CLIENT_ID: Final = "c2cvpn-sim"
#: Its secret. Published, hence for loopback only: never valid anywhere else.
DEMO_CLIENT_SECRET: Final = "c2cvpn-sim-demo-secret"
