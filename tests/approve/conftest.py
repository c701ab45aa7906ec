"""Fixtures for the approval tests: real reviewer keys on disk, and approvals signed with them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gatecheck.approve.statement import Approval, sign
from gatecheck.attest.keys import PrivateKey, generate
from gatecheck.attest.statement import Subject

#: The artifact being promoted in these tests (an image digest; nothing is fetched).
DIGEST = "5b" * 32
IMAGE = f"registry.example.com/shop@sha256:{DIGEST}"


@dataclass
class Reviewer:
    """A reviewer's key pair, written to ``NAME.key`` and ``NAME.pub``."""

    name: str
    key: PrivateKey
    private: Path
    public: Path

    @property
    def keyid(self) -> str:
        return self.key.keyid


@pytest.fixture
def reviewer(tmp_path: Path) -> Callable[[str], Reviewer]:
    made: dict[str, Reviewer] = {}

    def make(name: str) -> Reviewer:
        if name not in made:
            key = generate("ed25519")
            (tmp_path / "keys").mkdir(exist_ok=True)
            private, public = tmp_path / "keys" / f"{name}.key", tmp_path / "keys" / f"{name}.pub"
            private.write_bytes(key.private_pem())
            public.write_bytes(key.public.pem())
            made[name] = Reviewer(name, key, private, public)
        return made[name]

    return make


@pytest.fixture
def signed(tmp_path: Path) -> Callable[..., Path]:
    """Write an approval signed with ``who``'s key (times chosen by the test) as a one-line bundle."""
    count = [0]

    def write(who: Reviewer, *, digest: str = DIGEST, approved: timedelta = timedelta(hours=-1),
              expires: timedelta | None = timedelta(days=7), reason: str = "reviewed") -> Path:
        now = datetime.now(UTC)
        approval = Approval(who.keyid, reason, now + approved, now + expires if expires is not None else None, None)
        line = sign([Subject("registry.example.com/shop", {"sha256": digest})], who.key, approval)  # type: ignore[arg-type]
        count[0] += 1
        path = tmp_path / "approvals" / f"{count[0]}-{who.name}.intoto.jsonl"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(line + b"\n")
        return path

    return write
