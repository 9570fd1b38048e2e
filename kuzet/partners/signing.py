"""The partner request signature (HMAC-SHA256), shared by the server and the client. Pure.

A request is signed over one canonical text:

    KUZET-HMAC-SHA256
    <METHOD>
    <path, with the query string if any>
    <timestamp: Unix seconds>
    <nonce>
    <lower-case hex SHA-256 of the body bytes>

and carries the headers below. `docs/partner-api.md` has a worked example.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

SCHEME: Final = "KUZET-HMAC-SHA256"
KEY_HEADER: Final = "X-Kuzet-Key"
TIMESTAMP_HEADER: Final = "X-Kuzet-Timestamp"
NONCE_HEADER: Final = "X-Kuzet-Nonce"
SIGNATURE_HEADER: Final = "X-Kuzet-Signature"
IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX: Final = 200  # characters (the column's width)
CLOCK_WINDOW_SECONDS: Final = 300
SIGNATURE_PREFIX: Final = "v1="
KEY_ID_PATTERN: Final = re.compile(r"[a-z0-9_\-]{3,60}")
_TIMESTAMP: Final = re.compile(r"[0-9]{1,12}")
_SIGNATURE: Final = re.compile(r"v1=[0-9a-f]{64}")


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    return "\n".join((SCHEME, method.upper(), path, timestamp, nonce, body_digest(body)))


def signature(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), canonical(method, path, timestamp, nonce, body).encode(), hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def signed_headers(
    *, key_id: str, secret: str, method: str, path: str, body: bytes, timestamp: int, nonce: str
) -> dict[str, str]:
    stamp = str(timestamp)
    return {
        KEY_HEADER: key_id,
        TIMESTAMP_HEADER: stamp,
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: signature(secret, method, path, stamp, nonce, body),
    }


@dataclass(frozen=True)
class SignedRequest:
    key_id: str
    timestamp: str
    nonce: str
    signature: str

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> SignedRequest | None:
        values = [headers.get(h) for h in (KEY_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER)]
        if not all(values):
            return None
        key_id, timestamp, nonce, sig = (str(v) for v in values)
        return cls(key_id, timestamp, nonce, sig)


class Refusal(StrEnum):
    """Why a signed request was refused (written to the audit log; the client gets one 401 for all)."""

    MISSING_HEADERS = "missing_headers"
    UNKNOWN_KEY = "unknown_key"
    DISABLED = "disabled"
    BAD_TIMESTAMP = "bad_timestamp"
    OUTSIDE_WINDOW = "outside_window"
    BAD_NONCE = "bad_nonce"
    BAD_SIGNATURE = "bad_signature"
    REPLAYED_NONCE = "replayed_nonce"


def check(
    request: SignedRequest, *, secret: str, method: str, path: str, body: bytes, now: float
) -> Refusal | None:
    """None when the signature is right and fresh; otherwise why not (nonce reuse is checked by the store)."""
    if not _TIMESTAMP.fullmatch(request.timestamp):
        return Refusal.BAD_TIMESTAMP
    if abs(now - int(request.timestamp)) > CLOCK_WINDOW_SECONDS:
        return Refusal.OUTSIDE_WINDOW
    if not (8 <= len(request.nonce) <= 64 and request.nonce.isascii() and request.nonce.isprintable()):
        return Refusal.BAD_NONCE
    expected = signature(secret, method, path, request.timestamp, request.nonce, body)
    if not _SIGNATURE.fullmatch(request.signature) or not hmac.compare_digest(expected, request.signature):
        return Refusal.BAD_SIGNATURE
    return None
