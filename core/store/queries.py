"""Reading the store: records by id, digest, subject or filters, the chain head, and readiness.

The statements the admission server runs on every request (the head, a subject's newest record,
its verdicts and their inputs) are built once, at import: constructing a statement costs more
than running it on an indexed lookup.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gatecheck.attest import VSA_PREDICATE_TYPE
from gatecheck.digests import prefixed
from gatecheck.errors import BadInput
from gatecheck.store import schema
from gatecheck.store.records import StoredRecord, indexed_repository
from gatecheck.timestamps import format_micro

#: How many values one ``IN (...)`` list holds.
BATCH = 500


def parse_digest(text: str) -> tuple[str, str]:
    """``ALG:HEX`` (also ``NAME@sha256:HEX``) to ``(alg, hex)``; BadInput otherwise."""
    value = text.rsplit("@", 1)[-1]
    alg, sep, hexval = value.partition(":")
    if not sep or not alg or not hexval or not all(c in "0123456789abcdefABCDEF" for c in hexval):
        raise BadInput(f"{text!r} is not a digest ALG:HEX (for example sha256:...)", key="--subject")
    return alg, hexval.lower()


class Reader:
    """The reading part of :class:`gatecheck.store.Store`."""

    engine: sa.Engine

    def head(self) -> tuple[int, str]:
        """The newest record's ``seq`` and hash (0 and the genesis hash for an empty store)."""
        with self.engine.connect() as conn:
            row = conn.execute(_HEAD_QUERY).one()
        return int(row.seq), str(row.record_hash)

    def subject_generation(self, subject: dict[str, str]) -> int:
        """The newest record about ``subject`` (0 if none): changes exactly when a push adds one.

        An index-only read; the admission server's verdict cache is keyed on it, so a push about
        one image does not throw away what is cached about the others.
        """
        newest = 0
        with self.engine.connect() as conn:
            for alg, value in subject.items():
                newest = max(newest, int(conn.execute(_GENERATION_QUERY, {"alg": alg, "digest": value}).scalar() or 0))
        return newest

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(schema.attestations)).scalar() or 0)

    def search(
        self,
        *,
        subject: str | None = None,
        repository: str | None = None,
        commit: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        verdict: str | None = None,
        predicate_type: str | None = None,
        policy_digest: str | None = None,
        keyid: str | None = None,
        limit: int | None = 100,
        newest_first: bool = True,
    ) -> list[StoredRecord]:
        """Records matching every filter given; ``subject`` is ``ALG:HEX`` (``sha256:...``)."""
        t = schema.attestations
        query = sa.select(t.c.seq)
        if subject is not None:
            alg, hexval = parse_digest(subject)
            s = schema.subjects
            query = query.where(t.c.seq.in_(sa.select(s.c.seq).where(s.c.algorithm == alg, s.c.digest == hexval)))
        if keyid is not None:
            k = schema.signers
            query = query.where(t.c.seq.in_(sa.select(k.c.seq).where(k.c.keyid == keyid)))
        if repository is not None:
            # Stored repositories are scrubbed; a filter given with its credentials finds them too.
            query = query.where(t.c.repository == indexed_repository(repository))
        if commit is not None:
            query = query.where(t.c.commit == commit)
        if since is not None:
            query = query.where(t.c.stored_at >= format_micro(since))
        if until is not None:
            query = query.where(t.c.stored_at < format_micro(until))
        if verdict is not None:
            query = query.where(t.c.verdict == verdict.upper())
        if predicate_type is not None:
            query = query.where(t.c.predicate_type == predicate_type)
        if policy_digest is not None:
            query = query.where(t.c.policy_digest == prefixed(policy_digest))
        query = query.order_by(t.c.seq.desc() if newest_first else t.c.seq)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            seqs = list(conn.execute(query).scalars())
            return load(conn, seqs)

    def get(self, ident: str | int) -> StoredRecord | None:
        """One record, envelope included, by id (``seq``) or by envelope digest ``sha256:HEX``."""
        t = schema.attestations
        text = str(ident)
        if text.isdigit():
            where = t.c.seq == int(text)
        else:
            alg, hexval = parse_digest(text)
            if alg != "sha256":
                raise BadInput("an envelope digest is sha256:HEX", key="ID")
            where = t.c.digest == hexval
        with self.engine.connect() as conn:
            seq = conn.execute(sa.select(t.c.seq).where(where)).scalar()
            if seq is None:
                return None
            return load(conn, [int(seq)], with_envelope=True)[0]

    def iter_records(self, *, with_envelope: bool = True, batch: int = BATCH) -> Iterator[StoredRecord]:
        """Every record in chain order, loaded a batch at a time (for audits and the chain check)."""
        t = schema.attestations
        columns = [c for c in t.c if with_envelope or c.name != "envelope"]
        after = 0
        while True:
            with self.engine.connect() as conn:
                rows = list(conn.execute(sa.select(*columns).where(t.c.seq > after).order_by(t.c.seq)
                                         .limit(batch)).mappings())
                if not rows:
                    return
                by_seq = {int(r["seq"]): StoredRecord.from_row(r, [], [], []) for r in rows}
                _attach_sides(conn, by_seq, list(by_seq))
            yield from by_seq.values()
            after = int(rows[-1]["seq"])

    def verdicts_since(self, since: datetime) -> list[StoredRecord]:
        """Every stored VSA whose ``timeVerified`` is at or after ``since``, oldest first, envelopes loaded."""
        t = schema.attestations
        with self.engine.connect() as conn:
            seqs = list(conn.execute(
                sa.select(t.c.seq).where(t.c.predicate_type == VSA_PREDICATE_TYPE,
                                         t.c.time_verified >= format_micro(since))
                .order_by(t.c.time_verified, t.c.seq)).scalars())
            return load(conn, seqs, with_envelope=True)

    def verdict_entries(self, subject: dict[str, str]) -> list[tuple[str, bytes]]:
        """Every stored VSA about ``subject`` (a DigestSet) and every input attestation they list.

        This is what the verifier needs to decide about the subject, read with one indexed
        query per digest algorithm (built once: the admission server calls this on every
        cache miss); the entries' sources are ``store:ID``.
        """
        found: list[tuple[str, bytes]] = []
        with self.engine.connect() as conn:
            for alg, value in subject.items():
                rows = conn.execute(_VERDICT_QUERY, {"alg": alg, "digest": value}).all()
                found += [(f"store:{seq}", bytes(envelope)) for seq, envelope in rows]
        return found

    def ping(self) -> int:
        """The schema version, after reading the tables a decision reads (for readiness probes)."""
        with self.engine.connect() as conn:
            conn.execute(_HEAD_QUERY).one()
            conn.execute(_GENERATION_QUERY, {"alg": "sha256", "digest": ""}).scalar()
            return schema.current_version(conn)


def load(conn: Connection, seqs: list[int], *, with_envelope: bool = False) -> list[StoredRecord]:
    """The records ``seqs`` with their subjects, signers and inputs, in the order given (missing ones left out)."""
    if not seqs:
        return []
    t = schema.attestations
    columns = [c for c in t.c if with_envelope or c.name != "envelope"]
    by_seq: dict[int, StoredRecord] = {}
    for i in range(0, len(seqs), BATCH):
        chunk = seqs[i:i + BATCH]
        for row in conn.execute(sa.select(*columns).where(t.c.seq.in_(chunk))).mappings():
            by_seq[int(row["seq"])] = StoredRecord.from_row(row, [], [], [])
        _attach_sides(conn, by_seq, chunk)
    return [by_seq[s] for s in seqs if s in by_seq]


def _attach_sides(conn: Connection, by_seq: dict[int, StoredRecord], chunk: Sequence[int]) -> None:
    s, k, n = schema.subjects, schema.signers, schema.inputs
    for row in conn.execute(sa.select(s.c.seq, s.c.name, s.c.algorithm, s.c.digest).where(s.c.seq.in_(chunk))):
        by_seq[int(row.seq)].subjects.append((row.name, row.algorithm, row.digest))
    for seq, keyid in conn.execute(sa.select(k.c.seq, k.c.keyid).where(k.c.seq.in_(chunk))):
        by_seq[int(seq)].signers.append(keyid)
    for seq, digest in conn.execute(sa.select(n.c.seq, n.c.digest).where(n.c.seq.in_(chunk))):
        by_seq[int(seq)].inputs.append(digest)


def _verdict_query() -> sa.CompoundSelect[int, bytes]:
    t, s, n = schema.attestations, schema.subjects, schema.inputs
    vsas = (sa.select(t.c.seq).join(s, s.c.seq == t.c.seq)
            .where(s.c.algorithm == sa.bindparam("alg"), s.c.digest == sa.bindparam("digest"),
                   t.c.predicate_type == VSA_PREDICATE_TYPE))
    return sa.union_all(
        sa.select(t.c.seq, t.c.envelope).where(t.c.seq.in_(vsas)),
        sa.select(t.c.seq, t.c.envelope).where(t.c.digest.in_(sa.select(n.c.digest).where(n.c.seq.in_(vsas)))),
    )


_HEAD_QUERY = sa.select(schema.chain_head.c.seq, schema.chain_head.c.record_hash).where(schema.chain_head.c.id == 1)
_VERDICT_QUERY = _verdict_query()
_GENERATION_QUERY = sa.select(sa.func.max(schema.subjects.c.seq)).where(
    schema.subjects.c.algorithm == sa.bindparam("alg"), schema.subjects.c.digest == sa.bindparam("digest"))
