"""Reading stored statements by kind: approvals of a subject, the inputs a verdict lists, records by id.

Queries beside :class:`gatecheck.store.Store`'s own, for the approvals check and the audit report.
They return envelopes as stored; callers that decide anything verify them again (the store
verified them when they were pushed, against the keys trusted then).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sqlalchemy as sa

from gatecheck.store import schema
from gatecheck.store.queries import BATCH, load
from gatecheck.store.records import StoredRecord


class StatementQueries:
    """The statement-reading part of :class:`gatecheck.store.Store`."""

    engine: sa.Engine

    def statements(self, subject: Mapping[str, str], predicate_type: str) -> list[tuple[str, bytes]]:
        """Every stored envelope of ``predicate_type`` about ``subject`` (a DigestSet), as ``(store:ID, bytes)``."""
        t, s = schema.attestations, schema.subjects
        found: dict[int, bytes] = {}
        with self.engine.connect() as conn:
            for alg, value in subject.items():
                query = (sa.select(t.c.seq, t.c.envelope).join(s, s.c.seq == t.c.seq)
                         .where(s.c.algorithm == alg, s.c.digest == value, t.c.predicate_type == predicate_type))
                for seq, envelope in conn.execute(query):
                    found[int(seq)] = bytes(envelope)
        return [(f"store:{seq}", envelope) for seq, envelope in sorted(found.items())]

    def records_by_digest(self, digests: Iterable[str]) -> dict[str, StoredRecord]:
        """The stored records whose envelope sha256 (hex) is in ``digests``, envelopes loaded, by digest."""
        t = schema.attestations
        wanted = sorted(set(digests))
        out: dict[str, StoredRecord] = {}
        for i in range(0, len(wanted), BATCH):
            with self.engine.connect() as conn:
                seqs = list(conn.execute(sa.select(t.c.seq).where(t.c.digest.in_(wanted[i:i + BATCH]))).scalars())
            for record in self.records(seqs):
                out[record.digest] = record
        return out

    def records(self, seqs: list[int]) -> list[StoredRecord]:
        """The records ``seqs`` with their envelopes, in the order given."""
        with self.engine.connect() as conn:
            return load(conn, seqs, with_envelope=True)
