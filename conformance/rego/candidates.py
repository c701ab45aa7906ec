"""Interpreters that are not gatecheck engines, run only to compare them with the cases.

regopy (rego-cpp) aborts the whole process on some inputs, so each evaluation runs in a
child process and a crash counts as an error answer.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

from gatecheck.policy.engines import UNDEFINED, EngineError, QueryResult
from gatecheck.policy.policy_bundle import Bundle

_CHILD = r"""
import json, sys
import regopy
job = json.loads(sys.stdin.read())
interp = regopy.Interpreter()
for name, text in job["modules"].items():
    interp.add_module(name, text)
if job["data"]:
    interp.add_data_json(json.dumps(job["data"]))
if job["has_input"]:
    interp.set_input(regopy.Input(job["input"]))
out = interp.query(job["query"])
text = str(out)
if not out.ok():
    print(json.dumps({"error": text}))
elif text == "undefined":
    print(json.dumps({"undefined": True}))
else:
    print(json.dumps({"value": json.loads(text)["expressions"][0]}))
"""


def regopy_version() -> str | None:
    try:
        import importlib.metadata

        return importlib.metadata.version("regopy")
    except Exception:
        return None


class RegopyEngine:
    """regopy behind the PolicyEngine interface, one child process per evaluation."""

    name = "regopy"

    def __init__(self, timeout: float = 60.0) -> None:
        self.timeout = timeout

    def version(self) -> str:
        return f"regopy {regopy_version()}"

    def evaluate(self, bundle: Bundle, query: str, input: Mapping[str, Any] | None) -> QueryResult:
        job = {"modules": bundle.modules, "data": bundle.data, "query": query,
               "has_input": input is not None, "input": input}
        try:
            done = subprocess.run([sys.executable, "-c", _CHILD], input=json.dumps(job), capture_output=True, text=True,
                                  timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise EngineError(f"regopy did not answer within {self.timeout:g}s") from exc
        if done.returncode < 0:
            raise EngineError(f"regopy crashed (signal {-done.returncode})")
        if done.returncode != 0:
            first = next((ln for ln in done.stderr.splitlines() if "Error" in ln), "?")
            raise EngineError(f"regopy refused it: {first.strip()}")
        answer = json.loads(done.stdout.strip().splitlines()[-1])
        if "error" in answer:
            raise EngineError(answer["error"])
        if answer.get("undefined"):
            return UNDEFINED
        return QueryResult(True, answer["value"])
