"""Routes of coverage analytics: the share of incidents seen by at least one online camera
(/api/v1/analytics/cctv-coverage) and the hot-spots of those no camera saw (.../cctv-coverage/hotspots, a
GeoJSON layer). Statistics roles (supervisors, analysts, leaders) may ask; a district's staff get their
district only. Dates are local (Asia/Almaty), both ends included; without them, the last 365 days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Header
from fastapi import Query as Param
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from kuzet.analytics.domain import Origin, period_problems
from kuzet.analytics.explain import coverage_explanation
from kuzet.cctv import coverage_service as service
from kuzet.cctv.buildings_osm import load_buildings
from kuzet.cctv.coverage import CoverageRow, Verdict
from kuzet.cctv.coverage_grid import to_geojson
from kuzet.cctv.coverage_service import Coverage, Group
from kuzet.cctv.coverage_store import CoverageSelection
from kuzet.cctv.visibility import LocalProjection
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.clock import to_local
from kuzet.core.deps import NowDep, ServicesDep, UowDep, require
from kuzet.core.errors import FieldError, InvalidInput
from kuzet.core.i18n import N_, negotiate
from kuzet.core.openapi import problems

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
Stats = Annotated[Actor, Depends(require(Permission.STATS_READ))]
Listed = Annotated[str | None, Param(max_length=500, description="Comma-separated values")]
MAX_DAYS: Final = 731
DEFINITION: Final = (
    "An incident is seen when a camera that existed then (registered, not yet retired) and was online at "
    "the incident's time (its heartbeat spans; before its first heartbeat, its registry status: active is "
    "online) has the incident's point in its view sector and range with no building in the line of sight. "
    "An incident not seen is counted under the first reason that applies: camera_offline (a camera would "
    "have seen it), blocked (a building in every line of sight), out_of_view (a camera within 300 m, the "
    "point out of its sector or range), no_camera_near. Incidents without a point (imported ones) are "
    "counted apart, in neither."
)


class SelectionOut(BaseModel):
    first: date = Field(serialization_alias="from")
    last: date = Field(serialization_alias="to")
    origin: Origin
    category: list[str]
    priority: list[int]
    district: list[str]


class CoverageRowOut(BaseModel):
    key: str | int | None = Field(description="The group's value; null in the total (or no district)")
    incidents: int = Field(description="Incidents with a point")
    seen: int
    share: float | None = Field(description="seen / incidents, 0-1 (null: no incidents)")
    not_seen: dict[str, int] = Field(
        description="By reason: camera_offline, blocked, out_of_view, no_camera_near"
    )

    @classmethod
    def of(cls, row: CoverageRow) -> CoverageRowOut:
        share = row.share
        return cls(
            key=row.key,
            incidents=row.incidents,
            seen=row.seen,
            share=None if share is None else round(share, 6),
            not_seen=row.not_seen,
        )


class CoverageOut(BaseModel):
    definition: str = DEFINITION
    group: Group
    selection: SelectionOut
    cameras: int = Field(description="Cameras of the registry counted (registered before the period's end)")
    without_point: int = Field(description="Live incidents left out: no point")
    imported_without_point: int = Field(description="Imported incidents left out: they carry no point")
    total: CoverageRowOut
    rows: list[CoverageRowOut]
    explanation: str | None = Field(
        default=None,
        description="When no incident with a point was found: why, in the caller's language (the incidents "
        "left out without a point, the other origin's matches, the caller's districts); null otherwise",
    )


def _split(text: str | None) -> tuple[str, ...]:
    return () if text is None else tuple(p.strip() for p in text.split(",") if p.strip())


def selection(
    actor: Stats,
    uow: UowDep,
    at: NowDep,
    first: Annotated[date | None, Param(alias="from", description="First local date, included")] = None,
    last: Annotated[date | None, Param(alias="to", description="Last local date, included")] = None,
    origin: Annotated[Origin, Param(description="live (default), imported or all")] = Origin.LIVE,
    category: Listed = None,
    priority: Listed = None,
    district: Listed = None,
) -> CoverageSelection:
    """The checked selection in the asker's scope; a 422 names each bad field."""
    bad = period_problems(first, last)
    try:
        priorities = tuple(int(p) for p in _split(priority))
    except ValueError:
        bad.append(
            FieldError("priority", N_("Must be whole numbers separated by commas."), "int_parsing", "query")
        )
        priorities = ()
    if bad:
        raise InvalidInput(bad)
    today = to_local(at).date()
    end = last or (today if first is None else max(first, today))
    begin = first or end - timedelta(days=364)
    if (end - begin).days >= MAX_DAYS:
        bad.append(
            FieldError(
                "to", N_("The period is at most {days} days."), "period_too_long", "query", {"days": MAX_DAYS}
            )
        )
    if bad:
        raise InvalidInput(bad)
    chosen = CoverageSelection(begin, end, origin, _split(category), priorities, _split(district))
    return service.in_scope(uow, chosen, actor)


Chosen = Annotated[CoverageSelection, Depends(selection)]


def _assess(services: ServicesDep, uow: UowDep, at: NowDep, chosen: CoverageSelection) -> Coverage:
    settings = services.settings
    projection = LocalProjection.around(settings.region_bbox)
    return service.assess(
        uow,
        chosen,
        buildings=load_buildings(settings.buildings_file, projection),
        projection=projection,
        now=at,
        offline_after=timedelta(seconds=settings.cctv_offline_seconds),
    )


def _selection_out(chosen: CoverageSelection) -> SelectionOut:
    return SelectionOut(
        first=chosen.first,
        last=chosen.last,
        origin=chosen.origin,
        category=list(chosen.categories),
        priority=list(chosen.priorities),
        district=list(chosen.districts),
    )


@router.get(
    "/cctv-coverage",
    response_model=CoverageOut,
    response_model_by_alias=True,
    summary="The share of incidents seen by at least one online camera, by period, category, priority or "
    "district",
    description=DEFINITION,
    responses=problems(403, 422),
)
def cctv_coverage(
    actor: Stats,
    services: ServicesDep,
    uow: UowDep,
    at: NowDep,
    chosen: Chosen,
    group: Annotated[Group, Param(description="day, week, month (local), category, priority, district")] = (
        Group.MONTH
    ),
    accept_language: Annotated[str | None, Header()] = None,
) -> CoverageOut:
    found = service.coverage_table(_assess(services, uow, at, chosen), group)
    rows = found.coverage.incidents
    why = None
    if not found.total.incidents:
        why = coverage_explanation(
            found.total.incidents,
            origin=chosen.origin,
            live_without_point=rows.without_point,
            imported=rows.imported_without_point,
            other=service.other_origin(uow, chosen),
            by=actor,
            locale=negotiate(accept_language),
        )
    return CoverageOut(
        group=group,
        selection=_selection_out(chosen),
        cameras=found.coverage.cameras,
        without_point=rows.without_point,
        imported_without_point=rows.imported_without_point,
        total=CoverageRowOut.of(found.total),
        rows=[CoverageRowOut.of(r) for r in found.rows],
        explanation=why,
    )


@router.get(
    "/cctv-coverage/hotspots",
    summary="Hot-spots of incidents no camera saw: grid cells weighted by priority (a GeoJSON layer)",
    description=(
        "The uncovered incidents of the period (as in cctv-coverage) in square cells of `cell` metres of the "
        "region's local projection, weighted by priority (P1 4, P2 3, P3 2, P4 1); the `top` cells by "
        "weight as Polygons with `uncovered`, `weight`, `by_reason` and `by_priority`, the totals in "
        "`coverage`."
    ),
    responses={200: {"content": {"application/geo+json": {}}}, **problems(403, 422)},
)
def cctv_coverage_hotspots(
    _actor: Stats,
    services: ServicesDep,
    uow: UowDep,
    at: NowDep,
    chosen: Chosen,
    cell: Annotated[float, Param(ge=25, le=5000, description="The cell's side, metres")] = 200.0,
    top: Annotated[int, Param(ge=1, le=1000, description="How many cells, the heaviest first")] = 50,
) -> JSONResponse:
    coverage = _assess(services, uow, at, chosen)
    spots, cells = service.coverage_hotspots(coverage, cell_m=cell, top=top)
    total = service.coverage_table(coverage, Group.PRIORITY).total
    summary: dict[str, Any] = {
        "selection": _selection_out(chosen).model_dump(mode="json", by_alias=True),
        "cell_m": cell,
        "cells": cells,
        "incidents": total.incidents,
        "seen": total.seen,
        "uncovered": total.incidents - total.seen,
        "not_seen": total.not_seen,
        "reasons": [v.label for v in Verdict if v is not Verdict.SEEN],
    }
    projection = LocalProjection.around(services.settings.region_bbox)
    body = to_geojson(spots, cell_m=cell, projection=projection, summary=summary)
    return JSONResponse(body, media_type="application/geo+json")
