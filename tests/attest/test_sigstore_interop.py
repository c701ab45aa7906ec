"""gatecheck's attestations verified by independent implementations: its Sigstore bundles by
@sigstore/verify (npm, the Sigstore project's JavaScript verifier, installed by .ci/test.sh), its
envelopes by securesystemslib, for Ed25519 and ECDSA P-256 keys; a tampered bundle is refused by both."""

from __future__ import annotations

import base64
import copy
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from securesystemslib.dsse import Envelope as SslibEnvelope
from securesystemslib.exceptions import VerificationError
from securesystemslib.signer import SSlibKey

from gatecheck.attest.keys import PublicKey, spki_der
from gatecheck.attest.verify import VerifyOptions, check_envelope

REPO = Path(__file__).resolve().parents[2]
MODULES = REPO / ".ci" / "sigstore" / "node_modules"
SCRIPT = Path(__file__).with_name("sigstore_verify.js")
KEY_NAMES = ["ed25519-a", "ecdsa-p256-a"]


def sigstore_js(bundles: list[dict[str, Any]], keys: list[PublicKey]) -> list[dict[str, Any]]:
    """@sigstore/verify's verdict on each bundle, trusting ``keys`` under their gatecheck keyids as hints."""
    node = shutil.which("node")
    if node is None or not (MODULES / "@sigstore" / "verify" / "package.json").is_file():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("@sigstore/verify is not installed under CI: .ci/test.sh installs it into .ci/sigstore")
        pytest.skip("@sigstore/verify is not installed (run the @sigstore/verify block of .ci/test.sh); CI never "
                    "skips this")
    request = {"modules": str(MODULES), "bundles": bundles,
               "keys": {k.keyid: base64.b64encode(spki_der(k.key)).decode() for k in keys}}
    done = subprocess.run([node, str(SCRIPT)], input=json.dumps(request), capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def sslib_verifies(envelope: dict[str, Any], public: PublicKey, keyid: str | None = None) -> bool:
    """securesystemslib's DSSE verification with ``public`` under ``keyid`` (default: gatecheck's)."""
    key = SSlibKey.from_crypto(public.key, keyid=keyid or public.keyid)
    try:
        # from_dict consumes the dict it is given: hand it a copy.
        return list(SslibEnvelope.from_dict(copy.deepcopy(envelope)).verify([key], 1)) == [key.keyid]
    except VerificationError:
        return False


def attest(tmp_path: Path, run_cli, keys_dir: Path, key_name: str) -> tuple[list[bytes], list[bytes], str]:
    """`gatecheck run --attest-format both` on a clean project: the DSSE lines, the Sigstore lines, the subject."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "lint.sarif").write_text(json.dumps({
        "version": "2.1.0", "runs": [{"tool": {"driver": {"name": "lint", "version": "1"}}, "results": []}]}))
    artifact = tmp_path / "app.tar"
    artifact.write_bytes(b"release " + key_name.encode())
    out = tmp_path / "gate.intoto.jsonl"
    code, text = run_cli(["run", str(project), "-q", "--check", "sarif", "--no-cache", "--attest", str(out),
                          "--attest-format", "both", "--attest-svr", "--subject", str(artifact),
                          "--key", f"file:{keys_dir / f'{key_name}.pem'}"])
    assert code == 0, text
    sigstore_file = tmp_path / "gate.sigstore.jsonl"
    return out.read_bytes().splitlines(), sigstore_file.read_bytes().splitlines(), str(artifact)


@pytest.mark.parametrize("key_name", KEY_NAMES)
def test_every_bundle_gatecheck_writes_verifies_with_sigstore_js_and_securesystemslib(
        tmp_path: Path, run_cli, keys_dir: Path, public, key_name: str) -> None:
    dsse_lines, bundle_lines, artifact = attest(tmp_path, run_cli, keys_dir, key_name)
    assert len(dsse_lines) == len(bundle_lines) == 3  # the sarif check result, the VSA, the SVR
    bundles = [json.loads(line) for line in bundle_lines]
    assert all(b["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json" for b in bundles)
    assert all(b["verificationMaterial"] == {"publicKey": {"hint": public(key_name).keyid}, "tlogEntries": []}
               for b in bundles)
    assert sigstore_js(bundles, [public(key_name)]) == [{"ok": True}] * 3
    # The two files hold the same signed envelopes, byte for byte once re-encoded.
    assert [json.dumps(b["dsseEnvelope"], separators=(",", ":")).encode() for b in bundles] == dsse_lines
    for line in dsse_lines:
        assert sslib_verifies(json.loads(line), public(key_name))
    # ...and gatecheck itself verifies the Sigstore file as it does the JSON Lines one.
    for name in ("gate.sigstore.jsonl", "gate.intoto.jsonl"):
        code, text = run_cli(["verify", artifact, "--bundle", str(tmp_path / name), "--key",
                              str(keys_dir / f"{key_name}.pub"), "--require-predicate", "vsa",
                              "--require-predicate", "svr"])
        assert code == 0, text


@pytest.mark.parametrize("key_name", KEY_NAMES)
def test_a_tampered_bundle_is_refused_by_sigstore_js_securesystemslib_and_gatecheck(
        tmp_path: Path, run_cli, keys_dir: Path, public, key_name: str) -> None:
    _, bundle_lines, _ = attest(tmp_path, run_cli, keys_dir, key_name)
    vsa = json.loads(bundle_lines[1])
    statement = json.loads(base64.b64decode(vsa["dsseEnvelope"]["payload"]))
    assert statement["predicate"]["verificationResult"] == "PASSED"
    statement["predicate"]["timeVerified"] = "2099-01-01T00:00:00.000000Z"  # what an attacker would want
    tampered = json.loads(bundle_lines[1])
    tampered["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    flipped = json.loads(bundle_lines[1])
    sig = bytearray(base64.b64decode(flipped["dsseEnvelope"]["signatures"][0]["sig"]))
    sig[7] ^= 0x01
    flipped["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    other = public("ed25519-b" if key_name != "ed25519-b" else "ed25519-a")

    results = sigstore_js([vsa, tampered, flipped], [public(key_name)])
    assert results[0] == {"ok": True}
    assert [r["ok"] for r in results[1:]] == [False, False]
    assert all(r["code"] == "SIGNATURE_ERROR" for r in results[1:]), results
    # A bundle verifies only with the key its hint names: the same bundle, another trusted key.
    assert sigstore_js([vsa], [other])[0]["ok"] is False
    for doc in (tampered, flipped):
        assert not sslib_verifies(doc["dsseEnvelope"], public(key_name))
        record = check_envelope("b:1", json.dumps(doc).encode(), VerifyOptions(keys=[public(key_name)]))
        assert record.problem is not None and record.problem.code == "SIGNATURE_INVALID"
    assert sslib_verifies(vsa["dsseEnvelope"], public(key_name))


@pytest.mark.parametrize("key_name", KEY_NAMES)
def test_securesystemslib_needs_gatecheck_s_keyid(private, public, key_name: str) -> None:
    """securesystemslib matches signatures to keys by keyid: a key under securesystemslib's own keyid
    (sha256 of its canonical JSON key document) finds no signature; under gatecheck's keyid (sha256 of
    the SPKI DER, what gatecheck writes) it verifies. docs/attestations.md says so."""
    from gatecheck.attest import PAYLOAD_TYPE, dsse

    envelope = dsse.sign(PAYLOAD_TYPE, b'{"_type":"https://in-toto.io/Statement/v1"}', [private(key_name)]).to_dict()
    default = SSlibKey.from_crypto(public(key_name).key)
    assert default.keyid != public(key_name).keyid
    assert not sslib_verifies(envelope, public(key_name), keyid=default.keyid)
    assert sslib_verifies(envelope, public(key_name))
