"""Environment mode against real installed environments, compared with importlib.metadata."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from gatecheck.model import CheckResult


def expected_from_importlib(paths: list[str] | None) -> dict[str, str]:
    """canonical name -> version of every distribution import would see (first on the path wins)."""
    expected: dict[str, str] = {}
    dists = metadata.distributions() if paths is None else metadata.distributions(path=paths)
    for dist in dists:
        name = dist.metadata["Name"]
        if not name:
            continue
        expected.setdefault(canonicalize_name(name), dist.version)
    return expected


def appearances(document: dict) -> dict[str, list[tuple[str | None, str | None]]]:
    """canonical name -> [(version, purl)] over the root component and all components."""
    seen: dict[str, list[tuple[str | None, str | None]]] = {}
    for comp in [document["metadata"]["component"], *document.get("components", [])]:
        seen.setdefault(canonicalize_name(comp["name"]), []).append((comp.get("version"), comp.get("purl")))
    return seen


def assert_every_distribution_once(document: dict, expected: dict[str, str]) -> None:
    seen = appearances(document)
    for name, version in expected.items():
        assert name in seen, f"{name} {version} is installed but missing from the SBOM"
        assert len(seen[name]) == 1, f"{name} appears {len(seen[name])} times"
        got_version, purl = seen[name][0]
        assert got_version == version, f"{name}: SBOM says {got_version}, importlib.metadata says {version}"
        if purl is not None and not purl.startswith("pkg:pypi/" + name + "@" + version) and seen[name] != []:
            raise AssertionError(f"{name}: purl {purl}")
    root = canonicalize_name(document["metadata"]["component"]["name"])
    extra = set(seen) - set(expected) - {root}
    assert not extra, f"components that are not installed: {sorted(extra)}"


def test_current_environment_matches_importlib_metadata(
    tmp_path: Path, run_sbom: Callable[..., CheckResult]
,
    sbom_of: Callable, library_validation_error: Callable, independent_validation_errors: Callable,
) -> None:
    result = run_sbom(tmp_path, environment="current")
    text, document = sbom_of(result, tmp_path)
    expected = expected_from_importlib(None)
    assert len(expected) > 20  # the test venv: pytest, jsonschema, cyclonedx-python-lib, ...
    assert_every_distribution_once(document, expected)
    for comp in document["components"]:
        name = canonicalize_name(comp["name"])
        assert comp["purl"].split("?")[0] == f"pkg:pypi/{name}@{expected[name]}"
        assert comp["bom-ref"] == comp["purl"]
    assert result.summary["component_count"] == len(document["components"])
    assert library_validation_error(text) is None
    assert independent_validation_errors(document) == []


def test_installed_licences_and_hashes_come_from_metadata(tmp_path: Path, run_sbom: Callable[..., CheckResult],
    sbom_of: Callable, library_validation_error: Callable, independent_validation_errors: Callable,
) -> None:
    result = run_sbom(tmp_path, environment="current")
    _, document = sbom_of(result, tmp_path)
    by_name = {canonicalize_name(c["name"]): c for c in document["components"]}
    # jsonschema declares License-Expression: MIT; pytest has a license field or MIT classifier.
    assert by_name["jsonschema"]["licenses"] in ([{"license": {"id": "MIT"}}], [{"expression": "MIT"}])
    assert result.summary["licenses"].get("MIT", 0) >= 2
    record = Path(metadata.distribution("jsonschema")._path) / "RECORD"  # type: ignore[attr-defined]
    import hashlib

    digest = hashlib.sha256(record.read_bytes()).hexdigest()
    assert {"alg": "SHA-256", "content": digest} in by_name["jsonschema"]["hashes"]
    props = {p["name"]: p["value"] for p in by_name["jsonschema"]["properties"]}
    assert props["gatecheck:hash-source"] == "RECORD"
    # Requires-Dist becomes the dependency graph: jsonschema needs referencing and attrs.
    graph = {d["ref"]: set(d.get("dependsOn", [])) for d in document["dependencies"]}
    deps = graph[by_name["jsonschema"]["bom-ref"]]
    assert by_name["referencing"]["bom-ref"] in deps
    assert by_name["attrs"]["bom-ref"] in deps


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real virtualenv made by ``python -m venv`` (pip comes from ensurepip: no network)."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    return venv


def in_tree(venv: Path, root: Path, name: str = ".venv") -> Path:
    """A copy of ``venv`` inside the project (its interpreter symlinks still point outside, as in a
    real virtualenv: nothing reads them)."""
    target = root / name
    shutil.copytree(venv, target, symlinks=True)
    return target


def test_a_separate_virtualenv_by_path(fresh_venv: Path, tmp_path: Path, run_sbom: Callable[..., CheckResult],
    sbom_of: Callable, library_validation_error: Callable, independent_validation_errors: Callable,
) -> None:
    venv = in_tree(fresh_venv, tmp_path)
    result = run_sbom(tmp_path)  # auto: no lock file, so the project's .venv
    text, document = sbom_of(result, tmp_path)
    site = sorted(str(p) for p in venv.glob("lib/python*/site-packages"))
    expected = expected_from_importlib(site)
    assert "pip" in expected
    assert_every_distribution_once(document, expected)
    assert result.summary["source"] == "environment"
    assert result.summary["paths"] == [p.relative_to(tmp_path).as_posix() for p in map(Path, site)]
    assert library_validation_error(text) is None
    assert independent_validation_errors(document) == []
    # The gatecheck venv's own packages must not leak into another environment's SBOM.
    assert "jsonschema" not in {canonicalize_name(c["name"]) for c in document["components"]}


def test_inputs_are_the_metadata_files(fresh_venv: Path, tmp_path: Path) -> None:
    from gatecheck.checks import CheckContext
    from gatecheck_plugins.sbom.check import SbomCheck

    in_tree(fresh_venv, tmp_path, "envs/py")
    ctx = CheckContext(root=tmp_path, options={"environment": "envs/py"}, work_dir=tmp_path / "work")
    inputs = [p for p in SbomCheck().inputs(ctx) if isinstance(p, Path)]  # the files, not the KeyFacts
    names = {p.name for p in inputs}
    assert {"METADATA", "RECORD"} <= names
    pip_dirs = {p.parent.name for p in inputs if p.parent.name.startswith("pip-")}
    assert len(pip_dirs) == 1
    assert all(p.is_relative_to(tmp_path) for p in inputs)


def test_an_environment_outside_the_tree_is_never_read(fresh_venv: Path, tmp_path: Path,
                                                       run_sbom: Callable[..., CheckResult]) -> None:
    from gatecheck.errors import CheckFailed

    root = tmp_path / "proj"
    root.mkdir()
    # A .venv symlink that leaves the tree is not the project's environment: nothing is read from it,
    # and the SBOM describes the project alone.
    (root / ".venv").symlink_to(fresh_venv, target_is_directory=True)
    alone = run_sbom(root)
    assert alone.status == "ok" and alone.summary["source"] == "none" and alone.summary["component_count"] == 0
    # Named explicitly (through the symlink, by '..', or absolute), it is bad input naming it.
    for where in (".venv", f"../{fresh_venv.name}", str(fresh_venv)):
        with pytest.raises(CheckFailed) as excinfo:
            run_sbom(root, environment=where)
        assert excinfo.value.bad_input and "outside the repository" in str(excinfo.value), where
    # A site-packages inside the tree whose dist-info is a symlink out of it is refused too.
    venv = in_tree(fresh_venv, root, "env")
    [site] = venv.glob("lib/python*/site-packages")
    [pip_info] = site.glob("pip-*.dist-info")
    shutil.rmtree(pip_info)
    pip_info.symlink_to(next(fresh_venv.glob("lib/python*/site-packages/pip-*.dist-info")), target_is_directory=True)
    with pytest.raises(CheckFailed) as excinfo:
        run_sbom(root, environment="env")
    assert excinfo.value.bad_input and "outside the repository" in str(excinfo.value)


def test_missing_environment_is_bad_input(tmp_path: Path, run_sbom: Callable[..., CheckResult]) -> None:
    from gatecheck.errors import CheckFailed

    with pytest.raises(CheckFailed) as excinfo:
        run_sbom(tmp_path, source="environment")  # asked for an environment, and there is none
    assert excinfo.value.bad_input
    assert "no .venv" in str(excinfo.value) and "current" not in str(excinfo.value)
    with pytest.raises(CheckFailed) as excinfo:
        run_sbom(tmp_path, environment="does-not-exist")
    assert excinfo.value.bad_input and "does-not-exist" in str(excinfo.value)
