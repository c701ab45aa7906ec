"""Check ``secrets``: find leaked credentials without ever letting a secret value out of redacted form.

- :mod:`.rules`: rules and allowlists, and the gitleaks-format parser (built-in pack in ``rules.toml``);
- :mod:`.engine`: the Hyperscan prefilter and RE2/``re`` confirmation, inline ``gatecheck:allow``;
- :mod:`.files`: which of the repository view's files are read, and which are judged by name only;
- :mod:`.history`: lines added by commits in ``REV..HEAD``;
- :mod:`.redaction`: redacted previews and keyed hashes;
- :mod:`.baseline`: known findings, so only new secrets fail the gate;
- :mod:`.check`: the check; :mod:`.cli`: ``gatecheck secrets baseline`` and ``gatecheck secrets rules``.
"""

from __future__ import annotations

from typing import Any

from gatecheck import hookimpl
from gatecheck.checks import Check
from gatecheck_plugins.secrets.check import SecretsCheck, __version__

__all__ = ["SecretsCheck", "__version__"]


@hookimpl
def gatecheck_checks() -> list[Check]:
    return [SecretsCheck()]


@hookimpl
def gatecheck_commands() -> list[Any]:
    from gatecheck_plugins.secrets.cli import secrets

    return [secrets]
