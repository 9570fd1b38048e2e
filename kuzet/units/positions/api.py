"""Routes of unit positions (AVL): report GPS fixes in batches, and read where every unit is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime

from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import get_services, require
from kuzet.core.errors import FieldError, InvalidInput
from kuzet.core.i18n import N_
from kuzet.core.ids import RowId
from kuzet.units.positions import service
from kuzet.units.schemas import FixesIn, IngestedOut, PositionOut

router = APIRouter(prefix="/api/v1/units", tags=["unit positions"])
Reporter = Annotated[Actor, Depends(require(Permission.UNITS_POSITION))]
Reader = Annotated[Actor, Depends(require(Permission.UNITS_READ))]


@router.post("/positions", response_model=IngestedOut, summary="Report GPS fixes (all are stored, or none)")
async def report(body: FixesIn, actor: Reporter, request: Request) -> IngestedOut:
    services = get_services(request)
    s = services.settings
    if len(body.fixes) > s.position_batch_max:
        raise InvalidInput(
            [
                FieldError(
                    "fixes",
                    N_("At most {max} fixes in one batch."),
                    "too_many",
                    params={"max": s.position_batch_max},
                )
            ]
        )
    done = await run_in_threadpool(
        service.ingest,
        services.uow(),
        [f.to_domain() for f in body.fixes],
        rules=service.fix_rules(s),
        snap=services.geo.snap,
        source="http",
        by=actor,
        at=services.clock.now(),
    )
    services.metrics.fixes.labels("http", "stored").inc(done.stored)
    return IngestedOut(stored=done.stored, on_road=done.on_road)


@router.get("/positions", response_model=list[PositionOut], summary="Last known position of every unit")
def positions(actor: Reader, request: Request) -> list[PositionOut]:
    services = get_services(request)
    now = services.clock.now()
    stale = services.settings.position_stale_seconds
    geo = services.geo
    return [
        PositionOut.from_domain(
            sign, district, p, now=now, stale_after=stale, district_now=geo.district_of(p.lat, p.lon)
        )
        for sign, district, p in service.latest(services.uow(), by=actor)
    ]


@router.get(
    "/{unit_id}/track", response_model=list[PositionOut], summary="A unit's fixes between two moments"
)
def track(
    unit_id: RowId,
    actor: Reader,
    request: Request,
    since: Annotated[AwareDatetime, Query(description="From (inclusive), with its UTC offset")],
    until: Annotated[AwareDatetime | None, Query(description="To (exclusive); default now")] = None,
) -> list[PositionOut]:
    services = get_services(request)
    now = services.clock.now()
    unit, fixes = service.track(services.uow(), unit_id=unit_id, since=since, until=until or now, by=actor)
    stale = services.settings.position_stale_seconds
    return [
        PositionOut.from_domain(unit.call_sign, unit.district, p, now=now, stale_after=stale) for p in fixes
    ]
