"""ALT landmark bounds never exceed the true travel time, and the engine that uses them stays exact."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import dijkstra  # type: ignore[import-untyped]

from kuzet.geo.eta import EtaEngine
from kuzet.geo.graph import RoadGraph
from kuzet.geo.landmarks import compute_landmarks, node_lower_bound, point_bounds
from kuzet.geo.osm import import_osm
from kuzet.geo.snap import Snap, Snapper
from tests.reference import osm_extract


@pytest.fixture(scope="module")
def andorra() -> Iterator[RoadGraph]:
    yield import_osm(osm_extract("andorra.osm.pbf")).graph


def forward_matrix(graph: RoadGraph) -> csr_matrix:
    n = graph.node_count
    return csr_matrix((graph.travel_seconds(), graph.head, graph.indptr), shape=(n, n))


def test_node_bounds_never_exceed_the_true_distance(andorra: RoadGraph) -> None:
    graph = andorra
    lm = compute_landmarks(graph, 8)
    assert lm.table.shape == (graph.node_count, 8, 2) and lm.table.dtype == np.float32
    assert len(set(lm.nodes.tolist())) == 8
    rng = np.random.default_rng(1)
    sources = rng.integers(0, graph.node_count, 25)
    exact = dijkstra(forward_matrix(graph), indices=sources)
    everyone = np.arange(graph.node_count)
    # The table itself: rounded down from d(L, v), up from d(v, L).
    from_landmarks = dijkstra(forward_matrix(graph), indices=lm.nodes)
    to_landmarks = dijkstra(forward_matrix(graph).T.tocsr(), indices=lm.nodes)
    assert (from_landmarks >= lm.table[:, :, 0].T).all() and (to_landmarks <= lm.table[:, :, 1].T).all()
    useful = 0
    for row, source in enumerate(sources):
        bound = node_lower_bound(lm, np.full(graph.node_count, source), everyone)
        assert (bound <= exact[row]).all()
        useful += int((bound > 0.5 * exact[row]).sum())
    assert useful > 0.5 * len(sources) * graph.node_count  # and they are tight enough to matter


def test_point_bounds_bracket_the_true_distance_between_snapped_points(andorra: RoadGraph) -> None:
    graph = andorra
    lm = compute_landmarks(graph, 8)
    snapper = Snapper(graph)
    rng = np.random.default_rng(2)
    nodes = rng.integers(0, graph.node_count, 300)
    batch = snapper.snap_many(graph.lat[nodes] + rng.normal(0, 0.0004, 300), graph.lon[nodes])
    out = np.empty((len(batch), lm.count, 4))
    point_bounds(
        lm.table, graph.tail, graph.head, graph.twin, graph.length_m, graph.speed_kmh,
        batch.edge, batch.fraction, out,
    )  # fmt: skip
    # Exact landmark-to-point and point-to-landmark times through the point's end nodes.
    seconds = graph.travel_seconds()
    out_of = dijkstra(forward_matrix(graph), indices=lm.nodes)  # (landmarks, nodes)
    into = dijkstra(forward_matrix(graph).T.tocsr(), indices=lm.nodes)
    e, f = batch.edge, batch.fraction
    tail, head, twin = graph.tail[e], graph.head[e], graph.twin[e]
    back = np.where(twin >= 0, seconds[np.maximum(twin, 0)], np.inf)
    with np.errstate(invalid="ignore"):
        reach = np.minimum(
            out_of[:, tail] + f * seconds[e], out_of[:, head] + np.where(twin >= 0, (1 - f) * back, np.inf)
        )
        leave = np.minimum(
            (1 - f) * seconds[e] + into[:, head], np.where(twin >= 0, f * back, np.inf) + into[:, tail]
        )
    assert (out[:, :, 0] <= reach.T).all() and (out[:, :, 1] >= reach.T).all()
    assert (out[:, :, 2] <= leave.T).all() and (out[:, :, 3] >= leave.T).all()
    assert np.allclose(out[:, :, 0], reach.T, rtol=1e-6) and np.allclose(out[:, :, 3], leave.T, rtol=1e-6)


@pytest.mark.parametrize("factors", [None, {3: 0.5, 5: 2.0, 7: 1.5}])
def test_landmark_engine_agrees_with_the_plain_engine(
    andorra: RoadGraph, factors: dict[int, float] | None
) -> None:
    graph = andorra
    snapper = Snapper(graph)
    plain = EtaEngine(graph, factors)
    alt = EtaEngine(graph, factors)
    assert alt.landmarks is None
    assert alt.prepare_landmarks() is None  # a small graph: not worth it by default
    lm = alt.prepare_landmarks(8, min_nodes=0)
    assert lm is not None and alt.landmarks is lm
    assert EtaEngine(graph).prepare_landmarks(8, min_nodes=0) is lm  # shared per graph
    rng = np.random.default_rng(3)
    nodes = rng.integers(0, graph.node_count, 260)
    batch = snapper.snap_many(graph.lat[nodes] + rng.normal(0, 0.0004, 260), graph.lon[nodes])
    units = batch.snaps()[:200]
    for target in batch.snaps()[200:]:
        for k in (1, 5, 40, None):
            ours = alt.etas(target, units, k=k)
            reference = plain.etas(target, units, k=k)
            assert [eta.seconds for eta in ours] == pytest.approx(
                [eta.seconds for eta in reference], rel=1e-9
            )
            assert [eta.meters for eta in ours] == pytest.approx([eta.meters for eta in reference], rel=1e-6)
        route, reference_route = alt.route(units[0], target), plain.route(units[0], target)
        assert route.seconds == pytest.approx(reference_route.seconds, rel=1e-9)


def test_landmark_engine_matches_scipy_on_liechtenstein_with_factors() -> None:
    graph = import_osm(osm_extract("liechtenstein-latest.osm.pbf")).graph
    factors = {4: 3.0, 6: 0.8}  # one class faster than free flow: the bounds are scaled down
    engine = EtaEngine(graph, factors)
    assert engine.prepare_landmarks(min_nodes=0) is not None
    seconds = graph.travel_seconds(factors)
    reverse = csr_matrix((seconds, graph.head, graph.indptr), shape=(graph.node_count,) * 2).T.tocsr()
    rng = np.random.default_rng(4)
    edges = rng.integers(0, graph.edge_count, 150).astype(np.int32)
    fractions = rng.uniform(0, 1, 150)
    twin = graph.twin[edges]
    for node in rng.integers(0, graph.node_count, 25):
        # The incident exactly on a node: at fraction 0 of one of its outgoing edges.
        target = Snap(int(graph.indptr[node]), 0.0, 0.0, 0.0, 0.0)
        to_incident = dijkstra(reverse, indices=int(node))
        via_head = (1 - fractions) * seconds[edges] + to_incident[graph.head[edges]]
        via_tail = np.where(
            twin >= 0, fractions * seconds[np.maximum(twin, 0)] + to_incident[graph.tail[edges]], np.inf
        )
        expected = np.sort(np.minimum(via_head, via_tail))
        for k in (1, 5, 30):
            ours = engine.etas_arrays(target, edges, fractions, k=k)
            assert [eta.seconds for eta in ours] == pytest.approx(expected[:k], rel=1e-9, abs=1e-9)
