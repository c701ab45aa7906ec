"""Check ``sast``: static analysis with the semgrep OSS engine and gatecheck's own rule pack.

semgrep runs offline with its metrics, version check and built-in ignore list switched
off; gatecheck chooses the files, reads semgrep's JSON, computes its own stable
fingerprints, honours ``# nosemgrep: <rule-id> -- <reason>`` comments (and reports bare
ones), and in diff-aware mode (``baseline_ref``) reports only findings new since a git base.
SARIF written by other tools is judged by the sibling ``sarif`` check.

See docs/checks/sast.md.
"""

from __future__ import annotations

from gatecheck import hookimpl
from gatecheck.checks import Check
from gatecheck_plugins.sast.check import SastCheck, __version__

__all__ = ["SastCheck", "__version__", "gatecheck_checks"]


@hookimpl
def gatecheck_checks() -> list[Check]:
    return [SastCheck()]
