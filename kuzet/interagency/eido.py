"""The part of a NENA EIDO (Emergency Incident Data Object) that Kuzet exchanges with 101, 103, 104 and 112.

An EIDO is one incident as a set of data components that refer to each other by `$id`. This model keeps the
components a hand-over needs: the incident (type, status, priority, our number), its places, the people
(a caller's name and call-back numbers), the calls, notes, the agencies and their agents, the responding units
and the dispatches. Plain frozen data, pure; `eido_json.py` writes the JSON form and `eido_read.py` reads it.

What "the fields the model keeps" are is exactly the fields below: two EIDO documents are equivalent for us
when they read into equal `EidoIncident` values. Component prologue times are kept only where they mean
something to us (a note's time, a unit's last status change); the other components carry the document's time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from kuzet.interagency.pidf_lo import CivicAddress, GeoPoint

EIDO_VERSION: Final = "1.0"


def _check_aware(name: str, moment: datetime | None) -> None:
    if moment is not None and moment.utcoffset() is None:
        raise ValueError(f"{name}: an EIDO time needs a UTC offset")


class CallDirection(StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"
    INTERNAL = "internal"


@dataclass(frozen=True)
class EidoAgency:
    """An agency taking part. `types` are values of the IANA urn:emergency:service:responder registry
    without its prefix (`police`, `fire`, `ems`); `roles` are Agency Role registry values."""

    id: str
    types: tuple[str, ...]
    roles: tuple[str, ...]
    owns_incident: bool | None = None


@dataclass(frozen=True)
class EidoAgent:
    """A call taker, dispatcher or other person or system acting for an agency."""

    id: str
    agency_id: str
    roles: tuple[str, ...]
    position: str | None = None


@dataclass(frozen=True)
class EidoIncidentType:
    common: str  # a value of the NENA Incident Type registry
    internal_code: str | None = None  # our category code
    internal_text: str | None = None  # our category's name


@dataclass(frozen=True)
class EidoLocation:
    """A place. `kind` is a Location Type registry value (`Incident`, `Caller`, …). The civic address and the
    point travel as PIDF-LO; a PIDF-LO that could not be read (not well-formed, or no WGS 84 shape and no
    address in it) is kept as received in `unread_pidf_lo` and passed on unchanged, never dropped."""

    id: str
    kind: str
    civic: CivicAddress | None = None
    point: GeoPoint | None = None
    description: str | None = None
    reference_url: str | None = None
    unread_pidf_lo: str | None = None

    def __post_init__(self) -> None:
        if self.unread_pidf_lo is not None and (self.civic is not None or self.point is not None):
            raise ValueError("location: an unread PIDF-LO cannot stand beside an address or a point")


@dataclass(frozen=True)
class EidoPerson:
    """Someone in the incident: the caller, a victim, a suspect (`roles`, Person Role registry values).
    `contact_uris` are the call-back addresses (`tel:+77011234567`). Personal data: never logged."""

    id: str
    roles: tuple[str, ...]
    name: str | None = None
    contact_uris: tuple[str, ...] = ()
    call_ids: tuple[str, ...] = ()
    location_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class EidoCall:
    id: str
    started_at: datetime
    direction: CallDirection
    call_type: str  # a primary call type of the LogEvent CallTypes registry: `emergency`
    state: str  # a Call States registry value: `callAnswered`, `callEnd`
    answered_at: datetime | None = None
    callback_uris: tuple[str, ...] = ()
    agent_ids: tuple[str, ...] = ()
    location_ids: tuple[str, ...] = ()
    person_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_aware("call started_at", self.started_at)
        _check_aware("call answered_at", self.answered_at)


@dataclass(frozen=True)
class EidoNote:
    """A note in plain text (the document carries it as HTML5: written escaped, read back unescaped)."""

    id: str
    text: str
    at: datetime
    author_id: str | None = None

    def __post_init__(self) -> None:
        _check_aware("note at", self.at)


@dataclass(frozen=True)
class EidoUnit:
    """A responding unit (an emergency resource) of `agency_id`, with its status as of `updated_at`."""

    id: str
    agency_id: str
    resource_type: str  # an Emergency Resource Type registry value
    status: str  # a Primary Unit Status registry value: `Dispatched`, `Enroute`, `OnScene`
    updated_at: datetime
    name: str | None = None  # the call sign
    eta: datetime | None = None
    location_id: str | None = None

    def __post_init__(self) -> None:
        _check_aware("unit updated_at", self.updated_at)
        _check_aware("unit eta", self.eta)


@dataclass(frozen=True)
class EidoDispatch:
    """An agency dispatched to the incident, with the units it sent."""

    id: str
    agency_id: str | None = None
    unit_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class EidoIncident:
    """One EIDO: the shared incident as its sender (`updated_by_agency`) last described it."""

    tracking_id: str  # the EIDO's `$id`: the incident tracking identifier shared by every agency
    updated_at: datetime
    updated_by_agency: str
    issuing_element: str  # the system that issued the document
    updated_by_agent: str | None = None
    internal_id: str | None = None  # the sender's own incident number
    incident_type: EidoIncidentType | None = None
    status_common: tuple[str, ...] = ()  # Incident Status registry values
    status_internal: tuple[str, ...] = ()
    priority_text: str | None = None  # the sender's own priority: P1
    priority_number: int | None = None
    agencies: tuple[EidoAgency, ...] = ()
    agents: tuple[EidoAgent, ...] = ()
    locations: tuple[EidoLocation, ...] = ()
    persons: tuple[EidoPerson, ...] = ()
    calls: tuple[EidoCall, ...] = ()
    notes: tuple[EidoNote, ...] = ()
    units: tuple[EidoUnit, ...] = ()
    dispatches: tuple[EidoDispatch, ...] = ()

    def __post_init__(self) -> None:
        _check_aware("updated_at", self.updated_at)
        if not self.tracking_id:
            raise ValueError("tracking_id: the incident tracking identifier is needed")
        incident_fields = (
            self.internal_id,
            self.priority_text,
            self.priority_number,
            self.status_common or None,
            self.status_internal or None,
        )
        if self.incident_type is None and any(value is not None for value in incident_fields):
            raise ValueError("incident_type: the incident's status, priority or number need its type")
        ids = [
            component.id
            for group in (
                self.agencies,
                self.agents,
                self.locations,
                self.persons,
                self.calls,
                self.notes,
                self.units,
            )
            for component in group
        ] + [dispatch.id for dispatch in self.dispatches]
        duplicates = sorted({component_id for component_id in ids if ids.count(component_id) > 1})
        if duplicates:
            raise ValueError(f"component ids used twice: {', '.join(duplicates)}")
