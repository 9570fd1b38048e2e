"""Routes of the camera events' pictures: the events behind an incident's appeals, and one event's picture
(each look audited), for staff whose scope covers the incident."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel

from kuzet.cctv.camera_events_images import MEDIA_TYPE, of_incident, open_image
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import NowDep, ServicesDep, UowDep, require
from kuzet.core.ids import RowId
from kuzet.core.openapi import problems

router = APIRouter(prefix="/api/v1/camera-events", tags=["camera analytics"])
Reader = Annotated[Actor, Depends(require(Permission.INCIDENTS_READ))]


class EventOut(BaseModel):
    id: int
    kind: str
    camera: str
    seen_at: datetime
    confidence: float
    plate: str | None
    count: int | None
    outcome: str
    appeal_id: int
    image: str | None  # the picture's path in this API, if one came with the event


def folder_of(services: ServicesDep) -> Path:
    return services.settings.camera_images_folder


@router.get(
    "",
    response_model=list[EventOut],
    summary="The camera events that made an incident's appeals",
    responses=problems(404),  # no such incident, or one outside the caller's scope
)
def events_of_incident(
    actor: Reader, uow: UowDep, incident_id: Annotated[int, Query(ge=1, le=2**31 - 1)]
) -> list[EventOut]:
    return [
        EventOut(
            id=e.id,
            kind=e.kind,
            camera=e.camera_id,
            seen_at=e.seen_at,
            confidence=e.confidence,
            plate=e.plate,
            count=e.count,
            outcome=e.outcome,
            appeal_id=e.appeal_id,
            image=f"{router.prefix}/{e.id}/image" if e.has_image else None,
        )
        for e in of_incident(uow, incident_id=incident_id, by=actor)
    ]


@router.get(
    "/{event_id}/image",
    summary="The picture sent with a camera event (audited)",
    response_class=FileResponse,
    responses={200: {"content": {MEDIA_TYPE: {}}}},
)
def event_image(
    event_id: RowId, actor: Reader, services: ServicesDep, uow: UowDep, at: NowDep
) -> FileResponse:
    path = open_image(uow, event_id=event_id, by=actor, folder=folder_of(services), at=at)
    return FileResponse(
        path,
        media_type=MEDIA_TYPE,
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
        content_disposition_type="inline",
        filename=f"camera-event-{event_id}.jpg",
    )
