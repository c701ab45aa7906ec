"""The human summary: a table of checks, then what was denied, warned and waived."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from gatecheck.model import severity_counts
from gatecheck.reports import Report

MAX_ROWS = 30


class TextReporter:
    name = "text"
    media_type = "text/plain"
    default_filename = "gatecheck.txt"

    def __init__(self, *, color: bool = False, width: int = 110) -> None:
        self.color = color
        self.width = width

    def render(self, report: Report) -> str:
        buffer = io.StringIO()
        console = Console(file=buffer, width=self.width, force_terminal=self.color, no_color=not self.color,
                          highlight=False)
        table = Table(title="gatecheck checks", title_justify="left")
        for col in ("check", "status", "crit", "high", "med", "low", "info", "unk", "time"):
            table.add_column(col, justify="right" if col not in ("check", "status") else "left")
        for result in report.results:
            counts = severity_counts(result.findings)
            style = {"ok": "green", "skipped": "yellow"}.get(result.status, "red")
            table.add_row(
                result.check,
                f"[{style}]{result.status}[/]" + (" (cached)" if result.cached else ""),
                *(str(counts[s]) for s in ("critical", "high", "medium", "low", "info", "unknown")),
                f"{result.duration_ms / 1000:.2f}s",
            )
        console.print(table)
        for result in report.results:
            if result.error:
                console.print(f"[red]{result.check} {result.status}:[/] {result.error}", markup=True)
        findings = {f.id: f for f in report.findings()}
        decision = report.decision
        for title, entries, style in (
            ("DENIED", decision.deny, "red"),
            ("WARNINGS", decision.warn, "yellow"),
            ("WAIVED", decision.waived, "cyan"),
        ):
            if not entries:
                continue
            console.print(f"\n[bold {style}]{title} ({len(entries)})[/]")
            for entry in entries[:MAX_ROWS]:
                finding = findings.get(entry.finding_id or "")
                where = ""
                if finding and finding.location:
                    where = finding.location.path + (
                        f":{finding.location.start_line}" if finding.location.start_line else ""
                    )
                elif finding and finding.package:
                    where = f"{finding.package.name}=={finding.package.version}"
                console.print(f"  {entry.rule}  {where}  {entry.message}", markup=False, highlight=False)
            if len(entries) > MAX_ROWS:
                console.print(f"  … and {len(entries) - MAX_ROWS} more (see --format json)")
        verdict = "[bold green]PASSED[/]" if decision.allow else "[bold red]DENIED[/]"
        console.print(
            f"\n{verdict}  stage={report.stage}  checks={len(report.results)}  findings={len(findings)}  "
            f"denied={len(decision.deny)}  warnings={len(decision.warn)}  waived={len(decision.waived)}  "
            f"({report.duration_ms / 1000:.2f}s)"
        )
        return buffer.getvalue()
