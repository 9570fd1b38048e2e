"""Routes of footage requests: an operator allowed to watch (cctv.watch) asks for a camera's recording for an
incident and reads the requests with their trail; a supervisor or an administrator of the cameras
(cctv.manage) records the export and the hand-over to the investigator. Steps only in order (else 409)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from kuzet.cctv import footage_service as service
from kuzet.cctv.api import CameraId
from kuzet.cctv.domain import CAMERA_ID_MAX
from kuzet.cctv.footage_schemas import ExportIn, FootageRequestIn, FootageRequestOut, HandOverIn
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import NowDep, UowDep, require
from kuzet.core.ids import MAX_ID
from kuzet.core.openapi import problems

router = APIRouter(prefix="/api/v1", tags=["cameras"])
Watcher = Annotated[Actor, Depends(require(Permission.CCTV_WATCH))]
Custodian = Annotated[Actor, Depends(require(Permission.CCTV_MANAGE))]
RequestId = Annotated[int, Path(ge=1, le=MAX_ID, description="The footage request's id")]


@router.post(
    "/cameras/{camera_id}/footage-requests",
    response_model=FootageRequestOut,
    status_code=201,
    summary="Ask for a camera's recording of a time window, for an incident",
)
def post_footage_request(
    camera_id: CameraId, body: FootageRequestIn, actor: Watcher, uow: UowDep, at: NowDep
) -> FootageRequestOut:
    request = service.request_footage(
        uow,
        camera_id=camera_id,
        incident_id=body.incident_id,
        window_start=body.window_start,
        window_end=body.window_end,
        reason=body.reason,
        by=actor,
        at=at,
    )
    return FootageRequestOut.from_domain(request)


@router.get(
    "/footage-requests",
    response_model=list[FootageRequestOut],
    summary="A camera's or an incident's footage requests with their chain of custody, newest first",
    responses=problems(404),  # the incident asked about does not exist, or is outside the caller's scope
)
def list_footage_requests(
    actor: Watcher,
    uow: UowDep,
    camera_id: Annotated[str | None, Query(min_length=1, max_length=CAMERA_ID_MAX)] = None,
    incident_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> list[FootageRequestOut]:
    found = service.find(uow, camera_id=camera_id, incident_id=incident_id, by=actor)
    return [FootageRequestOut.from_domain(r) for r in found]


@router.get("/footage-requests/{request_id}", response_model=FootageRequestOut, summary="One footage request")
def get_footage_request(request_id: RequestId, actor: Watcher, uow: UowDep) -> FootageRequestOut:
    return FootageRequestOut.from_domain(service.get(uow, request_id=request_id, by=actor))


@router.post(
    "/footage-requests/{request_id}/export",
    response_model=FootageRequestOut,
    summary="Record the export: the file's SHA-256 and where the copy is kept",
    responses=problems(409),
)
def post_export(
    request_id: RequestId, body: ExportIn, actor: Custodian, uow: UowDep, at: NowDep
) -> FootageRequestOut:
    request = service.record_export(
        uow,
        request_id=request_id,
        file_sha256=body.file_sha256,
        file_reference=body.file_reference,
        by=actor,
        at=at,
    )
    return FootageRequestOut.from_domain(request)


@router.post(
    "/footage-requests/{request_id}/hand-over",
    response_model=FootageRequestOut,
    summary="Record the hand-over of the exported copy to the investigator",
    responses=problems(409),
)
def post_hand_over(
    request_id: RequestId, body: HandOverIn, actor: Custodian, uow: UowDep, at: NowDep
) -> FootageRequestOut:
    request = service.hand_over(
        uow,
        request_id=request_id,
        investigator_name=body.investigator_name,
        investigator_badge=body.investigator_badge,
        by=actor,
        at=at,
    )
    return FootageRequestOut.from_domain(request)
