"""``gatecheck db update`` / ``db info`` against a loopback HTTP server serving a zip built from the test data."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from osv_api_double import serving
from sca_helpers import DATA

from gatecheck_plugins.sca.database import manifest_path

ALL_ZIP = "/PyPI/all.zip"


def _all_zip(directory: Path) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    count = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(directory.rglob("PYSEC-*.json")):
            zf.write(path, path.name)
            count += 1
    return buffer.getvalue(), count


def test_update_downloads_verifies_and_writes_a_manifest(tmp_path, cli, run_sca) -> None:
    body, count = _all_zip(DATA)
    target = tmp_path / "osv" / "PyPI-all.zip"
    with serving([], static={ALL_ZIP: body}) as server:
        server.etag = '"v1"'
        first = cli("db", "update", "--url", server.url + ALL_ZIP, "--path", str(target))
        second = cli("db", "update", "--url", server.url + ALL_ZIP, "--path", str(target))
        gets = [r for r in server.requests if r["method"] == "GET"]
    assert first.exit_code == 0, first.stderr
    assert f"{count} records" in first.stdout
    assert target.read_bytes() == body
    manifest = json.loads(manifest_path(target).read_text())
    assert manifest["records"] == count == 535
    assert manifest["etag"] == '"v1"'
    # The second run asks conditionally and keeps the file on 304.
    assert second.exit_code == 0, second.stderr
    assert gets[1]["headers"].get("If-None-Match") == '"v1"'
    assert target.read_bytes() == body

    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("pyyaml==5.3\n")
    result = run_sca(project, database=str(target))
    assert result.summary["database"]["as_of_source"] == "manifest"
    assert result.summary["database"]["stale"] is False
    assert result.summary["database"]["source"] == server.url + ALL_ZIP


def test_a_bad_download_keeps_the_previous_database(tmp_path, cli) -> None:
    body, _ = _all_zip(DATA / "pyyaml")
    target = tmp_path / "db.zip"
    with serving([], static={ALL_ZIP: body, "/broken.zip": b"PK\x03\x04 not really a zip",
                             "/empty.zip": _all_zip(tmp_path)[0]}) as server:
        assert cli("db", "update", "--url", server.url + ALL_ZIP, "--path", str(target)).exit_code == 0
        broken = cli("db", "update", "--url", server.url + "/broken.zip", "--path", str(target))
        empty = cli("db", "update", "--url", server.url + "/empty.zip", "--path", str(target))
        missing = cli("db", "update", "--url", server.url + "/nope.zip", "--path", str(target))
    # A download that gives nothing usable is the operator's input to fix (exit 2), never a bug (3).
    assert broken.exit_code == 2 and "not a zip" in broken.stderr
    assert empty.exit_code == 2 and "no OSV records" in empty.stderr
    assert missing.exit_code == 2 and "HTTP 404" in missing.stderr
    assert target.read_bytes() == body
    assert not list(tmp_path.glob(".download-*"))


def test_update_from_a_file_url_for_air_gapped_mirrors(tmp_path, cli) -> None:
    body, count = _all_zip(DATA / "django")
    mirror = tmp_path / "mirror.zip"
    mirror.write_bytes(body)
    result = cli("db", "update", "--url", mirror.as_uri(), "--path", str(tmp_path / "db.zip"))
    assert result.exit_code == 0, result.stderr
    assert json.loads(manifest_path(tmp_path / "db.zip").read_text())["records"] == count


def test_info_reports_age_and_fails_when_too_old(tmp_path, cli) -> None:
    body, count = _all_zip(DATA / "flask")
    target = tmp_path / "db.zip"
    target.write_bytes(body)
    old = (datetime.now(UTC) - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest_path(target).write_text(json.dumps({
        "format": "gatecheck-osv-manifest/1", "source": "x", "updated_at": old, "records": count,
    }))
    info = cli("db", "info", "--path", str(target), "--format", "json")
    assert info.exit_code == 0
    data = json.loads(info.stdout)
    assert data["records"] == count and 9.9 < data["age_days"] < 10.1
    assert cli("db", "info", "--path", str(target), "--max-age-days", "30").exit_code == 0
    assert cli("db", "info", "--path", str(target), "--max-age-days", "7").exit_code == 1
    missing = cli("db", "info", "--path", str(tmp_path / "none.zip"))
    assert missing.exit_code == 1 and "db update" in missing.stderr


def test_bad_url_scheme_is_bad_input(tmp_path, cli) -> None:
    result = cli("db", "update", "--url", "ftp://example.invalid/all.zip", "--path", str(tmp_path / "d.zip"))
    assert result.exit_code == 2


def test_help_has_examples(cli) -> None:
    for args in (("db", "--help"), ("db", "update", "--help"), ("db", "info", "--help")):
        result = cli(*args)
        assert result.exit_code == 0 and "gatecheck db" in result.stdout
