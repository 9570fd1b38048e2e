"""Routes of 102 call-taking: register an appeal, see duplicate suggestions while typing, move an appeal."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime

from kuzet.appeals import history, service
from kuzet.appeals.domain import Channel, Region
from kuzet.appeals.schemas import (
    AppealIn,
    AppealOut,
    DuplicateQuery,
    EarlierAppealOut,
    MoveIn,
    RegistrationOut,
)
from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import NowDep, ServicesDep, UowDep, require
from kuzet.core.ids import RowId

if TYPE_CHECKING:
    from kuzet.geo.gazetteer import Candidate
from kuzet.incidents import queries as incidents
from kuzet.incidents.schemas import IncidentOut, SuggestionOut
from kuzet.partners.schemas import ChannelCountOut

router = APIRouter(prefix="/api/v1/appeals", tags=["appeals"])
CallTaker = Annotated[Actor, Depends(require(Permission.APPEALS_CREATE))]


def _window(services: Services) -> tuple[float, timedelta]:
    s = services.settings
    return s.duplicate_radius_m, timedelta(minutes=s.duplicate_window_minutes)


@router.post("", response_model=RegistrationOut, status_code=201, summary="Register a 102 appeal")
def register(
    body: AppealIn, actor: CallTaker, services: ServicesDep, uow: UowDep, at: NowDep
) -> RegistrationOut:
    data = body.to_domain(at)
    found = _place_of_address(services, data.address) if data.lat is None and data.lon is None else None
    if found is not None:
        data = replace(data, lat=found.lat, lon=found.lon)
    # The district map decides where the place lies, whichever district the call-taker works for.
    located = services.geo.district_of(data.lat, data.lon)
    done = service.register(
        uow,
        data=data,
        region=Region(services.settings.region_bbox),
        link_to=body.incident_id,
        by=actor,
        at=at,
        located=located,
    )
    suggestions = []
    if data.lat is not None and data.lon is not None:
        radius, window = _window(services)
        suggestions = incidents.duplicates(
            uow,
            lat=data.lat,
            lon=data.lon,
            category_code=data.category_code,
            at=data.received_at,
            radius_m=radius,
            window=window,
            by=actor,
        )
    return RegistrationOut(
        appeal=AppealOut.from_domain(done.appeal, viewer_role=actor.role),
        incident=IncidentOut.from_domain(done.incident),
        new_incident=done.new_incident,
        duplicates=[SuggestionOut.from_domain(s) for s in suggestions if s.incident.id != done.incident.id],
        placed_by_address=found.label if found is not None else None,
    )


def _place_of_address(services: Services, address: str | None) -> Candidate | None:
    """No point came: the place the typed address clearly names, if the gazetteer knows it."""
    if address is None or not address.strip():
        return None
    gazetteer = services.geo.gazetteer
    return gazetteer.confident(address) if gazetteer is not None else None


@router.post(
    "/duplicates", response_model=list[SuggestionOut], summary="Open incidents that may be this event"
)
def duplicates(
    body: DuplicateQuery, actor: CallTaker, services: ServicesDep, uow: UowDep, at: NowDep
) -> list[SuggestionOut]:
    radius, window = _window(services)
    found = incidents.duplicates(
        uow,
        lat=body.lat,
        lon=body.lon,
        category_code=body.category_code,
        at=body.received_at or at,
        radius_m=radius,
        window=window,
        by=actor,
    )
    return [SuggestionOut.from_domain(s) for s in found]


@router.get(
    "/history",
    response_model=list[EarlierAppealOut],
    summary="A caller's earlier appeals (by phone), the latest first",
)
def caller_history(
    actor: CallTaker,
    uow: UowDep,
    phone: Annotated[
        str, Query(min_length=1, max_length=32, description="The caller's phone in any usual form")
    ],
    limit: Annotated[int, Query(ge=1, le=history.MAX_LIMIT)] = 10,
) -> list[EarlierAppealOut]:
    found = history.caller_history(uow, phone=phone, limit=limit, by=actor)
    return [EarlierAppealOut.from_domain(e.appeal, e.incident) for e in found]


@router.get("/{appeal_id}", response_model=AppealOut, summary="One appeal")
def get_appeal(
    appeal_id: RowId, actor: Annotated[Actor, Depends(require(Permission.INCIDENTS_READ))], uow: UowDep
) -> AppealOut:
    return AppealOut.from_domain(service.get(uow, appeal_id=appeal_id, by=actor), viewer_role=actor.role)


@router.post(
    "/{appeal_id}/move", response_model=RegistrationOut, summary="Join another incident, or split off"
)
def move(
    appeal_id: RowId,
    body: MoveIn,
    actor: Annotated[Actor, Depends(require(Permission.INCIDENTS_MANAGE))],
    uow: UowDep,
    at: NowDep,
) -> RegistrationOut:
    done = service.move(uow, appeal_id=appeal_id, to_incident=body.incident_id, by=actor, at=at)
    return RegistrationOut(
        appeal=AppealOut.from_domain(done.appeal, viewer_role=actor.role),
        incident=IncidentOut.from_domain(done.incident),
        new_incident=done.new_incident,
        duplicates=[],
    )


@router.get(
    "/stats/channels", response_model=list[ChannelCountOut], summary="Appeals per channel and partner"
)
def channel_counts(
    actor: Annotated[Actor, Depends(require(Permission.STATS_READ))],
    uow: UowDep,
    since: AwareDatetime,
    until: AwareDatetime,
) -> list[ChannelCountOut]:
    counted = service.count_by_channel(uow, since=since, until=until)
    return [ChannelCountOut(channel=Channel(c), partner=p, appeals=n) for c, p, n in counted]
