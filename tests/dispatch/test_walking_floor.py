"""Foot patrols are left out of the walking search only when they cannot be among the k best: the
straight-line floor never exceeds the walk the search finds, and the ranking is the one got by walking every
foot patrol, on the real Andorra map."""

from __future__ import annotations

import numpy as np

from kuzet.dispatch.recommendations import _Placed, _rank, _walking_floor_s
from kuzet.dispatch.store import CALL_SIGN
from kuzet.geo.runtime import Roads
from kuzet.geo.snap import Snap, SnapBatch

PACE_KMH = 5.0


def spots(roads: Roads, rng: np.random.Generator, count: int) -> SnapBatch:
    """Road points near random nodes of Andorra la Vella, Escaldes and Sant Julià."""
    g = roads.graph
    box = np.flatnonzero((g.lat > 42.45) & (g.lat < 42.56) & (g.lon > 1.48) & (g.lon < 1.60))
    nodes = rng.choice(box, count)
    return roads.snapper.snap_many(
        g.lat[nodes] + rng.normal(0, 0.0003, count), g.lon[nodes] + rng.normal(0, 0.0003, count)
    )


def points(roads: Roads, rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    found = spots(roads, rng, count)
    return found.edge, found.fraction


def target(roads: Roads, rng: np.random.Generator) -> Snap:
    return spots(roads, rng, 1).at(0)


def row_of(call_sign: str) -> tuple[str | None, ...]:
    """A candidate row with only its call sign (all that ranking reads of it besides the placed arrays)."""
    return tuple(call_sign if column == CALL_SIGN else None for column in range(14))


def test_the_walking_floor_never_exceeds_the_road_route(andorra_roads: Roads) -> None:
    rng = np.random.default_rng(15)
    engine = andorra_roads.engine()
    ratios = []
    for _ in range(40):
        to = target(andorra_roads, rng)
        edges, fractions = points(andorra_roads, rng, 30)
        floor = _walking_floor_s(andorra_roads.graph, to, edges, fractions, 1.0)  # pace 1 m/s: metres
        for eta in engine.etas_arrays(to, edges, fractions, k=None):
            assert floor[eta.source] <= eta.meters
            if eta.meters > 200:
                ratios.append(floor[eta.source] / eta.meters)
    # Not a floor of zero that holds by doing nothing: it is most of the road route.
    assert np.median(ratios) > 0.5


def test_ranking_with_the_floor_equals_walking_every_foot_patrol(andorra_roads: Roads) -> None:
    rng = np.random.default_rng(16)
    engine = andorra_roads.engine()
    pace = PACE_KMH / 3.6
    left_out = 0
    for units in (12, 40, 200):
        for k in (1, 5):
            for _ in range(10):
                to = target(andorra_roads, rng)
                edges, fractions = points(andorra_roads, rng, units)
                foot = [i % 4 == 3 for i in range(units)]
                rows = [row_of(f"U-{i:03d}") for i in range(units)]
                placed = _Placed(rows, [False] * units, foot, edges.tolist(), fractions.tolist(), {})
                ranked = _rank(engine, andorra_roads.graph, to, placed, k, PACE_KMH)

                # The same without the floor: every foot patrol walked.
                driving = np.flatnonzero(~np.array(foot))
                walking = np.flatnonzero(foot)
                cars = engine.etas_arrays(to, edges[driving], fractions[driving], k=k)
                walks = engine.etas_arrays(to, edges[walking], fractions[walking], k=None)
                every = [(int(driving[e.source]), e.seconds, e.meters) for e in cars]
                every += [(int(walking[e.source]), e.meters / pace, e.meters) for e in walks]
                every.sort(key=lambda item: (item[1], rows[item[0]][CALL_SIGN]))
                assert ranked == every[:k]
                if len(cars) >= k:
                    graph = andorra_roads.graph
                    floor = _walking_floor_s(graph, to, edges[walking], fractions[walking], pace)
                    left_out += int(np.count_nonzero(floor > cars[k - 1].seconds))
    assert left_out > 100  # the floor did leave foot patrols out, so the comparison above means something
