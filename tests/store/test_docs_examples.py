"""The console examples in docs/store.md, docs/admission.md and docs/audit.md run, with the exit codes they state.

Same convention as tests/core/test_docs.py: `$ CMD` lines, an optional `# exit: N` after one;
each page runs in order in its own scratch directory holding a copy of examples/. The commands
run in-process (through gatecheck.cli.main), which keeps the suite fast on a loaded machine.
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from doc_commands import console_commands

REPO = Path(__file__).resolve().parents[2]
PAGES = ["docs/store.md", "docs/admission.md", "docs/audit.md"]
BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def commands(page: str) -> list[tuple[str, int]]:
    return console_commands((REPO / page).read_text())


@pytest.mark.parametrize("page", PAGES)
def test_page_examples_run(page: str, tmp_path: Path, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(REPO / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns(".gatecheck"))
    steps = commands(page)
    assert steps, f"{page} has no console example"
    for command, expected in steps:
        argv = shlex.split(command)
        assert argv[0] == "gatecheck"
        result = cli(*argv[1:])
        assert result.exit_code == expected, f"{page}: `{command}` exited {result.exit_code}\n{result.stdout}\n{result.stderr}"
    if page == "docs/audit.md":
        html = (tmp_path / "audit-demo" / "audit.html").read_text()
        assert '<svg id="verdict-chart"' in html and 'class="bar-passed"' in html
