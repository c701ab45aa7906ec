"""`gatecheck run --attest ... --store URL` pushes the bundle it signed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from attestation_factory import digest_of, new_key

from gatecheck.attest import VSA_PREDICATE_TYPE


def test_run_pushes_its_bundle(cli, example_copy: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                               monkeypatch: pytest.MonkeyPatch) -> None:
    key = new_key()
    key_path = tmp_path / "gatecheck.key"
    key_path.write_bytes(key.private_pem())
    os.chmod(key_path, 0o600)
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/shop")
    monkeypatch.setenv("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    digest = digest_of("shop-image")
    bundle = tmp_path / "gate.intoto.jsonl"
    res = cli("run", str(example_copy), "--check", "sarif", "--fail-on", "critical", "-q", "--attest", str(bundle),
              "--subject", f"registry.example/shop@sha256:{digest}", "--key", f"file:{key_path}", "--store", url)
    assert res.exit_code == 0, res.stderr
    assert "stored 2, already stored 0, refused 0" in res.stderr
    found = json.loads(cli("store", "search", "--store", url, "--subject", f"sha256:{digest}").stdout)
    assert {r["predicateType"] for r in found} >= {VSA_PREDICATE_TYPE}
    assert all(r["repository"] == "github.com/acme/shop" for r in found)
    assert all(r["commit"] == "0123456789abcdef0123456789abcdef01234567" for r in found)
    assert all(r["signers"] == [key.keyid] for r in found)


def test_store_without_attest_is_bad_input(cli, example_copy: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = cli("run", str(example_copy), "--check", "sarif", "-q", "--store", f"sqlite:///{tmp_path / 's.sqlite'}")
    assert res.exit_code == 2 and "--attest" in res.stderr
