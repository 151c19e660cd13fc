"""``c2cvpn lab``: a real tunnel for ``stacks/Pulumi.local.yaml``, verified, diagnosed, torn down.

The lab tests run the command as a user does (a subprocess) or through :func:`run_lab`, and
after every one of them assert that nothing is left: no namespace with the lab's tag (or any
new ``c2c*`` namespace), no charon process that was not there before, no work directory.
The classification of failures is also tested on its own, from real charon log lines, so it
is checked on machines without root too.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from c2cvpn.lab.netns import LabError, leftovers, new_tag, tagged_namespaces
from c2cvpn.lab.run import LabRefused, Proposals, diagnose, run_lab, workdir_for
from c2cvpn.vendors import Phase, strongswan_negotiated
from tests.helpers import GOOD_PSK, ROOT, STACKS, load, raw_config
from tests.netns import charons, namespaces, require

# --------------------------------------------------------------------------- helpers


def _environ(env: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without the lab's own variables, plus ``env``."""
    base = {k: v for k, v in os.environ.items() if k not in ("C2CVPN_PSK", "C2CVPN_CHARON")}
    return {**base, **(env or {})}


def _cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "c2cvpn.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_environ(env),
        check=False,
    )


def _json(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"not JSON (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


def _gone(tag: str) -> None:
    assert not tagged_namespaces(tag)
    assert leftovers(tag, workdir_for(tag)) == []


# --------------------------------------------------------------------------- the lab, for real


@pytest.mark.lab
def test_lab_local_passes_end_to_end(clean: None) -> None:
    proc = _cli("lab", "local", "--format", "json")
    result = _json(proc)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert result["stack"] == "local" and result["role"] == "primary" and result["up"] is True
    failed = [c for c in result["checks"] if not c["ok"]]
    assert not failed and result["diagnosis"] == []
    names = {c["name"] for c in result["checks"]}
    assert {
        "ike-sa",
        "child-sa",
        "phase1-algorithms",
        "phase2-algorithms",
        "traffic-selectors",
        "tcp genesys→backend :443",
        "tcp backend→genesys :443",
        "esp-bytes",
        "phase2-rekey-pfs",
        "mss-clamp",
    } <= names
    ike, child = result["sa"]["ike"], result["sa"]["child"]
    assert (ike["encr-alg"], ike["encr-keysize"], ike["integ-alg"], ike["dh-group"]) == (
        "AES_CBC",
        "256",
        "HMAC_SHA2_256_128",
        "MODP_2048",
    )
    assert child["local-ts"] == ["10.10.0.0/24"] and child["remote-ts"] == ["10.100.0.0/24"]
    assert int(child["bytes-in"]) > 0 and int(child["bytes-out"]) > 0
    assert result["sa"]["rekeyed"]["dh-group"] == "MODP_2048"  # PFS, seen at the rekey
    mss = next(c for c in result["checks"] if c["name"] == "mss-clamp")["detail"]
    assert (
        "back end→Genesys 1375" in mss and "without it: 1360/1460" in mss
    )  # the clamp did something
    assert "generated" in " ".join(result["notes"])
    _gone(result["tag"])


@pytest.mark.lab
def test_phase2_mismatch_exits_1_with_phase2_diagnosis(clean: None) -> None:
    proc = _cli(
        "lab",
        "local",
        "--format",
        "json",
        "--timeout",
        "10",
        "--genesys-override",
        "phase2.encryption=aes128",
    )
    result = _json(proc)
    assert proc.returncode == 1
    assert result["up"] is False
    assert {c["name"]: c["ok"] for c in result["checks"]} == {
        "ike-sa": True,
        "child-sa": False,
    }  # phase 1 is fine
    assert result["diagnosis"][0].startswith("Phase 2 Failed: no common ESP proposal")
    assert (
        "aes128-sha256-modp2048" in result["diagnosis"][0]
        and "aes256-sha256-modp2048" in result["diagnosis"][0]
    )
    assert any("NO_PROP" in line or "no acceptable proposal" in line for line in result["evidence"])
    _gone(result["tag"])


@pytest.mark.lab
def test_psk_mismatch_exits_1_with_phase1_diagnosis_and_never_prints_a_key(clean: None) -> None:
    other = GOOD_PSK[::-1]
    proc = _cli(
        "lab",
        "local",
        "--timeout",
        "10",
        "--genesys-override",
        f"preSharedKey={other}",
        env={"C2CVPN_PSK": GOOD_PSK},
    )
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "Phase 1 Failed: pre-shared key mismatch" in proc.stdout
    assert (
        "AUTHENTICATION_FAILED" in proc.stdout or "AUTH_FAILED" in proc.stdout
    )  # the proving log line
    assert "from $C2CVPN_PSK" in proc.stdout
    for key in (GOOD_PSK, other):
        assert key not in proc.stdout + proc.stderr
    assert "torn down" in proc.stdout


@pytest.mark.lab
def test_missing_preconditions_exit_2_in_one_line(clean: None, tmp_path: Path) -> None:
    before = namespaces()
    proc = _cli("lab", "local", env={"C2CVPN_CHARON": str(tmp_path / "charon")})
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert f"{tmp_path / 'charon'} (Debian package strongswan-charon)" in lines[0]
    assert proc.stdout == ""
    assert namespaces() == before  # refused before building anything


@pytest.mark.lab
def test_keep_leaves_it_running_and_lab_down_removes_it(clean: None) -> None:
    proc = _cli("lab", "local", "--keep", "--format", "json")
    result = _json(proc)
    tag = result["tag"]
    try:
        assert proc.returncode == 0 and result["kept"] is True
        assert result["teardown"] == f"c2cvpn lab-down {tag}"
        assert len(tagged_namespaces(tag)) == 3  # Genesys stand-in, on-prem firewall, back end
        assert any("process" in item for item in leftovers(tag))  # the charons still run
        assert (workdir_for(tag).stat().st_mode & 0o777) == 0o700
    finally:
        down = _cli("lab-down", tag)
    assert down.returncode == 0 and "removed namespace" in down.stdout
    _gone(tag)
    again = _cli("lab-down", tag)
    assert again.returncode == 0 and "nothing left" in again.stdout


@pytest.mark.lab
@pytest.mark.parametrize(
    ("overrides", "timeout", "expect"),
    [
        ({"phase1.dhGroup": 19}, 10, "Phase 1 Failed: no common IKE proposal"),
        (
            {"tenantCidrs": ["10.101.0.0/24"]},
            10,
            "Phase 2 Failed: traffic selectors refused (TS_UNACCEPTABLE)",
        ),
        ({"dropIke": True}, 4, "Phase 1 Failed: no answer on UDP 500/4500: blocked or peer down"),
    ],
    ids=["phase1-proposal", "traffic-selectors", "udp-blocked"],
)
def test_failures_are_named_in_the_guides_words(
    clean: None, overrides: dict[str, object], timeout: float, expect: str
) -> None:
    loaded = load(raw_config("local"), name="local")
    result = run_lab(loaded.spec, "local", timeout=timeout, genesys_overrides=overrides, environ={})
    assert result.exit_code == 1 and not result.up
    assert result.diagnosis and result.diagnosis[0].startswith(expect), result.diagnosis
    assert result.evidence
    _gone(result.tag)


@pytest.mark.lab
def test_pfs_mismatch_shows_at_the_rekey(clean: None) -> None:
    loaded = load(raw_config("local"), name="local")
    result = run_lab(
        loaded.spec, "local", timeout=10, genesys_overrides={"phase2.pfsGroup": 19}, environ={}
    )
    assert result.up and result.exit_code == 1  # comes up, carries traffic...
    checks = {c.name: c.ok for c in result.checks}
    assert (
        checks["tcp genesys→backend :443"] and not checks["phase2-rekey-pfs"]
    )  # ...and fails at the rekey
    assert result.diagnosis[0].startswith("Phase 2 Failed: no common ESP proposal")
    _gone(result.tag)


@pytest.mark.lab
def test_gcm_ecp384_negotiates_what_the_vendor_table_says(clean: None) -> None:
    config = raw_config("local")
    for phase in ("phase1", "phase2"):
        config["c2c-vpn:tunnel"][phase].update(encryption="aes256gcm", integrity="sha384")
    config["c2c-vpn:tunnel"]["phase1"]["dhGroup"] = 20
    config["c2c-vpn:tunnel"]["phase2"]["pfsGroup"] = 20
    result = run_lab(
        load(config, name="gcm").spec, "gcm", timeout=15, environ={"C2CVPN_PSK": GOOD_PSK}
    )
    assert result.exit_code == 0, [c for c in result.checks if not c.ok]
    assert (
        result.sa["ike"]["encr-alg"] == "AES_GCM_16" and result.sa["ike"]["dh-group"] == "ECP_384"
    )
    assert "integ-alg" not in result.sa["child"] and result.sa["rekeyed"]["dh-group"] == "ECP_384"
    _gone(result.tag)


@pytest.mark.lab
def test_a_daemon_answering_badly_is_the_lab_breaking_not_a_finding(
    clean: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vici import Session  # optional: the clean fixture has skipped when it is missing
    from vici.exception import SessionException

    def garbled(self: Session) -> None:
        raise SessionException("unexpected response")

    monkeypatch.setattr(Session, "list_sas", garbled)  # every read of the SAs over vici
    tag = new_tag()
    with pytest.raises(
        LabError, match="the lab broke while testing the tunnel: unexpected response"
    ):
        run_lab(load(raw_config("local")).spec, "local", timeout=10, environ={}, tag=tag)
    _gone(tag)


@pytest.mark.lab
def test_sigterm_mid_run_tears_the_lab_down(clean: None) -> None:
    before = set(charons())
    proc = subprocess.Popen(
        [sys.executable, "-m", "c2cvpn.cli", "lab", "local", "--timeout", "20"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environ(),
    )
    try:
        deadline = time.monotonic() + 60
        while len(set(charons()) - before) < 2:  # both daemons run: the lab is built
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, (stdout, stderr)
    assert "interrupted: the lab was torn down" in stderr
    # The clean fixture checks that no charon, namespace or work directory is left.


# --------------------------------------------------------------------------- without root


def test_refusals_exit_2_for_stacks_the_lab_cannot_run() -> None:
    proc = _cli("lab", "dev", "--genesys-override", "phase1.encryption=aes128")
    assert proc.returncode == 2 and "cloud stacks take --scenario" in proc.stderr
    proc = _cli("lab", "local", "--failover")
    assert proc.returncode == 2 and "run on cloud stacks" in proc.stderr
    proc = _cli("lab", "local", "--role", "standby")
    assert proc.returncode == 2 and "no standby attachment" in proc.stderr


def test_invalid_stack_exits_1_with_the_validate_report(tmp_path: Path) -> None:
    text = (
        (STACKS / "Pulumi.local.yaml")
        .read_text()
        .replace("lifetimeSeconds: 3600", "lifetimeSeconds: 30000")
    )
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(text)
    proc = _cli("lab", str(path))
    assert proc.returncode == 1 and "lifetime-order" in proc.stdout


PROPS = Proposals(
    "aes128-sha256-modp2048",
    "aes256-sha256-modp2048",
    "aes128-sha256-modp2048",
    "aes256-sha256-modp2048",
)


@pytest.mark.parametrize(
    ("logs", "ike_up", "expect", "proof"),
    [
        (
            {
                "genesys": "07[IKE] tried 1 shared key for 'a' - 'b', but MAC mismatched\n07[ENC] generating IKE_AUTH response 1 [ N(AUTH_FAILED) ]",
                "on-prem": "09[IKE] received AUTHENTICATION_FAILED notify error",
            },
            False,
            "Phase 1 Failed: pre-shared key mismatch",
            "MAC mismatched",
        ),
        (
            {
                "genesys": "10[IKE] received proposals unacceptable\n10[ENC] generating IKE_SA_INIT response 0 [ N(NO_PROP) ]",
                "on-prem": "11[IKE] received NO_PROPOSAL_CHOSEN notify error",
            },
            False,
            "Phase 1 Failed: no common IKE proposal",
            "N(NO_PROP)",
        ),
        (
            {
                "genesys": "15[IKE] no acceptable proposal found\n15[IKE] failed to establish CHILD_SA, keeping IKE_SA",
                "on-prem": "05[IKE] received NO_PROPOSAL_CHOSEN notify, no CHILD_SA built",
            },
            True,
            "Phase 2 Failed: no common ESP proposal",
            "no acceptable proposal",
        ),
        (
            {
                "genesys": "08[IKE] traffic selectors 10.100.0.0/24 === 10.10.0.0/24 unacceptable\n08[ENC] generating IKE_AUTH response 1 [ IDr AUTH N(TS_UNACCEPT) ]",
                "on-prem": "",
            },
            True,
            "Phase 2 Failed: traffic selectors refused (TS_UNACCEPTABLE)",
            "unacceptable",
        ),
        (
            {
                "genesys": "",
                "on-prem": "15[IKE] retransmit 1 of request with message ID 0\n09[IKE] retransmit 2 of request with message ID 0",
            },
            False,
            "Phase 1 Failed: no answer on UDP 500/4500: blocked or peer down",
            "retransmit 1",
        ),
        (
            {"genesys": "", "on-prem": "nothing of note"},
            False,
            "The tunnel did not come up: no IKE SA",
            None,
        ),
    ],
    ids=["psk", "phase1-proposal", "phase2-proposal", "traffic-selectors", "no-answer", "unknown"],
)
def test_diagnose_classifies_charon_logs(
    logs: dict[str, str], ike_up: bool, expect: str, proof: str | None
) -> None:
    diagnosis, evidence = diagnose(logs, ike_up=ike_up, proposals=PROPS)
    assert len(diagnosis) == 1 and diagnosis[0].startswith(expect), diagnosis
    if proof:
        assert any(proof in line for line in evidence), evidence
    else:
        assert evidence == []


def test_evidence_never_shows_a_key() -> None:
    logs = {"genesys": f"07[IKE] MAC mismatched for key {GOOD_PSK}", "on-prem": ""}
    _, evidence = diagnose(logs, ike_up=False, proposals=PROPS, hide=[GOOD_PSK])
    assert evidence and all(GOOD_PSK not in line and "[secret]" in line for line in evidence)


def test_negotiated_names_come_from_the_vendor_table() -> None:
    assert strongswan_negotiated("aes256", "sha256", 14, Phase.IKE) == {
        "encr-alg": "AES_CBC",
        "encr-keysize": "256",
        "integ-alg": "HMAC_SHA2_256_128",
        "prf-alg": "PRF_HMAC_SHA2_256",
        "dh-group": "MODP_2048",
    }
    assert strongswan_negotiated("aes256gcm", "sha384", 20, Phase.IPSEC) == {
        "encr-alg": "AES_GCM_16",
        "encr-keysize": "256",
        "dh-group": "ECP_384",
    }


def test_require_names_the_missing_piece(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="charon"):
        require(["/x/charon (Debian package strongswan-charon)"], "lab tests")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="strongswan-charon"):
        require(["/x/charon (Debian package strongswan-charon)"], "lab tests")


def test_a_tag_never_matches_another_labs_suffix(monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess as real_subprocess

    from c2cvpn.lab import netns

    listing = "c2cg-3e6339a0 (id: 1)\nc2co-3e6339a0 (id: 2)\nc2cg-6339a0 (id: 3)\nother-6339a0\n"
    monkeypatch.setattr(
        netns.subprocess,  # type: ignore[attr-defined]
        "run",
        lambda *a, **k: real_subprocess.CompletedProcess(a, 0, stdout=listing, stderr=""),
    )
    assert netns.tagged_namespaces("6339a0") == ["c2cg-6339a0"]
    assert netns.tagged_namespaces("3e6339a0") == ["c2cg-3e6339a0", "c2co-3e6339a0"]


def test_an_override_the_vendor_table_cannot_spell_is_refused() -> None:
    with pytest.raises(LabRefused, match="'nope' is not a value the vendor table knows"):
        run_lab(
            load(raw_config("local")).spec, "local", genesys_overrides={"phase2.encryption": "nope"}
        )
