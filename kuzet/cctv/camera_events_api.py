"""Routes of camera analytics (/api/v1/cctv, signed by an analytics source's key): events a plate reader or a
crowd detector saw, and heartbeats of the cameras it watches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from kuzet.appeals.domain import Region
from kuzet.cctv import camera_events_images as images
from kuzet.cctv import camera_events_service as service
from kuzet.cctv import health_service
from kuzet.cctv.camera_events import (
    EVENT_ID_MAX,
    AlertRules,
    AnalyticsSource,
    CameraEvent,
    EventKind,
    SourceScope,
)
from kuzet.cctv.domain import CAMERA_ID_MAX
from kuzet.cctv.watchlist import PlateError, normalise_plate
from kuzet.core.deps import get_services, source_address
from kuzet.core.errors import FieldError, InvalidInput
from kuzet.core.i18n import N_
from kuzet.core.openapi import json_body, problems
from kuzet.core.signing import SignedCall, SignedRequest, body_digest
from kuzet.core.uow import UnitOfWork
from kuzet.partners.signing import IDEMPOTENCY_HEADER

if TYPE_CHECKING:
    from kuzet.container import Services

router = APIRouter(prefix="/api/v1/cctv", tags=["camera analytics"])
FUTURE_TOLERANCE = timedelta(minutes=2)
HEARTBEAT_MAX = 1000


class SignedBySource:
    """A dependency that reads what a source's request says about its signature; the checks run in the
    answer's own transaction. The scope is kept on the object for the start-up permission check."""

    def __init__(self, scope: SourceScope) -> None:
        self.permission = scope

    async def __call__(self, request: Request) -> SignedCall:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return SignedCall(
            SignedRequest.from_headers(request.headers),
            request.method,
            path,
            await request.body(),
            source_address(request),
        )


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(
        default=None,
        min_length=1,
        max_length=EVENT_ID_MAX,
        description="The source's own id of the event (or the Idempotency-Key header): a retry never makes a "
        "second event",
    )
    kind: Literal["plate", "crowd"]
    camera: str = Field(min_length=1, max_length=CAMERA_ID_MAX, description="The camera's id in the registry")
    at: AwareDatetime = Field(description="When the camera saw it")
    confidence: float = Field(ge=0, le=1)
    plate: str | None = Field(
        default=None,
        max_length=40,
        description="kind plate: as read; Latin letters and digits (Cyrillic "
        "look-alikes are read as Latin, spaces and dashes dropped)",
    )
    count: int | None = Field(default=None, ge=0, le=1_000_000, description="kind crowd: people counted")
    image: str | None = Field(
        default=None,
        max_length=12_000_000,
        description="A picture of what was seen: a JPEG in base64, up to KUZET_CCTV_EVENT_IMAGE_MAX_BYTES",
    )


class EventAccepted(BaseModel):
    id: str
    outcome: str = Field(
        description="watchlist_hit or crowd_alert (an appeal was made); not_listed, entry_expired, "
        "low_confidence or below_threshold (recorded only)"
    )
    appeal: dict[str, Any] | None
    incident: dict[str, Any] | None
    linked_to_open_incident: bool
    image: bool = Field(description="A picture came with it and is kept")
    received_at: datetime
    repeated: bool


class HeartbeatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cameras: list[str] = Field(min_length=1, max_length=HEARTBEAT_MAX, description="Ids of cameras alive now")


class HeartbeatOut(BaseModel):
    received_at: datetime
    unknown: list[str] = Field(description="Ids not in the registry (not kept)")


def _problem(exc: ValidationError) -> RequestValidationError:
    return RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()])


def _event(
    call: SignedCall, header_key: str, now: datetime, image_max: int
) -> tuple[CameraEvent, bytes | None] | Exception:
    """The event (and its picture) read from the body, or the error to answer a source whose signature holds
    with."""
    try:
        body = EventIn.model_validate_json(call.body)
    except ValidationError as exc:
        return _problem(exc)
    event_id = body.id or header_key
    if not event_id:
        return InvalidInput([FieldError("id", N_("This field is required."), "missing")])
    if len(event_id) > EVENT_ID_MAX:
        return InvalidInput(
            [
                FieldError(
                    "id",
                    N_("Must be at most {max_length} characters long."),
                    "string_too_long",
                    params={"max_length": EVENT_ID_MAX},
                )
            ]
        )
    if body.at > now + FUTURE_TOLERANCE:
        return InvalidInput([FieldError("at", N_("The time is in the future."), "future")])
    if body.kind == "plate" and body.plate is None:
        return InvalidInput([FieldError("plate", N_("This field is required."), "missing")])
    if body.kind == "crowd" and body.count is None:
        return InvalidInput([FieldError("count", N_("This field is required."), "missing")])
    plate = None
    if body.plate is not None:
        try:
            plate = normalise_plate(body.plate)
        except PlateError as exc:
            return InvalidInput([exc.error])
    try:
        image = images.decoded(body.image, max_bytes=image_max) if body.image is not None else None
    except InvalidInput as exc:
        return exc
    event = CameraEvent(
        event_id, EventKind(body.kind), body.camera, body.at, body.confidence, plate, body.count
    )
    return event, image


def _event_step(
    services: Services, call: SignedCall, header_key: str, now: datetime
) -> Callable[[AnalyticsSource], Callable[[UnitOfWork], service.Answer] | Exception]:
    s = services.settings
    posted = _event(call, header_key, now, s.cctv_event_image_max_bytes)
    camera = service.camera_of(services.uow(), posted[0].camera_id) if isinstance(posted, tuple) else None
    # The district map may read the database: kept out of the event's transaction.
    located = (services.geo.district_of(camera.lat, camera.lon) if camera else None) or s.default_district

    def step(source: AnalyticsSource) -> Callable[[UnitOfWork], service.Answer] | Exception:
        if isinstance(posted, Exception):
            return posted
        if camera is None:
            return InvalidInput([FieldError("camera", service.UNKNOWN_CAMERA, "unknown_camera")])
        event, image = posted
        # Kept once the source is admitted, before the event's transaction ends: a picture is written once
        # by its hash, so a retry or an undone transaction leaves at most a file no event names.
        image_sha256 = images.keep(s.camera_images_folder, image) if image is not None else None
        return partial(
            service.event_step,
            source=source,
            event=event,
            camera=camera,
            digest=body_digest(call.body),
            intake=service.Intake(
                rules=AlertRules(
                    s.cctv_plate_min_confidence, s.cctv_crowd_min_confidence, s.cctv_crowd_threshold
                ),
                plate_category=s.cctv_plate_category,
                crowd_category=s.cctv_crowd_category,
                region=Region(s.region_bbox),
                located=located,
                duplicate_radius_m=s.duplicate_radius_m,
                duplicate_window=timedelta(minutes=s.duplicate_window_minutes),
            ),
            at=now,
            image_sha256=image_sha256,
        )

    return step


@router.post(
    "/events",
    status_code=201,
    response_model=EventAccepted,
    summary="An event a camera's analytics saw: a plate read or a crowd counted (signed by its key)",
    description="A plate on the watch list (in force when seen) or a crowd at or above the threshold "
    "becomes an appeal on channel `camera`, joined to the open incident it duplicates. A retry with the same "
    "event id gets the first answer (200), never a second event. A plate with odd characters is a 422 "
    "naming `plate`.",
    openapi_extra=json_body(EventIn)
    | {
        "parameters": [
            {
                "name": IDEMPOTENCY_HEADER,
                "in": "header",
                "required": False,
                "description": "The event's id, when the body has no `id`",
                "schema": {"type": "string", "minLength": 1, "maxLength": EVENT_ID_MAX},
            }
        ]
    },
    responses=problems(409),
)
async def post_event(
    request: Request, call: Annotated[SignedCall, Depends(SignedBySource(SourceScope.EVENTS_POST))]
) -> JSONResponse:
    services = get_services(request)
    now = services.clock.now()
    header_key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    step = await run_in_threadpool(_event_step, services, call, header_key, now)
    answer = await run_in_threadpool(
        service.signed, services.uow(), services.auth.box, call, step=step, at=now
    )
    return JSONResponse(answer.body, status_code=answer.status)


@router.post(
    "/heartbeats",
    response_model=HeartbeatOut,
    summary="Cameras alive now (signed by the source's key; every half minute or so)",
    openapi_extra=json_body(HeartbeatIn),
)
async def post_heartbeats(
    request: Request, call: Annotated[SignedCall, Depends(SignedBySource(SourceScope.HEARTBEAT))]
) -> HeartbeatOut:
    services = get_services(request)
    now = services.clock.now()
    offline_after = timedelta(seconds=services.settings.cctv_offline_seconds)
    try:
        parsed: HeartbeatIn | Exception = HeartbeatIn.model_validate_json(call.body)
    except ValidationError as exc:
        parsed = _problem(exc)

    def step(source: AnalyticsSource) -> Callable[[UnitOfWork], list[str]] | Exception:
        if isinstance(parsed, Exception):
            return parsed
        return partial(
            health_service.beat_step,
            camera_ids=parsed.cameras,
            via=source.code,
            at=now,
            offline_after=offline_after,
        )

    unknown = await run_in_threadpool(
        service.signed, services.uow(), services.auth.box, call, step=step, at=now
    )
    return HeartbeatOut(received_at=now, unknown=unknown)
