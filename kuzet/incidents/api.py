"""Routes of incidents: queue, card, status, place, reopen, merge; overdue timers; the catalogue."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, Field

from kuzet.appeals import service as appeals
from kuzet.appeals.domain import Region
from kuzet.appeals.schemas import AppealMediaOut, AppealOut
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import NowDep, ServicesDep, UowDep, require
from kuzet.core.ids import RowId
from kuzet.dispatch import service as dispatch
from kuzet.dispatch.schemas import AssignmentOut
from kuzet.incidents import card_edits, catalogue_service, domain, queries, service
from kuzet.incidents.domain import IncidentStatus
from kuzet.incidents.schemas import (
    AlarmAckIn,
    CategoryIn,
    CategoryOut,
    IncidentOut,
    InjuredIn,
    LocationIn,
    MergeIn,
    NoteIn,
    OverdueOut,
    ReasonIn,
    RecategoriseIn,
    TimelineEntryOut,
    TransitionIn,
)
from kuzet.interagency import handovers
from kuzet.partners import media as partner_media

router = APIRouter(prefix="/api/v1", tags=["incidents"])
Reader = Annotated[Actor, Depends(require(Permission.INCIDENTS_READ))]
Manager = Annotated[Actor, Depends(require(Permission.INCIDENTS_MANAGE))]


class IncidentCardOut(BaseModel):
    """Everything a dispatcher needs on one incident: merged children, all appeals, units, one timeline."""

    incident: IncidentOut
    children: list[IncidentOut]
    appeals: list[AppealOut]
    assignments: list[AssignmentOut]
    timeline: list[TimelineEntryOut]
    moves: list[IncidentStatus] = Field(
        description="The statuses a dispatcher may set by hand now (none while units work the incident)"
    )


@router.get(
    "/incidents", response_model=list[IncidentOut], summary="Open incidents: priority, then waiting time"
)
def queue(actor: Reader, uow: UowDep) -> list[IncidentOut]:
    found = queries.queue(uow, by=actor)
    due = handovers.ack_due(uow, [i.id for i in found])
    return [IncidentOut.from_domain(i, handover_ack_due_at=due.get(i.id)) for i in found]


@router.get("/incidents/overdue", response_model=list[OverdueOut], summary="Incidents past their timers")
def overdue(
    actor: Annotated[Actor, Depends(require(Permission.OVERDUE_READ))],
    services: ServicesDep,
    uow: UowDep,
    at: NowDep,
) -> list[OverdueOut]:
    s = services.settings
    late = queries.overdue(
        uow,
        now=at,
        by=actor,
        dispatch_within={p: timedelta(minutes=m) for p, m in s.overdue_dispatch_minutes.items()},
        arrive_within={p: timedelta(minutes=m) for p, m in s.overdue_arrival_minutes.items()},
    )
    return [OverdueOut.from_domain(o) for o in late]


@router.get("/incidents/{incident_id}", response_model=IncidentCardOut, summary="The incident card")
def card(incident_id: RowId, actor: Reader, uow: UowDep) -> IncidentCardOut:
    view = queries.view(uow, incident_id=incident_id, by=actor)
    ids = [view.incident.id, *(c.id for c in view.children)]
    found = appeals.of_incidents(uow, ids)
    media = partner_media.attached(uow, [a.id for a in found])
    assignments = dispatch.of_incidents(uow, ids)
    due = handovers.ack_due(uow, [view.incident.id])
    return IncidentCardOut(
        incident=IncidentOut.from_domain(view.incident, handover_ack_due_at=due.get(view.incident.id)),
        children=[IncidentOut.from_domain(c) for c in view.children],
        appeals=[
            AppealOut.from_domain(
                a,
                viewer_role=actor.role,
                media=[
                    AppealMediaOut(
                        id=m.id, kind=m.kind, mime=m.mime, size=m.size, url=f"/api/v1/media/{m.id}"
                    )
                    for m in media.get(a.id, [])
                ],
            )
            for a in found
        ],
        assignments=[AssignmentOut.from_domain(a) for a in assignments],
        timeline=[TimelineEntryOut.from_domain(e) for e in view.timeline],
        moves=domain.manual_moves(
            view.incident,
            units_at_work=any(a.incident_id == view.incident.id and a.active for a in assignments),
        ),
    )


def _media_out(m: partner_media.AttachedMedia) -> AppealMediaOut:
    return AppealMediaOut(id=m.id, kind=m.kind, mime=m.mime, size=m.size, url=f"/api/v1/media/{m.id}")


@router.post("/incidents/{incident_id}/status", response_model=IncidentOut, summary="Change the status")
def change_status(
    incident_id: RowId, body: TransitionIn, actor: Manager, uow: UowDep, at: NowDep
) -> IncidentOut:
    incident = service.change_status(
        uow,
        incident_id=incident_id,
        to=body.status,
        disposition=body.disposition,
        note=body.note,
        active_units=dispatch.active_in,
        by=actor,
        at=at,
    )
    return IncidentOut.from_domain(incident)


@router.post(
    "/incidents/{incident_id}/location", response_model=IncidentOut, summary="Confirm or correct the place"
)
def verify_location(
    incident_id: RowId, body: LocationIn, actor: Manager, services: ServicesDep, uow: UowDep, at: NowDep
) -> IncidentOut:
    incident = card_edits.verify_location(
        uow,
        incident_id=incident_id,
        lat=body.lat,
        lon=body.lon,
        address=body.address,
        region=Region(services.settings.region_bbox).contains,
        by=actor,
        at=at,
    )
    return IncidentOut.from_domain(incident)


@router.post(
    "/incidents/{incident_id}/alarm/acknowledge",
    response_model=IncidentOut,
    summary="Record that the operator heard the incident's alarm",
)
def acknowledge_alarm(
    incident_id: RowId, body: AlarmAckIn, actor: Manager, uow: UowDep, at: NowDep
) -> IncidentOut:
    incident = card_edits.acknowledge_alarm(uow, incident_id=incident_id, alarm=body.alarm, by=actor, at=at)
    return IncidentOut.from_domain(incident)


@router.post(
    "/incidents/{incident_id}/notes", response_model=IncidentOut, summary="Add a note to the timeline"
)
def add_note(incident_id: RowId, body: NoteIn, actor: Manager, uow: UowDep, at: NowDep) -> IncidentOut:
    return IncidentOut.from_domain(
        card_edits.add_note(uow, incident_id=incident_id, text=body.text, by=actor, at=at)
    )


@router.post(
    "/incidents/{incident_id}/injured",
    response_model=IncidentOut,
    summary="Set how many are hurt (0 to 999, or null when not known); services handed it are told",
)
def set_injured(incident_id: RowId, body: InjuredIn, actor: Manager, uow: UowDep, at: NowDep) -> IncidentOut:
    return IncidentOut.from_domain(
        card_edits.set_injured(uow, incident_id=incident_id, injured=body.injured, by=actor, at=at)
    )


@router.post(
    "/incidents/{incident_id}/category",
    response_model=IncidentOut,
    summary="Change the category, and with it the priority, giving a reason",
)
def recategorise(
    incident_id: RowId, body: RecategoriseIn, actor: Manager, uow: UowDep, at: NowDep
) -> IncidentOut:
    changed = card_edits.recategorise(
        uow,
        incident_id=incident_id,
        category_code=body.category_code,
        priority=body.priority,
        reason=body.reason,
        by=actor,
        at=at,
    )
    return IncidentOut.from_domain(changed)


@router.post(
    "/incidents/{incident_id}/reopen", response_model=IncidentOut, summary="Reopen a closed incident"
)
def reopen(incident_id: RowId, body: ReasonIn, actor: Manager, uow: UowDep, at: NowDep) -> IncidentOut:
    return IncidentOut.from_domain(
        service.reopen(uow, incident_id=incident_id, reason=body.reason, by=actor, at=at)
    )


@router.post(
    "/incidents/{incident_id}/merge", response_model=IncidentOut, summary="Merge another incident in"
)
def merge(incident_id: RowId, body: MergeIn, actor: Manager, uow: UowDep, at: NowDep) -> IncidentOut:
    parent = service.merge(
        uow,
        parent_id=incident_id,
        child_id=body.child_id,
        active_units=dispatch.active_in,
        by=actor,
        at=at,
    )
    return IncidentOut.from_domain(parent)


@router.post(
    "/incidents/{incident_id}/unmerge", response_model=IncidentOut, summary="Split a merged incident off"
)
def unmerge(incident_id: RowId, actor: Manager, uow: UowDep, at: NowDep) -> IncidentOut:
    return IncidentOut.from_domain(service.unmerge(uow, child_id=incident_id, by=actor, at=at))


@router.get("/categories", response_model=list[CategoryOut], summary="The category catalogue")
def categories(
    actor: Annotated[Actor, Depends(require(Permission.CATALOGUE_READ))],
    uow: UowDep,
    include_inactive: bool = False,
) -> list[CategoryOut]:
    found = catalogue_service.categories(uow, include_inactive=include_inactive)
    return [CategoryOut.from_domain(c) for c in found]


@router.put(
    "/categories/{code}",
    response_model=CategoryOut,
    summary="Add or change a category",
    responses={201: {"model": CategoryOut, "description": "Added"}},
)
def put_category(
    code: Annotated[str, Path(max_length=60)],
    body: CategoryIn,
    actor: Annotated[Actor, Depends(require(Permission.CATALOGUE_MANAGE))],
    uow: UowDep,
    at: NowDep,
    response: Response,
) -> CategoryOut:
    category, created = catalogue_service.put(uow, category=body.to_domain(code), by=actor, at=at)
    response.status_code = 201 if created else 200
    return CategoryOut.from_domain(category)
