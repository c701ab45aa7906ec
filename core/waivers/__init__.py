"""Waivers: time-boxed exceptions to the policy, written by the operator in a waivers file.

One home for the operator's way of setting a finding aside (``docs/setting-aside.md`` lists every
way, the checks' own included):

- :mod:`.model`: a :class:`Waiver` as written, and the :class:`WaiverFile` it came from;
- :mod:`.loading`: finding and reading the file (TOML or YAML), with errors that name file and line;
- :mod:`.matching`: which findings a waiver's ``match`` selects, as the policy input lists them;
- :mod:`.expiry`: when a waiver runs out, and the gate's rule that an expired one is never applied.

What a selected finding may be waived of is the policy's to say (``policies/gatecheck/waivers.rego``).
"""

from __future__ import annotations

from gatecheck.timestamps import utc_now as now_utc  # the clock waivers are judged by (callers' name for it)
from gatecheck.waivers.expiry import enforce_expired, enforce_expiry, parse_expiry, recompute_expiry
from gatecheck.waivers.loading import DEFAULT_FILES, DEFAULT_MAX_DAYS, find, load, snippet
from gatecheck.waivers.matching import field_test, package_matches, policy_input
from gatecheck.waivers.model import NS_PER_SECOND, Waiver, WaiverFile

__all__ = [
    "DEFAULT_FILES",
    "DEFAULT_MAX_DAYS",
    "NS_PER_SECOND",
    "Waiver",
    "WaiverFile",
    "enforce_expired",
    "enforce_expiry",
    "field_test",
    "find",
    "load",
    "now_utc",
    "package_matches",
    "parse_expiry",
    "policy_input",
    "recompute_expiry",
    "snippet",
]
