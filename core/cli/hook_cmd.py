"""``gatecheck hook``: run one fast check over exactly the files a git hook names (pre-commit)."""

from __future__ import annotations

from pathlib import Path

import click

from gatecheck import config as config_mod
from gatecheck.cli import inputs
from gatecheck.cli.output import Output, output_options
from gatecheck.cli.waivers_cmd import waivers_file
from gatecheck.errors import BadInput
from gatecheck.gate import GateOptions, run_gate
from gatecheck.plugin_manager import Plugins
from gatecheck.reports.jsondoc import JsonReporter
from gatecheck.reports.text import TextReporter


def _relative_paths(root: Path, files: tuple[Path, ...]) -> list[str]:
    """The named files relative to the project root; BadInput for a missing file or one outside it."""
    rels: list[str] = []
    for name in files:
        full = (name if name.is_absolute() else Path.cwd() / name).resolve()
        if not full.is_file():
            raise BadInput("file not found", path=name)
        if not full.is_relative_to(root):
            raise BadInput(f"file is outside the project {root}", path=name)
        rel = full.relative_to(root).as_posix()
        if rel not in rels:
            rels.append(rel)
    return rels


@click.command("hook", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--project", "root", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Project root: where gatecheck.toml and the waivers file are.")
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Configuration file (default: PROJECT/gatecheck.toml, else [tool.gatecheck] in pyproject.toml).")
@click.option("--waivers", "waivers_path", type=inputs.FILE,
              help="Waivers file, - for stdin (default: [waivers] file, else gatecheck.waivers.toml if present).")
@output_options()
def hook(check: str, files: tuple[Path, ...], root: Path, config_path: Path | None,
         waivers_path: Path | None, out: Output) -> None:
    """Run the check CHECK over exactly FILES and exit with the gate's verdict.

    This is what the pre-commit hooks run (pre-commit passes the staged file names): the
    ordinary gate (configuration, policy, waivers) with only CHECK enabled and its scan paths
    restricted to FILES. The result cache is not used, so a hook never answers for files it did
    not read. Exit codes as for `gatecheck run`: 0 pass, 1 denied, 2 bad input, 3 internal error.

    \b
    Examples:
      gatecheck hook secrets app/settings.py app/views.py
      gatecheck hook migrations migrations/0003_status_index.sql
      gatecheck hook secrets --project services/orders services/orders/app/settings.py
    """
    if not root.is_dir():
        raise BadInput("project directory not found", path=root)
    cfg = config_mod.load(root, config_path)
    plugins = Plugins()
    if check not in plugins.checks():
        raise BadInput(f"unknown check {check!r} (installed: {', '.join(sorted(plugins.checks()))})", key="CHECK")
    rels = _relative_paths(cfg.root, files)
    # The gate reads its scan paths from [run] paths; narrowing them to the named files makes
    # every check (and its findings) stay within exactly what the hook was given.
    cfg.data = {**cfg.data, "run": {**cfg.section("run"), "paths": rels}}
    with waivers_file(waivers_path) as waivers:
        report = run_gate(cfg, plugins, GateOptions(stage="ci", only=[check], use_cache=False, waivers=waivers), None)
    if out.json:
        out.write(JsonReporter().render(report))
    else:
        out.write(TextReporter(color=out.color).render(report), escape=False)  # the reporter shows text literally
    raise click.exceptions.Exit(report.exit_code)


COMMANDS = [hook]
