"""Fixtures of the server tests: a store holding a passing verdict, for `gatecheck serve` processes."""

from __future__ import annotations

import pytest
from attestation_factory import digest_of, entries, make_bundle, new_key, write_public
from tls_server import Stored

from gatecheck.attest.verify import VerifyOptions
from gatecheck.store import Store


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Stored:
    """A SQLite store holding a passing verdict for ``digest_of('good')``, and the public key it is signed with."""
    tmp = tmp_path_factory.mktemp("serve-store")
    ci = new_key()
    url = f"sqlite:///{tmp / 'store.sqlite'}"
    with Store.open(url) as store:
        store.push(entries(make_bundle(ci, digest_of("good"))), VerifyOptions(keys=[ci.public]))
    return Stored(url, write_public(ci, tmp / "ci.pub"))
