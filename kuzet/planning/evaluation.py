"""A plan simulated for the console: its headline figures with 95 % intervals, and where response is slow.

`evaluate_plan` runs the scenario `replications` times over `days` simulated days (the same SimPy model
and figures as `kuzet plan --evaluate`) and, from the same runs, pools every dispatched call's simulated
response by the ~500 m grid cell of its place: `slow_map` gives each cell's median as GeoJSON. `today_plan`
turns the units on duty and their last known positions into a plan file (`kuzet.planning.scenario`).
Pure of any framework; unusable input raises PlanningInputError naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import numpy as np

from kuzet.geo.graph import RoadGraph
from kuzet.planning.errors import PlanningInputError
from kuzet.planning.history import History
from kuzet.planning.quick import summary
from kuzet.planning.results import Estimate, figures, t_interval
from kuzet.planning.scenario import Policy, Scenario, scenario_from_plan
from kuzet.planning.sim import prepare
from kuzet.planning.travel import TravelTable, nearest_nodes

CELL_M: Final = 500.0
METRES_PER_DEGREE: Final = 111_320.0
# The figures the console shows, by name in `results.figures`.
HEADLINE: Final = {
    "median_response_s": "response.all.median_s",
    "p90_response_s": "response.all.p90_s",
    "within_target": "within_target.all",
    "utilisation": "utilisation.mean",
    "waited_share": "waited_for_unit.share",
}


@dataclass(frozen=True)
class Evaluation:
    units: int
    figures: dict[str, Estimate]
    cells: list[dict[str, Any]]  # GeoJSON features of the slow map
    queueing: dict[str, Any]  # the quick answers of `kuzet.planning.quick.summary`


def today_plan(units: Iterable[tuple[str, str, str, float, float]], graph: RoadGraph) -> dict[str, Any]:
    """A plan of one post per unit (call sign, type, district, lat, lon) at the node nearest its position."""
    rows = list(units)
    if not rows:
        return {"call_takers": 0, "posts": []}
    nodes = nearest_nodes(graph, np.array([r[3] for r in rows]), np.array([r[4] for r in rows]))
    posts = []
    for (call_sign, kind, district, _lat, _lon), node in zip(rows, nodes, strict=True):
        n = int(node)
        posts.append({
            "name": call_sign, "node": n, "district": district, "type": kind, "count": 1,
            "lat": round(float(graph.lat[n]), 6), "lon": round(float(graph.lon[n]), 6),
        })  # fmt: skip
    return {"call_takers": 0, "posts": posts}


def plan_scenario(plan: Mapping[str, Any], graph: RoadGraph, policy: Policy, target_min: float) -> Scenario:
    """The plan's scenario; a post given by `lat`/`lon` without a `node` (moved on the map) is snapped to the
    nearest road-graph node."""
    posts = plan.get("posts")
    if isinstance(posts, list):
        snapped = []
        for i, post in enumerate(posts):
            if isinstance(post, Mapping) and post.get("node") is None and "lat" in post:
                try:
                    lat, lon = float(post["lat"]), float(post.get("lon"))  # type: ignore[arg-type]
                except (TypeError, ValueError):
                    raise PlanningInputError(f"posts[{i}].lat", "must be a latitude and longitude") from None
                if not (
                    math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180
                ):
                    raise PlanningInputError(f"posts[{i}].lat", f"({lat}, {lon}) is not a point on Earth")
                post = {**post, "node": int(nearest_nodes(graph, np.array([lat]), np.array([lon]))[0])}
            snapped.append(post)
        plan = {**plan, "posts": snapped}
    return scenario_from_plan(
        plan, node_count=graph.node_count, policy=policy, targets_min=dict.fromkeys((1, 2, 3, 4), target_min)
    )


def evaluate_plan(
    scenario: Scenario,
    history: History,
    graph: RoadGraph,
    *,
    start: datetime,
    days: int,
    seeds: Sequence[int],
) -> Evaluation:
    if len(seeds) < 2:
        raise PlanningInputError("replications", "at least 2 runs are needed for a confidence interval")
    if days < 1:
        raise PlanningInputError("days", f"must be >= 1, not {days}")
    scenario.check_graph(graph.node_count)
    profile = history.profile()
    demand = history.demand(lambda lat, lon: nearest_nodes(graph, lat, lon))
    travel = TravelTable.for_units(graph, scenario.units)
    start = start.replace(minute=0, second=0, microsecond=0)
    hours = 24 * days
    runs: list[dict[str, float]] = []
    nodes: list[np.ndarray] = []
    responses: list[np.ndarray] = []
    for seed in seeds:
        model, draws = prepare(scenario, travel, demand, profile, start=start, hours=hours, seed=seed)
        record = model.run()
        runs.append(figures(record, scenario))
        response = record.on_scene - record.received
        kept = (record.received < hours * 3600.0) & (record.priority < 4) & np.isfinite(response)
        nodes.append(draws.node[kept])
        responses.append(response[kept])
    estimates = {key: t_interval([r.get(name, math.nan) for r in runs]) for key, name in HEADLINE.items()}
    cells = slow_map(graph, np.concatenate(nodes), np.concatenate(responses), len(seeds))
    try:
        busy_s: float | None = history.busy_seconds()
    except PlanningInputError:
        busy_s = None
    pools = list(demand.handling_by_priority.values())
    queueing = summary(
        scenario, graph, demand, profile, service_time_s=busy_s,
        handling_s=np.concatenate(pools) if pools else np.zeros(0),
    )  # fmt: skip
    return Evaluation(len(scenario.units), estimates, cells, queueing)


def slow_map(graph: RoadGraph, nodes: np.ndarray, response_s: np.ndarray, runs: int) -> list[dict[str, Any]]:
    """Per ~500 m cell with calls: a square polygon with the median simulated response and calls per run."""
    if len(nodes) == 0:
        return []
    lat = graph.lat[nodes]
    lon = graph.lon[nodes]
    lat0 = float(np.min(graph.lat))
    lon0 = float(np.min(graph.lon))
    dlat = CELL_M / METRES_PER_DEGREE
    dlon = CELL_M / (METRES_PER_DEGREE * math.cos(math.radians(float(np.mean(graph.lat)))))
    row = np.floor((lat - lat0) / dlat).astype(np.int64)
    col = np.floor((lon - lon0) / dlon).astype(np.int64)
    key = row * 1_000_003 + col
    features: list[dict[str, Any]] = []
    for k in np.unique(key):
        mask = key == k
        r, c = int(row[mask][0]), int(col[mask][0])
        s, w = lat0 + r * dlat, lon0 + c * dlon
        ring = [[w, s], [w + dlon, s], [w + dlon, s + dlat], [w, s + dlat], [w, s]]
        features.append({
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]},
            "properties": {
                "median_response_s": round(float(np.median(response_s[mask])), 1),
                "calls_per_run": round(float(mask.sum()) / runs, 2),
            },
        })  # fmt: skip
    return features
