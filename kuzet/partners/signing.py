"""The partner gateway's request signature: the shared HMAC scheme of `kuzet.core.signing`, and the
partner-only idempotency header. Pure."""

from __future__ import annotations

from typing import Final

from kuzet.core.signing import (
    CLOCK_WINDOW_SECONDS,
    KEY_HEADER,
    KEY_ID_PATTERN,
    NONCE_HEADER,
    SCHEME,
    SIGNATURE_HEADER,
    SIGNATURE_PREFIX,
    TIMESTAMP_HEADER,
    Refusal,
    SignedRequest,
    body_digest,
    canonical,
    check,
    new_key_id,
    new_secret,
    signature,
    signed_headers,
)

__all__ = [
    "CLOCK_WINDOW_SECONDS",
    "IDEMPOTENCY_HEADER",
    "IDEMPOTENCY_KEY_MAX",
    "KEY_HEADER",
    "KEY_ID_PATTERN",
    "NONCE_HEADER",
    "SCHEME",
    "SIGNATURE_HEADER",
    "SIGNATURE_PREFIX",
    "TIMESTAMP_HEADER",
    "Refusal",
    "SignedRequest",
    "body_digest",
    "canonical",
    "check",
    "new_key_id",
    "new_secret",
    "signature",
    "signed_headers",
]

IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX: Final = 200  # characters (the column's width)
