"""A commit of the repository as a read-only tree of files: what a diff-aware check (``--baseline-ref``)
reads to know how the files were before the change, with the same readers as the working tree.

Everything comes from git's object database through the caller's hardened ``git`` runner
(:meth:`gatecheck.checks.CheckContext.git`): ``ls-tree`` once for the listing, ``cat-file --batch``
once for the contents of the files asked for. Nothing is checked out and nothing of the working
tree is read. A symlink in the commit is never followed (its target is not a file of the commit's
tree in any sense that stays confined), and a file over a reader's size limit is refused as it
would be in the working tree.
"""

from __future__ import annotations

import posixpath
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gatecheck.repository import OutsideRepository, normalize

#: Runs ``git ARGS`` (with optional standard input) in the project root; a CheckContext's ``git``.
GitRunner = Callable[[Sequence[str], bytes | None], "subprocess.CompletedProcess[bytes]"]


class GitTreeError(Exception):
    """git could not list or read the commit."""


@dataclass(frozen=True)
class _Blob:
    mode: str
    oid: str
    size: int


class GitTree:
    """The files under the project root as they are in one commit (paths relative to that root)."""

    def __init__(self, root: Path, commit: str, git: GitRunner) -> None:
        self._root = root
        self.commit = commit
        self._git = git
        self._cache: dict[str, bytes] = {}
        proc = git(["ls-tree", "-r", "-z", "-l", "--", commit], None)
        if proc.returncode != 0:
            raise GitTreeError(f"git ls-tree {commit} failed: {_last_line(proc.stderr)}")
        self._blobs: dict[str, _Blob] = {}
        for item in proc.stdout.split(b"\0"):
            if not item:
                continue
            meta, _, name = item.partition(b"\t")
            mode, kind, oid, size = meta.split()
            if kind == b"blob":  # submodules are commits: not files of this tree
                self._blobs[name.decode("utf-8", "surrogateescape")] = _Blob(
                    mode.decode(), oid.decode(), int(size) if size.isdigit() else 0)

    @property
    def root(self) -> Path:
        return self._root

    def files(self) -> list[str]:
        """Every regular file of the commit under the root, sorted (symlinks are not listed)."""
        return sorted(rel for rel, blob in self._blobs.items() if blob.mode != "120000")

    def is_file(self, rel: str) -> bool:
        blob = self._blobs.get(rel)
        return blob is not None and blob.mode != "120000"

    def path(self, rel: str, *, what: str = "path") -> Path:
        """Where ``rel`` would be in the working tree; a symlink of the commit is refused, never followed."""
        clean = normalize(rel, what=what)
        blob = self._blobs.get(clean)
        if blob is not None and blob.mode == "120000":
            raise OutsideRepository(f"{what} {rel!r} is a symlink in commit {self.commit[:12]}; not followed")
        return self._root / clean

    def join(self, base: str, target: str, *, what: str = "include") -> str:
        if target.startswith("/") or target.startswith("~"):
            raise OutsideRepository(f"{what} {target!r} in {base} is outside the repository (absolute paths are refused)")
        return normalize(posixpath.join(posixpath.dirname(base), target), what=f"{what} {target!r} in {base}:")

    def prefetch(self, rels: Iterable[str]) -> None:
        """Read the contents of ``rels`` (those that are files of the commit) in one git process."""
        wanted = [rel for rel in dict.fromkeys(rels) if self.is_file(rel) and rel not in self._cache]
        if not wanted:
            return
        request = "".join(f"{self._blobs[rel].oid}\n" for rel in wanted).encode()
        proc = self._git(["cat-file", "--batch"], request)
        if proc.returncode != 0:
            raise GitTreeError(f"git cat-file --batch failed: {_last_line(proc.stderr)}")
        out = proc.stdout
        at = 0
        for rel in wanted:
            end = out.index(b"\n", at)
            header = out[at:end].split()
            size = int(header[2]) if len(header) == 3 and header[2].isdigit() else -1
            if size < 0:
                raise GitTreeError(f"git cat-file could not read {rel} in {self.commit[:12]}")
            self._cache[rel] = out[end + 1:end + 1 + size]
            at = end + 1 + size + 1  # the content is followed by a newline

    def read_bytes(self, rel: str, *, limit: int = 16 * 1024 * 1024, what: str = "file") -> bytes:
        clean = normalize(rel, what=what)
        blob = self._blobs.get(clean)
        if blob is None:
            raise FileNotFoundError(2, f"not in commit {self.commit[:12]}", rel)
        if blob.mode == "120000":
            raise OutsideRepository(f"{what} {rel!r} is a symlink in commit {self.commit[:12]}; not followed")
        if blob.size > limit:
            raise OutsideRepository(f"{what} {rel!r} is larger than {limit} bytes; not read")
        if clean not in self._cache:
            self.prefetch([clean])
        return self._cache[clean]


def _last_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "no message"
