"""Rule help for the SARIF report and code-scanning UIs: what each rule a finding names is and what to do."""

from __future__ import annotations

from gatecheck.api import Finding, RuleDoc
from gatecheck_plugins.secrets.rules import BUILTIN_SOURCE, RuleSet

#: What to do about any leaked credential, whichever rule found it.
LEAKED_SECRET_FIX = (
    "Treat the credential as compromised: revoke or rotate it with its issuer first (deleting it from the "
    "code does not help: it stays in git history and in every clone). Then remove it from the code and "
    "load it at run time from a secret store or the environment. If the match is not a real credential, "
    "mark it with `# gatecheck:allow <reason>` on the line or the line above, or record it in the baseline."
)


def rule_docs(rules: RuleSet, findings: list[Finding]) -> dict[str, RuleDoc]:
    """The rules the findings name, described from their rules file (description, tags, source)."""
    by_id = {rule.id: rule for rule in rules.rules}
    docs: dict[str, RuleDoc] = {}
    for finding in findings:
        rule = by_id.get(finding.rule_id)
        if rule is None or rule.id in docs:
            continue
        what = rule.description or rule.id
        where = "from the built-in rules" if rule.source == BUILTIN_SOURCE else f"from {rule.source}"
        if rule.regex is None:
            summary = f"A file of a kind that holds credentials is in the tree: {what}."
            description = (f"{summary} Rule {rule.id} ({where}) matches the file's path, so the file is reported "
                           "whatever it holds.")
        else:
            summary = f"A credential in the code: {what}."
            description = (f"{summary} Rule {rule.id} ({where}) matches this credential's documented format. "
                           "Anyone who can read the repository, a clone, a fork or a build log can use it.")
        docs[rule.id] = {
            "summary": summary,
            "description": description,
            "fix": LEAKED_SECRET_FIX,
            "tags": ["secret", "external/cwe/cwe-798", *rule.tags],
            "precision": rule.confidence,
        }
    return docs
