"""``gatecheck config validate`` and ``gatecheck init``."""

from __future__ import annotations

from pathlib import Path

import click

from gatecheck import config as config_mod
from gatecheck.gate import STAGES, GateOptions, plan
from gatecheck.plugins import Plugins
from gatecheck.schemadoc import markdown_reference


@click.group("config")
def config_group() -> None:
    """Inspect and validate the configuration."""


@config_group.command("validate")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Configuration file (default: PATH/gatecheck.toml or PATH/pyproject.toml).")
def validate(path: Path, config_path: Path | None) -> None:
    """Validate the configuration, including every check's options, for every stage.

    Exits 0 when valid, 2 with the file, key path and line of the first problem otherwise.

    \b
    Example:
      gatecheck config validate examples/webapp
    """
    cfg = config_mod.load(path, config_path)
    plugins = Plugins()
    counts = {stage: len(plan(cfg, plugins, GateOptions(stage=stage))) for stage in STAGES}
    where = cfg.name or cfg.path or "(no configuration file: defaults)"
    summary = ", ".join(f"{stage}: {n} checks" for stage, n in counts.items())
    click.echo(f"{where}: valid ({summary})")


@config_group.command("reference")
@click.option("--schema", "name", type=click.Choice(["config", "policy-input", "finding", "waivers"]), default="config",
              show_default=True, help="Which document to describe.")
def reference(name: str) -> None:
    """Print a field-by-field Markdown reference generated from one of gatecheck's JSON Schemas.

    \b
    Examples:
      gatecheck config reference > docs/configuration-reference.md
      gatecheck config reference --schema policy-input > docs/policy-input-reference.md
    """
    click.echo(markdown_reference(name), nl=False)


@click.command("init")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Overwrite an existing gatecheck.toml.")
def init(path: Path, force: bool) -> None:
    """Write a commented starter gatecheck.toml into PATH.

    \b
    Example:
      gatecheck init my-project
    """
    target = path / config_mod.CONFIG_FILE
    path.mkdir(parents=True, exist_ok=True)
    config_mod.write_starter(target, force=force)
    click.echo(f"wrote {target}")


COMMANDS = [config_group, init]
