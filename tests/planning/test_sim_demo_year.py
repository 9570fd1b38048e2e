"""The simulation driven by the demo's simulated past year (`kuzet.demo.history.Planner` on the demo map).

The demo's year draws call processing and turnout from lognormal laws and time on scene per priority; it sends
the nearest free fitting unit by road, as the live recommender ranks them, and its travel is that road ETA
with a lognormal scatter of median 1 (`kuzet.demo.history_roads`). The simulation learns processing, turnout,
time on scene, the mix and the arrival profile from that year, and plays it out on the same roads with its
own queue of units. The year sends a second unit to a share of its incidents (35 % of priority 1), which
keeps units busy: the scenario sends back-ups in the same shares, learned from the year's assignments.
The simulation runs the whole year (the load, and with it the units' availability, follows the seasons).
Its median response must hold the year's median within its 95 % interval.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from kuzet.demo.history import HistoryUnit, Planner, receive_times
from kuzet.demo.history_roads import RoadTimes
from kuzet.demo.places import Places
from kuzet.demo.world import PARISH_SHARES, PARISHES, ROSTER, choose_posts, district_map
from kuzet.geo.districts import Districts
from kuzet.geo.osm import import_osm
from kuzet.incidents.catalogue import shipped_categories
from kuzet.planning.history import History
from kuzet.planning.results import Estimate, replications
from kuzet.planning.scenario import Scenario, UnitSpec
from kuzet.planning.sim import year_hours
from kuzet.planning.travel import TravelTable, nearest_nodes
from kuzet.units.domain import UnitType
from tests.reference import osm_extract

START = datetime(2025, 1, 1, tzinfo=UTC)
BBOX = (1.40, 42.42, 1.80, 42.66)


@pytest.fixture(scope="module")
def demo_year() -> tuple[History, dict[str, Estimate]]:
    graph = import_osm(osm_extract("andorra.osm.pbf")).graph
    districts = Districts.from_geojson(district_map(BBOX))
    wanted: dict[str, list[str]] = defaultdict(list)
    for call_sign, _, district in ROSTER:
        wanted[district].append(call_sign)
    posts = choose_posts(graph, districts, wanted, PARISHES)
    rng = np.random.default_rng(5)
    places = Places.build(graph, None, districts, PARISH_SHARES, rng)
    units = [HistoryUnit(i, cs, kind, d, posts[cs]) for i, (cs, kind, d) in enumerate(ROSTER)]
    moments = receive_times(rng, 20_000, START, START + timedelta(days=365))
    roads = RoadTimes(graph, [u.post for u in units], [u.type for u in units])
    plan = Planner(rng, shipped_categories(), places, units, roads).plan(moments)
    groups = {c.code: c.group.value for c in shipped_categories()}
    history = History.from_rows([dict(r, category_group=groups[r["category_code"]]) for r in plan.incidents])
    nodes = nearest_nodes(
        graph,
        np.array([posts[cs][0] for cs, _, _ in ROSTER]),
        np.array([posts[cs][1] for cs, _, _ in ROSTER]),
    )
    specs = tuple(UnitSpec(cs, kind, d, int(n)) for (cs, kind, d), n in zip(ROSTER, nodes, strict=True))
    travel = TravelTable(graph, nodes.tolist(), foot=[u.type is UnitType.FOOT_PATROL for u in specs])
    demand = history.demand(lambda lat, lon: nearest_nodes(graph, lat, lon))
    scenario = Scenario(specs, backup_share=_backup_shares(plan.incidents, plan.assignments))
    result = replications(
        scenario,
        travel,
        demand,
        history.profile(),
        start=START,
        hours=year_hours(START),
        seeds=range(6),
    )
    return history, result


def _backup_shares(incidents: list[dict[str, Any]], assignments: list[dict[str, Any]]) -> dict[int, float]:
    """Per priority, the share of the year's dispatched incidents that had a second unit."""
    sent = Counter(a["incident"] for a in assignments)
    shares: dict[int, float] = {}
    for priority in (1, 2, 3):
        counts = [sent[i] for i, r in enumerate(incidents) if r["priority"] == priority and sent[i]]
        shares[priority] = float(np.mean([c > 1 for c in counts])) if counts else 0.0
    return shares


def _observed(history: History, start: str, end: str) -> float:
    values = [
        (r[end] - r[start]).total_seconds()
        for r in history.rows
        if r.get(start) is not None and r.get(end) is not None and r[end] >= r[start]
    ]
    return float(np.median(values))


def test_demo_year_call_processing_and_turnout_are_reproduced(
    demo_year: tuple[History, dict[str, Estimate]],
) -> None:
    history, result = demo_year
    processing = _observed(history, "received_at", "first_dispatched_at")
    turnout = _observed(history, "first_dispatched_at", "first_en_route_at")
    for name, observed in (("processing", processing), ("turnout", turnout)):
        simulated = result[f"{name}.all.median_s"]
        assert abs(simulated.mean - observed) < 0.02 * observed, (name, simulated, observed)


def test_demo_year_median_response_is_reproduced(demo_year: tuple[History, dict[str, Estimate]]) -> None:
    history, result = demo_year
    observed = float(np.median(history.response_seconds()))
    assert result["response.all.median_s"].holds(observed), (result["response.all.median_s"], observed)


def test_demo_year_travel_is_reproduced(demo_year: tuple[History, dict[str, Estimate]]) -> None:
    """Both drive the same roads from the same posts, so the median drive agrees closely (3 %)."""
    history, result = demo_year
    observed = _observed(history, "first_en_route_at", "first_on_scene_at")
    simulated = result["travel.all.median_s"]
    assert abs(simulated.mean - observed) < 0.03 * observed, (simulated, observed)
