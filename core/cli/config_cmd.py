"""``gatecheck config validate`` and ``gatecheck init``."""

from __future__ import annotations

from pathlib import Path

import click

from gatecheck import config as config_mod
from gatecheck.cli.output import Output, info, output_options
from gatecheck.errors import BadInput
from gatecheck.gate import STAGES, GateOptions, plan
from gatecheck.plugin_manager import Plugins
from gatecheck.schemadoc import markdown_reference


@click.group("config")
def config_group() -> None:
    """Inspect and validate the configuration."""


@config_group.command("validate")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Configuration file (default: PATH/gatecheck.toml or PATH/pyproject.toml).")
@output_options()
def validate(path: Path, config_path: Path | None, out: Output) -> None:
    """Validate the configuration, including every check's options, for every stage.

    Exits 0 when valid, 2 with the file, key path and line of the first problem otherwise
    (with --format json, also as {"valid": false, "error": {...}} on stdout).

    \b
    Examples:
      gatecheck config validate examples/webapp
      gatecheck config validate examples/webapp --format json
    """
    try:
        cfg = config_mod.load(path, config_path)
        plugins = Plugins()
        checks = {stage: [run.check.name for run in plan(cfg, plugins, GateOptions(stage=stage))] for stage in STAGES}
    except BadInput as exc:
        if out.json:
            out.write_json({"valid": False, "error": {"message": exc.message, "path": exc.path, "line": exc.line,
                                                      "key": exc.key}})
        raise
    where = cfg.name or (str(cfg.path) if cfg.path else None)
    summary = ", ".join(f"{stage}: {len(names)} checks" for stage, names in checks.items())
    out.emit({"valid": True, "config": where, "stages": {stage: {"checks": names} for stage, names in checks.items()}},
             lambda: f"{where or '(no configuration file: defaults)'}: valid ({summary})\n")


@config_group.command("reference")
@click.option("--schema", "name", type=click.Choice(["config", "policy-input", "finding", "waivers"]), default="config",
              show_default=True, help="Which document to describe.")
@output_options(("markdown", "json"), default="markdown")
def reference(name: str, out: Output) -> None:
    """Print a field-by-field Markdown reference generated from one of gatecheck's JSON Schemas
    (--format json: the schema itself).

    \b
    Examples:
      gatecheck config reference > docs/configuration-reference.md
      gatecheck config reference --schema policy-input > docs/policy-input-reference.md
      gatecheck config reference --schema waivers --format json -o waivers.schema.json
    """
    if out.json:
        from gatecheck import validation

        out.write_json(validation.load(name))
    else:
        out.write(markdown_reference(name))


@click.command("init")
@click.argument("path", type=click.Path(file_okay=False, exists=True, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Overwrite an existing gatecheck.toml.")
def init(path: Path, force: bool) -> None:
    """Write a commented starter gatecheck.toml for the project in PATH (which must exist).

    The starter is made for what the project holds: dependency files, migrations, SARIF files
    of other tools, tests.

    \b
    Example:
      gatecheck init .
    """
    target = path / config_mod.CONFIG_FILE
    found = config_mod.write_starter(target, force=force)
    info(f"gatecheck: wrote {target}")
    for line in found:
        info(f"  found {line}")
    ignore = path / ".gitignore"
    ignored = ignore.is_file() and any(line.strip().rstrip("/") in (".gatecheck", "/.gatecheck")
                                       for line in ignore.read_text("utf-8", "replace").splitlines())
    if not ignored:
        info("gatecheck: add `.gatecheck/` to .gitignore: the SBOM and other outputs are written there, and nothing "
             "under it is ever read back as configuration or cache")


COMMANDS = [config_group, init]
