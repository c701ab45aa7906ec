"""``gatecheck audit``: re-verify what the store holds, and reports an auditor reads without the CLI.

* :mod:`gatecheck.audit.reverify`: every stored envelope against today's trust roots.
* :mod:`gatecheck.audit.facts`: what a report is built from (verdicts per day, rules, waivers, admissions).
* :mod:`gatecheck.audit.render`: the report as HTML (one self-contained file with an SVG chart), Markdown or CSV.
"""
