"""``gatecheck run``: run the checks, decide, write the reports, exit with the verdict."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

import click

from gatecheck import config as config_mod
from gatecheck.cli.progress import LineProgress, LiveProgress, wants_live_display
from gatecheck.errors import BadInput
from gatecheck.gate import STAGES, GateOptions, plan, run_gate
from gatecheck.plugins import Plugins
from gatecheck.reports import Reporter
from gatecheck.reports.text import TextReporter
from gatecheck.runner import Progress

SEVERITY_CHOICES = ["critical", "high", "medium", "low", "info"]


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


def write_atomic(path: Path, text: str) -> None:
    """Write a report so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@click.command("run")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Configuration file (default: PATH/gatecheck.toml, else [tool.gatecheck] in PATH/pyproject.toml).")
@click.option("--stage", type=click.Choice(STAGES), default="ci", show_default=True,
              help="Which stage this gate runs at; selects per-stage settings.")
@click.option("--check", "only", multiple=True, metavar="NAME", help="Run only this check (repeatable).")
@click.option("-f", "--format", "formats", multiple=True, metavar="FMT[:PATH]",
              help="Report format: text, json, sarif, junit, markdown (repeatable). Default: text to stdout.")
@click.option("-o", "--output", "outputs", multiple=True, metavar="PATH",
              help="Where the next --format without a path goes (repeatable; - for stdout).")
@click.option("--no-cache", is_flag=True, help="Run every check even if its inputs did not change.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), help="How many checks run at once.")
@click.option("--online", is_flag=True,
              help="Allow checks to reach the network (online vulnerability services). Off by default.")
@click.option("--fail-on", type=click.Choice(SEVERITY_CHOICES),
              help="Deny at or above this severity (temporary, until the Rego policy decides).")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
def run(
    path: Path,
    config_path: Path | None,
    stage: str,
    only: tuple[str, ...],
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    no_cache: bool,
    jobs: int | None,
    online: bool,
    fail_on: str | None,
    quiet: bool,
) -> None:
    """Run the gate on the project at PATH and exit with its verdict.

    Exit codes: 0 pass, 1 policy denied, 2 bad input or configuration (including a
    malformed file a check had to read), 3 internal error.

    \b
    Examples:
      gatecheck run examples/webapp
      gatecheck run . --stage ci -f sarif:gatecheck.sarif -f markdown:summary.md
      gatecheck run . --check sarif --no-cache -f json -o report.json
    """
    if not path.is_dir():
        raise BadInput("project directory not found", path=path)
    cfg = config_mod.load(path, config_path)
    plugins = Plugins()
    reporters = plugins.reporters()
    pairs = parse_outputs(formats, outputs, reporters)
    options = GateOptions(stage=stage, only=list(only), use_cache=not no_cache, jobs=jobs, network=online,
                          fail_on=fail_on)
    live = not quiet and wants_live_display(sys.stderr)
    if live:
        with LiveProgress(total=len(plan(cfg, plugins, options))) as display:
            report = run_gate(cfg, plugins, options, display)
    else:
        sink: Progress | None = None if quiet else LineProgress()
        report = run_gate(cfg, plugins, options, sink)
    for reporter, target in pairs:
        if target is None and reporter.name == "text":
            reporter = TextReporter(color=sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
        text = reporter.render(report)
        if target is None:
            click.echo(text, nl=False)
        else:
            write_atomic(target, text)
            if not quiet:
                click.echo(f"gatecheck: wrote {reporter.name} report to {target}", err=True)
    raise click.exceptions.Exit(report.exit_code)


COMMANDS = [run]
