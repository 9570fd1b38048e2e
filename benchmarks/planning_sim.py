"""Benchmark: one simulated year of 204,000 appeals with 60 units on the Andorra road graph (issue 21).

The region is the demo's: the Andorra extract's road graph (ODbL, © OpenStreetMap contributors). The
history the simulation learns from is SYNTHETIC: 204,000 calls spread over 2025 by the demo's hourly, weekly
and seasonal profile (`kuzet.demo.history.receive_times`), at random road nodes, priorities P1 10 %, P2 30 %,
P3 45 %, P4 15 %, three districts by longitude, lognormal call handling (~100 s), turnout (~45 s) and time
on scene (~25 min). Sixty patrol cars on random nodes, twenty per district; forty always on duty and twenty
on a day shift (08–20). Travel times: the road graph's, with a rush-hour factor 1.3 from 17 to 20 local.
Four call-takers. The recommender's policy.

The goal (issue 21) is the simulation of the year: arrivals drawn, the calls played out, and the figures
computed, in at most 60 s. Learning the history, loading the graph and the travel tables are printed apart.

    .venv/bin/python -m benchmarks.planning_sim [--calls N] [--units N] [--policy recommender]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.goals import at_most
from kuzet.demo.history import receive_times
from kuzet.geo.graph import RoadGraph
from kuzet.geo.osm import import_osm
from kuzet.planning.history import History
from kuzet.planning.results import figures
from kuzet.planning.scenario import Policy, Scenario, UnitSpec
from kuzet.planning.sim import simulate, year_hours
from kuzet.planning.travel import TravelTable, nearest_nodes
from kuzet.units.domain import UnitType
from tests.reference import osm_extract

TIME_GOAL_S = 60.0
START = datetime(2025, 1, 1, tzinfo=UTC).replace(hour=0) - timedelta(hours=5)  # local midnight, Asia/Almaty


def andorra() -> RoadGraph:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "andorra.npz"
        import_osm(osm_extract("andorra.osm.pbf")).graph.save(path)
        return RoadGraph.load(path)


def history(graph: RoadGraph, calls: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    moments = receive_times(rng, calls, START, START + timedelta(days=365))
    nodes = rng.integers(graph.node_count, size=calls)
    cut = np.quantile(graph.lon, [1 / 3, 2 / 3])
    districts = np.array(["west", "centre", "east"])[np.searchsorted(cut, graph.lon[nodes])]
    priority = rng.choice([1, 2, 3, 4], size=calls, p=[0.10, 0.30, 0.45, 0.15])
    handling = rng.lognormal(np.log(100), 0.4, calls)
    turnout = rng.lognormal(np.log(45), 0.35, calls)
    scene = rng.lognormal(np.log(1500), 0.45, calls)
    rows: list[dict[str, Any]] = []
    for i, received in enumerate(moments):
        dispatched = received + timedelta(seconds=float(handling[i]))
        en_route = dispatched + timedelta(seconds=float(turnout[i]))
        on_scene = en_route + timedelta(seconds=300.0)
        rows.append(
            {
                "received_at": received, "category_code": f"c{priority[i]}", "priority": int(priority[i]),
                "district": str(districts[i]),
                "lat": float(graph.lat[nodes[i]]), "lon": float(graph.lon[nodes[i]]),
                "first_dispatched_at": dispatched, "first_en_route_at": en_route,
                "first_on_scene_at": on_scene, "cleared_at": on_scene + timedelta(seconds=float(scene[i])),
            }
        )  # fmt: skip
    return rows


def fleet(graph: RoadGraph, count: int, rng: np.random.Generator) -> tuple[UnitSpec, ...]:
    cut = np.quantile(graph.lon, [1 / 3, 2 / 3])
    band = np.searchsorted(cut, graph.lon)
    names = ("west", "centre", "east")
    units = []
    for i in range(count):
        district = i % 3
        node = int(rng.choice(np.flatnonzero(band == district)))
        shifts = ((8, 20),) if i >= 2 * count // 3 else ()
        units.append(UnitSpec(f"Patrol-{i + 1}", UnitType.PATROL_CAR, names[district], node, shifts))
    return tuple(units)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=204_000)
    parser.add_argument("--units", type=int, default=60)
    parser.add_argument("--policy", choices=[p.value for p in Policy], default=Policy.RECOMMENDER.value)
    args = parser.parse_args()
    rng = np.random.default_rng(2025)
    began = time.perf_counter()
    graph = andorra()
    print(f"Andorra graph: {graph.node_count:,} nodes, imported in {time.perf_counter() - began:.1f} s")
    began = time.perf_counter()
    past = History.from_rows(history(graph, args.calls, rng))
    demand = past.demand(lambda lat, lon: nearest_nodes(graph, lat, lon))
    profile = past.profile()
    print(f"synthetic history of {args.calls:,} calls made and learnt in {time.perf_counter() - began:.1f} s")
    units = fleet(graph, args.units, rng)
    scenario = Scenario(units, call_takers=4, policy=Policy(args.policy), travel_time_factors={"17-20": 1.3})
    began = time.perf_counter()
    travel = TravelTable.for_units(graph, units)
    print(f"travel tables from {args.units} posts: {time.perf_counter() - began:.2f} s")
    began = time.perf_counter()
    record = simulate(scenario, travel, demand, profile, start=START, hours=year_hours(START), seed=1)
    result = figures(record, scenario)
    took = time.perf_counter() - began
    print(f"simulated {result['calls']:,.0f} calls, {len(units)} units, policy {args.policy}:")
    shown = (
        "response.all.median_s", "response.all.p90_s", "within_target.all", "utilisation.mean",
        "waited_for_unit.share", "call_taker_wait.share", "units_busy.h21", "units_busy.h05",
    )  # fmt: skip
    for name in shown:
        print(f"  {name}: {result.get(name, float('nan')):.3f}")
    print(at_most("a year of appeals, 60 units (issue 21)", took, TIME_GOAL_S, "s"))


if __name__ == "__main__":
    main()
