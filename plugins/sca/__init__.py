"""Check ``sca``: known-vulnerable Python dependencies, with pip-audit as the engine.

Dependency files are found, read and parsed by the dependency inventory the sbom check shares
(:mod:`gatecheck_plugins.dependencies`: through the repository view, includes confined to the
tree), and turned into pinned dependencies statically (:mod:`.sources`); pip-audit's ``Auditor``
queries a vulnerability service for each and merges aliases of one advisory. The service is, by
default, the offline OSV database (:mod:`.database`), a configuration-side file; with
``--online`` the operator may choose pip-audit's OSV or PyPI services instead (:mod:`.services`).

Findings:

- ``<advisory id>`` (``PYSEC-2023-62``, ``GHSA-...``): one per (package, advisory), with
  the aliases, the fix versions above the pinned one, the purl and a severity derived from
  the advisory's CVSS v3.x/v4 vectors (:mod:`.severity`), or ``unknown``;
- ``sca/unpinned-requirement``, ``sca/unaudited-dependency``, ``sca/missing-hash``: declared
  dependencies the gate cannot vouch for;
- ``sca/database-stale``: the offline database is older than ``max_age_days``.

A service that cannot answer, or answers 404, ends the check with ``status: error``.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packageurl import PackageURL

from gatecheck import hookimpl
from gatecheck.checks import RUN_EXCLUDE, Check, CheckContext, nothing_scanned
from gatecheck.cli.db_cmd import default_database_path
from gatecheck.errors import CheckFailed
from gatecheck.model import SEVERITIES, CheckResult, Finding, Fix, Location, Package, Tool, finding_id, severity_counts
from gatecheck.repository import OutsideRepository
from gatecheck_plugins import dependencies

from .database import DatabaseError, OsvDatabase, companion_files
from .severity import severity_of

if TYPE_CHECKING:
    from pip_audit._service.interface import Dependency, VulnerabilityResult, VulnerabilityService

    from .services import Advisory
    from .sources import Collected, Origin, Problem

# pip-audit is imported only inside ``run``: importing it makes pip-api run ``pip --version``
# in a subprocess (about a second on a loaded machine), which every gatecheck command would
# otherwise pay just by loading this plugin.

#: pip-audit's defaults, repeated here so the options schema needs no pip-audit import.
OSV_QUERY_URL = "https://api.osv.dev/v1/query"
PYPI_JSON_API = "https://pypi.org/pypi/"

__version__ = "1.1.0"

NAME = "sca"
SERVICES = ("offline", "osv", "pypi")
PROBLEM_RULES = {
    "unpinned": ("sca/unpinned-requirement", "is not pinned"),
    "unaudited": ("sca/unaudited-dependency", "cannot be audited"),
    "missing-hash": ("sca/missing-hash", "has no --hash in a hash-checking requirements file"),
}
STALE_RULE = "sca/database-stale"


def _pip_audit_version() -> str:
    try:
        return importlib_metadata.version("pip-audit")
    except importlib_metadata.PackageNotFoundError:  # pragma: no cover - a declared dependency
        return "unknown"


@dataclass
class _Hit:
    """One (package, advisory) pair with every place the package is declared."""

    name: str
    advisory: Advisory
    versions: list[str] = field(default_factory=list)
    origins: list[Origin] = field(default_factory=list)


class ScaCheck:
    """Audits Python dependency files (and optionally an installed environment) for known vulnerabilities."""

    name = NAME
    version = __version__
    description = "Known-vulnerable Python dependencies (pip-audit over an offline OSV database, or online services)."
    options_schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "service": {
                "enum": list(SERVICES),
                "default": "offline",
                "description": "Where advisories come from: the offline OSV database, or (with --online) "
                               "pip-audit's OSV or PyPI service.",
            },
            "database": {
                "type": "string", "minLength": 1, "x-gatecheck-path": "config",
                "description": "The offline OSV database: a directory or zip of OSV JSON records, relative to the "
                               "configuration's source (the project, or the trusted source in trusted mode). "
                               "Default: $GATECHECK_OSV_DB, else where `gatecheck db update` writes.",
            },
            "max_age_days": {
                "type": "number", "exclusiveMinimum": 0, "default": 7,
                "description": "Warn (finding sca/database-stale) when the offline database is older than this.",
            },
            "stale_severity": {"enum": list(SEVERITIES), "default": "medium",
                               "description": "Severity of the sca/database-stale finding."},
            "unpinned_severity": {"enum": list(SEVERITIES), "default": "high",
                                  "description": "Severity of dependencies the gate cannot audit (unpinned, URL, no hash)."},
            "files": {
                "type": "array", "items": {"type": "string", "minLength": 1}, "x-gatecheck-path": "tree",
                "description": "Globs (relative to the project root) of dependency files. Default: requirements*.txt, "
                               "requirements/*.txt, pylock*.toml, uv.lock, poetry.lock, pyproject.toml anywhere.",
            },
            "environment": {
                "type": "string", "minLength": 1, "x-gatecheck-path": "tree",
                "description": "Also audit the distributions installed in this virtual environment (or site-packages), "
                               "a directory inside the project.",
            },
            "osv_url": {"type": "string", "minLength": 1, "default": OSV_QUERY_URL, "x-gatecheck-operator": True,
                        "description": "OSV query API endpoint for service = \"osv\" (operator only)."},
            "pypi_url": {"type": "string", "minLength": 1, "default": PYPI_JSON_API, "x-gatecheck-operator": True,
                         "description": "Base of a PyPI JSON API (…/pypi/) for service = \"pypi\" (operator only)."},
            "request_timeout": {"type": "number", "exclusiveMinimum": 0, "default": 30,
                                "description": "Seconds to wait for an online service."},
            "required": {"type": "boolean", "default": False,
                         "description": "Error, rather than skip, when no dependency file is found."},
        },
    }

    # -- inputs ------------------------------------------------------------------------
    def dependency_files(self, ctx: CheckContext) -> list[str]:
        """Root-relative dependency files under the scan paths, from the repository view's listing."""
        return dependencies.select(ctx.scan_files(), ctx.options.get("files"))

    def database(self, ctx: CheckContext) -> tuple[Path | None, str]:
        """The offline database's local path (None when it is missing) and how it is named.

        A configured ``database`` is configuration-side (``x-gatecheck-path: config``): it comes
        from the configuration's source, which in trusted mode is never the working tree. Without
        one, the operator's database: ``$GATECHECK_OSV_DB``, else where `gatecheck db update` writes.
        """
        configured = ctx.options.get("database")
        if not configured:
            path = default_database_path()
            return (path if path.exists() else None), str(path)
        source = ctx.config_source
        try:
            local = source.path(configured, what="checks.sca.database")
            for companion in companion_files(configured):
                source.file(companion, what="checks.sca.database")  # so a trusted source provides it too
        except OutsideRepository as exc:
            if source.kind == "directory":
                # The operator's own directory may name a database beside it (examples/ci-config does).
                path = Path(os.path.normpath(source.root / configured))
                return (path if path.exists() else None), configured
            raise CheckFailed(f"checks.sca.database: {exc.message}", bad_input=True) from exc
        return local, configured

    def environment(self, ctx: CheckContext) -> str | None:
        """The installed environment to audit, as configured (a directory of the tree)."""
        configured = ctx.options.get("environment")
        return str(configured) if configured else None

    def inputs(self, ctx: CheckContext) -> list[Path]:
        root = ctx.repo.root
        paths = [root / rel for rel in dependencies.files_read(ctx.repo, self.dependency_files(ctx))]
        where = self.environment(ctx)
        if where is not None:
            paths += dependencies.open_environment(ctx.repo, where).files
        if ctx.options.get("service", "offline") == "offline":
            database, _ = self.database(ctx)
            if database is not None:
                with contextlib.suppress(DatabaseError, OSError):
                    paths += OsvDatabase(database).files()
        if ctx.work_dir is not None:
            # The result also depends on the day (the database's age, online answers), which no
            # input file records; this marker makes a cached result live at most until midnight UTC.
            ctx.work_dir.mkdir(parents=True, exist_ok=True)
            marker = ctx.work_dir / "as-of-date.txt"
            today = datetime.now(UTC).strftime("%Y-%m-%d")
            with contextlib.suppress(OSError):
                if not marker.is_file() or marker.read_text() != today:
                    marker.write_text(today)
            paths.append(marker)
        return paths

    # -- run ---------------------------------------------------------------------------
    def _collect(self, ctx: CheckContext) -> tuple[Collected, list[str]]:
        """Everything the dependency files (and the environment) declare, and which files those were."""
        from .sources import Collected

        files = self.dependency_files(ctx)
        # A lock file, or a pinned requirements file (pip-compile's output), beside a pyproject.toml
        # says what its declared ranges resolve to; that is what gets audited, not the ranges.
        lock_dirs = {
            posixpath.dirname(rel) for rel in files
            if dependencies.kind_of(rel) in dependencies.LOCK_KINDS
            or fnmatch.fnmatch(posixpath.basename(rel), "requirements*.txt")
        }
        collected = Collected()
        read: list[str] = []
        for rel in files:
            ctx.check_cancelled()
            if dependencies.kind_of(rel) == dependencies.PYPROJECT and posixpath.dirname(rel) in lock_dirs:
                continue
            collected.add(dependencies.read(ctx.repo, rel))
            read.append(rel)
        where = self.environment(ctx)
        if where is not None:
            environment = dependencies.open_environment(ctx.repo, where)
            collected.environment(environment)
            read.append(environment.where)
        return collected, read

    def _service(self, ctx: CheckContext, summary: dict[str, Any]) -> tuple[VulnerabilityService, OsvDatabase | None]:
        from .services import OfflineOsvService, StrictOsvService, StrictPyPIService

        service = ctx.options.get("service", "offline")
        summary["service"] = service
        if service == "offline":
            path, name = self.database(ctx)
            if path is None:
                configured = ctx.options.get("database")
                where = ctx.config_source.display(configured) if configured else name
                hint = "set [checks.sca] database" if configured else "run `gatecheck db update`"
                raise CheckFailed(f"no OSV database at {where}: {hint} (the offline service has nothing to match against)",
                                  bad_input=True)
            try:
                database = OsvDatabase(path, index_dir=ctx.work_dir / "index" if ctx.work_dir else None)
            except DatabaseError as exc:
                raise CheckFailed(str(exc), bad_input=True) from exc
            summary["database"] = {"path": name}
            return OfflineOsvService(database), database
        if not ctx.network:
            raise CheckFailed(f"service {service!r} needs network access: run with --online, "
                              "or use the offline OSV database (service = \"offline\")")
        timeout = int(max(1, float(ctx.options.get("request_timeout", 30))))
        cache = ctx.work_dir / "http-cache" if ctx.work_dir else None
        if service == "osv":
            url = str(ctx.options.get("osv_url", OSV_QUERY_URL))
            summary["service_url"] = url
            return StrictOsvService(cache_dir=cache, timeout=timeout, osv_url=url), None
        url = str(ctx.options.get("pypi_url", PYPI_JSON_API))
        summary["service_url"] = url
        return StrictPyPIService(cache_dir=cache, timeout=timeout, index_url=url), None

    def run(self, ctx: CheckContext) -> CheckResult:
        from pip_audit._audit import Auditor
        from pip_audit._service.interface import ResolvedDependency, ServiceError

        from .sources import CollectedSource

        tool = Tool("pip-audit", _pip_audit_version())
        collected, files = self._collect(ctx)
        if not files:
            excluded = dependencies.select(ctx.candidate_files(), ctx.options.get("files"))
            if excluded:
                raise nothing_scanned(len(excluded), {RUN_EXCLUDE: len(excluded)})
            message = "no dependency files found (requirements*.txt, pylock.toml, uv.lock, poetry.lock, pyproject.toml)"
            if ctx.options.get("required", False):
                raise CheckFailed(message)
            return CheckResult(tool=tool, status="skipped", error=message, summary={"files": []})
        summary: dict[str, Any] = {"files": sorted(set(files))}
        service, database = self._service(ctx, summary)
        results: list[tuple[Dependency, list[VulnerabilityResult]]] = []
        try:
            try:
                for dep, vulns in Auditor(service).audit(CollectedSource(collected)):
                    ctx.check_cancelled()
                    results.append((dep, vulns))
            except ServiceError as exc:
                raise CheckFailed(f"vulnerability service failed: {exc}") from exc
            except DatabaseError as exc:
                raise CheckFailed(str(exc), bad_input=True) from exc
            findings = self._advisory_findings(results, collected.origins)
            findings += self._problem_findings(ctx, collected.problems)
            if database is not None:
                findings += self._database_summary(ctx, database, summary)
        finally:
            if database is not None:
                database.close()
        audited = [d for d in collected.dependencies if isinstance(d, ResolvedDependency)]
        vulnerable = {f.package.name for f in findings if f.package and f.metadata.get("kind") == "advisory"}
        summary.update({
            "dependencies": len(audited),
            "local_packages": sorted(set(collected.local)),
            "unauditable": len(collected.problems),
            "vulnerable_packages": len(vulnerable),
            "advisories": sum(1 for f in findings if f.metadata.get("kind") == "advisory"),
            "by_severity": severity_counts([f for f in findings if f.metadata.get("kind") == "advisory"]),
        })
        return CheckResult(tool=tool, findings=findings, summary=summary)

    # -- findings ----------------------------------------------------------------------
    def _advisory_findings(
        self,
        results: Iterable[tuple[Dependency, list[VulnerabilityResult]]],
        origins: dict[Dependency, list[Origin]],
    ) -> list[Finding]:
        from pip_audit._service.interface import ResolvedDependency

        from .services import Advisory

        hits: dict[tuple[str, str], _Hit] = {}
        for dep, vulns in results:
            if not isinstance(dep, ResolvedDependency):
                continue
            for vuln in vulns:
                advisory = vuln if isinstance(vuln, Advisory) else Advisory(
                    id=vuln.id, description=vuln.description, fix_versions=list(vuln.fix_versions),
                    aliases=set(vuln.aliases), published=vuln.published, summary=vuln.description,
                    record_ids=(vuln.id,),
                )
                key = (dep.canonical_name, advisory.id)
                hit = hits.get(key)
                if hit is None:
                    hit = hits[key] = _Hit(dep.canonical_name, advisory)
                else:
                    merged = hit.advisory.merge_aliases(advisory)
                    assert isinstance(merged, Advisory)
                    hit.advisory = merged
                if str(dep.version) not in hit.versions:
                    hit.versions.append(str(dep.version))
                hit.origins.extend(origins.get(dep, []))
        findings = [self._advisory_finding(hit) for hit in hits.values()]
        findings.sort(key=lambda f: (f.package.name if f.package else "", f.rule_id))
        return findings

    def _advisory_finding(self, hit: _Hit) -> Finding:
        advisory = hit.advisory
        severity, scored = severity_of(advisory.severities)
        version = hit.versions[0]
        first = hit.origins[0] if hit.origins else None
        purl = PackageURL(type="pypi", name=hit.name, version=version).to_string()
        aliases = sorted(set(advisory.aliases) - {advisory.id})
        summary = advisory.summary or advisory.description
        title = f"{hit.name} {version} is affected" + (f": {_first_sentence(summary)}" if summary and summary != "N/A" else "")
        references = list(advisory.references)
        osv_page = f"https://osv.dev/vulnerability/{advisory.id}"
        if advisory.source != "pypi" and osv_page not in references:
            references.insert(0, osv_page)
        return Finding(
            id=finding_id(NAME, advisory.id, key=hit.name),
            check=NAME,
            rule_id=advisory.id,
            title=title[:300],
            severity=severity,  # type: ignore[arg-type]
            confidence="high",
            location=Location(first.path, first.line, first.line) if first else None,
            package=Package(name=hit.name, version=version, purl=purl),
            fix=Fix(versions=[str(v) for v in advisory.fix_versions]),
            references=references[:20],
            aliases=aliases,
            metadata={
                "kind": "advisory",
                "advisory": advisory.id,
                "records": list(advisory.record_ids),
                "source": advisory.source,
                "versions": hit.versions,
                "published": advisory.published.strftime("%Y-%m-%dT%H:%M:%SZ") if advisory.published else None,
                "modified": advisory.modified,
                "cvss": [
                    {"type": s.type, "vector": s.vector, "base_score": s.base_score, "severity": s.severity,
                     **({"error": s.error} if s.error else {})}
                    for s in scored
                ],
                "severity_source": "cvss" if severity != "unknown" else "none: no CVSS v3/v4 vector",
                "declared_in": [
                    {"path": o.path, "line": o.line, "kind": o.kind}
                    for o in dict.fromkeys(hit.origins)
                ],
            },
        )

    def _problem_findings(self, ctx: CheckContext, problems: list[Problem]) -> list[Finding]:
        severity = ctx.options.get("unpinned_severity", "high")
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
                severity=severity,
                confidence="high",
                location=Location(problem.origin.path, problem.origin.line, problem.origin.line),
                package=package,
                metadata={"kind": problem.kind, "requirement": problem.requirement, "declared_in": problem.origin.kind},
            ))
        return findings

    def _database_summary(self, ctx: CheckContext, database: OsvDatabase, summary: dict[str, Any]) -> list[Finding]:
        try:
            info = database.info()
        except DatabaseError as exc:
            raise CheckFailed(str(exc), bad_input=True) from exc
        max_age = float(ctx.options.get("max_age_days", 7))
        age = info.age_days()
        stale = age is None or age > max_age
        name = summary["database"]["path"]  # as configured: the same whichever source provided it
        summary["database"] = {
            "path": name,
            "kind": info.kind,
            "records": info.records,
            "withdrawn": info.withdrawn,
            "packages": info.packages,
            "as_of": info.as_of,
            "as_of_source": info.as_of_source,
            "source": info.source,
            "age_days": round(age, 1) if age is not None else None,
            "max_age_days": max_age,
            "stale": stale,
        }
        if info.records == 0:
            raise CheckFailed(f"the OSV database at {name} holds no records", bad_input=True)
        if not stale:
            return []
        how_old = f"{age:.0f} days old" if age is not None else "of unknown age"
        summary["warnings"] = [f"OSV database {name} is {how_old} (limit {max_age:g} days)"]
        return [Finding(
            id=finding_id(NAME, STALE_RULE),
            check=NAME,
            rule_id=STALE_RULE,
            title=f"the offline OSV database is {how_old} (limit {max_age:g} days); "
                  "run `gatecheck db update` — advisories published since are not checked",
            severity=ctx.options.get("stale_severity", "medium"),
            confidence="high",
            metadata={"kind": "database-stale", "as_of": info.as_of, "as_of_source": info.as_of_source,
                      "age_days": round(age, 1) if age is not None else None, "max_age_days": max_age},
        )]


def _first_sentence(text: str, limit: int = 200) -> str:
    """The advisory's summary, or the first sentence of its details, shortened for a title."""
    end = text.find(". ")
    sentence = text[: end + 1] if 0 < end < limit else text
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


@hookimpl
def gatecheck_checks() -> list[Check]:
    return [ScaCheck()]
