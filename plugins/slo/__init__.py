"""First-party plugin ``slo``: judge a promotion by its service's error budget in Prometheus.

The check (:class:`gatecheck_plugins.slo.check.SloCheck`) reads the SLOs the operator declared,
measures them over the Prometheus HTTP API and reports every query and value as facts; the
default policy (``policies/gatecheck/slo.rego``) denies promotion at the ``deploy`` stage on a fast
burn or an error budget under its floor, and warns on a slow burn. See docs/promotion.md.
"""

from __future__ import annotations

from gatecheck.api import Check, hookimpl
from gatecheck_plugins.slo.check import SloCheck, __version__

__all__ = ["__version__", "gatecheck_checks"]


@hookimpl
def gatecheck_checks() -> list[Check]:
    return [SloCheck()]
