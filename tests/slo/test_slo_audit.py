"""SLO decisions over time in the audit report: what the slo check measured in stored verdicts."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gatecheck.attest.keys import generate

pytestmark = pytest.mark.slow


def test_audit_report_shows_slo_decisions(gate: Any, tmp_path: Path, prometheus_url: str, cli: Callable[..., Any],
                                          slo_of: Callable[..., dict[str, Any]]) -> None:
    key = tmp_path / "deploy.key"
    key.write_bytes(generate("ed25519").private_pem())
    store = f"sqlite:///{tmp_path / 'store.sqlite'}"
    attest = ("--attest", str(tmp_path / "deploy.intoto.jsonl"), "--subject", "sha256:" + "cd" * 32,
              "--key", f"file:{key}", "--store", store, "--attest-failed")
    gate.configure(slo={"prometheus_url": prometheus_url, "slos": [slo_of("fastburn", name="checkout")]})
    assert gate.run("--check", "slo", "-q", "--stage", "deploy", *attest).exit_code == 1
    gate.configure(slo={"prometheus_url": prometheus_url, "slos": [slo_of("healthy", name="checkout")]})
    assert gate.run("--check", "slo", "-q", "--stage", "deploy", *attest).exit_code == 0

    report = cli("audit", "report", "--store", store, "--format", "csv")
    assert report.exit_code == 0
    rows = [r for r in csv.reader(io.StringIO(report.stdout)) if r[0] == "slo_decision"]
    assert [(r[1], r[5]) for r in rows] == [("checkout", "FAILED"), ("checkout", "PASSED")]
    assert rows[0][6] == "deny gatecheck.slo_fast_burn" and rows[1][6] == ""
    assert float(rows[1][2].rstrip("%")) == pytest.approx(90, abs=2)  # budget left, in percent
    html = cli("audit", "report", "--store", store, "--format", "html").stdout
    assert "<h2>SLO decisions over time</h2>" in html and "1h 0.10x" in html
