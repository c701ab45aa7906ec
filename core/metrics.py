"""Gate signals as metrics: ``gatecheck run --metrics FILE`` writes one run as OpenMetrics text.

The file is for node_exporter's textfile collector (write it into the collector's directory, as
``*.prom``) or a Pushgateway (``curl --data-binary @FILE .../metrics/job/gatecheck``). Every metric
is a gauge about this one run and carries the run's ``stage``; only gauges are written, so the
same text is valid Prometheus exposition format too (the textfile collector reads that).

Metrics, the signals the deployment-pipeline practice names (contrib/grafana/ draws them):

* ``gatecheck_run_timestamp_seconds``, ``gatecheck_run_duration_seconds``,
  ``gatecheck_decision_allowed`` (1 allowed, 0 denied), ``gatecheck_exit_code``;
* ``gatecheck_checks{status}``: how many checks ended ok, error, timeout, skipped (scan failures
  are error and timeout); ``gatecheck_check_status{check,status}`` and
  ``gatecheck_check_duration_seconds{check}`` per check;
* ``gatecheck_findings{check,severity}``;
* ``gatecheck_policy_denials{rule}``, ``gatecheck_policy_warnings{rule}``, ``gatecheck_policy_waived{rule}``;
* ``gatecheck_waivers_applied``, ``gatecheck_waivers_expiring`` (applied waivers that expire within
  ``expiring_within``, 14 days unless told), ``gatecheck_waivers_expired`` (expired waivers the run
  reported), ``gatecheck_waiver_expiry_timestamp_seconds{waiver}``;
* from the ``slo`` check's summary: ``gatecheck_slo_burn_rate{slo,window}``,
  ``gatecheck_slo_error_budget_remaining_ratio{slo}``, ``gatecheck_slo_objective_ratio{slo}`` and
  ``gatecheck_slo_alert_firing{slo,alert,kind}``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.openmetrics.exposition import generate_latest

from gatecheck.files import atomic_write
from gatecheck.model import SEVERITIES
from gatecheck.reports import Report

STATUSES = ("ok", "error", "timeout", "skipped")
DEFAULT_EXPIRING_WITHIN = dt.timedelta(days=14)


def _expiry(text: object) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        if len(text) == 10:
            # A waiver's date holds through that whole day (gatecheck.waivers).
            return dt.datetime.combine(dt.date.fromisoformat(text) + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def render(report: Report, *, now: dt.datetime | None = None,
           expiring_within: dt.timedelta = DEFAULT_EXPIRING_WITHIN) -> str:
    """The run's metrics as OpenMetrics text (ending in ``# EOF``)."""
    now = now or dt.datetime.now(dt.UTC)
    registry = CollectorRegistry(auto_describe=True)
    stage = report.stage

    def gauge(name: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
        return Gauge(name, doc, ("stage", *labels), registry=registry)

    gauge("gatecheck_run_timestamp_seconds", "When the run ended (Unix time).").labels(stage).set(now.timestamp())
    gauge("gatecheck_run_duration_seconds", "How long the run took.").labels(stage).set(report.duration_ms / 1000)
    gauge("gatecheck_decision_allowed", "1 when the policy allowed the change, 0 when it denied it.").labels(
        stage).set(1 if report.passed else 0)
    gauge("gatecheck_exit_code", "The run's exit code: 0 pass, 1 denied, 2 bad input, 3 internal error.").labels(
        stage).set(report.exit_code)

    by_status: Counter[str] = Counter(r.status for r in report.results)
    checks = gauge("gatecheck_checks", "Checks by how they ended (error and timeout are scan failures).", ("status",))
    status_of = gauge("gatecheck_check_status", "1 for the status each check ended with.", ("check", "status"))
    duration = gauge("gatecheck_check_duration_seconds", "Wall time of each check.", ("check",))
    findings = gauge("gatecheck_findings", "Findings by check and severity.", ("check", "severity"))
    for status in STATUSES:
        checks.labels(stage, status).set(by_status.get(status, 0))
    for result in report.results:
        status_of.labels(stage, result.check, result.status).set(1)
        duration.labels(stage, result.check).set(result.duration_ms / 1000)
        counts = Counter(f.severity for f in result.findings)
        for severity in SEVERITIES:
            findings.labels(stage, result.check, severity).set(counts.get(severity, 0))

    for kind, name, doc in (("deny", "gatecheck_policy_denials", "Decision entries that deny, by rule."),
                            ("warn", "gatecheck_policy_warnings", "Decision entries that warn, by rule."),
                            ("waived", "gatecheck_policy_waived", "Decision entries a waiver covered, by rule.")):
        metric = gauge(name, doc, ("rule",))
        for rule, count in sorted(Counter(e.rule for e in getattr(report.decision, kind)).items()):
            metric.labels(stage, rule).set(count)

    applied = gauge("gatecheck_waivers_applied", "Waivers the decision applied.")
    expiring = gauge("gatecheck_waivers_expiring", f"Applied waivers that expire within {expiring_within.days} days.")
    expired = gauge("gatecheck_waivers_expired", "Expired waivers the run reported (never applied).")
    expiry = gauge("gatecheck_waiver_expiry_timestamp_seconds", "When each applied waiver expires (Unix time).",
                   ("waiver",))
    soon = 0
    for waiver in report.applied_waivers:
        when = _expiry(waiver.get("expires"))
        if when is None:
            continue
        expiry.labels(stage, str(waiver.get("id"))).set(when.timestamp())
        soon += now <= when <= now + expiring_within
    applied.labels(stage).set(len(report.applied_waivers))
    expiring.labels(stage).set(soon)
    expired.labels(stage).set(len({e.waiver_id for e in report.decision.warn if e.rule == "gatecheck.waiver_expired"}))
    _slo_metrics(report, gauge, stage)
    text: bytes = generate_latest(registry)  # type: ignore[no-untyped-call]  # untyped in prometheus-client
    return text.decode("utf-8")


def _slo_metrics(report: Report, gauge: Any, stage: str) -> None:
    """The slo check's measurements (its summary document, gatecheck_plugins.slo), when it ran."""
    burn = gauge("gatecheck_slo_burn_rate", "Error budget burn rate per SLO and window (1 = sustainable).",
                 ("slo", "window"))
    remaining = gauge("gatecheck_slo_error_budget_remaining_ratio", "Error budget left over the SLO window (1 = all).",
                      ("slo",))
    objective = gauge("gatecheck_slo_objective_ratio", "The SLO's objective (0.999 for 99.9%).", ("slo",))
    firing = gauge("gatecheck_slo_alert_firing", "1 when a multi-window burn-rate alert fires.", ("slo", "alert", "kind"))
    for result in report.results:
        if result.check != "slo":
            continue
        for slo in result.summary.get("slos") or []:
            if not isinstance(slo, dict) or not isinstance(slo.get("name"), str):
                continue
            name = slo["name"]
            if isinstance(slo.get("objective"), int | float):
                objective.labels(stage, name).set(slo["objective"])
            for window, measured in (slo.get("windows") or {}).items():
                if isinstance(measured, dict) and isinstance(measured.get("burn_rate"), int | float):
                    burn.labels(stage, name, window).set(measured["burn_rate"])
            budget = slo.get("budget")
            if isinstance(budget, dict) and isinstance(budget.get("remaining"), int | float):
                remaining.labels(stage, name).set(budget["remaining"])
            for alert in slo.get("alerts") or []:
                if isinstance(alert, dict):
                    firing.labels(stage, name, str(alert.get("name")), str(alert.get("kind"))).set(
                        1 if alert.get("firing") else 0)


def write(path: Path, report: Report) -> None:
    """Write the run's metrics to ``path`` atomically (a collector never reads half a file)."""
    atomic_write(path, render(report))
    # Readable by the collector, which runs as its own user; the file holds counts, no secret.
    path.chmod(0o644)
