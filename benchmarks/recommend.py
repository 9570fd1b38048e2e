"""Benchmark: the whole recommendation call, in-process, on the real Andorra road graph, against scipy.

The call is `kuzet.dispatch.recommendations.recommend` as the API runs it: read the incident, the roster,
the busy units and the last positions (SQLite), place each unit on the road (its stored snap), search, rank
and explain. It runs with 40 and with 200 candidate units (two databases), each unit's last fix ingested as
the AVL gateway would (snapped on ingest). The baseline is scipy's Dijkstra given the same snapped units:
one `dijkstra` on the reversed CSR from the incident's node with `limit=900` (15 minutes, which favours it),
then the k best units picked from the labels with their partial-edge offsets. The two are interleaved call
by call over the same incidents, and the k best ETAs of both are compared (one unit in ten is a foot patrol:
recommend() walks it along the fastest driving route, the baseline along the shortest path, so the two may
differ where a foot patrol is among the best).

The goal over HTTP with 200k past assignments (PostgreSQL) is measured by benchmarks/recommend_http.py.

Goals (issue 15): the whole call p50 <= 1 ms and p99 <= 3 ms, with 40 and with 200 candidates, and at least
3x faster than the scipy baseline (medians). Prints each figure beside its goal with a met/MISSED verdict
(benchmarks.goals). `--profile` also prints where the call's time goes (pyinstrument, 200 units).

    .venv/bin/python -m benchmarks.recommend [--calls N] [--profile]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import dijkstra  # type: ignore[import-untyped]

from benchmarks.goals import at_least, at_most
from kuzet.config import Mode, Settings
from kuzet.container import Services
from kuzet.core import migrate
from kuzet.core.actor import Actor
from kuzet.dispatch import recommendations
from kuzet.geo.graph import RoadGraph
from kuzet.geo.osm import import_osm
from kuzet.incidents import service as incidents
from kuzet.units import service as units_service
from kuzet.units.domain import UnitType
from kuzet.units.positions import service as positions_service
from kuzet.units.positions.domain import Fix
from kuzet.units.positions.store import PositionRepository
from kuzet.units.store import UnitRepository
from tests.reference import osm_extract

K = 5
LIMIT_S = 900.0
INCIDENTS = 50
P50_GOAL_MS, P99_GOAL_MS, RATIO_GOAL = 1.0, 3.0, 3.0
Method = Callable[[int], list[float]]  # one call for an incident, returning the k best ETAs


def near_roads(graph: RoadGraph, rng: np.random.Generator) -> Callable[[], tuple[float, float]]:
    """Random points a few metres off the road nodes of the populated south-west (Andorra la Vella, Escaldes,
    Sant Julià): where the benchmarks put units and incidents."""
    box = (graph.lat > 42.45) & (graph.lat < 42.56) & (graph.lon > 1.48) & (graph.lon < 1.60)
    nodes = np.flatnonzero(box)

    def point() -> tuple[float, float]:
        node = int(rng.choice(nodes))
        return float(graph.lat[node] + rng.normal(0, 0.0002)), float(graph.lon[node] + rng.normal(0, 0.0002))

    return point


def seed_district(
    services: Services,
    *,
    district: str,
    prefix: str,
    units: int,
    incidents_open: int,
    point: Callable[[], tuple[float, float]],
    now: datetime,
) -> tuple[list[int], list[int]]:
    """`units` units of the district on shift (one in ten on foot), each with a fix ingested as the server
    ingests fixes (its road snap stored), then `incidents_open` open fights; returns both lists of ids."""
    by = Actor.system("bench")
    fixes, unit_ids = [], []
    for n in range(units):
        unit = units_service.create(
            services.uow(),
            call_sign=f"{prefix}-{n}",
            unit_type=UnitType.FOOT_PATROL if n % 10 == 9 else UnitType.PATROL_CAR,
            district=district,
            crew=(),
            by=by,
            at=now,
        )
        units_service.shift(services.uow(), unit_id=unit.id, on_duty=True, crew=None, by=by, at=now)
        fixes.append(Fix(unit.call_sign, now - timedelta(seconds=30), *point(), 20.0))
        unit_ids.append(unit.id)
    positions_service.ingest(
        services.uow(),
        fixes,
        rules=positions_service.fix_rules(services.settings),
        snap=services.geo.snap,
        source="bench",
        by=by,
        at=now,
    )
    incident_ids = []
    for _ in range(incidents_open):
        lat, lon = point()
        uow = services.uow()
        with uow:
            incident = incidents.open_incident(
                uow,
                category_code="fight",
                district=district,
                lat=lat,
                lon=lon,
                address=None,
                description="bench",
                received_at=now,
                by=by,
                at=now,
            )
            uow.commit()
        incident_ids.append(incident.id)
    return unit_ids, incident_ids


def build(folder: Path, roads_file: Path, units: int, rng: np.random.Generator) -> tuple[Services, list[int]]:
    url = f"sqlite:///{folder / f'recommend_{units}.db'}"
    migrate.upgrade(url)
    settings = Settings(mode=Mode.TEST, database_url=url, data_dir=folder, graph_path=roads_file)
    services = Services.build(settings)
    roads = services.geo.roads
    if roads is None:
        raise SystemExit("the road graph did not load")
    point = near_roads(roads.graph, rng)
    _, ids = seed_district(
        services,
        district="central",
        prefix="R",
        units=units,
        incidents_open=INCIDENTS,
        point=point,
        now=datetime.now(UTC),
    )
    return services, ids


def recommender(services: Services) -> Method:
    """The call as the API makes it (same arguments), returning the k ETAs."""
    settings, geo = services.settings, services.geo
    by = Actor.system("bench")

    def ours(incident_id: int) -> list[float]:
        found = recommendations.recommend(
            services.uow(),
            incident_id=incident_id,
            k=K,
            geo=geo,
            stale_after_s=settings.position_stale_seconds,
            foot_speed_kmh=settings.foot_speed_kmh,
            by=by,
            at=datetime.now(UTC),
        )
        return [r.eta_s for r in found.units]

    return ours


def contenders(services: Services, incident_ids: list[int]) -> tuple[Method, Method]:
    """Ours (the whole call) and the baseline (scipy, given the same snapped units) on one database."""
    settings, geo = services.settings, services.geo
    roads = geo.roads
    if roads is None:
        raise SystemExit("the road graph did not load")
    graph = roads.graph
    ours = recommender(services)

    # The baseline's inputs: the same units, snapped once (as stored), split by pace like `recommend`.
    uow = services.uow()
    with uow:
        roster = uow.repo(UnitRepository).roster(district=None)
        positions = uow.repo(PositionRepository).latest([u.id for u in roster])
        places = {}
        for incident_id in incident_ids:
            incident = incidents.current(uow, incident_id)
            if incident.lat is None or incident.lon is None:
                raise SystemExit("an incident has no place")
            places[incident_id] = (incident.lat, incident.lon)
    foot = np.array([u.type is UnitType.FOOT_PATROL for u in roster if u.id in positions])
    placed = [positions[u.id] for u in roster if u.id in positions]
    edge = np.array([p.road_edge for p in placed], dtype=np.int64)
    fraction = np.array([p.road_fraction for p in placed], dtype=np.float64)
    seconds = graph.travel_seconds()
    reverse = csr_matrix((seconds, graph.head, graph.indptr), shape=(graph.node_count,) * 2).T.tocsr()
    pace = settings.foot_speed_kmh / 3.6
    twin = graph.twin[edge]
    safe_twin = np.maximum(twin, 0)
    head, tail = graph.head[edge], graph.tail[edge]
    # Walking: each segment's metres at walking pace, for the foot patrols' own search.
    walk = csr_matrix(
        (graph.length_m / pace, graph.head, graph.indptr), shape=(graph.node_count,) * 2
    ).T.tocsr()

    def pick(dist: np.ndarray, cost: np.ndarray) -> np.ndarray:
        via_head = dist[head] + (1 - fraction) * cost[edge]
        via_tail = np.where(twin >= 0, dist[tail] + fraction * cost[safe_twin], np.inf)
        return np.minimum(via_head, via_tail)

    def baseline(incident_id: int) -> list[float]:
        target = roads.snapper.snap(*places[incident_id])
        start = [int(graph.tail[target.edge]), int(graph.head[target.edge])]
        # Labels from the ends of the incident's edge, each plus its offset to the incident's point.
        dist = dijkstra(reverse, indices=start, limit=LIMIT_S)
        offset = np.array([target.fraction, 1 - target.fraction])[:, None] * seconds[target.edge]
        eta = pick(np.min(dist + offset, axis=0), seconds)
        if foot.any():
            walked = dijkstra(walk, indices=start, limit=LIMIT_S * 4)
            w_offset = np.array([target.fraction, 1 - target.fraction])[:, None] * (
                graph.length_m[target.edge] / pace
            )
            eta = np.where(foot, pick(np.min(walked + w_offset, axis=0), graph.length_m / pace), eta)
        return sorted(np.round(np.sort(eta)[:K], 1).tolist())

    return ours, baseline


@dataclass
class Case:
    """One database (its number of candidate units) with both methods and their timings."""

    units: int
    incident_ids: list[int]
    ours: Method
    baseline: Method
    ours_s: list[float] = field(default_factory=list)
    base_s: list[float] = field(default_factory=list)
    differ: int = 0


def race(cases: list[Case], calls: int) -> None:
    """`calls` rounds; in each, every case runs ours and the baseline on the same incident. The order of the
    four runs rotates from round to round, so that neither method nor size always goes first."""
    for case in cases:  # warm-up: the engine's labels, the statement caches, the pools
        for incident_id in case.incident_ids[:5]:
            case.ours(incident_id)
            case.baseline(incident_id)
    runs = [(case, method) for case in cases for method in ("ours", "baseline")]
    for i in range(calls):
        shift = i % len(runs)
        answers: dict[tuple[int, str], list[float]] = {}
        for case, method in runs[shift:] + runs[:shift]:
            incident_id = case.incident_ids[i % len(case.incident_ids)]
            run, samples = (case.ours, case.ours_s) if method == "ours" else (case.baseline, case.base_s)
            started = time.perf_counter()
            answers[case.units, method] = run(incident_id)
            samples.append(time.perf_counter() - started)
        for case in cases:
            case.differ += not np.allclose(
                answers[case.units, "ours"], answers[case.units, "baseline"], atol=0.2
            )


def report(case: Case, calls: int) -> None:
    ours_ms = np.array(case.ours_s) * 1000
    base_ms = np.array(case.base_s) * 1000
    p50, p99 = float(np.percentile(ours_ms, 50)), float(np.percentile(ours_ms, 99))
    b50, b99 = float(np.percentile(base_ms, 50)), float(np.percentile(base_ms, 99))
    ratio = statistics.median(case.base_s) / statistics.median(case.ours_s)
    print(f"\n== {case.units} candidate units, {calls} calls each")
    print(at_most("recommend(), whole call, p50", p50, P50_GOAL_MS, "ms"))
    print(at_most("recommend(), whole call, p99", p99, P99_GOAL_MS, "ms"))
    print(f"  scipy dijkstra + pick: p50 {b50:.3f} ms, p99 {b99:.3f} ms")
    print(at_least("scipy / ours, medians", ratio, RATIO_GOAL, "x"))
    print(
        f"  k best ETAs differing from scipy's: {case.differ} of {calls} (foot patrols: ours walks the "
        "fastest driving route, as recommend() does; scipy walks the shortest path)"
    )


def profile(services: Services, incident_ids: list[int], calls: int) -> None:
    """Where the call's time goes: pyinstrument's tree over `calls` calls (a development dependency)."""
    from pyinstrument import Profiler

    ours = recommender(services)
    profiler = Profiler(interval=0.0001)
    profiler.start()
    for i in range(calls):
        ours(incident_ids[i % len(incident_ids)])
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--profile", action="store_true", help="also profile the call (200 units)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kuzet-recommend-") as scratch:
        run(Path(scratch), args.calls, profiled=args.profile)


def run(folder: Path, calls: int, *, profiled: bool) -> None:
    roads_file = folder / "roads.npz"
    import_osm(osm_extract("andorra.osm.pbf")).graph.save(roads_file)
    print("Recommendation call benchmark (issue 15, point 2): Andorra, SQLite, k = 5")
    print("ours and scipy's, with 40 and with 200 candidates: the four interleaved call by call")
    built = {units: build(folder, roads_file, units, np.random.default_rng(units)) for units in (40, 200)}
    try:
        cases = [Case(units, ids, *contenders(services, ids)) for units, (services, ids) in built.items()]
        race(cases, calls)
        for case in cases:
            report(case, calls)
        if profiled:
            services, ids = built[200]
            print("\n== where the call's time goes, 200 candidate units")
            profile(services, ids, calls)
    finally:
        for services, _ in built.values():
            services.close()


if __name__ == "__main__":
    main()
