"""Check ``sbom``: a validated, reproducible CycloneDX SBOM of the project, and licence findings.

Sources, in the order ``source = "auto"`` tries them: ``pylock.toml`` (PEP 751), ``uv.lock``,
``poetry.lock``, ``requirements.txt``; with none of them, the installed environment
(``environment``, default the project's ``.venv``). Every one of them is found, read and parsed
by the dependency inventory the sca check shares (:mod:`gatecheck_plugins.dependencies`): only
through the repository view, includes confined to the tree. The document is built with
cyclonedx-python-lib (CycloneDX 1.6 by default, 1.7 selectable), scrubbed by the gate's redactor,
validated against the CycloneDX JSON schema before it is written (an invalid document is a check
error, never a silently bad file), written to ``output`` inside the tree (through the repository
view, so a ``.gatecheck`` symlink out of the tree is refused) and returned as the ``sbom``
artifact, which the attestation step wraps with predicate type ``https://cyclonedx.org/bom``.

Findings: a component with no licence information (``no-license``), a licence on the
``deny_licenses`` list (``denied-license``), a component whose version is not pinned
(``unpinned``). With ``include_vulnerabilities`` the SCA check's findings of the same gate
become the SBOM's ``vulnerabilities`` section.
"""

from __future__ import annotations

import fnmatch
import os
import time
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from gatecheck.api import (
    SEVERITIES,
    Artifact,
    BadInput,
    CheckBase,
    CheckContext,
    CheckFailed,
    CheckResult,
    Finding,
    KeyFact,
    Location,
    OutsideRepository,
    Package,
    Tool,
    canonical_json,
    finding_id,
    normalize,
)
from gatecheck.api import __version__ as gatecheck_version
from gatecheck_plugins import dependencies
from gatecheck_plugins.dependencies import Environment, PackageRecord, Project
from gatecheck_plugins.sbom import installed_packages, packages, schema
from gatecheck_plugins.sbom.document import BuiltSbom, build, render_text
from gatecheck_plugins.sbom.licenses import denied, licence_labels, licenses_from_environment
from gatecheck_plugins.sbom.packages import Inventory

__version__ = "1.2.0"

#: The check's name: its table in the configuration (``[checks.sbom]``) and its findings' ``check``.
CHECK = "sbom"

MEDIA_TYPE = "application/vnd.cyclonedx+json"
PREDICATE_TYPE = "https://cyclonedx.org/bom"
DEFAULT_OUTPUT = ".gatecheck/sbom.cdx.json"
DEFAULT_ENVIRONMENT = ".venv"
PYPROJECT = "pyproject.toml"
SETUP_CFG = "setup.cfg"
#: Kinds of file ``files`` may name: lock files and (pinned) requirements files.
LOCK_KINDS = (*dependencies.LOCK_KINDS, dependencies.REQUIREMENTS)
#: Lock file names ``source = "auto"`` looks for in the project root, most precise first.
LOCK_FILE_PRIORITY = ("pylock.toml", "pylock.*.toml", "uv.lock", "poetry.lock", "requirements.txt")
SEVERITY_DEFAULTS = {"no-license": "low", "denied-license": "high", "unpinned": "medium"}
#: Severities an operator may set (every level of the one scale but "unknown").
_SEVERITY_ENUM = [s for s in SEVERITIES if s != "unknown"]


class SbomCheck(CheckBase):
    """Builds, validates and writes the project's CycloneDX SBOM; reports licence and pinning problems."""

    name = CHECK
    version = __version__
    description = "CycloneDX SBOM (validated, reproducible) from lock files or the environment; licence findings."
    #: The SCA check's result feeds the SBOM's vulnerabilities section when both run.
    after = ("sca",)
    options_schema: Mapping[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "source": {
                "enum": ["auto", "lock", "environment", "declared"],
                "description": "Where the components come from; auto: lock files if any, else the environment, "
                               "else the declared dependencies (pyproject.toml, setup.cfg), else the project alone.",
            },
            "shape": {
                "enum": ["auto", *dependencies.SHAPES],
                "description": "application (a range is an unpinned finding) or library (ranges are what it declares); "
                               "auto decides from the files, as the sca check does.",
            },
            "files": {
                "type": "array", "items": {"type": "string", "minLength": 1}, "x-gatecheck-path": "tree",
                "description": "Lock/requirements files (relative to the project root) instead of auto-detection.",
            },
            "environment": {
                "type": "string", "minLength": 1, "x-gatecheck-path": "tree",
                "x-gatecheck-operator-values": [dependencies.CURRENT],
                "description": "Virtualenv or site-packages directory (inside the project) to inventory, or "
                               "'current' for gatecheck's own (operator only).",
            },
            "licenses_from_environment": {
                "type": "boolean",
                "description": "In lock mode, take licences from the environment's metadata for matching versions.",
            },
            "output": {"type": "string", "minLength": 1, "x-gatecheck-path": "tree",
                       "description": "Where to write the SBOM, inside the project (relative to the root)."},
            "spec_version": {"enum": ["1.6", "1.7"], "description": "CycloneDX specification version."},
            "deny_licenses": {
                "type": "array", "items": {"type": "string", "minLength": 1},
                "description": "SPDX licence ids or globs (GPL-*) that are not acceptable.",
            },
            "include_vulnerabilities": {
                "type": "boolean",
                "description": "Put the SCA check's findings of the same gate into the SBOM (requires the sca check).",
            },
            "severity": {
                "type": "object",
                "additionalProperties": False,
                "properties": {rule: {"enum": _SEVERITY_ENUM} for rule in SEVERITY_DEFAULTS},
                "description": "Severity per finding rule.",
            },
        },
    }

    # --- what decides the result ----------------------------------------------------------

    def inputs(self, ctx: CheckContext) -> list[Path | KeyFact]:
        kind, files, where = self._plan(ctx)
        env = self._environment(ctx, where, required=kind == "environment")
        root = ctx.repo.root
        # Every file whose content the SBOM depends on: the lock files and their includes,
        # pyproject.toml (the root component), and the environment's metadata files.
        found: list[Path | KeyFact] = [root / rel for rel in dependencies.files_read(ctx.repo, files)]
        # The root component and the project's shape come from these, whatever the source.
        found += [root / rel for rel in (PYPROJECT, SETUP_CFG) if ctx.repo.is_file(rel) and rel not in files]
        found += [root / rel for rel in dependencies.select(ctx.repo.files(), None)
                  if "/" not in rel and rel not in files and rel not in (PYPROJECT, SETUP_CFG)]
        if env is not None:
            found.extend(env.files)
        found.extend(self._key_facts(ctx))
        return found

    def _key_facts(self, ctx: CheckContext) -> list[KeyFact]:
        """What decides the result but is not a file: the document's timestamp, and the SCA
        findings that become its vulnerabilities section."""
        facts = [KeyFact("SOURCE_DATE_EPOCH", os.environ.get("SOURCE_DATE_EPOCH") or "")]
        if ctx.options.get("include_vulnerabilities"):
            sca = ctx.results.get("sca")
            # Its timing and cache state do not change the SBOM: leave them out of the key.
            material = sca.to_dict() | {"duration_ms": 0, "cached": False} if sca is not None else None
            facts.append(KeyFact("sca", canonical_json(material).decode("utf-8")))
        return facts

    def restore(self, ctx: CheckContext, result: CheckResult) -> None:
        """On a cache hit, put the cached SBOM back if the file in the tree is missing or
        differs, so the written SBOM always matches the result the gate reports."""
        [artifact] = [a for a in result.artifacts if a.media_type == MEDIA_TYPE]
        text = render_text(artifact.content)
        output = self._output(ctx)
        try:
            current: bytes | None = ctx.repo.read_bytes(output)
        except (OSError, BadInput):
            current = None
        if current != text.encode("utf-8"):
            self._write(ctx, output, text)

    # --- the run --------------------------------------------------------------------------

    def run(self, ctx: CheckContext) -> CheckResult:
        started = time.perf_counter()
        options = ctx.options
        spec_version = str(options.get("spec_version", "1.6"))
        output = self._output(ctx)
        kind, files, where = self._plan(ctx)
        env = self._environment(ctx, where, required=kind == "environment")
        inventory = self._inventory(ctx, kind, files, env)
        ctx.check_cancelled()
        vulnerabilities = self._sca_findings(ctx) if options.get("include_vulnerabilities") else None
        built = build(
            inventory,
            spec_version=spec_version,
            timestamp=_timestamp(),
            tool_version=gatecheck_version,
            vulnerabilities=vulnerabilities,
            # The file is written here, outside the runner's reach: scrub it before it exists.
            scrub=ctx.redactor.data,
        )
        ctx.check_cancelled()
        validate_started = time.perf_counter()
        problems = schema.problems(built.document, spec_version)
        validation_ms = round((time.perf_counter() - validate_started) * 1000, 1)
        if problems:
            raise CheckFailed(
                f"the generated SBOM does not validate against the CycloneDX {spec_version} schema: " + "; ".join(problems)
            )
        self._write(ctx, output, render_text(built.document))

        shape = self._shape(ctx, kind)
        findings = self._findings(ctx, inventory, shape.kind)
        summary = self._summary(inventory, built, spec_version, output, findings, validation_ms,
                                round((time.perf_counter() - started) * 1000, 1))
        summary["shape"] = shape.to_dict()
        return CheckResult(
            tool=Tool("cyclonedx-python-lib", dist_version("cyclonedx-python-lib")),
            findings=findings,
            summary=summary,
            artifacts=[Artifact(name="sbom", media_type=MEDIA_TYPE, content=built.document, path=output)],
        )

    # --- sources --------------------------------------------------------------------------

    def _plan(self, ctx: CheckContext) -> tuple[str, list[str], str | None]:
        """Decide the source: ``(kind, files, environment or None)``.

        ``auto`` takes lock files, else an installed environment (``environment``, or the project's
        ``.venv``), else the dependencies the project declares (pyproject.toml, setup.cfg: a
        library's ranges), else nothing but the project itself: every layout gets an SBOM.
        """
        options = ctx.options
        source = options.get("source", "auto")
        lock_files = self._lock_files(ctx) if source in ("auto", "lock") else []
        if lock_files:
            kinds = {dependencies.kind_of(rel) for rel in lock_files}
            kind = kinds.pop() if len(kinds) == 1 else "mixed"
            where = self._environment_where(ctx, required=False) if options.get("licenses_from_environment", True) \
                else None
            return str(kind), lock_files, where
        if source == "lock":
            raise CheckFailed(
                "source = 'lock' but no lock file was found (looked for " + ", ".join(LOCK_FILE_PRIORITY) + ")",
                bad_input=True,
            )
        if source in ("auto", "environment"):
            where = self._environment_where(ctx, required=source == "environment")
            if where is not None:
                return "environment", [], where
        declared = [rel for rel in (PYPROJECT, SETUP_CFG) if ctx.repo.is_file(rel)]
        return ("declared" if declared else "none"), declared, None

    def _lock_files(self, ctx: CheckContext) -> list[str]:
        """The configured lock files, else the first kind of ``LOCK_FILE_PRIORITY`` in the project root."""
        listed = ctx.repo.files()
        configured = ctx.options.get("files")
        if not configured:
            for pattern in LOCK_FILE_PRIORITY:
                matches = sorted(rel for rel in listed if "/" not in rel and fnmatch.fnmatch(rel, pattern))
                if matches:
                    return matches
            return []
        found: list[str] = []
        for entry in configured:
            if dependencies.is_glob(entry):
                matches = [rel for rel in listed if dependencies.matches(rel, [entry])]
            else:
                rel = _tree_path(entry, "checks.sbom.files")
                matches = [rel] if ctx.repo.is_file(rel) else []
            if not matches:
                raise CheckFailed(f"checks.sbom.files: {entry!r} matches no file in the repository", bad_input=True)
            for match in matches:
                if dependencies.kind_of(match) not in LOCK_KINDS:
                    raise CheckFailed(f"checks.sbom.files: {match} is not a lock file gatecheck can read", bad_input=True)
                if match not in found:
                    found.append(match)
        return found

    def _environment_where(self, ctx: CheckContext, *, required: bool) -> str | None:
        """The environment to read: ``environment`` if set, else the project's ``.venv`` if there is one."""
        configured = ctx.options.get("environment")
        if configured:
            return str(configured)
        if ctx.repo.is_dir(DEFAULT_ENVIRONMENT):
            return DEFAULT_ENVIRONMENT
        if required:
            raise CheckFailed(
                "source = 'environment' but the project has no .venv: set checks.sbom.environment to the virtual "
                "environment (or site-packages directory) inside the project to inventory, or use source = 'auto'",
                bad_input=True,
            )
        return None

    def _environment(self, ctx: CheckContext, where: str | None, *, required: bool) -> Environment | None:
        if where is None:
            return None
        try:
            return dependencies.open_environment(ctx.repo, where)
        except CheckFailed:
            if required or ctx.options.get("environment"):
                raise
            return None  # only borrowing licences from the project's .venv: a broken one is no reason to fail

    def _project(self, ctx: CheckContext) -> Project:
        """The root component, from the project's pyproject.toml (or setup.cfg) when it names one."""
        for rel in (PYPROJECT, SETUP_CFG):
            if ctx.repo.is_file(rel):
                parsed = dependencies.read(ctx.repo, rel)
                assert isinstance(parsed, dependencies.PyProject)
                if parsed.declares_package or rel == PYPROJECT:
                    return parsed.project
        return Project(name=ctx.repo.root.name)

    def _shape(self, ctx: CheckContext, kind: str) -> dependencies.Shape:
        """Application or library (:mod:`gatecheck_plugins.dependencies.shape`), from the root's files."""
        configured = str(ctx.options.get("shape", "auto"))
        if configured in dependencies.SHAPES:
            return dependencies.shape.configured(configured)
        root = [rel for rel in dependencies.select(ctx.repo.files(), None) if "/" not in rel]
        parsed = [item for item in (dependencies.read(ctx.repo, rel) for rel in root)
                  if not isinstance(item, dependencies.PyProject) or item.declares_package]
        return dependencies.shape.detect(parsed, ctx.repo.files(), environment=kind == "environment")

    def _inventory(self, ctx: CheckContext, kind: str, files: list[str], env: Environment | None) -> Inventory:
        project = self._project(ctx)
        if kind == "environment":
            assert env is not None
            installed = [installed_packages.record_of(item) for item in env.distributions]
            own = [r for r in installed if r.key == canonicalize_name(project.name)]
            if own:
                # The project is installed in its own environment: its metadata is the truth.
                project.version = project.version or own[0].version
                if project.dependencies is None or not project.dependencies:
                    project.dependencies = [name for name, _ in own[0].dependencies or []]
                project.license_expression = project.license_expression or own[0].license_expression
            return Inventory(project=project, packages=packages.merge(installed), kind="environment", files=env.paths)
        records: list[PackageRecord] = []
        for rel in files:
            ctx.check_cancelled()
            parsed = dependencies.read(ctx.repo, rel)
            if isinstance(parsed, dependencies.PyProject):
                records.extend(packages.from_declared(parsed))
                if not project.dependencies:
                    project.dependencies = [str(canonicalize_name(d.name)) for d in parsed.declared if d.group is None]
            elif isinstance(parsed, dependencies.RequirementsSet):
                records.extend(packages.from_requirements(parsed))
            elif isinstance(parsed, dependencies.LockFile):
                if parsed.root_dependencies is not None and not project.dependencies:
                    project.dependencies = [name for name, _ in parsed.root_dependencies]
                records.extend(parsed.records)
        merged = packages.merge(records)
        if env is not None:
            licenses_from_environment(merged, env.distributions)
        return Inventory(project=project, packages=merged, kind=kind, files=list(files))

    def _sca_findings(self, ctx: CheckContext) -> list[Finding]:
        sca = ctx.results.get("sca")
        if sca is None:
            raise CheckFailed(
                "include_vulnerabilities is set but the sca check did not run in this gate: enable it, "
                "or turn the option off"
            )
        if sca.status != "ok":
            # Fail closed: an SBOM that says "no vulnerabilities" because the scan failed would lie.
            raise CheckFailed(f"include_vulnerabilities is set but the sca check ended with status {sca.status!r}: "
                              f"{sca.error or 'no reason given'}")
        return [f for f in sca.findings if f.package is not None]

    def _output(self, ctx: CheckContext) -> str:
        """Where the SBOM goes: a root-relative path inside the tree (``x-gatecheck-path: tree``)."""
        return _tree_path(str(ctx.options.get("output", DEFAULT_OUTPUT)), "checks.sbom.output")

    def _write(self, ctx: CheckContext, rel: str, text: str) -> None:
        try:
            ctx.repo.write(rel, text.encode("utf-8"), what="checks.sbom.output")
        except OutsideRepository as exc:
            raise CheckFailed(f"{exc.message}; the SBOM is written only inside the tree being gated",
                              bad_input=True) from exc

    # --- findings and summary ---------------------------------------------------------------

    def _findings(self, ctx: CheckContext, inventory: Inventory, shape: str) -> list[Finding]:
        """Licence and pinning findings. A declared range is a finding only in an application (a
        library's ranges are what it is meant to declare), and never a licence finding (a range
        names no release, and so no licence)."""
        severities = {**SEVERITY_DEFAULTS, **(ctx.options.get("severity") or {})}
        deny = [str(d) for d in ctx.options.get("deny_licenses", [])]
        project_key = canonicalize_name(inventory.project.name)
        findings: list[Finding] = []
        for record in inventory.packages:
            if record.key == project_key:
                continue
            label = f"{record.name} {record.version}" if record.version else record.name
            package = Package(name=record.name, version=record.version, purl=record.purl.to_string())
            location = Location(record.source, record.line, record.line) if record.line else None
            # Without a line, reports still anchor the finding at the file that declares it.
            where = {"manifest": record.source} if location is None and record.source != "environment" else {}
            ident = f"{record.key}@{record.version or ''}"
            ranged = record.specifier is not None and record.version is None
            if not record.pinned and not (ranged and shape == dependencies.LIBRARY):
                requirement = record.properties.get("gatecheck:requirement") or record.properties.get("gatecheck:editable")
                findings.append(Finding(
                    id=finding_id(self.name, "unpinned", key=ident),
                    check=self.name, rule_id="unpinned", severity=severities["unpinned"], confidence="high",
                    title=f"{label} is not pinned to one exact version" + (f" ({requirement})" if requirement else ""),
                    location=location, package=package,
                    metadata={"source": record.source, **where},
                ))
            if ranged:
                continue
            if not record.has_license:
                findings.append(Finding(
                    id=finding_id(self.name, "no-license", key=ident),
                    check=self.name, rule_id="no-license", severity=severities["no-license"], confidence="medium",
                    title=f"{label} has no licence information in its metadata",
                    location=location, package=package,
                    metadata={"source": record.source, **where},
                ))
                continue
            hit = denied(record.license_expression, record.license_names, deny)
            if hit:
                licence = record.license_expression or ", ".join(record.license_names)
                findings.append(Finding(
                    id=finding_id(self.name, "denied-license", key=f"{ident}:{licence}"),
                    check=self.name, rule_id="denied-license", severity=severities["denied-license"], confidence="high",
                    title=f"{label} is licensed under {licence}, which the deny-list forbids ({', '.join(hit)})",
                    location=location, package=package,
                    metadata={"license": licence, "denied_by": hit, "source": record.source, **where},
                ))
        return findings

    def _summary(
        self, inventory: Inventory, built: BuiltSbom, spec_version: str, output: str, findings: list[Finding],
        validation_ms: float, total_ms: float,
    ) -> dict[str, Any]:
        components = built.document.get("components", [])
        licence_counts: Counter[str] = Counter()
        listed: list[dict[str, Any]] = []
        by_ref = {(r.key, r.version): r for r in inventory.packages}
        for component in components:
            record = by_ref.get((canonicalize_name(component["name"]), component.get("version")))
            ids = licence_labels(record)
            licence_counts.update(ids)
            listed.append({
                "name": component["name"],
                "version": component.get("version"),
                "purl": component.get("purl"),
                "licenses": ids,
                "license_expression": record.license_expression if record else None,
                "pinned": record.pinned if record else True,
            })
        rules = Counter(f.rule_id for f in findings)
        return {
            "format": "CycloneDX",
            "spec_version": spec_version,
            "serial_number": built.serial_number,
            "source": inventory.kind,
            "files": len(inventory.files),
            "paths": inventory.files,
            "output": output,
            "predicate_type": PREDICATE_TYPE,
            "root": {"name": inventory.project.name, "version": inventory.project.version},
            "component_count": len(components),
            "components": listed,
            "licenses": dict(sorted(licence_counts.items())),
            "unlicensed": rules["no-license"],
            "denied": rules["denied-license"],
            "unpinned": rules["unpinned"],
            "dependencies": len(built.document.get("dependencies", [])),
            "vulnerabilities": len(built.document.get("vulnerabilities", [])),
            "unmatched_vulnerabilities": built.unmatched_vulnerabilities,
            "validation_ms": validation_ms,
            "build_ms": total_ms,
        }


def _tree_path(value: str, key: str) -> str:
    """A configured path inside the tree, root-relative; one that leaves it is bad input naming the key."""
    try:
        return normalize(value, what=key)
    except OutsideRepository as exc:
        raise CheckFailed(exc.message, bad_input=True) from exc


def _timestamp() -> datetime:
    """``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now; whole seconds, UTC."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None or value == "":
        return datetime.now(UTC).replace(microsecond=0)
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise CheckFailed(f"SOURCE_DATE_EPOCH={value!r} is not a Unix timestamp in whole seconds", bad_input=True) from exc

