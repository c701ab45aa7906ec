"""Shared fixtures for the attestation tests: the fixed conformance keys and an in-process CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from gatecheck.attest.keys import PrivateKey, PublicKey, load_private_pem, load_public_key_file

KEYS = Path(__file__).resolve().parents[2] / "conformance" / "verifier" / "keys"

RunCli = Callable[..., tuple[int, str]]


def _run_cli(argv: list[str], stdin: bytes | None = None) -> tuple[int, str]:
    """Run ``gatecheck ARGV`` in this process: the script's code path (``gatecheck.cli.main``) without
    its start-up cost, with ``stdin`` as standard input. Returns the exit code and stdout followed by stderr."""
    from gatecheck.cli import main

    runner = CliRunner()
    with runner.isolation(input=stdin) as (out, err, _):
        code = main(argv)
    return code, out.getvalue().decode() + err.getvalue().decode()


@pytest.fixture
def run_cli() -> RunCli:
    return _run_cli


@pytest.fixture
def private() -> Callable[[str], PrivateKey]:
    return lambda name: load_private_pem((KEYS / f"{name}.pem").read_bytes(), source=name)


@pytest.fixture
def public() -> Callable[[str], PublicKey]:
    return lambda name: load_public_key_file(KEYS / f"{name}.pub")


@pytest.fixture
def keys_dir() -> Path:
    return KEYS
