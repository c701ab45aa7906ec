"""Generated Prometheus series for the slo tests: one service per scenario, as OpenMetrics text.

``.ci/prometheus.sh`` runs this (standard library only, any python3), turns the file into TSDB
blocks with ``promtool tsdb create-blocks-from openmetrics`` and starts Prometheus on them. The
series run from 31 days before the moment they are generated to 6 hours after it, so a test suite
that starts later still finds "now" inside them: every sample is 10 minutes apart until 8 hours
before that moment, then 30 seconds apart.

Each service serves 10 requests a second, counted in ``http_requests_total{service, code}``
(code 200 and 500); its error ratio over time is its scenario (objective 99.9%, budget 0.1%):

* ``healthy`` and ``checkout`` (docs/promotion.md's service): 0.01% errors throughout (burn rate 0.1);
* ``fastburn``: 3% errors from 50 minutes before now on (burn 30x: the 1 h and 5 min windows
  are over 14.4x; the 6 h window is not over 6x);
* ``slowburn``: 0.8% errors from 5 hours before now on (burn 8x: 6 h and 30 min over 6x, 1 h
  and 5 min under 14.4x);
* ``exhausted``: 0.09% errors throughout (burn 0.9, no alert; 90% of a 30-day budget spent);
* ``idle``: 0.1% errors until 3 hours before now, then no request at all (the series exist, their
  rate is 0).

``slo:sli_error:ratio_rate{5m,30m,1h,6h,30d}{service="recorded"}`` stand for recording rules of a
healthy service (0.02% errors). No series has ``service="ghost"``.

Usage: python3 tests/slo/series.py OUT.om [NOW_UNIX_SECONDS]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

RPS = 10.0
DAY = 86_400
SPARSE, DENSE = 600, 30
START, DENSE_FROM, END = -31 * DAY, -8 * 3600, 6 * 3600

SCENARIOS: dict[str, Callable[[float], float]] = {
    "healthy": lambda t: 0.0001,
    "checkout": lambda t: 0.0001,
    "fastburn": lambda t: 0.03 if t >= -50 * 60 else 0.0001,
    "slowburn": lambda t: 0.008 if t >= -5 * 3600 else 0.0001,
    "exhausted": lambda t: 0.0009,
}
IDLE_FROM = -3 * 3600
RECORDED_WINDOWS = ("5m", "30m", "1h", "6h", "30d")
RECORDED_RATIO = 0.0002


def offsets() -> list[int]:
    """Sample times relative to now, ascending."""
    return list(range(START, DENSE_FROM, SPARSE)) + list(range(DENSE_FROM, END + 1, DENSE))


def render(now: int) -> str:
    """The whole OpenMetrics document for ``now`` (Unix seconds)."""
    times = offsets()
    lines = ["# TYPE http_requests counter", "# HELP http_requests Requests served, by outcome."]
    for service, ratio in SCENARIOS.items():
        good = bad = 0.0
        good_lines, bad_lines = [], []
        previous = times[0]
        for t in times:
            step = t - previous
            bad += RPS * step * ratio(t)
            good += RPS * step * (1 - ratio(t))
            previous = t
            good_lines.append(f'http_requests_total{{service="{service}",code="200"}} {good:.3f} {now + t}')
            bad_lines.append(f'http_requests_total{{service="{service}",code="500"}} {bad:.3f} {now + t}')
        lines += good_lines + bad_lines
    for code, share in (("200", 0.999), ("500", 0.001)):
        count = 0.0
        previous = times[0]
        for t in times:
            if t < IDLE_FROM:
                count += RPS * share * (t - previous)
            previous = t
            lines.append(f'http_requests_total{{service="idle",code="{code}"}} {count:.3f} {now + t}')
    for window in RECORDED_WINDOWS:
        lines.append(f"# TYPE slo:sli_error:ratio_rate{window} gauge")
        lines += [f'slo:sli_error:ratio_rate{window}{{service="recorded"}} {RECORDED_RATIO} {now + t}' for t in times]
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    now = int(argv[2]) if len(argv) == 3 else int(time.time())
    with open(argv[1], "w", encoding="utf-8") as fh:
        fh.write(render(now))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
