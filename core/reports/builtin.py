"""Registers the built-in report formats through the same hook third-party reporters use."""

from __future__ import annotations

from gatecheck.hookspecs import hookimpl
from gatecheck.reports import Reporter
from gatecheck.reports.jsondoc import JsonReporter
from gatecheck.reports.junit import JUnitReporter
from gatecheck.reports.markdown import MarkdownReporter
from gatecheck.reports.sarif import SarifReporter
from gatecheck.reports.text import TextReporter


@hookimpl
def gatecheck_reporters() -> list[Reporter]:
    return [TextReporter(), JsonReporter(), SarifReporter(), JUnitReporter(), MarkdownReporter()]
