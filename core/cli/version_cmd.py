"""``gatecheck version``."""

from __future__ import annotations

import importlib.metadata
import platform

import click

from gatecheck import __version__
from gatecheck.cli.output import Output, output_options

#: The distribution (what pip installs and `pip show` names) that provides the `gatecheck`
#: command and import package. Not "gatecheck": that PyPI name is an unrelated project.
DISTRIBUTION = "gatecheck-policy-gate"
#: The unrelated PyPI project (an LLM evaluation harness) that installs the same `gatecheck`
#: import package and console script.
CONFLICTING_DISTRIBUTION = "gatecheck"


def conflicting_distribution() -> str | None:
    """A description of an installed distribution named ``gatecheck``, if there is one.

    It writes files into the same ``gatecheck`` package and the same ``gatecheck`` script as this
    project, so whichever was installed last has overwritten parts of the other.
    """
    try:
        other = importlib.metadata.distribution(CONFLICTING_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    summary = (other.metadata.get_all("Summary") or ["no summary"])[0]
    return f"{CONFLICTING_DISTRIBUTION} {other.version} ({summary})"


@click.command("version")
@output_options()
def version(out: Output) -> None:
    """Print gatecheck's version, the distribution it was installed as and the Python it runs on.

    Warns (on stderr) when the unrelated PyPI distribution `gatecheck` is installed in the same
    environment: the two overwrite each other's `gatecheck` package and command.

    \b
    Examples:
      gatecheck version
      gatecheck version --format json
    """
    other = conflicting_distribution()
    out.emit({"version": __version__, "distribution": DISTRIBUTION, "python": platform.python_version(),
              "conflicting_distribution": other},
             lambda: f"gatecheck {__version__} (distribution {DISTRIBUTION}, Python {platform.python_version()})\n")
    if other is not None:
        click.echo(
            f"warning: the distribution {other} is also installed here. It is a different project that "
            f"installs the same `gatecheck` package and command, so the two overwrite each other's files. "
            f"Uninstall both (pip uninstall {CONFLICTING_DISTRIBUTION} {DISTRIBUTION}) and reinstall "
            f"{DISTRIBUTION}, or keep them in separate environments.",
            err=True,
        )


COMMANDS = [version]
