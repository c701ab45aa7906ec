"""The ``gatecheck`` command line (click). One module per command group, registered here."""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from typing import Any

import click

from gatecheck import __version__
from gatecheck.cli.output import adopt, verbosity_params
from gatecheck.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, BadInput, GatecheckError

# Each command lives in its own module and is imported only when it is used: several of
# them pull in heavy libraries (SQLAlchemy, the ASGI server, the Rego engine), and a
# `gatecheck version` or `gatecheck run` must not pay for all of them at start-up.
COMMAND_MODULES: dict[str, str] = {
    "run": "gatecheck.cli.run_cmd",
    "plugins": "gatecheck.cli.plugins_cmd",
    "config": "gatecheck.cli.config_cmd",
    "init": "gatecheck.cli.config_cmd",
    "version": "gatecheck.cli.version_cmd",
    "keygen": "gatecheck.cli.keygen_cmd",
    "verify": "gatecheck.cli.verify_cmd",
    "approve": "gatecheck.cli.approve_cmd",
    "store": "gatecheck.cli.store_cmd",
    "serve": "gatecheck.cli.serve_cmd",
    "audit": "gatecheck.cli.audit_cmd",
    "policy": "gatecheck.cli.policy_cmd",
    "waivers": "gatecheck.cli.waivers_cmd",
    "explain": "gatecheck.cli.explain_cmd",
    "hook": "gatecheck.cli.hook_cmd",
}


class LazyGroup(click.Group):
    """A click group that imports a command's module on first use, and asks plugins
    (``gatecheck_commands``) only for names that are not built in."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plugin_commands: dict[str, click.Command] | None = None

    def _plugins(self) -> dict[str, click.Command]:
        if self._plugin_commands is None:
            self._plugin_commands = _plugin_commands()
        return self._plugin_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMAND_MODULES, *self.commands, *self._plugins()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        module_name = COMMAND_MODULES.get(cmd_name)
        if module_name is not None:
            module = importlib.import_module(module_name)
            commands: list[click.Command] = module.COMMANDS
            for command in commands:
                if command.name == cmd_name:
                    self.add_command(adopt(command))
                    return command
            raise GatecheckError(f"{module_name} does not define the command {cmd_name!r}")
        plugin_command: click.Command | None = self._plugins().get(cmd_name)
        if plugin_command is not None:
            self.add_command(adopt(plugin_command))
        return plugin_command


def _plugin_commands() -> dict[str, click.Command]:
    """The commands plugins provide through ``gatecheck_commands`` (``gatecheck secrets ...``).

    A plugin that fails to load is reported by ``gatecheck plugins``; it must not stop
    the built-in commands from working, so failures here are left to that command.
    """
    from gatecheck.plugin_manager import Plugins

    found: dict[str, click.Command] = {}
    try:
        plugins = Plugins()
    except Exception:
        return found
    # One implementation at a time: a plugin whose hook raises must not take the others'
    # commands (``gatecheck db`` of the sca plugin) with it.
    for impl in plugins.pm.hook.gatecheck_commands.get_hookimpls():
        try:
            commands: list[object] = impl.function() or []  # type: ignore[assignment]  # pluggy types it as object
        except Exception:
            continue
        for command in commands:
            if isinstance(command, click.Command) and command.name and command.name not in COMMAND_MODULES:
                found.setdefault(command.name, command)
    return found


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             params=verbosity_params())
@click.version_option(__version__, "-V", "--version", prog_name="gatecheck")
def cli() -> None:
    """gatecheck: a policy and compliance gate for software delivery.

    Runs scanners as plugins, judges their findings against policy, and reports with
    distinct exit codes: 0 pass, 1 policy denied, 2 bad input or configuration,
    3 internal error.

    Every command that prints data takes -f/--format json and -o FILE; every file
    argument takes - for standard input; -q/-v work before or after the command;
    NO_COLOR and FORCE_COLOR are honoured (docs/cli.md). Shell completion:
    eval "$(_GATECHECK_COMPLETE=bash_source gatecheck)" (zsh_source, fish_source).

    \b
    Quick start:
      gatecheck init                      # write a commented gatecheck.toml
      gatecheck run examples/webapp       # run the gate on a project
      gatecheck run . -f sarif:out.sarif -f markdown:summary.md
    """


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
        click.echo(f"gatecheck: error: {_visible(exc.describe())}", err=True)
        return EXIT_BAD_INPUT
    except GatecheckError as exc:
        click.echo(f"gatecheck: error: {_visible(str(exc))}", err=True)
        return exc.exit_code
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_INTERNAL
    except Exception as exc:
        if os.environ.get("GATECHECK_DEBUG"):
            traceback.print_exc()
        click.echo(
            f"gatecheck: internal error: {type(exc).__name__}: {_visible(str(exc))} "
            "(set GATECHECK_DEBUG=1 for a traceback)",
            err=True,
        )
        return EXIT_INTERNAL
    return rc if isinstance(rc, int) else 0


def _visible(message: str) -> str:
    """An error message with its control characters escaped: it may quote a file name or a value
    from the repository under judgement, which must not reach the terminal raw."""
    from gatecheck.reports.text import visible_lines

    return visible_lines(message)


def run() -> None:
    """Console-script shim."""
    sys.exit(main())
