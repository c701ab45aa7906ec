"""The store's versioned schema migrations (core/store/schema.py), on both backends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gatecheck.store import Store, schema


def test_migrations_are_versioned_and_upgrade_an_older_store(store_url: str) -> None:
    from gatecheck.store.connect import normalise_url

    engine = sa.create_engine(normalise_url(store_url))
    try:
        assert schema.migrate(engine, target=1) == [1]
        with engine.connect() as conn:
            assert schema.current_version(conn) == 1
            assert not sa.inspect(conn).has_table("admissions")
    finally:
        engine.dispose()
    with Store.open(store_url) as st:  # the newer gatecheck upgrades it
        assert st.ping() == schema.LATEST_VERSION
        with st.engine.connect() as conn:
            versions = [r.version for r in conn.execute(sa.select(schema.schema_version).order_by("version"))]
            assert sa.inspect(conn).has_table("admissions")
        assert versions == [m.version for m in schema.MIGRATIONS]
    assert schema.migrate(sa.create_engine(normalise_url(store_url))) == []  # idempotent


def test_a_store_from_a_newer_gatecheck_is_refused(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.insert(schema.schema_version).values(version=schema.LATEST_VERSION + 1, applied_at="x",
                                                             description="from the future"))
    with pytest.raises(schema.SchemaTooNew, match="newer than this gatecheck knows"):
        Store.open(store.url)
