"""`gatecheck.waivers` is one package with a small public face: every name the rest of the tree
reads from it is exported there, whichever module of the package holds it."""

from __future__ import annotations

import re
from pathlib import Path

import gatecheck.waivers

REPO = Path(__file__).resolve().parents[2]
USERS = ("core", "plugins", "tests", "conformance", "bench")
MODULES = ("model", "loading", "matching", "expiry")
#: ``from gatecheck import waivers [as ALIAS]``, then ``ALIAS.NAME`` in code (not in a file name).
IMPORT_MODULE = re.compile(r"^from gatecheck import [^\n]*\bwaivers\b(?: as (\w+))?", re.M)
FROM_IMPORT = re.compile(r"from gatecheck\.waivers import \(?([\w\s,]+)\)?")


def _users() -> list[Path]:
    inside = REPO / "core" / "waivers"
    return [p for top in USERS for p in (REPO / top).rglob("*.py") if inside not in p.parents]


def test_every_name_read_from_the_package_is_exported() -> None:
    wanted: set[str] = set()
    for path in _users():
        text = path.read_text("utf-8")
        for alias in IMPORT_MODULE.findall(text):
            attribute = re.compile(rf"(?<![\w.\"'/-]){alias or 'waivers'}\.([A-Za-z_]\w*)")
            wanted.update(n for n in attribute.findall(text) if n not in MODULES)
        for names in FROM_IMPORT.findall(text):
            wanted.update(n.strip() for n in names.split(",") if n.strip())
    assert {"Waiver", "WaiverFile", "load", "find", "policy_input", "enforce_expired"} <= wanted
    missing = sorted(n for n in wanted if n not in gatecheck.waivers.__all__)
    assert not missing, f"read from gatecheck.waivers but not exported there: {missing}"


def test_the_package_has_one_module_per_job_each_under_500_lines() -> None:
    package = REPO / "core" / "waivers"
    assert sorted(p.stem for p in package.glob("*.py")) == sorted(["__init__", *MODULES])
    for path in package.glob("*.py"):
        assert len(path.read_text("utf-8").splitlines()) < 500, path
