"""``gatecheck plugins``: what is installed, what it provides, where it came from."""

from __future__ import annotations

import io

import click

from gatecheck.cli.output import Output, output_options
from gatecheck.plugin_manager import PluginInfo, Plugins


@click.command("plugins")
@output_options()
def plugins(out: Output) -> None:
    """List every plugin with its version, the checks and report formats it provides, and its origin.

    \b
    Examples:
      gatecheck plugins
      gatecheck plugins --format json -o plugins.json
    """
    manager = Plugins()
    infos = manager.describe()
    if out.json:
        checks = manager.checks()
        out.write_json({
            "plugins": [i.to_dict() for i in infos],
            "checks": {
                name: {"version": c.version, "description": c.description, "options_schema": dict(c.options_schema)}
                for name, c in checks.items()
            },
            "reporters": sorted(manager.reporters()),
        })
    else:
        out.write(render_table(infos, color=out.color), escape=False)  # the table shows its cells literally
    if any(i.error for i in infos):
        raise click.exceptions.Exit(3)


def render_table(infos: list[PluginInfo], *, color: bool) -> str:
    """The plugins as a table; names, versions and errors are the plugins' own text, shown literally."""
    from rich.console import Console
    from rich.table import Table

    from gatecheck.reports.text import literal

    table = Table(title="gatecheck plugins", title_justify="left")
    for col in ("plugin", "version", "provides", "source"):
        table.add_column(col, overflow="fold")
    for info in infos:
        provides = info.provides()
        table.add_row(literal(info.name), literal(info.version), literal(info.error or ", ".join(provides) or "-"),
                      literal(info.source))
    buffer = io.StringIO()
    width = max(100, Console().width)
    Console(file=buffer, width=width, force_terminal=color, no_color=not color, markup=False, emoji=False,
            highlight=False, soft_wrap=False).print(table)
    return buffer.getvalue()


COMMANDS = [plugins]
