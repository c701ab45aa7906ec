"""Runs the enabled checks concurrently, each with a timeout, and never lets one stop the gate.

A check runs in a daemon worker thread. When its deadline passes the runner records
``status: timeout``, signals the check's ``cancelled`` event (``CheckContext.run_command``
kills the tool's process group on it) and moves on; a pure-Python check that ignores the
event is abandoned, and as a daemon thread it cannot keep the process alive. Threads rather
than processes keep the per-check overhead to well under a millisecond, and most checks
spend their time in a scanner subprocess anyway.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from gatecheck import redact, validation
from gatecheck.cache import ResultCache, cache_key, collect_inputs, split_inputs
from gatecheck.checks import Check, CheckContext, CheckTimeout
from gatecheck.errors import BadInput, CheckFailed
from gatecheck.model import CheckResult
from gatecheck.repository import Repository
from gatecheck.trust import ConfigSource, RepositorySource


class Progress(Protocol):
    """Receives progress events; the CLI shows them as a live display or as log lines."""

    def started(self, name: str) -> None: ...

    def finished(self, result: CheckResult) -> None: ...


class NoProgress:
    """A progress sink that shows nothing (library use, tests)."""

    def started(self, name: str) -> None:
        pass

    def finished(self, result: CheckResult) -> None:
        pass


@dataclass
class CheckRun:
    """One check to run, with its validated options and timeout."""

    check: Check
    options: dict[str, Any] = field(default_factory=dict)
    timeout: float = 600.0


@dataclass
class RunSettings:
    """Settings shared by every check in one run."""

    root: Path
    stage: str = "ci"
    jobs: int = 4
    paths: list[Path] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    network: bool = False
    cache: ResultCache | None = None
    work_dir: Path | None = None
    #: The repository view every check shares (built from ``root`` when not given).
    repo: Repository | None = None
    #: Where configuration-side files come from (the working tree when not given).
    config_source: ConfigSource | None = None
    redactor: redact.Redactor = field(default_factory=redact.default)
    #: Called once with every result when all checks are done and scrubbed, before the results are
    #: sealed and cached: the gate classifies locations and marks new suppressions here.
    annotate: Callable[[list[CheckResult]], None] | None = None

    def __post_init__(self) -> None:
        if self.repo is None:
            self.repo = Repository(self.root)
        if self.config_source is None:
            self.config_source = RepositorySource(self.root)


def run_checks(runs: Sequence[CheckRun], settings: RunSettings, progress: Progress | None = None) -> list[CheckResult]:
    """Run ``runs`` at most ``settings.jobs`` at a time; results come back in the order given,
    final and sealed (:meth:`gatecheck.model.CheckResult.seal`): each one's document is built
    once, here, and the cache, the policy input, the reports and the attestation all read it."""
    sink = progress or NoProgress()
    results: list[CheckResult | None] = [None] * len(runs)
    keys: list[str | None] = [None] * len(runs)  # cache keys of results to store once the run is over
    contexts: list[CheckContext | None] = [None] * len(runs)
    done = threading.Condition()
    finished: list[int] = []
    running: dict[int, float] = {}  # index -> deadline
    pending = list(range(len(runs)))
    tasks: queue.SimpleQueue[int | None] = queue.SimpleQueue()
    slots = max(1, min(settings.jobs, len(runs)))
    position = {run.check.name: i for i, run in enumerate(runs)}
    waits_for = [
        {position[name] for name in getattr(run.check, "after", ()) if name in position and position[name] != i}
        for i, run in enumerate(runs)
    ]

    def worker() -> None:
        # A pool of `jobs` long-lived workers: starting a thread per check costs more than a
        # no-op check itself once the GIL is contended.
        while (index := tasks.get()) is not None:
            ctx = contexts[index]
            assert ctx is not None
            result, keys[index] = _execute(runs[index], ctx, settings)
            settings.redactor.result(result)
            with done:
                if results[index] is None:  # not already recorded as a timeout
                    results[index] = result
                    finished.append(index)
                done.notify_all()

    def spawn_worker() -> None:
        threading.Thread(target=worker, name="gatecheck-worker", daemon=True).start()

    def ready(index: int) -> bool:
        return all(results[dep] is not None for dep in waits_for[index])

    workers = 0
    with done:
        while pending or running:
            while len(running) < slots and pending:
                startable = next((i for i in pending if ready(i)), None)
                if startable is None:
                    if running:
                        break
                    startable = pending[0]  # a cycle in `after`: run the rest regardless
                pending.remove(startable)
                run = runs[startable]
                ctx = _context(run, settings)
                ctx.results = {runs[d].check.name: r for d in waits_for[startable] if (r := results[d]) is not None}
                contexts[startable] = ctx
                running[startable] = ctx.deadline
                sink.started(run.check.name)
                tasks.put(startable)
                if workers < slots:
                    spawn_worker()
                    workers += 1
            if not finished:
                nearest = min(running.values(), default=time.monotonic())
                done.wait(timeout=max(0.0, nearest - time.monotonic()) + 0.001)
            while finished:
                index = finished.pop(0)
                running.pop(index, None)
                result = results[index]
                assert result is not None
                sink.finished(result)
            now = time.monotonic()
            for index, deadline in list(running.items()):
                if now >= deadline and results[index] is None:
                    abandoned = contexts[index]
                    assert abandoned is not None
                    abandoned.cancelled.set()
                    name = runs[index].check.name
                    timed_out = CheckResult.failed(name, "timeout", f"check {name!r} timed out after {runs[index].timeout:g}s")
                    timed_out.duration_ms = int(runs[index].timeout * 1000)
                    results[index] = timed_out
                    running.pop(index)
                    sink.finished(timed_out)
                    spawn_worker()  # the abandoned worker may never come back
    for _ in range(workers):
        tasks.put(None)
    final = [r for r in results if r is not None]
    assert len(final) == len(runs)  # every check finished or was recorded as timed out
    # Scrub once more now that every check has run: a credential the secrets check found after
    # another check finished is masked in that check's result too, before anything is stored.
    for result in final:
        settings.redactor.result(result)
    if settings.annotate is not None:
        _annotate(settings.annotate, final)
    for index, result in enumerate(final):
        final[index] = results[index] = _sealed(runs[index].check.name, result, settings.redactor)
        if final[index] is not result:
            keys[index] = None
    if settings.cache:
        for index, key in enumerate(keys):
            result = results[index]
            if key is not None and result is not None and not result.cached:
                settings.cache.put(key, result)
        settings.cache.save()
    return final


def _context(run: CheckRun, settings: RunSettings) -> CheckContext:
    work_dir = settings.work_dir / run.check.name if settings.work_dir else None
    return CheckContext(
        root=settings.root,
        options=dict(run.options),
        stage=settings.stage,
        timeout=run.timeout,
        paths=list(settings.paths),
        exclude=list(settings.exclude),
        network=settings.network,
        work_dir=work_dir,
        repo=settings.repo,  # type: ignore[arg-type]  # set in RunSettings.__post_init__
        config_source=settings.config_source,  # type: ignore[arg-type]
        redactor=settings.redactor,
    )


def _execute(run: CheckRun, ctx: CheckContext, settings: RunSettings) -> tuple[CheckResult, str | None]:
    """Run one check to a schema-valid result, whatever the check does; also the cache key to store it under."""
    check = run.check
    name = check.name
    start = time.perf_counter()
    cpu_start = time.thread_time()
    key = None
    try:
        inputs = []
        prepare = getattr(check, "prepare", None)
        if prepare is not None:
            ctx.prepared = prepare(ctx)
        if settings.cache is not None:
            files, facts = split_inputs(check.inputs(ctx))
            inputs = collect_inputs(files, lambda p: _input_name(ctx, p), settings.cache.memo)
            context: dict[str, Any] = {
                "stage": ctx.stage, "network": ctx.network, "config": ctx.config_source.describe(),
                "untracked": ctx.repo.untracked, "paths": ctx.paths and [str(p) for p in ctx.paths],
                "exclude": ctx.exclude,
            }
            if facts:
                context["facts"] = facts
            key = cache_key(name, check.version, run.options, inputs, context)
            hit = settings.cache.get(key)
            if hit is not None and _restored(check, ctx, hit):
                hit.duration_ms = int((time.perf_counter() - start) * 1000)
                return hit, None
        if ctx.work_dir is not None:
            ctx.work_dir.mkdir(parents=True, exist_ok=True)
        raw = check.run(ctx)
        result = coerce_result(name, raw)
        if not result.inputs and inputs:
            result.inputs = inputs
        result.duration_ms = int((time.perf_counter() - start) * 1000)
        # Wall time counts waiting for a CPU (checks run side by side); CPU time says what the check cost.
        result.cpu_ms = int((time.thread_time() - cpu_start + ctx.cpu_children) * 1000)
        # What the check returned is validated when its document is built, once, at the end of
        # run_checks (after scrubbing and annotation): see _sealed.
        return result, key
    except CheckTimeout as exc:
        timed_out = CheckResult.failed(name, "timeout", f"check {name!r}: {exc}")
        timed_out.duration_ms = int((time.perf_counter() - start) * 1000)
        return timed_out, None
    except CheckFailed as exc:
        return _errored(name, start, str(exc), bad_input=exc.bad_input), None
    except BadInput as exc:
        return _errored(name, start, exc.describe(), bad_input=True), None
    except Exception as exc:
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        at = f" (at {Path(where.filename).name}:{where.lineno})" if where else ""
        return _errored(name, start, f"check {name!r} raised {type(exc).__name__}: {exc}{at}"), None


def _input_name(ctx: CheckContext, path: Path) -> str:
    """How an input file is named in the cache key and the result: root-relative for the tree,
    ``config:``-prefixed for configuration-side files (whose local copy may move between runs)."""
    rel = ctx.repo.relative(path)
    if rel is not None:
        return rel
    source_root = ctx.config_source.root
    text = str(path)
    if text.startswith(str(source_root) + os.sep):
        return "config:" + text[len(str(source_root)) + 1:].replace(os.sep, "/")
    real = os.path.realpath(path)
    rel = ctx.repo.relative(real)
    return rel if rel is not None else real


def _restored(check: Check, ctx: CheckContext, hit: CheckResult) -> bool:
    """Let a check that writes files (an SBOM) put them back for a cached result; a check
    that cannot is simply run again."""
    restore = getattr(check, "restore", None)
    if restore is None:
        return True
    try:
        restore(ctx, hit)
    except Exception:
        return False
    return True


def _annotate(annotate: Callable[[list[CheckResult]], None], results: list[CheckResult]) -> None:
    """Run ``annotate`` over ``results``. Results are validated after it (:func:`_sealed`), so a
    check's result with fields of the wrong type can make it raise: then each result is annotated
    alone (annotation only sets fields, so doing it twice is harmless), and an invalid result's
    failure is left for the schema check to report; a valid one's is a bug and raised."""
    try:
        annotate(results)
    except Exception:
        for result in results:
            try:
                annotate([result])
            except Exception:
                if validation.first_error("check-result", result.to_dict()) is None:
                    raise


def _sealed(name: str, result: CheckResult, redactor: redact.Redactor) -> CheckResult:
    """``result`` sealed: its document built, the one every consumer reads, and validated against
    the result schema (a cache hit was when it was stored); an invalid one becomes an error."""
    document = result.seal()
    if result.cached:
        return result
    problem = validation.first_error("check-result", document)
    if problem is None:
        return result
    # The schema's message may quote the offending value: scrubbed like everything else.
    message = redactor.text(f"check {name!r} returned an invalid result: {problem[0]}: {problem[1]}")
    errored = CheckResult.failed(name, "error", message)
    errored.duration_ms, errored.cpu_ms = result.duration_ms, result.cpu_ms
    errored.seal()
    return errored


def _errored(name: str, start: float, message: str, *, bad_input: bool = False) -> CheckResult:
    result = CheckResult.failed(name, "error", message, bad_input=bad_input)
    result.duration_ms = int((time.perf_counter() - start) * 1000)
    return result


def coerce_result(name: str, raw: object) -> CheckResult:
    """Accept a :class:`CheckResult` or a mapping shaped like one; name it after the check."""
    if isinstance(raw, CheckResult):
        result = raw
    elif isinstance(raw, Mapping):
        data = dict(raw)
        data.setdefault("check", name)
        problem = validation.first_error("check-result", data)
        if problem is not None:
            raise CheckFailed(f"check {name!r} returned an invalid result: {problem[0]}: {problem[1]}")
        result = CheckResult.from_dict(data)
    else:
        raise CheckFailed(f"check {name!r} returned {type(raw).__name__}, not a CheckResult")
    if result.check and result.check != name:
        raise CheckFailed(f"check {name!r} returned a result named {result.check!r}")
    result.check = name
    for finding in result.findings:
        if finding.check != name:
            raise CheckFailed(f"check {name!r} returned a finding of check {finding.check!r}")
    return result
