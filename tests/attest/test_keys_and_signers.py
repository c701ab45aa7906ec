"""Keys, `gatecheck keygen`, and the signing plugin's signer URIs (file:, env:, encrypted keys)."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from gatecheck.attest import PAYLOAD_TYPE, dsse
from gatecheck.attest.keys import load_private_pem, load_public_key_file, load_public_pem
from gatecheck.attest.signing import open_signer, providers
from gatecheck.errors import BadInput
from gatecheck.plugin_manager import Plugins


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


def test_keygen_with_passphrase_and_file_signer(tmp_path: Path, run_cli, monkeypatch) -> None:
    monkeypatch.setenv("MY_PASS", "correct horse")
    code, out = run_cli(["keygen", "-o", str(tmp_path / "enc"), "--passphrase-env", "MY_PASS"])
    assert code == 0, out
    pem = (tmp_path / "enc.key").read_bytes()
    assert b"ENCRYPTED" in pem
    plugins = Plugins()
    signer = open_signer(f"file:{tmp_path / 'enc.key'}?passphrase-env=MY_PASS", plugins)
    public = load_public_key_file(tmp_path / "enc.pub")
    assert signer.keyid == public.keyid
    env = dsse.parse_envelope(dsse.sign(PAYLOAD_TYPE, b"{}", [signer]).to_json())
    assert dsse.check_signatures(env, [public]).ok
    # Wrong or missing passphrase: a clear error that names the file, never the secret.
    monkeypatch.setenv("MY_PASS", "wrong")
    with pytest.raises(BadInput) as info:
        open_signer(f"file:{tmp_path / 'enc.key'}?passphrase-env=MY_PASS", plugins)
    assert "enc.key" in str(info.value) and "wrong" not in str(info.value).replace("wrong passphrase", "")
    monkeypatch.delenv("GATECHECK_KEY_PASSPHRASE", raising=False)
    with pytest.raises(BadInput, match="encrypted"):
        open_signer(f"file:{tmp_path / 'enc.key'}", plugins)
    monkeypatch.delenv("MY_PASS")
    with pytest.raises(BadInput, match="MY_PASS"):
        open_signer(f"file:{tmp_path / 'enc.key'}?passphrase-env=MY_PASS", plugins)


def test_env_signer_reads_the_pem_from_the_environment(monkeypatch, keys_dir: Path, public) -> None:
    pem = (keys_dir / "ecdsa-p256-a.pem").read_text()
    monkeypatch.setenv("GC_SIGNING_KEY", pem)
    signer = open_signer("env:GC_SIGNING_KEY", Plugins())
    assert signer.keyid == public("ecdsa-p256-a").keyid
    sig = signer.sign(b"message")
    assert public("ecdsa-p256-a").verify(sig, b"message")
    monkeypatch.setenv("GC_SIGNING_KEY", "-----BEGIN PRIVATE KEY-----\nnot really\n-----END PRIVATE KEY-----\n")
    with pytest.raises(BadInput) as info:
        open_signer("env:GC_SIGNING_KEY", Plugins())
    assert "$GC_SIGNING_KEY" in str(info.value) and "not really" not in str(info.value)
    with pytest.raises(BadInput, match="NOPE_NOT_SET"):
        open_signer("env:NOPE_NOT_SET", Plugins())


def test_signer_lookup_by_scheme(keys_dir: Path) -> None:
    plugins = Plugins()
    schemes = set(providers(plugins))
    assert {"file", "env", "hv", "gcpkms", "awskms", "azurekms"} <= schemes
    with pytest.raises(BadInput, match="must start with one of"):
        open_signer("s3://bucket/key.pem", plugins)
    with pytest.raises(BadInput, match="unknown option"):
        open_signer(f"file:{keys_dir / 'ed25519-a.pem'}?pass=x", plugins)
    with pytest.raises(BadInput, match="cannot read private key"):
        open_signer("file:/nonexistent/key.pem", plugins)
    with pytest.raises(BadInput, match="#pub=PATH"):
        open_signer("hv:gatecheck/1", plugins)
    assert open_signer(f"file://{keys_dir / 'ed25519-a.pem'}", plugins).keyid == open_signer(
        f"file:{keys_dir / 'ed25519-a.pem'}", plugins).keyid
