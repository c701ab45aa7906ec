"""Rules that look at every statement the same way, whatever its kind: identifier length, columns
named twice, statements that cannot run twice outside a transaction, and table names without a schema.

They run after the statement's own handler (:meth:`.linter.Linter._lint`), so they see the session
as that statement leaves it for the next one but the transaction state it ran in.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter

from pglast.parser import scan

from .pgtypes import Node
from .rulebase import RuleBase
from .source import Statement
from .state import relation_name

#: Statements that cannot fail once the migration got this far: nothing after them can leave an
#: earlier statement applied on its own (a SELECT without FROM is how set_config() is called).
INFALLIBLE = frozenset({"TransactionStmt", "VariableSetStmt", "VariableShowStmt"})


def last_fallible(statements: list[Statement]) -> int:
    """Index of the last statement that can fail (-1 when none can)."""
    for index in range(len(statements) - 1, -1, -1):
        stmt = statements[index]
        if stmt.kind not in INFALLIBLE and not (stmt.kind == "SelectStmt" and not stmt.node.get("fromClause")):
            return index
    return -1

NAMEDATALEN = 64
#: Runs of identifier bytes (or a quoted identifier) of NAMEDATALEN bytes or more: a cheap first pass
#: over a whole file; :func:`long_identifiers` then asks the scanner which ones are identifiers. A
#: quoted run may not hold a comma, parenthesis or line break, so that the text between two short
#: quoted names of one statement (`"a" bigint NOT NULL, "b"`) is not taken for a candidate.
LONG_RUN = re.compile(rb'[A-Za-z_\x80-\xff][A-Za-z0-9_$\x80-\xff]{63,}|"(?:[^"\n,()]|""){64,}"')
#: DROP kinds that IF EXISTS makes safe to repeat.
REPEATABLE_DROPS = frozenset({"OBJECT_TABLE", "OBJECT_INDEX", "OBJECT_TYPE", "OBJECT_VIEW", "OBJECT_MATVIEW",
                              "OBJECT_SEQUENCE", "OBJECT_DOMAIN"})
#: ALTER TABLE subcommands that fail when run a second time unless written with IF [NOT] EXISTS.
UNREPEATABLE_SUBCOMMANDS = {"AT_AddColumn": "ADD COLUMN without IF NOT EXISTS", "AT_DropColumn": "DROP COLUMN without IF EXISTS",
                            "AT_DropConstraint": "DROP CONSTRAINT without IF EXISTS"}


def truncated(name: str) -> str:
    """The name PostgreSQL stores: at most NAMEDATALEN - 1 bytes, cut on a character boundary."""
    raw = name.encode("utf-8")
    if len(raw) < NAMEDATALEN:
        return name
    return raw[:NAMEDATALEN - 1].decode("utf-8", "ignore")


def long_identifiers(text: str) -> list[str]:
    """Identifiers in a statement's text longer than PostgreSQL keeps (63 bytes), as written."""
    found = []
    for token in scan(text):
        if token.name != "IDENT":
            continue
        source = text[token.start:token.end + 1]
        name = source[1:-1].replace('""', '"') if source.startswith('"') else source
        if len(name.encode("utf-8")) >= NAMEDATALEN:
            found.append(name)
    return found


class CrossCutRules(RuleBase):
    """Checks applied to every statement after its own rules."""

    #: Position of the statement being judged, and of the file's last statement that can fail (set by the
    #: driver): a statement before that one may be left applied by a failure after it.
    _position: int
    _last_fallible: int
    #: Byte offsets of long identifier-like runs in the file being linted.
    _long_runs: list[int]
    #: Constraints dropped with IF EXISTS earlier in the file: re-adding them is repeatable.
    _redropped: set[str]

    def _crosscut(self, stmt: Statement) -> None:
        node, kind = stmt.node, stmt.kind
        runs = self._long_runs
        if runs and (at := bisect_left(runs, stmt.start)) < len(runs) and runs[at] < stmt.end:
            for name in long_identifiers(stmt.text):
                self._hit("identifier-too-long", stmt, f"identifier {name[:40]}... is {len(name.encode('utf-8'))} bytes: "
                          f"PostgreSQL keeps the first 63 ({truncated(name)})")
        if kind == "UpdateStmt":
            self._duplicates(stmt, [(t.get("ResTarget", {}).get("name"), bool(t.get("ResTarget", {}).get("indirection")))
                                    for t in node.get("targetList", ())], "UPDATE ... SET")
        elif kind == "InsertStmt":
            self._duplicates(stmt, [(t.get("ResTarget", {}).get("name"), bool(t.get("ResTarget", {}).get("indirection")))
                                    for t in node.get("cols", ())], "INSERT column list")
        elif kind == "CreateStmt":
            self._duplicates(stmt, [(e["ColumnDef"].get("colname"), False) for e in node.get("tableElts", ())
                                    if "ColumnDef" in e], "CREATE TABLE")
        if self.settings.require_schema:
            self._schema_required(stmt, node, kind)
        if not self._session.in_transaction:
            self._rerunnable(stmt, node, kind)

    def _duplicates(self, stmt: Statement, targets: list[tuple[str | None, bool]], where: str) -> None:
        names = Counter(truncated(name) for name, _ in targets if name)
        for name, count in names.items():
            if count > 1 and not all(partial for n, partial in targets if n and truncated(n) == name):
                self._hit("duplicate-column-assignment", stmt, f"{where} names column {name} {count} times: PostgreSQL "
                          "rejects the statement")

    def _schema_required(self, stmt: Statement, node: Node, kind: str) -> None:
        relations: list[Node] = []
        if kind == "CreateStmt" and node.get("relation", {}).get("relpersistence") != "t":
            relations.append(node.get("relation", {}))
        elif kind == "CreateTableAsStmt":
            into = node.get("into", {}).get("IntoClause", node.get("into", {}))
            relations.append(into.get("rel", {}))
        elif kind == "AlterTableStmt" and node.get("objtype") == "OBJECT_TABLE":
            relations.append(node.get("relation", {}))
        elif kind == "DropStmt" and node.get("removeType") == "OBJECT_TABLE":
            for obj in node.get("objects", ()):
                items = obj.get("List", {}).get("items", [])
                if len(items) == 1:
                    self._hit("unqualified-table", stmt, f"table {items[0].get('String', {}).get('sval')} has no schema")
            return
        for rel in relations:
            if not rel.get("schemaname"):
                self._hit("unqualified-table", stmt, f"table {relation_name(rel)} has no schema: it lands wherever the "
                          "session's search_path points")

    def _rerunnable(self, stmt: Statement, node: Node, kind: str) -> None:
        """not-rerunnable: outside a transaction, a statement that fails when the migration runs again
        after a later statement failed. When nothing after it can fail (the last statement, or only
        SET/COMMIT after it) a failure leaves nothing applied, so it is not reported; CREATE INDEX
        CONCURRENTLY is, as it can fail halfway itself and leave an INVALID index behind."""
        several = self._position < self._last_fallible
        what = None
        if kind == "IndexStmt" and node.get("idxname") and not node.get("if_not_exists"):
            if node.get("concurrent"):
                what = "CREATE INDEX CONCURRENTLY without IF NOT EXISTS (a failed build leaves an INVALID index)"
            elif several:
                what = "CREATE INDEX without IF NOT EXISTS"
        elif not several:
            return
        elif kind == "CreateStmt" and not node.get("if_not_exists"):
            if not (node.get("relation", {}).get("relpersistence") == "t" and node.get("oncommit") == "ONCOMMIT_DROP"):
                what = "CREATE TABLE without IF NOT EXISTS"
        elif kind == "DropStmt" and node.get("removeType") in REPEATABLE_DROPS and not node.get("missing_ok"):
            what = f"DROP {str(node['removeType'])[7:]} without IF EXISTS"
        elif kind == "AlterTableStmt":
            for wrapper in node.get("cmds", ()):
                cmd = wrapper.get("AlterTableCmd", {})
                subtype = cmd.get("subtype")
                if subtype == "AT_DropConstraint" and cmd.get("missing_ok"):
                    self._redropped.add(str(cmd.get("name")))
                elif subtype in UNREPEATABLE_SUBCOMMANDS and not cmd.get("missing_ok"):
                    what = what or UNREPEATABLE_SUBCOMMANDS[subtype]
                elif subtype == "AT_AddConstraint":
                    name = cmd.get("def", {}).get("Constraint", {}).get("conname")
                    if name not in self._redropped:
                        what = what or "ADD CONSTRAINT without a DROP CONSTRAINT IF EXISTS before it"
        if what:
            self._hit("not-rerunnable", stmt, f"{what} outside a transaction block: if the migration fails after it, "
                      "running it again fails here")
