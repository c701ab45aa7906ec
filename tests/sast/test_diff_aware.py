"""Diff-aware mode: only findings new since the merge base of baseline_ref are reported."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gatecheck.cache import split_inputs
from gatecheck.errors import CheckFailed
from gatecheck_plugins.sast.check import SastCheck

OLD = """
import pickle
import yaml


def load(blob):
    return pickle.loads(blob)


def parse(text):
    return yaml.load(text)
"""


@pytest.fixture
def repo(tmp_path: Path, sast: Any) -> Path:
    root = tmp_path / "repo"
    sast.write(root, {"app/old.py": OLD, "app/moved.py": "import os\n\nos.system('rm ' + target)\n",
                      "app/same.py": "eval(code)\n"})
    sast.git(root, "init", "-q", "-b", "main")
    sast.git(root, "add", "-A")
    sast.git(root, "commit", "-q", "-m", "base")
    sast.git(root, "checkout", "-q", "-b", "feature")
    return root


@pytest.mark.slow
def test_reports_only_new_findings_since_merge_base(repo: Path, sast: Any) -> None:
    # Modified file: the old findings shift down, one new finding is added.
    (repo / "app" / "old.py").write_text(
        "import hashlib\n\n\ndef token(u):\n    return hashlib.md5(u).hexdigest()\n" + (repo / "app" / "old.py").read_text()
    )
    # Renamed file with its old finding, committed on the branch.
    sast.git(repo, "mv", "app/moved.py", "app/renamed.py")
    sast.git(repo, "commit", "-q", "-m", "rename")
    # A new, untracked file.
    (repo / "app" / "new.py").write_text("import subprocess\n\nsubprocess.run(cmd, shell=True)\n")
    result = SastCheck().run(sast.context(repo, {"baseline_ref": "main"}))
    assert result.status == "ok"
    reported = sorted((f.location.path, f.rule_id) for f in result.findings if f.severity != "info")
    assert reported == [
        ("app/new.py", "gatecheck.python.subprocess-shell-true"),
        ("app/old.py", "gatecheck.python.weak-hash"),
    ]
    base = result.summary["baseline"]
    assert base["ref"] == "main" and base["merge_base"] is True
    assert base["commit"] == sast.git(repo, "rev-parse", "main").strip()
    assert base["changed_files"] == 3  # old.py, renamed.py, new.py; same.py is not rescanned
    assert base["preexisting"] == 4  # import pickle, pickle + yaml in old.py, os.system in renamed.py


def test_the_base_commit_is_cache_key_material_not_a_file(repo: Path, sast: Any) -> None:
    check = SastCheck()
    ctx = sast.context(repo, {"baseline_ref": "main"})
    ctx.prepared = check.prepare(ctx)
    files, facts = split_inputs(check.inputs(ctx))
    assert facts == {"base_commit": sast.git(repo, "rev-parse", "main").strip()}
    assert all(repo in path.parents for path in files if path.suffix == ".py")
    assert ctx.work_dir is not None and not ctx.work_dir.exists()  # nothing written to carry it
    # A moved base is another key.
    (repo / "extra.py").write_text("x = 1\n")
    sast.git(repo, "add", "-A")
    sast.git(repo, "commit", "-q", "-m", "more")
    sast.git(repo, "branch", "-f", "main", "feature")
    moved = sast.context(repo, {"baseline_ref": "main"})
    moved.prepared = check.prepare(moved)
    assert split_inputs(check.inputs(moved))[1]["base_commit"] != facts["base_commit"]


def test_unknown_ref_and_no_repository_are_bad_input(repo: Path, tmp_path: Path, sast: Any) -> None:
    with pytest.raises(CheckFailed, match="baseline_ref 'origin/nope' is not a commit") as err:
        SastCheck().run(sast.context(repo, {"baseline_ref": "origin/nope"}))
    assert err.value.bad_input
    plain = tmp_path / "plain"
    sast.write(plain, {"a.py": "eval(x)\n"})
    with pytest.raises(CheckFailed, match="needs a git repository") as err:
        SastCheck().run(sast.context(plain, {"baseline_ref": "main"}))
    assert err.value.bad_input


def test_cli_baseline_ref_reaches_the_check_and_no_changes_scan_nothing(
    repo: Path, sast: Any, cli: Callable[..., Any]
) -> None:
    out = repo.parent / "report.json"
    result = cli("run", str(repo), "--check", "sast", "--baseline-ref", "main", "-q", "-f", f"json:{out}")
    assert result.exit_code == 0, result.stderr
    sast_result = next(r for r in json.loads(out.read_text())["results"] if r["check"] == "sast")
    assert sast_result["status"] == "ok"
    assert sast_result["findings"] == []  # same.py's eval predates the branch
    assert sast_result["summary"]["baseline"]["changed_files"] == 0
    assert sast_result["summary"]["files_selected"] == 3


def test_git_runs_no_program_the_repositorys_own_config_names(repo: Path, tmp_path: Path, sast: Any) -> None:
    """A checkout can carry its own .git/config; diff-aware mode runs git, and git would run a
    `core.fsmonitor` hook on `git diff` against the work tree. Every git call goes through gatecheck's
    hardened git, which switches such programs off."""
    ran = tmp_path / "hook-ran"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {ran}\n")
    hook.chmod(0o755)
    sast.git(repo, "config", "core.fsmonitor", str(hook))
    (repo / "app" / "new.py").write_text("eval(code)\n")
    result = SastCheck().run(sast.context(repo, {"baseline_ref": "main"}))
    assert [(f.location.path, f.rule_id) for f in result.findings] == [
        ("app/new.py", "gatecheck.python.eval-exec-dynamic"),
    ]
    assert not ran.exists()
