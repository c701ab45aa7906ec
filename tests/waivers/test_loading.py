"""Reading a waivers file (gatecheck.waivers.loading): validation errors name the file and line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gatecheck import waivers
from gatecheck.errors import BadInput
from gatecheck.model import Finding

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_toml_waiver_beyond_max_days_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, "w.toml",
                 '[[waivers]]\nid = "A"\nreason = "ok ok"\nowner = "me"\nexpires = 2026-01-10\nmatch = {rule = "r"}\n\n'
                 '[[waivers]]\nid = "B"\nreason = "ok ok"\nowner = "me"\nexpires = 2027-06-01\nmatch = {rule = "r"}\n')
    with pytest.raises(BadInput) as info:
        waivers.load(path, max_days=90, now=NOW)
    assert info.value.line == 12 and "more than 90 days" in info.value.message and info.value.path == str(path)


def test_yaml_missing_owner_names_line(tmp_path: Path) -> None:
    text = "waivers:\n  - id: A\n    reason: fine reason\n    expires: '2026-01-10'\n    match: {rule: r}\n"
    path = write(tmp_path, "w.yaml", text)
    with pytest.raises(BadInput) as info:
        waivers.load(path, now=NOW)
    assert info.value.line == 2 and "owner" in info.value.message


def test_missing_expires_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "w.toml", '[[waivers]]\nid = "A"\nreason = "ok ok"\nowner = "me"\nmatch = {rule = "r"}\n')
    with pytest.raises(BadInput) as info:
        waivers.load(path, now=NOW)
    assert "expires" in info.value.message and info.value.line == 1


def test_datetime_without_offset_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "w.yaml", "waivers:\n- id: A\n  reason: fine reason\n  owner: me\n  match: {rule: r}\n"
                 "  expires: '2026-01-10T10:00:00'\n")
    with pytest.raises(BadInput) as info:
        waivers.load(path, now=NOW)
    assert info.value.line == 6 and "offset" in info.value.message


def test_the_waiver_explain_prints_loads_and_selects_only_its_finding(tmp_path: Path) -> None:
    finding = Finding(id="ab" * 16, check="secrets", rule_id="aws-access-key", title="t")
    other = Finding(id="cd" * 16, check="secrets", rule_id="aws-access-key", title="t")
    text = waivers.snippet(finding, NOW).replace("<why this risk is accepted, and what will end it>", "rotated") \
        .replace("<team or person>", "team-web")
    [waiver] = waivers.load(write(tmp_path, "w.toml", text), now=NOW).waivers
    assert waiver.match == {"finding_id": finding.id} and waiver.expires == "2026-01-31"
    assert waiver.matches(finding) and not waiver.matches(other)


def test_toml_errors_name_the_line_in_the_right_waiver_and_sub_table(tmp_path: Path) -> None:
    head = '[[waivers]]\nid = "A"\nreason = "ok ok"\nowner = "me"\nexpires = 2026-01-10\nmatch = {rule = "r"}\n\n'
    second = '[[waivers]]\nid = "B"\nreason = "ok ok"\nowner = "me"\nexpires = 2026-01-10\n[waivers . match]\nrule = "r"\n'
    cases = [
        (second.replace('owner = "me"\n', ""), 8),  # a missing key: the waiver's header
        (second.replace('reason = "ok ok"', 'reason = 5'), 10),  # a wrong value: its key
        (second + "bogus = 1\n", 13),  # an unknown key in the match sub-table: that table's header
    ]
    for text, line in cases:
        with pytest.raises(BadInput) as info:
            waivers.load(write(tmp_path, "w.toml", head + text), now=NOW)
        assert info.value.line == line, (text, info.value.message)
