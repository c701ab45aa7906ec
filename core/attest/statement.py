"""in-toto Statement v1: the signed document inside every envelope.

A statement binds a predicate (what is claimed) to subjects (the artifacts it is about,
each named by a DigestSet). :func:`parse_statement` is strict about the parts a verifier
relies on (``_type``, ``subject``, ``predicateType``, ``predicate``) and ignores unknown
fields, as the in-toto parsing rules require.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from gatecheck.attest import STATEMENT_TYPE
from gatecheck.attest.dsse import MALFORMED, EnvelopeError, strict_json

#: Reason code for a statement whose ``_type`` is not Statement v1 (for example v0.1).
UNSUPPORTED_STATEMENT = "UNSUPPORTED_STATEMENT"

#: Digest algorithms a verifier accepts, with the length of their lowercase hex value.
#: ``dirHash`` is in-toto's directory digest (see :mod:`gatecheck.attest.subjects`).
ACCEPTED_DIGESTS = {"sha256": 64, "sha384": 96, "sha512": 128, "dirHash": 64}
_HEX = re.compile(r"[0-9a-f]+")


@dataclass(frozen=True)
class Subject:
    """One subject of a statement: a name and its DigestSet."""

    name: str
    digest: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "digest": dict(self.digest)}

    def matches(self, digest: dict[str, str]) -> bool:
        """True when any accepted algorithm appears in both DigestSets with the same value."""
        return any(
            alg in ACCEPTED_DIGESTS and self.digest.get(alg) == value for alg, value in digest.items()
        )


@dataclass(frozen=True)
class Statement:
    """An in-toto Statement v1."""

    subject: tuple[Subject, ...]
    predicate_type: str
    predicate: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "_type": STATEMENT_TYPE,
            "subject": [s.to_dict() for s in self.subject],
            "predicateType": self.predicate_type,
            "predicate": self.predicate,
        }

    def to_json(self) -> bytes:
        """The payload bytes: compact JSON, keys in a fixed order, UTF-8."""
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    def about(self, digest: dict[str, str]) -> bool:
        """True when one of the subjects matches ``digest``."""
        return any(s.matches(digest) for s in self.subject)


def _check_digest_set(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise EnvelopeError(MALFORMED, f"{where} is not a non-empty DigestSet")
    for alg, hexval in value.items():
        if not isinstance(hexval, str):
            raise EnvelopeError(MALFORMED, f"{where}.{alg} is not a string")
        want = ACCEPTED_DIGESTS.get(alg)
        if want is not None and (len(hexval) != want or not _HEX.fullmatch(hexval)):
            raise EnvelopeError(MALFORMED, f"{where}.{alg} is not {want} lowercase hex digits")
    return dict(value)


def parse_statement(payload: bytes) -> Statement:
    """Parse verified payload bytes as a Statement v1; EnvelopeError(MALFORMED or UNSUPPORTED_STATEMENT)."""
    doc = strict_json(payload, "statement")
    if not isinstance(doc, dict):
        raise EnvelopeError(MALFORMED, "statement is not a JSON object")
    kind = doc.get("_type")
    if kind != STATEMENT_TYPE:
        raise EnvelopeError(UNSUPPORTED_STATEMENT, f"statement _type is {kind!r}, expected {STATEMENT_TYPE!r}")
    subjects = doc.get("subject")
    if not isinstance(subjects, list) or not subjects:
        raise EnvelopeError(MALFORMED, "statement has no non-empty 'subject' list")
    parsed: list[Subject] = []
    for i, entry in enumerate(subjects):
        if not isinstance(entry, dict):
            raise EnvelopeError(MALFORMED, f"subject[{i}] is not an object")
        name = entry.get("name", "")
        if not isinstance(name, str):
            raise EnvelopeError(MALFORMED, f"subject[{i}].name is not a string")
        parsed.append(Subject(name, _check_digest_set(entry.get("digest"), f"subject[{i}].digest")))
    predicate_type = doc.get("predicateType")
    if not isinstance(predicate_type, str) or not predicate_type:
        raise EnvelopeError(MALFORMED, "statement has no 'predicateType'")
    predicate = doc.get("predicate", {})
    if not isinstance(predicate, dict):
        raise EnvelopeError(MALFORMED, "statement 'predicate' is not an object")
    return Statement(tuple(parsed), predicate_type, predicate)
