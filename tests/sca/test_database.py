"""The offline database: zip or directory, its index, its age, malformed records, severities."""

from __future__ import annotations

import json
import shutil
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sca_helpers import DATA, advisory_pairs

from gatecheck.cache import ResultCache
from gatecheck.runner import CheckRun, RunSettings, run_checks
from gatecheck_plugins.sca.check import ScaCheck
from gatecheck_plugins.sca.database import MANIFEST_FORMAT, manifest_path


def _zip_of(directory: Path, target: Path) -> Path:
    """The layout of osv.dev's all.zip: every record as <ID>.json at the top level."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(directory.rglob("PYSEC-*.json")):
            zf.write(path, path.name)
    return target


def _manifest(database: Path, updated: datetime) -> None:
    manifest_path(database).write_text(json.dumps({
        "format": MANIFEST_FORMAT, "source": "https://example.invalid/all.zip",
        "updated_at": updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }))


def test_zip_and_directory_give_the_same_findings(tmp_path, run_sca) -> None:
    (tmp_path / "requirements.txt").write_text("django==3.0.0\nurllib3==1.26.4\ncryptography==3.2\n")
    archive = _zip_of(DATA, tmp_path.parent / f"{tmp_path.name}-all.zip")
    from_dir = run_sca(tmp_path)
    from_zip = run_sca(tmp_path, database=str(archive))
    assert from_dir.status == from_zip.status == "ok"
    assert len(from_dir.findings) > 20
    assert [f.to_dict() for f in from_dir.findings if f.metadata["kind"] == "advisory"] == \
        [f.to_dict() for f in from_zip.findings if f.metadata["kind"] == "advisory"]
    assert from_zip.summary["database"]["kind"] == "zip"
    assert from_zip.summary["database"]["records"] == 535
    assert from_zip.summary["database"]["withdrawn"] == 9


def test_index_is_built_once_and_rebuilt_when_the_database_changes(tmp_path, operator_source) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "requirements.txt").write_text("pyyaml==5.3\n")
    db = tmp_path / "db"
    shutil.copytree(DATA / "pyyaml", db / "pyyaml")
    work = tmp_path / "work"

    def run():
        settings = RunSettings(root=project, jobs=1, work_dir=work, config_source=operator_source)
        [result] = run_checks([CheckRun(ScaCheck(), {"database": str(db)}, 60)], settings)
        return result

    first = run()
    [index] = (work / "sca" / "index").glob("osv-index-*.sqlite")
    built = index.stat().st_mtime_ns
    second = run()
    assert index.stat().st_mtime_ns == built  # warm: the index is reused
    assert advisory_pairs(first) == advisory_pairs(second) and advisory_pairs(first)
    # Remove one advisory from the database: the index follows.
    victim = sorted(advisory_pairs(first))[0][1]
    (db / "pyyaml" / f"{victim}.json").unlink()
    third = run()
    assert victim not in {rid for _, rid in advisory_pairs(third)}
    assert len(list((work / "sca" / "index").glob("osv-index-*.sqlite"))) == 1


def test_malformed_record_is_bad_input_naming_file_and_line(tmp_path, run_sca) -> None:
    (tmp_path / "requirements.txt").write_text("pyyaml==5.3\n")
    db = tmp_path.parent / f"{tmp_path.name}-db"
    shutil.copytree(DATA / "pyyaml", db / "pyyaml")
    (db / "pyyaml" / "BROKEN-1.json").write_text('{\n  "id": "BROKEN-1",\n  "affected": [,]\n}\n')
    result = run_sca(tmp_path, database=str(db))
    assert result.status == "error" and result.bad_input
    assert "BROKEN-1.json:3" in result.error


def test_missing_database_is_a_configuration_error(tmp_path, run_sca) -> None:
    (tmp_path / "requirements.txt").write_text("pyyaml==5.3\n")
    result = run_sca(tmp_path, database="no/such/db.zip")
    assert result.status == "error" and result.bad_input
    assert "no OSV database" in result.error


def test_age_comes_from_the_manifest_and_stale_data_is_flagged(tmp_path, run_sca) -> None:
    (tmp_path / "requirements.txt").write_text("pyyaml==5.3\n")
    archive = _zip_of(DATA / "pyyaml", tmp_path.parent / f"{tmp_path.name}-all.zip")
    _manifest(archive, datetime.now(UTC) - timedelta(days=2))
    fresh = run_sca(tmp_path, database=str(archive))
    assert fresh.summary["database"]["as_of_source"] == "manifest"
    assert 1.9 < fresh.summary["database"]["age_days"] < 2.1
    assert fresh.summary["database"]["stale"] is False
    assert not [f for f in fresh.findings if f.rule_id == "sca/database-stale"]

    _manifest(archive, datetime.now(UTC) - timedelta(days=30))
    stale = run_sca(tmp_path, database=str(archive), stale_severity="high")
    [warning] = [f for f in stale.findings if f.rule_id == "sca/database-stale"]
    assert warning.severity == "high" and "30 days" in warning.title
    assert stale.summary["database"]["stale"] is True
    assert not [f for f in run_sca(tmp_path, database=str(archive), max_age_days=45).findings
                if f.rule_id == "sca/database-stale"]


def test_without_manifest_the_age_is_that_of_the_newest_record(tmp_path, run_sca, osv_records) -> None:
    (tmp_path / "requirements.txt").write_text("pyyaml==5.3\n")
    result = run_sca(tmp_path)
    newest = max(r["modified"] for r in osv_records)
    assert result.summary["database"]["as_of"] == newest
    assert result.summary["database"]["as_of_source"] == "newest record"


def test_severity_comes_from_the_cvss_vector(tmp_path, run_sca, osv_records) -> None:
    (tmp_path / "requirements.txt").write_text("urllib3==1.26.4\npyyaml==5.3\n")
    result = run_sca(tmp_path)
    by_id = {f.rule_id: f for f in result.findings}
    vectors = {r["id"]: [s["score"] for s in r.get("severity", [])] for r in osv_records}
    checked = 0
    for rid, finding in by_id.items():
        if finding.metadata.get("kind") != "advisory":
            continue
        if not vectors.get(rid):
            assert finding.severity == "unknown"
            assert finding.metadata["cvss"] == []
        else:
            assert [c["vector"] for c in finding.metadata["cvss"]] == vectors[rid]
            checked += 1
    assert checked >= 5


def test_severity_ratings_follow_the_cvss_specifications() -> None:
    from gatecheck_plugins.sca.osv import SeverityVector
    from gatecheck_plugins.sca.severity import severity_of

    # Base scores published with the CVSS v3.1 and v4.0 specification calculators.
    v31_critical = SeverityVector("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")  # 9.8
    v31_high = SeverityVector("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H")  # 7.5
    v31_medium = SeverityVector("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N")  # 6.1
    v40_critical = SeverityVector("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")  # 9.3
    v2 = SeverityVector("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P")
    assert severity_of([v31_critical])[0] == "critical"
    assert severity_of([v31_high])[0] == "high"
    assert severity_of([v31_medium])[0] == "medium"
    assert severity_of([v40_critical])[0] == "critical"
    assert severity_of([v31_medium, v31_high])[0] == "high"  # the more severe assessment wins
    assert severity_of([v2])[0] == "unknown"  # v2 defines no rating: never a guess
    assert severity_of([SeverityVector("CVSS_V3", "CVSS:3.1/garbage")])[0] == "unknown"
    assert severity_of([])[0] == "unknown"
    _, scored = severity_of([v31_critical])
    assert scored[0].base_score == 9.8


def test_unchanged_rerun_is_a_cache_hit_and_a_changed_database_is_not(tmp_path, operator_source) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "requirements.txt").write_text("pyyaml==5.3\n")
    db = tmp_path / "db"
    shutil.copytree(DATA / "pyyaml", db / "pyyaml")
    cache = ResultCache(tmp_path / "cache")

    def run():
        settings = RunSettings(root=project, jobs=1, work_dir=tmp_path / "work", cache=cache,
                               config_source=operator_source)
        [result] = run_checks([CheckRun(ScaCheck(), {"database": str(db)}, 60)], settings)
        return result

    first = run()
    time.sleep(0.01)
    second = run()
    assert not first.cached and second.cached
    assert any(i.path.endswith("requirements.txt") for i in second.inputs)
    assert any("pyyaml/PYSEC" in i.path for i in second.inputs)
    extra = json.loads((db / "pyyaml" / "PYSEC-2020-96.json").read_text())  # affects 5.3
    extra["id"], extra["aliases"] = "TEST-NEW-1", ["CVE-0000-0001"]
    (db / "pyyaml" / "TEST-NEW-1.json").write_text(json.dumps(extra))
    third = run()
    assert not third.cached
    assert "TEST-NEW-1" in {f.rule_id for f in third.findings}
    assert len(third.findings) == len(first.findings) + 1


def test_records_of_one_advisory_are_merged_into_one_finding(tmp_path, run_sca) -> None:
    (tmp_path / "requirements.txt").write_text("pyyaml==5.3\n")
    db = tmp_path.parent / f"{tmp_path.name}-db"
    shutil.copytree(DATA / "pyyaml", db)
    ghsa = json.loads((db / "PYSEC-2020-96.json").read_text())
    aliases = ghsa["aliases"]
    ghsa_id = next(a for a in aliases if a.startswith("GHSA-"))
    ghsa.update(id=ghsa_id, aliases=[a for a in aliases if a != ghsa_id] + ["PYSEC-2020-96"],
                severity=[{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}])
    (db / f"{ghsa_id}.json").write_text(json.dumps(ghsa))
    result = run_sca(tmp_path, database=str(db))
    [finding] = [f for f in result.findings if "PYSEC-2020-96" in f.metadata.get("records", [])]
    assert finding.rule_id == "PYSEC-2020-96"  # pip-audit prefers the PYSEC id
    assert set(finding.metadata["records"]) == {"PYSEC-2020-96", ghsa_id}
    assert ghsa_id in finding.aliases
    assert finding.severity == "critical"  # the GHSA record's vector is kept in the merge
