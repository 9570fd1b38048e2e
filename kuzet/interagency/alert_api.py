"""Routes of public alerts: supervisors issue, update, cancel and import CAP alerts (/api/v1/alerts); every
operational role reads them for the map. The Atom feed of our alerts in force and each alert's CAP document
are public (/feeds/…), as a public alerting hub reads them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import NowDep, ServicesDep, UowDep, get_services, require
from kuzet.core.ids import RowId
from kuzet.core.openapi import binary_body, problems
from kuzet.interagency import alert_import, alert_service
from kuzet.interagency.alert_schemas import AlertIn, AlertOut, AlertPatch, CancelIn
from kuzet.interagency.alert_service import MEDIA_TYPE, Issuer, UnsupportedMediaType
from kuzet.interagency.alerts import AlertOrigin
from kuzet.interagency.cap import cap_time
from kuzet.interagency.cap_feed import AtomFeedInfo, to_atom_feed
from kuzet.interagency.cap_xml import DEFAULT_MAX_CAP_BYTES

router = APIRouter(prefix="/api/v1/alerts", tags=["public alerts"])
feed_router = APIRouter(prefix="/feeds", tags=["public alerts"])
Reader = Annotated[Actor, Depends(require(Permission.ALERTS_READ))]
Supervisor = Annotated[Actor, Depends(require(Permission.ALERTS_ISSUE))]
IMPORT_TYPES = ("application/cap+xml", "application/xml", "text/xml")
ATOM_TYPE = "application/atom+xml"
PUBLIC_ROUTES = {("GET", "/feeds/alerts.atom"), ("GET", "/feeds/alerts/{identifier}.xml")}


def _issuer(services: ServicesDep) -> Issuer:
    return Issuer(sender=services.settings.cap_sender, sender_name=services.settings.region_name)


IssuerDep = Annotated[Issuer, Depends(_issuer)]


@router.post(
    "", response_model=AlertOut, status_code=201, summary="Issue a public alert (CAP 1.2, ru and kk)"
)
def issue_alert(body: AlertIn, actor: Supervisor, uow: UowDep, issuer: IssuerDep, at: NowDep) -> AlertOut:
    alert = alert_service.issue(uow, body.to_domain(), issuer=issuer, by=actor, at=at)
    return AlertOut.from_domain(alert, at)


@router.get("", response_model=list[AlertOut], summary="Public alerts, newest first, with their areas")
def list_alerts(
    actor: Reader,
    uow: UowDep,
    at: NowDep,
    active: Annotated[bool, Query(description="Only alerts in force now")] = False,
    origin: Annotated[AlertOrigin | None, Query(description="ours or imported")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[AlertOut]:
    found = alert_service.listing(uow, current_at=at if active else None, origin=origin, limit=limit)
    return [AlertOut.from_domain(alert, at) for alert in found]


@router.post(
    "/import",
    response_model=AlertOut,
    status_code=201,
    summary="Import another agency's CAP alert (CAP 1.2 or 1.1 XML)",
    openapi_extra=binary_body(IMPORT_TYPES),
    responses=problems(409, 415),
)
async def import_alert(
    request: Request,
    actor: Supervisor,
    source: Annotated[str | None, Query(max_length=200, description="Where it came from")] = None,
) -> AlertOut:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in IMPORT_TYPES:
        raise UnsupportedMediaType()
    services = get_services(request)
    body = await request.body()
    at = services.clock.now()
    alert = await run_in_threadpool(
        alert_import.import_cap,
        services.uow(),
        body,
        source=source or f"upload:{actor.name}",
        by=actor,
        at=at,
        max_bytes=DEFAULT_MAX_CAP_BYTES,
    )
    return AlertOut.from_domain(alert, at)


@router.get("/{alert_id}", response_model=AlertOut, summary="One public alert")
def get_alert(alert_id: RowId, actor: Reader, uow: UowDep, at: NowDep) -> AlertOut:
    return AlertOut.from_domain(alert_service.get(uow, alert_id), at)


@router.get(
    "/{alert_id}/cap.xml",
    response_class=Response,
    summary="The alert's CAP document, as sent or received",
    responses={200: {"content": {MEDIA_TYPE: {}}}},
)
def get_alert_cap(alert_id: RowId, actor: Reader, uow: UowDep) -> Response:
    return Response(alert_service.get(uow, alert_id).cap_xml.encode(), media_type=MEDIA_TYPE)


@router.post(
    "/{alert_id}/update",
    response_model=AlertOut,
    status_code=201,
    summary="Update an alert: a new CAP message (Update) referring to the earlier ones",
    responses=problems(409),
)
def update_alert(
    alert_id: RowId, body: AlertPatch, actor: Supervisor, uow: UowDep, issuer: IssuerDep, at: NowDep
) -> AlertOut:
    area = body.area.to_domain() if body.area is not None else None
    alert = alert_service.update(
        uow, alert_id, changes=body.changes(), area=area, issuer=issuer, by=actor, at=at
    )
    return AlertOut.from_domain(alert, at)


@router.post(
    "/{alert_id}/cancel",
    response_model=AlertOut,
    status_code=201,
    summary="Cancel an alert: a new CAP message (Cancel) referring to the earlier ones",
    responses=problems(409),
)
def cancel_alert(
    alert_id: RowId, body: CancelIn, actor: Supervisor, uow: UowDep, issuer: IssuerDep, at: NowDep
) -> AlertOut:
    alert = alert_service.cancel(uow, alert_id, reason=body.reason, issuer=issuer, by=actor, at=at)
    return AlertOut.from_domain(alert, at)


def _public_url(request: Request, identifier: str) -> str:
    return str(request.url_for("published_alert", identifier=identifier))


@feed_router.get(
    "/alerts.atom",
    response_class=Response,
    summary="Atom feed of our alerts in force and cancellations until expiry, each with its CAP (public)",
    responses={200: {"content": {ATOM_TYPE: {}}}},
)
def alert_feed(request: Request, services: ServicesDep, uow: UowDep, at: NowDep) -> Response:
    alerts = alert_service.feed_alerts(uow, at=at)
    sender = services.settings.cap_sender
    updated = max((alert.sent for alert in alerts), default=cap_time(at))
    feed = to_atom_feed(
        alerts,
        feed=AtomFeedInfo(
            feed_id=f"urn:kuzet:alerts:{sender}",
            title=f"{services.settings.region_name}: public alerts",
            self_url=str(request.url_for("alert_feed")),
            author=sender,
        ),
        updated=updated,
        alert_url=lambda alert: _public_url(request, alert.identifier),
        reference_url=lambda earlier: (
            _public_url(request, earlier.identifier) if earlier.sender == sender else None
        ),
    )
    return Response(feed, media_type=ATOM_TYPE)


@feed_router.get(
    "/alerts/{identifier}.xml",
    response_class=Response,
    summary="One of our public alerts as CAP (public)",
    responses={200: {"content": {MEDIA_TYPE: {}}}},
)
def published_alert(identifier: Annotated[str, Path(max_length=200)], uow: UowDep) -> Response:
    return Response(alert_service.published(uow, identifier).cap_xml.encode(), media_type=MEDIA_TYPE)
