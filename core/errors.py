"""Errors gatecheck raises on purpose, and the exit codes they map to.

Exit codes are part of the CLI contract (DESIGN.md §8): 0 pass, 1 policy denied,
2 bad input or configuration, 3 internal error.
"""

from __future__ import annotations

from pathlib import Path

EXIT_PASS = 0
EXIT_DENIED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3


class GatecheckError(Exception):
    """An error gatecheck reports to the user instead of a traceback (exit 3)."""

    exit_code = EXIT_INTERNAL


class BadInput(GatecheckError):
    """A file or value supplied by the user is malformed (exit 2).

    ``path`` and ``line`` locate the problem; ``key`` is a dotted key path inside
    a structured document (``checks.sarif.timeout``) where that is known.
    """

    exit_code = EXIT_BAD_INPUT

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.key = key
        super().__init__(self.describe())

    def describe(self) -> str:
        """Render as ``file:line: key: message`` with whichever parts are known."""
        where = ""
        if self.path:
            where = self.path + (f":{self.line}" if self.line else "")
        parts = [p for p in (where, self.key) if p]
        return ": ".join([*parts, self.message])


class CheckFailed(GatecheckError):
    """Raised by a check to end with ``status: error`` and a clear reason.

    Set ``bad_input`` when the reason is a malformed file supplied by the user
    (for example an unparsable SARIF file); the gate then exits 2 after reporting.
    Inside a gate run the runner turns it into the check's result; raised anywhere
    else (a plugin's own command) it is reported like any other error, exit 2 or 3.
    """

    def __init__(self, message: str, *, bad_input: bool = False) -> None:
        super().__init__(message)
        self.bad_input = bad_input
        self.exit_code = EXIT_BAD_INPUT if bad_input else EXIT_INTERNAL
