"""Routes of assignments: send a unit, record its progress, cancel, reassign."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import NowDep, ServicesDep, UowDep, require
from kuzet.core.ids import RowId
from kuzet.dispatch import service
from kuzet.dispatch.schemas import AdvanceIn, AssignIn, AssignmentOut, CancelIn, ReassignIn

router = APIRouter(prefix="/api/v1", tags=["dispatch"])
Dispatcher = Annotated[Actor, Depends(require(Permission.DISPATCH))]


@router.post(
    "/incidents/{incident_id}/assignments",
    response_model=AssignmentOut,
    status_code=201,
    summary="Send a unit",
)
def assign(incident_id: RowId, body: AssignIn, actor: Dispatcher, uow: UowDep, at: NowDep) -> AssignmentOut:
    return AssignmentOut.from_domain(
        service.assign(uow, incident_id=incident_id, unit_id=body.unit_id, by=actor, at=at)
    )


@router.post("/assignments/{assignment_id}/status", response_model=AssignmentOut, summary="Record progress")
def advance(
    assignment_id: RowId, body: AdvanceIn, actor: Dispatcher, services: ServicesDep, uow: UowDep, at: NowDep
) -> AssignmentOut:
    s = services.settings
    arrival = service.ArrivalCheck(
        s.arrival_max_distance_m, s.position_stale_seconds, confirmed=body.confirm_far_arrival
    )
    moved = service.advance(
        uow,
        assignment_id=assignment_id,
        to=body.status,
        disposition=body.disposition,
        arrival=arrival,
        by=actor,
        at=at,
    )
    return AssignmentOut.from_domain(moved)


@router.post(
    "/assignments/{assignment_id}/cancel", response_model=AssignmentOut, summary="Cancel, with a reason"
)
def cancel(assignment_id: RowId, body: CancelIn, actor: Dispatcher, uow: UowDep, at: NowDep) -> AssignmentOut:
    return AssignmentOut.from_domain(
        service.cancel(uow, assignment_id=assignment_id, reason=body.reason, by=actor, at=at)
    )


@router.post(
    "/assignments/{assignment_id}/reassign",
    response_model=AssignmentOut,
    status_code=201,
    summary="Replace the unit, or divert it to another incident",
)
def reassign(
    assignment_id: RowId, body: ReassignIn, actor: Dispatcher, uow: UowDep, at: NowDep
) -> AssignmentOut:
    moved = service.reassign(
        uow,
        assignment_id=assignment_id,
        unit_id=body.unit_id,
        incident_id=body.incident_id,
        reason=body.reason,
        by=actor,
        at=at,
    )
    return AssignmentOut.from_domain(moved)
