"""A well-behaved third-party plugin: a check that flags FIXME comments, and a CSV report format."""

from gatecheck import hookimpl
from gatecheck.model import CheckResult, Finding, Location, Tool, finding_id

__version__ = "0.3.0"


class FixmeCheck:
    name = "fixme"
    version = "0.3.0"
    description = "Flags FIXME comments left in Python files."
    options_schema = {"type": "object", "properties": {"severity": {"enum": ["low", "medium", "high"]}},
                      "additionalProperties": False}

    def inputs(self, ctx):
        return list(ctx.files(["*.py"]))

    def run(self, ctx):
        findings = []
        seen = {}
        for path in self.inputs(ctx):
            rel = ctx.relpath(path)
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if "FIXME" in line:
                    key = line.strip()
                    seen[(rel, key)] = seen.get((rel, key), -1) + 1
                    findings.append(Finding(
                        id=finding_id(self.name, "fixme", path=rel, key=f"{key}\0{seen[(rel, key)]}"),
                        check=self.name, rule_id="fixme", title="FIXME left in code",
                        severity=ctx.options.get("severity", "medium"), location=Location(rel, number, number),
                    ))
        return CheckResult(tool=Tool("fixme", self.version), findings=findings)


class CsvReporter:
    name = "csv"
    media_type = "text/csv"
    default_filename = "gatecheck.csv"

    def render(self, report):
        rows = ["check,rule,severity,path"]
        for f in report.findings():
            rows.append(f"{f.check},{f.rule_id},{f.severity},{f.location.path if f.location else ''}")
        return "\n".join(rows) + "\n"


@hookimpl
def gatecheck_checks():
    return [FixmeCheck()]


@hookimpl
def gatecheck_reporters():
    return [CsvReporter()]
