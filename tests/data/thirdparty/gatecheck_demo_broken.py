"""A deliberately broken third-party plugin: one check raises, one hangs, one returns invalid data."""

import threading

from gatecheck import hookimpl
from gatecheck.model import CheckResult, Finding, Location, Tool

SCHEMA = {"type": "object"}


class Explode:
    name = "explode"
    version = "1"
    description = "raises"
    options_schema = SCHEMA

    def inputs(self, ctx):
        return []

    def run(self, ctx):
        raise ZeroDivisionError("division by zero in plugin")


class Stall:
    name = "stall"
    version = "1"
    description = "hangs and ignores cancellation"
    options_schema = SCHEMA

    def inputs(self, ctx):
        return []

    def run(self, ctx):
        threading.Event().wait()


class Garbage:
    name = "garbage"
    version = "1"
    description = "returns a result that fails the schema"
    options_schema = SCHEMA

    def inputs(self, ctx):
        return []

    def run(self, ctx):
        return CheckResult(tool=Tool("g", "1"), findings=[
            Finding(id="x", check="garbage", rule_id="r", title="t", severity="catastrophic"),
            # Fields of the wrong type: scrubbing and location classification run before the
            # schema check and must leave them for it to report.
            Finding(id="y", check="garbage", rule_id="r", title=123, severity="high", location=Location(path=7))])


@hookimpl
def gatecheck_checks():
    return [Explode(), Stall(), Garbage()]
