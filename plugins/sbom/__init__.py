"""Plugin ``sbom``: a validated, reproducible CycloneDX SBOM of the project, and licence findings.

The check is :class:`gatecheck_plugins.sbom.check.SbomCheck`; :mod:`.document` builds the
CycloneDX document, :mod:`.packages` the component inventory, :mod:`.environment` and
:mod:`.licenses` read installed metadata and licences, :mod:`.schema` validates the result.
"""

from __future__ import annotations

from gatecheck.api import Check, hookimpl
from gatecheck_plugins.sbom.check import SbomCheck, __version__

__all__ = ["__version__", "gatecheck_checks"]


@hookimpl
def gatecheck_checks() -> list[Check]:
    return [SbomCheck()]
