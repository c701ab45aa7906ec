"""The attestation store: verified envelopes, append-only and hash-chained, in SQLite or PostgreSQL.

* :mod:`gatecheck.store.schema`: the tables (SQLAlchemy Core) and the store's versioned migrations.
* :mod:`gatecheck.store.chain`: record hashes and the tamper check's result.
* :mod:`gatecheck.store.records`: the record, push result and time helpers.
* :mod:`gatecheck.store.database`: :class:`Store`: push, search, get, check.
"""

from __future__ import annotations

from gatecheck.store.chain import ChainReport
from gatecheck.store.database import Store, display_url, parse_digest
from gatecheck.store.records import PushResult, StoredRecord

#: The store a command uses when given no ``--store``.
DEFAULT_URL = "sqlite:///.gatecheck/store.sqlite"

__all__ = ["DEFAULT_URL", "ChainReport", "PushResult", "Store", "StoredRecord", "display_url", "parse_digest"]
