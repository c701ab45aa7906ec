"""Every command shown in a ```console block of the documentation runs, with the exit code it states.

A block line `$ CMD` is a command; a following `# exit: N` line states its exit code (default 0).
Commands run in a scratch directory holding a copy of examples/, so they cannot change the tree.
The configuration reference must match what `gatecheck config reference` generates.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from doc_commands import console_commands

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# docs/checks/secrets.md comes last: its baseline example changes the scratch copy of the example.
DOCUMENTED = ["README.md", "docs/configuration.md", "docs/reports.md", "docs/plugins.md", "docs/checks/sarif.md",
              "docs/policies.md", "docs/ci.md", "docs/checks/sast.md", "docs/checks/sbom.md", "docs/checks/sca.md",
              "docs/security.md", "docs/cli.md", "docs/checks/secrets.md"]
#: Pages whose console examples need their own set-up (keys, a store, a server, a database)
#: and are executed by the named test module instead.
OWN_HARNESS = {
    "docs/attestations.md": "tests/attest/test_docs_examples.py",
    "docs/store.md": "tests/store/test_docs_examples.py",
    "docs/admission.md": "tests/store/test_docs_examples.py",
    "docs/audit.md": "tests/store/test_docs_examples.py",
    "docs/checks/migrations.md": "tests/migrations/test_docs_migrations.py",
    "docs/promotion.md": "tests/slo/test_docs_promotion.py",
}
RUNNABLE = ("gatecheck", "python -m gatecheck_conformance")
BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def documented_commands(pages: list[str] = DOCUMENTED) -> list[tuple[str, str, int]]:
    found = []
    for name in pages:
        for command, expected in console_commands((REPO / name).read_text(), BLOCK):
            if command.startswith(RUNNABLE):
                found.append((name, command, expected))
    return found


COMMANDS = documented_commands()


def test_every_cli_command_has_a_documented_example() -> None:
    import click

    from gatecheck.cli import cli

    every_page = ["README.md", *sorted(str(p.relative_to(REPO)) for p in (REPO / "docs").rglob("*.md"))]
    shown = " ".join(c for _, c, _ in documented_commands(every_page))
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        subcommands = getattr(command, "commands", None)
        names = [f"{name} {sub}" for sub in subcommands] if subcommands else [name]
        for full in names:
            assert f"gatecheck {full}" in shown, f"`gatecheck {full}` has no tested example in the docs"


def test_pages_with_their_own_harness_are_tested_there() -> None:
    for page, module in OWN_HARNESS.items():
        assert page in (REPO / module).read_text(), f"{module} does not run the examples of {page}"


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("docs")
    shutil.copytree(REPO / "examples", root / "examples", ignore=shutil.ignore_patterns(".gatecheck"))
    return root


@pytest.mark.parametrize(("doc", "command", "expected"), COMMANDS, ids=[f"{d}: {c}" for d, c, _ in COMMANDS])
def test_documented_command(scratch: Path, doc: str, command: str, expected: int) -> None:
    argv = shlex.split(command, comments=True)  # a trailing `# ...` explains, it is not an argument
    if argv[0] == "gatecheck":
        argv[0] = str(BIN / "gatecheck")
    elif argv[0] == "python":
        argv[0] = sys.executable
    result = subprocess.run(argv, cwd=scratch, capture_output=True, text=True, timeout=600)
    assert result.returncode == expected, f"{doc}: `{command}` exited {result.returncode}\n{result.stdout}\n{result.stderr}"


@pytest.mark.parametrize(("schema", "page"), [
    ("config", "configuration-reference.md"), ("policy-input", "policy-input-reference.md"),
    ("finding", "finding-reference.md"), ("waivers", "waivers-reference.md"),
])
def test_generated_references_are_current(schema: str, page: str) -> None:
    from gatecheck.schemadoc import markdown_reference

    committed = (REPO / "docs" / page).read_text()
    assert committed == markdown_reference(schema), (
        f"docs/{page} is out of date: run `gatecheck config reference --schema {schema} > docs/{page}`"
    )
