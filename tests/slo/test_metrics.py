"""`gatecheck run --metrics FILE`: OpenMetrics text of real gate runs, read back by Prometheus's own
parsers (prometheus-client's, and promtool's lint), and the Grafana dashboard drawn from them."""

from __future__ import annotations

import json
import re
import shutil
import stat
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics_families
from prometheus_client.parser import text_string_to_metric_families as text_families

REPO = Path(__file__).resolve().parents[2]
DASHBOARD = REPO / "contrib" / "grafana" / "gatecheck-dashboard.json"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in openmetrics_families(text) for s in f.samples}


def value(found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return found[(name, tuple(sorted(labels.items())))]


@pytest.fixture
def waived_run(example_copy: Path, tmp_path: Path, cli: Callable[..., Any]) -> tuple[str, dict[str, Any]]:
    """A ci run of the example that denies, with one waiver applied (expiring in 5 days) and one expired."""
    first = tmp_path / "first.json"
    cli("run", str(example_copy), "--check", "sarif", "--fail-on", "low", "-q", "-f", f"json:{first}")
    report = json.loads(first.read_text())
    denied = next(e for e in report["decision"]["deny"] if e.get("finding_id"))
    soon = (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%d")
    (tmp_path / "waivers.toml").write_text(
        f'[[waivers]]\nid = "W-1"\nmatch = {{finding_id = "{denied["finding_id"]}"}}\nreason = "vendor fix due"\n'
        f'owner = "team-a"\nexpires = "{soon}"\n\n'
        '[[waivers]]\nid = "W-OLD"\nmatch = {rule = "nothing"}\nreason = "old"\nowner = "team-a"\nexpires = "2020-01-01"\n')
    out, metrics = tmp_path / "report.json", tmp_path / "metrics" / "gatecheck.prom"
    result = cli("run", str(example_copy), "--check", "sarif", "--fail-on", "low", "-q",
                 "--waivers", str(tmp_path / "waivers.toml"), "-f", f"json:{out}", "--metrics", str(metrics))
    assert result.exit_code == 1, result.stderr
    assert stat.S_IMODE(metrics.stat().st_mode) == 0o644  # the collector runs as another user
    return metrics.read_text(), json.loads(out.read_text())


def test_metrics_of_a_denied_run_with_waivers(waived_run: tuple[str, dict[str, Any]]) -> None:
    text, report = waived_run
    assert text.endswith("# EOF\n")
    found = samples(text)
    assert value(found, "gatecheck_decision_allowed", stage="ci") == 0
    assert value(found, "gatecheck_exit_code", stage="ci") == 1
    assert value(found, "gatecheck_checks", stage="ci", status="ok") == 1
    assert value(found, "gatecheck_checks", stage="ci", status="error") == 0
    denials = {dict(k[1])["rule"]: v for k, v in found.items() if k[0] == "gatecheck_policy_denials"}
    expected: dict[str, int] = {}
    for entry in report["decision"]["deny"]:
        expected[entry["rule"]] = expected.get(entry["rule"], 0) + 1
    assert denials == expected and sum(denials.values()) == len(report["decision"]["deny"])
    [sarif] = [r for r in report["results"] if r["check"] == "sarif"]
    for severity in ("critical", "high", "medium", "low", "info", "unknown"):
        count = sum(1 for f in sarif["findings"] if f["severity"] == severity)
        assert value(found, "gatecheck_findings", stage="ci", check="sarif", severity=severity) == count
    assert value(found, "gatecheck_waivers_applied", stage="ci") == 1
    assert value(found, "gatecheck_waivers_expiring", stage="ci") == 1
    assert value(found, "gatecheck_waivers_expired", stage="ci") == 1
    expiry = value(found, "gatecheck_waiver_expiry_timestamp_seconds", stage="ci", waiver="W-1")
    assert 4 * 86400 < expiry - datetime.now(UTC).timestamp() < 6 * 86400


def test_prometheus_text_parsers_and_promtool_accept_it(waived_run: tuple[str, dict[str, Any]], tmp_path: Path) -> None:
    text, _ = waived_run
    assert {f.name for f in text_families(text)} == {f.name for f in openmetrics_families(text)}
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool is not installed: .ci/prometheus.sh installs Debian's prometheus package")
    lint = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
    assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.fixture
def slo_run(tmp_path: Path, cli: Callable[..., Any], prometheus_url: str, slo_of: Callable[..., dict[str, Any]]) -> str:
    """The metrics of a deploy run whose SLO burns fast."""
    (tmp_path / "project").mkdir()
    config = tmp_path / "deploy.toml"
    slo = slo_of("fastburn", name="checkout")
    config.write_text(f'version = 1\n[policy.data.sbom]\nrequired = false\n[checks.slo]\nprometheus_url = "{prometheus_url}"\n'
                      "[[checks.slo.slos]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in slo.items()))
    metrics = tmp_path / "deploy.prom"
    result = cli("run", str(tmp_path / "project"), "-c", str(config), "--stage", "deploy", "--check", "slo", "-q",
                 "--metrics", str(metrics))
    assert result.exit_code == 1
    return metrics.read_text()


def test_slo_metrics(slo_run: str) -> None:
    found = samples(slo_run)
    assert value(found, "gatecheck_slo_burn_rate", stage="deploy", slo="checkout", window="5m") == pytest.approx(30, rel=0.1)
    assert value(found, "gatecheck_slo_alert_firing", stage="deploy", slo="checkout", alert="fast", kind="fast") == 1
    assert value(found, "gatecheck_slo_alert_firing", stage="deploy", slo="checkout", alert="slow", kind="slow") == 0
    assert 0.8 < value(found, "gatecheck_slo_error_budget_remaining_ratio", stage="deploy", slo="checkout") < 0.9
    assert value(found, "gatecheck_policy_denials", stage="deploy", rule="gatecheck.slo_fast_burn") == 1


def test_dashboard_queries_only_metrics_gatecheck_writes(slo_run: str, waived_run: tuple[str, dict[str, Any]]) -> None:
    written = {s.name for text in (slo_run, waived_run[0]) for f in openmetrics_families(text) for s in f.samples}
    dashboard = json.loads(DASHBOARD.read_text())
    queried = {name for panel in dashboard["panels"] for target in panel["targets"]
               for name in re.findall(r"\bgatecheck_[a-z_]+", target["expr"])}
    assert queried and queried <= written, queried - written


def test_dashboard_has_the_panels_the_practice_names() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = {panel["title"]: " ".join(t["expr"] for t in panel["targets"]) for panel in dashboard["panels"]}
    assert "gatecheck_policy_denials" in exprs["Policy deny count"]
    assert 'status=~"error|timeout"' in exprs["Scan failures"]
    assert "gatecheck_waivers_expiring" in exprs["Waivers expiring (14 days)"]
    assert "gatecheck_slo_burn_rate" in exprs["SLO burn rate"]
    assert all(p["datasource"]["uid"] == "${DS_PROMETHEUS}" for p in dashboard["panels"])
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
