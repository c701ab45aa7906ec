"""Which files the SAST check scans: gatecheck decides, semgrep is only handed the list.

Left to itself semgrep applies a built-in ignore list (``tests/``, ``build/``, ``vendor/``,
``node_modules/``...) whenever a project has no ``.semgrepignore``, and says so only in a
footnote on standard error. Here every exclusion is explicit and counted:

- the candidates are the files of the one repository view (``ctx.repo``: tracked files,
  confined to the root, symlinks never followed) under the check's ``paths`` (else the
  gate's ``[run] paths``) whose names match the rules' languages;
- left out, each with the reason: the gate's ``[run] exclude``, the check's ``exclude``,
  ignore files with ``.semgrepignore`` (gitignore) semantics, by default ``.semgrepignore``
  when the configuration source has one, including its ``:include <file>`` lines; and files
  larger than ``max_file_bytes`` (semgrep applies no size limit to files named on its
  command line).

Ignore files are configuration-side files (:mod:`.config_files`): in trusted mode they come from
the operator's side, never from the working tree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from pathspec import GitIgnoreSpec

from gatecheck.api import RUN_EXCLUDE, CheckContext, CheckFailed, OutsideRepository
from gatecheck.api import nothing_scanned as core_nothing_scanned
from gatecheck_plugins.sast import config_files

DEFAULT_IGNORE_FILE = ".semgrepignore"
#: How a file the check's own ``exclude`` option leaves out is attributed.
CHECK_EXCLUDE = "checks.sast.exclude"


@dataclass
class IgnoreSpec:
    """Gitignore-style patterns, remembering which file (or option) each came from."""

    specs: list[tuple[str, GitIgnoreSpec]] = field(default_factory=list)
    #: Local paths of every ignore file read (included ones too): they are cache inputs.
    files: list[Path] = field(default_factory=list)

    def source_of(self, rel: str) -> str | None:
        """The ignore file (or option) that excludes ``rel``, or None when nothing does."""
        for source, spec in self.specs:
            if spec.match_file(rel):
                return source
        return None


def load_ignores(ctx: CheckContext, ignore_files: list[str] | None, exclude: list[str]) -> IgnoreSpec:
    """Build the ignore rules: explicit ``ignore_files`` (must exist), else the configuration
    source's ``.semgrepignore`` if it has one; plus the check's ``exclude`` patterns."""
    result = IgnoreSpec()
    key = "checks.sast.ignore_files"
    found: list[tuple[str, Path | None]]
    if ignore_files is None:
        default = config_files.config_file(ctx, DEFAULT_IGNORE_FILE, key=key)
        found = [(DEFAULT_IGNORE_FILE, default)] if default is not None else []
    else:
        found = [(name, config_files.config_file(ctx, name, key=key)) for name in ignore_files]
    read: dict[str, Path] = {}
    for name, local in found:
        if local is None:
            raise CheckFailed(f"ignore file {config_files.display(ctx, name)} not found (option {key})", bad_input=True)
        lines = _read_ignore_file(ctx, name, local, read)
        result.specs.append((config_files.display(ctx, name), GitIgnoreSpec.from_lines(lines)))
    if exclude:
        result.specs.append((CHECK_EXCLUDE, GitIgnoreSpec.from_lines(exclude)))
    # Included files decide the targets as much as the files naming them: all are inputs.
    result.files = sorted(read.values())
    return result


def _read_ignore_file(ctx: CheckContext, rel: str, local: Path, seen: dict[str, Path]) -> list[str]:
    """Lines of an ignore file, with ``:include FILE`` lines replaced by that file's lines.

    An included file is named relative to the including one and must stay inside the
    configuration source: an absolute path or ``..`` out of it is bad input at its line."""
    if rel in seen:
        return []
    seen[rel] = local
    name = config_files.display(ctx, rel)
    lines: list[str] = []
    for number, line in enumerate(config_files.read_text(ctx, rel, local).splitlines(), start=1):
        stripped = line.strip()
        if not stripped.startswith(":include"):
            lines.append(line)
            continue
        target = stripped[len(":include"):].strip()
        what = "included ignore file"
        try:
            included_rel = ctx.repo.join(rel, target, what=what) if target else ""
            included = ctx.config_source.file(included_rel, what=what) if included_rel else None
        except OutsideRepository as exc:
            raise CheckFailed(f"{name}:{number}: {exc.message}", bad_input=True) from exc
        if included is None:
            raise CheckFailed(f"{name}:{number}: included ignore file {target!r} not found", bad_input=True)
        lines.extend(_read_ignore_file(ctx, included_rel, included, seen))
    return lines


@dataclass
class TargetSelection:
    """The files to scan, and everything left out on purpose, with the reason."""

    #: Root-relative paths semgrep is handed.
    files: list[str] = field(default_factory=list)
    #: Files of the rules' languages under the scan paths, before anything was left out.
    candidates: int = 0
    #: Files an exclude or ignore file left out: ``{"path", "by"}``.
    ignored: list[dict[str, str]] = field(default_factory=list)
    #: Files left out because they are too large, with the reason: ``{"path", "reason"}``.
    too_large: list[dict[str, str]] = field(default_factory=list)

    def ignored_by_source(self) -> dict[str, int]:
        return dict(Counter(item["by"] for item in self.ignored))


def scan_scope(ctx: CheckContext, paths: list[str] | None) -> CheckContext:
    """``ctx`` narrowed to the check's own ``paths`` (they replace the gate's ``[run] paths``),
    without the gate's excludes, which :func:`select_targets` applies and counts itself."""
    if not paths:
        return replace(ctx, exclude=[])
    for name in paths:
        try:
            ctx.repo.path(name, what="checks.sast.paths")
        except OutsideRepository as exc:
            raise CheckFailed(exc.message, bad_input=True) from exc
        if not (ctx.repo.is_dir(name) or ctx.repo.is_file(name)):
            raise CheckFailed(f"checks.sast.paths: {name} does not exist", bad_input=True)
    return replace(ctx, paths=[Path(p) for p in paths], exclude=[])


def select_targets(
    ctx: CheckContext,
    scope: CheckContext,
    patterns: list[str],
    ignores: IgnoreSpec,
    max_file_bytes: int,
) -> TargetSelection:
    """Files of the repository view in ``scope`` matching ``patterns`` (file name globs), minus
    the gate's excludes (``ctx``), the ignore rules and files over ``max_file_bytes``."""
    selection = TargetSelection()
    sizes = {entry.path: entry.size for entry in ctx.repo.entries()}
    for rel in scope.scan_files(patterns):
        selection.candidates += 1
        source = RUN_EXCLUDE if ctx.is_excluded(rel) else ignores.source_of(rel)
        if source is not None:
            selection.ignored.append({"path": rel, "by": source})
            continue
        size = sizes.get(rel, 0)
        if max_file_bytes > 0 and size > max_file_bytes:
            selection.too_large.append({"path": rel, "reason": f"larger than max_file_bytes ({size} > {max_file_bytes})"})
            continue
        selection.files.append(rel)
    return selection


def nothing_scanned(selection: TargetSelection) -> str:
    """Why a selection with candidates ended up empty, naming every source that left files out."""
    left_out = selection.ignored_by_source()
    if selection.too_large:
        left_out["max_file_bytes (too large)"] = len(selection.too_large)
    return str(core_nothing_scanned(selection.candidates, left_out))
