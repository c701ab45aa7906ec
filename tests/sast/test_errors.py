"""Fail closed: bad rules, semgrep failures, skipped files and timeouts are never "no findings"."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from gatecheck.checks import CheckTimeout
from gatecheck.errors import CheckFailed
from gatecheck_plugins.sast.check import SastCheck
from gatecheck_plugins.sast.semgrep import _parse

GOOD_RULE = """
rules:
  - id: team.no-print
    languages: [python]
    severity: LOW
    message: print() in library code
    pattern: print(...)
"""


def run(root: Path, sast: Any, **options: Any) -> Any:
    return SastCheck().run(sast.context(root, options))


def test_malformed_rule_yaml_names_file_and_line(tmp_path: Path, sast: Any) -> None:
    root = tmp_path / "p"
    sast.write(root, {"a.py": "x = 1\n", "rules/team.yaml": "rules:\n  - id: x\n    languages: [python\n    severity: LOW\n"})
    with pytest.raises(CheckFailed) as err:
        run(root, sast, rules=["rules"])
    assert err.value.bad_input
    assert str(err.value).startswith("rules/team.yaml:4: invalid YAML")


def test_a_rule_file_whose_aliases_expand_without_bound_is_refused(tmp_path: Path, sast: Any) -> None:
    """Rules go to semgrep with their aliases expanded: a project's rule file may not expand a few
    lines into millions of nodes (or use duplicate keys, where the last would silently win)."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8))
    root = tmp_path / "p"
    sast.write(root, {"a.py": "x = 1\n", "rules/bomb.yaml": bomb + "rules: []\n",
                      "rules2/dup.yaml": "rules: []\nrules: []\n"})
    for rules, expected in ((["rules"], "rules/bomb.yaml"), (["rules2"], "rules2/dup.yaml:2: duplicate key 'rules'")):
        with pytest.raises(CheckFailed) as err:
            run(root, sast, rules=rules)
        assert err.value.bad_input and str(err.value).startswith(expected), str(err.value)


def test_rule_without_languages_and_duplicate_ids_are_bad_input(tmp_path: Path, sast: Any) -> None:
    root = tmp_path / "p"
    sast.write(root, {
        "a.py": "x = 1\n",
        "rules/one.yaml": GOOD_RULE,
        "rules/two.yaml": "rules:\n  - id: other\n    languages: [python]\n    severity: LOW\n    message: m\n    pattern: f()\n"
                          "  - id: broken\n    severity: LOW\n    message: m\n    pattern: g()\n",
        "dup/x.yaml": GOOD_RULE,
    })
    with pytest.raises(CheckFailed) as err:
        run(root, sast, rules=["rules"])
    assert err.value.bad_input and str(err.value).startswith("rules/two.yaml:7: rule 'broken' needs a non-empty 'languages'")
    with pytest.raises(CheckFailed) as err:
        run(root, sast, rules=["rules/one.yaml", "dup"])
    assert str(err.value) == "dup/x.yaml:2: rule id 'team.no-print' is already defined at rules/one.yaml:2"


@pytest.mark.slow
def test_pattern_semgrep_rejects_is_a_check_error_at_the_rule(tmp_path: Path, sast: Any) -> None:
    root = tmp_path / "p"
    sast.write(root, {
        "a.py": "print(1)\n",
        "rules/team.yaml": GOOD_RULE + "  - id: team.bad\n    languages: [python]\n    severity: LOW\n"
                                       "    message: m\n    pattern: eval((\n",
    })
    with pytest.raises(CheckFailed) as err:
        run(root, sast, rules=["rules"], builtin_rules=False)
    assert err.value.bad_input
    assert str(err.value).startswith("rules/team.yaml:7: semgrep rejected rule 'team.bad'")


def test_no_rules_at_all_is_bad_input(tmp_path: Path, sast: Any) -> None:
    root = tmp_path / "p"
    sast.write(root, {"a.py": "x = 1\n"})
    with pytest.raises(CheckFailed, match="nothing would be checked") as err:
        run(root, sast, builtin_rules=False)
    assert err.value.bad_input


def test_missing_ignore_file_and_scan_path_are_bad_input(tmp_path: Path, sast: Any) -> None:
    root = tmp_path / "p"
    sast.write(root, {"a.py": "x = 1\n"})
    with pytest.raises(CheckFailed, match=r"ignore file \.semgrepignore-team not found"):
        run(root, sast, ignore_files=[".semgrepignore-team"])
    with pytest.raises(CheckFailed, match=r"checks\.sast\.paths: src does not exist"):
        run(root, sast, paths=["src"])


def test_nothing_to_scan_is_skipped_not_ok(tmp_path: Path, sast: Any) -> None:
    root = tmp_path / "p"
    sast.write(root, {"README.md": "no code here\n"})
    result = run(root, sast)
    assert result.status == "skipped"
    assert result.error.startswith("no files to scan matching *.py")


NOTHING_SCANNED = [
    ({".semgrepignore": "*\n"}, {}, [], "2 by .semgrepignore"),
    ({".semgrepignore": "# ours\n:include team.ignore\n", "team.ignore": "lib/\n*.py\n"}, {}, [], "2 by .semgrepignore"),
    ({"team.ignore": "*.py\n"}, {"ignore_files": ["team.ignore"]}, [], "2 by team.ignore"),
    ({}, {"exclude": ["lib/", "a.py"]}, [], "2 by checks.sast.exclude"),
    ({}, {}, ["*.py", "lib/*"], "2 by run.exclude"),
    ({".semgrepignore": "lib/\n"}, {"max_file_bytes": 3}, [], "1 by .semgrepignore, 1 by max_file_bytes (too large)"),
]


@pytest.mark.parametrize(("files", "options", "run_exclude", "reason"), NOTHING_SCANNED,
                         ids=["semgrepignore-star", "included", "ignore_files", "exclude", "run-exclude", "mixed"])
def test_ignore_rules_that_leave_out_every_file_are_an_error_not_a_skip(
    tmp_path: Path, sast: Any, files: dict[str, str], options: dict[str, Any], run_exclude: list[str], reason: str
) -> None:
    """Issue 15, attack 7: ``*`` in a .semgrepignore made the check ``skipped`` (a warning) and the gate passed."""
    root = tmp_path / "p"
    sast.write(root, {"a.py": "eval(payload)\n", "lib/b.py": "eval(payload)\n", **files})
    result = SastCheck().run(sast.context(root, options, exclude=run_exclude))
    assert result.status == "error"
    assert result.error.startswith(f"nothing scanned: all 2 candidate file(s) were left out ({reason})")
    assert result.findings == []
    assert result.summary["files_candidates"] == 2 and result.summary["files_scanned"] == 0


def test_rules_in_unknown_languages_need_include(tmp_path: Path, sast: Any) -> None:
    root = tmp_path / "p"
    sast.write(root, {"a.py": "x = 1\n", "rules/r.yaml": GOOD_RULE.replace("[python]", "[generic]")})
    with pytest.raises(CheckFailed, match=r"language\(s\) generic have no known file types"):
        run(root, sast, rules=["rules"], builtin_rules=False)


@pytest.mark.slow
def test_too_large_file_is_reported_and_strict_mode_fails(tmp_path: Path, sast: Any) -> None:
    root = tmp_path / "p"
    sast.write(root, {"small.py": "print(1)\n", "big.py": "print(2)\n" + "x = 1\n" * 400})
    result = run(root, sast, max_file_bytes=1000)
    assert result.status == "ok"
    assert result.summary["files_scanned"] == 1
    assert result.summary["skipped_files"][0]["path"] == "big.py"
    assert result.summary["warnings"] == ["big.py: not scanned (larger than max_file_bytes (2409 > 1000))"]
    with pytest.raises(CheckFailed, match=r"^big\.py: not scanned \(larger than max_file_bytes .*strict mode"):
        run(root, sast, max_file_bytes=1000, strict=True)


def test_deadline_kills_semgrep_and_times_out(tmp_path: Path, sast: Any) -> None:
    # Enough code that semgrep is still scanning when the deadline passes (about 30k lines: several
    # seconds; semgrep's own start-up is a quarter of a second).
    root = tmp_path / "p"
    body = "".join(f"def f{i}(request, x):\n    y = request.args.get('q') + x\n    return eval(y)\n" for i in range(100))
    sast.write(root, {f"pkg/m{n}.py": body for n in range(100)})
    ctx = sast.context(root, {}, timeout=1.0)
    started = time.monotonic()
    with pytest.raises(CheckTimeout):
        SastCheck().run(ctx)
    assert time.monotonic() - started < 10


def test_semgrep_per_file_errors_become_problems_and_fatal_ones_raise() -> None:
    """semgrep's JSON error objects (shape from its semgrep_output_v1 schema)."""
    per_file = (
        b'{"version": "1.182.0", "results": [], "paths": {"scanned": ["b.py"], "skipped": '
        b'[{"path": "c.py", "reason": "too_big"}]}, "errors": [{"code": 3, "level": "warn", '
        b'"type": ["PartialParsing", [{"path": "b.py"}]], "path": "b.py", "message": "Syntax error at line b.py:3"},'
        b'{"code": 3, "level": "warn", "type": "Timeout", "rule_id": "r1", "path": "b.py", "message": "Timeout"}]}'
    )
    out = _parse(0, per_file, b"")
    assert [(p.kind, p.path, p.rule_id) for p in out.problems] == [
        ("PartialParsing", "b.py", None), ("Timeout", "b.py", "r1"),
    ]
    assert out.skipped == [{"path": "c.py", "reason": "too_big"}]
    fatal = (b'{"version": "1", "results": [], "errors": '
             b'[{"code": 2, "level": "error", "type": "SemgrepError", "message": "boom"}]}')
    with pytest.raises(CheckFailed, match="semgrep failed \\(exit status 2\\): boom"):
        _parse(2, fatal, b"")
    with pytest.raises(CheckFailed, match="without a JSON report: killed"):
        _parse(-9, b"", b"killed\n")
