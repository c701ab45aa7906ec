"""Rules for transaction control and session settings: BEGIN/COMMIT, SET, set_config().

They keep :class:`.state.Session` up to date (is a transaction open, are lock_timeout and
statement_timeout set, did search_path change) and report BEGIN inside a transaction, COMMIT
outside one, and a COMMIT that ends the transaction the migration tool wrapped around the file.
"""

from __future__ import annotations

import re

from . import pgtypes
from .pgtypes import Node
from .rulebase import RuleBase
from .source import Statement

LEADING_NUMBER = re.compile(r"\s*([0-9.]+)")
#: Settings the session tracks, by name -> the Session attributes for the session-wide and SET LOCAL values.
TIMEOUTS = {
    "lock_timeout": ("lock_timeout", "local_lock_timeout"),
    "statement_timeout": ("statement_timeout", "local_statement_timeout"),
}


def setting_enabled(value: Node | None) -> bool:
    """Whether a timeout value is non-zero (0 disables the timeout)."""
    if value is None:
        return False
    const = value.get("A_Const", {})
    if "ival" in const:
        return bool(const["ival"].get("ival", 0))
    raw = const.get("sval", {}).get("sval") if "sval" in const else const.get("fval", {}).get("fval")
    match = LEADING_NUMBER.match(str(raw or ""))
    try:
        return bool(match) and float(match.group(1)) > 0  # type: ignore[union-attr]
    except ValueError:
        return False


class SessionRules(RuleBase):
    """Transactions and session settings."""

    def _TransactionStmt(self, stmt: Statement, node: Node) -> None:
        session = self._session
        kind = node.get("kind")
        if kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
            if session.explicit_transaction:
                opened = session.transaction_stmt.line if session.transaction_stmt else "?"
                self._hit("transaction-nesting", stmt,
                          f"BEGIN while the transaction opened on line {opened} is still open: "
                          "PostgreSQL ignores it")
            else:
                session.transaction_stmt = stmt
                if not session.in_transaction:
                    session.not_valid.clear()
            session.in_transaction = True
            session.explicit_transaction = True
        elif kind in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"):
            if not session.in_transaction:
                self._hit("transaction-nesting", stmt, f"{stmt.text.split(' ')[0].upper()} with no transaction open")
            elif not session.explicit_transaction and self.settings.implicit_transaction:
                self._hit("transaction-nesting", stmt,
                          "COMMIT ends the transaction the migration tool wrapped around the file; the rest "
                          "of the file runs outside it")
            if node.get("chain"):
                session.not_valid.clear()
                session.exclusive.clear()
                session.local_lock_timeout = session.local_statement_timeout = False
            else:
                session.end_transaction()

    def _VariableSetStmt(self, stmt: Statement, node: Node) -> None:
        kind = node.get("kind")
        session = self._session
        if kind == "VAR_RESET_ALL":
            session.lock_timeout = session.local_lock_timeout = False
            session.statement_timeout = session.local_statement_timeout = False
            return
        name = node.get("name")
        if name == "search_path" and kind != "VAR_RESET":
            session.search_path_changed = True
        if name not in TIMEOUTS:
            return
        wide, local = TIMEOUTS[str(name)]
        if kind == "VAR_SET_VALUE":
            args = node.get("args") or [None]
            enabled = setting_enabled(args[0])
            if node.get("is_local"):
                setattr(session, local, enabled)
            else:
                setattr(session, wide, enabled)
                setattr(session, local, False)
        elif kind in ("VAR_SET_DEFAULT", "VAR_RESET"):
            setattr(session, wide, False)
            setattr(session, local, False)

    def _SelectStmt(self, stmt: Statement, node: Node) -> None:
        # SELECT set_config('lock_timeout', '5s', is_local): how some tools set it.
        for target in node.get("targetList", ()):
            call = target.get("ResTarget", {}).get("val", {}).get("FuncCall")
            if not call or pgtypes.function_name(call) != "set_config":
                continue
            args = call.get("args", [])
            if len(args) != 3:
                continue
            name = args[0].get("A_Const", {}).get("sval", {}).get("sval")
            if name == "search_path":
                self._session.search_path_changed = True
            if name not in TIMEOUTS:
                continue
            wide, local = TIMEOUTS[name]
            enabled = setting_enabled(args[1])
            if args[2].get("A_Const", {}).get("boolval", {}).get("boolval"):
                setattr(self._session, local, enabled)
            else:
                setattr(self._session, wide, enabled)
