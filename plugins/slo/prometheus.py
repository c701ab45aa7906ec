"""A small client for the Prometheus HTTP API: instant queries, each answer one number or an error.

Every way a query can fail to give one number is a :class:`QueryFailed`, never a zero: the server
cannot be reached, it answers with an error (a PromQL syntax error, a timeout), the answer is not
Prometheus's JSON, the query selects no series (no data), it selects several (an SLI that forgot to
aggregate), or the value is NaN (0/0: no traffic). A gate that read any of those as "no errors"
would pass a service nobody can see (Flagger #1035).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import requests


class QueryFailed(Exception):
    """A query gave no usable number; ``kind`` is ``unreachable``, ``error``, ``no_data`` or ``ambiguous``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass
class Prometheus:
    """A Prometheus server's HTTP API at ``url`` (``http://host:9090``, a path prefix allowed)."""

    url: str
    timeout: float = 30.0
    token: str | None = None
    verify: bool | str = True

    def __post_init__(self) -> None:
        self.session = requests.Session()
        # The operator's server, named by the operator: no proxy or netrc from the environment.
        self.session.trust_env = False
        if self.token:
            self.session.headers["Authorization"] = f"Bearer {self.token}"

    def close(self) -> None:
        self.session.close()

    def instant(self, query: str, at: float, *, timeout: float | None = None) -> float:
        """The value of ``query`` evaluated at Unix time ``at``; QueryFailed when there is not exactly one."""
        limit = min(self.timeout, timeout) if timeout is not None else self.timeout
        endpoint = self.url.rstrip("/") + "/api/v1/query"
        try:
            # POST: an SLI with long label matchers can exceed what a URL may carry.
            response = self.session.post(endpoint, data={"query": query, "time": f"{at:.3f}",
                                                         "timeout": f"{max(limit, 1.0):.0f}s"},
                                         timeout=max(limit, 0.5), verify=self.verify)
        except requests.RequestException as exc:
            raise QueryFailed("unreachable", f"cannot reach Prometheus: {type(exc).__name__}: {_short(exc)}") from None
        try:
            body: Any = response.json()
        except ValueError:
            raise QueryFailed("error", f"Prometheus answered HTTP {response.status_code} without its JSON "
                                       f"(is {self.url} a Prometheus API?)") from None
        if not isinstance(body, dict) or body.get("status") != "success":
            kind = body.get("errorType", "?") if isinstance(body, dict) else "?"
            text = body.get("error", "") if isinstance(body, dict) else ""
            raise QueryFailed("error", f"Prometheus refused the query (HTTP {response.status_code}, {kind}): {text}")
        return _one_value(body.get("data"))


def _one_value(data: Any) -> float:
    if not isinstance(data, dict):
        raise QueryFailed("error", "Prometheus's answer has no data")
    kind, result = data.get("resultType"), data.get("result")
    if kind == "scalar" and isinstance(result, list) and len(result) == 2:
        return _number(result[1])
    if kind != "vector" or not isinstance(result, list):
        raise QueryFailed("error", f"the query returned a {kind}, not an instant vector or a scalar")
    if not result:
        raise QueryFailed("no_data", "no data: the query selects no series at that time")
    if len(result) > 1:
        raise QueryFailed("ambiguous", f"the query returned {len(result)} series; an SLI must be one number "
                                       "(aggregate it, for example with sum(...))")
    sample = result[0]
    value = sample.get("value") if isinstance(sample, dict) else None
    if not isinstance(value, list) or len(value) != 2:
        raise QueryFailed("error", "a sample in Prometheus's answer has no value")
    return _number(value[1])


def _number(text: Any) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise QueryFailed("error", f"Prometheus returned {text!r}, not a number") from None
    if math.isnan(value):
        raise QueryFailed("no_data", "no data: the value is NaN (0/0: no events in the window)")
    if math.isinf(value):
        raise QueryFailed("error", f"the value is {text} (a division by zero in the query)")
    return value


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) <= 300 else text[:300] + "..."
