"""Django migration operations: the state change each makes and the SQL its database side sends.

:class:`Operations` applies one operation (``migrations.AddField(...)`` as read from the file) to
the :class:`.django_schema.ProjectState` and asks the :class:`.django_schema.SchemaEditor` for its
SQL, following what each operation's ``state_forwards`` and ``database_forwards`` do in Django.
An operation the check does not know is listed as not checked, never silently dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .django_fields import Field, literal, make_field, quote
from .django_names import index_name, truncate_name
from .django_schema import Model, ProjectState, SchemaEditor
from .generated import Piece
from .pyast import Call, Ref, Unknown, items

if TYPE_CHECKING:
    from .django_reader import DjangoMigration


class Operations:
    """Applies Django migration operations to the project state and collects their SQL."""

    def __init__(self, state: ProjectState, editor: SchemaEditor, migration: DjangoMigration,
                 unresolved: list[tuple[int, str]]) -> None:
        self.editor = editor
        self.migration = migration
        self.app = migration.app
        self.unresolved = unresolved

    def apply(self, op: Call, state: ProjectState, *, database: bool = True) -> None:
        """One operation: the state change always, the SQL when ``database``."""
        handler = getattr(self, "op_" + op.last, None)
        if handler is None:
            self.unresolved.append((op.line, f"{op.name}: an operation the check does not know; its SQL is not checked"))
            return
        outer = self.editor
        # State-only operations (SeparateDatabaseAndState, RunSQL's state_operations) run on an editor
        # whose SQL is thrown away; database operations run against the state they are given.
        self.editor = outer if database else SchemaEditor(state)
        outer_state = self.editor.state
        self.editor.state = state
        try:
            handler(op, state)
        finally:
            self.editor.state = outer_state
            self.editor = outer

    def model(self, state: ProjectState, name: Any) -> Model:
        """The model an operation names; one the scanned migrations never created is assumed to exist."""
        label = str(name) if isinstance(name, str) else "unknown"
        found = state.get(self.app, label)
        if found is None:
            found = state.models[(self.app, label.lower())] = Model(self.app, label)
        return found

    # -- models ------------------------------------------------------------------------------------

    def op_CreateModel(self, op: Call, state: ProjectState) -> None:
        name = str(op.arg(0, "name"))
        model = Model(self.app, name)
        for item in items(op.arg(1, "fields")):
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                model.fields[item[0]] = make_field(item[0], item[1])
        options = op.arg(2, "options")
        model.options = dict(options) if isinstance(options, dict) else {}
        if not any(f.primary_key for f in model.fields.values()) and not _has_parent(op):
            auto = state.default_auto
            model.fields = {"id": Field("id", auto, {"primary_key": True}, auto), **model.fields}
        state.models[(self.app, name.lower())] = model
        if model.has_table:
            self.editor.create_model(model)

    def op_DeleteModel(self, op: Call, state: ProjectState) -> None:
        model = self.model(state, op.arg(0, "name"))
        if model.has_table:
            self.editor.delete_model(model)
        state.models.pop((self.app, model.name.lower()), None)

    def op_RenameModel(self, op: Call, state: ProjectState) -> None:
        """The table is renamed; every foreign key to the model is dropped and re-added (its name
        and target change), and the columns of many-to-many tables named after the model are renamed."""
        model = self.model(state, op.arg(0, "old_name"))
        old = Model(model.app, model.name, dict(model.fields), dict(model.options, db_table=model.db_table))
        old_key, old_label = (self.app, model.name.lower()), f"{self.app}.{model.name.lower()}"
        state.models.pop(old_key, None)
        model.name = str(op.arg(1, "new_name"))
        new_label = f"{self.app}.{model.name.lower()}"
        state.models[(self.app, model.name.lower())] = model
        if not model.has_table:
            return
        self.editor.rename_table(old.db_table, model.db_table)
        state.models[old_key] = old  # what the old foreign keys point at, while they are altered
        try:
            for other in [m for m in state.models.values() if m is not old]:
                for name, fld in list(other.fields.items()):
                    if fld.target(other.app, other.name) != old_key or not other.has_table:
                        continue
                    moved = Field(name, fld.cls, {**fld.kwargs, "to": new_label}, fld.kind)
                    if fld.is_relation:
                        self.editor.alter_field(other, fld, moved)
                    elif fld.many_to_many and fld.kwargs.get("through") is None:
                        self._rename_through_column(other, name, old_label, new_label)
                    other.fields[name] = moved
        finally:
            del state.models[old_key]
        for name, fld in model.fields.items():
            if fld.many_to_many and fld.kwargs.get("through") is None:
                self.editor.rename_table(truncate_name(f"{old.db_table}_{name}"), truncate_name(f"{model.db_table}_{name}"))

    def _rename_through_column(self, owner: Model, field_name: str, old_label: str, new_label: str) -> None:
        """The column of an auto-created many-to-many table that is named after a renamed model."""
        old_model, new_model = old_label.split(".")[1], new_label.split(".")[1]
        through = Model(owner.app, f"{owner.name}_{field_name}",
                        options={"db_table": truncate_name(f"{owner.db_table}_{field_name}")})
        before = Field(old_model, "ForeignKey", {"to": old_label}, "ForeignKey")
        after = Field(new_model, "ForeignKey", {"to": new_label}, "ForeignKey")
        self.editor.alter_field(through, before, after)

    def op_AlterModelTable(self, op: Call, state: ProjectState) -> None:
        model = self.model(state, op.arg(0, "name"))
        old_table = model.db_table
        model.options["db_table"] = op.arg(1, "table")
        if model.has_table:
            self.editor.rename_table(old_table, model.db_table)
            for name, fld in model.fields.items():
                if fld.many_to_many and fld.kwargs.get("through") is None:
                    self.editor.rename_table(truncate_name(f"{old_table}_{name}"), truncate_name(f"{model.db_table}_{name}"))

    def op_AlterModelTableComment(self, op: Call, state: ProjectState) -> None:
        model = self.model(state, op.arg(0, "name"))
        comment = op.arg(1, "table_comment")
        text = literal(comment if isinstance(comment, str) else "")
        self.editor.sql.append(f"COMMENT ON TABLE {quote(model.db_table)} IS {text}")

    def op_AlterModelOptions(self, op: Call, state: ProjectState) -> None:
        options = op.arg(1, "options")
        if isinstance(options, dict):
            self.model(state, op.arg(0, "name")).options.update(options)

    def op_AlterModelManagers(self, op: Call, state: ProjectState) -> None:
        pass  # managers never reach the database

    def op_AlterUniqueTogether(self, op: Call, state: ProjectState) -> None:
        self._together(op, state, "unique_together")

    def op_AlterIndexTogether(self, op: Call, state: ProjectState) -> None:
        self._together(op, state, "index_together")

    def _together(self, op: Call, state: ProjectState, option: str) -> None:
        model = self.model(state, op.arg(0, "name"))
        new = op.arg(1, option)
        if model.has_table:
            self.editor.alter_together(model, model.options.get(option), new, unique=option == "unique_together")
        model.options[option] = new

    def op_AlterOrderWithRespectTo(self, op: Call, state: ProjectState) -> None:
        model = self.model(state, op.arg(0, "name"))
        order = Field("_order", "IntegerField", {"default": 0}, "IntegerField")
        if op.arg(1, "order_with_respect_to") is None:
            if "_order" in model.fields:
                self.editor.remove_field(model, model.fields.pop("_order"))
        elif "_order" not in model.fields:
            model.fields["_order"] = order
            self.editor.add_field(model, order)

    # -- fields ------------------------------------------------------------------------------------

    def op_AddField(self, op: Call, state: ProjectState) -> None:
        model = self.model(state, op.arg(0, "model_name"))
        name = str(op.arg(1, "name"))
        fld = make_field(name, op.arg(2, "field"))
        if model.has_table:
            self.editor.add_field(model, fld)
        if op.arg(3, "preserve_default") is False:
            fld.kwargs.pop("default", None)
        model.fields[name] = fld

    def op_RemoveField(self, op: Call, state: ProjectState) -> None:
        model = self.model(state, op.arg(0, "model_name"))
        name = str(op.arg(1, "name"))
        fld = model.fields.pop(name, None) or Field(name, "?", {}, "")
        if model.has_table:
            self.editor.remove_field(model, fld)

    def op_AlterField(self, op: Call, state: ProjectState) -> None:
        model = self.model(state, op.arg(0, "model_name"))
        name = str(op.arg(1, "name"))
        new = make_field(name, op.arg(2, "field"))
        old = model.fields.get(name)
        if model.has_table:
            if old is None:
                # The field's history is not in the scanned migrations: only the type is known to change.
                self.editor.sql.append(f"ALTER TABLE {quote(model.db_table)} ALTER COLUMN {quote(new.column)} TYPE "
                                       f"{self.editor.column_type(model, new)}")
            else:
                self.editor.alter_field(model, old, new)
        if op.arg(3, "preserve_default") is False:
            new.kwargs.pop("default", None)
        model.fields[name] = new

    def op_RenameField(self, op: Call, state: ProjectState) -> None:
        model = self.model(state, op.arg(0, "model_name"))
        old_name, new_name = str(op.arg(1, "old_name")), str(op.arg(2, "new_name"))
        old = model.fields.pop(old_name, None) or Field(old_name, "?", {}, "")
        new = Field(new_name, old.cls, dict(old.kwargs), old.kind)
        model.fields[new_name] = new
        if model.has_table:
            self.editor.rename_field(model, old, new)

    # -- indexes and constraints -------------------------------------------------------------------

    def op_AddIndex(self, op: Call, state: ProjectState, *, concurrently: bool = False) -> None:
        model = self.model(state, op.arg(0, "model_name"))
        index = op.arg(1, "index")
        model.options.setdefault("indexes", [])
        model.options["indexes"] = [*items(model.options["indexes"]), index]
        if model.has_table:
            self.editor.sql.append(self.editor.index_sql(model, index, concurrently=concurrently))

    def op_AddIndexConcurrently(self, op: Call, state: ProjectState) -> None:
        self.op_AddIndex(op, state, concurrently=True)

    def op_RemoveIndex(self, op: Call, state: ProjectState, *, concurrently: bool = False) -> None:
        model = self.model(state, op.arg(0, "model_name"))
        name = op.arg(1, "name")
        model.options["indexes"] = [i for i in items(model.options.get("indexes"))
                                    if not (isinstance(i, Call) and i.kwargs.get("name") == name)]
        if model.has_table:
            verb = "DROP INDEX CONCURRENTLY IF EXISTS" if concurrently else "DROP INDEX IF EXISTS"
            self.editor.sql.append(f"{verb} {quote(str(name))}")

    def op_RemoveIndexConcurrently(self, op: Call, state: ProjectState) -> None:
        self.op_RemoveIndex(op, state, concurrently=True)

    def op_RenameIndex(self, op: Call, state: ProjectState) -> None:
        model = self.model(state, op.arg(0, "model_name"))
        new_name, old_name = op.arg(1, "new_name"), op.arg(2, "old_name")
        if not isinstance(old_name, str):
            fields = items(op.kwargs.get("old_fields"))
            old_name = _index_together_name(model, fields)
        if model.has_table:
            self.editor.sql.append(f"ALTER INDEX {quote(str(old_name))} RENAME TO {quote(str(new_name))}")

    def op_AddConstraint(self, op: Call, state: ProjectState, *, not_valid: bool = False) -> None:
        model = self.model(state, op.arg(0, "model_name"))
        con = op.arg(1, "constraint")
        model.options["constraints"] = [*items(model.options.get("constraints")), con]
        if model.has_table:
            self.editor.add_constraint(model, con, not_valid=not_valid)

    def op_AddConstraintNotValid(self, op: Call, state: ProjectState) -> None:
        self.op_AddConstraint(op, state, not_valid=True)

    def op_RemoveConstraint(self, op: Call, state: ProjectState) -> None:
        model = self.model(state, op.arg(0, "model_name"))
        name = op.arg(1, "name")
        kept, removed = [], None
        for con in items(model.options.get("constraints")):
            if isinstance(con, Call) and con.kwargs.get("name") == name:
                removed = con
            else:
                kept.append(con)
        model.options["constraints"] = kept
        if model.has_table:
            self.editor.remove_constraint(model, removed or Call("CheckConstraint", kwargs={"name": name}))

    def op_AlterConstraint(self, op: Call, state: ProjectState) -> None:
        pass  # Django 5.2: only options that never reach the database (violation_error_message)

    def op_ValidateConstraint(self, op: Call, state: ProjectState) -> None:
        model = self.model(state, op.arg(0, "model_name"))
        self.editor.sql.append(f"ALTER TABLE {quote(model.db_table)} VALIDATE CONSTRAINT {quote(str(op.arg(1, 'name')))}")

    # -- code and special operations ---------------------------------------------------------------

    def op_RunSQL(self, op: Call, state: ProjectState) -> None:
        for sql in _sql_statements(op.arg(0, "sql")):
            if sql is None:
                self.unresolved.append((op.line, "RunSQL with SQL that is not a literal string; not checked"))
            elif sql.strip():
                line = op.lines.get(0, op.lines.get("sql", op.line))
                self.editor.sql.append(Piece(sql, op.line, op.end_line, user=True, first_line=line))
        for state_op in items(op.kwargs.get("state_operations")):
            if isinstance(state_op, Call):
                self.apply(state_op, state, database=False)

    def op_RunPython(self, op: Call, state: ProjectState) -> None:
        code = op.arg(0, "code")
        if isinstance(code, Ref) and code.last == "noop":
            return  # RunPython.noop forwards runs nothing (its reverse code runs only on unapply)
        label = f"RunPython {code.name if isinstance(code, Ref) else 'code'}"
        own_transaction = op.kwargs.get("atomic") is True and not self.migration.atomic
        if own_transaction:
            self.editor.sql.append(Piece("BEGIN", op.line, op.end_line))
        self.editor.sql.append(Piece(label, op.line, op.end_line, opaque="RunPython"))
        if own_transaction:
            self.editor.sql.append(Piece("COMMIT", op.line, op.end_line))

    def op_SeparateDatabaseAndState(self, op: Call, state: ProjectState) -> None:
        scratch = state.copy()
        for db_op in items(op.arg(0, "database_operations")):
            if isinstance(db_op, Call):
                self.apply(db_op, scratch)
        for state_op in items(op.arg(1, "state_operations")):
            if isinstance(state_op, Call):
                self.apply(state_op, state, database=False)

    def op_CreateExtension(self, op: Call, state: ProjectState) -> None:
        self.editor.sql.append(f"CREATE EXTENSION IF NOT EXISTS {quote(str(op.arg(0, 'name')))}")

    def op_CreateCollation(self, op: Call, state: ProjectState) -> None:
        locale = op.arg(1, "locale")
        self.editor.sql.append(f"CREATE COLLATION {quote(str(op.arg(0, 'name')))} "
                               f"(locale = {literal(locale if isinstance(locale, str) else 'und')})")

    def op_RemoveCollation(self, op: Call, state: ProjectState) -> None:
        self.editor.sql.append(f"DROP COLLATION {quote(str(op.arg(0, 'name')))}")


#: contrib.postgres extension operations: CreateExtension with a fixed name.
EXTENSIONS = {"HStoreExtension": "hstore", "TrigramExtension": "pg_trgm", "UnaccentExtension": "unaccent",
              "BtreeGinExtension": "btree_gin", "BtreeGistExtension": "btree_gist", "CITextExtension": "citext",
              "CryptoExtension": "pgcrypto", "BloomExtension": "bloom"}
for _name, _extension in EXTENSIONS.items():
    setattr(Operations, "op_" + _name,
            lambda self, op, state, _e=_extension: self.editor.sql.append(f"CREATE EXTENSION IF NOT EXISTS {quote(_e)}"))


def _has_parent(op: Call) -> bool:
    """Multi-table inheritance: the parent link (``*_ptr``) is the primary key, listed in the fields."""
    return any(isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str) and item[0].endswith("_ptr")
               for item in items(op.arg(1, "fields")))


def _index_together_name(model: Model, fields: Any) -> str:
    columns = [model.column(f) for f in fields if isinstance(f, str)] if isinstance(fields, (list, tuple)) else []
    return index_name(model.db_table, columns, "_idx")


def _sql_statements(value: Any) -> list[str | None]:
    """RunSQL's ``sql``: a string, or a list of strings and (sql, params) pairs; None where not literal."""
    if isinstance(value, Ref) and value.last == "noop":
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        out: list[str | None] = []
        for item in value:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                params = item[1] if isinstance(item[1], (list, tuple)) else []
                sql = item[0]
                for param in params:
                    sql = sql.replace("%s", literal(param) if not isinstance(param, (Unknown, Ref, Call)) else "NULL", 1)
                out.append(sql)
            else:
                out.append(None)
        return out
    return [None]
