"""Check ``sca``: known-vulnerable Python dependencies, and ``gatecheck db`` for its offline database.

- :mod:`.check`: the check (pip-audit over the dependency inventory of
  :mod:`gatecheck_plugins.dependencies`);
- :mod:`.sources`: declared dependencies as pip-audit's pinned dependencies;
- :mod:`.database`: the offline OSV database, its index, its default location and its manifest;
- :mod:`.download` and :mod:`.cli`: ``gatecheck db update`` and ``gatecheck db info``;
- :mod:`.services`: pip-audit's vulnerability services (offline, and strict online ones);
- :mod:`.osv`, :mod:`.ranges`, :mod:`.libraries`: reading OSV records, matching versions and ranges;
- :mod:`.findings`, :mod:`.severity`, :mod:`.titles`, :mod:`.rules`: findings, their severity,
  titles and SARIF rule help;
- :mod:`.base_commit`: ``--baseline-ref``, only what the change introduces.
"""

from __future__ import annotations

from typing import Any

from gatecheck.api import Check, hookimpl
from gatecheck_plugins.sca.check import ScaCheck, __version__

__all__ = ["ScaCheck", "__version__"]


@hookimpl
def gatecheck_checks() -> list[Check]:
    return [ScaCheck()]


@hookimpl
def gatecheck_commands() -> list[Any]:
    from gatecheck_plugins.sca.cli import db

    return [db]
