"""Check ``sast``: static analysis with the semgrep OSS engine and gatecheck's own rule pack.

semgrep runs offline with its metrics, version check and built-in ignore list switched
off; gatecheck chooses the files, reads semgrep's JSON, computes its own stable
fingerprints, honours ``# nosemgrep: <rule-id> -- <reason>`` comments (and reports bare
ones), and in diff-aware mode (``baseline_ref``) reports only findings new since a git base.
SARIF written by other tools is judged by the sibling ``sarif`` check.

- :mod:`.check`: the check; :mod:`.rulepack`: the rule packs and the files their languages select;
  :mod:`.config_files`: rule and ignore files from the configuration source;
- :mod:`.targets`: which files are scanned, and what is left out and why;
- :mod:`.file_versions`: what semgrep is handed (:mod:`.fallback` rewrites syntax its parser lacks,
  :mod:`.shadow` holds the rewrites and maps positions back);
- :mod:`.semgrep`: running semgrep offline and reading its output;
- :mod:`.scan`: what one run amounts to; :mod:`.findings`: matches and the check's own notices as
  fingerprinted findings; :mod:`.suppressions`: ``nosemgrep`` comments; :mod:`.rule_help`: what
  each rule is, for SARIF;
- :mod:`.diff_aware`: ``baseline_ref``, the changed files and their base versions.

See docs/checks/sast.md.
"""

from __future__ import annotations

from gatecheck.api import Check, hookimpl
from gatecheck_plugins.sast.check import SastCheck, __version__

__all__ = ["__version__", "gatecheck_checks"]


@hookimpl
def gatecheck_checks() -> list[Check]:
    return [SastCheck()]
