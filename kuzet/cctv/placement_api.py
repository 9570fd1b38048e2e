"""Route of the placement plan for the console: where the next N cameras should go, as a GeoJSON layer.

`GET /api/v1/cctv/placement?new=25&period=2025` runs the plan over the road graph's intersections (the
same use case as `kuzet cctv plan`) within a time limit of at most 60 s, and returns the FeatureCollection
of `placement_output` (chosen sites with the incidents they newly cover, their view sectors, and the summary
in `plan`). Nothing is stored. Supervisors, analysts and administrators (statistics) may ask. A server
process computes one plan at a time (each holds a core for up to its time limit); another waits its turn.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends
from fastapi import Query as Param
from fastapi.responses import JSONResponse

from kuzet.analytics.domain import Origin
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.clock import to_local
from kuzet.core.deps import NowDep, ServicesDep, UowDep, require
from kuzet.core.errors import FieldError, InvalidInput
from kuzet.core.i18n import N_
from kuzet.core.openapi import problems

router = APIRouter(prefix="/api/v1/cctv", tags=["cctv"])
Stats = Annotated[Actor, Depends(require(Permission.STATS_READ))]
MAX_TIME_LIMIT_S: Final = 60.0
REFUSED: Final = N_("The plan cannot be made: {reason}")
_ONE_AT_A_TIME: Final = threading.Lock()


@router.get(
    "/placement",
    summary="Where the next cameras should go to see the most incidents (a GeoJSON layer)",
    description=(
        "The maximal covering location problem over the road graph's intersections: chooses `new` camera "
        "views (at most one per intersection) that see the most incidents of the period not seen by a "
        "registered camera, incidents weighted by priority (P1 4, P2 3, P3 2, P4 1). Solved exactly by HiGHS "
        "within `time_limit` seconds, beside a greedy baseline; the answer is never worse than greedy's. "
        "Returns a GeoJSON FeatureCollection: a Point per chosen camera (`kind` site, with `new_incidents` "
        "and `new_weight`), a Polygon per view (`kind` sector), and the summary in `plan`."
    ),
    responses={200: {"content": {"application/geo+json": {}}}, **problems(403, 422)},
)
def placement(
    _actor: Stats,
    services: ServicesDep,
    uow: UowDep,
    at: NowDep,
    new: Annotated[int, Param(gt=0, le=500, description="How many new cameras")],
    period: Annotated[
        str | None,
        Param(
            max_length=40,
            description="2025, 2025-06, 2025-06-01 or a..b (local dates); default the last 365 days",
        ),
    ] = None,
    origin: Annotated[
        Origin, Param(description="Incidents: live, imported (no points) or all")
    ] = Origin.LIVE,
    views: Annotated[
        str, Param(max_length=10, description="Per site: NxFOV fixed headings (4x90) or dome")
    ] = "4x90",
    range_m: Annotated[float, Param(gt=0, le=2000, description="A new camera's useful range, metres")] = 80.0,
    time_limit: Annotated[
        float, Param(gt=0, le=MAX_TIME_LIMIT_S, description="Seconds for the solve")
    ] = 20.0,
) -> JSONResponse:
    from kuzet.cctv.placement import PlacementError
    from kuzet.cctv.placement_incidents import Period, parse_period
    from kuzet.cctv.placement_output import to_geojson
    from kuzet.cctv.placement_service import PlanRequest, plan_placement, registry_views
    from kuzet.cctv.placement_sites import parse_views
    from kuzet.cctv.placement_visibility import region_coverage

    settings = services.settings
    try:
        if period is None:
            today = to_local(at).date()
            chosen = Period(today - timedelta(days=364), today)
        else:
            chosen = parse_period(period)
        request = PlanRequest(
            period=chosen,
            new_cameras=new,
            origin=origin,
            views=parse_views(views, range_m),
            time_limit_s=time_limit,
        )
        roads = services.geo.roads
        with _ONE_AT_A_TIME:
            report = plan_placement(
                services.engine,
                request,
                existing=registry_views(uow),
                graph=None if roads is None else roads.graph,
                region=settings.region_bbox,
                coverage=region_coverage(settings.region_bbox, settings.buildings_file),
            )
    except PlacementError as exc:
        raise InvalidInput(
            [FieldError(exc.field, REFUSED, "placement", "query", {"reason": str(exc)})]
        ) from None
    body: dict[str, Any] = to_geojson(report)
    return JSONResponse(body, media_type="application/geo+json")
