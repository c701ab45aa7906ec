"""Progress of a gate run: a live display on a terminal, plain lines in CI logs.

Check names and errors come from plugins and from the files they read, so both are printed
literally with their control characters escaped (:func:`~gatecheck.reports.text.visible`).
"""

from __future__ import annotations

import os
import sys
import threading
from typing import TextIO

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

from gatecheck.cli.output import color_wanted
from gatecheck.model import CheckResult
from gatecheck.reports.text import literal, visible


def wants_live_display(stream: TextIO) -> bool:
    """A live display only on an interactive terminal outside CI."""
    return stream.isatty() and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"


class LineProgress:
    """One line per event, for logs: ``gatecheck: sarif ok, 3 findings (12 ms)``."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self._lock = threading.Lock()

    def started(self, name: str) -> None:
        with self._lock:
            print(f"gatecheck: {visible(name)} started", file=self.stream, flush=True)

    def finished(self, result: CheckResult) -> None:
        detail = f"{len(result.findings)} findings"
        if result.error:
            detail = result.error
        cached = ", cached" if result.cached else ""
        with self._lock:
            print(visible(f"gatecheck: {result.check} {result.status}{cached}, {detail} ({result.duration_ms} ms)"),
                  file=self.stream, flush=True)


class LiveProgress:
    """A rich live display with one spinner row per running check."""

    def __init__(self, total: int) -> None:
        # markup off: task descriptions hold check names, which plugins choose.
        self.console = Console(stderr=True, no_color=not color_wanted(sys.stderr), markup=False, emoji=False,
                               highlight=False)
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}", markup=False), TimeElapsedColumn(),
            console=self.console, transient=True,
        )
        self.overall = self.progress.add_task(f"gatecheck: 0/{total} checks", total=total)
        self.total = total
        self.done = 0
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> LiveProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def started(self, name: str) -> None:
        self.tasks[name] = self.progress.add_task(f"  {visible(name)}", total=None)

    def finished(self, result: CheckResult) -> None:
        task = self.tasks.pop(result.check, None)
        if task is not None:
            self.progress.remove_task(task)
        self.done += 1
        style = {"ok": "green", "skipped": "yellow"}.get(result.status, "red")
        self.console.print(Text.assemble(
            (f"{result.status:>7}", style), " ", literal(result.check),
            f"  {len(result.findings)} findings" + ("  (cached)" if result.cached else "")
            + f"  {result.duration_ms / 1000:.2f}s",
        ))
        self.progress.update(self.overall, completed=self.done, description=f"gatecheck: {self.done}/{self.total} checks")
