"""The SQL Django's PostgreSQL schema editor sends for each migration operation, written without Django.

:class:`ProjectState` is what the migrations seen so far say about every app's models (fields,
table names, indexes, constraints); :class:`SchemaEditor` turns an operation into the statements
``manage.py sqlmigrate`` would print for it, following ``django.db.backends.base.schema`` and
``django.db.backends.postgresql.schema`` (Django 5.x): column definitions with the field's
effective default added and then dropped, foreign keys inline on ADD COLUMN and deferred to the
end of the migration on CREATE TABLE, the ``_like`` indexes for text columns, the names Django
derives with :func:`index_name`, the four-step NULL to NOT NULL change, and so on. Statements that
Django defers run after the migration's last operation, as ``deferred``.

Where Django would ask the database (the name of a constraint to drop), the name Django itself
would have given is used; such statements only change names, never the hazards.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .django_fields import (
    AUTO_FIELDS,
    DATA_TYPES,
    POSITIVE,
    REL_TYPES,
    Field,
    db_type,
    expression,
    quote,
)
from .django_indexes import IndexEditor, is_index_unique
from .django_names import MAX_NAME, index_name, together, truncate_name
from .generated import Piece
from .pyast import Call, items

#: Models of django.contrib apps (their primary keys are AutoField: integer), by (app, model).
CONTRIB_TABLES = {("auth", "user"): "auth_user", ("auth", "group"): "auth_group",
                  ("auth", "permission"): "auth_permission", ("contenttypes", "contenttype"): "django_content_type",
                  ("sites", "site"): "django_site", ("taggit", "tag"): "taggit_tag"}


@dataclass
class Model:
    """One model as the migrations describe it."""

    app: str
    name: str
    fields: dict[str, Field] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def db_table(self) -> str:
        table = self.options.get("db_table")
        if isinstance(table, str):
            return table
        return truncate_name(f"{self.app}_{self.name.lower()}")

    @property
    def has_table(self) -> bool:
        """Proxy and unmanaged models have no table of their own."""
        return self.options.get("managed") is not False and self.options.get("proxy") is not True

    def pk(self) -> Field | None:
        return next((f for f in self.fields.values() if f.primary_key), None)

    def column(self, name: str) -> str:
        """The column of field ``name`` (a relation's ``name_id``), or the name itself."""
        fld = self.fields.get(name)
        if fld is None:
            fld = next((f for f in self.fields.values() if f.column == name), None)
        return fld.column if fld else name


@dataclass
class ProjectState:
    """Every app's models, as the migrations applied so far leave them."""

    models: dict[tuple[str, str], Model] = field(default_factory=dict)
    #: The app's DEFAULT_AUTO_FIELD is unknown (settings are not read): Django's startproject default.
    default_auto: str = "BigAutoField"

    def get(self, app: str, name: str) -> Model | None:
        return self.models.get((app, name.lower()))

    def copy(self) -> ProjectState:
        return copy.deepcopy(self)


class SchemaEditor(IndexEditor):
    """Collects the SQL of one migration's operations, the way Django's schema editor runs them."""

    def __init__(self, state: ProjectState) -> None:
        self.state = state
        #: Statements in order; RunSQL and RunPython add :class:`.generated.Piece` objects of their own.
        self.sql: list[str | Piece] = []
        self.deferred: list[str] = []

    # -- column definitions -----------------------------------------------------------------------

    def column_type(self, model: Model, fld: Field) -> str:
        """The column type: the field's own, or for a relation the type of the key it points at."""
        if not fld.is_relation:
            return db_type(fld)
        target = self.target_field(model, fld)
        if target is None:
            target_key = fld.target(model.app, model.name)
            return "integer" if target_key in CONTRIB_TABLES else REL_TYPES[self.state.default_auto]
        return REL_TYPES.get(target.kind) or db_type(target)

    def target_model(self, model: Model, fld: Field) -> Model | None:
        key = fld.target(model.app, model.name)
        return self.state.get(*key) if key else None

    def target_table(self, model: Model, fld: Field) -> str:
        target = self.target_model(model, fld)
        if target is not None:
            return target.db_table
        key = fld.target(model.app, model.name)
        if key is None:
            return "unknown_table"
        return CONTRIB_TABLES.get(key) or truncate_name(f"{key[0]}_{key[1]}")

    def target_field(self, model: Model, fld: Field) -> Field | None:
        target = self.target_model(model, fld)
        if target is None:
            return None
        to_field = fld.kwargs.get("to_field")
        if isinstance(to_field, str) and to_field in target.fields:
            return target.fields[to_field]
        return target.pk()

    def target_column(self, model: Model, fld: Field) -> str:
        target = self.target_field(model, fld)
        return target.column if target else (fld.kwargs.get("to_field") or "id")

    def column_sql(self, model: Model, fld: Field, *, include_default: bool) -> str:
        """``BaseDatabaseSchemaEditor.column_sql`` plus the CHECK and identity suffix."""
        parts = [self.column_type(model, fld)]
        collation = fld.kwargs.get("db_collation")
        if isinstance(collation, str):
            parts.append(f"COLLATE {quote(collation)}")
        db_default = fld.db_default_sql()
        if db_default is not None:
            parts.append(f"DEFAULT {db_default}")
        elif include_default and (default := fld.default_sql()) is not None and default != "NULL":
            parts.append(f"DEFAULT {default}")
        if fld.generated:
            persist = "STORED" if fld.kwargs.get("db_persist") is not False else "VIRTUAL"
            parts.append(f"GENERATED ALWAYS AS ({expression(fld.kwargs.get('expression'))}) {persist}")
        else:
            parts.append("NULL" if fld.null else "NOT NULL")
        if fld.primary_key:
            parts.append("PRIMARY KEY")
        elif fld.unique:
            parts.append("UNIQUE")
        if fld.kind in AUTO_FIELDS:
            parts.append("GENERATED BY DEFAULT AS IDENTITY")
        if fld.kind in POSITIVE:
            parts.append(f'CHECK ({quote(fld.column)} >= 0)')
        return " ".join(parts)

    def fk_name(self, model: Model, fld: Field) -> str:
        to_table = self.target_table(model, fld).split(".")[-1]
        return index_name(model.db_table, [fld.column], f"_fk_{to_table}_{self.target_column(model, fld)}")

    def fk_sql(self, model: Model, fld: Field, *, not_valid: bool = False) -> str:
        return (f"ALTER TABLE {quote(model.db_table)} ADD CONSTRAINT {quote(self.fk_name(model, fld))} FOREIGN KEY "
                f"({quote(fld.column)}) REFERENCES {quote(self.target_table(model, fld))} "
                f"({quote(self.target_column(model, fld))}) DEFERRABLE INITIALLY DEFERRED"
                + (" NOT VALID" if not_valid else ""))

    def field_index_sql(self, model: Model, fld: Field) -> list[str]:
        """The indexes Django creates for a field: db_index, and the ``_like`` one for text columns."""
        table = model.db_table
        out = []
        if fld.db_index and not fld.unique:
            out.append(f"CREATE INDEX {quote(index_name(table, [fld.column]))} ON {quote(table)} ({quote(fld.column)})")
        ctype = self.column_type(model, fld)
        if (fld.db_index or fld.unique) and "[" not in ctype and not fld.kwargs.get("db_collation"):
            opclass = "varchar_pattern_ops" if ctype.startswith("varchar") else "text_pattern_ops" \
                if ctype.startswith("text") else None
            if opclass:
                out.append(f"CREATE INDEX {quote(index_name(table, [fld.column], '_like'))} ON {quote(table)} "
                           f"({quote(fld.column)} {opclass})")
        return out

    # -- models ------------------------------------------------------------------------------------

    def create_model(self, model: Model) -> None:
        table = quote(model.db_table)
        # Django defers unique_together before walking the columns (whose foreign keys it defers too).
        for fields in together(model.options.get("unique_together")):
            cols = [model.column(f) for f in fields]
            self.deferred.append(f"ALTER TABLE {table} ADD CONSTRAINT {quote(index_name(model.db_table, cols, '_uniq'))} "
                                 f"UNIQUE ({', '.join(map(quote, cols))})")
        columns = []
        for fld in model.fields.values():
            if fld.many_to_many:
                continue
            columns.append(f"{quote(fld.column)} {self.column_sql(model, fld, include_default=False)}")
            if fld.is_relation and fld.db_constraint:
                self.deferred.append(self.fk_sql(model, fld))
        for con in items(model.options.get("constraints")):
            inline = self.constraint_sql(model, con)
            if inline:
                columns.append(inline)
        self.sql.append(f"CREATE TABLE {table} ({', '.join(columns)})")
        for fld in model.fields.values():
            if not fld.many_to_many:
                self.deferred.extend(self.field_index_sql(model, fld))
        for fields in together(model.options.get("index_together")):
            cols = [model.column(f) for f in fields]
            self.deferred.append(f"CREATE INDEX {quote(index_name(model.db_table, cols, '_idx'))} ON {table} "
                                 f"({', '.join(map(quote, cols))})")
        for index in items(model.options.get("indexes")):
            self.deferred.append(self.index_sql(model, index))
        for con in items(model.options.get("constraints")):
            if isinstance(con, Call) and con.last == "UniqueConstraint" and is_index_unique(con):
                self.deferred.append(self.unique_index_sql(model, con))
        for fld in model.fields.values():
            if fld.many_to_many:
                self.create_through(model, fld)

    def create_through(self, model: Model, fld: Field) -> None:
        """The table Django creates for a ManyToManyField without ``through``."""
        if fld.kwargs.get("through") is not None:
            return
        target = self.target_model(model, fld)
        to_name = (target.name if target else (fld.target(model.app, model.name) or ("", "target"))[1]).lower()
        source, dest = model.name.lower(), to_name
        if source == dest:
            source, dest = f"from_{source}", f"to_{dest}"
        table = truncate_name(f"{model.db_table}_{fld.name}")
        through = Model(model.app, f"{model.name}_{fld.name}", options={"db_table": table})
        through.fields["id"] = Field("id", self.state.default_auto, {"primary_key": True}, self.state.default_auto)
        to = f"{target.app}.{target.name}" if target else fld.kwargs.get("to")
        through.fields[source] = Field(source, "ForeignKey", {"to": f"{model.app}.{model.name}"}, "ForeignKey")
        through.fields[dest] = Field(dest, "ForeignKey", {"to": to}, "ForeignKey")
        through.options["unique_together"] = [(source, dest)]
        self.create_model(through)

    def delete_model(self, model: Model) -> None:
        for fld in model.fields.values():
            if fld.many_to_many and fld.kwargs.get("through") is None:
                self.sql.append(f"DROP TABLE {quote(truncate_name(f'{model.db_table}_{fld.name}'))} CASCADE")
        self.sql.append(f"DROP TABLE {quote(model.db_table)} CASCADE")

    def rename_table(self, old: str, new: str) -> None:
        if old != new:
            self.sql.append(f"ALTER TABLE {quote(old)} RENAME TO {quote(new)}")

    # -- fields ------------------------------------------------------------------------------------

    def add_field(self, model: Model, fld: Field) -> None:
        if fld.many_to_many:
            self.create_through(model, fld)
            return
        table = quote(model.db_table)
        definition = self.column_sql(model, fld, include_default=True)
        if fld.is_relation and fld.db_constraint:
            name = quote(self.fk_name(model, fld))
            definition += (f" CONSTRAINT {name} REFERENCES {quote(self.target_table(model, fld))}"
                           f"({quote(self.target_column(model, fld))}) DEFERRABLE INITIALLY DEFERRED; "
                           f"SET CONSTRAINTS {name} IMMEDIATE")
        self.sql.append(f"ALTER TABLE {table} ADD COLUMN {quote(fld.column)} {definition}")
        if fld.db_default_sql() is None and (fld.default_sql() or "NULL") != "NULL":
            self.sql.append(f"ALTER TABLE {table} ALTER COLUMN {quote(fld.column)} DROP DEFAULT")
        self.deferred.extend(self.field_index_sql(model, fld))

    def remove_field(self, model: Model, fld: Field) -> None:
        if fld.many_to_many:
            if fld.kwargs.get("through") is None:
                self.sql.append(f"DROP TABLE {quote(truncate_name(f'{model.db_table}_{fld.name}'))} CASCADE")
            return
        table = quote(model.db_table)
        if fld.is_relation and fld.db_constraint:
            name = quote(self.fk_name(model, fld))
            self.sql.append(f"SET CONSTRAINTS {name} IMMEDIATE; ALTER TABLE {table} DROP CONSTRAINT {name}")
        self.sql.append(f"ALTER TABLE {table} DROP COLUMN {quote(fld.column)} CASCADE")

    def rename_field(self, model: Model, old: Field, new: Field) -> None:
        if old.column != new.column and not old.many_to_many:
            self.sql.append(f"ALTER TABLE {quote(model.db_table)} RENAME COLUMN {quote(old.column)} TO {quote(new.column)}")

    def alter_field(self, model: Model, old: Field, new: Field) -> None:
        """``BaseDatabaseSchemaEditor._alter_field`` and its PostgreSQL additions, for one column."""
        if old.many_to_many or new.many_to_many or not _db_relevant_change(old, new):
            return
        table = quote(model.db_table)
        column = quote(new.column)
        old_type, new_type = self.column_type(model, old), self.column_type(model, new)
        fk_dropped = False
        if old.is_relation and old.db_constraint:
            name = quote(self.fk_name(model, old))
            self.sql.append(f"SET CONSTRAINTS {name} IMMEDIATE; ALTER TABLE {table} DROP CONSTRAINT {name}")
            fk_dropped = True
        if old.unique and not old.primary_key and (not new.unique or new.primary_key):
            self.sql.append(f"ALTER TABLE {table} DROP CONSTRAINT {quote(f'{model.db_table}_{old.column}_key'[:MAX_NAME])}")
        if old.db_index and not old.unique and (not new.db_index or new.unique):
            self.sql.append(f"DROP INDEX IF EXISTS {quote(index_name(model.db_table, [old.column]))}")
        old_text = _text_type(old_type)
        text_index_dropped = bool((old.db_index or old.unique) and old_text and old_text != _text_type(new_type))
        if old.column != new.column:
            self.sql.append(f"ALTER TABLE {table} RENAME COLUMN {quote(old.column)} TO {column}")
        actions: list[str] = []
        post: list[str] = []
        if old_type != new_type:
            if text_index_dropped:
                self.sql.append(f"DROP INDEX IF EXISTS {quote(index_name(model.db_table, [old.column], '_like'))}")
            if new.kind in AUTO_FIELDS and old.kind not in AUTO_FIELDS:
                post.append(f"ALTER TABLE {table} ALTER COLUMN {column} ADD GENERATED BY DEFAULT AS IDENTITY")
            elif old.kind in AUTO_FIELDS and new.kind not in AUTO_FIELDS:
                self.sql.append(f"ALTER TABLE {table} ALTER COLUMN {column} DROP IDENTITY IF EXISTS")
            using = f" USING {column}::{new_type}" if _data_type_entry(old) != _data_type_entry(new) else ""
            actions.append(f"ALTER COLUMN {column} TYPE {new_type}{using}")
        old_db_default, new_db_default = old.db_default_sql(), new.db_default_sql()
        if new_db_default is not None and new_db_default != old_db_default:
            actions.append(f"ALTER COLUMN {column} SET DEFAULT {new_db_default}")
        elif new_db_default is None and old_db_default is not None:
            actions.append(f"ALTER COLUMN {column} DROP DEFAULT")
        new_default = new.default_sql()
        needs_default = False
        if old.null and not new.null and new_db_default is None and new_default not in (None, "NULL") \
                and new_default != old.default_sql():
            needs_default = True
            actions.append(f"ALTER COLUMN {column} SET DEFAULT {new_default}")
        null_actions = [f"ALTER COLUMN {column} {'DROP NOT NULL' if new.null else 'SET NOT NULL'}"] \
            if old.null != new.null else []
        four_way = ("default" in new.kwargs or new_db_default is not None) and old.null and not new.null
        if not four_way:
            actions += null_actions
        if actions:
            self.sql.append(f"ALTER TABLE {table} {', '.join(actions)}")
        if four_way and null_actions:
            value = new_db_default if new_db_default is not None else new_default
            self.sql.append(f"UPDATE {table} SET {column} = {value} WHERE {column} IS NULL; SET CONSTRAINTS ALL IMMEDIATE")
            self.sql.append(f"ALTER TABLE {table} {null_actions[0]}")
        self.sql.extend(post)
        if new.unique and not new.primary_key and (not old.unique or old.primary_key):
            self.sql.append(f"ALTER TABLE {table} ADD CONSTRAINT {quote(index_name(model.db_table, [new.column], '_uniq'))} "
                            f"UNIQUE ({column})")
        if (not old.db_index or old.unique) and new.db_index and not new.unique:
            self.sql.append(f"CREATE INDEX {quote(index_name(model.db_table, [new.column]))} ON {table} ({column})")
        if old.primary_key and new.primary_key and old_type != new_type:
            self.retype_references(model, new, new_type)
        if new.is_relation and new.db_constraint and (fk_dropped or not old.is_relation or not old.db_constraint):
            self.sql.append(self.fk_sql(model, new))
        if new.kind in POSITIVE and old.kind not in POSITIVE:
            name = quote(index_name(model.db_table, [new.column], "_check"))
            self.sql.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({column} >= 0)")
        if needs_default:
            self.sql.append(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")
        if ((not (old.db_index or old.unique) and new.db_index) or (not old.unique and new.unique)
                or text_index_dropped):
            self.sql.extend(s for s in self.field_index_sql(model, new) if "_like" in s)

    def retype_references(self, model: Model, key: Field, new_type: str) -> None:
        """A primary key changed type: Django drops, retypes and re-adds every foreign key to it."""
        rel_type = REL_TYPES.get(key.kind) or new_type
        for other in self.state.models.values():
            for fld in other.fields.values():
                if fld.is_relation and self.target_model(other, fld) is model and other.has_table:
                    table = quote(other.db_table)
                    if fld.db_constraint:
                        name = quote(self.fk_name(other, fld))
                        self.sql.append(f"SET CONSTRAINTS {name} IMMEDIATE; ALTER TABLE {table} DROP CONSTRAINT {name}")
                    self.sql.append(f"ALTER TABLE {table} ALTER COLUMN {quote(fld.column)} TYPE {rel_type} "
                                    f"USING {quote(fld.column)}::{rel_type}")
                    if fld.db_constraint:
                        self.sql.append(self.fk_sql(other, fld))


def _text_type(sql_type: str) -> str | None:
    for prefix in ("varchar", "text", "citext"):
        if sql_type.startswith(prefix):
            return prefix
    return None


def _data_type_entry(fld: Field) -> str:
    """What ``DatabaseSchemaEditor._field_data_type`` compares to decide on ``USING col::type``."""
    return DATA_TYPES.get(fld.kind, fld.kind) if not fld.is_relation else "relation"


#: Field arguments that never reach the database (``Field.non_db_attrs``, plus the relation's
#: Python-side options): a change of only these makes Django's AlterField a no-op.
NON_DB_ATTRS = frozenset({"blank", "choices", "db_comment", "editable", "error_messages", "help_text",
                          "limit_choices_to", "on_delete", "related_name", "related_query_name", "validators",
                          "verbose_name", "serialize", "upload_to", "storage", "auto_now", "auto_now_add",
                          "max_length_validator"})


def _db_relevant_change(old: Field, new: Field) -> bool:
    if old.kind != new.kind or old.column != new.column:
        return True
    return _db_kwargs(old) != _db_kwargs(new)


def _db_kwargs(fld: Field) -> dict[str, Any]:
    """The arguments that reach the database; a relation's target compares as Django's lowercased label."""
    kwargs = {k: v for k, v in fld.kwargs.items() if k not in NON_DB_ATTRS}
    if isinstance(kwargs.get("to"), str):
        kwargs["to"] = kwargs["to"].lower()
    return kwargs
