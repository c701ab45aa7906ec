"""Turns an engine's answer into a :class:`~gatecheck.model.Decision`, failing closed.

Every way the policy can fail to give a clear verdict becomes a deny with a stable rule id:

=================================== ==========================================================
``gatecheck.policy.empty``          the bundle has no policy module
``gatecheck.policy.invalid_input``  the input does not match schemas/policy-input.schema.json
``gatecheck.policy.engine_selftest`` the engine got a canary conformance case wrong
``gatecheck.policy.engine_error``   the engine failed (crash, unreachable server, conflict)
``gatecheck.policy.timeout``        the engine did not answer in time
``gatecheck.policy.undefined``      the entrypoint is undefined
``gatecheck.policy.malformed``      the answer does not match schemas/decision.schema.json
=================================== ==========================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gatecheck import validation
from gatecheck.gcpause import while_paused
from gatecheck.model import Decision, DecisionEntry
from gatecheck.policy import selftest
from gatecheck.policy.engines import EngineError, EngineTimeout, PolicyEngine
from gatecheck.policy.policy_bundle import DEFAULT_ENTRYPOINT, Bundle


def _deny(rule: str, message: str, engine: str, digest: str) -> Decision:
    return Decision(allow=False, deny=[DecisionEntry(rule, message)], engine=engine, policy_digest=digest or None)


@while_paused
def decide(
    engine: PolicyEngine,
    bundle: Bundle,
    policy_input: Mapping[str, Any],
    *,
    entrypoint: str = DEFAULT_ENTRYPOINT,
    self_test: bool = True,
) -> Decision:
    """Evaluate the entrypoint and return the decision; anything unclear is a deny."""
    digest = bundle.digest
    try:
        label = f"{engine.name} ({engine.version()})"
    except Exception as exc:
        return _deny("gatecheck.policy.engine_error", f"policy engine {engine.name} is unusable: {exc}", engine.name, digest)

    def deny(rule: str, message: str) -> Decision:
        return _deny(rule, message, label, digest)

    if bundle.empty:
        return deny("gatecheck.policy.empty", f"policy bundle {bundle.source} holds no Rego module; an empty policy never passes")
    problem = input_problem(policy_input)
    if problem:
        return deny("gatecheck.policy.invalid_input", f"policy input is invalid at {problem[0]}: {problem[1]}")
    try:
        if self_test:
            selftest.ensure(engine)
    except EngineError as exc:
        return deny("gatecheck.policy.engine_selftest", str(exc))
    try:
        result = engine.evaluate(bundle, entrypoint, policy_input)
    except EngineTimeout as exc:
        return deny("gatecheck.policy.timeout", f"policy evaluation timed out: {exc}")
    except EngineError as exc:
        return deny("gatecheck.policy.engine_error", f"policy engine {engine.name} failed: {exc}")
    if not result.defined:
        return deny("gatecheck.policy.undefined", f"{entrypoint} is undefined for this input; an undefined decision never passes")
    return parse_decision(result.value, label, digest, entrypoint)


def input_problem(policy_input: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first reason the input is not a policy input, as ``(key path, message)``.

    The whole document, findings included, is validated against
    schemas/policy-input.schema.json, plus the one rule a schema cannot state: every
    finding's check is listed in ``checks``.
    """
    problem = validation.first_error("policy-input", policy_input)
    if problem:
        return problem
    checks = policy_input["checks"]
    findings = policy_input["findings"]
    if {f["check"] for f in findings} <= checks.keys():
        return None
    for i, f in enumerate(findings):
        if f["check"] not in checks:
            return f"findings[{i}].check", f"check {f['check']!r} is not listed in checks"
    return None


def decision_problem(value: Any) -> tuple[str, str] | None:
    """The first way ``value`` breaks schemas/decision.schema.json, or None."""
    return validation.first_error("decision", value)


def parse_decision(value: Any, engine: str, digest: str, entrypoint: str = DEFAULT_ENTRYPOINT) -> Decision:
    """Validate the entrypoint's value against the decision schema and convert it."""
    problem = decision_problem(value)
    if problem:
        message = f"{entrypoint} is malformed at {problem[0]}: {problem[1]}"
        return _deny("gatecheck.policy.malformed", message, engine, digest)

    def entries(key: str) -> list[DecisionEntry]:
        get = dict.get
        return [DecisionEntry(e["rule"], e["message"], get(e, "finding_id"), get(e, "check"), get(e, "waiver_id"))
                for e in value[key]]

    deny = entries("deny")
    if value["allow"] and deny:
        message = f"{entrypoint} allows while listing {len(deny)} deny reason(s)"
        return _deny("gatecheck.policy.malformed", message, engine, digest)
    return Decision(allow=bool(value["allow"]), deny=deny, warn=entries("warn"), waived=entries("waived"),
                    engine=engine, policy_digest=digest or None)
