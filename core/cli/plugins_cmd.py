"""``gatecheck plugins``: what is installed, what it provides, where it came from."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from gatecheck.plugins import Plugins


@click.command("plugins")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def plugins(fmt: str) -> None:
    """List every plugin with its version, the checks and report formats it provides, and its origin.

    \b
    Examples:
      gatecheck plugins
      gatecheck plugins --format json
    """
    manager = Plugins()
    infos = manager.describe()
    if fmt == "json":
        checks = manager.checks()
        doc = {
            "plugins": [i.to_dict() for i in infos],
            "checks": {
                name: {"version": c.version, "description": c.description, "options_schema": dict(c.options_schema)}
                for name, c in checks.items()
            },
            "reporters": sorted(manager.reporters()),
        }
        click.echo(json.dumps(doc, indent=2))
        return
    table = Table(title="gatecheck plugins", title_justify="left")
    for col in ("plugin", "version", "provides", "source"):
        table.add_column(col, overflow="fold")
    for info in infos:
        provides = info.provides()
        table.add_row(info.name, info.version, info.error or ", ".join(provides) or "-", info.source)
    Console(width=max(100, Console().width), soft_wrap=False).print(table)
    if any(i.error for i in infos):
        raise click.exceptions.Exit(3)


COMMANDS = [plugins]
