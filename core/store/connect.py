"""Opening a store: the URLs users write, the engine behind them, and :class:`Store`.

One code path for SQLite (``sqlite:///path``, the default) and PostgreSQL
(``postgresql://user@host/db``, through psycopg 3): every query is SQLAlchemy Core; the only
per-database code sets SQLite's connection pragmas and picks the psycopg driver (and the
migration lock, :mod:`gatecheck.store.schema`).

:class:`Store` gathers what an open store does, each part in the module named after it:
:mod:`~gatecheck.store.append` (push), :mod:`~gatecheck.store.queries` (search, get, head),
:mod:`~gatecheck.store.integrity` (the chain check), :mod:`~gatecheck.store.admissions` (the
admission log), :mod:`~gatecheck.store.statements` (statements by kind, records by id).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from gatecheck.errors import BadInput, GatecheckError
from gatecheck.redact import scrub
from gatecheck.store import schema
from gatecheck.store.admissions import AdmissionRows
from gatecheck.store.append import Appender
from gatecheck.store.extras import MissingExtra
from gatecheck.store.integrity import ChainCheck
from gatecheck.store.statements import StatementQueries


def normalise_url(url: str) -> str:
    """Map the URLs users write to SQLAlchemy URLs: ``postgresql://`` uses psycopg 3; a bare path is SQLite."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    scheme, rest = url.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    if scheme in ("postgresql+psycopg", "sqlite"):
        return url
    raise BadInput(f"unsupported store URL scheme {scheme!r} (use sqlite:///PATH or postgresql://...)", key="--store")


def display_url(url: str) -> str:
    """The URL with any password hidden, for messages (a token given as the user name is masked too)."""
    try:
        return scrub(sa.engine.make_url(normalise_url(url)).render_as_string(hide_password=True))
    except (sa.exc.ArgumentError, BadInput):
        return "<unparsable store URL>"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the admission server read while `store push` appends; busy_timeout makes a
    # second writer wait for the first instead of failing.
    # busy_timeout first: switching to WAL itself needs the write lock, and without the
    # timeout a second process opening the store at that moment fails at once.
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Store(Appender, ChainCheck, AdmissionRows, StatementQueries):
    """An open attestation store. Create with :meth:`open`; safe to share between threads."""

    def __init__(self, engine: sa.Engine, url: str) -> None:
        self.engine = engine
        self.url = url

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Connect to the store at ``url`` and bring its schema up to date."""
        sa_url = normalise_url(url)
        kwargs: dict[str, Any] = {}
        if sa_url.startswith("sqlite"):
            target = sa.engine.make_url(sa_url).database
            if target and target != ":memory:":
                Path(target).parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs.update(pool_pre_ping=True, pool_size=8, max_overflow=8)
        try:
            engine = sa.create_engine(sa_url, **kwargs)
        except (sa.exc.ArgumentError, ImportError) as exc:
            # The PostgreSQL driver comes with the store extra (SQLite needs none).
            reason = MissingExtra("store", exc.name) if isinstance(exc, ModuleNotFoundError) and exc.name else exc
            raise BadInput(f"cannot use store URL {display_url(url)}: {reason}", key="--store") from None
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        store = cls(engine, url)
        if migrate:
            try:
                schema.migrate(engine)
            except sa.exc.OperationalError as exc:
                engine.dispose()
                raise GatecheckError(f"cannot open store {display_url(url)}: {exc.orig or exc}") from None
        return store

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
