"""``gatecheck waivers list|check``: which waivers exist, which matched, which run out soon."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from gatecheck import config as config_mod
from gatecheck import waivers as waivers_mod
from gatecheck.cli import inputs
from gatecheck.cli.durations import Duration
from gatecheck.cli.output import Output, detail, output_options
from gatecheck.errors import BadInput
from gatecheck.model import CheckResult, Finding

# A YAML waivers document has a top-level `waivers:` key; in TOML that line is a syntax error.
_YAML_WAIVERS = re.compile(r"^waivers\s*:", re.M)


def load_report(path: Path) -> dict[str, Any]:
    """A JSON report written by ``gatecheck run -f json`` (``-`` reads it from standard input)."""
    if not inputs.is_stdin(path) and not path.is_file():
        raise BadInput("report not found", path=path)
    shown = inputs.display(path)
    try:
        doc = json.loads(inputs.read_text(path, what="report"))
    except json.JSONDecodeError as exc:
        raise BadInput(f"invalid JSON: {exc.msg}", path=shown, line=exc.lineno) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise BadInput("not a gatecheck JSON report (no results); write one with `gatecheck run -f json -o FILE`",
                       path=shown)
    return doc


@contextlib.contextmanager
def waivers_file(path: Path | None) -> Iterator[Path | None]:
    """The waivers file an option names, as a file the waivers loader can read.

    ``-`` is standard input, kept in a private temporary file for as long as the command runs;
    it is YAML when it has a top-level ``waivers:`` key, TOML otherwise.
    """
    if not inputs.is_stdin(path):
        yield path
        return
    text = inputs.read_text(inputs.STDIN, what="waivers file")
    name = "stdin.yaml" if _YAML_WAIVERS.search(text) else "stdin.toml"
    with inputs.temporary_copy(text, name) as copy:
        yield copy


def report_findings(doc: dict[str, Any]) -> list[Finding]:
    return [f for r in doc["results"] for f in CheckResult.from_dict(r).findings]


def load_waivers(project: Path, file: Path | None) -> tuple[waivers_mod.WaiverFile, int, str | None]:
    """The waivers of ``project`` (or of ``file``, ``-`` for standard input), the longest a waiver may
    run in days, and how messages name the file (None when there is none)."""
    cfg = config_mod.load(project)
    table = cfg.section("waivers")
    max_days = int(table.get("max_days", waivers_mod.DEFAULT_MAX_DAYS))
    if file is not None and not inputs.is_stdin(file) and not file.is_file():
        raise BadInput("waivers file not found", path=file)
    with waivers_file(file) as path:
        if path is None:
            path = waivers_mod.find(cfg.source, table.get("file"))
        shown = inputs.display(file) if file is not None else None
        wf = waivers_mod.load(path, max_days=max_days, name=shown)
    name = shown or (str(wf.path) if wf.path else None)
    detail(f"gatecheck: waivers from {name or '(no waivers file)'}")
    return wf, max_days, name


def report_applied(doc: dict[str, Any]) -> dict[str, list[str]]:
    """Finding ids each waiver was applied to in a report's decision: what the policy did, not what matched."""
    applied: dict[str, list[str]] = {}
    for entry in (doc.get("decision") or {}).get("waived") or []:
        if isinstance(entry, dict) and entry.get("waiver_id") and entry.get("finding_id"):
            applied.setdefault(str(entry["waiver_id"]), []).append(str(entry["finding_id"]))
    return applied


NOT_APPLICABLE = ("secrets and unsafe migrations are waived only by a waiver that names the finding "
                  "(match = { finding_id = \"...\" }); `gatecheck explain ID` prints one")


def _rows(wf: waivers_mod.WaiverFile, findings: list[Finding] | None, soon: dt.timedelta, now: dt.datetime,
          applied: dict[str, list[str]] | None = None) -> list[dict[str, Any]]:
    rows = []
    soon_days = soon / dt.timedelta(days=1)
    for w in wf.waivers:
        if w.expired(now):
            state = f"expired {w.age_days(now)} day(s) ago"
            status = "expired"
        elif w.days_left(now) <= soon_days:
            state, status = f"expires in {w.days_left(now)} day(s)", "expiring"
        else:
            state, status = f"active, {w.days_left(now)} day(s) left", "active"
        matched = None if findings is None else [f.id for f in findings if w.matches(f)]
        rows.append({"id": w.id, "owner": w.owner, "expires": w.expires, "status": status, "state": state,
                     "ticket": w.ticket, "reason": w.reason, "match": w.match, "where": w.where(),
                     "matched": matched, "applied": None if applied is None else sorted(set(applied.get(w.id, [])))})
    return rows


def _common(func: Any) -> Any:
    for option in reversed([
        click.argument("project", type=click.Path(file_okay=False, exists=True, path_type=Path), default="."),
        click.option("--file", "file", type=inputs.FILE,
                     help="Waivers file, - for stdin (default: [waivers] file, else gatecheck.waivers.toml/.yaml in "
                          "PROJECT)."),
        click.option("--report", "report", type=inputs.FILE,
                     help="A JSON report of a run (gatecheck run -f json -o FILE) to match waivers against; - for "
                          "stdin."),
        click.option("--soon", type=Duration(bare_unit="d"), default="14d", show_default=True,
                     help="How close to expiry a waiver counts as expiring soon (a duration; a plain number is days)."),
        output_options(json_flag=True),
    ]):
        func = option(func)
    return func


@click.group("waivers")
def waivers() -> None:
    """Inspect and check the waivers file.

    \b
    Examples:
      gatecheck waivers list
      gatecheck run . -f json -o report.json; gatecheck waivers check --report report.json
    """


@waivers.command("list")
@_common
def list_cmd(project: Path, file: Path | None, report: Path | None, soon: dt.timedelta, out: Output) -> None:
    """List the waivers of PROJECT with their state and, given --report, what each matched.

    \b
    Examples:
      gatecheck waivers list
      gatecheck waivers list examples/webapp --report report.json --soon 30d --format json
    """
    wf, _, name = load_waivers(project, file)
    doc = load_report(report) if report else None
    findings = report_findings(doc) if doc else None
    rows = _rows(wf, findings, soon, waivers_mod.now_utc(), report_applied(doc) if doc else None)

    def text() -> str:
        if name is None:
            return "no waivers file\n"
        lines = [f"{len(rows)} waiver(s) in {name}"]
        for row in rows:
            matched = "" if row["matched"] is None else (
                f", matched {len(row['matched'])} finding(s), applied to {len(row['applied'])}")
            lines.append(f"  {row['id']}  {row['state']}{matched}  owner={row['owner']}"
                         + (f" ticket={row['ticket']}" if row["ticket"] else "") + f"  ({row['where']})")
        return "\n".join(lines) + "\n"

    out.emit({"file": name, "waivers": rows}, text)


@waivers.command("check")
@_common
def check_cmd(project: Path, file: Path | None, report: Path | None, soon: dt.timedelta, out: Output) -> None:
    """Validate the waivers file; fail on expired waivers and, given --report, on waivers that match nothing.

    Waivers that expire within --soon days are warnings. Exit codes: 0 clean, 1 a waiver
    is expired or matches nothing, 2 the file is malformed (the error names file and line).

    \b
    Examples:
      gatecheck waivers check
      gatecheck waivers check --report report.json --soon 7d
      gatecheck waivers check --file - < gatecheck.waivers.toml
    """
    wf, max_days, name = load_waivers(project, file)
    doc = load_report(report) if report else None
    findings = report_findings(doc) if doc else None
    rows = _rows(wf, findings, soon, waivers_mod.now_utc(), report_applied(doc) if doc else None)
    problems = [f"{r['where']}: waiver {r['id']} {r['state']}; it is not applied" for r in rows if r["status"] == "expired"]
    if findings is not None:
        problems += [f"{r['where']}: waiver {r['id']} matches no finding in the report; remove it"
                     for r in rows if r["status"] != "expired" and not r["matched"]]
        problems += [f"{r['where']}: waiver {r['id']} matches {len(r['matched'])} finding(s) but the policy applied it "
                     f"to none: {NOT_APPLICABLE}"
                     for r in rows if r["status"] != "expired" and r["matched"] and not r["applied"]
                     and _all_explicit_only(doc, r["matched"])]
    warnings = [f"{r['where']}: waiver {r['id']} {r['state']}" for r in rows if r["status"] == "expiring"]

    def text() -> str:
        lines = [f"error: {line}" for line in problems] + [f"warning: {line}" for line in warnings]
        lines.append(f"{len(rows)} waiver(s) checked in {name or 'no waivers file'} (max {max_days} days): "
                     f"{len(problems)} problem(s), {len(warnings)} expiring soon")
        return "\n".join(lines) + "\n"

    out.emit({"file": name, "problems": problems, "warnings": warnings, "waivers": rows}, text)
    raise click.exceptions.Exit(1 if problems else 0)


def _all_explicit_only(doc: dict[str, Any] | None, ids: list[str]) -> bool:
    """Whether every one of the findings ``ids`` names was judged by a rule a broad waiver cannot cover
    (in the report's decision: ``gatecheck.secret`` or ``gatecheck.migration``); a finding the policy
    did not deny (a warning) cannot have been waived either way, so it does not make a waiver useless."""
    rules = {e.get("finding_id"): e.get("rule") for e in (doc or {}).get("decision", {}).get("deny", [])
             if isinstance(e, dict)}
    return all(rules.get(i) in ("gatecheck.secret", "gatecheck.migration") for i in ids)


COMMANDS = [waivers]
