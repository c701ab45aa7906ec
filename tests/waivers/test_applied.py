"""A waiver the policy applies is named in the JSON report and in the signed verdict."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gatecheck import validation


def test_applied_waiver_is_reported(cli, example_copy: Path) -> None:  # type: ignore[no-untyped-def]
    expires = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    (example_copy / "gatecheck.waivers.toml").write_text(
        "[[waivers]]\n"
        'id = "eval-in-formula"\n'
        'match = { rule = "ESLint/no-eval" }\n'
        'reason = "formula input is server-generated; rewrite tracked"\n'
        'owner = "web-team"\n'
        'ticket = "WEB-42"\n'
        f'expires = "{expires}"\n'
    )
    result = cli("run", str(example_copy), "--check", "sarif", "-q", "-f", "json")
    doc = json.loads(result.stdout)
    assert validation.first_error("report", doc) is None
    assert [w["id"] for w in doc["applied_waivers"]] == ["eval-in-formula"]
    assert doc["applied_waivers"][0]["owner"] == "web-team" and doc["applied_waivers"][0]["ticket"] == "WEB-42"
    waived = [e for e in doc["decision"]["waived"] if e.get("waiver_id") == "eval-in-formula"]
    assert waived, doc["decision"]
