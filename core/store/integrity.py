"""The tamper check: :meth:`Store.check <gatecheck.store.Store.check>` walks the whole hash chain.

What each problem code means is :data:`gatecheck.store.chain.CHAIN_CODES`; how a record's hash
is made is :func:`gatecheck.store.chain.record_hash`.
"""

from __future__ import annotations

from gatecheck.digests import sha256_hex
from gatecheck.store import schema
from gatecheck.store.chain import ChainProblem, ChainReport, record_hash
from gatecheck.store.queries import Reader


class ChainCheck(Reader):
    """The tamper-evidence part of :class:`gatecheck.store.Store`."""

    def check(self, *, expect_head: str | None = None) -> ChainReport:
        """Walk the whole chain and report every record that was changed, removed or reordered."""
        problems: list[ChainProblem] = []
        prev = schema.GENESIS_HASH
        expected_seq = 1
        count = 0
        last_seq = 0
        for rec in self.iter_records(with_envelope=True):
            count += 1
            if rec.seq != expected_seq:
                problems.append(ChainProblem(rec.seq, "SEQUENCE_GAP",
                                             f"record {rec.seq} follows record {expected_seq - 1}: "
                                             f"{rec.seq - expected_seq} record(s) missing"))
            assert rec.envelope is not None
            if sha256_hex(rec.envelope) != rec.digest:
                problems.append(ChainProblem(rec.seq, "ENVELOPE_CHANGED",
                                             f"record {rec.seq}: the envelope bytes do not hash to sha256:{rec.digest}"))
            row = {
                "seq": rec.seq, "digest": rec.digest, "payload_type": rec.payload_type,
                "predicate_type": rec.predicate_type, "verdict": rec.verdict, "policy_digest": rec.policy_digest,
                "verifier_id": rec.verifier_id, "stage": rec.stage, "time_verified": rec.time_verified,
                "repository": rec.repository, "commit": rec.commit, "source": rec.source, "stored_at": rec.stored_at,
            }
            if rec.prev_hash != prev:
                problems.append(ChainProblem(rec.seq, "LINK_BROKEN",
                                             f"record {rec.seq} links to {rec.prev_hash[:16]}..., but the record "
                                             f"before it hashes to {prev[:16]}..."))
            computed = record_hash(row, rec.subjects, rec.signers, rec.inputs, rec.prev_hash)
            if computed != rec.record_hash:
                problems.append(ChainProblem(rec.seq, "RECORD_CHANGED",
                                             f"record {rec.seq} was changed after it was stored (its hash is "
                                             f"{computed[:16]}..., the chain says {rec.record_hash[:16]}...)"))
            prev = rec.record_hash
            expected_seq = rec.seq + 1
            last_seq = rec.seq
        head_seq, head_hash = self.head()
        if head_seq != last_seq or head_hash != prev:
            problems.append(ChainProblem(head_seq, "HEAD_MISMATCH",
                                         f"the chain head says record {head_seq} ({head_hash[:16]}...), the last record "
                                         f"is {last_seq} ({prev[:16]}...)"))
        if expect_head is not None and expect_head.lower() not in (head_hash, f"{head_seq}:{head_hash}"):
            problems.append(ChainProblem(head_seq, "HEAD_MISMATCH",
                                         f"the head is {head_seq}:{head_hash}, not the expected {expect_head}"))
        return ChainReport(count, head_seq, head_hash, problems)
