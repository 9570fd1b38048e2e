"""A simulation driven by a past year must reproduce that year's median response (validation against data).

The past year is made by a known process, written here independently of the simulator: calls spread over
the year by the demo's own hourly, weekly and seasonal profile (`kuzet.demo.history.receive_times`), at
random street corners, handled, turned out and worked for lognormal times, each answered by the nearest
unit by road that is back at its post (scipy's Dijkstra over the grid), which drives back after clearing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import dijkstra  # type: ignore[import-untyped]

from kuzet.demo.history import receive_times
from kuzet.planning.history import History
from kuzet.planning.results import figures, replicate
from kuzet.planning.scenario import Scenario, UnitSpec
from kuzet.planning.sim import simulate
from kuzet.planning.travel import TravelTable, nearest_nodes
from kuzet.units.domain import UnitType
from tests.planning.sim_support import grid

POSTS = (0, 11, 66, 132, 143, 77)
START = datetime(2025, 1, 1, tzinfo=UTC)
CALLS = 15_000


def past_year(seed: int = 7) -> list[dict[str, Any]]:
    graph = grid()
    rng = np.random.default_rng(seed)
    n = graph.node_count
    forward = csr_matrix((graph.travel_seconds(), graph.head, graph.indptr), shape=(n, n))
    out = dijkstra(forward, indices=list(POSTS))
    free_at = np.zeros(len(POSTS))
    rows = []
    for received in receive_times(rng, CALLS, START, START + timedelta(days=365)):
        node = int(rng.integers(n))
        priority = int(rng.choice([1, 2, 3, 4], p=[0.2, 0.4, 0.3, 0.1]))
        row: dict[str, Any] = {
            "received_at": received, "category_code": f"c{priority}", "priority": priority,
            "district": "west" if graph.lon[node] < 1.511 else "east",
            "lat": float(graph.lat[node]), "lon": float(graph.lon[node]),
        }  # fmt: skip
        if priority < 4:
            dispatched = received + timedelta(seconds=float(rng.lognormal(np.log(90), 0.4)))
            t = (dispatched - START).total_seconds()
            ready = np.where(free_at <= t, out[:, node], np.inf)
            unit = int(np.argmin(ready)) if np.isfinite(ready).any() else int(np.argmin(free_at))
            wait = max(free_at[unit] - t, 0.0)
            en_route = dispatched + timedelta(seconds=wait + float(rng.lognormal(np.log(45), 0.35)))
            on_scene = en_route + timedelta(seconds=float(out[unit, node]))
            cleared = on_scene + timedelta(seconds=float(rng.lognormal(np.log(1200), 0.45)))
            free_at[unit] = (cleared - START).total_seconds() + float(out[unit, node])  # drive back
            row |= {
                "first_dispatched_at": dispatched + timedelta(seconds=wait), "first_en_route_at": en_route,
                "first_on_scene_at": on_scene, "cleared_at": cleared,
            }  # fmt: skip
        rows.append(row)
    return rows


def test_simulation_reproduces_the_median_response_of_its_history() -> None:
    graph = grid()
    rows = past_year()
    history = History.from_rows(rows)
    demand = history.demand(lambda lat, lon: nearest_nodes(graph, lat, lon))
    profile = history.profile()
    units = tuple(
        UnitSpec(f"U{i}", UnitType.PATROL_CAR, "west" if graph.lon[p] < 1.511 else "east", p)
        for i, p in enumerate(POSTS)
    )
    scenario = Scenario(units)
    travel = TravelTable(graph, POSTS)

    def run(seed: int) -> dict[str, float]:
        record = simulate(scenario, travel, demand, profile, start=START, hours=24 * 60, seed=seed)
        return figures(record, scenario)

    result = replicate(run, range(10))
    observed = float(np.median(history.response_seconds()))
    simulated = result["response.all.median_s"]
    assert simulated.holds(observed), (simulated, observed)
    # And the interval is narrow enough to tell a wrong model apart: within 5 % of the figure.
    assert simulated.high - simulated.low < 0.1 * observed
    # The arrival profile was learnt, with its season: as many calls as the history had in those 60 winter
    # days (fewer than the year's average), and evenings heavier than early mornings.
    window = sum(1 for r in rows if r["received_at"] < START + timedelta(days=60))
    assert abs(result["calls"].mean - window) < 0.03 * window, (result["calls"], window)
    assert result["calls"].mean < 60 * CALLS / 365
    assert result["units_busy.h20"].mean > result["units_busy.h05"].mean
