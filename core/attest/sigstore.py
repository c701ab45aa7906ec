"""Sigstore bundles (v0.3, ``application/vnd.dev.sigstore.bundle.v0.3+json``) around DSSE envelopes.

A Sigstore bundle is the container cosign v3, ``gh attestation`` and policy-controller exchange:
a DSSE envelope (``dsseEnvelope``) plus the material to verify it (``verificationMaterial``).
gatecheck writes and reads the key-based, offline form:

* ``verificationMaterial.publicKey.hint`` names the key (gatecheck writes its keyid, the sha256
  of the SPKI DER). Like a DSSE keyid, the hint is unauthenticated: every trusted key is tried.
* ``tlogEntries`` is empty and there is no ``timestampVerificationData``: nothing is uploaded to
  a transparency log and no timestamp authority is asked. What a log would add is in
  docs/attestations.md.

Reading is strict, the way protobuf's JSON parsers in Go (cosign, sigstore-go) are: unknown
fields, duplicate keys, a missing required field or more than one signature are MALFORMED,
so no two different texts read as the same bundle unless they differ only in an
unauthenticated hint. Bundles gatecheck cannot check offline by key get their own codes:
other bundle versions or a message signature instead of a DSSE envelope are
``BUNDLE_UNSUPPORTED``; certificate (keyless) material, which needs a Fulcio root and a log,
is ``KEYLESS_UNSUPPORTED``.

The envelope read out of a bundle is re-encoded as compact DSSE JSON
(:meth:`gatecheck.attest.dsse.Envelope.to_json`), the form a ``.intoto.jsonl`` line has: the same
signed envelope has the same digest whichever container carried it, so a verdict's
``inputAttestations`` resolve in either.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from gatecheck.attest.dsse import MALFORMED, Envelope, EnvelopeError, Signature, b64decode, strict_json

#: The media type gatecheck writes, and the only bundle version it reads.
MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
#: The older spelling of the same version, which the bundle spec also allows.
MEDIA_TYPE_PARAMETER = "application/vnd.dev.sigstore.bundle+json;version=0.3"
#: Reason code: a Sigstore bundle of another version, or one that signs a blob rather than a DSSE envelope.
BUNDLE_UNSUPPORTED = "BUNDLE_UNSUPPORTED"
#: Reason code: a bundle verified by a certificate (keyless signing), which needs Fulcio and a transparency log.
KEYLESS_UNSUPPORTED = "KEYLESS_UNSUPPORTED"

_ANY_BUNDLE = re.compile(r"application/vnd\.dev\.sigstore\.bundle(\.v[0-9.]+\+json|\+json;version=[0-9.]+)")
_TOP = {"mediaType", "verificationMaterial", "dsseEnvelope", "messageSignature"}
_MATERIAL = {"publicKey", "x509CertificateChain", "certificate", "tlogEntries", "timestampVerificationData"}
_ENVELOPE = {"payload", "payloadType", "signatures"}
_SIGNATURE = {"sig", "keyid"}
_TLOG_REQUIRED = ("logIndex", "logId", "kindVersion", "canonicalizedBody")


def looks_like_bundle(doc: Mapping[str, Any]) -> bool:
    """Whether a JSON object is meant as a Sigstore bundle (rather than a bare DSSE envelope)."""
    return "mediaType" in doc or "verificationMaterial" in doc or "dsseEnvelope" in doc or "messageSignature" in doc


def _object(value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise EnvelopeError(MALFORMED, f"Sigstore bundle: {where} is not an object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise EnvelopeError(MALFORMED, f"Sigstore bundle: {where} has unknown field {unknown[0]!r}")
    return value


def _string(doc: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = doc.get(key, None if required else "")
    if not isinstance(value, str) or (required and not value):
        raise EnvelopeError(MALFORMED, f"Sigstore bundle: {where}.{key} is missing or not a non-empty string")
    return value


def _bytes(doc: Mapping[str, Any], key: str, where: str) -> bytes:
    text = _string(doc, key, where)
    try:
        return b64decode(text)
    except EnvelopeError as exc:
        raise EnvelopeError(MALFORMED, f"Sigstore bundle: {where}.{key}: {exc.message}") from None


def _check_media_type(doc: Mapping[str, Any]) -> None:
    media_type = doc.get("mediaType")
    if not isinstance(media_type, str):
        raise EnvelopeError(MALFORMED, "Sigstore bundle: mediaType is missing or not a string")
    if media_type in (MEDIA_TYPE, MEDIA_TYPE_PARAMETER):
        return
    if _ANY_BUNDLE.fullmatch(media_type):
        raise EnvelopeError(BUNDLE_UNSUPPORTED, f"Sigstore bundle version {media_type!r} is not supported: "
                                                f"gatecheck reads {MEDIA_TYPE} (cosign v3 writes it)")
    raise EnvelopeError(MALFORMED, f"Sigstore bundle: mediaType {media_type!r} is not a Sigstore bundle media type")


def _check_material(material: dict[str, Any]) -> str:
    """The public key hint; raises for certificate material or a malformed log or timestamp section."""
    kinds = [k for k in ("publicKey", "x509CertificateChain", "certificate") if k in material]
    if len(kinds) != 1:
        raise EnvelopeError(MALFORMED, "Sigstore bundle: verificationMaterial needs exactly one of publicKey, "
                                       f"x509CertificateChain or certificate (found {len(kinds)})")
    if kinds[0] != "publicKey":
        raise EnvelopeError(KEYLESS_UNSUPPORTED, f"Sigstore bundle verified by a certificate ({kinds[0]}): keyless "
                                                 "signatures need a Fulcio trust root and a transparency log, which "
                                                 "gatecheck does not check; it trusts public keys only")
    hint = _string(_object(material["publicKey"], "verificationMaterial.publicKey", {"hint"}), "hint",
                   "verificationMaterial.publicKey", required=False)
    entries = material.get("tlogEntries", [])
    if not isinstance(entries, list):
        raise EnvelopeError(MALFORMED, "Sigstore bundle: verificationMaterial.tlogEntries is not a list")
    for i, entry in enumerate(entries):
        # Log entries are not used (no log is trusted), but a half-written one is still a damaged bundle.
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str | dict) for k in _TLOG_REQUIRED):
            raise EnvelopeError(MALFORMED, f"Sigstore bundle: verificationMaterial.tlogEntries[{i}] lacks "
                                           f"{', '.join(_TLOG_REQUIRED)}")
    if "timestampVerificationData" in material:
        data = _object(material["timestampVerificationData"], "verificationMaterial.timestampVerificationData",
                       {"rfc3161Timestamps"})
        stamps = data.get("rfc3161Timestamps", [])
        if not isinstance(stamps, list) or not all(
                isinstance(s, dict) and set(s) == {"signedTimestamp"} and isinstance(s["signedTimestamp"], str)
                for s in stamps):
            raise EnvelopeError(MALFORMED, "Sigstore bundle: rfc3161Timestamps is not a list of {signedTimestamp}")
    return hint


def read_bundle_doc(doc: Any) -> tuple[Envelope, str]:
    """The DSSE envelope a parsed Sigstore bundle carries, and its public key hint.

    Raises EnvelopeError with MALFORMED, BUNDLE_UNSUPPORTED or KEYLESS_UNSUPPORTED. The
    payload stays opaque bytes: nothing signed is read before the signature is checked.
    """
    top = _object(doc, "the bundle", _TOP)
    _check_media_type(top)
    if ("dsseEnvelope" in top) == ("messageSignature" in top):
        raise EnvelopeError(MALFORMED, "Sigstore bundle: needs exactly one of dsseEnvelope or messageSignature")
    if "messageSignature" in top:
        raise EnvelopeError(BUNDLE_UNSUPPORTED, "Sigstore bundle signs a blob (messageSignature), not an in-toto "
                                                "attestation in a DSSE envelope")
    if "verificationMaterial" not in top:
        raise EnvelopeError(MALFORMED, "Sigstore bundle: verificationMaterial is missing")
    hint = _check_material(_object(top["verificationMaterial"], "verificationMaterial", _MATERIAL))
    envelope = _object(top["dsseEnvelope"], "dsseEnvelope", _ENVELOPE)
    payload_type = _string(envelope, "payloadType", "dsseEnvelope")
    payload = _bytes(envelope, "payload", "dsseEnvelope")
    signatures = envelope.get("signatures")
    # The bundle spec (and every Sigstore verifier) takes exactly one signature: the one the
    # verification material names. Thresholds over several keys need the JSON Lines form.
    if not isinstance(signatures, list) or len(signatures) != 1:
        raise EnvelopeError(MALFORMED, "Sigstore bundle: dsseEnvelope.signatures must hold exactly one signature")
    entry = _object(signatures[0], "dsseEnvelope.signatures[0]", _SIGNATURE)
    sig = _bytes(entry, "sig", "dsseEnvelope.signatures[0]")
    keyid = _string(entry, "keyid", "dsseEnvelope.signatures[0]", required=False)
    return Envelope(payload_type, payload, (Signature(sig, keyid),)), hint


def read_bundle_bytes(raw: bytes) -> tuple[Envelope, str]:
    """:func:`read_bundle_doc` over JSON bytes (duplicate keys, NaN and non-UTF-8 are MALFORMED)."""
    return read_bundle_doc(strict_json(raw, "Sigstore bundle"))


def bundle_doc(envelope: Envelope, hint: str) -> dict[str, Any]:
    """The v0.3 bundle of a one-signature envelope, with public-key verification material named by ``hint``."""
    if len(envelope.signatures) != 1:
        raise ValueError("a Sigstore bundle carries exactly one signature")
    signature = envelope.signatures[0]
    sig_entry = {"keyid": signature.keyid, "sig": envelope.to_dict()["signatures"][0]["sig"]} if signature.keyid \
        else {"sig": envelope.to_dict()["signatures"][0]["sig"]}
    return {
        "mediaType": MEDIA_TYPE,
        "verificationMaterial": {"publicKey": {"hint": hint}, "tlogEntries": []},
        "dsseEnvelope": {
            "payload": envelope.to_dict()["payload"],
            "payloadType": envelope.payload_type,
            "signatures": [sig_entry],
        },
    }


def bundle_json(envelope: Envelope, hint: str) -> bytes:
    """The compact one-line JSON of :func:`bundle_doc` (a line of a ``.sigstore.jsonl`` file)."""
    return json.dumps(bundle_doc(envelope, hint), separators=(",", ":"), ensure_ascii=True).encode("ascii")
