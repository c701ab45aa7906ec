"""Verify-and-append: :meth:`Store.push <gatecheck.store.Store.push>`.

Nothing is stored before it verifies: a push checks every envelope's signatures against the
trust roots it is given (the attestation verifier's own
:func:`~gatecheck.attest.verify.check_envelope`), refuses and reports the ones that fail, and
fails the whole push with a ``file:line`` error (exit 2) when any line is malformed, so a
damaged bundle stores nothing. The records that go in extend the hash chain
(:mod:`gatecheck.store.chain`) in one transaction. There is no update or delete.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from gatecheck.attest import PAYLOAD_TYPE, VSA_PREDICATE_TYPE
from gatecheck.attest.dsse import MALFORMED, EnvelopeError
from gatecheck.attest.statement import Subject
from gatecheck.attest.verify import EnvelopeRecord, VerifyOptions, check_envelope
from gatecheck.attest.vsa import Verdict, parse_predicate
from gatecheck.digests import PREFIX
from gatecheck.errors import BadInput
from gatecheck.store import schema
from gatecheck.store.chain import record_hash
from gatecheck.store.queries import BATCH
from gatecheck.store.records import PushResult, Refusal, StoredRecord, indexed_repository
from gatecheck.timestamps import format_micro, utc_now

#: Extension fields of a VSA predicate the store indexes when present (URIs, as the VSA spec asks).
REPOSITORY_FIELD = "https://gatecheck.dev/attestation/vsa/repository"
COMMIT_FIELD = "https://gatecheck.dev/attestation/vsa/commit"

#: Reason codes that mean "this line is not a well-formed envelope" (bad input), not "not trusted".
_MALFORMED_CODES = {MALFORMED}


class Appender:
    """The writing part of :class:`gatecheck.store.Store`."""

    engine: sa.Engine

    def push(self, entries: Sequence[tuple[str, bytes]], options: VerifyOptions, *,
             repository: str | None = None, commit: str | None = None) -> PushResult:
        """Verify and store ``(file:line, envelope bytes)`` entries; one transaction for all of them.

        Raises BadInput (naming the first malformed line) before anything is written when any
        entry is malformed. Envelopes that parse but do not verify are refused and reported.
        """
        options.validate()
        # A repository URL is often a checkout's remote, token included: only its scrubbed form
        # is ever indexed (the envelope is stored byte for byte, as signed).
        repository = indexed_repository(repository)
        for value, limit, key in ((repository, 500, "--repo"), (commit, 100, "--commit")):
            if value is not None and len(value) > limit:
                raise BadInput(f"is {len(value)} characters long; the store holds at most {limit}", key=key)
        checked: list[tuple[EnvelopeRecord, dict[str, Any]]] = []
        malformed: list[tuple[str, str]] = []
        result = PushResult()
        for source, raw in entries:
            record = check_envelope(source, raw, options)
            if record.problem is not None:
                if record.problem.code in _MALFORMED_CODES:
                    malformed.append((source, record.problem.message))
                else:
                    result.refused.append(Refusal(source, record.digest, record.problem.code, record.problem.message))
                continue
            assert record.statement is not None
            facts: dict[str, Any] = {"verdict": None, "policy_digest": None, "verifier_id": None,
                                     "stage": None, "time_verified": None}
            st = record.statement
            if st.predicate_type == VSA_PREDICATE_TYPE:
                try:
                    verdict = parse_predicate(st.predicate)
                except EnvelopeError as exc:
                    malformed.append((source, exc.message))
                    continue
                facts.update(_vsa_fields(verdict))
                inputs = [d for _, d in verdict.inputs]
                facts["repository"] = repository or indexed_repository(_text(st.predicate.get(REPOSITORY_FIELD)))
                facts["commit"] = commit or _text(st.predicate.get(COMMIT_FIELD))
            else:
                stage = st.predicate.get("stage")
                facts["stage"] = stage if isinstance(stage, str) else None
                facts["repository"] = repository
                facts["commit"] = commit
                inputs = []
            facts["_inputs"] = inputs
            too_long = _too_long(st.predicate_type, facts, st.subject)
            if too_long:
                malformed.append((source, too_long))
                continue
            checked.append((record, facts))
        if malformed:
            first_source, message = malformed[0]
            path, line = _split_source(first_source)
            more = f" (and {len(malformed) - 1} more malformed line(s))" if len(malformed) > 1 else ""
            raise BadInput(f"malformed envelope: {message}{more}; nothing was stored", path=path, line=line)
        if checked:
            self._append(checked, result)
        return result

    def _append(self, checked: list[tuple[EnvelopeRecord, dict[str, Any]]], result: PushResult) -> None:
        t = schema.attestations
        now = format_micro(utc_now())
        with self.engine.begin() as conn:
            # Taking the head row's write lock first serialises appenders on both databases.
            conn.execute(sa.update(schema.chain_head).where(schema.chain_head.c.id == 1)
                         .values(seq=schema.chain_head.c.seq))
            head = conn.execute(sa.select(schema.chain_head.c.seq, schema.chain_head.c.record_hash)
                                .where(schema.chain_head.c.id == 1)).one()
            seq, prev = int(head.seq), str(head.record_hash)
            digests = [r.digest for r, _ in checked]
            existing: set[str] = set()
            for i in range(0, len(digests), BATCH):
                chunk = digests[i:i + BATCH]
                existing.update(conn.execute(sa.select(t.c.digest).where(t.c.digest.in_(chunk))).scalars())
            rows: list[dict[str, Any]] = []
            subject_rows: list[dict[str, Any]] = []
            signer_rows: list[dict[str, Any]] = []
            input_rows: list[dict[str, Any]] = []
            for record, facts in checked:
                if record.digest in existing:
                    result.duplicates.append((record.source, record.digest))
                    continue
                existing.add(record.digest)
                assert record.statement is not None and record.signatures is not None
                seq += 1
                subjects = [(s.name, alg, value) for s in record.statement.subject for alg, value in s.digest.items()]
                keyids = sorted(record.signatures.accepted)
                inputs: list[str] = facts.pop("_inputs")
                row = {
                    "seq": seq, "digest": record.digest, "envelope": record.raw,
                    "payload_type": PAYLOAD_TYPE,
                    "predicate_type": record.statement.predicate_type,
                    "source": record.source[:1000], "stored_at": now, **facts,
                }
                row["prev_hash"] = prev
                row["record_hash"] = prev = record_hash(row, subjects, keyids, inputs, prev)
                rows.append(row)
                subject_rows += [{"seq": seq, "name": n, "algorithm": a, "digest": d} for n, a, d in subjects]
                signer_rows += [{"seq": seq, "keyid": k} for k in keyids]
                input_rows += [{"seq": seq, "digest": d} for d in inputs]
                result.stored.append(StoredRecord.from_row(row, subjects, keyids, inputs))
            if rows:
                conn.execute(sa.insert(t), rows)
                if subject_rows:
                    conn.execute(sa.insert(schema.subjects), subject_rows)
                if signer_rows:
                    conn.execute(sa.insert(schema.signers), signer_rows)
                if input_rows:
                    conn.execute(sa.insert(schema.inputs), input_rows)
                conn.execute(sa.update(schema.chain_head).where(schema.chain_head.c.id == 1)
                             .values(seq=seq, record_hash=prev))


def _split_source(source: str) -> tuple[str, int | None]:
    path, _, line = source.rpartition(":")
    if path and line.isdigit():
        return path, int(line)
    return source, None


def _vsa_fields(verdict: Verdict) -> dict[str, Any]:
    digest = verdict.policy_digest.get("sha256")
    return {
        "verdict": verdict.result,
        "policy_digest": PREFIX + digest if digest else None,
        "verifier_id": verdict.verifier_id,
        "stage": verdict.stage,
        "time_verified": format_micro(verdict.time_verified),
    }


def _too_long(predicate_type: str, facts: dict[str, Any], subjects: Sequence[Subject]) -> str | None:
    """A message when a value is longer than its column holds (PostgreSQL would refuse it mid-push)."""
    limits = {"predicate_type": (predicate_type, 500), "verifier_id": (facts.get("verifier_id"), 500),
              "stage": (facts.get("stage"), 40), "policy_digest": (facts.get("policy_digest"), 200),
              "repository": (facts.get("repository"), 500), "commit": (facts.get("commit"), 100)}
    for name, (value, limit) in limits.items():
        if isinstance(value, str) and len(value) > limit:
            return f"{name} is {len(value)} characters long; the store holds at most {limit}"
    for i, subject in enumerate(subjects):
        if len(subject.name) > 1000:
            return f"subject[{i}].name is over 1000 characters"
        for alg, value in subject.digest.items():
            if len(alg) > 20 or len(value) > 128:
                return f"subject[{i}].digest.{alg[:20]} is longer than the store holds (20-character name, 128-character value)"
    return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
