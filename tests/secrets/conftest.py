"""Helpers for the secrets tests: fabricated credentials made at run time and a direct check runner."""

from __future__ import annotations

import random
import string
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gatecheck.checks import CheckContext
from gatecheck.model import CheckResult
from gatecheck.redact import Redactor
from gatecheck.repository import Repository
from gatecheck.runner import coerce_result
from gatecheck_plugins.secrets.check import SecretsCheck
from gatecheck_plugins.secrets.validators import crc32_suffix

ALNUM = string.ascii_letters + string.digits


class Fabricate:
    """Random values in providers' documented shapes; generated per test run, valid nowhere."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def chars(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def aws_key_id(self) -> str:
        return "AKIA" + self.chars(string.ascii_uppercase + "234567", 16)

    def aws_secret(self) -> str:
        return self.chars(ALNUM + "/+", 40)

    def github_pat(self) -> str:
        body = self.chars(ALNUM, 30)  # GitHub's format: 30 random characters and their CRC32 checksum
        return "ghp_" + body + crc32_suffix(body)

    def stripe_live(self) -> str:
        return "sk_live_" + self.chars(ALNUM, 32)

    def password(self) -> str:
        return self.chars(ALNUM, 18)

    def private_key(self) -> str:
        body = "\n".join(self.chars(ALNUM + "+/", 64) for _ in range(4))
        return f"-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n-----END OPENSSH PRIVATE KEY-----"


@pytest.fixture
def fab(request: pytest.FixtureRequest) -> Fabricate:
    return Fabricate(zlib.crc32(request.node.name.encode()))


@pytest.fixture
def run_check(tmp_path: Path) -> Callable[..., CheckResult]:
    """Run the secrets check on a directory the way the runner does (prepare, inputs, then run), with the
    repository view's ``untracked`` rule and a scrubber of its own (so no test's values leak into
    another's through the process-wide one)."""

    def invoke(root: Path, *, untracked: str = "unignored", **options: Any) -> CheckResult:
        check = SecretsCheck()
        ctx = CheckContext(root=root, options=options, work_dir=tmp_path / "work",
                           repo=Repository(root, untracked=untracked), redactor=Redactor({}))
        ctx.prepared = check.prepare(ctx)
        check.inputs(ctx)
        return coerce_result("secrets", check.run(ctx))

    return invoke


@pytest.fixture
def git() -> Callable[..., str]:
    """Run git in a repository with a fixed identity and no user configuration."""
    return _git


def _git(root: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "HOME": str(root), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip()
