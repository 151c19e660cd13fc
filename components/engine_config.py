"""What the engine hands the program: the stack's config (secrets decrypted) and the PSK secret."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pulumi
import pulumi_random as random

from c2cvpn.psk import PSK_LENGTH, PSK_MIN_PER_CLASS, PSK_RESOURCE, PSK_SPECIALS, portable_psk
from c2cvpn.spec import (
    NAMESPACE,
    TOP_LEVEL_KEYS,
    Encrypted,
    LoadedStack,
    Role,
    parse_config,
)
from c2cvpn.spec import Tunnel as TunnelSpec

#: How an encrypted key read offline starts (``components.mock_engine`` shows it after
#: ``[secret]``: it holds a digest of the ciphertext, never key material).
ENCRYPTED_PLACEHOLDER = "(encrypted in the stack file"


def load_from_engine() -> LoadedStack:
    """Read ``c2c-vpn:*`` config as the engine hands it to the program (secrets decrypted).

    ``pulumi.runtime.get_config`` returns raw values without the secret-access warning that
    ``Config.get_object`` would log for the tunnel key; the secret flag is kept separately so
    the PSK is wrapped as a secret before any resource sees it.
    """
    values: dict[str, Any] = {}
    secret_keys: set[str] = set()
    for name in TOP_LEVEL_KEYS:
        key = f"{NAMESPACE}:{name}"
        raw = pulumi.runtime.get_config(key)
        if raw is None:
            continue
        values[key] = (
            json.loads(raw) if isinstance(raw, str) and raw.lstrip().startswith(("{", "[")) else raw
        )
        if pulumi.runtime.is_config_secret(key):
            secret_keys.add(key)
    return parse_config(
        values, stack=pulumi.get_stack(), source="pulumi config", secret_keys=frozenset(secret_keys)
    )


#: The generated key's resource name per Genesys connection (the primary's is unchanged).


def pre_shared_key(
    tunnel: TunnelSpec, role: Role = "primary", opts: pulumi.ResourceOptions | None = None
) -> pulumi.Output[str]:
    """A Genesys connection's PSK as a Pulumi secret: from config, or generated to the
    portable rule. Each connection (each tunnel) has its own key.

    Generated keys are 40 characters of [A-Za-z0-9._] with every class present; a leading
    ``0`` (which AWS refuses) is replaced deterministically, so the value is stable in state.
    An encrypted key read offline (``c2cvpn plan``) is a secret placeholder naming a digest of
    its ciphertext (public: the ciphertext is in the repository), so that two offline plans
    show a changed key (``c2cvpn impact``); the engine decrypts it for ``pulumi up``.
    """
    configured = tunnel.key_for(role)
    if isinstance(configured, Encrypted):
        digest = hashlib.sha256(configured.secure.encode()).hexdigest()[:12]
        return pulumi.Output.secret(f"{ENCRYPTED_PLACEHOLDER}: ciphertext sha256 {digest})")
    readable = tunnel.psk_readable_for(role)
    if readable is not None:
        return pulumi.Output.secret(readable)
    generated = random.RandomPassword(
        PSK_RESOURCE[role],
        length=PSK_LENGTH,
        special=True,
        override_special=PSK_SPECIALS,
        min_upper=PSK_MIN_PER_CLASS,
        min_lower=PSK_MIN_PER_CLASS,
        min_numeric=PSK_MIN_PER_CLASS,
        min_special=PSK_MIN_PER_CLASS,
        opts=opts,
    )
    return pulumi.Output.secret(generated.result.apply(portable_psk))
