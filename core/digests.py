"""Content digests, computed and written one way: sha256, lowercase hex, ``sha256:HEX`` where prefixed.

Every digest gatecheck writes or compares (cache inputs, attestation subjects, policy bundles,
stored records) goes through these helpers, so that the prefix and the letter case are handled
in one place.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import BinaryIO

PREFIX = "sha256:"
_CHUNK = 1 << 20
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


def sha256_hex(data: bytes) -> str:
    """Lowercase hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def stream_sha256(stream: BinaryIO) -> str:
    """Lowercase hex sha256 of everything left in a binary stream, read in chunks (memory stays bounded)."""
    h = hashlib.sha256()
    while chunk := stream.read(_CHUNK):
        h.update(chunk)
    return h.hexdigest()


def file_sha256(path: Path) -> str:
    """Lowercase hex sha256 of a file's bytes, read in chunks (memory stays bounded)."""
    with path.open("rb") as fh:
        return stream_sha256(fh)


def prefixed(hex_digest: str) -> str:
    """``sha256:HEX`` for a bare hex digest; a value that already names its algorithm is kept."""
    return hex_digest if ":" in hex_digest else PREFIX + hex_digest


def bare_sha256(value: str) -> str | None:
    """The lowercase hex of ``sha256:HEX`` or bare ``HEX`` (64 hex digits); None for anything else."""
    text = value.strip()
    if text[:len(PREFIX)].lower() == PREFIX:
        text = text[len(PREFIX):]
    return text.lower() if _HEX64.fullmatch(text) else None
