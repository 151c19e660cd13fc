"""strongSwan configuration for an on-prem peer (``c2cvpn render``), from a validated spec.

Renders what an on-prem firewall running strongSwan needs for one Genesys connection:

- ``swanctl.conf``: the IKEv2 connection, its child SA and the PSK (``/etc/swanctl/``);
- ``strongswan.d/c2cvpn.conf``: the NAT keepalive interval (a daemon-wide setting);
- ``mss-clamp.sh`` when ``mssClamp.enabled``: the same clamp the cloud appliances run.

Every algorithm is spelled by :mod:`c2cvpn.vendors` and every address comes from the spec,
so the firewall proposes exactly what the Genesys side was told. ``side="genesys"`` renders
the mirror image, a stand-in for the Genesys gateway that the namespace tests use.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from c2cvpn.derive import attachment_mss, mss_clamp_script
from c2cvpn.spec import StackSpec, attachment
from c2cvpn.vendors import (
    STRONGSWAN_CLOSE_ACTION,
    STRONGSWAN_DPD_ACTION,
    STRONGSWAN_START_ACTION,
    Phase,
    Provider,
    strongswan_proposal,
)

Side = Literal["iaas", "genesys"]

#: What stands in the file when the key is not available to the renderer.
PSK_PLACEHOLDER = "PASTE-THE-PRE-SHARED-KEY-HERE"


class RenderError(ValueError):
    """The stack has nothing to render for the role and side asked (exit 2 in the CLI)."""


@dataclass(frozen=True)
class RenderedPeer:
    """Files by relative path; ``secret_files`` hold the PSK and are written with mode 0600."""

    connection: str
    files: dict[str, str]
    secret_files: frozenset[str] = field(default_factory=frozenset)
    psk_included: bool = False


def section_name(tunnel_name: str, role: str) -> str:
    """A swanctl section name: letters, digits, ``-`` and ``_`` only."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", f"{tunnel_name}-{role}".lower())


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_peer(
    spec: StackSpec, *, role: str = "primary", side: Side = "iaas", psk: str | None = None
) -> RenderedPeer:
    """strongSwan files for one connection end. ``psk`` None writes a placeholder."""
    try:
        end = attachment(spec, role)
    except ValueError as exc:
        raise RenderError(str(exc)) from None
    if end.iaas.provider is not Provider.ONPREM:
        raise RenderError(
            f"the {role} attachment is on {end.iaas.provider.value}: its IPsec end is the cloud gateway "
            "that `pulumi up` configures; render is for on-prem peers"
        )
    assert end.iaas.peer_ip is not None  # the spec requires it on-prem
    tunnel, p1, p2 = spec.tunnel, spec.tunnel.phase1, spec.tunnel.phase2
    genesys_ip, peer_ip = str(spec.genesys.gateway_ip), str(end.iaas.peer_ip)
    genesys_ts = ",".join(str(n) for n in spec.genesys.tenant_cidrs)
    iaas_ts = ",".join(str(n) for n in end.iaas.networks)
    if side == "iaas":
        local_id, remote_addr, remote_id, local_ts, remote_ts = (
            peer_ip,
            genesys_ip,
            genesys_ip,
            iaas_ts,
            genesys_ts,
        )
    else:
        local_id, remote_addr, remote_id, local_ts, remote_ts = (
            genesys_ip,
            peer_ip,
            peer_ip,
            genesys_ts,
            iaas_ts,
        )
    name = section_name(tunnel.name, role)
    ike = strongswan_proposal(p1.encryption, p1.integrity, p1.dh_group, Phase.IKE)
    esp = strongswan_proposal(p2.encryption, p2.integrity, p2.pfs_group, Phase.IPSEC)
    keepalive = f"{int(tunnel.keepalive_seconds)}s"  # whole seconds: strongSwan refuses `1.5s`
    secret = psk if psk is not None else PSK_PLACEHOLDER
    swanctl = f"""\
# c2c-vpn: {tunnel.name} ({role}), {side} side. Rendered from the stack; re-render, don't edit.
# IKEv2 lifetimes are local: rekey_time is this side's own clock, not negotiated.
connections {{
  {name} {{
    version = 2
    local_addrs = %any
    remote_addrs = {remote_addr}
    proposals = {ike}
    rekey_time = {p1.lifetime_seconds}s
    dpd_delay = {keepalive}
    encap = {"yes" if tunnel.nat_traversal else "no"}
    mobike = no
    local {{
      auth = psk
      id = {local_id}
    }}
    remote {{
      auth = psk
      id = {remote_id}
    }}
    children {{
      {name} {{
        mode = tunnel
        local_ts = {local_ts}
        remote_ts = {remote_ts}
        esp_proposals = {esp}
        rekey_time = {p2.lifetime_seconds}s
        dpd_action = {STRONGSWAN_DPD_ACTION[tunnel.dpd.action]}
        start_action = {STRONGSWAN_START_ACTION[tunnel.startup_action] if side == "iaas" else "none"}
        close_action = {STRONGSWAN_CLOSE_ACTION[tunnel.dpd.action]}
      }}
    }}
  }}
}}

secrets {{
  ike-{name} {{
    id-local = {local_id}
    id-remote = {remote_id}
    secret = {_quote(secret)}
  }}
}}
"""
    daemon = f"""\
# c2c-vpn: NAT keepalive for {tunnel.name}: idle NAT entries must not expire (the flapping trap).
charon {{
  keep_alive = {keepalive}
}}
"""
    files = {"swanctl.conf": swanctl, "strongswan.d/c2cvpn.conf": daemon}
    if side == "iaas" and end.iaas.mss_clamp.enabled:
        files["mss-clamp.sh"] = mss_clamp_script(
            attachment_mss(spec, end.iaas).mss, spec.genesys.tenant_cidrs
        )
    return RenderedPeer(name, files, frozenset({"swanctl.conf"}), psk_included=psk is not None)


def write_rendered(rendered: RenderedPeer, out_dir: Path) -> list[Path]:
    """Write the files all or nothing: every file goes to a temporary name first, then each
    is renamed into place. Files holding the PSK get mode 0600, the directory 0700."""
    for relative in rendered.files:  # refuse before writing anything
        target = out_dir / relative
        if target.exists() and not target.is_file():
            raise IsADirectoryError(f"{target} exists and is not a file")
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []
    try:
        for relative, content in rendered.files.items():
            target = out_dir / relative
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            mode = (
                0o600
                if relative in rendered.secret_files
                else (0o755 if relative.endswith(".sh") else 0o644)
            )
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            staged.append((Path(tmp_name), target))
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(content)
            os.chmod(tmp_name, mode)
    except BaseException:
        for staged_tmp, _ in staged:
            staged_tmp.unlink(missing_ok=True)
        raise
    try:
        for staged_tmp, final in staged:
            os.replace(staged_tmp, final)
    finally:
        for staged_tmp, _ in staged:
            staged_tmp.unlink(missing_ok=True)
    return [target for _, target in staged]
