"""The optional parts the store and the admission server need, and the error when one is missing.

``pip install .`` installs the gate and its scanners. The attestation store (``gatecheck store``,
``audit``, ``approve --store``, ``run --store``, the approvals check's ``store``) needs the
``store`` extra; ``gatecheck serve`` needs the ``server`` extra, which brings the store's too;
``all`` brings both. A command that needs one that is missing stops with exit 2 naming the extra,
not with a traceback.
"""

from __future__ import annotations

import importlib

from gatecheck.errors import EXIT_BAD_INPUT, GatecheckError

#: The modules each extra must bring for its commands to start (pyproject.toml lists the
#: distributions; tests/store/test_extras.py checks the two agree). psycopg is in the extras too,
#: but only PostgreSQL URLs need it: :meth:`gatecheck.store.Store.open` names the extra then.
EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "store": ("sqlalchemy",),
    "server": ("uvicorn", "starlette", "sqlalchemy"),
}

_NEEDED_BY = {"store": "the attestation store", "server": "gatecheck serve"}


class MissingExtra(GatecheckError):
    """An optional part a command needs is not installed (exit 2); the message names the extra that brings it."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, extra: str, module: str) -> None:
        self.extra = extra
        self.module = module
        super().__init__(f"{_NEEDED_BY[extra]} needs the {extra!r} extra, which is not installed (no module named "
                         f"{module!r}): install gatecheck-policy-gate[{extra}] (from a checkout: pip install '.[{extra}]')")


def require(extra: str) -> None:
    """Import the modules ``extra`` brings; :class:`MissingExtra` naming it when one is not installed."""
    for module in EXTRA_MODULES[extra]:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            raise MissingExtra(extra, exc.name or module) from None
