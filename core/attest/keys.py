"""Signing keys: Ed25519 and ECDSA P-256, loaded from PEM, identified by the sha256 of their SPKI DER.

Only these two algorithms are accepted, on purpose: a verifier that accepts whatever key
type a file happens to hold (RSA with a weak padding, a P-192 curve) widens what an
attacker can try. ECDSA signatures are ASN.1 DER (what securesystemslib, cosign and
in-toto produce) and are made deterministically (RFC 6979) so that the same key and
message always give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from gatecheck.digests import sha256_hex
from gatecheck.errors import BadInput

Algorithm = Literal["ed25519", "ecdsa-p256"]
ALGORITHMS: tuple[Algorithm, ...] = ("ed25519", "ecdsa-p256")

_PublicKeyObject = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())
_PrivateKeyObject = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


def _algorithm_of(key: object, source: str) -> Algorithm:
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return "ed25519"
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        if isinstance(key.curve, ec.SECP256R1):
            return "ecdsa-p256"
        raise BadInput(f"unsupported ECDSA curve {key.curve.name} (only P-256 is accepted)", path=source)
    raise BadInput(f"unsupported key type {type(key).__name__} (only Ed25519 and ECDSA P-256 are accepted)",
                   path=source)


def spki_der(key: _PublicKeyObject) -> bytes:
    """The DER SubjectPublicKeyInfo of a public key."""
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def keyid_of(key: _PublicKeyObject) -> str:
    """The keyid gatecheck gives a public key: lowercase hex sha256 of its SPKI DER."""
    return sha256_hex(spki_der(key))


@dataclass(frozen=True)
class PublicKey:
    """A trusted public key: what signatures are checked against."""

    keyid: str
    algorithm: Algorithm
    key: _PublicKeyObject
    source: str = ""

    @classmethod
    def from_crypto(cls, key: _PublicKeyObject, source: str = "") -> PublicKey:
        return cls(keyid=keyid_of(key), algorithm=_algorithm_of(key, source), key=key, source=source)

    def verify(self, signature: bytes, message: bytes) -> bool:
        """True only when ``signature`` is this key's valid signature over ``message``."""
        try:
            if isinstance(self.key, ed25519.Ed25519PublicKey):
                self.key.verify(signature, message)
            else:
                self.key.verify(signature, message, _ECDSA_SHA256)
        except (InvalidSignature, ValueError):
            return False
        return True

    def pem(self) -> bytes:
        """The key as a SubjectPublicKeyInfo PEM."""
        return self.key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@dataclass(frozen=True)
class PrivateKey:
    """A private signing key held in this process (from a file or an environment variable)."""

    algorithm: Algorithm
    key: _PrivateKeyObject

    @property
    def public(self) -> PublicKey:
        return PublicKey.from_crypto(self.key.public_key())

    @property
    def keyid(self) -> str:
        return self.public.keyid

    def sign(self, message: bytes) -> bytes:
        """Sign ``message``: raw 64 bytes for Ed25519, deterministic DER for ECDSA P-256."""
        if isinstance(self.key, ed25519.Ed25519PrivateKey):
            return self.key.sign(message)
        return self.key.sign(message, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))

    def private_pem(self, passphrase: bytes | None = None) -> bytes:
        """PKCS#8 PEM, encrypted with the best available scheme when a passphrase is given."""
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
        )
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def generate(algorithm: Algorithm) -> PrivateKey:
    """A new random private key."""
    if algorithm == "ed25519":
        return PrivateKey("ed25519", ed25519.Ed25519PrivateKey.generate())
    if algorithm == "ecdsa-p256":
        return PrivateKey("ecdsa-p256", ec.generate_private_key(ec.SECP256R1()))
    raise BadInput(f"unknown key algorithm {algorithm!r} (one of {', '.join(ALGORITHMS)})", key="--algorithm")


def load_public_pem(data: bytes, source: str = "") -> PublicKey:
    """Parse a SubjectPublicKeyInfo PEM (``-----BEGIN PUBLIC KEY-----``); BadInput if it is anything else."""
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise BadInput(f"not a PEM public key: {exc}", path=source or None) from None
    if not isinstance(key, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey):
        _algorithm_of(key, source)
    assert isinstance(key, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey)
    return PublicKey.from_crypto(key, source)


def load_public_key_file(path: str | Path) -> PublicKey:
    """Read a public key PEM file; BadInput (exit 2) when it cannot be read or parsed."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read public key: {exc.strerror or exc}", path=str(path)) from None
    return load_public_pem(data, str(path))


def load_private_pem(data: bytes, passphrase: bytes | None = None, source: str = "") -> PrivateKey:
    """Parse a PKCS#8 (or traditional) private key PEM, decrypting it with ``passphrase`` if encrypted."""
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except TypeError as exc:
        # cryptography raises TypeError for "encrypted but no password" and the reverse.
        if passphrase is not None and "not encrypted" in str(exc):
            return load_private_pem(data, None, source)
        if passphrase is None:
            raise BadInput("the private key is encrypted: give its passphrase through an environment variable "
                           "(?passphrase-env=NAME)", path=source or None) from None
        raise BadInput(f"cannot load private key: {exc}", path=source or None) from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        message = str(exc)
        if passphrase is not None and "password" in message.lower():
            message = "wrong passphrase, or the key is damaged"
        raise BadInput(f"not a usable PEM private key: {message}", path=source or None) from None
    algorithm = _algorithm_of(key, source)
    assert isinstance(key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey)
    return PrivateKey(algorithm, key)
