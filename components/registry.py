"""Provider → builder: the one place that knows which component builds which attachment.

Each attachment is built by its own provider's builder (a stack may pair an AWS primary with
an Azure or on-prem standby). Providers' SDKs are imported only when a stack uses them.
Adding a provider is one line here.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from c2cvpn.spec import Attachment
from c2cvpn.vendors import Provider
from components.attachment import AttachmentExports, BuildContext, Builder

#: The module whose ``build(attachment, context)`` builds each provider's attachments.
BUILDERS: Mapping[Provider, str] = {
    Provider.AWS: "components.aws",
    Provider.AZURE: "components.azure",
    Provider.GCP: "components.gcp",
    Provider.ONPREM: "components.onprem",
}


def builder_for(provider: Provider) -> Builder:
    """The provider's builder (its SDK imported now, not before)."""
    module = importlib.import_module(BUILDERS[provider])
    build: Builder = module.build
    return build


def build_attachment(attachment: Attachment, context: BuildContext) -> AttachmentExports:
    return builder_for(attachment.iaas.provider)(attachment, context)
