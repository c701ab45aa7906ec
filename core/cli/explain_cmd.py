"""``gatecheck explain FINDING_ID``: which rule denied a finding, or which waiver covered it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from gatecheck import config as config_mod
from gatecheck import waivers as waivers_mod
from gatecheck.cli import inputs
from gatecheck.cli.output import Output, output_options
from gatecheck.cli.waivers_cmd import load_report, waivers_file
from gatecheck.errors import BadInput
from gatecheck.gate import GateOptions, run_gate
from gatecheck.model import CheckResult, Decision, DecisionEntry, Finding
from gatecheck.plugins import Plugins
from gatecheck.reports.text import visible


def explain(finding: Finding, decision: Decision, waiver_file: waivers_mod.WaiverFile) -> dict[str, Any]:
    """Everything the decision and the waivers say about one finding."""
    now = waivers_mod.now_utc()

    def about(entries: list[DecisionEntry]) -> list[dict[str, Any]]:
        return [e.to_dict() for e in entries if e.finding_id == finding.id]

    denied, warned, waived = about(decision.deny), about(decision.warn), about(decision.waived)
    by_id = {w.id: w for w in waiver_file.waivers}
    for entry in waived:
        w = by_id.get(entry.get("waiver_id", ""))
        if w is not None:
            entry["waiver"] = {"owner": w.owner, "reason": w.reason, "expires": w.expires, "ticket": w.ticket,
                               "where": w.where()}
    expired = [{"id": w.id, "expired_days_ago": w.age_days(now), "where": w.where()}
               for w in waiver_file.expired(now) if w.matches(finding)]
    verdict = "denied" if denied else "waived" if waived else "warned" if warned else "allowed"
    return {"finding": finding.to_dict(), "verdict": verdict, "deny": denied, "waived": waived, "warn": warned,
            "expired_waivers": expired, "policy_digest": decision.policy_digest, "engine": decision.engine}


@click.command("explain")
@click.argument("finding_id")
@click.argument("project", type=click.Path(file_okay=False, exists=True, path_type=Path), default=".")
@click.option("--report", type=inputs.FILE,
              help="Explain from a JSON report (gatecheck run -f json -o FILE; - for stdin) instead of running the gate.")
@click.option("--stage", type=click.Choice(["ci", "deploy", "admission"]), default="ci", show_default=True,
              help="Stage to run the gate at (without --report).")
@click.option("--waivers", "waivers_path", type=inputs.FILE,
              help="Waivers file; - for stdin.")
@output_options(json_flag=True)
def explain_cmd(finding_id: str, project: Path, report: Path | None, stage: str, waivers_path: Path | None,
                out: Output) -> None:
    """Say which policy rule denied FINDING_ID, or which waiver covered it.

    FINDING_ID may be a unique prefix. Without --report the gate runs on PROJECT (using the
    result cache) to get the current decision.

    \b
    Examples:
      gatecheck explain c3b56cd4 examples/webapp
      gatecheck explain c3b56cd4746bd0eb7c8cc53c02c76418 --report report.json --format json
    """
    cfg = config_mod.load(project)
    table = cfg.section("waivers")
    with waivers_file(waivers_path) as wfile:
        wpath = wfile or waivers_mod.find(cfg.source, table.get("file"))
        waiver_file = waivers_mod.load(wpath, max_days=int(table.get("max_days", waivers_mod.DEFAULT_MAX_DAYS)),
                                       name=inputs.display(waivers_path) if waivers_path else None)
        if report is not None:
            doc = load_report(report)
            results = [CheckResult.from_dict(r) for r in doc["results"]]
            decision = Decision.from_dict(doc["decision"])
        else:
            gate_report = run_gate(cfg, Plugins(), GateOptions(stage=stage, waivers=wfile))
            results, decision = gate_report.results, gate_report.decision
    candidates = {f.id: f for r in results for f in r.findings if f.id.startswith(finding_id)}
    if not candidates:
        raise BadInput(f"no finding with id {finding_id!r} in this run", key="FINDING_ID")
    if len(candidates) > 1:
        raise BadInput(f"id prefix {finding_id!r} is ambiguous: {', '.join(sorted(candidates))}", key="FINDING_ID")
    finding = next(iter(candidates.values()))
    info = explain(finding, decision, waiver_file)
    out.emit(info, lambda: render_text(finding, decision, info))


def render_text(finding: Finding, decision: Decision, info: dict[str, Any]) -> str:
    """The explanation for a person. Every value is shown on its own line's terms (:func:`visible`): a
    finding's title or a waiver's reason comes from the repository and cannot start a line of its own."""
    where = f" at {finding.location.path}:{finding.location.start_line or ''}" if finding.location else ""
    lines = [visible(f"finding {finding.id}: {finding.check}/{finding.rule_id} {finding.severity}{where}"),
             f"  {visible(finding.title)}"]
    for e in info["deny"]:
        lines.append(visible(f"DENIED by rule {e['rule']}: {e['message']}"))
    for e in info["waived"]:
        w = e.get("waiver", {})
        extra = f" (owner {w['owner']}, expires {w['expires']}" + (f", ticket {w['ticket']}" if w.get("ticket") else "") + \
            f"; {w['reason']}; {w['where']})" if w else ""
        lines.append(visible(f"WAIVED by waiver {e.get('waiver_id')} for rule {e['rule']}{extra}"))
    for e in info["warn"]:
        lines.append(visible(f"WARNED by rule {e['rule']}: {e['message']}"))
    for x in info["expired_waivers"]:
        lines.append(visible(f"note: waiver {x['id']} matches it but expired {x['expired_days_ago']} day(s) ago, so it "
                             f"was not applied ({x['where']})"))
    if info["verdict"] == "allowed":
        lines.append("ALLOWED: no policy rule fired on it")
    lines.append(visible(f"policy {decision.policy_digest or '?'} on {decision.engine}"))
    return "\n".join(lines) + "\n"


COMMANDS = [explain_cmd]
