"""The ``embedded`` engine: Rego evaluated in-process by regorus (Microsoft's Rego interpreter).

regorus is used through the ``celine-regorus`` wheels (unmodified upstream builds, module
``regorus``); docs/policies.md records why it was chosen over regopy. Two properties of
its Python binding shape this module: values are passed as JSON text, because the binding
converts Python ``False`` to the number 0; and evaluation holds the GIL, so a run cannot
be interrupted: the time limit is checked when it returns, and a late answer is discarded
(the gate then denies with ``gatecheck.policy.timeout``).
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
import threading
import time
from collections.abc import Mapping
from typing import Any

import orjson

from gatecheck.canonical import canonical_json
from gatecheck.errors import BadInput
from gatecheck.policy.engines import UNDEFINED, EngineError, EngineSettings, EngineTimeout, QueryResult, data_path
from gatecheck.policy.policy_bundle import Bundle

# The binding attaches a Rust backtrace to every error when RUST_BACKTRACE is set; that is
# noise in a user-facing message, so it is cut off.
_BACKTRACE = re.compile(r"\n\s*Stack backtrace:.*", re.DOTALL)
_LOCATION = re.compile(r"-->\s*(?P<path>.+?):(?P<line>\d+):(?P<col>\d+)")
_ERROR_LINE = re.compile(r"^\s*error:\s*(?P<msg>.+)$", re.MULTILINE)


def clean_error(exc: BaseException) -> str:
    """An engine error as one readable message, without the Rust backtrace."""
    text = _BACKTRACE.sub("", str(exc)).strip()
    where = _LOCATION.search(text)
    what = _ERROR_LINE.search(text)
    if where and what:
        return f"{where.group('path')}:{where.group('line')}: {what.group('msg')}"
    return " ".join(text.split())


@functools.cache
def regorus_version() -> str:
    try:
        return importlib.metadata.version("celine-regorus")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class EmbeddedEngine:
    """Evaluates with regorus; one compiled engine per bundle, cloned per evaluation."""

    name = "embedded"

    def __init__(self, settings: EngineSettings | None = None) -> None:
        self.settings = settings or EngineSettings()
        # The binding's engines are "unsendable": used and dropped only on the thread that
        # made them; so compiled bundles are cached per thread.
        self._local = threading.local()

    def version(self) -> str:
        return f"regorus {regorus_version()}"

    def _engine_for(self, bundle: Bundle) -> Any:
        import regorus

        key = bundle.cache_key()
        cache: dict[tuple[str, tuple[str, ...]], Any] = self._local.__dict__.setdefault("compiled", {})
        compiled: Any = cache.get(key)
        if compiled is None:
            compiled = regorus.Engine()
            for name, text in sorted(bundle.modules.items()):
                shown = bundle.display_path(name)
                try:
                    compiled.add_policy(shown, text)
                except RuntimeError as exc:
                    message = clean_error(exc)
                    where = _LOCATION.search(_BACKTRACE.sub("", str(exc)))
                    line = int(where.group("line")) if where else None
                    detail = message.split(": ", 1)[1] if where and ": " in message else message
                    raise BadInput(f"invalid Rego: {detail}", path=shown, line=line) from exc
            if bundle.data:
                try:
                    compiled.add_data_json(canonical_json(bundle.data).decode())
                except RuntimeError as exc:
                    raise EngineError(f"policy data rejected: {clean_error(exc)}") from exc
            cache[key] = compiled
        return compiled.clone()

    def evaluate(self, bundle: Bundle, query: str, input: Mapping[str, Any] | None) -> QueryResult:
        data_path(query)
        engine = self._engine_for(bundle)
        if input is not None:
            # orjson: at 10,000 findings the standard json module costs as much as the evaluation.
            engine.set_input_json(orjson.dumps(input).decode())
        start = time.perf_counter()
        try:
            raw = engine.eval_query_as_json(query)
        except RuntimeError as exc:
            raise EngineError(f"evaluation failed: {clean_error(exc)}") from exc
        elapsed = time.perf_counter() - start
        if elapsed > self.settings.timeout:
            raise EngineTimeout(f"evaluation took {elapsed:.3f}s, over the {self.settings.timeout:g}s limit")
        results = orjson.loads(raw).get("result") or []
        if not results:
            return UNDEFINED
        expressions = results[0].get("expressions") or []
        if not expressions:
            return UNDEFINED
        return QueryResult(True, expressions[0].get("value"))


class EmbeddedProvider:
    """Registers :class:`EmbeddedEngine` as ``embedded``."""

    name = "embedded"
    description = "in-process Rego interpreter (regorus)"

    def create(self, settings: EngineSettings) -> EmbeddedEngine:
        try:
            import regorus  # noqa: F401
        except ImportError as exc:  # pragma: no cover - a dependency of gatecheck
            raise EngineError("the embedded engine needs the celine-regorus package") from exc
        return EmbeddedEngine(settings)


