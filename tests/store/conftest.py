"""Fixtures of the store suite: a fresh store on SQLite and on the real PostgreSQL server, and a signing key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from attestation_factory import new_key
from store_backends import BACKENDS, fresh_store_url

from gatecheck.attest.keys import PrivateKey
from gatecheck.store import Store


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_store_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store.open(store_url) as st:
        yield st


@pytest.fixture
def key() -> PrivateKey:
    return new_key()
