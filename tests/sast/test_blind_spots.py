"""No silent blind spots: syntax semgrep's parser lacks is rewritten and still analysed, files it
cannot parse or skips are findings, and diff-aware mode starts semgrep once."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from gatecheck.checks import CheckContext
from gatecheck.model import CheckResult
from gatecheck_plugins.sast.check import SastCheck
from gatecheck_plugins.sast.fallback import candidate, rewrite
from gatecheck_plugins.sast.findings import FALLBACK_ANALYSIS, INCOMPLETE_ANALYSIS
from gatecheck_plugins.sast.shadow import LineMap

# Every line of these functions is in a file with a `match` statement, which makes semgrep fall
# back to a parser whose string literals lose their quotes (the weak-hash rule's literal test then
# fails silently) for the whole file.
MATCHING = """
import hashlib
import os

from flask import request


def dispatch(kind):
    match kind:
        case "legacy":
            digest = hashlib.new("sha1")
        case {"cmd": cmd} if cmd:
            os.system("run " + cmd)
        case _:
            digest = None
    return digest


@app.route("/tool")
def tool():
    match request.args.get("tool"):
        case str(name):
            os.system("tool --name " + name)
    return hashlib.new("md5").hexdigest()
"""


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory, sast: Any) -> CheckResult:
    root = tmp_path_factory.mktemp("blind") / "p"
    sast.write(root, {"app/matching.py": MATCHING, "app/broken.py": "x = = 1\neval(x)\n",
                      "app/recovered.py": "def f(:\n    pass\n",
                      "app/plain.py": "import hashlib\n\nhashlib.new('sha1')\n"})
    return SastCheck().run(sast.context(root))


def found(result: CheckResult, path: str) -> set[tuple[int, str]]:
    return {(f.location.start_line, f.rule_id) for f in result.findings if f.location and f.location.path == path}


@pytest.mark.slow
def test_rules_keep_working_in_a_file_with_a_match_statement(scanned: CheckResult) -> None:
    lines = MATCHING.lstrip("\n").splitlines()

    def line(text: str) -> int:
        return next(i for i, line in enumerate(lines, start=1) if text in line)

    assert {
        (line('hashlib.new("sha1")'), "gatecheck.python.weak-hash"),
        (line('hashlib.new("md5")'), "gatecheck.python.weak-hash"),
        # Data flow from the match subject into a case body is kept through the rewrite.
        (line('"tool --name "'), "gatecheck.python.command-injection"),
        (line("match kind:"), FALLBACK_ANALYSIS),
    } <= found(scanned, "app/matching.py")
    fallback = next(f for f in scanned.findings if f.rule_id == FALLBACK_ANALYSIS)
    assert fallback.severity == "info"
    assert scanned.summary["fallback"] == [
        {"path": "app/matching.py", "constructs": ["match statement (line 8)", "match statement (line 20)"]}]


@pytest.mark.slow
def test_findings_in_rewritten_files_point_at_the_original_code(scanned: CheckResult, sast: Any) -> None:
    """Fingerprints are taken from the original bytes: the same code in a file without a match
    statement has the same matched text (ids differ only by path)."""
    hashes = [f for f in scanned.findings if f.rule_id == "gatecheck.python.weak-hash"]
    assert {f.location.path for f in hashes if f.location} == {"app/matching.py", "app/plain.py"}
    assert all(f.metadata["column"] is not None for f in hashes)


@pytest.mark.slow
def test_a_file_semgrep_cannot_parse_is_a_finding_and_a_warning(scanned: CheckResult) -> None:
    incomplete = {f.location.path: f for f in scanned.findings if f.rule_id == INCOMPLETE_ANALYSIS and f.location}
    assert sorted((path, f.severity) for path, f in incomplete.items()) == [
        ("app/broken.py", "medium"), ("app/recovered.py", "low")]
    assert "could not fully analyse this file: PartialParsing" in incomplete["app/broken.py"].title
    assert any(w.startswith("app/broken.py: PartialParsing") for w in scanned.summary["warnings"])
    # semgrep recovers from this one without a word; Python's parser tells.
    assert incomplete["app/recovered.py"].title.startswith("Python cannot parse this file (")
    assert incomplete["app/recovered.py"].location.start_line == 1


@pytest.mark.slow
def test_a_file_too_large_to_scan_is_a_finding(tmp_path: Path, sast: Any) -> None:
    root = tmp_path / "p"
    sast.write(root, {"small.py": "x = 1\n", "big.py": "x = 1\n" * 400})
    result = SastCheck().run(sast.context(root, {"max_file_bytes": 1000}))
    assert [(f.rule_id, f.location.path) for f in result.findings if f.location] == [(INCOMPLETE_ANALYSIS, "big.py")]
    assert "not scanned (larger than max_file_bytes" in result.findings[0].title


def test_rewrite_keeps_every_line_and_binds_captures() -> None:
    text = MATCHING.lstrip("\n")
    assert candidate(text.encode())
    rewritten = rewrite(text)
    assert rewritten is not None
    before, after = text.splitlines(), rewritten.text.splitlines()
    assert len(before) == len(after)
    changed = [i + 1 for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    # Only the match and case headers change.
    assert changed == [8, 9, 11, 13, 20, 21]
    assert after[20].strip() == "for name in ([(__gc_subject_20,)]):"
    ast.parse(rewritten.text)  # what semgrep's main parser reads is valid Python 3.8+ syntax


def test_rewrite_handles_python_3_12_syntax_and_leaves_other_files_alone() -> None:
    text = "type Pairs[T] = list[tuple[T, T]]\n\n\ndef first[T](items: list[T]) -> T:\n    return items[0]\n\n" \
           "class Box[T]:\n    pass\n\n\nfor x in *a, *b:\n    pass\n"
    rewritten = rewrite(text)
    assert rewritten is not None
    assert [c.kind for c in rewritten.constructs] == ["type alias", "type parameters", "type parameters",
                                                      "starred for iterable"]
    assert rewritten.text.splitlines()[0] == "Pairs = list[tuple[T, T]]"
    assert "def first(items" in rewritten.text and "class Box:" in rewritten.text
    assert "for x in (*a, *b):" in rewritten.text
    plain = "match = re.match(p, s)\nmatch.group(0)\ntype(x)\n"
    assert rewrite(plain) is None


def test_line_map_carries_offsets_back_to_the_original() -> None:
    original = b"match x:\n    case 1:\n        eval(y)\n"
    shadow = b"for __gc in [x]:\n    if (True):\n        eval(y)\n"
    lines = LineMap(original, shadow)
    at = shadow.index(b"eval(y)")
    assert lines.offset(at) == original.index(b"eval(y)")
    assert lines.offset(at + 7, end=True) == original.index(b"eval(y)") + 7
    # A position on a rewritten header maps to that header's line in the original.
    assert lines.offset(shadow.index(b"True")) == original.index(b"    case")


class CountingContext(CheckContext):
    """A check context that counts the commands the check starts (and runs them)."""

    commands: list[list[str]]

    def run_command(self, argv: Any, **kwargs: Any) -> Any:
        self.commands.append([str(a) for a in argv])
        return super().run_command(argv, **kwargs)


@pytest.mark.slow
def test_diff_aware_mode_starts_semgrep_once_and_judges_base_files_by_their_path(
    tmp_path: Path, sast: Any
) -> None:
    root = tmp_path / "repo"
    team_rule = ("rules:\n  - id: team.app-eval\n    languages: [python]\n    severity: HIGH\n    message: eval in app code\n"
                 "    paths:\n      include: [\"app/*.py\"]\n    pattern: eval(...)\n")
    sast.write(root, {"app/a.py": "eval(x)\n", "lib/b.py": "eval(x)\n", "rules/team.yaml": team_rule})
    sast.git(root, "init", "-q", "-b", "main")
    sast.git(root, "add", "-A")
    sast.git(root, "commit", "-q", "-m", "base")
    (root / "app" / "a.py").write_text("# changed\neval(x)\neval(z)\n")
    (root / "lib" / "b.py").write_text("# changed\neval(x)\n")
    base = sast.context(root, {"baseline_ref": "main", "rules": ["rules"]})
    ctx = CountingContext(**{f: getattr(base, f) for f in base.__dataclass_fields__})
    ctx.commands = []
    result = SastCheck().run(ctx)
    semgrep_runs = [c for c in ctx.commands if Path(c[0]).name == "semgrep"]
    assert len(semgrep_runs) == 1
    new = sorted((f.location.path, f.location.start_line, f.rule_id) for f in result.findings if f.location)
    # eval(x) in both files existed at the base; the team rule's anchored include judged the base
    # version of app/a.py as app/a.py (it saw the pre-existing match there too).
    assert new == [("app/a.py", 3, "gatecheck.python.eval-exec-dynamic"), ("app/a.py", 3, "team.app-eval")]
    assert result.summary["baseline"]["preexisting"] == 3
    assert result.summary["baseline"]["message"].startswith("3 pre-existing finding(s) in the 2 changed file(s) set aside")


@pytest.mark.slow
def test_rule_paths_are_matched_against_the_project_relative_path_inside_a_monorepo(
    tmp_path: Path, sast: Any
) -> None:
    # The project is a directory of a larger git repository that happens to sit under tests/.
    # A rule excluding tests/ must judge the project's own paths: src/app.py is in, the project's
    # tests/ directory is out. semgrep's native front end, left to find the project root itself,
    # matches against the path from the git root and drops both.
    monorepo = tmp_path / "mono"
    root = monorepo / "tests" / "service"
    sast.write(root, {"src/app.py": "def f(x):\n    assert x, 'checked'\n",
                      "tests/test_app.py": "def test_f():\n    assert 1, 'fine'\n"})
    sast.git(monorepo, "init", "-q", "-b", "main")
    result = SastCheck().run(sast.context(root))
    asserts = sorted(f.location.path for f in result.findings if f.location and f.rule_id.endswith(".assert-used"))
    assert asserts == ["src/app.py"]
