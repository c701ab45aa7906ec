"""Rules for user-defined types: enums (CREATE TYPE ... AS ENUM, ALTER TYPE ... ADD VALUE) and domains.

Enum labels are remembered in the catalogue so that a later ADD VALUE knows the type; ADD VALUE
is judged for where it may run (not in a transaction block before PostgreSQL 12) and for where the
new label lands in the sort order. Constraints on domains are advice against (they reach every
column of the type), and adding one without NOT VALID scans every table that uses the domain.
"""

from __future__ import annotations

from .pgtypes import Node
from .rulebase import RuleBase
from .rules import SHARE
from .source import Statement
from .state import qualified


class TypeRules(RuleBase):
    """Enums and domains."""

    def _CreateEnumStmt(self, stmt: Statement, node: Node) -> None:
        name = qualified(node.get("typeName", []))
        self._session.new_types.add(name)
        self.catalog.enums[name] = [v["String"]["sval"] for v in node.get("vals", ()) if "String" in v]

    def _CreateDomainStmt(self, stmt: Statement, node: Node) -> None:
        name = qualified(node.get("domainname", []))
        self._session.new_types.add(name)
        kinds = {c.get("Constraint", {}).get("contype") for c in node.get("constraints", ())}
        found = [label for contype, label in (("CONSTR_CHECK", "CHECK"), ("CONSTR_NOTNULL", "NOT NULL")) if contype in kinds]
        if found:
            self._hit("domain-constraint", stmt, f"domain {name} is created with {' and '.join(found)}: the constraint "
                      "applies to every column of the type and is hard to change later")

    def _AlterEnumStmt(self, stmt: Statement, node: Node) -> None:
        name = qualified(node.get("typeName", []))
        value = node.get("newVal")
        if not value or node.get("oldVal"):
            return  # RENAME VALUE
        session = self._session
        if session.in_transaction and self.settings.postgres_version < 12 and name not in session.new_types:
            self._hit("enum-value-in-transaction", stmt,
                      f"ALTER TYPE {name} ADD VALUE fails inside a transaction block before PostgreSQL 12 "
                      f"(target is {self.settings.postgres_version})")
        labels = self.catalog.enums.get(name)
        neighbor = node.get("newValNeighbor")
        if labels is not None and value in labels and node.get("skipIfNewValExists"):
            return  # IF NOT EXISTS of a label that exists: nothing happens
        if not neighbor:
            after = f" after {labels[-1]!r}" if labels else ""
            self._hit("enum-value-order", stmt, f"ALTER TYPE {name} ADD VALUE {value!r} has no BEFORE or AFTER: it sorts "
                      f"last{after}, in ORDER BY and comparisons too")
        if labels is not None and value not in labels:
            if neighbor in labels:
                labels.insert(labels.index(neighbor) + (1 if node.get("newValIsAfter") else 0), value)
            else:
                labels.append(value)

    def _AlterDomainStmt(self, stmt: Statement, node: Node) -> None:
        name = qualified(node.get("typeName", []))
        con = node.get("def", {}).get("Constraint", {})
        if node.get("subtype") != "C" or con.get("contype") not in ("CONSTR_CHECK", "CONSTR_NOTNULL"):
            return
        self._hit("domain-constraint", stmt, f"ALTER DOMAIN {name} ADD CONSTRAINT: the constraint applies to every column "
                  "of the type in every table")
        if not con.get("skip_validation") and name not in self._session.new_types:
            self._hit("constraint-without-not-valid", stmt,
                      f"ALTER DOMAIN {name} ADD CONSTRAINT without NOT VALID checks every column of the domain in "
                      "every table", lock=SHARE)
