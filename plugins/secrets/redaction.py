"""How a secret is represented once it leaves the matcher: a short redacted preview and a keyed hash.

The raw value exists only inside :mod:`gatecheck_plugins.secrets.matcher` while a buffer
is scanned. Findings, summaries, baselines, reports and the cache carry only what is
produced here:

- ``preview``: at most the first four characters (fewer for short values, none for
  values under eight characters), then ``*`` and the length, enough for a person to
  recognise which key it is;
- ``secret_hash``: ``hmac-sha256:<hex>`` of the value. It is keyed, so a short or
  guessable secret cannot be recovered by hashing candidates unless the key is known.
  The key comes from the environment variable named by the check's ``hash_key_env``
  option (``GATECHECK_SECRETS_HASH_KEY`` by default; only the operator may name another,
  since repository configuration must not choose which environment variable is read);
  without it a fixed, documented key is used, which still keeps fingerprints stable
  across machines.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re

DEFAULT_HASH_KEY_ENV = "GATECHECK_SECRETS_HASH_KEY"
_FALLBACK_KEY = b"gatecheck-secrets-fingerprint-v1"


def hash_key(env_name: str = DEFAULT_HASH_KEY_ENV) -> bytes:
    """The HMAC key: the named environment variable's value, else gatecheck's fixed key."""
    value = os.environ.get(env_name, "")
    return value.encode("utf-8") if value else _FALLBACK_KEY


def key_id(key: bytes) -> str:
    """A fingerprint of the hash key, which says whether two runs hashed with the same key without
    holding the key (it is part of the result cache's key: another key means other hashes)."""
    return hmac.new(key, b"gatecheck-secrets key id", hashlib.sha256).hexdigest()[:32]


def secret_hash(secret: bytes, key: bytes) -> str:
    """The keyed fingerprint of a secret value."""
    return "hmac-sha256:" + hmac.new(key, secret, hashlib.sha256).hexdigest()


def preview(secret: bytes) -> str:
    """A redacted preview: never more than four leading characters, never the end of the value."""
    text = secret.decode("utf-8", "replace")
    if "\n" in text or text.startswith("-----BEGIN") or text.startswith("---- BEGIN"):
        first = text.splitlines()[0][:40]
        return f"{first} ...[{len(text)} chars]" if first.startswith("-") else f"****[{len(text)} chars]"
    shown = 0 if len(text) < 8 else min(4, len(text) // 5)
    return f"{text[:shown]}****[{len(text)} chars]"


#: Lines of a key block that are the same in every key: masking them everywhere would hide nothing
#: and blank out every mention of "-----BEGIN PRIVATE KEY-----" (and the finding's own preview).
_ARMOR_LINE = re.compile(rb"^\s*(?:-----(?:BEGIN|END) [A-Z0-9 ]+-----|---- (?:BEGIN|END) [A-Z0-9 ]+ ----"
                         rb"|(?:Proc-Type|DEK-Info|Comment|Version|PuTTY-User-Key-File-\d+|Encryption|"
                         rb"Public-Lines|Private-Lines|Private-MAC):.*)\s*$")


def masked_part(secret: bytes) -> bytes:
    """What of a matched value the scrubber masks: all of it, except the armor lines of a key block."""
    if b"\n" not in secret:
        return secret
    return b"\n".join(line for line in secret.split(b"\n") if not _ARMOR_LINE.match(line))
