"""Dependency sources: read statically, never resolved by installing; what cannot be audited is a finding."""

from __future__ import annotations

import textwrap
from pathlib import Path

from osv_api_double import reference_affected
from sca_helpers import advisory_pairs


def _expected(records, pins):
    return {(name, r["id"]) for name, version in pins for r in records if reference_affected(r, name, version)}


def _by_rule(result, rule):
    return [f for f in result.findings if f.rule_id == rule]


def test_hashed_requirements_are_audited_and_a_line_without_hash_is_reported(tmp_path, run_sca, osv_records) -> None:
    sha = "sha256:" + "a" * 64
    (tmp_path / "requirements.txt").write_text(textwrap.dedent(f"""\
        # pinned with hashes, as pip-compile --generate-hashes writes them
        urllib3==1.26.4 \\
            --hash={sha}
        pyyaml==5.3 --hash={sha}
        idna==2.8
        """))
    result = run_sca(tmp_path)
    assert result.status == "ok", result.error
    assert advisory_pairs(result) == _expected(osv_records, [("urllib3", "1.26.4"), ("pyyaml", "5.3"), ("idna", "2.8")])
    [missing] = _by_rule(result, "sca/missing-hash")
    assert missing.package.name == "idna"
    assert (missing.location.path, missing.location.start_line) == ("requirements.txt", 5)


def test_unpinned_requirements_are_findings_not_resolved(tmp_path, run_sca) -> None:
    marker = tmp_path / "setup-py-ran"
    (tmp_path / "setup.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    (tmp_path / "requirements.txt").write_text(textwrap.dedent("""\
        requests>=2.0
        flask
        django==3.2.*
        -e .
        https://example.invalid/pkg-1.0.tar.gz
        werkzeug==2.2.2
        -e git+https://example.invalid/y.git#egg=y
        """))
    # A setup.py makes the project a library; as an application its ranges are unpinned findings.
    result = run_sca(tmp_path, unpinned_severity="medium", shape="application")
    assert result.status == "ok", result.error
    assert result.summary["shape"]["kind"] == "application"
    assert not marker.exists()  # nothing was built or installed
    unpinned = {f.package.name: f for f in _by_rule(result, "sca/unpinned-requirement")}
    assert set(unpinned) == {"requests", "flask", "django"}
    assert unpinned["flask"].location.start_line == 2
    assert all(f.severity == "medium" for f in unpinned.values())
    unaudited = _by_rule(result, "sca/unaudited-dependency")
    assert sorted(f.location.start_line for f in unaudited) == [5, 7]
    assert result.summary["local_packages"] == ["."]
    assert {name for name, _ in advisory_pairs(result)} == {"werkzeug"}


def test_invalid_requirement_is_bad_input_with_file_and_line(tmp_path, run_sca) -> None:
    (tmp_path / "requirements-dev.txt").write_text("pytest==8.0\nthis is not == a requirement\n")
    result = run_sca(tmp_path)
    assert result.status == "error"
    assert result.bad_input
    assert "requirements-dev.txt:2" in result.error


def test_lock_files_are_read_statically(tmp_path, run_sca, osv_records) -> None:
    uv = tmp_path / "svc-uv"
    uv.mkdir()
    (uv / "pyproject.toml").write_text('[project]\nname = "svc"\nversion = "0"\ndependencies = ["jinja2>=2"]\n')
    (uv / "uv.lock").write_text(textwrap.dedent("""\
        version = 1
        requires-python = ">=3.11"

        [[package]]
        name = "svc"
        version = "0"
        source = { editable = "." }

        [[package]]
        name = "jinja2"
        version = "2.11.2"
        source = { registry = "https://pypi.org/simple" }
        """))
    poetry = tmp_path / "svc-poetry"
    poetry.mkdir()
    (poetry / "poetry.lock").write_text(textwrap.dedent("""\
        [[package]]
        name = "sqlparse"
        version = "0.4.1"
        description = "A non-validating SQL parser."
        optional = false
        python-versions = ">=3.5"

        [metadata]
        lock-version = "2.0"
        """))
    pylock = tmp_path / "svc-pylock"
    pylock.mkdir()
    (pylock / "pylock.toml").write_text(textwrap.dedent("""\
        lock-version = "1.0"
        created-by = "test"

        [[packages]]
        name = "pillow"
        version = "8.0.0"

        [[packages]]
        name = "local-thing"
        """))
    result = run_sca(tmp_path)
    assert result.status == "ok", result.error
    pins = [("jinja2", "2.11.2"), ("sqlparse", "0.4.1"), ("pillow", "8.0.0")]
    assert advisory_pairs(result) == _expected(osv_records, pins)
    # the pyproject beside uv.lock is covered by the lock: its range is not an "unpinned" finding
    assert not _by_rule(result, "sca/unpinned-requirement")
    [no_version] = _by_rule(result, "sca/unaudited-dependency")
    assert no_version.location.path == "svc-pylock/pylock.toml"
    assert no_version.location.start_line == 9
    jinja = next(f for f in result.findings if f.package and f.package.name == "jinja2")
    assert (jinja.location.path, jinja.location.start_line) == ("svc-uv/uv.lock", 10)
    assert "svc" in result.summary["local_packages"]


def test_pyproject_without_lock(tmp_path, run_sca, osv_records) -> None:
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""\
        [project]
        name = "app"
        version = "1"
        dependencies = [
            "requests==2.25.0",
            "flask>=2",
        ]
        [project.optional-dependencies]
        yaml = ["pyyaml==5.3"]
        [dependency-groups]
        dev = ["pygments==2.5.0"]
        """))
    result = run_sca(tmp_path, shape="application")
    assert result.status == "ok", result.error
    pins = [("requests", "2.25.0"), ("pyyaml", "5.3"), ("pygments", "2.5.0")]
    assert advisory_pairs(result) == _expected(osv_records, pins)
    [unpinned] = _by_rule(result, "sca/unpinned-requirement")
    assert (unpinned.package.name, unpinned.location.start_line) == ("flask", 6)
    # Left to decide, the same file is a library: its range is checked, not reported as unpinned.
    library = run_sca(tmp_path)
    assert library.summary["shape"] == {"kind": "library", "reason": "pyproject.toml declares a package and no lock "
                                                                     "file pins its dependencies"}
    assert advisory_pairs(library) == _expected(osv_records, pins)
    assert not _by_rule(library, "sca/unpinned-requirement")
    assert {f.package.name for f in _by_rule(library, "sca/range-admits-vulnerable")} == {"flask"}


def test_invalid_lock_toml_is_bad_input_with_line(tmp_path, run_sca) -> None:
    (tmp_path / "poetry.lock").write_text('[[package]]\nname = "x"\nversion = \n')
    result = run_sca(tmp_path)
    assert result.status == "error" and result.bad_input
    assert "poetry.lock:3" in result.error


def test_installed_environment(tmp_path, run_sca, osv_records) -> None:
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    for name, version in [("urllib3", "1.26.4"), ("certifi", "2022.12.7"), ("six", "1.16.0")]:
        info = site / f"{name}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (tmp_path / "requirements.txt").write_text("six==1.16.0\n")
    result = run_sca(tmp_path, environment="venv")
    assert result.status == "ok", result.error
    pins = [("urllib3", "1.26.4"), ("certifi", "2022.12.7")]
    assert advisory_pairs(result) == _expected(osv_records, pins)
    assert result.summary["dependencies"] == 3
    urllib3 = next(f for f in result.findings if f.package and f.package.name == "urllib3")
    assert urllib3.metadata["declared_in"][0]["kind"] == "environment"


def test_no_dependency_files_is_skipped_or_an_error_when_required(tmp_path, run_sca) -> None:
    (tmp_path / "app.py").write_text("print('hi')\n")
    assert run_sca(tmp_path).status == "skipped"
    required = run_sca(tmp_path, required=True)
    assert required.status == "error" and "no dependency files" in required.error


def test_finding_ids_do_not_depend_on_lines_but_name_the_file(tmp_path, run_sca) -> None:
    (tmp_path / "requirements.txt").write_text("pyyaml==5.3\n")
    first = {f.rule_id: f.id for f in run_sca(tmp_path).findings}
    (tmp_path / "requirements.txt").write_text("# moved down\n\nPyYAML==5.3\n")
    second = {f.rule_id: f.id for f in run_sca(tmp_path).findings}
    assert first and first == second
    # Each declaring file has its own finding (judged where it is), so another file is another id.
    (tmp_path / "requirements.txt").unlink()
    (tmp_path / "deps").mkdir()
    (tmp_path / "deps" / "requirements.txt").write_text("PyYAML==5.3\n")
    moved = {f.rule_id: f.id for f in run_sca(tmp_path).findings if f.metadata.get("kind") == "advisory"}
    assert set(moved) == {r for r in first if r != "sca/database-stale"}
    assert not set(moved.values()) & set(first.values())


def test_included_requirement_files_are_followed(tmp_path, run_sca, osv_records) -> None:
    (tmp_path / "deps").mkdir()
    (tmp_path / "deps" / "common.txt").write_text("# shared pins\nurllib3==1.26.4\n-r ../requirements.txt\n")
    (tmp_path / "constraints.txt").write_text("six==1.16.0\n")
    (tmp_path / "requirements.txt").write_text("-r deps/common.txt\n-c constraints.txt\npyyaml==5.3\n")
    result = run_sca(tmp_path)
    assert result.status == "ok", result.error
    assert advisory_pairs(result) == _expected(osv_records, [("urllib3", "1.26.4"), ("pyyaml", "5.3")])
    urllib3 = next(f for f in result.findings if f.package and f.package.name == "urllib3")
    assert (urllib3.location.path, urllib3.location.start_line) == ("deps/common.txt", 2)
    (tmp_path / "requirements.txt").write_text("pyyaml==5.3\n-r deps/missing.txt\n")
    missing = run_sca(tmp_path)
    assert missing.status == "error" and missing.bad_input
    assert "requirements.txt:2" in missing.error and "missing.txt" in missing.error


def test_included_files_are_inputs_of_the_cache_key(tmp_path) -> None:
    from gatecheck.checks import CheckContext
    from gatecheck_plugins.sca.check import ScaCheck

    (tmp_path / "deps").mkdir()
    (tmp_path / "deps" / "a.txt").write_text("--requirement=b.txt\n")
    (tmp_path / "deps" / "b.txt").write_text("-r a.txt\nsix==1.16.0\n")
    (tmp_path / "pins.txt").write_text("six==1.16.0\n")
    (tmp_path / "requirements.txt").write_text("-rdeps/a.txt\n--constraint pins.txt\n")
    ctx = CheckContext(root=tmp_path, options={"database": "nowhere"})
    inputs = {p.relative_to(tmp_path).as_posix() for p in ScaCheck().inputs(ctx) if isinstance(p, Path)}
    assert inputs == {"requirements.txt", "deps/a.txt", "deps/b.txt", "pins.txt"}


def test_constraints_pin_open_requirements(tmp_path, run_sca, osv_records) -> None:
    (tmp_path / "constraints.txt").write_text("jinja2==2.11.2\nflask==2.2.2\nrequests==2.25.0\n")
    (tmp_path / "requirements.txt").write_text("-c constraints.txt\njinja2\nflask>=2\nrequests>=2.30\n")
    result = run_sca(tmp_path)
    assert result.status == "ok", result.error
    # jinja2 and flask are pinned by the constraints; requests' constraint contradicts its range
    assert advisory_pairs(result) == _expected(osv_records, [("jinja2", "2.11.2"), ("flask", "2.2.2")])
    [unpinned] = _by_rule(result, "sca/unpinned-requirement")
    assert unpinned.package.name == "requests"
    flask = next(f for f in result.findings if f.package and f.package.name == "flask")
    assert (flask.location.path, flask.location.start_line) == ("requirements.txt", 3)


def test_pyproject_ranges_are_covered_by_a_compiled_requirements_file(tmp_path, run_sca, osv_records) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "1"\ndependencies = ["flask>=2"]\n')
    (tmp_path / "requirements.txt").write_text("flask==2.2.2\n")
    result = run_sca(tmp_path)
    assert result.status == "ok", result.error
    assert not _by_rule(result, "sca/unpinned-requirement")
    assert advisory_pairs(result) == _expected(osv_records, [("flask", "2.2.2")])
    assert result.summary["paths"] == ["requirements.txt"] and result.summary["files"] == 1


def test_poetry_pyproject_without_lock(tmp_path, run_sca, osv_records) -> None:
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""\
        [tool.poetry]
        name = "app"
        [tool.poetry.dependencies]
        python = "^3.11"
        requests = "2.25.0"
        flask = "^2.0"
        mylib = { git = "https://example.invalid/mylib.git" }
        [tool.poetry.group.dev.dependencies]
        pyyaml = { version = "==5.3" }
        """))
    result = run_sca(tmp_path, shape="application")
    assert result.status == "ok", result.error
    assert advisory_pairs(result) == _expected(osv_records, [("requests", "2.25.0"), ("pyyaml", "5.3")])
    assert [f.package.name for f in _by_rule(result, "sca/unpinned-requirement")] == ["flask"]
    # As a library, Poetry's ^2.0 is the PEP 440 range >=2.0,<3.
    ranged = _by_rule(run_sca(tmp_path), "sca/range-admits-vulnerable")
    assert ranged and {f.metadata["specifier"] for f in ranged} == {"<3,>=2.0"}
    assert [f.package.name for f in _by_rule(result, "sca/unaudited-dependency")] == ["mylib"]
