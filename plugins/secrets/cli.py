"""``gatecheck secrets``: record a baseline of known secrets, list the rules in force."""

from __future__ import annotations

import os
from pathlib import Path

import click

from gatecheck.api import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    BadInput,
    CheckFailed,
    GatecheckError,
    Output,
    Repository,
    atomic_write,
    cli_inputs,
    info,
    load_config,
    output_options,
    run_check,
)
from gatecheck_plugins.secrets import baseline_file
from gatecheck_plugins.secrets.check import CHECK
from gatecheck_plugins.secrets.rules import RuleSet, builtin_rules, read_local_file
from gatecheck_plugins.secrets.rules import load_config as load_rules_file


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
              help="Configuration file (default: PATH/gatecheck.toml or [tool.gatecheck] in PATH/pyproject.toml). "
                   "A file outside PATH is trusted: the baseline is then written beside it, where the check reads it.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the baseline (default: the check's 'baseline' option, else "
                   f"{baseline_file.DEFAULT_PATH}, in the configuration source the check reads it from).")
def baseline(path: Path, config_path: Path | None, output: Path | None) -> None:
    """Record today's secret findings so the gate fails only on new ones.

    Runs the `secrets` check with the project's configuration (ignoring any existing
    baseline) and writes each finding's rule id, path and keyed hash; no secret value
    is written. Commit the file; the check then skips findings whose rule and hash it
    lists. Rotate the listed secrets anyway: a baseline hides them, it does not revoke them.
    With `gatecheck run --trusted-ref`, the baseline in force is the one on the trusted ref:
    a pull request that adds or edits it changes nothing until it is merged.

    \b
    Example:
      gatecheck secrets baseline examples/webapp
      gatecheck secrets baseline . -o .gatecheck-secrets-baseline.json
    """
    if not path.is_dir():
        raise BadInput("project directory not found", path=path)
    # Run as `gatecheck run --check secrets` would (same scratch directory, so the compiled rule
    # database is shared), without any existing baseline.
    result = run_check(path, config_path, CHECK, options={"use_baseline": False})
    if result.status not in ("ok", "skipped"):
        raise CheckError(f"the secrets check did not finish: {result.error}", result.bad_input)
    document = baseline_file.from_findings(result.findings)
    text = baseline_file.serialize(document)
    cfg = load_config(path, config_path)
    name = str(cfg.check_options(CHECK).get("baseline") or baseline_file.DEFAULT_PATH)
    if output is not None:
        target = output  # the operator's own path, anywhere
        atomic_write(target, text)
    elif cfg.source.trusted:
        # Trusted configuration (-c outside the tree): the check reads the baseline beside it.
        target = Path(name) if os.path.isabs(name) else cfg.source.root / name
        atomic_write(target, text)
    else:
        target = Repository(cfg.root).write(name, text, what="checks.secrets.baseline")
    info(f"gatecheck: recorded {len(document['entries'])} secret finding(s) (hashes only) in {target}")


def _read_rules_file(name: str) -> tuple[str, str]:
    """A rules-file reader for the command line: ``-`` is standard input, anything else a local file."""
    if cli_inputs.is_stdin(name):
        return cli_inputs.read_text(name, what="secret rules file"), cli_inputs.STDIN_NAME
    return read_local_file(name)


@secrets.command("rules")
@click.option("--config", "configs", multiple=True, type=cli_inputs.FILE,
              help="Also load this gitleaks-format TOML file, - for stdin (repeatable).")
@click.option("--no-builtin", is_flag=True, help="Leave out gatecheck's built-in rule pack.")
@output_options(json_flag=True)
def rules(configs: tuple[Path, ...], no_builtin: bool, out: Output) -> None:
    """List the secret rules in force (and validate a gitleaks-format rules file).

    A malformed file is reported with its file name and line and exit status 2.

    \b
    Examples:
      gatecheck secrets rules
      gatecheck secrets rules --no-builtin --config .gitleaks.toml --format json
    """
    ruleset = RuleSet()
    try:
        if not no_builtin:
            ruleset.extend(builtin_rules())
        for path in configs:
            ruleset.extend(load_rules_file(str(path), _read_rules_file))
    except CheckFailed as exc:
        raise CheckError(str(exc), exc.bad_input) from exc
    width = max((len(r.id) for r in ruleset.rules), default=10)
    family_width = max((len(r.family) for r in ruleset.rules), default=10)
    out.emit([{
        "id": r.id, "description": r.description, "family": r.family, "severity": r.severity,
        "confidence": r.confidence, "keywords": [k.decode() for k in r.keywords], "validate": list(r.validate),
        "source": r.source,
    } for r in ruleset.rules], lambda: "".join(f"{r.id:<{width}}  {r.family:<{family_width}}  {r.severity:<8}  "
                                                f"{r.description}\n" for r in ruleset.rules))
    info(f"{len(ruleset.rules)} rules in {len({r.family for r in ruleset.rules})} families")
