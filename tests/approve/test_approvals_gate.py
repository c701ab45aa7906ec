"""A deploy-stage gate that requires two approvals from the reviewer set ``release``; the approvals
come from bundles or from the store (SQLite and the real PostgreSQL server)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from store_backends import BACKENDS, fresh_store_url

from gatecheck.approve import APPROVAL_PREDICATE_TYPE

DIGEST = "5b" * 32
IMAGE = f"registry.example.com/shop@sha256:{DIGEST}"


def configure(tmp_path: Path, reviewers: dict[str, list[Path]], *, bundles: list[Path] | None = None,
              store: str | None = None, required: str = 'count = 2\nreviewers = "release"') -> Path:
    sets = ", ".join(f"{name} = [{', '.join(json.dumps(str(p)) for p in paths)}]" for name, paths in reviewers.items())
    lines = ["version = 1", "[stages.deploy]", 'checks = ["approvals"]', "[policy.data.sbom]", "required = false",
             "[policy.data.approvals.required.deploy]", required, "[checks.approvals]", f'subject = "{IMAGE}"',
             f"reviewers = {{{sets}}}"]
    if bundles is not None:
        lines.append(f"bundles = [{', '.join(json.dumps(str(b)) for b in bundles)}]")
    if store is not None:
        lines.append(f"store = {json.dumps(store)}")
    config = tmp_path / "operator" / "deploy.toml"
    config.parent.mkdir(exist_ok=True)
    config.write_text("\n".join(lines) + "\n")
    return config


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "app.py").write_text("x = 1\n")
    return root


def deploy(cli: Any, project: Path, config: Path, tmp_path: Path) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "deploy.json"
    result = cli("run", str(project), "-c", str(config), "--stage", "deploy", "-q", "-f", f"json:{out}")
    assert result.exit_code in (0, 1), result.stderr
    return result.exit_code, json.loads(out.read_text())


def missing(report: dict[str, Any]) -> list[str]:
    return [e["message"] for e in report["decision"]["deny"] if e["rule"] == "gatecheck.approvals_missing"]


def test_two_distinct_reviewers_pass(project: Path, tmp_path: Path, cli: Any, reviewer: Callable[..., Any],
                                     signed: Callable[..., Path]) -> None:
    alice, bob = reviewer("alice"), reviewer("bob")
    config = configure(tmp_path, {"release": [alice.public, bob.public]}, bundles=[signed(alice), signed(bob)])
    code, report = deploy(cli, project, config, tmp_path)
    assert code == 0, report["decision"]
    [result] = report["results"]
    assert result["summary"]["counted"]["release"] == sorted([alice.keyid, bob.keyid])


@pytest.mark.parametrize("second", ["alice-again", "bob-expired", "mallory", "bob-other-artifact"])
def test_what_does_not_count(project: Path, tmp_path: Path, cli: Any, reviewer: Callable[..., Any],
                             signed: Callable[..., Path], second: str) -> None:
    alice, bob = reviewer("alice"), reviewer("bob")
    other = {
        "alice-again": lambda: signed(alice, reason="once more"),
        "bob-expired": lambda: signed(bob, approved=timedelta(days=-9), expires=timedelta(days=-2)),
        "mallory": lambda: signed(reviewer("mallory")),
        "bob-other-artifact": lambda: signed(bob, digest="77" * 32),
    }[second]()
    config = configure(tmp_path, {"release": [alice.public, bob.public]}, bundles=[signed(alice), other])
    code, report = deploy(cli, project, config, tmp_path)
    assert code == 1
    assert missing(report) == ["stage deploy needs 2 approval(s) by distinct keys of reviewer set release; 1 counted"]


def test_no_approvals_check_means_no_approvals(project: Path, tmp_path: Path, cli: Any) -> None:
    config = tmp_path / "deploy.toml"
    config.write_text('version = 1\n[stages.deploy]\nchecks = ["approvals"]\n[policy.data.sbom]\nrequired = false\n'
                      '[policy.data.approvals.required.deploy]\ncount = 1\nreviewers = "release"\n')
    code, report = deploy(cli, project, config, tmp_path)
    assert code == 1 and missing(report)


def test_a_malformed_requirement_denies(project: Path, tmp_path: Path, cli: Any, reviewer: Callable[..., Any],
                                        signed: Callable[..., Path]) -> None:
    alice = reviewer("alice")
    config = configure(tmp_path, {"release": [alice.public]}, bundles=[signed(alice)],
                       required='count = 0\nreviewers = "release"')
    code, report = deploy(cli, project, config, tmp_path)
    assert code == 1 and "must be" in missing(report)[0]


def test_repository_configuration_cannot_name_reviewers(project: Path, cli: Any, reviewer: Callable[..., Any]) -> None:
    (project / "gatecheck.toml").write_text(f'version = 1\n[checks.approvals]\nsubject = "{IMAGE}"\n')
    result = cli("run", str(project), "--check", "approvals", "-q")
    assert result.exit_code == 2 and "checks.approvals.subject can only be set by the operator" in result.stderr


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_store_url(request.param, tmp_path) as url:
        yield url


def test_approvals_from_the_store(project: Path, tmp_path: Path, cli: Any, reviewer: Callable[..., Any],
                                  store_url: str) -> None:
    alice, bob, mallory = reviewer("alice"), reviewer("bob"), reviewer("mallory")
    for who in (alice, alice, mallory):
        result = cli("approve", IMAGE, "--key", f"file:{who.private}", "--reason", f"{who.name} approves",
                     "--store", store_url)
        assert result.exit_code == 0, result.stderr
    config = configure(tmp_path, {"release": [alice.public, bob.public]}, store=store_url)
    code, report = deploy(cli, project, config, tmp_path)
    assert code == 1 and missing(report)[0].endswith("; 1 counted")
    assert [r["problem"] for r in report["results"][0]["summary"]["approvals"]].count("UNTRUSTED_KEY") == 1

    assert cli("approve", IMAGE, "--key", f"file:{bob.private}", "--reason", "bob approves", "--ticket", "CHG-9",
               "--store", store_url).exit_code == 0
    code, report = deploy(cli, project, config, tmp_path)
    assert code == 0, report["decision"]

    # Searchable by its short name and by its URI; the record names the key that signed it.
    found = cli("store", "search", "--store", store_url, "--subject", f"sha256:{DIGEST}", "--predicate-type", "approval")
    records = json.loads(found.stdout)
    assert {r["predicateType"] for r in records} == {APPROVAL_PREDICATE_TYPE}
    assert sorted(s for r in records for s in r["signers"]) == sorted([alice.keyid, alice.keyid, mallory.keyid, bob.keyid])
    by_uri = cli("store", "search", "--store", store_url, "--predicate-type", APPROVAL_PREDICATE_TYPE, "--format", "text")
    assert by_uri.stdout.count("approval/v1") == 4


def test_audit_report_lists_approvals_per_deployed_subject(project: Path, tmp_path: Path, cli: Any,
                                                           reviewer: Callable[..., Any]) -> None:
    alice, bob, deployer = reviewer("alice"), reviewer("bob"), reviewer("deployer")
    store = f"sqlite:///{tmp_path / 'store.sqlite'}"
    for who, ticket in ((alice, "CHG-1"), (bob, "CHG-2")):
        assert cli("approve", IMAGE, "--key", f"file:{who.private}", "--reason", f"<b>{who.name}</b> checked the canary",
                   "--ticket", ticket, "--expires", "3d", "--store", store).exit_code == 0
    config = configure(tmp_path, {"release": [alice.public, bob.public]}, store=store)
    result = cli("run", str(project), "-c", str(config), "--stage", "deploy", "-q", "--attest",
                 str(tmp_path / "deploy.intoto.jsonl"), "--subject", IMAGE, "--key", f"file:{deployer.private}",
                 "--store", store)
    assert result.exit_code == 0, result.stderr
    html_path = tmp_path / "audit.html"
    assert cli("audit", "report", "--store", store, "--format", "html", "-o", str(html_path)).exit_code == 0
    html = html_path.read_text()
    assert "<h2>Approvals per deployed subject</h2>" in html
    assert f"sha256:{DIGEST}" in html and alice.keyid in html and bob.keyid in html and "CHG-2" in html
    assert "&lt;b&gt;alice&lt;/b&gt; checked the canary" in html  # stored text is escaped
    csv = cli("audit", "report", "--store", store, "--format", "csv").stdout
    rows = [line for line in csv.splitlines() if line.startswith("deployed_subject_approval")]
    assert len(rows) == 2 and all(f"sha256:{DIGEST},2," in row for row in rows)
    data = json.loads(cli("store", "search", "--store", store, "--predicate-type", "verdict").stdout)
    assert [r["stage"] for r in data] == ["deploy"]
