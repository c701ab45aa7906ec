"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers: one run per check.

What GitHub's ingestion needs (its documented SARIF support, and the SARIF Multitool's GitHub
rules, which CI runs on this output), and where each part comes from:

- **Rules**: every rule a result names has ``shortDescription``, ``fullDescription``, ``help``
  (text and Markdown: what the rule finds, how to fix it, references), ``helpUri`` where the
  rule has one, tags, ``precision`` and GitHub's numeric ``security-severity``, and a ``name``
  that is a PascalCase name rather than the id. The words come from where the rules live: a
  check describes the rules its findings name in a *rule catalogue* (:class:`RuleDoc`, carried
  as an artifact of media type :data:`RULES_MEDIA_TYPE`, built with :func:`rules_artifact`).
  Whatever a check leaves out (a third-party check, a result cached before it had a catalogue)
  is composed from its findings, so the output stays valid either way.
- **Locations**: every result has one. A finding's own location; else the dependency file it
  comes from (``metadata["manifest"]``); else, for a project-wide finding (a stale
  vulnerability database), the gated directory itself.
- **Paths**: GitHub reads a relative URI as relative to the repository root and ignores
  ``uriBaseId``, so URIs are rebased from the gated directory onto the top of the git work
  tree that holds it (``services/x/app.py`` when the gate ran on ``services/x``), and
  ``originalUriBaseIds["%SRCROOT%"]`` names that top for viewers that do read it.
- ``partialFingerprints["gatecheck/v1"]`` is the finding's stable id. Waived findings are kept
  and marked with an accepted external suppression (code scanning hides them; auditors still
  see them). A check that errored or timed out records a failed invocation with its reason,
  so "no results" never reads as "nothing found".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import quote

from gatecheck import git
from gatecheck.model import Artifact, CheckResult, Finding
from gatecheck.reports import Report, json_text

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#: ``tool.driver.informationUri``: gatecheck's home, the namespace its schemas and attestations use.
INFORMATION_URI = "https://gatecheck.dev/"

# GitHub code scanning reads `security-severity` (a number as a string) into critical > 9.0,
# high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9, and treats a rule without one as not a security
# rule at all. `unknown` is placed at the floor of high because the gate ranks it with high
# (a severity nobody could tell is not a harmless one); `info` at the floor of low, the least
# GitHub can show. The result's own `properties.severity` still says which it was.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0", "info": "0.1", "unknown": "7.0"}
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note", "unknown": "warning"}
#: GitHub's ``precision`` values, from a finding's ``confidence``.
PRECISION = {"high": "high", "medium": "medium", "low": "low"}
FINGERPRINT_KEY = "gatecheck/v1"
#: The artifact a check describes its rules in (see :class:`RuleDoc`).
RULES_MEDIA_TYPE = "application/vnd.gatecheck.rules+json"
#: GitHub cuts ``shortDescription`` and ``fullDescription`` at 1024 characters.
DESCRIPTION_LIMIT = 1024
SRCROOT = "%SRCROOT%"


class RuleDoc(TypedDict, total=False):
    """What a check says about one rule, for SARIF's rule metadata; every field is optional.

    A check returns these keyed by rule id in an artifact of media type
    :data:`RULES_MEDIA_TYPE` (:func:`rules_artifact`), for the rules its findings name.
    """

    #: A name for people: PascalCase or words (``TarfileExtractUnfiltered``); never the id.
    name: str
    #: One sentence: what the rule finds.
    summary: str
    #: What the rule finds and why it matters (plain text).
    description: str
    #: How to fix what it finds (plain text).
    fix: str
    #: The rule's own help in Markdown, used as it is (a semgrep rule's ``metadata.help``,
    #: another tool's ``help.markdown``); without it the help is composed from the fields above.
    help: str
    #: The rule's own help as plain text, when it has one besides the Markdown.
    help_text: str
    #: Where the rule is documented.
    help_uri: str
    #: URLs with more information.
    references: list[str]
    #: Tags for filtering (CWE ids as ``external/cwe/cwe-79``, as CodeQL writes them).
    tags: list[str]
    #: ``very-high``, ``high``, ``medium`` or ``low``: how often the rule is right.
    precision: str
    #: The rule's own numeric severity, 0.1 to 10.0 (a tool's ``security-severity``).
    security_severity: str


#: The gate's own rules (:mod:`gatecheck.gate`, which this module cannot import: the gate loads the
#: reporters), described here as a check describes its rules.
GATE_RULE_DOCS: dict[str, RuleDoc] = {
    "gatecheck/config-changed": {
        "name": "GateConfigurationChanged",
        "summary": "The change modifies the gate's own configuration.",
        "description": "The change under judgement adds, modifies or deletes a file that configures the gate "
                       "(configuration, waivers, policy, baselines, ignore or rule files). This run judged the "
                       "change with the trusted version; the modified one takes effect after merge, so a "
                       "reviewer should read it as a change to what the gate enforces.",
        "fix": "Review the edit as a change to the gate's rules (who may weaken it, and why); if it is intended, "
               "nothing in the code needs fixing.",
        "tags": ["configuration", "gate"],
    },
    "gatecheck/unsafe-path": {
        "name": "UnsafePathNotScanned",
        "summary": "A path in the tree was not scanned: reading it would be unsafe.",
        "description": "The repository view refused a path: a symlink that leads out of the tree, a FIFO, a "
                       "device or another special file. No check opens such a path, so whatever it leads to "
                       "was not judged.",
        "fix": "Replace the symlink with the file it points to, or remove the path from the tree; if it is not "
               "part of the project, leave it out with [run] exclude.",
        "tags": ["gate", "repository"],
    },
}


def rules_artifact(docs: Mapping[str, RuleDoc]) -> Artifact:
    """The artifact a check returns to describe its rules (empty fields are left out)."""
    content = {rule_id: {k: v for k, v in doc.items() if v} for rule_id, doc in docs.items()}
    return Artifact(name="rules", media_type=RULES_MEDIA_TYPE, content=content)


@dataclass(frozen=True)
class SourceRoot:
    """Where the gated directory sits in the repository that code scanning knows."""

    #: The absolute ``file:`` URI of the git work tree's top (or of the gated directory
    #: outside git), ending in ``/``: the value of ``%SRCROOT%``.
    uri: str
    #: The gated directory below that top, ``""`` or ``services/x/``: prefixed to every path.
    prefix: str


def source_root(root: Path) -> SourceRoot:
    """Rebase the gated directory onto the top of the git work tree that contains it."""
    resolved = root.resolve()
    top = git.toplevel(resolved)
    prefix = ""
    if top is not None:
        try:
            below = resolved.relative_to(top.resolve())
        except ValueError:  # git answered for another tree (a worktree link): keep the gated root
            top = None
        else:
            prefix = "" if below == Path(".") else below.as_posix() + "/"
    uri = (top.resolve() if top is not None else resolved).as_uri()
    return SourceRoot(uri if uri.endswith("/") else uri + "/", prefix)


class SarifReporter:
    name = "sarif"
    media_type = "application/sarif+json"
    default_filename = "gatecheck.sarif"

    def render(self, report: Report) -> str:
        base = source_root(report.root)
        doc = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [_Run(result, report, base).document() for result in report.results],
        }
        return json_text(doc)


class _Run:
    """One check's run: its rules, composed once each, and its results."""

    def __init__(self, result: CheckResult, report: Report, base: SourceRoot) -> None:
        self.result = result
        self.report = report
        self.base = base
        self.uris: dict[str, str] = {}

    def document(self) -> dict[str, Any]:
        result, report = self.result, self.report
        first: dict[str, Finding] = {}
        scores: dict[str, float] = {}
        for finding in result.findings:
            first.setdefault(finding.rule_id, finding)
            score = _security_severity(finding)
            if score > scores.get(finding.rule_id, 0.0):
                scores[finding.rule_id] = score
        docs = {**GATE_RULE_DOCS, **rule_docs(result)}
        rules = [_rule(rule_id, finding, docs.get(rule_id, {}), scores.get(rule_id)) for rule_id, finding in first.items()]
        rule_index = {rule_id: i for i, rule_id in enumerate(first)}
        driver: dict[str, Any] = {
            "name": f"gatecheck/{result.check}",
            "informationUri": INFORMATION_URI,
            "rules": rules,
        }
        if "+" not in report.gatecheck_version:
            driver["semanticVersion"] = report.gatecheck_version
        if result.tool is not None:
            driver["fullName"] = f"{result.tool.name} {result.tool.version}"
            driver["version"] = result.tool.version
        else:
            driver["version"] = report.gatecheck_version
        invocation: dict[str, Any] = {"executionSuccessful": result.status in ("ok", "skipped")}
        if result.error:
            invocation["toolExecutionNotifications"] = [
                {"level": "error", "message": {"text": f"{result.status}: {result.error}"}}
            ]
        return {
            "tool": {"driver": driver},
            "automationDetails": {"id": f"gatecheck/{result.check}/{report.stage}/"},
            "invocations": [invocation],
            "originalUriBaseIds": {SRCROOT: {
                "uri": self.base.uri,
                "description": {"text": "The top of the git work tree that holds the gated directory "
                                        "(the gated directory itself outside git)."},
            }},
            "results": [self._result(f, rule_index[f.rule_id]) for f in result.findings],
            "properties": {"status": result.status, "summary": result.summary,
                           "gated_directory": self.base.prefix.rstrip("/") or "."},
        }

    def _result(self, finding: Finding, index: int) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ruleId": finding.rule_id,
            "ruleIndex": index,
            "level": LEVEL[finding.severity],
            "message": {"text": finding.title or finding.rule_id},
            "locations": [self._location(finding)],
            "partialFingerprints": {FINGERPRINT_KEY: finding.id},
            "properties": {"severity": finding.severity, "confidence": finding.confidence, "gatecheck_id": finding.id},
        }
        if finding.package is not None:
            out["properties"]["package"] = {k: v for k, v in vars(finding.package).items() if v is not None}
        if finding.aliases:
            out["properties"]["aliases"] = finding.aliases
        if finding.fix is not None and finding.fix.versions:
            out["properties"]["fix_versions"] = finding.fix.versions
        waiver = self.report.waiver_for(finding)
        if waiver is not None:
            out["suppressions"] = [
                {"kind": "external", "status": "accepted", "justification": waiver.message}
            ]
        return out

    def _location(self, finding: Finding) -> dict[str, Any]:
        """The file and lines of a finding; its dependency file; or, project-wide, the gated directory."""
        loc = finding.location
        if loc is not None and loc.path:
            start = loc.start_line or 1
            return self._physical(loc.path, start, max(loc.end_line or start, start))
        manifest = finding.metadata.get("manifest")
        if isinstance(manifest, Mapping):
            path, line = manifest.get("path"), manifest.get("line")
        else:
            path, line = manifest, None
        if isinstance(path, str) and path:
            start = line if isinstance(line, int) and line > 0 else 1
            location = self._physical(path, start, start)
            location["message"] = {"text": "The dependency file this finding comes from."}
            return location
        # GitHub documents file locations; a relative URI that names a directory is accepted
        # (the upload action skips fingerprinting a directory) and shows without a code preview.
        location = self._physical("", 1, 1)
        location["message"] = {"text": "The gated project as a whole: this finding is about no single file."}
        return location

    def _physical(self, path: str, start: int, end: int) -> dict[str, Any]:
        uri = self.uris.get(path)
        if uri is None:
            # An empty URI is one code scanning cannot process: the top of the tree is "./".
            uri = quote(self.base.prefix + path.removeprefix("./"), safe="/") or "./"
            self.uris[path] = uri
        return {"physicalLocation": {
            "artifactLocation": {"uri": uri, "uriBaseId": SRCROOT},
            "region": {"startLine": start, "endLine": end},
        }}


def rule_docs(result: CheckResult) -> dict[str, Mapping[str, Any]]:
    """The rule catalogue a check returned (:class:`RuleDoc` each, by rule id), merged across its
    rules artifacts, first one wins. It came through the cache and a schema that says nothing of
    its fields, so every field is type-checked where it is read."""
    docs: dict[str, Mapping[str, Any]] = {}
    for artifact in result.artifacts:
        if artifact.media_type != RULES_MEDIA_TYPE or not isinstance(artifact.content, Mapping):
            continue
        for rule_id, doc in artifact.content.items():
            if isinstance(doc, Mapping):
                docs.setdefault(str(rule_id), doc)
    return docs


def _rule(rule_id: str, finding: Finding, doc: Mapping[str, Any], score: float | None) -> dict[str, Any]:
    """One ``reportingDescriptor``: the check's words where it gave them, composed ones where not."""
    references = _strings(doc.get("references")) or list(finding.references)
    # The description's paragraphs are kept for the help; the one-paragraph form is GitHub's description.
    # A check that describes none of its rules still gets rule-level words, with a finding as example.
    long = (_text(doc.get("description"), keep_lines=True) or _text(doc.get("summary"))
            or f"Findings of the {finding.check} check's rule {rule_id}, for example: {finding.title or rule_id}")
    description = " ".join(long.split())
    summary = _text(doc.get("summary")) or (_first_sentence(description) if doc else f"{finding.check}: {rule_id}")
    fix = _text(doc.get("fix")) or _fix_from(finding)
    markdown = _text(doc.get("help"), keep_lines=True)
    if markdown:
        text = _text(doc.get("help_text"), keep_lines=True) or markdown
    else:
        text, markdown = _compose_help(long, fix, references)
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": _name(_text(doc.get("name")), rule_id, finding.check),
        "shortDescription": {"text": _clip(summary)},
        "fullDescription": {"text": _clip(description)},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVEL[finding.severity]},
    }
    help_uri = _text(doc.get("help_uri")) or next((r for r in references if _absolute(r)), "")
    if _absolute(help_uri):
        rule["helpUri"] = help_uri
    own = _score(doc.get("security_severity"))
    chosen = own if own is not None else score if score else float(SECURITY_SEVERITY[finding.severity])
    tags = list(dict.fromkeys(["security", finding.check, *_strings(doc.get("tags"))]))
    precision = _text(doc.get("precision")).lower()
    rule["properties"] = {
        "tags": tags,
        "precision": precision if precision in ("very-high", "high", "medium", "low") else PRECISION[finding.confidence],
        "security-severity": f"{chosen:.1f}",
    }
    return rule


def _compose_help(description: str, fix: str, references: list[str]) -> tuple[str, str]:
    """Help as (text, Markdown): what the rule finds, how to fix it, where to read more."""
    text, markdown = [description], [description]
    if fix:
        text.append(f"How to fix: {fix}")
        markdown.append(f"**How to fix.** {fix}")
    if references:
        text.append("References:\n" + "\n".join(f"- {r}" for r in references))
        markdown.append("**References**\n\n" + "\n".join(f"- <{r}>" if _absolute(r) else f"- {r}" for r in references))
    return "\n\n".join(text), "\n\n".join(markdown)


def _fix_from(finding: Finding) -> str:
    """How to fix a dependency finding that names fixed versions, when the check said nothing."""
    if finding.fix is None or not finding.fix.versions:
        return ""
    package = finding.package.name if finding.package is not None else "the package"
    return f"Upgrade {package} to a version that is not affected: {', '.join(finding.fix.versions)}."


def _security_severity(finding: Finding) -> float:
    """The finding's own CVSS base score when the check gives one, else its severity's band value."""
    score = finding.metadata.get("cvss_score")
    if isinstance(score, int | float) and 0 < score <= 10:
        return float(score)
    return float(SECURITY_SEVERITY[finding.severity])


def _score(value: Any) -> float | None:
    try:
        score = float(value)
    except (TypeError, ValueError):
        return None
    return score if 0 < score <= 10 else None


_WORDS = re.compile(r"[A-Za-z0-9]+")


def _name(given: str, rule_id: str, check: str) -> str:
    """A PascalCase name: the check's, else one made from the id's last dotted part; never the id."""
    words = _WORDS.findall(given or rule_id.rsplit(".", 1)[-1]) or ["Rule"]
    name = "".join(w[:1].upper() + w[1:] for w in words)
    if not name[:1].isalpha():
        name = "Rule" + name
    if name == rule_id:
        name = "".join(w[:1].upper() + w[1:] for w in _WORDS.findall(check)) + name
    return name


def _text(value: Any, *, keep_lines: bool = False) -> str:
    if not isinstance(value, str):
        return ""
    return value.strip() if keep_lines else " ".join(value.split())


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return [v for v in value if isinstance(v, str) and v]
    return []


def _absolute(uri: str) -> bool:
    return uri.startswith(("https://", "http://"))


def _first_sentence(text: str) -> str:
    end = re.search(r"\.(\s|$)", text)
    return text[: end.start() + 1] if end and end.start() > 0 else text


def _clip(text: str) -> str:
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1].rstrip() + "…"


def strip_suppressed(sarif: dict[str, Any]) -> dict[str, Any]:
    """A copy of a SARIF document without suppressed results (for uploaders that ignore them)."""
    out: dict[str, Any] = json.loads(json.dumps(sarif))
    for run in out.get("runs", []):
        run["results"] = [r for r in run.get("results", []) if not r.get("suppressions")]
    return out
