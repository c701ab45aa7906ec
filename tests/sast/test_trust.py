"""The change under judgement cannot switch the sast check off (issue 15): the check's part.

Each test plays a pull request against a real git repository, through the real CLI and real
semgrep: the PR branch edits the files that decide what sast scans or forgives (.semgrepignore,
rule files, nosemgrep comments) and the gate must not be fooled by it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SHELL = "gatecheck.python.command-injection"
PICKLE = "gatecheck.python.pickle-load"
VULNERABLE = """
import subprocess

from flask import request


def run():
    return subprocess.check_output("report " + request.args["name"], shell=True)
"""
TEAM_RULE = """
rules:
  - id: team.no-print
    languages: [python]
    severity: LOW
    message: print() in library code; use the logger
    pattern: print(...)
"""


def commit(sast: Any, root: Path, message: str) -> None:
    sast.git(root, "add", "-A")
    sast.git(root, "commit", "-q", "-m", message)


@pytest.fixture
def pr(tmp_path: Path, sast: Any) -> Callable[[dict[str, str], dict[str, str]], Path]:
    """A repository whose ``main`` holds ``base`` and whose checked-out branch ``pr`` adds ``change``."""

    def make(base: dict[str, str], change: dict[str, str]) -> Path:
        root = tmp_path / "repo"
        sast.write(root, base)
        sast.git(root, "init", "-q", "-b", "main")
        commit(sast, root, "base")
        sast.git(root, "checkout", "-q", "-b", "pr")
        sast.write(root, change)
        commit(sast, root, "the change under judgement")
        return root

    return make


def gate(cli: Callable[..., Any], root: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    """Run ``gatecheck run ROOT --check sast ARGS``: exit code, JSON report, standard error."""
    out = root.parent / "report.json"
    out.unlink(missing_ok=True)
    result = cli("run", str(root), "--check", "sast", "-q", "-f", f"json:{out}", *args)
    return result.exit_code, json.loads(out.read_text()) if out.is_file() else {}, result.stderr


def result_of(report: dict[str, Any], check: str) -> dict[str, Any]:
    return next((r for r in report["results"] if r["check"] == check), {"findings": []})


def rules_of(result: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["location"]["path"], f["rule_id"]) for f in result["findings"]}


# ------------------------------------------------- attack 7: a .semgrepignore that ignores everything


@pytest.mark.slow
def test_a_semgrepignore_the_change_adds_cannot_switch_sast_off(pr: Any, cli: Callable[..., Any]) -> None:
    root = pr({"app/__init__.py": "", "app/safe.py": "x = 1\n"},
              {".semgrepignore": "*\n", "app/run.py": VULNERABLE})

    # Trusted mode: the .semgrepignore comes from main (which has none), so the finding is judged...
    code, report, stderr = gate(cli, root, "--trusted-ref", "main")
    assert code == 1, stderr
    sast = result_of(report, "sast")
    assert sast["status"] == "ok"
    assert ("app/run.py", SHELL) in rules_of(sast)
    finding = next(f for f in sast["findings"] if f["rule_id"] == SHELL)
    assert finding["id"] in {d["finding_id"] for d in report["decision"]["deny"]}
    assert sast["summary"]["ignored"]["count"] == 0
    # ...and the reviewer is told the change edits the gate's configuration.
    assert (".semgrepignore", "gatecheck/config-changed") in rules_of(result_of(report, "gatecheck"))

    # Without a trusted source the tree's .semgrepignore applies, and scanning nothing is not a pass.
    code, report, stderr = gate(cli, root)
    assert code == 1, stderr
    sast = result_of(report, "sast")
    assert sast["status"] == "error"
    assert sast["error"].startswith("nothing scanned: all 3 candidate file(s) were left out (3 by .semgrepignore)")
    assert any(d["rule"] == "gatecheck.check_failed" and d["check"] == "sast" for d in report["decision"]["deny"])


@pytest.mark.slow
def test_trusted_mode_reads_ignore_and_rule_files_from_the_ref_only(pr: Any, cli: Callable[..., Any]) -> None:
    base = {
        "gatecheck.toml": 'version = 1\n\n[checks.sast]\nrules = ["rules"]\n',
        "rules/team.yaml": TEAM_RULE,
        ".semgrepignore": ":include ignores/generated\n",
        "ignores/generated": "generated/\n",
        "app/log.py": "x = 1\n",
        "lib/util.py": "x = 1\n",
        "generated/api.py": "eval(payload)\n",
    }
    change = {
        # The change narrows the team rule to nothing and ignores app/ through the included file.
        "rules/team.yaml": TEAM_RULE.replace("pattern: print(...)", "pattern: never_called_anywhere(...)"),
        "ignores/generated": "generated/\napp/\n",
        "app/log.py": "print('secret state')\n",
    }
    root = pr(base, change)
    _, report, stderr = gate(cli, root, "--trusted-ref", "main")
    sast = result_of(report, "sast")
    assert rules_of(sast) == {("app/log.py", "team.no-print")}, stderr
    assert sast["summary"]["ignored"]["by"] == {"main:.semgrepignore": 1}
    finding = sast["findings"][0]
    assert finding["metadata"]["rule_file"] == "main:rules/team.yaml"
    changed = {f["location"]["path"] for f in result_of(report, "gatecheck")["findings"]
               if f["rule_id"] == "gatecheck/config-changed"}
    assert {"rules/team.yaml", "ignores/generated"} <= changed

    # The same tree judged by its own configuration uses the change's versions.
    _, report, stderr = gate(cli, root)
    sast = result_of(report, "sast")
    assert sast["status"] == "ok", stderr
    assert rules_of(sast) == set()
    assert sast["summary"]["ignored"]["by"] == {".semgrepignore": 2}


# ------------------------------------------------------------------- suppressions the change adds


SUPPRESSED_ON_MAIN = """
import pickle


def load(blob):
    return pickle.loads(blob)  # nosemgrep: pickle-load -- blob comes from our own signed cache
"""
SUPPRESSED_BY_PR = """
import subprocess

from flask import request


def run():
    # nosemgrep: command-injection -- name is checked against an allow-list
    return subprocess.check_output("report " + request.args["name"], shell=True)
"""


def suppressions(report: dict[str, Any]) -> list[tuple[str, int, str, bool | None]]:
    return sorted((s["path"], s["line"], s["rule_id"], s["new"]) for s in result_of(report, "sast")["suppressions"])


@pytest.fixture
def suppressing_pr(pr: Any) -> Path:
    # The change also edits cache.py, so diff-aware mode rescans the file with the old comment.
    return pr({"app/cache.py": SUPPRESSED_ON_MAIN},
              {"app/run.py": SUPPRESSED_BY_PR, "app/cache.py": SUPPRESSED_ON_MAIN + "\n\nVERSION = 2\n"})


@pytest.mark.slow
def test_a_nosemgrep_the_change_adds_is_listed_as_new_and_warned_about(
    suppressing_pr: Path, cli: Callable[..., Any]
) -> None:
    code, report, stderr = gate(cli, suppressing_pr, "--trusted-ref", "main")
    assert code == 0, stderr
    sast = result_of(report, "sast")
    # Only the inventory of the modules the files import is left, at info (reported, never judged).
    assert {(f["rule_id"], f["severity"]) for f in sast["findings"]} == {("gatecheck.python.risky-module-import", "info")}
    assert suppressions(report) == [("app/cache.py", 5, PICKLE, False), ("app/run.py", 7, SHELL, True)]
    added = next(s for s in sast["suppressions"] if s["new"])
    assert added["reason"] == "name is checked against an allow-list"
    assert added["severity"] == "critical" and added["kind"] == "inline"
    assert added["finding_id"] == next(s["finding_id"] for s in sast["summary"]["suppressed"]
                                       if s["rule_id"] == SHELL)
    warned = [w for w in report["decision"]["warn"] if w["rule"] == "gatecheck.suppression_added"]
    assert len(warned) == 1 and warned[0]["message"].startswith("app/run.py:7: the change adds an inline suppression")


@pytest.mark.slow
def test_diff_aware_mode_marks_new_suppressions_itself(suppressing_pr: Path, cli: Callable[..., Any]) -> None:
    # No --trusted-ref, so the core knows no base; --baseline-ref gives the check one.
    code, report, stderr = gate(cli, suppressing_pr, "--baseline-ref", "main")
    assert code == 0, stderr
    assert suppressions(report) == [("app/cache.py", 5, PICKLE, False), ("app/run.py", 7, SHELL, True)]
    assert [w["rule"] for w in report["decision"]["warn"]].count("gatecheck.suppression_added") == 1
    # With no base at all nobody can tell, and says so.
    code, report, stderr = gate(cli, suppressing_pr)
    assert code == 0, stderr
    assert suppressions(report) == [("app/cache.py", 5, PICKLE, None), ("app/run.py", 7, SHELL, None)]


# ------------------------------------------------------- paths in repository configuration


def project(tmp_path: Path, sast: Any, config: str) -> Path:
    """A project with a vulnerable file, the given gatecheck.toml, and rule and ignore files outside it."""
    sast.write(tmp_path, {"outside/team.yaml": TEAM_RULE, "outside/ignore": "*\n"})
    root = tmp_path / "p"
    sast.write(root, {"app.py": "print(1)\n", "gatecheck.toml": config.format(outside=tmp_path / "outside")})
    return root


OUTSIDE = [
    ('[checks.sast]\nrules = ["/etc/x.yaml"]\n', "checks.sast.rules[0]", 4),
    ('[checks.sast]\nrules = ["{outside}/team.yaml"]\n', "checks.sast.rules[0]", 4),
    ('[checks.sast]\nrules = ["rules", "../outside/team.yaml"]\n', "checks.sast.rules[1]", 4),
    ('[checks.sast]\nignore_files = [\n  "../outside/ignore",\n]\n', "checks.sast.ignore_files[0]", 4),
    ('[checks.sast]\nignore_files = ["{outside}/ignore"]\n', "checks.sast.ignore_files[0]", 4),
    ('[checks.sast]\npaths = ["../outside"]\n', "checks.sast.paths[0]", 4),
]


@pytest.mark.parametrize(("table", "key", "line"), OUTSIDE)
def test_repository_configuration_naming_files_outside_the_tree_is_bad_input(
    tmp_path: Path, sast: Any, cli: Callable[..., Any], table: str, key: str, line: int
) -> None:
    root = project(tmp_path, sast, "version = 1\n\n" + table)
    (root / "rules").mkdir()
    (root / "rules" / "ok.yaml").write_text(TEAM_RULE.replace("team.no-print", "team.ok"))
    result = cli("run", str(root), "--check", "sast", "-q")
    assert result.exit_code == 2
    assert f"gatecheck.toml:{line}: {key}: " in result.stderr
    assert "outside the repository" in result.stderr


@pytest.mark.parametrize("link", ["rules", "rules/team.yaml"])
def test_a_rules_path_that_is_a_symlink_out_of_the_tree_is_refused(
    tmp_path: Path, sast: Any, cli: Callable[..., Any], link: str
) -> None:
    root = project(tmp_path, sast, 'version = 1\n\n[checks.sast]\nrules = ["rules"]\n')
    if link == "rules":
        (root / "rules").symlink_to(tmp_path / "outside", target_is_directory=True)
    else:  # a directory inside the tree holding a symlinked rule file
        (root / "rules").mkdir()
        (root / "rules" / "team.yaml").symlink_to(tmp_path / "outside" / "team.yaml")
    out = tmp_path / "report.json"
    result = cli("run", str(root), "--check", "sast", "-q", "-f", f"json:{out}")
    assert result.exit_code == 2
    sast_result = result_of(json.loads(out.read_text()), "sast")
    assert sast_result["status"] == "error" and sast_result["findings"] == []
    assert "resolves outside the repository" in sast_result["error"]
    assert sast_result["error"].startswith("checks.sast.rules: " if link == "rules" else "rule file 'rules/team.yaml'")


@pytest.mark.slow
def test_a_symlink_out_of_the_tree_is_not_scanned_but_reported_by_the_gate(
    tmp_path: Path, sast: Any, cli: Callable[..., Any]
) -> None:
    sast.write(tmp_path, {"elsewhere/evil.py": "eval(payload)\n"})
    root = tmp_path / "p"
    sast.write(root, {"app.py": "x = 1\n"})
    (root / "linked.py").symlink_to(tmp_path / "elsewhere" / "evil.py")
    _, report, stderr = gate(cli, root)
    sast_result = result_of(report, "sast")
    assert sast_result["status"] == "ok", stderr
    assert sast_result["findings"] == [] and sast_result["summary"]["files_scanned"] == 1
    assert ("linked.py", "gatecheck/unsafe-path") in rules_of(result_of(report, "gatecheck"))
