"""Plugin commands: one plugin whose commands hook raises does not hide the others' commands."""

from __future__ import annotations

import pytest

from gatecheck import api, plugin_manager
from gatecheck.cli import _plugin_commands


class Raising:
    """A plugin whose gatecheck_commands hook fails (a half-installed dependency, say)."""

    __name__ = "raising"

    @api.hookimpl
    def gatecheck_commands(self) -> list[object]:
        raise RuntimeError("boom")


def test_a_raising_commands_hook_does_not_hide_gatecheck_db(monkeypatch: pytest.MonkeyPatch) -> None:
    real = plugin_manager.Plugins
    monkeypatch.setattr(plugin_manager, "Plugins", lambda: real(extra=[Raising()]))
    commands = _plugin_commands()
    assert {"db", "secrets"} <= set(commands)
