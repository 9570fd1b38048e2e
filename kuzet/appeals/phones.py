"""Caller phone numbers: normalised to E.164 for Kazakhstan, told apart as mobile or landline. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from phonenumbers import PhoneNumberType

from kuzet.core.i18n import N_


class PhoneKind(StrEnum):
    MOBILE = "mobile"
    LANDLINE = "landline"
    OTHER = "other"


@dataclass(frozen=True)
class CallerPhone:
    e164: str
    kind: PhoneKind
    country: str
    # A landline's area code names its locality (7232 → Ust-Kamenogorsk): a first hint of the caller's place.
    locality: dict[str, str] | None


# Kazakh names of localities that libphonenumber names only in Russian (place names are facts).
_KAZAKH_NAMES = {
    "Усть-Каменогорск": "Өскемен",
    "Семей": "Семей",
    "Караганда": "Қарағанды",
    "Актобе": "Ақтөбе",
    "Кызылорда": "Қызылорда",
    "Костанай": "Қостанай",
    "Уральск": "Орал",
    "Петропавловск": "Петропавл",
    "Актау": "Ақтау",
    "Кокшетау": "Көкшетау",
    "Талдыкорган": "Талдықорған",
    "Туркестан": "Түркістан",
    "Жезказган": "Жезқазған",
    "Экибастуз": "Екібастұз",
    "Риддер": "Риддер",
}


class InvalidPhone(ValueError):
    """The reason is a message id."""


_KINDS = {
    PhoneNumberType.MOBILE: PhoneKind.MOBILE,
    PhoneNumberType.FIXED_LINE: PhoneKind.LANDLINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: PhoneKind.OTHER,
}


def parse_phone(raw: str) -> CallerPhone:
    """Accept +7…, 8… and 7… forms of Kazakh numbers (and valid foreign numbers in + form)."""
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, "KZ")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(N_("Not a phone number.")) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(N_("Not a valid phone number for Kazakhstan or another country."))
    kind = _KINDS.get(phonenumbers.number_type(number), PhoneKind.OTHER)
    region = phonenumbers.region_code_for_number(number) or "ZZ"
    locality = None
    if kind is PhoneKind.LANDLINE:
        # The geocoder's place names are 100 MB and 0.3 s of imports: loaded by the first landline only.
        from phonenumbers import geocoder

        names = {lang: geocoder.description_for_number(number, lang) for lang in ("ru", "en")}
        if all(names.values()):
            locality = {
                "ru": names["ru"],
                "kk": _KAZAKH_NAMES.get(names["ru"], names["ru"]),
                "en": names["en"],
            }
    return CallerPhone(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        kind=kind,
        country=region,
        locality=locality,
    )
