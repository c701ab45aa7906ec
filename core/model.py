"""The documents gatecheck passes between its parts, as plain data classes.

Each class mirrors a JSON Schema in ``schemas/`` and converts to and from plain JSON
data with ``to_dict``/``from_dict``; the schema, not these classes, is the contract at a
boundary (see :mod:`gatecheck.schemas`).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

#: The one severity scale, most to least severe; every other list of severities derives from it.
Severity = Literal["critical", "high", "medium", "low", "info", "unknown"]
Status = Literal["ok", "error", "skipped", "timeout"]

#: Severities from most to least severe; ``unknown`` ranks with ``high`` when a threshold
#: is applied, because a gate must not treat "we could not tell" as harmless.
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
SEVERITY_RANK: dict[str, int] = {"critical": 5, "high": 4, "unknown": 4, "medium": 3, "low": 2, "info": 1}

FINDING_ID_VERSION = "gatecheck-finding-v1"


def finding_id(check: str, rule_id: str, *, path: str | None = None, key: str = "") -> str:
    """Return the stable fingerprint of a finding.

    The id is the first 32 hex digits of a sha256 over the check, the rule, the
    repository-relative POSIX path (if any) and ``key``: content that identifies the
    finding independently of where it sits in the file, such as a normalized code
    snippet, an advisory id plus package, or the hash of a secret. Line numbers are
    never part of it, so moving code does not churn ids. Checks disambiguate identical
    findings in one file by appending an occurrence counter to ``key``.
    """
    material = "\0".join([FINDING_ID_VERSION, check, rule_id, path or "", key])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


@dataclass
class Location:
    """Where a finding sits: a repository-relative POSIX path and 1-based lines."""

    path: str
    start_line: int | None = None
    end_line: int | None = None
    #: source, test, docs, example or generated: set by the gate (:mod:`gatecheck.locations`).
    kind: str | None = None


@dataclass
class Package:
    """The package a finding is about, where it applies (dependency findings)."""

    name: str
    version: str | None = None
    purl: str | None = None


@dataclass
class Fix:
    """How to fix a finding: versions that are not affected."""

    versions: list[str] = field(default_factory=list)


class Sealable:
    """A document built once a run is over and shared by every consumer from then on.

    A result is mutable while it is being made (the check fills it, the runner times, scrubs
    and annotates it); :meth:`seal` then builds its JSON document, and :meth:`to_dict` returns
    that same document to the cache, the policy input, the reports and the attestation instead
    of building it again. A sealed object is final: it and its document are never changed.
    Before :meth:`seal`, :meth:`to_dict` builds a fresh document each time.
    """

    #: Not a dataclass field (this class is not a dataclass), so equality, ``repr`` and
    #: :func:`dataclasses.asdict` ignore it.
    _sealed: dict[str, Any] | None = None

    def _document(self) -> dict[str, Any]:
        raise NotImplementedError

    def seal(self) -> dict[str, Any]:
        """Build the document, once; the object is final from here on."""
        if self._sealed is None:
            self._sealed = self._document()
        return self._sealed

    def to_dict(self) -> dict[str, Any]:
        """The JSON document; the shared one once sealed, so callers must not change it."""
        return self._sealed if self._sealed is not None else self._document()


def _copy_json(value: Any) -> Any:
    """A copy of JSON data's dicts and lists (what :func:`dataclasses.asdict` copies), without
    :func:`copy.deepcopy`'s bookkeeping, which cost about 15 us a finding."""
    if type(value) is dict:
        return {k: _copy_json(v) for k, v in value.items()}
    if type(value) is list:
        return [_copy_json(v) for v in value]
    return value


@dataclass
class Finding(Sealable):
    """One normalized finding, whatever check produced it (``schemas/finding.schema.json``)."""

    id: str
    check: str
    rule_id: str
    title: str
    severity: Severity = "unknown"
    confidence: Literal["high", "medium", "low"] = "medium"
    location: Location | None = None
    package: Package | None = None
    fix: Fix | None = None
    references: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def _document(self) -> dict[str, Any]:
        """The finding document; ``None`` fields are left out. Built field by field because
        :func:`dataclasses.asdict` costs more than a whole policy evaluation at 10,000 findings."""
        doc: dict[str, Any] = {"id": self.id, "check": self.check, "rule_id": self.rule_id, "title": self.title,
                               "severity": self.severity, "confidence": self.confidence}
        if self.location is not None:
            loc = self.location
            doc["location"] = {"path": loc.path, "start_line": loc.start_line, "end_line": loc.end_line}
            if loc.kind is not None:
                doc["location"]["kind"] = loc.kind
        if self.package is not None:
            pkg = self.package
            doc["package"] = {"name": pkg.name, "version": pkg.version, "purl": pkg.purl}
        if self.fix is not None:
            doc["fix"] = {"versions": list(self.fix.versions)}
        doc["references"] = list(self.references)
        doc["aliases"] = list(self.aliases)
        doc["metadata"] = _copy_json(self.metadata)
        return doc

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        loc = data.get("location")
        pkg = data.get("package")
        fix = data.get("fix")
        return cls(
            id=data["id"],
            check=data["check"],
            rule_id=data["rule_id"],
            title=data["title"],
            severity=data.get("severity", "unknown"),
            confidence=data.get("confidence", "medium"),
            location=Location(**loc) if loc else None,
            package=Package(**pkg) if pkg else None,
            fix=Fix(**fix) if fix else None,
            references=list(data.get("references", [])),
            aliases=list(data.get("aliases", [])),
            metadata=dict(data.get("metadata", {})),
        )


@dataclass
class Tool:
    """The engine behind a check, for provenance (``semgrep 1.185.0``)."""

    name: str
    version: str


@dataclass
class InputFile:
    """A file a check scanned, with the sha256 of its bytes."""

    path: str
    digest: str


@dataclass
class Artifact:
    """A document a check produced besides findings (an SBOM, a raw report).

    ``content`` holds JSON data inline; ``path`` points at a written file. ``media_type``
    says what it is (``application/vnd.cyclonedx+json``).
    """

    name: str
    media_type: str
    content: Any = None
    path: str | None = None


@dataclass
class Suppression(Sealable):
    """A finding the scanned code set aside with an inline comment (``# gatecheck:allow``,
    ``# nosemgrep``): reported and judged by the policy, never silently dropped."""

    rule_id: str
    path: str
    line: int
    reason: str
    kind: Literal["inline"] = "inline"
    finding_id: str | None = None
    severity: str | None = None
    #: Whether the change under judgement added the comment; None when no base is known.
    new: bool | None = None
    #: The commit the comment was found in, for a suppression in git history rather than the tree.
    commit: str | None = None

    def _document(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CheckResult(Sealable):
    """What one check returns (``schemas/check-result.schema.json``).

    A check fills ``tool``, ``status``, ``findings``, ``summary`` and ``artifacts``;
    the runner fills ``check``, ``duration_ms``, ``inputs`` and ``cached``.
    """

    check: str = ""
    tool: Tool | None = None
    status: Status = "ok"
    error: str | None = None
    findings: list[Finding] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    duration_ms: int = 0
    #: CPU time the check used, in its own thread and in the tools it ran (None when not measured).
    cpu_ms: int | None = None
    inputs: list[InputFile] = field(default_factory=list)
    artifacts: list[Artifact] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    cached: bool = False
    bad_input: bool = False

    def seal(self) -> dict[str, Any]:
        """Seal the findings and suppressions, then the result, whose document holds theirs."""
        if self._sealed is None:
            for finding in self.findings:
                finding.seal()
            for item in self.suppressions:
                item.seal()
        return super().seal()

    def _document(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "tool": asdict(self.tool) if self.tool else None,
            "status": self.status,
            "error": self.error,
            "findings": [f.to_dict() for f in self.findings],
            "summary": self.summary,
            "duration_ms": self.duration_ms,
            **({"cpu_ms": self.cpu_ms} if self.cpu_ms is not None else {}),
            "inputs": [asdict(i) for i in self.inputs],
            "artifacts": [{k: v for k, v in asdict(a).items() if v is not None} for a in self.artifacts],
            "suppressions": [s.to_dict() for s in self.suppressions],
            "cached": self.cached,
            "bad_input": self.bad_input,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        tool = data.get("tool")
        return cls(
            check=data.get("check", ""),
            tool=Tool(**tool) if tool else None,
            status=data.get("status", "ok"),
            error=data.get("error"),
            findings=[Finding.from_dict(f) for f in data.get("findings", [])],
            summary=dict(data.get("summary", {})),
            duration_ms=int(data.get("duration_ms", 0)),
            cpu_ms=int(data["cpu_ms"]) if isinstance(data.get("cpu_ms"), int) else None,
            inputs=[InputFile(**i) for i in data.get("inputs", [])],
            artifacts=[Artifact(**a) for a in data.get("artifacts", [])],
            suppressions=[Suppression(**s) for s in data.get("suppressions", [])],
            cached=bool(data.get("cached", False)),
            bad_input=bool(data.get("bad_input", False)),
        )

    @classmethod
    def failed(cls, check: str, status: Status, error: str, *, bad_input: bool = False) -> CheckResult:
        """A result for a check that errored or timed out: no findings, only the reason."""
        return cls(check=check, status=status, error=error, bad_input=bad_input)


def severity_counts(findings: list[Finding]) -> dict[str, int]:
    """Count findings per severity, every severity present (for summaries)."""
    counts: dict[str, int] = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        counts[f.severity] += 1
    return counts


@dataclass
class DecisionEntry:
    """One reason in a decision: the rule that fired, a message, the finding it is about."""

    rule: str
    message: str
    finding_id: str | None = None
    check: str | None = None
    waiver_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Decision:
    """The policy's verdict (``schemas/decision.schema.json``): allow only if nothing denies."""

    allow: bool
    deny: list[DecisionEntry] = field(default_factory=list)
    warn: list[DecisionEntry] = field(default_factory=list)
    waived: list[DecisionEntry] = field(default_factory=list)
    engine: str = ""
    policy_digest: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "allow": self.allow,
            "deny": [e.to_dict() for e in self.deny],
            "warn": [e.to_dict() for e in self.warn],
            "waived": [e.to_dict() for e in self.waived],
            "engine": self.engine,
        }
        if self.policy_digest:
            data["policy_digest"] = self.policy_digest
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Decision:
        def entries(key: str) -> list[DecisionEntry]:
            return [DecisionEntry(**e) for e in data.get(key, [])]

        return cls(
            allow=bool(data["allow"]),
            deny=entries("deny"),
            warn=entries("warn"),
            waived=entries("waived"),
            engine=data.get("engine", ""),
            policy_digest=data.get("policy_digest"),
        )
