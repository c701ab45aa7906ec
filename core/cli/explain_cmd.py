"""``gatecheck explain FINDING_ID``: which rule denied a finding, or which waiver covered it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from gatecheck import config as config_mod
from gatecheck import redact
from gatecheck import waivers as waivers_mod
from gatecheck.cli import inputs
from gatecheck.cli.output import Output, output_options
from gatecheck.cli.waivers_cmd import load_report, waivers_file
from gatecheck.errors import BadInput
from gatecheck.gate import GateOptions, run_gate
from gatecheck.model import CheckResult, Decision, DecisionEntry, Finding
from gatecheck.plugin_manager import Plugins
from gatecheck.reports.sarif import rule_docs
from gatecheck.reports.text import visible
from gatecheck.repository import Repository

#: Lines of code shown as evidence around a finding.
EVIDENCE_LINES = 6


def evidence(finding: Finding, root: Path | None) -> dict[str, Any]:
    """What the finding rests on: the flagged lines of code (never for a secret: its redacted preview
    stands in), or the package facts of a dependency finding. Read through the repository view and
    scrubbed, like every other output."""
    facts: dict[str, Any] = {}
    meta = finding.metadata
    for key in ("message", "cwe", "preview", "secret_length", "requirement", "versions", "fixed_by",
                "package_advisories", "declared_versions", "lock", "statement"):
        if key in meta:
            facts[key] = meta[key]
    if finding.package is not None:
        facts["package"] = {"name": finding.package.name, "version": finding.package.version, "purl": finding.package.purl}
    loc = finding.location
    if root is not None and loc is not None and loc.start_line and "secret_hash" not in meta:
        try:
            text = Repository(root).read_bytes(loc.path, limit=4 * 1024 * 1024).decode("utf-8", "replace")
        except (OSError, BadInput):
            text = ""
        lines = text.splitlines()
        first = max(1, loc.start_line)
        last = min(len(lines), max(first, loc.end_line or first), first + EVIDENCE_LINES - 1)
        if first <= len(lines):
            scrub = redact.Redactor()
            facts["code"] = [{"line": n, "text": scrub.text(lines[n - 1])} for n in range(first, last + 1)]
    return facts


def explain(finding: Finding, decision: Decision, waiver_file: waivers_mod.WaiverFile, *,
            docs: Mapping[str, Any] | None = None, root: Path | None = None) -> dict[str, Any]:
    """Everything the decision and the waivers say about one finding, the evidence it rests on, how
    to fix it (from the check's description of its rule) and a waiver that would accept it."""
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
    doc = docs or {}
    fix = str(doc.get("fix") or "")
    if finding.fix is not None and finding.fix.versions:
        fix = (fix + " " if fix else "") + f"Fixed in: {', '.join(finding.fix.versions)}."
    return {"finding": finding.to_dict(), "verdict": verdict, "deny": denied, "waived": waived, "warn": warned,
            "expired_waivers": expired, "policy_digest": decision.policy_digest, "engine": decision.engine,
            "rule": {"id": finding.rule_id, "summary": doc.get("summary"), "description": doc.get("description"),
                     "help_uri": doc.get("help_uri"), "references": list(finding.references)},
            "evidence": evidence(finding, root), "fix": fix or None, "waiver": waivers_mod.snippet(finding, now)}


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
    owner = next(r for r in results if any(f.id == finding.id for f in r.findings))
    info = explain(finding, decision, waiver_file, docs=rule_docs(owner).get(finding.rule_id), root=cfg.root)
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
    rule = info["rule"]
    if rule.get("summary") or rule.get("description"):
        lines += ["", visible(f"rule {rule['id']}: {rule.get('summary') or ''}")]
        if rule.get("description") and rule.get("description") != rule.get("summary"):
            lines.append("  " + visible(str(rule["description"])))
    facts = info["evidence"]
    if facts:
        lines += ["", "evidence:"]
        for row in facts.get("code", []):
            lines.append(f"  {row['line']:>5} | {visible(row['text'])}")
        for key, value in facts.items():
            if key != "code":
                lines.append(visible(f"  {key}: {value}"))
    if info["fix"]:
        lines += ["", visible(f"fix: {info['fix']}")]
    refs = rule.get("help_uri") or (rule["references"][0] if rule.get("references") else None)
    if refs:
        lines.append(visible(f"more: {refs}"))
    if info["verdict"] != "waived":
        lines += ["", "to accept the risk instead, add this waiver (fill in reason and owner):", ""]
        lines += [visible(line) for line in info["waiver"].splitlines()]
    lines.append("")
    lines.append(visible(f"policy {decision.policy_digest or '?'} on {decision.engine}"))
    return "\n".join(lines) + "\n"


COMMANDS = [explain_cmd]
