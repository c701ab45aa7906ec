"""``--baseline-ref`` for the sca check: report only what the change under judgement introduces.

1. The base is the merge base of ``baseline_ref`` and ``HEAD`` (what a pull request's diff is
   taken against), or the ref itself when there is none (a shallow clone).
2. The dependency files are read as they are in that commit, straight from git's object database
   through the check's hardened git runner (:class:`gatecheck.api.GitTree`):
   nothing is checked out, and the same parsers and selection apply.
3. The base's dependencies are audited in the *same* pip-audit pass as the current ones (one
   scan: the union of both, each dependency queried once), and turned into findings the same way.
4. A current finding whose id is also a base finding is pre-existing: the same advisory for the
   same package in the same file (a bump from one affected version to another affected version
   is not new; a new dependency, or a bump *into* an affected version, is). Pre-existing findings
   are set aside and counted in the summary (``baseline.preexisting``); the stale-database
   finding is about the gate, not the change, and is always kept.

A base file that no longer parses (it was malformed before the change) counts as absent: every
current finding of that file is new, and the summary says which files those were.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gatecheck.api import CheckContext, GitBase
from gatecheck_plugins import dependencies


@dataclass
class Base:
    """The commit a diff-aware run compares against, and its tree."""

    ref: str
    commit: str
    merge_base: bool
    tree: dependencies.GitTree
    #: The base's dependency files, and those that could not be read or parsed (treated as absent).
    files: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    def summary(self, preexisting: int, by_rule: dict[str, int]) -> dict[str, Any]:
        return {"ref": self.ref, "commit": self.commit, "merge_base": self.merge_base, "files": self.files,
                "unreadable_files": self.unreadable, "preexisting": preexisting, "preexisting_by_rule": by_rule}


def open_base(ctx: CheckContext, base: GitBase) -> Base:
    """The base commit (:meth:`CheckContext.git_base`) with its files under the project root."""
    return Base(ref=base.ref, commit=base.commit, merge_base=base.merge_base, tree=ctx.git_tree(base.commit))


def base_files(ctx: CheckContext, base: Base, patterns: list[str] | None) -> list[str]:
    """The dependency files of the base commit, selected as the current ones are."""
    selected = dependencies.select([rel for rel in base.tree.files() if ctx.in_scope(rel)], patterns)
    base.tree.prefetch(selected)
    return selected


def split(findings: list[Any], base_ids: set[str], keep_rules: set[str]) -> tuple[list[Any], dict[str, int]]:
    """The findings new since the base, and how many of each rule were set aside as pre-existing."""
    kept: list[Any] = []
    aside: dict[str, int] = {}
    for finding in findings:
        if finding.id in base_ids and finding.rule_id not in keep_rules:
            key = "advisory" if finding.metadata.get("kind") == "advisory" else finding.rule_id
            aside[key] = aside.get(key, 0) + 1
        else:
            kept.append(finding)
    return kept, dict(sorted(aside.items()))
