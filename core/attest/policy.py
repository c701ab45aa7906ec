"""Verify-time policy: a Rego policy over every verified statement about an artifact.

``gatecheck verify --policy DIR`` and ``gatecheck serve --policy DIR`` load a policy bundle with
the same loader and engines as ``gatecheck run`` (:mod:`gatecheck.policy`: a directory or an OPA
``.tar.gz``, the ``embedded`` or the ``opa`` engine, the engine self-test) and evaluate
``data.gatecheck.verify.decision`` with the input document
``schemas/verify-policy-input.schema.json`` describes (:func:`build_input`): the verified
statements (provenance, SBOMs, VSAs, check results, anything else), the VSAs with the
verifier's own rules applied, facts computed in Python (times in nanoseconds, the provenance's
builder and source), and what did not verify.

The answer is ``{allow, deny[], warn[]}`` (``schemas/verify-decision.schema.json``). It fails
closed: a denial is ``POLICY_DENIED`` (one reason per deny entry); an undefined decision, an
engine error or timeout, a failed self-test, a malformed answer, or ``allow`` beside a deny
entry is ``POLICY_ERROR``. Signatures are checked before a policy sees anything, and a
damaged bundle is never shown to it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gatecheck import validation
from gatecheck.attest import CHECK_RESULT_PREDICATE_TYPE, CYCLONEDX_PREDICATE_TYPE
from gatecheck.attest.reasons import Reason
from gatecheck.attest.records import EnvelopeRecord, Evidence, VerdictRecord
from gatecheck.errors import BadInput
from gatecheck.policy.engines import EngineError, EngineSettings, EngineTimeout, PolicyEngine
from gatecheck.policy.policy_bundle import Bundle
from gatecheck.timestamps import format_micro

if TYPE_CHECKING:
    from gatecheck.attest.verify import VerifyOptions
    from gatecheck.plugin_manager import Plugins

#: The rule a verify-time policy defines.
VERIFY_ENTRYPOINT = "data.gatecheck.verify.decision"
INPUT_SCHEMA = "verify-policy-input"
DECISION_SCHEMA = "verify-decision"
POLICY_DENIED = "POLICY_DENIED"
POLICY_ERROR = "POLICY_ERROR"


@dataclass(frozen=True)
class PolicyOutcome:
    """What the policy said: its deny and warn entries, or why it could not say anything."""

    allow: bool
    deny: list[dict[str, str]] = field(default_factory=list)
    warn: list[dict[str, str]] = field(default_factory=list)
    error: str | None = None
    described: dict[str, Any] = field(default_factory=dict)

    @property
    def reasons(self) -> list[Reason]:
        """The verifier's reasons for this outcome: none when it allows."""
        source = str(self.described.get("source", ""))
        if self.error is not None:
            return [Reason(POLICY_ERROR, self.error, source)]
        if self.allow:
            return []
        if not self.deny:
            return [Reason(POLICY_DENIED, "the policy does not allow, and names no deny entry", source)]
        return [Reason(POLICY_DENIED, f"{e['rule']}: {e['message']}", source) for e in self.deny]

    def to_dict(self) -> dict[str, Any]:
        return {**self.described, "evaluated": True, "allow": self.allow and self.error is None,
                "deny": list(self.deny), "warn": list(self.warn), "error": self.error}


class VerifyPolicy:
    """A loaded policy bundle and the engine that evaluates it."""

    def __init__(self, bundle: Bundle, engine: PolicyEngine, entrypoint: str = VERIFY_ENTRYPOINT) -> None:
        self.bundle = bundle
        self.engine = engine
        self.entrypoint = entrypoint

    @classmethod
    def load(cls, path: str | Path, *, engine: str = "embedded", settings: EngineSettings | None = None,
             plugins: Plugins | None = None) -> VerifyPolicy:
        """Load the bundle at ``path`` and create the engine; BadInput (exit 2) when either is unusable.

        An empty bundle is refused here: it could never pass, and saying so before anything
        is verified is clearer than a denial.
        """
        from gatecheck.policy import create_engine
        from gatecheck.policy import policy_bundle as bundle_mod

        loaded = bundle_mod.load(path)
        if loaded.empty:
            raise BadInput("the policy bundle holds no Rego module; an empty policy never passes", path=path,
                           key="--policy")
        try:
            created = create_engine(engine, settings or EngineSettings())
        except EngineError as exc:
            where = " (verify and serve find the OPA server at $GATECHECK_OPA_URL)" if engine == "opa" else ""
            raise BadInput(f"policy engine {engine} cannot be used: {exc}{where}", key="--engine") from None
        # Compile now: a syntax error is bad input naming its file and line (exit 2), found before any
        # verification rather than reported as a POLICY_ERROR on every one. An empty input may well
        # make the policy fail to evaluate; judging real input is what decides.
        with contextlib.suppress(EngineError):
            created.evaluate(loaded, VERIFY_ENTRYPOINT, {})
        return cls(loaded, created)

    def describe(self) -> dict[str, Any]:
        """Which policy decided: its source, digest, engine and entrypoint."""
        return {"source": self.bundle.source, "digest": self.bundle.digest, "engine": self.engine.name,
                "entrypoint": self.entrypoint}

    def judge(self, evidence: Evidence, options: VerifyOptions) -> PolicyOutcome:
        """Evaluate the policy over the evidence; every way of not deciding is a POLICY_ERROR outcome."""
        from gatecheck.policy import selftest

        described = self.describe()

        def error(message: str) -> PolicyOutcome:
            return PolicyOutcome(False, error=message, described=described)

        document = build_input(evidence, options)
        problem = validation.first_error(INPUT_SCHEMA, document)
        if problem is not None:  # a bug in build_input: never let a policy judge a document it was not promised
            return error(f"the policy input is invalid at {problem[0]}: {problem[1]}")
        try:
            selftest.ensure(self.engine)
            result = self.engine.evaluate(self.bundle, self.entrypoint, document)
        except EngineTimeout as exc:
            return error(f"policy evaluation timed out: {exc}")
        except EngineError as exc:
            return error(f"policy engine {self.engine.name} failed: {exc}")
        if not result.defined:
            return error(f"{self.entrypoint} is undefined for this input; an undefined decision never passes")
        problem = validation.first_error(DECISION_SCHEMA, result.value)
        if problem is not None:
            return error(f"{self.entrypoint} is malformed at {problem[0]}: {problem[1]}")
        value = result.value

        def entries(key: str) -> list[dict[str, str]]:
            return [{"rule": e["rule"], "message": e["message"]} for e in value.get(key, [])]

        deny, warn = entries("deny"), entries("warn")
        if value["allow"] and deny:
            return error(f"{self.entrypoint} allows while listing {len(deny)} deny entr{'y' if len(deny) == 1 else 'ies'}")
        return PolicyOutcome(bool(value["allow"]), deny, warn, None, described)


def _signers(record: EnvelopeRecord) -> list[str]:
    return sorted(record.signatures.accepted) if record.signatures else []


def _verdict(candidate: VerdictRecord, evidence: Evidence, now_ns: int) -> dict[str, Any]:
    from gatecheck.policy.inputs import to_ns

    v = candidate.verdict
    assert v is not None
    record = candidate.record
    inputs = []
    for uri, hexval in v.inputs:
        found = evidence.by_digest.get(hexval)
        inputs.append({"uri": uri, "digest": {"sha256": hexval}, "present": found is not None,
                       "verified": found is not None and found.statement is not None})
    verified_ns = to_ns(v.time_verified)
    return {
        "source": record.source, "digest": {"sha256": record.digest}, "signers": _signers(record),
        "verifier": v.verifier_id, "result": v.result, "timeVerified": format_micro(v.time_verified),
        "timeVerified_ns": verified_ns, "age_ns": now_ns - verified_ns, "resourceUri": v.resource_uri,
        "policy": {"uri": v.policy_uri, "digest": dict(v.policy_digest)}, "stage": v.stage,
        "verifiedLevels": list(v.verified_levels), "inputs": inputs, "absentInputs": list(candidate.absent),
        "passes": not candidate.reasons, "reasons": [r.to_dict() for r in candidate.reasons],
        "chosen": candidate is evidence.chosen,
    }


def _sbom(record: EnvelopeRecord) -> dict[str, Any]:
    from gatecheck.model import Artifact, CheckResult, Tool
    from gatecheck.policy.inputs import CYCLONEDX_JSON, sbom_facts

    assert record.statement is not None
    # The same facts the run-time policy sees as `sbom`, from the same function.
    result = CheckResult(check="sbom", tool=Tool("attestation", "1"),
                         artifacts=[Artifact(name="sbom", media_type=CYCLONEDX_JSON, content=record.statement.predicate)])
    found = sbom_facts([result]) or {"components": [], "licenses": []}
    return {"source": record.source, "components": found["components"], "licenses": found["licenses"]}


def _checks(evidence: Evidence) -> dict[str, dict[str, Any]]:
    chosen = evidence.chosen.verdict if evidence.chosen else None
    checks: dict[str, dict[str, Any]] = {}
    for _, hexval in chosen.inputs if chosen else ():
        found = evidence.by_digest.get(hexval)
        st = found.statement if found else None
        if st is None or st.predicate_type != CHECK_RESULT_PREDICATE_TYPE or not isinstance(st.predicate.get("check"), str):
            continue
        p = st.predicate
        summary, error, tool = p.get("summary"), p.get("error"), p.get("tool")
        checks[p["check"]] = {"status": str(p.get("status")), "summary": summary if isinstance(summary, dict) else {},
                              "error": error if isinstance(error, str) else None,
                              "tool": tool if isinstance(tool, dict) else None}
    return checks


def build_input(evidence: Evidence, options: VerifyOptions) -> dict[str, Any]:
    """The policy input document (``schemas/verify-policy-input.schema.json``) for ``evidence``."""
    from gatecheck.policy.inputs import to_ns

    now_ns = to_ns(evidence.now)
    statements = []
    provenance = []
    sboms = []
    for record in evidence.statements:
        st = record.statement
        assert st is not None
        statements.append({"source": record.source, "format": record.format, "digest": {"sha256": record.digest},
                           "signers": _signers(record), "predicateType": st.predicate_type,
                           "subject": [s.to_dict() for s in st.subject], "predicate": st.predicate})
        if record.facts is not None:
            provenance.append({"source": record.source, "digest": {"sha256": record.digest},
                               "signers": _signers(record), **record.facts})
        if st.predicate_type == CYCLONEDX_PREDICATE_TYPE:
            sboms.append(_sbom(record))
    max_age = options.max_age
    return {
        "artifact": {"digest": dict(evidence.subject)},
        "context": {"now_ns": now_ns, "verifier_id": options.verifier_id, "stage": options.stage,
                    "policy_digest": options.policy_digest,
                    "max_age_ns": max_age // timedelta(microseconds=1) * 1000 if max_age is not None else None,
                    "trusted_keys": sorted({k.keyid for k in options.keys}), "threshold": options.threshold},
        "statements": statements,
        "verdicts": [_verdict(c, evidence, now_ns) for c in evidence.verdicts],
        "provenance": provenance,
        "sboms": sboms,
        "checks": _checks(evidence),
        "unverified": [r.to_dict() for r in evidence.unverified],
    }
