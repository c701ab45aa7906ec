"""``gatecheck secrets``: record a baseline of known secrets, list the rules in force."""

from __future__ import annotations

import json
from pathlib import Path

import click

from gatecheck import config as config_mod
from gatecheck.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, BadInput, GatecheckError
from gatecheck.gate import GateOptions, plan
from gatecheck.plugins import Plugins
from gatecheck.runner import RunSettings, run_checks
from gatecheck_plugins.secrets import baseline as baseline_mod
from gatecheck_plugins.secrets.check import CHECK_NAME
from gatecheck_plugins.secrets.rules import RuleSet, builtin_rules, load_config


class CheckError(GatecheckError):
    """The secrets check could not finish (exit 3, or 2 for bad input)."""

    def __init__(self, message: str, bad_input: bool) -> None:
        super().__init__(message)
        self.exit_code = EXIT_BAD_INPUT if bad_input else EXIT_INTERNAL


@click.group("secrets")
def secrets() -> None:
    """Secret scanning helpers (the scan itself runs in `gatecheck run`).

    \b
    Examples:
      gatecheck run . --check secrets              # scan for leaked credentials
      gatecheck secrets baseline .                 # accept today's findings, block only new ones
      gatecheck secrets rules --config .gitleaks.toml
    """


@secrets.command("baseline")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Configuration file (default: PATH/gatecheck.toml or [tool.gatecheck] in PATH/pyproject.toml).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the baseline (default: the check's 'baseline' option, else "
                   f"PATH/{baseline_mod.DEFAULT_PATH}).")
def baseline(path: Path, config_path: Path | None, output: Path | None) -> None:
    """Record today's secret findings so the gate fails only on new ones.

    Runs the `secrets` check with the project's configuration (ignoring any existing
    baseline) and writes each finding's rule id, path and keyed hash; no secret value
    is written. Commit the file; the check then skips findings whose rule and hash it
    lists. Rotate the listed secrets anyway: a baseline hides them, it does not revoke them.

    \b
    Example:
      gatecheck secrets baseline examples/webapp
      gatecheck secrets baseline . -o .gatecheck-secrets-baseline.json
    """
    if not path.is_dir():
        raise BadInput("project directory not found", path=path)
    cfg = config_mod.load(path, config_path)
    plugins = Plugins()
    runs = plan(cfg, plugins, GateOptions(only=[CHECK_NAME], use_cache=False))
    if not runs:
        raise BadInput(f"no installed plugin provides check {CHECK_NAME!r}", key="--check")
    run = runs[0]
    configured = run.options.get("baseline")
    run.options = {**run.options, "use_baseline": False}
    run_table = cfg.section("run")
    cache_dir = cfg.root / run_table.get("cache_dir", ".gatecheck/cache")
    settings = RunSettings(root=cfg.root, jobs=1, paths=[cfg.root / p for p in run_table.get("paths", [])],
                           exclude=list(run_table.get("exclude", [])), cache=None, work_dir=cache_dir.parent / "work")
    result = run_checks([run], settings)[0]
    if result.status not in ("ok", "skipped"):
        raise CheckError(f"the secrets check did not finish: {result.error}", result.bad_input)
    target = output or cfg.root / (configured or baseline_mod.DEFAULT_PATH)
    document = baseline_mod.from_findings(result.findings)
    baseline_mod.write(target, document)
    click.echo(f"gatecheck: recorded {len(document['entries'])} secret finding(s) (hashes only) in {target}")


@secrets.command("rules")
@click.option("--config", "configs", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Also load this gitleaks-format TOML file (repeatable).")
@click.option("--no-builtin", is_flag=True, help="Leave out gatecheck's built-in rule pack.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def rules(configs: tuple[Path, ...], no_builtin: bool, as_json: bool) -> None:
    """List the secret rules in force (and validate a gitleaks-format rules file).

    A malformed file is reported with its file name and line and exit status 2.

    \b
    Examples:
      gatecheck secrets rules
      gatecheck secrets rules --no-builtin --config .gitleaks.toml --json
    """
    from gatecheck.errors import CheckFailed

    ruleset = RuleSet()
    try:
        if not no_builtin:
            ruleset.extend(builtin_rules())
        for path in configs:
            ruleset.extend(load_config(path))
    except CheckFailed as exc:
        raise CheckError(str(exc), exc.bad_input) from exc
    if as_json:
        click.echo(json.dumps([{
            "id": r.id, "description": r.description, "severity": r.severity, "confidence": r.confidence,
            "keywords": [k.decode() for k in r.keywords], "source": r.source,
        } for r in ruleset.rules], indent=2))
        return
    width = max((len(r.id) for r in ruleset.rules), default=10)
    for r in ruleset.rules:
        click.echo(f"{r.id:<{width}}  {r.severity:<8}  {r.description}")
    click.echo(f"{len(ruleset.rules)} rules", err=True)
