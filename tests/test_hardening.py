"""Hostile and absurd input: `validate` and `plan` answer 0, 1 or 2 with bounded output, fast.

One test per defect of the reliability report (D1-D5, D7-D11) and per rough edge it lists
(non-regular files, a non-stack file, the closed pipe, YAML as the Pulumi CLI reads it).
Each of these failed on the code before the fix: exit 3, a hang, minutes, or megabytes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from c2cvpn.cli import app
from c2cvpn.rules import MAX_OVERLAPS_REPORTED, overlapping_pairs, validate
from c2cvpn.spec import (
    LIST_CAPS,
    MAX_DEPTH,
    MAX_ERROR_LINES,
    MAX_FILE_BYTES,
    SpecError,
    load_stack,
    parse_config,
    read_yaml,
    shown,
)
from tests.helpers import ROOT, STACKS, raw_config, set_path, write_stack

runner = CliRunner()


def _cli(
    *args: str, cwd: Path = ROOT, timeout: float = 60, wrap: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """The real entry point in a child process (exit codes, streams and pipes as a shell sees them)."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [*wrap, sys.executable, "-c", "from c2cvpn.cli import main; main()", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def _strict_json(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def _invoke(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    return lines[0]


def _stack_text(config: dict[str, Any]) -> str:
    return yaml.safe_dump({"config": config}, sort_keys=False)


def _write(tmp_path: Path, text: str, name: str = "Pulumi.case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- D1, D2, D3: exit 3


@pytest.mark.parametrize(
    "text",
    [
        "config:\n  c2c-vpn:iaas: " + "[" * 500 + "]" * 500 + "\n",  # D1, flow
        "config:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(1000)),  # D1, block
        "config:\n  c2c-vpn:iaas: " + "{a: " * 300 + "1" + "}" * 300 + "\n",
        "config:\n  c2c-vpn:iaas: " + "[" * 100_000 + "]" * 100_000 + "\n",
    ],
    ids=["flow-list-500", "block-map-1000", "flow-map-300", "flow-list-100000"],
)
def test_deep_yaml_is_one_line_exit_2(tmp_path: Path, text: str) -> None:
    line = _one_error_line(_cli("validate", str(_write(tmp_path, text))))
    assert f"nesting deeper than {MAX_DEPTH} levels" in line


def test_deep_json_text_value_is_one_line_exit_2(tmp_path: Path) -> None:
    """D2: the engine passes objects as JSON text; json.loads raised RecursionError."""
    text = "config:\n  c2c-vpn:tunnel: '" + "[" * 1000 + "]" * 1000 + "'\n"
    line = _one_error_line(_cli("validate", str(_write(tmp_path, text))))
    assert "c2c-vpn:tunnel" in line and "deeper" in line


def test_deep_value_from_the_engine_is_refused() -> None:
    value: Any = 1
    for _ in range(200):
        value = [value]
    with pytest.raises(SpecError) as info:
        parse_config({"c2c-vpn:iaas": value}, stack="t", source="pulumi config")
    assert "deeper" in info.value.lines[0]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("? [a]\n: 1\n", "a list is used as a mapping key"),
        ("? {a: 1}\n: 1\n", "a mapping is used as a mapping key"),
        (
            "config:\n  c2c-vpn:tunnel:\n    ? {a: 1}\n    : 1\n",
            "a mapping is used as a mapping key",
        ),
        ("config:\n  c2c-vpn:tunnel:\n    1: x\n", "is read as the number 1, not a name"),
        ("config:\n  c2c-vpn:tunnel:\n    ~: x\n", "is read as null, not a name"),
    ],
)
def test_keys_that_are_not_names_are_one_line_exit_2(
    tmp_path: Path, text: str, fragment: str
) -> None:
    """D3: an unhashable key crashed the loader with TypeError."""
    assert fragment in _one_error_line(_cli("validate", str(_write(tmp_path, text))))


# --------------------------------------------------------------------------- D4, D7, D8: values


@pytest.mark.parametrize("lifetime", ["1" + "0" * 300, "1" + "0" * 309, "100000"])
def test_absurd_azure_phase1_lifetime_never_validates(tmp_path: Path, lifetime: str) -> None:
    """D4: Azure fixes its IKE SA lifetime, so the value had no range check; 10^309 crashed plan."""
    text = (STACKS / "Pulumi.azure-dev.yaml").read_text()
    text = text.replace("lifetimeSeconds: 28800", f"lifetimeSeconds: {lifetime}", 1)
    path = _write(tmp_path, text)
    for command in ("validate", "plan"):
        result = _cli(command, str(path), "--format", "json")
        assert result.returncode in (1, 2), (command, result.stdout[-500:], result.stderr)
        body = _strict_json(result.stdout)
        assert not body.get("valid", False)
        assert len(result.stdout) + len(result.stderr) < 10_000


@pytest.mark.parametrize("value", ["1.5", "0.0001", "1e-320", "20.5"])
def test_fractional_keepalive_is_refused(tmp_path: Path, value: str) -> None:
    """D7: `dpd_delay = 1.5s` validated clean, and strongSwan refuses it."""
    text = (STACKS / "Pulumi.local.yaml").read_text()
    path = _write(tmp_path, text.replace("keepaliveSeconds: 20", f"keepaliveSeconds: {value}"))
    line = _one_error_line(_cli("validate", str(path)))
    assert "c2c-vpn:tunnel.keepaliveSeconds" in line and "integer" in line


@pytest.mark.parametrize(("value", "exit_code"), [(0, 1), (3601, 1), (1e20, 2), (20.0, 0)])
def test_keepalive_range(tmp_path: Path, value: float, exit_code: int) -> None:
    path = write_stack(
        tmp_path, set_path(raw_config("local"), "c2c-vpn:tunnel.keepaliveSeconds", value)
    )
    result = _invoke("validate", str(path), "--format", "json")
    assert result.exit_code == exit_code, result.stdout
    if exit_code == 1:
        assert "keepalive-range" in {p["code"] for p in _strict_json(result.stdout)["problems"]}


def _declared(keepalive: str) -> str:
    text = (STACKS / "Pulumi.dev.yaml").read_text()
    block = (
        "    connection:\n"
        "      localNetworks: [10.100.0.0/24]\n"
        "      remoteNetworks: [10.10.0.0/24]\n"
        f"      keepaliveSeconds: {keepalive}\n"
        "      phase1: {encryption: aes256, integrity: sha256, dhGroup: 14}\n"
        "      phase2: {encryption: aes256, integrity: sha256, pfsGroup: 14}\n"
    )
    return text.replace("    source: declared\n", "    source: declared\n" + block, 1)


@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf", "+.INF"])
def test_non_finite_numbers_are_refused_at_parse(tmp_path: Path, value: str) -> None:
    """D8: `.nan` validated clean, and plan printed `"genesys": NaN`."""
    path = _write(tmp_path, _declared(value))
    line = _one_error_line(_cli("validate", str(path)))
    assert "not a finite number" in line
    plan = _cli("plan", str(path), "--format", "json")
    assert plan.returncode == 2
    assert _strict_json(plan.stdout)["error"]["kind"] == "unusable"


def test_declared_keepalive_follows_the_tunnel_rule(tmp_path: Path) -> None:
    assert "keepaliveSeconds" in _one_error_line(
        _cli("validate", str(_write(tmp_path, _declared("1.5"))))
    )
    result = _invoke(
        "validate", str(_write(tmp_path, _declared("0"), "Pulumi.zero.yaml")), "-f", "json"
    )
    problems = _strict_json(result.stdout)["problems"]
    assert result.exit_code == 1
    assert ("keepalive-range", "c2c-vpn:genesys.connection.keepaliveSeconds") in {
        (p["code"], p["path"]) for p in problems
    }


@pytest.mark.parametrize("text", ["[NaN]", "[Infinity]", "[1e400]", '{"a": -Infinity}'])
def test_non_finite_numbers_in_json_text_are_refused(text: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_config({"c2c-vpn:iaas": text}, stack="t", source="t")
    assert "not valid JSON" in info.value.lines[0]


def test_non_finite_numbers_from_the_engine_are_refused() -> None:
    config = raw_config("dev")
    config["c2c-vpn:genesys"]["api"] = None
    config["c2c-vpn:tunnel"]["dpd"]["timeoutSeconds"] = float("inf")
    with pytest.raises(SpecError) as info:
        parse_config(config, stack="t", source="pulumi config")
    assert "not a finite number" in info.value.lines[0]


# --------------------------------------------------------------------------- D5 and non-regular files


def test_unsearchable_directory_is_exit_2_naming_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """D5: Path.is_file() raised PermissionError (exit 3) for a stack in a mode-000 directory."""
    locked = tmp_path / "locked"
    locked.mkdir()
    target = locked / "Pulumi.dev.yaml"
    target.write_text((STACKS / "Pulumi.dev.yaml").read_text())
    real_open, real_stat = os.open, os.stat

    def deny_open(path: Any, *args: Any, **kwargs: Any) -> int:
        if str(path).startswith(str(locked)):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    def deny_stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if str(path).startswith(str(locked)):
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny_open)
    monkeypatch.setattr(os, "stat", deny_stat)  # what Path.is_file() asks
    with pytest.raises(SpecError) as info:
        load_stack(str(target))
    (line,) = info.value.lines
    assert "permission denied" in line and "not searchable" in line


def test_unsearchable_directory_for_real(tmp_path: Path) -> None:
    """As a user would meet it. Root reads a mode-000 directory anyway, so as root the child
    runs without the two capabilities that let it (setpriv, from util-linux)."""
    wrap: tuple[str, ...] = ()
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.fail("setpriv (Debian package util-linux) is needed to drop root's file access")
        wrap = ("setpriv", "--bounding-set=-dac_override,-dac_read_search", "--")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "Pulumi.dev.yaml").write_text((STACKS / "Pulumi.dev.yaml").read_text())
    locked.chmod(0)
    try:
        assert "permission denied" in _one_error_line(
            _cli("validate", str(locked / "Pulumi.dev.yaml"), wrap=wrap)
        )
    finally:
        locked.chmod(0o700)


def test_directory_fifo_and_devices_are_one_clear_line(tmp_path: Path) -> None:
    directory = tmp_path / "Pulumi.dir.yaml"
    directory.mkdir()
    fifo = tmp_path / "Pulumi.fifo.yaml"
    os.mkfifo(fifo)
    for path, what in (
        (directory, "is a directory"),
        (fifo, "is a named pipe"),  # and no hang: opened non-blocking
        (Path("/dev/null"), "is a character device"),
        (Path("/dev/zero"), "is a character device"),
    ):
        line = _one_error_line(_cli("validate", str(path), timeout=20))
        assert what in line and "not a stack file" in line


def test_symlink_loop_and_dangling_link(tmp_path: Path) -> None:
    loop = tmp_path / "Pulumi.loop.yaml"
    loop.symlink_to(loop)
    assert "symbolic links" in _one_error_line(_cli("validate", str(loop)))
    dangling = tmp_path / "Pulumi.gone.yaml"
    dangling.symlink_to(tmp_path / "nowhere.yaml")
    assert "does not exist" in _one_error_line(_cli("validate", str(dangling)))


def test_a_missing_stack_lists_only_a_few_names(tmp_path: Path) -> None:
    for i in range(834):
        (tmp_path / f"Pulumi.case{i}.yaml").write_text("")
    line = _one_error_line(_cli("validate", str(tmp_path / "Pulumi.nope.yaml")))
    assert "no such stack file" in line and "and 824 more" in line
    assert len(line) < 400


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = _write(tmp_path, "# " + "x" * MAX_FILE_BYTES + "\nconfig: {}\n")
    assert "bytes" in _one_error_line(_cli("validate", str(path)))


def test_text_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.latin.yaml"
    path.write_bytes("config:\n  c2c-vpn:tunnel: {name: caf\u00e9}\n".encode("latin-1"))
    assert "not UTF-8" in _one_error_line(_cli("validate", str(path)))


def test_a_file_that_is_not_a_stack_is_not_echoed(tmp_path: Path) -> None:
    """`validate /etc/shadow` printed every line of the file as an unknown key."""
    secret = "root:$6$salt$0123456789abcdefSECRETHASH:20228:0:99999:7:::"
    lines = [secret] + [f"user{i}:*:20228:0:99999:7:::" for i in range(24)]
    line = _one_error_line(_cli("validate", str(_write(tmp_path, "\n".join(lines) + "\n"))))
    assert "not a Pulumi stack file" in line
    assert "SECRETHASH" not in line and "user1" not in line


def test_a_misspelt_top_level_key_still_gets_a_hint(tmp_path: Path) -> None:
    line = _one_error_line(_cli("validate", str(_write(tmp_path, "confg: {}\n"))))
    assert "unknown top-level key 'confg'; did you mean 'config'?" in line


# --------------------------------------------------------------------------- D9: JSON always


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_unusable_input_with_format_json_prints_a_json_error(tmp_path: Path, command: str) -> None:
    missing = _cli(command, str(tmp_path / "Pulumi.nope.yaml"), "--format", "json")
    broken = _cli(command, str(_write(tmp_path, "config:\n  c2c-vpn:tunel: {}\n")), "-f", "json")
    for result in (missing, broken):
        assert result.returncode == 2
        body = _strict_json(result.stdout)
        assert set(body) == {"stack", "error"}
        assert body["error"]["kind"] == "unusable"
        assert body["error"]["lines"] and all(isinstance(x, str) for x in body["error"]["lines"])
        assert body["error"]["source"].endswith(".yaml")


def test_a_refused_program_with_format_json_prints_a_json_error(tmp_path: Path) -> None:
    """D9: plan exited 1 with empty stdout when the program refused the stack."""
    text = _declared("20").replace(
        "phase2: {encryption: aes256, integrity: sha256, pfsGroup: 14}",
        "phase2: {encryption: aes128, integrity: sha256, pfsGroup: 14}",
    )
    result = _cli("plan", str(_write(tmp_path, text)), "--format", "json")
    assert result.returncode == 1, result.stderr
    body = _strict_json(result.stdout)
    assert body["error"]["kind"] == "refused" and body["stack"] == "case"
    assert any("phase2" in line or "phase 2" in line for line in body["error"]["lines"])


def test_invalid_stack_plan_json_is_the_report(tmp_path: Path) -> None:
    path = write_stack(tmp_path, set_path(raw_config("dev"), "c2c-vpn:tunnel.keepaliveSeconds", 0))
    result = _invoke("plan", str(path), "--format", "json")
    assert result.exit_code == 1
    assert _strict_json(result.stdout)["valid"] is False


# --------------------------------------------------------------------------- D10, D11: scale


def test_duplicate_cidrs_are_refused_once_and_fast(tmp_path: Path) -> None:
    """D10: 500 copies of a tenant CIDR took 32 s, 2.2 GB and 56 MB of output."""
    config = set_path(raw_config("dev"), "c2c-vpn:genesys.tenantCidrs", ["10.100.0.0/24"] * 300)
    start = time.monotonic()
    result = _cli("validate", str(write_stack(tmp_path, config)), "--format", "json")
    assert time.monotonic() - start < 10
    line = _one_error_line(result)
    assert "c2c-vpn:genesys.tenantCidrs: 10.100.0.0/24 is listed more than once" in line
    assert len(result.stdout) < 2000


@pytest.mark.parametrize("key", ["c2c-vpn:iaas.networks", "c2c-vpn:genesys.tenantCidrs"])
def test_lists_longer_than_any_vendor_takes_are_refused(tmp_path: Path, key: str) -> None:
    name = key.rsplit(".", 1)[1]
    limit = LIST_CAPS[name][0]
    many = [f"10.{i // 256}.{i % 256}.0/24" for i in range(limit + 1)]
    config = set_path(raw_config("dev"), key, many)
    line = _one_error_line(_cli("validate", str(write_stack(tmp_path, config))))
    assert f"{limit + 1} entries, at most {limit}" in line


def test_twenty_thousand_ports_do_not_validate(tmp_path: Path) -> None:
    """20,000 ports validated clean and took a 56 s, 1.5 GB plan."""
    config = set_path(raw_config("dev"), "c2c-vpn:iaas.applicationPorts", list(range(1, 20001)))
    path = write_stack(tmp_path, config)
    for command in ("validate", "plan"):
        start = time.monotonic()
        line = _one_error_line(_cli(command, str(path)))
        assert time.monotonic() - start < 10
        assert "20000 entries, at most 1000" in line


def _alias_bomb(levels: int) -> str:
    """A ~1.5 KB file whose tenantCidrs expand to 10^levels entries."""
    lines = ["config:", "  x:anchors:", "    - &l0 [" + ", ".join(["10.100.0.0/24"] * 10) + "]"]
    lines += [f"    - &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, levels + 1)]
    dev = (STACKS / "Pulumi.dev.yaml").read_text().split("config:\n", 1)[1]
    dev = dev.replace("    tenantCidrs:\n      - 10.100.0.0/24\n", f"    tenantCidrs: *l{levels}\n")
    return "\n".join(lines) + "\n" + dev


@pytest.mark.parametrize("levels", [3, 6, 8])
def test_alias_bombs_are_refused_with_a_short_message(tmp_path: Path, levels: int) -> None:
    """D11: a 2 KB alias tree put 172 MB on stderr (repr of the whole expanded list, 10 times)."""
    start = time.monotonic()
    result = _cli("validate", str(_write(tmp_path, _alias_bomb(levels))))
    assert time.monotonic() - start < 10
    line = _one_error_line(result)
    assert len(result.stderr) < 1000
    assert "alias" in line or "at most" in line or "more than once" in line


def test_error_lines_are_capped(tmp_path: Path) -> None:
    config = set_path(raw_config("dev"), "c2c-vpn:iaas.networks", [f"bad{i}" for i in range(300)])
    result = _cli("validate", str(write_stack(tmp_path, config)))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == MAX_ERROR_LINES + 1 and "280 more like these" in lines[-1]


def test_long_values_are_cut_in_messages(tmp_path: Path) -> None:
    config = set_path(raw_config("dev"), "c2c-vpn:genesys.region", "x" * 4000)
    result = _invoke("validate", str(write_stack(tmp_path, config)), "--format", "json")
    (region,) = [
        p for p in _strict_json(result.stdout)["problems"] if p["code"] == "genesys-region"
    ]
    assert "(4000 characters)" in region["message"] and len(region["message"]) < 600
    assert shown(10**400).endswith("(401 digits)")
    assert shown(list(range(10**6))) == "a list of 1000000 item(s)"


def _brute_force(nets: list[Any]) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i in range(len(nets))
        for j in range(i + 1, len(nets))
        if nets[i].overlaps(nets[j])
    ]


def test_overlap_sweep_finds_exactly_the_overlapping_pairs() -> None:
    import ipaddress
    import random

    rng = random.Random(7)
    for _ in range(200):
        nets = [
            ipaddress.IPv4Network(
                f"10.{rng.randrange(4)}.{rng.randrange(4)}.0/{rng.choice((8, 16, 22, 24))}",
                strict=False,
            )
            for _ in range(rng.randrange(1, 12))
        ]
        assert overlapping_pairs(nets) == _brute_force(nets)


def test_many_overlaps_are_reported_with_a_bound(tmp_path: Path) -> None:
    config = raw_config("dev")
    set_path(
        config,
        "c2c-vpn:genesys.tenantCidrs",
        [f"10.10.{i // 4}.{i % 4 * 64}/26" for i in range(300)],
    )
    set_path(config, "c2c-vpn:iaas.networks", ["10.10.0.0/16"])
    start = time.monotonic()
    report = validate(parse_config(config, stack="t", source="t"))
    assert time.monotonic() - start < 5
    overlaps = [p for p in report.problems if p.code == "subnet-overlap"]
    assert len(overlaps) == MAX_OVERLAPS_REPORTED + 1
    assert "250 more overlapping pairs" in overlaps[-1].message


# --------------------------------------------------------------------------- the closed pipe


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("validate", "nope.yaml"), 2),
        (("validate", "dev"), 0),
        (("validate", "dev", "--format", "json"), 0),
    ],
)
def test_a_closed_pipe_keeps_the_exit_code(args: tuple[str, ...], code: int) -> None:
    """`c2cvpn validate /etc/shadow 2>&1 | head -1` exited 1 instead of 2."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first write
    try:
        result = subprocess.run(
            [sys.executable, "-c", "from c2cvpn.cli import main; main()", *args],
            cwd=ROOT,
            stdout=write_end,
            stderr=write_end,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert result.returncode == code


def test_a_closed_pipe_keeps_exit_1(tmp_path: Path) -> None:
    path = write_stack(tmp_path, set_path(raw_config("dev"), "c2c-vpn:tunnel.keepaliveSeconds", 0))
    test_a_closed_pipe_keeps_the_exit_code(("validate", str(path)), 1)


# --------------------------------------------------------------------------- YAML as Pulumi reads it


@pytest.mark.parametrize(
    ("written", "value"),
    [
        # gopkg.in/yaml.v3 resolve.go, as the Pulumi CLI reads stack files
        ("7:23", "7:23"),  # no base 60 (PyYAML: 443)
        ("016", 14),  # octal, as in YAML 1.1 (YAML 1.2 core: 16)
        ("0o16", 14),
        ("0x0e", 14),
        ("4_43", 443),  # underscores dropped (YAML 1.2 core: text)
        ("08", 8.0),  # not octal, so a float
        ("yes", "yes"),  # YAML 1.1 booleans are text
        ("no", "no"),
        ("on", "on"),
        ("True", True),
        ("tRUE", "tRUE"),
        ("~", None),
        ("1e999", "1e999"),  # beyond a float64: text
        ("18446744073709551615", 2**64 - 1),  # uint64
        ("1" + "0" * 25, 1e25),
        ("'016'", "016"),
        ("!!str 016", "016"),
        ("!!float 1", 1.0),
        ("!!int '0x10'", 16),
    ],
)
def test_scalars_are_read_as_the_pulumi_cli_reads_them(written: str, value: Any) -> None:
    read = read_yaml(f"k: {written}\n")["k"]
    assert read == value and type(read) is type(value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("k: 2024-01-31\n", "read as a date"),
        ("k: !!binary aGk=\n", "YAML tag !!binary"),
        ("k: !custom x\n", "YAML tag !custom"),
        ("k: !!bool yes\n", "cannot read str 'yes' as !!bool"),
        ("a: 1\n'a': 2\n", "duplicate key 'a' (first at line 1)"),
        ("a: &a [*a]\n", "anchor &a contains itself"),
        ("a: *nope\n", "alias *nope names no anchor"),
        ("a: 1\n---\nb: 2\n", "a second YAML document"),
        ("b:\n  <<: 5\n", "a merge key (<<) takes a mapping"),
    ],
)
def test_what_pulumi_would_read_differently_is_refused(text: str, fragment: str) -> None:
    with pytest.raises(Exception) as info:
        read_yaml(text)
    assert fragment in str(info.value)


def test_merge_keys_work_as_in_the_pulumi_cli() -> None:
    text = "a: &x {p: 1, q: 2}\nb:\n  <<: *x\n  q: 3\nc:\n  <<: [{p: 1}, {p: 2, r: 3}]\n"
    assert read_yaml(text) == {"a": {"p": 1, "q": 2}, "b": {"q": 3, "p": 1}, "c": {"p": 1, "r": 3}}


def test_a_stack_with_merge_keys_validates(tmp_path: Path) -> None:
    """Merge keys were refused with "could not determine a constructor for the tag ...merge"."""
    text = (
        (STACKS / "Pulumi.dev.yaml")
        .read_text()
        .replace(
            "    phase2:\n      protocol: esp\n      encryption: aes256\n      integrity: sha256\n",
            "    phase2:\n      <<: {protocol: esp, encryption: aes256, integrity: sha256}\n",
        )
    )
    assert "<<" in text
    loaded = load_stack(str(_write(tmp_path, text)))
    assert loaded.spec == load_stack("dev").spec


def test_sexagesimal_port_is_not_443(tmp_path: Path) -> None:
    text = (STACKS / "Pulumi.dev.yaml").read_text().replace("[443]", "[7:23]")
    line = _one_error_line(_cli("validate", str(_write(tmp_path, text))))
    assert "applicationPorts[0]" in line


def test_keys_without_a_namespace_belong_to_the_project(tmp_path: Path) -> None:
    """Pulumi rewrites `genesys:` to `c2c-vpn:genesys` (the project name)."""
    text = (STACKS / "Pulumi.dev.yaml").read_text().replace("  c2c-vpn:genesys:", "  genesys:")
    assert load_stack(str(_write(tmp_path, text))).spec == load_stack("dev").spec
    both = text.replace(
        "  aws:region: eu-west-1\n", "  aws:region: eu-west-1\n  c2c-vpn:genesys: {}\n"
    )
    with pytest.raises(SpecError) as info:
        load_stack(str(_write(tmp_path, both, "Pulumi.both.yaml")))
    assert "same key" in info.value.lines[0]


@pytest.mark.parametrize("stack", sorted(p.name for p in STACKS.glob("Pulumi.*.yaml")))
def test_examples_read_the_same_as_pyyaml_reads_them(stack: str) -> None:
    """The example stacks use nothing where the readers differ."""
    text = (STACKS / stack).read_text()
    assert read_yaml(text) == yaml.safe_load(text)
