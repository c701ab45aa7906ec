"""The JSON report: the whole run as one schema-valid document (``schemas/report.schema.json``)."""

from __future__ import annotations

from gatecheck.reports import Report, json_text


class JsonReporter:
    name = "json"
    media_type = "application/json"
    default_filename = "gatecheck.json"

    def render(self, report: Report) -> str:
        return json_text(report.to_dict())
