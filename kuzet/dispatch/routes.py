"""Use case: the road route an assigned unit takes from its last known position to the incident."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kuzet.core.actor import Actor
from kuzet.core.errors import Conflict, Unavailable
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork
from kuzet.dispatch.recommendations import NO_MAP
from kuzet.dispatch.store import AssignmentRepository
from kuzet.geo.runtime import Geo
from kuzet.incidents import service as incidents
from kuzet.units.positions.store import PositionRepository


@dataclass(frozen=True)
class UnitRoute:
    unit_id: int
    incident_id: int
    seconds: float
    meters: float
    points: list[tuple[float, float]]  # (lat, lon) from the unit to the incident
    position_at: datetime
    stale: bool


def route(
    uow: UnitOfWork, *, assignment_id: int, geo: Geo, stale_after_s: float, by: Actor, at: datetime
) -> UnitRoute:
    with uow:
        assignment = uow.repo(AssignmentRepository).get(assignment_id)
        incident = incidents.get_in_scope(uow, assignment.incident_id, by)
        position = uow.repo(PositionRepository).latest([assignment.unit_id]).get(assignment.unit_id)
    if incident.lat is None or incident.lon is None:
        raise Conflict(N_("The incident has no location yet: set its place first."))
    if position is None:
        raise Conflict(N_("The unit has not reported a position yet."))
    roads = geo.roads
    if roads is None:
        raise Unavailable(NO_MAP)
    start = roads.snapper.snap(position.lat, position.lon)
    end = roads.snapper.snap(incident.lat, incident.lon)
    try:
        found = roads.engine(geo.factor_at(at)).route(start, end)
    except ValueError as exc:
        raise Conflict(N_("The incident cannot be reached by road from the unit's position.")) from exc
    return UnitRoute(
        unit_id=assignment.unit_id,
        incident_id=incident.id,
        seconds=found.seconds,
        meters=found.meters,
        points=[(position.lat, position.lon), *found.points, (incident.lat, incident.lon)],
        position_at=position.at,
        stale=position.age_seconds(at) > stale_after_s,
    )
