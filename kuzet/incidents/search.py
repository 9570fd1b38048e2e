"""Search over open and closed incidents: by number, caller's phone, address and text, with filters.

The criteria are checked here, every problem at once as a 422 naming its field; the statement is built in
`search_store.py`. A phone is looked for as appeals store it (E.164, `appeals/phones.py`), and only by roles
that may see callers' phones (`core/pii.py`).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from kuzet.appeals.phones import InvalidPhone, parse_phone
from kuzet.core.actor import Actor
from kuzet.core.audit.domain import Outcome
from kuzet.core.errors import FieldError, Forbidden, InvalidInput
from kuzet.core.i18n import N_
from kuzet.core.numbering import issued_with_sequence
from kuzet.core.pii import PII_VISIBLE_TO, PiiKind
from kuzet.core.uow import UnitOfWork
from kuzet.incidents.domain import Incident, IncidentStatus
from kuzet.incidents.search_store import Filters, Found, SearchRepository
from kuzet.incidents.store import CategoryRepository

MIN_TEXT: Final = 2
MAX_TEXT: Final = 200
MAX_LIMIT: Final = 200
RECENTLY_CLOSED: Final = 20

# 102-2026-000123 or INC-2026-000123 (any series), 2026-000123 (any series of that year), 000123 or 123.
_FULL_NUMBER = re.compile(r"^([A-Z0-9]{1,10})-(\d{4})-(\d{1,6})$")
_YEAR_NUMBER = re.compile(r"^(\d{4})-(\d{1,6})$")
_SEQUENCE = re.compile(r"^\d{1,6}$")


@dataclass(frozen=True)
class Criteria:
    """What the operator asked for, as typed; `check` turns it into filters or a 422."""

    text: str | None = None
    number: str | None = None
    phone: str | None = None
    address: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    district: str | None = None
    category: str | None = None
    statuses: tuple[IncidentStatus, ...] = ()
    limit: int = 50
    cursor: str | None = None


@dataclass(frozen=True)
class Hit:
    """One incident found, with what the card's list shows of its appeals."""

    incident: Incident
    appeals: int
    phones: tuple[str, ...] = ()
    appeal_numbers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Page:
    hits: list[Hit]
    next_cursor: str | None = None


class PhoneSearchRefused(Forbidden):
    """A role that may not see callers' phones may not find incidents by one either."""

    default_detail = N_("Your role may not search by a caller's phone.")

    def __init__(self) -> None:
        super().__init__(extra={"field": "phone"})


def may_see_phones(actor: Actor) -> bool:
    return actor.role is not None and PiiKind.PHONE in PII_VISIBLE_TO.get(actor.role, frozenset())


def _too_short_or_long(name: str, value: str) -> FieldError | None:
    if len(value) < MIN_TEXT:
        return FieldError(
            name,
            N_("Must be at least {min_length} characters long."),
            "string_too_short",
            "query",
            {"min_length": MIN_TEXT},
        )
    if len(value) > MAX_TEXT:
        return FieldError(
            name,
            N_("Must be at most {max_length} characters long."),
            "string_too_long",
            "query",
            {"max_length": MAX_TEXT},
        )
    return None


def numbers_meant(raw: str, issued: IssuedNumbers) -> list[str] | None:
    """The exact numbers a typed number may mean, or None if it cannot be one.

    A whole number is taken as it is (its sequence padded to six digits); `2026-000123` is that sequence
    in every series of that year, and `123` in every series and year: each looked up exactly."""
    text = raw.strip().upper().replace(" ", "")
    if m := _FULL_NUMBER.match(text):
        return [f"{m[1]}-{m[2]}-{int(m[3]):06d}"]
    if m := _YEAR_NUMBER.match(text):
        return issued(int(m[2]), int(m[1])) if int(m[2]) > 0 else []
    if _SEQUENCE.match(text):
        return issued(int(text), None) if int(text) > 0 else []
    return None


class IssuedNumbers:
    """The numbers issued with a sequence (and a year): `core/numbering.py`, in the search's transaction."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def __call__(self, sequence: int, year: int | None) -> list[str]:
        return issued_with_sequence(self.uow.session, sequence, year=year)


def encode_cursor(hit: Hit) -> str:
    raw = f"{hit.incident.stamps.received_at.isoformat()}|{hit.incident.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _, row = raw.partition("|")
        at = datetime.fromisoformat(moment)
        return (at, int(row)) if at.tzinfo is not None else None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def check(uow: UnitOfWork, criteria: Criteria, *, by: Actor) -> Filters:
    """The criteria as filters for the statement, or a 422 naming every bad field (inside the transaction:
    a partial number and a category are looked up)."""
    errors: list[FieldError] = []
    filters = Filters(limit=criteria.limit, statuses=tuple(s.value for s in criteria.statuses))
    for name, value in (("q", criteria.text), ("address", criteria.address)):
        if value is not None and (problem := _too_short_or_long(name, value.strip())):
            errors.append(problem)
    text = (criteria.text or "").strip() or None
    address = (criteria.address or "").strip() or None
    numbers = None
    if criteria.number is not None and criteria.number.strip():
        numbers = numbers_meant(criteria.number, IssuedNumbers(uow))
        if numbers is None:
            errors.append(
                FieldError(
                    "number",
                    N_("Not an incident or appeal number (such as 102-2026-000123)."),
                    "invalid_number",
                    "query",
                )
            )
    phone = None
    if criteria.phone is not None and criteria.phone.strip():
        try:
            phone = parse_phone(criteria.phone).e164
        except InvalidPhone as exc:
            errors.append(FieldError("phone", str(exc), "invalid_phone", "query"))
    if criteria.since and criteria.until and criteria.since > criteria.until:
        errors.append(
            FieldError("to", N_("The end of the period is before its start."), "before_start", "query")
        )
    district = criteria.district or None
    if district is not None and not by.in_scope(district):
        errors.append(FieldError("district", N_("Outside your district."), "out_of_scope", "query"))
    if criteria.category and uow.repo(CategoryRepository).find(criteria.category) is None:
        errors.append(FieldError("category", N_("Unknown category."), "unknown_category", "query"))
    after = None
    if criteria.cursor:
        after = decode_cursor(criteria.cursor)
        if after is None:
            errors.append(
                FieldError("cursor", N_("Not a cursor this search gave."), "invalid_cursor", "query")
            )
    if errors:
        raise InvalidInput(errors)
    return Filters(
        text=text,
        numbers=tuple(numbers) if numbers is not None else None,
        phone=phone,
        address=address,
        since=criteria.since,
        until=criteria.until,
        district=district,  # asked for, and checked to be in scope above
        districts=() if district is not None else by.districts,
        category=criteria.category or None,
        statuses=filters.statuses,
        limit=criteria.limit,
        after=after,
    )


def _hits(found: list[Found]) -> list[Hit]:
    return [Hit(f.incident, f.appeals, f.phones, f.appeal_numbers) for f in found]


def search(uow: UnitOfWork, criteria: Criteria, *, by: Actor) -> Page:
    """Incidents matching every criterion given, in the actor's scope, newest first; one page of them."""
    if criteria.phone and not may_see_phones(by):
        with uow:
            uow.audit(
                by,
                "access.refused",
                object_type="incident_search",
                outcome=Outcome.DENIED,
                detail={"reason": "phone_not_visible_to_role"},  # never the phone itself
            )
            uow.commit()
        raise PhoneSearchRefused()
    with uow:
        filters = check(uow, criteria, by=by)
        if filters.numbers == ():  # a sequence never issued: nothing can match
            return Page([])
        found = uow.repo(SearchRepository).search(filters)
    hits = _hits(found[: criteria.limit])
    more = len(found) > criteria.limit
    return Page(hits, encode_cursor(hits[-1]) if more and hits else None)


def recently_closed(uow: UnitOfWork, *, by: Actor, limit: int = RECENTLY_CLOSED) -> list[Hit]:
    """The incidents closed last in the actor's scope, the latest first."""
    with uow:
        return _hits(uow.repo(SearchRepository).recently_closed(districts=by.districts, limit=limit))


def in_scope_step(uow: UnitOfWork, ids: list[int], by: Actor) -> dict[int, Incident]:
    """Step: those of these incidents the actor may see, by id (another feature's list names them)."""
    return uow.repo(SearchRepository).incidents(ids, districts=by.districts) if ids else {}
