"""Audit reports an auditor reads without the CLI: one self-contained HTML file, Markdown, or CSV.

The HTML report needs nothing beyond the file: styles are inline, the chart is an SVG drawn
here, and there is no script. Every value that comes from a stored attestation is escaped.
"""

from __future__ import annotations

import csv
import io
from html import escape
from typing import Any

from gatecheck import __version__
from gatecheck.audit.facts import AuditFacts, DayCount
from gatecheck.audit.promotion import DeployedSubject
from gatecheck.digests import prefixed

FORMATS = ("html", "md", "csv")
PASS_COLOUR = "#2e7d32"
FAIL_COLOUR = "#c62828"


def render(facts: AuditFacts, fmt: str) -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "html":
        return render_html(facts)
    if fmt == "md":
        return render_markdown(facts)
    if fmt == "csv":
        return render_csv(facts)
    raise ValueError(f"unknown audit report format {fmt!r}")


def _nice_max(value: int) -> int:
    for step in (1, 2, 5):
        for scale in (1, 10, 100, 1000, 10_000, 100_000, 1_000_000):
            if value <= step * scale * 4:
                return step * scale * 4
    return value


def verdict_chart(days: list[DayCount], *, width: int = 860, height: int = 260) -> str:
    """An SVG stacked bar chart of PASSED and FAILED verdicts per day."""
    left, right, top, bottom = 48, 12, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max([d.passed + d.failed for d in days] + [1]))
    n = max(len(days), 1)
    slot = plot_w / n
    bar = max(slot * 0.7, 1.0)
    parts = [
        f'<svg id="verdict-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title">',
        '<title id="chart-title">Verdicts per day: PASSED and FAILED</title>',
    ]
    for i in range(5):
        value = top_value * i // 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#555">{value}</text>')
    label_every = max(1, round(n / 10))
    for i, d in enumerate(days):
        x = left + i * slot + (slot - bar) / 2
        passed_h = plot_h * d.passed / top_value
        failed_h = plot_h * d.failed / top_value
        base = top + plot_h
        tip = f"{d.day.isoformat()}: {d.passed} passed, {d.failed} failed"
        if d.passed:
            parts.append(f'<rect class="bar-passed" x="{x:.1f}" y="{base - passed_h:.1f}" width="{bar:.1f}" '
                         f'height="{passed_h:.1f}" fill="{PASS_COLOUR}"><title>{escape(tip)}</title></rect>')
        if d.failed:
            parts.append(f'<rect class="bar-failed" x="{x:.1f}" y="{base - passed_h - failed_h:.1f}" width="{bar:.1f}" '
                         f'height="{failed_h:.1f}" fill="{FAIL_COLOUR}"><title>{escape(tip)}</title></rect>')
        if i % label_every == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11" '
                         f'fill="#555">{d.day.strftime("%m-%d")}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#888"/>')
    legend_y = height - 8
    parts.append(f'<rect x="{left}" y="{legend_y - 9}" width="10" height="10" fill="{PASS_COLOUR}"/>'
                 f'<text x="{left + 14}" y="{legend_y}" font-size="11">PASSED</text>'
                 f'<rect x="{left + 70}" y="{legend_y - 9}" width="10" height="10" fill="{FAIL_COLOUR}"/>'
                 f'<text x="{left + 84}" y="{legend_y}" font-size="11">FAILED</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(headers: list[str], rows: list[list[Any]], empty: str) -> str:
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _rows(facts: AuditFacts) -> dict[str, tuple[list[str], list[list[Any]], str]]:
    """The report's tables, shared by every format: title -> (headers, rows, text when empty)."""
    tables: dict[str, tuple[list[str], list[list[Any]], str]] = {
        "Top denying rules": (["Rule", "Source", "Denials", "Example"],
                              [[r.rule, r.source, r.count, r.example] for r in facts.rules],
                              "Nothing was denied in this period." if not facts.failed else
                              f"{facts.failed} verdict(s) FAILED, but none names the rules that denied it."),
        "Waivers used and expiring": (
            ["Waiver", "Uses", "Expires", "State", "Owner", "Reason"],
            [[w.waiver_id, w.uses, w.expires or "-", "EXPIRED" if w.expired else ("expiring soon" if w.expiring else "ok"),
              w.owner or "-", w.reason or "-"] for w in facts.waivers],
            "No stored verdict lists an applied waiver in this period."),
        "Subjects deployed without a passing verdict": (
            ["Image", "Digest", "Namespaces", "Reasons", "Admissions", "First", "Last"],
            [[u.image, prefixed(u.digest) if u.digest else "(not pinned)", ", ".join(u.namespaces),
              ", ".join(u.reasons), u.admissions, u.first, u.last] for u in facts.unverified],
            "Every admitted image had a passing verdict."),
    }
    tables["Approvals per deployed subject"] = (
        ["Subject", "Name", "Deployed", "Via", "Approvers", "Approver key", "Reason", "Ticket", "Approved", "Expires"],
        [row for d in facts.deployed for row in _approval_rows(d)],
        "No subject was deployed in this period (no PASSED deploy or admission verdict, no admitted image).")
    tables["SLO decisions over time"] = (
        ["Time", "Subject", "Stage", "Verdict", "SLO", "Objective", "Budget left", "Burn rates", "Fast burn",
         "Slow burn", "Policy"],
        [[d.when, d.subject, d.stage or "-", d.verdict or "-", d.slo, _ratio(d.objective), _ratio(d.remaining),
          ", ".join(f"{w} {r:.2f}x" for w, r in d.burn_rates.items()) or "-", "yes" if d.fast_burn else "no",
          "yes" if d.slow_burn else "no", "; ".join(d.rules) or "-"] for d in facts.slo_decisions],
        "No verdict of this period carries an slo check's result.")
    if facts.reverification is not None:
        rv = facts.reverification
        tables["Attestations that no longer verify"] = (
            ["Id", "Digest", "Predicate type", "Reason", "Message"],
            [[f.seq, prefixed(f.digest), f.predicate_type, f.code, f.message] for f in rv.failures],
            f"All {rv.checked} stored attestations verify against today's trust roots.")
    return tables


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"


def _approval_rows(d: DeployedSubject) -> list[list[Any]]:
    """One row per approval of a deployed subject; a subject nobody approved gets one row saying so."""
    head = [d.subject, d.name, d.deployed, d.via, d.approvers]
    if not d.approvals:
        return [[*head, "(no approval stored)", "-", "-", "-", "-"]]
    return [[*head, a.approver, a.reason, a.ticket or "-", a.approved_at,
             (a.expires or "never") + (" (EXPIRED)" if a.expired else "")] for a in d.approvals]


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:64rem;color:#1b1b1b;
padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
.meta{color:#555;font-size:.9rem}.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.card{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;min-width:8rem}
.card b{display:block;font-size:1.4rem}.pass{color:#2e7d32}.fail{color:#c62828}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border:1px solid #ddd;padding:.3rem .5rem;
text-align:left;vertical-align:top;word-break:break-all}th{background:#f4f4f4}.empty{color:#555;font-style:italic}
.note{background:#fff8e1;border-left:4px solid #f9a825;padding:.4rem .8rem}
"""


def render_html(facts: AuditFacts) -> str:
    """One self-contained HTML file: inline CSS and SVG, no script, no external resource."""
    cards = [
        ("Verdicts", facts.verdicts, ""), ("Passed", facts.passed, "pass"), ("Failed", facts.failed, "fail"),
        ("Subjects", facts.subjects, ""), ("Admissions logged", facts.admissions, ""),
        ("Deployed without a passing verdict", len(facts.unverified), "fail" if facts.unverified else ""),
        ("Deployed subjects", len(facts.deployed), ""),
        ("Deployed without an approval", sum(1 for d in facts.deployed if not d.approvers),
         "fail" if any(not d.approvers for d in facts.deployed) else ""),
    ]
    if facts.reverification is not None:
        cards.append(("No longer verify", len(facts.reverification.failures),
                      "fail" if facts.reverification.failures else "pass"))
    card_html = "".join(f'<div class="card"><span>{escape(label)}</span><b class="{cls}">{value}</b></div>'
                        for label, value, cls in cards)
    sections = "".join(f"<h2>{escape(title)}</h2>{_table(h, rows, empty)}"
                       for title, (h, rows, empty) in _rows(facts).items())
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in facts.notes)
    period = f"{facts.since:%Y-%m-%d %H:%M} to {facts.generated:%Y-%m-%d %H:%M} UTC"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>gatecheck audit report: {escape(period)}</title><style>{_CSS}</style></head><body>"
        f"<h1>gatecheck audit report</h1><p class=\"meta\">Store {escape(facts.store)} &middot; {escape(period)} "
        f"&middot; gatecheck {escape(__version__)}</p>"
        f"<div class=\"cards\">{card_html}</div>"
        f"<h2>Verdicts over time</h2>{verdict_chart(facts.days)}{notes}{sections}</body></html>\n"
    )


def _md_cell(value: Any) -> str:
    # Markdown renders inline HTML, so stored text is escaped as in the HTML report.
    return escape(str(value), quote=False).replace("|", "\\|").replace("\n", " ")


def render_markdown(facts: AuditFacts) -> str:
    """Markdown, with the chart as a text bar per day."""
    out = [f"# gatecheck audit report\n\nStore `{facts.store}`, {facts.since:%Y-%m-%d %H:%M} to "
           f"{facts.generated:%Y-%m-%d %H:%M} UTC.\n",
           f"**{facts.verdicts} verdicts** ({facts.passed} passed, {facts.failed} failed) about {facts.subjects} "
           f"subjects; {facts.admissions} admissions logged; {len(facts.unverified)} image(s) deployed without a "
           "passing verdict.\n", "## Verdicts over time\n", "| Day | Passed | Failed | |", "| --- | ---: | ---: | --- |"]
    top = max([d.passed + d.failed for d in facts.days] + [1])
    for d in facts.days:
        bar = "█" * round(20 * d.passed / top) + "░" * round(20 * d.failed / top)
        out.append(f"| {d.day.isoformat()} | {d.passed} | {d.failed} | {bar} |")
    out += [f"\n> {n}" for n in facts.notes]
    for title, (headers, rows, empty) in _rows(facts).items():
        out.append(f"\n## {title}\n")
        if not rows:
            out.append(f"_{empty}_")
            continue
        out.append("| " + " | ".join(headers) + " |")
        out.append("| " + " | ".join("---" for _ in headers) + " |")
        out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def _csv_cell(value: Any) -> Any:
    # A cell starting with = + - @ is a formula to a spreadsheet; stored text must never become one.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, buf: io.StringIO) -> None:
        self._writer = csv.writer(buf, lineterminator="\n")

    def writerow(self, row: list[Any]) -> None:
        self._writer.writerow([_csv_cell(c) for c in row])


def render_csv(facts: AuditFacts) -> str:
    """One CSV table (spreadsheet-friendly): a ``section`` column, then that section's own columns."""
    buf = io.StringIO()
    writer = _SafeWriter(buf)
    writer.writerow(["section", "key", "value", "detail1", "detail2", "detail3", "detail4"])
    for d in facts.days:
        writer.writerow(["verdicts_per_day", d.day.isoformat(), d.passed + d.failed, f"passed={d.passed}",
                         f"failed={d.failed}", "", ""])
    for r in facts.rules:
        writer.writerow(["denying_rule", r.rule, r.count, r.source, r.example, "", ""])
    for w in facts.waivers:
        state = "expired" if w.expired else ("expiring" if w.expiring else "ok")
        writer.writerow(["waiver", w.waiver_id, w.uses, w.expires or "", state, w.owner or "", w.reason or ""])
    for u in facts.unverified:
        writer.writerow(["deployed_without_passing_verdict", u.image, u.admissions, u.digest or "",
                         " ".join(u.namespaces), " ".join(u.reasons), f"{u.first}..{u.last}"])
    for subject in facts.deployed:
        for row in _approval_rows(subject):
            writer.writerow(["deployed_subject_approval", subject.subject, subject.approvers, subject.deployed, row[5],
                             row[6], row[9]])
    for slo in facts.slo_decisions:
        writer.writerow(["slo_decision", slo.slo, _ratio(slo.remaining), slo.when, slo.subject, slo.verdict or "",
                         "; ".join(slo.rules)])
    if facts.reverification is not None:
        for f in facts.reverification.failures:
            writer.writerow(["no_longer_verifies", f.seq, f.code, prefixed(f.digest), f.predicate_type,
                             f.message, ""])
    return buf.getvalue()
