"""`gatecheck audit verify` and `gatecheck audit report` over a real store."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from attestation_factory import digest_of, entries, make_bundle, new_key, write_public

from gatecheck.attest.keys import PrivateKey
from gatecheck.attest.verify import VerifyOptions
from gatecheck.audit.facts import DECISION_FIELD, WAIVERS_FIELD, gather
from gatecheck.audit.render import render
from gatecheck.audit.reverify import reverify
from gatecheck.store import Store

NOW = datetime.now(UTC)


def decision(*rules: str, waived: tuple[str, ...] = ()) -> dict[str, Any]:
    return {DECISION_FIELD: {
        "allow": not rules,
        "deny": [{"rule": r, "message": f"{r} fired", "finding_id": "f" * 32} for r in rules],
        "warn": [], "waived": [{"rule": "sca.vulnerable", "message": "waived", "waiver_id": w} for w in waived],
    }}


def fill(store: Store, ci: PrivateKey) -> None:
    """Ten days of verdicts, rules, waivers and admissions."""
    opts = VerifyOptions(keys=[ci.public])
    for day in range(10):
        when = NOW - timedelta(days=day, hours=1)
        store.push(entries(make_bundle(ci, digest_of(f"ok{day}"), when=when, extra=decision(waived=("W-1",)))), opts)
        if day % 3 == 0:
            rules = ("secrets.leak", "sca.critical") if day else ("secrets.leak",)
            store.push(entries(make_bundle(ci, digest_of(f"bad{day}"), when=when, passed=False,
                                           extra=decision(*rules))), opts)
    store.push(entries(make_bundle(ci, digest_of("waived"), when=NOW - timedelta(hours=2), extra={
        WAIVERS_FIELD: [{"id": "W-2", "expires": (NOW + timedelta(days=10)).date().isoformat(), "owner": "sec-team",
                         "reason": "vendor fix pending"},
                        {"id": "W-3", "expires": (NOW + timedelta(days=200)).date().isoformat(), "owner": "web"}]})),
               opts)
    # Older than the report period: must not be counted.
    store.push(entries(make_bundle(ci, digest_of("ancient"), when=NOW - timedelta(days=90), passed=False,
                                   extra=decision("old.rule"))), opts)
    at = (NOW - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    row = {"at": at, "namespace": "shop", "kind": "Pod", "name": "p"}
    store.log_admissions([
        {**row, "image": f"reg/ok@sha256:{digest_of('ok0')}", "digest": digest_of("ok0"), "allowed": True,
         "passing": True, "reason": None, "mode": "enforce"},
        {**row, "image": f"reg/bad@sha256:{digest_of('bad0')}", "digest": digest_of("bad0"), "allowed": True,
         "passing": False, "reason": "RESULT_FAILED", "mode": "warn"},
        {**row, "namespace": "web", "image": f"reg/bad@sha256:{digest_of('bad0')}", "digest": digest_of("bad0"),
         "allowed": True, "passing": False, "reason": "RESULT_FAILED", "mode": "warn"},
        {**row, "image": "reg/<script>alert(1)</script>:latest", "digest": None, "allowed": False, "passing": False,
         "reason": "NOT_PINNED", "mode": "enforce"},
        {**row, "image": "=HYPERLINK(\"http://x\")", "digest": None, "allowed": True, "passing": False,
         "reason": "NOT_PINNED", "mode": "warn"},
    ])


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(f"sqlite:///{tmp_path / 'store.sqlite'}")


def test_report_facts(store: Store) -> None:
    ci = new_key()
    fill(store, ci)
    facts = gather(store, NOW - timedelta(days=30), now=NOW)
    assert facts.verdicts == 10 + 4 + 1 and facts.failed == 4 and facts.passed == 11
    assert len(facts.days) == 31 and sum(d.passed + d.failed for d in facts.days) == 15
    today = facts.days[-1] if facts.days[-1].day == (NOW - timedelta(hours=1)).date() else facts.days[-2]
    assert today.failed >= 1
    rules = [(r.rule, r.source, r.count) for r in facts.rules]
    assert rules[0] == ("secrets.leak", "policy", 4)
    assert ("sca.critical", "policy", 3) in rules and ("RESULT_FAILED", "admission", 2) in rules
    assert ("NOT_PINNED", "admission", 2) in rules
    assert all(r[0] != "old.rule" for r in rules)
    waivers = {w.waiver_id: w for w in facts.waivers}
    assert waivers["W-1"].uses == 10 and waivers["W-2"].expiring and not waivers["W-3"].expiring
    assert facts.waivers[0].waiver_id == "W-2"  # expiring first
    unverified = {u.image: u for u in facts.unverified}
    bad = unverified[f"reg/bad@sha256:{digest_of('bad0')}"]
    assert bad.admissions == 2 and bad.namespaces == ["shop", "web"] and bad.reasons == ["RESULT_FAILED"]
    assert f"reg/ok@sha256:{digest_of('ok0')}" not in unverified
    assert "reg/<script>alert(1)</script>:latest" not in unverified  # it was denied, not deployed


def test_report_formats_escape_stored_text(store: Store) -> None:
    fill(store, new_key())
    facts = gather(store, NOW - timedelta(days=30), now=NOW)
    html = render(facts, "html")
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<svg id="verdict-chart"' in html and html.count('class="bar-failed"') == 4
    assert not any(tag in html for tag in ("src=", "href=", "<link", "@import", "url("))  # nothing external
    md = render(facts, "md")
    assert "## Top denying rules" in md and "| secrets.leak | policy | 4 |" in md
    assert "| W-2 | 1 |" in md and "expiring soon" in md
    assert "<script" not in md and "&lt;script&gt;" in md
    rows = list(csv.reader(io.StringIO(render(facts, "csv"))))
    assert rows[0][0] == "section"
    per_day = [r for r in rows if r[0] == "verdicts_per_day"]
    assert sum(int(r[2]) for r in per_day) == 15
    assert ["denying_rule", "secrets.leak", "4", "policy", "secrets.leak fired", "", ""] in rows
    deployed = [r for r in rows if r[0] == "deployed_without_passing_verdict"]
    assert any(r[1].startswith("'=HYPERLINK") for r in deployed)  # never a live formula


def test_audit_verify_lists_what_no_longer_verifies(cli, store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    old, new = new_key(), new_key("ecdsa-p256")
    both = VerifyOptions(keys=[old.public, new.public])
    store.push(entries(make_bundle(old, digest_of("legacy"))), both)
    store.push(entries(make_bundle(new, digest_of("current"))), both)
    # Check results signed with the retired key, the verdict with the new one.
    store.push(entries(make_bundle(old, digest_of("mixed"), vsa_key=new)), both)
    outcome = reverify(store, VerifyOptions(keys=[new.public]))
    assert outcome.checked == 9
    codes = [(f.seq, f.code) for f in outcome.failures]
    assert codes == [(1, "UNTRUSTED_KEY"), (2, "UNTRUSTED_KEY"), (3, "UNTRUSTED_KEY"), (7, "UNTRUSTED_KEY"),
                     (8, "UNTRUSTED_KEY"), (9, "INPUT_INVALID")]
    assert reverify(store, both).ok

    new_pub = write_public(new, tmp_path / "new.pub")
    old_pub = write_public(old, tmp_path / "old.pub")
    res = cli("audit", "verify", "--store", store.url, "--key", str(new_pub), "--format", "json")
    assert res.exit_code == 1 and json.loads(res.stdout)["failed"] == 6
    res = cli("audit", "verify", "--store", store.url, "--key", str(new_pub), "--key", str(old_pub))
    assert res.exit_code == 0 and "9 attestation(s) checked, 0 no longer verify" in res.stdout


def test_audit_report_cli(cli, store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ci = new_key()
    fill(store, ci)
    out = tmp_path / "reports" / "audit.md"
    res = cli("audit", "report", "--store", store.url, "--since", "30d", "--format", "md", "-o", str(out))
    assert res.exit_code == 0, res.stderr
    assert "15 verdicts" in out.read_text()
    res = cli("audit", "report", "--store", store.url, "--since", "7d", "--format", "csv",
              "--key", str(write_public(ci, tmp_path / "ci.pub")))
    assert res.exit_code == 0 and "verdicts_per_day" in res.stdout and "no_longer_verifies" not in res.stdout
    res = cli("audit", "report", "--store", store.url, "--since", "last tuesday")
    assert res.exit_code == 2 and "--since" in res.stderr
