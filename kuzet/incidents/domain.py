"""Incidents: the lifecycle as a pure state machine, the stamps each move earns, and the intervals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from kuzet.core.errors import FieldError, IllegalStatusChange, InvalidInput
from kuzet.core.i18n import N_


class IncidentStatus(StrEnum):
    NEW = "new"
    QUEUED = "queued"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    CLEARED = "cleared"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    TRANSFERRED = "transferred"


S = IncidentStatus
OPEN_STATUSES: Final = frozenset({S.NEW, S.QUEUED, S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE})
FINAL_STATUSES: Final = frozenset({S.CLOSED, S.CANCELLED})
ENDING_STATUSES: Final = frozenset({S.CLEARED, S.CLOSED, S.CANCELLED, S.TRANSFERRED})
# Statuses that only units' assignments set (a dispatcher's hand would stamp moments no unit lived).
UNIT_DRIVEN: Final = frozenset({S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE})

TRANSITIONS: Final[Mapping[IncidentStatus, frozenset[IncidentStatus]]] = {
    S.NEW: frozenset({S.QUEUED, S.DISPATCHED, S.CANCELLED, S.TRANSFERRED, S.CLOSED}),
    S.QUEUED: frozenset({S.DISPATCHED, S.CANCELLED, S.TRANSFERRED, S.CLOSED}),
    S.DISPATCHED: frozenset({S.EN_ROUTE, S.ON_SCENE, S.QUEUED, S.CANCELLED, S.TRANSFERRED, S.CLEARED}),
    S.EN_ROUTE: frozenset({S.ON_SCENE, S.QUEUED, S.CANCELLED, S.TRANSFERRED, S.CLEARED}),
    S.ON_SCENE: frozenset({S.CLEARED, S.TRANSFERRED}),
    S.CLEARED: frozenset({S.CLOSED}),
    S.TRANSFERRED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),  # only `reopen` leaves it
    S.CANCELLED: frozenset(),
}

# Status names as the console shows them (the same message ids), for errors that name a status.
STATUS_NAMES: Final[Mapping[str, str]] = {
    S.NEW: N_("New"),
    S.QUEUED: N_("Queued"),
    S.DISPATCHED: N_("Unit dispatched"),
    S.EN_ROUTE: N_("Unit en route"),
    S.ON_SCENE: N_("Unit on scene"),
    S.CLEARED: N_("Cleared"),
    S.CLOSED: N_("Closed"),
    S.CANCELLED: N_("Cancelled"),
    S.TRANSFERRED: N_("Transferred"),
}

# The order in which units move an incident forward. A later unit never moves it back.
_PROGRESS: Final = (S.NEW, S.QUEUED, S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE)


class Disposition(StrEnum):
    """How an incident ended, recorded on clear and close (and on cancel)."""

    ARREST = "arrest"
    PROTOCOL_DRAWN = "protocol_drawn"  # administrative protocol
    REPORT_REGISTERED = "report_registered"  # registered in the KUI book
    WARNING_ISSUED = "warning_issued"
    ASSISTANCE_RENDERED = "assistance_rendered"
    NO_OFFENCE_FOUND = "no_offence_found"
    GONE_ON_ARRIVAL = "gone_on_arrival"
    FALSE_CALL = "false_call"
    DUPLICATE = "duplicate"
    HANDED_TO_AGENCY = "handed_to_agency"
    RESOLVED_BY_PHONE = "resolved_by_phone"
    CALLER_WITHDREW = "caller_withdrew"
    OTHER = "other"


@dataclass(frozen=True)
class Stamps:
    """The moments leaders quote (DESIGN §5). Each is set once, by the move that earns it."""

    received_at: datetime
    first_dispatched_at: datetime | None = None
    first_en_route_at: datetime | None = None
    first_on_scene_at: datetime | None = None
    cleared_at: datetime | None = None
    closed_at: datetime | None = None


_STAMP_OF: Final[Mapping[IncidentStatus, str]] = {
    S.DISPATCHED: "first_dispatched_at",
    S.EN_ROUTE: "first_en_route_at",
    S.ON_SCENE: "first_on_scene_at",
    S.CLEARED: "cleared_at",
    S.CLOSED: "closed_at",
}


@dataclass(frozen=True)
class Incident:
    id: int
    number: str
    status: IncidentStatus
    category_code: str
    priority: int
    district: str | None
    lat: float | None
    lon: float | None
    address: str | None
    description: str
    stamps: Stamps
    disposition: Disposition | None = None
    merged_into_id: int | None = None
    reopen_count: int = 0
    reopened_at: datetime | None = None
    # Set when an operator confirmed the place (by phone, on the map, or from a unit on scene). The place of
    # a later appeal, such as the location a partner app sends, is then kept on that appeal only.
    location_verified_by: str | None = None
    injured: int | None = None  # how many are hurt, as far as the operator knows (None: not told)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES and self.merged_into_id is None


INJURED_MAX: Final = 999


class IllegalTransition(IllegalStatusChange):
    slug = "illegal-transition"
    default_detail = N_("An incident in status {current} cannot move to {requested}.")

    def __init__(self, current: IncidentStatus, requested: IncidentStatus) -> None:
        super().__init__(current.value, requested.value, STATUS_NAMES)


def _stamp(stamps: Stamps, status: IncidentStatus, at: datetime) -> Stamps:
    name = _STAMP_OF.get(status)
    if name is None or getattr(stamps, name) is not None:
        return stamps
    return replace(stamps, **{name: at})


def transition(
    incident: Incident, to: IncidentStatus, *, at: datetime, disposition: Disposition | None = None
) -> Incident:
    """Return the incident moved to `to`, stamping the interval this move earns (only the first time)."""
    if incident.merged_into_id is not None or to not in TRANSITIONS[incident.status]:
        raise IllegalTransition(incident.status, to)
    if disposition is not None and to not in ENDING_STATUSES:
        raise InvalidInput(
            [
                FieldError(
                    "disposition", N_("A disposition is given only when the incident ends."), "not_allowed"
                )
            ]
        )
    needs_disposition = to in {S.CLEARED, S.CANCELLED} or (to is S.CLOSED and incident.disposition is None)
    if needs_disposition and disposition is None:
        raise InvalidInput(
            [FieldError("disposition", N_("A disposition is required."), "disposition_required")]
        )
    return replace(
        incident,
        status=to,
        stamps=_stamp(incident.stamps, to, at),
        disposition=disposition or incident.disposition,
    )


def verify_location(
    incident: Incident, *, lat: float | None, lon: float | None, address: str | None, by: str
) -> Incident:
    """An operator states where the incident is; the first appeal's place is kept on that appeal."""
    return replace(
        incident,
        lat=lat if lat is not None else incident.lat,
        lon=lon if lon is not None else incident.lon,
        address=address if address is not None else incident.address,
        location_verified_by=by,
    )


def reopen(incident: Incident, *, at: datetime) -> Incident:
    """A closed incident goes back to the queue. Its stamps stay; the reopening is counted (and logged)."""
    if incident.status is not S.CLOSED:
        raise IllegalTransition(incident.status, S.QUEUED)
    return replace(
        incident, status=S.QUEUED, disposition=None, reopen_count=incident.reopen_count + 1, reopened_at=at
    )


def progress(incident: Incident, step: IncidentStatus, *, at: datetime) -> Incident:
    """A unit was dispatched, went en route or arrived: move the incident forward if it is behind.

    The first such moment is stamped on the incident; a second unit's later moment is not.
    """
    if step not in (S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE):
        raise ValueError(f"{step} is not a unit step")
    if incident.status not in _PROGRESS or incident.merged_into_id is not None:
        raise IllegalTransition(incident.status, step)
    if step is not S.DISPATCHED and incident.status in (S.NEW, S.QUEUED):
        # A unit can only be on its way or there once it was sent: dispatch comes first.
        raise IllegalTransition(incident.status, step)
    if _PROGRESS.index(step) <= _PROGRESS.index(incident.status):
        # Already there or past it: a later unit's moment earns nothing (no en-route stamp after arrival).
        return incident
    return replace(incident, status=step, stamps=_stamp(incident.stamps, step, at))


def manual_moves(incident: Incident, *, units_at_work: bool) -> list[IncidentStatus]:
    """The statuses a dispatcher may move the incident to by hand now: none while units work it (they
    clear first) or once it is merged; never the statuses the units' assignments set."""
    if units_at_work or incident.merged_into_id is not None:
        return []
    return [s for s in IncidentStatus if s in TRANSITIONS[incident.status] and s not in UNIT_DRIVEN]


def requeue(incident: Incident) -> Incident:
    """No unit is left on a dispatched or en-route incident: it waits in the queue again."""
    if incident.status in (S.DISPATCHED, S.EN_ROUTE):
        return replace(incident, status=S.QUEUED)
    return incident


@dataclass(frozen=True)
class Intervals:
    call_processing: timedelta | None
    turnout: timedelta | None
    travel: timedelta | None
    response: timedelta | None


def _between(start: datetime | None, end: datetime | None) -> timedelta | None:
    return None if start is None or end is None else end - start


def intervals(stamps: Stamps) -> Intervals:
    """The four intervals of DESIGN §5. A missing end gives None; a negative one is returned as it is."""
    return Intervals(
        call_processing=_between(stamps.received_at, stamps.first_dispatched_at),
        turnout=_between(stamps.first_dispatched_at, stamps.first_en_route_at),
        travel=_between(stamps.first_en_route_at, stamps.first_on_scene_at),
        response=_between(stamps.received_at, stamps.first_on_scene_at),
    )
