"""One gate run from configuration to report: plan the checks, run them, decide, report.

The CLI's ``gatecheck run`` is a thin shell around :func:`run_gate`, so tests and other
front ends (the pre-commit hook, the GitHub Action) get identical behaviour.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema

from gatecheck import __version__, policy, redact, waivers
from gatecheck.cache import ResultCache, cache_directory
from gatecheck.config import TRUSTED_REF_BASELINE, Config
from gatecheck.errors import BadInput
from gatecheck.locations import LocationKinds
from gatecheck.model import CheckResult, Decision, DecisionEntry, Finding, Location, Tool, finding_id
from gatecheck.plugin_manager import Plugins
from gatecheck.policy import decide as decide_mod
from gatecheck.policy import inputs as inputs_mod
from gatecheck.policy import policy_bundle as bundle_mod
from gatecheck.reports import Report, exit_code_of, json_text
from gatecheck.repository import OutsideRepository, Repository, normalize
from gatecheck.runner import CheckRun, Progress, RunSettings, run_checks
from gatecheck.trust import ConfigSource, GitRefSource

STAGES = ("ci", "deploy", "admission")
DEFAULT_TIMEOUT = 600.0
#: The name of the result that carries the gate's own findings about the tree and its configuration.
GATE_CHECK = "gatecheck"
CONFIG_CHANGED = "gatecheck/config-changed"
UNSAFE_PATH = "gatecheck/unsafe-path"


@dataclass
class GateOptions:
    """Per-invocation choices that override the configuration (usually from the CLI)."""

    stage: str = "ci"
    only: list[str] = field(default_factory=list)
    use_cache: bool = True
    jobs: int | None = None
    network: bool = False
    fail_on: str | None = None
    #: Policy bundle (directory or .tar.gz), engine name and waivers file; None means the configuration's.
    policy: str | None = None
    engine: str | None = None
    waivers: Path | None = None
    #: Write the policy input document here (to see what the policy saw, or replay it with `policy eval`).
    policy_input_path: Path | None = None
    #: Git ref for diff-aware checks (``--baseline-ref origin/main``): passed as the ``baseline_ref``
    #: option to every check whose options schema declares one, overriding the configured value.
    baseline_ref: str | None = None
    #: The result cache's directory (``--cache-dir``); None means $GATECHECK_CACHE_DIR or the user cache.
    cache_dir: Path | None = None


@dataclass
class Judgement:
    """What the policy needs besides the results, loaded before any check runs so that a
    malformed policy or waivers file fails fast (exit 2) instead of after a long scan."""

    settings: policy.PolicySettings
    bundle: bundle_mod.Bundle
    waivers: waivers.WaiverFile


def prepare_policy(config: Config, options: GateOptions) -> Judgement:
    """Load the policy bundle (with configuration data merged in) and the waivers file."""
    settings = policy.settings_from_config(config, stage=options.stage, policy=options.policy, engine=options.engine,
                                           fail_on=options.fail_on)
    loaded = bundle_mod.load(settings.path).with_data(settings.data)
    table = config.section("waivers")
    path = options.waivers if options.waivers is not None else waivers.find(config.source, table.get("file"))
    if options.waivers is not None and not options.waivers.is_file():
        raise BadInput("waivers file not found", path=options.waivers, key="--waivers")
    waiver_file = waivers.load(path, max_days=int(table.get("max_days", waivers.DEFAULT_MAX_DAYS)),
                               name=config.source.name_of(path) if path is not None and options.waivers is None else None)
    return Judgement(settings, loaded, waiver_file)


def judge(
    judgement: Judgement, results: list[CheckResult], *, stage: str, root: Path, plugins: Plugins | None = None,
    now: datetime | None = None, input_path: Path | None = None,
) -> Decision:
    """Evaluate the policy on the results; every failure to get a clear verdict denies."""
    now = now or waivers.now_utc()
    settings = judgement.settings
    document = inputs_mod.build(
        results, stage=stage, now=now, waivers=judgement.waivers.waivers, environment=settings.environment,
        git=inputs_mod.git_context(root),
    )
    if input_path is not None:
        input_path.parent.mkdir(parents=True, exist_ok=True)
        input_path.write_text(json_text(document), "utf-8")
    try:
        engine = policy.create_engine(settings.engine, settings.engine_settings, plugins)
    except policy.EngineError as exc:
        return Decision(allow=False, deny=[DecisionEntry("gatecheck.policy.engine_error", str(exc))], engine=settings.engine,
                        policy_digest=judgement.bundle.digest)
    decision = decide_mod.decide(engine, judgement.bundle, document, entrypoint=settings.entrypoint)
    # An expired waiver is never applied, whatever the policy says (gatecheck.waivers.expiry).
    return waivers.enforce_expiry(decision, judgement.waivers, now)


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
        elif not table.get("enabled", _enabled_by_default(check, table)) or (
                stage_checks is not None and name not in stage_checks):
            continue
        check_options = config.check_options(name)
        validator = jsonschema.Draft202012Validator(dict(check.options_schema))
        problems = sorted(validator.iter_errors(check_options), key=lambda e: list(e.absolute_path))
        if problems:
            err = problems[0]
            raise config.bad(f"invalid option for check {name!r}: {err.message}", "checks", name,
                             *[str(p) for p in err.absolute_path])
        config.check_trust(dict(check.options_schema), check_options, "checks", name)
        baseline = dict(check.options_schema).get("properties", {}).get("baseline_ref")
        if options.baseline_ref and baseline is not None:
            check_options["baseline_ref"] = options.baseline_ref
        elif (isinstance(baseline, dict) and baseline.get(TRUSTED_REF_BASELINE)
              and "baseline_ref" not in check_options and isinstance(config.source, GitRefSource)):
            check_options["baseline_ref"] = config.source.ref
        runs.append(CheckRun(check=check, options=check_options, timeout=float(table.get("timeout", default_timeout))))
    return runs


def _enabled_by_default(check: Any, table: dict[str, Any]) -> bool:
    """Whether a check runs when the configuration does not say: yes, unless it declares
    ``enabled_by_default = False`` (a check that needs the operator's configuration, such as the
    slo and approvals checks) and its table sets nothing else."""
    if getattr(check, "enabled_by_default", True):
        return True
    return any(key != "enabled" for key in table)


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
    judgement = prepare_policy(config, options)
    root = config.root
    settings = run_settings(config, options)
    repo = settings.repo
    assert repo is not None
    kinds = LocationKinds(config.section("locations"))

    def annotate(final: list[CheckResult]) -> None:  # before run_checks seals the results
        kinds.classify(final)
        mark_new_suppressions(final, config.source, repo)

    settings.annotate = annotate
    results = run_checks(runs, settings, progress)
    if not options.only:
        # A plugin that cannot be imported must not quietly take its checks out of the gate.
        results += [CheckResult.failed(info.name, "error", f"plugin {info.name} could not be loaded: {info.error}")
                    for info in plugins.load_errors if info.name not in {r.check for r in results}]
    own = gate_findings(config.source, repo)
    if own.findings:
        settings.redactor.result(own)
        results.append(own)
    for result in results:
        result.seal()  # the gate's own results too: every consumer below reads one document
    decision = judge(judgement, results, stage=options.stage, root=root, plugins=plugins, input_path=options.policy_input_path)
    decision = require_checks(decision, results)
    return Report(
        results=results,
        decision=decision,
        stage=options.stage,
        root=root,
        gatecheck_version=__version__,
        started_at=started_at,
        duration_ms=int((time.perf_counter() - start) * 1000),
        exit_code=exit_code_of(results, decision),
        applied_waivers=applied_waivers(decision, judgement.waivers),
        config_source=config.source.describe(),
    )


def run_settings(config: Config, options: GateOptions) -> RunSettings:
    """What every check of a run shares: the repository view, scan paths, the cache, scratch space,
    the configuration source and a scrubber of its own. Front ends that run checks outside
    :func:`run_gate` (``gatecheck secrets baseline``) build their settings here too."""
    root = config.root
    run_table = config.section("run")
    scan_paths = []
    for index, rel in enumerate(run_table.get("paths", [])):
        try:
            scan_paths.append(root / normalize(str(rel), what="run.paths"))
        except OutsideRepository as exc:
            raise config.bad(exc.message, "run", "paths", index) from exc
    cache_dir = cache_directory(root, options.cache_dir or run_table.get("cache_dir"))
    use_cache = options.use_cache and bool(run_table.get("cache", True))
    repo = Repository(root, untracked=str(run_table.get("untracked", "unignored")))
    return RunSettings(
        root=root,
        stage=options.stage,
        jobs=options.jobs or int(run_table.get("jobs", 4)),
        paths=scan_paths,
        exclude=list(run_table.get("exclude", [])),
        network=options.network,
        cache=ResultCache(cache_dir) if use_cache else None,
        # Scratch space survives between runs, per project, outside the tree (it holds indexes and
        # compiled rule databases the checks trust).
        work_dir=cache_dir / "work" / hashlib.sha256(str(repo.root).encode()).hexdigest()[:16],
        repo=repo,
        config_source=config.source,
        # A scrubber per run: the environment as it is now, and only this run's registered values.
        redactor=redact.Redactor(),
    )


def require_checks(decision: Decision, results: list[CheckResult]) -> Decision:
    """A gate that checked nothing never passes, whatever the policy says: no check ran, or every
    check that ran was skipped (the gate's own findings do not count as a check)."""
    checked = [r for r in results if r.check != GATE_CHECK and r.status == "ok"]
    if checked or any(e.rule == "gatecheck.no_checks" for e in decision.deny):
        return decision
    ran = [r.check for r in results if r.check != GATE_CHECK]
    message = ("no check ran; an empty gate never passes" if not ran else
               f"every check was skipped ({', '.join(ran)}); a gate that checked nothing never passes")
    decision.deny.append(DecisionEntry("gatecheck.no_checks", message))
    decision.allow = False
    return decision


def gate_findings(source: ConfigSource, repo: Repository) -> CheckResult:
    """The gate's own findings: configuration the change modifies (it takes effect only after merge),
    and paths in the tree the repository view refused (symlinks out of it, special files)."""
    findings: list[Finding] = []
    for change in source.changes(repo.root):
        findings.append(Finding(
            id=finding_id(GATE_CHECK, CONFIG_CHANGED, path=change.path, key=change.change),
            check=GATE_CHECK, rule_id=CONFIG_CHANGED, severity="medium", confidence="high",
            title=f"the change {change.change} {change.path}, which configures the gate; this run used the trusted "
                  f"version, and the change takes effect after merge",
            location=Location(change.path, None, None),
            metadata={"change": change.change, "source": source.describe()},
        ))
    for skipped in repo.skipped:
        if not skipped.unsafe:
            continue
        findings.append(Finding(
            id=finding_id(GATE_CHECK, UNSAFE_PATH, path=skipped.path, key=skipped.reason),
            check=GATE_CHECK, rule_id=UNSAFE_PATH, severity="medium", confidence="high",
            title=f"{skipped.path} was not scanned: {skipped.reason}",
            location=Location(skipped.path, None, None), metadata={"reason": skipped.reason},
        ))
    return CheckResult(check=GATE_CHECK, tool=Tool("gatecheck", __version__), findings=findings,
                       summary={"config_source": source.describe(), "config_changes": sum(
                           1 for f in findings if f.rule_id == CONFIG_CHANGED),
                           "unsafe_paths": sum(1 for s in repo.skipped if s.unsafe),
                           "not_scanned": [{"path": s.path, "reason": s.reason} for s in repo.skipped[:200]]})


def mark_new_suppressions(results: list[CheckResult], source: ConfigSource, repo: Repository) -> None:
    """Mark each inline suppression the change under judgement added: its comment line is not in the
    file as it was at the merge base (known with --trusted-ref). Without a base, ``new`` stays as the
    check set it (a diff-aware check may know it from --baseline-ref)."""
    if not source.has_base:
        return
    files: dict[str, tuple[list[str], set[str]] | None] = {}
    for result in results:
        for item in result.suppressions:
            if item.commit is not None:
                continue  # found in git history: the current file says nothing about it
            if item.path not in files:
                try:
                    current = repo.read_bytes(item.path).decode("utf-8", "replace").splitlines()
                except (OSError, BadInput):
                    files[item.path] = None
                    continue
                before = (source.base_bytes(item.path) or b"").decode("utf-8", "replace")
                files[item.path] = (current, {line.strip() for line in before.splitlines()})
            known = files[item.path]
            if known is not None and 0 < item.line <= len(known[0]):
                item.new = known[0][item.line - 1].strip() not in known[1]


def applied_waivers(decision: Decision, waiver_file: waivers.WaiverFile) -> list[dict[str, Any]]:
    """The waivers the decision's ``waived`` entries name, with who owns them and until when."""
    used = {e.waiver_id for e in decision.waived if e.waiver_id}
    return [
        {"id": w.id, "expires": w.expires, "owner": w.owner, "reason": w.reason, "ticket": w.ticket}
        for w in waiver_file.waivers if w.id in used
    ]
