"""The watch list of vehicle plates (wanted, stolen …): plates as one spelling, entries with a reason and an
expiry, and what a plate read by a camera matches. Pure.

A plate is personal data: it is never written to a log, and an audit row names it masked (`mask_plate`).

Plates are compared in one spelling: Latin capitals and digits, with spaces and dashes dropped, and the
Cyrillic letters that look like Latin ones (А В Е К М Н О Р С Т Х У) read as those Latin letters, as a plate
reader or an officer may type either. Kazakh plates read so: `123 ABC 02`, `123ABC02`, `A 123 BCD`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from kuzet.core.errors import FieldError
from kuzet.core.i18n import N_

PLATE_MIN: Final = 4
PLATE_MAX: Final = 10
REASON_MAX: Final = 500
# Cyrillic capitals that a plate shares with Latin ones (the plate alphabet of GOST and of Kazakhstan).
CYRILLIC_LOOKALIKES: Final = str.maketrans("АВЕКМНОРСТХУ", "ABEKMHOPCTXY")
_DROPPED: Final = re.compile(r"[\s\-\u2010-\u2015]+")
_PLATE: Final = re.compile(r"[A-Z0-9]+")

PLATE_CHARACTERS = N_(
    "A plate has Latin letters and digits only (Cyrillic letters that look like Latin ones are read as "
    "Latin); this one has {characters}."
)
PLATE_LENGTH = N_("A plate has {min_length} to {max_length} letters and digits.")
PLATE_DIGITS = N_("A plate has at least one digit.")
REQUIRED = N_("This field is required.")


class PlateError(ValueError):
    def __init__(self, error: FieldError) -> None:
        super().__init__(error.code)
        self.error = error


def normalise_plate(raw: str, *, field: str = "plate") -> str:
    """The plate in the one spelling it is compared in; PlateError names the field and the reason."""
    plate = _DROPPED.sub("", raw).upper().translate(CYRILLIC_LOOKALIKES)
    if not plate:
        raise PlateError(FieldError(field, REQUIRED, "missing"))
    odd = sorted({c for c in plate if not _PLATE.fullmatch(c)})
    if odd:
        shown = " ".join(c if c.isprintable() else f"U+{ord(c):04X}" for c in odd)
        raise PlateError(
            FieldError(field, PLATE_CHARACTERS, "plate_characters", params={"characters": shown})
        )
    if not PLATE_MIN <= len(plate) <= PLATE_MAX:
        raise PlateError(
            FieldError(
                field,
                PLATE_LENGTH,
                "plate_length",
                params={"min_length": PLATE_MIN, "max_length": PLATE_MAX},
            )
        )
    if not any(c.isdigit() for c in plate):
        raise PlateError(FieldError(field, PLATE_DIGITS, "plate_digits"))
    return plate


def mask_plate(plate: str) -> str:
    """The plate as an audit row or a message may name it: its first and last two signs only."""
    if len(plate) <= 4:
        return "*" * len(plate)
    return plate[:2] + "*" * (len(plate) - 4) + plate[-2:]


@dataclass(frozen=True)
class WatchEntry:
    id: int
    plate: str  # normalised
    reason: str
    expires_at: datetime
    added_by: str
    added_at: datetime
    updated_at: datetime

    def active_at(self, moment: datetime) -> bool:
        return moment < self.expires_at


def entry_problems(*, reason: str, expires_at: datetime, now: datetime) -> list[FieldError]:
    """What is wrong with an entry's reason and expiry (the plate is checked by `normalise_plate`)."""
    problems: list[FieldError] = []
    if not reason.strip():
        problems.append(FieldError("reason", REQUIRED, "missing"))
    elif len(reason) > REASON_MAX:
        problems.append(
            FieldError(
                "reason",
                N_("Must be at most {max_length} characters long."),
                "string_too_long",
                params={"max_length": REASON_MAX},
            )
        )
    if expires_at.tzinfo is None:
        problems.append(FieldError("expires_at", N_("Must include a time zone."), "timezone_aware"))
    elif expires_at <= now:
        problems.append(FieldError("expires_at", N_("The expiry must be in the future."), "past"))
    return problems
