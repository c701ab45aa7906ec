"""DSSE (Dead Simple Signing Envelope) v1: the envelope, its pre-authentication encoding, signing and checking.

The rules this module holds to, from the DSSE protocol:

* The signature covers ``PAE(payloadType, payload) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body``
  over the *decoded* payload bytes, so nothing is ever canonicalised or re-serialised.
* ``payload`` and ``sig`` may use the standard or the URL-safe base64 alphabet, with padding;
  anything else (mixed alphabets, missing padding, stray characters, non-zero trailing bits
  that would let two strings decode to the same bytes) is malformed.
* ``keyid`` is an unauthenticated hint: it only decides which trusted key is tried first.
  Every trusted key is tried, and a threshold counts *distinct* trusted keys.
* Unknown fields are ignored; duplicate JSON keys are rejected (two parsers could otherwise
  disagree on which value counts).
* The payload is never parsed here: callers parse it only after :func:`check_signatures`
  accepted the envelope, and they parse exactly the bytes that were verified.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from gatecheck import limits
from gatecheck.attest.keys import PublicKey

#: Reason codes this module can give (see :mod:`gatecheck.attest.verify` for the full list).
MALFORMED = "MALFORMED"
SIGNATURE_INVALID = "SIGNATURE_INVALID"
UNTRUSTED_KEY = "UNTRUSTED_KEY"
THRESHOLD_NOT_MET = "THRESHOLD_NOT_MET"


class EnvelopeError(ValueError):
    """An envelope (or a JSON document inside one) that cannot be accepted, with its reason code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def b64decode(text: str) -> bytes:
    """Decode padded standard or URL-safe base64, rejecting every non-canonical form."""
    # Characters outside the alphabet are refused by the strict decode below (validate=True).
    standard = "+" in text or "/" in text
    urlsafe = "-" in text or "_" in text
    if standard and urlsafe:
        raise EnvelopeError(MALFORMED, "base64 mixes the standard and URL-safe alphabets")
    body = text.rstrip("=")
    # Padding is required (as in the Go and Python DSSE implementations): were it optional,
    # dropping it would be a change to the envelope that still verifies.
    if len(text) % 4 or len(text) - len(body) != -len(body) % 4:
        raise EnvelopeError(MALFORMED, "base64 has a wrong length or padding")
    try:
        data = base64.b64decode(text, altchars=b"-_" if urlsafe else None, validate=True)
    except ValueError as exc:  # binascii.Error, or a character that is not even ASCII
        raise EnvelopeError(MALFORMED, f"not base64: {exc}") from None
    # Unused low bits in the last character must be zero: otherwise several strings decode
    # to the same bytes and a changed envelope could still verify.
    again = base64.urlsafe_b64encode(data) if urlsafe else base64.b64encode(data)
    if again.rstrip(b"=") != body.encode("ascii"):
        raise EnvelopeError(MALFORMED, "base64 is not in canonical form (non-zero trailing bits)")
    return data


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise EnvelopeError(MALFORMED, f"duplicate JSON key {key!r}")
            seen.add(key)
    return obj


def _reject_constant(name: str) -> Any:
    raise EnvelopeError(MALFORMED, f"{name} is not JSON")


_STRICT_DECODER = json.JSONDecoder(object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)


def strict_json(data: bytes, what: str) -> Any:
    """Parse UTF-8 JSON bytes, rejecting duplicate keys, NaN/Infinity, other encodings and trailing data."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EnvelopeError(MALFORMED, f"{what} is not UTF-8: {exc.reason} at byte {exc.start}") from None
    try:
        return _STRICT_DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise EnvelopeError(MALFORMED, f"{what} is not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})"
                            ) from None
    except RecursionError:
        raise EnvelopeError(MALFORMED, f"{what} nests too deeply") from None
    except ValueError as exc:  # for example an integer over Python's digit limit
        raise EnvelopeError(MALFORMED, f"{what} is not acceptable JSON: {exc}") from None


def pae(payload_type: str, payload: bytes) -> bytes:
    """The DSSE v1 pre-authentication encoding: the exact bytes a signature covers."""
    type_bytes = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(type_bytes), type_bytes, len(payload), payload)


@dataclass(frozen=True)
class Signature:
    """One signature of an envelope; ``keyid`` is a hint ("" when absent)."""

    sig: bytes
    keyid: str = ""


@dataclass(frozen=True)
class Envelope:
    """A DSSE envelope with its payload decoded to the bytes that were signed."""

    payload_type: str
    payload: bytes
    signatures: tuple[Signature, ...]

    def pae(self) -> bytes:
        return pae(self.payload_type, self.payload)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, standard base64, keyids included when known."""
        sigs: list[dict[str, str]] = []
        for s in self.signatures:
            entry = {"keyid": s.keyid} if s.keyid else {}
            entry["sig"] = base64.b64encode(s.sig).decode("ascii")
            sigs.append(entry)
        return {
            "payload": base64.b64encode(self.payload).decode("ascii"),
            "payloadType": self.payload_type,
            "signatures": sigs,
        }

    def to_json(self) -> bytes:
        """Compact one-line JSON: the bytes that go on a bundle line and that input digests cover."""
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=True).encode("ascii")


def parse_envelope(raw: bytes) -> Envelope:
    """Parse envelope JSON bytes into an :class:`Envelope`; raise EnvelopeError(MALFORMED) otherwise.

    Only the envelope's own structure is read; the payload stays opaque bytes.
    """
    return envelope_from_doc(strict_json(raw, "envelope"))


def envelope_from_doc(doc: Any) -> Envelope:
    """:func:`parse_envelope` for JSON already parsed strictly (:func:`strict_json`)."""
    if not isinstance(doc, dict):
        raise EnvelopeError(MALFORMED, "envelope is not a JSON object")
    payload_type = doc.get("payloadType")
    payload = doc.get("payload")
    signatures = doc.get("signatures")
    if not isinstance(payload_type, str):
        raise EnvelopeError(MALFORMED, "envelope has no string 'payloadType'")
    try:
        payload_type.encode("utf-8")
    except UnicodeEncodeError:
        raise EnvelopeError(MALFORMED, "'payloadType' is not valid Unicode") from None
    if not isinstance(payload, str):
        raise EnvelopeError(MALFORMED, "envelope has no string 'payload'")
    if not isinstance(signatures, list):
        raise EnvelopeError(MALFORMED, "envelope has no 'signatures' list")
    most = limits.current().max_signatures
    if len(signatures) > most:
        # Each signature costs a verification per trusted key: 150,000 bogus ones are a denial of service.
        raise EnvelopeError(MALFORMED, f"envelope has {len(signatures)} signatures, more than the {most} allowed "
                                       f"(max_signatures in {limits.LIMITS_ENV})")
    parsed: list[Signature] = []
    for i, entry in enumerate(signatures):
        if not isinstance(entry, dict):
            raise EnvelopeError(MALFORMED, f"signatures[{i}] is not an object")
        sig = entry.get("sig")
        keyid = entry.get("keyid", "")
        if not isinstance(sig, str):
            raise EnvelopeError(MALFORMED, f"signatures[{i}] has no string 'sig'")
        if not isinstance(keyid, str):
            raise EnvelopeError(MALFORMED, f"signatures[{i}].keyid is not a string")
        try:
            parsed.append(Signature(b64decode(sig), keyid))
        except EnvelopeError as exc:
            raise EnvelopeError(MALFORMED, f"signatures[{i}].sig: {exc.message}") from None
    try:
        body = b64decode(payload)
    except EnvelopeError as exc:
        raise EnvelopeError(MALFORMED, f"payload: {exc.message}") from None
    return Envelope(payload_type, body, tuple(parsed))


class SigningKey(Protocol):
    """Anything that can sign PAE bytes: a key in memory, a KMS, a Vault transit key."""

    @property
    def keyid(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...


def sign(payload_type: str, payload: bytes, signers: Iterable[SigningKey]) -> Envelope:
    """Sign ``payload`` with every signer and return the envelope."""
    message = pae(payload_type, payload)
    signatures = tuple(Signature(s.sign(message), s.keyid) for s in signers)
    if not signatures:
        raise ValueError("an envelope needs at least one signer")
    return Envelope(payload_type, payload, signatures)


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome of checking an envelope's signatures against trusted keys."""

    accepted: frozenset[str]
    threshold: int
    code: str | None
    message: str

    @property
    def ok(self) -> bool:
        return self.code is None


def check_signatures(envelope: Envelope, keys: Sequence[PublicKey], threshold: int = 1) -> SignatureCheck:
    """Count the distinct trusted keys with a valid signature; accept at ``threshold`` or more.

    The keyid only orders the keys tried, and only picks the reason code of a failure:
    a signature whose keyid names a trusted key but does not verify is SIGNATURE_INVALID,
    one whose keyid names no trusted key is UNTRUSTED_KEY.
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    message = envelope.pae()
    trusted = {k.keyid for k in keys}
    accepted: set[str] = set()
    invalid = untrusted = 0
    for signature in envelope.signatures:
        ordered = keys if len(keys) == 1 else sorted(keys, key=lambda k: k.keyid != signature.keyid)
        for key in ordered:
            if key.verify(signature.sig, message):
                accepted.add(key.keyid)
                break
        else:
            if signature.keyid and signature.keyid not in trusted:
                untrusted += 1
            else:
                invalid += 1
        if len(accepted) >= threshold:
            return SignatureCheck(frozenset(accepted), threshold, None,
                                  f"signed by {len(accepted)} trusted key(s), threshold {threshold}")
    if not envelope.signatures:
        return SignatureCheck(frozenset(), threshold, SIGNATURE_INVALID, "the envelope carries no signature")
    if accepted:
        return SignatureCheck(frozenset(accepted), threshold, THRESHOLD_NOT_MET,
                              f"only {len(accepted)} distinct trusted key(s) signed; the threshold is {threshold}")
    if invalid:
        return SignatureCheck(frozenset(), threshold, SIGNATURE_INVALID,
                              f"{invalid} signature(s) do not verify with any trusted key")
    return SignatureCheck(frozenset(), threshold, UNTRUSTED_KEY,
                          f"signed only by key(s) not among the {len(trusted)} trusted key(s)")
