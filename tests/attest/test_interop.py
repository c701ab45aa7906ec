"""Interoperability with securesystemslib (an independent DSSE implementation), both ways,
and the Vault transit signer through securesystemslib's ``hv:`` URI against a test double."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from securesystemslib.dsse import Envelope as SslibEnvelope
from securesystemslib.signer import CryptoSigner, SSlibKey

from gatecheck.attest import PAYLOAD_TYPE, dsse
from gatecheck.attest.keys import PublicKey
from gatecheck.attest.signing import open_signer
from gatecheck.attest.verify import VerifyOptions, verify_entries
from gatecheck.plugin_manager import Plugins
from gatecheck_plugins.signing.signers import KeySigner

STATEMENT = json.dumps({
    "_type": "https://in-toto.io/Statement/v1",
    "subject": [{"name": "app", "digest": {"sha256": "ab" * 32}}],
    "predicateType": "https://example.com/predicate/v1",
    "predicate": {"ok": True},
}, separators=(",", ":")).encode()


def sslib_key(public: PublicKey) -> SSlibKey:
    return SSlibKey.from_crypto(public.key, keyid=public.keyid)


@pytest.mark.parametrize("name", ["ed25519-a", "ecdsa-p256-a"])
def test_gatecheck_envelope_verifies_with_securesystemslib(name: str, private, public) -> None:
    raw = dsse.sign(PAYLOAD_TYPE, STATEMENT, [KeySigner(private(name))]).to_json()
    envelope = SslibEnvelope.from_dict(json.loads(raw))
    accepted = envelope.verify([sslib_key(public(name))], 1)
    assert list(accepted) == [public(name).keyid]
    assert envelope.payload == STATEMENT and envelope.payload_type == PAYLOAD_TYPE
    # ...and securesystemslib rejects it too once the payload changes.
    tampered = json.loads(raw)
    tampered["payload"] = base64.b64encode(STATEMENT.replace(b"true", b"false")).decode()
    from securesystemslib.exceptions import VerificationError

    with pytest.raises(VerificationError):
        SslibEnvelope.from_dict(tampered).verify([sslib_key(public(name))], 1)


@pytest.mark.parametrize("name", ["ed25519-a", "ecdsa-p256-a"])
def test_securesystemslib_envelope_verifies_with_gatecheck(name: str, private, public) -> None:
    signer = CryptoSigner(private(name).key)  # securesystemslib computes its own (different) keyid
    assert signer.public_key.keyid != public(name).keyid
    envelope = SslibEnvelope(STATEMENT, PAYLOAD_TYPE, {})
    envelope.sign(signer)
    raw = json.dumps(envelope.to_dict()).encode()
    parsed = dsse.parse_envelope(raw)
    assert parsed.payload == STATEMENT
    assert dsse.check_signatures(parsed, [public(name)]).ok  # keyid is only a hint
    assert dsse.check_signatures(parsed, [public("ed25519-b")]).code == "UNTRUSTED_KEY"


class _VaultTransit(BaseHTTPRequestHandler):
    """Test double of HashiCorp Vault's transit engine (Vault cannot run here): it answers
    ``POST /v1/transit/sign/NAME`` as Vault does, ``{"data": {"signature": "vault:v1:BASE64"}}``."""

    key: ed25519.Ed25519PrivateKey
    requests: list[dict]

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "token": self.headers.get("X-Vault-Token"), "body": body})
        if not self.path.startswith("/v1/transit/sign/") or self.headers.get("X-Vault-Token") != "test-token":
            self.send_response(403)
            self.end_headers()
            return
        signature = type(self).key.sign(base64.b64decode(body["input"]))
        answer = json.dumps({"data": {"signature": "vault:v1:" + base64.b64encode(signature).decode(),
                                      "key_version": body.get("key_version", 1)}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def vault(monkeypatch) -> Iterator[tuple[str, list[dict], ed25519.Ed25519PrivateKey]]:
    pytest.importorskip("hvac", reason="hvac comes with the test extra (securesystemslib[vault])")
    key = ed25519.Ed25519PrivateKey.generate()
    handler = type("Transit", (_VaultTransit,), {"key": key, "requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("VAULT_ADDR", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("VAULT_TOKEN", "test-token")
    try:
        yield server.server_address, handler.requests, key
    finally:
        server.shutdown()
        server.server_close()


def test_vault_signer_uri_signs_through_the_transit_api(vault, tmp_path: Path) -> None:
    _, requests, key = vault
    public = PublicKey.from_crypto(key.public_key())
    pub_path = tmp_path / "vault.pub"
    pub_path.write_bytes(public.pem())
    signer = open_signer(f"hv:gatecheck/3#pub={pub_path}", Plugins())
    assert signer.keyid == public.keyid
    raw = dsse.sign(PAYLOAD_TYPE, STATEMENT, [signer]).to_json()
    assert dsse.check_signatures(dsse.parse_envelope(raw), [public]).ok
    assert requests[-1]["path"] == "/v1/transit/sign/gatecheck"
    assert requests[-1]["body"]["key_version"] == 3
    assert base64.b64decode(requests[-1]["body"]["input"]) == dsse.pae(PAYLOAD_TYPE, STATEMENT)


def test_sslib_signed_bundle_passes_full_verification(private, public, tmp_path: Path) -> None:
    """A verdict whose every envelope securesystemslib signed passes gatecheck's full verification."""
    from gatecheck_conformance.verifier import generate

    class SslibBacked:
        """Adapts securesystemslib's CryptoSigner to the generator's signing interface."""

        def __init__(self) -> None:
            self._signer = CryptoSigner(private("ed25519-a").key)
            self.keyid = self._signer.public_key.keyid

        def sign(self, message: bytes) -> bytes:
            return bytes.fromhex(self._signer.sign(message).signature)

    keys = {"ed25519-a": SslibBacked()}  # type: ignore[dict-item]
    lines = generate.bundle_lines(generate.Spec(), keys)  # type: ignore[arg-type]
    result = verify_entries({"sha256": generate.ARTIFACT}, [(f"b:{i}", line) for i, line in enumerate(lines, 1)],
                            VerifyOptions(keys=[public("ed25519-a")],
                                          now=datetime(2026, 1, 1, 13, 0, tzinfo=UTC)))
    assert result.ok, result.reasons
    assert all(json.loads(line)["signatures"][0]["keyid"] == keys["ed25519-a"].keyid for line in lines)
