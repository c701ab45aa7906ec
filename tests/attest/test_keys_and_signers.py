"""Keys and `gatecheck keygen` (the signing plugin's signer URIs are tested in tests/signing)."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from gatecheck.attest.keys import load_private_pem, load_public_key_file, load_public_pem
from gatecheck.errors import BadInput


def test_keyid_is_sha256_of_the_spki_der(public) -> None:
    for name in ("ed25519-a", "ecdsa-p256-a"):
        key = public(name)
        der = key.key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        assert key.keyid == hashlib.sha256(der).hexdigest()


def test_other_key_types_are_refused() -> None:
    rsa_pub = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    for key in (rsa_pub, p384):
        pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        with pytest.raises(BadInput, match="unsupported"):
            load_public_pem(pem, "k.pub")
    with pytest.raises(BadInput, match="not a PEM public key"):
        load_public_pem(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "k.pub")


def test_keygen_writes_0600_key_prints_keyid_and_refuses_to_overwrite(tmp_path: Path, run_cli) -> None:
    prefix = tmp_path / "keys" / "ci"
    code, out = run_cli(["keygen", "-a", "ecdsa-p256", "-o", str(prefix)])
    assert code == 0, out
    private_path, public_path = tmp_path / "keys" / "ci.key", tmp_path / "keys" / "ci.pub"
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600
    public = load_public_key_file(public_path)
    assert public.algorithm == "ecdsa-p256"
    assert public.keyid in out.split()
    assert load_private_pem(private_path.read_bytes()).keyid == public.keyid
    before = private_path.read_bytes()
    code, out = run_cli(["keygen", "-o", str(prefix)])
    assert code == 2 and "already exists" in out and "--force" in out
    assert private_path.read_bytes() == before
    code, out = run_cli(["keygen", "-o", str(prefix), "--force"])
    assert code == 0 and private_path.read_bytes() != before
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600
    assert load_public_key_file(public_path).algorithm == "ed25519"
