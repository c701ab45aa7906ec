"""An expired waiver is never applied, in any path (gatecheck.waivers.expiry), and the tools say so."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from gatecheck import waivers
from gatecheck.model import Decision, DecisionEntry

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_expired_waiver_applied_by_a_policy_is_turned_back_into_a_deny(tmp_path: Path) -> None:
    text = "waivers:\n- {id: OLD, reason: was fine, owner: me, expires: '2025-12-01', match: {rule: r1}}\n"
    (tmp_path / "w.yaml").write_text(text)
    wf = waivers.load(tmp_path / "w.yaml", now=NOW)
    careless = Decision(allow=True, waived=[DecisionEntry("x.rule", "m", finding_id="c", waiver_id="OLD")])
    decision = waivers.enforce_expiry(careless, wf, NOW)
    assert decision.allow is False and decision.waived == []
    assert decision.deny[0].rule == "gatecheck.waiver_expired_applied"
    assert any(e.rule == "gatecheck.waiver_expired" and "30 day(s)" in e.message for e in decision.warn)


def test_expired_waiver_is_not_applied_in_a_gate_run(cli, example_copy: Path) -> None:  # type: ignore[no-untyped-def]
    waiver = ('[[waivers]]\nid = "W1"\nreason = "reviewed"\nowner = "web"\nexpires = {when}\n'
              'match = {{ rule = "ESLint/no-eval" }}\n')
    yesterday = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).date().isoformat()
    (example_copy / "gatecheck.waivers.toml").write_text(waiver.format(when=yesterday))
    result = cli("run", str(example_copy), "--check", "sarif", "-q", "-f", "json")
    doc = json.loads(result.stdout)
    assert result.exit_code == 1 and doc["decision"]["waived"] == []
    [expired] = [e for e in doc["decision"]["warn"] if e["rule"] == "gatecheck.waiver_expired"]
    assert expired["waiver_id"] == "W1" and "day(s) ago" in expired["message"]
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(days=5)).date().isoformat()
    (example_copy / "gatecheck.waivers.toml").write_text(waiver.format(when=soon))
    result = cli("run", str(example_copy), "--check", "sarif", "-q", "-f", "json", "-o", str(example_copy / "r.json"))
    assert result.exit_code == 0
    listing = cli("waivers", "list", str(example_copy), "--report", str(example_copy / "r.json"), "--json")
    [row] = json.loads(listing.stdout)["waivers"]
    assert row["status"] == "expiring" and len(row["matched"]) == 1
    explained = cli("explain", row["matched"][0][:10], str(example_copy), "--report", str(example_copy / "r.json"))
    assert explained.exit_code == 0 and "WAIVED by waiver W1" in explained.stdout and "owner web" in explained.stdout


def test_waivers_check_fails_on_unmatched_and_expired(cli, example_copy: Path) -> None:  # type: ignore[no-untyped-def]
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).date().isoformat()
    (example_copy / "gatecheck.waivers.yaml").write_text(
        f"waivers:\n- {{id: NOPE, reason: nothing here, owner: me, expires: '{soon}', match: {{rule: no-such-rule}}}}\n")
    cli("run", str(example_copy), "--check", "sarif", "-q", "-f", "json", "-o", str(example_copy / "r.json"))
    result = cli("waivers", "check", str(example_copy), "--report", str(example_copy / "r.json"))
    assert result.exit_code == 1 and "waiver NOPE matches no finding" in result.stdout
    (example_copy / "gatecheck.waivers.yaml").write_text("waivers:\n- id: X\n  owner: [\n")
    bad = cli("waivers", "check", str(example_copy))
    assert bad.exit_code == 2 and "gatecheck.waivers.yaml:" in bad.stderr
