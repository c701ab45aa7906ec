"""Audit reports print no credential that stored attestations carry, and read every timeVerified form.

Verdicts signed by an older gatecheck can hold a URL password in their decision (an sca finding
title such as ``https://user:PASSWORD@host/pkg.tar.gz``, issue 15 item 5) or in a waiver's reason.
The envelope is kept as signed; the report masks what it shows.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from attestation_factory import digest_of, entries, make_bundle, new_key

from gatecheck.attest import PAYLOAD_TYPE, VSA_PREDICATE_TYPE, dsse
from gatecheck.attest.statement import Statement, Subject
from gatecheck.attest.verify import VerifyOptions
from gatecheck.audit.facts import DECISION_FIELD, WAIVERS_FIELD, gather
from gatecheck.audit.render import FORMATS, render
from gatecheck.store import Store

NOW = datetime.now(UTC)
PASSWORD = "Tr0ub4dor-and-3-horses"
URL = f"https://deploy:{PASSWORD}@pkgs.example.com/simple/shop-1.0.tar.gz"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(f"sqlite:///{tmp_path / 'store.sqlite'}")


def test_report_masks_url_credentials_from_stored_verdicts(store: Store) -> None:
    ci = new_key()
    # The password straddles the 200-character cut of a rule's example: masking after cutting
    # would leave its first 12 characters behind.
    message = "x" * 160 + f" requirement {URL} is vulnerable"
    extra = {DECISION_FIELD: {"allow": False, "deny": [{"rule": "sca.vulnerable", "message": message,
                                                         "finding_id": "f" * 32}],
                              "warn": [], "waived": []},
             WAIVERS_FIELD: [{"id": "W-9", "expires": (NOW + timedelta(days=5)).date().isoformat(),
                              "owner": f"see {URL}", "reason": f"mirror {URL} is patched"}]}
    store.push(entries(make_bundle(ci, digest_of("shop"), passed=False, when=NOW - timedelta(hours=1), extra=extra)),
               VerifyOptions(keys=[ci.public]))
    facts = gather(store, NOW - timedelta(days=1), now=NOW)
    assert facts.rules[0].rule == "sca.vulnerable"
    assert "https://deploy:****@" in facts.rules[0].example
    assert facts.waivers[0].reason == "mirror https://deploy:****@pkgs.example.com/simple/shop-1.0.tar.gz is patched"
    assert PASSWORD[:6] not in json.dumps(facts.to_dict(), default=str)
    for fmt in FORMATS:
        text = render(facts, fmt)
        assert PASSWORD[:6] not in text, fmt
    rows = list(csv.reader(io.StringIO(render(facts, "csv"))))
    assert any("https://deploy:****@" in cell for row in rows for cell in row)


def test_report_counts_a_whole_second_verdict_on_its_day(store: Store) -> None:
    ci = new_key()
    when = (NOW - timedelta(days=2)).replace(microsecond=0)
    lines = make_bundle(ci, digest_of("legacy"), when=when)
    doc = json.loads(dsse.parse_envelope(lines[-1]).payload)
    doc["predicate"]["timeVerified"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    subject = tuple(Subject(s["name"], s["digest"]) for s in doc["subject"])
    lines[-1] = dsse.sign(PAYLOAD_TYPE, Statement(subject, VSA_PREDICATE_TYPE, doc["predicate"]).to_json(),
                          [ci]).to_json()
    store.push(entries(lines), VerifyOptions(keys=[ci.public]))
    facts = gather(store, NOW - timedelta(days=7), now=NOW)
    assert facts.verdicts == 1
    assert [(d.day, d.passed) for d in facts.days if d.passed] == [(when.date(), 1)]
