"""Canonical JSON: the one byte form of a JSON value that digests, cache keys and tags are taken over.

Sorted keys and no insignificant white space, so equal data gives equal bytes. UTF-8 by default;
``ascii_only`` escapes every non-ASCII character (the store's hash chain was defined that way, and
its existing records must keep hashing to the same values).
"""

from __future__ import annotations

import json
from typing import Any


def canonical_json(value: Any, *, ascii_only: bool = False) -> bytes:
    """The canonical bytes of ``value`` (see the module docstring)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=ascii_only).encode("utf-8")
