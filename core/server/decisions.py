"""The verdict lookup behind admission and ``/v1/verify``: stored envelopes, the verifier, a cache.

Deciding about an image never runs a scanner and never reaches a registry: it reads the
stored VSAs about the image's digest (and the input attestations they list) and gives them
to the attestation verifier with the server's trust roots and requirements.

Which of several stored verdicts counts (a FAILED one made at the same instant as, or after,
a PASSED one wins; a verdict with no input attestation is refused unless the options allow
it) is the verifier's rule, :func:`gatecheck.attest.vsa.supersedes`; nothing here re-decides it.

With a verify-time policy (``gatecheck serve --policy``), every stored statement about the
digest is read as well (provenance, SBOMs, anything pushed), since the policy judges them all.
A Sigstore bundle pushed to the store is stored as the DSSE envelope it carries, so what is
read here is always envelopes; the verifier would take bundle bytes too.

The cache key holds everything the answer depends on: the digest, the trust configuration
(keys, threshold, verifier id, policy digest, stage, required checks, maximum age, clock
skew, whether verdicts without inputs are accepted, required predicate types, inputs allowed
to be absent, the resource URI, the verify-time policy's digest and engine) and the subject's generation in the
store (the newest record about the digest), so a push about the image is seen at once while
pushes about other images keep the cache warm.
The store is append-only, so the stored envelopes an answer was computed from cannot change
under the same generation; the one exception, a verdict whose input attestation is not
stored yet (INPUT_MISSING, which a later push can fix), is never cached. Time is the one
input not in the key: a passing answer is kept only until its verdict would expire, and no
answer longer than the cache TTL.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from gatecheck.attest.verify import VerificationResult, VerifyOptions, verify_entries
from gatecheck.canonical import canonical_json
from gatecheck.digests import prefixed, sha256_hex
from gatecheck.store.providers import AttestationStore


@dataclass(frozen=True)
class Answer:
    """What the verifier said about one digest, in the form the server needs."""

    ok: bool
    reason: str | None
    message: str
    result: VerificationResult | None
    cached: bool = False


def options_fingerprint(options: VerifyOptions) -> str:
    """A digest of every verification requirement (part of the cache key)."""
    doc = {
        "keys": sorted(k.keyid for k in options.keys),
        "threshold": options.threshold,
        "verifier": options.verifier_id,
        "policy": options.policy_digest,
        "stage": options.stage,
        "checks": sorted(options.require_checks),
        "max_age": options.max_age.total_seconds() if options.max_age is not None else None,
        "skew": options.clock_skew.total_seconds(),
        "max_bytes": options.max_envelope_bytes,
        "allow_no_inputs": options.allow_no_inputs,
        "predicates": list(options.require_predicates) if options.require_predicates is not None else None,
        "absent": sorted((a.pattern, a.reason) for a in options.absent_inputs),
        "resource": options.resource_uri,
        "verify_policy": [options.policy.bundle.digest, options.policy.engine.name] if options.policy else None,
    }
    return sha256_hex(canonical_json(doc))


class VerdictCache:
    """A bounded LRU of answers with a per-entry expiry (wall-clock seconds)."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._data: OrderedDict[tuple[str, ...], tuple[float, Answer]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...], now: float) -> Answer | None:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            expires, answer = item
            if now >= expires:
                del self._data[key]
                return None
            self._data.move_to_end(key)
            return answer

    def put(self, key: tuple[str, ...], answer: Answer, expires: float) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._data[key] = (expires, answer)
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


class VerdictService:
    """Decides whether a digest has a stored, verifying, fresh, PASSED verdict."""

    def __init__(self, store: AttestationStore, options: VerifyOptions, *, cache_size: int = 10_000, cache_ttl: float = 60.0,
                 clock: Callable[[], float] = time.time, on_query: Callable[[float], None] | None = None) -> None:
        options.validate()
        self.store = store
        self.options = options
        self.cache = VerdictCache(cache_size)
        self.cache_ttl = cache_ttl
        self.clock = clock
        self.on_query = on_query
        self.fingerprint = options_fingerprint(options)

    def decide(self, digest_hex: str) -> Answer:
        """The answer for ``sha256:digest_hex``; cached answers are marked ``cached``."""
        now = self.clock()
        generation = self.store.subject_generation({"sha256": digest_hex})
        key = (digest_hex, self.fingerprint, str(generation))
        hit = self.cache.get(key, now)
        if hit is not None:
            return replace(hit, cached=True)
        started = time.perf_counter()
        entries = self.store.verdict_entries({"sha256": digest_hex})
        if self.options.policy is not None:
            entries += statement_entries(self.store, digest_hex, entries)
        if self.on_query is not None:
            self.on_query(time.perf_counter() - started)
        options = replace(self.options, now=datetime.fromtimestamp(now, UTC))
        result = verify_entries({"sha256": digest_hex}, entries, options)
        if result.ok:
            answer = Answer(True, None, "verified", result)
        else:
            first = result.reasons[0] if result.reasons else None
            answer = Answer(False, result.reason or "NO_ATTESTATION", first.message if first else "no verdict", result)
        expires = now + self.cache_ttl
        chosen = result.chosen.verdict if result.chosen else None
        if result.ok and chosen is not None and self.options.max_age is not None:
            expires = min(expires, (chosen.time_verified + self.options.max_age).timestamp())
        if not any(r.code == "INPUT_MISSING" for v in result.verdicts for r in v.reasons):
            self.cache.put(key, answer, expires)
        return answer


def statement_entries(store: AttestationStore, digest_hex: str, have: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Every other stored statement about ``sha256:digest_hex`` as ``(store:ID, envelope)``, for a verify-time
    policy: the verdict query reads only VSAs and their inputs."""
    known = {source for source, _ in have}
    found: list[tuple[str, bytes]] = []
    for record in store.search(subject=prefixed(digest_hex), limit=None):
        if f"store:{record.seq}" in known:
            continue
        full = store.get(record.seq)
        if full is not None and full.envelope is not None:
            found.append((f"store:{full.seq}", full.envelope))
    return found
