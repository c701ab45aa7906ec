"""The OSV evaluation rules, one at a time, on small hand-written records.

Real records carry a ``versions`` list that usually repeats what their ranges say, which
hides a mistake in either; these records isolate each rule. Expected values are read off
the OSV schema's rules, by hand.
"""

from __future__ import annotations

from typing import Any

import pytest
from packaging.version import Version

from gatecheck_plugins.sca.osv import affects, fix_versions


def record(*events: dict[str, str], versions: list[str] | None = None, name: str = "Demo_Pkg",
           range_type: str = "ECOSYSTEM", **extra: Any) -> dict[str, Any]:
    affected: dict[str, Any] = {"package": {"ecosystem": "PyPI", "name": name}}
    if events:
        affected["ranges"] = [{"type": range_type, "events": list(events)}]
    if versions is not None:
        affected["versions"] = versions
    return {"id": "TEST-1", "modified": "2026-01-01T00:00:00Z", "affected": [affected], **extra}


@pytest.mark.parametrize(
    ("events", "version", "expected"),
    [
        # introduced "0" is below every version; fixed is exclusive
        (({"introduced": "0"}, {"fixed": "1.2"}), "0.0.1", True),
        (({"introduced": "0"}, {"fixed": "1.2"}), "1.1.9", True),
        (({"introduced": "0"}, {"fixed": "1.2"}), "1.2", False),
        (({"introduced": "0"}, {"fixed": "1.2"}), "1.2rc1", True),  # a pre-release sorts before 1.2
        # introduced is inclusive
        (({"introduced": "1.0"}, {"fixed": "1.2"}), "0.9", False),
        (({"introduced": "1.0"}, {"fixed": "1.2"}), "1.0", True),
        # last_affected is inclusive, and closes the range right above it
        (({"introduced": "1.0"}, {"last_affected": "1.4"}), "1.4", True),
        (({"introduced": "1.0"}, {"last_affected": "1.4"}), "1.4.post1", False),
        (({"introduced": "1.0"}, {"last_affected": "1.4"}), "1.5", False),
        # limit closes the range at that version (exclusive), "*" is no limit
        (({"introduced": "1.0"}, {"limit": "2.0"}), "1.9", True),
        (({"introduced": "1.0"}, {"limit": "2.0"}), "2.0", False),
        (({"introduced": "1.0"}, {"limit": "*"}), "99", True),
        # an open range stays open
        (({"introduced": "3.0"},), "1000.0", True),
        # several intervals in one range, events given out of order
        (({"fixed": "2.2.11"}, {"introduced": "2.2"}, {"introduced": "0"}, {"fixed": "1.11.29"}), "2.0", False),
        (({"fixed": "2.2.11"}, {"introduced": "2.2"}, {"introduced": "0"}, {"fixed": "1.11.29"}), "2.2.3", True),
        (({"fixed": "2.2.11"}, {"introduced": "2.2"}, {"introduced": "0"}, {"fixed": "1.11.29"}), "1.11.28", True),
        # PEP 440 equality: 1.2.0 is 1.2
        (({"introduced": "0"}, {"fixed": "1.2"}), "1.2.0", False),
    ],
)
def test_ecosystem_ranges(events: tuple[dict[str, str], ...], version: str, expected: bool) -> None:
    assert affects(record(*events), "demo-pkg", Version(version)) is expected


def test_versions_list_applies_on_its_own_with_pep440_equality() -> None:
    git_only = record({"introduced": "abc123"}, {"fixed": "def456"}, range_type="GIT", versions=["1.0", "1.1"])
    assert affects(git_only, "demo-pkg", Version("1.0"))
    assert affects(git_only, "demo-pkg", Version("1.0.0"))
    assert not affects(git_only, "demo-pkg", Version("1.2"))


def test_git_ranges_do_not_place_releases() -> None:
    git_only = record({"introduced": "0"}, range_type="GIT")
    assert not affects(git_only, "demo-pkg", Version("1.0"))


def test_names_are_compared_after_pep503_normalization() -> None:
    rec = record({"introduced": "0"})
    for spelling in ("demo-pkg", "Demo.Pkg", "DEMO__pkg"):
        assert affects(rec, spelling, Version("1"))
    assert not affects(rec, "demopkg", Version("1"))


def test_other_ecosystems_and_withdrawn_records_never_match() -> None:
    npm = record({"introduced": "0"})
    npm["affected"][0]["package"]["ecosystem"] = "npm"
    assert not affects(npm, "demo-pkg", Version("1"))
    assert not affects(record({"introduced": "0"}, withdrawn="2026-01-02T00:00:00Z"), "demo-pkg", Version("1"))


def test_fix_versions_are_the_fixes_above_the_pinned_version() -> None:
    rec = record({"introduced": "0"}, {"fixed": "1.2.7"}, {"introduced": "1.3"}, {"fixed": "1.3.1"})
    assert fix_versions(rec, "demo-pkg", Version("1.2.5")) == [Version("1.2.7"), Version("1.3.1")]
    assert fix_versions(rec, "demo-pkg", Version("1.3")) == [Version("1.3.1")]


def test_version_key_agrees_with_packaging_on_every_listed_version(osv_records) -> None:
    from packaging.utils import canonicalize_version

    from gatecheck_plugins.sca.osv import version_key

    listed = {v for r in osv_records for a in r["affected"] for v in a.get("versions", [])}
    listed |= {"1.0.0", "01.02", "1.0rc1", "2.0.post1", "1!2.0", "0.0"}
    assert len(listed) > 2000
    assert {v: version_key(v) for v in listed} == {v: canonicalize_version(v) for v in listed}
