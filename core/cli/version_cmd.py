"""``gatecheck version``."""

from __future__ import annotations

import platform

import click

from gatecheck import __version__


@click.command("version")
def version() -> None:
    """Print gatecheck's version and the Python it runs on.

    \b
    Example:
      gatecheck version
    """
    click.echo(f"gatecheck {__version__} (Python {platform.python_version()})")


COMMANDS = [version]
