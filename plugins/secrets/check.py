"""The ``secrets`` check: find credentials in the repository's files (and optionally git history).

Findings never carry a secret value: only a redacted preview and a keyed hash
(:mod:`gatecheck_plugins.secrets.redaction`), and the finding id is derived from that
hash, so it is stable across runs and machines without the raw value. Every value the
engine matches, suppressed or baselined ones included, is handed to ``ctx.sensitive``, so
the gate masks it in every other check's output too (a SARIF message or a semgrep snippet
that quotes the line).

The repository under judgement is untrusted, so:

- files are listed and read only through the repository view (``ctx.repo``): every tracked
  file, even one a ``.gitignore`` names, plus untracked files by ``[run] untracked``;
- the rule files and the baseline, which decide what is forgiven, are read only through
  ``ctx.config_source``: in trusted mode (``--trusted-ref``) from the trusted side, never
  from the change;
- inline ``gatecheck:allow`` comments are reported as :class:`gatecheck.model.Suppression`,
  so the policy sees each one (and, in trusted mode, which ones the change added);
- git runs only through ``ctx.git``.
"""

from __future__ import annotations

import functools
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gatecheck.checks import CheckContext, nothing_scanned
from gatecheck.errors import CheckFailed
from gatecheck.files import atomic_write
from gatecheck.model import CheckResult, Finding, Location, Suppression, Tool, finding_id
from gatecheck.reports.sarif import RuleDoc, rules_artifact
from gatecheck.repository import matches_any
from gatecheck_plugins.secrets import base_ref, history
from gatecheck_plugins.secrets import baseline as baseline_mod
from gatecheck_plugins.secrets.engine import Engine, Match, hyperscan_available
from gatecheck_plugins.secrets.files import DEFAULT_MAX_FILE_SIZE, Selection, decode_utf16, looks_binary, select
from gatecheck_plugins.secrets.redaction import (
    DEFAULT_HASH_KEY_ENV,
    hash_key,
    key_id,
    masked_part,
    preview,
    secret_hash,
)
from gatecheck_plugins.secrets.rules import BUILTIN_SOURCE, Allowlist, Reader, Rule, RuleSet, builtin_rules, load_config
from gatecheck_plugins.secrets.verify import LiveVerifier

__version__ = "2.2.0"
CHECK_NAME = "secrets"
#: Largest rules file or baseline read from the configuration source.
MAX_CONFIG_FILE = 16 * 1024 * 1024
#: How many large files the summary names individually.
_LISTED = 50
#: Growth a file may show between listing and reading before it is read again with the size limit.
_READ_SLACK = 64 * 1024


@functools.lru_cache(maxsize=1)
def _builtin() -> RuleSet:
    return builtin_rules()


@dataclass
class ScanStats:
    files: int = 0
    bytes: int = 0
    binary: list[str] = field(default_factory=list)
    bare_suppressions: int = 0


class SecretsCheck:
    """Finds credentials with a Hyperscan-prefiltered rule pack."""

    name = CHECK_NAME
    version = __version__
    description = "Find leaked credentials (API keys, tokens, private keys, passwords) in files and git history."
    options_schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "builtin_rules": {"type": "boolean", "description": "Use gatecheck's built-in rule pack (default true)."},
            "config": {
                "oneOf": [{"type": "string", "minLength": 1},
                          {"type": "array", "items": {"type": "string", "minLength": 1}}],
                "x-gatecheck-path": "config",
                "description": "gitleaks-format TOML file(s), relative to the project root, loaded alongside the built-in "
                               "pack (or instead of it with builtin_rules = false). Read from the trusted configuration "
                               "source in trusted mode.",
            },
            "disabled_rules": {"type": "array", "items": {"type": "string"}, "description": "Rule ids to turn off."},
            "exclude_paths": {"type": "array", "items": {"type": "string"},
                              "description": "Globs (root-relative) of files never to scan, e.g. 'tests/fixtures/**'."},
            "stopwords": {"type": "array", "items": {"type": "string", "minLength": 1},
                          "description": "A match whose secret contains one of these (case-insensitive) is ignored."},
            "max_file_size": {"type": "integer", "minimum": 1,
                              "description": f"Judge larger files by name only (default {DEFAULT_MAX_FILE_SIZE} bytes)."},
            "history_since": {"type": "string", "minLength": 1,
                              "description": "Also scan lines added by commits in REV..HEAD (e.g. 'origin/main')."},
            "baseline": {"type": "string", "minLength": 1, "x-gatecheck-path": "config",
                         "description": f"Baseline file of known findings (default {baseline_mod.DEFAULT_PATH} when it "
                                        "exists). Read from the trusted configuration source in trusted mode."},
            "baseline_ref": {"type": "string", "minLength": 1,
                             "description": "Git ref (origin/main): report only secrets new since its merge base "
                                            "(set by gatecheck run --baseline-ref)."},
            "use_baseline": {"type": "boolean",
                             "description": "Apply the baseline (default true; `gatecheck secrets baseline` turns it off)."},
            "engine": {"enum": ["auto", "hyperscan", "python"],
                       "description": "auto: Hyperscan when it loads, else the pure-Python path; hyperscan: require it."},
            "hash_key_env": {"type": "string", "minLength": 1, "x-gatecheck-operator": True,
                             "description": f"Environment variable holding the HMAC key for secret hashes "
                                            f"(default {DEFAULT_HASH_KEY_ENV}). Operator-only."},
            "verify": {"type": "boolean",
                       "description": "With `gatecheck run --online` only: ask each supported provider's documented "
                                      "read-only identity endpoint whether a found credential is live (default false)."},
        },
    }

    # -- inputs -----------------------------------------------------------------------------

    def inputs(self, ctx: CheckContext) -> list[Path]:
        """The scanned files, the rules files and baseline as the configuration source holds them,
        and a state file for what decides the result without being a file (see :meth:`_state_file`)."""
        selection = self._select(ctx)
        root = ctx.repo.root
        opened: list[Path] = []
        self._configured_rules(ctx, opened)  # not the built-in pack: a warm run need not parse it
        baseline = self._baseline_file(ctx)
        if baseline is not None and baseline[1] is not None:
            opened.append(baseline[1])
        state = self._state_file(ctx, selection)
        return [*(root / entry.path for entry in selection.files), *opened, *([state] if state is not None else [])]

    def _state_file(self, ctx: CheckContext, selection: Selection) -> Path | None:
        """A small file in the work directory that changes the cache key when something that decides the
        result changes without any scanned file changing: the hash key (another key, other hashes and
        ids), the commits a history scan covers, and the names of the files judged by name only (adding
        a ``.p12`` must be noticed without digesting every large binary on each cold run)."""
        if ctx.work_dir is None:
            return None
        lines = [f"hash-key {key_id(self._key(ctx))}"]
        since = ctx.options.get("history_since")
        if since:
            try:
                base, head = history.resolve(ctx, str(since))
            except CheckFailed:
                base = head = "unresolved"  # run() reports the problem
            lines.append(f"history {since} {base} {head}")
        ref = ctx.options.get("baseline_ref")
        if ref:
            try:
                lines.append(f"baseline-ref {ref} {ctx.git_base(str(ref)).commit}")
            except CheckFailed:
                lines.append(f"baseline-ref {ref} unresolved")  # run() reports the problem
        lines += [f"by-name {rel}" for rel in sorted([*selection.binary, *selection.large])]
        if self._verifying(ctx):
            # A provider's answer holds for the moment it was given: a cached verdict is at most an hour old.
            lines.append(f"verify {time.strftime('%Y-%m-%dT%H', time.gmtime())}")
        content = ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")
        state = ctx.work_dir / "inputs-state.txt"
        try:
            unchanged = state.read_bytes() == content
        except OSError:
            unchanged = False
        if not unchanged:
            atomic_write(state, content)
        return state

    def _select(self, ctx: CheckContext) -> Selection:
        return select(ctx, max_size=self._max_size(ctx), exclude=list(ctx.options.get("exclude_paths", [])))

    @staticmethod
    def _max_size(ctx: CheckContext) -> int:
        return int(ctx.options.get("max_file_size", DEFAULT_MAX_FILE_SIZE))

    @staticmethod
    def _key(ctx: CheckContext) -> bytes:
        return hash_key(str(ctx.options.get("hash_key_env", DEFAULT_HASH_KEY_ENV)))

    # -- configuration-side files -------------------------------------------------------------

    def _rules_reader(self, ctx: CheckContext, opened: list[Path] | None) -> Reader:
        """Reads gitleaks files (and their ``[extend] path`` includes) from the configuration source."""

        def read(name: str) -> tuple[str, str]:
            local = ctx.config_source.file(name, what="secret rules file")
            shown = ctx.config_source.display(name)
            if local is None:
                raise CheckFailed(f"{shown}: secret rules file not found", bad_input=True)
            if opened is not None:
                opened.append(local)
            return _read_config_side(local, shown, "secret rules file"), shown

        return read

    def _baseline_file(self, ctx: CheckContext) -> tuple[str, Path | None] | None:
        """(name, local copy or None) of the baseline in force, or None when none applies."""
        if not ctx.options.get("use_baseline", True):
            return None
        if "baseline" in ctx.options:
            name = str(ctx.options["baseline"])
            return name, ctx.config_source.file(name, what="checks.secrets.baseline")
        local = ctx.config_source.file(baseline_mod.DEFAULT_PATH, what="secrets baseline")
        return (baseline_mod.DEFAULT_PATH, local) if local is not None else None

    def _baseline(self, ctx: CheckContext) -> baseline_mod.Baseline | None:
        found = self._baseline_file(ctx)
        if found is None:
            return None
        name, local = found
        shown = ctx.config_source.display(name)
        if local is None:
            raise CheckFailed(f"checks.secrets.baseline: {shown} not found", bad_input=True)
        return baseline_mod.parse(_read_config_side(local, shown, "secrets baseline"), shown)

    # -- rules and engine ---------------------------------------------------------------------

    def _configured_rules(self, ctx: CheckContext, opened: list[Path] | None = None) -> RuleSet:
        """The rules of the configured gitleaks files; ``opened`` collects the local paths read."""
        rules = RuleSet()
        value = ctx.options.get("config", [])
        read = self._rules_reader(ctx, opened)
        for name in [value] if isinstance(value, str) else list(value):
            rules.extend(load_config(name, read))
        return rules

    def ruleset(self, ctx: CheckContext) -> RuleSet:
        """The rules in force: the built-in pack and/or the configured gitleaks files, minus disabled rules."""
        rules = RuleSet()
        if ctx.options.get("builtin_rules", True):
            rules.extend(_builtin())
        rules.extend(self._configured_rules(ctx))
        disabled = list(ctx.options.get("disabled_rules", []))
        unknown = sorted(set(disabled) - {r.id for r in rules.rules})
        if unknown:
            raise CheckFailed(f"checks.secrets.disabled_rules: unknown rule id(s): {', '.join(unknown)}", bad_input=True)
        rules = rules.without(disabled)
        stopwords = [s.lower().encode("utf-8") for s in ctx.options.get("stopwords", [])]
        if stopwords:
            rules.allowlists.append(Allowlist(description="checks.secrets.stopwords", stopwords=stopwords))
        if not rules.rules:
            raise CheckFailed("no secret rules are enabled: with builtin_rules = false, 'config' must name a rules file "
                              "with at least one rule", bad_input=True)
        return rules

    def engine(self, ctx: CheckContext, rules: RuleSet) -> Engine:
        mode = str(ctx.options.get("engine", "auto"))
        if mode == "hyperscan" and not hyperscan_available():
            raise CheckFailed("checks.secrets.engine = 'hyperscan' but the hyperscan package cannot be loaded here")
        cache_dir = ctx.work_dir / "engine" if ctx.work_dir is not None else None
        try:
            return Engine(rules, mode, cache_dir=cache_dir)
        except RuntimeError as exc:
            raise CheckFailed(f"checks.secrets.engine: {exc}") from exc

    # -- run --------------------------------------------------------------------------------

    @staticmethod
    def _verifying(ctx: CheckContext) -> bool:
        """Live verification runs only when the user allowed the network and the configuration asks for it."""
        return bool(ctx.network and ctx.options.get("verify", False))

    def run(self, ctx: CheckContext) -> CheckResult:
        rules = self.ruleset(ctx)
        engine = self.engine(ctx, rules)
        selection = self._select(ctx)
        known = self._baseline(ctx)
        verifier = LiveVerifier() if self._verifying(ctx) else None
        builder = _Findings(self._key(ctx), ctx.sensitive, verifier)
        stats = ScanStats()
        limit = self._max_size(ctx)
        for entry in selection.files:
            ctx.check_cancelled()
            rel = entry.path
            for rule in engine.path_matches(rel):
                builder.add_path_rule(rule, rel)
            data = _text(ctx, rel, limit, entry.size)
            if data is None:
                stats.binary.append(rel)
                continue
            stats.files += 1
            stats.bytes += len(data)
            for match in engine.scan(rel, data):
                builder.add(match, rel, stats)
        for rel in [*selection.binary, *selection.large]:
            for rule in engine.path_matches(rel):
                builder.add_path_rule(rule, rel)
        history_summary = None
        since = ctx.options.get("history_since")
        if since:
            history_summary = self._scan_history(ctx, engine, str(since), builder, stats)
        findings = builder.findings
        baselined: list[Finding] = []
        if known is not None:
            keys = known.keys()
            baselined = [f for f in findings if (f.rule_id, str(f.metadata.get("secret_hash", ""))) in keys]
            findings = [f for f in findings if (f.rule_id, str(f.metadata.get("secret_hash", ""))) not in keys]
        preexisting: list[Finding] = []
        base_summary: dict[str, Any] | None = None
        if ctx.options.get("baseline_ref"):
            base = base_ref.scan_base(ctx, engine, builder.key, str(ctx.options["baseline_ref"]), findings,
                                      limit=limit, exclude=list(ctx.options.get("exclude_paths", [])))
            findings, preexisting = base.split(findings)
            base_summary = base.summary(preexisting)
        summary: dict[str, Any] = {
            "engine": engine.name,
            "rules": len(rules.rules),
            "rule_sources": rules.sources,
            "files": stats.files,
            "bytes": stats.bytes,
            "findings": len(findings),
            "listing": {"git": ctx.repo.is_git, "untracked_rule": ctx.repo.untracked,
                        "untracked_files": selection.untracked},
            "skipped": {
                "binary": len(selection.binary) + len(stats.binary),
                "large": len(selection.large),
                "large_files": selection.large[:_LISTED],
            },
            "suppressed": len(builder.suppressions),
            "suppressions_without_reason": stats.bare_suppressions,
            "baselined": len(baselined),
            # Where the baseline (or --baseline-ref) set secrets aside in the tree: a reviewer sees what
            # it hides, and a cache hit knows which files to re-read to mask those values (see restore()).
            "baselined_paths": sorted({f.location.path for f in [*baselined, *preexisting]
                                       if f.location is not None and "commit" not in f.metadata}),
        }
        if base_summary is not None:
            summary["baseline"] = base_summary
        if engine.note:
            summary["engine_note"] = engine.note
        elif engine.name != "hyperscan":
            summary["engine_note"] = ("Hyperscan is not available on this machine; the pure-Python matcher was used "
                                      "(same results, slower)") if ctx.options.get("engine", "auto") == "auto" \
                else "the pure-Python matcher was requested"
        if engine.prefiltered:
            summary["prefilter_mode_rules"] = engine.prefiltered
        if verifier is not None:
            verdicts = Counter(str(f.metadata["verified"]) for f in findings if "verified" in f.metadata)
            summary["verification"] = {"requests": verifier.requests, "over_budget": verifier.skipped, **verdicts}
        elif ctx.options.get("verify"):
            summary["verification"] = {"note": "verify = true needs `gatecheck run --online`; nothing was verified"}
        if history_summary is not None:
            summary["history"] = history_summary
        tool = Tool("gatecheck-secrets", __version__)
        if stats.files == 0 and not findings and not baselined and not preexisting and not history_summary:
            if selection.candidates and not (selection.files or selection.binary or selection.large):
                raise nothing_scanned(selection.candidates, selection.left_out)
            return CheckResult(tool=tool, status="skipped", error="no text files to scan", findings=[], summary=summary,
                               suppressions=builder.suppressions)
        return CheckResult(tool=tool, findings=findings, summary=summary, suppressions=builder.suppressions,
                           artifacts=[rules_artifact(_rule_docs(rules, findings))])

    def restore(self, ctx: CheckContext, result: CheckResult) -> None:
        """On a cache hit, register again every value the cached run matched, so the gate still masks
        them in other checks' output (the cache holds no value). Only the files that hold a finding, a
        suppression or a baselined secret are read again, and the history range only when it matched."""
        tree = {f.location.path for f in result.findings
                if f.location is not None and f.metadata.get("kind") != "file" and "commit" not in f.metadata}
        tree.update(s.path for s in result.suppressions)
        tree.update(str(p) for p in result.summary.get("baselined_paths", []))
        since = ctx.options.get("history_since")
        rescan_history = bool(since) and bool((result.summary.get("history") or {}).get("matches"))
        if not tree and not rescan_history:
            return
        engine = self.engine(ctx, self.ruleset(ctx))
        limit = self._max_size(ctx)
        for rel in sorted(tree):
            if not ctx.repo.is_file(rel):
                continue  # a suppression found only in history: the history scan below covers it
            data = _text(ctx, rel, limit)
            for match in engine.scan(rel, data) if data is not None else []:
                ctx.sensitive(masked_part(match.secret))
        if rescan_history:
            for _added, matches in _history_matches(ctx, engine, str(since)):
                for match in matches:
                    ctx.sensitive(masked_part(match.secret))

    def _scan_history(self, ctx: CheckContext, engine: Engine, since: str, builder: _Findings,
                      stats: ScanStats) -> dict[str, Any]:
        commits: set[str] = set()
        scanned = matched = 0
        for added, matches in _history_matches(ctx, engine, since, commits):
            scanned += len(added.data())
            matched += len(matches)
            for match in matches:
                match.line = added.line_number(match.line)
                match.end_line = added.line_number(match.end_line)
                if match.allow_line is not None:
                    match.allow_line = added.line_number(match.allow_line)
                builder.add(match, added.path, stats, commit=added.commit)
        return {"since": since, "commits": len(commits), "bytes": scanned, "matches": matched}


def _read_config_side(local: Path, shown: str, what: str) -> str:
    """The text of a rules file or baseline from the configuration source, size-limited."""
    try:
        with local.open("rb") as fh:
            data = fh.read(MAX_CONFIG_FILE + 1)
    except OSError as exc:
        raise CheckFailed(f"{shown}: cannot read {what}: {exc.strerror or exc}", bad_input=True) from exc
    if len(data) > MAX_CONFIG_FILE:
        raise CheckFailed(f"{shown}: {what} is larger than {MAX_CONFIG_FILE} bytes", bad_input=True)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CheckFailed(f"{shown}:1: {what} is not UTF-8 text", bad_input=True) from exc


def _text(ctx: CheckContext, rel: str, limit: int, listed_size: int | None = None) -> bytes | None:
    """A tree file's bytes to scan, through the repository view; None for binary content
    (UTF-16 text with a byte-order mark comes back as UTF-8).

    The read asks for no more than the listed size (plus slack) rather than the size limit:
    the view reads ``limit + 1`` bytes at once, and allocating megabytes per small file cost
    more than the scan itself. A file that grew since it was listed is read again with the limit."""
    if listed_size is not None and listed_size + _READ_SLACK < limit:
        try:
            data = ctx.read_bytes(rel, limit=listed_size + _READ_SLACK)
        except CheckFailed:
            data = ctx.read_bytes(rel, limit=limit)  # the real error, or a file that grew in between
    else:
        data = ctx.read_bytes(rel, limit=limit)
    if looks_binary(data):
        return decode_utf16(data)
    return data


def _history_matches(ctx: CheckContext, engine: Engine, since: str,
                     commits: set[str] | None = None) -> Iterator[tuple[history.AddedText, list[Match]]]:
    """The lines each commit in ``since..HEAD`` added, with the engine's matches in them (buffer lines),
    minus excluded paths; ``commits`` collects every commit seen."""
    excluded = [*ctx.exclude, *ctx.options.get("exclude_paths", [])]
    for added in history.added_text(ctx, since):
        ctx.check_cancelled()
        if commits is not None:
            commits.add(added.commit)
        if matches_any(added.path, excluded):
            continue
        yield added, engine.scan(added.path, added.data(), commit=added.commit)


class _Findings:
    """Turns matches into findings and suppressions: redacted, hashed, de-duplicated, with stable ids."""

    def __init__(self, key: bytes, register: Callable[[bytes], None], verifier: LiveVerifier | None = None) -> None:
        self.key = key
        self.register = register
        self.verifier = verifier
        self.findings: list[Finding] = []
        self.suppressions: list[Suppression] = []
        self._by_identity: dict[tuple[str, str, str, int], Finding] = {}
        self._occurrences: Counter[tuple[str, str, str]] = Counter()
        self._suppressed: Counter[tuple[str, str, str]] = Counter()

    def add(self, match: Match, rel: str, stats: ScanStats, commit: str | None = None) -> None:
        rule = match.rule
        # Every matched value is masked wherever it appears in the gate's output, suppressed or not.
        self.register(masked_part(match.secret))
        digest = secret_hash(match.secret, self.key)
        identity = (rule.id, rel, digest)
        if match.suppressed_reason is not None:
            # The id the finding would have had: a reviewer can tell which finding a comment hides.
            occurrence = self._occurrences[identity] + self._suppressed[identity]
            self._suppressed[identity] += 1
            self.suppressions.append(Suppression(
                rule_id=rule.id, path=rel, line=match.allow_line or match.line, reason=match.suppressed_reason,
                finding_id=finding_id(CHECK_NAME, rule.id, path=rel, key=f"{digest}\0{occurrence}"),
                severity=rule.severity,
            ))
            return
        if commit is not None:
            # A secret still in the working tree was already reported there; note where it came in.
            occurrence = self._occurrences[identity]
            if occurrence:
                existing = self._by_identity[(*identity, 0)]
                existing.metadata.setdefault("commits", [])
                if commit not in existing.metadata["commits"]:
                    existing.metadata["commits"].append(commit)
                return
        occurrence = self._occurrences[identity]
        self._occurrences[identity] += 1
        metadata: dict[str, Any] = {
            "secret_hash": digest,
            "preview": preview(match.secret),
            "secret_length": len(match.secret),
            "rule_source": rule.source,
            "family": rule.family,
        }
        if rule.tags:
            metadata["tags"] = list(rule.tags)
        if self.verifier is not None:
            verification = self.verifier.verify(rule.id, match.secret)
            if verification is not None:
                metadata.update(verification.metadata())
        if commit is not None:
            metadata["commit"] = commit
            metadata["commits"] = [commit]
        title = rule.description
        if match.bare_suppression:
            stats.bare_suppressions += 1
            metadata["suppression_error"] = "gatecheck:allow needs a reason (gatecheck:allow <why this is not a secret>)"
            title += " (gatecheck:allow without a reason is not honoured)"
        finding = Finding(
            id=finding_id(CHECK_NAME, rule.id, path=rel, key=f"{digest}\0{occurrence}"),
            check=CHECK_NAME,
            rule_id=rule.id,
            title=title,
            severity=rule.severity,
            confidence=rule.confidence,
            location=Location(rel, match.line, match.end_line),
            metadata=metadata,
        )
        self._by_identity[(*identity, occurrence)] = finding
        self.findings.append(finding)

    def add_path_rule(self, rule: Rule, rel: str) -> None:
        digest = secret_hash(b"path:" + rel.encode("utf-8", "surrogateescape"), self.key)
        identity = (rule.id, rel, digest)
        if self._occurrences[identity]:
            return
        self._occurrences[identity] += 1
        self.findings.append(Finding(
            id=finding_id(CHECK_NAME, rule.id, path=rel, key=f"{digest}\0path"),
            check=CHECK_NAME,
            rule_id=rule.id,
            title=rule.description,
            severity=rule.severity,
            confidence=rule.confidence,
            location=Location(rel, None, None),
            metadata={"secret_hash": digest, "preview": os.path.basename(rel), "rule_source": rule.source,
                      "kind": "file"},
        ))


#: What to do about any leaked credential, whichever rule found it.
LEAKED_SECRET_FIX = (
    "Treat the credential as compromised: revoke or rotate it with its issuer first (deleting it from the "
    "code does not help: it stays in git history and in every clone). Then remove it from the code and "
    "load it at run time from a secret store or the environment. If the match is not a real credential, "
    "mark it with `# gatecheck:allow <reason>` on the line or the line above, or record it in the baseline."
)


def _rule_docs(rules: RuleSet, findings: list[Finding]) -> dict[str, RuleDoc]:
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
