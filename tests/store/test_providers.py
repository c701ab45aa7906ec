"""Stores as a plugin axis (issue 22): the ``gatecheck_stores`` hook, the built-in SQL schemes
registered through it, and a plugin's scheme used by the same code the commands use."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from attestation_factory import digest_of, entries, make_bundle, new_key

from gatecheck import hookimpl
from gatecheck.attest.verify import VerifyOptions
from gatecheck.errors import BadInput, GatecheckError
from gatecheck.plugin_manager import Plugins
from gatecheck.store import Store
from gatecheck.store.providers import AttestationStore, StoreProvider, open_store, scheme_of


class TeamStores:
    """A plugin's store scheme: ``team://NAME`` is a SQLite file per team under one directory."""

    scheme = "team"
    description = "team://NAME: one SQLite store per team"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def open(self, url: str, *, migrate: bool = True) -> AttestationStore:
        name = url.removeprefix("team://")
        if not name.isidentifier():
            raise BadInput(f"team store name {name!r} is not an identifier", key="--store")
        return Store.open(f"sqlite:///{self.directory / name}.sqlite", migrate=migrate)


def plugin(*providers: object) -> SimpleNamespace:
    @hookimpl
    def gatecheck_stores() -> list[object]:
        return list(providers)

    return SimpleNamespace(__name__="team-stores", gatecheck_stores=gatecheck_stores)


def test_built_in_schemes_come_through_the_hook() -> None:
    plugins = Plugins(load_entry_points=False)
    stores = plugins.stores()
    assert {"sqlite", "postgresql", "postgres"} <= set(stores)
    assert all(isinstance(p, StoreProvider) for p in stores.values())
    [builtin] = [i for i in plugins.describe() if i.name == "gatecheck.store.builtin"]
    assert "store:sqlite://" in builtin.provides()


def test_scheme_of_a_url() -> None:
    assert scheme_of("sqlite:///x.sqlite") == "sqlite"
    assert scheme_of(".gatecheck/store.sqlite") == "sqlite"
    assert scheme_of("postgresql+psycopg://u@h/db") == "postgresql"
    assert scheme_of("TEAM://payments") == "team"


def test_a_plugin_store_is_opened_and_stores_verified_envelopes(tmp_path: Path) -> None:
    plugins = Plugins(load_entry_points=False, extra=[plugin(TeamStores(tmp_path))])
    key = new_key()
    with open_store("team://payments", plugins) as store:
        result = store.push(entries(make_bundle(key, digest_of("app"))), VerifyOptions(keys=[key.public]))
        assert len(result.stored) == 3 and not result.refused  # a bundle: two inputs and the verdict
        assert sorted(r.seq for r in store.search(limit=None)) == [1, 2, 3]
        assert store.check().ok
    assert (tmp_path / "payments.sqlite").is_file()
    with pytest.raises(BadInput, match="not an identifier"):
        open_store("team://../etc", plugins)


def test_an_unknown_scheme_is_bad_input_naming_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"unsupported store URL scheme 'mongodb' \(one of postgres://, postgresql://, sqlite://"):
        open_store("mongodb://db/gatecheck", Plugins(load_entry_points=False))


def test_two_plugins_offering_one_scheme_is_a_configuration_error(tmp_path: Path) -> None:
    hijack = TeamStores(tmp_path)
    hijack.scheme = "sqlite"  # type: ignore[misc]
    plugins = Plugins(load_entry_points=False, extra=[plugin(hijack)])
    with pytest.raises(GatecheckError, match="'sqlite' is provided by both"):
        plugins.stores()
