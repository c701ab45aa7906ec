"""Builds the CycloneDX document from an inventory with cyclonedx-python-lib, reproducibly.

Reproducible means the same inventory, options and timestamp give byte-identical JSON:
every ``bom-ref`` is derived from the package URL (the library would otherwise draw random
ones), the serial number is a UUID derived from the sha256 of the document itself, and the
timestamp is given by the caller (``SOURCE_DATE_EPOCH`` when set).
"""

from __future__ import annotations

import json
import re
import uuid
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from cyclonedx.contrib.license.factories import LicenseFactory
from cyclonedx.contrib.this.builders import this_component as cyclonedx_lib_component
from cyclonedx.model import (
    ExternalReference,
    ExternalReferenceType,
    HashAlgorithm,
    HashType,
    Property,
    XsUri,
)
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentScope, ComponentType
from cyclonedx.model.dependency import Dependency
from cyclonedx.model.impact_analysis import ImpactAnalysisAffectedStatus, ImpactAnalysisState
from cyclonedx.model.license import DisjunctiveLicense, License
from cyclonedx.model.tool import ToolRepository
from cyclonedx.model.vulnerability import (
    BomTarget,
    BomTargetVersionRange,
    Vulnerability,
    VulnerabilityAdvisory,
    VulnerabilityAnalysis,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilityScoreSource,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output.json import JsonV1Dot6, JsonV1Dot7
from packageurl import PackageURL
from packaging.utils import canonicalize_name

from gatecheck.api import Finding, parse_iso8601, sha256_hex
from gatecheck_plugins.dependencies import PackageRecord
from gatecheck_plugins.sbom.packages import Inventory, vers

_OUTPUTTERS = {"1.6": JsonV1Dot6, "1.7": JsonV1Dot7}
_HASH_ALGORITHMS = {
    "md5": HashAlgorithm.MD5, "sha1": HashAlgorithm.SHA_1, "sha256": HashAlgorithm.SHA_256,
    "sha384": HashAlgorithm.SHA_384, "sha512": HashAlgorithm.SHA_512, "sha3_256": HashAlgorithm.SHA3_256,
    "sha3_384": HashAlgorithm.SHA3_384, "sha3_512": HashAlgorithm.SHA3_512,
}
#: Where the usual advisory identifiers are published, by prefix.
_ADVISORY_SOURCES = (
    ("GHSA-", "GitHub Advisory Database", "https://github.com/advisories/{}"),
    ("PYSEC-", "PyPA Advisory Database", "https://osv.dev/vulnerability/{}"),
    ("CVE-", "NVD", "https://nvd.nist.gov/vuln/detail/{}"),
    ("OSV-", "OSV", "https://osv.dev/vulnerability/{}"),
)
#: Replaced by the content-derived serial number after serialization.
_PLACEHOLDER_SERIAL = uuid.UUID(int=0)
#: Namespace of gatecheck's content-derived serial numbers (a UUIDv5 of the document digest).
SERIAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://gatecheck.dev/sbom/serial-number")


@dataclass
class BuiltSbom:
    """A serialized SBOM and what the check needs to know about it."""

    text: str
    document: dict[str, Any]
    serial_number: str
    #: bom-ref of each component, by canonical name (several for a name locked at several versions).
    refs: dict[str, list[str]] = field(default_factory=dict)
    #: SCA findings whose package is not in the SBOM (they cannot be attached to a component).
    unmatched_vulnerabilities: list[str] = field(default_factory=list)


def build(
    inventory: Inventory,
    *,
    spec_version: str,
    timestamp: datetime,
    tool_version: str,
    vulnerabilities: Sequence[Finding] | None = None,
    scrub: Callable[[Any], Any] | None = None,
) -> BuiltSbom:
    """Serialize ``inventory`` as a CycloneDX JSON document (not yet validated).

    ``scrub`` (the gate's redactor) is applied to the document before its serial number is
    derived, so the file written, the artifact and the serial all describe the scrubbed text.
    """
    project = inventory.project
    project_key = canonicalize_name(project.name)
    records = [r for r in inventory.packages if r.key != project_key]
    root_purl = PackageURL(type="pypi", name=project_key, version=project.version or None)
    root_ref = "root:" + root_purl.to_string()
    root = Component(
        type=ComponentType.APPLICATION,
        name=project.name,
        version=project.version,
        description=project.description,
        bom_ref=root_ref,
        purl=root_purl,
        licenses=_licenses(project.license_expression, []),
    )
    components: list[Component] = []
    by_key: dict[str, list[tuple[PackageRecord, Component]]] = defaultdict(list)
    ranges: dict[str, str] = {}
    for record in records:
        component = _component(record, spec_version)
        if record.specifier is not None and record.version is None and spec_version != "1.6":
            found = vers(record.specifier)
            if found:
                ranges[str(component.bom_ref.value)] = found
        components.append(component)
        by_key[record.key].append((record, component))

    tools = ToolRepository(components=[
        Component(type=ComponentType.APPLICATION, name="gatecheck", version=tool_version,
                  bom_ref=f"tool:gatecheck@{tool_version}"),
        _library_tool(),
    ])
    bom = Bom(
        serial_number=_PLACEHOLDER_SERIAL,
        metadata=BomMetaData(timestamp=timestamp, component=root, tools=tools,
                             properties=[Property(name="gatecheck:source", value=inventory.kind)]),
        components=components,
    )
    _dependencies(bom, root, inventory, by_key)
    unmatched: list[str] = []
    if vulnerabilities:
        bom.vulnerabilities = _vulnerabilities(vulnerabilities, by_key, unmatched)

    with warnings.catch_warnings():
        # The library warns about components outside the dependency graph; for sources
        # that do not record dependencies (requirements files) that is the truth, not a bug.
        warnings.simplefilter("ignore")
        text = _OUTPUTTERS[spec_version](bom).output_as_string(indent=2) + "\n"
    # The serial number is derived from the file's own text with a placeholder serial, so
    # equal content gets an equal serial (CycloneDX wants a serial; reproducibility wants it
    # to depend on nothing else).
    document = json.loads(text)
    # cyclonedx-python-lib does not model a component's versionRange (CycloneDX 1.7, only with
    # isExternal: true and without a version), so it is added to the serialized document.
    for component in document.get("components", []):
        if component.get("bom-ref") in ranges:
            component["versionRange"] = ranges[component["bom-ref"]]
    if scrub is not None:
        document = scrub(document)
    document["serialNumber"] = f"urn:uuid:{_PLACEHOLDER_SERIAL}"
    digest = sha256_hex(render_text(document).encode("utf-8"))
    serial = f"urn:uuid:{uuid.uuid5(SERIAL_NAMESPACE, digest)}"
    document["serialNumber"] = serial
    text = render_text(document)
    refs = {key: [str(c.bom_ref.value) for _, c in pairs] for key, pairs in by_key.items()}
    return BuiltSbom(text=text, document=document, serial_number=serial, refs=refs, unmatched_vulnerabilities=unmatched)


def _library_tool() -> Component:
    component = cyclonedx_lib_component()
    # Its own builder leaves the bom-ref empty, and an empty ref would get a random one.
    component.bom_ref.value = f"tool:{component.name}@{component.version}"
    # Trim to identity: the library's builder adds a dozen external references per run.
    return Component(type=ComponentType.LIBRARY, name=component.name, version=component.version,
                     group=component.group, bom_ref=component.bom_ref.value)


def _licenses(expression: str | None, names: Iterable[str]) -> list[License]:
    if expression:
        return [LicenseFactory().make_from_string(expression)]
    return [DisjunctiveLicense(name=name) for name in names]


def _hashes(values: dict[str, str]) -> list[HashType]:
    return [
        HashType(alg=_HASH_ALGORITHMS[alg], content=value) for alg, value in sorted(values.items()) if alg in _HASH_ALGORITHMS
    ]


#: A declared dependency's group as a CycloneDX scope: extras are optional at runtime, development
#: groups (tests, docs, lint) are not part of what runs.
def _scope(record: PackageRecord) -> ComponentScope | None:
    if record.group is None:
        return ComponentScope.REQUIRED if record.specifier is not None else None
    return ComponentScope.OPTIONAL if record.group.startswith("extra:") else ComponentScope.EXCLUDED


def _component(record: PackageRecord, spec_version: str = "1.6") -> Component:
    purl = record.purl
    component_hashes = dict(record.hashes)
    hashes: list[HashType] = _hashes(component_hashes)
    references: list[ExternalReference] = []
    for artifact in record.artifacts:
        if artifact.url:
            is_sdist = bool(artifact.filename) and not str(artifact.filename).endswith(".whl")
            references.append(ExternalReference(
                type=ExternalReferenceType.SOURCE_DISTRIBUTION if is_sdist else ExternalReferenceType.DISTRIBUTION,
                url=XsUri(artifact.url),
                hashes=_hashes(artifact.hashes),
            ))
        if not artifact.url or len(record.artifacts) == 1:
            # Without a URL the digest can only sit on the component; with a single artifact
            # the artifact *is* the component.
            hashes.extend(_hashes(artifact.hashes))
    properties = [Property(name="gatecheck:source", value=record.source)]
    if not record.pinned:
        properties.append(Property(name="gatecheck:pinned", value="false"))
    ranged = record.specifier is not None and record.version is None
    if ranged:
        # A declared range names no release. CycloneDX 1.6 has no component version range, so it is
        # a property there; 1.7 has versionRange for external components (added after serializing).
        range_text = vers(str(record.specifier)) if record.specifier is not None else None
        if range_text:
            properties.append(Property(name="gatecheck:version-range", value=range_text))
    if record.group:
        properties.append(Property(name="gatecheck:group", value=record.group))
    properties.extend(Property(name=k, value=v) for k, v in sorted(record.properties.items()))
    return Component(
        type=ComponentType.LIBRARY,
        name=record.name,
        version=record.version,
        description=record.description,
        bom_ref=purl.to_string(),
        purl=purl,
        hashes=hashes,
        licenses=_licenses(record.license_expression, record.license_names),
        external_references=references,
        properties=properties,
        scope=_scope(record),
        # External: provided by the environment the library is installed into, not bundled with it.
        is_external=True if ranged and spec_version != "1.6" else None,
    )


def _dependencies(
    bom: Bom,
    root: Component,
    inventory: Inventory,
    by_key: dict[str, list[tuple[PackageRecord, Component]]],
) -> None:
    """The dependency graph: root -> direct dependencies, and each package's own.

    Sources that do not record dependencies (requirements files) leave every package's
    ``dependsOn`` empty; the library lists every component in the graph regardless, so
    the SBOM's ``gatecheck:source`` property says which kind of source it came from.
    """

    def resolve(name: str, version: str | None) -> list[Component]:
        candidates = by_key.get(name, [])
        if version is not None:
            exact = [c for r, c in candidates if r.version == version]
            if exact:
                return exact
        return [c for _, c in candidates]

    referenced: set[int] = set()
    graph: list[Dependency] = []
    for record, component in ((r, c) for pairs in by_key.values() for r, c in pairs):
        targets: list[Component] = []
        for name, version in record.dependencies or []:
            for target in resolve(name, version):
                if target is not component and target not in targets:
                    targets.append(target)
                    referenced.add(id(target))
        graph.append(Dependency(ref=component.bom_ref, dependencies=[Dependency(ref=t.bom_ref) for t in targets]))
    direct: list[Component] = []
    for name in inventory.project.dependencies or []:
        direct.extend(c for c in resolve(name, None) if c not in direct)
    # Anything nothing else depends on hangs off the root, so every component is reachable.
    for pairs in by_key.values():
        direct.extend(c for _, c in pairs if id(c) not in referenced and c not in direct)
    graph.append(Dependency(ref=root.bom_ref, dependencies=[Dependency(ref=c.bom_ref) for c in direct]))
    # Built in one go: Bom.register_dependency scans the whole graph on every call.
    bom.dependencies = graph


def _vulnerabilities(
    findings: Sequence[Finding],
    by_key: dict[str, list[tuple[PackageRecord, Component]]],
    unmatched: list[str],
) -> list[Vulnerability]:
    """One CycloneDX vulnerability per advisory, affecting every component it was found in.

    The analysis state is ``in_triage``: the scanner found it, nobody has judged its impact
    yet. That is what makes the document VEX-ready: a later VEX statement changes the
    state (``not_affected`` with a justification, ``exploitable`` ...) for the same ids.
    """
    grouped: dict[str, list[tuple[Finding, Component]]] = defaultdict(list)
    for finding in findings:
        pkg = finding.package
        # The SCA check also reports non-advisories (an unpinned requirement, a stale
        # database); only advisories are vulnerabilities.
        if pkg is None or finding.metadata.get("kind", "advisory") != "advisory":
            continue
        component = _find_component(pkg.name, pkg.version, pkg.purl, by_key)
        if component is None:
            unmatched.append(f"{finding.rule_id} ({pkg.name} {pkg.version or ''})".strip())
            continue
        grouped[finding.rule_id].append((finding, component))
    result: list[Vulnerability] = []
    for advisory_id in sorted(grouped):
        entries = grouped[advisory_id]
        first = entries[0][0]
        aliases = sorted({a for f, _ in entries for a in f.aliases if a != advisory_id})
        references = sorted({r for f, _ in entries for r in f.references if _is_url(r)})
        fixes = sorted({v for f, _ in entries if f.fix for v in f.fix.versions})
        affects = []
        for _finding, component in sorted(entries, key=lambda e: str(e[1].bom_ref.value)):
            versions = [BomTargetVersionRange(version=component.version, status=ImpactAnalysisAffectedStatus.AFFECTED)] \
                if component.version else []
            affects.append(BomTarget(ref=str(component.bom_ref.value), versions=versions))
        detail = first.metadata.get("description") or first.metadata.get("details")
        result.append(Vulnerability(
            bom_ref=f"vuln:{advisory_id}",
            id=advisory_id,
            source=_source(advisory_id),
            references=[VulnerabilityReference(id=a, source=_source(a) or VulnerabilitySource(name="unknown")) for a in aliases],
            ratings=_ratings(first),
            description=first.title,
            detail=str(detail) if isinstance(detail, str) and detail.strip() else None,
            recommendation=f"Upgrade to {' or '.join(fixes)} or later." if fixes else None,
            advisories=[VulnerabilityAdvisory(url=XsUri(r)) for r in references],
            analysis=VulnerabilityAnalysis(state=ImpactAnalysisState.IN_TRIAGE),
            published=_datetime(first.metadata.get("published")),
            updated=_datetime(first.metadata.get("modified")),
            affects=affects,
            properties=[Property(name="gatecheck:finding-id", value=f.id) for f, _ in entries],
        ))
    return result


def _find_component(
    name: str, version: str | None, purl: str | None, by_key: dict[str, list[tuple[PackageRecord, Component]]]
) -> Component | None:
    if purl:
        try:
            parsed = PackageURL.from_string(purl)
        except ValueError:
            parsed = None
        if parsed is not None:
            name = parsed.name
            version = parsed.version or version
    candidates = by_key.get(canonicalize_name(name), [])
    for record, component in candidates:
        if version is None or record.version == version:
            return component
    return None


def _source(identifier: str) -> VulnerabilitySource | None:
    for prefix, name, url in _ADVISORY_SOURCES:
        if identifier.upper().startswith(prefix):
            return VulnerabilitySource(name=name, url=XsUri(url.format(identifier)))
    return None


def _ratings(finding: Finding) -> list[VulnerabilityRating]:
    """Ratings from the SCA finding: one per CVSS score it carries, else its severity alone.

    The SCA check records scores as ``metadata.cvss = [{type, vector, base_score, severity}]``
    (OSV's ``CVSS_V3``/``CVSS_V4`` types).
    """
    ratings: list[VulnerabilityRating] = []
    scores = finding.metadata.get("cvss")
    for entry in scores if isinstance(scores, list) else []:
        if not isinstance(entry, dict) or entry.get("error"):
            continue
        vector = entry.get("vector") if isinstance(entry.get("vector"), str) else None
        method = None
        if vector and vector.startswith("CVSS:3.1"):
            method = VulnerabilityScoreSource.CVSS_V3_1
        elif vector and vector.startswith("CVSS:3"):
            method = VulnerabilityScoreSource.CVSS_V3
        elif vector and vector.startswith("CVSS:4"):
            method = VulnerabilityScoreSource.CVSS_V4
        ratings.append(VulnerabilityRating(
            score=_decimal(entry.get("base_score")),
            severity=_severity(entry.get("severity") or finding.severity),
            method=method,
            vector=vector if method else None,
        ))
    return ratings or [VulnerabilityRating(severity=_severity(finding.severity))]


def _severity(value: Any) -> VulnerabilitySeverity:
    text = str(value).lower()
    return VulnerabilitySeverity(text) if text in VulnerabilitySeverity._value2member_map_ else VulnerabilitySeverity.UNKNOWN


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_iso8601(value)
    except ValueError:
        return None


def _is_url(value: str) -> bool:
    return bool(re.match(r"https?://[^\s]+$", value))


def render_text(document: Any) -> str:
    """The SBOM file's text: one serialisation for a fresh run and for a cache hit's restore,
    so the bytes on disk depend only on the document."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
