"""The JSON report: the whole run as one schema-valid document (``schemas/report.schema.json``)."""

from __future__ import annotations

import json

from gatecheck.reports import Report


class JsonReporter:
    name = "json"
    media_type = "application/json"
    default_filename = "gatecheck.json"

    def render(self, report: Report) -> str:
        return json.dumps(report.to_dict(), indent=2, sort_keys=False) + "\n"
