"""Store URLs for tests: a fresh SQLite file, or a fresh database on the real PostgreSQL server.

The PostgreSQL server is the one `.ci/postgres.sh` starts (it exports GATECHECK_TEST_POSTGRES_URL).
Under CI (CI=true) a missing server is a test failure, never a skip; locally the PostgreSQL
half of the suite skips when the variable is unset.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

ENV = "GATECHECK_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")


def postgres_admin_url() -> str:
    url = os.environ.get(ENV)
    if not url:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{ENV} is not set under CI: .ci/test.sh must `source .ci/postgres.sh` before pytest")
        pytest.skip(f"{ENV} is not set (run `source .ci/postgres.sh`); CI never skips this")
    return url


@contextmanager
def fresh_store_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty store on ``backend``; a PostgreSQL database is dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
        return
    admin = postgres_admin_url()
    name = f"gc_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(admin.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        base = sa.engine.make_url(admin)
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
