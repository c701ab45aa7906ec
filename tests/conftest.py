"""Shared fixtures: the example project and an in-process CLI runner."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "webapp"


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def private_result_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own result cache (outside any project tree), so no test sees another's results."""
    directory = tmp_path_factory.mktemp("gatecheck-cache")
    monkeypatch.setenv("GATECHECK_CACHE_DIR", str(directory))
    return directory


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A private copy of examples/webapp, so tests may change it and keep their own cache."""
    target = tmp_path / "webapp"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(".gatecheck"))
    return target


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``gatecheck ARGS`` in-process and return its exit code and output."""
    from gatecheck.cli import main

    def invoke(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        out = capsys.readouterr()
        return CliResult(code, out.out, out.err)

    return invoke
