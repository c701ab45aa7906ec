"""Plugin ``sarif``: judge SARIF 2.1.0 files written by any other tool alongside gatecheck's own checks.

The check is :class:`gatecheck_plugins.sarif.check.SarifCheck`; :mod:`.shape` is the shape a
document must have before it is read, :mod:`.results` reads one SARIF result into a finding's
parts. (``gatecheck.reports.sarif`` is the other direction: gatecheck's own SARIF report.)
"""

from __future__ import annotations

from gatecheck.api import Check, hookimpl
from gatecheck_plugins.sarif.check import SarifCheck, __version__

__all__ = ["__version__", "gatecheck_checks"]


@hookimpl
def gatecheck_checks() -> list[Check]:
    return [SarifCheck()]
