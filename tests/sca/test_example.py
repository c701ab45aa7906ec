"""The example project works offline out of the box and reports the advisories its pins have."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from osv_api_double import reference_affected
from packaging.requirements import Requirement

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "webapp"


def _expected_from_the_extract() -> set[tuple[str, str]]:
    with zipfile.ZipFile(EXAMPLE / "osv" / "PyPI-extract.zip") as zf:
        records = [json.loads(zf.read(n)) for n in zf.namelist()]
    pins = []
    for line in (EXAMPLE / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            req = Requirement(line)
            pins.append((req.name, next(iter(req.specifier)).version))
    return {(n, r["id"]) for n, v in pins for r in records if reference_affected(r, n, v)}


def test_example_reports_its_advisories_offline(example_copy, cli) -> None:
    result = cli("run", str(example_copy), "--check", "sca", "--format", f"json:{example_copy}/out.json")
    assert result.exit_code == 1, result.stderr  # the example is meant to be denied
    report = json.loads((example_copy / "out.json").read_text())
    [sca] = [c for c in report["results"] if c["check"] == "sca"]
    assert sca["status"] == "ok", sca["error"]
    reported = {
        (f["package"]["name"], rid)
        for f in sca["findings"] if f["metadata"]["kind"] == "advisory"
        for rid in f["metadata"]["records"]
    }
    expected = _expected_from_the_extract()
    assert len(expected) >= 20
    assert reported == expected
    assert sca["summary"]["database"]["path"] == "osv/PyPI-extract.zip"
    assert sca["summary"]["database"]["stale"] is True  # a frozen snapshot says so
    assert any(f["rule_id"] == "sca/database-stale" for f in sca["findings"])
    for finding in sca["findings"]:
        if finding["metadata"]["kind"] == "advisory":
            assert finding["package"]["purl"].startswith(f"pkg:pypi/{finding['package']['name']}@")
            assert finding["location"]["path"] == "requirements.txt"


def test_example_rerun_is_a_cache_hit(example_copy, cli) -> None:
    cli("run", str(example_copy), "--check", "sca", "--format", f"json:{example_copy}/first.json")
    cli("run", str(example_copy), "--check", "sca", "--format", f"json:{example_copy}/second.json")
    first = json.loads((example_copy / "first.json").read_text())["results"][0]
    second = json.loads((example_copy / "second.json").read_text())["results"][0]
    assert not first["cached"] and second["cached"]
    assert [f["id"] for f in first["findings"]] == [f["id"] for f in second["findings"]]
    assert any(i["path"] == "osv/PyPI-extract.zip" for i in second["inputs"])
