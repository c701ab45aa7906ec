"""pip-audit's vulnerability services as the sca check uses them.

- :class:`Advisory`: pip-audit's ``VulnerabilityResult`` plus what a gate needs besides ids
  and fix versions (CVSS vectors, references, dates, every merged record id);
- :class:`OfflineOsvService`: a ``VulnerabilityService`` over the local
  :class:`.database.OsvDatabase`, matching with the OSV rules in :mod:`.osv`;
- :class:`StrictOsvService` and :class:`StrictPyPIService`: pip-audit's online OSV and PyPI
  services, used only with ``--online``, made to fail loudly. pip-audit's own services have
  two silent failure modes a gate cannot accept: ``PyPIService`` turns an HTTP 404 into a
  *skipped* dependency, which reads as "no vulnerabilities" (a typo in a pin, a private
  package, a mirror that lacks it); and both let ``requests.ConnectionError`` (refused, DNS
  failure) escape as a non-service exception, handling only connect *timeouts*. Here every
  failure is a ``ServiceError`` naming the service and the package.

pip-audit's ``Auditor`` drives all of them the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import requests
from packaging.version import Version

# pip-audit ships no type information: its classes are Any to mypy, hence the ignores below.
from pip_audit._service.interface import (  # type: ignore[import-untyped, unused-ignore]
    Dependency,
    ResolvedDependency,
    ServiceError,
    VulnerabilityID,
    VulnerabilityResult,
    VulnerabilityService,
)
from pip_audit._service.osv import OsvService  # type: ignore[import-untyped, unused-ignore]
from pip_audit._service.pypi import PyPIService  # type: ignore[import-untyped, unused-ignore]
from requests.adapters import HTTPAdapter

from .database import DatabaseError, OsvDatabase
from .osv import (
    RecordError,
    SeverityLabel,
    SeverityVector,
    affects,
    fix_versions,
    parse_timestamp,
    severity_labels,
    severity_vectors,
)
from .titles import boilerplate_openings


@dataclass(frozen=True)
class Advisory(VulnerabilityResult):  # type: ignore[misc]
    """A pip-audit ``VulnerabilityResult`` that keeps what the OSV record says beyond ids."""

    #: The record's own ``summary`` (empty when it has none, as most PYSEC records).
    summary: str = ""
    #: The record's ``details`` (Markdown), for the rule's help in reports.
    details: str = ""
    severities: tuple[SeverityVector, ...] = ()
    #: Severity words of the record and its aliases (``database_specific.severity``), see :mod:`.severity`.
    labels: tuple[SeverityLabel, ...] = ()
    #: Summaries of the aliases' records in the database, for a title when the record has none.
    alias_summaries: tuple[str, ...] = ()
    #: Alias records found in the database and read for severity and title.
    alias_records: tuple[str, ...] = ()
    #: First sentences that open several advisories of the package (its description), not a title.
    boilerplate: frozenset[str] = frozenset()
    references: tuple[str, ...] = ()
    modified: str | None = None
    #: Where the result came from: ``osv-offline``, ``osv`` or ``pypi``.
    source: str = ""
    #: Every record id merged into this result (pip-audit merges aliases of one advisory).
    record_ids: tuple[str, ...] = field(default_factory=tuple)

    def merge_aliases(self, other: VulnerabilityResult) -> VulnerabilityResult:
        """Merge another record of the same advisory: ids, fixes, vectors and references."""
        aliases = (self.aliases | other.aliases | {other.id}) - {self.id}
        merged = replace(self, aliases=aliases)  # type: ignore[call-arg]
        if isinstance(other, Advisory):
            fixes = sorted(set(self.fix_versions) | set(other.fix_versions))
            merged = replace(  # type: ignore[call-arg]
                merged,
                fix_versions=fixes,
                severities=tuple(dict.fromkeys(self.severities + other.severities)),
                labels=tuple(dict.fromkeys(self.labels + other.labels)),
                alias_summaries=tuple(dict.fromkeys(self.alias_summaries + other.alias_summaries)),
                alias_records=tuple(dict.fromkeys(self.alias_records + other.alias_records)),
                boilerplate=self.boilerplate | other.boilerplate,
                references=tuple(dict.fromkeys(self.references + other.references)),
                record_ids=tuple(dict.fromkeys(self.record_ids + other.record_ids)),
                summary=self.summary or other.summary,
                details=self.details or other.details,
            )
        return merged


def advisory_from_record(record: Mapping[str, Any], name: str, version: Version | None, source: str, *,
                         aliases_found: Iterable[Mapping[str, Any]] = (),
                         boilerplate: frozenset[str] = frozenset()) -> Advisory:
    """Turn an OSV record that affects ``name`` (at ``version``, when one is pinned) into an
    :class:`Advisory`; ``aliases_found`` are its aliases' records in the database, whose vectors,
    severity words and summaries count too."""
    record_id = record.get("id")
    if not isinstance(record_id, str) or not record_id:
        raise RecordError("OSV record without an 'id'")
    summary = " ".join(str(record.get("summary") or "").split())
    details = str(record.get("details") or "").strip()
    vectors = severity_vectors(record, name)
    labels = severity_labels(record, name)
    alias_summaries: list[str] = []
    alias_ids: list[str] = []
    for alias in aliases_found:
        alias_ids.append(str(alias.get("id", "")))
        vectors += severity_vectors(alias, name)
        labels += severity_labels(alias, name)
        if isinstance(alias.get("summary"), str) and alias["summary"].strip():
            alias_summaries.append(" ".join(alias["summary"].split()))
    references = [str(ref["url"]) for ref in record.get("references") or [] if isinstance(ref, Mapping) and ref.get("url")]
    aliases = {VulnerabilityID(str(a)) for a in record.get("aliases") or [] if a and a != record_id}
    description = summary or " ".join(details.split())
    return Advisory(
        id=VulnerabilityID(record_id),
        description=description or "N/A",
        fix_versions=fix_versions(record, name, version) if version is not None else [],
        aliases=aliases,
        published=parse_timestamp(record.get("published")),
        summary=summary,
        details=details,
        severities=tuple(dict.fromkeys(vectors)),
        labels=tuple(dict.fromkeys(labels)),
        alias_summaries=tuple(dict.fromkeys(alias_summaries)),
        alias_records=tuple(alias_ids),
        boilerplate=boilerplate,
        references=tuple(dict.fromkeys(references)),
        modified=str(record["modified"]) if record.get("modified") else None,
        source=source,
        record_ids=(record_id,),
    )


class OfflineOsvService(VulnerabilityService):  # type: ignore[misc]
    """pip-audit's ``VulnerabilityService`` over a local :class:`OsvDatabase` (no network).

    Besides matching, it reads each advisory's aliases' records from the database (for severity
    and a title), and remembers the packages the database knows nothing about (:attr:`no_data`).
    """

    SOURCE = "osv-offline"

    def __init__(self, database: OsvDatabase) -> None:
        self.database = database
        #: Canonical name -> versions queried (and ranges declared), for packages with no record at all
        #: in the database.
        self.no_data: dict[str, list[str]] = {}
        self.no_data_ranges: dict[str, list[str]] = {}
        self._boilerplate: dict[str, frozenset[str]] = {}

    def records(self, name: str) -> list[dict[str, Any]]:
        """Every record about package ``name``."""
        return self.database.records_for(name)

    def boilerplate(self, name: str, records: list[dict[str, Any]]) -> frozenset[str]:
        """The sentences that open several of the package's advisories (its description)."""
        if name not in self._boilerplate:
            self._boilerplate[name] = frozenset(boilerplate_openings([str(r.get("details") or "") for r in records]))
        return self._boilerplate[name]

    def advisory(self, record: dict[str, Any], name: str, version: Version | None,
                 boilerplate: frozenset[str]) -> Advisory:
        """One matching record as an :class:`Advisory`, its aliases' records read from the database."""
        found = [alias for alias in (self.database.record(str(a)) for a in record.get("aliases") or []
                                     if isinstance(a, str) and a != record.get("id")) if alias is not None]
        try:
            return advisory_from_record(record, name, version, self.SOURCE, aliases_found=found, boilerplate=boilerplate)
        except RecordError as exc:
            raise DatabaseError(f"{self.database.path}: {exc}") from exc

    def query(self, spec: Dependency) -> tuple[Dependency, list[VulnerabilityResult]]:
        if spec.is_skipped():
            return spec, []
        resolved = cast(ResolvedDependency, spec)
        name = resolved.canonical_name
        records = self.records(name)
        if not records:
            self.no_data.setdefault(name, []).append(str(resolved.version))
            return spec, []
        common = self.boilerplate(name, records)
        results: list[VulnerabilityResult] = [
            self.advisory(record, name, resolved.version, common)
            for record in records if affects(record, name, resolved.version)
        ]
        return spec, results


PYPI_JSON_API = "https://pypi.org/pypi/"


class StrictOsvService(OsvService):  # type: ignore[misc]
    """pip-audit's OSV service (``POST /v1/query``), keeping each record whole.

    pip-audit's ``OsvService`` keeps only ids, summary and fix versions; a gate also needs
    the CVSS vectors and references, so the same query is made with pip-audit's session and
    each returned record goes through the same conversion as the offline database. The
    server has already matched the version; pages (``next_page_token``) are followed.
    """

    SOURCE = "osv"

    def __init__(self, cache_dir: Path | None = None, timeout: int | None = None,
                 osv_url: str = OsvService.DEFAULT_OSV_URL) -> None:
        super().__init__(cache_dir=cache_dir, timeout=timeout, osv_url=osv_url)

    def query(self, spec: Dependency) -> tuple[Dependency, list[VulnerabilityResult]]:
        if spec.is_skipped():
            return spec, []
        resolved = cast(ResolvedDependency, spec)
        query: dict[str, Any] = {
            "package": {"name": resolved.canonical_name, "ecosystem": "PyPI"},
            "version": str(resolved.version),
        }
        results: list[VulnerabilityResult] = []
        for _ in range(100):  # a bound on pagination, so a misbehaving server cannot loop us
            body = self._post(query, resolved)
            for record in body.get("vulns") or []:
                if not isinstance(record, dict) or record.get("withdrawn"):
                    continue
                results.append(advisory_from_record(record, resolved.canonical_name, resolved.version, self.SOURCE))
            token = body.get("next_page_token")
            if not token:
                return spec, results
            query["page_token"] = token
        raise ServiceError(f"OSV at {self.osv_url}: more than 100 pages for {resolved.canonical_name}")

    def _post(self, query: dict[str, Any], spec: ResolvedDependency) -> dict[str, Any]:
        what = f"{spec.canonical_name} {spec.version}"
        try:
            response = self.session.post(url=self.osv_url, data=json.dumps(query), timeout=self.timeout)
        except requests.RequestException as exc:
            raise ServiceError(f"OSV at {self.osv_url} is unreachable ({type(exc).__name__}: {exc}) "
                               f"while querying {what}") from exc
        if response.status_code != 200:
            raise ServiceError(f"OSV at {self.osv_url} answered HTTP {response.status_code} for {what}")
        try:
            body = response.json()
        except ValueError as exc:
            raise ServiceError(f"OSV at {self.osv_url} answered with something that is not JSON for {what}") from exc
        if not isinstance(body, dict):
            raise ServiceError(f"OSV at {self.osv_url} answered with a JSON {type(body).__name__}, not an object, for {what}")
        return body


class _IndexRedirect(HTTPAdapter):
    """Sends pip-audit's hard-wired ``https://pypi.org/pypi/`` requests to a mirror's JSON API."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/") + "/"

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if request.url and request.url.startswith(PYPI_JSON_API):
            request.url = self.base_url + request.url[len(PYPI_JSON_API):]
        return super().send(request, *args, **kwargs)


class StrictPyPIService(PyPIService):  # type: ignore[misc]
    """pip-audit's PyPI JSON API service, where a 404 or an unreachable index is an error.

    ``index_url`` points it at a mirror that serves PyPI's JSON API (``/pypi/NAME/VERSION/json``).
    PyPI's answer carries no CVSS vectors, so severities from this service are ``unknown``.
    """

    SOURCE = "pypi"

    def __init__(self, cache_dir: Path | None = None, timeout: int | None = None, index_url: str = PYPI_JSON_API) -> None:
        super().__init__(cache_dir=cache_dir, timeout=timeout)
        self.index_url = index_url
        if index_url.rstrip("/") + "/" != PYPI_JSON_API:
            self.session.mount(PYPI_JSON_API, _IndexRedirect(index_url))

    def query(self, spec: Dependency) -> tuple[Dependency, list[VulnerabilityResult]]:
        if spec.is_skipped():
            return spec, []
        resolved = cast(ResolvedDependency, spec)
        what = f"{resolved.canonical_name} {resolved.version}"
        try:
            answered, results = super().query(spec)
        except requests.RequestException as exc:
            raise ServiceError(f"PyPI at {self.index_url} is unreachable ({type(exc).__name__}: {exc}) "
                               f"while querying {what}") from exc
        except ServiceError as exc:
            cause = exc.__cause__ or exc
            raise ServiceError(f"PyPI at {self.index_url} failed for {what}: {cause}") from exc
        except ValueError as exc:  # a body that is not JSON
            raise ServiceError(f"PyPI at {self.index_url} answered with something that is not JSON for {what}") from exc
        if answered.is_skipped():
            # pip-audit's PyPIService maps 404 to a skip: for a gate that is "could not audit".
            raise ServiceError(f"PyPI at {self.index_url} has no release {what} (HTTP 404): it could not be audited")
        converted: list[VulnerabilityResult] = []
        for result in results:
            converted.append(_from_pypi(result, resolved.version))
        return spec, converted


def _from_pypi(result: VulnerabilityResult, version: Version) -> VulnerabilityResult:
    return Advisory(
        id=result.id,
        description=result.description,
        fix_versions=sorted(v for v in result.fix_versions if v > version),
        aliases=set(result.aliases),
        published=result.published,
        summary=result.description,
        source=StrictPyPIService.SOURCE,
        record_ids=(result.id,),
    )
