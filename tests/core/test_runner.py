"""The runner: concurrency, timeouts, errors, invalid results, ordering and the result cache."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from testchecks import (
    AfterCheck,
    CountingCheck,
    DictResultCheck,
    FailingCheck,
    HangCheck,
    InvalidResultCheck,
    RaisingCheck,
    SleepCheck,
    SubprocessHangCheck,
    WrongTypeCheck,
)

from gatecheck.cache import ResultCache
from gatecheck.runner import CheckRun, RunSettings, run_checks


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "a.txt").write_text("fine\nTODO: fix\n")
    (root / "b.txt").write_text("TODO one\nTODO two\n")
    return root


def settings(root: Path, **kw: object) -> RunSettings:
    return RunSettings(root=root, **kw)  # type: ignore[arg-type]


def test_checks_run_concurrently(project: Path) -> None:
    runs = [CheckRun(SleepCheck(f"s{i}", 0.4), timeout=10) for i in range(4)]
    start = time.monotonic()
    results = run_checks(runs, settings(project, jobs=4))
    elapsed = time.monotonic() - start
    assert [r.status for r in results] == ["ok"] * 4
    assert elapsed < 1.2, f"4 x 0.4 s checks with 4 jobs took {elapsed:.2f}s: not concurrent"


def test_jobs_limit_is_respected(project: Path) -> None:
    runs = [CheckRun(SleepCheck(f"s{i}", 0.3), timeout=10) for i in range(4)]
    start = time.monotonic()
    run_checks(runs, settings(project, jobs=2))
    assert time.monotonic() - start >= 0.55


def test_hanging_check_times_out_and_the_run_goes_on(project: Path) -> None:
    runs = [CheckRun(HangCheck("hang"), timeout=0.3), CheckRun(CountingCheck("count"), timeout=10)]
    start = time.monotonic()
    results = run_checks(runs, settings(project))
    assert time.monotonic() - start < 2.0
    hang, count = results
    assert hang.status == "timeout" and "timed out after 0.3s" in (hang.error or "")
    assert count.status == "ok" and len(count.findings) == 3


def test_subprocess_is_killed_at_the_deadline(project: Path, tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    [result] = run_checks([CheckRun(SubprocessHangCheck("sub", pidfile), timeout=0.5)], settings(project))
    assert result.status == "timeout"
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        # a killed child of ours stays a zombie until reaped; check its state
        stat = Path(f"/proc/{pid}/stat")
        if stat.exists() and stat.read_text().split()[2] == "Z":
            break
        time.sleep(0.05)
    else:
        pytest.fail("the tool's process survived the check's timeout")


@pytest.mark.parametrize(
    ("check", "fragment"),
    [
        (RaisingCheck("raise"), "raised KeyError: 'boom'"),
        (FailingCheck("fail"), "scanner database missing"),
        (InvalidResultCheck("invalid"), "returned an invalid result"),
        (WrongTypeCheck("wrongtype"), "returned list, not a CheckResult"),
    ],
)
def test_misbehaving_checks_become_errors(project: Path, check: object, fragment: str) -> None:
    runs = [CheckRun(check, timeout=5), CheckRun(CountingCheck("count"), timeout=5)]  # type: ignore[arg-type]
    bad, good = run_checks(runs, settings(project))
    assert bad.status == "error"
    assert fragment in (bad.error or "")
    assert bad.findings == []
    assert good.status == "ok"


def test_a_mapping_result_is_accepted(project: Path) -> None:
    [result] = run_checks([CheckRun(DictResultCheck("d"), timeout=5)], settings(project))
    assert result.status == "ok" and result.summary == {"from": "dict"} and result.check == "d"


def test_after_orders_checks_and_passes_results(project: Path) -> None:
    runs = [CheckRun(AfterCheck("second"), timeout=5), CheckRun(CountingCheck("first"), timeout=5)]
    second, first = run_checks(runs, settings(project, jobs=4))
    assert second.summary == {"seen": {"first": 3}}
    assert first.status == "ok"


def test_warm_run_is_served_from_the_cache(project: Path, tmp_path: Path) -> None:
    check = CountingCheck("count")
    cache_dir = tmp_path / "cache"
    cold = run_checks([CheckRun(check, timeout=5)], settings(project, cache=ResultCache(cache_dir)))[0]
    warm = run_checks([CheckRun(check, timeout=5)], settings(project, cache=ResultCache(cache_dir)))[0]
    assert check.calls == 1
    assert not cold.cached and warm.cached
    assert [f.id for f in warm.findings] == [f.id for f in cold.findings]
    assert [i.path for i in warm.inputs] == ["a.txt", "b.txt"]


def test_cache_key_covers_inputs_options_and_version(project: Path, tmp_path: Path) -> None:
    check = CountingCheck("count")
    cache_dir = tmp_path / "cache"

    def run(options: dict[str, object] | None = None) -> None:
        run_checks([CheckRun(check, options=options or {}, timeout=5)], settings(project, cache=ResultCache(cache_dir)))

    run()
    run()
    assert check.calls == 1
    (project / "a.txt").write_text("TODO changed\n")
    run()
    assert check.calls == 2, "a changed input must miss the cache"
    run({"severity": "high"})
    assert check.calls == 3, "changed options must miss the cache"
    check.version = "2.0"
    run({"severity": "high"})
    assert check.calls == 4, "a new check version must miss the cache"


def test_errors_are_not_cached(project: Path, tmp_path: Path) -> None:
    check = RaisingCheck("raise")
    cache_dir = tmp_path / "cache"
    for _ in range(2):
        [result] = run_checks([CheckRun(check, timeout=5)], settings(project, cache=ResultCache(cache_dir)))
        assert result.status == "error" and not result.cached


def test_no_cache_always_runs(project: Path) -> None:
    check = CountingCheck("count")
    for _ in range(2):
        run_checks([CheckRun(check, timeout=5)], settings(project, cache=None))
    assert check.calls == 2


def test_scanners_never_see_the_secrets_in_the_gates_environment(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tool a check starts (semgrep, git) gets the environment without secret-named variables."""
    from gatecheck.checks import CheckContext

    monkeypatch.setenv("GATECHECK_SIGNING_KEY", "-----BEGIN PRIVATE KEY----- signing-key-value")
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_token-value-for-the-job")
    monkeypatch.setenv("BUILD_LABEL", "ordinary-value")
    ctx = CheckContext(root=project, options={})
    shown = ctx.run_command(["env"]).stdout.decode() + ctx.git(["var", "GIT_AUTHOR_IDENT"]).stderr.decode()
    assert "signing-key-value" not in shown and "ghs_token-value" not in shown
    assert "BUILD_LABEL=ordinary-value" in shown and "PATH=" in shown


def test_results_come_back_annotated_and_sealed_and_the_cache_stores_that_document(project: Path, tmp_path: Path) -> None:
    seen: list[list[str]] = []

    def annotate(final: list[object]) -> None:
        seen.append([r.check for r in final])  # type: ignore[attr-defined]
        for result in final:
            for finding in result.findings:  # type: ignore[attr-defined]
                assert finding.location is not None
                finding.location.kind = "test"

    cache_dir = tmp_path / "cache"
    [result] = run_checks([CheckRun(CountingCheck("count"), timeout=5)],
                          settings(project, cache=ResultCache(cache_dir), annotate=annotate))
    assert seen == [["count"]]
    document = result.to_dict()
    assert document is result.to_dict()  # built once, shared by every consumer
    assert document["findings"][0] is result.findings[0].to_dict()
    assert {f["location"]["kind"] for f in document["findings"]} == {"test"}
    stored = next((cache_dir / "results").rglob("*.json")).read_text("utf-8")
    assert '"kind":"test"' in stored and '"cached":false' in stored
    assert document["cached"] is False


def test_each_result_and_finding_becomes_a_document_once_per_run(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 22: validation, the cache, the policy input and the reports all read the one document
    # built when the result is sealed; building it once more for validation would double the cost.
    from gatecheck.model import CheckResult, Finding

    built: list[str] = []
    for cls in (CheckResult, Finding):
        original = cls._document

        def counting(self: Any, _original: Any = original, _name: str = cls.__name__) -> dict[str, Any]:
            built.append(_name)
            return _original(self)  # type: ignore[no-any-return]

        monkeypatch.setattr(cls, "_document", counting)
    cache = ResultCache(project.parent / "cache")
    [result] = run_checks([CheckRun(CountingCheck("count"), timeout=10)], settings(project, cache=cache))
    assert result.status == "ok" and len(result.findings) == 3
    result.to_dict()
    assert sorted(built) == ["CheckResult"] + ["Finding"] * 3
