"""A plugin whose hook itself raises: gatecheck must exit 3 with a message, not a traceback."""

from gatecheck import hookimpl


@hookimpl
def gatecheck_checks() -> list[object]:
    raise RuntimeError("plugin bug")
