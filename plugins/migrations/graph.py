"""Ordering migrations by their graph: every migration after the ones it depends on.

Django migrations name their ``dependencies`` (and ``run_before``); Alembic revisions their
``down_revision`` and ``depends_on``. :func:`topological` puts the nodes of such a graph in an
order that respects every edge, breaking ties by a key (natural file order), and cuts a cycle
(a broken graph) at its smallest node rather than losing the migrations in it.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable
from typing import Any

_DIGITS = re.compile(r"(\d+)")


def natural(name: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key: numbers compare as numbers (0002 before 0010)."""
    return tuple((0, int(c), "") if c.isdigit() else (1, 0, c) for c in _DIGITS.split(name) if c)


def topological(edges: dict[Any, set[Any]], key: Callable[[Any], Any]) -> list[Any]:
    """Nodes ordered so that each comes after the nodes in its edge set; ties by ``key``. A cycle
    (a broken graph) is cut at its smallest node rather than losing the nodes in it."""
    waiting = {node: set(deps) for node, deps in edges.items()}
    dependents: dict[Any, list[Any]] = {node: [] for node in edges}
    for node, deps in edges.items():
        for dep in deps:
            dependents[dep].append(node)
    ready = [(key(n), n) for n, deps in waiting.items() if not deps]
    heapq.heapify(ready)
    ordered: list[Any] = []
    done: set[Any] = set()
    while len(ordered) < len(edges):
        if not ready:
            node = min((n for n in edges if n not in done), key=key)
            waiting[node] = set()
            heapq.heappush(ready, (key(node), node))
        _, node = heapq.heappop(ready)
        if node in done:
            continue
        done.add(node)
        ordered.append(node)
        for dependent in dependents[node]:
            waiting[dependent].discard(node)
            if not waiting[dependent] and dependent not in done:
                heapq.heappush(ready, (key(dependent), dependent))
    return ordered
