"""SLSA Verification Summary Attestation v1: gatecheck's signed verdict about a subject.

Every required field of the VSA v1 predicate is written: ``verifier.id``, ``timeVerified``,
``resourceUri``, ``policy {uri, digest}``, ``inputAttestations`` and ``verificationResult``,
plus ``verifiedLevels`` and ``slsaVersion``. gatecheck verifies no SLSA build track, so it
claims no ``SLSA_*`` level: a passing verdict lists the custom level ``GATECHECK_STAGE_<STAGE>``
(custom values are allowed as long as they do not start with ``SLSA_``) and a failing one
lists ``FAILED``. The stage is also written as the extension field :data:`STAGE_FIELD`
(the VSA spec lets producers add fields whose names are URIs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gatecheck.attest.dsse import MALFORMED, EnvelopeError
from gatecheck.attest.statement import ACCEPTED_DIGESTS
from gatecheck.timestamps import format_micro, parse_rfc3339

#: Extension field (a URI, as the spec requires) holding the gate stage of the verdict.
STAGE_FIELD = "https://gatecheck.dev/attestation/vsa/stage"
#: Extension field holding the policy decision ({allow, deny[], warn[], waived[]}) of the run.
DECISION_FIELD = "https://gatecheck.dev/attestation/vsa/decision"
#: Extension field listing the waivers the decision applied: [{id, expires, owner, reason, ticket}].
WAIVERS_FIELD = "https://gatecheck.dev/attestation/vsa/waivers"
#: Extension field: where the configuration, waivers and policy came from (the repository itself, an
#: operator's directory, or a trusted git ref with its commit), so a verifier can tell a pull
#: request judged by its own configuration from one judged by the base branch's.
CONFIG_SOURCE_FIELD = "https://gatecheck.dev/attestation/vsa/config-source"
SLSA_VERSION = "1.0"
RESULTS = ("PASSED", "FAILED")
#: The in-toto Simple Verification Result predicate (attestation framework v1.2), written beside the VSA on request.
SVR_PREDICATE_TYPE = "https://in-toto.io/attestation/svr/v0.1"

def predicate(
    *,
    verifier_id: str,
    verifier_version: str,
    time_verified: datetime,
    resource_uri: str,
    policy_uri: str,
    policy_digest: str,
    input_digests: list[tuple[str, str]],
    passed: bool,
    stage: str,
    extensions: dict[str, Any] | None = None,
    input_names: list[str] | None = None,
) -> dict[str, Any]:
    """Build a VSA v1 predicate; ``input_digests`` pairs an attestation URI with its sha256 hex, and
    ``input_names`` (when given) names each (the ResourceDescriptor ``name``: what the input is).
    ``extensions`` adds fields named by URIs (as the VSA spec requires of extensions)."""
    inputs: list[dict[str, Any]] = [{"uri": uri, "digest": {"sha256": hexval}} for uri, hexval in input_digests]
    for entry, name in zip(inputs, input_names or [], strict=False):
        entry["name"] = name
    return {
        "verifier": {"id": verifier_id, "version": {"gatecheck": verifier_version}},
        "timeVerified": format_micro(time_verified),
        "resourceUri": resource_uri,
        "policy": {"uri": policy_uri, "digest": {"sha256": policy_digest}},
        "inputAttestations": inputs,
        "verificationResult": "PASSED" if passed else "FAILED",
        "verifiedLevels": [f"GATECHECK_STAGE_{stage.upper()}"] if passed else ["FAILED"],
        "slsaVersion": SLSA_VERSION,
        STAGE_FIELD: stage,
        **(extensions or {}),
    }


def svr_predicate(*, verifier_id: str, time_created: datetime, properties: list[str],
                  policy_uri: str, policy_digest: str) -> dict[str, Any]:
    """The Simple Verification Result predicate: who verified, when, and the properties that passed.

    The policy is the optional verifier extension the SVR spec shows (``verifier.policy``).
    """
    return {
        "verifier": {"id": verifier_id, "policy": {"uri": policy_uri, "digest": {"sha256": policy_digest}}},
        "timeCreated": format_micro(time_created),
        "properties": properties,
    }


@dataclass(frozen=True)
class Verdict:
    """A parsed VSA predicate: the fields a verifier decides on."""

    verifier_id: str
    time_verified: datetime
    resource_uri: str
    policy_uri: str
    policy_digest: dict[str, str]
    inputs: tuple[tuple[str, str], ...]
    result: str
    verified_levels: tuple[str, ...]
    stage: str | None

    @property
    def passed(self) -> bool:
        return self.result == "PASSED"


def precedence(verdict: Verdict) -> tuple[datetime, bool]:
    """Sort key of verdicts about one subject: the later one wins, and at the same instant FAILED wins.

    A tie must not go to PASSED: two runs that finish together, one denied, would otherwise
    leave the artifact deployable.
    """
    return verdict.time_verified, not verdict.passed


def supersedes(failed: Verdict, passed: Verdict) -> bool:
    """Whether the FAILED verdict ``failed`` overrules the PASSED verdict ``passed`` about the same subject.

    It does when it is by the same verifier, under the same policy (a DigestSet that shares
    a value, or both empty), for the same stage, and not older (:func:`precedence`: a tie
    goes to FAILED). A verdict that names no stage speaks for every stage, so a stage-less
    FAILED verdict overrules a PASSED one made for any stage, and the other way round.
    This is the one rule for which verdict counts: the verifier, and through it the store's
    admission decisions, use it.
    """
    return (
        not failed.passed
        and passed.passed
        and failed.verifier_id == passed.verifier_id
        and (failed.stage is None or passed.stage is None or failed.stage == passed.stage)
        and _same_policy(failed.policy_digest, passed.policy_digest)
        and precedence(failed) > precedence(passed)
    )


def _same_policy(a: dict[str, str], b: dict[str, str]) -> bool:
    if not a and not b:
        return True
    return any(alg in b and b[alg] == value for alg, value in a.items())


def _require(doc: dict[str, Any], key: str, kind: type, where: str = "predicate") -> Any:
    value = doc.get(key)
    if not isinstance(value, kind) or (isinstance(value, str | list | dict) and not value and key != "inputAttestations"):
        raise EnvelopeError(MALFORMED, f"VSA {where}.{key} is missing or not a {kind.__name__}")
    return value


def parse_predicate(doc: dict[str, Any]) -> Verdict:
    """Check a VSA v1 predicate has every required field in the right shape; EnvelopeError(MALFORMED) if not."""
    verifier = _require(doc, "verifier", dict)
    verifier_id = _require(verifier, "id", str, "predicate.verifier")
    time_text = _require(doc, "timeVerified", str)
    try:
        time_verified = parse_rfc3339(time_text)
    except ValueError as exc:
        raise EnvelopeError(MALFORMED, f"VSA timeVerified: {exc}") from None
    resource_uri = _require(doc, "resourceUri", str)
    policy = _require(doc, "policy", dict)
    policy_uri = _require(policy, "uri", str, "predicate.policy")
    policy_digest = policy.get("digest", {})
    if not isinstance(policy_digest, dict) or not all(isinstance(v, str) for v in policy_digest.values()):
        raise EnvelopeError(MALFORMED, "VSA predicate.policy.digest is not a DigestSet")
    inputs_doc = doc.get("inputAttestations", [])
    if not isinstance(inputs_doc, list):
        raise EnvelopeError(MALFORMED, "VSA predicate.inputAttestations is not a list")
    inputs: list[tuple[str, str]] = []
    for i, entry in enumerate(inputs_doc):
        digest = entry.get("digest") if isinstance(entry, dict) else None
        hexval = digest.get("sha256") if isinstance(digest, dict) else None
        if not isinstance(hexval, str) or len(hexval) != ACCEPTED_DIGESTS["sha256"] or not re.fullmatch("[0-9a-f]+", hexval):
            raise EnvelopeError(MALFORMED, f"VSA inputAttestations[{i}] has no sha256 digest")
        uri = entry.get("uri", "") if isinstance(entry, dict) else ""
        inputs.append((uri if isinstance(uri, str) else "", hexval))
    result = _require(doc, "verificationResult", str)
    if result not in RESULTS:
        raise EnvelopeError(MALFORMED, f"VSA verificationResult is {result!r}, not PASSED or FAILED")
    levels = doc.get("verifiedLevels")
    if not isinstance(levels, list) or not all(isinstance(v, str) for v in levels):
        raise EnvelopeError(MALFORMED, "VSA predicate.verifiedLevels is missing or not a list of strings")
    stage = doc.get(STAGE_FIELD)
    return Verdict(
        verifier_id=verifier_id,
        time_verified=time_verified,
        resource_uri=resource_uri,
        policy_uri=policy_uri,
        policy_digest=dict(policy_digest),
        inputs=tuple(inputs),
        result=result,
        verified_levels=tuple(levels),
        stage=stage if isinstance(stage, str) else None,
    )
