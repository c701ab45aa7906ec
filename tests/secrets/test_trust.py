"""The ``secrets`` check against a hostile change (issue 15): every test plays the attack with nothing but
files in a real git repository, the way a pull request would, and asserts the gate is not fooled.

- attack 4: a file a ``.gitignore`` names but that was committed anyway (``git add -f``);
- attack 7: a baseline, rules file or inline allow comment brought by the change itself;
- the scrubber: a value the secrets check found never appears in another check's output, on a
  cold run and when the secrets result comes from the cache;
- repository configuration may not name the environment variable the hash key is read from.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gatecheck.checks import CheckContext
from gatecheck.redact import Redactor
from gatecheck.repository import Repository
from gatecheck_plugins.secrets.check import SecretsCheck

GATECHECK = str(Path(sys.executable).parent / "gatecheck")


def aws_pair(fab: Any) -> tuple[str, str, str]:
    """A fabricated AWS key pair in its documented shape, as a dotenv file's text."""
    key_id, secret = fab.aws_key_id(), fab.aws_secret()
    return key_id, secret, f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={secret}\n"


def commit_all(git: Callable[..., str], repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def run_json(cli: Callable[..., Any], root: Path, out: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    result = cli("run", str(root), "-q", "-f", f"json:{out}", *args)
    return result.exit_code, json.loads(out.read_text()) if out.is_file() else {}, result.stderr


def result_of(report: dict[str, Any], check: str) -> dict[str, Any]:
    return next(r for r in report["results"] if r["check"] == check)


# ------------------------------------------------------------------ attack 4: .gitignore hides a committed secret


def test_a_committed_file_that_gitignore_names_is_scanned(tmp_path: Path, cli: Callable[..., Any], fab: Any,
                                                          git: Callable[..., str]) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / ".gitignore").write_text("secrets.env\n")
    (repo / "app.py").write_text("import os\n\nKEY = os.environ['AWS_ACCESS_KEY_ID']\n")
    key_id, secret, text = aws_pair(fab)
    (repo / "secrets.env").write_text(text)
    git(repo, "add", ".gitignore", "app.py")
    git(repo, "add", "-f", "secrets.env")  # the attack: ignored, but committed all the same
    git(repo, "commit", "-q", "-m", "config")
    assert "secrets.env" in git(repo, "ls-files").splitlines()
    assert git(repo, "check-ignore", "--no-index", "secrets.env") == "secrets.env"

    code, report, stderr = run_json(cli, repo, tmp_path / "r.json", "--check", "secrets")
    assert code == 1, stderr
    secrets = result_of(report, "secrets")
    found = sorted((f["rule_id"], f["location"]["path"], f["location"]["start_line"]) for f in secrets["findings"])
    assert found == [("aws-access-key-id", "secrets.env", 1), ("aws-secret-access-key", "secrets.env", 2)]
    denied = {e["finding_id"] for e in report["decision"]["deny"]}
    assert {f["id"] for f in secrets["findings"]} <= denied
    dumped = (tmp_path / "r.json").read_text()
    assert key_id not in dumped and secret not in dumped


def test_a_file_named_like_the_baseline_is_scanned_like_any_other(tmp_path: Path, cli: Callable[..., Any],
                                                                  fab: Any) -> None:
    # No tree file is exempt by name: a well-formed baseline can carry a credential in a key of its own.
    key_id, _, _ = aws_pair(fab)
    (tmp_path / "app.py").write_text("print('orders')\n")
    (tmp_path / ".gatecheck-secrets-baseline.json").write_text(json.dumps(
        {"format": "gatecheck-secrets-baseline/v1", "entries": [], "note": f"aws_access_key_id = {key_id}"}, indent=2))
    code, report, stderr = run_json(cli, tmp_path, tmp_path.parent / "r.json", "--check", "secrets")
    assert code == 1, stderr
    assert [(f["rule_id"], f["location"]["path"]) for f in result_of(report, "secrets")["findings"]] == [
        ("aws-access-key-id", ".gatecheck-secrets-baseline.json")]


# ------------------------------------------------------------------ attack 7: the change brings its own baseline or rules


@pytest.fixture
def leaky_repo(tmp_path: Path, fab: Any, git: Callable[..., str]) -> tuple[Path, str, str]:
    """A repository whose main branch holds an AWS key pair (the gate denies it), checked out on a
    pull-request branch ``pr`` that changes nothing yet."""
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    key_id, secret, _ = aws_pair(fab)
    (repo / "app" / "settings.py").write_text(f'AWS_ACCESS_KEY_ID = "{key_id}"\nAWS_SECRET_ACCESS_KEY = "{secret}"\n')
    commit_all(git, repo, "settings")
    git(repo, "checkout", "-q", "-b", "pr")
    return repo, key_id, secret


@pytest.mark.parametrize("configured", [None, "ci/known-secrets.json"], ids=["default-path", "configured-path"])
def test_a_baseline_the_change_adds_is_not_used_under_trusted_ref(
    leaky_repo: tuple[Path, str, str], tmp_path: Path, cli: Callable[..., Any], git: Callable[..., str],
    configured: str | None,
) -> None:
    repo, _, _ = leaky_repo
    if configured is not None:  # main names the baseline file but has none yet
        (repo / "gatecheck.toml").write_text(f'version = 1\n[checks.secrets]\nbaseline = "{configured}"\n')
        (repo / "ci").mkdir()
        (repo / configured).write_text('{"format": "gatecheck-secrets-baseline/v1", "entries": []}\n')
        commit_all(git, repo, "empty baseline")
        git(repo, "branch", "-f", "main", "HEAD")
    # The pull request records today's findings as "known", which would switch the gate off.
    made = cli("secrets", "baseline", str(repo))
    assert made.exit_code == 0, made.stderr
    name = configured or ".gatecheck-secrets-baseline.json"
    assert len(json.loads((repo / name).read_text())["entries"]) == 2
    commit_all(git, repo, "accept the keys")

    # Without a trusted source the repository's own baseline is in force: the baseline works...
    code, report, _ = run_json(cli, repo, tmp_path / "untrusted.json", "--check", "secrets")
    assert code == 0 and result_of(report, "secrets")["summary"]["baselined"] == 2
    # ...and with --trusted-ref main the change's baseline is not used, and the gate says so.
    code, report, stderr = run_json(cli, repo, tmp_path / "trusted.json", "--check", "secrets", "--trusted-ref", "main")
    assert code == 1, stderr
    secrets = result_of(report, "secrets")
    assert sorted(f["rule_id"] for f in secrets["findings"]) == ["aws-access-key-id", "aws-secret-access-key"]
    assert secrets["summary"]["baselined"] == 0
    changed = [f for f in result_of(report, "gatecheck")["findings"] if f["rule_id"] == "gatecheck/config-changed"]
    assert [(f["location"]["path"], f["metadata"]["change"]) for f in changed] == [
        (name, "added" if configured is None else "modified")]
    assert report["config_source"]["kind"] == "git-ref"


def test_rules_the_change_edits_are_not_used_under_trusted_ref(
    leaky_repo: tuple[Path, str, str], tmp_path: Path, cli: Callable[..., Any], git: Callable[..., str],
) -> None:
    repo, _, _ = leaky_repo
    (repo / "gatecheck.toml").write_text('version = 1\n[checks.secrets]\nconfig = ".gitleaks.toml"\n')
    (repo / ".gitleaks.toml").write_text('[extend]\nuseDefault = true\n')
    commit_all(git, repo, "team rules")
    git(repo, "branch", "-f", "main", "HEAD")
    # The pull request allowlists every path.
    (repo / ".gitleaks.toml").write_text('[extend]\nuseDefault = true\n\n[[allowlists]]\npaths = [\'\'\'.*\'\'\']\n')
    commit_all(git, repo, "quiet")
    code, _, _ = run_json(cli, repo, tmp_path / "untrusted.json", "--check", "secrets")
    assert code == 0  # the edited rules are effective when the tree is trusted
    code, report, stderr = run_json(cli, repo, tmp_path / "trusted.json", "--check", "secrets", "--trusted-ref", "main")
    assert code == 1, stderr
    assert len(result_of(report, "secrets")["findings"]) == 2
    assert "main:.gitleaks.toml" in result_of(report, "secrets")["summary"]["rule_sources"]
    changed = [f["location"]["path"] for f in result_of(report, "gatecheck")["findings"]
               if f["rule_id"] == "gatecheck/config-changed"]
    assert changed == [".gitleaks.toml"]


def test_an_extend_path_that_leaves_the_tree_is_bad_input(tmp_path: Path, cli: Callable[..., Any]) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "outside.toml").write_text("[[rules]]\nid = 'x'\nregex = 'x'\n")
    (project / "app.py").write_text("x = 1\n")
    (project / "gatecheck.toml").write_text('version = 1\n[checks.secrets]\nconfig = "rules/team.toml"\n')
    (project / "rules").mkdir()
    (project / "rules" / "team.toml").write_text("title = 'team'\n[extend]\nuseDefault = true\npath = '../../outside.toml'\n")
    code, report, _ = run_json(cli, project, tmp_path / "r.json", "--check", "secrets")
    assert code == 2
    error = result_of(report, "secrets")["error"]
    assert f"{project / 'rules' / 'team.toml'}:4: [extend] path '../../outside.toml'" in error
    assert "outside the repository" in error


# ------------------------------------------------------------------ attack 7: inline allow comments the change adds


def test_allow_comments_the_change_adds_are_reported_as_new_and_warned_about(
    tmp_path: Path, cli: Callable[..., Any], fab: Any, git: Callable[..., str],
) -> None:
    repo = tmp_path / "repo"
    (repo / "tests").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    old, new = fab.github_pat(), fab.stripe_live()
    fixture = repo / "tests" / "fixtures.py"
    fixture.write_text(f'OLD = "{old}"  # gatecheck:allow revoked 2024-01-01, kept as a parser fixture\n')
    commit_all(git, repo, "fixture")
    git(repo, "checkout", "-q", "-b", "pr")
    fixture.write_text(fixture.read_text() + f'\n# gatecheck:allow sandbox key, not a real account\nNEW = "{new}"\n')
    commit_all(git, repo, "another fixture")

    code, report, stderr = run_json(cli, repo, tmp_path / "r.json", "--check", "secrets", "--trusted-ref", "main")
    assert code == 0, stderr  # a warning, not a denial, by default
    secrets = result_of(report, "secrets")
    assert secrets["findings"] == [] and secrets["summary"]["suppressed"] == 2
    records = sorted((s["path"], s["line"], s["rule_id"], s["new"]) for s in secrets["suppressions"])
    assert records == [("tests/fixtures.py", 1, "github-pat", False), ("tests/fixtures.py", 3, "stripe-secret-key", True)]
    assert all(s["finding_id"] and s["severity"] == "critical" and s["kind"] == "inline" for s in secrets["suppressions"])
    warned = [e for e in report["decision"]["warn"] if e["rule"] == "gatecheck.suppression_added"]
    assert len(warned) == 1
    assert "tests/fixtures.py:3" in warned[0]["message"] and "sandbox key, not a real account" in warned[0]["message"]
    dumped = (tmp_path / "r.json").read_text()
    assert old not in dumped and new not in dumped


# ------------------------------------------------------------------ the hash key's environment variable is the operator's


def test_repository_configuration_cannot_choose_the_hash_key_variable(
    tmp_path: Path, cli: Callable[..., Any], fab: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CI_DEPLOY_SECRET", "deploy-secret-value-4242")
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(f'TOKEN = "{fab.github_pat()}"\n')
    (project / "gatecheck.toml").write_text('version = 1\n\n[checks.secrets]\nhash_key_env = "CI_DEPLOY_SECRET"\n')
    for args in (["run", str(project), "-q", "--check", "secrets"], ["secrets", "baseline", str(project)]):
        result = cli(*args)
        assert result.exit_code == 2, result.stderr
        assert f"{project / 'gatecheck.toml'}:4: checks.secrets.hash_key_env:" in result.stderr
        assert "only be set by the operator" in result.stderr
    assert not (project / ".gatecheck-secrets-baseline.json").exists()
    # The operator may choose it (configuration outside the tree), and it changes the hashes.
    operator = tmp_path / "operator.toml"
    operator.write_text('version = 1\n[checks.secrets]\nhash_key_env = "CI_DEPLOY_SECRET"\n')
    (project / "gatecheck.toml").unlink()
    code, keyed, stderr = run_json(cli, project, tmp_path / "keyed.json", "--check", "secrets", "-c", str(operator))
    assert code == 1, stderr
    code, default, _ = run_json(cli, project, tmp_path / "default.json", "--check", "secrets")
    assert code == 1
    assert [f["metadata"]["secret_hash"] for f in result_of(keyed, "secrets")["findings"]] != [
        f["metadata"]["secret_hash"] for f in result_of(default, "secrets")["findings"]]


# ------------------------------------------------------------------ the scrubber: values masked in other checks' output


def sarif_quoting(line: str, rule: str = "hardcoded-credential") -> str:
    """A SARIF file from another tool whose result message quotes a line of code."""
    return json.dumps({
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "OtherTool", "rules": [{"id": rule}]}},
                  "results": [{"ruleId": rule, "level": "error", "message": {"text": f"hard-coded credential: {line}"},
                               "locations": [{"physicalLocation": {"artifactLocation": {"uri": "deploy/config.py"},
                                                                   "region": {"startLine": 2}}}]}]}],
    }, indent=2)


def gatecheck(*args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in a process of its own: nothing a previous run registered with the scrubber survives."""
    return subprocess.run([GATECHECK, *args], capture_output=True, text=True, timeout=300, env=dict(os.environ))


def test_a_found_secret_is_masked_in_another_checks_output_cold_and_from_the_cache(
    tmp_path: Path, fab: Any, git: Callable[..., str],
) -> None:
    repo = tmp_path / "repo"
    (repo / "deploy").mkdir(parents=True)
    (repo / "reports").mkdir()
    git(repo, "init", "-q", "-b", "main")
    key_id, secret, _ = aws_pair(fab)
    line = f'AWS_SECRET_ACCESS_KEY = "{secret}"'
    (repo / "deploy" / "config.py").write_text(f'AWS_ACCESS_KEY_ID = "{key_id}"\n{line}\n')
    (repo / "reports" / "other.sarif").write_text(sarif_quoting(line))
    # The secrets check leaves the reports alone, so editing one below is a cache hit for it.
    (repo / "gatecheck.toml").write_text('version = 1\n[checks.secrets]\nexclude_paths = ["reports/**"]\n')
    commit_all(git, repo, "deploy config")
    out = tmp_path / "r.json"
    args = ["run", str(repo), "-q", "--check", "secrets", "--check", "sarif", "-f", f"json:{out}"]

    def sarif_titles() -> list[str]:
        report = json.loads(out.read_text())
        return [f["title"] for f in result_of(report, "sarif")["findings"]]

    cold = gatecheck(*args)
    assert cold.returncode == 1, cold.stderr
    report = json.loads(out.read_text())
    assert not result_of(report, "secrets")["cached"]
    [title] = sarif_titles()
    assert "hard-coded credential: AWS_SECRET_ACCESS_KEY = " in title and secret not in title
    assert "[REDACTED:" in title
    # Warm: the secrets result comes from the cache (run() does not run), while the sarif check
    # runs again on a changed file that still quotes the credential.
    (repo / "reports" / "other.sarif").write_text(sarif_quoting(line, rule="credential-in-source"))
    warm = gatecheck(*args)
    assert warm.returncode == 1, warm.stderr
    report = json.loads(out.read_text())
    assert result_of(report, "secrets")["cached"] is True and result_of(report, "sarif")["cached"] is False
    [title] = sarif_titles()
    assert secret not in title and "[REDACTED:" in title
    assert secret not in out.read_text() and key_id not in out.read_text()


def test_restore_reads_only_the_files_that_hold_what_the_result_names(
    tmp_path: Path, fab: Any, git: Callable[..., str],
) -> None:
    """On a cache hit, ``restore`` registers the values of the files with findings, suppressions or
    baselined secrets, and of the history range when it matched; nothing else is read."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("orders\n")
    commit_all(git, repo, "base")
    base = git(repo, "rev-parse", "HEAD")
    found, allowed, gone, elsewhere = fab.github_pat(), fab.github_pat(), fab.stripe_live(), fab.github_pat()
    (repo / "found.py").write_text(f'TOKEN = "{found}"\n')
    (repo / "allowed.py").write_text(f'TOKEN = "{allowed}"  # gatecheck:allow fixture for the parser tests\n')
    (repo / "deleted.py").write_text(f'STRIPE = "{gone}"\n')
    commit_all(git, repo, "add")
    (repo / "deleted.py").unlink()
    commit_all(git, repo, "remove the stripe key again")
    check = SecretsCheck()

    def context(**options: Any) -> CheckContext:
        return CheckContext(root=repo, options=options, work_dir=tmp_path / "work", repo=Repository(repo),
                            redactor=Redactor({}))

    with_history = check.run(context(history_since=base))
    assert {s.path for s in with_history.suppressions} == {"allowed.py"}
    assert with_history.summary["history"]["matches"] == 3
    tree_only = check.run(context())
    # A file with a secret that neither result names: it stands for every file restore must not read
    # (on a real cache hit it cannot be new, or the cache key would have changed).
    (repo / "other.py").write_text(f'TOKEN = "{elsewhere}"\n')
    warm = context(history_since=base)
    check.restore(warm, with_history)
    assert warm.redactor.text(f"{found} {allowed} {gone} {elsewhere}").split() == ["[REDACTED:secret]"] * 3 + [elsewhere]
    # Without a history scan only the named tree files are read again.
    warm = context()
    check.restore(warm, tree_only)
    assert warm.redactor.text(f"{found} {allowed} {gone} {elsewhere}").split() == ["[REDACTED:secret]"] * 2 + [
        gone, elsewhere]


def test_a_private_key_is_masked_by_its_body_not_by_the_armor_every_key_shares(tmp_path: Path, fab: Any) -> None:
    key = fab.private_key()
    (tmp_path / "deploy_key").write_text(key + "\n")
    ctx = CheckContext(root=tmp_path, options={}, repo=Repository(tmp_path), redactor=Redactor({}))
    result = ctx.redactor.result(SecretsCheck().run(ctx))
    header, *body, footer = key.splitlines()
    assert ctx.redactor.text(f"{header}\n{footer}") == f"{header}\n{footer}"
    assert all(ctx.redactor.text(line) == "[REDACTED:secret]" for line in body)
    [finding] = result.findings
    assert finding.metadata["preview"].startswith("-----BEGIN OPENSSH PRIVATE KEY----- ...[")
