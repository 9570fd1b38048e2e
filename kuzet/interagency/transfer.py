"""An inbound transfer: a call another agency (112, say) hands to the police as an EIDO incident, read into
the appeal it becomes on channel `agency`. Pure.

The appeal takes the sender's words as they are: the notes are its text, the caller's name and call-back
number are the caller's, the incident place's address is the address. The whole document is kept beside the
appeal as received. Where a field the appeal needs came from is an EIDO path, so a refusal names it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from kuzet.appeals.domain import MAX_TEXT, AppealInput, Channel
from kuzet.appeals.phones import InvalidPhone, parse_phone
from kuzet.interagency.eido import EidoIncident, EidoLocation, EidoPerson
from kuzet.interagency.pidf_lo import CivicAddress

FALLBACK_CATEGORY: Final = "other"
LOCATION_KEYS: Final = ("locationComponent", "locationInformationComponent")


@dataclass(frozen=True)
class Transfer:
    """What the appeal is made of, and where in the document each of its fields came from."""

    data: AppealInput
    paths: Mapping[str, str]  # appeal field → EIDO path


def _caller(incident: EidoIncident) -> tuple[int, EidoPerson] | None:
    persons = list(enumerate(incident.persons))
    callers = [(i, p) for i, p in persons if any(r.lower() == "caller" for r in p.roles)]
    chosen = callers or persons
    return chosen[0] if chosen else None


def _place(incident: EidoIncident) -> tuple[int, EidoLocation] | None:
    places = list(enumerate(incident.locations))
    of_incident = [(i, loc) for i, loc in places if loc.kind.lower() == "incident"]
    chosen = of_incident or places
    return chosen[0] if chosen else None


def place_point(incident: EidoIncident) -> tuple[float, float] | None:
    """The point of the place the appeal takes (to find its district before the transaction)."""
    place = _place(incident)
    point = place[1].point if place is not None else None
    return None if point is None else (point.latitude, point.longitude)


def address_text(civic: CivicAddress | None, description: str | None) -> str | None:
    """The address as one line, in the sender's words."""
    parts: list[str] = []
    if civic is not None:
        street = " ".join(p for p in (civic.street, civic.house_number, civic.house_number_suffix) if p)
        parts = [
            p
            for p in (
                civic.city,
                civic.city_district,
                civic.neighbourhood,
                street,
                civic.unit,
                civic.landmark,
            )
            if p
        ]
    if description:
        parts.append(description)
    return ", ".join(parts) or None


def _phone(uris: tuple[str, ...]) -> str | None:
    """The first call-back number we read as a phone (a SIP address, say, stays in the document only)."""
    for uri in uris:
        number = uri.removeprefix("tel:").split(";", 1)[0]
        try:
            parse_phone(number)
        except InvalidPhone:
            continue
        return number
    return None


def location_key(document: Mapping[str, Any]) -> str:
    return next((k for k in LOCATION_KEYS if k in document), LOCATION_KEYS[0])


def transfer_of(
    incident: EidoIncident,
    document: Mapping[str, Any],
    *,
    known_category: Callable[[str], bool],
    received_at: datetime,
) -> Transfer:
    """The appeal a transferred incident becomes (the sending agency is its creator, not a partner, so no
    partner call-back ever fires for it). `known_category(code)` says whether a code is one of our
    active categories: the sender's internal code is taken when it is ours, else `other`."""
    paths: dict[str, str] = {"category_code": "$.incidentComponent", "text": "$.notesComponent"}
    kind = incident.incident_type
    category = kind.internal_code if kind is not None and kind.internal_code else None
    notes = [note.text.strip() for note in sorted(incident.notes, key=lambda n: n.at) if note.text.strip()]
    if not notes and kind is not None:
        notes = [kind.internal_text or kind.common]
    text = "\n".join(notes)[:MAX_TEXT]
    caller = _caller(incident)
    name = phone = None
    if caller is not None:
        index, person = caller
        paths["caller_name"] = paths["caller_phone"] = f"$.personComponent[{index}]"
        name, phone = person.name, _phone(person.contact_uris)
    lat = lon = accuracy = None
    address = None
    place = _place(incident)
    if place is not None:
        index, location = place
        path = f"$.{location_key(document)}[{index}]"
        paths.update(lat=path, lon=path, address=path, location=path)
        if location.point is not None:
            lat, lon, accuracy = location.point.latitude, location.point.longitude, location.point.radius_m
        address = address_text(location.civic, location.description)
    started = min((call.started_at for call in incident.calls), default=None)
    return Transfer(
        AppealInput(
            text=text,
            category_code=category if category and known_category(category) else FALLBACK_CATEGORY,
            received_at=received_at,
            channel=Channel.AGENCY,
            caller_phone=phone,
            caller_name=name,
            lat=lat,
            lon=lon,
            address=address,
            accuracy_m=accuracy,
            occurred_at=started if started is not None and started <= received_at else None,
        ),
        paths,
    )
