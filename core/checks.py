"""What a check is, and what it is given while it runs.

:class:`Check` is the protocol every check object satisfies (see the
``gatecheck_checks`` hook). :class:`CheckContext` is handed to ``inputs`` and ``run``:
the project root, the check's validated options, the stage, and helpers that respect
the check's deadline (``run_command``, ``git``) and the configured scan paths (``files``).

The tree under judgement is untrusted. A check lists and opens its files only through
``ctx.repo`` (:class:`gatecheck.repository.Repository`: tracked files, confined to the root,
no special files) and reads configuration-side files (rule files, baselines, ignore files)
only through ``ctx.config_source`` (:class:`gatecheck.trust.ConfigSource`), so that in
trusted mode they come from the operator's side and never from the change itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from gatecheck import git
from gatecheck import redact as redact_mod
from gatecheck.errors import BadInput, CheckFailed
from gatecheck.git import GitTree, GitTreeError
from gatecheck.model import CheckResult
from gatecheck.repository import Repository, matches_any, normalize
from gatecheck.trust import ConfigSource, RepositorySource


@dataclass(frozen=True)
class KeyFact:
    """Cache-key material that is not a file: a fact a check's result depends on.

    A check yields these from :meth:`Check.inputs` next to its files (today's date for an
    advisory database's age, the base commit of ``--baseline-ref``, a signing key's
    fingerprint). They decide the cache key only; the result's ``inputs`` list files.
    """

    name: str
    value: str


@runtime_checkable
class Check(Protocol):
    """A check a plugin provides through the ``gatecheck_checks`` hook.

    The first six members are required. The rest have defaults in :class:`CheckBase`, which a
    check may subclass; the runner treats a check without them as having those defaults.
    """

    #: Unique name; the key of its table in the configuration (``[checks.NAME]``).
    name: str
    #: The check's own version; part of the cache key, so bump it when results change.
    version: str
    #: One line for ``gatecheck plugins``.
    description: str
    #: JSON Schema (draft 2020-12) of the check's options.
    options_schema: Mapping[str, Any]

    def inputs(self, ctx: CheckContext) -> Iterable[Path | KeyFact]:
        """What decides the result (the cache key): files (directories are walked) and
        :class:`KeyFact` values for anything else."""
        ...

    def run(self, ctx: CheckContext) -> CheckResult:
        """Scan and return a result; raise :class:`CheckFailed` for a clear error."""
        ...


#: What a check's :meth:`CheckBase.prepare` returns (its own plain data class).
P = TypeVar("P")


class CheckBase:
    """Defaults for a check's optional members; subclass it to declare only what differs."""

    #: ``False`` for a check that needs the operator's configuration to mean anything (it then
    #: runs only when its table sets an option, or with ``--check``).
    enabled_by_default: bool = True
    #: Checks that must finish first when they run in the same gate; their results are then in
    #: ``ctx.results`` (the SBOM check reads the SCA check's vulnerabilities).
    after: tuple[str, ...] = ()

    def prepare(self, ctx: CheckContext) -> object:
        """Work both :meth:`inputs` and ``run`` need (which files to scan, a resolved base commit),
        done once per run; the runner keeps what it returns as ``ctx.prepared``."""
        return None

    def prepared(self, ctx: CheckContext, kind: type[P]) -> P:
        """What :meth:`prepare` returned for this run, of the check's own ``kind``; prepared now when
        the check is run by a caller that is not the runner (a test, a benchmark)."""
        if not isinstance(ctx.prepared, kind):
            ctx.prepared = self.prepare(ctx)
        if not isinstance(ctx.prepared, kind):
            raise TypeError(f"{type(self).__name__}.prepare returned {type(ctx.prepared).__name__}, not {kind.__name__}")
        return ctx.prepared

    def restore(self, ctx: CheckContext, result: CheckResult) -> None:
        """Called instead of ``run`` when the result comes from the cache: a check whose run also
        writes files (the SBOM check writes its document) puts them back as ``result`` describes.
        If it raises, the check runs again."""
        return None


#: The exclude source named for files the gate's ``[run] exclude`` left out.
RUN_EXCLUDE = "run.exclude"


def nothing_scanned(candidates: int, left_out: Mapping[str, int]) -> CheckFailed:
    """The error of a check whose every candidate file an exclude or ignore rule left out.

    A scan that checks nothing is not a pass: an ignore file the change under judgement wrote
    (``*``) must not turn a check into a quiet ``skipped``. ``left_out`` counts files by the rule
    (or option) that removed them.
    """
    reasons = ", ".join(f"{count} by {source}" for source, count in sorted(left_out.items()) if count)
    return CheckFailed(f"nothing scanned: all {candidates} candidate file(s) were left out ({reasons}); a scan that "
                       "checks nothing is not a pass (narrow the ignore rules or excludes, or disable the check in "
                       "the configuration)")


class CheckTimeout(Exception):
    """The check's deadline passed, or the runner cancelled it."""


@dataclass(frozen=True)
class GitBase:
    """The commit a diff-aware check (``--baseline-ref REF``) compares the working tree against."""

    #: The ref as the operator gave it (``origin/main``).
    ref: str
    commit: str
    #: True when ``commit`` is the merge base of the ref and HEAD (what a pull request's diff is taken
    #: against); False when there is none (a shallow clone) and the ref's own commit is used.
    merge_base: bool

    def summary(self) -> dict[str, Any]:
        return {"ref": self.ref, "commit": self.commit, "merge_base": self.merge_base}


@dataclass
class CheckContext:
    """Everything a check may use while it runs."""

    root: Path
    options: dict[str, Any]
    stage: str = "ci"
    timeout: float = 600.0
    #: Scan paths (inside the root; relative to it or absolute under it); empty means the whole tree.
    paths: list[Path] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    #: True only when the user asked for network access (``--online``); checks must not
    #: reach the network otherwise, and must fail rather than find nothing without it.
    network: bool = False
    #: A scratch directory private to this check that survives between runs.
    work_dir: Path | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)
    progress: Callable[[str], None] = field(default=lambda message: None)
    #: Results of the checks named in the check's ``after`` that ran in this gate.
    results: dict[str, CheckResult] = field(default_factory=dict)
    #: The one view of the tree every check lists and opens files through (shared by a gate's checks).
    repo: Repository = field(default=None)  # type: ignore[assignment]  # set in __post_init__
    #: Where configuration-side files (rules, baselines, ignore files) come from.
    config_source: ConfigSource = field(default=None)  # type: ignore[assignment]
    #: The scrubber for everything the check returns or writes; values handed to
    #: :meth:`sensitive` are masked in every output.
    redactor: redact_mod.Redactor = field(default_factory=redact_mod.default)
    #: What the check's ``prepare`` returned for this run (``None`` without one).
    prepared: Any = None

    def __post_init__(self) -> None:
        #: CPU seconds the tools this check ran used (summed over run_command calls).
        self.cpu_children = 0.0
        self._cpu_lock = threading.Lock()
        if self.repo is None:
            self.repo = Repository(self.root)
        if self.config_source is None:
            self.config_source = RepositorySource(self.root)
        self._scope = [self._scan_rel(p) for p in self.paths]

    def _scan_rel(self, path: Path) -> str:
        if path.is_absolute():
            rel = self.repo.relative(path)
            if rel is None:
                rel = self.repo.relative(os.path.realpath(path))
            if rel is None:
                raise CheckFailed(f"scan path {path} is outside the repository", bad_input=True)
            return rel
        return normalize(str(path), what="scan path")

    @property
    def deadline(self) -> float:
        """The ``time.monotonic()`` value after which the check has timed out."""
        return self.started + self.timeout

    def remaining(self) -> float:
        """Seconds left before the deadline (never negative)."""
        return max(0.0, self.deadline - time.monotonic())

    def check_cancelled(self) -> None:
        """Raise :class:`CheckTimeout` if the runner gave up on this check; call it in long loops."""
        if self.cancelled.is_set() or time.monotonic() > self.deadline:
            raise CheckTimeout(f"timed out after {self.timeout:g}s")

    def relpath(self, path: Path | str) -> str:
        """``path`` relative to the project root, as a POSIX string (paths outside stay absolute)."""
        p = Path(path)
        if not p.is_absolute():
            p = self.root / p
        quick = self.repo.relative(p)
        if quick is not None:
            return quick or "."
        try:
            return p.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return p.as_posix()

    def is_excluded(self, rel: str) -> bool:
        """Whether a root-relative POSIX path matches a configured exclude glob."""
        return matches_any(rel, self.exclude)

    def under_scan_paths(self, rel: str) -> bool:
        """Whether a root-relative path lies under a scan path (every path does when none is set)."""
        return not self._scope or any(p == "" or rel == p or rel.startswith(p + "/") for p in self._scope)

    def in_scope(self, rel: str) -> bool:
        """Whether a root-relative path lies under a scan path and no exclude glob names it."""
        return self.under_scan_paths(rel) and not self.is_excluded(rel)

    def scan_files(self, patterns: Sequence[str] = ("*",)) -> list[str]:
        """Root-relative paths of the repository's files under the scan paths whose name matches
        one of ``patterns``, sorted, minus the exclude globs (see :class:`Repository` for which
        files a repository lists)."""
        return [rel for rel in self.repo.files(patterns) if self.in_scope(rel)]

    def candidate_files(self, patterns: Sequence[str] = ("*",)) -> list[str]:
        """Like :meth:`scan_files` but before the exclude globs: what a check would scan if nothing
        were excluded (to tell "nothing to scan" from "everything excluded")."""
        return [rel for rel in self.repo.files(patterns) if self.under_scan_paths(rel)]

    def files(self, patterns: Sequence[str] = ("*",)) -> Iterator[Path]:
        """:meth:`scan_files` as absolute paths."""
        root = self.repo.root
        for rel in self.scan_files(patterns):
            yield root / rel

    def read_bytes(self, path: Path | str, *, limit: int | None = None, option: str | None = None) -> bytes:
        """A repository file's bytes through the confined view; a path that leaves the tree, a special
        file or (with ``limit``) a larger file is a :class:`CheckFailed` naming the file (bad input).
        ``option`` names the check option that sets ``limit``, so the message says how to raise it."""
        rel = path if isinstance(path, str) else self.relpath(path)
        try:
            if limit is None:
                return self.repo.read_bytes(rel)
            return self.repo.read_bytes(rel, limit=limit)
        except OSError as exc:
            raise CheckFailed(f"{rel}: cannot read file: {exc.strerror or exc}") from exc
        except BadInput as exc:
            message = exc.message if exc.message.startswith(("file", rel)) else f"{rel}: {exc.message}"
            if option and "larger than" in message:
                message += f" (raise {option} to read it)"
            raise CheckFailed(message, bad_input=True) from exc

    def sensitive(self, value: str | bytes) -> None:
        """Mark a value (a credential the check found) to be masked wherever it appears in any output."""
        self.redactor.add(value)

    def git(self, args: Sequence[str], *, cwd: Path | None = None, input: bytes | None = None
            ) -> subprocess.CompletedProcess[bytes]:
        """Run ``git ARGS`` hardened against the repository's own configuration (:mod:`gatecheck.git`),
        within the check's deadline."""
        where = cwd or self.root
        return self.run_command(git.argv(where, list(args)), cwd=where, env=git.environment(), input=input)

    def git_base(self, ref: str, *, option: str = "baseline_ref") -> GitBase:
        """The base of a diff-aware run: the merge base of ``ref`` and HEAD, else the ref's own commit.

        A ref git does not know, or a root outside a git work tree, is bad input naming ``option``."""
        if ref.startswith("-"):
            raise CheckFailed(f"{option} {ref!r} is not a git ref", bad_input=True)  # git would read an option
        inside = self.git(["rev-parse", "--is-inside-work-tree"])
        if inside.returncode != 0:
            raise CheckFailed(f"{option} needs a git repository, but {self.root} is not inside one", bad_input=True)
        proc = self.git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"])
        if proc.returncode != 0:
            raise CheckFailed(f"{option} {ref!r} is not a commit in this repository (in CI, fetch it first, "
                              "for example `git fetch origin main`)", bad_input=True)
        commit = proc.stdout.decode().strip()
        merge = self.git(["merge-base", commit, "HEAD"])
        if merge.returncode == 0 and merge.stdout.strip():
            return GitBase(ref, merge.stdout.decode().strip(), True)
        return GitBase(ref, commit, False)

    def git_tree(self, commit: str) -> GitTree:
        """The files under the root as they are in ``commit``, read from git's object database."""
        try:
            return GitTree(self.repo.root, commit, lambda args, data: self.git(list(args), input=data))
        except GitTreeError as exc:
            raise CheckFailed(str(exc)) from exc

    def changed_since(self, commit: str) -> set[str]:
        """Root-relative paths of the tracked files whose working-tree content differs from ``commit``
        (added, modified or deleted; a rename is a deletion and an addition). Untracked files are not
        listed: they are not in ``commit`` either."""
        proc = self.git(["diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", "--no-textconv",
                         "--relative", commit, "--"])
        if proc.returncode != 0:
            lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise CheckFailed(f"git diff {commit[:12]} failed: {lines[-1] if lines else proc.returncode}")
        return {name for name in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if name}

    def run_command(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        input: bytes | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run a tool as a subprocess within the check's deadline.

        The process runs in its own process group; on timeout or cancellation the whole
        group is killed and :class:`CheckTimeout` is raised. A missing executable raises
        :class:`CheckFailed`. The caller decides what a non-zero exit status means.
        """
        try:
            proc = subprocess.Popen(
                list(argv),
                cwd=cwd or self.root,
                env=dict(env) if env is not None else tool_environment(),
                stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except FileNotFoundError as exc:
            raise CheckFailed(f"cannot run {argv[0]!r}: not found on PATH") from exc
        result: dict[str, Any] = {}

        def communicate() -> None:
            # The pipes are drained here and the child reaped with wait4 rather than by
            # Popen.communicate, so that the CPU time the tool (and the processes it waited
            # for) used is known: a check's CPU time is reported beside its wall time.
            errors: list[bytes] = []
            feeder = threading.Thread(target=_feed, args=(proc, input), daemon=True)
            drainer = threading.Thread(target=lambda: errors.append(proc.stderr.read() if proc.stderr else b""),
                                       daemon=True)
            feeder.start()
            drainer.start()
            result["out"] = proc.stdout.read() if proc.stdout else b""
            drainer.join()
            feeder.join()
            _pid, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            result["err"] = b"".join(errors)
            with self._cpu_lock:
                self.cpu_children += usage.ru_utime + usage.ru_stime

        reader = threading.Thread(target=communicate, daemon=True)
        reader.start()
        while reader.is_alive():
            reader.join(timeout=0.05)
            if reader.is_alive() and (self.cancelled.is_set() or time.monotonic() > self.deadline):
                _kill_group(proc)
                reader.join(timeout=5)
                raise CheckTimeout(f"{Path(argv[0]).name} killed: timed out after {self.timeout:g}s")
        return subprocess.CompletedProcess(list(argv), proc.returncode, result.get("out", b""), result.get("err", b""))


def _feed(proc: subprocess.Popen[bytes], data: bytes | None) -> None:
    if proc.stdin is None:
        return
    try:
        if data:
            proc.stdin.write(data)
    except BrokenPipeError:
        pass  # the tool stopped reading; its exit status says why
    finally:
        with contextlib.suppress(OSError):
            proc.stdin.close()


def tool_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a scanner runs with: the gate's, without the variables whose names say they
    hold a secret (the signing key, CI tokens). A scanner needs none of them, and what a tool
    never has it cannot leak into its output."""
    env = os.environ if base is None else base
    return {name: value for name, value in env.items() if not redact_mod.is_secret_env_name(name)}


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
