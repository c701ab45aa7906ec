"""docs/checks/migrations.md stays true: its commands run with the stated exit codes, its rule
table matches the rule catalogue, and its example-project table matches what the check finds."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import doc_commands
import pytest

from gatecheck.checks import CheckContext
from gatecheck_plugins.migrations.check import MigrationsCheck
from gatecheck_plugins.migrations.rules import RULES

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "checks" / "migrations.md"
TEXT = DOC.read_text()


def console_commands() -> list[tuple[str, int]]:
    return doc_commands.console_commands(TEXT)


@pytest.mark.parametrize(("command", "expected"), console_commands())
def test_documented_command_runs(tmp_path: Path, command: str, expected: int) -> None:
    shutil.copytree(REPO / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns(".gatecheck"))
    argv = shlex.split(command)
    assert argv[0] == "gatecheck"
    argv[0] = str(Path(sys.executable).parent / "gatecheck")
    result = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == expected, f"`{command}` exited {result.returncode}\n{result.stdout}\n{result.stderr}"


def test_rule_table_lists_every_rule_with_its_severity() -> None:
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (\w+) \|", TEXT, re.M))
    assert rows == {rule.id: rule.severity for rule in RULES.values()}


def test_example_table_matches_the_findings() -> None:
    section = TEXT[TEXT.index("gets these findings"):TEXT.index("## Configure")]
    documented = set()
    for prefix, lines, rule in re.findall(r"^\| (\d+) \| ([\d, ]+) \| `([a-z-]+)` \|", section, re.M):
        documented |= {(prefix, int(n), rule) for n in lines.split(",")}
    result = MigrationsCheck().run(CheckContext(root=REPO / "examples" / "webapp", options={}))
    found = {(f.location.path.split("/")[-1][:4], f.location.start_line, f.rule_id) for f in result.findings if f.location}
    assert documented == found
