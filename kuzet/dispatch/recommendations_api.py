"""Routes of dispatch intelligence: recommended units for an incident, and an assigned unit's road route."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import get_services, require
from kuzet.core.i18n import negotiate, translate
from kuzet.core.ids import RowId
from kuzet.core.openapi import problems
from kuzet.dispatch import recommendations, routes
from kuzet.dispatch.schemas import RecommendationOut, RecommendedOut, RouteOut

router = APIRouter(prefix="/api/v1", tags=["dispatch"])
Dispatcher = Annotated[Actor, Depends(require(Permission.DISPATCH))]
Reader = Annotated[Actor, Depends(require(Permission.INCIDENTS_READ))]


@router.get(
    "/incidents/{incident_id}/recommendations",
    response_model=RecommendationOut,
    summary="Units to send, fastest to arrive by road first",
    responses=problems(503),
)
def recommend(
    incident_id: RowId,
    actor: Dispatcher,
    request: Request,
    k: Annotated[int, Query(ge=1, le=50, description="How many units")] = 5,
) -> RecommendationOut:
    services = get_services(request)
    s = services.settings
    now = services.clock.now()
    found = recommendations.recommend(
        services.uow(),
        incident_id=incident_id,
        k=k,
        geo=services.geo,
        stale_after_s=s.position_stale_seconds,
        foot_speed_kmh=s.foot_speed_kmh,
        by=actor,
        at=now,
    )
    locale = negotiate(request.headers.get("accept-language"))
    return RecommendationOut(
        incident_id=incident_id,
        computed_at=now,
        travel_time_factor=found.travel_time_factor,
        incident_road_distance_m=found.incident_road_distance_m,
        map=found.graph_source,
        eligible=found.eligible,
        skipped=found.skipped,
        units=[
            RecommendedOut(
                unit_id=r.unit_id,
                call_sign=r.call_sign,
                type=r.unit_type.value,
                status=r.status.value,
                district=r.district,
                district_now=r.district_now,
                other_district=r.other_district,
                eta_s=r.eta_s,
                road_m=r.road_m,
                straight_m=r.straight_m,
                position_at=r.position_at,
                position_age_s=r.age_s,
                stale=r.stale,
                preemptable=r.preemptable,
                current_incident_id=r.busy.incident_id if r.busy else None,
                explanation=" ".join(translate(m, locale, **p) for m, p in r.reasons),
            )
            for r in found.units
        ],
    )


@router.get(
    "/assignments/{assignment_id}/route",
    response_model=RouteOut,
    summary="The assigned unit's road route to the incident (GeoJSON)",
    responses=problems(503),
)
def route(assignment_id: RowId, actor: Reader, request: Request) -> RouteOut:
    services = get_services(request)
    found = routes.route(
        services.uow(),
        assignment_id=assignment_id,
        geo=services.geo,
        stale_after_s=services.settings.position_stale_seconds,
        by=actor,
        at=services.clock.now(),
    )
    return RouteOut(
        geometry={"type": "LineString", "coordinates": [[lon, lat] for lat, lon in found.points]},
        properties={
            "assignment_id": assignment_id,
            "unit_id": found.unit_id,
            "incident_id": found.incident_id,
            "eta_s": round(found.seconds, 1),
            "road_m": round(found.meters, 1),
            "position_at": found.position_at.isoformat(),
            "stale": found.stale,
        },
    )
