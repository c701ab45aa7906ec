"""The human summary: a table of checks, then what was denied, warned and waived.

Everything in it that comes from a check (check names, errors, finding titles inside policy
messages, paths) is untrusted: a repository under judgement chooses its file names and, through
its SARIF files or its code, the titles of its findings. Such text is printed literally, never as
rich markup, emoji codes or highlighting, and with its control characters shown as escapes
(:func:`visible`), so a finding can neither hide itself nor rewrite the terminal it is read on.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from gatecheck.model import SEVERITIES, severity_counts
from gatecheck.reports import Report, short_id

if TYPE_CHECKING:
    from rich.text import Text

#: Rows per list (denied, warnings, waived); a longer list says how many more and where they are.
MAX_ROWS = 40

#: The characters a terminal acts on instead of showing: C0 and C1 controls and DEL move the
#: cursor, recolour or clear the screen, or set the window title; line and paragraph separators
#: start new lines; bidirectional overrides and isolates reorder what is shown ("Trojan Source").
CONTROLS = (*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_ESCAPES: dict[int, str] = {
    **{c: f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}" for c in CONTROLS},
    0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r",
}
_ESCAPES_KEEPING_LINES = {c: e for c, e in _ESCAPES.items() if c not in (0x09, 0x0A)}
# JSON escapes U+0000-U+001F itself; the other controls it leaves raw, where "\\u009b" means the same.
_JSON_ESCAPES = {c: f"\\u{c:04x}" for c in CONTROLS if c >= 0x7F}


def visible(text: str) -> str:
    """``text`` on one line with every control character escaped (``\\x1b``, ``\\n``): safe to print."""
    return text.translate(_ESCAPES)


def visible_lines(text: str) -> str:
    """Like :func:`visible`, but keeping newlines and tabs: for whole blocks of output."""
    return text.translate(_ESCAPES_KEEPING_LINES)


def visible_json(document: str) -> str:
    """A JSON document with the controls JSON leaves raw escaped as ``\\uXXXX``: the same document, safe to print."""
    return document.translate(_JSON_ESCAPES)


def literal(text: str, style: str = "") -> Text:
    """Untrusted ``text`` as a rich Text that prints exactly as it reads (no markup, no emoji codes)."""
    from rich.text import Text

    return Text(visible(text), style=style)


class TextReporter:
    name = "text"
    media_type = "text/plain"
    default_filename = "gatecheck.txt"

    def __init__(self, *, color: bool = False, width: int = 110) -> None:
        self.color = color
        self.width = width

    def render(self, report: Report) -> str:
        # rich is imported here, not at module level: `gatecheck` start-up must not pay for it.
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        buffer = io.StringIO()
        # markup, emoji and highlighting off for the whole console: nothing printed here is
        # interpreted, and styles come only from the Text objects built below.
        console = Console(file=buffer, width=self.width, force_terminal=self.color, no_color=not self.color,
                          markup=False, emoji=False, highlight=False)
        table = Table(title="gatecheck checks", title_justify="left")
        for col in ("check", "status", "crit", "high", "med", "low", "info", "unk", "wall", "cpu"):
            table.add_column(col, justify="right" if col not in ("check", "status") else "left")
        for result in report.results:
            counts = severity_counts(result.findings)
            style = {"ok": "green", "skipped": "yellow"}.get(result.status, "red")
            table.add_row(
                literal(result.check),
                Text.assemble((result.status, style), " (cached)" if result.cached else ""),
                *(str(counts[s]) for s in SEVERITIES),
                f"{result.duration_ms / 1000:.2f}s",
                f"{result.cpu_ms / 1000:.2f}s" if result.cpu_ms is not None else "-",
            )
        console.print(table)
        for result in report.results:
            if result.error:
                # A multi-line error (a tool's stderr) keeps its lines, indented under the check
                # it belongs to, so none of them can pass for a line of the report.
                first, *rest = result.error.split("\n")
                console.print(Text.assemble((f"{visible(result.check)} {result.status}:", "red"), " ", visible(first)))
                for line in rest:
                    console.print("    " + visible(line))
        for check, note in report.set_aside():
            console.print(Text.assemble((f"{visible(check)}:", "cyan"), " ", visible(note)))
        decision = report.decision
        for title, entries, style in (
            ("DENIED", decision.deny, "red"),
            ("WARNINGS", decision.warn, "yellow"),
            ("WAIVED", decision.waived, "cyan"),
        ):
            if not entries:
                continue
            console.print()
            console.print(Text(f"{title} ({len(entries)})", style=f"bold {style}"))
            # The order every report uses: gate-level first, then secrets, then by severity; one row per
            # vulnerable package in a file.
            rows = report.rows(entries)
            for row in rows[:MAX_ROWS]:
                entry, finding = row.entry, row.finding
                where = ""
                if finding and finding.location:
                    where = finding.location.path + (
                        f":{finding.location.start_line}" if finding.location.start_line else ""
                    ) + (f" ({finding.location.kind})" if finding.location.kind not in (None, "source") else "")
                elif finding and finding.package:
                    where = f"{finding.package.name}=={finding.package.version}"
                ident = short_id(entry.finding_id) or "-"
                console.print(f"  {ident:10}  {visible(entry.rule)}  {visible(where)}  {visible(row.message)}")
            if len(rows) > MAX_ROWS:
                console.print(f"  … and {len(rows) - MAX_ROWS} more {title.lower()}, not shown here: every one is in "
                              "the JSON and SARIF reports (-f json:FILE); `gatecheck explain ID` explains one")
        verdict = Text("PASSED", style="bold green") if report.passed else Text("DENIED", style="bold red")
        console.print()
        console.print(Text.assemble(
            verdict,
            f"  stage={report.stage}  checks={len(report.results)}  findings={len(report.findings())}  "
            f"denied={len(decision.deny)}  warnings={len(decision.warn)}  waived={len(decision.waived)}  "
            f"({report.duration_ms / 1000:.2f}s)",
        ))
        return buffer.getvalue()
