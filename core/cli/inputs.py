"""``-`` as standard input, for every option and argument that reads a file.

Standard input can be read once, so at most one ``-`` per command line; a second one is bad
input naming both. Messages name standard input ``<stdin>`` (with a line number where the
reader knows one), and an unreadable or closed standard input is bad input (exit 2).
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import click

from gatecheck.digests import stream_sha256
from gatecheck.errors import BadInput

if TYPE_CHECKING:
    from gatecheck.attest.keys import PublicKey

STDIN = "-"
#: How messages name standard input.
STDIN_NAME = "<stdin>"
_CLAIMED = "gatecheck.stdin.read"
_GIVEN = "gatecheck.stdin.given"


def is_stdin(value: str | Path | None) -> bool:
    """Whether a file argument is ``-``."""
    return value is not None and str(value) == STDIN


def display(value: str | Path) -> str:
    """How messages name the input ``value``."""
    return STDIN_NAME if is_stdin(value) else str(value)


class InputFile(click.Path):
    """The click type of every option and argument naming a file the command reads: ``-`` is
    standard input, and at most one of them, once, may say ``-`` (checked while parsing, before
    anything is read)."""

    def __init__(self, *, dir_okay: bool = False, path_type: type[Any] = Path) -> None:
        super().__init__(dir_okay=dir_okay, allow_dash=True, path_type=path_type)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = super().convert(value, param, ctx)
        if isinstance(path, str | Path) and is_stdin(path) and ctx is not None:
            meta = ctx.find_root().meta
            name = param.get_error_hint(ctx) if param is not None else "an input"
            if _GIVEN in meta:
                self.fail(f"only one input can be - (standard input is already given to {meta[_GIVEN]})", param, ctx)
            meta[_GIVEN] = name
        return path


#: The type of file options and arguments (see :class:`InputFile`).
FILE = InputFile()


def _claim(what: str) -> None:
    """Record that ``what`` reads standard input; BadInput if something else already did."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return
    meta = ctx.find_root().meta
    if _CLAIMED in meta:
        raise BadInput(f"standard input is already read as the {meta[_CLAIMED]}: only one input can be -",
                       path=STDIN_NAME)
    meta[_CLAIMED] = what


def _stdin() -> BinaryIO:
    stream = sys.stdin
    if stream is None:  # started with standard input closed
        raise BadInput("standard input is closed", path=STDIN_NAME)
    return stream.buffer


def read_bytes(value: str | Path, *, what: str) -> bytes:
    """The bytes of the file ``value``, or of standard input for ``-``; BadInput naming it when unreadable."""
    if not is_stdin(value):
        try:
            return Path(value).read_bytes()
        except OSError as exc:
            raise BadInput(f"cannot read {what}: {exc.strerror or exc}", path=value) from None
    _claim(what)
    try:
        return _stdin().read()
    except (OSError, ValueError) as exc:  # ValueError: read from a closed file
        raise BadInput(f"cannot read {what} from standard input: {exc}", path=STDIN_NAME) from None


def read_text(value: str | Path, *, what: str) -> str:
    """Like :func:`read_bytes`, decoded as UTF-8; BadInput naming the file and line of bytes that are not."""
    data = read_bytes(value, what=what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BadInput(f"{what} is not UTF-8 text (byte {data[exc.start]:#04x})", path=display(value),
                       line=line) from None


def stdin_sha256(*, what: str) -> str:
    """The sha256 (hex) of everything on standard input, read in chunks (an artifact may be large)."""
    _claim(what)
    try:
        return stream_sha256(_stdin())
    except (OSError, ValueError) as exc:
        raise BadInput(f"cannot read {what} from standard input: {exc}", path=STDIN_NAME) from None


@contextlib.contextmanager
def temporary_copy(text: str, name: str) -> Iterator[Path]:
    """``text`` in a private temporary file called ``name`` (its suffix tells a reader the format),
    for readers that only take a file name; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="gatecheck-stdin-") as directory:
        path = Path(directory) / name
        path.write_text(text, "utf-8")
        yield path


def public_keys(values: Sequence[str | Path]) -> list[PublicKey]:
    """The trusted public keys (PEM) that ``--key`` options name, ``-`` for one on standard input;
    BadInput (exit 2) naming the file that cannot be read or parsed."""
    from gatecheck.attest.keys import load_public_pem

    return [load_public_pem(read_bytes(value, what="public key"), display(value)) for value in values]


def envelopes(bundles: Sequence[str | Path]) -> list[tuple[str, bytes]]:
    """The envelope lines of attestation bundles as ``(file:line, bytes)``, ``-`` for one on standard input."""
    from gatecheck.attest.verify import read_bundle

    entries: list[tuple[str, bytes]] = []
    for bundle in bundles:
        if not is_stdin(bundle):
            entries.extend(read_bundle(bundle))
            continue
        # The same lines read_bundle takes from a file: blank ones skipped, spaces, tabs and CR trimmed.
        for number, line in enumerate(read_bytes(bundle, what="bundle").split(b"\n"), start=1):
            if raw := line.strip(b" \t\r"):
                entries.append((f"{STDIN_NAME}:{number}", raw))
    return entries
