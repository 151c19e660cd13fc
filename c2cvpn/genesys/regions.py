"""Genesys Cloud regions and their domains (login.<domain> for OAuth, api.<domain> for the API).

Checked against Genesys' own sources: ``getRegionMap()`` in
MyPureCloud/terraform-provider-genesyscloud ``genesyscloud/provider/provider.go`` (commit
f955430e, 2026-07-01: all 18 below), and the ``PureCloudRegionHosts`` enums
(``https://api.<domain>``) of the platform client SDKs in purecloudlabs/platform-client-sdk-common
(``resources/sdk/purecloudpython/extensions/purecloud_region_hosts.py``,
``resources/sdk/purecloudjava/extensions/PureCloudRegionHosts.java``).
"""

from __future__ import annotations

from typing import Final

REGION_DOMAINS: Final[dict[str, str]] = {
    "us-east-1": "mypurecloud.com",
    "us-east-2": "use2.us-gov-pure.cloud",
    "us-west-2": "usw2.pure.cloud",
    "ca-central-1": "cac1.pure.cloud",
    "sa-east-1": "sae1.pure.cloud",
    "mx-central-1": "mxc1.pure.cloud",
    "eu-west-1": "mypurecloud.ie",
    "eu-west-2": "euw2.pure.cloud",
    "eu-central-1": "mypurecloud.de",
    "eu-central-2": "euc2.pure.cloud",
    # EU Sovereign Cloud: its own parent domain (eusc-pure.cloud), not pure.cloud.
    "eusc-de-east-1": "edee1.eusc-pure.cloud",
    "me-central-1": "mec1.pure.cloud",
    "ap-south-1": "aps1.pure.cloud",
    "ap-southeast-1": "apse1.pure.cloud",
    "ap-southeast-2": "mypurecloud.com.au",
    "ap-northeast-1": "mypurecloud.jp",
    "ap-northeast-2": "apne2.pure.cloud",
    "ap-northeast-3": "apne3.pure.cloud",
}


def login_base(region: str) -> str:
    return f"https://login.{REGION_DOMAINS[region]}"


def api_base(region: str) -> str:
    return f"https://api.{REGION_DOMAINS[region]}"
