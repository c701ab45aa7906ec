"""The change under judgement cannot change its own verdict (issue 15): the core's part.

Each test plays one attack with nothing but files inside the tree being gated, the way a pull
request would, and asserts the gate is not fooled. The denied finding throughout is the example
project's ESLint result (``reports/eslint.sarif``, severity high), judged by the ``sarif`` check.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gatecheck.cache import file_digest
from gatecheck.canonical import canonical_json
from gatecheck.digests import sha256_hex

SARIF_ONLY = ("--check", "sarif")


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), "-c", "user.email=ci@example.com", "-c", "user.name=CI", *args],
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


def report_of(cli: Callable[..., Any], root: Path, out: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = cli("run", str(root), "-q", "-f", f"json:{out}", *args)
    return result.exit_code, json.loads(out.read_text()) if out.is_file() else {}


# ------------------------------------------------------------------------------ 1. the cache


def test_a_forged_cache_committed_in_the_tree_is_never_read(example_copy: Path, cli: Callable[..., Any],
                                                           tmp_path: Path) -> None:
    # The attack as reported: the old cache lived in .gatecheck/cache inside the tree, keyed by a
    # computable sha256 of check, version, options and input digests. Forge that entry exactly.
    sarif = example_copy / "reports" / "eslint.sarif"
    material = {"format": 1, "check": "sarif", "version": "1.0.0", "options": {"files": ["reports/*.sarif"]},
                "inputs": [["reports/eslint.sarif", file_digest(sarif)]]}
    key = sha256_hex(canonical_json(material))
    forged = {"check": "sarif", "tool": {"name": "sarif-ingest", "version": "1.0.0"}, "status": "ok", "error": None,
              "findings": [], "summary": {}, "duration_ms": 0, "inputs": [], "artifacts": [], "cached": False}
    for base in (example_copy / ".gatecheck" / "cache", example_copy / ".gatecheck" / "cache" / "results"):
        entry = base / "results" / key[:2] / f"{key}.json" if base.name == "cache" else base / key[:2] / f"{key}.json"
        entry.parent.mkdir(parents=True, exist_ok=True)
        entry.write_text(json.dumps(forged))
    code, report = report_of(cli, example_copy, tmp_path / "r.json", *SARIF_ONLY)
    assert code == 1
    [result] = [r for r in report["results"] if r["check"] == "sarif"]
    assert result["cached"] is False and result["findings"]


def test_a_tampered_cache_entry_is_a_miss(example_copy: Path, cli: Callable[..., Any], tmp_path: Path,
                                          private_result_cache: Path) -> None:
    assert report_of(cli, example_copy, tmp_path / "cold.json", *SARIF_ONLY)[0] == 1
    entries = list((private_result_cache / "results").rglob("*.json"))
    assert entries, "the cold run stored its result outside the tree"
    assert not (example_copy / ".gatecheck" / "cache").exists()
    for entry in entries:  # someone who can write the cache but not the key
        data = json.loads(entry.read_text())
        data["result"]["findings"] = []
        entry.write_text(json.dumps(data))
    code, report = report_of(cli, example_copy, tmp_path / "warm.json", *SARIF_ONLY)
    assert code == 1
    [result] = [r for r in report["results"] if r["check"] == "sarif"]
    assert result["cached"] is False and result["findings"]
    # and an untampered re-run is served from the cache again
    code, report = report_of(cli, example_copy, tmp_path / "again.json", *SARIF_ONLY)
    assert code == 1 and next(r for r in report["results"] if r["check"] == "sarif")["cached"] is True


def test_a_cache_directory_inside_the_tree_is_refused(example_copy: Path, cli: Callable[..., Any]) -> None:
    result = cli("run", str(example_copy), "-q", "--cache-dir", str(example_copy / ".gatecheck" / "cache"), *SARIF_ONLY)
    assert result.exit_code == 2 and "inside the tree" in result.stderr


# ----------------------------------------------------------- 2 and 5. no network, no environment


class Listener:
    """A TCP listener on loopback that counts every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


OPERATOR_ONLY = [
    ("[policy]\nengine = \"opa\"\nopa_url = \"{url}\"\nopa_token_env = \"CI_DEPLOY_SECRET\"\n", "policy.opa_url", 3),
    ("[policy]\nopa_token_env = \"CI_DEPLOY_SECRET\"\n", "policy.opa_token_env", 2),
    ("[policy]\nopa_ca_bundle = \"/etc/ssl/private/key.pem\"\n", "policy.opa_ca_bundle", 2),
    ("[run]\ncache_dir = \"/tmp/elsewhere\"\n", "run.cache_dir", 2),
    ("[signing]\nkey = \"env:CI_DEPLOY_SECRET\"\n", "signing.key", 2),
    ("[store]\nurl = \"postgresql://user:pw@127.0.0.1:{port}/db\"\n", "store.url", 2),
    ("[checks.sca]\nservice = \"osv\"\nosv_url = \"{url}/v1/query\"\n", "checks.sca.osv_url", 3),
    ("[checks.sca]\nservice = \"pypi\"\npypi_url = \"{url}/pypi/\"\n", "checks.sca.pypi_url", 3),
    ("[checks.secrets]\nhash_key_env = \"CI_DEPLOY_SECRET\"\n", "checks.secrets.hash_key_env", 2),
]


@pytest.mark.parametrize(("table", "key", "line_in_table"), OPERATOR_ONLY, ids=[k for _, k, _ in OPERATOR_ONLY])
@pytest.mark.parametrize("online", [False, True], ids=["offline", "online"])
def test_repository_configuration_cannot_choose_where_the_gate_connects_or_what_it_reads(
    example_copy: Path, cli: Callable[..., Any], listener: Listener, monkeypatch: pytest.MonkeyPatch,
    table: str, key: str, line_in_table: int, online: bool,
) -> None:
    monkeypatch.setenv("CI_DEPLOY_SECRET", "deploy-secret-value-4242")
    (example_copy / "gatecheck.toml").write_text("version = 1\n" + table.format(url=listener.url, port=listener.port))
    line = 1 + line_in_table
    result = cli("run", str(example_copy), "-q", *(["--online"] if online else []))
    assert result.exit_code == 2, result.stderr
    assert f"gatecheck.toml:{line}: {key}:" in result.stderr
    assert "only be set by the operator" in result.stderr
    assert listener.connections == 0
    assert "deploy-secret-value-4242" not in result.stdout + result.stderr


def test_no_configuration_in_the_tree_makes_the_gate_connect_anywhere(
    example_copy: Path, cli: Callable[..., Any], listener: Listener, tmp_path: Path,
) -> None:
    """Everything a tree can say that names a host, read by a whole gate run, offline and online."""
    url = listener.url
    (example_copy / "requirements-extra.txt").write_text(
        f"--index-url {url}/simple\n--extra-index-url {url}/extra\n"
        f"pkg @ {url}/pkg-1.0.tar.gz\n-e git+{url}/repo.git#egg=other\nrequests==2.25.0\n")
    (example_copy / "pyproject.toml").write_text(
        f'[project]\nname = "orders"\nversion = "1"\ndependencies = ["lib @ {url}/lib.whl"]\n'
        f'[[tool.uv.index]]\nurl = "{url}/uv"\n')
    (example_copy / "reports" / "remote.sarif").write_text(json.dumps({
        "version": "2.1.0", "$schema": f"{url}/schema.json",
        "runs": [{"tool": {"driver": {"name": "x", "informationUri": url, "rules": [{"id": "r", "helpUri": url}]}},
                  "results": [], "originalUriBaseIds": {"SRC": {"uri": f"{url}/src/"}}}]}))
    (example_copy / ".gitmodules").write_text(f'[submodule "x"]\n\tpath = x\n\turl = {url}/x.git\n')
    git(example_copy, "init", "-q")
    git(example_copy, "remote", "add", "origin", f"{url}/origin.git")
    git(example_copy, "add", "-A")
    git(example_copy, "commit", "-qm", "hostile")
    for extra in ([], ["--online"]):
        result = cli("run", str(example_copy), "-q", "--no-cache", "-f", f"json:{tmp_path / 'r.json'}", *extra)
        assert result.exit_code in (1, 2), result.stderr
    assert listener.connections == 0


# ------------------------------------------------------------------ 6. reads outside the tree


@pytest.mark.parametrize("paths", [["/etc"], ["../outside"], ["app", "../../etc"]])
def test_scan_paths_outside_the_tree_are_refused(example_copy: Path, cli: Callable[..., Any], paths: list[str]) -> None:
    (example_copy.parent / "outside").mkdir()
    config = example_copy / "gatecheck.toml"
    config.write_text(config.read_text().replace("[run]\n", f"[run]\npaths = {json.dumps(paths)}\n", 1))
    result = cli("run", str(example_copy), "-q")
    assert result.exit_code == 2
    assert "gatecheck.toml:5: run.paths" in result.stderr and "outside the repository" in result.stderr


def test_a_symlink_out_of_the_tree_is_reported_not_followed(example_copy: Path, cli: Callable[..., Any],
                                                             tmp_path: Path) -> None:
    outside = tmp_path / "outside.sarif"
    outside.write_text((example_copy / "reports" / "eslint.sarif").read_text().replace("eval", "OUTSIDE-MARKER"))
    (example_copy / "reports" / "leak.sarif").symlink_to(outside)
    config = example_copy / "gatecheck.toml"  # the default globs, which matched the link's target before
    config.write_text(config.read_text().replace('files = ["reports/*.sarif"]', 'files = ["**/*.sarif"]'))
    code, report = report_of(cli, example_copy, tmp_path / "r.json", *SARIF_ONLY)
    assert code == 1
    assert "OUTSIDE-MARKER" not in json.dumps(report)
    own = next(r for r in report["results"] if r["check"] == "gatecheck")
    assert [(f["rule_id"], f["location"]["path"]) for f in own["findings"]] == [("gatecheck/unsafe-path", "reports/leak.sarif")]


def test_a_fifo_in_the_tree_does_not_hang_the_gate(example_copy: Path, cli: Callable[..., Any], tmp_path: Path) -> None:
    os.mkfifo(example_copy / "reports" / "pipe.sarif")
    os.mkfifo(example_copy / "requirements-dev.txt")
    code, report = report_of(cli, example_copy, tmp_path / "r.json", *SARIF_ONLY)
    assert code == 1
    own = next(r for r in report["results"] if r["check"] == "gatecheck")
    assert {f["location"]["path"] for f in own["findings"]} == {"reports/pipe.sarif", "requirements-dev.txt"}


def test_the_repositorys_git_configuration_cannot_run_programs(example_copy: Path, cli: Callable[..., Any],
                                                              tmp_path: Path) -> None:
    git(example_copy, "init", "-q")
    (example_copy / ".gitattributes").write_text("*.py filter=evil diff=evil\n")
    git(example_copy, "add", "-A")
    git(example_copy, "commit", "-qm", "x")
    marker = tmp_path / "ran"
    for key in ("core.fsmonitor", "filter.evil.clean", "filter.evil.smudge", "diff.evil.textconv", "diff.external",
                "core.pager", "core.hooksPath"):
        git(example_copy, "config", key, f"touch {marker}-{key}; false")
    (example_copy / "app" / "views.py").write_text((example_copy / "app" / "views.py").read_text() + "\n# edited\n")
    result = cli("run", str(example_copy), "-q", "--no-cache")
    assert result.exit_code == 1, result.stderr
    assert list(tmp_path.glob("ran-*")) == []


# ------------------------------------------------- 7. waivers and configuration from the change


WAIVE_EVERYTHING = ('[[waivers]]\nid = "W-ALL"\nreason = "looks fine"\nowner = "attacker"\nexpires = {expires}\n'
                    'match = {{ path = "**" }}\n')


def _soon() -> str:
    import datetime as dt

    return (dt.date.today() + dt.timedelta(days=30)).isoformat()


def test_with_an_operator_configuration_the_trees_waivers_are_not_read(example_copy: Path, cli: Callable[..., Any],
                                                                        tmp_path: Path) -> None:
    (example_copy / "gatecheck.waivers.toml").write_text(WAIVE_EVERYTHING.format(expires=_soon()))
    assert report_of(cli, example_copy, tmp_path / "tree.json", *SARIF_ONLY)[0] == 0  # the tree's own config: waived
    operator = tmp_path / "operator"
    operator.mkdir()
    shutil.copy(example_copy / "gatecheck.toml", operator / "gatecheck.toml")
    code, report = report_of(cli, example_copy, tmp_path / "op.json", *SARIF_ONLY, "-c", str(operator / "gatecheck.toml"))
    assert code == 1
    assert report["decision"]["waived"] == [] and report["applied_waivers"] == []
    assert report["config_source"] == {"kind": "directory", "trusted": True, "path": str(operator.resolve())}


@pytest.fixture
def pull_request(example_copy: Path) -> Path:
    """A git repository whose main branch holds the example, and a checked-out branch that edits the
    gate's configuration and waivers to wave its own change through."""
    git(example_copy, "init", "-q", "-b", "main")
    git(example_copy, "add", "-A")
    git(example_copy, "commit", "-qm", "main")
    git(example_copy, "checkout", "-qb", "pr")
    config = example_copy / "gatecheck.toml"
    config.write_text(config.read_text().replace('fail_on = "high"', 'fail_on = "critical"'))
    (example_copy / "gatecheck.waivers.toml").write_text(WAIVE_EVERYTHING.format(expires=_soon()))
    git(example_copy, "add", "-A")
    git(example_copy, "commit", "-qm", "pr")
    return example_copy


def test_trusted_ref_reads_the_configuration_and_waivers_as_they_are_on_main(
    pull_request: Path, cli: Callable[..., Any], tmp_path: Path,
) -> None:
    assert report_of(cli, pull_request, tmp_path / "pr.json", *SARIF_ONLY)[0] == 0  # the change's own config passes it
    code, report = report_of(cli, pull_request, tmp_path / "trusted.json", *SARIF_ONLY, "--trusted-ref", "main")
    assert code == 1
    assert report["decision"]["waived"] == []
    main = git(pull_request, "rev-parse", "main")
    assert report["config_source"] == {"kind": "git-ref", "trusted": True, "ref": "main", "commit": main,
                                       "merge_base": main}
    own = next(r for r in report["results"] if r["check"] == "gatecheck")
    changes = {(f["location"]["path"], f["metadata"]["change"]) for f in own["findings"]}
    assert changes == {("gatecheck.toml", "modified"), ("gatecheck.waivers.toml", "added")}
    warned = [e for e in report["decision"]["warn"] if e.get("check") == "gatecheck"]
    assert len(warned) == 2 and all("takes effect after merge" in e["message"] for e in warned)


def test_trusted_ref_must_exist(pull_request: Path, cli: Callable[..., Any]) -> None:
    result = cli("run", str(pull_request), "-q", "--trusted-ref", "origin/nowhere")
    assert result.exit_code == 2 and "unknown git ref 'origin/nowhere'" in result.stderr


def test_a_trusted_directory_inside_the_tree_is_refused(example_copy: Path, cli: Callable[..., Any]) -> None:
    (example_copy / "ci").mkdir()
    result = cli("run", str(example_copy), "-q", "--trusted-config", str(example_copy / "ci"))
    assert result.exit_code == 2 and "inside the tree under judgement" in result.stderr


# ------------------------------------------------------------- 8. verdicts that cannot be hollowed


def test_a_gate_with_every_check_disabled_never_passes_even_with_a_permissive_policy(
    example_copy: Path, cli: Callable[..., Any], tmp_path: Path,
) -> None:
    policy = tmp_path / "policy"
    policy.mkdir()
    (policy / "allow.rego").write_text('package gatecheck\n\nimport rego.v1\n\n'
                                       'decision := {"allow": true, "deny": [], "warn": [], "waived": []}\n')
    operator = tmp_path / "operator"
    operator.mkdir()
    checks = "".join(f"[checks.{name}]\nenabled = false\n" for name in
                     ("sarif", "sca", "sast", "secrets", "sbom", "migrations"))
    (operator / "gatecheck.toml").write_text(f'version = 1\n[policy]\npath = "{policy}"\n{checks}')
    keys = tmp_path / "keys"
    assert cli("keygen", "-o", str(keys / "ci")).exit_code == 0
    bundle = tmp_path / "out.intoto.jsonl"
    code, report = report_of(cli, example_copy, tmp_path / "r.json", "-c", str(operator / "gatecheck.toml"),
                             "--attest", str(bundle), "--subject", "app@sha256:" + "ab" * 32,
                             "--key", f"file:{keys / 'ci.key'}")
    assert code == 1
    assert [e["rule"] for e in report["decision"]["deny"]] == ["gatecheck.no_checks"]
    assert not bundle.exists()  # nothing PASSED was signed


def test_a_gate_whose_every_check_was_skipped_never_passes(tmp_path: Path, cli: Callable[..., Any]) -> None:
    (tmp_path / "project").mkdir()
    code, report = report_of(cli, tmp_path / "project", tmp_path / "r.json", *SARIF_ONLY)
    assert code == 1
    assert report["results"][0]["status"] == "skipped"
    assert "gatecheck.no_checks" in [e["rule"] for e in report["decision"]["deny"]]


def test_policy_eval_recomputes_waiver_expiry_from_expires(example_copy: Path, cli: Callable[..., Any],
                                                           tmp_path: Path) -> None:
    (example_copy / "gatecheck.waivers.toml").write_text(WAIVE_EVERYTHING.format(expires=_soon()))
    document = tmp_path / "input.json"
    assert cli("run", str(example_copy), "-q", *SARIF_ONLY, "--policy-input", str(document)).exit_code == 0
    data = json.loads(document.read_text())
    assert cli("policy", "eval", "--input", str(document)).exit_code == 0
    [waiver] = data["waivers"]
    assert waiver["matches"]
    waiver["expires"] = "2020-01-01"  # long gone; the document still claims otherwise
    assert waiver["expired"] is False and waiver["expires_ns"] > 0
    document.write_text(json.dumps(data))
    result = cli("policy", "eval", "--input", str(document))
    assert result.exit_code == 1
    decision = json.loads(result.stdout)
    assert decision["waived"] == [] and decision["deny"]
    assert any(e["rule"] == "gatecheck.waiver_expired" for e in decision["warn"])


def test_the_verdict_records_which_configuration_judged_the_change(pull_request: Path, cli: Callable[..., Any],
                                                                   tmp_path: Path) -> None:
    import base64

    assert cli("keygen", "-o", str(tmp_path / "keys" / "ci")).exit_code == 0
    bundle = tmp_path / "gate.intoto.jsonl"
    code, _ = report_of(cli, pull_request, tmp_path / "r.json", *SARIF_ONLY, "--trusted-ref", "main",
                        "--attest", str(bundle), "--attest-failed", "--subject", "app@sha256:" + "cd" * 32,
                        "--key", f"file:{tmp_path / 'keys' / 'ci.key'}")
    assert code == 1
    closing = json.loads(bundle.read_text().splitlines()[-1])
    predicate = json.loads(base64.b64decode(closing["payload"]))["predicate"]
    assert predicate["verificationResult"] == "FAILED"
    source = predicate["https://gatecheck.dev/attestation/vsa/config-source"]
    assert source["kind"] == "git-ref" and source["ref"] == "main" and source["trusted"] is True


@pytest.mark.parametrize("check", ["sarif", "secrets", "sast", "sca", "migrations"])
def test_a_check_whose_every_file_an_exclude_leaves_out_is_an_error_not_a_skip(
    example_copy: Path, cli: Callable[..., Any], tmp_path: Path, check: str,
) -> None:
    config = example_copy / "gatecheck.toml"
    config.write_text(config.read_text().replace('exclude = [".venv/*"]', 'exclude = ["*"]'))
    code, report = report_of(cli, example_copy, tmp_path / "r.json", "--check", check)
    assert code == 1
    [result] = [r for r in report["results"] if r["check"] == check]
    assert result["status"] == "error" and result["error"].startswith("nothing scanned: all ")
    assert "by run.exclude" in result["error"]
    assert any(e["rule"] == "gatecheck.check_failed" and e.get("check") == check for e in report["decision"]["deny"])


def test_a_project_with_nothing_of_a_checks_kind_is_still_skipped(tmp_path: Path, cli: Callable[..., Any]) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("requests==2.32.3\n")
    code, report = report_of(cli, project, tmp_path / "r.json", "--check", "sarif", "--check", "sast")
    assert {r["check"]: r["status"] for r in report["results"]} == {"sarif": "skipped", "sast": "skipped"}
    assert code == 1  # and a gate of skipped checks checked nothing
