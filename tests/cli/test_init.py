"""`gatecheck init` (issue 17): a starter made for the project it finds, never a directory it invents."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def test_init_refuses_a_path_that_does_not_exist(tmp_path: Path, cli: Callable[..., Any]) -> None:
    result = cli("init", str(tmp_path / "typo"))
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert not (tmp_path / "typo").exists()


def test_init_writes_a_starter_for_what_it_finds(tmp_path: Path, cli: Callable[..., Any]) -> None:
    project = tmp_path / "service"
    (project / "migrations").mkdir(parents=True)
    (project / "migrations" / "0001_init.sql").write_text("CREATE TABLE t (id bigint PRIMARY KEY);\n")
    (project / "reports").mkdir()
    (project / "reports" / "eslint.sarif").write_text("{}")
    (project / "tests").mkdir()
    (project / "tests" / "test_app.py").write_text("def test(): pass\n")
    (project / "requirements.txt").write_text("flask==3.0.3\n")
    result = cli("init", str(project))
    assert result.exit_code == 0, result.stderr
    text = (project / "gatecheck.toml").read_text()
    assert "[checks.sca]" in text and "[checks.sbom]" in text
    assert '[checks.migrations]\ndirectory = "migrations"' in text
    assert '[checks.sarif]\nfiles = ["reports/*.sarif"]' in text
    assert "found dependencies: requirements.txt" in result.stderr and "found tests: tests/" in result.stderr
    assert "add `.gatecheck/` to .gitignore" in result.stderr
    assert cli("config", "validate", str(project)).exit_code == 0
    again = cli("init", str(project))
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_init_on_a_bare_directory_and_with_gatecheck_already_ignored(tmp_path: Path, cli: Callable[..., Any]) -> None:
    (tmp_path / ".gitignore").write_text("build/\n.gatecheck/\n")
    result = cli("init", str(tmp_path))
    assert result.exit_code == 0 and ".gitignore" not in result.stderr
    text = (tmp_path / "gatecheck.toml").read_text()
    assert "[checks.sca]" not in text and "[checks.migrations]" not in text
    assert cli("config", "validate", str(tmp_path)).exit_code == 0
