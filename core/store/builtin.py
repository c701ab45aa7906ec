"""Registers the built-in SQL stores (SQLite, PostgreSQL) through the hook other stores use."""

from __future__ import annotations

from dataclasses import dataclass

from gatecheck.hookspecs import hookimpl
from gatecheck.store.providers import AttestationStore, StoreProvider


@dataclass(frozen=True)
class SqlStores:
    """Opens ``sqlite:`` and ``postgresql:`` stores with :class:`gatecheck.store.connect.Store`
    (SQLAlchemy Core, one code path for both; needs the ``store`` extra)."""

    scheme: str
    description: str

    def open(self, url: str, *, migrate: bool = True) -> AttestationStore:
        # Imported here: without the store extra this raises MissingExtra (exit 2) naming it.
        from gatecheck.store import Store

        return Store.open(url, migrate=migrate)


@hookimpl
def gatecheck_stores() -> list[StoreProvider]:
    return [
        SqlStores("sqlite", "SQLite file: sqlite:///PATH (the default; a bare path works too)"),
        SqlStores("postgresql", "PostgreSQL through psycopg 3: postgresql://USER@HOST/DB (store extra)"),
        SqlStores("postgres", "PostgreSQL, the same as postgresql://"),
    ]
