"""Who may call ``gatecheck serve``: bearer tokens from a file the operator names, or client certificates.

Client certificates are checked by the TLS layer itself (the server's context has ``ssl.CERT_REQUIRED``
and the operator's CA): a connection without a certificate that CA signed never reaches the application.
This module loads and checks both inputs (at start-up, and the CA file again whenever
:mod:`gatecheck.server.tls` sees it change), so a bad token file or CA file is a clear exit-2 error
instead of a server that refuses (or admits) everyone, and answers the one question a request
asks: does its ``Authorization`` header carry a token of the file?
"""

from __future__ import annotations

import hmac
import os
import re
import ssl
import stat
from collections.abc import Sequence
from pathlib import Path

from gatecheck.errors import BadInput

#: 32 characters: 128 bits as hex, the least a token guessed online should have.
MIN_TOKEN_LENGTH = 32
#: RFC 6750's b64token: what may follow ``Bearer `` in a header.
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_TOKEN_HINT = "for example `openssl rand -hex 32`"


class BearerTokens:
    """The tokens that authenticate a caller. Several may be valid at once, so a rotation can overlap."""

    def __init__(self, tokens: Sequence[str]) -> None:
        if not tokens:
            raise ValueError("BearerTokens needs at least one token")
        self._tokens = [t.encode("ascii") for t in tokens]

    @classmethod
    def from_file(cls, path: Path) -> BearerTokens:
        """Read one token per non-blank line; BadInput naming the file (and line) when it cannot be trusted.

        Refused: a missing or non-regular file, one other users may read or write (a token
        everyone on the machine can read authenticates no one), no token, a line that is not a
        b64token (RFC 6750), or a token shorter than :data:`MIN_TOKEN_LENGTH`.
        """
        try:
            info = path.stat()
        except FileNotFoundError:
            raise BadInput("file not found", path=path, key="--token-file") from None
        except OSError as exc:
            raise BadInput(f"cannot read the token file: {exc.strerror}", path=path, key="--token-file") from None
        if not stat.S_ISREG(info.st_mode):
            raise BadInput("not a regular file", path=path, key="--token-file")
        if os.name == "posix" and info.st_mode & (stat.S_IROTH | stat.S_IWOTH):
            raise BadInput(f"is readable by other users (mode {stat.S_IMODE(info.st_mode):04o}); "
                           f"`chmod o-rw {path}` (the owner and, for a Kubernetes fsGroup, the group may read it)",
                           path=path, key="--token-file")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"cannot read the token file: {exc}", path=path, key="--token-file") from None
        tokens: list[str] = []
        for number, line in enumerate(text.splitlines(), 1):
            token = line.strip()
            if not token:
                continue
            # The message never repeats the line: it may be a token with a typo in it.
            if not _B64TOKEN.fullmatch(token):
                raise BadInput(f"not a bearer token (letters, digits and -._~+/ only; {_TOKEN_HINT})",
                               path=path, line=number, key="--token-file")
            if len(token) < MIN_TOKEN_LENGTH:
                raise BadInput(f"a token must be at least {MIN_TOKEN_LENGTH} characters ({_TOKEN_HINT})",
                               path=path, line=number, key="--token-file")
            tokens.append(token)
        if not tokens:
            raise BadInput(f"the file holds no token ({_TOKEN_HINT})", path=path, key="--token-file")
        return cls(tokens)

    def check(self, authorization: str | None) -> str | None:
        """None when ``authorization`` (the header's value) is ``Bearer`` and a known token.

        Otherwise why not: ``missing`` (no credentials of the Bearer scheme) or ``invalid``.
        Every known token is compared, each in constant time, so the answer's timing says
        neither which token nor how much of one matched.
        """
        if authorization is None:
            return "missing"
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return "missing"
        presented = value.strip().encode("latin-1", "replace")
        matched = False
        for token in self._tokens:
            matched |= hmac.compare_digest(presented, token)
        return None if matched else "invalid"


def load_client_ca(context: ssl.SSLContext, path: Path) -> None:
    """Make ``context`` verify client certificates against the CA certificates in ``path``; BadInput when it holds none."""
    if not path.is_file():
        raise BadInput("file not found", path=path, key="--client-ca")
    try:
        context.load_verify_locations(cafile=str(path))
    except (ssl.SSLError, OSError, ValueError):
        raise BadInput("holds no PEM certificate to verify clients against", path=path, key="--client-ca") from None
    if not context.get_ca_certs():
        raise BadInput("holds no CA certificate (BasicConstraints CA:TRUE) to verify clients against",
                       path=path, key="--client-ca")
