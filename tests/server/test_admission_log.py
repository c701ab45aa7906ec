"""The admission log never loses a record because of one bad field, on SQLite and on the real PostgreSQL server.

Values longer than their column are cut and marked; characters no database stores are replaced;
a record the database still refuses is reported (log and metric) and never takes the others with it.
"""

from __future__ import annotations

import logging
import re
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from attestation_factory import digest_of, entries, make_bundle, new_key
from store_backends import BACKENDS, fresh_store_url
from tls_server import make_pki, serve_https

from gatecheck.attest.verify import VerifyOptions
from gatecheck.server.app import ServerSettings, create_app
from gatecheck.store import Store
from gatecheck.store.schema import admissions

GOOD = f"registry.example/good@sha256:{digest_of('good')}"
MARK = re.compile(r"…\[truncated (\d+) chars\]$")


@dataclass
class Webhook:
    store: Store
    base: str
    client: httpx.Client


@pytest.fixture(params=BACKENDS)
def webhook(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Webhook]:
    ci = new_key()
    with fresh_store_url(request.param, tmp_path) as url, Store.open(url) as store:
        options = VerifyOptions(keys=[ci.public])
        store.push(entries(make_bundle(ci, digest_of("good"))), options)
        pki = make_pki(tmp_path)
        context = ssl.create_default_context(cafile=str(pki.ca_cert))
        with serve_https(create_app(store, ServerSettings(options=options)), pki) as base, \
                httpx.Client(verify=context, timeout=10) as client:
            yield Webhook(store, base, client)


def admit(webhook: Webhook, namespace: str, name: str) -> None:
    review = {
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": name[:40], "kind": {"group": "", "version": "v1", "kind": "Pod"}, "namespace": namespace,
                    "name": name, "operation": "CREATE",
                    "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                               "spec": {"containers": [{"name": "app", "image": GOOD}]}}},
    }
    res = webhook.client.post(f"{webhook.base}/validate", json=review)
    assert res.status_code == 200, res.text


def logged(store: Store, expected: int) -> list[Any]:
    """The admission log once it holds ``expected`` records (the writer works in the background)."""
    deadline = time.monotonic() + 15
    while True:
        rows = store.admissions_since(datetime.now(UTC) - timedelta(hours=1))
        if len(rows) >= expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def assert_cut(stored: str, original: str, limit: int) -> None:
    """``stored`` is ``original`` cut to ``limit`` characters, with a mark that counts what was cut."""
    m = MARK.search(stored)
    assert m, stored[-40:]
    assert len(stored) == limit
    assert stored[:m.start()] == original[:m.start()]
    assert int(m.group(1)) == len(original) - m.start()


def test_a_long_namespace_never_costs_the_other_records(webhook: Webhook) -> None:
    long_namespace = "n" * 300
    long_name = "shop-" + "x" * 5000
    for i in range(10):
        admit(webhook, "shop", f"before-{i}")
    admit(webhook, long_namespace, "the-long-one")
    admit(webhook, "shop", long_name)
    admit(webhook, "shop\x00evil", "nul-byte")
    for i in range(10):
        admit(webhook, "shop", f"after-{i}")
    # The same request again and again: each one is still logged, and so is everything around it.
    for i in range(3):
        admit(webhook, long_namespace, f"again-{i}")
        admit(webhook, "shop", f"between-{i}")
    rows = logged(webhook.store, 29)
    names = [r["name"] for r in rows]
    assert len(rows) == 29, names
    assert {f"before-{i}" for i in range(10)} | {f"after-{i}" for i in range(10)} <= set(names)
    by_name = {r["name"]: r for r in rows}
    assert_cut(by_name["the-long-one"]["namespace"], long_namespace, 253)
    assert by_name["again-2"]["namespace"] == by_name["the-long-one"]["namespace"]
    (cut_name,) = [n for n in names if n.startswith("shop-x")]
    assert_cut(cut_name, long_name, 253)
    assert by_name["nul-byte"]["namespace"] == "shop\ufffdevil"
    assert all(r["allowed"] and r["passing"] and r["digest"] == digest_of("good") for r in rows)


def refuse_namespace(store: Store, namespace: str) -> None:
    """Make the database itself refuse admission records for ``namespace`` (a constraint of the operator's)."""
    with store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(sa.text(f"CREATE TRIGGER refuse_namespace BEFORE INSERT ON admissions "
                                 f"WHEN NEW.namespace = '{namespace}' "
                                 f"BEGIN SELECT RAISE(ABORT, 'refuse_namespace'); END"))
        else:
            conn.execute(sa.text(f"ALTER TABLE admissions ADD CONSTRAINT refuse_namespace "
                                 f"CHECK (namespace <> '{namespace}')"))


def metric(webhook: Webhook, sample: str) -> float:
    text = webhook.client.get(f"{webhook.base}/metrics").text
    line = next((ln for ln in text.splitlines() if ln.startswith(sample + " ")), f"{sample} 0")
    return float(line.rsplit(" ", 1)[1])


def test_a_record_the_database_refuses_is_reported_and_the_others_are_kept(
        webhook: Webhook, caplog: pytest.LogCaptureFixture) -> None:
    refuse_namespace(webhook.store, "refused")
    with caplog.at_level(logging.ERROR, logger="gatecheck.server"):
        for i in range(5):
            admit(webhook, "shop", f"kept-{i}")
        admit(webhook, "refused", "lost-one")
        for i in range(5, 10):
            admit(webhook, "shop", f"kept-{i}")
        rows = logged(webhook.store, 10)
        deadline = time.monotonic() + 10
        while metric(webhook, 'gatecheck_admission_log_records_total{outcome="failed"}') < 1:
            assert time.monotonic() < deadline, "the refused record was not counted"
            time.sleep(0.05)
    assert sorted(r["name"] for r in rows) == sorted(f"kept-{i}" for i in range(10))
    assert metric(webhook, 'gatecheck_admission_log_records_total{outcome="failed"}') == 1
    assert metric(webhook, 'gatecheck_admission_log_records_total{outcome="written"}') == 10
    (message,) = [r.getMessage() for r in caplog.records if "admission record" in r.getMessage()]
    assert "refuse_namespace" in message and "namespace='refused' name='lost-one'" in message


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_string_column_is_fitted_and_marked(backend: str, tmp_path: Path) -> None:
    row = {"at": "2026-01-01T00:00:00.000000Z", "namespace": "n" * 254, "kind": "K" * 150, "name": "m" * 10_000,
           "image": "registry.example/" + "i" * 2000, "digest": digest_of("x"), "allowed": False, "passing": False,
           "reason": "R" * 1000, "mode": "enforce" * 10}
    with fresh_store_url(backend, tmp_path) as url, Store.open(url) as store:
        assert store.log_admissions([row]) == []
        (stored,) = store.admissions_since(datetime(2025, 1, 1, tzinfo=UTC))
    for column in ("namespace", "kind", "name", "image", "reason"):
        length = admissions.c[column].type.length  # type: ignore[attr-defined]
        assert_cut(stored[column], row[column], length)
    # A column too short for the mark keeps what fits and ends with an ellipsis.
    assert stored["mode"] == row["mode"][:19] + "…"
    assert stored["digest"] == row["digest"] and stored["allowed"] is False


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_refused_row_in_a_batch_is_returned_with_its_reason(backend: str, tmp_path: Path) -> None:
    good = {"at": "2026-01-01T00:00:00.000000Z", "namespace": "shop", "kind": "Pod", "name": "ok", "image": GOOD,
            "digest": digest_of("good"), "allowed": True, "passing": True, "reason": None, "mode": "enforce"}
    bad = {**good, "name": "no-decision", "allowed": None}
    with fresh_store_url(backend, tmp_path) as url, Store.open(url) as store:
        failed = store.log_admissions([good, bad, {**good, "name": "ok-2"}])
        names = [r["name"] for r in store.admissions_since(datetime(2025, 1, 1, tzinfo=UTC))]
    assert names == ["ok", "ok-2"]
    ((row, reason),) = failed
    assert row["name"] == "no-decision" and "allowed" in reason.lower()
