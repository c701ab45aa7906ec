"""Django migrations read statically: ``<app>/migrations/NNNN_name.py`` to the SQL Django would run.

A migration file is parsed with :mod:`ast` (never imported: the change under judgement may be
hostile) into a :class:`DjangoMigration`: its app label (the directory that holds
``migrations/``), dependencies, ``run_before``, ``replaces``, ``atomic`` flag and operations.
:class:`DjangoProject` orders every migration of the tree by the migration graph (dependencies
across apps, ``run_before``, squashed migrations) and then, in that order, replays each one's
operations on a :class:`.django_schema.ProjectState`, collecting the SQL Django's PostgreSQL
backend would send (:class:`.django_schema.SchemaEditor`), wrapped in ``BEGIN``/``COMMIT`` unless
the migration is ``atomic = False``. ``RunSQL`` bodies are parsed as SQL; ``RunPython`` is
opaque code that, in a transaction holding locks, counts as slow data work.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .django_ops import Operations
from .django_schema import ProjectState, SchemaEditor
from .generated import Piece, build
from .graph import natural, topological
from .pyast import Call, evaluate, module_constants, parse_module
from .source import MigrationFile

FORMAT = "django-migration"
LOOKS_LIKE = re.compile(r"^class\s+Migration\s*\(", re.M)


@dataclass
class DjangoMigration:
    """One Django migration file, as its source states it."""

    rel: str
    app: str
    name: str
    source: str
    atomic: bool = True
    dependencies: list[tuple[str, str]] = field(default_factory=list)
    run_before: list[tuple[str, str]] = field(default_factory=list)
    replaces: list[tuple[str, str]] = field(default_factory=list)
    operations: list[Any] = field(default_factory=list)
    line: int = 1
    end_line: int = 1

    @property
    def key(self) -> tuple[str, str]:
        return self.app, self.name


def looks_like_django(text: str) -> bool:
    """A file that defines ``class Migration(...)``: Django's migration module shape."""
    return "operations" in text and LOOKS_LIKE.search(text) is not None


def app_label(rel: str) -> str:
    """The app label Django gives by default: the name of the directory that holds ``migrations/``."""
    parts = rel.split("/")
    return parts[-3] if len(parts) >= 3 else "app"


def read_migration(text: str, rel: str) -> DjangoMigration | None:
    """Parse a migration file (no import); None when it defines no ``Migration`` class."""
    tree = parse_module(text, rel)
    env = module_constants(tree, text)
    cls = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Migration"), None)
    if cls is None:
        return None
    name = rel.rsplit("/", 1)[-1].removesuffix(".py")
    migration = DjangoMigration(rel, app_label(rel), name, text, line=cls.lineno, end_line=cls.end_lineno or cls.lineno)
    for stmt in cls.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            continue
        target, value = stmt.targets[0].id, evaluate(stmt.value, env, text)
        if target == "atomic":
            migration.atomic = value is not False
        elif target in ("dependencies", "run_before", "replaces"):
            pairs = [tuple(v) for v in value if isinstance(v, tuple) and len(v) == 2 and all(isinstance(x, str) for x in v)] \
                if isinstance(value, (list, tuple)) else []
            setattr(migration, target, pairs)
        elif target == "operations":
            migration.operations = list(value) if isinstance(value, (list, tuple)) else [value]
    return migration


class DjangoProject:
    """Every Django migration of the tree: ordered by the migration graph, then replayed in order."""

    def __init__(self) -> None:
        self.migrations: dict[tuple[str, str], DjangoMigration] = {}
        self.state = ProjectState()
        #: Squashed migrations left out because the migrations they replace are all present, and the reverse.
        self.skipped: list[str] = []

    def add(self, migration: DjangoMigration) -> None:
        self.migrations.setdefault(migration.key, migration)

    def relabel(self) -> None:
        """Give each app directory the label its own migrations use for it.

        An app's label is its directory's name unless its AppConfig says otherwise (wagtail's core app
        lives in ``wagtail/`` and is labelled ``wagtailcore``); the migrations of an app name their
        predecessors in the same directory with that label, which is how it is found here."""
        by_directory: dict[str, list[DjangoMigration]] = {}
        for migration in self.migrations.values():
            by_directory.setdefault(migration.rel.rsplit("/", 1)[0], []).append(migration)
        relabelled: dict[tuple[str, str], DjangoMigration] = {}
        for migrations in by_directory.values():
            names = {m.name for m in migrations}
            votes = Counter(label for m in migrations for label, name in m.dependencies if name in names and name != m.name)
            if votes:
                label = votes.most_common(1)[0][0]
                for migration in migrations:
                    migration.app = label
            for migration in migrations:
                relabelled.setdefault(migration.key, migration)
        self.migrations = relabelled

    def order(self) -> list[DjangoMigration]:
        """The migrations in an order Django could apply them: every dependency first."""
        self.relabel()
        nodes = dict(self.migrations)
        for key, migration in list(nodes.items()):
            if not migration.replaces:
                continue
            present = [r for r in migration.replaces if r in nodes]
            if len(present) == len(migration.replaces):
                # The history as it ran: the squashed migration only ever runs on a fresh database.
                del nodes[key]
                self.skipped.append(migration.rel)
            else:
                for replaced in present:
                    self.skipped.append(nodes.pop(replaced).rel)
        by_app: dict[str, list[str]] = {}
        for app, name in nodes:
            by_app.setdefault(app, []).append(name)
        for names in by_app.values():
            names.sort(key=natural)
        edges: dict[tuple[str, str], set[tuple[str, str]]] = {key: set() for key in nodes}
        for key, migration in nodes.items():
            for app, name in migration.dependencies:
                names = by_app.get(app, [])
                if name == "__first__":
                    name = names[0] if names else name
                elif name == "__latest__":
                    name = names[-1] if names else name
                dependency = (app, name)
                if dependency in nodes and dependency != key:
                    edges[key].add(dependency)
            for after in migration.run_before:
                if after in nodes:
                    edges[after].add(key)
        return [nodes[key] for key in topological(edges, lambda k: (natural(k[1]), k[0]))]

    def generate(self, migration: DjangoMigration) -> MigrationFile:
        """The statements of one migration, replayed on the state its predecessors built."""
        editor = SchemaEditor(self.state)
        pieces: list[Piece] = []
        deferred: list[Piece] = []
        unresolved: list[tuple[int, str]] = []
        if migration.atomic:
            pieces.append(Piece("BEGIN", migration.line, migration.line))
        for op in migration.operations:
            if not isinstance(op, Call):
                unresolved.append((migration.line, f"operation {getattr(op, 'source', op)!s:.80} is not a call"))
                continue
            start, start_deferred = len(editor.sql), len(editor.deferred)
            Operations(self.state, editor, migration, unresolved).apply(op, self.state)
            pieces.extend(_pieces(editor.sql[start:], op))
            deferred.extend(_pieces(editor.deferred[start_deferred:], op))
        pieces.extend(deferred)
        if migration.atomic:
            pieces.append(Piece("COMMIT", migration.end_line, migration.end_line))
        return build(migration.rel, FORMAT, pieces, source=migration.source,
                     migration=f"{migration.app}.{migration.name}", unresolved=unresolved)


def _pieces(items: list[Any], op: Call) -> list[Piece]:
    return [item if isinstance(item, Piece) else Piece(str(item), op.line, op.end_line) for item in items]
