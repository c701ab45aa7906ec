"""SARIF that GitHub code scanning accepts without warnings (issue 16, item 6).

The reporter's contract, unit by unit: rule metadata from the checks' rule catalogues, a location
on every result, paths rebased onto the git work tree's top. Then the real thing: the example's
SARIF (every check), and a run on a gated subdirectory of a git repository, validated by
Microsoft's SARIF Multitool with GitHub's ingestion rules (installed by .ci/test.sh): no error, no
warning. A test shows the validation catches a SARIF that breaks GitHub's rules.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gatecheck import gate
from gatecheck.model import CheckResult, Decision, Finding, Fix, Location, Package, Tool, finding_id
from gatecheck.reports import Report
from gatecheck.reports.sarif import GATE_RULE_DOCS, SarifReporter, rules_artifact

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "webapp"
BIN = Path(sys.executable).parent
MULTITOOL_PREFIX = REPO / ".ci"
#: Both SARIF's own rules and GitHub code scanning's ingestion rules (GH1xxx, GH2xxx).
RULE_KINDS = "Sarif;Gh"
PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*$")
#: SARIF2006 (UrisShouldBeReachable) fetches every URI in the file: CI has no network for it, each
#: lookup waits for a timeout, and the rule only ever reports notes. Every other rule stays on.
OFFLINE_CONFIG = """<?xml version="1.0" encoding="utf-8"?>
<Properties>
  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">
    <Property Key="RuleEnabled" Value="Disabled" Type="Driver.RuleEnabledState" />
  </Properties>
</Properties>
"""


# --- the reporter, unit by unit ---------------------------------------------------------------

def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false",
                    *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def finding(rule: str, path: str | None, line: int | None = None, **kw: Any) -> Finding:
    return Finding(id=finding_id("demo", rule, path=path, key=str(line)), check="demo", rule_id=rule,
                   title=f"{rule} at {path}:{line}", severity=kw.pop("severity", "high"),
                   location=Location(path, line, line) if path else None, **kw)


def render(root: Path, *results: CheckResult) -> dict[str, Any]:
    report = Report(results=list(results), decision=Decision(allow=True), stage="ci", root=root,
                    gatecheck_version="1.0.0")
    doc: dict[str, Any] = json.loads(SarifReporter().render(report))
    return doc


def uris(doc: dict[str, Any]) -> list[str]:
    return [loc["physicalLocation"]["artifactLocation"]["uri"]
            for run in doc["runs"] for result in run["results"] for loc in result["locations"]]


def test_paths_are_rebased_onto_the_top_of_the_git_work_tree(tmp_path: Path) -> None:
    """GitHub reads a relative URI from the repository root (and ignores uriBaseId): a gate run on
    services/api must say services/api/app.py, and %SRCROOT% names the repository's top."""
    repo = tmp_path / "repo"
    gated = repo / "services" / "api"
    gated.mkdir(parents=True)
    git(repo, "init", "-q")
    result = CheckResult(check="demo", tool=Tool("t", "1"),
                         findings=[finding("r1", "app/x.py", 3), finding("r2", None)])
    doc = render(gated, result)
    assert uris(doc) == ["services/api/app/x.py", "services/api/"]
    run = doc["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    assert run["properties"]["gated_directory"] == "services/api"
    # Outside git the gated directory is the root; the project-wide location is never an empty URI.
    plain = tmp_path / "plain"
    plain.mkdir()
    doc = render(plain, result)
    assert uris(doc) == ["app/x.py", "./"]
    assert doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == plain.resolve().as_uri() + "/"


def test_every_result_has_a_location_with_a_line(tmp_path: Path) -> None:
    """A file without lines gets line 1; a package finding its dependency file; the rest the project."""
    findings = [
        finding("in-file", "src/a b.py", None),
        finding("dep", None, package=Package("flask", "2.2.2"), metadata={"manifest": {"path": "uv.lock", "line": 7}}),
        finding("dep-no-line", None, metadata={"manifest": "poetry.lock"}),
        finding("stale", None),
    ]
    doc = render(tmp_path, CheckResult(check="demo", findings=findings))
    locations = [r["locations"] for r in doc["runs"][0]["results"]]
    assert all(len(locs) == 1 for locs in locations)
    physical = [locs[0]["physicalLocation"] for locs in locations]
    assert [p["artifactLocation"]["uri"] for p in physical] == ["src/a%20b.py", "uv.lock", "poetry.lock", "./"]
    assert [p["region"]["startLine"] for p in physical] == [1, 7, 1, 1]
    assert all(p["artifactLocation"]["uriBaseId"] == "%SRCROOT%" for p in physical)
    assert "as a whole" in locations[3][0]["message"]["text"]


def test_rule_metadata_comes_from_the_checks_catalogue(tmp_path: Path) -> None:
    docs = {"team.rule-1": {
        "name": "NoPickle", "summary": "Unpickling untrusted data.", "description": "Pickle runs code.\n\nAlways.",
        "fix": "Use JSON.", "help_uri": "https://docs.example/r1", "references": ["https://docs.example/more"],
        "tags": ["external/cwe/cwe-502"], "precision": "very-high", "security_severity": "9.8",
    }, "team.rule-2": {"summary": "Has help of its own.", "help": "# Own help\n\nFix it so.", "help_text": "Own help"}}
    result = CheckResult(check="demo", findings=[finding("team.rule-1", "a.py", 1), finding("team.rule-2", "a.py", 2),
                                                 finding("team.rule-1", "b.py", 3)],
                         artifacts=[rules_artifact(docs)])  # type: ignore[arg-type]
    doc = render(tmp_path, result)
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert list(rules) == ["team.rule-1", "team.rule-2"]
    one = rules["team.rule-1"]
    assert one["name"] == "NoPickle"
    assert one["shortDescription"]["text"] == "Unpickling untrusted data."
    assert one["fullDescription"]["text"] == "Pickle runs code. Always."
    assert one["help"]["markdown"].startswith("Pickle runs code.\n\nAlways.")
    assert "**How to fix.** Use JSON." in one["help"]["markdown"] and "How to fix: Use JSON." in one["help"]["text"]
    assert "- <https://docs.example/more>" in one["help"]["markdown"]
    assert one["helpUri"] == "https://docs.example/r1"
    assert one["properties"] == {"tags": ["security", "demo", "external/cwe/cwe-502"], "precision": "very-high",
                                 "security-severity": "9.8"}
    two = rules["team.rule-2"]
    assert two["help"] == {"text": "Own help", "markdown": "# Own help\n\nFix it so."}
    assert two["name"] == "Rule2" and "helpUri" not in two
    assert doc["runs"][0]["tool"]["driver"]["informationUri"].startswith("https://")


def test_a_check_without_a_catalogue_still_gets_every_field(tmp_path: Path) -> None:
    """A third-party check (or a result cached before its check had a catalogue): rule-level words,
    a fix from the finding's fixed versions, a name that is not the id, a number for every severity."""
    findings = [
        finding("PYSEC-1", None, severity="unknown", package=Package("flask", "2.2.2"), fix=Fix(["2.2.5"]),
                references=["https://osv.dev/vulnerability/PYSEC-1"]),
        finding("info-rule", "a.py", 1, severity="info"),
        finding("scored", "a.py", 2, severity="critical", metadata={"cvss_score": 9.8}),
    ]
    doc = render(tmp_path, CheckResult(check="demo", findings=findings))
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    pysec = rules["PYSEC-1"]
    assert pysec["shortDescription"]["text"] == "demo: PYSEC-1"
    assert pysec["fullDescription"]["text"].startswith("Findings of the demo check's rule PYSEC-1, for example:")
    assert "Upgrade flask to a version that is not affected: 2.2.5." in pysec["help"]["text"]
    assert pysec["helpUri"] == "https://osv.dev/vulnerability/PYSEC-1"
    assert [r["properties"]["security-severity"] for r in rules.values()] == ["7.0", "0.1", "9.8"]
    assert all(PASCAL.match(r["name"]) and r["name"] != r["id"] for r in rules.values())


def test_the_gate_s_own_rules_are_described() -> None:
    assert set(GATE_RULE_DOCS) == {gate.CONFIG_CHANGED, gate.UNSAFE_PATH}
    assert all(doc.get("fix") and doc.get("description") for doc in GATE_RULE_DOCS.values())


# --- the real gate, validated by the SARIF Multitool -----------------------------------------------

def multitool() -> Path:
    """The Multitool's binary, found as its npm package documents (``require('@microsoft/sarif-multitool')``
    is its path). Its ``bin`` wrapper runs the binary through a shell, which would split ``Sarif;Gh``."""
    node = shutil.which("node")
    done = subprocess.run([node, "-e", "process.stdout.write(require('@microsoft/sarif-multitool'))"],
                          cwd=MULTITOOL_PREFIX, capture_output=True, text=True, timeout=60) if node else None
    if done is None or done.returncode != 0 or not Path(done.stdout).is_file():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("the SARIF Multitool is not installed under CI: .ci/test.sh installs it into .ci/node_modules")
        pytest.skip("the SARIF Multitool is not installed (run the sarif multitool block of .ci/test.sh); CI never skips this")
    return Path(done.stdout)


def validate(tool: Path, sarif: Path) -> list[str]:
    """Every error and warning the Multitool reports, with SARIF's and GitHub's rules."""
    log = sarif.with_suffix(".validation.sarif")
    config = sarif.with_suffix(".validation.xml")
    config.write_text(OFFLINE_CONFIG)
    # It exits 0 whatever it finds: what it found is read from its own SARIF log.
    done = subprocess.run([str(tool), "validate", str(sarif), "--rule-kind", RULE_KINDS, "--level", "Error;Warning",
                           "--config", str(config), "--output", str(log), "--log", "ForceOverwrite"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and log.is_file(), done.stdout + done.stderr
    problems = []
    for run in json.loads(log.read_text("utf-8"))["runs"]:
        for result in run.get("results", []):
            level = result.get("level", "warning")
            if level in ("error", "warning"):
                message = result["message"]
                problems.append(f"{level} {result['ruleId']}/{message.get('id', '')}: "
                                f"{message.get('text') or ' '.join(map(str, message.get('arguments', [])))}")
    return problems


def run_gate(project: Path, sarif: Path) -> dict[str, Any]:
    done = subprocess.run([str(BIN / "gatecheck"), "run", str(project), "--no-cache", "-q", "-f", f"sarif:{sarif}"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr
    doc: dict[str, Any] = json.loads(sarif.read_text("utf-8"))
    return doc


#: A project rule with semgrep's own help conventions, to show they are carried through.
SEMGREP_RULE = {"rules": [{
    "id": "team.engine-at-import", "languages": ["python"], "severity": "WARNING",
    "message": "A database engine is created at import time; create it in the application factory.",
    "metadata": {"shortDescription": "Engine created at import", "help": "## Engine at import\n\nUse a factory.",
                 "source": "https://rules.example.invalid/engine-at-import",
                 "cwe": ["CWE-1188: Insecure Default Initialization of Resource"]},
    "pattern": "create_engine(...)",
}]}


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[Path, dict[str, Any]]]]:
    """The example's SARIF with every check, run twice: as its own root, and as services/webapp of a
    git repository (with a project semgrep rule)."""
    base = tmp_path_factory.mktemp("sarif-github")
    plain = base / "webapp"
    shutil.copytree(EXAMPLE, plain, ignore=shutil.ignore_patterns(".gatecheck"))
    repo = base / "repo"
    sub = repo / "services" / "webapp"
    shutil.copytree(EXAMPLE, sub, ignore=shutil.ignore_patterns(".gatecheck"))
    (sub / "semgrep-rules").mkdir()
    (sub / "semgrep-rules" / "team.yaml").write_text(yaml.safe_dump(SEMGREP_RULE))
    (sub / "gatecheck.toml").write_text((sub / "gatecheck.toml").read_text()
                                        + '\n[checks.sast]\nrules = ["semgrep-rules"]\n')
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "example")
    yield {"plain": (base / "plain.sarif", run_gate(plain, base / "plain.sarif")),
           "subdir": (base / "subdir.sarif", run_gate(sub, base / "subdir.sarif"))}


def rules_of(doc: dict[str, Any], check: str) -> dict[str, dict[str, Any]]:
    run = next(r for r in doc["runs"] if r["tool"]["driver"]["name"] == f"gatecheck/{check}")
    return {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}


@pytest.mark.parametrize("which", ["plain", "subdir"])
def test_the_multitool_with_github_rules_finds_nothing(gated: dict[str, tuple[Path, dict[str, Any]]], which: str) -> None:
    path, doc = gated[which]
    assert {r["properties"]["status"] for r in doc["runs"]} == {"ok"}, "every check ran"
    assert validate(multitool(), path) == []


def test_the_multitool_catches_what_github_rejects(gated: dict[str, tuple[Path, dict[str, Any]]],
                                                   tmp_path: Path) -> None:
    """The validation is not vacuous: a rule without help, a result without a location, a rule
    named by its id are each reported."""
    _, doc = gated["plain"]
    broken = copy.deepcopy(doc)
    rule = broken["runs"][0]["tool"]["driver"]["rules"][0]
    del rule["help"]
    rule["name"] = rule["id"]
    del broken["runs"][0]["results"][0]["locations"]
    path = tmp_path / "broken.sarif"
    path.write_text(json.dumps(broken))
    problems = validate(multitool(), path)
    assert any(p.startswith("error GH2012/Error_MissingHelp: runs[0].tool.driver.rules[0]") for p in problems), problems
    assert any(p.startswith("error GH1015/Error_MissingLocationsArray: runs[0].results[0]") for p in problems), problems
    assert any(p.startswith("warning SARIF1001/") for p in problems), problems
    # and nothing else: the rest of the document is as clean as before
    assert all("runs[0].tool.driver.rules[0]" in p or "runs[0].results[0]" in p for p in problems), problems


def test_every_rule_and_result_has_what_github_shows(gated: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    for which, (_, doc) in gated.items():
        for run in doc["runs"]:
            driver = run["tool"]["driver"]
            assert driver["informationUri"] and driver["rules"], (which, driver["name"])
            for rule in driver["rules"]:
                assert PASCAL.match(rule["name"]) and rule["name"] != rule["id"], rule["name"]
                for field in ("shortDescription", "fullDescription"):
                    assert 0 < len(rule[field]["text"]) <= 1024, (rule["id"], field)
                assert rule["help"]["text"] and rule["help"]["markdown"], rule["id"]
                assert 0 < float(rule["properties"]["security-severity"]) <= 10, rule["id"]
                assert "security" in rule["properties"]["tags"]
            for result in run["results"]:
                (location,) = result["locations"]
                physical = location["physicalLocation"]
                assert physical["artifactLocation"]["uri"] and physical["region"]["startLine"] >= 1
                assert result["partialFingerprints"]["gatecheck/v1"] == result["properties"]["gatecheck_id"]
    subdir = gated["subdir"][1]
    assert all(uri.startswith("services/webapp/") for uri in uris(subdir)), uris(subdir)
    stale = [r for run in subdir["runs"] for r in run["results"] if r["ruleId"] == "sca/database-stale"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in stale] == ["services/webapp/"]


def test_rule_metadata_comes_from_where_the_rules_live(gated: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    doc = gated["subdir"][1]
    # sast: the rule files' messages and references; semgrep's own help, short description and source
    sast = rules_of(doc, "sast")
    for path in (REPO / "plugins" / "sast" / "rules" / "python").glob("*.yaml"):
        for rule in yaml.safe_load(path.read_text())["rules"]:
            if rule["id"] in sast:
                meta = rule.get("metadata", {})
                assert sast[rule["id"]]["fullDescription"]["text"].startswith(" ".join(rule["message"].split())[:1000])
                expected = meta.get("source") or meta.get("source-rule-url") or (meta.get("references") or [None])[0]
                if expected:
                    assert sast[rule["id"]]["helpUri"] == expected
    assert any(rule_id.startswith("gatecheck.python.") for rule_id in sast)
    team = sast["team.engine-at-import"]
    assert team["help"]["text"] == team["help"]["markdown"] == "## Engine at import\n\nUse a factory."
    assert team["shortDescription"]["text"] == "Engine created at import"
    assert team["helpUri"] == "https://rules.example.invalid/engine-at-import"
    assert "external/cwe/cwe-1188" in team["properties"]["tags"]
    # secrets: the rules file's descriptions, and what to do about a leaked credential
    builtin = tomllib.loads((REPO / "plugins" / "secrets" / "rules.toml").read_text())["rules"]
    secrets = rules_of(doc, "secrets")
    for rule in builtin:
        if rule["id"] in secrets:
            assert rule["description"] in secrets[rule["id"]]["shortDescription"]["text"]
            assert "revoke or rotate" in secrets[rule["id"]]["help"]["text"]
    assert secrets
    # sca: the OSV record's details, aliases and references, and the upgrade that fixes it
    sca = rules_of(doc, "sca")
    with zipfile.ZipFile(EXAMPLE / "osv" / "PyPI-extract.zip") as db:
        record = json.loads(db.read("PYSEC-2023-62.json"))
    flask = sca["PYSEC-2023-62"]
    assert flask["fullDescription"]["text"].startswith(" ".join(record["details"].split())[:200])
    assert "CVE-2023-30861" in flask["fullDescription"]["text"] + flask["help"]["text"]
    assert "How to fix: Upgrade flask to a release that is not affected (2.2.5, 2.3.2)" in flask["help"]["text"]
    assert flask["helpUri"] == "https://osv.dev/vulnerability/PYSEC-2023-62"
    assert "How to fix" in sca["sca/database-stale"]["help"]["text"]
    # migrations: the rule catalogue's why and safe pattern
    from gatecheck_plugins.migrations.rules import RULES
    for rule_id, rule in rules_of(doc, "migrations").items():
        assert RULES[rule_id].why.split(".")[0] in rule["fullDescription"]["text"]
        assert RULES[rule_id].safe in rule["help"]["text"]
    # sarif: the producing tool's own rule metadata, carried through
    eslint = rules_of(doc, "sarif")["ESLint/no-eval"]
    assert eslint["shortDescription"]["text"] == "Disallow the use of `eval()`"
    assert eslint["helpUri"] == "https://eslint.org/docs/latest/rules/no-eval"
    assert eslint["properties"]["security-severity"] == "8.1"
