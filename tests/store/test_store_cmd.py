"""`gatecheck store push/search/get/check` (core/cli/store_cmd.py), on both backends."""

from __future__ import annotations

import json
from pathlib import Path

from attestation_factory import digest_of, make_bundle, new_key, write_bundle, write_public

from gatecheck.attest import VSA_PREDICATE_TYPE
from gatecheck.attest.keys import PrivateKey


def test_cli_push_search_get_check(cli, store_url: str, key: PrivateKey, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pub = write_public(key, tmp_path / "ci.pub")
    shop = digest_of("shop")
    bundle = write_bundle(tmp_path / "a.intoto.jsonl", make_bundle(key, shop))
    res = cli("store", "push", str(bundle), "--store", store_url, "--key", str(pub), "--repo", "github.com/acme/shop",
              "--format", "json")
    assert res.exit_code == 0, res.stderr
    assert len(json.loads(res.stdout)["stored"]) == 3

    res = cli("store", "push", str(bundle), "--store", store_url, "--key", str(pub))
    assert res.exit_code == 0 and "stored 0, already stored 3, refused 0" in res.stdout

    stranger = new_key()
    foreign = write_bundle(tmp_path / "f.intoto.jsonl", make_bundle(stranger, digest_of("x")))
    res = cli("store", "push", str(foreign), "--store", store_url, "--key", str(pub))
    assert res.exit_code == 1 and "UNTRUSTED_KEY" in res.stdout

    res = cli("store", "search", "--store", store_url, "--subject", f"registry.example/shop@sha256:{shop}",
              "--verdict", "passed")
    found = json.loads(res.stdout)
    assert res.exit_code == 0 and len(found) == 1 and found[0]["repository"] == "github.com/acme/shop"

    res = cli("store", "get", str(found[0]["id"]), "--store", store_url)
    doc = json.loads(res.stdout)
    assert doc["statement"]["predicateType"] == VSA_PREDICATE_TYPE and doc["envelope"]["payloadType"]
    assert cli("store", "get", "77", "--store", store_url).exit_code == 1

    res = cli("store", "check", "--store", store_url)
    assert res.exit_code == 0 and "chain intact: 3 record(s), head 3:" in res.stdout


def test_cli_malformed_bundle_exits_2_naming_file_and_line(cli, store_url: str, key: PrivateKey,  # type: ignore[no-untyped-def]
                                                           tmp_path: Path) -> None:
    pub = write_public(key, tmp_path / "ci.pub")
    good = write_bundle(tmp_path / "good.intoto.jsonl", make_bundle(key, digest_of("a")))
    assert cli("store", "push", str(good), "--store", store_url, "--key", str(pub)).exit_code == 0
    lines = make_bundle(key, digest_of("b"))
    bad = tmp_path / "bad.intoto.jsonl"
    bad.write_bytes(lines[0] + b"\n\n" + b'{"payload": "not base64!!", "payloadType": "x", "signatures": []}\n'
                    + lines[2] + b"\n")
    res = cli("store", "push", str(bad), "--store", store_url, "--key", str(pub))
    assert res.exit_code == 2
    assert f"{bad}:3:" in res.stderr and "nothing was stored" in res.stderr
    res = cli("store", "search", "--store", store_url, "--limit", "1000")
    assert len(json.loads(res.stdout)) == 3
    assert cli("store", "check", "--store", store_url).exit_code == 0
    res = cli("store", "push", str(tmp_path / "missing.jsonl"), "--store", store_url, "--key", str(pub))
    assert res.exit_code == 2 and "missing.jsonl" in res.stderr
    (tmp_path / "empty.jsonl").write_text("\n")
    res = cli("store", "push", str(tmp_path / "empty.jsonl"), "--store", store_url, "--key", str(pub))
    assert res.exit_code == 2 and "holds no envelope" in res.stderr
    (tmp_path / "bad.pub").write_text("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    res = cli("store", "push", str(good), "--store", store_url, "--key", str(tmp_path / "bad.pub"))
    assert res.exit_code == 2 and "bad.pub" in res.stderr
    assert len(json.loads(cli("store", "search", "--store", store_url).stdout)) == 3
    res = cli("store", "search", "--store", store_url, "--since", "yesterday-ish")
    assert res.exit_code == 2 and "--since" in res.stderr


def test_cli_store_url_of_an_unknown_scheme_exits_2_naming_the_known_ones(cli) -> None:  # type: ignore[no-untyped-def]
    res = cli("store", "search", "--store", "mongodb://user:hunter2@db/att")
    assert res.exit_code == 2
    assert "unsupported store URL scheme 'mongodb' (one of postgres://, postgresql://, sqlite://" in res.stderr
    assert "hunter2" not in res.stderr + res.stdout
