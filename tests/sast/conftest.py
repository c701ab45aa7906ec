"""Fixtures for the sast check tests: a real semgrep run on small projects written per test."""

from __future__ import annotations

import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gatecheck.checks import CheckContext
from gatecheck.model import CheckResult
from gatecheck_plugins.sast.check import SastCheck


def write(root: Path, files: dict[str, str]) -> None:
    """Write ``files`` (relative path -> dedented text) under ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))


def context(root: Path, options: dict[str, Any] | None = None, **kwargs: Any) -> CheckContext:
    kwargs.setdefault("timeout", 180.0)
    return CheckContext(root=root, options=dict(options or {}), work_dir=root.parent / "work", **kwargs)


@pytest.fixture
def scan() -> Callable[..., CheckResult]:
    """Run the sast check on ``root`` with ``options``."""

    def run(root: Path, options: dict[str, Any] | None = None) -> CheckResult:
        return SastCheck().run(context(root, options))

    return run


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` with a fixed identity, returning its output."""
    env = {
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
        "HOME": str(root.parent), "PATH": "/usr/bin:/bin:/usr/local/bin",
    }
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout


class Helpers:
    """The helpers above, as a fixture (test modules cannot import conftest in importlib mode)."""

    write = staticmethod(write)
    context = staticmethod(context)
    git = staticmethod(git)


@pytest.fixture(scope="session")
def sast() -> Helpers:
    return Helpers()
