"""TLS for ``gatecheck serve``: a server context that takes up renewed certificate files without a restart.

cert-manager renews the webhook's certificate into its Secret, and the kubelet swaps the mounted
files (through the volume's ``..data`` symlink) a minute or so later. uvicorn builds its
``SSLContext`` once, at start-up, so without this module the server would go on presenting the old
certificate until it expired and then, with ``failurePolicy: Fail``, block every deployment.

:class:`ServerTLS` hands uvicorn one context whose ``sni_callback`` runs at the start of every
handshake (OpenSSL calls it whether or not the client sent a server name). The callback stats the
certificate, key and client-CA files (a few microseconds, against a handshake's milliseconds) and,
when one of them changed, builds a complete new context from them and points the connection at it
(``SSLObject.context``). A context in use is never modified: open connections keep the certificate
they were made with, and a pair that does not load (the certificate rewritten and the key not yet,
a half-written file, an encrypted key) is logged and leaves the last good context in place until
the files change again (or :data:`RETRY_SECONDS` pass; a broken pair is not
retried, nor logged, on every handshake). Everything runs in the event loop's thread,
where uvicorn does its handshakes, so no lock is needed.
"""

from __future__ import annotations

import logging
import os
import ssl
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from gatecheck.digests import sha256_hex
from gatecheck.errors import BadInput
from gatecheck.server.auth import load_client_ca
from gatecheck.timestamps import format_seconds, utc_now

log = logging.getLogger("gatecheck.server.tls")

#: How soon files that failed to load are tried again although they look unchanged (a rewrite within
#: the file system's timestamp granularity that kept the size shows no change in ``stat``).
RETRY_SECONDS = 5.0

# What stat says about one file: device, inode, size, mtime and ctime; for a file that cannot be
# stat'ed, the errno.
_FileState = tuple[int, ...]


@dataclass(frozen=True)
class Served:
    """The certificate a context presents, for the log."""

    #: The names it is for: its DNS and IP subject alternative names, else its subject.
    names: tuple[str, ...]
    not_after: datetime
    sha256: str

    def __str__(self) -> str:
        expired = " (EXPIRED)" if self.not_after <= utc_now() else ""
        return (f"[{', '.join(self.names)}] valid until {format_seconds(self.not_after)}{expired}, "
                f"sha256 {self.sha256[:16]}")


class ServerTLS:
    """The server's TLS context, rebuilt from ``cert``, ``key`` and ``client_ca`` whenever those files change.

    Construction loads the files once and raises BadInput (naming the file) when they are not a
    usable pair; give :attr:`context` to the listener. After that nothing raises: files that stop
    loading are logged and the last good certificate stays in service.
    """

    def __init__(self, cert: Path, key: Path, client_ca: Path | None = None, *,
                 retry_after: float = RETRY_SECONDS) -> None:
        self.cert, self.key, self.client_ca = cert, key, client_ca
        self.retry_after = retry_after
        self._paths = [p for p in (cert, key, client_ca) if p is not None]
        self._state = self._stat()
        self._current, self.served = self._build()
        self._failed: tuple[tuple[_FileState, ...], float] | None = None
        #: The context for the listener: the first one built, which moves each new connection to the current one.
        self.context = self._current
        self.context.sni_callback = self._on_client_hello

    def current(self) -> ssl.SSLContext:
        """The context for a new connection: rebuilt first when the files changed and now load."""
        state = self._stat()
        if state == self._state:
            return self._current
        if self._failed is not None and self._failed[0] == state and time.monotonic() < self._failed[1]:
            return self._current
        try:
            context, served = self._build()
        except (BadInput, ssl.SSLError, OSError, ValueError) as exc:
            self._failed = (state, time.monotonic() + self.retry_after)
            reason = exc.describe() if isinstance(exc, BadInput) else f"{type(exc).__name__}: {exc}"
            log.warning("TLS files changed but do not load (%s); still serving %s", reason, self.served)
            return self._current
        # The state read before the files were: if they changed again meanwhile, the next
        # handshake sees another state and loads them once more.
        self._current, self.served, self._state, self._failed = context, served, state, None
        log.info("TLS certificate reloaded from %s: now serving %s", self.cert, served)
        if served.not_after <= utc_now():
            log.warning("the TLS certificate in %s has expired: clients will refuse it", self.cert)
        return context

    def _on_client_hello(self, connection: ssl.SSLObject | ssl.SSLSocket, _server_name: str | None,
                         context: ssl.SSLContext) -> None:
        # OpenSSL calls this for every ClientHello, before it picks the certificate to send.
        current = self.current()
        if current is not context:
            connection.context = current

    def _stat(self) -> tuple[_FileState, ...]:
        states: list[_FileState] = []
        for path in self._paths:
            try:
                st = os.stat(path)  # follows the kubelet's tls.crt -> ..data/tls.crt symlinks
            except OSError as exc:
                states.append((exc.errno or -1,))
            else:
                states.append((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
        return tuple(states)

    def _build(self) -> tuple[ssl.SSLContext, Served]:
        """A new server context from the files; BadInput naming the file that is not what it should be."""
        served = _check_pair(self.cert, self.key)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.set_alpn_protocols(["http/1.1"])
        # The password callback only runs for an encrypted key, which _check_pair refused unless the
        # file changed since: fail then instead of OpenSSL prompting on a terminal the server has not.
        context.load_cert_chain(self.cert, self.key, password=_no_password)
        if self.client_ca is not None:
            context.verify_mode = ssl.CERT_REQUIRED
            load_client_ca(context, self.client_ca)
        return context, served


def _no_password() -> bytes:
    raise ValueError("the private key is encrypted")


def _check_pair(cert: Path, key: Path) -> Served:
    """What ``cert`` holds, once it is known to be PEM certificates whose first belongs to the PEM key in ``key``.

    OpenSSL's own errors name neither file nor problem plainly ("[SSL] PEM lib"); this says which
    file is wrong and how.
    """
    try:
        chain = x509.load_pem_x509_certificates(_read(cert, "--tls-cert"))
    except ValueError:
        raise BadInput("holds no PEM certificate", path=cert, key="--tls-cert") from None
    try:
        private = serialization.load_pem_private_key(_read(key, "--tls-key"), password=None)
    except TypeError:
        raise BadInput("the private key is encrypted; give an unencrypted key (as a Kubernetes TLS Secret holds)",
                       path=key, key="--tls-key") from None
    except (ValueError, UnsupportedAlgorithm):
        raise BadInput("holds no PEM private key", path=key, key="--tls-key") from None
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if chain[0].public_key().public_bytes(*spki) != private.public_key().public_bytes(*spki):
        raise BadInput(f"the key does not belong to the certificate in {cert}", path=key, key="--tls-key")
    leaf = chain[0]
    try:
        sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [*sans.get_values_for_type(x509.DNSName), *map(str, sans.get_values_for_type(x509.IPAddress))]
    except x509.ExtensionNotFound:
        names = []
    # cert-manager leaves the subject empty unless told a commonName: the names are what clients check.
    return Served(tuple(names) or (leaf.subject.rfc4514_string() or "no name",), leaf.not_valid_after_utc,
                  sha256_hex(leaf.public_bytes(serialization.Encoding.DER)))


def _read(path: Path, option: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise BadInput("file not found", path=path, key=option) from None
    except OSError as exc:
        raise BadInput(f"cannot read: {exc.strerror}", path=path, key=option) from None
