"""Repository URLs with credentials are never stored or printed (issue 15 item 5, the store's part).

A CI checkout's ``origin`` remote often carries the job's token
(``https://x-access-token:TOKEN@github.com/...``). ``gatecheck run --store`` records the
repository a verdict is about; before this was fixed it stored that URL verbatim and ``gatecheck
store search`` printed it. These tests plant a token in a real git repository's remote, run the
real CLI against SQLite and PostgreSQL, and look for the token in every output and in the
database itself.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from attestation_factory import digest_of, entries, make_bundle, new_key, write_bundle, write_public

from gatecheck.attest.verify import VerifyOptions
from gatecheck.store import Store, schema
from gatecheck.store.connect import normalise_url

#: Shaped like a GitHub token (40 characters), made up for the test.
TOKEN = "ghp_" + "Q7x2Lm9Kd4Rt8Vb1Nc6Zp3Hs5Wy0Ga7Ej2Fu"
REMOTES = {
    "user-and-token": f"https://x-access-token:{TOKEN}@github.com/acme/shop.git",
    "token-only": f"https://{TOKEN}@github.com/acme/shop.git",
}
CI_VARIABLES = ("GITHUB_REPOSITORY", "GITHUB_SERVER_URL", "GITHUB_SHA", "CI_PROJECT_URL", "CI_COMMIT_SHA")


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), "-c", "user.name=CI", "-c", "user.email=ci@example.com", *args],
                          capture_output=True, text=True, check=True).stdout.strip()


def database_text(url: str) -> str:
    """Every row of every store table as text, and for SQLite the raw bytes of the file and its WAL too."""
    engine = sa.create_engine(normalise_url(url))
    parts: list[str] = []
    try:
        with engine.connect() as conn:
            for table in schema.metadata.sorted_tables:
                parts += [repr(tuple(row)) for row in conn.execute(sa.select(table))]
    finally:
        engine.dispose()
    database = sa.engine.make_url(normalise_url(url)).database
    if url.startswith("sqlite") and database:
        for path in Path(database).parent.glob(Path(database).name + "*"):
            parts.append(path.read_bytes().decode("latin-1"))
    return "\n".join(parts)


def payload_texts(bundle: Path) -> str:
    """The bundle's bytes and every envelope's decoded payload (the base64 would hide a token from a plain search)."""
    data = bundle.read_bytes()
    return data.decode() + "".join(base64.b64decode(json.loads(line)["payload"]).decode()
                                   for line in data.splitlines() if line.strip())


@pytest.mark.parametrize("remote", list(REMOTES.values()), ids=list(REMOTES))
def test_run_store_and_search_never_carry_the_remote_token(cli, example_copy: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                          store_url: str, remote: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CI_VARIABLES:  # a CI job's own variables would be used instead of the remote
        monkeypatch.delenv(name, raising=False)
    git(example_copy, "init", "-q")
    git(example_copy, "add", "-A")
    git(example_copy, "commit", "-q", "-m", "shop")
    git(example_copy, "remote", "add", "origin", remote)
    assert TOKEN in git(example_copy, "config", "--get", "remote.origin.url")
    key = new_key()
    key_path = tmp_path / "ci.key"
    key_path.write_bytes(key.private_pem())
    os.chmod(key_path, 0o600)
    bundle = tmp_path / "gate.intoto.jsonl"
    digest = digest_of("shop-image")

    outputs = []
    res = cli("run", str(example_copy), "--check", "sarif", "--fail-on", "critical", "-q", "--attest", str(bundle),
              "--subject", f"registry.example/shop@sha256:{digest}", "--key", f"file:{key_path}", "--store", store_url)
    outputs.append(res.stdout + res.stderr)
    assert res.exit_code == 0, res.stderr
    assert "stored 2" in res.stderr

    res = cli("store", "search", "--store", store_url, "--subject", f"sha256:{digest}")
    outputs.append(res.stdout + res.stderr)
    found = json.loads(res.stdout)
    assert res.exit_code == 0 and len(found) == 2
    # The repository is still recorded, with the credential masked by the one scrubber.
    assert {r["repository"] for r in found} == {remote.replace(TOKEN, "****")}
    assert {r["commit"] for r in found} == {git(example_copy, "rev-parse", "HEAD")}
    for given in (remote.replace(TOKEN, "****"), remote):  # as printed, or as the remote says
        res = cli("store", "search", "--store", store_url, "--repo", given)
        outputs.append(res.stdout + res.stderr)
        assert len(json.loads(res.stdout)) == 2
    for record in found:
        res = cli("store", "get", str(record["id"]), "--store", store_url)
        outputs.append(res.stdout + res.stderr)
        assert res.exit_code == 0

    for text in outputs:
        assert TOKEN not in text
    assert TOKEN not in database_text(store_url)
    assert TOKEN not in payload_texts(bundle)


def test_store_push_masks_a_repo_given_with_credentials(cli, store_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    key = new_key()
    pub = write_public(key, tmp_path / "ci.pub")
    bundle = write_bundle(tmp_path / "b.intoto.jsonl", make_bundle(key, digest_of("shop")))
    repo = f"https://deploy:{TOKEN}@gitlab.example.com/acme/shop.git"
    res = cli("store", "push", str(bundle), "--store", store_url, "--key", str(pub), "--repo", repo,
              "--format", "json")
    assert res.exit_code == 0, res.stderr
    res = cli("store", "search", "--store", store_url)
    assert {r["repository"] for r in json.loads(res.stdout)} == {"https://deploy:****@gitlab.example.com/acme/shop.git"}
    assert TOKEN not in res.stdout
    assert TOKEN not in database_text(store_url)


def test_a_repository_field_inside_a_signed_verdict_is_masked_in_the_index(store_url: str) -> None:
    from gatecheck.store.append import REPOSITORY_FIELD

    key = new_key()
    lines = make_bundle(key, digest_of("shop"), extra={REPOSITORY_FIELD: f"https://{TOKEN}@github.com/acme/shop"})
    with Store.open(store_url) as store:
        store.push(entries(lines), VerifyOptions(keys=[key.public]))
        assert {r.repository for r in store.search()} == {None, "https://****@github.com/acme/shop"}
        assert store.check().ok


def test_search_masks_a_token_stored_by_an_older_gatecheck(cli, store_url: str) -> None:  # type: ignore[no-untyped-def]
    key = new_key()
    with Store.open(store_url) as store:
        store.push(entries(make_bundle(key, digest_of("shop"))), VerifyOptions(keys=[key.public]))
        # What an older gatecheck wrote: the remote URL verbatim.
        with store.engine.begin() as conn:
            conn.execute(sa.update(schema.attestations).values(repository=REMOTES["user-and-token"]))
    res = cli("store", "search", "--store", store_url)
    assert res.exit_code == 0
    assert {r["repository"] for r in json.loads(res.stdout)} == {REMOTES["user-and-token"].replace(TOKEN, "****")}
    assert TOKEN not in res.stdout + res.stderr
    res = cli("store", "get", "1", "--store", store_url)
    assert res.exit_code == 0 and TOKEN not in res.stdout + res.stderr
