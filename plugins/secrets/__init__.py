"""Check ``secrets``: find leaked credentials without ever letting a secret value out of redacted form.

- :mod:`.check`: the check; :mod:`.findings`: matches to findings and suppressions;
  :mod:`.rule_help`: what each rule is, for SARIF;
- :mod:`.rules`: rules and allowlists, and the gitleaks-format parser (built-in pack in ``rules.toml``);
  :mod:`.validators`: checks a match must pass; :mod:`.config_side`: the rule files and baseline in force;
- :mod:`.matcher`: the Hyperscan prefilter and RE2/``re`` confirmation, inline ``gatecheck:allow``;
- :mod:`.tree_files`: which of the repository view's files are read, and which are judged by name only;
- :mod:`.history`: lines added by commits in ``REV..HEAD``; :mod:`.base_ref`: ``--baseline-ref``;
- :mod:`.redaction`: redacted previews and keyed hashes; :mod:`.verify`: live verification (``--online``);
- :mod:`.baseline_file`: known findings, so only new secrets fail the gate;
- :mod:`.cli`: ``gatecheck secrets baseline`` and ``gatecheck secrets rules``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gatecheck.api import Check, hookimpl
from gatecheck_plugins.secrets.check import SecretsCheck, __version__

if TYPE_CHECKING:
    import click

__all__ = ["__version__", "gatecheck_checks", "gatecheck_commands"]


@hookimpl
def gatecheck_checks() -> list[Check]:
    return [SecretsCheck()]


@hookimpl
def gatecheck_commands() -> list[click.Command]:
    from gatecheck_plugins.secrets.cli import secrets

    return [secrets]
