"""Which files the SAST check scans: gatecheck decides, semgrep is only handed the list.

Left to itself semgrep applies a built-in ignore list (``tests/``, ``build/``, ``vendor/``,
``node_modules/``...) whenever a project has no ``.semgrepignore``, and says so only in a
footnote on standard error. Here every exclusion is explicit and counted:

- the gate's ``[run] paths`` / ``exclude`` and the check's own ``paths`` / ``exclude``;
- ignore files with ``.semgrepignore`` (gitignore) semantics, by default the project's own
  ``.semgrepignore`` when it has one, including its ``:include <file>`` lines;
- files larger than ``max_file_bytes``, which are reported as skipped (semgrep does not
  apply its own size limit to files named on its command line).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pathspec import GitIgnoreSpec

from gatecheck.checks import CheckContext
from gatecheck.errors import CheckFailed

DEFAULT_IGNORE_FILE = ".semgrepignore"


@dataclass
class IgnoreSpec:
    """Gitignore-style patterns, remembering which file (or option) each came from."""

    specs: list[tuple[str, GitIgnoreSpec]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def source_of(self, rel: str) -> str | None:
        """The ignore file that excludes ``rel``, or None when nothing does."""
        for source, spec in self.specs:
            if spec.match_file(rel):
                return source
        return None


def load_ignores(ctx: CheckContext, ignore_files: list[str] | None, exclude: list[str]) -> IgnoreSpec:
    """Build the ignore rules: explicit ``ignore_files`` (must exist), else the project's
    ``.semgrepignore`` if present; plus the check's ``exclude`` patterns."""
    result = IgnoreSpec()
    if ignore_files is None:
        default = ctx.root / DEFAULT_IGNORE_FILE
        names = [DEFAULT_IGNORE_FILE] if default.is_file() else []
    else:
        names = list(ignore_files)
    read: set[Path] = set()
    for name in names:
        path = ctx.root / name
        if not path.is_file():
            raise CheckFailed(f"ignore file {name} not found (option checks.sast.ignore_files)", bad_input=True)
        lines = _read_ignore_file(ctx, path, read)
        result.specs.append((ctx.relpath(path), GitIgnoreSpec.from_lines(lines)))
    if exclude:
        result.specs.append(("checks.sast.exclude", GitIgnoreSpec.from_lines(exclude)))
    # Included files decide the targets as much as the files naming them: all are inputs.
    result.files = sorted(read)
    return result


def _read_ignore_file(ctx: CheckContext, path: Path, seen: set[Path]) -> list[str]:
    """Lines of an ignore file, with ``:include FILE`` lines replaced by that file's lines."""
    resolved = path.resolve()
    if resolved in seen:
        return []
    seen.add(resolved)
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise CheckFailed(f"{ctx.relpath(path)}: not UTF-8 text", bad_input=True) from exc
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith(":include"):
            name = stripped[len(":include"):].strip()
            included = path.parent / name
            if not name or not included.is_file():
                raise CheckFailed(f"{ctx.relpath(path)}:{number}: included ignore file {name!r} not found",
                                  bad_input=True)
            lines.extend(_read_ignore_file(ctx, included, seen))
        else:
            lines.append(line)
    return lines


@dataclass
class TargetSelection:
    """The files to scan, and everything left out on purpose, with the reason."""

    files: list[Path] = field(default_factory=list)
    ignored: list[dict[str, str]] = field(default_factory=list)
    #: Files left out because they are too large or unreadable, with the reason.
    too_large: list[dict[str, str]] = field(default_factory=list)

    def ignored_by_source(self) -> dict[str, int]:
        return dict(Counter(item["by"] for item in self.ignored))


def select_targets(
    ctx: CheckContext,
    patterns: list[str],
    ignores: IgnoreSpec,
    max_file_bytes: int,
) -> TargetSelection:
    """Files under the scan paths matching ``patterns`` (file name globs), minus ignores."""
    selection = TargetSelection()
    for path in ctx.files(patterns):
        rel = ctx.relpath(path)
        source = ignores.source_of(rel)
        if source is not None:
            selection.ignored.append({"path": rel, "by": source})
            continue
        try:
            size = path.stat().st_size
        except OSError as exc:  # a dangling symlink, or removed while walking
            with contextlib.suppress(ValueError):
                rel = path.relative_to(ctx.root).as_posix()  # the link's own name, not its missing target
            selection.too_large.append({"path": rel, "reason": f"unreadable: {exc.strerror}"})
            continue
        if max_file_bytes > 0 and size > max_file_bytes:
            selection.too_large.append({"path": rel, "reason": f"larger than max_file_bytes ({size} > {max_file_bytes})"})
            continue
        selection.files.append(path)
    return selection
