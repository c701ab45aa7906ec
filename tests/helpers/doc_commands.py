"""The documented commands of a docs page: every ``$ CMD`` line of its console blocks, with the exit
code a following ``# exit: N`` line states (default 0). Tests run them to keep the docs true."""

from __future__ import annotations

import re

CONSOLE_BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def console_commands(text: str, block: re.Pattern[str] = CONSOLE_BLOCK) -> list[tuple[str, int]]:
    """``(command, expected exit code)`` for each ``$`` line of the page's blocks, in order."""
    found = []
    for body in block.findall(text):
        lines = body.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("$ "):
                m = re.match(r"# exit: (\d)", lines[i + 1]) if i + 1 < len(lines) else None
                found.append((line[2:].strip(), int(m.group(1)) if m else 0))
    return found
