"""The past year's road times and choice of unit agree with the live recommender's ETA engine (geo.eta)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from kuzet.demo.history_roads import RoadTimes
from kuzet.demo.world import PARISHES, ROSTER, choose_posts, district_map
from kuzet.geo.districts import Districts
from kuzet.geo.eta import EtaEngine
from kuzet.geo.osm import import_osm
from kuzet.geo.snap import Snapper
from kuzet.incidents.catalogue import shipped_categories
from kuzet.units.domain import UnitType
from tests.reference import osm_extract

BBOX = (1.40, 42.42, 1.80, 42.66)
AT = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def andorra() -> tuple[RoadTimes, EtaEngine, Snapper, list[tuple[float, float]]]:
    graph = import_osm(osm_extract("andorra.osm.pbf")).graph
    districts = Districts.from_geojson(district_map(BBOX))
    wanted: dict[str, list[str]] = defaultdict(list)
    for call_sign, _, district in ROSTER:
        wanted[district].append(call_sign)
    posts = choose_posts(graph, districts, wanted, PARISHES)
    cars = [(cs, kind) for cs, kind, _ in ROSTER if kind is UnitType.PATROL_CAR]
    points = [posts[cs] for cs, _ in cars]
    roads = RoadTimes(graph, points, [kind for _, kind in cars])
    return roads, EtaEngine(graph), Snapper(graph), points


def test_the_nearest_unit_and_its_time_are_the_recommenders(
    andorra: tuple[RoadTimes, EtaEngine, Snapper, list[tuple[float, float]]],
) -> None:
    roads, engine, snapper, points = andorra
    category = next(c for c in shipped_categories() if c.priority == 2)
    rng = np.random.default_rng(3)
    sources = [snapper.snap(lat, lon) for lat, lon in points]
    for node in rng.choice(roads.graph.node_count, size=40, replace=False):
        node = int(node)
        sent = roads.send(category, node, AT)
        assert sent is not None
        target = snapper.snap(float(roads.graph.lat[node]), float(roads.graph.lon[node]))
        ranked = engine.etas(target, sources)
        # Posts and incident lie on the graph's nodes: the engine's times are the tables' to a few seconds,
        # and the unit sent is the engine's first (or ties with it).
        mine = next(e for e in ranked if e.source == sent.unit)
        assert sent.travel_s == pytest.approx(mine.seconds, abs=5.0), node
        assert sent.travel_s == pytest.approx(ranked[0].seconds, abs=5.0), node


def test_a_busy_unit_is_passed_over_until_it_clears_and_is_back(
    andorra: tuple[RoadTimes, EtaEngine, Snapper, list[tuple[float, float]]],
) -> None:
    roads, _, _, _ = andorra
    category = next(c for c in shipped_categories() if c.priority == 2)
    node = int(roads.table.posts[0])
    first = roads.send(category, node, AT)
    assert first is not None and first.travel_s == 0.0
    cleared = AT + timedelta(minutes=30)
    roads.occupy(first.unit, node, cleared)
    other = roads.send(category, node, AT + timedelta(minutes=5))
    assert other is not None and other.unit != first.unit
    again = roads.send(category, node, cleared + timedelta(minutes=1))
    assert again is not None and again.unit == first.unit  # back at its post, at the incident
    # With every unit busy, the incident waits for the first to clear.
    roads.busy_until[:] = (AT + timedelta(hours=2)).timestamp()
    roads.busy_until[2] = (AT + timedelta(hours=1)).timestamp()
    waited = roads.send(category, node, AT)
    assert waited is not None and waited.unit == 2
    assert waited.at.timestamp() == pytest.approx((AT + timedelta(hours=1)).timestamp())
