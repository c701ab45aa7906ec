"""Markdown for a pull-request comment or ``$GITHUB_STEP_SUMMARY``: verdict first, then detail."""

from __future__ import annotations

from gatecheck.model import SEVERITIES, DecisionEntry, severity_counts
from gatecheck.reports import Report, short_id
from gatecheck.reports.escaping import markdown_code, markdown_text

#: Longest list shown per section; PR comments and step summaries have size limits.
MAX_ROWS = 50



class MarkdownReporter:
    name = "markdown"
    media_type = "text/markdown"
    default_filename = "gatecheck.md"

    def render(self, report: Report) -> str:
        decision = report.decision
        verdict = "✅ **Passed**" if report.passed else "❌ **Denied**"
        lines = [
            f"## gatecheck: {verdict}",
            "",
            f"Stage `{report.stage}` · {len(report.results)} checks · {len(report.findings())} findings · "
            f"{len(decision.deny)} denied · {len(decision.warn)} warnings · {len(decision.waived)} waived"
            + (f" · policy `{decision.policy_digest[:19]}`" if decision.policy_digest else ""),
            "",
            "| Check | Status | " + " | ".join(s.capitalize() for s in SEVERITIES) + " | Time |",
            "| --- | --- | " + "---: | " * len(SEVERITIES) + "---: |",
        ]
        for result in report.results:
            counts = severity_counts(result.findings)
            status = result.status + (" (cached)" if result.cached else "")
            lines.append(
                f"| {markdown_text(result.check)} | {status} | {' | '.join(str(counts[s]) for s in SEVERITIES)} | "
                f"{result.duration_ms / 1000:.2f}s |"
            )
        errored = [r for r in report.results if r.error]
        if errored:
            lines += ["", "### Check errors", ""]
            lines += [f"- **{markdown_text(r.check)}** ({r.status}): {markdown_text(r.error or '')}" for r in errored]
        notes = report.set_aside()
        if notes:
            lines += ["", *[f"- **{markdown_text(check)}**: {markdown_text(note)}" for check, note in notes]]
        lines += self._section("Denied", decision.deny, report)
        lines += self._section("Warnings", decision.warn, report)
        lines += self._section("Waived", decision.waived, report)
        return "\n".join(lines) + "\n"

    def _section(self, title: str, entries: list[DecisionEntry], report: Report) -> list[str]:
        if not entries:
            return []
        out = ["", f"### {title} ({len(entries)})", "", "| Id | Rule | Where | Message |", "| --- | --- | --- | --- |"]
        rows = report.rows(entries)
        for row in rows[:MAX_ROWS]:
            entry, finding = row.entry, row.finding
            where = ""
            if finding and finding.location:
                where = markdown_code(finding.location.path) + (
                    f":{finding.location.start_line}" if finding.location.start_line else ""
                ) + (f" ({finding.location.kind})" if finding.location.kind not in (None, "source") else "")
            elif finding and finding.package:
                where = markdown_code(f"{finding.package.name} {finding.package.version or ''}".strip())
            ident = f"`{short_id(entry.finding_id)}`" if entry.finding_id else ""
            out.append(f"| {ident} | {markdown_code(entry.rule)} | {where} | {markdown_text(row.message)} |")
        if len(rows) > MAX_ROWS:
            out.append(f"| … | | | {len(rows) - MAX_ROWS} more {title.lower()}, not shown here: every one is in the "
                       "JSON and SARIF reports (`gatecheck run -f json:FILE`); `gatecheck explain ID` explains one |")
        return out
