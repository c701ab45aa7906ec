"""Diff-aware scanning (``baseline_ref``): which files changed since a git base, what they held
there, and which findings are therefore pre-existing.

For a pull request only findings the change introduces matter. The check compares
fingerprints rather than using semgrep's ``--baseline-commit`` (which refuses to run with
uncommitted changes and checks out the base in the working tree):

1. the base commit is the merge base of ``baseline_ref`` and ``HEAD`` (what a pull request
   diff is taken against), or the ref itself when there is no merge base (shallow clone):
   :meth:`CheckContext.git_base`, resolved once per run by the check's ``prepare``;
2. changed files are those that differ between the base and the working tree, plus
   untracked files; renames are followed so a moved file keeps its history;
3. the base versions of changed files are scanned with the same rules under their current
   paths, and a current finding whose fingerprint existed there is pre-existing.

Findings in unchanged files are pre-existing by definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from gatecheck.api import CheckContext, CheckFailed, GitBase
from gatecheck_plugins.sast.scan import ScanOutcome


@dataclass
class DiffBase:
    """The base of a diff-aware scan."""

    ref: str
    commit: str
    #: Absolute path of the git work tree's top level.
    toplevel: Path
    #: Root-relative POSIX paths that differ from the base (added, modified, renamed, untracked).
    changed: set[str] = field(default_factory=set)
    #: Root-relative current path -> path (relative to the git top level) in the base commit,
    #: for changed files that existed in the base.
    base_paths: dict[str, str] = field(default_factory=dict)
    merge_base: bool = True


def _git(ctx: CheckContext, *args: str, cwd: Path | None = None, input: bytes | None = None) -> bytes:
    """Standard output of a hardened ``git ARGS`` (through ``ctx.git``); a failure is a check error."""
    proc = ctx.git(args, cwd=cwd, input=input)
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise CheckFailed(f"git {' '.join(args[:2])} failed: {message[-1] if message else proc.returncode}")
    return proc.stdout


def toplevel(ctx: CheckContext) -> Path:
    """The git work tree containing the project root."""
    proc = ctx.git(["rev-parse", "--show-toplevel"])
    if proc.returncode != 0:
        raise CheckFailed(
            f"baseline_ref needs a git repository, but {ctx.root} is not inside one", bad_input=True
        )
    return Path(proc.stdout.decode().strip())


def compute(ctx: CheckContext, base: GitBase) -> DiffBase:
    """What changed since ``base``, relative to the project root."""
    top = toplevel(ctx)
    commit = base.commit
    result = DiffBase(ref=base.ref, commit=commit, toplevel=top, merge_base=base.merge_base)
    diff = _git(ctx, "diff", "--name-status", "-z", "-M", "--no-ext-diff", commit, "--", cwd=top)
    fields = diff.decode("utf-8", "surrogateescape").split("\0")
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i]
        if status[:1] in ("R", "C"):
            old, new = fields[i + 1], fields[i + 2]
            i += 3
        else:
            old = new = fields[i + 1]
            i += 2
        rel = _root_relative(ctx, top, new)
        if rel is None:
            continue
        result.changed.add(rel)
        if status[:1] != "A" and status[:1] != "D":
            result.base_paths[rel] = old
    untracked = _git(ctx, "ls-files", "--others", "--exclude-standard", "-z", cwd=top)
    for name in untracked.decode("utf-8", "surrogateescape").split("\0"):
        rel = _root_relative(ctx, top, name) if name else None
        if rel is not None:
            result.changed.add(rel)
    return result


def _root_relative(ctx: CheckContext, top: Path, name: str) -> str | None:
    """A top-level-relative git path as a project-root-relative path (None if outside the root)."""
    full = top / PurePosixPath(name)
    try:
        return full.relative_to(ctx.root.resolve()).as_posix()
    except ValueError:
        return None


def materialize(ctx: CheckContext, base: DiffBase, paths: list[str], into: Path) -> list[str]:
    """Write the base version of each of ``paths`` (root-relative, current names) under
    ``into`` at its current root-relative path; return the ones that existed in the base.

    One ``git cat-file --batch`` process reads every blob, whatever the number of files."""
    wanted = [(rel, base.base_paths[rel]) for rel in paths if rel in base.base_paths]
    if not wanted:
        return []
    request = "".join(f"{base.commit}:{old}\n" for _, old in wanted).encode("utf-8", "surrogateescape")
    out = _git(ctx, "cat-file", "--batch", cwd=base.toplevel, input=request)
    pos = 0
    written: list[str] = []
    for rel, _old in wanted:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[-1] == b"missing":
            continue
        size = int(header[2])
        content = out[pos:pos + size]
        pos += size + 1  # the object is followed by a newline
        if header[1] != b"blob":
            continue  # a tree at that path: nothing to scan
        target = into / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written.append(rel)
    return written


def drop_preexisting(outcome: ScanOutcome, before: ScanOutcome) -> int:
    """Drop from ``outcome`` the findings the base versions of the changed files (``before``)
    already had, suppressed there or not; return how many."""
    known = {f.id for f in before.findings} | {s.finding_id for s in before.suppressions}
    kept = [f for f in outcome.findings if f.id not in known]
    dropped = len(outcome.findings) - len(kept)
    outcome.findings = kept
    return dropped
