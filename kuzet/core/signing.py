"""The request signature of Kuzet's machine clients (HMAC-SHA256): partner apps and agencies (101/103/104/112)
sign what they send us with it, and we sign what we send them. Shared by the servers and the clients. Pure.

A request is signed over one canonical text:

    KUZET-HMAC-SHA256
    <METHOD>
    <path, with the query string if any>
    <timestamp: Unix seconds>
    <nonce>
    <lower-case hex SHA-256 of the body bytes>

and carries the headers below. `docs/partner-api.md` has a worked example.

A key is rotated with a grace period: the new key is issued, and the old ones stay valid until the grace ends,
so that the other side switches without downtime.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from kuzet.core.actor import Actor, ActorKind

SCHEME: Final = "KUZET-HMAC-SHA256"
KEY_HEADER: Final = "X-Kuzet-Key"
TIMESTAMP_HEADER: Final = "X-Kuzet-Timestamp"
NONCE_HEADER: Final = "X-Kuzet-Nonce"
SIGNATURE_HEADER: Final = "X-Kuzet-Signature"
CLOCK_WINDOW_SECONDS: Final = 300
SIGNATURE_PREFIX: Final = "v1="
KEY_ID_PATTERN: Final = re.compile(r"[a-z0-9_\-]{3,60}")
_TIMESTAMP: Final = re.compile(r"[0-9]{1,12}")
_SIGNATURE: Final = re.compile(r"v1=[0-9a-f]{64}")


def new_secret() -> str:
    """A fresh shared secret (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def new_key_id(owner: str) -> str:
    """A fresh key id of the owner's (a partner's or an agency's code), matching KEY_ID_PATTERN."""
    return f"{owner}-{secrets.token_hex(6)}"


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


@dataclass(frozen=True)
class SignedCall:
    """A signed request as it came, before any check: what the signature covers, and from where."""

    signed: SignedRequest | None
    method: str
    path: str
    body: bytes
    source: str | None

    def unknown_caller(self) -> Actor:
        """Who to audit a refusal as when no partner or agency owns the key: the key id as sent (cut to the
        audit column's size, so a refusal is always recorded, never a 500), else anonymous."""
        key_id = self.signed.key_id if self.signed else None
        name = f"key:{key_id[:60]}" if key_id else "anonymous"
        return Actor(kind=ActorKind.ANONYMOUS, name=name, source=self.source)


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
