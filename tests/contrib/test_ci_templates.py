"""The CI integrations validate against the real schemas (check-jsonschema's bundled, offline
copies of the GitHub Actions, GitHub workflow and GitLab CI schemas), and say what docs/ci.md says:
actions pinned by commit, least-privilege permissions, the signing key only where it signs, and a
GitLab template that fits into the including project's stages and runs once per merge request."""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ACTION = REPO / "contrib" / "github-action" / "action.yml"
WORKFLOW = REPO / "contrib" / "github-action" / "example-workflow.yml"
GITLAB = REPO / "contrib" / "gitlab" / "gatecheck.gitlab-ci.yml"


def check_jsonschema(*args: str | Path) -> subprocess.CompletedProcess[str]:
    # --no-cache plus the builtin schemas: nothing is downloaded.
    return subprocess.run(
        [str(BIN / "check-jsonschema"), "--no-cache", *map(str, args)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ("vendor.github-actions", ACTION),
        ("vendor.github-workflows", WORKFLOW),
        ("vendor.gitlab-ci", GITLAB),
    ],
)
def test_validates_against_the_vendor_schema(schema: str, path: Path) -> None:
    proc = check_jsonschema("--builtin-schema", schema, path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok -- validation done" in proc.stdout


def test_the_schema_check_would_catch_a_broken_action(tmp_path: Path) -> None:
    """The validation is not vacuous: a composite action without `runs.steps` is rejected."""
    doc = yaml.safe_load(ACTION.read_text())
    del doc["runs"]["steps"]
    broken = tmp_path / "action.yml"
    broken.write_text(yaml.safe_dump(doc))
    proc = check_jsonschema("--builtin-schema", "vendor.github-actions", broken)
    assert proc.returncode == 1, proc.stdout + proc.stderr


def test_action_runs_the_gate_uploads_sarif_summary_and_bundle() -> None:
    doc = yaml.safe_load(ACTION.read_text())
    assert doc["runs"]["using"] == "composite"
    steps = doc["runs"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    scripts = "\n".join(s.get("run", "") for s in steps)
    assert 'gatecheck "${argv[@]}"' in scripts and "--attest" in scripts
    assert "strip_suppressed" in scripts and "$GITHUB_STEP_SUMMARY" in scripts
    # Inputs reach the scripts through env, never pasted into the shell text (script injection).
    assert "${{ inputs." not in scripts


def test_action_strips_suppressed_results_with_the_real_gate(tmp_path: Path) -> None:
    """The action's SARIF post-processing, run on a real gate's SARIF with a waived finding."""
    project = tmp_path / "webapp"
    shutil.copytree(REPO / "examples" / "webapp", project, ignore=shutil.ignore_patterns(".gatecheck"))
    (project / "gatecheck.waivers.toml").write_text(
        '[[waivers]]\nid = "WVR-1"\nreason = "eval sees constants only"\nowner = "web"\n'
        'expires = 2099-01-01\nmatch = { rule = "ESLint/no-eval" }\n'
    )
    # The waiver is further ahead than max_days allows by default; allow it for this test.
    (project / "gatecheck.toml").write_text((project / "gatecheck.toml").read_text() + "\n[waivers]\nmax_days = 36500\n")
    sarif = tmp_path / "gatecheck.sarif"
    run = subprocess.run(
        [str(BIN / "gatecheck"), "run", str(project), "--check", "sarif", "-q", "-f", f"sarif:{sarif}"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode in (0, 1), run.stderr
    step = next(s for s in yaml.safe_load(ACTION.read_text())["runs"]["steps"] if s.get("id") == "gate")
    program = step["run"].split("<<'PY'\n", 1)[1].split("\nPY\n", 1)[0]
    out = tmp_path / "code-scanning.sarif"
    subprocess.run([sys.executable, "-", str(sarif), str(out)], input=program, text=True, check=True, timeout=60)
    before = [r for run_ in json.loads(sarif.read_text())["runs"] for r in run_["results"]]
    after = [r for run_ in json.loads(out.read_text())["runs"] for r in run_["results"]]
    assert any(r.get("suppressions") for r in before), "the waived finding is a suppressed SARIF result"
    assert len(after) == len([r for r in before if not r.get("suppressions")]) and after
    assert not any(r.get("suppressions") for r in after)


def test_example_workflow_verifies_in_a_separate_deploy_job() -> None:
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    assert any(s.get("uses") == "./contrib/github-action" for s in jobs["gate"]["steps"])
    assert jobs["deploy"]["needs"] == "gate"
    assert any("gatecheck verify" in s.get("run", "") for s in jobs["deploy"]["steps"])


def test_gitlab_template_reports_and_verify_job() -> None:
    doc = yaml.safe_load(GITLAB.read_text())
    gate = doc["gatecheck"]
    assert gate["artifacts"]["reports"]["junit"] == "gatecheck-junit.xml"
    assert gate["artifacts"]["when"] == "always"
    script = "\n".join(gate["script"])
    assert "junit:gatecheck-junit.xml" in script and "sarif:gl-gatecheck.sarif" in script
    verify = doc["gatecheck-verify"]
    assert verify["stage"] == "deploy" and "gatecheck verify" in "\n".join(verify["script"])


def test_action_gate_step_runs_in_bash_with_the_real_gate(tmp_path: Path) -> None:
    """The action's "Run the gate" step, executed as the runner would (bash, env inputs, files for
    outputs): it signs a FAILED verdict for the denied example, records the exit code, and leaves
    the stripped SARIF and the summary for the later steps."""
    project = tmp_path / "webapp"
    shutil.copytree(REPO / "examples" / "webapp", project, ignore=shutil.ignore_patterns(".gatecheck"))
    subprocess.run([str(BIN / "gatecheck"), "keygen", "-o", str(tmp_path / "ci")], check=True, capture_output=True)
    step = next(s for s in yaml.safe_load(ACTION.read_text())["runs"]["steps"] if s.get("id") == "gate")
    outputs, runner_temp = tmp_path / "github_output", tmp_path / "runner"
    runner_temp.mkdir()
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "GITHUB_OUTPUT": str(outputs),
        "RUNNER_TEMP": str(runner_temp),
        "GATE_PATH": str(project),
        "GATE_STAGE": "ci",
        "GATE_ARGS": "--check sarif --check secrets -q",
        "GATE_SUBJECT": str(project / "requirements.txt"),
        # The key as the example workflow passes it: the action's signing-key input, no key URI.
        "GATE_KEY": "",
        "GATE_SIGNING_KEY": (tmp_path / "ci.key").read_text(),
        "GATE_BUNDLE": str(tmp_path / "gate.intoto.jsonl"),
        "GATE_ATTEST_FAILED": "true",
    }
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr  # the verdict step, not this one, fails the job
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert written["exit-code"] == "1"
    assert written["bundle"] == str(tmp_path / "gate.intoto.jsonl")
    assert json.loads(Path(written["sarif"]).read_text())["runs"]
    assert "DENIED" in (runner_temp / "gatecheck" / "summary.md").read_text().upper()
    verify = subprocess.run(
        [str(BIN / "gatecheck"), "verify", str(project / "requirements.txt"), "--bundle", written["bundle"],
         "--key", str(tmp_path / "ci.pub"), "--format", "json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert verify.returncode == 1 and json.loads(verify.stdout)["reason"] == "RESULT_FAILED"


def test_gitlab_gate_script_runs_with_the_real_gate(tmp_path: Path) -> None:
    """The template's gate script, run as a GitLab runner would (the job's variables in the
    environment, in the project directory): it fails the job on a denial and leaves the JUnit and
    SARIF reports and the signed bundle that `artifacts:` collects and the verify job reads."""
    project = tmp_path / "webapp"
    shutil.copytree(REPO / "examples" / "webapp", project, ignore=shutil.ignore_patterns(".gatecheck"))
    subprocess.run([str(BIN / "gatecheck"), "keygen", "-o", str(tmp_path / "ci")], check=True, capture_output=True)
    doc = yaml.safe_load(GITLAB.read_text())
    env = {
        **os.environ,
        **{k: str(v) for k, v in doc["variables"].items()},
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "GATECHECK_ARGS": "--check sarif --check secrets -q",
        "GATECHECK_SUBJECT": "requirements.txt",
        "GATECHECK_SIGNING_KEY": (tmp_path / "ci.key").read_text(),
    }
    script = "\n".join(doc["gatecheck"]["script"])
    proc = subprocess.run(["bash", "-e", "-c", script], cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "gatecheck exit code: 1" in proc.stdout
    reports = doc["gatecheck"]["artifacts"]
    assert (project / reports["reports"]["junit"]).read_text().lstrip().startswith("<?xml")
    assert json.loads((project / "gl-gatecheck.sarif").read_text())["version"] == "2.1.0"
    # The verify job, with the public key where the template expects it: the FAILED verdict is refused.
    (project / ".gatecheck").mkdir(exist_ok=True)
    shutil.copy(tmp_path / "ci.pub", project / ".gatecheck" / "ci.pub")
    verify = subprocess.run(
        ["bash", "-e", "-c", "\n".join(doc["gatecheck-verify"]["script"])],
        cwd=project, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert verify.returncode == 1 and "RESULT_FAILED" in verify.stdout + verify.stderr


def _pull_request(tmp_path: Path) -> Path:
    """A project whose origin's main branch holds the example, checked out on a branch that edits the
    gate's configuration, adds a waiver for everything and a .semgrepignore that hides all code."""
    project = tmp_path / "webapp"
    shutil.copytree(REPO / "examples" / "webapp", project, ignore=shutil.ignore_patterns(".gatecheck"))

    def git(*args: str, cwd: Path = project) -> None:
        subprocess.run(["git", "-c", "user.email=ci@example.com", "-c", "user.name=CI", *args], cwd=cwd, check=True,
                       capture_output=True, timeout=60)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "main")
    git("clone", "-q", "--bare", str(project), str(tmp_path / "origin.git"), cwd=tmp_path)
    git("remote", "add", "origin", str(tmp_path / "origin.git"))
    git("checkout", "-qb", "feature")
    config = project / "gatecheck.toml"
    relaxed = config.read_text().replace('fail_on = "high"', 'fail_on = "critical"')
    config.write_text(relaxed + "\n[checks.sast]\nenabled = false\n")
    expires = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    (project / "gatecheck.waivers.toml").write_text(
        f'[[waivers]]\nid = "W-ALL"\nreason = "fine"\nowner = "pr"\nexpires = {expires}\nmatch = {{ path = "**" }}\n')
    (project / ".semgrepignore").write_text("*\n")
    git("add", "-A")
    git("commit", "-qm", "wave it through")
    return project


def _trusted_run_report(report: dict[str, object]) -> None:
    """What a pull-request run must show: main's configuration was used and the change's edits are listed."""
    source = report["config_source"]
    assert isinstance(source, dict) and source["kind"] == "git-ref" and source["ref"] == "origin/main"
    decision = report["decision"]
    assert isinstance(decision, dict) and decision["waived"] == [] and decision["allow"] is False
    results = {r["check"]: r for r in report["results"]}  # type: ignore[attr-defined]
    assert results["sast"]["status"] == "ok" and results["sast"]["findings"]  # main enables sast, ignores nothing
    changed = {(f["location"]["path"], f["metadata"]["change"]) for f in results["gatecheck"]["findings"]
               if f["rule_id"] == "gatecheck/config-changed"}
    assert changed == {("gatecheck.toml", "modified"), ("gatecheck.waivers.toml", "added"), (".semgrepignore", "added")}


def test_action_gates_a_pull_request_with_the_base_branchs_configuration_and_never_signs_it(tmp_path: Path) -> None:
    """The action's pull-request path: the change edits gatecheck.toml, the waivers file and
    .semgrepignore, and the gate runs with main's versions of all three (fetched, since a PR checkout
    has no origin/main), lists the edits, and signs nothing."""
    project = _pull_request(tmp_path)
    subprocess.run([str(BIN / "gatecheck"), "keygen", "-o", str(tmp_path / "ci")], check=True, capture_output=True)
    step = next(s for s in yaml.safe_load(ACTION.read_text())["runs"]["steps"] if s.get("id") == "gate")
    outputs, runner_temp = tmp_path / "github_output", tmp_path / "runner"
    runner_temp.mkdir()
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "GITHUB_OUTPUT": str(outputs), "RUNNER_TEMP": str(runner_temp),
        "GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "main",
        "GATE_PATH": str(project), "GATE_STAGE": "ci", "GATE_ARGS": "--check sarif --check sast -q",
        "GATE_SUBJECT": str(project / "requirements.txt"), "GATE_KEY": f"file:{tmp_path / 'ci.key'}",
        "GATE_BUNDLE": str(tmp_path / "gate.intoto.jsonl"), "GATE_ATTEST_FAILED": "true", "GATE_TRUSTED_REF": "auto",
    }
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert written["exit-code"] == "1"
    assert "bundle" not in written and not (tmp_path / "gate.intoto.jsonl").exists()
    assert "pull-request runs are not signed" in proc.stdout
    _trusted_run_report(json.loads((runner_temp / "gatecheck" / "report.json").read_text()))
    # The same step on a push uses the tree as it is (and would sign).
    env.update({"GITHUB_EVENT_NAME": "push", "GATE_SUBJECT": ""})
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], env=env, capture_output=True, text=True, timeout=300)
    report = json.loads((runner_temp / "gatecheck" / "report.json").read_text())
    assert report["config_source"]["kind"] == "repository"


def test_gitlab_gates_a_merge_request_with_the_target_branchs_configuration(tmp_path: Path) -> None:
    project = _pull_request(tmp_path)
    subprocess.run([str(BIN / "gatecheck"), "keygen", "-o", str(tmp_path / "ci")], check=True, capture_output=True)
    doc = yaml.safe_load(GITLAB.read_text())
    env = {
        **os.environ,
        **{k: str(v) for k, v in doc["variables"].items()},
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "CI_JOB_ID": "7",
        "GATECHECK_ARGS": "--check sarif --check sast -q -f json:gatecheck.json",
        "GATECHECK_SUBJECT": "requirements.txt",
        "GATECHECK_SIGNING_KEY": (tmp_path / "ci.key").read_text(),
    }
    script = "\n".join(doc["gatecheck"]["script"])
    proc = subprocess.run(["bash", "-e", "-c", script], cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert not (project / env["GATECHECK_BUNDLE"]).exists()  # merge-request runs are never signed
    _trusted_run_report(json.loads((project / "gatecheck.json").read_text()))


# --- Pinning, permissions and where the signing key goes (GitHub) ---------------------------------

#: `uses: OWNER/REPO[/PATH]@<40 hex digits> # vX.Y.Z`: a commit, with the release it is.
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}\s+#\s+v\d+\.\d+\.\d+\b")


def unpinned_uses(text: str) -> list[str]:
    """Every `uses:` of a third-party action (also in comments) that is not pinned by commit."""
    bad = []
    for line in text.splitlines():
        m = re.search(r"\buses:\s*(\S.*)$", line)
        if not m or m.group(1).startswith(("./", "<owner>/")):  # the action itself, local or a placeholder
            continue
        if not PINNED.match(m.group(1)):
            bad.append(line.strip())
    return bad


def test_every_third_party_action_is_pinned_by_commit() -> None:
    pins: dict[str, set[str]] = {}
    for path in (ACTION, WORKFLOW):
        text = path.read_text()
        assert unpinned_uses(text) == [], path.name
        for action, sha, version in re.findall(r"uses:\s*([\w./-]+)@([0-9a-f]{40})\s+#\s+(v[\d.]+)", text):
            pins.setdefault(action, set()).add(f"{sha} {version}")
    # One commit per action across both files, and every action the files use is covered.
    assert {a: len(v) for a, v in pins.items()} == dict.fromkeys(pins, 1)
    assert {"actions/checkout", "actions/setup-python", "actions/upload-artifact", "actions/download-artifact",
            "github/codeql-action/upload-sarif"} == set(pins)


def test_the_pinning_check_catches_a_tag() -> None:
    assert unpinned_uses("      - uses: actions/checkout@v4\n") == ["- uses: actions/checkout@v4"]
    assert unpinned_uses("  uses: actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065\n")  # no version
    assert unpinned_uses("  uses: github/codeql-action/upload-sarif@v3 # v3.28.18\n")
    assert not unpinned_uses("  uses: ./contrib/github-action   # local\n")


def test_workflow_permissions_are_least_privilege() -> None:
    doc = yaml.safe_load(WORKFLOW.read_text())
    assert doc["permissions"] == {"contents": "read"}
    jobs = doc["jobs"]
    # The gate job uploads SARIF: security-events to write it, actions to read the run (private repositories).
    assert jobs["gate"]["permissions"] == {"contents": "read", "security-events": "write", "actions": "read"}
    for name, job in jobs.items():
        assert isinstance(job.get("permissions"), dict), f"job {name} sets its own permissions"
        writes = {k for k, v in job["permissions"].items() if v == "write"}
        assert writes <= ({"security-events"} if name == "gate" else set()), name


def _paths_mentioning(node: object, needle: str, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _paths_mentioning(v, needle, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _paths_mentioning(v, needle, (*path, i))]
    return [path] if needle in str(node) else []


def test_the_signing_key_reaches_only_the_gate_step() -> None:
    """The secret is read in one place: the Gate step's `signing-key` input, on push only; no workflow,
    job or step `env` holds it. Inside the action, only the step that runs (and signs) gets it."""
    doc = yaml.safe_load(WORKFLOW.read_text())
    gate_index = next(i for i, s in enumerate(doc["jobs"]["gate"]["steps"]) if s.get("name") == "Gate")
    assert _paths_mentioning(doc, "secrets.") == [("jobs", "gate", "steps", gate_index, "with", "signing-key")]
    assert "github.event_name == 'push'" in doc["jobs"]["gate"]["steps"][gate_index]["with"]["signing-key"]
    assert "env" not in doc and all("env" not in job for job in doc["jobs"].values())
    action = yaml.safe_load(ACTION.read_text())
    gate = next(i for i, s in enumerate(action["runs"]["steps"]) if s.get("id") == "gate")
    assert _paths_mentioning(action["runs"], "inputs.signing-key") == [("steps", gate, "env", "GATE_SIGNING_KEY")]


def _gate_step_with_a_recording_gatecheck(tmp_path: Path, event: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """The action's gate step with a stand-in `gatecheck` that records its arguments and environment."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "gatecheck").write_text(f'#!/bin/sh\n{{ echo "ARGS $*"; env; }} > {tmp_path}/seen\nexit 1\n')
    (fake / "gatecheck").chmod(0o755)
    (fake / "python").symlink_to(sys.executable)  # the step makes a cache key with it on pull requests
    step = next(s for s in yaml.safe_load(ACTION.read_text())["runs"]["steps"] if s.get("id") == "gate")
    (tmp_path / "runner").mkdir()
    env = {
        "PATH": f"{fake}{os.pathsep}/usr/bin:/bin", "HOME": str(tmp_path),
        "GITHUB_OUTPUT": str(tmp_path / "out"), "RUNNER_TEMP": str(tmp_path / "runner"), "GITHUB_EVENT_NAME": event,
        "GATE_PATH": str(tmp_path), "GATE_STAGE": "ci", "GATE_ARGS": "", "GATE_SUBJECT": "dist/", "GATE_KEY": "",
        "GATE_SIGNING_KEY": "-----BEGIN PRIVATE KEY-----planted", "GATE_BUNDLE": "b.jsonl", "GATE_ATTEST_FAILED": "true",
        "GATE_TRUSTED_REF": "none",
    }
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], env=env, capture_output=True, text=True, timeout=60)
    return proc, (tmp_path / "seen").read_text()


def test_the_gate_step_signs_with_the_key_on_push(tmp_path: Path) -> None:
    proc, seen = _gate_step_with_a_recording_gatecheck(tmp_path, "push")
    assert proc.returncode == 0, proc.stderr
    assert "--key env:GATE_SIGNING_KEY" in seen and "GATE_SIGNING_KEY=-----BEGIN PRIVATE KEY-----planted" in seen


def test_the_gate_step_drops_the_key_on_pull_requests(tmp_path: Path) -> None:
    proc, seen = _gate_step_with_a_recording_gatecheck(tmp_path, "pull_request")
    assert proc.returncode == 0, proc.stderr
    assert "--key" not in seen and "--attest" not in seen and "planted" not in seen


# --- GitLab: stages, rules, artifacts, what gets installed -------------------------------------------

#: GitLab's default stages (https://docs.gitlab.com/ci/yaml/#stages): what a project has without `stages:`.
GITLAB_DEFAULT_STAGES = {".pre", "build", "test", "deploy", ".post"}


def test_gitlab_template_keeps_the_including_projects_stages() -> None:
    doc = yaml.safe_load(GITLAB.read_text())
    assert "stages" not in doc  # it would replace the including project's own list
    stages = {job["stage"] for name, job in doc.items() if isinstance(job, dict) and "stage" in job}
    assert stages == {"test", "deploy"} and stages <= GITLAB_DEFAULT_STAGES


def _gitlab_condition(expression: str, variables: dict[str, str]) -> bool:
    """The subset of GitLab's `rules:if` syntax the template uses: `&&` of `$VAR`, `$VAR == "x"`, `$VAR == $VAR`."""
    def value(term: str) -> str:
        term = term.strip()
        if term.startswith("$"):
            return variables.get(term[1:], "")
        if len(term) >= 2 and term[0] == term[-1] == '"':
            return term[1:-1]
        raise AssertionError(f"unsupported term {term!r} in {expression!r}")

    results = []
    for clause in expression.split("&&"):
        if "==" in clause:
            left, right = clause.split("==")
            results.append(value(left) == value(right))
        else:
            results.append(value(clause) != "")
    return all(results)


def gitlab_job_runs(job: str, variables: dict[str, str]) -> bool:
    """GitLab's rule evaluation: the first rule whose `if` matches decides; no match, no job."""
    for rule in yaml.safe_load(GITLAB.read_text())[job]["rules"]:
        if _gitlab_condition(rule["if"], variables):
            return rule.get("when", "on_success") != "never"
    return False


MAIN = {"CI_DEFAULT_BRANCH": "main"}
#: A push to a branch with an open merge request makes two pipelines (branch and merge request).
PUSH_WITH_MR = [
    {**MAIN, "CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "feature", "CI_OPEN_MERGE_REQUESTS": "g/p!7"},
    {**MAIN, "CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": "7", "CI_OPEN_MERGE_REQUESTS": "g/p!7"},
]


def test_gitlab_gate_runs_once_per_merge_request() -> None:
    assert [gitlab_job_runs("gatecheck", v) for v in PUSH_WITH_MR] == [False, True]
    # A branch without a merge request is gated in its branch pipeline; the default branch always.
    assert gitlab_job_runs("gatecheck", {**MAIN, "CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "feature"})
    main = {**MAIN, "CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main", "GATECHECK_SIGNING_KEY": "k"}
    assert gitlab_job_runs("gatecheck", main) and gitlab_job_runs("gatecheck-verify", main)
    assert not gitlab_job_runs("gatecheck-verify", PUSH_WITH_MR[1])
    # The evaluation is not vacuous: the template's old rules ran the gate in both pipelines.
    old = [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}, {"if": "$CI_COMMIT_BRANCH"}]
    assert [any(_gitlab_condition(r["if"], v) for r in old) for v in PUSH_WITH_MR] == [True, True]


def test_gitlab_keeps_sarif_as_an_artifact_and_junit_as_a_report() -> None:
    artifacts = yaml.safe_load(GITLAB.read_text())["gatecheck"]["artifacts"]
    assert artifacts["when"] == "always"
    assert artifacts["reports"] == {"junit": "gatecheck-junit.xml"}
    assert "gl-gatecheck.sarif" in artifacts["paths"]


def _before_script(tmp_path: Path, install: str, gatecheck: str) -> subprocess.CompletedProcess[str]:
    """The template's before_script with stand-ins for `python` (records pip installs) and `gatecheck`."""
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    (fake / "python").write_text(f'#!/bin/sh\necho "$*" >> {tmp_path}/pip-installs\n')
    (fake / "gatecheck").write_text(gatecheck)
    for f in ("python", "gatecheck"):
        (fake / f).chmod(0o755)
    script = "\n".join(yaml.safe_load(GITLAB.read_text())[".gatecheck-base"]["before_script"])
    env = {"PATH": f"{fake}{os.pathsep}/usr/bin:/bin", "HOME": str(tmp_path), "GATECHECK_INSTALL": install}
    return subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60)


OURS = '#!/bin/sh\necho "gatecheck 0.1.0 (distribution gatecheck-policy-gate, Python 3.12.3)"\n'
#: What the other project's argparse CLI answers to `gatecheck version`.
THEIRS = "#!/bin/sh\necho \"gatecheck: error: argument cmd: invalid choice: 'version'\" >&2\nexit 2\n"


@pytest.mark.parametrize("install", ["", "gatecheck", "gatecheck[all]", " GateCheck==0.1.1", "gatecheck @ git+https://x/y"])
def test_gitlab_refuses_to_install_the_other_project(tmp_path: Path, install: str) -> None:
    proc = _before_script(tmp_path, install, OURS)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert not (tmp_path / "pip-installs").exists()  # refused before pip ran


def test_gitlab_installs_this_project_and_checks_the_command_is_it(tmp_path: Path) -> None:
    wanted = "gatecheck-policy-gate[all] @ git+https://gitlab.example.com/tools/gatecheck.git@0123abc"
    proc = _before_script(tmp_path, wanted, OURS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert wanted in (tmp_path / "pip-installs").read_text()
    assert _before_script(tmp_path, "none", OURS).returncode == 0  # an image that has it already
    # Whatever was installed, a `gatecheck` that is not this project stops the job.
    assert _before_script(tmp_path, "none", THEIRS).returncode == 2
