"""Routes of hand-overs: staff hand an incident over and see its hand-overs (/api/v1/incidents/…/handovers);
agencies answer with calls signed by their key (/api/v1/agency/handovers/{ref}/…)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import NowDep, ServicesDep, UowDep, get_services, require, source_address
from kuzet.core.ids import RowId
from kuzet.core.openapi import json_body, problems
from kuzet.core.signing import SignedCall, SignedRequest
from kuzet.interagency import handover_changes, handovers
from kuzet.interagency.handover import AgencyScope
from kuzet.interagency.handover_schemas import (
    AckIn,
    AnsweredOut,
    CancelIn,
    HandoverIn,
    HandoverOut,
    HandoversOut,
    StatusIn,
)

router = APIRouter(prefix="/api/v1/incidents", tags=["hand-overs"])
agency_router = APIRouter(prefix="/api/v1/agency", tags=["agency exchange"])
Dispatcher = Annotated[Actor, Depends(require(Permission.DISPATCH))]
Reader = Annotated[Actor, Depends(require(Permission.INCIDENTS_READ))]
# Checked only for length: an unknown reference is a 404, told only to a caller whose signature holds.
Ref = Annotated[str, Path(max_length=40, description="The hand-over's reference")]
AgencyCode = Annotated[str, Path(min_length=2, max_length=30, description="The service's code")]


@router.post(
    "/{incident_id}/handovers",
    response_model=HandoverOut,
    status_code=201,
    summary="Hand the incident over to an agency (101, 103, 104, 112)",
)
def create_handover(
    incident_id: RowId, body: HandoverIn, actor: Dispatcher, uow: UowDep, services: ServicesDep, at: NowDep
) -> HandoverOut:
    handover = handovers.request(
        uow, incident_id=incident_id, agency_code=body.agency, note=body.note, by=actor, at=at
    )
    listed = handovers.listing(uow, incident_id=incident_id, by=actor)
    return HandoverOut.from_domain(handover, listed.agencies[handover.agency_code], services.clock.now())


@router.get(
    "/{incident_id}/handovers",
    response_model=HandoversOut,
    summary="The incident's hand-overs with their state, and the agencies its category proposes",
)
def list_handovers(incident_id: RowId, actor: Reader, uow: UowDep, at: NowDep) -> HandoversOut:
    listed = handovers.listing(uow, incident_id=incident_id, by=actor)
    return HandoversOut(
        handovers=[HandoverOut.from_domain(h, listed.agencies[h.agency_code], at) for h in listed.handovers],
        proposed_agencies=listed.proposed,
    )


@router.post(
    "/{incident_id}/handovers/{agency}/cancel",
    response_model=HandoverOut,
    summary="Cancel the incident's live hand-over to a service, with a reason the service is sent",
    responses=problems(409),
)
def cancel_handover(
    incident_id: RowId, agency: AgencyCode, body: CancelIn, actor: Dispatcher, uow: UowDep, at: NowDep
) -> HandoverOut:
    cancelled = handover_changes.cancel(
        uow, incident_id=incident_id, agency_code=agency, reason=body.reason, by=actor, at=at
    )
    listed = handovers.listing(uow, incident_id=incident_id, by=actor)
    return HandoverOut.from_domain(cancelled, listed.agencies[cancelled.agency_code], at)


class SignedByAgency:
    """A dependency that reads what an agency's request says about its signature; the checks run in the
    answer's own transaction. The scope is kept on the object for the start-up permission check."""

    def __init__(self, scope: AgencyScope) -> None:
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


Signed = Annotated[SignedCall, Depends(SignedByAgency(AgencyScope.HANDOVERS_ANSWER))]


def _parsed(model: type[AckIn] | type[StatusIn], body: bytes) -> AckIn | StatusIn | RequestValidationError:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        return RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()])


async def _answer(
    request: Request, call: SignedCall, ref: str, model: type[AckIn] | type[StatusIn]
) -> AnsweredOut:
    services = get_services(request)
    parsed = _parsed(model, call.body)
    step = parsed if isinstance(parsed, Exception) else parsed.to_domain()
    done = await run_in_threadpool(
        handovers.answer, services.uow(), services.auth.box, call, ref=ref, step=step, at=services.clock.now()
    )
    return AnsweredOut(ref=done.handover.ref, state=done.handover.state, applied=done.applied)


@agency_router.post(
    "/handovers/{ref}/ack",
    response_model=AnsweredOut,
    summary="The agency accepts or rejects a hand-over (signed by the agency's key)",
    openapi_extra=json_body(AckIn),
    responses=problems(409),
)
async def acknowledge(request: Request, ref: Ref, call: Signed) -> AnsweredOut:
    return await _answer(request, call, ref, AckIn)


@agency_router.post(
    "/handovers/{ref}/status",
    response_model=AnsweredOut,
    summary="The agency reports dispatched, on scene or closed, with its units (signed by the agency's key)",
    openapi_extra=json_body(StatusIn),
    responses=problems(409),
)
async def report_status(request: Request, ref: Ref, call: Signed) -> AnsweredOut:
    return await _answer(request, call, ref, StatusIn)
