"""Builds the policy input (``schemas/policy-input.schema.json``) from a gate run.

Values that engines disagree on or that are awkward in Rego are computed here: times in
nanoseconds, whether each waiver has expired and which findings it selects, and the SBOM
facts (components and their licence ids) read from the CycloneDX document a check emitted.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from gatecheck import git
from gatecheck import waivers as waivers_mod
from gatecheck.gcpause import while_paused
from gatecheck.model import CheckResult, Finding

CYCLONEDX_JSON = "application/vnd.cyclonedx+json"
_SPDX_OPERATORS = {"AND", "OR", "WITH"}


def to_ns(moment: dt.datetime) -> int:
    """Nanoseconds since the Unix epoch, exactly (no float rounding)."""
    delta = moment.astimezone(dt.UTC) - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def unique_findings(results: list[CheckResult]) -> list[Finding]:
    """Every finding once: a repeated id (a check reporting one problem twice) is kept once."""
    seen: set[str] = set()
    out: list[Finding] = []
    for result in results:
        for finding in result.findings:
            if finding.id not in seen:
                seen.add(finding.id)
                out.append(finding)
    return out


def license_ids(entry: dict[str, Any]) -> list[str]:
    """Licence ids (or names) of one CycloneDX ``licenses`` entry; expressions are split into ids."""
    if isinstance(entry.get("expression"), str):
        tokens = re.split(r"[\s()]+", entry["expression"])
        return [t for t in tokens if t and t.upper() not in _SPDX_OPERATORS]
    lic = entry.get("license")
    if isinstance(lic, dict):
        value = lic.get("id") or lic.get("name")
        return [value] if isinstance(value, str) and value else []
    return []


def sbom_facts(results: list[CheckResult]) -> dict[str, Any] | None:
    """Components and licences from the first CycloneDX JSON artifact, or None when no check made one."""
    for result in results:
        if result.status != "ok":
            continue
        for artifact in result.artifacts:
            if artifact.media_type != CYCLONEDX_JSON or not isinstance(artifact.content, dict):
                continue
            components = []
            all_licenses: set[str] = set()
            for comp in _walk_components(artifact.content.get("components") or []):
                ids = sorted({i for entry in comp.get("licenses") or [] if isinstance(entry, dict) for i in license_ids(entry)})
                all_licenses.update(ids)
                components.append({
                    "name": str(comp.get("name", "")),
                    "version": comp.get("version"),
                    "purl": comp.get("purl"),
                    "type": comp.get("type"),
                    "licenses": ids,
                })
            return {"check": result.check, "components": components, "licenses": sorted(all_licenses)}
    return None


def _walk_components(components: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for comp in components:
        if isinstance(comp, dict):
            out.append(comp)
            out.extend(_walk_components(comp.get("components") or []))
    return out


def git_context(root: Path) -> dict[str, Any] | None:
    """Commit, branch and dirty flag of the repository at ``root``, or None outside one."""
    commit = git.output(root, "rev-parse", "HEAD")
    if commit is None:
        return None
    branch = git.output(root, "rev-parse", "--abbrev-ref", "HEAD")
    status = git.output(root, "status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "branch": branch if branch != "HEAD" else None,
            "dirty": bool(status) if status is not None else None}


@while_paused
def build(
    results: list[CheckResult],
    *,
    stage: str,
    now: dt.datetime,
    waivers: list[waivers_mod.Waiver] | None = None,
    environment: str | None = None,
    git: dict[str, Any] | None = None,
    subject: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The input document the policy judges."""
    findings = unique_findings(results)
    checks = {}
    for r in results:
        checks[r.check] = {"status": r.status, "summary": dict(r.summary), "error": r.error}
    return {
        "subject": list(subject or []),
        "context": {"stage": stage, "environment": environment, "git": git, "now_ns": to_ns(now)},
        "checks": checks,
        "findings": [f.to_dict() for f in findings],
        "waivers": waivers_mod.policy_input(waivers or [], findings, now),
        "suppressions": [{"check": r.check, **s.to_dict()} for r in results for s in r.suppressions],
        "sbom": sbom_facts(results),
    }
