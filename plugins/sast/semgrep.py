"""Running the semgrep OSS engine offline and reading its JSON output.

Every invocation is pinned down so that a result means what it says:

- ``--metrics=off``, ``--disable-version-check`` and the matching environment variables, no
  login token passed through, and never ``--validate`` (it fetches a lint pack from the
  registry): semgrep never reaches the network.
- One rule file written from the rules as gatecheck parsed them (:meth:`RulePack.engine_config`)
  with ``--no-rewrite-rule-ids``, so a rule's id is the id written in its file whatever the
  working directory.
- semgrep's native front end (``--experimental``): the Python one it otherwise starts spends
  about 4 s on every run before scanning and is slower on large trees (flask: 4.1 s against
  8.8 s; ansible-core: 53 s against 67 s), with the same findings on both.
- ``--project-root .`` from the root of the tree scanned (the project, or a scratch tree of
  rewrites or base versions laid out at the same relative paths): a rule's ``paths`` patterns
  are matched against the project-relative path. Left to itself the native front end matches
  them against the path from the enclosing git repository's root, so a project under a
  ``tests/`` directory of a monorepo would lose every rule that excludes ``tests/``; it also
  never runs git in the project this way.
- An explicit list of target files with ``--x-ignore-semgrepignore-files`` and
  ``--no-git-ignore``: semgrep's built-in ignore list (``tests/``, ``build/``, ``vendor/``...)
  would otherwise drop files without saying so. Which files are scanned is decided by the
  check (:mod:`.targets`) and reported.
- ``--disable-nosem``: every match comes back, and the check applies ``nosemgrep``
  comments itself, requiring a rule id and a reason (:mod:`.suppressions`).
- semgrep's settings and log files live in the check's work directory, not in ``$HOME``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from gatecheck.api import CheckContext, CheckFailed
from gatecheck_plugins.sast import config_files
from gatecheck_plugins.sast.rulepack import RulePack

#: Longest total length of target paths handed to one semgrep process. Linux allows about
#: 2 MiB of arguments and environment; staying well below leaves room for the environment.
MAX_ARGV_CHARS = 500_000

#: Environment variables that would make semgrep act as a logged-in client.
_LOGIN_VARIABLES = ("SEMGREP_APP_TOKEN", "SEMGREP_LOGIN_TOKEN", "SEMGREP_REPO_URL")


@dataclass
class EngineSettings:
    """How semgrep is run; fixed for one check run."""

    #: Whole seconds semgrep may spend on one rule for one file (its ``--timeout``; the
    #: Python front end semgrep falls back to for some flags accepts only integers).
    rule_timeout: int = 10
    #: Rules that may time out on one file before semgrep gives up on the file.
    timeout_threshold: int = 3
    #: Worker processes (``--jobs``); None lets semgrep choose.
    jobs: int | None = None
    #: Rule ids semgrep should not run (``--exclude-rule``).
    exclude_rules: list[str] = field(default_factory=list)


@dataclass
class EngineProblem:
    """Something semgrep reports about a file or rule that did not fully scan."""

    kind: str
    message: str
    path: str | None = None
    rule_id: str | None = None
    #: The first line semgrep names for it (a syntax error's position), when it names one.
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "message": self.message}
        if self.path:
            data["path"] = self.path
        if self.rule_id:
            data["rule_id"] = self.rule_id
        if self.line:
            data["line"] = self.line
        return data

    def describe(self) -> str:
        """One line for the check's warnings."""
        where = f"{self.path}: " if self.path else ""
        rule = f" (rule {self.rule_id})" if self.rule_id else ""
        return f"{where}{self.kind}{rule}: {self.message}".strip()


@dataclass
class EngineOutput:
    """What semgrep found and what it could not do, with paths relative to its working directory."""

    version: str
    results: list[dict[str, Any]] = field(default_factory=list)
    scanned: set[str] = field(default_factory=set)
    skipped: list[dict[str, str]] = field(default_factory=list)
    problems: list[EngineProblem] = field(default_factory=list)


def find_semgrep() -> str:
    """The semgrep executable: the one installed next to this Python first, then PATH."""
    beside = Path(sys.executable).parent / "semgrep"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("semgrep")
    if found:
        return found
    raise CheckFailed("semgrep is not installed: `pip install semgrep` (it is a dependency of gatecheck)")


def installed_version() -> str:
    """semgrep's version from package metadata, without starting it (about 2 s)."""
    try:
        return metadata.version("semgrep")
    except metadata.PackageNotFoundError:
        return "unknown"


def semgrep_environment(work_dir: Path) -> dict[str, str]:
    """The environment semgrep runs in: offline, anonymous, writing only under ``work_dir``."""
    env = {k: v for k, v in os.environ.items() if k not in _LOGIN_VARIABLES}
    work_dir.mkdir(parents=True, exist_ok=True)
    env.update({
        "SEMGREP_ENABLE_VERSION_CHECK": "0",
        "SEMGREP_SEND_METRICS": "off",
        "SEMGREP_SETTINGS_FILE": str(work_dir / "semgrep-settings.yml"),
        "SEMGREP_LOG_FILE": str(work_dir / "semgrep.log"),
        "SEMGREP_VERSION_CACHE_PATH": str(work_dir / "semgrep-version"),
        # Keeps semgrep from drawing progress bars into the output we parse.
        "NO_COLOR": "1",
    })
    return env


def base_command(executable: str, rule_files: list[Path], settings: EngineSettings) -> list[str]:
    """The fixed part of every scan command (everything but the targets)."""
    argv = [
        executable, "scan", "--experimental", "--project-root", ".", "--json", "--verbose",
        "--metrics=off", "--disable-version-check",
        "--no-rewrite-rule-ids", "--disable-nosem",
        "--x-ignore-semgrepignore-files", "--no-git-ignore",
        "--timeout", str(settings.rule_timeout),
        "--timeout-threshold", str(settings.timeout_threshold),
    ]
    if settings.jobs:
        argv += ["--jobs", str(settings.jobs)]
    for rule_id in settings.exclude_rules:
        argv += ["--exclude-rule", rule_id]
    for rule_file in rule_files:
        argv += ["--config", str(rule_file)]
    return argv


def run_semgrep(
    ctx: CheckContext,
    *,
    rule_files: list[Path],
    targets: list[str],
    cwd: Path,
    work_dir: Path,
    settings: EngineSettings,
) -> EngineOutput:
    """Scan ``targets`` (paths relative to ``cwd``) with ``rule_files``.

    Raises :class:`CheckFailed` when semgrep fails as a whole (bad exit status, no JSON,
    a rule it rejects); per-file trouble comes back in :attr:`EngineOutput.problems` and
    :attr:`EngineOutput.skipped` for the caller to report.
    """
    executable = find_semgrep()
    env = semgrep_environment(work_dir)
    output = EngineOutput(version=installed_version())
    for batch in _batches(targets):
        ctx.check_cancelled()
        argv = [*base_command(executable, rule_files, settings), "--", *batch]
        proc = ctx.run_command(argv, cwd=cwd, env=env)
        _merge(output, _parse(proc.returncode, proc.stdout, proc.stderr))
    return output


def run_pack(
    ctx: CheckContext,
    pack: RulePack,
    settings: EngineSettings,
    targets: list[str],
    work_dir: Path,
    trees: tuple[Path, ...] = (),
) -> EngineOutput:
    """:func:`run_semgrep` with ``pack``'s rules over ``targets``: paths relative to the project
    root, or absolute paths of files in one of the scratch ``trees``. semgrep runs once per tree
    that holds targets, from its root; paths in the output are the targets as given. A failure
    about one rule names the rule file and line it is about (:func:`explain`)."""
    by_root: dict[Path, list[str]] = {}
    for target in targets:
        path = Path(target)
        root = next((t for t in trees if path.is_absolute() and path.is_relative_to(t)), None)
        if root is None:
            if path.is_absolute():
                raise ValueError(f"{target} is in none of the scanned trees")
            by_root.setdefault(ctx.root, []).append(target)
        else:
            by_root.setdefault(root, []).append(path.relative_to(root).as_posix())
    config = pack.engine_config(work_dir)
    output = EngineOutput(version=installed_version())
    try:
        for root, rels in by_root.items():
            part = run_semgrep(ctx, rule_files=[config], targets=rels, cwd=root, work_dir=work_dir, settings=settings)
            if root != ctx.root:
                _prefix(part, root)
            _merge(output, part)
    except SemgrepFailed as exc:
        raise explain(ctx, pack, exc) from exc
    return output


def _prefix(output: EngineOutput, root: Path) -> None:
    """Make the paths of a scan run from ``root`` name the files as ``root / path``."""
    def full(path: str) -> str:
        return str(root / path.removeprefix("./"))

    for result in output.results:
        if isinstance(result.get("path"), str):
            result["path"] = full(result["path"])
    output.scanned = {full(p) for p in output.scanned}
    output.skipped = [{**s, "path": full(s["path"])} for s in output.skipped]
    for problem in output.problems:
        if problem.path:
            problem.path = full(problem.path)


def explain(ctx: CheckContext, pack: RulePack, exc: SemgrepFailed) -> CheckFailed:
    """Point a semgrep failure at the rule file and line it is about, when it names one; a rule
    the project supplied makes it bad input, one of gatecheck's own an internal failure."""
    for rule_id in exc.rule_ids:
        rule = pack.rules.get(rule_id)
        if rule is not None:
            return CheckFailed(f"{config_files.name_of(ctx, rule.file)}:{rule.line}: semgrep rejected rule {rule.id!r}: "
                               f"{str(exc).split(': ', 1)[-1]}", bad_input=not rule.builtin)
    # semgrep is given one generated JSON rule file (RulePack.engine_config), so a position in it
    # says nothing about the user's files: the rule id is what names the rule.
    return exc


def result_offset(result: dict[str, Any], which: str) -> int:
    """The byte offset at which a match (one of semgrep's ``results``) starts or ends (``which``); -1 if absent."""
    value = (result.get(which) or {}).get("offset")
    return int(value) if isinstance(value, int) else -1


def result_line(result: dict[str, Any], which: str) -> int | None:
    """The line on which a match starts or ends (``which``), if semgrep gives it."""
    value = (result.get(which) or {}).get("line")
    return int(value) if isinstance(value, int) else None


def _batches(targets: list[str]) -> list[list[str]]:
    batches: list[list[str]] = [[]]
    size = 0
    for target in targets:
        if batches[-1] and size + len(target) + 1 > MAX_ARGV_CHARS:
            batches.append([])
            size = 0
        batches[-1].append(target)
        size += len(target) + 1
    return batches


def _merge(into: EngineOutput, part: EngineOutput) -> None:
    into.version = part.version or into.version
    into.results.extend(part.results)
    into.scanned |= part.scanned
    into.skipped.extend(part.skipped)
    into.problems.extend(part.problems)


def _tail(stderr: bytes, lines: int = 6) -> str:
    text = stderr.decode("utf-8", "replace").strip().splitlines()
    return " | ".join(line.strip() for line in text[-lines:] if line.strip())


def _parse(returncode: int, stdout: bytes, stderr: bytes) -> EngineOutput:
    try:
        doc = json.loads(stdout)
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise CheckFailed(
            f"semgrep exited with status {returncode} without a JSON report"
            + (f": {_tail(stderr)}" if stderr.strip() else "")
        )
    errors = [e for e in doc.get("errors", []) if isinstance(e, dict)]
    fatal = [e for e in errors if e.get("level") == "error" and not e.get("path")]
    if returncode != 0 or fatal:
        raise SemgrepFailed(returncode, fatal or errors, _tail(stderr))
    paths: dict[str, Any] = doc["paths"] if isinstance(doc.get("paths"), dict) else {}
    output = EngineOutput(version=str(doc.get("version") or installed_version()))
    output.results = [r for r in doc["results"] if isinstance(r, dict)]
    output.scanned = {str(p) for p in paths.get("scanned", [])}
    output.skipped = [
        {"path": str(s.get("path")), "reason": str(s.get("reason", "unknown"))}
        for s in paths.get("skipped", []) or [] if isinstance(s, dict)
    ]
    for error in errors:
        output.problems.append(EngineProblem(
            kind=_error_kind(error),
            message=str(error.get("message", "")).strip().splitlines()[0][:300] if error.get("message") else "",
            path=str(error["path"]) if error.get("path") else None,
            rule_id=str(error["rule_id"]) if error.get("rule_id") else None,
            line=_first_line(error),
        ))
    return output


def _first_line(error: dict[str, Any]) -> int | None:
    for span in error.get("spans", []) or []:
        line = (span.get("start") or {}).get("line") if isinstance(span, dict) else None
        if isinstance(line, int) and line > 0:
            return line
    return None


def _error_kind(error: dict[str, Any]) -> str:
    """semgrep's error type, which is a string or an ``[name, details]`` pair."""
    kind = error.get("type")
    if isinstance(kind, list) and kind:
        kind = kind[0]
    return str(kind or "error")


class SemgrepFailed(CheckFailed):
    """semgrep ran but reported a failure of the whole scan (a rule it rejects, a crash)."""

    def __init__(self, returncode: int, errors: list[dict[str, Any]], stderr_tail: str) -> None:
        self.returncode = returncode
        self.errors = errors
        first = errors[0] if errors else {}
        message = str(first.get("message", "")).strip()
        detail = " ".join(message.split())[:400] if message else stderr_tail
        super().__init__(f"semgrep failed (exit status {returncode}): {detail}")

    @property
    def rule_ids(self) -> list[str]:
        """Rules the failure is about, where semgrep names them."""
        return [str(e["rule_id"]) for e in self.errors if e.get("rule_id")]
