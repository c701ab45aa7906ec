"""Attestation files in the forms other tools write them, split into the entries the verifier checks.

One reader for ``gatecheck verify``, ``gatecheck store push`` and library callers. A file is:

* **JSON Lines** (``*.intoto.jsonl``, ``*.sigstore.jsonl``, what ``gh attestation download``
  writes): one attestation per line, each a DSSE envelope or a Sigstore bundle. Blank lines are
  skipped; spaces, tabs and a CR around a line are not part of it.
* **one JSON document** over several lines: a pretty-printed DSSE envelope (``*.json``, how
  most tools write a single attestation) or a Sigstore bundle (``*.sigstore.json``, cosign's
  ``--bundle``). It is one entry, the whole document without surrounding white space.

The two are told apart by the first non-blank line: a JSON Lines line is a whole object and
ends with ``}``; the first line of a pretty-printed document does not. Each entry keeps its
exact bytes and its ``file:line`` (the line the document starts on); whether it is an envelope
or a bundle is decided when it is checked (:func:`gatecheck.attest.verify.check_envelope`).
"""

from __future__ import annotations

from pathlib import Path

from gatecheck.errors import BadInput


def split(data: bytes, name: str) -> list[tuple[str, bytes]]:
    """The attestations in the bytes of one file, as ``(name:line, bytes)`` entries."""
    lines = [(number, line.strip(b" \t\r")) for number, line in enumerate(data.split(b"\n"), start=1)]
    present = [(number, raw) for number, raw in lines if raw]
    if len(present) > 1 and not present[0][1].endswith(b"}"):
        # One document over several lines. Its bytes are kept whole: a verdict may list the
        # digest of exactly these bytes, and the JSON parser names the line of a problem in it.
        return [(f"{name}:{present[0][0]}", data.strip())]
    return [(f"{name}:{number}", raw) for number, raw in present]


def read_file(path: str | Path) -> list[tuple[str, bytes]]:
    """The entries of one attestation file (:func:`split`); BadInput (exit 2) naming it when unreadable."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read bundle: {exc.strerror or exc}", path=str(path)) from None
    return split(data, str(path))
