"""Posting reports to GitHub: one sticky pull-request comment, or one issue, per stack.

:mod:`c2cvpn.github.api` is the REST client, :mod:`c2cvpn.github.post` the upsert rules,
:mod:`c2cvpn.github.cli` the ``c2cvpn github`` commands.
"""

from __future__ import annotations

from typing import Final

#: Where the token and the API come from (set by GitHub Actions).
TOKEN_ENV: Final = "GITHUB_TOKEN"
API_URL_ENV: Final = "GITHUB_API_URL"
#: The login ``GITHUB_TOKEN`` posts as.
DEFAULT_AUTHOR: Final = "github-actions[bot]"
#: The label of drift issues; also how they are found (open issues with this label).
DEFAULT_LABEL: Final = "c2cvpn-drift"
