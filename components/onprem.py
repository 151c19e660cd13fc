"""The on-prem end: no cloud resources. The exports carry what the firewall and the Genesys
admin need; ``c2cvpn render`` writes the firewall's strongSwan configuration."""

from __future__ import annotations

from c2cvpn.spec import Attachment
from components.attachment import AttachmentExports, BuildContext, inside_endpoint


def build(attachment: Attachment, context: BuildContext) -> AttachmentExports:
    """One tunnel from the firewall's own IP; its interfaces use the Genesys range."""
    peer = str(attachment.iaas.peer_ip)
    return AttachmentExports(
        role=attachment.role,
        provider=attachment.iaas.provider,
        tunnel_cidr=str(attachment.tunnel_cidr),
        tunnels=[inside_endpoint(attachment.inside_ranges()[0], peer)],
        placement={},
        iaas={"peerIp": peer},
    )
