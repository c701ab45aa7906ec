"""Waivers for every check, secrets included (issue 17): a secret is waived by a waiver naming its
finding id, and `waivers list`/`check` agree with the policy on what each waiver did."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _waiver(wid: str, match: str) -> str:
    expires = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    return f'[[waivers]]\nid = "{wid}"\nreason = "rotated; history rewrite pending"\nowner = "team-web"\n' \
           f"expires = {expires}\nmatch = {match}\n"


def test_a_broad_secrets_waiver_matches_but_is_not_applied_and_the_tools_say_so(
    example_copy: Path, cli: Callable[..., Any], tmp_path: Path,
) -> None:
    (example_copy / "gatecheck.waivers.toml").write_text(_waiver("W-BROAD", '{ check = "secrets" }'))
    report = tmp_path / "r.json"
    assert cli("run", str(example_copy), "-q", "--check", "secrets", "-f", f"json:{report}").exit_code == 1
    doc = json.loads(report.read_text())
    secrets = [f["id"] for r in doc["results"] for f in r["findings"]]
    assert secrets and doc["decision"]["waived"] == []
    listed = json.loads(cli("waivers", "list", str(example_copy), "--report", str(report), "--format", "json").stdout)
    [row] = listed["waivers"]
    assert sorted(row["matched"]) == sorted(secrets) and row["applied"] == []
    checked = cli("waivers", "check", str(example_copy), "--report", str(report))
    assert checked.exit_code == 1 and "the policy applied it to none" in checked.stdout + checked.stderr


def test_a_waiver_naming_the_secrets_finding_id_is_applied(example_copy: Path, cli: Callable[..., Any],
                                                           tmp_path: Path) -> None:
    first = tmp_path / "first.json"
    cli("run", str(example_copy), "-q", "--check", "secrets", "-f", f"json:{first}")
    ids = [f["id"] for r in json.loads(first.read_text())["results"] for f in r["findings"]]
    (example_copy / "gatecheck.waivers.toml").write_text(
        "".join(_waiver(f"W-{i}", f'{{ finding_id = "{fid}" }}') + "\n" for i, fid in enumerate(ids)))
    report = tmp_path / "r.json"
    code = cli("run", str(example_copy), "-q", "--check", "secrets", "-f", f"json:{report}").exit_code
    doc = json.loads(report.read_text())
    assert code == 0 and sorted(e["finding_id"] for e in doc["decision"]["waived"]) == sorted(ids)
    listed = json.loads(cli("waivers", "list", str(example_copy), "--report", str(report), "--format", "json").stdout)
    assert all(row["applied"] == row["matched"] and len(row["applied"]) == 1 for row in listed["waivers"])
    assert cli("waivers", "check", str(example_copy), "--report", str(report)).exit_code == 0
