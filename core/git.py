"""Running git on a repository that may be hostile.

The repository under judgement can carry its own ``.git/config`` (a tarball of a checkout,
a runner that reuses work trees), and git runs programs named there: a ``core.fsmonitor``
hook on every ``ls-files``, ``filter.<driver>.clean`` on ``status``, ``diff.<driver>.textconv``
on ``log -p``. Every git command gatecheck runs goes through :func:`command`, which

- ignores the system configuration (``GIT_CONFIG_NOSYSTEM``) and never prompts;
- overrides, on the command line (which git reads last), every key of the repository's own
  configuration that names a program, so none of them runs;
- forbids every transport protocol, so no git command gatecheck runs can reach the network.

The operator's global configuration (``~/.gitconfig``) is theirs and stays in force.

:class:`GitTree` reads one commit as a read-only tree of files: what a diff-aware check
(``--baseline-ref``) reads to know how the files were before the change, with the same readers as
the working tree. Everything comes from git's object database through the caller's hardened
runner (:meth:`gatecheck.checks.CheckContext.git`): ``ls-tree`` once for the listing,
``cat-file --batch`` once for the contents of the files asked for. Nothing is checked out and
nothing of the working tree is read. A symlink in the commit is never followed (its target is not
a file of the commit's tree in any sense that stays confined), and a file over a reader's size
limit is refused as it would be in the working tree.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# The module, not its names: gatecheck.repository imports this module (it lists files with git), so
# while one of the two loads, the other's names may not exist yet.
from gatecheck import repository
from gatecheck.redact import is_secret_env_name, scrub_url_credentials

#: Keys that make git run a program, as regular expressions over lower-cased config names,
#: with the value that switches each off.
_PROGRAM_KEYS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"core\.fsmonitor"), "false"),
    (re.compile(r"core\.hookspath"), os.devnull),
    (re.compile(r"core\.(sshcommand|gitproxy|askpass|editor|pager|alternaterefscommand)"), ""),
    (re.compile(r"(sequence\.editor|credential\.helper|credential\..*\.helper|diff\.guitool|merge\.tool)"), ""),
    (re.compile(r"filter\..*\.(clean|smudge|process)"), ""),
    (re.compile(r"filter\..*\.required"), "false"),
    # textconv to `cat` shows the bytes as they are; an external diff becomes `false`, so a
    # command that would have used one fails loudly instead of printing nothing.
    (re.compile(r"diff\..*\.textconv"), "cat"),
    (re.compile(r"(diff\.external|diff\..*\.command|merge\..*\.(driver|cmd))"), "false"),
    (re.compile(r"gpg\.(.*\.)?program"), ""),
    (re.compile(r"(uploadpack\.packobjectshook|remote\..*\.(uploadpack|receivepack)|core\.worktree)"), ""),
)
#: Always on the command line, whatever the repository says.
_FIXED = (
    "core.fsmonitor=false", f"core.hooksPath={os.devnull}", "core.pager=cat", "core.quotepath=off",
    "protocol.allow=never", "credential.helper=",
)
GIT_TIMEOUT = 60.0


def environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment git runs with: the caller's, without git's own redirections, never prompting."""
    env = {n: v for n, v in (os.environ if base is None else base).items() if not is_secret_env_name(n)}
    for name in [n for n in env if n.startswith("GIT_") and n not in ("GIT_CONFIG_GLOBAL",)]:
        del env[name]  # GIT_DIR, GIT_WORK_TREE, GIT_CONFIG_COUNT... would point git elsewhere
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0",
                "GIT_ALLOW_PROTOCOL": "", "GIT_PROTOCOL_FROM_USER": "0", "GIT_NO_REPLACE_OBJECTS": "1"})
    return env


@functools.lru_cache(maxsize=64)
def _overrides(root: str, config_stamp: tuple[int, int]) -> tuple[str, ...]:
    """``-c key=value`` pairs that switch off every program the repository's configuration names."""
    del config_stamp  # part of the cache key only: a changed .git/config is read again
    try:
        done = subprocess.run(
            ["git", *_fixed_args(), "config", "--local", "--includes", "--list", "-z"],
            cwd=root, env=environment(), capture_output=True, timeout=GIT_TIMEOUT, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    pairs: list[str] = []
    for entry in done.stdout.split(b"\0"):
        key = entry.split(b"\n", 1)[0].decode("utf-8", "replace").strip().lower()
        for pattern, value in _PROGRAM_KEYS:
            if key and pattern.fullmatch(key):
                pairs += ["-c", f"{key}={value}"]
                break
    return tuple(pairs)


def _fixed_args() -> list[str]:
    args: list[str] = []
    for pair in _FIXED:
        args += ["-c", pair]
    return args


def _config_stamp(root: Path) -> tuple[int, int]:
    try:
        st = (root / ".git" / "config").stat()
        return (st.st_mtime_ns, st.st_size)
    except OSError:
        return (0, 0)


def argv(root: Path, args: Sequence[str]) -> list[str]:
    """The full, hardened command line for ``git ARGS`` run in ``root``."""
    return ["git", *_fixed_args(), *_overrides(str(root), _config_stamp(root)), *args]


def run(root: Path, *args: str, input: bytes | None = None, timeout: float = GIT_TIMEOUT) -> subprocess.CompletedProcess[bytes]:
    """Run a hardened ``git ARGS`` in ``root``; a missing git binary is a returncode of 127."""
    try:
        return subprocess.run(argv(root, args), cwd=root, env=environment(), input=input, capture_output=True,
                              timeout=timeout, check=False)
    except FileNotFoundError:
        return subprocess.CompletedProcess(["git", *args], 127, b"", b"git: not found on PATH")
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(["git", *args], 124, b"", f"git timed out after {exc.timeout:g}s".encode())


def output(root: Path, *args: str) -> str | None:
    """Standard output of a hardened ``git ARGS`` as stripped text, or None when it failed."""
    done = run(root, *args)
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace").strip()


def toplevel(root: Path) -> Path | None:
    """The top of the git work tree that contains ``root``, or None outside one."""
    top = output(root, "rev-parse", "--show-toplevel")
    return Path(top) if top else None


def remote_url(root: Path, name: str = "origin") -> str | None:
    """The remote's URL with any credentials in it masked (it is stored and printed)."""
    url = output(root, "config", "--get", f"remote.{name}.url")
    return scrub_url_credentials(url) if url else None


# --- a commit as a tree of files ------------------------------------------------------------------

#: Runs ``git ARGS`` (with optional standard input) in the project root; a CheckContext's ``git``.
GitRunner = Callable[[Sequence[str], bytes | None], "subprocess.CompletedProcess[bytes]"]


class GitTreeError(Exception):
    """git could not list or read the commit."""


#: The mode git gives a symlink.
SYMLINK_MODE = "120000"


@dataclass(frozen=True)
class TreeEntry:
    """One entry of ``git ls-tree`` output."""

    mode: str
    kind: str  # blob, tree, or commit (a submodule)
    oid: str
    #: The blob's size with ``ls-tree -l``; 0 without it, and for trees and submodules.
    size: int
    path: str


def tree_entries(stdout: bytes) -> list[TreeEntry]:
    """The entries of ``git ls-tree -z`` output, with or without ``-l`` (paths decoded losslessly)."""
    entries = []
    for item in stdout.split(b"\0"):
        if not item:
            continue
        meta, _, name = item.partition(b"\t")
        mode, kind, oid, *size = meta.split()
        entries.append(TreeEntry(mode.decode(), kind.decode(), oid.decode(),
                                 int(size[0]) if size and size[0].isdigit() else 0, name.decode("utf-8", "surrogateescape")))
    return entries


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
        # Submodules are commits: not files of this tree.
        self._blobs = {entry.path: entry for entry in tree_entries(proc.stdout) if entry.kind == "blob"}

    @property
    def root(self) -> Path:
        return self._root

    def files(self) -> list[str]:
        """Every regular file of the commit under the root, sorted (symlinks are not listed)."""
        return sorted(rel for rel, blob in self._blobs.items() if blob.mode != SYMLINK_MODE)

    def is_file(self, rel: str) -> bool:
        blob = self._blobs.get(rel)
        return blob is not None and blob.mode != SYMLINK_MODE

    def path(self, rel: str, *, what: str = "path") -> Path:
        """Where ``rel`` would be in the working tree; a symlink of the commit is refused, never followed."""
        clean = repository.normalize(rel, what=what)
        blob = self._blobs.get(clean)
        if blob is not None and blob.mode == SYMLINK_MODE:
            raise repository.OutsideRepository(f"{what} {rel!r} is a symlink in commit {self.commit[:12]}; not followed")
        return self._root / clean

    def join(self, base: str, target: str, *, what: str = "include") -> str:
        if target.startswith("/") or target.startswith("~"):
            raise repository.OutsideRepository(
                f"{what} {target!r} in {base} is outside the repository (absolute paths are refused)")
        return repository.normalize(posixpath.join(posixpath.dirname(base), target), what=f"{what} {target!r} in {base}:")

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
        clean = repository.normalize(rel, what=what)
        blob = self._blobs.get(clean)
        if blob is None:
            raise FileNotFoundError(2, f"not in commit {self.commit[:12]}", rel)
        if blob.mode == SYMLINK_MODE:
            raise repository.OutsideRepository(f"{what} {rel!r} is a symlink in commit {self.commit[:12]}; not followed")
        if blob.size > limit:
            raise repository.OutsideRepository(f"{what} {rel!r} is larger than {limit} bytes; not read")
        if clean not in self._cache:
            self.prefetch([clean])
        return self._cache[clean]


def _last_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "no message"
