"""The example project through the real CLI, and the result cache around the sast check."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gatecheck.cache import ResultCache, cache_directory, cache_key, collect_inputs, split_inputs
from gatecheck.runner import CheckRun, RunSettings, run_checks
from gatecheck_plugins.sast.check import SastCheck


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if needle in line)


@pytest.mark.slow
def test_example_webapp_problems_are_found_through_the_cli(example_copy: Path, cli: Callable[..., Any]) -> None:
    out = example_copy / "report.json"
    # Only this check's configuration, so the test does not depend on the other checks' plugins.
    config = example_copy / "sast-only.toml"
    config.write_text('version = 1\n\n[run]\nfail_on = "high"\n\n[checks.sast]\nexclude = ["*.toml"]\n')
    result = cli("run", str(example_copy), "-c", str(config), "--check", "sast", "-q", "-f", f"json:{out}")
    assert result.exit_code == 1  # high-severity findings deny at fail_on = "high"
    report = json.loads(out.read_text())
    sast = next(r for r in report["results"] if r["check"] == "sast")
    assert sast["status"] == "ok"
    # The inventory of risky imports (info, never judged) is not what this test is about.
    found = {(f["location"]["path"], f["location"]["start_line"], f["rule_id"]) for f in sast["findings"]
             if f["severity"] != "info"}
    views = example_copy / "app" / "views.py"
    # Request data (route parameters, request.data) reaching the sinks: the data-flow rules report
    # them, and the API-level rules at the same places (sql-string-formatting, yaml-unsafe-load,
    # pickle-load, subprocess-shell-true) are subsumed by them.
    expected = {
        ("app/views.py", line_of(views, "conn.execute(text(query))"), "gatecheck.python.sql-injection"),
        ("app/views.py", line_of(views, "yaml.load("), "gatecheck.python.insecure-deserialization"),
        ("app/views.py", line_of(views, "pickle.loads("), "gatecheck.python.insecure-deserialization"),
        ("app/views.py", line_of(views, "shell=True"), "gatecheck.python.command-injection"),
        ("app/views.py", line_of(views, "verify=False"), "gatecheck.python.tls-verify-disabled"),
        ("app/views.py", line_of(views, "verify=False"), "gatecheck.python.request-without-timeout"),
        ("app/views.py", line_of(views, "hashlib.md5"), "gatecheck.python.weak-hash"),
        ("app/views.py", line_of(views, 'host="0.0.0.0"'), "gatecheck.python.bind-all-interfaces"),
        ("app/views.py", line_of(views, 'host="0.0.0.0"'), "gatecheck.python.flask-debug-enabled"),
        ("app/settings.py", line_of(example_copy / "app" / "settings.py", "DEBUG = True"),
         "gatecheck.python.django-debug-true"),
    }
    assert expected <= found
    # Nothing else in views.py: the safe file-writing helper is not flagged, and no finding is reported
    # twice, by a data-flow rule and by the API rule it subsumes.
    assert {f for f in found if f[0] == "app/views.py"} == {e for e in expected if e[0] == "app/views.py"}
    denied = {d["finding_id"] for d in report["decision"]["deny"]}
    by_rule = {f["rule_id"]: f for f in sast["findings"]}
    assert by_rule["gatecheck.python.sql-injection"]["severity"] == "critical"
    assert by_rule["gatecheck.python.sql-injection"]["id"] in denied
    assert all(re.fullmatch(r"[0-9a-f]{32}", f["id"]) for f in sast["findings"])


@pytest.mark.slow
def test_unchanged_rerun_is_a_cache_hit_and_changed_inputs_change_the_key(
    tmp_path: Path, sast: Any, private_result_cache: Path
) -> None:
    root = tmp_path / "p"
    sast.write(root, {"a.py": "eval(x)\n", "rules/team.yaml": "rules:\n  - id: team.no-print\n    languages: [python]\n"
                                                              "    severity: LOW\n    message: print\n    pattern: print(...)\n"})
    cache = ResultCache(cache_directory(root, None))

    def once() -> Any:
        settings = RunSettings(root=root, cache=cache, work_dir=tmp_path / "work")
        return run_checks([CheckRun(SastCheck(), {"rules": ["rules"]}, timeout=180)], settings)[0]

    first = once()
    assert first.status == "ok" and not first.cached
    assert [f.rule_id for f in first.findings] == ["gatecheck.python.eval-exec-dynamic"]
    inputs = {i.path for i in first.inputs}
    assert {"a.py", "rules/team.yaml"} <= inputs
    assert any(p.endswith("python/code-injection.yaml") for p in inputs)
    second = once()
    assert second.cached and [f.id for f in second.findings] == [f.id for f in first.findings]
    # The cache lives where the operator's environment says (GATECHECK_CACHE_DIR), never in the tree.
    assert list((private_result_cache / "results").rglob("*.json"))
    assert not (root / ".gatecheck").exists()

    # A changed rule file, an added source file or a changed ignore file is a different key.
    def key() -> str:
        check = SastCheck()
        ctx = sast.context(root, {"rules": ["rules"]})
        ctx.prepared = check.prepare(ctx)
        files, facts = split_inputs(check.inputs(ctx))
        assert facts == {}  # no baseline_ref, no base commit
        return cache_key("sast", SastCheck.version, {"rules": ["rules"]},
                         collect_inputs(files, ctx.relpath, cache.memo))

    unchanged = key()
    rule = root / "rules" / "team.yaml"
    rule.write_text(rule.read_text().replace("pattern: print(...)", "pattern: eval(...)"))
    after_rule = key()
    (root / "b.py").write_text("x = 1\n")
    after_source = key()
    (root / ".semgrepignore").write_text("b.py\n")
    after_ignore = key()
    assert len({unchanged, after_rule, after_source, after_ignore}) == 4
