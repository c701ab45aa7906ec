"""`.pre-commit-hooks.yaml`: the hooks run through the real pre-commit (`try-repo`) on a
temporary git repository, over exactly the files passed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# Fabricated, in the documented AWS key format; it grants nothing.
LEAK = 'AWS_ACCESS_KEY_ID = "AKIAQ4MZX7RTB2LWN3PD"\nAWS_SECRET_ACCESS_KEY = "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"\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A git repository with one clean and one leaking settings file, and two migrations."""
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / "migrations").mkdir()
    (root / "app" / "clean.py").write_text('DEBUG = False\nNAME = "orders"\n')
    (root / "app" / "leaky.py").write_text(LEAK)
    (root / "migrations" / "0001_create.sql").write_text("CREATE TABLE orders (id bigint PRIMARY KEY, status text);\n")
    (root / "migrations" / "0002_index.sql").write_text("CREATE INDEX orders_status_idx ON orders (status);\n")
    env = _env(tmp_path)
    subprocess.run(["git", "init", "-q", str(root)], check=True, env=env)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True, env=env)
    return root


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # the system hooks run this venv's gatecheck
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    env["HOME"] = str(tmp_path)
    env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = "gatecheck tests"
    env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = "tests@example.invalid"
    return env


#: What `pip install .` of gatecheck needs (the package directories of pyproject.toml).
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "NOTICE", "core", "plugins", "policies", "schemas", "conformance")


def committed_copy(target: Path, *paths: str) -> Path:
    """A git repository holding copies of ``paths`` of this repository, committed.

    `try-repo` on a working tree only picks up tracked changes, and the files may not be
    committed yet where these tests run.
    """
    target.mkdir(parents=True)
    for name in (".pre-commit-hooks.yaml", *paths):
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(src, target / name)
    env = _env(target.parent)
    subprocess.run(["git", "init", "-q", str(target)], check=True, env=env)
    subprocess.run(["git", "-C", str(target), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(target), "commit", "-q", "-m", "hooks"], check=True, env=env)
    return target


@pytest.fixture
def hook_repo(tmp_path: Path) -> Path:
    """The manifest alone: enough for the `system` hooks."""
    return committed_copy(tmp_path / "hooks-repo")


def try_repo(project: Path, hooks: Path, hook: str, *files: str) -> subprocess.CompletedProcess[str]:
    pre_commit = shutil.which("pre-commit", path=str(BIN)) or "pre-commit"
    return subprocess.run(
        [pre_commit, "try-repo", str(hooks), hook, "--verbose", "--files", *files],
        cwd=project, env=_env(project.parent), capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_secrets_hook_denies_only_the_leaking_file(project: Path, hook_repo: Path) -> None:
    clean = try_repo(project, hook_repo, "gatecheck-secrets-system", "app/clean.py")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "gatecheck secrets" in clean.stdout and "Passed" in clean.stdout

    leak = try_repo(project, hook_repo, "gatecheck-secrets-system", "app/clean.py", "app/leaky.py")
    assert leak.returncode == 1, leak.stdout + leak.stderr
    assert "Failed" in leak.stdout
    assert "app/leaky.py:1" in leak.stdout and "aws-access-key-id" in leak.stdout
    assert "app/clean.py" not in leak.stdout.split("DENIED", 1)[1]
    # The secret's value is never printed.
    assert "AKIAQ4MZX7RTB2LWN3PD" not in leak.stdout + leak.stderr


def test_migrations_hook_checks_only_the_staged_migration(project: Path, hook_repo: Path) -> None:
    first = try_repo(project, hook_repo, "gatecheck-migrations-system", "migrations/0001_create.sql")
    assert first.returncode == 0, first.stdout + first.stderr

    second = try_repo(project, hook_repo, "gatecheck-migrations-system", "migrations/0002_index.sql", "app/clean.py")
    assert second.returncode == 1, second.stdout + second.stderr
    assert "migrations/0002_index.sql:1" in second.stdout
    assert "create-index-not-concurrently" in second.stdout


def test_hook_command_rejects_a_missing_file(project: Path) -> None:
    proc = subprocess.run(
        [str(BIN / "gatecheck"), "hook", "secrets", "app/missing.py"],
        cwd=project, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "app/missing.py: file not found" in proc.stderr


def test_self_contained_secrets_hook_installs_gatecheck_and_denies(project: Path, tmp_path: Path) -> None:
    """The `language: python` hook as users get it: pre-commit builds its own environment with
    `pip install` of the hook repository (from PyPI: about a minute), then runs the hook."""
    repo = committed_copy(tmp_path / "full-repo", *SOURCES)
    env = _env(project.parent)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if Path(p) != BIN)  # not this venv's
    pre_commit = shutil.which("pre-commit", path=str(BIN)) or "pre-commit"
    proc = subprocess.run(
        [pre_commit, "try-repo", str(repo), "gatecheck-secrets", "--verbose", "--files", "app/leaky.py", "app/clean.py"],
        cwd=project, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "app/leaky.py:1" in proc.stdout and "aws-access-key-id" in proc.stdout
    assert "AKIAQ4MZX7RTB2LWN3PD" not in proc.stdout + proc.stderr
