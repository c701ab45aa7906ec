"""Findings: no licence, a denied licence, an unpinned version; licence parsing and the deny-list."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import pytest

from gatecheck.model import CheckResult
from gatecheck_plugins.sbom import licenses


def pinned_project(tmp_path: Path) -> Path:
    """Requirements pinned to what is installed here, plus one package that is not installed."""
    root = tmp_path / "proj"
    root.mkdir()
    lines = [f"{name}=={version(name)}" for name in ("jsonschema", "packaging", "pluggy")]
    lines += ["not-installed-anywhere==0.1.0", "rich>=13"]
    (root / "requirements.txt").write_text("\n".join(lines) + "\n", "utf-8")
    return root


def by_rule(result: CheckResult) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for finding in result.findings:
        assert finding.package is not None
        out.setdefault(finding.rule_id, {})[finding.package.name] = finding
    return out


def test_licences_from_the_environment_and_findings(tmp_path: Path, run_sbom: Callable[..., CheckResult],
                                                    sbom_of: Callable) -> None:
    root = pinned_project(tmp_path)
    result = run_sbom(root, environment="current", deny_licenses=["MIT"])
    _, document = sbom_of(result, root)
    comps = {c["name"]: c for c in document["components"]}
    assert comps["jsonschema"]["licenses"] == [{"license": {"id": "MIT"}}]
    assert comps["packaging"]["licenses"] == [{"expression": "Apache-2.0 OR BSD-2-Clause"}]
    assert comps["pluggy"]["licenses"] == [{"license": {"id": "MIT"}}]  # from the License field
    assert "licenses" not in comps["not-installed-anywhere"]
    assert "licenses" not in comps["rich"]  # a range is not a version: no licence can be borrowed
    rules = by_rule(result)
    # A range names no release, so it has no licence to lack: only a pinned package can be unlicensed.
    assert set(rules["no-license"]) == {"not-installed-anywhere"}
    assert set(rules["denied-license"]) == {"jsonschema", "pluggy"}  # packaging may be taken as BSD-2-Clause
    assert set(rules["unpinned"]) == {"rich"}
    denied = rules["denied-license"]["jsonschema"]
    assert denied.severity == "high" and denied.metadata["denied_by"] == ["MIT"]  # type: ignore[attr-defined]
    assert denied.location.path == "requirements.txt" and denied.location.start_line == 1  # type: ignore[attr-defined]
    assert result.summary["licenses"]["MIT"] == 2
    assert result.summary["unlicensed"] == 1 and result.summary["denied"] == 2 and result.summary["unpinned"] == 1
    listed = {c["name"]: c for c in result.summary["components"]}
    assert listed["packaging"]["licenses"] == ["Apache-2.0", "BSD-2-Clause"]
    assert listed["rich"]["pinned"] is False


def test_finding_ids_are_stable_and_severities_configurable(tmp_path: Path, run_sbom: Callable[..., CheckResult]) -> None:
    root = pinned_project(tmp_path)
    first = run_sbom(root, environment="current", deny_licenses=["MIT"])
    (root / "requirements.txt").write_text("# moved down\n\n" + (root / "requirements.txt").read_text(), "utf-8")
    second = run_sbom(root, environment="current", deny_licenses=["MIT"],
                      severity={"no-license": "medium", "unpinned": "high"})
    assert sorted(f.id for f in first.findings) == sorted(f.id for f in second.findings)
    severities = {(f.rule_id, f.severity) for f in second.findings}
    assert ("no-license", "medium") in severities and ("unpinned", "high") in severities
    assert len({f.id for f in second.findings}) == len(second.findings)


def test_lock_mode_without_environment_reports_every_component_unlicensed(
    tmp_path: Path, run_sbom: Callable[..., CheckResult]
) -> None:
    root = pinned_project(tmp_path)
    result = run_sbom(root)  # no .venv, no environment option: lock files carry no licences
    unlicensed = {f.package.name for f in result.findings if f.rule_id == "no-license" and f.package}
    assert len(unlicensed) == 4 and "rich" not in unlicensed  # every pinned component; the range names no release


@pytest.mark.parametrize(
    ("expression", "deny", "expected"),
    [
        ("MIT", ["mit"], ["mit"]),
        ("MIT OR GPL-3.0-only", ["GPL-*"], []),
        ("MIT AND GPL-3.0-only", ["GPL-*"], ["GPL-*"]),
        ("(MIT OR Apache-2.0) AND LGPL-2.1-or-later", ["LGPL-*"], ["LGPL-*"]),
        ("GPL-2.0-or-later WITH Classpath-exception-2.0", ["GPL-2.0-or-later"], ["GPL-2.0-or-later"]),
        ("Apache-2.0 OR BSD-2-Clause", ["Apache-2.0", "BSD-*"], ["Apache-2.0", "BSD-*"]),
        ("Apache-2.0", [], []),
    ],
)
def test_deny_list_respects_choices(expression: str, deny: list[str], expected: list[str]) -> None:
    assert licenses.denied(expression, [], deny) == expected


def test_licence_from_metadata() -> None:
    assert licenses.from_metadata("mit or apache-2.0", None, []) == ("MIT OR Apache-2.0", [])
    assert licenses.from_metadata(None, "BSD-3-Clause", []) == ("BSD-3-Clause", [])
    assert licenses.from_metadata(None, "Apache 2.0", ["License :: OSI Approved :: Apache Software License"]) == (
        "Apache-2.0", []
    )
    both = ["License :: OSI Approved :: MIT License", "License :: OSI Approved :: Apache Software License"]
    assert licenses.from_metadata(None, None, both) == ("Apache-2.0 OR MIT", [])
    assert licenses.from_metadata(None, "Proprietary, see LICENSE", []) == (None, ["Proprietary, see LICENSE"])
    assert licenses.from_metadata(None, None, ["License :: OSI Approved :: BSD License"]) == (None, ["BSD License"])
    full_text = "Copyright (c) 2020\n\nPermission is hereby granted, free of charge, ..." * 3
    assert licenses.from_metadata(None, full_text, []) == (None, [])
    assert licenses.from_metadata(None, "UNKNOWN", []) == (None, [])
