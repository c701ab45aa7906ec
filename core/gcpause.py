"""Pausing Python's cyclic garbage collector around bursts of allocation that make no cycles.

Building the policy input and reading the decision for 10,000 findings allocates some
100,000 dicts and lists in a few milliseconds. Each 700 allocations start a young-generation
collection and every few of those a full one, which walks every object the process holds
(all findings, results and reports of the run): measured on bench/policy_eval.py, that
doubled the time of those steps and made it vary from run to run. The objects made there are
trees of plain JSON values, so they hold no reference cycles and reference counting frees
them; the collector is switched off for the burst and back on afterwards, and it collects as
usual after that.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; nested or concurrent use leaves it as found."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def while_paused(function: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of :func:`paused`."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with paused():
            return function(*args, **kwargs)

    return wrapper
