"""The ``slo`` check: error budgets and burn rates from Prometheus, as facts the policy judges.

For every SLO the operator declared, the check evaluates its SLI over the SLO window (the error
budget remaining) and over each burn-rate alert's long and short windows (the SRE workbook's
multi-window, multi-burn-rate alerts), all at one instant, and reports every resolved query, its
value and its time range in the result's summary. The policy decides what burning means
(policies/gatecheck/slo.rego: deny at ``deploy`` on a fast burn or a budget under the floor,
warn on a slow burn). The result goes into the signed check-result attestation, so a verdict
names the queries and numbers it relied on.

No data, a query error or an unreachable server makes the check end with ``status: error``
(which the default policy denies), keeping whatever was measured in the summary.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gatecheck.api import CheckBase, CheckContext, CheckFailed, CheckResult, Tool, format_micro, scrub
from gatecheck_plugins.slo.options import OPTIONS_SCHEMA, BurnAlert, Slo, parse_alerts, parse_slos, promql_duration
from gatecheck_plugins.slo.prometheus import Prometheus, QueryFailed

__version__ = "1.0.0"

#: The check's name: its table in the configuration (``[checks.slo]``) and its findings' ``check``.
CHECK = "slo"


def _iso(moment: float) -> str:
    return format_micro(datetime.fromtimestamp(moment, UTC))


class SloCheck(CheckBase):
    """Judges service level objectives from Prometheus before a promotion."""

    name = CHECK
    version = __version__
    description = "Error budgets and multi-window burn rates of the operator's SLOs, read from Prometheus."
    #: Runs only when the operator configures it ([checks.slo] with SLOs, or `--check slo`).
    enabled_by_default = False
    options_schema: Mapping[str, Any] = OPTIONS_SCHEMA

    def inputs(self, ctx: CheckContext) -> list[Path]:
        return []

    def restore(self, ctx: CheckContext, result: CheckResult) -> None:
        """Never answer from the cache: the measurements are of now, and no file says when they changed."""
        raise CheckFailed("an SLO result is never reused")

    def run(self, ctx: CheckContext) -> CheckResult:
        tool = Tool(self.name, self.version)
        options = ctx.options
        slos = parse_slos(options)
        url = options.get("prometheus_url")
        if not slos and not url:
            return CheckResult(tool=tool, status="skipped", summary={"slos": []},
                               error="no SLOs configured (set [checks.slo] prometheus_url and slos in the operator's "
                                     "configuration)")
        if not url:
            raise CheckFailed("checks.slo.prometheus_url is not set: the SLOs have no Prometheus to be read from",
                              bad_input=True)
        if not slos:
            raise CheckFailed("checks.slo declares no SLO: a check that judges nothing is not a pass", bad_input=True)
        alerts = parse_alerts(options)
        client = Prometheus(url, timeout=float(options.get("request_timeout", 30)), token=self._token(ctx, options),
                            verify=options.get("ca_bundle") or True)
        at = time.time()
        summary: dict[str, Any] = {"prometheus": scrub(url), "evaluated_at": _iso(at), "evaluated_at_ns": int(at * 1e9),
                                   "burn_alerts": [_alert_doc(a) for a in alerts], "slos": []}
        problems: list[str] = []
        try:
            for slo in slos:
                doc, problem = self._evaluate(ctx, client, slo, alerts, at)
                summary["slos"].append(doc)
                if problem:
                    problems.append(problem)
                    if "cannot reach Prometheus" in problem:
                        break  # every other SLO would say the same
        finally:
            client.close()
        if problems:
            return CheckResult(tool=tool, status="error", summary=summary,
                               error="; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
        return CheckResult(tool=tool, summary=summary)

    @staticmethod
    def _token(ctx: CheckContext, options: dict[str, Any]) -> str | None:
        name = options.get("bearer_token_env")
        if not name:
            return None
        value = os.environ.get(name)
        if not value:
            raise CheckFailed(f"environment variable {name} (checks.slo.bearer_token_env) is not set", bad_input=True)
        ctx.sensitive(value)
        return value

    def _evaluate(self, ctx: CheckContext, client: Prometheus, slo: Slo, alerts: list[BurnAlert],
                  at: float) -> tuple[dict[str, Any], str | None]:
        """Every window this SLO needs, measured at ``at``; the first problem (or None) with the facts."""
        wanted = [slo.window] + [w for a in alerts for w in (a.long_window, a.short_window)]
        windows: dict[str, dict[str, Any]] = {}
        problem = None
        for window in dict.fromkeys(wanted):
            ctx.check_cancelled()
            label = promql_duration(window)
            measured = _measure(client, slo, window, at, ctx.remaining())
            windows[label] = measured
            if "problem" in measured and problem is None:
                problem = f"SLO {slo.name}: {label} window: {measured['problem']}"
            if measured.get("problem_kind") == "unreachable":
                break  # the other windows would only wait for the same timeout
        doc: dict[str, Any] = {
            "name": slo.name, "description": slo.description, "objective": slo.objective,
            "error_budget": slo.error_budget, "window": promql_duration(slo.window), "budget_floor": slo.budget_floor,
            "sli": "error_ratio" if slo.error_ratio else "bad/total", "windows": windows,
        }
        if problem is not None:
            doc["status"] = "error"
            return doc, problem
        budget = windows[promql_duration(slo.window)]
        consumed = budget["error_ratio"] / slo.error_budget
        doc["budget"] = {"window": promql_duration(slo.window), "consumed": consumed, "remaining": 1.0 - consumed,
                         "start": budget["start"], "end": budget["end"]}
        doc["alerts"] = []
        for alert in alerts:
            long_doc = windows[promql_duration(alert.long_window)]
            short_doc = windows[promql_duration(alert.short_window)]
            firing = long_doc["burn_rate"] > alert.burn_rate and short_doc["burn_rate"] > alert.burn_rate
            doc["alerts"].append({
                "name": alert.name, "kind": alert.kind, "burn_rate_threshold": alert.burn_rate,
                "long_window": promql_duration(alert.long_window), "short_window": promql_duration(alert.short_window),
                "long_burn_rate": long_doc["burn_rate"], "short_burn_rate": short_doc["burn_rate"], "firing": firing,
            })
        doc["fast_burn"] = any(a["firing"] for a in doc["alerts"] if a["kind"] == "fast")
        doc["slow_burn"] = any(a["firing"] for a in doc["alerts"] if a["kind"] == "slow")
        doc["status"] = "ok"
        return doc, None


def _alert_doc(alert: BurnAlert) -> dict[str, Any]:
    return {"name": alert.name, "kind": alert.kind, "long_window": promql_duration(alert.long_window),
            "short_window": promql_duration(alert.short_window), "burn_rate": alert.burn_rate}


def _measure(client: Prometheus, slo: Slo, window: timedelta, at: float, remaining: float) -> dict[str, Any]:
    """The SLI over one window: the resolved queries, their values and the error ratio and burn rate."""
    queries = slo.queries(window)
    doc: dict[str, Any] = {"queries": queries, "values": {}, "start": _iso(at - window.total_seconds()), "end": _iso(at)}
    try:
        for key, query in queries.items():
            doc["values"][key] = client.instant(query, at, timeout=remaining)
    except QueryFailed as exc:
        failed = next(k for k in queries if k not in doc["values"])
        doc["problem"] = exc.message if exc.kind == "unreachable" else f"{failed} query `{queries[failed]}`: {exc.message}"
        doc["problem_kind"] = exc.kind
        return doc
    values = doc["values"]
    if "error_ratio" in values:
        ratio = values["error_ratio"]
    else:
        bad, total = values["bad"], values["total"]
        if total <= 0:
            # No traffic is not "no errors": with nothing to measure the SLO says nothing.
            doc["problem"] = f"no data: no events in the window (total `{queries['total']}` is {total:g})"
            doc["problem_kind"] = "no_data"
            return doc
        ratio = bad / total
    # A hair over 1 or under 0 is rate() extrapolation; more means the queries do not measure one thing.
    if ratio < -1e-9 or ratio > 1 + 1e-6:
        doc["problem"] = f"the error ratio is {ratio:g}, outside 0..1: the bad and total queries do not match"
        doc["problem_kind"] = "error"
        return doc
    ratio = min(max(ratio, 0.0), 1.0)
    doc["error_ratio"] = ratio
    doc["burn_rate"] = ratio / slo.error_budget
    return doc
