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
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import requests
from packaging.version import Version
from pip_audit._service.interface import (
    Dependency,
    ResolvedDependency,
    ServiceError,
    VulnerabilityID,
    VulnerabilityResult,
    VulnerabilityService,
)
from pip_audit._service.osv import OsvService
from pip_audit._service.pypi import PyPIService
from requests.adapters import HTTPAdapter

from .database import DatabaseError, OsvDatabase
from .osv import RecordError, SeverityVector, affects, fix_versions, matching_entries, parse_timestamp


@dataclass(frozen=True)
class Advisory(VulnerabilityResult):
    """A pip-audit ``VulnerabilityResult`` that keeps what the OSV record says beyond ids."""

    summary: str = ""
    severities: tuple[SeverityVector, ...] = ()
    references: tuple[str, ...] = ()
    modified: str | None = None
    #: Where the result came from: ``osv-offline``, ``osv`` or ``pypi``.
    source: str = ""
    #: Every record id merged into this result (pip-audit merges aliases of one advisory).
    record_ids: tuple[str, ...] = field(default_factory=tuple)

    def merge_aliases(self, other: VulnerabilityResult) -> VulnerabilityResult:
        """Merge another record of the same advisory: ids, fixes, vectors and references."""
        aliases = (self.aliases | other.aliases | {other.id}) - {self.id}
        merged = replace(self, aliases=aliases)
        if isinstance(other, Advisory):
            fixes = sorted(set(self.fix_versions) | set(other.fix_versions))
            merged = replace(
                merged,
                fix_versions=fixes,
                severities=tuple(dict.fromkeys(self.severities + other.severities)),
                references=tuple(dict.fromkeys(self.references + other.references)),
                record_ids=tuple(dict.fromkeys(self.record_ids + other.record_ids)),
                summary=self.summary or other.summary,
            )
        return merged


def advisory_from_record(record: Mapping[str, Any], name: str, version: Version, source: str) -> Advisory:
    """Turn an OSV record that affects ``name==version`` into an :class:`Advisory`."""
    record_id = record.get("id")
    if not isinstance(record_id, str) or not record_id:
        raise RecordError("OSV record without an 'id'")
    summary = record.get("summary") or record.get("details") or ""
    summary = " ".join(str(summary).split())
    vectors: list[SeverityVector] = []
    for holder in (record, *matching_entries(record, name)):
        for item in holder.get("severity") or []:
            if isinstance(item, Mapping) and item.get("type") and item.get("score"):
                vectors.append(SeverityVector(str(item["type"]), str(item["score"])))
    references = [str(ref["url"]) for ref in record.get("references") or [] if isinstance(ref, Mapping) and ref.get("url")]
    aliases = {VulnerabilityID(str(a)) for a in record.get("aliases") or [] if a and a != record_id}
    return Advisory(
        id=VulnerabilityID(record_id),
        description=summary or "N/A",
        fix_versions=fix_versions(record, name, version),
        aliases=aliases,
        published=parse_timestamp(record.get("published")),
        summary=summary,
        severities=tuple(dict.fromkeys(vectors)),
        references=tuple(dict.fromkeys(references)),
        modified=str(record["modified"]) if record.get("modified") else None,
        source=source,
        record_ids=(record_id,),
    )


class OfflineOsvService(VulnerabilityService):
    """pip-audit's ``VulnerabilityService`` over a local :class:`OsvDatabase` (no network)."""

    SOURCE = "osv-offline"

    def __init__(self, database: OsvDatabase) -> None:
        self.database = database

    def query(self, spec: Dependency) -> tuple[Dependency, list[VulnerabilityResult]]:
        if spec.is_skipped():
            return spec, []
        resolved = cast(ResolvedDependency, spec)
        results: list[VulnerabilityResult] = []
        for record in self.database.records_for(resolved.canonical_name):
            if affects(record, resolved.canonical_name, resolved.version):
                try:
                    results.append(advisory_from_record(record, resolved.canonical_name, resolved.version, self.SOURCE))
                except RecordError as exc:
                    raise DatabaseError(f"{self.database.path}: {exc}") from exc
        return spec, results


PYPI_JSON_API = "https://pypi.org/pypi/"


class StrictOsvService(OsvService):
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


class StrictPyPIService(PyPIService):
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
