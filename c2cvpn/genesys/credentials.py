"""As whom to call the Genesys API: the OAuth client id and secret, resolved in one place.

``c2cvpn reconcile`` (:func:`c2cvpn.genesys.source.api_settings`) and the ``manage``-mode
provider (:func:`c2cvpn.genesys.manage.client_for`) both resolve through
:func:`resolve_credentials`; each reports a missing credential in its own words.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import SecretStr

from c2cvpn.genesys.demo_credentials import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from c2cvpn.genesys.urls import is_loopback
from c2cvpn.spec import GenesysApi

#: Fallback environment variables (those of the Genesys Cloud Terraform/Pulumi provider).
ENV_CLIENT_ID = ("GENESYS_CLIENT_ID", "GENESYSCLOUD_OAUTHCLIENT_ID")
ENV_CLIENT_SECRET_FALLBACK = "GENESYSCLOUD_OAUTHCLIENT_SECRET"

#: The variable holding the client secret when the stack names none (the spec's default).
DEFAULT_SECRET_ENV = GenesysApi().client_secret_env


@dataclass(frozen=True)
class Credentials:
    """The resolved client id and secret; None where none was found."""

    client_id: str | None
    client_secret: SecretStr | None = field(repr=False)
    #: The environment variable the secret was looked up in (for messages).
    secret_env: str


def resolve_credentials(
    *,
    base_url: str,
    login_url: str,
    client_id: str | None = None,
    client_secret: str | None = None,
    secret_env: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Credentials:
    """The OAuth client to call ``base_url`` (API) and ``login_url`` (OAuth) as.

    The id: ``client_id``, else ``$GENESYS_CLIENT_ID`` / ``$GENESYSCLOUD_OAUTHCLIENT_ID``.
    The secret: ``client_secret``, else ``$<secret_env>`` (default ``$GENESYS_CLIENT_SECRET``),
    else ``$GENESYSCLOUD_OAUTHCLIENT_SECRET``; never the stack file. When both URLs are
    loopback (the simulator), the simulator's published demo credentials fill what is missing.
    """
    env = os.environ if env is None else env
    secret_env = secret_env or DEFAULT_SECRET_ENV
    found_id = client_id or next((env[k] for k in ENV_CLIENT_ID if env.get(k)), None)
    secret = client_secret or env.get(secret_env) or env.get(ENV_CLIENT_SECRET_FALLBACK) or None
    if is_loopback(base_url) and is_loopback(login_url):
        found_id = found_id or DEMO_CLIENT_ID
        secret = secret or DEMO_CLIENT_SECRET
    return Credentials(found_id, SecretStr(secret) if secret else None, secret_env)
