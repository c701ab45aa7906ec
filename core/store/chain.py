"""Tamper evidence: every stored record carries the hash of the one before it.

A record's hash is the sha256 of a canonical JSON document holding its position, every
indexed column, its subjects, signers and inputs, the sha256 of its envelope bytes and the
previous record's hash. Changing any of those, removing a record (a gap, and a broken link)
or swapping two records (their positions and links no longer agree) breaks the chain at the
first record touched. Cutting records off the *end* leaves a shorter chain that is still
consistent; to catch that, compare the head (``seq`` and hash, printed by ``gatecheck store
check``) with a copy kept elsewhere: ``--expect-head``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gatecheck.canonical import canonical_json
from gatecheck.digests import sha256_hex

#: The columns of ``attestations`` that a record hash covers (besides the envelope's digest).
HASHED_COLUMNS = (
    "seq", "digest", "payload_type", "predicate_type", "verdict", "policy_digest", "verifier_id", "stage",
    "time_verified", "repository", "commit", "source", "stored_at",
)


def record_hash(row: Mapping[str, Any], subjects: Iterable[tuple[str, str, str]], signers: Iterable[str],
                inputs: Iterable[str], prev_hash: str) -> str:
    """The chained hash of one record; the lists are sorted so row order in side tables does not matter."""
    doc = {
        "columns": {name: row[name] for name in HASHED_COLUMNS},
        "subjects": sorted([list(s) for s in subjects]),
        "signers": sorted(signers),
        "inputs": sorted(inputs),
        "prev": prev_hash,
    }
    return sha256_hex(canonical_json(doc, ascii_only=True))


@dataclass
class ChainProblem:
    """One place where the chain does not hold: the record (``seq``) and a stable code."""

    seq: int
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "code": self.code, "message": self.message}


@dataclass
class ChainReport:
    """The outcome of :meth:`gatecheck.store.Store.check`."""

    records: int
    head_seq: int
    head_hash: str
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": self.records,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "problems": [p.to_dict() for p in self.problems],
        }


#: Codes :meth:`Store.check` reports, each with what it means.
CHAIN_CODES = {
    "ENVELOPE_CHANGED": "the stored envelope bytes no longer hash to the record's digest",
    "RECORD_CHANGED": "a column, subject, signer or input of the record changed after it was stored",
    "LINK_BROKEN": "the record's prev_hash is not the hash of the record before it (removed or reordered records)",
    "SEQUENCE_GAP": "positions are not consecutive: a record was removed",
    "HEAD_MISMATCH": "the chain head does not match the last record, or the head you expected",
}
