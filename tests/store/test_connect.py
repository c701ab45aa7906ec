"""Store URLs (core/store/connect.py) and the backends the store suite runs on."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatecheck.errors import BadInput
from gatecheck.store.connect import display_url, normalise_url


def test_postgres_half_fails_under_ci_and_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    from store_backends import ENV, postgres_admin_url

    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="not set under CI"):
        postgres_admin_url()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        postgres_admin_url()


def test_the_url_forms_users_write(tmp_path: Path) -> None:
    assert normalise_url(str(tmp_path / "s.sqlite")) == f"sqlite:///{tmp_path / 's.sqlite'}"
    assert normalise_url("postgres://u@db/att") == normalise_url("postgresql://u@db/att") == "postgresql+psycopg://u@db/att"
    assert normalise_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"
    with pytest.raises(BadInput, match="unsupported store URL scheme 'mysql'"):
        normalise_url("mysql://u@db/att")
    shown = display_url("postgresql://u:hunter2@db/att")
    assert shown.startswith("postgresql+psycopg://u:") and shown.endswith("@db/att") and "hunter2" not in shown
    assert display_url("mysql://u:hunter2@db/att") == "<unparsable store URL>"
