"""The sca and sbom checks on a hostile tree (issue 15, attacks 3 and 5, and the sca half of 6).

Both checks read dependency files through one inventory (gatecheck_plugins.dependencies), so
every attack here runs the whole gate with both of them, on a copy of the example project:

- attack 3: an include (``-r``/``-c``) or a symlink that reaches outside the tree, above all
  ``/proc/self/environ``, must not copy the CI environment into any output. The gate runs as a
  separate process whose environment holds a marker under an ordinary variable name (so the
  redactor has no reason to mask it): only not reading the file keeps it out;
- attack 5: the password of a URL requirement or an index URL appears nowhere, and the check's
  own result never carries it, even before the gate's scrubber sees it;
- attack 6 (sca's options): repository configuration may not point ``database`` or ``environment``
  outside the tree; the offline database is configuration-side, so ``--trusted-ref`` reads it
  from the trusted ref.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sca_helpers import DATA

from gatecheck.checks import CheckContext
from gatecheck.trust import DirectorySource
from gatecheck_plugins.sca.check import ScaCheck

#: In the gate process's environment only, under a name that says nothing secret.
MARKER_ENV = "GATECHECK_BUILD_LABEL"
MARKER = "canary-6f1d0c2a9e-not-for-output"
URL_PASSWORD = "UrlPassw0rd-3c8e1f"
INDEX_PASSWORD = "IndexPassw0rd-a91d44"
GATECHECK = str(Path(sys.executable).with_name("gatecheck"))


@dataclass
class GateRun:
    """One ``gatecheck run`` process and the text of everything it wrote or printed."""

    exit_code: int
    printed: str
    report: dict[str, Any]
    #: name -> text: stdout/stderr, every report, the policy input, decoded attestation payloads,
    #: the store's rows, every file of the result cache (and the checks' work directories in it)
    #: and the SBOM the sbom check wrote into the tree.
    written: dict[str, str]

    def result(self, check: str) -> dict[str, Any]:
        return next(r for r in self.report["results"] if r["check"] == check)

    def holding(self, needle: str) -> list[str]:
        return [name for name, text in self.written.items() if needle in text]


@pytest.fixture
def gate(tmp_path: Path, private_result_cache: Path) -> Callable[..., GateRun]:
    """``gate(root, *args)``: ``gatecheck run`` in a subprocess with the marker in its environment,
    every output turned on (sca and sbom checks only), and everything it wrote gathered."""
    keys = tmp_path / "keys"
    subprocess.run([GATECHECK, "keygen", "-o", str(keys / "ci")], check=True, capture_output=True)

    def run(root: Path, *args: str) -> GateRun:
        out = tmp_path / f"out-{len(list(tmp_path.glob('out-*')))}"
        out.mkdir()
        argv = [GATECHECK, "run", str(root), "--check", "sca", "--check", "sbom",
                "--policy-input", str(out / "policy-input.json"), "--attest", str(out / "bundle.intoto.jsonl"),
                "--attest-failed", "--subject", "app@sha256:" + "ab" * 32, "--key", f"file:{keys / 'ci.key'}",
                "--store", f"sqlite:///{out / 'store.sqlite'}", "-f", "text",
                *[f"--format={fmt}:{out / f'report.{fmt}'}" for fmt in ("json", "sarif", "junit", "markdown")], *args]
        env = {**os.environ, MARKER_ENV: MARKER, "GATECHECK_CACHE_DIR": str(private_result_cache)}
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
        written = {"stdout": done.stdout, "stderr": done.stderr}
        for base in (out, private_result_cache):
            for path in base.rglob("*"):
                if path.is_file():
                    written[str(path)] = path.read_bytes().decode("utf-8", "replace")
        sbom = root / ".gatecheck" / "sbom.cdx.json"
        if sbom.is_file():
            written["sbom file"] = sbom.read_text("utf-8")
        bundle = out / "bundle.intoto.jsonl"
        for i, line in enumerate(bundle.read_text().splitlines()):
            written[f"attestation {i}"] = base64.b64decode(json.loads(line)["payload"]).decode("utf-8")
        with sqlite3.connect(out / "store.sqlite") as db:
            for (envelope,) in db.execute("select envelope from attestations"):
                text = envelope.decode() if isinstance(envelope, bytes) else str(envelope)
                written[f"stored {len(written)}"] = base64.b64decode(json.loads(text)["payload"]).decode("utf-8")
        report = json.loads((out / "report.json").read_text())
        return GateRun(done.returncode, done.stdout + done.stderr, report, written)

    return run


# ----------------------------------------------------------------- attack 3: includes leave the tree


def _include_attack(root: Path, how: str, outside: Path) -> None:
    requirements = root / "requirements.txt"
    if how == "-r /proc/self/environ":
        requirements.write_text(requirements.read_text() + "-r /proc/self/environ\n")
    elif how == "-c /proc/self/environ":
        requirements.write_text(requirements.read_text() + "-c /proc/self/environ\n")
    elif how == "--requirement=../../outside.txt":
        requirements.write_text(requirements.read_text() + "--requirement=../../outside.txt\n")
    elif how == "-r a symlink to /proc/self/environ":
        (root / "requirements-ci.txt").symlink_to("/proc/self/environ")
        requirements.write_text(requirements.read_text() + "-r requirements-ci.txt\n")
    else:
        raise AssertionError(how)
    outside.write_text(f"{MARKER}==1.0\nnot a requirement {MARKER}\n")


INCLUDES = ["-r /proc/self/environ", "-c /proc/self/environ", "--requirement=../../outside.txt",
            "-r a symlink to /proc/self/environ"]


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
@pytest.mark.parametrize("how", INCLUDES)
def test_an_include_that_leaves_the_tree_is_bad_input_and_nothing_is_read(
    tmp_path: Path, gate: Callable[..., GateRun], how: str,
) -> None:
    root = tmp_path / "work" / "webapp"
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples" / "webapp", root,
                    ignore=shutil.ignore_patterns(".gatecheck"))
    line = len((root / "requirements.txt").read_text().splitlines()) + 1
    _include_attack(root, how, tmp_path / "outside.txt")
    run = gate(root)
    assert run.exit_code == 2, run.printed
    for check in ("sca", "sbom"):
        result = run.result(check)
        assert result["status"] == "error" and result["error"].startswith(f"requirements.txt:{line}: "), result["error"]
    assert f"requirements.txt:{line}" in run.printed
    assert run.holding(MARKER) == []
    assert len(run.written) > 10  # reports, policy input, attestations, store rows, cache: all searched


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_a_requirements_file_that_is_a_symlink_out_of_the_tree_is_not_listed(
    example_copy: Path, gate: Callable[..., GateRun],
) -> None:
    (example_copy / "requirements.txt").unlink()
    (example_copy / "requirements.txt").symlink_to("/proc/self/environ")
    (example_copy / "requirements-dev.txt").write_text("pyyaml==5.3\n")
    run = gate(example_copy)
    own = run.result("gatecheck")
    assert [(f["rule_id"], f["location"]["path"]) for f in own["findings"]] == [
        ("gatecheck/unsafe-path", "requirements.txt")]
    assert run.result("sca")["summary"]["paths"] == ["requirements-dev.txt"]
    assert run.result("sca")["status"] == "ok"
    assert run.holding(MARKER) == []


def test_includes_are_resolved_in_the_tree_only(tmp_path: Path, run_sca) -> None:
    """Check level: every way out is refused with file and line; legitimate includes still work."""
    root = tmp_path / "project"
    (root / "deps").mkdir(parents=True)
    (tmp_path / "outside.txt").write_text("pyyaml==5.3\n")
    (root / "deps" / "link.txt").symlink_to(tmp_path / "outside.txt")
    (root / "deps" / "dir").mkdir()
    cases = {
        "-r /etc/passwd": "outside the repository",
        "-r ../outside.txt": "outside the repository",
        "-r deps/../../outside.txt": "outside the repository",
        "-c deps/link.txt": "a symlink that leaves the repository",
        "-r https://example.invalid/requirements.txt": "includes over the network are not followed",
        "-r deps/dir": "a directory",
        "-r deps/missing.txt": "no such file",
    }
    for line, reason in cases.items():
        (root / "requirements.txt").write_text(f"flask==2.2.2\n{line}\n")
        result = run_sca(root)
        assert result.status == "error" and result.bad_input, line
        assert result.error.startswith(f"requirements.txt:2: {line.split()[0]} "), result.error
        assert reason in result.error, (line, result.error)
    (root / "deps" / "pins.txt").write_text("pyyaml==5.3\n")
    (root / "requirements.txt").write_text("-r deps/pins.txt\n")
    assert run_sca(root).status == "ok"


# ------------------------------------------------------------------- attack 5: URL credentials


def _private_requirements(root: Path) -> None:
    requirements = root / "requirements.txt"
    requirements.write_text(
        requirements.read_text()
        + f"--extra-index-url https://ci:{INDEX_PASSWORD}@pkgs.internal/simple\n"
        + f"private-pkg @ https://deploy:{URL_PASSWORD}@pkgs.internal/private-pkg-1.0.tar.gz\n"
        + f"-e git+https://deploy:{URL_PASSWORD}@git.internal/tools.git#egg=tools\n"
    )


def test_url_passwords_appear_in_no_output_cache_attestation_or_store(
    example_copy: Path, gate: Callable[..., GateRun],
) -> None:
    _private_requirements(example_copy)
    cold = gate(example_copy)
    warm = gate(example_copy)  # served from the cache: nothing comes back from there either
    assert cold.exit_code == warm.exit_code == 1, cold.printed
    assert warm.result("sca")["cached"] and warm.result("sbom")["cached"]
    for run in (cold, warm):
        # Not vacuous: the URL requirements were judged, and their text is in the reports, masked.
        titles = [f["title"] for f in run.result("sca")["findings"] if f["rule_id"] == "sca/unaudited-dependency"]
        assert any("https://deploy:****@pkgs.internal/private-pkg-1.0.tar.gz" in t for t in titles), titles
        assert {"private-pkg", "tools"} <= {c["name"] for c in run.result("sbom")["summary"]["components"]}
        assert run.holding(URL_PASSWORD) == [] and run.holding(INDEX_PASSWORD) == []


def test_the_checks_own_results_never_carry_a_url_password(example_copy: Path, tmp_path: Path) -> None:
    """Scrubbed where the text is made, not only by the gate's scrubber afterwards: a check run
    directly (by the conformance suite, by another tool) returns nothing to mask."""
    from gatecheck_plugins.sbom import SbomCheck

    _private_requirements(example_copy)
    (example_copy / "pyproject.toml").write_text(
        f'[project]\nname = "orders"\nversion = "1"\ndependencies = ["lib @ https://u:{URL_PASSWORD}@pkgs.internal/lib.whl"]\n'
        f'[tool.poetry.dependencies]\nsdk = {{ url = "https://u:{URL_PASSWORD}@pkgs.internal/sdk-1.0.tar.gz" }}\n')
    (example_copy / "requirements.txt").rename(example_copy / "deps.txt")  # so sca reads the pyproject too
    options = {"files": ["deps.txt", "pyproject.toml"], "database": str(DATA)}
    ctx = CheckContext(root=example_copy, options=options, work_dir=tmp_path / "work",
                       config_source=DirectorySource(tmp_path))
    sca = ScaCheck().run(ctx)
    assert sca.status == "ok", sca.error
    text = json.dumps(sca.to_dict())
    assert URL_PASSWORD not in text and INDEX_PASSWORD not in text
    assert {f.package.name for f in sca.findings if f.rule_id == "sca/unaudited-dependency" and f.package} >= {
        "private-pkg", "tools", "lib", "sdk"}
    sbom = SbomCheck().run(CheckContext(root=example_copy, options={"files": ["deps.txt"]}, work_dir=tmp_path / "w"))
    assert URL_PASSWORD not in json.dumps(sbom.to_dict())
    assert URL_PASSWORD not in (example_copy / ".gatecheck" / "sbom.cdx.json").read_text()


# ------------------------------------------------------ attack 6: sca's options in repository config


@pytest.mark.parametrize(("option", "value"), [
    ("database", "/var/lib/osv/all.zip"), ("database", "../osv/all.zip"),
    ("environment", "/usr"), ("environment", "../venv"), ("files", ["../*.txt"]),
])
def test_repository_configuration_cannot_point_sca_outside_the_tree(
    example_copy: Path, cli: Callable[..., Any], option: str, value: Any,
) -> None:
    config = example_copy / "gatecheck.toml"
    text = config.read_text()
    if option == "database":
        text = text.replace('database = "osv/PyPI-extract.zip"', f"database = {json.dumps(value)}")
    else:
        text = text.replace('database = "osv/PyPI-extract.zip"',
                            f'database = "osv/PyPI-extract.zip"\n{option} = {json.dumps(value)}')
    config.write_text(text)
    lines = text.splitlines()
    table = lines.index("[checks.sca]")
    line = next(i for i, raw in enumerate(lines, start=1) if i > table and raw.startswith(f"{option} ="))
    result = cli("run", str(example_copy), "--check", "sca", "-q")
    assert result.exit_code == 2, result.stdout + result.stderr
    assert f"gatecheck.toml:{line}: checks.sca.{option}" in result.stderr
    assert "outside the repository" in result.stderr


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.email=ci@example.com", "-c", "user.name=CI", *args],
                   check=True, capture_output=True, timeout=60)


def test_the_offline_database_comes_from_the_trusted_ref(example_copy: Path, cli: Callable[..., Any],
                                                          tmp_path: Path) -> None:
    _git(example_copy, "init", "-q", "-b", "main")
    _git(example_copy, "add", "-A")
    _git(example_copy, "commit", "-qm", "main")
    _git(example_copy, "checkout", "-qb", "pr")
    # The pull request swaps the database for one that knows no advisory at all.
    empty = example_copy / "osv" / "PyPI-extract.zip"
    import zipfile

    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("OSV-0000-0.json", json.dumps({"id": "OSV-0000-0", "modified": "2024-01-01T00:00:00Z",
                                                   "affected": [{"package": {"ecosystem": "PyPI", "name": "nothing"},
                                                                 "versions": ["0"]}]}))
    _git(example_copy, "commit", "-qam", "pr")

    def advisories(*args: str) -> tuple[int, dict[str, Any]]:
        out = tmp_path / f"r{len(args)}.json"
        result = cli("run", str(example_copy), "--check", "sca", "-q", "-f", f"json:{out}", *args)
        report = json.loads(out.read_text())
        return result.exit_code, report

    code, own = advisories()
    sca = next(r for r in own["results"] if r["check"] == "sca")
    assert sca["summary"]["advisories"] == 0  # the change's own database hides everything
    code, trusted = advisories("--trusted-ref", "main")
    sca = next(r for r in trusted["results"] if r["check"] == "sca")
    assert code == 1 and sca["status"] == "ok"
    assert sca["summary"]["advisories"] >= 20 and sca["summary"]["database"]["path"] == "osv/PyPI-extract.zip"
    changed = [f for r in trusted["results"] if r["check"] == "gatecheck" for f in r["findings"]
               if f["rule_id"] == "gatecheck/config-changed"]
    assert [f["location"]["path"] for f in changed] == ["osv/PyPI-extract.zip"]
