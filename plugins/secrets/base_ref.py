"""``--baseline-ref`` for the secrets check: report only the secrets the change under judgement brings in.

1. The base is the merge base of ``baseline_ref`` and ``HEAD`` (what a pull request's diff is taken
   against), or the ref's own commit when there is none (a shallow clone):
   :meth:`gatecheck.checks.CheckContext.git_base`.
2. A file git reports unchanged since the base holds today exactly what it held then, so each of its
   findings is pre-existing without reading anything again.
3. The base versions of the changed files (those the scan would select: scan paths, excludes, size
   and binary rules) are read straight from git's object database (:class:`gatecheck.git.GitTree`,
   nothing checked out) and scanned with the same engine.
4. A current finding is pre-existing when its (rule id, secret hash) pair was in the base anywhere:
   the same matching the baseline file uses (:mod:`.baseline_file`), so moving a known secret to another
   file does not make it new, while a different secret in the same place does. A base match that an
   inline ``gatecheck:allow`` set aside does not count: removing the comment brings the secret back.

Findings from the history scan (``history_since``) are about commits, not the tree, and are always
kept. What was set aside is counted in the summary (``baseline.preexisting``) and every report says so.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gatecheck.api import CheckContext, Finding, GitBase, OutsideRepository, matches_any
from gatecheck_plugins.secrets.matcher import Engine
from gatecheck_plugins.secrets.redaction import masked_part, secret_hash
from gatecheck_plugins.secrets.tree_files import BINARY_EXTENSIONS, decode_utf16, looks_binary


@dataclass
class BaseSecrets:
    """What the base commit of a diff-aware run held: its (rule id, secret hash) pairs."""

    base: GitBase
    keys: set[tuple[str, str]] = field(default_factory=set)
    changed_files: int = 0
    base_files_scanned: int = 0

    def split(self, findings: list[Finding]) -> tuple[list[Finding], list[Finding]]:
        """(new, pre-existing) findings; history findings are always new."""
        new: list[Finding] = []
        old: list[Finding] = []
        for finding in findings:
            key = (finding.rule_id, str(finding.metadata.get("secret_hash", "")))
            (old if "commit" not in finding.metadata and key in self.keys else new).append(finding)
        return new, old

    def summary(self, preexisting: list[Finding]) -> dict[str, Any]:
        by_rule = Counter(f.rule_id for f in preexisting)
        return {**self.base.summary(), "changed_files": self.changed_files,
                "base_files_scanned": self.base_files_scanned, "preexisting": len(preexisting),
                "preexisting_by_rule": dict(sorted(by_rule.items())),
                "message": f"{len(preexisting)} pre-existing secret finding(s) set aside (present at "
                           f"{self.base.commit[:12]}, {'merge base of' if self.base.merge_base else 'commit of'} "
                           f"{self.base.ref})"}


def scan_base(ctx: CheckContext, engine: Engine, key: bytes, base: GitBase, findings: Iterable[Finding], *,
              limit: int, exclude: list[str]) -> BaseSecrets:
    """The secrets of ``base`` (:meth:`CheckContext.git_base`): the findings of unchanged files, and a scan
    of the changed files' base versions."""
    changed = ctx.changed_since(base.commit)
    tree = ctx.git_tree(base.commit)
    found = BaseSecrets(base=base, changed_files=len(changed))
    for finding in findings:
        rel = finding.location.path if finding.location is not None else None
        if rel is not None and "commit" not in finding.metadata and tree.is_file(rel) and rel not in changed:
            found.keys.add((finding.rule_id, str(finding.metadata.get("secret_hash", ""))))
    wanted = [rel for rel in sorted(changed) if tree.is_file(rel) and ctx.under_scan_paths(rel)
              and not ctx.is_excluded(rel) and not (exclude and matches_any(rel, exclude))]
    for rel in wanted:
        for rule in engine.path_matches(rel):
            found.keys.add((rule.id, secret_hash(b"path:" + rel.encode("utf-8", "surrogateescape"), key)))
    readable = [rel for rel in wanted if os.path.splitext(rel)[1].lower() not in BINARY_EXTENSIONS]
    tree.prefetch(readable)
    for rel in readable:
        ctx.check_cancelled()
        try:
            data: bytes | None = tree.read_bytes(rel, limit=limit)
        except OutsideRepository:
            continue  # over the size limit: judged by name only, as in the working tree
        if data is not None and looks_binary(data):
            data = decode_utf16(data)
        if data is None:
            continue
        found.base_files_scanned += 1
        for match in engine.scan(rel, data):
            if match.suppressed_reason is None:
                # Not in any output, but a diff-aware tool may quote the base version: mask it too.
                ctx.sensitive(masked_part(match.secret))
                found.keys.add((match.rule.id, secret_hash(match.secret, key)))
    return found
