"""``--baseline-ref`` for the secrets check: only the secrets a change brings in are reported, and
how many pre-existing ones were set aside is said in the summary and every report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gatecheck.errors import CheckFailed
from gatecheck.model import CheckResult


def _repo_with_known_secrets(tmp_path: Path, fab: Any, git: Callable[..., str]) -> tuple[Path, dict[str, str]]:
    """A main branch holding three secrets, and a feature branch checked out on top of it."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    values = {"stripe": fab.stripe_live(), "github": fab.github_pat(), "moved": fab.github_pat()}
    (repo / "billing.py").write_text(f'STRIPE = "{values["stripe"]}"\n')
    (repo / "deploy.py").write_text(f'import os\n\nTOKEN = "{values["github"]}"\n')
    (repo / "old_settings.py").write_text(f'TOKEN = "{values["moved"]}"\n')
    (repo / "id_rsa").write_text(fab.private_key() + "\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "feature")
    return repo, values


def test_only_secrets_the_change_adds_are_reported(tmp_path: Path, run_check: Callable[..., CheckResult],
                                                    fab: Any, git: Callable[..., str]) -> None:
    repo, values = _repo_with_known_secrets(tmp_path, fab, git)
    # The change: edits deploy.py (its old token stays, a new one comes in), moves a known token to
    # another file, and adds an untracked file with a new key.
    new_token = fab.github_pat()
    (repo / "deploy.py").write_text(f'import os\n\nTOKEN = "{values["github"]}"\nNEXT = "{new_token}"\n')
    (repo / "old_settings.py").unlink()
    (repo / "settings.py").write_text(f'TOKEN = "{values["moved"]}"\n')
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")
    (repo / "scratch.py").write_text(f'STRIPE = "{fab.stripe_live()}"\n')

    everything = run_check(repo)
    assert len(everything.findings) == 7  # 3 base tokens, the key file (by name and content), 2 new
    result = run_check(repo, baseline_ref="main")
    reported = sorted((f.rule_id, f.location.path) for f in result.findings if f.location)
    assert reported == [("github-pat", "deploy.py"), ("stripe-secret-key", "scratch.py")]
    base = result.summary["baseline"]
    assert base["preexisting"] == 5 and base["merge_base"] is True
    assert base["commit"] == git(repo, "rev-parse", "main")
    assert base["preexisting_by_rule"]["github-pat"] == 2
    # deploy.py and the moved token's old file were read at the base; billing.py and id_rsa were not.
    assert base["base_files_scanned"] == 2
    dumped = json.dumps(result.to_dict())
    assert all(value not in dumped for value in values.values()) and new_token not in dumped


def test_a_secret_the_change_brings_back_after_an_allow_comment_is_new(
        tmp_path: Path, run_check: Callable[..., CheckResult], fab: Any, git: Callable[..., str]) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    token = fab.github_pat()
    (repo / "ci.py").write_text(f'TOKEN = "{token}"  # gatecheck:allow revoked test token\n')
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    (repo / "ci.py").write_text(f'TOKEN = "{token}"\n')
    result = run_check(repo, baseline_ref="main")
    assert [f.rule_id for f in result.findings] == ["github-pat"]
    assert result.summary["baseline"]["preexisting"] == 0


def test_a_ref_git_does_not_know_and_a_tree_without_git_are_bad_input(
        tmp_path: Path, run_check: Callable[..., CheckResult], fab: Any, git: Callable[..., str]) -> None:
    repo, _ = _repo_with_known_secrets(tmp_path, fab, git)
    with pytest.raises(CheckFailed) as info:
        run_check(repo, baseline_ref="no-such-branch")
    assert info.value.bad_input and "fetch it first" in str(info.value)
    with pytest.raises(CheckFailed) as info:
        run_check(repo, baseline_ref=f"--output={tmp_path / 'written'}")
    assert info.value.bad_input and not (tmp_path / "written").exists()
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.py").write_text("x = 1\n")
    with pytest.raises(CheckFailed) as info:
        run_check(plain, baseline_ref="main")
    assert info.value.bad_input and "needs a git repository" in str(info.value)


def test_the_base_commit_is_part_of_the_cache_key(tmp_path: Path, fab: Any, git: Callable[..., str]) -> None:
    """The merge base decides which findings are pre-existing, so a new one must miss the cache even when
    no scanned file changed; it is a key fact worked out once by prepare(), not a file in the work directory."""
    from gatecheck.api import CheckContext, KeyFact
    from gatecheck_plugins.secrets.check import SecretsCheck

    repo, _ = _repo_with_known_secrets(tmp_path, fab, git)
    check = SecretsCheck()

    def facts(**options: Any) -> dict[str, str]:
        ctx = CheckContext(root=repo, options=options, work_dir=tmp_path / "work")
        ctx.prepared = check.prepare(ctx)
        return {f.name: f.value for f in check.inputs(ctx) if isinstance(f, KeyFact)}

    before = git(repo, "rev-parse", "main")
    assert facts(baseline_ref="main")["baseline-ref"] == f"main {before}"
    git(repo, "commit", "-q", "--allow-empty", "-m", "on feature")
    git(repo, "checkout", "-q", "main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "main moves on")
    git(repo, "checkout", "-q", "feature")
    git(repo, "merge", "-q", "--no-edit", "main")
    after = git(repo, "rev-parse", "main")
    assert after != before and facts(baseline_ref="main")["baseline-ref"] == f"main {after}"
    # A ref git does not know is reported by run(); the key only says it is unresolved.
    assert facts(baseline_ref="no-such-branch")["baseline-ref"] == "no-such-branch unresolved"
    assert "baseline-ref" not in facts() and not (tmp_path / "work").exists()


def test_the_run_command_passes_the_ref_and_every_report_says_what_was_set_aside(
        tmp_path: Path, cli: Callable[..., Any], fab: Any, git: Callable[..., str]) -> None:
    repo, _ = _repo_with_known_secrets(tmp_path, fab, git)
    (repo / "README.md").write_text("orders\n")
    markdown = tmp_path / "report.md"
    done = cli("run", str(repo), "--check", "secrets", "--baseline-ref", "main", "-f", "text",
               "-f", f"markdown:{markdown}")
    assert done.exit_code == 0, done.stdout
    assert "secrets: 5 pre-existing finding(s) set aside by --baseline-ref" in done.stdout
    assert "5 pre-existing finding(s) set aside by --baseline-ref" in markdown.read_text()
    # Without the ref the same tree is denied: the set-aside secrets are real findings.
    assert cli("run", str(repo), "--check", "secrets", "-q").exit_code == 1
