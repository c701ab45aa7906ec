"""``gatecheck run``: run the checks, decide, write the reports, exit with the verdict."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gatecheck import config as config_mod
from gatecheck import trust
from gatecheck.attest import DEFAULT_VERIFIER_ID
from gatecheck.attest.bundle import RunAttestation
from gatecheck.cli import inputs
from gatecheck.cli.output import QUIET, VERBOSE, color_wanted, detail, info, json_safe, notice, verbosity
from gatecheck.cli.progress import LineProgress, LiveProgress, wants_live_display
from gatecheck.cli.waivers_cmd import waivers_file
from gatecheck.errors import BadInput
from gatecheck.files import atomic_write
from gatecheck.gate import STAGES, GateOptions, plan, run_gate
from gatecheck.model import SEVERITIES
from gatecheck.plugin_manager import Plugins
from gatecheck.reports import Reporter
from gatecheck.reports.text import TextReporter
from gatecheck.runner import Progress

#: ``--fail-on`` levels: every severity but ``unknown`` (a threshold names a level a rating has).
SEVERITY_CHOICES = [s for s in SEVERITIES if s != "unknown"]


def parse_outputs(
    formats: tuple[str, ...], outputs: tuple[str, ...], reporters: dict[str, Reporter]
) -> list[tuple[Reporter, Path | None]]:
    """Pair ``--format FMT[:PATH]`` with ``--output PATH`` in order; None means stdout."""
    pending_outputs = list(outputs)
    pairs: list[tuple[Reporter, Path | None]] = []
    for spec in formats or ("text",):
        name, _, path = spec.partition(":")
        if name not in reporters:
            raise BadInput(f"unknown format {name!r} (available: {', '.join(reporters)})", key="--format")
        target: Path | None
        if path:
            target = Path(path)
        elif pending_outputs:
            target = Path(pending_outputs.pop(0))
        else:
            target = None
        pairs.append((reporters[name], None if target is not None and str(target) == "-" else target))
    if pending_outputs:
        raise BadInput(f"--output {pending_outputs[0]} has no --format to go with it", key="--output")
    to_stdout = [r.name for r, p in pairs if p is None]
    if len(to_stdout) > 1:
        raise BadInput(f"only one format can go to standard output, got {', '.join(to_stdout)}; give the others a path",
                       key="--format")
    return pairs


@click.command("run")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Configuration file (default: PATH/gatecheck.toml, else [tool.gatecheck] in PATH/pyproject.toml). "
                   "A file outside PATH is trusted: waivers and policy are then read beside it, never from PATH.")
@click.option("--trusted-ref", metavar="REF",
              help="For pull requests: read the configuration, waivers, policy, baselines, ignore and rule files as "
                   "they are at this git ref (origin/main), never from the change; report the change's edits to them.")
@click.option("--trusted-config", "trusted_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Like --trusted-ref, from an operator's directory outside PATH.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Result cache directory, outside PATH (default: $GATECHECK_CACHE_DIR, else the user cache).")
@click.option("--stage", type=click.Choice(STAGES), default="ci", show_default=True,
              help="Which stage this gate runs at; selects per-stage settings.")
@click.option("--check", "only", multiple=True, metavar="NAME", help="Run only this check (repeatable).")
@click.option("-f", "--format", "formats", multiple=True, metavar="FMT[:PATH]",
              help="Report format: text, json, sarif, junit, markdown, each optionally with :PATH (repeatable; one "
                   "may go to stdout). Default: text to stdout. As on every command, --format json prints JSON.")
@click.option("-o", "--output", "outputs", multiple=True, metavar="PATH",
              help="Where the next --format without a path goes (repeatable; - for stdout).")
@click.option("--no-cache", is_flag=True, help="Run every check even if its inputs did not change.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), help="How many checks run at once.")
@click.option("--online", is_flag=True,
              help="Allow checks to reach the network (online vulnerability services). Off by default.")
@click.option("--fail-on", type=click.Choice(SEVERITY_CHOICES),
              help="Deny findings at or above this severity (sets the stage's threshold in the policy data).")
@click.option("--policy", "policy_path", metavar="PATH",
              help="Policy bundle: a directory of .rego and data files or an OPA bundle .tar.gz (default: [policy] path, "
                   "else the bundled policy).")
@click.option("--engine", metavar="NAME", help="Policy engine: embedded (default) or opa.")
@click.option("--waivers", "waivers_path", type=inputs.FILE,
              help="Waivers file, TOML or YAML, - for stdin (default: [waivers] file, else gatecheck.waivers.toml "
                   "if present).")
@click.option("--policy-input", "policy_input_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the policy input document here (replay it with `gatecheck policy eval --input`).")
@click.option("--baseline-ref", metavar="REF",
              help="Diff-aware checks (sast) report only findings new since the merge base of this git ref "
                   "(for pull requests: --baseline-ref origin/main).")
@click.option("--attest", "attest_path", type=click.Path(dir_okay=False, path_type=Path), metavar="BUNDLE.intoto.jsonl",
              help="Write signed in-toto attestations (DSSE, JSON Lines) ending in a SLSA VSA verdict.")
@click.option("--subject", "subjects", multiple=True, metavar="PATH|sha256:HEX|NAME@sha256:HEX",
              help="What the attestations are about (repeatable): a file, a directory, or an image digest.")
@click.option("--key", "key_uris", multiple=True, metavar="SIGNER_URI",
              help="Signing key: file:PATH, env:VAR, or a KMS/Vault URI (see docs/attestations.md). Repeatable: "
                   "every envelope is signed by each key.")
@click.option("--verifier-id", default=DEFAULT_VERIFIER_ID, show_default=True, help="verifier.id written into the VSA.")
@click.option("--attest-failed/--no-attest-failed", default=False, show_default=True,
              help="Also write a signed FAILED verdict when the run is denied (auditors need it).")
@click.option("--attest-format", type=click.Choice(["jsonl", "sigstore", "both"]), default="jsonl", show_default=True,
              help="jsonl: DSSE envelopes, one a line; sigstore: one Sigstore bundle (v0.3) a line; both: the JSON "
                   "Lines bundle and X.sigstore.jsonl beside it. Example: --attest out/gate.intoto.jsonl "
                   "--attest-format both")
@click.option("--attest-svr", is_flag=True,
              help="Also sign an in-toto Simple Verification Result beside the VSA. Example: --attest "
                   "out/gate.intoto.jsonl --attest-svr")
@click.option("--store", "store_url", metavar="URL",
              help="Also push the --attest bundle to this attestation store (sqlite:///PATH or postgresql://...).")
@click.option("--metrics", "metrics_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also write the run's metrics here as OpenMetrics text (node_exporter textfile collector, "
                   "Pushgateway; see docs/promotion.md).")
def run(
    path: Path,
    config_path: Path | None,
    trusted_ref: str | None,
    trusted_dir: Path | None,
    cache_dir: Path | None,
    stage: str,
    only: tuple[str, ...],
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    no_cache: bool,
    jobs: int | None,
    online: bool,
    fail_on: str | None,
    policy_path: str | None,
    engine: str | None,
    waivers_path: Path | None,
    policy_input_path: Path | None,
    baseline_ref: str | None,
    attest_path: Path | None,
    subjects: tuple[str, ...],
    key_uris: tuple[str, ...],
    verifier_id: str,
    attest_failed: bool,
    attest_format: str,
    attest_svr: bool,
    store_url: str | None,
    metrics_path: Path | None,
) -> None:
    """Run the gate on the project at PATH and exit with its verdict.

    Exit codes: 0 pass, 1 policy denied, 2 bad input or configuration (including a
    malformed file a check had to read), 3 internal error. -q drops the progress lines.

    \b
    Examples:
      gatecheck run examples/webapp
      gatecheck run . --stage ci -f sarif:gatecheck.sarif -f markdown:summary.md
      gatecheck run . --check sarif --no-cache -f json -o report.json
      gatecheck run . --attest out/gate.intoto.jsonl --subject dist/app.whl --key file:gatecheck.key
      gatecheck run . --policy ./policy --waivers gatecheck.waivers.toml --engine opa
      gatecheck run . --baseline-ref origin/main
      gatecheck run . --trusted-ref origin/main -f sarif:gatecheck.sarif     # a pull request
      gatecheck run . --metrics /var/lib/node_exporter/textfile/gatecheck.prom
    """
    if not path.is_dir():
        raise BadInput("project directory not found", path=path)
    if config_path is not None and trusted_ref is None and trusted_dir is None and not config_path.is_file():
        raise BadInput("configuration file not found", path=config_path, key="--config")
    source = trust.open_source(path, config=config_path, trusted_ref=trusted_ref, trusted_dir=trusted_dir)
    cfg = config_mod.load(path, source=source)
    plugins = Plugins()
    reporters = plugins.reporters()
    pairs = parse_outputs(formats, outputs, reporters)
    attestation = RunAttestation.prepare(attest_path, subjects, key_uris, verifier_id=verifier_id,
                                         attest_failed=attest_failed, plugins=plugins, attest_format=attest_format,
                                         svr=attest_svr)
    if store_url and attestation is None:
        raise BadInput("--store pushes the attestation bundle: give --attest BUNDLE too", key="--store")
    with waivers_file(waivers_path) as waivers:
        options = GateOptions(stage=stage, only=list(only), use_cache=not no_cache, jobs=jobs, network=online,
                              fail_on=fail_on, policy=policy_path, engine=engine, waivers=waivers,
                              policy_input_path=policy_input_path, baseline_ref=baseline_ref, cache_dir=cache_dir)
        quiet = verbosity() == QUIET
        live = not quiet and wants_live_display(sys.stderr)
        if live or verbosity() == VERBOSE:
            checks = plan(cfg, plugins, options)
            detail(f"gatecheck: configuration {cfg.path or '(none: defaults)'}; stage {stage}; checks "
                   f"{', '.join(run.check.name for run in checks) or '(none)'}")
        if live:
            with LiveProgress(total=len(checks)) as display:
                report = run_gate(cfg, plugins, options, display)
        else:
            sink: Progress | None = None if quiet else LineProgress()
            report = run_gate(cfg, plugins, options, sink)
    if verbosity() != QUIET and all(target is not None for _, target in pairs):
        # Every report went to a file: the console still gets the summary (-q turns it off).
        pairs.append((reporters["text"], None))
    for reporter, target in pairs:
        if target is None and reporter.name == "text":
            reporter = TextReporter(color=color_wanted(sys.stdout))
        text = reporter.render(report)
        if target is None:
            # JSON leaves some terminal controls raw (C1, bidi overrides); on a terminal they must not act.
            # color=True: the text reporter coloured its output only if color_wanted (FORCE_COLOR colours a pipe).
            click.echo(json_safe(text) if reporter.name in ("json", "sarif") else text, nl=False, color=True)
        else:
            atomic_write(target, text)
            info(f"gatecheck: wrote {reporter.name} report to {target}")
    if metrics_path is not None:
        from gatecheck import metrics

        metrics.write(metrics_path, report)
        info(f"gatecheck: wrote metrics to {metrics_path}")
    if attestation is not None:
        notice(attestation.write(report))
        if store_url and attestation.path.is_file() and (report.passed or attestation.attest_failed):
            from gatecheck.cli.store_cmd import auto_push

            notice(auto_push(store_url, attestation.path, [s.public_key for s in attestation.signers], path))
    raise click.exceptions.Exit(report.exit_code)


COMMANDS = [run]
