"""The one view of the repository under judgement that every check lists and opens files through.

The tree being gated is untrusted: any file in it, its names, its symlinks and its special
files may have been written to mislead the gate or to make it read something it must not.
:class:`Repository` is the only way a check sees that tree:

- **what is listed**: in a git work tree, every file git tracks (a tracked file is scanned
  even when a ``.gitignore`` names it: ``git add -f`` cannot hide it), plus untracked files
  by the configured rule (``unignored``: those no ``.gitignore`` excludes, the default;
  ``all``; ``none``). Outside git, every file under the root. The ``.git`` directory is never
  listed; untracked dependency and cache directories (``node_modules``, ``.venv``...) are not either.
- **what is never followed or opened**: a path that resolves outside the root (a symlink out
  of the tree, ``..`` in an include, an absolute path), a device, FIFO or socket, anything
  under ``/proc``. Symlinks are not followed when listing (a target inside the tree is listed
  where it lives); those that leave the tree, and special files, are recorded in
  :attr:`Repository.skipped` so the report can name them.
- **how much is read**: :meth:`read_bytes` refuses files larger than a limit instead of
  reading them whole.

Every path a check receives or passes in is root-relative POSIX text (``app/settings.py``).
"""

from __future__ import annotations

import errno
import fnmatch
import os
import posixpath
import stat
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gatecheck import git
from gatecheck.errors import BadInput
from gatecheck.files import atomic_write

#: Untracked directories no check descends into (tracked files inside them are still listed).
UNTRACKED_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", ".gatecheck", "__pycache__", ".venv", "venv", "node_modules",
                                    ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache"})
UNTRACKED_RULES = ("unignored", "all", "none")
#: Largest file :meth:`Repository.read_bytes` reads unless the caller names another limit.
DEFAULT_READ_LIMIT = 64 * 1024 * 1024


class OutsideRepository(BadInput):
    """A path that would leave the repository, or a file that must not be opened (exit 2)."""


@dataclass(frozen=True)
class Skipped:
    """A path the view refused to list or open, and why; ``unsafe`` when it is reported as a finding
    (it leads out of the tree or could block a reader), not just noted (a dangling symlink)."""

    path: str
    reason: str
    unsafe: bool = True


@dataclass(frozen=True)
class RepoFile:
    """One listed file: its root-relative path, its size, and whether git tracks it."""

    path: str
    size: int
    tracked: bool


def normalize(rel: str, *, what: str = "path") -> str:
    """``rel`` as a clean root-relative POSIX path; absolute paths and ``..`` that climbs out are refused."""
    text = rel.replace("\\", "/") if os.sep == "\\" else rel
    if not text or "\0" in text:
        raise OutsideRepository(f"{what} {rel!r} is not a usable path")
    if text.startswith("/") or text.startswith("~") or (len(text) > 1 and text[1] == ":"):
        raise OutsideRepository(f"{what} {rel!r} is outside the repository (absolute paths are not allowed here)")
    clean = posixpath.normpath(text)
    if clean == ".." or clean.startswith("../"):
        raise OutsideRepository(f"{what} {rel!r} is outside the repository")
    return "" if clean == "." else clean


def confined_path(root: Path, rel: str, *, what: str = "path") -> Path:
    """``root/rel`` resolved, refused when it (or a symlink on the way) leads outside ``root`` (already resolved)."""
    clean = normalize(rel, what=what)
    base = str(root)
    real = os.path.realpath(os.path.join(base, clean)) if clean else base
    if real != base and not real.startswith(base + os.sep):
        raise OutsideRepository(f"{what} {rel!r} resolves outside the repository (a symlink leaves the tree)")
    return Path(real)


def matches_any(rel: str, patterns: Iterable[str]) -> bool:
    """Whether a root-relative path matches a glob, or lies under a directory, of ``patterns``."""
    return any(fnmatch.fnmatch(rel, pat) or rel.startswith(pat.rstrip("/") + "/") for pat in patterns)


class Repository:
    """The files of the tree under judgement, confined to its root (see the module docstring)."""

    def __init__(self, root: Path, *, untracked: str = "unignored", use_git: bool = True) -> None:
        if untracked not in UNTRACKED_RULES:
            raise BadInput(f"untracked must be one of {', '.join(UNTRACKED_RULES)}, not {untracked!r}", key="run.untracked")
        self.root = Path(os.path.realpath(root))
        self._prefix = str(self.root) + os.sep
        self.untracked = untracked
        self.use_git = use_git
        self._lock = threading.Lock()
        self._entries: list[RepoFile] | None = None
        self._skipped: list[Skipped] = []
        self._tracked: frozenset[str] | None = None
        self._git_root: bool | None = None
        self._dirs: dict[str, str] = {}

    # -- listing -----------------------------------------------------------------------------

    def entries(self) -> list[RepoFile]:
        """Every listed file, sorted by path (computed once; checks narrow it to their scan paths)."""
        with self._lock:
            if self._entries is None:
                self._entries = self._list()
            return self._entries

    def files(self, patterns: Sequence[str] = ("*",)) -> list[str]:
        """Listed paths whose file name matches one of ``patterns`` (all files by default)."""
        if tuple(patterns) == ("*",):
            return [e.path for e in self.entries()]
        return [e.path for e in self.entries() if any(fnmatch.fnmatch(posixpath.basename(e.path), p) for p in patterns)]

    @property
    def skipped(self) -> list[Skipped]:
        """Paths refused while listing: symlinks that leave the tree, special files, unlisted submodules."""
        self.entries()
        return list(self._skipped)

    @property
    def is_git(self) -> bool:
        """Whether the root is inside a git work tree git could read."""
        self.entries()
        return bool(self._git_root)

    def is_tracked(self, rel: str) -> bool:
        self.entries()
        return self._tracked is not None and rel in self._tracked

    def _list(self) -> list[RepoFile]:
        candidates: dict[str, bool] = {}  # rel -> tracked
        listed = self._git_listing() if self.use_git else None
        if listed is None:
            self._git_root = False
            for rel in self._walk():
                candidates[rel] = False
        else:
            self._git_root = True
            tracked, untracked = listed
            self._tracked = frozenset(tracked)
            for rel in tracked:
                candidates[rel] = True
            for rel in untracked:
                if not any(part in UNTRACKED_SKIPPED_DIRS for part in rel.split("/")[:-1]):
                    candidates.setdefault(rel, False)
        entries: list[RepoFile] = []
        for rel in sorted(candidates):
            entry = self._classify(rel, candidates[rel])
            if entry is not None:
                entries.append(entry)
        return entries

    def _classify(self, rel: str, tracked: bool) -> RepoFile | None:
        full = self._prefix + rel
        try:
            st = os.lstat(full)
        except OSError:
            return None  # tracked but deleted in the work tree, or vanished
        mode = st.st_mode
        if stat.S_ISREG(mode):
            return RepoFile(rel, st.st_size, tracked)
        if stat.S_ISLNK(mode):
            target = os.path.realpath(full)
            if not self._inside(target):
                self._skipped.append(Skipped(rel, "symlink that leaves the repository (not followed)"))
            elif not os.path.exists(target):
                self._skipped.append(Skipped(rel, "symlink to a missing file (nothing to scan)", unsafe=False))
            return None  # a target inside the tree is listed where it lives
        if stat.S_ISDIR(mode):
            if tracked:
                self._skipped.append(Skipped(rel, "git submodule (not scanned)"))
            return None
        self._skipped.append(Skipped(rel, "not a regular file (device, FIFO or socket)"))
        return None

    def _git_listing(self) -> tuple[list[str], list[str]] | None:
        """(tracked, untracked) root-relative paths from git, or None when this is not a git work tree."""
        done = git.run(self.root, "ls-files", "-z", "--cached", "--full-name", "--", ".")
        if done.returncode != 0:
            return None
        prefix_done = git.run(self.root, "rev-parse", "--show-prefix")
        prefix = prefix_done.stdout.decode("utf-8", "surrogateescape").strip() if prefix_done.returncode == 0 else ""
        tracked = _strip_prefix(done.stdout, prefix)
        untracked: list[str] = []
        if self.untracked != "none":
            args = ["ls-files", "-z", "--others", "--full-name"]
            if self.untracked == "unignored":
                args.append("--exclude-standard")
            # Not descending into dependency and cache directories saves most of the walk.
            args += [f"--exclude={name}/" for name in sorted(UNTRACKED_SKIPPED_DIRS)]
            more = git.run(self.root, *args, "--", ".")
            if more.returncode == 0:
                untracked = _strip_prefix(more.stdout, prefix)
        return tracked, untracked

    def _walk(self) -> Iterable[str]:
        stack = [("", self.root)]
        while stack:
            rel_dir, directory = stack.pop()
            try:
                with os.scandir(directory) as it:
                    items = sorted(it, key=lambda e: e.name)
            except OSError:
                continue
            for item in items:
                rel = f"{rel_dir}/{item.name}" if rel_dir else item.name
                if item.is_dir(follow_symlinks=False):
                    if item.name not in UNTRACKED_SKIPPED_DIRS:
                        stack.append((rel, Path(item.path)))
                else:
                    yield rel

    # -- confinement ---------------------------------------------------------------------------

    def _inside(self, real: str) -> bool:
        return real == str(self.root) or real.startswith(self._prefix)

    def path(self, rel: str, *, what: str = "path") -> Path:
        """The absolute path of ``rel``, after checking that it (and every symlink on the way) stays in the tree."""
        return confined_path(self.root, rel, what=what)

    def join(self, base: str, target: str, *, what: str = "include") -> str:
        """The root-relative path ``target`` names when written inside the file ``base`` (``-r other.txt``)."""
        if target.startswith("/") or target.startswith("~"):
            raise OutsideRepository(f"{what} {target!r} in {base} is outside the repository (absolute paths are refused)")
        return normalize(posixpath.join(posixpath.dirname(base), target), what=f"{what} {target!r} in {base}:")

    def is_file(self, rel: str) -> bool:
        """Whether ``rel`` is a regular file inside the tree (a symlink out of it, or a FIFO, is not)."""
        try:
            return stat.S_ISREG(os.stat(self.path(rel)).st_mode)
        except (OSError, OutsideRepository):
            return False

    def is_dir(self, rel: str) -> bool:
        try:
            return self.path(rel).is_dir()
        except (OSError, OutsideRepository):
            return False

    def _real_dir(self, rel_dir: str, what: str) -> str:
        """The resolved directory ``rel_dir`` (checked to stay in the tree), memoized: most files share
        a few directories, and resolving every file's full path dominated reading small files."""
        with self._lock:
            known = self._dirs.get(rel_dir)
        if known is None:
            known = str(confined_path(self.root, rel_dir, what=what)) if rel_dir else str(self.root)
            with self._lock:
                self._dirs[rel_dir] = known
        return known

    def read_bytes(self, rel: str, *, limit: int = DEFAULT_READ_LIMIT, what: str = "file") -> bytes:
        """The bytes of a regular file inside the tree, at most ``limit`` of them (more is an error)."""
        clean = normalize(rel, what=what)
        directory = self._real_dir(posixpath.dirname(clean), what)
        flags = os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            # The directory is resolved and confined; O_NOFOLLOW refuses a symlink as the last part.
            fd = os.open(os.path.join(directory, posixpath.basename(clean)), flags)
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            # A symlink: followed only when its target is inside the tree too.
            fd = os.open(self.path(rel, what=what), flags)
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise OutsideRepository(f"{what} {rel!r} is not a regular file (device, FIFO or socket); not read")
            if st.st_size > limit:
                raise OutsideRepository(f"{what} {rel!r} is larger than {limit} bytes; not read")
            # Ask for what fstat says plus one byte (a file that grows is caught), never the whole limit.
            data = fh.read(min(limit, st.st_size) + 1)
            if len(data) > st.st_size:
                data += fh.read(limit + 1 - len(data))
        if len(data) > limit:
            raise OutsideRepository(f"{what} {rel!r} grew past {limit} bytes while it was read")
        return data

    def read_text(self, rel: str, *, limit: int = DEFAULT_READ_LIMIT, what: str = "file", errors: str = "strict") -> str:
        """A file's text (UTF-8); undecodable text is bad input naming the file."""
        data = self.read_bytes(rel, limit=limit, what=what)
        try:
            return data.decode("utf-8", errors)
        except UnicodeDecodeError as exc:
            raise BadInput(f"not UTF-8 text: {exc}", path=rel) from exc

    def write(self, rel: str, data: bytes | str, *, what: str = "output") -> Path:
        """Write a file inside the tree atomically; a parent directory that leads out of the tree is refused."""
        clean = normalize(rel, what=what)
        if not clean:
            raise OutsideRepository(f"{what} {rel!r} names the repository root, not a file")
        parent = posixpath.dirname(clean)
        full_parent = os.path.join(self.root, parent) if parent else str(self.root)
        os.makedirs(full_parent, exist_ok=True)
        if not self._inside(os.path.realpath(full_parent)):
            raise OutsideRepository(f"{what} {rel!r} is in a directory that leads outside the repository")
        target = Path(os.path.realpath(full_parent)) / posixpath.basename(clean)
        atomic_write(target, data)  # a rename replaces a symlink at the target; it never writes through it
        return target

    def relative(self, path: Path | str) -> str | None:
        """The root-relative POSIX form of an absolute path inside the tree, else None (no resolving)."""
        text = str(path)
        if text.startswith(self._prefix):
            return text[len(self._prefix):].replace(os.sep, "/")
        if text == str(self.root):
            return ""
        return None


def _strip_prefix(raw: bytes, prefix: str) -> list[str]:
    names = [n.decode("utf-8", "surrogateescape") for n in raw.split(b"\0") if n]
    if not prefix:
        return names
    return [n[len(prefix):] for n in names if n.startswith(prefix)]

