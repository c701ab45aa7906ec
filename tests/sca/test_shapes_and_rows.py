"""Issue 17 for the sca check: libraries' ranges, severity from aliases and database fields, titles
that describe the vulnerability, per-file versions, the no-data summary, and --baseline-ref.

Everything runs the real check (pip-audit's auditor, the real OSV extract under tests/data/osv-pypi,
and a real GitHub advisory record under tests/sca/data/osv-ghsa) through the real runner.
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from sca_helpers import DATA

from gatecheck.model import CheckResult
from gatecheck_plugins.sca.osv import SeverityLabel, SeverityVector
from gatecheck_plugins.sca.ranges import declared, verdict
from gatecheck_plugins.sca.severity import rate
from gatecheck_plugins.sca.titles import advisory_title, describes_package

GHSA = Path(__file__).resolve().parent / "data" / "osv-ghsa"


@pytest.fixture(scope="module")
def with_ghsa(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The PYSEC extract plus the real GHSA twin of aiohttp's PYSEC-2021-76, as osv.dev's export holds both."""
    target = tmp_path_factory.mktemp("osv") / "db"
    shutil.copytree(DATA, target)
    shutil.copytree(GHSA / "aiohttp", target / "aiohttp-ghsa")
    return target


def _rule(result: CheckResult, rule: str) -> list:
    return [f for f in result.findings if f.rule_id == rule]


def _library(root: Path, *deps: str) -> None:
    listed = "".join(f'    "{d}",\n' for d in deps)
    (root / "pyproject.toml").write_text(f'[project]\nname = "lib"\nversion = "1.0"\ndependencies = [\n{listed}]\n')


def test_a_library_range_reports_what_it_admits_with_the_bound_that_clears_it(tmp_path, run_sca) -> None:
    _library(tmp_path, "flask>=2.2.0", "pyyaml>=6.0.1", "jinja2>=99")
    result = run_sca(tmp_path)
    assert result.status == "ok", result.error
    assert result.summary["shape"]["kind"] == "library"
    assert not _rule(result, "sca/unpinned-requirement")  # a library's normal ranges are not a finding
    ranged = _rule(result, "sca/range-admits-vulnerable")
    assert {f.package.name for f in ranged} == {"flask"}  # pyyaml>=6.0.1 and jinja2>=99 admit nothing affected
    for finding in ranged:
        assert finding.location.path == "pyproject.toml" and finding.location.start_line == 5
        assert finding.metadata["specifier"] == ">=2.2.0"
        raise_to = finding.metadata["raise_to"]
        if raise_to is not None:
            assert f"raise the lower bound to >={raise_to}" in finding.title
            assert finding.fix.versions == [raise_to]
        # one step below the advisory's own severity
        lowered = {"critical": "high", "high": "medium", "medium": "low", "low": "info", "unknown": "medium"}
        assert finding.severity == lowered[finding.metadata["advisory_severity"]]
    # Every range finding of the package knows the one lower bound that clears them all.
    fixed_by = {f.metadata["fixed_by"] for f in ranged}
    assert len(fixed_by) == 1
    raises = [f.metadata["raise_to"] for f in ranged]
    assert None in raises or fixed_by == {max(raises, key=lambda v: tuple(int(p) for p in v.split(".")))}
    # The advisory's own severity on request.
    same = run_sca(tmp_path, range_severity="advisory")
    assert {f.severity for f in _rule(same, "sca/range-admits-vulnerable")} == \
        {f.metadata["advisory_severity"] for f in ranged}


def test_shape_is_decided_from_the_files_and_overridable(tmp_path, run_sca) -> None:
    (tmp_path / "requirements.txt").write_text("flask>=2\n")
    application = run_sca(tmp_path)
    assert application.summary["shape"]["kind"] == "application"  # requirements alone are deployed
    [unpinned] = _rule(application, "sca/unpinned-requirement")
    assert unpinned.severity == "high"
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = lib\n\n[options]\ninstall_requires =\n    flask>=2\n")
    library = run_sca(tmp_path)
    assert library.summary["shape"] == {"kind": "library", "reason": "setup.cfg declares a package and no lock file "
                                                                     "pins its dependencies"}
    assert not _rule(library, "sca/unpinned-requirement")
    assert {f.location.path for f in _rule(library, "sca/range-admits-vulnerable")} == {"requirements.txt",
                                                                                        "setup.cfg"}
    forced = run_sca(tmp_path, shape="application", unpinned_severity="low")
    assert {f.severity for f in _rule(forced, "sca/unpinned-requirement")} == {"low"}
    # A fully pinned requirements.txt beside the package makes it an application that deploys those pins.
    (tmp_path / "requirements.txt").write_text("flask==2.2.2\n")
    pinned = run_sca(tmp_path)
    assert pinned.summary["shape"]["kind"] == "application"
    assert pinned.summary["paths"] == ["requirements.txt"]  # setup.cfg's range is resolved by the pins


def test_severity_and_title_come_from_the_aliases_record(tmp_path, run_sca, with_ghsa) -> None:
    (tmp_path / "requirements.txt").write_text("aiohttp==3.7.3\n")
    plain = run_sca(tmp_path)
    [alone] = [f for f in plain.findings if f.rule_id == "PYSEC-2021-76"]
    assert alone.severity == "unknown"  # the PYSEC record has no vector and no severity field
    # Its details open with the package's description; the title is the sentence about the flaw.
    assert alone.title == ("aiohttp 3.7.3 is affected: In aiohttp before version 3.7.4 there is an open redirect "
                           "vulnerability.")
    both = run_sca(tmp_path, database=str(with_ghsa))
    [scored] = [f for f in both.findings if f.rule_id == "PYSEC-2021-76"]
    assert scored.severity == "low"  # CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:N/I:L/A:N, 3.1
    assert scored.metadata["severity_source"] == "cvss"
    assert "GHSA-v6wp-4m6f-gcjg" in scored.metadata["severity_detail"]
    assert scored.metadata["alias_records"] == ["GHSA-v6wp-4m6f-gcjg"]
    assert scored.title == ("aiohttp 3.7.3 is affected: `aiohttp` Open Redirect vulnerability "
                            "(`normalize_path_middleware` middleware)")


def test_severity_order_vectors_then_database_fields_then_unknown() -> None:
    ghsa = "GHSA-v6wp-4m6f-gcjg"
    vector = SeverityVector("CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:N/I:L/A:N", ghsa)
    moderate = SeverityLabel("MODERATE", ghsa, "database_specific.severity")
    high = SeverityLabel("HIGH", "PYSEC-1", "affected.ecosystem_specific.severity")
    assert rate([vector], [high]).severity == "low"  # a vector outranks any word
    rated = rate([], [moderate, high])
    assert (rated.severity, rated.source) == ("high", "database")  # the most severe word
    assert rate([], [moderate]).severity == "medium"  # GitHub's MODERATE
    assert rate([SeverityVector("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P")], []).source == "none"
    assert rate([], [SeverityLabel("whatever", "X", "database_specific.severity")]).severity == "unknown"


def test_titles_skip_the_package_description() -> None:
    assert describes_package("Certifi is a curated collection of Root Certificates for validating the "
                             "trustworthiness of SSL certificates.", "certifi")
    assert describes_package("AIOHTTP is an asynchronous HTTP client/server framework for asyncio and Python.",
                             "aiohttp")
    assert not describes_package("aiohttp is vulnerable to request smuggling.", "aiohttp")
    assert describes_package("A toolkit for widgets.", "widgets", package_summary="A toolkit for widgets")
    details = ("cryptography is a package designed to expose cryptographic primitives and recipes to Python "
               "developers. Calling `load_pem_pkcs7_certificates` could lead to a null-pointer dereference.")
    assert advisory_title("cryptography", summary="", details=details) == \
        "Calling `load_pem_pkcs7_certificates` could lead to a null-pointer dereference."


def test_each_file_is_reported_at_its_own_version(tmp_path, run_sca) -> None:
    (tmp_path / "requirements.txt").write_text("pyyaml==5.3\n")
    (tmp_path / "requirements-dev.txt").write_text("# tools\npyyaml==5.1\n")
    result = run_sca(tmp_path)
    found = {(f.location.path, f.package.version) for f in result.findings if f.metadata.get("kind") == "advisory"}
    assert found == {("requirements.txt", "5.3"), ("requirements-dev.txt", "5.1")}
    prod = [f for f in result.findings if f.metadata.get("kind") == "advisory"
            and f.location.path == "requirements.txt"]
    assert all(f.title.startswith("pyyaml 5.3 is affected") for f in prod)
    # One row per package and file: every advisory, and the single version that clears them all.
    [row] = {tuple(f.metadata["package_advisories"]) for f in prod}
    assert sorted(row) == sorted(f.rule_id for f in prod)
    minimums = [min(f.fix.versions, key=lambda v: [int(p) for p in v.split(".")]) for f in prod]
    assert {f.metadata["fixed_by"] for f in prod} == {max(minimums, key=lambda v: [int(p) for p in v.split(".")])}
    assert {(d["path"], d["version"]) for d in prod[0].metadata["declared_versions"]} == {
        ("requirements.txt", "5.3"), ("requirements-dev.txt", "5.1")}


def test_packages_without_data_are_listed(tmp_path, run_sca) -> None:
    (tmp_path / "requirements.txt").write_text("pyyaml==5.3\nsurely-not-a-real-package==1.0\n")
    result = run_sca(tmp_path)
    assert result.summary["no_data"] == [{"name": "surely-not-a-real-package", "versions": ["1.0"], "ranges": []}]


def test_ranges_are_interval_arithmetic_over_pep440() -> None:
    record = {"id": "T", "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "ranges": [
        {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.11.29"}, {"introduced": "2.2"},
                                         {"fixed": "2.2.11"}]}]}]}
    spec = declared
    assert str(verdict(record, "demo", spec(">=1.0")).raise_to) == "2.2.11"  # clears both intervals
    assert verdict(record, "demo", spec(">=2.2.11")) is None
    assert verdict(record, "demo", spec(">=1.11.29,<2.2")) is None
    assert verdict(record, "demo", spec("==2.1.*")) is None
    assert str(verdict(record, "demo", spec("~=2.2")).raise_to) == "2.2.11"
    rc_only = {"id": "R", "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "ranges": [
        {"type": "ECOSYSTEM", "events": [{"introduced": "2.0rc1"}, {"fixed": "2.0"}]}]}]}
    assert verdict(rc_only, "demo", spec(">=1")) is None  # only pre-releases, which installers skip
    open_ended = {"id": "O", "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "ranges": [
        {"type": "ECOSYSTEM", "events": [{"introduced": "3.0"}]}]}]}
    judged = verdict(open_ended, "demo", spec(">=2"))
    assert judged is not None and judged.no_fix and judged.raise_to is None


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", *args], cwd=root, check=True,
                   capture_output=True)


def test_baseline_ref_reports_only_what_the_change_introduces(tmp_path, run_sca) -> None:
    _git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "requirements.txt").write_text("flask==2.2.2\nrequests==2.25.0\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "base")
    _git(tmp_path, "checkout", "-q", "-b", "change")
    # The change bumps flask within its affected range, adds pyyaml, and leaves requests alone.
    (tmp_path / "requirements.txt").write_text("flask==2.2.3\nrequests==2.25.0\npyyaml==5.3\n")
    _git(tmp_path, "commit", "-q", "-am", "change")
    everything = run_sca(tmp_path)
    result = run_sca(tmp_path, baseline_ref="main")
    assert result.status == "ok", result.error
    advisories = [f for f in result.findings if f.metadata.get("kind") == "advisory"]
    assert advisories and {f.package.name for f in advisories} == {"pyyaml"}
    base = result.summary["baseline"]
    before = [f for f in everything.findings if f.metadata.get("kind") == "advisory"]
    assert base["preexisting"] == len(before) - len(advisories) > 0
    assert base["merge_base"] is True and base["files"] == ["requirements.txt"]
    assert any(f.rule_id == "sca/database-stale" for f in result.findings)  # about the gate: always kept
    # A bump *into* an affected version is new.
    (tmp_path / "requirements.txt").write_text("flask==2.2.3\nrequests==2.25.0\npyyaml==5.3\nwerkzeug==2.2.2\n")
    bumped = run_sca(tmp_path, baseline_ref="main")
    assert "werkzeug" in {f.package.name for f in bumped.findings if f.package}
    bad = run_sca(tmp_path, baseline_ref="no-such-ref")
    assert bad.status == "error" and bad.bad_input and "no-such-ref" in bad.error


def test_a_base_file_whose_include_is_missing_counts_as_unreadable(tmp_path, run_sca) -> None:
    # A commit holds files only: an include that is not one of them is a broken base file, not a crash.
    _git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "requirements.txt").write_text("pyyaml==5.3\n-r missing.txt\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "base")
    (tmp_path / "requirements.txt").write_text("pyyaml==5.3\n")
    _git(tmp_path, "commit", "-q", "-am", "fix")
    result = run_sca(tmp_path, baseline_ref="HEAD~1")
    assert result.status == "ok", result.error
    assert result.summary["baseline"]["unreadable_files"] == ["requirements.txt"]
    assert {f.package.name for f in result.findings if f.metadata.get("kind") == "advisory"} == {"pyyaml"}


def test_a_library_project_in_a_pyproject_with_groups(tmp_path, run_sca) -> None:
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""\
        [project]
        name = "demo"
        version = "1"
        dependencies = ["urllib3>=1.26,<3"]
        [project.optional-dependencies]
        socks = ["demo[socks]"]
        [dependency-groups]
        test = ["demo[socks]", "pyyaml>=5.1"]
        """))
    result = run_sca(tmp_path)
    groups = {(f.package.name, f.metadata["group"]) for f in _rule(result, "sca/range-admits-vulnerable")}
    assert ("urllib3", None) in groups and ("pyyaml", "group:test") in groups
    assert "demo" in result.summary["local_packages"]  # the project naming itself is not a dependency


def test_malformed_test_data_is_set_aside_but_the_projects_own_file_is_bad_input(tmp_path, run_sca) -> None:
    (tmp_path / "requirements.txt").write_text("pyyaml==5.3\n")
    fixture = tmp_path / "tests" / "fixtures" / "invalid_lock"
    fixture.mkdir(parents=True)
    (fixture / "poetry.lock").write_text("this is [not toml\n")  # as poetry's own sdist ships one
    result = run_sca(tmp_path)
    assert result.status == "ok", result.error
    assert [u["path"] for u in result.summary["unreadable_test_data"]] == ["tests/fixtures/invalid_lock/poetry.lock"]
    assert "poetry.lock:1" in result.summary["unreadable_test_data"][0]["error"]
    (tmp_path / "poetry.lock").write_text("this is [not toml\n")
    broken = run_sca(tmp_path)
    assert broken.status == "error" and broken.bad_input and "poetry.lock:1" in broken.error


def test_a_setup_cfg_of_tool_settings_is_no_dependency_file_and_not_an_excluded_one(tmp_path, run_sca) -> None:
    """Found on django-oscar 3.2.5: its setup.cfg holds flake8/isort settings and its dependencies are
    in setup.py's code; the check said "all 1 candidate file(s) were left out (1 by run.exclude)" and
    the gate denied a project nothing had excluded. It is a skip that says why."""
    (tmp_path / "setup.cfg").write_text("[flake8]\nmax-line-length = 119\n\n[isort]\nline_length = 79\n")
    (tmp_path / "setup.py").write_text("from setuptools import setup\nsetup(install_requires=['django>=3.2'])\n")
    result = run_sca(tmp_path)
    assert result.status == "skipped", result.error
    assert "setup.cfg declare(s) none" in (result.error or "") and "left out" not in (result.error or "")


def test_a_librarys_own_ci_pins_are_reported_one_step_lower(tmp_path, run_sca) -> None:
    """Found on aiohttp 3.11.10: its requirements/constraints.txt, base.txt and runtime-deps.txt pin its
    CI environment, and 13 advisories of those pins denied a library whose users install its declared
    ranges. They stay findings, one step below the advisory (like a range), and say why; a version the
    package itself pins exactly is what its users get, at the advisory's own severity."""
    _library(tmp_path, "flask==2.2.2", "jinja2>=99")
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "ci.txt").write_text("pyyaml==5.3\nflask==2.2.2\n")
    result = run_sca(tmp_path)
    assert result.status == "ok", result.error
    assert result.summary["shape"]["kind"] == "library"
    lowered = {"critical": "high", "high": "medium", "medium": "low", "low": "info", "unknown": "medium"}
    ci = [f for f in result.findings if f.metadata.get("kind") == "advisory" and f.location.path == "requirements/ci.txt"]
    assert {f.package.name for f in ci} >= {"pyyaml", "flask"}
    for finding in ci:
        assert finding.metadata["library_environment_pin"] is True
        assert finding.severity == lowered[finding.metadata["advisory_severity"]]
        assert "not in its declared dependencies" in finding.title
    own = [f for f in result.findings if f.metadata.get("kind") == "advisory" and f.location.path == "pyproject.toml"]
    assert own and all("library_environment_pin" not in f.metadata for f in own)
    assert {f.rule_id for f in own} == {f.rule_id for f in ci if f.package.name == "flask"}
    # The advisory's own severity on request.
    same = run_sca(tmp_path, library_pin_severity="advisory")
    assert all(f.severity == f.metadata["advisory_severity"] for f in same.findings
               if f.metadata.get("library_environment_pin"))


def test_setup_cfg_references_between_extras_are_expanded_as_setuptools_does(tmp_path, run_sca) -> None:
    """Found on SQLAlchemy 2.0.36: `postgresql_asyncpg = %(asyncio)s asyncpg` in its extras (configparser
    interpolation, which setuptools applies) was "invalid dependency '%(asyncio)s'", exit 2."""
    (tmp_path / "setup.cfg").write_text(
        "[metadata]\nname = lib\n\n[options]\ninstall_requires =\n    typing-extensions>=4.6\n\n"
        "[options.extras_require]\nasyncio =\n    greenlet!=0.4.17\nyaml =\n    %(asyncio)s\n    pyyaml>=5.1\n"
        "discount = pyyaml>=5.1 ; python_version >= '3.8'\n")
    result = run_sca(tmp_path)
    assert result.status == "ok", result.error
    groups = {(f.package.name, f.metadata["group"]) for f in _rule(result, "sca/range-admits-vulnerable")}
    assert ("pyyaml", "extra:yaml") in groups
    # A name that is not there, and references that grow without end, are bad input naming the file.
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = lib\n\n[options.extras_require]\nx =\n    %(nothing)s\n")
    missing = run_sca(tmp_path)
    assert missing.status == "error" and missing.bad_input and "setup.cfg:6" in (missing.error or "")
    bomb = "[metadata]\nname = lib\n\n[options.extras_require]\ntop = %(a9)s\na0 = pyyaml\n" + "".join(
        f"a{i} = {('%(a' + str(i - 1) + ')s ') * 20}\n" for i in range(1, 10))
    (tmp_path / "setup.cfg").write_text(bomb)
    grown = run_sca(tmp_path)
    assert grown.status == "error" and grown.bad_input and "expand beyond" in (grown.error or "")
