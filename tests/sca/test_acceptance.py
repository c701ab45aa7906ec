"""Acceptance: on pinned requirement files, the advisories reported are exactly what the OSV
evaluation rules give on tests/data/osv-pypi.

Expected sets come from the data through an evaluator written independently in the test
double (``osv_api_double.reference_affected``), never from the check's output. Versions are
picked by reading the records: the versions their events and lists name.
"""

from __future__ import annotations

import contextlib
import copy
from collections import defaultdict
from pathlib import Path
from typing import Any

from osv_api_double import reference_affected
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from sca_helpers import advisory_pairs


def _versions_named(records: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Per package, every PEP 440 version the records name (events and lists), sorted."""
    named: dict[str, set[Version]] = defaultdict(set)
    for record in records:
        for affected in record.get("affected", []):
            name = canonicalize_name(affected["package"]["name"])
            texts = list(affected.get("versions", []))
            for rng in affected.get("ranges", []):
                if rng["type"] == "ECOSYSTEM":
                    texts += [v for e in rng["events"] for v in e.values() if v != "0"]
            for text in texts:
                with contextlib.suppress(InvalidVersion):
                    named[name].add(Version(text))
    return {name: [str(v) for v in sorted(vs)] for name, vs in named.items()}


def _expected(records: list[dict[str, Any]], pins: list[tuple[str, str]]) -> set[tuple[str, str]]:
    return {
        (canonicalize_name(name), record["id"])
        for name, version in pins
        for record in records
        if reference_affected(record, name, version)
    }


def _write(path: Path, pins: list[tuple[str, str]]) -> None:
    path.write_text("".join(f"{name}=={version}\n" for name, version in pins))


def test_reported_advisories_equal_the_osv_evaluation_of_the_data(tmp_path, run_sca, osv_records) -> None:
    named = _versions_named(osv_records)
    assert len(named) == 36
    # Eight requirement files; file i pins, for every package, an evenly spread i-th version.
    pins_by_file: list[list[tuple[str, str]]] = [[] for _ in range(8)]
    for name, versions in sorted(named.items()):
        step = max(1, len(versions) // 8)
        for i, version in enumerate(versions[::step][:8]):
            pins_by_file[i].append((name, version))
    for i, pins in enumerate(pins_by_file):
        _write(tmp_path / f"requirements-{i}.txt", pins)
    all_pins = [p for pins in pins_by_file for p in pins]

    result = run_sca(tmp_path)

    assert result.status == "ok", result.error
    expected = _expected(osv_records, all_pins)
    assert len(expected) > 300  # the cases really exercise the data
    assert advisory_pairs(result) == expected
    # One finding per (package, advisory, file), each at the version that file pins.
    keys = [(f.package.name, f.rule_id, f.location.path) for f in result.findings if f.metadata.get("kind") == "advisory"]
    assert len(keys) == len(set(keys))
    pinned = {(path.name, canonicalize_name(name), version) for path in tmp_path.glob("requirements-*.txt")
              for name, version in (line.split("==") for line in path.read_text().split())}
    assert all((f.location.path, f.package.name, f.package.version) in pinned
               for f in result.findings if f.metadata.get("kind") == "advisory")


def test_pep503_names_and_pep440_versions_are_normalized(tmp_path, run_sca, osv_records) -> None:
    pins = [("PyYAML", "5.3"), ("Jinja2", "2.11.2.0"), ("PYJWT", "1.5.0"), ("SQLAlchemy", "1.2.0")]
    _write(tmp_path / "requirements.txt", pins)
    expected = _expected(osv_records, pins)
    assert {name for name, _ in expected} == {"pyyaml", "jinja2", "pyjwt", "sqlalchemy"}

    result = run_sca(tmp_path)

    assert advisory_pairs(result) == expected


def test_last_affected_is_inclusive(tmp_path, run_sca, osv_records) -> None:
    [record] = [r for r in osv_records if r["id"] == "PYSEC-2026-2858"]  # paramiko, last_affected 4.0.0
    assert {"last_affected": "4.0.0"} in record["affected"][0]["ranges"][0]["events"]
    _write(tmp_path / "requirements.txt", [("paramiko", "4.0.0")])
    (tmp_path / "later").mkdir()
    _write(tmp_path / "later" / "requirements.txt", [("paramiko", "4.0.1")])

    result = run_sca(tmp_path)

    versions = {f.package.version for f in result.findings if f.rule_id == "PYSEC-2026-2858"}
    assert versions == {"4.0.0"}
    [finding] = [f for f in result.findings if f.rule_id == "PYSEC-2026-2858"]
    assert finding.metadata["versions"] == ["4.0.0"]


def test_negative_controls_report_nothing(tmp_path, run_sca, osv_records) -> None:
    # 1. packages no record mentions
    unknown = [("itsdangerous", "2.1.2"), ("click", "8.1.3"), ("markupsafe", "2.1.1"), ("attrs", "23.1.0")]
    # 2. for each package, the newest version the records name that none of them affects
    outside: list[tuple[str, str]] = []
    for name, versions in sorted(_versions_named(osv_records).items()):
        for version in reversed(versions):
            if not _expected(osv_records, [(name, version)]):
                outside.append((name, version))
                break
    assert len(outside) >= 25
    pins = unknown + outside
    assert _expected(osv_records, pins) == set()
    _write(tmp_path / "requirements.txt", pins)

    result = run_sca(tmp_path)

    assert result.status == "ok", result.error
    assert advisory_pairs(result) == set()
    assert result.summary["dependencies"] == len(pins)


def test_withdrawn_records_are_skipped(tmp_path, run_sca, osv_records) -> None:
    withdrawn = [r for r in osv_records if r.get("withdrawn")]
    assert len(withdrawn) == 9
    pins: list[tuple[str, str]] = []
    would_match: set[tuple[str, str]] = set()
    for record in withdrawn:
        live = copy.deepcopy(record)
        del live["withdrawn"]
        for affected in record["affected"]:
            name = canonicalize_name(affected["package"]["name"])
            for version in affected.get("versions", []) + [
                e.get("introduced", "") for r in affected.get("ranges", []) for e in r["events"]
            ]:
                if version and version != "0" and reference_affected(live, name, version):
                    pins.append((name, version))
                    would_match.add((name, record["id"]))
                    break
    # Without the withdrawn rule these pins would report most of the withdrawn records.
    assert len(would_match) >= 7
    for i, pin in enumerate(pins):
        _write(tmp_path / f"requirements-{i}.txt", [pin])

    result = run_sca(tmp_path)

    reported = advisory_pairs(result)
    assert not reported & would_match
    assert reported == _expected(osv_records, pins)  # other, live records still match


def test_each_finding_carries_the_records_aliases_fixes_and_purl(tmp_path, run_sca, osv_records) -> None:
    pins = [("urllib3", "1.26.4"), ("django", "3.0.0"), ("pillow", "8.0.0")]
    _write(tmp_path / "requirements.txt", pins)
    result = run_sca(tmp_path)
    by_id = {r["id"]: r for r in osv_records}
    advisories = [f for f in result.findings if f.metadata.get("kind") == "advisory"]
    assert len(advisories) > 30
    for finding in advisories:
        record = by_id[finding.rule_id]
        name, version = finding.package.name, finding.package.version
        assert finding.package.purl == f"pkg:pypi/{name}@{version}"
        merged = set(finding.metadata["records"]) - {finding.rule_id}
        merged_aliases = {a for rid in merged for a in by_id[rid].get("aliases", [])} | merged
        assert set(finding.aliases) == (set(record.get("aliases", [])) | merged_aliases) - {finding.rule_id}
        # fixes: every `fixed` event above the pinned version that the record does not itself affect
        fixed = {
            e["fixed"] for rid in finding.metadata["records"] for a in by_id[rid]["affected"]
            if canonicalize_name(a["package"]["name"]) == name
            for r in a.get("ranges", []) if r["type"] == "ECOSYSTEM" for e in r["events"] if "fixed" in e
        }
        expected_fixes = sorted(
            (Version(v) for v in fixed
             if Version(v) > Version(version) and not reference_affected(record, name, v)),
        )
        assert [Version(v) for v in finding.fix.versions] == expected_fixes
        assert f"https://osv.dev/vulnerability/{finding.rule_id}" in finding.references
