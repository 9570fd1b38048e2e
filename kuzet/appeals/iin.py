"""The Kazakh individual identification number (ИИН / ЖСН): 12 digits with a check digit. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from kuzet.core.i18n import N_

_FIRST_WEIGHTS: Final = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_SECOND_WEIGHTS: Final = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# The 7th digit: century of birth and sex (odd = male, even = female).
_CENTURY: Final = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


@dataclass(frozen=True)
class Iin:
    value: str
    born_on: date
    sex: Sex


class InvalidIin(ValueError):
    """The reason is a message id, shown to the call-taker in their language."""


def check_digit(first_eleven: str) -> int | None:
    """The check digit of 11 digits, or None when both weighting passes give 10 (no such IIN is issued)."""
    digits = [int(c) for c in first_eleven]
    total = sum(d * w for d, w in zip(digits, _FIRST_WEIGHTS, strict=True)) % 11
    if total == 10:
        total = sum(d * w for d, w in zip(digits, _SECOND_WEIGHTS, strict=True)) % 11
    return None if total == 10 else total


def parse_iin(raw: str, *, today: date) -> Iin:
    value = raw.strip().replace(" ", "")
    if len(value) != 12 or not value.isdigit():
        raise InvalidIin(N_("An IIN has exactly 12 digits."))
    century_digit = int(value[6])
    if century_digit not in _CENTURY:
        raise InvalidIin(N_("The 7th digit of the IIN (century and sex) must be 1 to 6."))
    try:
        born_on = date(_CENTURY[century_digit] + int(value[0:2]), int(value[2:4]), int(value[4:6]))
    except ValueError as exc:
        raise InvalidIin(N_("The first six digits of the IIN are not a valid date of birth.")) from exc
    if born_on > today:
        raise InvalidIin(N_("The date of birth in the IIN is in the future."))
    if check_digit(value[:11]) != int(value[11]):
        raise InvalidIin(N_("The IIN check digit is wrong."))
    return Iin(value, born_on, Sex.MALE if century_digit % 2 else Sex.FEMALE)
