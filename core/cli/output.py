"""How every command prints: ``--format``/``-o``, ``--quiet``/``--verbose``, colour, and safe text.

One implementation for the conventions ``docs/cli.md`` documents:

- A command that prints data takes ``-f/--format`` (``text`` or ``json``, or the formats it
  has) and ``-o/--output FILE`` through :func:`output_options`, and prints through the
  :class:`Output` it is given. Data goes to standard output, or whole and atomically to FILE.
- ``-q/--quiet`` and ``-v/--verbose`` belong to ``gatecheck`` and to every command
  (:func:`adopt`); commands print progress and informational lines through :func:`info` and
  extra detail through :func:`detail`, both on standard error.
- Colour follows ``NO_COLOR`` and ``FORCE_COLOR`` (:func:`color_wanted`).
- Text output is printed with its control characters escaped (an attestation, a waiver or a
  finding can carry any string), JSON with the ones JSON leaves raw escaped as well.

Nothing here imports rich: ``gatecheck version`` and ``gatecheck run`` start without it.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from gatecheck.errors import BadInput

F = TypeVar("F", bound=Callable[..., Any])

_VERBOSITY = "gatecheck.verbosity"
QUIET, NORMAL, VERBOSE = -1, 0, 1


# -- quiet and verbose -------------------------------------------------------------------------


def _set_verbosity(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value:
        return
    meta = ctx.find_root().meta
    wanted = QUIET if param.name == "quiet" else VERBOSE
    if meta.get(_VERBOSITY, NORMAL) not in (NORMAL, wanted):
        raise click.UsageError("--quiet and --verbose contradict each other; give one of them", ctx=ctx)
    meta[_VERBOSITY] = wanted


def verbosity_params() -> list[click.Option]:
    """Fresh ``-q/--quiet`` and ``-v/--verbose`` options (each command needs its own objects)."""
    return [
        click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, callback=_set_verbosity,
                     help="Print only the command's data and errors: no progress or informational lines."),
        click.Option(["-v", "--verbose"], is_flag=True, expose_value=False, callback=_set_verbosity,
                     help="Also print details on standard error: the configuration, files and store a command uses, "
                          "each passing test, the server's debug log."),
    ]


def adopt(command: click.Command) -> click.Command:
    """Give ``command`` (and every subcommand of a group) the global ``-q``/``-v`` options, so that
    ``gatecheck run -q`` works as ``gatecheck -q run`` does, for plugin commands too.

    A command that already has an option spelt ``-q``, ``--quiet``, ``-v`` or ``--verbose`` keeps
    its own: it decides what that option means.
    """
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            adopt(sub)
        return command
    taken = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    for option in verbosity_params():
        if not taken.intersection(option.opts):
            command.params.append(option)
    return command


def verbosity() -> int:
    """:data:`QUIET`, :data:`NORMAL` or :data:`VERBOSE`, as the command line asked (NORMAL outside one)."""
    ctx = click.get_current_context(silent=True)
    return NORMAL if ctx is None else int(ctx.find_root().meta.get(_VERBOSITY, NORMAL))


def info(message: str) -> None:
    """A progress or informational line on standard error, unless ``--quiet``."""
    if verbosity() > QUIET:
        click.echo(_safe(message), err=True)


def notice(message: str) -> None:
    """An outcome line on standard error that ``--quiet`` keeps: what a command did to signed or stored
    state (attestations written or not, envelopes stored or refused), which a script must not miss."""
    click.echo(_safe(message), err=True)


def detail(message: str) -> None:
    """A detail line on standard error, only with ``--verbose``."""
    if verbosity() >= VERBOSE:
        click.echo(_safe(message), err=True)


# -- colour ------------------------------------------------------------------------------------


def color_wanted(stream: IO[Any]) -> bool:
    """Whether to colour what goes to ``stream``.

    ``NO_COLOR`` set and not empty: never (https://no-color.org). Otherwise ``FORCE_COLOR`` set
    and not empty, whatever its value: always (https://force-color.org), for CI logs that render
    colour. Otherwise only on a terminal that is not ``TERM=dumb``.
    """
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except ValueError:  # a closed stream
        return False


# -- safe text ---------------------------------------------------------------------------------


def _safe(text: str) -> str:
    """``text`` with its control characters escaped, newlines and tabs kept."""
    # Fast path: text of printable characters only (the usual case) needs no escaping, and
    # `gatecheck version` then does not import the reports package to find that out.
    if text.replace("\n", "").replace("\t", "").isprintable():
        return text
    from gatecheck.reports.text import visible_lines

    return visible_lines(text)


def json_safe(document: str) -> str:
    """A JSON document with the controls JSON leaves raw (DEL, C1, bidirectional overrides) escaped."""
    if not document or max(document) < "\x7f":  # fast path: nothing above the ASCII printables
        return document
    from gatecheck.reports.text import visible_json

    return visible_json(document)


# -- --format and -o ---------------------------------------------------------------------------


class Output:
    """Where a command's data goes (standard output, or ``-o FILE``) and in which ``--format``."""

    __slots__ = ("format", "path")

    def __init__(self, format: str, path: Path | None = None) -> None:
        self.format = format
        self.path = path

    @property
    def json(self) -> bool:
        return self.format == "json"

    @property
    def color(self) -> bool:
        """Whether text for this output may be coloured (never in a file)."""
        return self.path is None and color_wanted(sys.stdout)

    def emit(self, data: Any, text: Callable[[], str]) -> None:
        """Print ``data`` as JSON with ``--format json``, else the text ``text()`` renders."""
        if self.json:
            self.write_json(data)
        else:
            self.write(text())

    def write_json(self, data: Any) -> None:
        """Print ``data`` as the JSON every command prints: indented, UTF-8, keys in the order given."""
        import json  # here, not at the top: most commands print text, and start-up stays short

        self.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    def write(self, document: str, *, escape: bool = True) -> None:
        """Print ``document`` (ending in a newline) to standard output, or write it to ``-o FILE``.

        Text has its control characters escaped, unless ``escape=False`` says the renderer did
        that already (rich output of :func:`~gatecheck.reports.text.literal` text, whose colour
        codes must stay). Other formats are written as rendered.
        """
        if self.format == "text" and escape:
            document = _safe(document)
        elif self.json:
            document = json_safe(document)
        if self.path is None:
            # color=True: never let click strip escapes. Colour was decided by color_wanted (FORCE_COLOR
            # colours a pipe); text that must not carry escapes has had them escaped above.
            click.echo(document, nl=False, color=True)
            return
        from gatecheck.files import atomic_write

        if self.path.is_dir():
            raise BadInput("is a directory", path=self.path, key="--output")
        try:
            atomic_write(self.path, document)
        except OSError as exc:
            raise BadInput(f"cannot write: {exc.strerror or exc}", path=self.path, key="--output") from None
        info(f"gatecheck: wrote {self.format} to {self.path}")


def output_options(formats: tuple[str, ...] = ("text", "json"), default: str = "text", *,
                   output: bool = True, json_flag: bool = False) -> Callable[[F], F]:
    """Add ``-f/--format`` and ``-o/--output FILE`` to a command, which then receives ``out: Output``.

    ``output=False`` leaves out ``-o`` (``keygen``, whose ``-o`` names the key files it writes).
    ``json_flag`` keeps the old ``--json`` spelling working, hidden and reported as deprecated.
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, output_format: str, output_path: Path | None = None, json: bool = False,
                    **kwargs: Any) -> Any:
            fmt = "json" if json else output_format
            path = None if output_path is None or str(output_path) == "-" else output_path
            return func(*args, out=Output(fmt, path), **kwargs)

        decorated: Any = wrapper
        if json_flag:
            decorated = click.option("--json", "json", is_flag=True, hidden=True,
                                     deprecated="Use --format json.")(decorated)
        if output:
            decorated = click.option(
                "-o", "--output", "output_path", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
                metavar="FILE", help="Write the output to FILE instead of standard output (- for standard output).",
            )(decorated)
        choices = " or ".join((", ".join(formats[:-1]), formats[-1])) if len(formats) > 1 else formats[0]
        decorated = click.option(
            "-f", "--format", "output_format", type=click.Choice(formats), default=default, show_default=True,
            help=f"Output format: {choices}.",
        )(decorated)
        return decorated  # type: ignore[no-any-return]

    return decorate
