"""Which files the secret scan reads: the configured scan paths, minus ignored, binary and oversized files.

``.gitignore`` files (every level, plus ``.git/info/exclude``) are honoured with git's
own matching rules (pathspec's ``GitIgnoreSpec``): a file git would not track cannot be
pushed, so it cannot leak through the repository. Ignored directories are pruned
before they are walked, which keeps ``node_modules``-sized trees cheap.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from gatecheck.checks import CheckContext
from gatecheck.repository import UNTRACKED_SKIPPED_DIRS

#: Extensions whose content is never text a developer types a secret into.
BINARY_EXTENSIONS = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".tif", ".tiff", ".psd", ".heic",
    ".mp3", ".mp4", ".m4a", ".mov", ".avi", ".mkv", ".webm", ".wav", ".flac", ".ogg",
    ".zip", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".tar", ".whl", ".egg", ".jar", ".war",
    ".so", ".dylib", ".dll", ".exe", ".o", ".a", ".lib", ".pyc", ".pyo", ".class", ".wasm",
    ".woff", ".woff2", ".ttf", ".otf", ".eot", ".pdf", ".sqlite", ".db", ".parquet", ".npy", ".pt", ".onnx",
})
DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024
BINARY_SNIFF = 8192


@dataclass
class Selection:
    """The files to scan and the ones left out, by reason."""

    files: list[str] = field(default_factory=list)
    #: ``files`` as root-relative POSIX paths, in the same order.
    rels: list[str] = field(default_factory=list)
    ignored: int = 0
    binary: list[str] = field(default_factory=list)
    large: list[str] = field(default_factory=list)


class IgnoreRules:
    """The .gitignore rules in force under a root, loaded directory by directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._specs: dict[str, pathspec.GitIgnoreSpec | None] = {}
        exclude = root / ".git" / "info" / "exclude"
        self._info = self._read(exclude) if exclude.is_file() else None

    @staticmethod
    def _read(path: Path) -> pathspec.GitIgnoreSpec | None:
        try:
            lines = path.read_text("utf-8", "replace").splitlines()
        except OSError:
            return None
        return pathspec.GitIgnoreSpec.from_lines(lines) if any(line.strip() for line in lines) else None

    def _spec(self, rel_dir: str) -> pathspec.GitIgnoreSpec | None:
        if rel_dir not in self._specs:
            gitignore = self.root / rel_dir / ".gitignore" if rel_dir else self.root / ".gitignore"
            self._specs[rel_dir] = self._read(gitignore) if gitignore.is_file() else None
        return self._specs[rel_dir]

    def ignored(self, rel: str, is_dir: bool) -> bool:
        """Whether git would ignore ``rel`` (root-relative POSIX); the deepest .gitignore that decides wins."""
        parts = rel.split("/")
        candidate = rel + "/" if is_dir else rel
        for depth in range(len(parts) - 1, -1, -1):
            spec = self._spec("/".join(parts[:depth]))
            if spec is None:
                continue
            decided = spec.check_file("/".join(parts[depth:]) + ("/" if is_dir else "")).include
            if decided is not None:
                return decided
        if self._info is not None:
            decided = self._info.check_file(candidate).include
            if decided is not None:
                return decided
        return False


def select(ctx: CheckContext, *, respect_gitignore: bool = True, max_size: int = DEFAULT_MAX_FILE_SIZE) -> Selection:
    """Walk the scan paths like :meth:`CheckContext.files`, pruning git-ignored directories.

    Relative paths are built by joining names rather than resolving each file, because
    resolving dominated the scan time on large trees.
    """
    selection = Selection()
    ignore = IgnoreRules(ctx.root) if respect_gitignore else None
    roots = ctx.paths or [ctx.root]
    seen: set[str] = set()

    def consider(full: str, rel: str, size: int) -> None:
        if rel in seen:
            return
        seen.add(rel)
        if ignore is not None and ignore.ignored(rel, is_dir=False):
            selection.ignored += 1
            return
        if os.path.splitext(rel)[1].lower() in BINARY_EXTENSIONS:
            selection.binary.append(rel)
            return
        if size > max_size:
            selection.large.append(rel)
            return
        selection.files.append(full)
        selection.rels.append(rel)

    def walk(directory: str, rel_dir: str) -> None:
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if entry.is_symlink():
                continue  # the target is scanned where it lives, or is outside the project
            if entry.is_dir(follow_symlinks=False):
                if entry.name in UNTRACKED_SKIPPED_DIRS or ctx.is_excluded(rel):
                    continue
                if ignore is not None and ignore.ignored(rel, is_dir=True):
                    selection.ignored += 1
                    continue
                walk(entry.path, rel)
            elif entry.is_file(follow_symlinks=False) and not ctx.is_excluded(rel):
                try:
                    size = entry.stat(follow_symlinks=False).st_size
                except OSError:
                    continue  # vanished while walking
                consider(entry.path, rel, size)

    for base in roots:
        base = base if base.is_absolute() else ctx.root / base
        rel_base = ctx.relpath(base)
        if base.is_file():
            consider(str(base), rel_base, base.stat().st_size)
        elif base.is_dir():
            walk(str(base), "" if rel_base == "." else rel_base)
    return selection


def looks_binary(head: bytes) -> bool:
    """A NUL byte in the first 8 KiB means binary, as git decides (UTF-16 text is handled by the caller)."""
    return b"\0" in head[:BINARY_SNIFF]


def decode_utf16(data: bytes) -> bytes | None:
    """UTF-8 bytes of a UTF-16 text file with a byte-order mark, else None."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return None
    return None
