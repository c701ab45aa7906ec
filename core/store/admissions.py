"""The admission log: what the admission webhook decided, per image, for the audit report.

It is a log, not evidence, and is not hash-chained (the table is
:data:`gatecheck.store.schema.admissions`). Rows go in through :func:`fit_admission`, so no
request can make a record unwritable, and one row the database refuses never takes the others
of its batch with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from gatecheck.store import schema
from gatecheck.timestamps import format_micro


class AdmissionRows:
    """The admission-log part of :class:`gatecheck.store.Store`."""

    engine: sa.Engine

    def log_admissions(self, rows: Sequence[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
        """Append admission decisions (see :data:`gatecheck.store.schema.admissions`); return the ones not written.

        Each row is fitted to the table first (:func:`fit_admission`: long
        values cut and marked), then all go in one transaction. Should the database still refuse
        that, each row goes in its own transaction, so a record it refuses never takes the others
        with it; the refused ones come back, fitted, each with the database's reason. When the
        database cannot be reached at all (OperationalError) the rows not yet written come back with
        that reason instead of being tried one by one.
        """
        def reason(exc: Exception) -> str:
            cause = exc.orig if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None else exc
            # The first line only: PostgreSQL's DETAIL line repeats the whole row.
            return f"{type(cause).__name__}: {(str(cause).splitlines() or [''])[0]}"

        fitted = [fit_admission(row) for row in rows]
        if not fitted:
            return []
        insert = sa.insert(schema.admissions)
        try:
            with self.engine.begin() as conn:
                conn.execute(insert, fitted)
            return []
        except sa.exc.OperationalError as exc:
            return [(row, reason(exc)) for row in fitted]
        except Exception:
            # One row the database refuses fails the whole batch: write them one by one below.
            pass
        failed: list[tuple[dict[str, Any], str]] = []
        for i, row in enumerate(fitted):
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert, row)
            except sa.exc.OperationalError as exc:
                return failed + [(rest, reason(exc)) for rest in fitted[i:]]
            except Exception as exc:  # returned with its reason: the caller reports it
                failed.append((row, reason(exc)))
        return failed

    def admissions_since(self, since: datetime) -> list[RowMapping]:
        a = schema.admissions
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(a).where(a.c.at >= format_micro(since)).order_by(a.c.id)).mappings())


def fit_admission(row: Mapping[str, Any]) -> dict[str, Any]:
    """``row`` as the admissions table can hold it, whatever the request that produced it said.

    Only the table's columns are kept (a missing one is None). In every string: NUL, which
    PostgreSQL refuses in text, and lone surrogates, which no UTF-8 database holds, become U+FFFD;
    a value longer than its column keeps its start and ends with ``…[truncated N chars]``, N
    counting the characters cut (a column too short for that mark ends with ``…`` alone).
    """
    fitted: dict[str, Any] = {}
    for column in schema.admissions.columns:
        if column.primary_key:
            continue
        value = row.get(column.name)
        if isinstance(value, str):
            value = _storable(value)
            limit = column.type.length if isinstance(column.type, sa.String) else None
            if limit is not None and len(value) > limit:
                value = _cut(value, limit)
        fitted[column.name] = value
    return fitted


def _storable(text: str) -> str:
    if not text.isascii():
        # A lone surrogate encodes (with surrogatepass) to bytes that are not UTF-8; decoding them
        # with "replace" turns exactly those into U+FFFD and keeps every real character.
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text.replace("\x00", "\ufffd")


def _cut(text: str, limit: int) -> str:
    cut = len(text) - limit
    while True:
        mark = f"…[truncated {cut} chars]"
        keep = limit - len(mark)
        if keep < 1:
            return text[:limit - 1] + "…"
        if len(text) - keep == cut:
            return text[:keep] + mark
        # The mark's own length took more room: cut that much more and count again (the count
        # only grows, so this settles within a digit or two).
        cut = len(text) - keep
