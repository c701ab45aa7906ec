"""Plugin ``signing``: the signer URIs ``gatecheck run --attest ... --key URI`` understands.

``file:PATH``
    A PEM private key file (PKCS#8 or traditional; Ed25519 or ECDSA P-256), as written by
    ``gatecheck keygen``. If it is encrypted, its passphrase is read from the environment
    variable named by ``?passphrase-env=NAME`` (default ``GATECHECK_KEY_PASSPHRASE``).
    ``file:///abs/path.pem`` works too.
``env:NAME``
    The PEM text of the private key in environment variable ``NAME`` (a CI secret), with
    the same ``?passphrase-env=NAME`` option.
``hv:``, ``gcpkms:``, ``awskms:``, ``azurekms:``, ``hsm:`` (the optional extra ``kms`` of
gatecheck-policy-gate: ``pip install ".[kms]"`` in a checkout)
    securesystemslib's signer URIs for HashiCorp Vault transit and cloud KMS keys, with the
    public key PEM named by a fragment: ``hv:gatecheck/1#pub=keys/vault.pub``. The signing
    happens in the service; the public key decides the keyid written into envelopes.

Secrets never appear in an error message: only the variable or file name does.
"""

from __future__ import annotations

from typing import Any

from gatecheck.api import hookimpl
from gatecheck_plugins.signing.signers import (
    SSLIB_SCHEMES,
    EnvSignerProvider,
    FileSignerProvider,
    SslibSignerProvider,
    sslib_available,
)

__version__ = "1.0.0"


@hookimpl
def gatecheck_signers() -> list[Any]:
    providers: list[Any] = [FileSignerProvider(), EnvSignerProvider()]
    if sslib_available():
        providers += [SslibSignerProvider(scheme, text) for scheme, text in SSLIB_SCHEMES.items()]
    return providers
