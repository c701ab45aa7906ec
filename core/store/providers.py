"""Stores as an extension axis: what a store provider and an open store offer, and how a store URL
finds its provider.

A store URL's scheme (the part before ``://``; a bare path is ``sqlite``) names the provider that
opens it. The built-in provider (:mod:`gatecheck.store.builtin`) registers ``sqlite``,
``postgresql`` and ``postgres`` through the ``gatecheck_stores`` hook, the same hook a plugin uses to
add another database; two plugins offering one scheme is a configuration error.

This module imports no database library: ``--help`` and the error for an unknown scheme work
without the ``store`` extra.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, Self, runtime_checkable

from gatecheck.errors import BadInput

if TYPE_CHECKING:
    from gatecheck.attest.verify import VerifyOptions
    from gatecheck.plugin_manager import Plugins
    from gatecheck.store.chain import ChainReport
    from gatecheck.store.records import PushResult, StoredRecord


@runtime_checkable
class AttestationStore(Protocol):
    """An open store: append-only, every envelope verified before it is kept, hash-chained.

    What ``gatecheck store``, ``audit``, ``approve`` and ``serve`` ask of a store; the built-in
    :class:`gatecheck.store.connect.Store` is the reference (and its tests the behaviour to match).
    """

    @property
    def url(self) -> str:
        """The URL it was opened with (may hold credentials: mask before showing it)."""
        ...

    def push(self, entries: Sequence[tuple[str, bytes]], options: VerifyOptions, *,
             repository: str | None = None, commit: str | None = None) -> PushResult:
        """Verify and store ``(file:line, envelope bytes)`` entries, all or none."""
        ...

    def search(
        self,
        *,
        subject: str | None = None,
        repository: str | None = None,
        commit: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        verdict: str | None = None,
        predicate_type: str | None = None,
        policy_digest: str | None = None,
        keyid: str | None = None,
        limit: int | None = 100,
        newest_first: bool = True,
    ) -> list[StoredRecord]:
        """Records matching every filter given; ``subject`` is ``ALG:HEX``."""
        ...

    def get(self, ident: str | int) -> StoredRecord | None:
        """One record by sequence number or envelope digest."""
        ...

    def head(self) -> tuple[int, str]:
        """The newest record's sequence number and hash."""
        ...

    def records(self, seqs: list[int]) -> list[StoredRecord]:
        """The records ``seqs`` with their envelopes, in the order given."""
        ...

    def records_by_digest(self, digests: Iterable[str]) -> dict[str, StoredRecord]:
        """The records whose envelope sha256 (hex) is in ``digests``, by digest."""
        ...

    def ping(self) -> int:
        """The schema version, after reading what a decision reads (readiness probes)."""
        ...

    def iter_records(self, *, with_envelope: bool = True, batch: int = ...) -> Iterator[StoredRecord]:
        """Every record in chain order."""
        ...

    def check(self, *, expect_head: str | None = None) -> ChainReport:
        """Re-hash the chain and say whether anything was changed or removed."""
        ...

    def subject_generation(self, subject: dict[str, str]) -> int:
        """A number that changes exactly when a record about ``subject`` is added."""
        ...

    def verdicts_since(self, since: datetime) -> list[StoredRecord]:
        """Every stored verdict (VSA) verified at or after ``since``."""
        ...

    def verdict_entries(self, subject: dict[str, str]) -> list[tuple[str, bytes]]:
        """The stored verdicts about ``subject`` and the attestations they list."""
        ...

    def statements(self, subject: Mapping[str, str], predicate_type: str) -> list[tuple[str, bytes]]:
        """Every stored envelope of ``predicate_type`` about ``subject``, as ``(store:ID, bytes)``."""
        ...

    def log_admissions(self, rows: Sequence[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
        """Append admission decisions; return the ones not written, with why."""
        ...

    def admissions_since(self, since: datetime) -> Sequence[Any]:
        """The admission decisions logged at or after ``since``."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...


@runtime_checkable
class StoreProvider(Protocol):
    """Opens the stores of one URL scheme (``gatecheck_stores`` hook)."""

    @property
    def scheme(self) -> str:
        """The URL scheme, before ``://``."""
        ...

    @property
    def description(self) -> str:
        """One line for ``gatecheck plugins``."""
        ...

    def open(self, url: str, *, migrate: bool = True) -> AttestationStore:
        """Connect to the store at ``url``, bringing its schema up to date unless ``migrate`` is false.
        Raise :class:`gatecheck.errors.BadInput` for a URL that cannot be used."""
        ...


def scheme_of(url: str) -> str:
    """The scheme that picks a store's provider: before ``://`` (a driver suffix such as
    ``+psycopg`` dropped), ``sqlite`` for a bare path."""
    if "://" not in url:
        return "sqlite"
    return url.split("://", 1)[0].split("+", 1)[0].lower()


def open_store(url: str, plugins: Plugins, *, migrate: bool = True) -> AttestationStore:
    """Open ``url`` with the provider registered for its scheme."""
    providers = plugins.stores()
    scheme = scheme_of(url)
    provider = providers.get(scheme)
    if provider is None:
        known = ", ".join(f"{s}://" for s in providers) or "none"
        raise BadInput(f"unsupported store URL scheme {scheme!r} (one of {known}; a bare path is SQLite)", key="--store")
    return provider.open(url, migrate=migrate)
