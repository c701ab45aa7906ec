"""The signer providers of the ``signing`` plugin: ``file:`` and ``env:`` keys held in this process
(:class:`KeySigner`), and securesystemslib's KMS, Vault and token schemes (:class:`ServiceSigner`).

Secrets never appear in an error message: only the variable or file name does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from gatecheck.api import BadInput, PrivateKey, PublicKey, load_private_pem, load_public_key_file

DEFAULT_PASSPHRASE_ENV = "GATECHECK_KEY_PASSPHRASE"
#: securesystemslib schemes offered when it is installed (the ``kms`` extra).
SSLIB_SCHEMES = {
    "hv": "a HashiCorp Vault transit key: hv:KEYNAME/VERSION#pub=PUBLIC.pem",
    "gcpkms": "a Google Cloud KMS key: gcpkms:projects/.../cryptoKeyVersions/N#pub=PUBLIC.pem",
    "awskms": "an AWS KMS key: awskms:KEY-ARN#pub=PUBLIC.pem",
    "azurekms": "an Azure Key Vault key: azurekms:VAULT/KEY/VERSION#pub=PUBLIC.pem",
    "hsm": "a PKCS#11 token: hsm:[?options]#pub=PUBLIC.pem",
}


@dataclass(frozen=True)
class KeySigner:
    """A private key held in this process."""

    private: PrivateKey

    @property
    def keyid(self) -> str:
        return self.private.keyid

    @property
    def public_key(self) -> PublicKey:
        return self.private.public

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


def _split_query(rest: str, uri_scheme: str) -> tuple[str, str | None]:
    location, _, query = rest.partition("?")
    params = parse_qs(query, keep_blank_values=True, strict_parsing=False) if query else {}
    unknown = set(params) - {"passphrase-env"}
    if unknown:
        raise BadInput(f"unknown option {sorted(unknown)[0]!r} in a {uri_scheme}: signer URI (known: passphrase-env)",
                       key="--key")
    env_name = params.get("passphrase-env", [None])[-1]
    return location, env_name


def _passphrase(env_name: str | None) -> bytes | None:
    name = env_name or DEFAULT_PASSPHRASE_ENV
    value = os.environ.get(name)
    if env_name and value is None:
        raise BadInput(f"environment variable {name} (the key's passphrase) is not set", key="--key")
    return value.encode("utf-8") if value else None


class FileSignerProvider:
    """``file:PATH``: a PEM private key file."""

    scheme = "file"
    description = "a PEM private key file: file:PATH[?passphrase-env=NAME]"

    def open(self, uri: str) -> KeySigner:
        rest = uri.removeprefix("file:")
        if rest.startswith("//"):
            rest = rest[2:]  # file:///abs/path -> /abs/path
        location, env_name = _split_query(rest, "file")
        if not location:
            raise BadInput("file: signer URI names no file", key="--key")
        path = Path(location)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise BadInput(f"cannot read private key: {exc.strerror or exc}", path=path) from None
        return KeySigner(load_private_pem(data, _passphrase(env_name), str(path)))


class EnvSignerProvider:
    """``env:NAME``: the private key PEM in an environment variable."""

    scheme = "env"
    description = "a PEM private key in an environment variable: env:NAME[?passphrase-env=NAME]"

    def open(self, uri: str) -> KeySigner:
        name, env_name = _split_query(uri.removeprefix("env:"), "env")
        if not name:
            raise BadInput("env: signer URI names no environment variable", key="--key")
        value = os.environ.get(name)
        if not value:
            raise BadInput(f"environment variable {name} (the private key) is not set or empty", key="--key")
        return KeySigner(load_private_pem(value.encode("utf-8"), _passphrase(env_name), f"${name}"))


@dataclass(frozen=True)
class ServiceSigner:
    """A securesystemslib signer whose key lives in a KMS, Vault or token."""

    delegate: Any
    public: PublicKey

    @property
    def keyid(self) -> str:
        return self.public.keyid

    @property
    def public_key(self) -> PublicKey:
        return self.public

    def sign(self, message: bytes) -> bytes:
        signature = self.delegate.sign(message)
        return bytes.fromhex(signature.signature)


class SslibSignerProvider:
    """One securesystemslib URI scheme, signing through the service it names."""

    def __init__(self, scheme: str, description: str) -> None:
        self.scheme = scheme
        self.description = description

    def open(self, uri: str) -> ServiceSigner:
        # The package re-exports these without an __all__ that says so.
        from securesystemslib.signer import Signer, SSlibKey  # type: ignore[attr-defined]

        key_uri, _, fragment = uri.partition("#")
        pub_path = fragment.removeprefix("pub=") if fragment.startswith("pub=") else ""
        if not pub_path:
            raise BadInput(f"a {self.scheme}: signer URI needs the public key PEM as '#pub=PATH'", key="--key")
        public = load_public_key_file(pub_path)
        # securesystemslib checks a signature's keyid against its key's keyid; give it ours.
        sslib_key = SSlibKey.from_crypto(public.key, keyid=public.keyid)
        try:
            delegate = Signer.from_priv_key_uri(key_uri, sslib_key)
        except Exception as exc:  # each service library raises its own errors
            raise BadInput(f"cannot open signer {key_uri!r}: {type(exc).__name__}: {exc}", key="--key") from None
        return ServiceSigner(delegate, public)


def sslib_available() -> bool:
    """Whether securesystemslib (the ``kms`` extra) is installed."""
    try:
        import securesystemslib.signer  # noqa: F401
    except ImportError:
        return False
    return True
