"""``gatecheck waivers list|check``: which waivers exist, which matched, which run out soon."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from gatecheck import config as config_mod
from gatecheck import waivers as waivers_mod
from gatecheck.errors import BadInput
from gatecheck.model import CheckResult, Finding


def load_report(path: Path) -> dict[str, Any]:
    """A JSON report written by ``gatecheck run -f json``."""
    if not path.is_file():
        raise BadInput("report not found", path=path)
    try:
        doc = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise BadInput(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise BadInput("not a gatecheck JSON report (no results); write one with `gatecheck run -f json -o FILE`", path=path)
    return doc


def report_findings(doc: dict[str, Any]) -> list[Finding]:
    return [f for r in doc["results"] for f in CheckResult.from_dict(r).findings]


def _load(project: Path, file: Path | None) -> tuple[waivers_mod.WaiverFile, int]:
    cfg = config_mod.load(project)
    table = cfg.section("waivers")
    max_days = int(table.get("max_days", waivers_mod.DEFAULT_MAX_DAYS))
    if file is not None:
        if not file.is_file():
            raise BadInput("waivers file not found", path=file)
        path: Path | None = file
    else:
        path = waivers_mod.find(cfg.source, table.get("file"))
    return waivers_mod.load(path, max_days=max_days), max_days


def _rows(wf: waivers_mod.WaiverFile, findings: list[Finding] | None, soon: int, now: dt.datetime) -> list[dict[str, Any]]:
    rows = []
    for w in wf.waivers:
        if w.expired(now):
            state = f"expired {w.age_days(now)} day(s) ago"
            status = "expired"
        elif w.days_left(now) <= soon:
            state, status = f"expires in {w.days_left(now)} day(s)", "expiring"
        else:
            state, status = f"active, {w.days_left(now)} day(s) left", "active"
        matched = None if findings is None else [f.id for f in findings if w.matches(f)]
        rows.append({"id": w.id, "owner": w.owner, "expires": w.expires, "status": status, "state": state,
                     "ticket": w.ticket, "reason": w.reason, "match": w.match, "where": w.where(),
                     "matched": matched})
    return rows


def _common(func: Any) -> Any:
    for option in reversed([
        click.argument("project", type=click.Path(file_okay=False, exists=True, path_type=Path), default="."),
        click.option("--file", "file", type=click.Path(dir_okay=False, path_type=Path),
                     help="Waivers file (default: [waivers] file, else gatecheck.waivers.toml/.yaml in PROJECT)."),
        click.option("--report", "report", type=click.Path(dir_okay=False, path_type=Path),
                     help="A JSON report of a run (gatecheck run -f json -o FILE) to match waivers against."),
        click.option("--soon", type=click.IntRange(0), default=14, show_default=True,
                     help="Days before expiry at which a waiver counts as expiring soon."),
        click.option("--json", "as_json", is_flag=True, help="Machine-readable output."),
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
def list_cmd(project: Path, file: Path | None, report: Path | None, soon: int, as_json: bool) -> None:
    """List the waivers of PROJECT with their state and, given --report, what each matched.

    \b
    Examples:
      gatecheck waivers list
      gatecheck waivers list examples/webapp --report report.json --soon 30
    """
    wf, _ = _load(project, file)
    findings = report_findings(load_report(report)) if report else None
    rows = _rows(wf, findings, soon, waivers_mod.now_utc())
    if as_json:
        click.echo(json.dumps({"file": str(wf.path) if wf.path else None, "waivers": rows}, indent=2))
        return
    if wf.path is None:
        click.echo("no waivers file")
        return
    click.echo(f"{len(rows)} waiver(s) in {wf.path}")
    for row in rows:
        matched = "" if row["matched"] is None else f", matched {len(row['matched'])} finding(s)"
        click.echo(f"  {row['id']}  {row['state']}{matched}  owner={row['owner']}"
                   + (f" ticket={row['ticket']}" if row["ticket"] else "") + f"  ({row['where']})")


@waivers.command("check")
@_common
def check_cmd(project: Path, file: Path | None, report: Path | None, soon: int, as_json: bool) -> None:
    """Validate the waivers file; fail on expired waivers and, given --report, on waivers that match nothing.

    Waivers that expire within --soon days are warnings. Exit codes: 0 clean, 1 a waiver
    is expired or matches nothing, 2 the file is malformed (the error names file and line).

    \b
    Examples:
      gatecheck waivers check
      gatecheck waivers check --report report.json --soon 7
    """
    wf, max_days = _load(project, file)
    findings = report_findings(load_report(report)) if report else None
    rows = _rows(wf, findings, soon, waivers_mod.now_utc())
    problems = [f"{r['where']}: waiver {r['id']} {r['state']}; it is not applied" for r in rows if r["status"] == "expired"]
    if findings is not None:
        problems += [f"{r['where']}: waiver {r['id']} matches no finding in the report; remove it"
                     for r in rows if r["status"] != "expired" and not r["matched"]]
    warnings = [f"{r['where']}: waiver {r['id']} {r['state']}" for r in rows if r["status"] == "expiring"]
    if as_json:
        click.echo(json.dumps({"file": str(wf.path) if wf.path else None, "problems": problems, "warnings": warnings,
                               "waivers": rows}, indent=2))
    else:
        for line in problems:
            click.echo(f"error: {line}")
        for line in warnings:
            click.echo(f"warning: {line}")
        where = str(wf.path) if wf.path else "no waivers file"
        click.echo(f"{len(rows)} waiver(s) checked in {where} (max {max_days} days): "
                   f"{len(problems)} problem(s), {len(warnings)} expiring soon")
    raise click.exceptions.Exit(1 if problems else 0)


COMMANDS = [waivers]
