"""Check ``sbom``: a validated, reproducible CycloneDX SBOM of the project, and licence findings.

Sources, in the order ``source = "auto"`` tries them: ``pylock.toml`` (PEP 751), ``uv.lock``,
``poetry.lock``, ``requirements.txt``; with none of them, the installed environment
(``environment``, default the project's ``.venv``). The document is built with
cyclonedx-python-lib (CycloneDX 1.6 by default, 1.7 selectable), validated against the
CycloneDX JSON schema before it is written (an invalid document is a check error, never a
silently bad file), written to ``output`` and returned as the ``sbom`` artifact, which the
attestation step wraps with predicate type ``https://cyclonedx.org/bom``.

Findings: a component with no licence information (``no-license``), a licence on the
``deny_licenses`` list (``denied-license``), a component whose version is not pinned
(``unpinned``). With ``include_vulnerabilities`` the SCA check's findings of the same gate
become the SBOM's ``vulnerabilities`` section.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from gatecheck import __version__ as gatecheck_version
from gatecheck import hookimpl
from gatecheck.checks import Check, CheckContext
from gatecheck.errors import CheckFailed
from gatecheck.model import Artifact, CheckResult, Finding, Location, Package, Tool, finding_id
from gatecheck_plugins.sbom import environment, lockfiles, packages, schema
from gatecheck_plugins.sbom.document import BuiltSbom, build, render_text
from gatecheck_plugins.sbom.licenses import denied, ids_in
from gatecheck_plugins.sbom.packages import Inventory, PackageRecord

__version__ = "1.0.0"

MEDIA_TYPE = "application/vnd.cyclonedx+json"
PREDICATE_TYPE = "https://cyclonedx.org/bom"
DEFAULT_OUTPUT = ".gatecheck/sbom.cdx.json"
#: Lock file names ``source = "auto"`` looks for in the project root, most precise first.
LOCK_FILE_PRIORITY = ("pylock.toml", "pylock.*.toml", "uv.lock", "poetry.lock", "requirements.txt")
SEVERITY_DEFAULTS = {"no-license": "low", "denied-license": "high", "unpinned": "medium"}
_SEVERITY_ENUM = ["critical", "high", "medium", "low", "info"]


class SbomCheck:
    """Builds, validates and writes the project's CycloneDX SBOM; reports licence and pinning problems."""

    name = "sbom"
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
                "enum": ["auto", "lock", "environment"],
                "description": "Where the components come from; auto: lock files if any, else the environment.",
            },
            "files": {
                "type": "array", "items": {"type": "string", "minLength": 1},
                "description": "Lock/requirements files (relative to the project root) instead of auto-detection.",
            },
            "environment": {
                "type": "string", "minLength": 1,
                "description": "Virtualenv or site-packages directory to inventory, or 'current' for gatecheck's own.",
            },
            "licenses_from_environment": {
                "type": "boolean",
                "description": "In lock mode, take licences from the environment's metadata for matching versions.",
            },
            "output": {"type": "string", "minLength": 1, "description": "Where to write the SBOM (relative to the root)."},
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

    def inputs(self, ctx: CheckContext) -> list[Path]:
        kind, files, env_paths = self._plan(ctx)
        items = environment.installed(env_paths) if env_paths is not None else None
        found = self._decisive_files(ctx, kind, files, items)
        material = self._key_material(ctx, found)
        if ctx.work_dir is not None:
            # What decides the result but is not a file (SOURCE_DATE_EPOCH, the SCA findings,
            # whether the written SBOM is still the one this key produced) goes into a small
            # file, so the runner's content-addressed cache sees it like any other input.
            ctx.work_dir.mkdir(parents=True, exist_ok=True)
            marker = ctx.work_dir / "key-material.json"
            marker.write_text(json.dumps(material, sort_keys=True), "utf-8")
            found.append(marker)
        return found

    def _decisive_files(
        self, ctx: CheckContext, kind: str, files: list[Path], items: list[environment.Installed] | None
    ) -> list[Path]:
        """Every file whose content the SBOM depends on: lock files and their includes,
        pyproject.toml (the root component), and the environment's METADATA/RECORD files."""
        found: list[Path] = list(files)
        if kind == "requirements":
            found.extend(_requirement_includes(files))
        pyproject = ctx.root / "pyproject.toml"
        if pyproject.is_file():
            found.append(pyproject)
        if items is not None:
            found.extend(environment.metadata_files(items))
        return found

    def _key_material(self, ctx: CheckContext, files: list[Path]) -> dict[str, Any]:
        material: dict[str, Any] = {"source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH")}
        if ctx.options.get("include_vulnerabilities"):
            sca = ctx.results.get("sca")
            material["sca"] = sca.to_dict() | {"duration_ms": 0, "cached": False} if sca is not None else None
        return material

    def restore(self, ctx: CheckContext, result: CheckResult) -> None:
        """On a cache hit, put the cached SBOM back on disk if the file there is missing or
        differs, so the written SBOM always matches the result the gate reports."""
        [artifact] = [a for a in result.artifacts if a.media_type == MEDIA_TYPE]
        text = render_text(artifact.content)
        output = self._output_path(ctx)
        if not output.is_file() or output.read_text("utf-8") != text:
            _write(output, text)

    # --- the run --------------------------------------------------------------------------

    def run(self, ctx: CheckContext) -> CheckResult:
        started = time.perf_counter()
        options = ctx.options
        spec_version = str(options.get("spec_version", "1.6"))
        kind, files, env_paths = self._plan(ctx)
        items = environment.installed(env_paths) if env_paths is not None else None
        inventory = self._inventory(ctx, kind, files, env_paths, items)
        ctx.check_cancelled()
        vulnerabilities = self._sca_findings(ctx) if options.get("include_vulnerabilities") else None
        built = build(
            inventory,
            spec_version=spec_version,
            timestamp=_timestamp(),
            tool_version=gatecheck_version,
            vulnerabilities=vulnerabilities,
        )
        ctx.check_cancelled()
        validate_started = time.perf_counter()
        problems = schema.problems(built.document, spec_version)
        validation_ms = round((time.perf_counter() - validate_started) * 1000, 1)
        if problems:
            raise CheckFailed(
                f"the generated SBOM does not validate against the CycloneDX {spec_version} schema: " + "; ".join(problems)
            )
        output = self._output_path(ctx)
        _write(output, render_text(built.document))

        findings = self._findings(ctx, inventory)
        rel_output = ctx.relpath(output)
        return CheckResult(
            tool=Tool("cyclonedx-python-lib", dist_version("cyclonedx-python-lib")),
            findings=findings,
            summary=self._summary(inventory, built, spec_version, rel_output, findings, validation_ms,
                                  round((time.perf_counter() - started) * 1000, 1)),
            artifacts=[Artifact(name="sbom", media_type=MEDIA_TYPE, content=built.document, path=rel_output)],
        )

    # --- sources --------------------------------------------------------------------------

    def _plan(self, ctx: CheckContext) -> tuple[str, list[Path], list[str] | None]:
        """Decide the source: ``(kind, lock files, environment import paths or None)``."""
        options = ctx.options
        source = options.get("source", "auto")
        lock_files: list[Path] = []
        if source != "environment":
            lock_files = self._lock_files(ctx)
        if lock_files:
            kinds = {lockfiles.kind_of(p) for p in lock_files}
            kind = kinds.pop() if len(kinds) == 1 else "mixed"
            env_paths = None
            if options.get("licenses_from_environment", True):
                env_paths = self._environment_paths(ctx, required=False)
            return str(kind), lock_files, env_paths
        if source == "lock":
            raise CheckFailed(
                "source = 'lock' but no lock file was found (looked for " + ", ".join(LOCK_FILE_PRIORITY) + ")",
                bad_input=True,
            )
        env_paths = self._environment_paths(ctx, required=True)
        assert env_paths is not None
        return "environment", [], env_paths

    def _lock_files(self, ctx: CheckContext) -> list[Path]:
        configured = ctx.options.get("files")
        if configured:
            found: list[Path] = []
            for entry in configured:
                matches = sorted(ctx.root.glob(entry)) if any(ch in entry for ch in "*?[") else [ctx.root / entry]
                matches = [m for m in matches if m.is_file()]
                if not matches:
                    raise CheckFailed(f"checks.sbom.files: {entry!r} matches no file under {ctx.root}", bad_input=True)
                for match in matches:
                    if lockfiles.kind_of(match) is None:
                        raise CheckFailed(f"checks.sbom.files: {ctx.relpath(match)} is not a lock file gatecheck can read",
                                          bad_input=True)
                    if match not in found:
                        found.append(match)
            return found
        for pattern in LOCK_FILE_PRIORITY:
            matches = sorted(p for p in ctx.root.glob(pattern) if p.is_file())
            if matches:
                return matches
        return []

    def _environment_paths(self, ctx: CheckContext, *, required: bool) -> list[str] | None:
        configured = ctx.options.get("environment")
        if configured:
            return environment.site_paths(ctx.root, str(configured))
        default = ctx.root / ".venv"
        if default.is_dir():
            try:
                return environment.site_paths(ctx.root, str(default))
            except CheckFailed:
                if required:
                    raise
                return None  # only borrowing licences: a broken .venv is no reason to fail
        if required:
            raise CheckFailed(
                "no lock file (" + ", ".join(LOCK_FILE_PRIORITY) + ") and no environment: set checks.sbom.environment "
                "to a virtualenv, or to 'current' for the interpreter running gatecheck",
                bad_input=True,
            )
        return None

    def _inventory(
        self,
        ctx: CheckContext,
        kind: str,
        files: list[Path],
        env_paths: list[str] | None,
        items: list[environment.Installed] | None,
    ) -> Inventory:
        project = lockfiles.read_project(ctx.root)
        if kind == "environment":
            assert env_paths is not None and items is not None
            records = environment.read_environment(items)
            own = [r for r in records if r.key == canonicalize_name(project.name)]
            if own:
                # The project is installed in its own environment: its metadata is the truth.
                project.version = project.version or own[0].version
                if project.dependencies is None or not project.dependencies:
                    project.dependencies = [name for name, _ in own[0].dependencies or []]
                project.license_expression = project.license_expression or own[0].license_expression
            return Inventory(project=project, packages=packages.merge(records), kind="environment",
                             files=[ctx.relpath(p) for p in env_paths])
        records = []
        for path in files:
            ctx.check_cancelled()
            rel = ctx.relpath(path)
            if lockfiles.kind_of(path) == "uv.lock":
                found, root_deps = lockfiles.read_uv_lock_with_root(path, rel)
                if root_deps is not None and not project.dependencies:
                    project.dependencies = [name for name, _ in root_deps]
                records.extend(found)
            else:
                records.extend(lockfiles.read(path, rel))
        merged = packages.merge(records)
        if items is not None:
            _licenses_from_environment(merged, items)
        return Inventory(project=project, packages=merged, kind=kind, files=[ctx.relpath(p) for p in files])

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

    def _output_path(self, ctx: CheckContext) -> Path:
        configured = Path(str(ctx.options.get("output", DEFAULT_OUTPUT)))
        return configured if configured.is_absolute() else ctx.root / configured

    # --- findings and summary ---------------------------------------------------------------

    def _findings(self, ctx: CheckContext, inventory: Inventory) -> list[Finding]:
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
            ident = f"{record.key}@{record.version or ''}"
            if not record.pinned:
                requirement = record.properties.get("gatecheck:requirement") or record.properties.get("gatecheck:editable")
                findings.append(Finding(
                    id=finding_id(self.name, "unpinned", key=ident),
                    check=self.name, rule_id="unpinned", severity=severities["unpinned"], confidence="high",
                    title=f"{label} is not pinned to one exact version" + (f" ({requirement})" if requirement else ""),
                    location=location, package=package,
                    metadata={"source": record.source},
                ))
            if not record.has_license:
                findings.append(Finding(
                    id=finding_id(self.name, "no-license", key=ident),
                    check=self.name, rule_id="no-license", severity=severities["no-license"], confidence="medium",
                    title=f"{label} has no licence information in its metadata",
                    location=location, package=package,
                    metadata={"source": record.source},
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
                    metadata={"license": licence, "denied_by": hit, "source": record.source},
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
            ids = _licence_labels(record)
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
            "files": inventory.files,
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


def _licence_labels(record: PackageRecord | None) -> list[str]:
    """The licence ids (or names) of a component, for counting and for policies."""
    if record is None:
        return []
    if record.license_expression:
        return sorted(ids_in(record.license_expression))
    return list(record.license_names)


def _licenses_from_environment(records: list[PackageRecord], items: list[environment.Installed]) -> None:
    """Lock files carry no licences: borrow them from installed metadata of the *same* version."""
    wanted = {(r.key, r.version) for r in records if not r.has_license}
    if not wanted:
        return
    installed: dict[tuple[str, str | None], PackageRecord] = {}
    for item in items:
        key = (canonicalize_name(item.name), item.version)
        if key in wanted:
            installed[key] = environment.record_of(item)
    for record in records:
        match = installed.get((record.key, record.version))
        if match is not None and not record.has_license:
            record.license_expression = match.license_expression
            record.license_names = list(match.license_names)


def _requirement_includes(files: list[Path]) -> list[Path]:
    """Files pulled in with ``-r`` from requirements files (they decide the result too)."""
    found: list[Path] = []
    todo = list(files)
    while todo:
        path = todo.pop()
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for match in re.finditer(r"^\s*(?:-r|--requirement)[\s=]*(\S+)", text, re.MULTILINE):
            included = path.parent / match.group(1)
            if included.is_file() and included not in found and included not in files:
                found.append(included)
                todo.append(included)
    return found


def _timestamp() -> datetime:
    """``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now; whole seconds, UTC."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None or value == "":
        return datetime.now(UTC).replace(microsecond=0)
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise CheckFailed(f"SOURCE_DATE_EPOCH={value!r} is not a Unix timestamp in whole seconds", bad_input=True) from exc


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)


@hookimpl
def gatecheck_checks() -> list[Check]:
    return [SbomCheck()]
