"""Django model fields as PostgreSQL columns, the way Django's PostgreSQL backend writes them.

A field in a migration is a call (``models.CharField(max_length=20, default="new")``); it is
read without importing Django or the project: the class is matched by its last name
(``CharField``), by a table of well-known third-party fields, or by its suffix
(``MyForeignKey`` is a foreign key). Types follow ``django.db.backends.postgresql.base.data_types``;
a class the check does not know gets :data:`.pgtypes.UNKNOWN`, which the type rules judge with
low confidence. Values (defaults) become SQL literals; a callable default is evaluated by Django
when the migration runs, so it becomes a constant placeholder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .pgtypes import UNKNOWN, sql_literal
from .pyast import Call, Ref, Unknown

#: Django field class -> PostgreSQL type template (``%(max_length)s`` etc. from the field's arguments).
DATA_TYPES = {
    "AutoField": "integer", "BigAutoField": "bigint", "SmallAutoField": "smallint",
    "BinaryField": "bytea", "BooleanField": "boolean", "NullBooleanField": "boolean",
    "CharField": "varchar", "SlugField": "varchar(%(max_length)s)", "EmailField": "varchar(%(max_length)s)",
    "URLField": "varchar(%(max_length)s)", "FileField": "varchar(%(max_length)s)",
    "ImageField": "varchar(%(max_length)s)", "FilePathField": "varchar(%(max_length)s)",
    "CommaSeparatedIntegerField": "varchar(%(max_length)s)",
    "DateField": "date", "DateTimeField": "timestamp with time zone", "TimeField": "time",
    "DecimalField": "numeric(%(max_digits)s, %(decimal_places)s)", "DurationField": "interval",
    "FloatField": "double precision", "IntegerField": "integer", "BigIntegerField": "bigint",
    "SmallIntegerField": "smallint", "PositiveIntegerField": "integer", "PositiveBigIntegerField": "bigint",
    "PositiveSmallIntegerField": "smallint", "IPAddressField": "inet", "GenericIPAddressField": "inet",
    "JSONField": "jsonb", "TextField": "text", "UUIDField": "uuid",
    # django.contrib.postgres
    "HStoreField": "hstore", "CICharField": "citext", "CIEmailField": "citext", "CITextField": "citext",
    "IntegerRangeField": "int4range", "BigIntegerRangeField": "int8range", "DecimalRangeField": "numrange",
    "DateTimeRangeField": "tstzrange", "DateRangeField": "daterange", "SearchVectorField": "tsvector",
    # django.contrib.gis
    "PointField": "geometry(POINT,4326)", "PolygonField": "geometry(POLYGON,4326)",
    "MultiPolygonField": "geometry(MULTIPOLYGON,4326)", "LineStringField": "geometry(LINESTRING,4326)",
    "GeometryField": "geometry(GEOMETRY,4326)",
}
#: Default max_length per class (Django's own defaults).
MAX_LENGTH = {"SlugField": 50, "EmailField": 254, "URLField": 200, "FileField": 100, "ImageField": 100,
              "FilePathField": 100}
#: Classes whose empty value is not '' (Field.empty_strings_allowed = False): no implicit '' default.
NO_EMPTY_STRINGS = frozenset({
    "AutoField", "BigAutoField", "SmallAutoField", "BooleanField", "NullBooleanField", "DateField",
    "DateTimeField", "TimeField", "DecimalField", "DurationField", "FloatField", "IntegerField",
    "BigIntegerField", "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField",
    "PositiveSmallIntegerField", "UUIDField", "JSONField", "GenericIPAddressField", "IPAddressField",
    "ArrayField", "HStoreField", "ForeignKey", "OneToOneField",
})
POSITIVE = frozenset({"PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField"})
AUTO_FIELDS = frozenset({"AutoField", "BigAutoField", "SmallAutoField"})
#: The type a foreign key to a primary key of this class gets (Field.rel_db_type).
REL_TYPES = {"AutoField": "integer", "BigAutoField": "bigint", "SmallAutoField": "smallint"}
#: Well-known third-party fields, by class name -> the Django class they behave like (and its arguments).
THIRD_PARTY: dict[str, tuple[str, dict[str, Any]]] = {
    "TreeForeignKey": ("ForeignKey", {}), "TreeOneToOneField": ("OneToOneField", {}),
    "ParentalKey": ("ForeignKey", {}), "TreeManyToManyField": ("ManyToManyField", {}),
    "ParentalManyToManyField": ("ManyToManyField", {}), "TaggableManager": ("ManyToManyField", {}),
    "AutoSlugField": ("SlugField", {}), "CreationDateTimeField": ("DateTimeField", {}),
    "ModificationDateTimeField": ("DateTimeField", {}), "AutoCreatedField": ("DateTimeField", {}),
    "AutoLastModifiedField": ("DateTimeField", {}), "MonitorField": ("DateTimeField", {}),
    "StatusField": ("CharField", {"max_length": 100}), "PhoneNumberField": ("CharField", {"max_length": 128}),
    "CountryField": ("CharField", {"max_length": 2}), "StreamField": ("JSONField", {}),
    "RichTextField": ("TextField", {}), "SortedManyToManyField": ("ManyToManyField", {}),
    "MoneyField": ("DecimalField", {}), "UUIDAutoField": ("UUIDField", {}), "ShortUUIDField": ("CharField", {}),
    "RandomCharField": ("CharField", {}), "JSONBField": ("JSONField", {}), "ArrayField": ("ArrayField", {}),
}
#: Suffixes that identify a project's own subclass of a Django field, longest first.
SUFFIXES = sorted([*DATA_TYPES, "ForeignKey", "OneToOneField", "ManyToManyField"], key=len, reverse=True)
NOT_PROVIDED = object()


@dataclass
class Field:
    """One model field, as far as the database is concerned."""

    name: str
    cls: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    #: The Django class this field behaves like (the class itself, a known third-party field's base, or
    #: the Django class its name ends with); "" when unknown.
    kind: str = ""

    @property
    def is_relation(self) -> bool:
        return self.kind in ("ForeignKey", "OneToOneField")

    @property
    def many_to_many(self) -> bool:
        return self.kind == "ManyToManyField"

    @property
    def column(self) -> str:
        explicit = self.kwargs.get("db_column")
        if isinstance(explicit, str):
            return explicit
        return f"{self.name}_id" if self.is_relation else self.name

    @property
    def null(self) -> bool:
        return self.kwargs.get("null") is True or self.kind == "NullBooleanField"

    @property
    def primary_key(self) -> bool:
        return self.kwargs.get("primary_key") is True

    @property
    def unique(self) -> bool:
        return self.kwargs.get("unique") is True or self.primary_key or self.kind == "OneToOneField"

    @property
    def db_index(self) -> bool:
        value = self.kwargs.get("db_index")
        return bool(value) if isinstance(value, bool) else self.is_relation or self.kind in ("SlugField",)

    @property
    def db_constraint(self) -> bool:
        return self.kwargs.get("db_constraint") is not False

    @property
    def generated(self) -> bool:
        return self.kind == "GeneratedField"

    def target(self, app: str, model: str) -> tuple[str, str] | None:
        """The (app label, lowercased model name) a relation points at, None for a non-relation or
        a target the migration does not state literally."""
        if not (self.is_relation or self.many_to_many):
            return None
        to = self.kwargs.get("to")
        if to is None and self.cls == "TaggableManager":
            return "taggit", "tag"
        if isinstance(to, Ref) and to.last == "AUTH_USER_MODEL":
            return "auth", "user"  # the swappable user model: Django's default, as settings are not read
        if not isinstance(to, str):
            return None
        if to == "self":
            return app, model
        if "." in to:
            label, name = to.rsplit(".", 1)
            return label, name.lower()
        return app, to.lower()

    def default_sql(self) -> str | None:
        """The DEFAULT Django puts on the column while adding it (``effective_default``), or None."""
        if "default" in self.kwargs:
            return literal(self.kwargs["default"], self.kind)
        if self.generated:
            return None
        if not self.null and self.kwargs.get("blank") is True and self.kind not in NO_EMPTY_STRINGS and self.kind:
            return "''"
        if self.kwargs.get("auto_now") is True or self.kwargs.get("auto_now_add") is True:
            return "'<the time the migration runs>'"
        return None

    def db_default_sql(self) -> str | None:
        """The database default (``db_default``, Django 5.0+), as SQL, or None."""
        if "db_default" not in self.kwargs:
            return None
        return expression(self.kwargs["db_default"])


def make_field(name: str, call: Any) -> Field:
    """A :class:`Field` from the call that defines it in a migration."""
    if not isinstance(call, Call):
        return Field(name, "?", {}, "")
    cls = call.last
    kwargs = dict(call.kwargs)
    kind = cls if cls in DATA_TYPES or cls in ("ForeignKey", "OneToOneField", "ManyToManyField", "GeneratedField",
                                                 "ArrayField") else ""
    if not kind and cls in THIRD_PARTY:
        kind, extra = THIRD_PARTY[cls]
        kwargs = {**extra, **kwargs}
    if not kind:
        kind = next((suffix for suffix in SUFFIXES if cls.endswith(suffix)), "")
    if not kind:
        # A project's own field class: its arguments say what it builds on (a max_length is a CharField's,
        # max_digits a DecimalField's), as Django's own subclasses (EmailField, SlugField...) show.
        kind = "CharField" if "max_length" in kwargs else "DecimalField" if "max_digits" in kwargs else ""
    if kind in ("ForeignKey", "OneToOneField", "ManyToManyField") and call.args and "to" not in kwargs:
        kwargs["to"] = call.args[0]
    to = kwargs.get("to")
    if isinstance(to, Call) and to.last == "get_model_name" and len(to.args) == 2 and all(isinstance(a, str) for a in to.args):
        kwargs["to"] = f"{to.args[0]}.{to.args[1]}"  # swapper.get_model_name(app, model): the default model
    if kind == "ArrayField" and call.args and "base_field" not in kwargs:
        kwargs["base_field"] = call.args[0]
    return Field(name, cls, kwargs, kind)


def db_type(fld: Field) -> str:
    """The column type of a non-relation field (a relation's type is its target's, see the schema editor)."""
    kind = fld.kind
    if kind == "ArrayField":
        base = make_field(fld.name, fld.kwargs.get("base_field"))
        size = fld.kwargs.get("size")
        return f"{db_type(base)}[{size if isinstance(size, int) else ''}]"
    if kind == "GeneratedField":
        return db_type(make_field(fld.name, fld.kwargs.get("output_field")))
    template = DATA_TYPES.get(kind)
    if template is None:
        return UNKNOWN
    if kind == "CharField":
        length = fld.kwargs.get("max_length")
        return f"varchar({length})" if isinstance(length, int) else "varchar"
    params = {"max_length": fld.kwargs.get("max_length", MAX_LENGTH.get(kind, 255)),
              "max_digits": fld.kwargs.get("max_digits", 19), "decimal_places": fld.kwargs.get("decimal_places", 2)}
    if any(not isinstance(v, int) for v in params.values()):
        params = {k: (v if isinstance(v, int) else 255) for k, v in params.items()}
    return template % params


def literal(value: Any, kind: str = "") -> str:
    """A Python value from a migration as an SQL literal, the way Django passes it as a parameter."""
    scalar = sql_literal(value)
    if scalar is not None:
        return scalar
    if isinstance(value, (list, tuple, dict)) and all(isinstance(v, (str, int, float, bool, type(None), list, dict))
                                                      for v in (value.values() if isinstance(value, dict) else value)):
        try:
            if kind == "ArrayField":
                return "'{" + ",".join(json.dumps(v) for v in value) + "}'"
            return literal(json.dumps(value))
        except (TypeError, ValueError):  # a value nested inside that the source does not state literally
            return literal("<a value computed when the migration runs>")
    if isinstance(value, Ref) and value.last in ("dict", "list"):
        return "'{}'" if value.last == "dict" else "'[]'"
    # A callable (timezone.now, uuid.uuid4, a project function) is called once by Django when the
    # migration runs; the column gets that one value: a constant.
    described = value.name if isinstance(value, (Ref, Call)) else value.source if isinstance(value, Unknown) else "?"
    return literal(f"<value of {described} when the migration runs>")


#: Database functions Django renders for db_default / GeneratedField expressions.
FUNCTIONS = {"Now": "STATEMENT_TIMESTAMP()", "TransactionNow": "CURRENT_TIMESTAMP", "RandomUUID": "GEN_RANDOM_UUID()",
             "Random": "RANDOM()", "Pi": "PI()"}


def expression(value: Any) -> str:
    """A Django expression (``Value(0)``, ``Now()``, ``F("price") * 2``) as SQL, as far as known."""
    if isinstance(value, Call):
        if value.last == "Value" and value.args:
            return literal(value.args[0])
        if value.last in FUNCTIONS:
            return f"({FUNCTIONS[value.last]})"
        if value.last == "F" and value.args and isinstance(value.args[0], str):
            return quote(value.args[0])
        # A function or expression of the project's: its volatility is unknown to the check.
        return f"({value.last.lower() or 'expression'}())"
    if isinstance(value, (Ref, Unknown)):
        return "(unknown_expression())"
    return literal(value)


def quote(name: str) -> str:
    """An identifier quoted the way Django quotes every name."""
    return '"' + name.replace('"', '""') + '"'
