"""Signers by URI: the protocol a signing plugin implements, and the lookup ``gatecheck run --key`` uses.

A signer URI is ``SCHEME:REST``. The scheme picks the provider (``file:``, ``env:``, a KMS
scheme, ...), offered by plugins through the ``gatecheck_signers`` hook; the provider opens
the rest. Nothing in core/ knows a scheme: the first-party ``signing`` plugin provides the
usual ones through the same hook any third-party plugin would use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from gatecheck.attest.keys import PublicKey
from gatecheck.errors import BadInput

if TYPE_CHECKING:
    from gatecheck.plugin_manager import Plugins


@runtime_checkable
class Signer(Protocol):
    """An open signing key: signs DSSE PAE bytes; ``keyid`` is gatecheck's keyid of its public key."""

    @property
    def keyid(self) -> str: ...

    @property
    def public_key(self) -> PublicKey: ...

    def sign(self, message: bytes) -> bytes:
        """The signature over ``message`` (raw Ed25519, or DER ECDSA P-256 with SHA-256)."""
        ...


@runtime_checkable
class SignerProvider(Protocol):
    """Opens signer URIs of one scheme; returned by the ``gatecheck_signers`` hook."""

    #: The URI scheme without the colon (``file``).
    scheme: str
    #: One line for ``--help`` and docs.
    description: str

    def open(self, uri: str) -> Signer:
        """Open ``uri`` (the whole URI, scheme included); raise BadInput when it cannot be used."""
        ...


def providers(plugins: Plugins) -> dict[str, SignerProvider]:
    """Every signer provider by scheme; two plugins offering one scheme is a configuration error."""
    found: dict[str, SignerProvider] = plugins.signers()
    return found


def open_signer(uri: str, plugins: Plugins) -> Signer:
    """Open a signer URI through the provider registered for its scheme."""
    scheme, sep, _ = uri.partition(":")
    available = providers(plugins)
    if not sep or scheme not in available:
        known = ", ".join(f"{s}:" for s in available) or "none (install gatecheck's signing plugin)"
        raise BadInput(f"no signer for {uri!r}: the URI must start with one of {known}", key="--key")
    return available[scheme].open(uri)
