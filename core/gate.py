"""One gate run from configuration to report: plan the checks, run them, decide, report.

The CLI's ``gatecheck run`` is a thin shell around :func:`run_gate`, so tests and other
front ends (the pre-commit hook, the GitHub Action) get identical behaviour.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import jsonschema

from gatecheck import __version__, threshold
from gatecheck.cache import ResultCache
from gatecheck.config import Config
from gatecheck.errors import EXIT_BAD_INPUT, EXIT_DENIED, EXIT_PASS, BadInput
from gatecheck.plugins import Plugins
from gatecheck.reports import Report
from gatecheck.runner import CheckRun, Progress, RunSettings, run_checks

STAGES = ("ci", "deploy", "admission")
DEFAULT_TIMEOUT = 600.0


@dataclass
class GateOptions:
    """Per-invocation choices that override the configuration (usually from the CLI)."""

    stage: str = "ci"
    only: list[str] = field(default_factory=list)
    use_cache: bool = True
    jobs: int | None = None
    network: bool = False
    fail_on: str | None = None


def plan(config: Config, plugins: Plugins, options: GateOptions) -> list[CheckRun]:
    """The checks to run at this stage, each with validated options and its timeout."""
    available = plugins.checks()
    configured = config.section("checks")
    for name in configured:
        if name not in available:
            raise config.bad(
                f"no installed plugin provides check {name!r} (installed: {', '.join(available) or 'none'})",
                "checks", name,
            )
    stage_checks = config.section("stages").get(options.stage, {}).get("checks")
    if stage_checks is not None:
        for i, name in enumerate(stage_checks):
            if name not in available:
                raise config.bad(f"unknown check {name!r}", "stages", options.stage, "checks", i)
    for name in options.only:
        if name not in available:
            raise BadInput(f"unknown check {name!r} (installed: {', '.join(available) or 'none'})", key="--check")
    default_timeout = float(config.section("run").get("timeout", DEFAULT_TIMEOUT))
    runs: list[CheckRun] = []
    for name, check in available.items():
        table = config.check_table(name)
        if options.only:
            if name not in options.only:
                continue
        elif not table.get("enabled", True) or (stage_checks is not None and name not in stage_checks):
            continue
        check_options = config.check_options(name)
        validator = jsonschema.Draft202012Validator(dict(check.options_schema))
        problems = sorted(validator.iter_errors(check_options), key=lambda e: list(e.absolute_path))
        if problems:
            err = problems[0]
            raise config.bad(f"invalid option for check {name!r}: {err.message}", "checks", name,
                             *[str(p) for p in err.absolute_path])
        runs.append(CheckRun(check=check, options=check_options, timeout=float(table.get("timeout", default_timeout))))
    return runs


def run_gate(
    config: Config,
    plugins: Plugins,
    options: GateOptions,
    progress: Progress | None = None,
) -> Report:
    """Run the gate and return the full report, exit code included."""
    if options.stage not in STAGES:
        raise BadInput(f"unknown stage {options.stage!r} (one of {', '.join(STAGES)})", key="--stage")
    started_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    start = time.perf_counter()
    runs = plan(config, plugins, options)
    root = config.root
    run_table = config.section("run")
    cache_dir = root / run_table.get("cache_dir", ".gatecheck/cache")
    use_cache = options.use_cache and bool(run_table.get("cache", True))
    settings = RunSettings(
        root=root,
        stage=options.stage,
        jobs=options.jobs or int(run_table.get("jobs", 4)),
        paths=[root / p for p in run_table.get("paths", [])],
        exclude=list(run_table.get("exclude", [])),
        network=options.network,
        cache=ResultCache(cache_dir) if use_cache else None,
        work_dir=cache_dir.parent / "work",
    )
    results = run_checks(runs, settings, progress)
    # TEMPORARY: the severity threshold decides until the Rego policy engine (issue 3) lands.
    fail_on = options.fail_on or config.run_setting("fail_on", "high", options.stage)
    decision = threshold.decide(results, fail_on)
    if any(r.bad_input for r in results):
        exit_code = EXIT_BAD_INPUT
    elif not decision.allow:
        exit_code = EXIT_DENIED
    else:
        exit_code = EXIT_PASS
    return Report(
        results=results,
        decision=decision,
        stage=options.stage,
        root=root,
        gatecheck_version=__version__,
        started_at=started_at,
        duration_ms=int((time.perf_counter() - start) * 1000),
        exit_code=exit_code,
    )
