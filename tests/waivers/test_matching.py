"""Which findings a waiver selects (gatecheck.waivers.matching), as the policy input lists them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from gatecheck import waivers
from gatecheck.model import Finding, Location, Package

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_matching_by_path_package_and_expiry(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(
        "waivers:\n"
        "- {id: P, reason: vendored code, owner: me, expires: '2026-01-20', match: {path: 'vendor/**', check: sast}}\n"
        "- {id: K, reason: no fix yet, owner: me, expires: '2026-01-20', match: {package: 'pkg:pypi/flask'}}\n"
        "- {id: OLD, reason: was fine, owner: me, expires: '2025-12-01', match: {rule: r1}}\n")
    wf = waivers.load(path, now=NOW)
    f1 = Finding(id="a", check="sast", rule_id="r1", title="t", location=Location("vendor/x/y.py"))
    f2 = Finding(id="b", check="sca", rule_id="GHSA-1", title="t", package=Package("flask", "2.0", "pkg:pypi/flask@2.0"))
    f3 = Finding(id="c", check="sast", rule_id="r1", title="t", location=Location("app/main.py"))
    entries = {e["id"]: e for e in inputs_mod_policy(wf, [f1, f2, f3])}
    assert entries["P"]["matches"] == ["a"] and entries["K"]["matches"] == ["b"]
    assert entries["OLD"]["expired"] is True and entries["OLD"]["matches"] == []  # expired: selects nothing
    assert wf.waivers[2].age_days(NOW) == 30


def inputs_mod_policy(wf: waivers.WaiverFile, findings: list[Finding]) -> list[dict[str, object]]:
    return waivers.policy_input(wf.waivers, findings, NOW)


def test_indexed_selection_equals_matching_every_finding() -> None:
    """policy_input picks candidates through indexes and then tests only the remaining fields;
    over many random waivers it must select exactly what Waiver.matches says of every finding."""
    import random

    rng = random.Random(20261205)
    paths = ["app/main.py", "app/sub/x.py", "vendor/a/b.py", "vendor/c.py", ".hidden/y.py", "apps/z.py", "app.py"]
    findings = []
    for i in range(400):
        pkg = None
        if rng.random() < 0.4:
            name = rng.choice(["flask", "jinja2", "requests"])
            version = rng.choice(["1.0", "2.0"])
            pkg = Package(name, version, rng.choice([f"pkg:pypi/{name}@{version}", f"pkg:pypi/{name}@{version}?x=1", None]))
        location = Location(rng.choice(paths)) if rng.random() < 0.8 else None
        findings.append(Finding(id=f"{i:032x}", check=rng.choice(["sast", "sca", "secrets"]),
                                rule_id=rng.choice(["r1", "r2", "r3"]), title="t", location=location, package=pkg))
    choices = {
        "finding_id": [f"{i:032x}" for i in range(0, 400, 7)] + ["nope"],
        "rule": ["r1", "r2", "r9"],
        "check": ["sast", "sca"],
        "path": ["app/**", "vendor/*.py", "**/*.py", "app/*", "apps/z.py", "*.py", ".hidden/**"],
        "package": ["flask", "pkg:pypi/flask", "pkg:pypi/jinja2@2.0", "pkg:pypi/requests@1.0?x=1", "nothing"],
    }
    expires = NOW + dt.timedelta(days=5)
    ws = []
    for j in range(300):
        keys = rng.sample(sorted(choices), rng.randint(1, 3))
        match = {k: rng.choice(choices[k]) for k in keys}
        ws.append(waivers.Waiver(id=f"W{j}", match=match, reason="r", owner="o", expires="x", expires_at=expires))
    selected = 0
    for w, entry in zip(ws, waivers.policy_input(ws, findings, NOW), strict=True):
        expected = [f.id for f in findings if w.matches(f)]
        assert sorted(entry["matches"]) == sorted(expected), w.match
        assert len(entry["matches"]) == len(set(entry["matches"]))
        selected += len(expected)
    assert selected > 1000  # the random waivers do select things, so the comparison means something
