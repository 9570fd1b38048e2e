"""Importing real OSM extracts into the road graph: speeds, directions, components, files and errors."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from kuzet.geo.graph import FORMAT_VERSION, GraphError, RoadGraph
from kuzet.geo.osm import Imported, import_osm
from kuzet.geo.speeds import (
    BACKWARD,
    BOTH,
    FORWARD,
    RoadClass,
    SpeedRules,
    oneway_direction,
    parse_maxspeed,
    road_class,
)
from tests.reference import osm_extract


@pytest.fixture(scope="module")
def andorra() -> Iterator[Imported]:
    started = time.perf_counter()
    imported = import_osm(osm_extract("andorra.osm.pbf"))
    print(f"andorra imported in {time.perf_counter() - started:.2f} s: {imported.report}")
    yield imported


# --- tag rules -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("60", 60.0),
        ("60 km/h", 60.0),
        ("40kmh", 40.0),
        ("30 mph", 30 * 1.609344),
        ("KZ:urban", 60.0),
        ("RU:urban", 60.0),
        ("KZ:rural", 90.0),
        ("RU:rural", 90.0),
        ("KZ:motorway", 110.0),
        ("RU:motorway", 110.0),
        ("KZ:living_street", 20.0),
        ("RU:living_street", 20.0),
        ("60;40", 40.0),
        ("none", None),
        ("walk", None),
        ("signals", None),
        ("fast", None),
        ("0", None),
        ("", None),
        (None, None),
    ],
)
def test_maxspeed_is_read_in_kmh_or_left_to_the_default(value: str | None, expected: float | None) -> None:
    assert parse_maxspeed(value) == pytest.approx(expected)


def test_zone_maxspeed_follows_configured_rules() -> None:
    rules = SpeedRules(settlement_kmh=50.0, outside_kmh=100.0)
    assert parse_maxspeed("KZ:urban", rules) == 50.0
    assert parse_maxspeed("RU:rural", rules) == 100.0


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "residential", "oneway": "yes"}, FORWARD),
        ({"highway": "residential", "oneway": "true"}, FORWARD),
        ({"highway": "residential", "oneway": "1"}, FORWARD),
        ({"highway": "residential", "oneway": "-1"}, BACKWARD),
        ({"highway": "residential", "oneway": "reverse"}, BACKWARD),
        ({"highway": "residential", "oneway": "no"}, BOTH),
        ({"highway": "residential", "oneway": "false"}, BOTH),
        ({"highway": "residential", "oneway": "0"}, BOTH),
        ({"highway": "residential"}, BOTH),
        ({"highway": "primary", "junction": "roundabout"}, FORWARD),
        ({"highway": "primary", "junction": "circular"}, FORWARD),
        ({"highway": "primary", "junction": "roundabout", "oneway": "no"}, BOTH),
        ({"highway": "motorway"}, FORWARD),
        ({"highway": "motorway_link"}, FORWARD),
        ({"highway": "motorway", "oneway": "no"}, BOTH),
    ],
)
def test_oneway_direction_follows_tags_and_implied_rules(tags: dict[str, str], expected: int) -> None:
    assert oneway_direction(tags) == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "primary"}, RoadClass.PRIMARY),
        ({"highway": "trunk_link"}, RoadClass.TRUNK_LINK),
        ({"highway": "living_street"}, RoadClass.LIVING_STREET),
        ({"highway": "service"}, RoadClass.SERVICE),
        ({"highway": "service", "service": "parking_aisle"}, None),
        ({"highway": "service", "service": "driveway"}, None),
        ({"highway": "residential", "access": "private"}, None),
        ({"highway": "residential", "access": "no"}, None),
        ({"highway": "residential", "access": "no", "motor_vehicle": "yes"}, RoadClass.RESIDENTIAL),
        ({"highway": "residential", "motorcar": "no"}, None),
        ({"highway": "pedestrian", "area": "yes"}, None),
        ({"highway": "residential", "area": "yes"}, None),
        ({"highway": "construction"}, None),
        ({"highway": "footway"}, None),
        ({"highway": "cycleway"}, None),
        ({"building": "yes"}, None),
    ],
)
def test_only_drivable_open_roads_have_a_class(tags: dict[str, str], expected: RoadClass | None) -> None:
    assert road_class(tags) == expected


def test_default_speeds_depend_on_class_and_settlement() -> None:
    rules = SpeedRules()
    assert rules.default_speed(RoadClass.PRIMARY, in_settlement=True) == 60.0
    assert rules.default_speed(RoadClass.PRIMARY, in_settlement=False) == 90.0
    assert rules.default_speed(RoadClass.MOTORWAY, in_settlement=True) == 110.0
    assert rules.default_speed(RoadClass.LIVING_STREET, in_settlement=False) == 20.0
    assert rules.way_speed(RoadClass.RESIDENTIAL, "30", in_settlement=True) == 30.0
    assert rules.way_speed(RoadClass.RESIDENTIAL, "walk", in_settlement=True) == 40.0


# --- importing real extracts -----------------------------------------------------------------------------


def test_andorra_graph_is_one_strong_component_with_a_consistent_report(andorra: Imported) -> None:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    graph, report = andorra.graph, andorra.report
    assert report.ways_read > 1000
    assert report.nodes == graph.node_count > 10_000
    assert report.edges == graph.edge_count
    assert report.nodes + report.nodes_dropped == report.nodes_before_components
    assert report.edges + report.edges_dropped + report.duplicate_edges == report.edges_before_components
    assert report.components_dropped >= 1 and report.nodes_dropped >= report.components_dropped
    adjacency = csr_matrix(
        (np.ones(graph.edge_count), graph.head, graph.indptr), shape=(graph.node_count,) * 2
    )
    count, _ = connected_components(adjacency, directed=True, connection="strong")
    assert count == 1


def test_andorra_edges_have_real_lengths_speeds_and_both_kinds_of_direction(andorra: Imported) -> None:
    graph = andorra.graph
    assert graph.lat.min() > 42.4 and graph.lat.max() < 42.7
    assert graph.lon.min() > 1.4 and graph.lon.max() < 1.8
    assert (graph.length_m > 0).all() and graph.length_m.max() < 5000
    assert set(np.unique(graph.speed_kmh)) <= set(np.arange(5, 131, dtype=np.float32))
    assert (graph.twin >= 0).any() and (graph.twin < 0).any()
    paired = np.flatnonzero(graph.twin >= 0)
    assert (graph.twin[graph.twin[paired]] == paired).all()
    assert (graph.tail[graph.twin[paired]] == graph.head[paired]).all()
    # Reverse CSR: the incoming edges of each node end there.
    heads = np.repeat(np.arange(graph.node_count), np.diff(graph.rev_indptr))
    assert (graph.head[graph.rev_edge] == heads).all()


def test_travel_seconds_apply_class_factors_without_rebuilding(andorra: Imported) -> None:
    graph = andorra.graph
    base = graph.travel_seconds()
    assert base == pytest.approx(graph.length_m / (graph.speed_kmh / 3.6))
    slowed = graph.travel_seconds({RoadClass.PRIMARY: 1.5})
    primary = graph.road_class == RoadClass.PRIMARY
    assert slowed[primary] == pytest.approx(1.5 * base[primary])
    assert (slowed[~primary] == base[~primary]).all()


@pytest.mark.parametrize(
    "name", ["liechtenstein-latest.osm.pbf", "planet_10.068,48.135_10.071,48.137.osm", "West-Oakland.osm.bz2"]
)
def test_other_formats_and_extracts_import(name: str) -> None:
    imported = import_osm(osm_extract(name))
    assert imported.graph.edge_count > 0
    assert imported.report.nodes + imported.report.nodes_dropped == imported.report.nodes_before_components


def test_bbox_keeps_only_edges_inside_it(andorra: Imported) -> None:
    box = (1.50, 42.49, 1.56, 42.53)
    imported = import_osm(osm_extract("andorra.osm.pbf"), bbox=box)
    graph = imported.graph
    assert 0 < graph.node_count < andorra.graph.node_count
    assert (graph.lon >= box[0]).all() and (graph.lon <= box[2]).all()
    assert (graph.lat >= box[1]).all() and (graph.lat <= box[3]).all()
    assert graph.meta["bbox"] == list(box)


def test_progress_is_reported_by_stage() -> None:
    seen: list[tuple[str, int]] = []
    import_osm(
        osm_extract("liechtenstein-latest.osm.pbf"), progress=lambda stage, done: seen.append((stage, done))
    )
    stages = [stage for stage, _ in seen]
    assert stages[-1] == "done" and "building" in stages and "components" in stages


# --- files and errors ------------------------------------------------------------------------------------


def test_saved_graph_loads_back_equal_and_fast(andorra: Imported, tmp_path: Path) -> None:
    graph = andorra.graph
    path = tmp_path / "andorra.npz"
    graph.save(path)
    started = time.perf_counter()
    loaded = RoadGraph.load(path)
    elapsed = time.perf_counter() - started
    print(f"andorra graph ({path.stat().st_size / 1e6:.1f} MB) loaded in {elapsed * 1000:.1f} ms")
    assert elapsed < 1.0
    for name in (
        "lat",
        "lon",
        "indptr",
        "head",
        "length_m",
        "speed_kmh",
        "road_class",
        "rev_indptr",
        "rev_edge",
    ):
        mine, theirs = getattr(graph, name), getattr(loaded, name)
        assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs), name
    assert np.array_equal(loaded.twin, graph.twin)
    assert loaded.meta["source"] == "andorra.osm.pbf"
    assert loaded.meta["format_version"] == FORMAT_VERSION
    assert loaded.meta["imported_at"] == graph.meta["imported_at"]


def test_loading_a_missing_corrupt_or_foreign_graph_raises_graph_error(
    andorra: Imported, tmp_path: Path
) -> None:
    with pytest.raises(GraphError, match="no such file"):
        RoadGraph.load(tmp_path / "absent.npz")
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip at all" * 10)
    with pytest.raises(GraphError, match=r"garbage\.npz"):
        RoadGraph.load(garbage)
    other = tmp_path / "other.npz"
    np.savez(other, lat=np.zeros(3))
    with pytest.raises(GraphError, match=r"other\.npz"):
        RoadGraph.load(other)
    old = tmp_path / "old.npz"
    andorra.graph.save(old)
    with np.load(old) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["meta"] = np.array('{"format_version": 0}')
    np.savez(old, **arrays)
    with pytest.raises(GraphError, match="format version 0"):
        RoadGraph.load(old)


def test_unreadable_extracts_raise_graph_error(tmp_path: Path) -> None:
    noise = tmp_path / "noise.osm.pbf"
    noise.write_bytes(np.random.default_rng(7).bytes(4096))
    empty = tmp_path / "empty.osm.pbf"
    empty.write_bytes(b"")
    for path in (noise, empty):
        with pytest.raises(GraphError, match=path.name):
            import_osm(path)
    with pytest.raises(GraphError, match="no such file"):
        import_osm(tmp_path / "missing.osm.pbf")


def test_bbox_without_roads_raises_graph_error() -> None:
    with pytest.raises(GraphError, match="no drivable roads"):
        import_osm(osm_extract("andorra.osm.pbf"), bbox=(10.0, 10.0, 10.1, 10.1))
