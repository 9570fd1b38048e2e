"""Routes of the agency links: an agency transfers a call to us and says its link is alive (signed by its key,
under /api/v1/agency); supervisors and dispatchers see every link's health (/api/v1/agencies/health)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from kuzet.appeals.domain import Region
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import NowDep, ServicesDep, UowDep, get_services, require
from kuzet.core.errors import FieldError, InvalidInput
from kuzet.core.i18n import N_
from kuzet.core.openapi import json_body, problems
from kuzet.core.signing import SignedCall, body_digest
from kuzet.core.uow import UnitOfWork
from kuzet.interagency import links
from kuzet.interagency.domain import Agency
from kuzet.interagency.eido import EidoIncident
from kuzet.interagency.eido_json import EidoFormatError
from kuzet.interagency.eido_read import parse_eido
from kuzet.interagency.handover import AgencyScope
from kuzet.interagency.handover_api import SignedByAgency
from kuzet.interagency.health import DOWN_AFTER, HEARTBEAT_EVERY, LATE_AFTER
from kuzet.interagency.link_store import IDEMPOTENCY_KEY_MAX
from kuzet.interagency.transfer import place_point
from kuzet.partners.signing import IDEMPOTENCY_HEADER

if TYPE_CHECKING:
    from kuzet.container import Services

agency_link_router = APIRouter(prefix="/api/v1/agency", tags=["agency exchange"])
health_router = APIRouter(prefix="/api/v1/agencies", tags=["agencies"])
Watcher = Annotated[Actor, Depends(require(Permission.DISPATCH))]
NOT_EIDO = N_("Not a valid EIDO document: {problem}")


class TransferAccepted(BaseModel):
    status: str = Field(description="`accepted`: registered as an appeal, this answer is the acknowledgement")
    tracking_id: str = Field(description="The EIDO's incident tracking identifier, as sent")
    appeal: dict[str, Any] = Field(description="Our appeal: its id and number")
    incident: dict[str, Any] = Field(description="Our incident: its id and number (102-…)")
    linked_to_open_incident: bool = Field(description="Joined to an open incident it duplicates")
    received_at: datetime
    repeated: bool = Field(description="A retry with the same Idempotency-Key: the first answer again")


class HeartbeatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sent_at: AwareDatetime | None = Field(default=None, description="The agency's own time")


class HeartbeatOut(BaseModel):
    agency: str
    received_at: datetime


class IncidentRef(BaseModel):
    id: int
    number: str


class LinkOut(BaseModel):
    agency: str
    names: dict[str, str]
    enabled: bool
    contact_phone: str = Field(description="Told to the operator when the link is down")
    state: str = Field(description="up, degraded, down or disabled")
    since: datetime | None = Field(description="Down since: the last heartbeat (none if never heard from)")
    reasons: list[str]
    heartbeat_at: datetime | None
    messages_waiting: int = Field(description="Hand-over messages and public alerts (CAP) waiting for it")
    messages_failing: int = Field(description="Of the messages waiting, those that failed at least once")
    alerts_waiting: int = Field(description="Of the messages waiting, the public alerts (CAP)")
    oldest_waiting_at: datetime | None
    unacknowledged_handovers: int
    oldest_unacknowledged_at: datetime | None
    oldest_unacknowledged_ref: str | None
    oldest_unacknowledged_incident: IncidentRef | None = Field(
        description="The incident of the oldest unacknowledged hand-over: its id and number (102-…)"
    )

    @classmethod
    def from_view(cls, view: links.LinkView) -> LinkOut:
        f, h, oldest = view.figures, view.health, view.oldest_unacknowledged
        return cls(
            agency=view.agency.code,
            names=dict(view.agency.names),
            enabled=view.agency.enabled,
            contact_phone=view.agency.contact_phone,
            state=h.state.value,
            since=h.since,
            reasons=[r.value for r in h.reasons],
            heartbeat_at=f.heartbeat_at,
            messages_waiting=f.waiting,
            messages_failing=f.failing,
            alerts_waiting=f.alerts_waiting,
            oldest_waiting_at=f.oldest_waiting_at,
            unacknowledged_handovers=f.unacknowledged,
            oldest_unacknowledged_at=f.oldest_unacknowledged_at,
            oldest_unacknowledged_ref=oldest.ref if oldest else None,
            oldest_unacknowledged_incident=IncidentRef(id=oldest.incident_id, number=oldest.incident_number)
            if oldest
            else None,
        )


class LinksOut(BaseModel):
    links: list[LinkOut]
    heartbeat_every_seconds: int
    late_after_seconds: int
    down_after_seconds: int


def _key(request: Request) -> str | InvalidInput:
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if 1 <= len(key) <= IDEMPOTENCY_KEY_MAX:
        return key
    return InvalidInput(
        [FieldError(IDEMPOTENCY_HEADER, N_("This field is required."), "missing", location="header")]
    )


def _read(body: bytes) -> tuple[dict[str, Any], EidoIncident] | InvalidInput:
    """The decoded document and the model read from it, or a 422 naming the EIDO path at fault."""
    try:
        incident = parse_eido(body)  # within its size limit, before anything else is read
        return json.loads(body), incident
    except (ValueError, RecursionError) as error:
        path = error.path if isinstance(error, EidoFormatError) else "$"
        problem = (
            str(error).removeprefix(f"{path}: ") if isinstance(error, EidoFormatError) else "is not JSON"
        )
        return InvalidInput([FieldError(path, NOT_EIDO, "eido", params={"problem": problem})])


def _transfer_step(
    services: Services, call: SignedCall, key: str | InvalidInput, now: datetime
) -> Callable[[Agency], Callable[[UnitOfWork], links.Answer] | Exception]:
    s = services.settings
    read = _read(call.body)
    # The district map may read the database: kept out of the transfer's transaction.
    point = place_point(read[1]) if not isinstance(read, Exception) else None
    located = (services.geo.district_of(*point) if point else None) or s.default_district

    def step(agency: Agency) -> Callable[[UnitOfWork], links.Answer] | Exception:
        if isinstance(key, Exception):
            return key
        if isinstance(read, Exception):
            return read
        document, incident = read
        return partial(
            links.transfer_step,
            agency=agency,
            request=links.TransferRequest(key, document, incident),
            body_digest=body_digest(call.body),
            region=Region(s.region_bbox),
            located=located,
            duplicates=links.DuplicateWindow(
                s.duplicate_radius_m, timedelta(minutes=s.duplicate_window_minutes)
            ),
            at=now,
        )

    return step


@agency_link_router.post(
    "/transfers",
    status_code=201,
    response_model=TransferAccepted,
    summary="Transfer a call to the police as an EIDO incident (signed by the agency's key)",
    description="Registered as an appeal on channel `agency` and joined to an open incident it duplicates; "
    "the answer is the acknowledgement. A retry with the same Idempotency-Key gets the first answer (200), "
    "never a second appeal. A document that cannot be read is a 422 naming its EIDO path.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object", "description": "A NENA EIDO"}}},
        },
        "parameters": [
            {
                "name": IDEMPOTENCY_HEADER,
                "in": "header",
                "required": True,
                "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX},
            }
        ],
    },
    responses=problems(409),
)
async def post_transfer(
    request: Request, call: Annotated[SignedCall, Depends(SignedByAgency(AgencyScope.TRANSFERS_CREATE))]
) -> JSONResponse:
    services = get_services(request)
    now = services.clock.now()
    step = await run_in_threadpool(_transfer_step, services, call, _key(request), now)
    answer = await run_in_threadpool(
        links.transfer, services.uow(), services.auth.box, call, step=step, at=now
    )
    return JSONResponse(answer.body, status_code=answer.status)


@agency_link_router.post(
    "/heartbeat",
    response_model=HeartbeatOut,
    summary="The agency's link is alive (signed by the agency's key; every few seconds)",
    openapi_extra=json_body(HeartbeatIn),
)
async def post_heartbeat(
    request: Request, call: Annotated[SignedCall, Depends(SignedByAgency(AgencyScope.LINK_HEARTBEAT))]
) -> HeartbeatOut:
    services = get_services(request)
    sent_at: datetime | Exception | None
    try:
        sent_at = HeartbeatIn.model_validate_json(call.body or b"{}").sent_at
    except ValidationError as exc:
        sent_at = RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()])
    now = services.clock.now()
    agency = await run_in_threadpool(
        links.heartbeat, services.uow(), services.auth.box, call, agency_at=sent_at, at=now
    )
    return HeartbeatOut(agency=agency.code, received_at=now)


@health_router.get(
    "/health",
    response_model=LinksOut,
    summary="Every agency link: up, degraded or down since when, what waits, the oldest unacknowledged one",
)
def links_health(actor: Watcher, services: ServicesDep, uow: UowDep, at: NowDep) -> LinksOut:
    views = links.health(uow, now=at, late_after=LATE_AFTER, down_after=DOWN_AFTER)
    return LinksOut(
        links=[LinkOut.from_view(v) for v in views],
        heartbeat_every_seconds=int(HEARTBEAT_EVERY.total_seconds()),
        late_after_seconds=int(LATE_AFTER.total_seconds()),
        down_after_seconds=int(DOWN_AFTER.total_seconds()),
    )
