"""The agencies Kuzet hands incidents over to, and takes transfers from: fire 101, ambulance 103, gas 104, the
112 system and any other the region adds. Who they are, where their messages go, which formats they take,
how soon they must acknowledge, and the keys that sign the exchange both ways. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final
from urllib.parse import urlsplit

from kuzet.core.actor import Actor, ActorKind
from kuzet.core.errors import FieldError
from kuzet.core.i18n import N_
from kuzet.incidents import catalogue

CODE_PATTERN: Final = re.compile(r"[a-z][a-z0-9_]{1,29}")
NAME_LOCALES: Final = ("ru", "kk", "en")
NAME_MAX: Final = 120
ENDPOINT_MAX: Final = 500
PRIORITIES: Final = (1, 2, 3, 4)
ACK_DEADLINE_MAX_SECONDS: Final = 24 * 3600
# A direct line ("+7 7172 55 01 03") or a short service number ("103"): digits, spaces, brackets, hyphens.
PHONE_PATTERN: Final = re.compile(r"\+?[0-9][0-9 ()\-]{1,30}")
PHONE_DIGITS: Final = (2, 15)


class MessageFormat(StrEnum):
    """What an agency's system reads: a NENA EIDO incident, or Kuzet's own simple JSON profile (hand-overs);
    `cap`: it also takes our public alerts as OASIS CAP 1.2."""

    EIDO = "eido"
    KUZET = "kuzet"
    CAP = "cap"


# The formats a hand-over is written in: an agency taking neither (only `cap`) is sent no hand-over.
HANDOVER_FORMATS: Final = frozenset({MessageFormat.EIDO, MessageFormat.KUZET})


class KeyDirection(StrEnum):
    """Which way a key signs: ours signs what we send the agency; theirs signs what the agency sends us."""

    OUTBOUND = "outbound"
    INBOUND = "inbound"


DEFAULT_ACK_DEADLINES: Final[Mapping[int, int]] = {1: 60, 2: 120, 3: 300, 4: 600}

# The services the category catalogue names, with their names as the ЦОУ's staff say them.
KNOWN_AGENCIES: Final[Mapping[str, Mapping[str, str]]] = {
    catalogue.Agency.FIRE.value: {
        "ru": "Противопожарная служба 101",
        "kk": "Өрт сөндіру қызметі 101",
        "en": "Fire service 101",
    },
    catalogue.Agency.AMBULANCE.value: {
        "ru": "Скорая медицинская помощь 103",
        "kk": "Жедел медициналық жәрдем 103",
        "en": "Ambulance 103",
    },
    catalogue.Agency.GAS.value: {
        "ru": "Аварийная газовая служба 104",
        "kk": "Авариялық газ қызметі 104",
        "en": "Gas emergency service 104",
    },
    catalogue.Agency.EMERGENCY.value: {
        "ru": "Единая служба спасения 112",
        "kk": "Бірыңғай құтқару қызметі 112",
        "en": "Emergency service 112",
    },
}


@dataclass(frozen=True)
class Agency:
    code: str
    names: Mapping[str, str]
    endpoint_url: str
    formats: frozenset[MessageFormat]
    # Seconds within which the agency must acknowledge a hand-over, by the incident's priority.
    ack_deadlines: Mapping[int, int]
    contact_phone: str
    enabled: bool = True

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names["ru"]

    @property
    def takes_handovers(self) -> bool:
        """Whether hand-overs may go to it: it reads EIDO or Kuzet's own profile, not only CAP alerts."""
        return bool(self.formats & HANDOVER_FORMATS)

    def ack_deadline(self, priority: int) -> int:
        """Seconds to acknowledge a hand-over of this priority (the least urgent one's for an unknown one)."""
        return self.ack_deadlines.get(priority, self.ack_deadlines[max(self.ack_deadlines)])


@dataclass(frozen=True)
class AgencyKey:
    """One signing key. An outbound key signs from `use_from` (a rotation lets the agency install the new
    secret during the grace period); any key is valid until `expires_at`."""

    key_id: str
    agency_code: str
    direction: KeyDirection
    secret: str = field(repr=False)
    created_at: datetime
    use_from: datetime
    expires_at: datetime | None = None

    def valid_at(self, moment: datetime) -> bool:
        return self.expires_at is None or moment < self.expires_at


@dataclass(frozen=True)
class KeyInfo:
    """What may be shown of a key: never its secret."""

    key_id: str
    direction: KeyDirection
    created_at: datetime
    use_from: datetime
    expires_at: datetime | None


def signing_key(keys: list[AgencyKey], at: datetime) -> AgencyKey | None:
    """The outbound key that signs at `at`: the valid one in use most recently."""
    usable = [k for k in keys if k.direction is KeyDirection.OUTBOUND and k.valid_at(at) and k.use_from <= at]
    return max(usable, key=lambda k: (k.use_from, k.created_at), default=None)


def agency_actor(agency: Agency, source: str | None = None) -> Actor:
    return Actor(kind=ActorKind.AGENCY, name=f"agency:{agency.code}", role="agency", source=source)


def _problem(name: str, reason: str, code: str, **params: object) -> FieldError:
    return FieldError(name, reason, code, params=params)


def check_code(code: str) -> list[FieldError]:
    if CODE_PATTERN.fullmatch(code):
        return []
    return [_problem("code", N_("Does not match the expected format."), "pattern")]


def check_names(names: Mapping[str, str]) -> list[FieldError]:
    problems = []
    for locale in NAME_LOCALES:
        text = (names.get(locale) or "").strip()
        if not text:
            problems.append(_problem(f"names.{locale}", N_("This field is required."), "missing"))
        elif len(text) > NAME_MAX:
            problems.append(
                _problem(
                    f"names.{locale}",
                    N_("Must be at most {max_length} characters long."),
                    "too_long",
                    max_length=NAME_MAX,
                )
            )
    problems += [
        _problem(f"names.{extra}", N_("This field is not allowed."), "extra_forbidden")
        for extra in sorted(set(names) - set(NAME_LOCALES))
    ]
    return problems


def check_endpoint(url: str) -> list[FieldError]:
    parts = urlsplit(url)
    if len(url) > ENDPOINT_MAX or parts.scheme not in ("http", "https") or not parts.hostname:
        return [_problem("endpoint_url", N_("Must be an http or https address."), "url")]
    if parts.username or parts.password:
        # Credentials in an address end up in logs and screens; the exchange is signed instead.
        return [_problem("endpoint_url", N_("The address must not hold a user name or password."), "url")]
    return []


def check_formats(formats: frozenset[MessageFormat]) -> list[FieldError]:
    return [] if formats else [_problem("formats", N_("Choose at least one format."), "missing")]


def check_ack_deadlines(deadlines: Mapping[int, int]) -> list[FieldError]:
    problems = []
    for priority in PRIORITIES:
        seconds = deadlines.get(priority)
        where = f"ack_deadlines.{priority}"
        if seconds is None:
            problems.append(_problem(where, N_("This field is required."), "missing"))
        elif seconds < 1:
            problems.append(_problem(where, N_("Must be at least {ge}."), "greater_than_equal", ge=1))
        elif seconds > ACK_DEADLINE_MAX_SECONDS:
            problems.append(
                _problem(where, N_("Must be at most {le}."), "less_than_equal", le=ACK_DEADLINE_MAX_SECONDS)
            )
    problems += [
        _problem(f"ack_deadlines.{extra}", N_("Priorities are 1 to 4."), "priority")
        for extra in sorted(set(deadlines) - set(PRIORITIES))
    ]
    return problems


def check_phone(phone: str) -> list[FieldError]:
    digits = sum(c.isdigit() for c in phone)
    low, high = PHONE_DIGITS
    if PHONE_PATTERN.fullmatch(phone) and low <= digits <= high:
        return []
    return [_problem("contact_phone", N_("Must be a phone number or a short service number."), "phone")]


def check_agency(agency: Agency) -> list[FieldError]:
    """Everything wrong with the agency's record, field by field (empty when it can be kept)."""
    return (
        check_code(agency.code)
        + check_names(agency.names)
        + check_endpoint(agency.endpoint_url)
        + check_formats(agency.formats)
        + check_ack_deadlines(agency.ack_deadlines)
        + check_phone(agency.contact_phone)
    )
