"""The signing plugin's signer URIs: file: (encrypted keys too), env:, and the lookup by scheme.

Secrets never appear in an error message: only the variable or file name does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gatecheck.attest import PAYLOAD_TYPE, dsse
from gatecheck.attest.keys import load_public_key_file
from gatecheck.attest.signing import open_signer, providers
from gatecheck.errors import BadInput
from gatecheck.plugin_manager import Plugins

#: The conformance suite's fixed keys.
KEYS = Path(__file__).resolve().parents[2] / "conformance" / "verifier" / "keys"


def test_keygen_with_passphrase_and_file_signer(tmp_path: Path, cli: Callable[..., Any],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_PASS", "correct horse")
    done = cli("keygen", "-o", str(tmp_path / "enc"), "--passphrase-env", "MY_PASS")
    assert done.exit_code == 0, done.stdout + done.stderr
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


def test_env_signer_reads_the_pem_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    pem = (KEYS / "ecdsa-p256-a.pem").read_text()
    monkeypatch.setenv("GC_SIGNING_KEY", pem)
    signer = open_signer("env:GC_SIGNING_KEY", Plugins())
    public = load_public_key_file(KEYS / "ecdsa-p256-a.pub")
    assert signer.keyid == public.keyid
    assert public.verify(signer.sign(b"message"), b"message")
    monkeypatch.setenv("GC_SIGNING_KEY", "-----BEGIN PRIVATE KEY-----\nnot really\n-----END PRIVATE KEY-----\n")
    with pytest.raises(BadInput) as info:
        open_signer("env:GC_SIGNING_KEY", Plugins())
    assert "$GC_SIGNING_KEY" in str(info.value) and "not really" not in str(info.value)
    with pytest.raises(BadInput, match="NOPE_NOT_SET"):
        open_signer("env:NOPE_NOT_SET", Plugins())


def test_signer_lookup_by_scheme() -> None:
    plugins = Plugins()
    schemes = set(providers(plugins))
    assert {"file", "env", "hv", "gcpkms", "awskms", "azurekms"} <= schemes
    with pytest.raises(BadInput, match="must start with one of"):
        open_signer("s3://bucket/key.pem", plugins)
    with pytest.raises(BadInput, match="unknown option"):
        open_signer(f"file:{KEYS / 'ed25519-a.pem'}?pass=x", plugins)
    with pytest.raises(BadInput, match="cannot read private key"):
        open_signer("file:/nonexistent/key.pem", plugins)
    with pytest.raises(BadInput, match="#pub=PATH"):
        open_signer("hv:gatecheck/1", plugins)
    assert open_signer(f"file://{KEYS / 'ed25519-a.pem'}", plugins).keyid == open_signer(
        f"file:{KEYS / 'ed25519-a.pem'}", plugins).keyid
