"""The ``gatecheck`` command line (click). One module per command group, registered here."""

from __future__ import annotations

import os
import sys
import traceback

import click

from gatecheck import __version__
from gatecheck.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, BadInput, GatecheckError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="gatecheck")
def cli() -> None:
    """gatecheck: a policy and compliance gate for software delivery.

    Runs scanners as plugins, judges their findings against policy, and reports with
    distinct exit codes: 0 pass, 1 policy denied, 2 bad input or configuration,
    3 internal error.

    \b
    Quick start:
      gatecheck init                      # write a commented gatecheck.toml
      gatecheck run examples/webapp       # run the gate on a project
      gatecheck run . -f sarif:out.sarif -f markdown:summary.md
    """


def _register() -> None:
    from gatecheck.cli import (
        audit_cmd,
        config_cmd,
        db_cmd,
        explain_cmd,
        keygen_cmd,
        plugins_cmd,
        policy_cmd,
        run_cmd,
        serve_cmd,
        store_cmd,
        verify_cmd,
        version_cmd,
        waivers_cmd,
    )

    for module in (run_cmd, plugins_cmd, config_cmd, version_cmd, db_cmd, keygen_cmd, verify_cmd, store_cmd, serve_cmd,
                   audit_cmd, policy_cmd, waivers_cmd, explain_cmd):
        for command in module.COMMANDS:
            cli.add_command(command)
    _register_plugin_commands()


def _register_plugin_commands() -> None:
    """Add the commands plugins provide through ``gatecheck_commands`` (``gatecheck secrets ...``).

    A plugin that fails to load is reported by ``gatecheck plugins``; it must not stop
    the built-in commands from working, so failures here are left to that command.
    """
    from gatecheck.plugins import Plugins

    try:
        provided = Plugins().pm.hook.gatecheck_commands()
    except Exception:
        return
    for commands in provided:
        for command in commands or []:
            if isinstance(command, click.Command) and command.name and command.name not in cli.commands:
                cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``gatecheck`` script: maps errors to exit codes, never a bare traceback."""
    try:
        # With standalone_mode off, click returns a command's Exit code instead of raising it.
        rc = cli.main(args=argv, prog_name="gatecheck", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_INTERNAL
    except click.ClickException as exc:
        exc.show()
        return EXIT_BAD_INPUT if exc.exit_code == 2 else int(exc.exit_code)
    except BadInput as exc:
        click.echo(f"gatecheck: error: {exc.describe()}", err=True)
        return EXIT_BAD_INPUT
    except GatecheckError as exc:
        click.echo(f"gatecheck: error: {exc}", err=True)
        return exc.exit_code
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_INTERNAL
    except Exception as exc:
        if os.environ.get("GATECHECK_DEBUG"):
            traceback.print_exc()
        click.echo(
            f"gatecheck: internal error: {type(exc).__name__}: {exc} (set GATECHECK_DEBUG=1 for a traceback)",
            err=True,
        )
        return EXIT_INTERNAL
    return rc if isinstance(rc, int) else 0


def run() -> None:
    """Console-script shim."""
    sys.exit(main())
