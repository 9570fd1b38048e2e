"""Routes of the incident search and the recently closed list (included before /incidents/{incident_id})."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, Field

from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import UowDep, require
from kuzet.core.pii import PiiKind, shown
from kuzet.incidents import search
from kuzet.incidents.domain import Disposition, IncidentStatus

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])
Reader = Annotated[Actor, Depends(require(Permission.INCIDENTS_READ))]


class SearchHitOut(BaseModel):
    id: int
    number: str
    status: IncidentStatus
    category_code: str
    priority: int
    district: str | None
    address: str | None
    description: str
    received_at: datetime
    cleared_at: datetime | None
    closed_at: datetime | None
    disposition: Disposition | None
    merged_into_id: int | None
    appeal_count: int
    appeal_numbers: list[str] = Field(
        description="The numbers of its appeals (102-2026-000123), oldest first"
    )
    caller_phones: list[str] = Field(
        description="Its callers' phones, whole for roles that may see them and masked for others"
    )

    @classmethod
    def from_domain(cls, hit: search.Hit, *, viewer_role: str | None) -> SearchHitOut:
        i = hit.incident
        return cls(
            id=i.id,
            number=i.number,
            status=i.status,
            category_code=i.category_code,
            priority=i.priority,
            district=i.district,
            address=i.address,
            description=i.description,
            received_at=i.stamps.received_at,
            cleared_at=i.stamps.cleared_at,
            closed_at=i.stamps.closed_at,
            disposition=i.disposition,
            merged_into_id=i.merged_into_id,
            appeal_count=hit.appeals,
            appeal_numbers=list(hit.appeal_numbers),
            caller_phones=[p for p in (shown(p, PiiKind.PHONE, viewer_role) for p in hit.phones) if p],
        )


class SearchPageOut(BaseModel):
    items: list[SearchHitOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")


_TEXT = {"max_length": 500}


@router.get(
    "/search",
    response_model=SearchPageOut,
    summary="Search open and closed incidents: number, caller's phone, address, text; period and filters",
)
def search_incidents(
    actor: Reader,
    uow: UowDep,
    q: Annotated[
        str | None,
        Query(description="Words of the description, addresses, callers' words and notes", **_TEXT),
    ] = None,
    number: Annotated[
        str | None,
        Query(description="An incident or appeal number: 102-2026-000123, 2026-000123 or 123", max_length=40),
    ] = None,
    phone: Annotated[
        str | None, Query(description="A caller's phone in any usual form (+7 701 …, 8 701 …)", max_length=32)
    ] = None,
    address: Annotated[str | None, Query(description="Part of the address", **_TEXT)] = None,
    since: Annotated[AwareDatetime | None, Query(alias="from", description="Received at or after")] = None,
    until: Annotated[AwareDatetime | None, Query(alias="to", description="Received before")] = None,
    district: Annotated[str | None, Query(max_length=40)] = None,
    category: Annotated[str | None, Query(max_length=60)] = None,
    status: Annotated[list[IncidentStatus] | None, Query(description="One or more statuses")] = None,
    limit: Annotated[int, Query(ge=1, le=search.MAX_LIMIT)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> SearchPageOut:
    criteria = search.Criteria(
        text=q,
        number=number,
        phone=phone,
        address=address,
        since=since,
        until=until,
        district=district,
        category=category,
        statuses=tuple(status or ()),
        limit=limit,
        cursor=cursor,
    )
    page = search.search(uow, criteria, by=actor)
    return SearchPageOut(
        items=[SearchHitOut.from_domain(h, viewer_role=actor.role) for h in page.hits],
        next_cursor=page.next_cursor,
    )


@router.get(
    "/recently-closed",
    response_model=list[SearchHitOut],
    summary="The incidents closed last, the latest first",
)
def recently_closed(
    actor: Reader,
    uow: UowDep,
    limit: Annotated[int, Query(ge=1, le=100)] = search.RECENTLY_CLOSED,
) -> list[SearchHitOut]:
    hits = search.recently_closed(uow, by=actor, limit=limit)
    return [SearchHitOut.from_domain(h, viewer_role=actor.role) for h in hits]
