"""Use cases of assignments: assign, acknowledge, en route, on scene, clear, cancel and reassign.

Locks are always taken in one order, incident → unit → assignment → audit head, so that parallel dispatchers
never deadlock; a unit that is not available is refused with a 409, and the partial unique index on active
assignments refuses a second one even if a check were ever skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from kuzet.core.actor import Actor
from kuzet.core.errors import Conflict, FieldError, InvalidInput
from kuzet.core.events import DomainEvent
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork
from kuzet.dispatch import domain
from kuzet.dispatch.domain import INCIDENT_STEP_FOR, UNIT_STATUS_FOR, Assignment, AssignmentStatus
from kuzet.dispatch.store import AssignmentRepository
from kuzet.incidents import service as incidents
from kuzet.incidents.domain import Disposition, IncidentStatus
from kuzet.units import service as units
from kuzet.units.positions import service as positions
from kuzet.units.positions.domain import haversine_m

UNIT_BUSY = N_("The unit {call_sign} is not available (status {status}).")


@dataclass(frozen=True)
class AssignmentChanged(DomainEvent):
    name = "assignment.changed"
    assignment_id: int
    incident_id: int
    unit_id: int
    status: str
    district: str | None  # the incident's


def _assign(uow: UnitOfWork, *, incident_id: int, unit_id: int, by: Actor, at: datetime) -> Assignment:
    """Step: lock the incident, then the unit; refuse a unit that is not free; record the dispatch."""
    incident = incidents.get_in_scope(uow, incident_id, by, for_update=True)
    if not incident.is_open:
        raise Conflict(N_("The incident {number} is not open."), number=incident.number)
    unit = units.lock_available(uow, unit_id)
    try:
        with uow.session.begin_nested():
            assignment = uow.repo(AssignmentRepository).add(
                incident_id=incident.id, unit_id=unit.id, at=at, by=by.name
            )
    except IntegrityError as exc:
        raise Conflict(UNIT_BUSY, call_sign=unit.call_sign, status="dispatched") from exc
    units.follow_assignment(
        uow, unit.id, UNIT_STATUS_FOR[AssignmentStatus.ASSIGNED], incident_id=incident.id, by=by, at=at
    )
    incidents.unit_step(
        uow,
        incident.id,
        IncidentStatus.DISPATCHED,
        by=by,
        at=at,
        unit=unit.call_sign,
        assignment_id=assignment.id,
    )
    uow.audit(
        by,
        "assignment.create",
        object_type="assignment",
        object_id=assignment.id,
        at=at,
        detail={"incident_id": incident.id, "unit_id": unit.id}
        | ({"unit_district": unit.district} if unit.district != incident.district else {}),
    )
    uow.emit(
        AssignmentChanged(assignment.id, incident.id, unit.id, assignment.status.value, incident.district)
    )
    return assignment


def assign(uow: UnitOfWork, *, incident_id: int, unit_id: int, by: Actor, at: datetime) -> Assignment:
    with uow:
        assignment = _assign(uow, incident_id=incident_id, unit_id=unit_id, by=by, at=at)
        uow.commit()
    return assignment


def _move(
    uow: UnitOfWork,
    assignment_id: int,
    to: AssignmentStatus,
    *,
    by: Actor,
    at: datetime,
    reason: str | None = None,
    disposition: Disposition | None = None,
    far_arrival_m: int | None = None,
) -> Assignment:
    """Step: move one assignment; the unit follows, the incident earns its first stamps, or is requeued.
    An arrival the operator confirmed `far_arrival_m` from the scene is kept on the assignment and noted in
    the incident's timeline entry and the audit row."""
    noted: dict[str, object] = {}
    if far_arrival_m is not None:
        noted = {"far_arrival_m": far_arrival_m, "arrival_confirmed_by_operator": True}
    repo = uow.repo(AssignmentRepository)
    incident_id = repo.get(assignment_id).incident_id
    incident = incidents.get_in_scope(uow, incident_id, by, for_update=True)
    current = repo.get(assignment_id, for_update=True)
    moved = domain.advance(current, to, at=at, reason=reason, disposition=disposition)
    if far_arrival_m is not None:
        moved = replace(moved, far_arrival_m=far_arrival_m)
    repo.save(moved)
    units.follow_assignment(uow, moved.unit_id, UNIT_STATUS_FOR[to], incident_id=incident_id, by=by, at=at)
    if to in INCIDENT_STEP_FOR:
        incidents.unit_step(
            uow, incident_id, INCIDENT_STEP_FOR[to], by=by, at=at, assignment_id=moved.id, **noted
        )
    elif to is AssignmentStatus.CANCELLED and repo.active_count(incident_id) == 0:
        incidents.unstaffed(uow, incident_id, by=by, at=at)
    uow.audit(
        by,
        f"assignment.{to.value}",
        object_type="assignment",
        object_id=moved.id,
        at=at,
        detail={
            "incident_id": incident_id,
            "unit_id": moved.unit_id,
            "reason": reason,
            "disposition": disposition.value if disposition else None,
            **noted,
        },
    )
    uow.emit(AssignmentChanged(moved.id, incident_id, moved.unit_id, moved.status.value, incident.district))
    return moved


@dataclass(frozen=True)
class ArrivalCheck:
    """How far from the scene a unit's fresh GPS fix may be when it is reported on scene unquestioned."""

    max_distance_m: float
    fresh_for_s: float
    confirmed: bool = False  # the operator has confirmed an arrival from farther away


FAR_ARRIVAL = N_(
    "The unit's last GPS position, {age_s} s old, is {distance_m} m from the scene. Confirm the arrival "
    "only if the crew says it is there."
)


def _far_from_scene(
    uow: UnitOfWork, assignment_id: int, check: ArrivalCheck, *, by: Actor, at: datetime
) -> float | None:
    """Metres between the scene and the unit's fresh last fix when more than the check allows, else None."""
    assignment = uow.repo(AssignmentRepository).get(assignment_id)
    incident = incidents.get_in_scope(uow, assignment.incident_id, by, for_update=True)
    fix = positions.last_fix_step(uow, assignment.unit_id)
    if fix is None or incident.lat is None or incident.lon is None:
        return None
    age = (at - fix.at).total_seconds()
    distance = haversine_m(fix.lat, fix.lon, incident.lat, incident.lon)
    if age > check.fresh_for_s or distance <= check.max_distance_m:
        return None
    if not check.confirmed:
        raise Conflict(
            FAR_ARRIVAL,
            distance_m=round(distance),
            age_s=round(max(age, 0)),
            extra={"far_arrival_m": round(distance)},
        )
    return distance


def advance(
    uow: UnitOfWork,
    *,
    assignment_id: int,
    to: AssignmentStatus,
    disposition: Disposition | None = None,
    arrival: ArrivalCheck | None = None,
    by: Actor,
    at: datetime,
) -> Assignment:
    """Acknowledge, en route, on scene or clear. When the last unit clears with a disposition, the incident
    is cleared with it. On scene with a fresh GPS fix farther from the scene than `arrival` allows is refused
    (409, `far_arrival_m`) until the operator confirms it; the confirmed distance goes into the timeline."""
    if to is AssignmentStatus.CANCELLED:
        raise InvalidInput([FieldError("status", N_("Use cancel, which needs a reason."), "use_cancel")])
    with uow:
        far = None
        if to is AssignmentStatus.ON_SCENE and arrival is not None:
            far = _far_from_scene(uow, assignment_id, arrival, by=by, at=at)
        far_m = round(far) if far is not None else None
        moved = _move(uow, assignment_id, to, by=by, at=at, disposition=disposition, far_arrival_m=far_m)
        if to is AssignmentStatus.CLEARED and disposition is not None:
            repo = uow.repo(AssignmentRepository)
            if repo.active_count(moved.incident_id) == 0:
                incident = incidents.get_in_scope(uow, moved.incident_id, by, for_update=True)
                if incident.status is IncidentStatus.ON_SCENE:
                    incidents.clear_step(uow, incident.id, disposition=disposition, by=by, at=at)
        uow.commit()
    return moved


def cancel(uow: UnitOfWork, *, assignment_id: int, reason: str, by: Actor, at: datetime) -> Assignment:
    with uow:
        moved = _move(uow, assignment_id, AssignmentStatus.CANCELLED, by=by, at=at, reason=reason)
        uow.commit()
    return moved


def reassign(
    uow: UnitOfWork,
    *,
    assignment_id: int,
    unit_id: int | None,
    incident_id: int | None,
    reason: str,
    by: Actor,
    at: datetime,
) -> Assignment:
    """Cancel an assignment and, in the same transaction, send another unit to the incident (unit_id) or
    divert the same unit to another incident (incident_id)."""
    if (unit_id is None) == (incident_id is None):
        raise InvalidInput([FieldError("unit_id", N_("Give either a unit or an incident."), "one_of")])
    with uow:
        if incident_id is not None:
            # Both incidents are locked up front, lower id first, as every other dispatcher would.
            current = uow.repo(AssignmentRepository).get(assignment_id).incident_id
            incidents.lock_in_order(uow, (current, incident_id), by)
        cancelled = _move(uow, assignment_id, AssignmentStatus.CANCELLED, by=by, at=at, reason=reason)
        assignment = _assign(
            uow,
            incident_id=incident_id or cancelled.incident_id,
            unit_id=unit_id or cancelled.unit_id,
            by=by,
            at=at,
        )
        uow.commit()
    return assignment


def of_incidents(uow: UnitOfWork, incident_ids: list[int]) -> list[Assignment]:
    with uow:
        return uow.repo(AssignmentRepository).of_incidents(incident_ids)


def active_in(uow: UnitOfWork, incident_id: int) -> int:
    """Step: how many units still work the incident (counted in the caller's transaction)."""
    return uow.repo(AssignmentRepository).active_count(incident_id)
