"""The store's tables (SQLAlchemy Core) and its versioned schema migrations.

One set of table definitions serves SQLite and PostgreSQL. The store's own schema version
lives in ``gatecheck_schema``; :func:`migrate` applies every step newer than the version it
finds, in order, each in its own transaction, and refuses a database written by a newer
gatecheck (its tables could mean something this version does not know).

Tables:

``attestations``
    One row per stored envelope, in append order. ``seq`` is the position in the hash
    chain; ``record_hash`` chains the previous record's hash (see :mod:`gatecheck.store.chain`).
``subjects`` / ``signers`` / ``inputs``
    The subjects (one row per digest algorithm), the trusted keyids that signed, and the
    input attestations a VSA lists, of each record: what queries search by.
``chain_head``
    A single row holding the newest record's ``seq`` and hash. Appends update it first,
    which serialises writers on both databases without dialect-specific locking.
``admissions``
    What the admission webhook decided, per image (for the audit report's "deployed
    without a passing verdict"). It is a log, not evidence, and is not hash-chained.
    Rows go in through :func:`gatecheck.store.admissions.fit_admission`: a value longer than its
    column is cut and ends with ``…[truncated N chars]``, so no request can make a record unwritable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gatecheck.errors import GatecheckError

metadata = sa.MetaData()

schema_version = sa.Table(
    "gatecheck_schema", metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", sa.String(40), nullable=False),
    sa.Column("description", sa.String(200), nullable=False),
)

attestations = sa.Table(
    "attestations", metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=False),
    sa.Column("digest", sa.String(64), nullable=False, unique=True),
    sa.Column("envelope", sa.LargeBinary, nullable=False),
    sa.Column("payload_type", sa.String(200), nullable=False),
    sa.Column("predicate_type", sa.String(500), nullable=False),
    sa.Column("verdict", sa.String(10)),
    sa.Column("policy_digest", sa.String(200)),
    sa.Column("verifier_id", sa.String(500)),
    sa.Column("stage", sa.String(40)),
    sa.Column("time_verified", sa.String(40)),
    sa.Column("repository", sa.String(500)),
    sa.Column("commit", sa.String(100)),
    sa.Column("source", sa.String(1000), nullable=False),
    sa.Column("stored_at", sa.String(40), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("record_hash", sa.String(64), nullable=False),
    sa.Index("ix_attestations_predicate_type", "predicate_type"),
    sa.Index("ix_attestations_verdict", "verdict"),
    sa.Index("ix_attestations_policy_digest", "policy_digest"),
    sa.Index("ix_attestations_repository", "repository"),
    sa.Index("ix_attestations_commit", "commit"),
    sa.Index("ix_attestations_time_verified", "time_verified"),
    sa.Index("ix_attestations_stored_at", "stored_at"),
)

subjects = sa.Table(
    "subjects", metadata,
    sa.Column("seq", sa.ForeignKey("attestations.seq"), nullable=False),
    sa.Column("name", sa.String(1000), nullable=False),
    sa.Column("algorithm", sa.String(20), nullable=False),
    sa.Column("digest", sa.String(128), nullable=False),
    sa.Index("ix_subjects_digest", "algorithm", "digest", "seq"),
    sa.Index("ix_subjects_seq", "seq"),
)

signers = sa.Table(
    "signers", metadata,
    sa.Column("seq", sa.ForeignKey("attestations.seq"), nullable=False),
    sa.Column("keyid", sa.String(64), nullable=False),
    sa.Index("ix_signers_keyid", "keyid", "seq"),
    sa.Index("ix_signers_seq", "seq"),
)

inputs = sa.Table(
    "inputs", metadata,
    sa.Column("seq", sa.ForeignKey("attestations.seq"), nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Index("ix_inputs_seq", "seq"),
)

chain_head = sa.Table(
    "chain_head", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=False),
    sa.Column("record_hash", sa.String(64), nullable=False),
)

admissions = sa.Table(
    "admissions", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("namespace", sa.String(253), nullable=False),
    sa.Column("kind", sa.String(100), nullable=False),
    sa.Column("name", sa.String(253), nullable=False),
    sa.Column("image", sa.String(1000), nullable=False),
    sa.Column("digest", sa.String(64)),
    sa.Column("allowed", sa.Boolean, nullable=False),
    sa.Column("passing", sa.Boolean, nullable=False),
    sa.Column("reason", sa.String(100)),
    sa.Column("mode", sa.String(20), nullable=False),
    sa.Index("ix_admissions_at", "at"),
    sa.Index("ix_admissions_digest", "digest"),
)


#: The hash a chain starts from: the ``prev_hash`` of record 1.
GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Migration:
    """One step of the store's schema: applied once, in order, inside a transaction."""

    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1(conn: Connection) -> None:
    for table in (attestations, subjects, signers, inputs, chain_head):
        table.create(conn, checkfirst=True)
    conn.execute(sa.insert(chain_head).values(id=1, seq=0, record_hash=GENESIS_HASH))


def _v2(conn: Connection) -> None:
    admissions.create(conn, checkfirst=True)


#: Every schema step, oldest first. Append new steps; never edit a released one.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "attestations, their subjects, signers and inputs, and the hash-chain head", _v1),
    Migration(2, "admission decisions log", _v2),
)
LATEST_VERSION = MIGRATIONS[-1].version


class SchemaTooNew(GatecheckError):
    """The database was written by a newer gatecheck whose schema this version does not know."""


def current_version(conn: Connection) -> int:
    """The newest applied schema version, 0 for an empty database."""
    if not sa.inspect(conn).has_table(schema_version.name):
        return 0
    value = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
    return int(value or 0)


def _lock(conn: Connection) -> None:
    """Make concurrent migrators (a server and a CLI starting together) take turns.

    SQLite: take the write lock before reading anything; PostgreSQL: a transaction-scoped
    advisory lock. The only dialect-specific code in the store, and only for migrations.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


#: Advisory lock id for migrations ("gatechek" as a 64-bit integer).
_LOCK_KEY = int.from_bytes(b"gatechek", "big") & 0x7FFFFFFFFFFFFFFF


def migrate(engine: sa.Engine, *, target: int = LATEST_VERSION) -> list[int]:
    """Bring the schema up to ``target``; return the versions applied (none when up to date)."""
    applied: list[int] = []
    for step in MIGRATIONS:
        if step.version > target:
            break
        with engine.begin() as conn:
            _lock(conn)
            # Read the version under the lock: another process may have migrated meanwhile.
            schema_version.create(conn, checkfirst=True)
            version = current_version(conn)
            if version > LATEST_VERSION:
                raise SchemaTooNew(f"the store's schema is version {version}, newer than this gatecheck knows "
                                   f"({LATEST_VERSION}); upgrade gatecheck")
            if step.version <= version:
                continue
            step.apply(conn)
            conn.execute(sa.insert(schema_version).values(
                version=step.version, applied_at=datetime.now(UTC).isoformat(), description=step.description))
            applied.append(step.version)
    with engine.connect() as conn:
        version = current_version(conn)
    if version > LATEST_VERSION:
        raise SchemaTooNew(f"the store's schema is version {version}, newer than this gatecheck knows "
                           f"({LATEST_VERSION}); upgrade gatecheck")
    return applied
