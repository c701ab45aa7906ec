"""The verifier: decides whether a subject has valid, fresh, signed attestations that satisfy what is required.

Usable as a library (the attestation store and the admission server call
:func:`verify_entries` with envelopes they hold) and behind ``gatecheck verify``
(:func:`verify_bundles` on attestation files: JSON Lines of DSSE envelopes or Sigstore bundles,
or one pretty-printed envelope or bundle, see :mod:`gatecheck.attest.sources`).

Order of work, for every attestation given:

1. Parse the JSON (duplicate keys rejected). A Sigstore bundle gives up its DSSE envelope
   (:mod:`gatecheck.attest.sigstore`), re-encoded as the compact line a ``.intoto.jsonl``
   bundle holds, so one envelope has one digest whichever container carried it. Decode
   ``payload`` and ``sig`` (both base64 alphabets, canonical only). Nothing inside the
   payload is read yet.
2. Check the signatures over ``PAE(payloadType, payload)`` against the trusted keys; the
   keyid (and a bundle's key hint) is only a hint; the threshold counts distinct trusted keys.
3. Only then parse the payload: exactly the bytes that were verified, once, strictly
   (Statement v1; unknown fields ignored).

What is required is, by default, today's rule: a passing SLSA VSA. Every VSA about the subject
is evaluated (never only the first or the last). A verdict passes when its verifier id is the
expected one, its result is ``PASSED``, its policy digest, stage and resource URI are the
expected ones (when given), ``timeVerified`` is not in the future beyond the allowed clock skew
and not older than the maximum age, it lists at least one input attestation (unless the caller
allows none), every input attestation it lists is present (by the sha256 of the envelope's
bytes) and verifies, or is declared absent with a reason (:class:`AbsentInput`), and every
required check is among those inputs and ran. The freshest passing verdict counts, but a
``FAILED`` verdict for the same subject and policy, by the same verifier, made at the same
instant or later, for the same stage or naming no stage, wins over it
(:func:`gatecheck.attest.vsa.supersedes`).

``VerifyOptions.require_predicates`` replaces that default with a list of predicate types
(each needs a verified statement about the subject; the VSA keeps its rules when listed), and
``VerifyOptions.policy`` hands every verified statement about the subject to a Rego policy
(:mod:`gatecheck.attest.policy`), which then decides, alone or on top of the listed types.

A malformed attestation anywhere fails the whole verification (a damaged bundle is never
half-trusted) and is never shown to a policy; attestations that are merely unverifiable
(another team's key) and not used are reported as warnings.

Every failure carries one of the stable reason codes in :data:`REASON_CODES`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gatecheck.attest import CHECK_RESULT_PREDICATE_TYPE, DEFAULT_VERIFIER_ID, PAYLOAD_TYPE, VSA_PREDICATE_TYPE, sigstore
from gatecheck.attest.dsse import MALFORMED, EnvelopeError, check_signatures, envelope_from_doc, strict_json
from gatecheck.attest.keys import PublicKey
from gatecheck.attest.provenance import PROVENANCE_PREDICATE_TYPE
from gatecheck.attest.provenance import facts as provenance_facts
from gatecheck.attest.reasons import REASON_CODES, Reason
from gatecheck.attest.records import EnvelopeRecord, Evidence, VerdictRecord, VerificationResult
from gatecheck.attest.sources import read_file
from gatecheck.attest.statement import Statement, parse_statement
from gatecheck.attest.vsa import parse_predicate, precedence, supersedes
from gatecheck.digests import PREFIX, prefixed, sha256_hex
from gatecheck.errors import BadInput
from gatecheck.timestamps import format_micro, utc_now

if TYPE_CHECKING:
    from gatecheck.attest.policy import VerifyPolicy

# Re-exported: callers have always imported these from here.
__all__ = ["REASON_CODES", "AbsentInput", "EnvelopeRecord", "Evidence", "Reason", "VerdictRecord",
           "VerificationResult", "VerifyOptions", "check_envelope", "read_bundle", "verify_bundles", "verify_entries"]

DEFAULT_MAX_ENVELOPE_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_AGE = timedelta(hours=24)
DEFAULT_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class AbsentInput:
    """Input attestations a verdict may list without their being given, and why (recorded in the result).

    ``pattern`` is ``sha256:HEX`` (one input by digest) or a glob over the input's URI
    (``https://builds.example.com/*``); ``*`` allows every input to be elsewhere.
    """

    pattern: str
    reason: str

    def matches(self, uri: str, hexval: str) -> bool:
        if self.pattern.startswith(PREFIX):
            return self.pattern.removeprefix(PREFIX).lower() == hexval
        return fnmatch.fnmatchcase(uri, self.pattern)


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
    #: Predicate types that each need a verified statement about the subject. None: the SLSA
    #: VSA (today's rule), or nothing beyond the policy's word when ``policy`` is given.
    require_predicates: Sequence[str] | None = None
    #: Input attestations a verdict may list without their being here (kept by another system).
    absent_inputs: Sequence[AbsentInput] = ()
    #: The ``resourceUri`` a verdict must carry (SLSA's verification procedure checks it).
    resource_uri: str | None = None
    #: A Rego policy over every verified statement about the subject (:mod:`gatecheck.attest.policy`).
    policy: VerifyPolicy | None = None

    def required(self) -> list[str]:
        """The predicate types that each need a verified statement about the subject."""
        if self.require_predicates is not None:
            return list(dict.fromkeys(self.require_predicates))
        return [] if self.policy is not None else [VSA_PREDICATE_TYPE]

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
        if not self.required() and self.policy is None:
            raise BadInput("nothing would be required: name at least one predicate type, or give a policy",
                           key="--require-predicate")


def read_bundle(path: str | Path) -> list[tuple[str, bytes]]:
    """The attestations of one file as ``(file:line, bytes)``; BadInput (exit 2) if unreadable.

    JSON Lines (blank lines skipped; spaces, tabs and a CR trimmed) or one pretty-printed
    envelope or Sigstore bundle: :func:`gatecheck.attest.sources.split`.
    """
    return read_file(path)


def check_envelope(source: str, raw: bytes, options: VerifyOptions, digest: str | None = None) -> EnvelopeRecord:
    """Parse, check signatures, then (only if they hold) parse the statement, of one envelope or Sigstore bundle.

    ``digest`` is the sha256 hex of ``raw`` when the caller has it already. For a Sigstore
    bundle the record holds the envelope inside it (see :class:`EnvelopeRecord`).
    """
    record = EnvelopeRecord(source, raw, digest or sha256_hex(raw))
    if len(raw) > options.max_envelope_bytes:
        record.problem = Reason(MALFORMED, f"envelope is {len(raw)} bytes, over the {options.max_envelope_bytes}-byte"
                                           " limit", source)
        return record
    try:
        doc = strict_json(raw, "envelope")
        if isinstance(doc, dict) and sigstore.looks_like_bundle(doc):
            envelope, _hint = sigstore.read_bundle_doc(doc)  # the hint, like a keyid, only names a key
            canonical = envelope.to_json()
            record = EnvelopeRecord(source, canonical, sha256_hex(canonical), format="sigstore",
                                    container_digest=record.digest)
        else:
            envelope = envelope_from_doc(doc)
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
    if options.resource_uri is not None and verdict.resource_uri != options.resource_uri:
        reasons.append(Reason("RESOURCE_MISMATCH", f"resourceUri is {verdict.resource_uri!r}, expected "
                                                   f"{options.resource_uri!r}", source))
    if options.stage is not None and verdict.stage != options.stage:
        reasons.append(Reason("STAGE_MISMATCH", f"verdict is for stage {verdict.stage!r}, expected {options.stage!r}",
                              source))
    if verdict.time_verified > now + options.clock_skew:
        reasons.append(Reason("FUTURE_DATED", f"timeVerified {format_micro(verdict.time_verified)} is after "
                                              f"{format_micro(now)} plus the allowed skew of {options.clock_skew}", source))
    elif options.max_age is not None and now - verdict.time_verified > options.max_age:
        reasons.append(Reason("EXPIRED", f"timeVerified {format_micro(verdict.time_verified)} is older than "
                                         f"{options.max_age} at {format_micro(now)}", source))
    if not verdict.inputs and not options.allow_no_inputs:
        reasons.append(Reason("NO_INPUTS", "the verdict lists no input attestation: it vouches for no check",
                              source))
    inputs: list[Statement] = []
    for uri, hexval in verdict.inputs:
        found = by_digest.get(hexval)
        label = uri or prefixed(hexval)
        if found is None:
            allowed = next((a for a in options.absent_inputs if a.matches(uri, hexval)), None)
            if allowed is not None:
                candidate.absent.append({"uri": uri, "digest": prefixed(hexval), "reason": allowed.reason})
                continue
            reasons.append(Reason("INPUT_MISSING", f"input attestation {label} ({prefixed(hexval)}) is not in the bundles",
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


def _check_all(entries: Iterable[tuple[str, bytes]], options: VerifyOptions
               ) -> tuple[list[EnvelopeRecord], dict[str, EnvelopeRecord]]:
    """Check every entry once: identical bytes, or one envelope in two containers, count once."""
    records: list[EnvelopeRecord] = []
    by_digest: dict[str, EnvelopeRecord] = {}
    seen: set[str] = set()
    for source, raw in entries:
        digest = sha256_hex(raw)
        if digest in seen or digest in by_digest:
            continue
        seen.add(digest)
        record = check_envelope(source, raw, options, digest)
        first = by_digest.setdefault(record.digest, record)
        if record.container_digest is not None:
            by_digest.setdefault(record.container_digest, first)
        if first is record:
            records.append(record)
    return records, by_digest


def _missing(ptype: str, subject: dict[str, str], records: list[EnvelopeRecord], fatal: list[Reason]) -> list[Reason]:
    """Why no verified statement of type ``ptype`` is about the subject."""
    problems = [r.problem for r in records if r.problem is not None]
    if fatal or problems:
        return fatal + [p for p in problems if p not in fatal]
    if not records:
        return [Reason("NO_ATTESTATION", "the bundles hold no envelope")]
    verified = [r.statement for r in records if r.statement is not None]
    what = "verdict" if ptype == VSA_PREDICATE_TYPE else f"{ptype} statement"
    digest = ", ".join(f"{k}:{v}" for k, v in subject.items())
    if any(st.predicate_type == ptype for st in verified):
        return [Reason("SUBJECT_MISMATCH", f"no verified {what} is about the artifact {digest}")]
    if any(st.about(subject) for st in verified):
        return [Reason("PREDICATE_TYPE_MISMATCH", f"statements about the artifact verify, but none has predicate "
                                                  f"type {ptype}")]
    return [Reason("SUBJECT_MISMATCH", f"no verified statement is about the artifact {digest}")]


def _verdict_outcome(candidates: list[VerdictRecord], fatal: list[Reason]) -> tuple[list[Reason], VerdictRecord | None]:
    """Today's rule over the evaluated verdicts: the reasons it fails (none: it holds) and the verdict that counts."""
    passing = [c for c in candidates if not c.reasons]
    if passing:
        best = max(passing, key=_precedence)
        assert best.verdict is not None
        chosen = best.verdict
        overruling = [c for c in candidates if c.verdict is not None and supersedes(c.verdict, chosen)]
        if overruling:
            latest = max(overruling, key=_precedence)
            assert latest.verdict is not None
            reason = Reason("RESULT_FAILED", f"a FAILED verdict ({format_micro(latest.verdict.time_verified)}, stage "
                                             f"{latest.verdict.stage or 'any'}) for the same subject and policy, made "
                                             f"no earlier than the PASSED one at {best.record.source} "
                                             f"({format_micro(chosen.time_verified)}), supersedes it",
                            latest.record.source)
            return [*fatal, reason], best
        return list(fatal), best
    freshest = sorted(candidates, key=_precedence, reverse=True)
    return [*fatal, *[r for c in freshest for r in c.reasons]], None


def verify_entries(subject: dict[str, str], entries: Iterable[tuple[str, bytes]], options: VerifyOptions
                   ) -> VerificationResult:
    """Verify ``(source, bytes)`` entries (DSSE envelopes or Sigstore bundles) for the subject with DigestSet
    ``subject``.

    This is the library entry point; it reads no files and raises only for options no
    verification could satisfy (BadInput).
    """
    options.validate()
    now = options.now or utc_now()
    records, by_digest = _check_all(entries, options)
    fatal = [r.problem for r in records if r.problem is not None and r.problem.code == MALFORMED]
    candidates: list[VerdictRecord] = []
    for record in records:
        st = record.statement
        if st is None or not st.about(subject):
            continue
        try:
            if st.predicate_type == VSA_PREDICATE_TYPE:
                candidate = VerdictRecord(record, parse_predicate(st.predicate))
                _evaluate(candidate, by_digest, options, now)
                candidates.append(candidate)
            elif st.predicate_type == PROVENANCE_PREDICATE_TYPE:
                record.facts = provenance_facts(st.predicate)
        except EnvelopeError as exc:
            fatal.append(Reason(exc.code, exc.message, record.source))

    required = options.required()
    if VSA_PREDICATE_TYPE in required:
        reasons, chosen = _verdict_outcome(candidates, fatal)
        if not candidates:
            reasons = _missing(VSA_PREDICATE_TYPE, subject, records, fatal)
    else:
        reasons, chosen = list(fatal), _verdict_outcome(candidates, [])[1]
    about = {r.statement.predicate_type for r in records if r.statement is not None and r.statement.about(subject)}
    for ptype in required:
        if ptype != VSA_PREDICATE_TYPE and ptype not in about:
            reasons += _missing(ptype, subject, records, fatal)
    policy: dict[str, Any] | None = None
    if options.policy is not None:
        if fatal:  # a damaged bundle is never half-trusted, nor shown to a policy
            policy = {**options.policy.describe(), "evaluated": False}
        else:
            statements = [r for r in records if r.statement is not None and r.statement.about(subject)]
            unverified = [r.problem for r in records if r.problem is not None]
            outcome = options.policy.judge(Evidence(dict(subject), statements, candidates, chosen, unverified,
                                                    by_digest, now), options)
            reasons += outcome.reasons
            policy = outcome.to_dict()
    reasons = list(dict.fromkeys(reasons))
    used = {chosen.record.digest} | {h for _, h in chosen.verdict.inputs} if chosen and chosen.verdict else set()
    warnings = [r.problem for r in records if r.problem is not None and r.digest not in used and r.problem not in reasons]
    return VerificationResult(not reasons, dict(subject), reasons, chosen, candidates, records, warnings, required,
                              policy)


def verify_bundles(subject: dict[str, str], bundles: Sequence[str | Path], options: VerifyOptions) -> VerificationResult:
    """Read every attestation file (BadInput if one is unreadable), then :func:`verify_entries` over all of them."""
    options.validate()
    entries: list[tuple[str, bytes]] = []
    for path in bundles:
        entries.extend(read_bundle(path))
    return verify_entries(subject, entries, options)
