"""The ``sca`` check: known-vulnerable Python dependencies, with pip-audit as the engine.

Dependency files are found, read and parsed by the dependency inventory the sbom check shares
(:mod:`gatecheck_plugins.dependencies`: through the repository view, includes confined to the
tree), and turned into pinned dependencies statically (:mod:`.sources`); pip-audit's ``Auditor``
queries a vulnerability service for each and merges aliases of one advisory. The service is, by
default, the offline OSV database (:mod:`.database`), a configuration-side file; with
``--online`` the operator may choose pip-audit's OSV or PyPI services instead (:mod:`.services`).

Findings:

- ``<advisory id>`` (``PYSEC-2023-62``, ``GHSA-...``): one per (package, advisory, declaring file),
  with the aliases, the fix versions above the pinned one, the purl and a severity from every
  source the database has for the advisory (:mod:`.severity`), or ``unknown``;
- ``sca/range-admits-vulnerable``: in a library (:mod:`gatecheck_plugins.dependencies.shape`), a
  declared range that admits releases an advisory affects, with the lower bound that clears it
  (:mod:`.libraries`);
- ``sca/unpinned-requirement``, ``sca/unaudited-dependency``, ``sca/missing-hash``: declared
  dependencies the gate cannot vouch for (a range counts only in an application);
- ``sca/database-stale``: the offline database is older than ``max_age_days``.

With ``baseline_ref`` only what the change introduces is reported (:mod:`.base_commit`).

A service that cannot answer, or answers 404, ends the check with ``status: error``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from functools import cached_property
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gatecheck.api import (
    RUN_EXCLUDE,
    SEVERITIES,
    CheckBase,
    CheckContext,
    CheckFailed,
    CheckResult,
    Finding,
    GitBase,
    KeyFact,
    OutsideRepository,
    RuleDoc,
    Tool,
    finding_id,
    nothing_scanned,
    rules_artifact,
    severity_counts,
)
from gatecheck_plugins import dependencies

from . import base_commit
from .database import DatabaseError, OsvDatabase, companion_files, default_database_path
from .findings import (
    ENVIRONMENT_PIN_KINDS,
    RANGE_SEVERITIES,
    add_package_rows,
    advisory_finding,
    each_hit,
    library_pin,
    pinned_hits,
    problem_findings,
    range_finding,
)
from .rules import RULE_DOCS, advisory_doc

if TYPE_CHECKING:
    from pip_audit._service.interface import Dependency, VulnerabilityResult, VulnerabilityService  # type: ignore[import-untyped, unused-ignore]

    from .sources import Collected, Gathered

# pip-audit is imported only inside ``run``: importing it makes pip-api run ``pip --version``
# in a subprocess (about a second on a loaded machine), which every gatecheck command would
# otherwise pay just by loading this plugin.

#: pip-audit's defaults, repeated here so the options schema needs no pip-audit import.
OSV_QUERY_URL = "https://api.osv.dev/v1/query"
PYPI_JSON_API = "https://pypi.org/pypi/"

__version__ = "1.2.1"

CHECK = "sca"
SERVICES = ("offline", "osv", "pypi")
STALE_RULE = "sca/database-stale"


def _pip_audit_version() -> str:
    try:
        return importlib_metadata.version("pip-audit")
    except importlib_metadata.PackageNotFoundError:  # pragma: no cover - a declared dependency
        return "unknown"


class Prepared:
    """What :meth:`ScaCheck.inputs` and :meth:`ScaCheck.run` both need, worked out once per run
    (``ctx.prepared``): the dependency files, the offline database and the base commit.

    The database and the base commit are resolved on first use, so a problem with either is
    reported only by a run that needs it (a project without dependency files is skipped, whatever
    its database setting).
    """

    def __init__(self, ctx: CheckContext) -> None:
        self._ctx = ctx
        #: Root-relative dependency files under the scan paths, from the repository view's listing.
        self.files: list[str] = dependencies.select(ctx.scan_files(), ctx.options.get("files"))

    @cached_property
    def database(self) -> tuple[Path | None, str]:
        """The offline database's local path (None when it is missing) and how it is named."""
        return locate_database(self._ctx)

    @cached_property
    def base(self) -> GitBase | None:
        """The base commit of ``baseline_ref`` (None without one)."""
        ref = self._ctx.options.get("baseline_ref")
        return self._ctx.git_base(str(ref)) if ref else None


def locate_database(ctx: CheckContext) -> tuple[Path | None, str]:
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


class ScaCheck(CheckBase):
    """Audits Python dependency files (and optionally an installed environment) for known vulnerabilities."""

    name = CHECK
    version = __version__
    description = "Known-vulnerable Python dependencies (pip-audit over an offline OSV database, or online services)."
    options_schema: Mapping[str, Any] = {
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
                                  "description": "Severity of dependencies the gate cannot audit (an application's "
                                                 "unpinned requirements, URLs, missing hashes)."},
            "shape": {"enum": ["auto", *dependencies.SHAPES], "default": "auto",
                      "description": "What the project is: an application (deployed as exact versions: a range is "
                                     "unpinned) or a library (declares ranges: a range is checked against the "
                                     "advisories' affected ranges). auto decides from the files."},
            "range_severity": {"enum": list(RANGE_SEVERITIES), "default": "lowered",
                               "description": "Severity of sca/range-admits-vulnerable: the advisory's lowered one "
                                              "step (lowered), the advisory's own (advisory), or a fixed severity."},
            "library_pin_severity": {
                "enum": list(RANGE_SEVERITIES), "default": "lowered",
                "description": "Severity, in a library, of an advisory of a version only its requirements or lock "
                               "files pin (its own development or CI environment; its users install the declared "
                               "ranges): the advisory's lowered one step (lowered), its own (advisory), or a fixed "
                               "severity."},
            "baseline_ref": {"type": "string", "minLength": 1,
                             "description": "Git ref (origin/main): report only findings new since its merge base "
                                            "(set by gatecheck run --baseline-ref)."},
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
    def prepare(self, ctx: CheckContext) -> Prepared:
        return Prepared(ctx)

    def environment(self, ctx: CheckContext) -> str | None:
        """The installed environment to audit, as configured (a directory of the tree)."""
        configured = ctx.options.get("environment")
        return str(configured) if configured else None

    def inputs(self, ctx: CheckContext) -> Iterator[Path | KeyFact]:
        prepared = self.prepared(ctx, Prepared)
        root = ctx.repo.root
        yield from (root / rel for rel in dependencies.files_read(ctx.repo, prepared.files))
        where = self.environment(ctx)
        if where is not None:
            yield from dependencies.open_environment(ctx.repo, where).files
        if ctx.options.get("service", "offline") == "offline":
            database, _ = prepared.database
            if database is not None:
                with contextlib.suppress(DatabaseError, OSError):
                    yield from OsvDatabase(database).files()
        # The result also depends on the day (the database's age, online answers), which no input
        # file records: a cached result lives at most until midnight UTC.
        yield KeyFact("as_of_date", datetime.now(UTC).strftime("%Y-%m-%d"))
        if prepared.base is not None:
            # In diff-aware mode the base commit decides too: a moved base is a cache miss.
            yield KeyFact("base_commit", prepared.base.commit)

    # -- run ---------------------------------------------------------------------------
    def _gather(self, ctx: CheckContext) -> Gathered:
        """Everything the dependency files (and the environment) declare, which files those were, and
        the project's shape."""
        from .sources import gather

        where = self.environment(ctx)
        environment = dependencies.open_environment(ctx.repo, where) if where is not None else None
        return gather(ctx.repo, self.prepared(ctx, Prepared).files, listed=ctx.scan_files(),
                      shape=str(ctx.options.get("shape", "auto")), environment=environment)

    def _service(self, ctx: CheckContext, summary: dict[str, Any]) -> tuple[VulnerabilityService, OsvDatabase | None]:
        from .services import OfflineOsvService, StrictOsvService, StrictPyPIService

        service = ctx.options.get("service", "offline")
        summary["service"] = service
        if service == "offline":
            path, name = self.prepared(ctx, Prepared).database
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
        from pip_audit._audit import Auditor  # type: ignore[import-untyped, unused-ignore]
        from pip_audit._service.interface import ResolvedDependency, ServiceError  # type: ignore[import-untyped, unused-ignore]

        from .services import OfflineOsvService
        from .sources import Collected, CollectedSource

        tool = Tool("pip-audit", _pip_audit_version())
        gathered = self._gather(ctx)
        collected, files = gathered.collected, gathered.files
        if not files:
            candidates = dependencies.select(ctx.candidate_files(), ctx.options.get("files"))
            scanned = set(ctx.scan_files())
            # Only candidates an exclude left out count as excluded: django-oscar's setup.cfg (tool
            # settings, no dependencies) was listed and read, and was reported as "left out".
            excluded = [rel for rel in candidates if rel not in scanned]
            if excluded:
                raise nothing_scanned(len(excluded), {RUN_EXCLUDE: len(excluded)})
            if candidates:
                message = (f"no dependencies declared: {', '.join(candidates)} declare(s) none (a setup.py's "
                           "install_requires is Python code, which the gate does not run)")
            else:
                message = ("no dependency files found (requirements*.txt, pylock.toml, uv.lock, poetry.lock, "
                           "pyproject.toml, setup.cfg)")
            if ctx.options.get("required", False):
                raise CheckFailed(message)
            return CheckResult(tool=tool, status="skipped", error=message, summary={"files": 0, "paths": []})
        # Every check's summary counts its files in `files`; the paths themselves are in `paths`.
        paths = sorted(set(files))
        summary: dict[str, Any] = {"files": len(paths), "paths": paths, "shape": gathered.shape.to_dict()}
        if gathered.unreadable:
            summary["unreadable_test_data"] = gathered.unreadable
            summary["warnings"] = [f"{len(gathered.unreadable)} malformed dependency file(s) among test data set aside "
                                   f"(first: {gathered.unreadable[0]['path']})"]
        base: base_commit.Base | None = None
        base_collected: Collected | None = None
        git_base = self.prepared(ctx, Prepared).base
        if git_base is not None:
            base = base_commit.open_base(ctx, git_base)
            base_collected = self._base_collected(ctx, base, gathered.shape.kind)
        service, database = self._service(ctx, summary)
        try:
            # One pip-audit pass over the current dependencies and, in diff-aware mode, the base's
            # ones the current tree does not have: each dependency is queried once.
            audit = Collected(dependencies=list(collected.dependencies))
            if base_collected is not None:
                audit.dependencies += [d for d in base_collected.dependencies if d not in collected.origins]
            results: dict[Dependency, list[VulnerabilityResult]] = {}
            try:
                for dep, vulns in Auditor(service).audit(CollectedSource(audit)):
                    ctx.check_cancelled()
                    results[dep] = vulns
            except ServiceError as exc:
                raise CheckFailed(f"vulnerability service failed: {exc}") from exc
            except DatabaseError as exc:
                raise CheckFailed(str(exc), bad_input=True) from exc
            offline = service if isinstance(service, OfflineOsvService) else None
            docs: dict[str, RuleDoc] = {}
            findings = self._findings(ctx, collected, results, offline, summary, docs)
            if base is not None and base_collected is not None:
                base_ids = {f.id for f in self._findings(ctx, base_collected, results, offline, {}, {})}
                findings, aside = base_commit.split(findings, base_ids, set())
                summary["baseline"] = base.summary(sum(aside.values()), aside)
            if database is not None:
                findings += self._database_summary(ctx, database, summary)
            if offline is not None:
                summary["no_data"] = _no_data(offline.no_data, offline.no_data_ranges)
        finally:
            if database is not None:
                database.close()
        audited = [d for d in collected.dependencies if isinstance(d, ResolvedDependency)]
        advisories = [f for f in findings if f.metadata.get("kind") == "advisory"]
        ranged = [f for f in findings if f.metadata.get("kind") == "range"]
        summary.update({
            "dependencies": len(audited),
            "declared_ranges": len(collected.ranges),
            "local_packages": sorted(set(collected.local)),
            "unauditable": len(collected.problems),
            "vulnerable_packages": len({f.package.name for f in advisories if f.package}),
            "advisories": len(advisories),
            "by_severity": severity_counts(advisories),
            "range_packages": len({f.package.name for f in ranged if f.package}),
            "range_advisories": len(ranged),
        })
        docs.update({f.rule_id: RULE_DOCS[f.rule_id] for f in findings if f.rule_id in RULE_DOCS})
        return CheckResult(tool=tool, findings=findings, summary=summary, artifacts=[rules_artifact(docs)])

    def _base_collected(self, ctx: CheckContext, base: base_commit.Base, shape: str) -> Collected:
        """What the dependency files declared at the base commit (an unreadable base file counts as absent)."""
        from .sources import Collected, gather

        files = base_commit.base_files(ctx, base, ctx.options.get("files"))
        base.files = files
        readable: list[str] = []
        for rel in files:
            try:
                dependencies.files_read(base.tree, [rel])
                readable.append(rel)
            except (CheckFailed, OSError, OutsideRepository):
                base.unreadable.append(rel)
        try:
            # The base is judged with the current shape unless the configuration fixes one.
            configured = str(ctx.options.get("shape", "auto"))
            return gather(base.tree, readable, listed=base.tree.files(),
                          shape=configured if configured != "auto" else shape).collected
        except (CheckFailed, OSError, OutsideRepository):
            base.unreadable.extend(readable)
            return Collected(shape=shape)

    def _findings(self, ctx: CheckContext, collected: Collected, results: dict[Dependency, list[VulnerabilityResult]],
                  offline: Any, summary: dict[str, Any], docs: dict[str, RuleDoc]) -> list[Finding]:
        """Every finding of what ``collected`` declares: advisories of its pins (from ``results``),
        advisories its ranges admit (a library, offline database only), and its problems."""
        from .libraries import range_hits

        wanted = [(dep, results.get(dep, [])) for dep in collected.dependencies]
        hits = pinned_hits(wanted, collected.origins)
        findings = each_hit(hits, advisory_finding)
        if collected.shape == dependencies.LIBRARY:
            mode = str(ctx.options.get("library_pin_severity", "lowered"))
            for finding in findings:
                if ENVIRONMENT_PIN_KINDS.issuperset(finding.metadata["pinned_in"]):
                    library_pin(finding, mode)
        for hit in hits:
            docs.setdefault(hit.advisory.id, advisory_doc(hit))
        if collected.ranges:
            if offline is None:
                # Online services answer for one version at a time; a range needs every record.
                summary["ranges_not_checked"] = sorted({r.requirement for r in collected.ranges})
                summary.setdefault("warnings", []).append(
                    "declared ranges are checked only against the offline database (service = \"offline\")")
            else:
                ranged, unreadable = range_hits(collected.ranges, offline)
                severity = str(ctx.options.get("range_severity", "lowered"))
                findings += each_hit(ranged, lambda hit: range_finding(hit, severity))
                for hit in ranged:
                    docs.setdefault(hit.advisory.id, advisory_doc(hit))
                if unreadable:
                    summary["ranges_not_checked"] = sorted({r.requirement for r in unreadable})
        add_package_rows(findings, collected.declared_versions())
        findings += problem_findings(collected.problems, str(ctx.options.get("unpinned_severity", "high")))
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
            id=finding_id(CHECK, STALE_RULE),
            check=CHECK,
            rule_id=STALE_RULE,
            title=f"the offline OSV database is {how_old} (limit {max_age:g} days); "
                  "run `gatecheck db update` — advisories published since are not checked",
            severity=ctx.options.get("stale_severity", "medium"),
            confidence="high",
            metadata={"kind": "database-stale", "as_of": info.as_of, "as_of_source": info.as_of_source,
                      "age_days": round(age, 1) if age is not None else None, "max_age_days": max_age},
        )]


def _no_data(versions: dict[str, list[str]], ranges: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The packages the database has no record for: each name, with the versions pinned and the
    ranges declared (a private package, a typo, or one nobody has published an advisory for)."""
    return [{"name": name, "versions": sorted(set(versions.get(name, []))), "ranges": sorted(set(ranges.get(name, [])))}
            for name in sorted(set(versions) | set(ranges))]

