"""Hostile input (issue 21): every parser answers bad input with exit 2 and file:line, within bounded
time and memory. Each case runs the real `gatecheck` in a process of its own, measured with wait4:
under 10 s and 500 MB of resident memory."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "gatecheck"
MAX_SECONDS = 10.0
MAX_RSS_MB = 500.0


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    seconds: float
    rss_mb: float


def gatecheck(*args: str, cwd: Path | None = None) -> Outcome:
    """Run gatecheck and measure it: wall time and the child's own peak resident memory."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        pid = os.posix_spawn(str(BIN), [str(BIN), *args], {**os.environ},
                             file_actions=[(os.POSIX_SPAWN_DUP2, out.fileno(), 1), (os.POSIX_SPAWN_DUP2, err.fileno(), 2)]) \
            if cwd is None else _spawn_in(cwd, args, out.fileno(), err.fileno())
        _, status, usage = os.wait4(pid, 0)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        return Outcome(os.waitstatus_to_exitcode(status), out.read().decode(), err.read().decode(), seconds,
                       usage.ru_maxrss / 1024)


def _spawn_in(cwd: Path, args: tuple[str, ...], out: int, err: int) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.chdir(cwd)
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.execv(str(BIN), [str(BIN), *args])
    return pid


def assert_bad_input(outcome: Outcome, *fragments: str) -> None:
    assert outcome.code == 2, outcome.stdout + outcome.stderr
    assert "internal error" not in outcome.stderr and "Traceback" not in outcome.stderr
    for fragment in fragments:  # a check's bad-input error is in the report (stdout), the CLI's on stderr
        assert fragment in outcome.stderr + outcome.stdout, outcome.stderr + outcome.stdout
    assert outcome.seconds < MAX_SECONDS, f"took {outcome.seconds:.1f}s"
    assert outcome.rss_mb < MAX_RSS_MB, f"used {outcome.rss_mb:.0f} MB"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "gatecheck.toml").write_text('version = 1\n[checks.sarif]\nfiles = ["*.sarif"]\n')
    return root


def test_a_configuration_nested_five_thousand_levels_deep(project: Path) -> None:
    (project / "gatecheck.toml").write_text("version = 1\nx = " + "[" * 5000 + "]" * 5000 + "\n")
    for command in (["config", "validate", str(project)], ["run", str(project), "-q"]):
        assert_bad_input(gatecheck(*command), "gatecheck.toml", "nested more than")


@pytest.mark.parametrize("expires", ["9999-12-31", "0001-01-01T00:00:00+01:00"])
def test_waiver_dates_at_the_ends_of_the_calendar(project: Path, expires: str) -> None:
    (project / "gatecheck.waivers.toml").write_text(
        f'[[waivers]]\nid = "W1"\nreason = "reviewed, harmless"\nowner = "team-web"\nexpires = {expires}\n'
        'match = { rule = "x" }\n')
    for command in (["waivers", "list", str(project)], ["run", str(project), "-q", "--check", "sarif"]):
        assert_bad_input(gatecheck(*command), "gatecheck.waivers.toml:5")


@pytest.mark.parametrize(("setting", "key"), [
    ("[waivers]\nmax_days = 999999999999\n", "waivers.max_days"),
    ("[run]\ntimeout = 1e308\n", "run.timeout"),
    ("[run]\ntimeout = nan\n", "run.timeout"),
    ("[run]\ntimeout = inf\n", "run.timeout"),
    ("[checks.sarif]\ntimeout = nan\n", "checks.sarif.timeout"),
])
def test_numbers_out_of_range_are_refused_by_validate_and_run(project: Path, setting: str, key: str) -> None:
    (project / "gatecheck.toml").write_text("version = 1\n" + setting)
    for command in (["config", "validate", str(project)], ["run", str(project), "-q", "--check", "sarif"]):
        assert_bad_input(gatecheck(*command), "gatecheck.toml:3", key)


def _alias_bomb(levels: int = 8) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_a_yaml_alias_bomb_in_waivers_is_refused_quickly(project: Path) -> None:
    (project / "gatecheck.waivers.yaml").write_text("waivers: []\n" + _alias_bomb())
    assert_bad_input(gatecheck("run", str(project), "-q", "--check", "sarif"), "gatecheck.waivers.yaml")


def test_a_yaml_alias_bomb_in_policy_data_is_refused_quickly(project: Path, tmp_path: Path) -> None:
    policy = tmp_path / "policy"
    policy.mkdir()
    (policy / "p.rego").write_text('package gatecheck\n\nimport rego.v1\n\ndecision := {"allow": true, "deny": [], '
                                   '"warn": [], "waived": []}\n')
    (policy / "data.yaml").write_text(_alias_bomb())
    assert_bad_input(gatecheck("run", str(project), "-q", "--check", "sarif", "--policy", str(policy)), "data.yaml")


def test_duplicate_keys_in_a_waivers_yaml_are_an_error_naming_the_line(project: Path) -> None:
    (project / "gatecheck.waivers.yaml").write_text(
        "waivers:\n  - id: W1\n    reason: reviewed\n    owner: team\n    expires: 2030-01-01\n    match: {rule: x}\n"
        "    owner: someone-else\n")
    assert_bad_input(gatecheck("waivers", "list", str(project)), "gatecheck.waivers.yaml:7", "duplicate key 'owner'")


@pytest.mark.parametrize(("name", "text"), [
    ("gatecheck.waivers.yaml", "waivers: " + "[" * 3000 + "]" * 3000 + "\n"),
    ("gatecheck.waivers.toml", "waivers = " + "[" * 3000 + "]" * 3000 + "\n"),
])
def test_deeply_nested_waivers_are_refused(project: Path, name: str, text: str) -> None:
    (project / name).write_text(text)
    assert_bad_input(gatecheck("run", str(project), "-q", "--check", "sarif"), name, "nested more than")


def test_deeply_nested_policy_data_json_is_refused(project: Path, tmp_path: Path) -> None:
    policy = tmp_path / "policy"
    policy.mkdir()
    (policy / "p.rego").write_text("package gatecheck\n\nimport rego.v1\n\ndecision := {}\n")
    (policy / "data.json").write_text("[" * 100_000 + "]" * 100_000)
    assert_bad_input(gatecheck("run", str(project), "-q", "--check", "sarif", "--policy", str(policy)),
                     "data.json", "nested more than")


def test_duplicate_keys_in_policy_data_json_are_refused(project: Path, tmp_path: Path) -> None:
    policy = tmp_path / "policy"
    policy.mkdir()
    (policy / "p.rego").write_text("package gatecheck\n\nimport rego.v1\n\ndecision := {}\n")
    (policy / "data.json").write_text('{"gatecheck": {"config": {"severity": {"threshold": "high"},\n'
                                      '"severity": {"threshold": "critical"}}}}\n')
    assert_bad_input(gatecheck("run", str(project), "-q", "--check", "sarif", "--policy", str(policy)),
                     "data.json:2", "duplicate key 'severity'")


def test_the_operator_can_set_a_limit(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "gatecheck.waivers.yaml").write_text(
        "waivers:\n"
        "  - {id: W1, reason: &why 'reviewed by the security team', owner: *why, expires: 2030-01-01, match: {rule: a}}\n"
        "  - {id: W2, reason: *why, owner: *why, expires: 2030-01-01, match: {rule: b}}\n")
    (project / "gatecheck.toml").write_text("version = 1\n[waivers]\nmax_days = 36500\n")
    assert gatecheck("waivers", "list", str(project)).code == 0
    monkeypatch.setenv("GATECHECK_LIMITS", "max_yaml_aliases=2")
    assert_bad_input(gatecheck("waivers", "list", str(project)), "more than 2 aliases")
    monkeypatch.setenv("GATECHECK_LIMITS", "max_yaml_aliases=two")
    assert_bad_input(gatecheck("waivers", "list", str(project)), "GATECHECK_LIMITS")


def _zip(path: Path, members: dict[str, bytes | int]) -> Path:
    """A zip of ``members``; an int is that many spaces, written in chunks so that this process never
    holds them (the child's peak memory, as wait4 reports it, starts from its parent's at fork)."""
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            if isinstance(data, int):
                with zf.open(name, "w", force_zip64=True) as handle:
                    for _ in range(data // (1 << 20)):
                        handle.write(b" " * (1 << 20))
            else:
                zf.writestr(name, data)
    return path


GOOD_RECORD = b'{"id": "PYSEC-0000-1", "affected": []}'


@pytest.mark.parametrize(("what", "members", "fragment"), [
    ("not JSON", {"PyPI/a.json": b"{nope"}, "invalid JSON"),
    ("nested", {"PyPI/a.json": b"[" * 100_000 + b"]" * 100_000}, "nested more than"),
    ("bomb", {"PyPI/bomb.json": 200 * 1024 * 1024}, "inflates to 209715200 bytes"),
    ("ratio", {"PyPI/bomb.json": 8 * 1024 * 1024}, "refused as a zip bomb"),
    ("empty", {"README": b"hi"}, "holds no OSV records"),
])
def test_db_update_refuses_a_bad_download_and_keeps_the_previous_database(
    tmp_path: Path, what: str, members: dict[str, bytes | int], fragment: str,
) -> None:
    database = tmp_path / "osv.zip"
    gatecheck_ok = gatecheck("db", "update", "--url", f"file:{_zip(tmp_path / 'good.zip', {'PyPI/x.json': GOOD_RECORD})}",
                             "--path", str(database))
    assert gatecheck_ok.code == 0, gatecheck_ok.stderr
    before = database.read_bytes()
    bad = _zip(tmp_path / f"{what}.zip", members)
    assert bad.stat().st_size < 2 * 1024 * 1024
    assert_bad_input(gatecheck("db", "update", "--url", f"file:{bad}", "--path", str(database), "--force"), fragment)
    assert database.read_bytes() == before


def test_db_update_from_a_file_that_is_not_a_zip(tmp_path: Path) -> None:
    assert_bad_input(gatecheck("db", "update", "--url", "file:/etc/passwd", "--path", str(tmp_path / "osv.zip")),
                     "not a usable zip file")
    assert not (tmp_path / "osv.zip").exists()


def test_store_search_since_year_one_at_an_offset_is_bad_input(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'store.sqlite'}"
    assert gatecheck("store", "search", "--since", "0001-01-01", "--store", store).code == 0
    assert_bad_input(gatecheck("store", "search", "--since", "0001-01-01T00:00:00+01:00", "--store", store),
                     "outside the years 1 to 9999")


def test_sarif_with_a_string_artifact_location_is_bad_input_naming_the_line(project: Path) -> None:
    (project / "x.sarif").write_text(
        '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},\n'
        ' "results": [{"ruleId": "r", "message": {"text": "m"},\n'
        '   "locations": [{"physicalLocation": {"artifactLocation": "x"}}]}]}]}\n')
    outcome = gatecheck("run", str(project), "-q", "--check", "sarif")
    assert outcome.code == 2 and "AttributeError" not in outcome.stdout + outcome.stderr
    assert outcome.seconds < MAX_SECONDS


def test_valid_or_near_valid_dependency_files_never_crash_a_check(tmp_path: Path) -> None:
    editable = tmp_path / "editable"
    editable.mkdir()
    (editable / "requirements.txt").write_text("-e .\n")
    (editable / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n')
    out = tmp_path / "r.json"
    done = gatecheck("run", str(editable), "-q", "--check", "sbom", "-f", f"json:{out}")
    import json

    assert done.code in (0, 1), done.stderr
    assert {r["check"]: r["status"] for r in json.loads(out.read_text())["results"]}["sbom"] == "ok"
    broken = tmp_path / "pylock"
    broken.mkdir()
    (broken / "pylock.toml").write_text('lock-version = "1.0"\ncreated-by = "x"\npackages = "x"\n')
    assert_bad_input(gatecheck("run", str(broken), "-q", "--check", "sca"), "pylock.toml:3")
