"""What a hand-over sends the agency: an EIDO incident (for agencies taking `eido`) or Kuzet's simple JSON
profile. No caller's personal data is sent: the place, the category, the priority, the injured count and the
notes. Every message carries the whole incident as it is now: the request, each update of the same shared
incident (same tracking id, a new `lastUpdateTimeStamp`) and our cancellation (the shared incident's status
`cancelled` and the reason as a note); the Kuzet profile says which in `kind`.

The EIDO incident type: NENA's Incident Type registry is not carried with Kuzet, so the common text is our
category's group (`violence`, `hazard`, …) and our category travels as the internal code and name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from kuzet.incidents.catalogue import Category
from kuzet.incidents.domain import Incident
from kuzet.interagency.domain import Agency, MessageFormat
from kuzet.interagency.eido import (
    EidoAgency,
    EidoIncident,
    EidoIncidentType,
    EidoLocation,
    EidoNote,
)
from kuzet.interagency.eido_json import to_eido
from kuzet.interagency.handover import Handover
from kuzet.interagency.pidf_lo import CivicAddress, GeoPoint

OUR_AGENCY: Final = "kuzet.police"
ISSUER: Final = "kuzet"
PROFILE: Final = "kuzet.handover/1"
DESTINATION: Final = "agency"
# The state of the shared incident a cancel message gives, in the document's own words.
CANCELLED: Final = "cancelled"


class MessageKind(StrEnum):
    """What a message of the shared incident is: the first request (or its one re-send), an update of the
    incident while the agency works it, or our cancellation."""

    REQUEST = "request"
    UPDATE = "update"
    CANCEL = "cancel"

    @property
    def outbox_kind(self) -> str:
        return f"handover.{self.value}"


@dataclass(frozen=True)
class IncidentNote:
    """A note an operator wrote on the incident's timeline (its entry id keeps the EIDO note id stable)."""

    id: int
    text: str
    at: datetime


@dataclass(frozen=True)
class Message:
    """One message of a hand-over: the incident as it is now, and what kind of message it is."""

    kind: MessageKind
    incident: Incident
    category: Category
    handover: Handover
    at: datetime
    notes: tuple[IncidentNote, ...] = ()
    reason: str | None = None  # why we cancel (a cancel message only)


def message_format(agency: Agency) -> MessageFormat:
    return MessageFormat.EIDO if MessageFormat.EIDO in agency.formats else MessageFormat.KUZET


def tracking_id(handover: Handover) -> str:
    return f"urn:emergency:uid:incidentid:{handover.ref}:{OUR_AGENCY}"


def injured_text(injured: int) -> str:
    """The injured count as an EIDO note (the EIDO has no field for it); Russian, as our category's name."""
    return f"Пострадавших: {injured}"


def _eido_notes(message: Message, tracking: str) -> tuple[EidoNote, ...]:
    handover, incident = message.handover, message.incident
    # The first notes keep the numbering of the request, so an update carries the same note ids.
    notes = [
        EidoNote(id=f"{tracking}:note:{n}", text=text, at=handover.requested_at)
        for n, text in enumerate(t for t in (incident.description, handover.note) if t)
    ]
    notes += [EidoNote(id=f"{tracking}:note:entry-{n.id}", text=n.text, at=n.at) for n in message.notes]
    if incident.injured is not None:
        notes.append(
            EidoNote(id=f"{tracking}:note:injured", text=injured_text(incident.injured), at=message.at)
        )
    if message.kind is MessageKind.CANCEL and message.reason:
        notes.append(EidoNote(id=f"{tracking}:note:cancel", text=message.reason, at=message.at))
    return tuple(notes)


def _eido(agency: Agency, message: Message) -> Any:
    incident, category, handover = message.incident, message.category, message.handover
    tracking = tracking_id(handover)
    locations: tuple[EidoLocation, ...] = ()
    if (incident.lat is not None and incident.lon is not None) or incident.address:
        point = (
            GeoPoint(incident.lat, incident.lon)
            if incident.lat is not None and incident.lon is not None
            else None
        )
        civic = CivicAddress(location_info=incident.address) if incident.address else None
        locations = (
            EidoLocation(id=f"{tracking}:location:incident", kind="Incident", civic=civic, point=point),
        )
    status = CANCELLED if message.kind is MessageKind.CANCEL else incident.status.value
    return to_eido(
        EidoIncident(
            tracking_id=tracking,
            updated_at=message.at,
            updated_by_agency=OUR_AGENCY,
            issuing_element=ISSUER,
            internal_id=incident.number,
            incident_type=EidoIncidentType(
                common=category.group.value, internal_code=category.code, internal_text=category.names["ru"]
            ),
            status_internal=(status,),
            priority_text=f"P{incident.priority}",
            priority_number=incident.priority,
            agencies=(
                EidoAgency(id=OUR_AGENCY, types=("police",), roles=("Dispatch",), owns_incident=True),
                EidoAgency(id=agency.code, types=(), roles=("Responding",), owns_incident=False),
            ),
            locations=locations,
            notes=_eido_notes(message, tracking),
        )
    )


def _kuzet(message: Message) -> dict[str, Any]:
    incident, category, handover = message.incident, message.category, message.handover
    body: dict[str, Any] = {
        "profile": PROFILE,
        "kind": message.kind.value,
        "ref": handover.ref,
        "incident": {
            "number": incident.number,
            "category": category.code,
            "category_names": dict(category.names),
            "priority": incident.priority,
            "status": incident.status.value,
            "address": incident.address,
            "lat": incident.lat,
            "lon": incident.lon,
            "description": incident.description,
            "injured": incident.injured,
        },
        "note": handover.note,
        "notes": [{"text": n.text, "at": n.at.isoformat()} for n in message.notes],
        "requested_at": handover.requested_at.isoformat(),
        "ack_due_at": handover.ack_due_at.isoformat(),
        "sent_at": message.at.isoformat(),
    }
    if message.kind is MessageKind.CANCEL:
        body["reason"] = message.reason
    return body


def payload(agency: Agency, message: Message) -> dict[str, Any]:
    """The outbox payload: the document the agency gets, and what the sender needs to send it."""
    fmt = message_format(agency)
    document = _eido(agency, message) if fmt is MessageFormat.EIDO else _kuzet(message)
    return {
        "type": message.kind.outbox_kind,
        "kind": message.kind.value,
        "ref": message.handover.ref,
        "format": fmt.value,
        "document": document,
    }
