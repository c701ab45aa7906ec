"""Rego conformance cases: the format, the loader, and how one case is judged on an engine.

The cases live in ``conformance/rego/cases/*.yaml`` (package ``gatecheck_conformance.rego``)
and hold OPA's documented answers. The conformance runner runs all of them; the engine
self-test (:mod:`gatecheck.policy.selftest`) runs the ones marked ``canary: true``.

One case::

    - id: sets.union
      modules:
        t.rego: |
          package t
          import rego.v1
          x := {1, 2} | {2, 3}
      input: {}            # optional; omitted means no input document
      data: {}             # optional
      query: data.t.x      # always a data reference, so the OPA Data API can ask it too
      # `rego: <text>` is shorthand for one module t.rego: "package t", "import rego.v1", <text>
      want: [1, 2, 3]      # or `undefined: true`, or `error: true`
      canary: true         # optional: part of the engine self-test
      known_failure:       # optional: engines known to get it wrong, and why (with the guard)
        embedded: regorus cannot ...; gatecheck.policy.lint rejects bundles that do this
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from gatecheck.canonical import canonical_json
from gatecheck.digests import sha256_hex
from gatecheck.errors import BadInput, GatecheckError
from gatecheck.policy.engines import PolicyEngine
from gatecheck.policy.policy_bundle import Bundle, listing_digest

_NO_INPUT = object()


@dataclass(frozen=True)
class Case:
    """One conformance case."""

    id: str
    modules: dict[str, str]
    query: str
    want: Any = None
    undefined: bool = False
    error: bool = False
    input: Any = _NO_INPUT
    data: dict[str, Any] = field(default_factory=dict)
    canary: bool = False
    note: str = ""
    source: str = ""
    #: Engine name -> why that engine fails this case and what keeps policies off it.
    known_failure: dict[str, str] = field(default_factory=dict)

    def bundle(self) -> Bundle:
        """The case's modules and data as a bundle (its own digest, so engines cache per case)."""
        files = tuple(sorted((name, sha256_hex(text.encode())) for name, text in self.modules.items()))
        files = (*files, ("data.json", sha256_hex(canonical_json(self.data))))
        return Bundle(f"case {self.id}", dict(self.modules), {}, dict(self.data), files, listing_digest(files))


@dataclass(frozen=True)
class Outcome:
    """How an engine did on a case."""

    case: Case
    passed: bool
    got: str


def default_dir() -> Path:
    """The cases shipped with gatecheck."""
    return Path(str(resources.files("gatecheck_conformance.rego").joinpath("cases")))


def load(directory: Path | None = None) -> list[Case]:
    """Every case in ``directory`` (``*.yaml``), in file then document order; ids must be unique."""
    directory = directory or default_dir()
    cases: list[Case] = []
    seen: set[str] = set()
    for path in sorted(directory.glob("*.yaml")):
        try:
            docs = yaml.safe_load(path.read_text("utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise BadInput(f"invalid YAML: {exc}", path=path, line=mark.line + 1 if mark else None) from exc
        if not isinstance(docs, list):
            raise BadInput("a case file holds a list of cases", path=path, line=1)
        for i, raw in enumerate(docs):
            case = _case(raw, f"{path.name}[{i}]")
            if case.id in seen:
                raise BadInput(f"duplicate case id {case.id!r}", path=path)
            seen.add(case.id)
            cases.append(case)
    return cases


def _case(raw: Any, where: str) -> Case:
    if isinstance(raw, dict) and "rego" in raw and "modules" not in raw:
        raw = {**raw, "modules": {"t.rego": f"package t\n\nimport rego.v1\n\n{raw['rego']}"}}
    if not isinstance(raw, dict) or not {"id", "modules", "query"} <= raw.keys():
        raise BadInput(f"{where}: a case needs id, modules (or rego) and query")
    expectations = [k for k in ("want", "undefined", "error") if k in raw]
    if len(expectations) != 1:
        raise BadInput(f"{where} ({raw['id']}): give exactly one of want, undefined, error")
    return Case(
        id=str(raw["id"]),
        modules={str(k): str(v) for k, v in raw["modules"].items()},
        query=str(raw["query"]),
        want=raw.get("want"),
        undefined=bool(raw.get("undefined", False)),
        error=bool(raw.get("error", False)),
        input=raw.get("input", _NO_INPUT),
        data=dict(raw.get("data") or {}),
        canary=bool(raw.get("canary", False)),
        note=str(raw.get("note", "")),
        source=where,
        known_failure={str(k): str(v) for k, v in (raw.get("known_failure") or {}).items()},
    )


def same(a: Any, b: Any) -> bool:
    """JSON equality that keeps booleans and numbers apart and lets 1 equal 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0) if isinstance(a, float) or isinstance(b, float) else a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def run_case(engine: PolicyEngine, case: Case) -> Outcome:
    """Evaluate one case; any exception from the engine counts as an error answer."""
    try:
        result = engine.evaluate(case.bundle(), case.query, None if case.input is _NO_INPUT else case.input)
    except (GatecheckError, RuntimeError, ValueError) as exc:
        return Outcome(case, case.error, f"error: {exc}")
    if case.error:
        shown = f" (value {canonical_json(result.value).decode()})" if result.defined else " (undefined)"
        return Outcome(case, False, "no error" + shown)
    if not result.defined:
        return Outcome(case, case.undefined, "undefined")
    if case.undefined:
        return Outcome(case, False, canonical_json(result.value).decode())
    return Outcome(case, same(result.value, case.want), canonical_json(result.value).decode())


def run_all(engine: PolicyEngine, cases: Iterable[Case]) -> list[Outcome]:
    return [run_case(engine, c) for c in cases]
