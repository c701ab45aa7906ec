"""The shared small tools of core (issue 22): source positions, digests and the lenient time reader."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from gatecheck.digests import file_sha256, sha256_hex, stream_sha256
from gatecheck.positions import json_key_line, locate, locate_toml, toml_key_line, toml_table_lines
from gatecheck.timestamps import parse_iso8601

RULES = """\
title = "pack"

[extend]
path = "more.toml"

[[rules]]
id = "a"
[rules.allowlist]
regex = "x"

[[rules]]
id = "b"

[other]
regex = "y"
"""


def test_json_positions() -> None:
    text = '{\n  "a": 1,\n  "b": [\n    {"c": 2}\n  ],\n  "a": 3\n}\n'
    assert locate(text, ["b", 0, "c"]) == 4
    assert json_key_line(text, "a") == 2
    assert json_key_line(text, "a", occurrence=2) == 6
    assert json_key_line(text, "a", occurrence=3) is None
    assert json_key_line(text, "zzz") is None


def test_toml_positions() -> None:
    assert toml_key_line(RULES, "path") == 4
    assert toml_key_line(RULES, "missing") is None
    assert toml_table_lines(RULES, "rules", array=True) == [6, 11]
    assert toml_table_lines(RULES, "extend") == [3]
    assert toml_table_lines(RULES, "rules") == []  # [[rules]] is an array of tables, not [rules]
    lines = RULES.splitlines()
    # Within the first rule: its [rules.allowlist] sub-table is part of it, the next [[rules]] is not.
    assert toml_key_line(lines, "regex", 6, sub_tables=("rules.",)) == 9
    assert toml_key_line(lines, "regex", 11, sub_tables=("rules.",)) is None
    assert toml_key_line(lines, "regex", 11) == 15


def test_digests_of_streams_and_files(tmp_path: Path) -> None:
    data = b"x" * (3 << 20)
    (tmp_path / "f").write_bytes(data)
    assert stream_sha256(io.BytesIO(data)) == file_sha256(tmp_path / "f") == sha256_hex(data)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
    ("2026-03-01T10:00:00Z", datetime(2026, 3, 1, 10, tzinfo=UTC)),
    ("2026-03-01 10:00", datetime(2026, 3, 1, 10, tzinfo=UTC)),
    ("2026-03-01T10:00:00+02:00", datetime(2026, 3, 1, 10, tzinfo=timezone(timedelta(hours=2)))),
])
def test_a_moment_as_a_person_writes_it(text: str, expected: datetime) -> None:
    assert parse_iso8601(text) == expected


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "", "30d"])
def test_what_is_no_moment(text: str) -> None:
    with pytest.raises(ValueError):
        parse_iso8601(text)


def test_the_line_of_a_toml_key_path() -> None:
    text = 'version = 1\n\n[checks.sarif]\npaths = ["a"]\nnote = """\nx = 1\n"""\n[run]\n"jobs" = 4\n'
    assert locate_toml(text, ["checks", "sarif", "paths", "0"]) == 4
    assert locate_toml(text, ["checks", "sarif"]) == 3
    assert locate_toml(text, ["x"]) is None  # inside a multi-line string
    assert locate_toml(text, ["run", "jobs"]) == 9
