"""The GitOps workflows (.github/workflows) and their local actions: the security and safety
invariants, read from the YAML, and the two linters CI runs on them (zizmor, actionlint).

PyYAML reads YAML 1.1, where the key ``on`` is the boolean True: :func:`_load` puts it back.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import ROOT, STACKS

GITHUB = ROOT / ".github"
WORKFLOWS = GITHUB / "workflows"
ACTIONS = GITHUB / "actions"
NAMES = ("pr.yml", "pr-comment.yml", "deploy.yml", "drift.yml")

#: The only jobs that may hold a write scope, and exactly these scopes.
WRITES: dict[tuple[str, str], set[str]] = {
    ("pr.yml", "preview"): {"id-token", "pull-requests"},
    ("pr-comment.yml", "post"): {"pull-requests"},
    ("deploy.yml", "deploy"): {"id-token"},
    ("drift.yml", "drift"): {"id-token", "issues"},
}
SAME_REPO = "github.event.pull_request.head.repo.full_name == github.repository"
#: A pinned third-party action: owner/repo[/path]@<40 hex> # vX.Y.Z
PINNED_LINE = re.compile(
    r"^\s*(?:-\s+)?uses:\s+(?P<action>[\w.-]+/[\w.-]+(?:/[\w./-]+)?)@(?P<sha>[0-9a-f]{40})"
    r"\s+#\s*(?P<tag>v\d+\.\d+\.\d+)\s*$"
)
LOCAL_PREFIXES = ("./", "$/")


# --------------------------------------------------------------------------- loading


def _load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text())
    assert isinstance(doc, dict), f"{path.name}: not a mapping"
    if True in doc:  # YAML 1.1: `on` is a boolean
        doc["on"] = doc.pop(True)
    return doc


def _workflows() -> dict[str, dict[str, Any]]:
    return {name: _load(WORKFLOWS / name) for name in NAMES}


def _actions() -> dict[str, dict[str, Any]]:
    return {p.parent.name: _load(p) for p in sorted(ACTIONS.glob("*/action.yml"))}


def _jobs() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for name, doc in _workflows().items():
        for job_id, job in doc["jobs"].items():
            yield name, job_id, job


def _steps() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every step of every workflow job and local action, with where it is."""
    for name, job_id, job in _jobs():
        for i, step in enumerate(job.get("steps", [])):
            yield f"{name}:{job_id}[{i}]", step
    for action, doc in _actions().items():
        for i, step in enumerate(doc["runs"].get("steps", [])):
            yield f"actions/{action}[{i}]", step


def _files() -> list[Path]:
    return [WORKFLOWS / n for n in NAMES] + sorted(ACTIONS.glob("*/action.yml"))


def _job(workflow: str, job_id: str) -> dict[str, Any]:
    job = _workflows()[workflow]["jobs"][job_id]
    assert isinstance(job, dict)
    return job


def _uses(step: dict[str, Any]) -> str:
    return str(step.get("uses", ""))


def _local_action(uses: str) -> str | None:
    """The local action's directory name for ``./.github/actions/x`` or ``$/.github/actions/x``."""
    for prefix in LOCAL_PREFIXES:
        if uses.startswith(prefix + ".github/actions/"):
            return uses.removeprefix(prefix + ".github/actions/").strip("/")
    return None


def _job_steps_and_actions(job: dict[str, Any]) -> list[dict[str, Any]]:
    """A job's steps, with the steps of the local actions it uses spliced in."""
    actions = _actions()
    out: list[dict[str, Any]] = []
    for step in job.get("steps", []):
        out.append(step)
        local = _local_action(_uses(step))
        if local is not None:
            out.extend(actions[local]["runs"]["steps"])
    return out


def _always(step: dict[str, Any]) -> bool:
    cond = str(step.get("if", "")).strip()
    return cond in {"always()", "${{ always() }}"}


# --------------------------------------------------------------------------- triggers


def test_the_four_workflows_exist_and_parse() -> None:
    docs = _workflows()
    assert set(docs) == set(NAMES)
    for name, doc in docs.items():
        assert doc.get("on"), f"{name}: no triggers"
        assert doc.get("jobs"), f"{name}: no jobs"


def test_no_pull_request_target_anywhere() -> None:
    for path in _files():
        assert "pull_request_target" not in path.read_text(), path.name
    for name, doc in _workflows().items():
        triggers = doc["on"]
        keys = {triggers} if isinstance(triggers, str) else set(triggers)
        assert "pull_request_target" not in keys, name


def test_triggers() -> None:
    docs = _workflows()
    assert set(docs["pr.yml"]["on"]) == {"pull_request"}
    run = docs["pr-comment.yml"]["on"]["workflow_run"]
    assert run["workflows"] == [docs["pr.yml"]["name"]], "workflow_run must name the pr workflow"
    assert run["types"] == ["completed"]
    deploy = docs["deploy.yml"]["on"]
    assert deploy["push"]["branches"] == ["main"]
    inputs = deploy["workflow_dispatch"]["inputs"]
    assert inputs["stack"]["type"] == "string"
    assert inputs["maintenance_window"]["type"] == "boolean"
    assert inputs["maintenance_window"]["default"] is False
    drift = docs["drift.yml"]["on"]
    assert drift["schedule"] and "cron" in drift["schedule"][0]
    assert "workflow_dispatch" in drift


# --------------------------------------------------------------------------- pinning


def test_every_third_party_action_is_pinned_to_a_commit_with_its_tag() -> None:
    pins: dict[str, set[tuple[str, str]]] = {}
    for path in _files():
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if not re.match(r"^\s*(-\s+)?uses:", line):
                continue
            value = line.split("uses:", 1)[1].split("#", 1)[0].strip()
            if _local_action(value) is not None:
                continue
            match = PINNED_LINE.match(line)
            assert match, f"{path.name}:{n}: not pinned to a 40-hex commit with a # vX.Y.Z comment"
            pins.setdefault(match["action"].lower(), set()).add((match["sha"], match["tag"]))
    # One version of each action across the files (a bump changes all of them).
    for action, seen in pins.items():
        assert len(seen) == 1, f"{action} pinned differently: {sorted(seen)}"
    assert {"actions/checkout", "pulumi/actions"} <= set(pins)


def test_every_uses_in_the_yaml_is_pinned_or_local() -> None:
    actions = _actions()
    for where, step in _steps():
        uses = _uses(step)
        if not uses:
            continue
        local = _local_action(uses)
        if local is not None:
            assert local in actions, f"{where}: {uses} has no action.yml"
            continue
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), f"{where}: {uses} unpinned"
    for name, job_id, job in _jobs():
        if "uses" in job:  # a reusable workflow
            uses = str(job["uses"])
            ok = uses.startswith(LOCAL_PREFIXES) or re.fullmatch(r"\S+@[0-9a-f]{40}", uses)
            assert ok, f"{name}:{job_id}: {uses} unpinned"


# --------------------------------------------------------------------------- permissions


def _scopes(perms: Any) -> dict[str, str]:
    if perms in ({}, None):
        return {}
    if perms == "read-all":
        return {"*": "read"}
    assert isinstance(perms, dict), f"permissions must be a mapping, {{}} or read-all: {perms!r}"
    return {str(k): str(v) for k, v in perms.items()}


def test_top_level_permissions_are_empty_or_read_only() -> None:
    for name, doc in _workflows().items():
        assert "permissions" in doc, f"{name}: no top-level permissions"
        for scope, level in _scopes(doc["permissions"]).items():
            assert level in {"read", "none"}, f"{name}: top-level {scope}: {level}"


def test_each_job_has_minimal_permissions() -> None:
    for name, job_id, job in _jobs():
        assert "permissions" in job, f"{name}:{job_id}: no job permissions"
        scopes = _scopes(job["permissions"])
        for scope, level in scopes.items():
            assert level in {"read", "write", "none"}, f"{name}:{job_id}: {scope}: {level}"
        writes = {scope for scope, level in scopes.items() if level == "write"}
        assert writes == WRITES.get((name, job_id), set()), f"{name}:{job_id}: writes {writes}"


def test_oidc_logins_only_in_jobs_allowed_an_id_token() -> None:
    for name, job_id, job in _jobs():
        logins = [
            s
            for s in _job_steps_and_actions(job)
            if _uses(s).startswith(("aws-actions/configure-aws-credentials@", "azure/login@"))
        ]
        has_token = _scopes(job["permissions"]).get("id-token") == "write"
        assert not logins or has_token, f"{name}:{job_id}: OIDC login without id-token: write"
    # Each cloud's login runs only when its repository variable is set.
    login = _actions()["pulumi-login"]["runs"]["steps"]
    aws = next(s for s in login if _uses(s).startswith("aws-actions/"))
    azure = next(s for s in login if _uses(s).startswith("azure/login@"))
    assert aws["if"] == "inputs.aws-role-arn != ''"
    assert aws["with"]["role-to-assume"] == "${{ inputs.aws-role-arn }}"
    assert azure["if"] == "inputs.azure-client-id != ''"
    for workflow, job_id in (
        ("pr.yml", "preview"),
        ("deploy.yml", "deploy"),
        ("drift.yml", "drift"),
    ):
        step = next(
            s for s in _job(workflow, job_id)["steps"] if _local_action(_uses(s)) == "pulumi-login"
        )
        assert step["with"]["aws-role-arn"] == "${{ vars.AWS_ROLE_ARN }}"
        assert step["with"]["azure-client-id"] == "${{ vars.AZURE_CLIENT_ID }}"
        assert step["with"]["backend-url"] == "${{ vars.PULUMI_BACKEND_URL }}"


# --------------------------------------------------------------------------- pull requests


def test_trusted_pr_jobs_run_for_same_repository_prs_only() -> None:
    for job_id in ("stacks", "preview"):
        assert SAME_REPO in str(_job("pr.yml", job_id).get("if", "")), job_id
    preview = _job("pr.yml", "preview")
    assert preview["needs"] == "stacks"
    assert preview["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.stacks.outputs.stacks) }}"
    # Every pr.yml job that can see a secret or an OIDC token is one of these.
    for job_id, job in _workflows()["pr.yml"]["jobs"].items():
        text = json.dumps(job)
        if "secrets." in text or "id-token" in text:
            assert SAME_REPO in str(job.get("if", "")), f"pr.yml:{job_id} is not guarded"


def test_untrusted_pr_job_has_no_secrets_and_no_token() -> None:
    job = _job("pr.yml", "offline")
    assert "if" not in job, "the offline job runs for every PR, forks included"
    text = json.dumps(job)
    assert "secrets." not in text
    assert "id-token" not in _scopes(job["permissions"])
    steps = job["steps"]
    checkout = next(s for s in steps if _uses(s).startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0, "the base commit must be there for --base-ref"
    scripts = "\n".join(str(s.get("run", "")) for s in steps)
    assert "c2cvpn validate" in scripts
    assert "c2cvpn impact" in scripts and "--base-ref" in scripts and "--format markdown" in scripts
    upload = next(s for s in steps if _uses(s).startswith("actions/upload-artifact@"))
    assert upload["with"]["name"] == "c2cvpn-impact"
    assert "pr-number" in scripts and "head-sha" in scripts


def test_preview_job_posts_the_preview_based_comment_even_when_preview_fails() -> None:
    steps = _job("pr.yml", "preview")["steps"]
    scripts = [str(s.get("run", "")) for s in steps]
    preview = next(i for i, s in enumerate(scripts) if "pulumi preview" in s)
    assert '--stack "$STACK" --json > preview.json || rc=$?' in scripts[preview]
    impact = next(i for i, s in enumerate(scripts) if "c2cvpn impact" in s)
    assert "--preview preview.json" in scripts[impact] and impact > preview
    comment = next(i for i, s in enumerate(scripts) if "c2cvpn github comment" in s)
    assert comment > impact and "--allow-readonly" not in scripts[comment]


def test_fork_comment_poster_never_runs_the_pr_code() -> None:
    doc = _workflows()["pr-comment.yml"]
    assert set(doc["jobs"]) == {"post"}
    job = doc["jobs"]["post"]
    cond = str(job["if"])
    assert "github.event.workflow_run.head_repository.full_name != github.repository" in cond
    assert "github.event.workflow_run.event == 'pull_request'" in cond
    text = (WORKFLOWS / "pr-comment.yml").read_text()
    for step in job["steps"]:
        with_ = step.get("with", {}) or {}
        if _uses(step).startswith("actions/checkout@"):
            assert "ref" not in with_ and "repository" not in with_, "checks out the default branch"
        for value in with_.values():
            assert "head_sha" not in str(value) and "head_branch" not in str(value)
    assert "workflow_run.head_branch" not in text
    download = next(s for s in job["steps"] if _uses(s).startswith("actions/download-artifact@"))
    assert download["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
    assert download["with"]["github-token"] == "${{ github.token }}"
    assert download["with"]["path"].startswith("${{ runner.temp }}"), "outside the workspace"
    post = "\n".join(str(s.get("run", "")) for s in job["steps"])
    assert "^[0-9]{1,10}$" in post, "the PR number must be digits"
    assert '"$pr_sha" != "$RUN_HEAD_SHA"' in post, "the PR head must be the run's head"
    assert "RUN_HEAD_SHA: ${{ github.event.workflow_run.head_sha }}" in text
    assert "c2cvpn github comment" in post and "[ -L" in post


# --------------------------------------------------------------------------- deploy and drift


def test_deploy_is_one_gated_job_per_stack_never_cancelled() -> None:
    job = _job("deploy.yml", "deploy")
    assert job["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.stacks.outputs.stacks) }}"
    assert job["environment"] == "${{ matrix.stack }}"
    concurrency = job["concurrency"]
    assert concurrency["group"] == "pulumi-${{ matrix.stack }}"
    assert concurrency["cancel-in-progress"] is False
    scripts = [str(s.get("run", "")) for s in job["steps"]]

    def at(fragment: str) -> int:
        return next(i for i, s in enumerate(scripts) if fragment in s)

    gate = at("maintenance-window")
    assert (
        at("pulumi preview")
        < at("c2cvpn impact")
        < gate
        < at("pulumi up --yes")
        < at("c2cvpn reconcile")
    )
    assert "repos/$REPO/commits/$SHA/pulls" in scripts[gate]
    assert 'WINDOW_INPUT" = "true"' in scripts[gate]
    gate_env = job["steps"][gate]["env"]
    assert gate_env["WINDOW_INPUT"] == "${{ inputs.maintenance_window }}"


def test_drift_compares_three_ways_and_never_remediates() -> None:
    job = _job("drift.yml", "drift")
    scripts = "\n".join(str(s.get("run", "")) for s in job["steps"])
    assert "pulumi refresh --preview-only --json" in scripts
    assert "pulumi preview --expect-no-changes" in scripts
    assert "c2cvpn reconcile" in scripts
    assert "c2cvpn github issue" in scripts and "--resolved" in scripts
    commands = re.findall(r"^\s*(pulumi \w+.*)$", scripts, re.MULTILINE)
    assert commands, "no pulumi command"
    for command in commands:
        verb = command.split()[1]
        assert verb in {"refresh", "preview"}, f"drift must not change anything: {command}"
        if verb == "refresh":
            assert "--preview-only" in command, command


# --------------------------------------------------------------------------- hygiene


def test_summary_steps_always_run() -> None:
    for name, job_id, job in _jobs():
        summaries = [s for s in job["steps"] if "summary" in str(s.get("name", "")).lower()]
        for step in summaries:
            assert _always(step), f"{name}:{job_id}: {step['name']} is not if: always()"
        writes = any("GITHUB_STEP_SUMMARY" in str(s.get("run", "")) for s in job["steps"])
        if writes:
            assert summaries, f"{name}:{job_id} writes the summary outside a summary step"
    for workflow, job_id in (
        ("pr.yml", "offline"),
        ("pr.yml", "preview"),
        ("deploy.yml", "deploy"),
        ("drift.yml", "drift"),
    ):
        assert any(_always(s) for s in _job(workflow, job_id)["steps"]), (workflow, job_id)


def test_no_expressions_inside_run_scripts() -> None:
    """Stack names, refs, inputs and PR fields reach scripts through env: only (template
    injection). Stricter than needed: no ${{ }} at all inside run:."""
    for where, step in _steps():
        script = str(step.get("run", ""))
        assert "${{" not in script, f"{where}: ${{{{ }}}} inside run:, pass it through env:"
    untrusted = re.compile(
        r"github\.event\.pull_request\.(title|body|head\.ref|head\.label)|github\.head_ref"
    )
    for path in _files():
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if untrusted.search(line):
                pytest.fail(f"{path.name}:{n}: an attacker-controlled PR field is used")


def test_every_job_has_a_timeout() -> None:
    for name, job_id, job in _jobs():
        minutes = job.get("timeout-minutes")
        assert isinstance(minutes, int) and 0 < minutes <= 360, f"{name}:{job_id}: {minutes!r}"


def test_checkouts_do_not_persist_credentials() -> None:
    for where, step in _steps():
        if _uses(step).startswith("actions/checkout@"):
            assert (step.get("with") or {}).get("persist-credentials") is False, where


def test_pulumi_cli_comes_from_the_version_file_matching_the_sdk() -> None:
    installs = [s for _, s in _steps() if _uses(s).startswith("pulumi/actions@")]
    assert installs, "the Pulumi CLI is installed by pulumi/actions"
    for step in installs:
        with_ = step.get("with") or {}
        assert with_.get("pulumi-version-file") == ".pulumi.version"
        assert "pulumi-version" not in with_ and "command" not in with_
    pinned = (ROOT / ".pulumi.version").read_text().strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), pinned
    assert pinned == importlib.metadata.version("pulumi"), "CLI and SDK versions differ"


def test_the_matrix_comes_from_c2cvpn_stacks() -> None:
    script = str(_actions()["list-stacks"]["runs"]["steps"][0]["run"])
    assert ".venv/bin/c2cvpn stacks" in script
    exe = Path(sys.executable).with_name("c2cvpn")
    if not exe.exists():
        pytest.skip("the c2cvpn entry point is not installed next to this Python")
    proc = subprocess.run([str(exe), "stacks"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    names = json.loads(proc.stdout)
    on_disk = sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in STACKS.glob("Pulumi.*.yaml")
    )
    assert sorted(names) == on_disk


# --------------------------------------------------------------------------- linters

INSTALL = ".venv/bin/python -m pip install -c constraints.txt -e '.[actions]'"


def require_tool(name: str, install: str) -> str:
    """The tool's path; in CI (CI=true) a missing tool fails, elsewhere the test is skipped."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed: {install} (.ci/run installs it)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def test_require_tool_fails_in_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    missing = "c2cvpn-no-such-tool"
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=missing):
        require_tool(missing, INSTALL)
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match=r"\.\[actions\]"):
        require_tool(missing, INSTALL)


def test_zizmor_finds_nothing() -> None:
    zizmor = require_tool("zizmor", INSTALL)
    proc = subprocess.run(
        [zizmor, "--offline", "--persona=regular", "--format=plain", str(GITHUB)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_with_shellcheck_finds_nothing() -> None:
    actionlint = require_tool("actionlint", INSTALL)
    shellcheck = require_tool("shellcheck", "apt-get install shellcheck")
    files = [str(WORKFLOWS / n) for n in NAMES]
    proc = subprocess.run(
        [actionlint, "-shellcheck", shellcheck, *files], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
