"""The verifier: decides whether a subject has a valid, fresh, passing, signed verdict.

Usable as a library (the attestation store and the admission server call
:func:`verify_entries` with envelopes they hold) and behind ``gatecheck verify``
(:func:`verify_bundles` on ``*.intoto.jsonl`` files).

Order of work, for every envelope given:

1. Parse the envelope JSON (duplicate keys rejected) and decode ``payload`` and ``sig``
   (both base64 alphabets, canonical only). Nothing inside the payload is read yet.
2. Check the signatures over ``PAE(payloadType, payload)`` against the trusted keys; the
   keyid is only a hint; the threshold counts distinct trusted keys.
3. Only then parse the payload: exactly the bytes that were verified, once, strictly
   (Statement v1; unknown fields ignored).

Then every VSA about the subject is evaluated (never only the first or the last). A verdict
passes when its verifier id is the expected one, its result is ``PASSED``, its policy digest
is the expected one (when given), its stage is the expected one (when given),
``timeVerified`` is not in the future beyond the allowed clock skew and not older than the
maximum age, it lists at least one input attestation (unless the caller allows none), every
input attestation it lists is present (by the sha256 of the envelope's bytes) and verifies,
and every required check is among those inputs and ran. The freshest passing verdict counts,
but a ``FAILED`` verdict for the same subject and policy, by the same verifier, made at the
same instant or later, for the same stage or naming no stage, wins over it
(:func:`gatecheck.attest.vsa.supersedes`). A malformed line anywhere fails the whole verification (a damaged
bundle is never half-trusted); envelopes that are merely unverifiable (another team's key)
and not used by the chosen verdict are reported as warnings.

Every failure carries one of the stable reason codes in :data:`REASON_CODES`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gatecheck.attest import CHECK_RESULT_PREDICATE_TYPE, DEFAULT_VERIFIER_ID, PAYLOAD_TYPE, VSA_PREDICATE_TYPE
from gatecheck.attest.dsse import MALFORMED, EnvelopeError, SignatureCheck, check_signatures, parse_envelope
from gatecheck.attest.keys import PublicKey
from gatecheck.attest.statement import Statement, parse_statement
from gatecheck.attest.vsa import Verdict, format_time, parse_predicate, precedence, supersedes
from gatecheck.errors import BadInput

#: Every reason code the verifier gives, with what it means. Codes are stable: tools may match on them.
REASON_CODES: dict[str, str] = {
    "MALFORMED": "an envelope, statement or VSA is not well-formed (bad JSON, duplicate keys, bad base64, "
                 "missing fields, over the size limit)",
    "SIGNATURE_INVALID": "a signature does not verify with the trusted key its keyid names, or with any trusted key",
    "UNTRUSTED_KEY": "the envelope is signed only by keys that are not trusted",
    "THRESHOLD_NOT_MET": "fewer distinct trusted keys signed than the threshold requires",
    "PAYLOAD_TYPE_MISMATCH": "the payloadType is not application/vnd.in-toto+json",
    "UNSUPPORTED_STATEMENT": "the statement is not an in-toto Statement v1 (for example v0.1)",
    "NO_ATTESTATION": "the bundles hold no envelope at all",
    "SUBJECT_MISMATCH": "no verified verdict is about the artifact's digest",
    "PREDICATE_TYPE_MISMATCH": "statements about the artifact verify, but none is a SLSA VSA v1",
    "VERIFIER_MISMATCH": "the verdict's verifier.id is not the expected one",
    "RESULT_FAILED": "the verdict is FAILED, or a FAILED verdict made at the same time or later supersedes the "
                     "passing one",
    "POLICY_MISMATCH": "the verdict's policy digest is not the expected one",
    "STAGE_MISMATCH": "the verdict was made for another stage",
    "EXPIRED": "timeVerified is older than the maximum age",
    "FUTURE_DATED": "timeVerified is later than now plus the allowed clock skew",
    "NO_INPUTS": "the verdict lists no input attestation, so it vouches for no check (allowed only when the caller "
                 "says so: --allow-no-inputs)",
    "INPUT_MISSING": "an input attestation the verdict lists is not in the bundles",
    "INPUT_INVALID": "an input attestation the verdict lists is present but does not verify",
    "CHECK_MISSING": "a required check has no check-result attestation among the verdict's inputs",
    "CHECK_NOT_OK": "a required check's result attestation says it errored, timed out or was skipped",
}

DEFAULT_MAX_ENVELOPE_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_AGE = timedelta(hours=24)
DEFAULT_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Reason:
    """One failure: a stable code, a message, and where (``file:line``) when it is about an envelope."""

    code: str
    message: str
    source: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "source": self.source}

    def __str__(self) -> str:
        return f"{self.code}: {self.source + ': ' if self.source else ''}{self.message}"


@dataclass
class VerifyOptions:
    """What the verifier requires. ``policy_digest`` is lowercase hex (no ``sha256:`` prefix)."""

    keys: Sequence[PublicKey]
    threshold: int = 1
    verifier_id: str = DEFAULT_VERIFIER_ID
    policy_digest: str | None = None
    stage: str | None = None
    require_checks: Sequence[str] = ()
    max_age: timedelta | None = DEFAULT_MAX_AGE
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW
    now: datetime | None = None
    max_envelope_bytes: int = DEFAULT_MAX_ENVELOPE_BYTES
    #: Accept a verdict whose ``inputAttestations`` is empty. Off by default: such a verdict
    #: is what a gate that ran no check signs, and a PASSED one would vouch for nothing.
    allow_no_inputs: bool = False

    def validate(self) -> None:
        """BadInput (exit 2) for options no verification could satisfy."""
        distinct = {k.keyid for k in self.keys}
        if not distinct:
            raise BadInput("at least one trusted public key is needed", key="--key")
        if self.threshold < 1:
            raise BadInput("the threshold must be at least 1", key="--threshold")
        if self.threshold > len(distinct):
            raise BadInput(f"threshold {self.threshold} is more than the {len(distinct)} distinct trusted key(s)",
                           key="--threshold")


@dataclass
class EnvelopeRecord:
    """One envelope as read from a bundle, and how far it got through verification."""

    source: str
    raw: bytes
    digest: str
    signatures: SignatureCheck | None = None
    statement: Statement | None = None
    problem: Reason | None = None

    @property
    def verified(self) -> bool:
        return self.statement is not None


@dataclass
class VerdictRecord:
    """A VSA about the subject and why it does (not) pass."""

    record: EnvelopeRecord
    verdict: Verdict | None
    reasons: list[Reason] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        v = self.verdict
        return {
            "source": self.record.source,
            "digest": {"sha256": self.record.digest},
            "result": v.result if v else None,
            "timeVerified": format_time(v.time_verified) if v else None,
            "verifier": v.verifier_id if v else None,
            "policy": {"uri": v.policy_uri, "digest": v.policy_digest} if v else None,
            "stage": v.stage if v else None,
            "passes": not self.reasons,
            "reasons": [r.to_dict() for r in self.reasons],
        }


@dataclass
class VerificationResult:
    """The outcome: ``ok`` only when a passing verdict counts; otherwise ``reasons`` says why (primary first)."""

    ok: bool
    subject: dict[str, str]
    reasons: list[Reason]
    chosen: VerdictRecord | None
    verdicts: list[VerdictRecord]
    envelopes: list[EnvelopeRecord]
    warnings: list[Reason]

    @property
    def reason(self) -> str | None:
        """The primary reason code, None on success."""
        return self.reasons[0].code if self.reasons else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "reason": self.reason,
            "reasons": [r.to_dict() for r in self.reasons],
            "subject": {"digest": self.subject},
            "verdict": self.chosen.to_dict() if self.chosen else None,
            "verdicts": [v.to_dict() for v in self.verdicts],
            "envelopes": len(self.envelopes),
            "warnings": [w.to_dict() for w in self.warnings],
        }


def read_bundle(path: str | Path) -> list[tuple[str, bytes]]:
    """The envelope lines of a JSON Lines bundle as ``(file:line, bytes)``; BadInput (exit 2) if unreadable.

    Blank lines are skipped; surrounding spaces, tabs and a CR are not part of an envelope.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read bundle: {exc.strerror or exc}", path=str(path)) from None
    entries: list[tuple[str, bytes]] = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        raw = line.strip(b" \t\r")
        if raw:
            entries.append((f"{path}:{number}", raw))
    return entries


def check_envelope(source: str, raw: bytes, options: VerifyOptions, digest: str | None = None) -> EnvelopeRecord:
    """Parse, check signatures, then (only if they hold) parse the statement, of one envelope.

    ``digest`` is the sha256 hex of ``raw`` when the caller has it already.
    """
    record = EnvelopeRecord(source, raw, digest or hashlib.sha256(raw).hexdigest())
    if len(raw) > options.max_envelope_bytes:
        record.problem = Reason(MALFORMED, f"envelope is {len(raw)} bytes, over the {options.max_envelope_bytes}-byte"
                                           " limit", source)
        return record
    try:
        envelope = parse_envelope(raw)
    except EnvelopeError as exc:
        record.problem = Reason(exc.code, exc.message, source)
        return record
    record.signatures = check_signatures(envelope, options.keys, options.threshold)
    if not record.signatures.ok:
        assert record.signatures.code is not None
        record.problem = Reason(record.signatures.code, record.signatures.message, source)
        return record
    if envelope.payload_type != PAYLOAD_TYPE:
        record.problem = Reason("PAYLOAD_TYPE_MISMATCH",
                                f"payloadType is {envelope.payload_type!r}, expected {PAYLOAD_TYPE!r}", source)
        return record
    try:
        record.statement = parse_statement(envelope.payload)
    except EnvelopeError as exc:
        record.problem = Reason(exc.code, exc.message, source)
    return record


def _precedence(candidate: VerdictRecord) -> tuple[datetime, bool]:
    assert candidate.verdict is not None
    return precedence(candidate.verdict)


def _evaluate(candidate: VerdictRecord, by_digest: dict[str, EnvelopeRecord], options: VerifyOptions,
              now: datetime) -> None:
    verdict = candidate.verdict
    source = candidate.record.source
    reasons = candidate.reasons
    assert verdict is not None
    if verdict.verifier_id != options.verifier_id:
        reasons.append(Reason("VERIFIER_MISMATCH",
                              f"verifier.id is {verdict.verifier_id!r}, expected {options.verifier_id!r}", source))
    if not verdict.passed:
        reasons.append(Reason("RESULT_FAILED", f"verificationResult is {verdict.result}", source))
    if options.policy_digest is not None and verdict.policy_digest.get("sha256") != options.policy_digest:
        got = verdict.policy_digest.get("sha256")
        reasons.append(Reason("POLICY_MISMATCH", f"policy digest is sha256:{got}, expected sha256:{options.policy_digest}",
                              source))
    if options.stage is not None and verdict.stage != options.stage:
        reasons.append(Reason("STAGE_MISMATCH", f"verdict is for stage {verdict.stage!r}, expected {options.stage!r}",
                              source))
    if verdict.time_verified > now + options.clock_skew:
        reasons.append(Reason("FUTURE_DATED", f"timeVerified {format_time(verdict.time_verified)} is after "
                                              f"{format_time(now)} plus the allowed skew of {options.clock_skew}", source))
    elif options.max_age is not None and now - verdict.time_verified > options.max_age:
        reasons.append(Reason("EXPIRED", f"timeVerified {format_time(verdict.time_verified)} is older than "
                                         f"{options.max_age} at {format_time(now)}", source))
    if not verdict.inputs and not options.allow_no_inputs:
        reasons.append(Reason("NO_INPUTS", "the verdict lists no input attestation: it vouches for no check",
                              source))
    inputs: list[Statement] = []
    for uri, hexval in verdict.inputs:
        found = by_digest.get(hexval)
        label = uri or f"sha256:{hexval}"
        if found is None:
            reasons.append(Reason("INPUT_MISSING", f"input attestation {label} (sha256:{hexval}) is not in the bundles",
                                  source))
        elif found.statement is None:
            why = found.problem.code if found.problem else "unverified"
            reasons.append(Reason("INPUT_INVALID", f"input attestation {label} at {found.source} does not verify ({why})",
                                  source))
        else:
            inputs.append(found.statement)
    for name in options.require_checks:
        results = [s.predicate for s in inputs
                   if s.predicate_type == CHECK_RESULT_PREDICATE_TYPE and s.predicate.get("check") == name]
        if not results:
            reasons.append(Reason("CHECK_MISSING", f"no result of check {name!r} among the verdict's inputs", source))
        elif any(r.get("status") != "ok" for r in results):
            reasons.append(Reason("CHECK_NOT_OK", f"check {name!r} did not complete (status "
                                                  f"{', '.join(str(r.get('status')) for r in results)})", source))


def verify_entries(subject: dict[str, str], entries: Iterable[tuple[str, bytes]], options: VerifyOptions
                   ) -> VerificationResult:
    """Verify ``(source, envelope bytes)`` entries for the subject with DigestSet ``subject``.

    This is the library entry point; it reads no files and raises only for options no
    verification could satisfy (BadInput).
    """
    options.validate()
    now = options.now or datetime.now(UTC)
    records: list[EnvelopeRecord] = []
    by_digest: dict[str, EnvelopeRecord] = {}
    for source, raw in entries:
        digest = hashlib.sha256(raw).hexdigest()
        if digest in by_digest:  # the same envelope in two bundles is evaluated once
            continue
        record = check_envelope(source, raw, options, digest)
        records.append(record)
        by_digest[digest] = record

    fatal = [r.problem for r in records if r.problem is not None and r.problem.code == MALFORMED]
    candidates: list[VerdictRecord] = []
    for record in records:
        st = record.statement
        if st is None or st.predicate_type != VSA_PREDICATE_TYPE or not st.about(subject):
            continue
        try:
            candidate = VerdictRecord(record, parse_predicate(st.predicate))
        except EnvelopeError as exc:
            fatal.append(Reason(exc.code, exc.message, record.source))
            continue
        _evaluate(candidate, by_digest, options, now)
        candidates.append(candidate)

    def result(ok: bool, reasons: list[Reason], chosen: VerdictRecord | None = None) -> VerificationResult:
        used = {chosen.record.digest} | {h for _, h in chosen.verdict.inputs} if chosen and chosen.verdict else set()
        warnings = [r.problem for r in records if r.problem is not None and r.digest not in used
                    and r.problem not in reasons]
        return VerificationResult(ok, dict(subject), reasons, chosen, candidates, records, warnings)

    passing = [c for c in candidates if not c.reasons]
    if passing:
        best = max(passing, key=_precedence)
        assert best.verdict is not None
        chosen = best.verdict
        overruling = [c for c in candidates if c.verdict is not None and supersedes(c.verdict, chosen)]
        if overruling:
            latest = max(overruling, key=_precedence)
            assert latest.verdict is not None
            reason = Reason("RESULT_FAILED", f"a FAILED verdict ({format_time(latest.verdict.time_verified)}, stage "
                                             f"{latest.verdict.stage or 'any'}) for the same subject and policy, made "
                                             f"no earlier than the PASSED one at {best.record.source} "
                                             f"({format_time(chosen.time_verified)}), supersedes it",
                            latest.record.source)
            return result(False, [*fatal, reason], best)
        if fatal:
            return result(False, fatal, best)
        return result(True, [], best)

    if candidates:
        freshest = sorted(candidates, key=_precedence, reverse=True)
        return result(False, [*fatal, *[r for c in freshest for r in c.reasons]])
    problems = [r.problem for r in records if r.problem is not None]
    if fatal or problems:
        ordered = fatal + [p for p in problems if p not in fatal]
        return result(False, ordered)
    verified = [r.statement for r in records if r.statement is not None]
    if not records:
        return result(False, [Reason("NO_ATTESTATION", "the bundles hold no envelope")])
    if any(st.predicate_type == VSA_PREDICATE_TYPE for st in verified):
        return result(False, [Reason("SUBJECT_MISMATCH", "no verified verdict is about the artifact "
                                     + ", ".join(f"{k}:{v}" for k, v in subject.items()))])
    if any(st.about(subject) for st in verified):
        return result(False, [Reason("PREDICATE_TYPE_MISMATCH", "statements about the artifact verify, but none has "
                                     f"predicate type {VSA_PREDICATE_TYPE}")])
    return result(False, [Reason("SUBJECT_MISMATCH", "no verified statement is about the artifact "
                                 + ", ".join(f"{k}:{v}" for k, v in subject.items()))])


def verify_bundles(subject: dict[str, str], bundles: Sequence[str | Path], options: VerifyOptions) -> VerificationResult:
    """Read every bundle (BadInput if one is unreadable), then :func:`verify_entries` over all their envelopes."""
    options.validate()
    entries: list[tuple[str, bytes]] = []
    for path in bundles:
        entries.extend(read_bundle(path))
    return verify_entries(subject, entries, options)
