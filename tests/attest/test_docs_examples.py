"""Every command in docs/attestations.md's console blocks runs with the exit code the page states."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from doc_commands import console_commands

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "attestations.md"
BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def documented() -> list[tuple[str, int]]:
    return console_commands(DOC.read_text())


def test_the_page_documents_keygen_run_attest_verify_and_the_vectors() -> None:
    text = " ".join(c for c, _ in documented())
    for needed in ("gatecheck keygen", "gatecheck run", "--attest", "gatecheck verify",
                   "python -m gatecheck_conformance.verifier.generate", "python -m gatecheck_conformance.verifier ",
                   "--attest-format both", "--bundle out/app.sigstore.jsonl", "gatecheck store push",
                   "--policy docs/examples/verify-policy", "gatecheck policy test docs/examples/verify-policy"):
        assert needed in text


def test_documented_commands_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli) -> None:
    shutil.copytree(REPO / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns(".gatecheck"))
    # The verify-time policy example and the conformance vectors it is shown on.
    shutil.copytree(REPO / "docs" / "examples", tmp_path / "docs" / "examples")
    for part in ("vectors", "keys"):
        shutil.copytree(REPO / "conformance" / "verifier" / part, tmp_path / "conformance" / "verifier" / part)
    monkeypatch.chdir(tmp_path)
    for command, expected in documented():
        argv = shlex.split(command)
        if argv[0] == "gatecheck":
            code, output = run_cli(argv[1:])
        else:
            assert argv[:2] == ["python", "-m"], command
            if argv[2] == "gatecheck_conformance.verifier.generate":
                from gatecheck_conformance.verifier.generate import main
            else:
                from gatecheck_conformance.verifier.__main__ import main
            code, output = main(argv[3:]), ""
        assert code == expected, f"{command}\n{output}"
