"""Plugin conformance suite: checks a gatecheck plugin against the plugin contract.

Point it at your plugin before you publish it::

    python -m gatecheck_conformance.plugins my_plugin_module --project path/to/sample/project
    python -m gatecheck_conformance.plugins --entry-point my-plugin

or call :func:`assert_conforms` from your own tests. It checks that

- every hook implementation matches a hook specification (names and arguments);
- every check has a name, a version, a description and a valid JSON Schema for its options,
  and ``inputs``/``run`` methods;
- ``run`` on the sample project returns a schema-valid result through the real runner;
- finding ids are deterministic: two runs, and a run from a copy of the project at
  another path, give the same ids;
- the runner stays in control of a check's time: with a tiny timeout the run returns
  promptly with ``timeout`` (or a finished result) and raises nothing;
- errors are reported, not raised: on a project directory that does not exist the check
  returns a result or raises :class:`gatecheck.errors.CheckFailed`, nothing else;
- every reporter renders a report to text.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pluggy

from gatecheck import hookspecs, validation
from gatecheck.checks import CheckContext
from gatecheck.errors import CheckFailed
from gatecheck.model import CheckResult, Decision
from gatecheck.reports import Report
from gatecheck.runner import CheckRun, RunSettings, coerce_result, run_checks

#: How long past its timeout the runner may take to hand back a timed-out check.
TIMEOUT_GRACE_S = 2.0
NAME_PATTERN = r"^[a-z][a-z0-9_-]*$"


@dataclass
class Problem:
    """One way a plugin departs from the contract."""

    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


@dataclass
class ConformanceReport:
    """What the suite found for one plugin."""

    plugin: str
    checks: list[str] = field(default_factory=list)
    reporters: list[str] = field(default_factory=list)
    #: What the plugin provides through the other hooks, as ``kind:name`` labels.
    others: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def load_plugin(target: str) -> Any:
    """Import a module by name, or load an entry point of the ``gatecheck`` group by name."""
    for ep in importlib.metadata.entry_points(group=hookspecs.PROJECT):
        if ep.name == target:
            return ep.load()
    return importlib.import_module(target)


def check_plugin(plugin: Any, project: Path | None = None, *, timeout: float = 600.0) -> ConformanceReport:
    """Run every conformance check on ``plugin`` (a module or object with hook implementations)."""
    name = getattr(plugin, "__name__", type(plugin).__name__)
    report = ConformanceReport(plugin=name)
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    try:
        pm.register(plugin, name=name)
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        report.problems.append(Problem(name, f"hook implementation does not match the specification: {exc}"))
        return report
    impls = [impl for caller in pm.get_hookcallers(plugin) or [] for impl in caller.get_hookimpls() if impl.plugin is plugin]
    if not impls:
        report.problems.append(Problem(name, "implements no gatecheck hook"))
        return report

    # A check abandoned at its timeout may still be writing into its work directory when
    # the suite finishes; leftovers must not turn into an error of the suite itself.
    with tempfile.TemporaryDirectory(prefix="gatecheck-conformance-", ignore_cleanup_errors=True) as tmp:
        sample = Path(tmp, "project")
        if project is not None:
            shutil.copytree(project, sample, symlinks=True, ignore=shutil.ignore_patterns(".gatecheck", ".git"))
        else:
            sample.mkdir()
        for check in _call(pm, "gatecheck_checks", report):
            report.checks.append(str(getattr(check, "name", "?")))
            _check_check(check, sample, Path(tmp), timeout, report)
        for reporter in _call(pm, "gatecheck_reporters", report):
            report.reporters.append(str(getattr(reporter, "name", "?")))
            _check_reporter(reporter, sample, report)
    # The other extension points: each item needs its key attribute and its factory method.
    for hook, kind, key, method in (
        ("gatecheck_policy_engines", "engine", "name", "create"),
        ("gatecheck_signers", "signer", "scheme", "open"),
        ("gatecheck_stores", "store", "scheme", "open"),
        ("gatecheck_commands", "command", "name", "main"),
    ):
        for item in _call(pm, hook, report):
            label = getattr(item, key, None)
            if not isinstance(label, str) or not label:
                report.problems.append(Problem(hook, f"returned an object without a string '{key}'"))
                continue
            report.others.append(f"{kind}:{label}")
            if not callable(getattr(item, method, None)):
                report.problems.append(Problem(f"{kind} {label!r}", f"has no callable '{method}'"))
    return report


def assert_conforms(plugin: Any, project: Path | None = None, *, timeout: float = 600.0) -> ConformanceReport:
    """:func:`check_plugin`, raising AssertionError listing every problem."""
    result = check_plugin(plugin, project, timeout=timeout)
    if result.problems:
        raise AssertionError("plugin does not conform:\n" + "\n".join(f"  - {p}" for p in result.problems))
    return result


def _call(pm: pluggy.PluginManager, hook: str, report: ConformanceReport) -> list[Any]:
    try:
        lists = getattr(pm.hook, hook)()
    except Exception as exc:
        report.problems.append(Problem(hook, f"raised {type(exc).__name__}: {exc}"))
        return []
    items: list[Any] = []
    for value in lists:
        if not isinstance(value, list | tuple):
            report.problems.append(Problem(hook, f"returned {type(value).__name__}, expected a list"))
            continue
        items.extend(value)
    return items


def _check_check(check: Any, sample: Path, tmp: Path, timeout: float, report: ConformanceReport) -> None:
    subject = f"check {getattr(check, 'name', '?')!r}"
    problems = report.problems
    for attr, kind in (("name", str), ("version", str), ("description", str)):
        value = getattr(check, attr, None)
        if not isinstance(value, kind) or not value:
            problems.append(Problem(subject, f"'{attr}' must be a non-empty {kind.__name__}"))
    name = getattr(check, "name", "")
    if isinstance(name, str) and not jsonschema.Draft202012Validator({"pattern": NAME_PATTERN}).is_valid(name):
        problems.append(Problem(subject, f"name must match {NAME_PATTERN} (it is a TOML table key and a CLI value)"))
    schema = getattr(check, "options_schema", None)
    try:
        jsonschema.Draft202012Validator.check_schema(dict(schema or {}))
        if not isinstance(schema, dict) and schema is not None and not hasattr(schema, "keys"):
            raise TypeError("not a mapping")
        if schema is None:
            raise TypeError("missing")
    except (jsonschema.SchemaError, TypeError) as exc:
        problems.append(Problem(subject, f"'options_schema' is not a valid JSON Schema: {exc}"))
        return
    if not jsonschema.Draft202012Validator(dict(schema)).is_valid({}):
        problems.append(Problem(subject, "empty options {} must be valid: a check needs working defaults"))
    for method in ("inputs", "run"):
        if not callable(getattr(check, method, None)):
            problems.append(Problem(subject, f"has no callable '{method}'"))
    if any(p.subject == subject for p in problems):
        return

    def run_once(root: Path, limit: float) -> tuple[CheckResult, float]:
        settings = RunSettings(root=root, jobs=1, work_dir=tmp / f"work-{name}")
        start = time.monotonic()
        [result] = run_checks([CheckRun(check=check, options={}, timeout=limit)], settings)
        return result, time.monotonic() - start

    first, _ = run_once(sample, timeout)
    problem = validation.first_error("check-result", first.to_dict())
    if problem:
        problems.append(Problem(subject, f"result fails check-result.schema.json at {problem[0]}: {problem[1]}"))
    # The runner turns every misbehaviour into a schema-valid error; its message says which.
    error = first.error or ""
    invalid = " returned an invalid result" in error or "not a CheckResult" in error
    if first.status == "error" and invalid:
        problems.append(Problem(subject, f"result fails check-result.schema.json: {error}"))
    elif first.status == "error" and f"check {name!r} raised " in error:
        problems.append(Problem(subject, f"run raised instead of reporting: {error}"))
    elif first.status == "timeout":
        problems.append(Problem(subject, f"did not finish on the sample project within {timeout:g}s"))
    second, _ = run_once(sample, timeout)
    moved = tmp / f"moved-copy-{name}"
    shutil.rmtree(moved, ignore_errors=True)
    shutil.copytree(sample, moved, symlinks=True, ignore=shutil.ignore_patterns(".gatecheck"))
    third, _ = run_once(moved, timeout)
    ids = [sorted(f.id for f in r.findings) for r in (first, second, third)]
    if ids[0] != ids[1]:
        problems.append(Problem(subject, "finding ids differ between two runs on the same project"))
    if ids[0] != ids[2]:
        problems.append(Problem(subject, "finding ids differ when the project is at another path"))
    if len(set(ids[0])) != len(ids[0]):
        problems.append(Problem(subject, "two findings share one id"))

    tiny = 0.05
    timed, elapsed = run_once(sample, tiny)
    if elapsed > tiny + TIMEOUT_GRACE_S:
        problems.append(Problem(subject, f"with a {tiny}s timeout the runner needed {elapsed:.1f}s"))
    if timed.status not in ("timeout", "ok", "skipped", "error"):
        problems.append(Problem(subject, f"unexpected status {timed.status!r} under a tiny timeout"))

    missing = tmp / "does-not-exist"
    ctx = CheckContext(root=missing, options={}, timeout=timeout, work_dir=tmp / "work-missing")
    outcome: list[BaseException | None] = []

    def direct() -> None:
        try:
            coerce_result(name, check.run(ctx))
            outcome.append(None)
        except CheckFailed:
            outcome.append(None)
        except Exception as exc:
            outcome.append(exc)

    # Called directly (not through the runner) to see what the check itself raises; in a
    # daemon thread so a check that hangs cannot hang the suite.
    worker = threading.Thread(target=direct, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        ctx.cancelled.set()
        problems.append(Problem(subject, f"on a missing project directory run did not return within {timeout:g}s"))
    elif outcome and outcome[0] is not None:
        exc = outcome[0]
        problems.append(Problem(
            subject,
            f"on a missing project directory run raised {type(exc).__name__}: {exc}; "
            "report errors by raising gatecheck.errors.CheckFailed with a clear message",
        ))


def _check_reporter(reporter: Any, sample: Path, report: ConformanceReport) -> None:
    subject = f"reporter {getattr(reporter, 'name', '?')!r}"
    for attr in ("name", "media_type", "default_filename"):
        if not isinstance(getattr(reporter, attr, None), str):
            report.problems.append(Problem(subject, f"'{attr}' must be a string"))
    if not callable(getattr(reporter, "render", None)):
        report.problems.append(Problem(subject, "has no callable 'render'"))
        return
    doc = Report(results=[], decision=Decision(allow=False), stage="ci", root=sample, gatecheck_version="0")
    try:
        text = reporter.render(doc)
    except Exception as exc:
        report.problems.append(Problem(subject, f"render raised {type(exc).__name__}: {exc}"))
        return
    if not isinstance(text, str) or not text:
        report.problems.append(Problem(subject, "render must return non-empty text"))
