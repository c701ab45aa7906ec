"""The files the secret scan reads, by kind, and reading them: all through the repository view.

The list comes from the one repository view every check shares (``ctx.repo``): every file
git tracks, even one a ``.gitignore`` names (``git add -f`` cannot hide a committed secret),
plus untracked files by the ``[run] untracked`` rule. :func:`select` sorts that list into
files to read and files judged by name alone (binary extensions, over the size limit), with no
tree walking and no ignore rules of its own; :func:`read_text` reads one through the same view.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from gatecheck.api import RUN_EXCLUDE, CheckContext, CheckFailed, RepoFile, matches_any

#: Extensions whose content is never text a developer types a secret into.
BINARY_EXTENSIONS = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".tif", ".tiff", ".psd", ".heic",
    ".mp3", ".mp4", ".m4a", ".mov", ".avi", ".mkv", ".webm", ".wav", ".flac", ".ogg",
    ".zip", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".tar", ".whl", ".egg", ".jar", ".war",
    ".so", ".dylib", ".dll", ".exe", ".o", ".a", ".lib", ".pyc", ".pyo", ".class", ".wasm",
    ".woff", ".woff2", ".ttf", ".otf", ".eot", ".pdf", ".sqlite", ".db", ".parquet", ".npy", ".pt", ".onnx",
})
#: How a file the check's own ``exclude_paths`` leaves out is attributed.
EXCLUDE_PATHS = "checks.secrets.exclude_paths"
DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024
BINARY_SNIFF = 8192
#: Growth a file may show between listing and reading before it is read again with the size limit.
_READ_SLACK = 64 * 1024


@dataclass
class Selection:
    """The files to read (with their listed sizes) and the ones judged by name only (root-relative paths)."""

    files: list[RepoFile] = field(default_factory=list)
    binary: list[str] = field(default_factory=list)
    large: list[str] = field(default_factory=list)
    #: How many of ``files`` git does not track (listed by the ``[run] untracked`` rule).
    untracked: int = 0
    #: Files under the scan paths before any exclude, and how many each exclude left out.
    candidates: int = 0
    left_out: dict[str, int] = field(default_factory=dict)


def select(ctx: CheckContext, *, max_size: int = DEFAULT_MAX_FILE_SIZE, exclude: list[str] | None = None) -> Selection:
    """Sort the repository's files under the scan paths (minus ``exclude`` globs) by how they are scanned.

    Sizes come from the repository listing, so no file is stat'ed or opened here.
    """
    selection = Selection()
    extra = exclude or []
    for entry in ctx.repo.entries():
        rel = entry.path
        if not ctx.under_scan_paths(rel):
            continue
        selection.candidates += 1
        source = RUN_EXCLUDE if ctx.is_excluded(rel) else EXCLUDE_PATHS if extra and matches_any(rel, extra) else None
        if source is not None:
            selection.left_out[source] = selection.left_out.get(source, 0) + 1
            continue
        if os.path.splitext(rel)[1].lower() in BINARY_EXTENSIONS:
            selection.binary.append(rel)
        elif entry.size > max_size:
            selection.large.append(rel)
        else:
            selection.files.append(entry)
            selection.untracked += not entry.tracked
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


def read_text(ctx: CheckContext, rel: str, limit: int, listed_size: int | None = None) -> bytes | None:
    """A tree file's bytes to scan, through the repository view; None for binary content
    (UTF-16 text with a byte-order mark comes back as UTF-8).

    The read asks for no more than the listed size (plus slack) rather than the size limit:
    the view reads ``limit + 1`` bytes at once, and allocating megabytes per small file cost
    more than the scan itself. A file that grew since it was listed is read again with the limit."""
    if listed_size is not None and listed_size + _READ_SLACK < limit:
        try:
            data = ctx.read_bytes(rel, limit=listed_size + _READ_SLACK)
        except CheckFailed:
            data = ctx.read_bytes(rel, limit=limit)  # the real error, or a file that grew in between
    else:
        data = ctx.read_bytes(rel, limit=limit)
    if looks_binary(data):
        return decode_utf16(data)
    return data
