"""The placement plan as a use case: read the period's incidents, the candidate sites and the cameras already
in the registry, build what each view sees, and solve (`placement.solve`). It changes nothing stored.

The existing cameras are every camera of the registry that is not retired (one offline or in maintenance is
still on its pole: a new camera beside it would be a waste). What they and the candidates see is given by a
`Coverage` function: the registry's visibility with the buildings (`placement_visibility`) as the CLI and
the API run it, or the plain sector and range rule (`placement_coverage.coverage_matrix`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import Engine

from kuzet.analytics.domain import Origin
from kuzet.cctv.placement import (
    DEFAULT_PRIORITY_WEIGHTS,
    DEFAULT_TIME_LIMIT_S,
    PlacementError,
    PlacementProblem,
    PlacementResult,
    priority_weights,
    solve,
)
from kuzet.cctv.placement_coverage import Coverage, Views, coverage_matrix, seen_by_any
from kuzet.cctv.placement_incidents import Period, PeriodIncidents, read_incidents
from kuzet.cctv.placement_sites import Bbox, OptionArrays, Site, intersection_sites, option_arrays, read_poles
from kuzet.cctv.placement_sites import Views as SiteViews

if TYPE_CHECKING:
    from kuzet.core.uow import UnitOfWork
    from kuzet.geo.graph import RoadGraph


@dataclass(frozen=True)
class PlanRequest:
    period: Period
    new_cameras: int | None = None
    budget: float | None = None
    origin: Origin = Origin.LIVE
    poles_csv: str | None = None  # the allowed poles; None: the road graph's intersections
    views: SiteViews = field(default_factory=SiteViews)
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    weights: Mapping[int, float] = field(default_factory=lambda: dict(DEFAULT_PRIORITY_WEIGHTS))

    def __post_init__(self) -> None:
        # Refused before anything is read, with the same words as the solver's own checks.
        if self.new_cameras is None and self.budget is None:
            raise PlacementError("new", "give the number of new cameras, a budget, or both")
        if self.new_cameras is not None and self.new_cameras <= 0:
            raise PlacementError("new", f"the number of new cameras must be positive, not {self.new_cameras}")
        if self.budget is not None and not self.budget > 0:
            raise PlacementError("budget", f"the budget must be positive, not {self.budget}")
        if not self.time_limit_s > 0:
            raise PlacementError("time_limit", f"the time limit must be positive, not {self.time_limit_s}")


@dataclass(frozen=True, eq=False)
class PlanReport:
    request: PlanRequest
    result: PlacementResult
    sites: list[Site]
    options: OptionArrays
    incidents: PeriodIncidents
    newly_covered: np.ndarray  # per incident (with a point): seen by the plan and by no existing camera
    covered_before: np.ndarray
    existing_cameras: int
    site_source: str


def candidate_sites(request: PlanRequest, *, graph: RoadGraph | None, region: Bbox) -> tuple[list[Site], str]:
    """The candidate sites of the request: its poles CSV, or the road graph's intersections."""
    if request.poles_csv is not None:
        return read_poles(request.poles_csv, region=region, views=request.views), "poles"
    if graph is None:
        raise PlacementError(
            "sites", "no road graph is loaded (kuzet import-osm): give a CSV of poles instead"
        )
    sites = intersection_sites(
        graph.lat, graph.lon, graph.tail, graph.head, region=region, views=request.views
    )
    if not sites:
        raise PlacementError("sites", "the road graph has no intersection inside the region")
    return sites, "intersections"


def registry_views(uow: UnitOfWork) -> Views:
    """The registry's cameras that are not retired, as views (adapter over the registry's service)."""
    from kuzet.cctv.domain import CameraStatus
    from kuzet.cctv.service import listing

    on_poles = frozenset(CameraStatus) - {CameraStatus.RETIRED}
    cameras = listing(uow, box=None, statuses=on_poles)
    return Views(
        lat=np.array([c.lat for c in cameras], dtype=np.float64),
        lon=np.array([c.lon for c in cameras], dtype=np.float64),
        heading_deg=np.array([c.heading_deg for c in cameras], dtype=np.float64),
        fov_deg=np.array([c.fov_deg for c in cameras], dtype=np.float64),
        range_m=np.array([c.range_m for c in cameras], dtype=np.float64),
        height_m=np.array([c.mount_height_m for c in cameras], dtype=np.float64),
    )


def plan_placement(
    engine: Engine,
    request: PlanRequest,
    *,
    existing: Views,
    graph: RoadGraph | None,
    region: Bbox,
    coverage: Coverage = coverage_matrix,
) -> PlanReport:
    """Solve the request's plan; PlacementError names the input that makes it impossible."""
    sites, source = candidate_sites(request, graph=graph, region=region)
    incidents = read_incidents(engine, request.period, request.origin)
    if len(incidents) == 0:
        left_out = incidents.without_point + incidents.imported_without_point
        raise PlacementError(
            "period",
            f"no {request.origin.value} incident received in {request.period} has a point"
            + (f" ({left_out} without one)" if left_out else ""),
        )
    options = option_arrays(sites)
    views = Views(
        options.lat, options.lon, options.heading_deg, options.fov_deg, options.range_m, options.height_m
    )
    seen = coverage(views, incidents.lat, incidents.lon)
    before = seen_by_any(coverage(existing, incidents.lat, incidents.lon))
    problem = PlacementProblem(
        site_of_option=options.site_of_option,
        site_cost=options.site_cost,
        coverage=seen,
        weights=priority_weights(incidents.priority, request.weights),
        covered_before=before,
        new_cameras=request.new_cameras,
        budget=request.budget,
    )
    result = solve(problem, time_limit_s=request.time_limit_s)
    chosen = list(result.plan.options)
    seen_now = np.asarray(seen[chosen].sum(axis=0)).ravel() > 0 if chosen else np.zeros(len(incidents), bool)
    return PlanReport(
        request=request,
        result=result,
        sites=sites,
        options=options,
        incidents=incidents,
        newly_covered=seen_now & ~before,
        covered_before=before,
        existing_cameras=len(existing),
        site_source=source,
    )
