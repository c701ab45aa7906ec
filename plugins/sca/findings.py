"""The sca check's findings: advisories of pinned dependencies, advisories a library's declared
ranges admit, and declarations the gate cannot audit.

Advisory findings are one per (package, advisory, declaring file): a package pinned at 2.2.2 in
``requirements.txt`` and at 2.0.0 in ``requirements/dev.txt`` is reported at each file's own
version and line, so each finding is judged where it is. Every finding of a package in one file
carries what a report needs to show the package as one row (``metadata.package_advisories``,
``metadata.fixed_by``, ``metadata.no_fix``, ``metadata.declared_versions``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from packageurl import PackageURL
from packaging.version import Version

from gatecheck.api import SEVERITIES, Finding, Fix, Location, Package, finding_id, format_seconds
from gatecheck_plugins.dependencies import LOCK_KINDS

from .ranges import RangeVerdict
from .severity import Rated, rate
from .titles import advisory_title

if TYPE_CHECKING:
    from pip_audit._service.interface import Dependency, VulnerabilityResult  # type: ignore[import-untyped, unused-ignore]

    from .services import Advisory
    from .sources import Origin, Problem, Ranged

NAME = "sca"
RANGE_RULE = "sca/range-admits-vulnerable"
PROBLEM_RULES = {
    "unpinned": ("sca/unpinned-requirement", "is not pinned"),
    "unaudited": ("sca/unaudited-dependency", "cannot be audited"),
    "missing-hash": ("sca/missing-hash", "has no --hash in a hash-checking requirements file"),
}
#: ``range_severity = "lowered"``: a range that admits a vulnerable release is one step below the advisory.
#: ``unknown`` ranks with ``high`` in the default policy, so one step below it is ``medium``: a library's
#: range over an advisory nobody rated is worth a warning, not a denial.
LOWERED = {"critical": "high", "high": "medium", "medium": "low", "low": "info", "info": "info", "unknown": "medium"}


@dataclass
class Hit:
    """One advisory of one package as one file declares it (a pinned version, or a range)."""

    name: str
    advisory: Advisory
    path: str
    versions: list[str] = field(default_factory=list)
    origins: list[Origin] = field(default_factory=list)
    #: For a declared range: the requirement and what the advisory's affected ranges make of it.
    ranged: Ranged | None = None
    verdict: RangeVerdict | None = None


def _advisory(vuln: VulnerabilityResult) -> Advisory:
    from .services import Advisory

    if isinstance(vuln, Advisory):
        return vuln
    return Advisory(id=vuln.id, description=vuln.description, fix_versions=list(vuln.fix_versions),
                    aliases=set(vuln.aliases), published=vuln.published, summary=vuln.description,
                    record_ids=(vuln.id,))


def _published(moment: datetime | None) -> str | None:
    # pip-audit's services give naive datetimes, in UTC.
    return format_seconds(moment if moment.tzinfo else moment.replace(tzinfo=UTC)) if moment else None


def pinned_hits(results: Iterable[tuple[Dependency, list[VulnerabilityResult]]],
                origins: dict[Dependency, list[Origin]]) -> list[Hit]:
    """Every (package, advisory, file) among pip-audit's results, aliases of one advisory merged."""
    from pip_audit._service.interface import ResolvedDependency  # type: ignore[import-untyped, unused-ignore]

    hits: dict[tuple[str, str, str], Hit] = {}
    for dep, vulns in results:
        if not isinstance(dep, ResolvedDependency):
            continue
        for vuln in vulns:
            advisory = _advisory(vuln)
            for origin in origins.get(dep, []):
                key = (dep.canonical_name, advisory.id, origin.path)
                hit = hits.get(key)
                if hit is None:
                    hit = hits[key] = Hit(dep.canonical_name, advisory, origin.path)
                elif advisory is not hit.advisory:
                    merged = hit.advisory.merge_aliases(advisory)
                    hit.advisory = _advisory(merged)
                if str(dep.version) not in hit.versions:
                    hit.versions.append(str(dep.version))
                if origin not in hit.origins:
                    hit.origins.append(origin)
    return list(hits.values())


def _rated(advisory: Advisory) -> Rated:
    return rate(advisory.severities, advisory.labels)


def _title(name: str, advisory: Advisory) -> str:
    return advisory_title(name, summary=advisory.summary, details=advisory.details,
                          alias_summaries=advisory.alias_summaries, boilerplate=advisory.boilerplate)


def _common_metadata(hit: Hit, rated: Rated) -> dict[str, Any]:
    advisory = hit.advisory
    return {
        "advisory": advisory.id,
        "records": list(advisory.record_ids),
        "alias_records": list(advisory.alias_records),
        "source": advisory.source,
        "published": _published(advisory.published),
        "modified": advisory.modified,
        "cvss": [
            {"type": s.type, "vector": s.vector, "base_score": s.base_score, "severity": s.severity,
             **({"record": s.record} if s.record else {}), **({"error": s.error} if s.error else {})}
            for s in rated.scored
        ],
        # The base score behind the severity, for reports that show a number (SARIF).
        "cvss_score": max((s.base_score for s in rated.scored if s.base_score is not None), default=None),
        "severity_source": rated.source,
        "severity_detail": rated.detail,
        "declared_in": [{"path": o.path, "line": o.line, "kind": o.kind, **({"version": v} if v else {})}
                        for o, v in _origins_with_versions(hit)],
    }


def _origins_with_versions(hit: Hit) -> list[tuple[Origin, str | None]]:
    version = hit.versions[0] if len(hit.versions) == 1 else None
    return [(o, version) for o in hit.origins]


def _references(advisory: Advisory) -> list[str]:
    references = list(advisory.references)
    osv_page = f"https://osv.dev/vulnerability/{advisory.id}"
    if advisory.source != "pypi" and osv_page not in references:
        references.insert(0, osv_page)
    return references[:20]


def advisory_finding(hit: Hit) -> Finding:
    """A pinned version the advisory affects, at the file that pins it."""
    advisory = hit.advisory
    rated = _rated(advisory)
    version = hit.versions[0]
    first = hit.origins[0] if hit.origins else None
    purl = PackageURL(type="pypi", name=hit.name, version=version).to_string()
    described = _title(hit.name, advisory)
    title = f"{hit.name} {version} is affected: {described}" if described else \
        f"{hit.name} {version} is affected by {advisory.id}"
    return Finding(
        id=finding_id(NAME, advisory.id, path=hit.path, key=hit.name),
        check=NAME,
        rule_id=advisory.id,
        title=title[:300],
        severity=rated.severity,  # type: ignore[arg-type]
        confidence="high",
        location=Location(first.path, first.line, first.line) if first else None,
        package=Package(name=hit.name, version=version, purl=purl),
        fix=Fix(versions=[str(v) for v in advisory.fix_versions]),
        references=_references(advisory),
        aliases=sorted(set(advisory.aliases) - {advisory.id}),
        metadata={"kind": "advisory", "versions": hit.versions, "pinned_in": sorted({o.kind for o in hit.origins}),
                  **_common_metadata(hit, rated)},
    )


def chosen_severity(advisory: str, mode: str) -> str:
    """What ``range_severity`` or ``library_pin_severity`` makes of an advisory's severity: one step
    lower (``lowered``), the advisory's own (``advisory``), or a fixed severity."""
    if mode == "lowered":
        return LOWERED[advisory]
    return advisory if mode == "advisory" else mode


#: Where a library pins a version for itself rather than for its users: requirement files and locks.
ENVIRONMENT_PIN_KINDS = frozenset({"requirements", *LOCK_KINDS})


def library_pin(finding: Finding, mode: str) -> None:
    """In a library, an advisory of a version that only a requirements or lock file pins is about the
    project's own development or CI environment (aiohttp's requirements/constraints.txt): its users
    install the declared ranges. It stays a finding, at the severity ``mode`` chooses (see
    :func:`chosen_severity`), and says why."""
    own = finding.severity
    finding.severity = chosen_severity(own, mode)  # type: ignore[assignment]
    finding.metadata["library_environment_pin"] = True
    finding.metadata["advisory_severity"] = own
    # Worded as what the gate knows: a setup.py may still read the file into an extra (celery's
    # requirements/extras/*.txt), which is code the gate does not run.
    why = " (pinned in the library's requirements or lock files, not in its declared dependencies)"
    finding.title = finding.title[:300 - len(why)] + why


def range_finding(hit: Hit, range_severity: str) -> Finding:
    """A declared range that admits versions the advisory affects: raise its lower bound."""
    advisory = hit.advisory
    ranged, verdict = hit.ranged, hit.verdict
    assert ranged is not None and verdict is not None
    rated = _rated(advisory)
    severity = chosen_severity(rated.severity, range_severity)
    described = _title(hit.name, advisory)
    advice = (f"raise the lower bound to >={verdict.raise_to}" if verdict.raise_to is not None
              else "no fixed version is known")
    title = (f"{ranged.requirement} admits versions affected by {advisory.id}"
             + (f" ({described})" if described else "") + f"; {advice}")
    first = hit.origins[0] if hit.origins else ranged.origin
    return Finding(
        id=finding_id(NAME, RANGE_RULE, path=hit.path, key=f"{hit.name}\0{advisory.id}"),
        check=NAME,
        rule_id=RANGE_RULE,
        title=title[:300],
        severity=severity,  # type: ignore[arg-type]
        confidence="high",
        location=Location(first.path, first.line, first.line),
        package=Package(name=hit.name, purl=PackageURL(type="pypi", name=hit.name).to_string()),
        fix=Fix(versions=[str(verdict.raise_to)] if verdict.raise_to is not None else []),
        references=_references(advisory),
        aliases=sorted(set(advisory.aliases) - {advisory.id}),
        metadata={
            "kind": "range",
            "requirement": ranged.requirement,
            "specifier": ranged.specifier,
            "group": ranged.group,
            "admitted": list(verdict.admitted),
            "raise_to": str(verdict.raise_to) if verdict.raise_to is not None else None,
            "advisory_severity": rated.severity,
            **_common_metadata(hit, rated),
        },
    )


def add_package_rows(findings: list[Finding], declared_versions: dict[str, list[dict[str, Any]]]) -> None:
    """Give every advisory and range finding what a one-row-per-package report needs: every advisory
    of the package in that file, the one version that clears them all, and the package's version in
    every file that declares it."""
    groups: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        kind = finding.metadata.get("kind")
        if kind in ("advisory", "range") and finding.package is not None and finding.location is not None:
            groups[(str(kind), finding.package.name, finding.location.path)].append(finding)
    for (_, name, _), group in groups.items():
        minimums: list[Version] = []
        unfixed: list[str] = []
        for finding in group:
            fixes = [Version(v) for v in (finding.fix.versions if finding.fix else [])]
            if fixes:
                minimums.append(min(fixes))
            else:
                unfixed.append(str(finding.metadata["advisory"]))
        ids = sorted(str(f.metadata["advisory"]) for f in group)
        for finding in group:
            finding.metadata["package_advisories"] = ids
            finding.metadata["fixed_by"] = str(max(minimums)) if minimums and not unfixed else None
            finding.metadata["no_fix"] = sorted(unfixed)
            finding.metadata["declared_versions"] = declared_versions.get(name, [])


def problem_findings(problems: Iterable[Problem], severity: str) -> list[Finding]:
    """Declarations the gate cannot vouch for: unpinned (in an application), URL, missing hash."""
    findings: list[Finding] = []
    seen: set[str] = set()
    for problem in problems:
        rule, verb = PROBLEM_RULES[problem.kind]
        fid = finding_id(NAME, rule, path=problem.origin.path, key=f"{problem.name}\0{problem.requirement}")
        if fid in seen:
            continue
        seen.add(fid)
        package = Package(name=problem.name, purl=PackageURL(type="pypi", name=problem.name).to_string()) \
            if problem.name else None
        findings.append(Finding(
            id=fid,
            check=NAME,
            rule_id=rule,
            title=f"{problem.requirement} {verb}: {problem.reason}"[:300],
            severity=severity,  # type: ignore[arg-type]
            confidence="high",
            location=Location(problem.origin.path, problem.origin.line, problem.origin.line),
            package=package,
            metadata={"kind": problem.kind, "requirement": problem.requirement, "declared_in": problem.origin.kind},
        ))
    return findings


def sort_key(finding: Finding) -> tuple[str, str, str]:
    return (finding.package.name if finding.package else "", finding.location.path if finding.location else "",
            finding.rule_id)


RANGE_SEVERITIES = ("lowered", "advisory", *SEVERITIES)


def each_hit(hits: Iterable[Hit], build: Callable[[Hit], Finding]) -> list[Finding]:
    return sorted((build(hit) for hit in hits), key=sort_key)
