"""TEMPORARY decision by severity threshold, used until the Rego policy engine lands (issue 3).

It follows the same fail-closed rules the default policy will: a check that errored or
timed out denies, an empty set of checks denies, and any finding at or above the
threshold denies. The result has the policy decision's shape, so reporters and
attestations do not change when the Rego engine replaces it.
"""

from __future__ import annotations

from gatecheck.model import SEVERITY_RANK, CheckResult, Decision, DecisionEntry

ENGINE_NAME = "threshold (temporary)"


def decide(results: list[CheckResult], fail_on: str = "high") -> Decision:
    """Deny on errored checks, on no checks, and on findings at or above ``fail_on``."""
    deny: list[DecisionEntry] = []
    warn: list[DecisionEntry] = []
    if not results:
        deny.append(DecisionEntry("gatecheck.no_checks", "no checks ran; an empty gate never passes"))
    elif not any(r.status == "ok" for r in results):
        deny.append(DecisionEntry("gatecheck.nothing_checked", "every check was skipped; nothing was checked"))
    limit = SEVERITY_RANK[fail_on]
    for result in results:
        if result.status in ("error", "timeout"):
            deny.append(DecisionEntry(
                "gatecheck.check_failed",
                f"check {result.check} ended with status {result.status}: {result.error}",
                check=result.check,
            ))
        elif result.status == "skipped":
            warn.append(DecisionEntry(
                "gatecheck.check_skipped", f"check {result.check} was skipped: {result.error or 'no reason given'}",
                check=result.check,
            ))
        for finding in result.findings:
            entry = DecisionEntry(
                f"severity.{finding.severity}",
                f"{finding.rule_id}: {finding.title}",
                finding_id=finding.id,
                check=finding.check,
            )
            (deny if SEVERITY_RANK[finding.severity] >= limit else warn).append(entry)
    return Decision(allow=not deny, deny=deny, warn=warn, engine=ENGINE_NAME)
