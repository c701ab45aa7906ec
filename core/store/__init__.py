"""The attestation store: verified envelopes, append-only and hash-chained, in SQLite or PostgreSQL.

* :mod:`gatecheck.store.connect`: store URLs, the engine, and :class:`Store` (open and close).
* :mod:`gatecheck.store.schema`: the tables (SQLAlchemy Core) and the store's versioned migrations.
* :mod:`gatecheck.store.append`: verify-and-append, :meth:`Store.push`.
* :mod:`gatecheck.store.chain`: record hashes and the tamper check's result.
* :mod:`gatecheck.store.integrity`: the tamper check, :meth:`Store.check`.
* :mod:`gatecheck.store.queries`: :meth:`Store.search`, :meth:`Store.get`, the head and readiness.
* :mod:`gatecheck.store.statements`: statements of one kind, for the approvals check and the audit.
* :mod:`gatecheck.store.providers`: stores as a plugin axis: the protocols and opening a URL by scheme.
* :mod:`gatecheck.store.builtin`: registers the SQL stores through the ``gatecheck_stores`` hook.
* :mod:`gatecheck.store.admissions`: the admission webhook's decision log.
* :mod:`gatecheck.store.records`: the record and a push's result.
* :mod:`gatecheck.store.extras`: the optional ``store`` and ``server`` extras, and the error when one is missing.

The store needs SQLAlchemy, which the ``store`` extra installs; this package imports it only when
:class:`Store` (or another name that needs it) is first used. So the records, the chain's report
and :data:`DEFAULT_URL` are there without the extra, and reaching for :class:`Store` without it
raises :class:`~gatecheck.store.extras.MissingExtra` (exit 2) naming the extra.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from gatecheck.store.chain import ChainReport
from gatecheck.store.extras import require
from gatecheck.store.records import PushResult, StoredRecord

#: The store a command uses when given no ``--store``.
DEFAULT_URL = "sqlite:///.gatecheck/store.sqlite"

#: The public names that need SQLAlchemy, and the module each comes from.
_NEED_SQLALCHEMY = {"Store": "gatecheck.store.connect", "display_url": "gatecheck.store.connect",
                    "parse_digest": "gatecheck.store.queries"}

if TYPE_CHECKING:
    from gatecheck.store.connect import Store, display_url
    from gatecheck.store.queries import parse_digest
else:
    def __getattr__(name: str) -> object:
        if name not in _NEED_SQLALCHEMY:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        require("store")  # MissingExtra, naming the extra, rather than a bare ModuleNotFoundError
        value = getattr(importlib.import_module(_NEED_SQLALCHEMY[name]), name)
        globals()[name] = value
        return value

__all__ = ["DEFAULT_URL", "ChainReport", "PushResult", "Store", "StoredRecord", "display_url", "parse_digest"]
