"""The ETA engine is exact: it agrees with an independent networkx Dijkstra on real road graphs.

The reference graph is built from the saved graph's arrays, with every snapped point inserted as a node of
its own on its segment (in both directions where the street is two-way). Distances on that graph need none of
the engine's offset arithmetic, so agreement checks the partial-edge handling as well as the search.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from kuzet.geo.eta import EtaEngine
from kuzet.geo.graph import RoadGraph, haversine_m
from kuzet.geo.osm import import_osm
from kuzet.geo.snap import Snap, Snapper
from tests.reference import osm_extract

EXTRACTS = ["andorra.osm.pbf", "liechtenstein-latest.osm.pbf", "baltimore.osm.pbf"]
TARGETS = 30
SOURCES = 30


@pytest.fixture(scope="module")
def graphs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RoadGraph]]:
    """Each extract imported once, saved and loaded back, as the server would use it."""
    folder = tmp_path_factory.mktemp("graphs")
    loaded = {}
    for name in EXTRACTS:
        path = folder / f"{name}.npz"
        import_osm(osm_extract(name)).graph.save(path)
        loaded[name] = RoadGraph.load(path)
    yield loaded


def random_snaps(graph: RoadGraph, snapper: Snapper, rng: np.random.Generator, count: int) -> list[Snap]:
    """Snaps of points scattered up to ~60 m around random nodes, so most land inside an edge."""
    nodes = rng.integers(0, graph.node_count, count)
    lats = graph.lat[nodes] + rng.normal(0, 0.0004, count)
    lons = graph.lon[nodes] + rng.normal(0, 0.0004, count)
    return snapper.snap_many(lats, lons).snaps()


def split_graph(graph: RoadGraph, points: list[Snap]) -> nx.DiGraph:
    """The road graph as a networkx DiGraph with each snapped point ("p", i) inserted on its segment."""
    seconds = graph.travel_seconds()
    reference = nx.DiGraph()
    for e in range(graph.edge_count):
        reference.add_edge(int(graph.tail[e]), int(graph.head[e]), time=seconds[e], meters=graph.length_m[e])
    # Points by undirected segment, positioned from the lower node id to the higher one.
    on_segment: dict[tuple[int, int], list[tuple[float, tuple[str, int]]]] = defaultdict(list)
    for i, snap in enumerate(points):
        u, v = int(graph.tail[snap.edge]), int(graph.head[snap.edge])
        position = snap.fraction if u < v else 1.0 - snap.fraction
        on_segment[(min(u, v), max(u, v))].append((position, ("p", i)))
    for (low, high), placed in on_segment.items():
        placed.sort()
        for u, v in ((low, high), (high, low)):
            if not reference.has_edge(u, v):
                continue
            data = reference.edges[u, v]
            reference.remove_edge(u, v)
            if u == low:
                inner = [(p, node) for p, node in placed]
            else:
                inner = [(1.0 - p, node) for p, node in reversed(placed)]
            chain = [(0.0, u), *inner, (1.0, v)]
            for (p0, n0), (p1, n1) in pairwise(chain):
                reference.add_edge(n0, n1, time=(p1 - p0) * data["time"], meters=(p1 - p0) * data["meters"])
    return reference


@pytest.mark.slow
@pytest.mark.parametrize("name", EXTRACTS)
def test_etas_equal_an_independent_networkx_dijkstra(graphs: dict[str, RoadGraph], name: str) -> None:
    graph = graphs[name]
    snapper = Snapper(graph)
    engine = EtaEngine(graph)
    rng = np.random.default_rng(20240611)
    targets = random_snaps(graph, snapper, rng, TARGETS)
    sources = random_snaps(graph, snapper, rng, SOURCES)
    # Units on the incident's own segment, in its direction and against it, exercise the direct case.
    extra: list[Snap] = []
    for target in targets:
        twin = int(graph.twin[target.edge])
        extra.append(Snap(target.edge, float(rng.uniform()), 0.0, target.lat, target.lon))
        extra.append(
            Snap(twin if twin >= 0 else target.edge, float(rng.uniform()), 0.0, target.lat, target.lon)
        )
    points = targets + sources + extra
    reference = split_graph(graph, points).reverse(copy=True)
    compared = 0
    for t, target in enumerate(targets):
        fleet = [*sources, extra[2 * t], extra[2 * t + 1]]
        fleet_ids = [("p", i) for i in range(TARGETS, TARGETS + SOURCES)]
        fleet_ids += [("p", TARGETS + SOURCES + 2 * t), ("p", TARGETS + SOURCES + 2 * t + 1)]
        predecessors, times = nx.dijkstra_predecessor_and_distance(reference, ("p", t), weight="time")
        ours = {eta.source: eta for eta in engine.etas(target, fleet)}
        assert len(ours) == len(fleet)  # one strong component: everybody can reach everybody
        for s, node in enumerate(fleet_ids):
            expected = times[node]
            expected_m, step = 0.0, node
            while step != ("p", t):  # walk the fastest path back to the incident (first parents only)
                expected_m += reference.edges[predecessors[step][0], step]["meters"]
                step = predecessors[step][0]
            assert ours[s].seconds == pytest.approx(expected, rel=1e-3, abs=1e-6), (t, s)
            assert ours[s].meters == pytest.approx(expected_m, rel=1e-3, abs=1e-3), (t, s)
            compared += 1
        # The bounded top-k search returns the same best five as the full answer.
        best = sorted(times[node] for node in fleet_ids)[:5]
        top = engine.etas(target, fleet, k=5)
        assert [eta.seconds for eta in top] == pytest.approx(best, rel=1e-3)
    assert compared == TARGETS * (SOURCES + 2)


def test_one_way_street_is_driven_only_forwards(graphs: dict[str, RoadGraph]) -> None:
    graph = graphs["andorra.osm.pbf"]
    engine = EtaEngine(graph)
    one_way = np.flatnonzero(graph.twin < 0)
    street = int(one_way[np.argmax(graph.length_m[one_way])])
    u, v = int(graph.tail[street]), int(graph.head[street])
    at_u = Snap(street, 0.0, 0.0, float(graph.lat[u]), float(graph.lon[u]))
    at_v = Snap(street, 1.0, 0.0, float(graph.lat[v]), float(graph.lon[v]))
    (forward,) = engine.etas(at_v, [at_u])
    (backward,) = engine.etas(at_u, [at_v])
    assert forward.seconds == pytest.approx(graph.travel_seconds()[street])
    assert backward.seconds > forward.seconds
    assert backward.meters > forward.meters


def test_k_and_limit_cut_the_answer(graphs: dict[str, RoadGraph]) -> None:
    graph = graphs["liechtenstein-latest.osm.pbf"]
    snapper = Snapper(graph)
    engine = EtaEngine(graph)
    rng = np.random.default_rng(5)
    target, *fleet = random_snaps(graph, snapper, rng, 101)
    full = engine.etas(target, fleet)
    assert [eta.seconds for eta in full] == sorted(eta.seconds for eta in full)
    assert engine.etas(target, fleet, k=5) == full[:5]
    limit = full[len(full) // 2].seconds
    within = engine.etas(target, fleet, limit_s=limit)
    assert within == [eta for eta in full if eta.seconds <= limit]
    assert engine.etas(target, [], k=5) == []


def test_time_factors_slow_the_answer_without_a_new_graph(graphs: dict[str, RoadGraph]) -> None:
    graph = graphs["andorra.osm.pbf"]
    snapper = Snapper(graph)
    rng = np.random.default_rng(9)
    target, *fleet = random_snaps(graph, snapper, rng, 21)
    base = EtaEngine(graph).etas(target, fleet)
    rush = EtaEngine(graph, factors=dict.fromkeys(range(14), 2.0)).etas(target, fleet)
    assert [eta.seconds * 2 for eta in base] == pytest.approx([eta.seconds for eta in rush])


def test_route_matches_the_eta_and_runs_from_point_to_point(graphs: dict[str, RoadGraph]) -> None:
    graph = graphs["baltimore.osm.pbf"]
    snapper = Snapper(graph)
    engine = EtaEngine(graph)
    rng = np.random.default_rng(3)
    for _ in range(10):
        source, target = random_snaps(graph, snapper, rng, 2)
        route = engine.route(source, target)
        (eta,) = engine.etas(target, [source])
        assert route.seconds == pytest.approx(eta.seconds)
        assert route.points[0] == (source.lat, source.lon) and route.points[-1] == (target.lat, target.lon)
        lats, lons = np.array(route.points).T
        drawn = haversine_m(lats[:-1], lons[:-1], lats[1:], lons[1:]).sum()
        assert drawn == pytest.approx(route.meters, rel=0.01, abs=1.0)


def test_snapping_finds_the_nearest_segment_like_a_brute_force_search(graphs: dict[str, RoadGraph]) -> None:
    graph = graphs["andorra.osm.pbf"]
    snapper = Snapper(graph)
    rng = np.random.default_rng(11)
    nodes = rng.integers(0, graph.node_count, 200)
    lats = graph.lat[nodes] + rng.normal(0, 0.001, 200)
    lons = graph.lon[nodes] + rng.normal(0, 0.001, 200)
    batch = snapper.snap_many(lats, lons)
    metres_per_degree = np.pi / 180 * 6_371_008.8
    for i in range(200):
        # Every segment of the map, projected in a plane around the point.
        kx = metres_per_degree * np.cos(np.radians(lats[i]))
        ax = (graph.lon[graph.tail] - lons[i]) * kx
        ay = (graph.lat[graph.tail] - lats[i]) * metres_per_degree
        dx = (graph.lon[graph.head] - lons[i]) * kx - ax
        dy = (graph.lat[graph.head] - lats[i]) * metres_per_degree - ay
        t = np.clip(-(ax * dx + ay * dy) / np.maximum(dx * dx + dy * dy, 1e-12), 0, 1)
        nearest = np.hypot(ax + t * dx, ay + t * dy).min()
        assert batch.distance_m[i] == pytest.approx(nearest, abs=0.01)
        snap = batch.at(i)
        assert 0.0 <= snap.fraction <= 1.0
        assert haversine_m(*map(np.array, ([lats[i]], [lons[i]], [snap.lat], [snap.lon])))[
            0
        ] == pytest.approx(snap.distance_m, rel=0.01, abs=0.05)


def test_snapping_throughput_is_printed(graphs: dict[str, RoadGraph], tmp_path: Path) -> None:
    graph = graphs["andorra.osm.pbf"]
    snapper = Snapper(graph)
    rng = np.random.default_rng(1)
    lats = rng.uniform(graph.lat.min(), graph.lat.max(), 50_000)
    lons = rng.uniform(graph.lon.min(), graph.lon.max(), 50_000)
    started = time.perf_counter()
    batch = snapper.snap_many(lats, lons)
    rate = len(batch) / (time.perf_counter() - started)
    print(f"snap_many: {rate:,.0f} fixes/s")
    assert len(batch) == 50_000 and (batch.edge >= 0).all()
