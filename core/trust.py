"""Where the inputs that can weaken a verdict come from: the change itself, or the operator.

A pull request controls every file in its working tree. The configuration, the waivers, the
policy bundle, baselines, ignore files and rule files decide what a gate checks and what it
forgives, so when the operator asks for it they are read from a :class:`ConfigSource` the
change cannot write:

- :class:`GitRefSource` (``gatecheck run --trusted-ref origin/main``): the files as they are
  at a git ref, read from git's object store, never from the working tree;
- :class:`DirectorySource` (``--trusted-config DIR``, or ``-c FILE`` outside the tree): an
  operator's directory;
- :class:`RepositorySource` (the default): the working tree itself, for runs on a branch the
  team already trusts. Repository configuration may not name URLs, tokens, environment
  variables or paths outside the tree (:func:`gatecheck.config.check_trust`).

Every source remembers which files were asked for, so a run in trusted mode can report the
ones the change modifies ("takes effect after merge", :meth:`GitRefSource.changes`).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import stat
import tempfile
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatecheck import git
from gatecheck.errors import BadInput
from gatecheck.repository import OutsideRepository, confined_path, normalize

#: Configuration files, in the order they are looked for.
CONFIG_FILE = "gatecheck.toml"
PYPROJECT = "pyproject.toml"
#: Largest configuration-side file read from a git ref.
MAX_TRUSTED_FILE = 16 * 1024 * 1024
#: Largest configuration-side text file read (a configuration, a rule file, an ignore file).
MAX_CONFIG_BYTES = 4 * 1024 * 1024


def read_limited_text(path: Path, name: str, limit: int = MAX_CONFIG_BYTES) -> str:
    """At most ``limit`` bytes of UTF-8 text from ``path``; more, unreadable or not UTF-8 is bad input naming ``name``."""
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise BadInput(f"cannot read: {exc.strerror or exc}", path=name) from exc
    if len(data) > limit:
        raise BadInput(f"larger than {limit} bytes", path=name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path=name,
                       line=data.count(b"\n", 0, exc.start) + 1) from exc


@dataclass(frozen=True)
class ConfigChange:
    """A configuration-side file the change under judgement adds, modifies or deletes."""

    path: str
    change: str  # "added" | "modified" | "deleted"


class ConfigSource:
    """Serves configuration-side files by root-relative path; see the module docstring."""

    #: ``repository``, ``directory`` or ``git-ref``.
    kind = "repository"
    #: Whether the change under judgement cannot write these files.
    trusted = False

    def __init__(self, root: Path, config_file: str | None = None) -> None:
        self.root = Path(os.path.realpath(root))
        #: The configuration file the operator named (``-c``), relative to :attr:`root`.
        self.config_file = config_file
        self._lock = threading.Lock()
        self._requested: dict[str, str] = {}  # rel -> "file" | "directory"

    # -- what checks and the gate call ------------------------------------------------------

    def file(self, rel: str, *, what: str = "file") -> Path | None:
        """The local path of a configuration-side file, or None when the source has none."""
        clean = self._clean(rel, what)
        self._note(clean, "file")
        return self._file(clean, what)

    def directory(self, rel: str, *, what: str = "directory") -> Path | None:
        """The local path of a configuration-side directory (a policy bundle), or None."""
        clean = self._clean(rel, what)
        self._note(clean, "directory")
        return self._directory(clean, what)

    def read_text(self, rel: str, *, limit: int = MAX_CONFIG_BYTES, what: str = "file") -> str | None:
        """A configuration-side file's UTF-8 text (None when the source has no such file); too large or
        not UTF-8 is bad input naming the file."""
        local = self.file(rel, what=what)
        return None if local is None else read_limited_text(local, self.display(rel), limit)

    def path(self, rel: str, *, what: str = "file") -> Path | None:
        """A file or directory, whichever the source holds under ``rel``."""
        clean = self._clean(rel, what)
        found = self._file(clean, what)
        if found is None:
            found = self._directory(clean, what)
        self._note(clean, "directory" if found is not None and found.is_dir() else "file")
        return found

    def display(self, rel: str) -> str:
        """How a file of this source is named in messages."""
        return rel

    def describe(self) -> dict[str, Any]:
        """What the report and the VSA record about where the configuration came from."""
        return {"kind": self.kind, "trusted": self.trusted}

    def changes(self, tree: Path) -> list[ConfigChange]:
        """Configuration-side files the change under judgement modifies (only a git-ref source can tell)."""
        return []

    def base_bytes(self, rel: str) -> bytes | None:
        """A tree file as it was where the change started (the merge base), when that is known."""
        return None

    @property
    def has_base(self) -> bool:
        """Whether :meth:`base_bytes` knows where the change started."""
        return False

    def name_of(self, local: Path) -> str:
        """How a local copy of one of this source's files is named in messages."""
        text = str(local)
        prefix = str(self.root) + os.sep
        return self.display(text[len(prefix):].replace(os.sep, "/")) if text.startswith(prefix) else text

    @property
    def requested(self) -> dict[str, str]:
        with self._lock:
            return dict(self._requested)

    # -- implementation ---------------------------------------------------------------------

    def _clean(self, rel: str, what: str) -> str:
        return normalize(rel, what=what)

    def _note(self, rel: str, kind: str) -> None:
        with self._lock:
            self._requested.setdefault(rel, kind)

    def _file(self, rel: str, what: str) -> Path | None:
        path = confined_path(self.root, rel, what=what)
        try:
            return path if stat.S_ISREG(os.stat(path).st_mode) else None
        except OSError:
            return None

    def _directory(self, rel: str, what: str) -> Path | None:
        path = confined_path(self.root, rel, what=what)
        return path if path.is_dir() else None


class RepositorySource(ConfigSource):
    """The working tree under judgement: untrusted, every path confined to it."""

    kind = "repository"
    trusted = False

    def display(self, rel: str) -> str:
        return str(self.root / rel)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "trusted": False, "path": self.config_file}


class DirectorySource(ConfigSource):
    """A directory the operator names, outside the tree under judgement."""

    kind = "directory"
    trusted = True

    def _clean(self, rel: str, what: str) -> str:
        # The operator's own files may be anywhere: an absolute path, or one relative to this directory.
        return rel if os.path.isabs(rel) else os.path.normpath(rel)

    def _file(self, rel: str, what: str) -> Path | None:
        path = Path(rel) if os.path.isabs(rel) else self.root / rel
        return path if path.is_file() else None

    def _directory(self, rel: str, what: str) -> Path | None:
        path = Path(rel) if os.path.isabs(rel) else self.root / rel
        return path if path.is_dir() else None

    def display(self, rel: str) -> str:
        return rel if os.path.isabs(rel) else str(self.root / rel)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "trusted": True, "path": str(self.root)}


class GitRefSource(ConfigSource):
    """Configuration-side files as they are at a git ref, read from the object store.

    Files are copied out on first use into a private temporary directory (removed at exit),
    so that tools which want a path (semgrep's rule files, the policy loader) get one the
    change under judgement cannot have written. Symlinks in the ref are refused.
    """

    kind = "git-ref"
    trusted = True

    def __init__(self, tree: Path, ref: str, config_file: str | None = None) -> None:
        self.tree = Path(os.path.realpath(tree))
        commit = git.output(self.tree, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        if not commit:
            if git.toplevel(self.tree) is None:
                raise BadInput(f"--trusted-ref needs a git repository, but {tree} is not inside one", key="--trusted-ref")
            raise BadInput(f"unknown git ref {ref!r} (in CI, fetch it first: git fetch origin main)", key="--trusted-ref")
        scratch = Path(tempfile.mkdtemp(prefix="gatecheck-trusted-"))
        atexit.register(shutil.rmtree, scratch, True)
        super().__init__(scratch, config_file)
        self.ref = ref
        self.commit = commit
        self.prefix = git.output(self.tree, "rev-parse", "--show-prefix") or ""
        #: Where the change started: what it is compared with to see what it modifies.
        self.base = git.output(self.tree, "merge-base", commit, "HEAD")
        self._extracted: set[str] = set()

    def display(self, rel: str) -> str:
        return f"{self.ref}:{self.prefix}{rel}"

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "trusted": True, "ref": self.ref, "commit": self.commit, "merge_base": self.base}

    def _entries(self, commit: str, rel: str, *, recursive: bool) -> list[tuple[str, str, str]]:
        """(mode, object id, root-relative path) of the tree entries at ``rel`` in ``commit``."""
        target = self.prefix + rel
        args = ["ls-tree", "-z", "--full-tree"]
        if recursive:
            args.append("-r")
        done = git.run(self.tree, *args, commit, "--", target + ("/" if recursive else ""))
        if done.returncode != 0:
            return []
        return [(e.mode, e.oid, e.path[len(self.prefix):]) for e in git.tree_entries(done.stdout)
                if e.path.startswith(self.prefix)]

    def _blob(self, oid: str, display: str) -> bytes:
        size = git.output(self.tree, "cat-file", "-s", oid)
        if size is None or int(size) > MAX_TRUSTED_FILE:
            raise BadInput(f"cannot read {display} from git (missing, or larger than {MAX_TRUSTED_FILE} bytes)")
        done = git.run(self.tree, "cat-file", "blob", oid)
        if done.returncode != 0:
            raise BadInput(f"cannot read {display} from git: {done.stderr.decode('utf-8', 'replace').strip()}")
        return done.stdout

    def _extract(self, mode: str, oid: str, rel: str) -> None:
        if mode == git.SYMLINK_MODE:
            raise OutsideRepository(f"{self.display(rel)} is a symlink; configuration-side files must be regular files")
        if mode not in ("100644", "100755") or rel in self._extracted:
            return
        target = confined_path(self.root, rel, what="trusted file")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(self._blob(oid, self.display(rel)))
        self._extracted.add(rel)

    def _file(self, rel: str, what: str) -> Path | None:
        with self._lock:
            entries = [e for e in self._entries(self.commit, rel, recursive=False) if e[2] == rel]
            if not entries or entries[0][0] == "040000":
                return None
            self._extract(*entries[0])
        return confined_path(self.root, rel, what=what)

    def _directory(self, rel: str, what: str) -> Path | None:
        with self._lock:
            entries = self._entries(self.commit, rel, recursive=True)
            if not entries:
                return None
            for mode, oid, path in entries:
                self._extract(mode, oid, path)
        return confined_path(self.root, rel, what=what)

    @property
    def has_base(self) -> bool:
        return self.base is not None

    def base_bytes(self, rel: str) -> bytes | None:
        if self.base is None:
            return None
        entries = [e for e in self._entries(self.base, rel, recursive=False) if e[2] == rel]
        if not entries or entries[0][0] not in ("100644", "100755"):
            return None
        with contextlib.suppress(BadInput):
            return self._blob(entries[0][1], f"{self.base}:{rel}")
        return None

    def changes(self, tree: Path) -> list[ConfigChange]:
        """Every requested configuration-side path whose working-tree version differs from the merge base."""
        if self.base is None:
            return []
        found: list[ConfigChange] = []
        for rel, kind in sorted(self.requested.items()):
            # What was asked for as a file may be a directory on either side (a rules directory the
            # change adds), and the other way round: compare by what each side holds.
            base_is_dir = any(mode == "040000" for mode, _oid, path in self._entries(self.base, rel, recursive=False)
                              if path == rel)
            if kind == "file" and not base_is_dir and not _tree_is_dir(tree, rel):
                change = _compare(rel, self.base_bytes(rel), _tree_bytes(tree, rel))
                if change is not None:
                    found.append(change)
                continue
            base_files = {p: oid for mode, oid, p in self._entries(self.base, rel, recursive=True) if mode != git.SYMLINK_MODE}
            tree_files = _tree_files(tree, rel)
            for path in sorted(set(base_files) | set(tree_files)):
                before = self._blob(base_files[path], path) if path in base_files else None
                change = _compare(path, before, _tree_bytes(tree, path))
                if change is not None:
                    found.append(change)
        return found


def _compare(rel: str, before: bytes | None, after: bytes | None) -> ConfigChange | None:
    if rel == PYPROJECT or rel.endswith("/" + PYPROJECT):
        # Only the [tool.gatecheck] table of a pyproject.toml is configuration.
        before, after = _gatecheck_table(before), _gatecheck_table(after)
    if before == after:
        return None
    if before is None:
        return ConfigChange(rel, "added")
    if after is None:
        return ConfigChange(rel, "deleted")
    return ConfigChange(rel, "modified")


def _gatecheck_table(data: bytes | None) -> bytes | None:
    if data is None:
        return None
    try:
        table = tomllib.loads(data.decode("utf-8")).get("tool", {}).get("gatecheck")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, AttributeError):
        return data  # unreadable: compare the bytes
    return None if table is None else repr(table).encode()


def _tree_bytes(tree: Path, rel: str) -> bytes | None:
    try:
        path = confined_path(tree, rel)
        return path.read_bytes() if stat.S_ISREG(os.stat(path).st_mode) else None
    except (OSError, OutsideRepository):
        return None


def _tree_is_dir(tree: Path, rel: str) -> bool:
    try:
        return confined_path(tree, rel).is_dir()
    except OutsideRepository:
        return False


def _tree_files(tree: Path, rel: str) -> list[str]:
    try:
        base = confined_path(tree, rel)
    except OutsideRepository:
        return []
    if not base.is_dir():
        return []
    out = []
    for dirpath, _dirs, names in os.walk(base):
        for name in names:
            out.append(Path(dirpath, name).relative_to(tree).as_posix())
    return out


def open_source(tree: Path, *, config: Path | None = None, trusted_ref: str | None = None,
                trusted_dir: Path | None = None) -> ConfigSource:
    """The configuration source a run uses, from the operator's choices.

    ``config`` (``-c``) inside the tree is repository configuration; outside it, it makes its
    directory a trusted :class:`DirectorySource`. ``trusted_ref`` and ``trusted_dir`` exclude
    each other; with ``config`` they name which file of the trusted source to use.
    """
    tree_real = Path(os.path.realpath(tree))
    if trusted_ref and trusted_dir:
        raise BadInput("give --trusted-ref or --trusted-config, not both", key="--trusted-ref")
    if trusted_ref:
        name = None
        if config is not None:
            name = normalize(str(config), what="-c with --trusted-ref (a path inside the trusted ref)")
        return GitRefSource(tree_real, trusted_ref, name)
    if trusted_dir:
        if not trusted_dir.is_dir():
            raise BadInput("trusted configuration directory not found", path=trusted_dir, key="--trusted-config")
        if _inside(tree_real, Path(os.path.realpath(trusted_dir))):
            raise BadInput("the trusted configuration directory is inside the tree under judgement, which the change "
                           "can write; keep it outside", path=trusted_dir, key="--trusted-config")
        name = None
        if config is not None:
            name = str(config) if config.is_absolute() else normalize(str(config), what="-c")
        return DirectorySource(trusted_dir, name)
    if config is not None:
        real = Path(os.path.realpath(config))
        if not _inside(tree_real, real):
            return DirectorySource(real.parent, real.name)
        return RepositorySource(tree_real, real.relative_to(tree_real).as_posix())
    return RepositorySource(tree_real)


def _inside(root: Path, path: Path) -> bool:
    return path == root or root in path.parents
