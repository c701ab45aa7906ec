"""The sast check end to end on a small project: what is scanned, suppressions, fingerprints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gatecheck.model import CheckResult
from gatecheck_plugins.sast.check import SastCheck
from gatecheck_plugins.sast.findings import BARE_NOSEMGREP

PROJECT = {
    "app/main.py": """
        import pickle
        import subprocess


        def load(blob):
            return pickle.loads(blob)


        def run(name):
            return subprocess.check_output("report " + name, shell=True)


        def again(blob):
            return pickle.loads(blob)


        def trusted(blob):
            return pickle.loads(blob)  # nosemgrep: gatecheck.python.pickle-load -- blob comes from our own signed cache


        def trusted_above(name):
            # nosemgrep: subprocess-shell-true -- name is validated against an allow-list above
            return subprocess.check_output("report " + name, shell=True)


        def bare(blob):
            return pickle.loads(blob)  # nosemgrep


        def no_reason(code):
            return eval(code)  # nosemgrep: gatecheck.python.eval-exec-dynamic


        def wrong_rule(code):
            return eval(code)  # nosemgrep: gatecheck.python.pickle-load -- wrong rule named
        """,
    # semgrep's built-in ignore list would skip all three of these without a word.
    "tests/test_helpers.py": "import yaml\n\ndata = yaml.load(open('x'))\n",
    "build/lib/gen.py": "import os\n\nos.system('rm ' + name)\n",
    "vendor/lib.py": "import hashlib\n\nh = hashlib.md5(b'x').hexdigest()\n",
    # Ignored on purpose by the project's .semgrepignore: left out, but reported.
    "generated/api.py": "eval(payload)\n",
    ".semgrepignore": "generated/\n",
    "README.txt": "eval(not python)\n",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, sast: Any) -> Path:
    root = tmp_path_factory.mktemp("sast") / "project"
    sast.write(root, PROJECT)
    return root


@pytest.fixture(scope="module")
def result(project: Path, sast: Any) -> CheckResult:
    return SastCheck().run(sast.context(project))


def by_rule(result: CheckResult, path: str | None = None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in result.findings:
        if path is None or (f.location and f.location.path == path):
            counts[f.rule_id] = counts.get(f.rule_id, 0) + 1
    return counts


def test_scans_directories_semgrep_would_silently_skip(result: CheckResult) -> None:
    assert result.status == "ok"
    assert by_rule(result, "tests/test_helpers.py") == {"gatecheck.python.yaml-unsafe-load": 1}
    assert by_rule(result, "build/lib/gen.py") == {"gatecheck.python.os-system-injection": 1}
    assert by_rule(result, "vendor/lib.py") == {"gatecheck.python.weak-hash": 1}
    assert result.summary["files_scanned"] == 4
    assert result.summary["warnings"] == []


def test_project_semgrepignore_is_applied_and_reported(result: CheckResult) -> None:
    assert by_rule(result, "generated/api.py") == {}
    assert result.summary["ignored"] == {"count": 1, "by": {".semgrepignore": 1}, "paths": ["generated/api.py"]}


def test_suppression_with_rule_and_reason_is_listed_not_dropped(result: CheckResult) -> None:
    suppressed = {(s["rule_id"], s["reason"]) for s in result.summary["suppressed"]}
    assert suppressed == {
        ("gatecheck.python.pickle-load", "blob comes from our own signed cache"),
        ("gatecheck.python.subprocess-shell-true", "name is validated against an allow-list above"),
    }
    assert result.summary["suppressed_count"] == 2
    suppressed_ids = {s["finding_id"] for s in result.summary["suppressed"]}
    assert not suppressed_ids & {f.id for f in result.findings}


def test_bare_and_incomplete_nosemgrep_do_not_suppress_and_are_reported(result: CheckResult) -> None:
    main = by_rule(result, "app/main.py")
    # load, again, bare: the bare comment suppresses nothing.
    assert main["gatecheck.python.pickle-load"] == 3
    # no_reason and wrong_rule both still report their eval.
    assert main["gatecheck.python.eval-exec-dynamic"] == 2
    assert main["gatecheck.python.subprocess-shell-true"] == 1
    bare = [f for f in result.findings if f.rule_id == BARE_NOSEMGREP]
    assert sorted(f.title.split(";")[0] for f in bare) == [
        "nosemgrep comment gives no reason",
        "nosemgrep comment names no rule and gives no reason",
    ]
    assert all(f.severity == "medium" for f in bare)
    unused = result.summary["unused_suppressions"]
    assert [u["rules"] for u in unused] == [["gatecheck.python.pickle-load"]]


def test_findings_carry_rule_metadata(result: CheckResult) -> None:
    finding = next(f for f in result.findings if f.rule_id == "gatecheck.python.subprocess-shell-true")
    # No request data reaches the command: the API use is reported for review, not as an injection.
    assert finding.severity == "medium"
    assert finding.confidence == "medium"
    assert finding.metadata["cwe"] == ["CWE-78"]
    assert finding.metadata["owasp"] == ["A03:2021 - Injection"]
    assert finding.metadata["class"] == "command-injection"
    assert "https://cwe.mitre.org/data/definitions/78.html" in finding.references
    assert finding.location is not None and finding.location.path == "app/main.py"
    assert finding.metadata["rule_file"] == "gatecheck_plugins/sast/rules/python/command-injection.yaml"
    assert result.tool is not None and result.tool.name == "semgrep" and result.tool.version[0].isdigit()


def test_identical_matches_in_one_file_get_distinct_ids(result: CheckResult) -> None:
    ids = [f.id for f in result.findings]
    assert len(ids) == len(set(ids))


def test_ids_survive_moved_code_and_follow_content(result: CheckResult, tmp_path: Path, sast: Any) -> None:
    moved = tmp_path / "project"
    sast.write(moved, {k: v for k, v in PROJECT.items() if k.startswith(("app/", "vendor/"))})
    main = moved / "app" / "main.py"
    # Shift everything down, re-indent nothing, add spaces inside one call, change another.
    text = main.read_text().replace("def run(name):\n    return subprocess.check_output(\"report \" + name, shell=True)",
                                    "def run(name):\n    return subprocess.check_output(\"report \"   +   name,  shell=True)")
    main.write_text("# a new header comment\n\n\n" + text)
    (moved / "vendor" / "lib.py").write_text("import hashlib\n\nh = hashlib.md5(b'y').hexdigest()\n")
    again = SastCheck().run(sast.context(moved, {"ignore_files": []}))
    before = {f.id: f for f in result.findings if f.location and f.location.path == "app/main.py"}
    after = {f.id: f for f in again.findings if f.location and f.location.path == "app/main.py"}
    assert set(before) == set(after)
    assert {f.location.start_line for f in after.values()} != {f.location.start_line for f in before.values()}
    old_md5 = next(f.id for f in result.findings if f.location and f.location.path == "vendor/lib.py")
    new_md5 = next(f.id for f in again.findings if f.location and f.location.path == "vendor/lib.py")
    assert old_md5 != new_md5


def test_debug_true_is_left_alone_in_development_and_test_settings(tmp_path: Path, sast: Any) -> None:
    """Found on wagtail's project template: settings/dev.py sets DEBUG = True, as development
    settings do, and was denied; production settings and a plain settings.py still are found."""
    files = {rel: "DEBUG = True\n" for rel in (
        "site/settings/dev.py", "site/settings/local.py", "site/settings/test.py", "site/test_settings.py",
        "site/settings_local.py", "site/settings/production.py", "site/settings/base.py", "other/settings.py")}
    sast.write(tmp_path, files)
    result = SastCheck().run(sast.context(tmp_path))
    flagged = sorted(f.location.path for f in result.findings
                     if f.location and f.rule_id == "gatecheck.python.django-debug-true")
    assert flagged == ["other/settings.py", "site/settings/base.py", "site/settings/production.py"]
