"""What each of the sca check's rules finds and how to fix it, for reports' rule help (SARIF).

The check's own rules have fixed descriptions (:data:`RULE_DOCS`); an advisory is described by its
OSV records (:func:`advisory_doc`).
"""

from __future__ import annotations

from gatecheck.api import RuleDoc

from .findings import RANGE_RULE, Hit
from .titles import advisory_title

STALE_RULE = "sca/database-stale"

#: What the check's own rules find and how to fix it, for reports' rule help (advisories are
#: described by their OSV records).
RULE_DOCS: dict[str, RuleDoc] = {
    "sca/unpinned-requirement": {
        "name": "UnpinnedRequirement",
        "summary": "A dependency is declared without one exact version, so the gate cannot tell which "
                   "release is installed or audit it.",
        "description": "A requirement such as flask>=2, a bare flask or django==3.2.* (or a pyproject.toml "
                       "range without a lock file) lets the installer pick any matching release, including "
                       "one with a known vulnerability; the gate does not resolve ranges, so it cannot audit it.",
        "fix": "Pin the exact version (flask==3.1.3), or commit a lock file (uv.lock, poetry.lock, pylock.toml, "
               "pip-compile's requirements.txt) beside the pyproject.toml.",
    },
    "sca/unaudited-dependency": {
        "name": "UnauditedDependency",
        "summary": "A dependency cannot be audited: it comes from a URL or VCS, or its lock entry has no version.",
        "description": "Advisories are matched by package name and version on PyPI; a dependency installed "
                       "from a URL, a VCS repository or a local path, or a lock entry without a version, has "
                       "no version to match, so known vulnerabilities in it would go unreported.",
        "fix": "Depend on a released version from the package index, or review the dependency's source and "
               "waive the finding with an owner and an expiry.",
    },
    "sca/missing-hash": {
        "name": "MissingHash",
        "summary": "A requirement has no --hash in a requirements file that uses hashes.",
        "description": "Once one requirement in a file has --hash, pip installs in hash-checking mode and "
                       "refuses every requirement without one, so this file does not install as written and "
                       "the pin it declares is not what gets installed.",
        "fix": "Regenerate the file with hashes for every requirement (pip-compile --generate-hashes, "
               "uv pip compile --generate-hashes).",
    },
    RANGE_RULE: {
        "name": "RangeAdmitsVulnerableVersion",
        "summary": "A library's declared version range admits releases that a published advisory affects.",
        "description": "The project is a library (it declares ranges, and no lock file pins them), so its users' "
                       "installers pick a release inside each range. This range still admits releases the advisory "
                       "affects: a user whose lock file or constraints pick one of them is vulnerable. The "
                       "severity is the advisory's lowered one step (range_severity), because a range is not a "
                       "deployment.",
        "fix": "Raise the range's lower bound to the fixed version the finding names (fix.versions), and release.",
        "help_uri": "https://osv.dev/",
    },
    STALE_RULE: {
        "name": "VulnerabilityDatabaseStale",
        "summary": "The offline vulnerability database is older than the configured limit.",
        "description": "The sca check matched the dependencies against an offline OSV database older than "
                       "max_age_days (or of unknown age). Advisories published since it was downloaded are "
                       "not checked, so a dependency with a newly published vulnerability passes.",
        "fix": "Run `gatecheck db update` in the CI job (or a scheduled job that refreshes the database the "
               "gate reads), or point [checks.sca] database at a current copy.",
        "help_uri": "https://osv.dev/",
    },
}


def advisory_doc(hit: Hit) -> RuleDoc:
    """An advisory as a rule: its OSV summary and details, aliases, references and the fix."""
    advisory = hit.advisory
    summary = advisory.summary if advisory.summary and advisory.summary != "N/A" else ""
    described = advisory_title(hit.name, summary=summary, details=advisory.details,
                               alias_summaries=advisory.alias_summaries, boilerplate=advisory.boilerplate)
    aliases = sorted(set(advisory.aliases) - {advisory.id})
    description = advisory.details or summary or f"{advisory.id} affects {hit.name}."
    if aliases:
        description += f"\n\nAlso known as {', '.join(aliases)}."
    fixes = [str(v) for v in advisory.fix_versions]
    fix = (f"Upgrade {hit.name} to a release that is not affected ({', '.join(fixes)}) and regenerate any lock file."
           if fixes else f"No fixed release of {hit.name} is known: remove or replace the dependency, or waive the "
                         "finding with an owner and an expiry if the vulnerable code is not reachable.")
    osv_page = f"https://osv.dev/vulnerability/{advisory.id}"
    return {
        "name": "Vulnerable" + "".join(part[:1].upper() + part[1:] for part in hit.name.replace("_", "-").split("-")),
        # What the vulnerability is (the record's summary, an alias's, or the first sentence of the
        # details that does not describe the package), else the ids.
        "summary": described or f"Known vulnerability in {hit.name}: {', '.join([advisory.id, *aliases])}.",
        "description": description,
        "fix": fix,
        "help_uri": osv_page if advisory.source != "pypi" else (advisory.references or [osv_page])[0],
        "references": list(dict.fromkeys([osv_page, *advisory.references]))[:20],
        "tags": ["dependency", "vulnerability"],
    }
