"""What the store holds about one envelope, and how a push turned out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from gatecheck.attest.dsse import b64decode
from gatecheck.digests import prefixed
from gatecheck.redact import default, scrub


def indexed_repository(value: str | None) -> str | None:
    """A repository as the store indexes it: credentials in a URL masked."""
    return scrub(value) if value else None


@dataclass
class StoredRecord:
    """One stored envelope with its indexed facts. ``seq`` is its id and its place in the hash chain."""

    seq: int
    digest: str
    payload_type: str
    predicate_type: str
    verdict: str | None
    policy_digest: str | None
    verifier_id: str | None
    stage: str | None
    time_verified: str | None
    repository: str | None
    commit: str | None
    source: str
    stored_at: str
    prev_hash: str
    record_hash: str
    subjects: list[tuple[str, str, str]] = field(default_factory=list)
    signers: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    envelope: bytes | None = None

    @classmethod
    def from_row(cls, row: Any, subjects: list[tuple[str, str, str]], signers: list[str],
                 inputs: list[str]) -> StoredRecord:
        """The record of an ``attestations`` row (a mapping; ``envelope`` may be left out) and its side-table rows."""
        envelope = row.get("envelope")
        return cls(
            seq=int(row["seq"]), digest=row["digest"], payload_type=row["payload_type"],
            predicate_type=row["predicate_type"], verdict=row["verdict"], policy_digest=row["policy_digest"],
            verifier_id=row["verifier_id"], stage=row["stage"], time_verified=row["time_verified"],
            repository=row["repository"], commit=row["commit"], source=row["source"], stored_at=row["stored_at"],
            prev_hash=row["prev_hash"], record_hash=row["record_hash"], subjects=list(subjects), signers=list(signers),
            inputs=list(inputs), envelope=bytes(envelope) if envelope is not None else None,
        )

    def statement(self) -> dict[str, Any] | None:
        """The statement inside the envelope (already verified when it was stored), if the envelope is loaded."""
        if self.envelope is None:
            return None
        doc = json.loads(self.envelope)
        parsed: dict[str, Any] = json.loads(b64decode(doc["payload"]))
        return parsed

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """The record as ``store search`` and ``store get`` print it (``full``: envelope and statement too).

        Text is scrubbed on the way out, so a credential an older gatecheck stored (a remote URL
        with its token, a password in a decision message) is never printed. The envelope is
        printed as stored: its payload stays base64, the exact bytes the signature covers.
        """
        redactor = default()
        data: dict[str, Any] = {
            "id": self.seq,
            "digest": prefixed(self.digest),
            "predicateType": self.predicate_type,
            "verdict": self.verdict,
            "policyDigest": self.policy_digest,
            "verifier": self.verifier_id,
            "stage": self.stage,
            "timeVerified": self.time_verified,
            "repository": redactor.text(self.repository) if self.repository else self.repository,
            "commit": self.commit,
            "source": redactor.text(self.source),
            "storedAt": self.stored_at,
            "subjects": [{"name": n, "digest": {alg: d}} for n, alg, d in self.subjects],
            "signers": list(self.signers),
            "inputAttestations": [prefixed(d) for d in self.inputs],
            "chain": {"prev": self.prev_hash, "hash": self.record_hash},
        }
        if full and self.envelope is not None:
            data["envelope"] = json.loads(self.envelope)
            data["statement"] = redactor.data(self.statement())
        return data


@dataclass
class Refusal:
    """An envelope a push did not store, and why (a verifier reason code)."""

    source: str
    digest: str
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "digest": prefixed(self.digest), "code": self.code, "message": self.message}


@dataclass
class PushResult:
    """What a push did: stored records, duplicates skipped, envelopes refused."""

    stored: list[StoredRecord] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stored": [{"id": r.seq, "digest": prefixed(r.digest), "source": r.source,
                        "predicateType": r.predicate_type} for r in self.stored],
            "duplicates": [{"source": s, "digest": prefixed(d)} for s, d in self.duplicates],
            "refused": [r.to_dict() for r in self.refused],
        }
