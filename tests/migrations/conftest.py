"""Fixtures for the migrations check: write migration files into a scratch project and run the real check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gatecheck.checks import CheckContext
from gatecheck.model import CheckResult
from gatecheck_plugins.migrations.check import MigrationsCheck

Lint = Callable[..., CheckResult]


@pytest.fixture
def lint(tmp_path: Path) -> Lint:
    """``lint(sql_or_list_of_files, **options)``: write ``migrations/0001.sql``, ``0002.sql``... and run the check.

    A list writes one file per item, in order, so rules that depend on earlier migrations
    (a constraint validated before SET NOT NULL, a column's old type) can be exercised.
    """

    def run(sql: str | list[str], **options: Any) -> CheckResult:
        directory = tmp_path / "migrations"
        directory.mkdir(exist_ok=True)
        for old in directory.glob("*.sql"):
            old.unlink()
        files = [sql] if isinstance(sql, str) else sql
        for number, text in enumerate(files, start=1):
            (directory / f"{number:04d}_step.sql").write_text(text, encoding="utf-8")
        return MigrationsCheck().run(CheckContext(root=tmp_path, options=options))

    return run


def rules_in_last_file(result: CheckResult) -> list[str]:
    """Rule ids of the findings in the last migration file."""
    assert result.status == "ok", result.error
    last = list(result.summary["formats"])[-1]
    return [f.rule_id for f in result.findings if f.location and f.location.path == last]


@pytest.fixture
def last_rules() -> Callable[[CheckResult], list[str]]:
    return rules_in_last_file
