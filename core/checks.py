"""What a check is, and what it is given while it runs.

:class:`Check` is the protocol every check object satisfies (see the
``gatecheck_checks`` hook). :class:`CheckContext` is handed to ``inputs`` and ``run``:
the project root, the check's validated options, the stage, and helpers that respect
the check's deadline (``run_command``) and the configured scan paths (``files``).
"""

from __future__ import annotations

import fnmatch
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from gatecheck.errors import CheckFailed
from gatecheck.model import CheckResult

#: Directories no check should descend into unless it asks for them explicitly.
ALWAYS_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", ".gatecheck", "__pycache__", ".venv", "node_modules"})


@runtime_checkable
class Check(Protocol):
    """A check a plugin provides through the ``gatecheck_checks`` hook."""

    #: Unique name; the key of its table in the configuration (``[checks.NAME]``).
    name: str
    #: The check's own version; part of the cache key, so bump it when results change.
    version: str
    #: One line for ``gatecheck plugins``.
    description: str
    #: JSON Schema (draft 2020-12) of the check's options.
    options_schema: Mapping[str, Any]
    #: Checks that must finish first when they run in the same gate; their results are
    #: then in ``ctx.results`` (the SBOM check reads the SCA check's vulnerabilities).
    #: Optional: a check without the attribute runs as soon as a slot is free.
    # after: tuple[str, ...]

    def inputs(self, ctx: CheckContext) -> Iterable[Path]:
        """The files whose content decides the result (the cache key); directories are walked."""
        ...

    def run(self, ctx: CheckContext) -> CheckResult:
        """Scan and return a result; raise :class:`CheckFailed` for a clear error."""
        ...

    # Optional: ``restore(ctx, result)`` is called instead of ``run`` when the result comes
    # from the cache, for a check whose run also writes files (the SBOM check writes its
    # document): it puts them back as the cached result describes. If it raises, the
    # check runs again.


class CheckTimeout(Exception):
    """The check's deadline passed, or the runner cancelled it."""


@dataclass
class CheckContext:
    """Everything a check may use while it runs."""

    root: Path
    options: dict[str, Any]
    stage: str = "ci"
    timeout: float = 600.0
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
        try:
            return p.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return p.as_posix()

    def is_excluded(self, rel: str) -> bool:
        """Whether a root-relative POSIX path matches a configured exclude glob."""
        return any(fnmatch.fnmatch(rel, pat) or rel.startswith(pat.rstrip("/") + "/") for pat in self.exclude)

    def files(self, patterns: Sequence[str] = ("*",)) -> Iterator[Path]:
        """Files under the scan paths whose name matches one of ``patterns``, sorted, excluding
        VCS and cache directories and the configured exclude globs."""
        roots = self.paths or [self.root]
        for base in roots:
            base = base if base.is_absolute() else self.root / base
            if base.is_file():
                if any(fnmatch.fnmatch(base.name, p) for p in patterns):
                    yield base
                continue
            for dirpath, dirnames, filenames in os.walk(base):
                dirnames[:] = sorted(
                    d for d in dirnames
                    if d not in ALWAYS_SKIPPED_DIRS and not self.is_excluded(self.relpath(Path(dirpath, d)))
                )
                for name in sorted(filenames):
                    if not any(fnmatch.fnmatch(name, p) for p in patterns):
                        continue
                    full = Path(dirpath, name)
                    if not self.is_excluded(self.relpath(full)):
                        yield full

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
                env=dict(env) if env is not None else None,
                stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except FileNotFoundError as exc:
            raise CheckFailed(f"cannot run {argv[0]!r}: not found on PATH") from exc
        result: dict[str, Any] = {}

        def communicate() -> None:
            result["out"], result["err"] = proc.communicate(input)

        reader = threading.Thread(target=communicate, daemon=True)
        reader.start()
        while reader.is_alive():
            reader.join(timeout=0.05)
            if reader.is_alive() and (self.cancelled.is_set() or time.monotonic() > self.deadline):
                _kill_group(proc)
                reader.join(timeout=5)
                raise CheckTimeout(f"{Path(argv[0]).name} killed: timed out after {self.timeout:g}s")
        return subprocess.CompletedProcess(list(argv), proc.returncode, result.get("out", b""), result.get("err", b""))


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
