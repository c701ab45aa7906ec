"""What each rule a finding names is, for the SARIF ``rules`` artifact: the message its rule file
writes, and semgrep's own metadata conventions (``shortDescription``, ``help``, ``source``,
``references``, ``cwe``, ``owasp``, ``confidence``), read the way semgrep's SARIF output reads them."""

from __future__ import annotations

from gatecheck.api import Finding, RuleDoc
from gatecheck_plugins.sast.findings import BARE_NOSEMGREP, CWE, as_list
from gatecheck_plugins.sast.rulepack import RulePack

#: The check's own rule, about suppression comments rather than code.
BARE_NOSEMGREP_DOC: RuleDoc = {
    "name": "IncompleteNosemgrep",
    "summary": "A nosemgrep comment names no rule or gives no reason, so it suppresses nothing.",
    "description": "gatecheck honours a nosemgrep comment only when it names the rule it silences and says why, "
                   "so that every suppression is specific and reviewable; a bare one is ignored, and the finding "
                   "it meant to hide is reported as well.",
    "fix": "Write `# nosemgrep: <rule-id> -- <reason>`, or remove the comment.",
    "tags": ["suppression"],
}


def rule_docs(pack: RulePack, findings: list[Finding]) -> dict[str, RuleDoc]:
    """The rules the findings name, described as their rule files describe them."""
    docs: dict[str, RuleDoc] = {}
    for finding in findings:
        if finding.rule_id in docs:
            continue
        if finding.rule_id == BARE_NOSEMGREP:
            docs[BARE_NOSEMGREP] = BARE_NOSEMGREP_DOC
            continue
        rule = pack.rules.get(finding.rule_id)
        if rule is None:
            continue
        meta = rule.metadata
        cwes = sorted({int(n) for item in as_list(meta.get("cwe")) for n in CWE.findall(str(item))})
        doc: RuleDoc = {
            "description": " ".join(rule.message.split()),
            "references": [*(str(r) for r in as_list(meta.get("references")) if isinstance(r, str)),
                           *(f"https://cwe.mitre.org/data/definitions/{n}.html" for n in cwes)],
            "tags": [*(f"external/cwe/cwe-{n}" for n in cwes),
                     *(f"OWASP-{o}" for o in as_list(meta.get("owasp")) if isinstance(o, str)),
                     *(str(t) for t in as_list(meta.get("tags")) if isinstance(t, str))],
        }
        if isinstance(meta.get("shortDescription"), str):
            doc["summary"] = meta["shortDescription"]
        if isinstance(meta.get("help"), str):
            doc["help"] = meta["help"]
        source = meta.get("source") or meta.get("source-rule-url")
        if isinstance(source, str):
            doc["help_uri"] = source
        confidence = str(meta.get("confidence", "")).lower()
        if confidence in ("high", "medium", "low"):
            doc["precision"] = confidence
        if isinstance(meta.get("security-severity"), str | int | float):
            doc["security_severity"] = str(meta["security-severity"])
        docs[finding.rule_id] = doc
    return docs
