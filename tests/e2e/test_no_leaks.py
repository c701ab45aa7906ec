"""No secret leaves the process (issue 15, item 6): URL passwords, environment values reached through
includes, secret environment values quoted in the tree, and git remote tokens appear in no output, the
cache, the attestations or the store.

One hostile project is gated end to end with every output turned on, then every byte gatecheck wrote
or printed is searched for the planted values.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

URL_PASSWORD = "UrlPassw0rd-7f3a9c"
INDEX_PASSWORD = "IndexPassw0rd-51be02"
REMOTE_TOKEN = "ghp_" + "R3moteT0kenLeak" + "x" * 21
ENV_SECRET = "env-secret-value-c0ffee-1234"  # in a variable whose name says it is a secret
ENV_PLAIN = "plain-env-marker-bead-5678"  # in a variable with an ordinary name, reachable only via /proc


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.email=ci@example.com", "-c", "user.name=CI", *args],
                   check=True, capture_output=True, timeout=60)


@pytest.fixture
def hostile(example_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CI_DEPLOY_TOKEN", ENV_SECRET)
    monkeypatch.setenv("BUILD_LABEL", ENV_PLAIN)
    requirements = example_copy / "requirements.txt"
    requirements.write_text(
        requirements.read_text()
        + f"--extra-index-url https://ci:{INDEX_PASSWORD}@pkgs.internal/simple\n"
        + f"private-pkg @ https://deploy:{URL_PASSWORD}@pkgs.internal/private-pkg-1.0.tar.gz\n"
    )
    sarif = json.loads((example_copy / "reports" / "eslint.sarif").read_text())
    sarif["runs"][0]["results"][0]["message"]["text"] = f"token {ENV_SECRET} is hard-coded here"
    (example_copy / "reports" / "eslint.sarif").write_text(json.dumps(sarif))
    _git(example_copy, "init", "-q", "-b", "main")
    _git(example_copy, "remote", "add", "origin", f"https://x-access-token:{REMOTE_TOKEN}@github.com/acme/orders.git")
    _git(example_copy, "add", "-A")
    _git(example_copy, "commit", "-qm", "hostile")
    return example_copy


def _gate(cli: Callable[..., Any], project: Path, out: Path, *extra: str) -> tuple[int, str]:
    keys = out / "keys"
    if not keys.exists():
        assert cli("keygen", "-o", str(keys / "ci")).exit_code == 0
    args = ["run", str(project), "--policy-input", str(out / "policy-input.json"),
            "--attest", str(out / "bundle.intoto.jsonl"), "--attest-failed",
            "--subject", "orders@sha256:" + "ab" * 32, "--key", f"file:{keys / 'ci.key'}",
            "--store", f"sqlite:///{out / 'store.sqlite'}", *extra]
    for fmt in ("json", "sarif", "junit", "markdown"):
        args += ["-f", f"{fmt}:{out / f'report.{fmt}'}"]
    args += ["-f", "text"]
    result = cli(*args)
    return result.exit_code, result.stdout + result.stderr


def _everything_written(out: Path, cache: Path, printed: list[str], cli: Callable[..., Any]) -> dict[str, str]:
    texts = {f"printed {i}": text for i, text in enumerate(printed)}
    for root in (out, cache):
        for path in root.rglob("*"):
            if path.is_file() and path.suffix not in (".key", ".pub"):
                texts[str(path)] = path.read_bytes().decode("utf-8", "replace")
    bundle = out / "bundle.intoto.jsonl"
    for i, line in enumerate(bundle.read_text().splitlines() if bundle.is_file() else []):
        texts[f"attestation {i}"] = base64.b64decode(json.loads(line)["payload"]).decode("utf-8")
    store = out / "store.sqlite"
    if store.is_file():
        with sqlite3.connect(store) as db:
            for (table,) in db.execute("select name from sqlite_master where type = 'table'"):
                texts[f"store table {table}"] = json.dumps(db.execute(f"select * from {table}").fetchall(), default=str)
        search = cli("store", "search", "--store", f"sqlite:///{store}", "--format", "json")
        texts["store search"] = search.stdout + search.stderr
    return texts


NEEDLES = {"URL password": URL_PASSWORD, "index password": INDEX_PASSWORD, "git remote token": REMOTE_TOKEN,
           "secret environment value": ENV_SECRET, "environment value": ENV_PLAIN}


def test_no_output_cache_attestation_or_store_holds_a_planted_secret(
    hostile: Path, cli: Callable[..., Any], tmp_path: Path, private_result_cache: Path,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    printed = []
    cold, text = _gate(cli, hostile, out)
    printed.append(text)
    warm, text = _gate(cli, hostile, out)  # a cache hit must not bring anything back either
    printed.append(text)
    assert cold == warm == 1, printed[0]
    report = json.loads((out / "report.json").read_text())
    # Not vacuous: the URL requirement and the SARIF message did become findings, only masked.
    sca = next(r for r in report["results"] if r["check"] == "sca")
    assert any("pkgs.internal" in json.dumps(f) for f in sca["findings"]), "the URL requirement was judged"
    sarif = next(r for r in report["results"] if r["check"] == "sarif")
    assert any("[REDACTED:$CI_DEPLOY_TOKEN]" in f["title"] + json.dumps(f["metadata"]) for f in sarif["findings"])
    assert json.loads((out / "policy-input.json").read_text())["findings"]
    texts = _everything_written(out, private_result_cache, printed, cli)
    assert any(name.startswith("store table") for name in texts) and any(n.startswith("attestation") for n in texts)
    for name, text in texts.items():
        for what, needle in NEEDLES.items():
            assert needle not in text, f"{name} contains the {what}"


@pytest.mark.parametrize("how", ["include", "symlink"])
def test_the_ci_environment_never_comes_in_through_an_include(
    hostile: Path, cli: Callable[..., Any], tmp_path: Path, private_result_cache: Path, how: str,
) -> None:
    if how == "include":
        (hostile / "requirements-env.txt").write_text("-r /proc/self/environ\n")
    else:
        (hostile / "requirements-env.txt").symlink_to("/proc/self/environ")
    out = tmp_path / "out"
    out.mkdir()
    assert cli("keygen", "-o", str(out / "keys" / "ci")).exit_code == 0

    def gate_process() -> tuple[int, str]:
        # A process of its own: /proc/self/environ holds a process's starting environment, so the
        # planted values must be in it from the start (monkeypatch.setenv cannot put them there).
        argv = [str(Path(sys.executable).parent / "gatecheck"), "run", str(hostile),
                "--policy-input", str(out / "policy-input.json"), "--attest", str(out / "bundle.intoto.jsonl"),
                "--attest-failed", "--subject", "orders@sha256:" + "ab" * 32, "--key", f"file:{out / 'keys' / 'ci.key'}",
                "--store", f"sqlite:///{out / 'store.sqlite'}", "-f", "text"]
        for fmt in ("json", "sarif", "junit", "markdown"):
            argv += ["-f", f"{fmt}:{out / f'report.{fmt}'}"]
        done = subprocess.run(argv, env=dict(os.environ), capture_output=True, text=True, timeout=600)
        return done.returncode, done.stdout + done.stderr

    code, text = gate_process()
    assert code in (1, 2), text
    if how == "include":
        assert code == 2 and "requirements-env.txt:1" in text and "outside the repository" in text
    texts = _everything_written(out, private_result_cache, [text], cli)
    for name, content in texts.items():
        for what, needle in NEEDLES.items():
            assert needle not in content, f"{name} contains the {what}"
        assert os.environ.get("HOME", "/nonexistent-home") + "\0" not in content
