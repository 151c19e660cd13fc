"""`c2cvpn render`: the on-prem peer's strongSwan files, as text and on disk."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from c2cvpn.cli import app
from c2cvpn.render import PSK_PLACEHOLDER, RenderError, render_peer, write_rendered
from tests.helpers import GOOD_PSK, load, raw_config, set_path, write_stack

runner = CliRunner()


def _local(**changes: object) -> dict:
    config = raw_config("local")
    for path, value in changes.items():
        set_path(config, path, value)
    return config


def test_iaas_side_proposes_exactly_the_spec() -> None:
    swanctl = render_peer(load(_local()).spec, psk=GOOD_PSK).files["swanctl.conf"]
    assert "remote_addrs = 192.168.250.1" in swanctl
    assert "proposals = aes256-sha256-modp2048" in swanctl
    assert "esp_proposals = aes256-sha256-modp2048" in swanctl
    assert "local_ts = 10.10.0.0/24" in swanctl and "remote_ts = 10.100.0.0/24" in swanctl
    assert "rekey_time = 28800s" in swanctl and "rekey_time = 3600s" in swanctl
    assert "dpd_delay = 20s" in swanctl and "encap = yes" in swanctl
    assert f'secret = "{GOOD_PSK}"' in swanctl


def test_genesys_side_is_the_mirror_image() -> None:
    swanctl = render_peer(load(_local()).spec, side="genesys", psk=GOOD_PSK).files["swanctl.conf"]
    assert "remote_addrs = 192.168.250.2" in swanctl
    assert "local_ts = 10.100.0.0/24" in swanctl and "remote_ts = 10.10.0.0/24" in swanctl
    assert "start_action = none" in swanctl  # the on-prem side initiates


def test_gcm_and_ecp_are_spelled_for_strongswan() -> None:
    config = _local()
    for phase in ("phase1", "phase2"):
        config["c2c-vpn:tunnel"][phase].update(encryption="aes256gcm", integrity="sha384")
    config["c2c-vpn:tunnel"]["phase1"]["dhGroup"] = 20
    config["c2c-vpn:tunnel"]["phase2"]["pfsGroup"] = 20
    swanctl = render_peer(load(config).spec).files["swanctl.conf"]
    assert "proposals = aes256gcm16-prfsha384-ecp384" in swanctl
    assert "esp_proposals = aes256gcm16-ecp384" in swanctl


def test_keepalive_and_clamp_files() -> None:
    files = render_peer(load(_local()).spec).files
    assert "keep_alive = 20s" in files["strongswan.d/c2cvpn.conf"]
    assert "maxseg size set 1375" in files["mss-clamp.sh"]  # on-prem: the arithmetic alone
    no_clamp = render_peer(load(_local(**{"c2c-vpn:iaas.mssClamp.enabled": False})).spec).files
    assert "mss-clamp.sh" not in no_clamp


def test_without_a_key_the_placeholder_stands_in() -> None:
    rendered = render_peer(load(_local()).spec)
    assert f'secret = "{PSK_PLACEHOLDER}"' in rendered.files["swanctl.conf"]
    assert rendered.psk_included is False


def test_cloud_attachments_are_not_rendered() -> None:
    with pytest.raises(RenderError, match="on aws"):
        render_peer(load(raw_config("dev")).spec)
    with pytest.raises(RenderError, match="no standby"):
        render_peer(load(_local()).spec, role="standby")


def test_files_on_disk_have_safe_modes(tmp_path: Path) -> None:
    written = write_rendered(render_peer(load(_local()).spec, psk=GOOD_PSK), tmp_path / "peer")
    modes = {
        p.relative_to(tmp_path / "peer").as_posix(): stat.S_IMODE(p.stat().st_mode) for p in written
    }
    assert modes == {
        "swanctl.conf": 0o600,
        "strongswan.d/c2cvpn.conf": 0o644,
        "mss-clamp.sh": 0o755,
    }
    assert stat.S_IMODE((tmp_path / "peer").stat().st_mode) == 0o700


def test_a_failed_write_leaves_nothing_half_made(tmp_path: Path) -> None:
    out = tmp_path / "peer"
    (out / "mss-clamp.sh").mkdir(parents=True)  # a directory where a file must go
    with pytest.raises(OSError):
        write_rendered(render_peer(load(_local()).spec, psk=GOOD_PSK), out)
    leftovers = sorted(p.name for p in out.rglob("*") if p.is_file())
    assert leftovers == [], leftovers


def test_cli_prints_without_the_key_and_writes_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = write_stack(tmp_path, _local(**{"c2c-vpn:tunnel.preSharedKey": GOOD_PSK}), "onprem")
    shown = runner.invoke(app, ["render", str(stack)])
    assert shown.exit_code == 0 and GOOD_PSK not in shown.output and PSK_PLACEHOLDER in shown.output
    written = runner.invoke(app, ["render", str(stack), "--out", str(tmp_path / "peer")])
    assert written.exit_code == 0, written.output
    assert GOOD_PSK not in written.output
    assert GOOD_PSK in (tmp_path / "peer" / "swanctl.conf").read_text()


def test_cli_takes_the_key_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("C2CVPN_PSK", GOOD_PSK)
    result = runner.invoke(app, ["render", "local", "--out", str(tmp_path / "peer")])
    assert result.exit_code == 0
    assert GOOD_PSK in (tmp_path / "peer" / "swanctl.conf").read_text()


def test_cli_refuses_cloud_and_invalid_stacks(tmp_path: Path) -> None:
    assert runner.invoke(app, ["render", "dev"]).exit_code == 2
    bad = write_stack(tmp_path, _local(**{"c2c-vpn:tunnel.phase2.pfsGroup": None}))
    result = runner.invoke(app, ["render", str(bad)])
    assert result.exit_code == 1 and "pfs-disabled" in result.output


def test_a_key_from_the_environment_must_pass_the_portable_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = 'has spaces and a " quote'
    monkeypatch.setenv("C2CVPN_PSK", bad)
    result = runner.invoke(app, ["render", "local", "--out", str(tmp_path / "peer")])
    assert result.exit_code == 1
    assert "psk-charset" in result.output and "$C2CVPN_PSK" in result.output
    assert bad not in result.output and not (tmp_path / "peer").exists()


def test_the_lab_refuses_a_bad_key_from_the_environment() -> None:
    from c2cvpn.lab.run import LabRefused, lab_psk

    with pytest.raises(LabRefused, match=r"\$C2CVPN_PSK: .*at least 32"):
        lab_psk(load(_local()).spec, {"C2CVPN_PSK": "Short.1"})
    key, source = lab_psk(load(_local()).spec, {"C2CVPN_PSK": GOOD_PSK})
    assert (key, source) == (GOOD_PSK, "$C2CVPN_PSK")


def test_startup_add_waits_for_genesys() -> None:
    start = render_peer(load(_local()).spec).files["swanctl.conf"]
    wait = render_peer(load(_local(**{"c2c-vpn:tunnel.startupAction": "add"})).spec).files[
        "swanctl.conf"
    ]
    assert "start_action = start" in start
    assert "start_action = none" in wait and "start_action = trap" not in wait
