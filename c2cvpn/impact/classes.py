"""The impact classes and the shape of a table row (kept apart so the table stays data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Impact(StrEnum):
    """What a change does to live traffic, worst first in :data:`SEVERITY`."""

    NO_IMPACT = "no-impact"
    TUNNEL_BLIP = "one-tunnel-blips"
    BOTH_TUNNELS_DOWN = "both-tunnels-drop"
    NEW_PEER_IPS = "new-peer-ips"
    PSK_ROTATION = "psk-rotation"
    GENESYS_PARITY = "genesys-parity"
    AZURE_CREATE_ONLY = "azure-create-only-risk"
    REPLACE = "replace"
    DELETE = "delete"
    UNCLASSIFIED = "unclassified"


#: Worst first: the verdict names the first classes present.
SEVERITY: tuple[Impact, ...] = (
    Impact.NEW_PEER_IPS,
    Impact.BOTH_TUNNELS_DOWN,
    Impact.PSK_ROTATION,
    Impact.AZURE_CREATE_ONLY,
    Impact.GENESYS_PARITY,
    Impact.DELETE,
    Impact.REPLACE,
    Impact.UNCLASSIFIED,
    Impact.TUNNEL_BLIP,
    Impact.NO_IMPACT,
)

#: Everything but "no impact" is disruptive; "unclassified" is never shown as safe.
DISRUPTIVE: frozenset[Impact] = frozenset(Impact) - {Impact.NO_IMPACT}


@dataclass(frozen=True)
class Rule:
    """What changing one input of one resource type does.

    ``replaces``: True when the provider replaces the resource on a change of this input,
    False when it updates in place, None when not known offline (the real preview decides;
    see ``source``). ``impacts``: the classes of the change itself (in place), before any
    replacement. ``source``: where the fact comes from (provider source file, vendor page).
    """

    impacts: frozenset[Impact]
    replaces: bool | None
    source: str
    why: str = ""
    secret: bool = False  # the value is a secret: never shown, whatever the input says


@dataclass(frozen=True)
class TypeRule:
    """What creating, replacing or deleting a resource of one type does, beyond its inputs.

    ``on_replace`` includes the cascade (a customer gateway replaced changes the VPN
    connection's ``customerGatewayId``: both tunnels drop). ``default`` classifies inputs the
    table does not list for this type (None: they are unclassified).
    """

    label: str
    on_create: frozenset[Impact]
    on_replace: frozenset[Impact]
    on_delete: frozenset[Impact]
    source: str
    replace_why: str = ""
    tunnel_scoped: bool = False  # inputs named tunnel1*/tunnel2* concern one tunnel
    default: Rule | None = None
    #: Inputs of the provider's Args class this project never sets (the SDK contract test
    #: checks every input is either in the table or here).
    unused: frozenset[str] = field(default_factory=frozenset)
