"""Personal data (IIN, phone, name): who may see it unmasked, how it is masked, and scrubbing for logs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Final
from urllib.parse import quote, unquote, unquote_plus


class PiiKind(StrEnum):
    NAME = "name"
    PHONE = "phone"
    IIN = "iin"


# Call-takers and supervisors work with the caller; dispatchers need a name and a number to call back;
# analysts work with figures only; administrators manage staff accounts, not citizens' identity numbers.
PII_VISIBLE_TO: Final[Mapping[str, frozenset[PiiKind]]] = {
    "call_taker": frozenset({PiiKind.NAME, PiiKind.PHONE, PiiKind.IIN}),
    "dispatcher": frozenset({PiiKind.NAME, PiiKind.PHONE}),
    "supervisor": frozenset({PiiKind.NAME, PiiKind.PHONE, PiiKind.IIN}),
    "analyst": frozenset(),
    "admin": frozenset({PiiKind.NAME, PiiKind.PHONE}),
}


def mask_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 4:
        return "***"
    return f"+{digits[0]} *** ***-**-{digits[-2:]}"


def mask_iin(iin: str) -> str:
    return "*" * 8 + iin[-4:] if len(iin) >= 4 else "****"


def mask_name(name: str) -> str:
    return " ".join(f"{part[0]}." for part in name.split() if part)


_MASKERS = {PiiKind.NAME: mask_name, PiiKind.PHONE: mask_phone, PiiKind.IIN: mask_iin}


def shown(value: str | None, kind: PiiKind, role: str | None) -> str | None:
    """The value as the given role may see it: whole, or masked."""
    if value is None:
        return None
    if role is not None and kind in PII_VISIBLE_TO.get(role, frozenset()):
        return value
    return _MASKERS[kind](value)


# For logs: anything that looks like a KZ phone number or a 12-digit IIN is masked wherever it appears.
_PHONE_RE = re.compile(r"(?<!\d)(?:\+7|8)(?:[\s\-()]*\d){10}(?!\d)")
_IIN_RE = re.compile(r"(?<!\d)\d{12}(?!\d)")
PII_FIELD_NAMES: Final = frozenset(
    {"full_name", "name", "phone", "iin", "caller_name", "caller_phone", "password"}
)


_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_MAX_DECODINGS = 3  # `%252B7…` is `%2B7…` encoded once more


def scrub(text: str) -> str:
    """Masks phone numbers and IINs in text, also percent-encoded ones, as in a URL (`/%2B7701…`)."""
    text = _scrub_plain(text)
    while "%" in text:
        revealed = _decoded_and_scrubbed(text)
        if revealed is None:
            break
        text = revealed
    return text


def _scrub_plain(text: str) -> str:
    text = _PHONE_RE.sub("[phone]", text)
    return _IIN_RE.sub("[iin]", text)


def _decoded_and_scrubbed(text: str) -> str | None:
    """The text percent-decoded and masked, if decoding it (up to three times, and with `+` read as a space as
    forms send it) shows personal data; None if it does not, and the text is then kept as it is."""
    for decode in (unquote, unquote_plus):
        decoded = text
        for _ in range(_MAX_DECODINGS):
            decoded = decode(decoded)
            scrubbed = _scrub_plain(decoded)
            if scrubbed != decoded:
                # A decoded line break or other control character must not forge a log line: keep it encoded.
                return _CONTROL_RE.sub(lambda c: quote(c.group()), scrubbed)
            if "%" not in decoded:
                break
    return None
