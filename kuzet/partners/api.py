"""Routes of the partner gateway (/partner/v1, signed by the partner's key) and of partner administration."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from pydantic import ValidationError

from kuzet.appeals.domain import Region
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import NowDep, ServicesDep, UowDep, get_services, require, source_address
from kuzet.core.errors import FieldError, InvalidInput
from kuzet.core.i18n import N_
from kuzet.core.ids import RowId
from kuzet.core.openapi import binary_body, json_body
from kuzet.core.signing import SignedCall
from kuzet.core.uow import UnitOfWork

if TYPE_CHECKING:
    from kuzet.container import Services
from kuzet.partners import media, service, signing
from kuzet.partners.domain import Partner, Scope
from kuzet.partners.schemas import (
    DeliveryOut,
    IssuedOut,
    MediaId,
    MediaOut,
    PartnerAppealAccepted,
    PartnerAppealIn,
    PartnerAppealOut,
    PartnerIn,
    PartnerOut,
)

gateway = APIRouter(prefix="/partner/v1", tags=["partner gateway"])
IDEMPOTENCY_PARAMETER = {
    "name": signing.IDEMPOTENCY_HEADER,
    "in": "header",
    "required": True,
    "description": "The partner's own key of this appeal: a retry with the same key and body gets the first "
    "answer, never a second appeal",
    "schema": {"type": "string", "minLength": 1, "maxLength": signing.IDEMPOTENCY_KEY_MAX},
}
admin = APIRouter(prefix="/api/v1/partners", tags=["partners"])
staff_media = APIRouter(prefix="/api/v1/media", tags=["partners"])
Admin = Annotated[Actor, Depends(require(Permission.PARTNERS_MANAGE))]
PartnerCode = Annotated[str, Path(max_length=30, description="The partner's code")]


async def _signed_call(request: Request) -> SignedCall:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return SignedCall(
        signing.SignedRequest.from_headers(request.headers),
        request.method,
        path,
        await request.body(),
        source_address(request),
    )


class SignedBy:
    """A dependency that admits a request only if a partner's key signed it for a route of this scope.

    The scope is kept on the object, so the start-up check sees that the route declares what it needs.
    """

    def __init__(self, scope: Scope) -> None:
        self.permission = scope

    async def __call__(self, request: Request) -> Partner:
        services = get_services(request)
        call = await _signed_call(request)
        return await run_in_threadpool(
            service.authenticate,
            services.uow(),
            services.auth.box,
            call,
            scope=self.permission,
            at=services.clock.now(),
        )


class SignedLater:
    """A dependency that only reads what a partner's request says about its signature: the checks run in
    the intake's group commit, with the appeal (one transaction for both, and nothing before)."""

    def __init__(self, scope: Scope) -> None:
        self.permission = scope

    async def __call__(self, request: Request) -> SignedCall:
        return await _signed_call(request)


def _idempotency_key(request: Request) -> str | InvalidInput:
    key = request.headers.get(signing.IDEMPOTENCY_HEADER, "").strip()
    if 1 <= len(key) <= signing.IDEMPOTENCY_KEY_MAX:
        return key
    return InvalidInput(
        [FieldError(signing.IDEMPOTENCY_HEADER, N_("This field is required."), "missing", location="header")]
    )


def _appeal(body: bytes) -> PartnerAppealIn | RequestValidationError:
    try:
        return PartnerAppealIn.model_validate_json(body)
    except ValidationError as exc:
        return RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()])


def intake_step_of(
    services: Services, call: SignedCall, key: str | InvalidInput, now: datetime
) -> Callable[[UnitOfWork], service.Answer | Exception]:
    """The group-commit step of one partner appeal: its admission, then its intake."""
    s = services.settings
    payload = _appeal(call.body)
    where = payload.location if isinstance(payload, PartnerAppealIn) else None
    district = (services.geo.district_of(where.lat, where.lon) if where else None) or s.default_district

    def intake(partner: Partner) -> Callable[[UnitOfWork], service.Answer] | Exception:
        if isinstance(key, Exception):
            return key
        if isinstance(payload, Exception):
            return payload
        return partial(
            service.intake_step,
            partner=partner,
            idempotency_key=key,
            body_digest=signing.body_digest(call.body),
            data=payload.to_domain(partner=partner.code, district=district, now=now),
            raw_category=payload.category,
            media_ids=payload.media,
            region=Region(s.region_bbox),
            idempotency_window=timedelta(hours=s.partner_idempotency_hours),
            media_limit=s.partner_appeal_media_max_bytes,
            at=now,
        )

    return partial(service.admitted_intake, box=services.auth.box, call=call, intake=intake, at=now)


@gateway.post(
    "/appeals",
    status_code=201,
    response_model=PartnerAppealAccepted,
    summary="Send a citizen's appeal",
    openapi_extra=json_body(PartnerAppealIn) | {"parameters": [IDEMPOTENCY_PARAMETER]},
)
async def post_appeal(
    request: Request, call: Annotated[SignedCall, Depends(SignedLater(Scope.APPEALS_CREATE))]
) -> JSONResponse:
    # The request is checked (signature, nonce, rate limit) and registered in one step of the gateway's group
    # commit: one transaction for a batch of appeals, each answered once the batch is durable. What is wrong
    # with the request itself is told only to a caller whose signature holds.
    services = get_services(request)
    key = _idempotency_key(request)
    # Parsing and the district map (which may read the database) are kept off the event loop.
    step = await run_in_threadpool(intake_step_of, services, call, key, services.clock.now())
    # Queued for the gateway's group commit: answered once the batch holding it is durably committed.
    answer = await asyncio.wrap_future(services.partner_intake.submit(step, isolated=False))
    if isinstance(answer, Exception):
        raise answer
    return JSONResponse(answer.body, status_code=answer.status)


@gateway.get("/appeals/{appeal_id}", response_model=PartnerAppealOut, summary="Poll one of your appeals")
def get_appeal(
    appeal_id: RowId, partner: Annotated[Partner, Depends(SignedBy(Scope.APPEALS_READ))], uow: UowDep
) -> PartnerAppealOut:
    view = service.poll(uow, partner=partner, appeal_id=appeal_id)
    return PartnerAppealOut(
        id=view.appeal_id,
        number=view.number,
        status=view.status,
        result=view.result,
        received_at=view.received_at,
        updated_at=view.updated_at,
    )


@gateway.post(
    "/media",
    status_code=201,
    response_model=MediaOut,
    summary="Upload a photo, video or voice message",
    openapi_extra=binary_body(media.ACCEPTED_TYPES),
)
async def post_media(
    request: Request, partner: Annotated[Partner, Depends(SignedBy(Scope.MEDIA_UPLOAD))]
) -> MediaOut:
    services = get_services(request)
    stored = await run_in_threadpool(
        media.store,
        services.uow(),
        partner=partner,
        content=await request.body(),
        folder=services.settings.media_folder,
        max_bytes=services.settings.partner_media_max_bytes,
        at=services.clock.now(),
    )
    return MediaOut(
        id=stored.id, sha256=stored.sha256, kind=stored.kind.value, mime=stored.mime, size=stored.size
    )


@admin.get("", response_model=list[PartnerOut], summary="Partners and their keys (no secrets)")
def list_partners(actor: Admin, services: ServicesDep, uow: UowDep) -> list[PartnerOut]:
    return [PartnerOut.from_domain(p, keys) for p, keys in service.all_partners(uow, services.auth.box)]


@admin.post(
    "", response_model=IssuedOut, status_code=201, summary="Register a partner; its secret is shown once"
)
def create_partner(
    body: PartnerIn, actor: Admin, services: ServicesDep, uow: UowDep, at: NowDep
) -> IssuedOut:
    issued = service.create(uow, services.auth.box, partner=body.to_domain(), by=actor, at=at)
    return IssuedOut(
        partner=PartnerOut.from_domain(issued.partner, [issued.key]),
        key_id=issued.key.key_id,
        secret=issued.key.secret,
    )


@admin.post("/{code}/rotate", response_model=IssuedOut, status_code=201, summary="Issue a new key")
def rotate(code: PartnerCode, actor: Admin, services: ServicesDep, uow: UowDep, at: NowDep) -> IssuedOut:
    grace = timedelta(hours=services.settings.partner_key_grace_hours)
    issued = service.rotate(uow, services.auth.box, code=code, grace=grace, by=actor, at=at)
    return IssuedOut(
        partner=PartnerOut.from_domain(issued.partner, [issued.key]),
        key_id=issued.key.key_id,
        secret=issued.key.secret,
    )


@admin.post("/{code}/disable", response_model=PartnerOut, summary="Refuse the partner's requests")
def disable(code: PartnerCode, actor: Admin, uow: UowDep, at: NowDep) -> PartnerOut:
    return PartnerOut.from_domain(service.set_enabled(uow, code=code, enabled=False, by=actor, at=at), [])


@admin.post("/{code}/enable", response_model=PartnerOut, summary="Accept the partner's requests again")
def enable(code: PartnerCode, actor: Admin, uow: UowDep, at: NowDep) -> PartnerOut:
    return PartnerOut.from_domain(service.set_enabled(uow, code=code, enabled=True, by=actor, at=at), [])


@admin.get(
    "/{code}/deliveries", response_model=list[DeliveryOut], summary="Callbacks and their delivery attempts"
)
def deliveries(code: PartnerCode, actor: Admin, uow: UowDep) -> list[DeliveryOut]:
    return [DeliveryOut(**vars(m), tries=tries) for m, tries in service.deliveries(uow, code=code)]


@admin.post("/{code}/deliveries/{message_id}/retry", status_code=204, summary="Send a callback again now")
def retry_delivery(code: PartnerCode, message_id: RowId, actor: Admin, uow: UowDep, at: NowDep) -> None:
    service.retry_delivery(uow, code=code, message_id=message_id, by=actor, at=at)


@staff_media.get(
    "/{media_id}",
    summary="A photo, video or voice message of an appeal in your scope",
    response_class=FileResponse,
    responses={200: {"content": {mime: {} for mime in media.ACCEPTED_TYPES}}},
)
def download_media(
    media_id: MediaId,
    actor: Annotated[Actor, Depends(require(Permission.INCIDENTS_READ))],
    services: ServicesDep,
    uow: UowDep,
) -> FileResponse:
    found, path = media.open_for(uow, media_id, by=actor, folder=services.settings.media_folder)
    return FileResponse(
        path,
        media_type=found.mime,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
        content_disposition_type="inline",
        filename=f"{found.id}",
    )
