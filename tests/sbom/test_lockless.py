"""Issue 17 for the sbom check: every project layout gets a valid SBOM (an empty directory, a tiny
git repository, a library that only declares ranges), checked by two independent validators."""

from __future__ import annotations

import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gatecheck.model import CheckResult


def _valid(text: str, document: dict[str, Any], spec: str, library_error: Callable[..., str | None],
           independent: Callable[..., list[str]]) -> None:
    assert library_error(text, spec) is None
    assert independent(document, spec) == []


def test_an_empty_directory_gets_the_root_component_alone(tmp_path: Path, run_sbom, sbom_of,
                                                          library_validation_error, independent_validation_errors) -> None:
    root = tmp_path / "empty-project"
    root.mkdir()
    result = run_sbom(root)
    text, document = sbom_of(result, root)
    assert result.summary["source"] == "none" and result.summary["component_count"] == 0
    assert document["metadata"]["component"]["name"] == "empty-project"
    assert document.get("components", []) == [] and not result.findings
    _valid(text, document, "1.6", library_validation_error, independent_validation_errors)


def test_a_tiny_git_repository_passes_through_the_gate(tmp_path: Path, cli) -> None:
    root = tmp_path / "tiny"
    root.mkdir()
    (root / "README.md").write_text("# tiny\n")
    for args in (["init", "-q"], ["add", "README.md"], ["commit", "-q", "-m", "first"]):
        subprocess.run(["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", *args], cwd=root, check=True)
    result = cli("run", str(root), "--check", "sbom", "-q", "--format", f"json:{tmp_path}/report.json")
    assert result.exit_code == 0, result.stderr  # no layout ends in exit 2 unless an input is malformed
    import json
    [sbom] = json.loads((tmp_path / "report.json").read_text())["results"]
    assert sbom["status"] == "ok" and sbom["summary"]["component_count"] == 0


LIBRARY = textwrap.dedent("""\
    [project]
    name = "widgets"
    version = "2.0"
    dependencies = ["Werkzeug>=3.0.0", "click~=8.1", "itsdangerous"]
    [project.optional-dependencies]
    async = ["asgiref>=3.2"]
    [dependency-groups]
    test = ["pytest>=8", "widgets[async]"]
    """)


@pytest.mark.parametrize("spec", ["1.6", "1.7"])
def test_a_library_is_described_by_its_declared_ranges(tmp_path: Path, run_sbom, sbom_of, spec: str,
                                                       library_validation_error, independent_validation_errors) -> None:
    (tmp_path / "pyproject.toml").write_text(LIBRARY)
    result = run_sbom(tmp_path, spec_version=spec)
    text, document = sbom_of(result, tmp_path)
    _valid(text, document, spec, library_validation_error, independent_validation_errors)
    assert result.summary["source"] == "declared" and result.summary["shape"]["kind"] == "library"
    assert not result.findings  # a library's ranges are what it declares: no unpinned, no licence findings
    comps = {c["name"]: c for c in document["components"]}
    assert set(comps) == {"Werkzeug", "click", "itsdangerous", "asgiref", "pytest"}  # not the project itself
    props = {name: {p["name"]: p["value"] for p in c["properties"]} for name, c in comps.items()}
    assert props["click"]["gatecheck:version-range"] == "vers:pypi/>=8.1|<9"
    assert props["itsdangerous"]["gatecheck:version-range"] == "vers:pypi/*"
    assert props["pytest"]["gatecheck:group"] == "group:test"
    assert (comps["Werkzeug"]["scope"], comps["asgiref"]["scope"], comps["pytest"]["scope"]) == \
        ("required", "optional", "excluded")
    assert all("version" not in c for c in comps.values())  # a range names no release
    if spec == "1.7":
        # CycloneDX 1.7: versionRange, only on an external component, never beside a version.
        assert comps["Werkzeug"]["versionRange"] == "vers:pypi/>=3.0.0" and comps["Werkzeug"]["isExternal"] is True
    else:
        assert all("versionRange" not in c and "isExternal" not in c for c in comps.values())  # not in 1.6
    root = document["metadata"]["component"]
    assert (root["name"], root["version"]) == ("widgets", "2.0")
    [graph] = [d for d in document["dependencies"] if d["ref"] == root["bom-ref"]]
    assert {"pkg:pypi/werkzeug", "pkg:pypi/click", "pkg:pypi/itsdangerous"} <= set(graph["dependsOn"])


def test_an_application_range_is_still_unpinned(tmp_path: Path, run_sbom: Callable[..., CheckResult]) -> None:
    (tmp_path / "pyproject.toml").write_text(LIBRARY)
    result = run_sbom(tmp_path, shape="application")
    assert {f.package.name for f in result.findings if f.rule_id == "unpinned" and f.package} == {
        "Werkzeug", "click", "itsdangerous", "asgiref", "pytest"}
