"""The ``slo`` check's options: the JSON Schema and the SLOs and burn-rate alerts it describes.

Everything here is the operator's: where Prometheus is, how to authenticate, which SLOs hold and
what counts as burning. A repository under judgement could otherwise point the gate at a server
it controls, or declare an objective of 50%; every option is annotated
``x-gatecheck-operator`` so repository configuration setting one is bad input (exit 2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from gatecheck.api import CheckFailed, parse_duration

#: The placeholder each query carries; replaced by a Prometheus duration (``5m``, ``1h``, ``30d``).
WINDOW = "{{window}}"

_DURATION = {"type": "string", "description": "A duration: 5m, 1h, 6h, 30d (units s, m, h, d, w)."}

_SLO_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "objective"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200, "description": "The SLO's name, unique."},
        "description": {"type": "string"},
        "objective": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1,
                      "description": "The target ratio of good events, 0.999 for 99.9%."},
        "window": {**_DURATION, "default": "30d", "description": "The SLO window the error budget is counted over."},
        "bad": {"type": "string", "description": "PromQL for the rate of bad events over {{window}}, e.g. "
                "sum(rate(http_requests_total{job=\"api\",code=~\"5..\"}[{{window}}]))."},
        "total": {"type": "string", "description": "PromQL for the rate of all events over {{window}}."},
        "error_ratio": {"type": "string", "description": "Instead of bad and total: PromQL (a recording rule) for "
                        "the error ratio over {{window}}, e.g. slo:sli_error:ratio_rate{{window}}{slo=\"api\"}."},
        "budget_floor": {"type": "number", "minimum": 0, "maximum": 1,
                         "description": "The least remaining error budget this SLO may have before promotion is "
                                        "denied (default: the policy's data.gatecheck.config.slo.budget_floor)."},
    },
}

_ALERT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "kind", "long_window", "short_window", "burn_rate"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "kind": {"enum": ["fast", "slow"], "description": "fast: the default policy denies at deploy; slow: it warns."},
        "long_window": _DURATION,
        "short_window": _DURATION,
        "burn_rate": {"type": "number", "exclusiveMinimum": 0,
                      "description": "Both windows must burn faster than this many times the sustainable rate."},
    },
}

OPTIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "prometheus_url": {"type": "string", "pattern": "^https?://", "x-gatecheck-operator": True,
                           "description": "Base URL of the Prometheus HTTP API (operator only): http://prometheus:9090."},
        "bearer_token_env": {"type": "string", "x-gatecheck-operator": True,
                             "description": "Environment variable holding a bearer token for Prometheus (operator only)."},
        "ca_bundle": {"type": "string", "x-gatecheck-operator": True,
                      "description": "CA bundle (PEM) that signs Prometheus's certificate (operator only)."},
        "request_timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 300, "default": 30,
                            "description": "Seconds one query may take."},
        "slos": {"type": "array", "items": _SLO_SCHEMA, "x-gatecheck-operator": True,
                 "description": "The SLOs to judge (operator only)."},
        "burn_alerts": {"type": "array", "items": _ALERT_SCHEMA, "minItems": 1, "x-gatecheck-operator": True,
                        "description": "Multi-window burn-rate alerts (operator only). Default: the SRE workbook's "
                                       "fast (1h and 5m at 14.4x) and slow (6h and 30m at 6x)."},
    },
}


@dataclass(frozen=True)
class BurnAlert:
    """A multi-window burn-rate condition: both windows burn budget faster than ``burn_rate``."""

    name: str
    kind: str
    long_window: timedelta
    short_window: timedelta
    burn_rate: float


#: The SRE workbook's multi-window, multi-burn-rate alerts for a 30-day window (chapter 5,
#: "Alerting on SLOs"): 2% of the budget in an hour, and 5% in six hours.
DEFAULT_ALERTS = (
    BurnAlert("fast", "fast", timedelta(hours=1), timedelta(minutes=5), 14.4),
    BurnAlert("slow", "slow", timedelta(hours=6), timedelta(minutes=30), 6.0),
)


@dataclass(frozen=True)
class Slo:
    """One SLO as the operator declared it."""

    name: str
    objective: float
    window: timedelta
    bad: str | None
    total: str | None
    error_ratio: str | None
    budget_floor: float | None
    description: str = ""

    @property
    def error_budget(self) -> float:
        """The ratio of events that may fail: 1 - objective."""
        return 1.0 - self.objective

    def queries(self, window: timedelta) -> dict[str, str]:
        """The PromQL this SLO runs for ``window``: ``bad`` and ``total``, or ``error_ratio``."""
        text = promql_duration(window)
        forms = {"error_ratio": self.error_ratio} if self.error_ratio else {"bad": self.bad, "total": self.total}
        return {key: str(value).replace(WINDOW, text) for key, value in forms.items()}


def promql_duration(value: timedelta) -> str:
    """A duration as PromQL writes it, in the largest unit that divides it: ``5m``, ``1h``, ``30d``."""
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86_400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _duration(text: str, where: str) -> timedelta:
    try:
        value = parse_duration(text)
    except ValueError as exc:
        raise CheckFailed(f"{where}: {exc}", bad_input=True) from None
    if value.total_seconds() < 1 or value.total_seconds() != int(value.total_seconds()):
        raise CheckFailed(f"{where}: {text!r} must be a whole number of seconds, at least 1s", bad_input=True)
    return value


def parse_slos(options: dict[str, Any]) -> list[Slo]:
    """The declared SLOs; CheckFailed (bad input) for a duplicate name or an SLI that is not one form."""
    slos: list[Slo] = []
    seen: set[str] = set()
    for index, doc in enumerate(options.get("slos") or []):
        where = f"checks.slo.slos[{index}] ({doc['name']})"
        if doc["name"] in seen:
            raise CheckFailed(f"{where}: a second SLO named {doc['name']!r}", bad_input=True)
        seen.add(doc["name"])
        ratio, bad, total = doc.get("error_ratio"), doc.get("bad"), doc.get("total")
        if ratio and (bad or total):
            raise CheckFailed(f"{where}: give either error_ratio or bad and total, not both", bad_input=True)
        if not ratio and not (bad and total):
            raise CheckFailed(f"{where}: the SLI needs bad and total (PromQL rates), or error_ratio (a recording "
                              "rule)", bad_input=True)
        for key, query in (("error_ratio", ratio), ("bad", bad), ("total", total)):
            # A query without the window would give the same value for every window: a burn rate
            # that looks measured but is not.
            if query and WINDOW not in query:
                raise CheckFailed(f"{where}: {key} must contain {WINDOW}, which each window replaces", bad_input=True)
        slos.append(Slo(
            name=doc["name"], objective=float(doc["objective"]), window=_duration(doc.get("window", "30d"), where),
            bad=bad, total=total, error_ratio=ratio, budget_floor=doc.get("budget_floor"),
            description=doc.get("description", ""),
        ))
    return slos


def parse_alerts(options: dict[str, Any]) -> list[BurnAlert]:
    """The burn-rate alerts: the configured ones, else :data:`DEFAULT_ALERTS`."""
    docs = options.get("burn_alerts")
    if not docs:
        return list(DEFAULT_ALERTS)
    alerts = []
    for index, doc in enumerate(docs):
        where = f"checks.slo.burn_alerts[{index}] ({doc['name']})"
        long_window = _duration(doc["long_window"], where)
        short_window = _duration(doc["short_window"], where)
        if short_window >= long_window:
            raise CheckFailed(f"{where}: short_window must be shorter than long_window", bad_input=True)
        if not math.isfinite(float(doc["burn_rate"])):
            raise CheckFailed(f"{where}: burn_rate must be a finite number", bad_input=True)
        alerts.append(BurnAlert(doc["name"], doc["kind"], long_window, short_window, float(doc["burn_rate"])))
    if len({a.name for a in alerts}) != len(alerts):
        raise CheckFailed("checks.slo.burn_alerts: two alerts share a name", bad_input=True)
    return alerts
