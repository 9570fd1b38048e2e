"""Visibility geometry: the sector and range boundaries, the 0°/360° wrap, a dome (360°), buildings in the
way (and the ones that are not: the camera's own, the incident's own), checked against a brute-force ray test
on random cases; the batch function agrees with the one-point function."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from kuzet.cctv.visibility import (
    Buildings,
    CameraViews,
    LocalProjection,
    Sight,
    sector_ring,
    sight_of_point,
    visible_pairs,
)

NONE = Buildings.none()


def one_camera(heading: float, fov: float, range_m: float, x: float = 0.0, y: float = 0.0) -> CameraViews:
    return CameraViews.build([x], [y], [heading], [fov], [range_m])


def at_bearing(bearing: float, distance: float) -> tuple[float, float]:
    return distance * math.sin(math.radians(bearing)), distance * math.cos(math.radians(bearing))


def verdict(cameras: CameraViews, x: float, y: float, buildings: Buildings = NONE) -> Sight:
    return Sight(int(sight_of_point(cameras, x, y, buildings).sight[0]))


@pytest.mark.parametrize(
    ("bearing", "expected"),
    [
        (90.0, Sight.SEES),
        (60.0, Sight.SEES),
        (120.0, Sight.SEES),
        (59.9, Sight.OUT_OF_SECTOR),
        (120.1, Sight.OUT_OF_SECTOR),
    ],
)
def test_the_sector_edges_are_seen_and_just_outside_is_not(bearing: float, expected: Sight) -> None:
    camera = one_camera(heading=90, fov=60, range_m=100)
    assert verdict(camera, *at_bearing(bearing, 50)) is expected


@pytest.mark.parametrize(
    ("distance", "expected"), [(99.99, Sight.SEES), (100.0, Sight.SEES), (100.01, Sight.TOO_FAR)]
)
def test_the_range_boundary_is_seen_and_beyond_is_too_far(distance: float, expected: Sight) -> None:
    x, y = at_bearing(0.0, distance)
    assert verdict(one_camera(heading=0, fov=30, range_m=100), x, y) is expected


@pytest.mark.parametrize(
    ("bearing", "expected"),
    [
        (350.0, Sight.SEES),
        (0.0, Sight.SEES),
        (15.0, Sight.SEES),
        (330.0, Sight.SEES),
        (16.0, Sight.OUT_OF_SECTOR),
        (300.0, Sight.OUT_OF_SECTOR),
    ],
)
def test_a_sector_across_north_wraps_round(bearing: float, expected: Sight) -> None:
    camera = one_camera(heading=352.5, fov=45, range_m=80)  # 330° .. 15°
    assert verdict(camera, *at_bearing(bearing, 40)) is expected


@pytest.mark.parametrize("bearing", [0.0, 90.0, 179.9, 180.0, 270.0, 359.9])
def test_a_dome_sees_all_round_but_not_past_its_range(bearing: float) -> None:
    dome = one_camera(heading=123, fov=360, range_m=50)
    assert verdict(dome, *at_bearing(bearing, 49.9)) is Sight.SEES
    assert verdict(dome, *at_bearing(bearing, 50.1)) is Sight.TOO_FAR


def test_the_point_at_the_camera_itself_is_seen() -> None:
    assert verdict(one_camera(heading=0, fov=10, range_m=20), 0.0, 0.0) is Sight.SEES


def test_a_building_between_camera_and_point_blocks_and_is_named() -> None:
    house = Buildings.build(["way/7"], [shapely.box(20, -5, 30, 5)])
    camera = one_camera(heading=90, fov=60, range_m=100)
    found = sight_of_point(camera, 50.0, 0.0, house)
    assert Sight(int(found.sight[0])) is Sight.BLOCKED and found.blocker[0] == 0
    assert verdict(camera, 50.0, 20.0, house) is Sight.SEES  # the line passes north of it
    assert verdict(camera, 15.0, 0.0, house) is Sight.SEES  # the point is before it


def test_the_nearest_of_two_blocking_buildings_is_named() -> None:
    far, near = shapely.box(60, -5, 70, 5), shapely.box(20, -5, 30, 5)
    found = sight_of_point(
        one_camera(90, 60, 100), 90.0, 0.0, Buildings.build(["way/far", "way/near"], [far, near])
    )
    assert found.blocker[0] == 1


def test_the_building_the_camera_is_mounted_on_does_not_block() -> None:
    own = Buildings.build(["way/1"], [shapely.box(-10, -10, 0.5, 10)])  # the camera stands 0.5 m inside
    assert verdict(one_camera(90, 60, 100), 50.0, 0.0, own) is Sight.SEES
    wall = Buildings.build(["way/1"], [shapely.box(-10, -10, -0.6, 10)])  # 0.6 m behind it, on the wall
    assert verdict(one_camera(90, 60, 100), 50.0, 0.0, wall) is Sight.SEES


def test_the_building_the_incident_is_in_does_not_block_but_one_before_it_does() -> None:
    target = shapely.box(40, -10, 60, 10)
    assert verdict(one_camera(90, 60, 100), 50.0, 0.0, Buildings.build(["way/t"], [target])) is Sight.SEES
    both = Buildings.build(["way/t", "way/b"], [target, shapely.box(20, -5, 30, 5)])
    assert verdict(one_camera(90, 60, 100), 50.0, 0.0, both) is Sight.BLOCKED


def test_a_sector_ring_spans_the_view() -> None:
    ring = sector_ring(0.0, 0.0, 90.0, 60.0, 100.0)
    polygon = shapely.Polygon(ring)
    assert ring[0] == ring[-1] == (0.0, 0.0)
    assert polygon.contains(shapely.Point(*at_bearing(90, 50)))
    assert not polygon.contains(shapely.Point(*at_bearing(150, 50)))
    circle = shapely.Polygon(sector_ring(0.0, 0.0, 0.0, 360.0, 10.0))
    assert circle.area == pytest.approx(math.pi * 100, rel=0.01)


def test_the_local_projection_measures_metres_at_city_scale() -> None:
    projection = LocalProjection.around((1.40, 42.42, 1.80, 42.66))
    x, y = projection.to_xy([42.5, 42.5, 42.501], [1.5, 1.501, 1.5])
    assert math.hypot(x[1] - x[0], y[1] - y[0]) == pytest.approx(81.99, rel=0.005)  # 0.001° lon at 42.5° N
    assert math.hypot(x[2] - x[0], y[2] - y[0]) == pytest.approx(111.2, rel=0.005)
    lat, lon = projection.to_latlon(x, y)
    assert np.allclose(lat, [42.5, 42.5, 42.501]) and np.allclose(lon, [1.5, 1.501, 1.5])


# --- brute force -------------------------------------------------------------------------------------------

SAMPLES = 4000


def brute_force(
    camera: tuple[float, ...], point: tuple[float, float], houses: list[shapely.Geometry]
) -> Sight:
    """The rule written out plainly: angles by trigonometry, blocking by sampling the segment densely and
    testing each sample for being inside a footprint."""
    cx, cy, heading, fov, range_m = camera
    px, py = point
    distance = math.hypot(px - cx, py - cy)
    if distance > range_m:
        return Sight.TOO_FAR
    bearing = math.degrees(math.atan2(px - cx, py - cy)) % 360
    off = min(abs(bearing - heading), 360 - abs(bearing - heading))
    if fov < 360 and distance > 0 and off > fov / 2:
        return Sight.OUT_OF_SECTOR
    for house in houses:
        if house.distance(shapely.Point(cx, cy)) <= 1.0 or house.intersects(shapely.Point(px, py)):
            continue  # the camera's own building, or the one the point is in
        t = np.linspace(0, 1, SAMPLES)
        if shapely.contains_xy(house, cx + t * (px - cx), cy + t * (py - cy)).any():
            return Sight.BLOCKED
    return Sight.SEES


def crossing_length(
    camera: tuple[float, ...], point: tuple[float, float], houses: list[shapely.Geometry]
) -> float:
    line = shapely.LineString([camera[:2], point])
    return max((line.intersection(h).length for h in houses), default=0.0)


@settings(max_examples=300, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    heading=st.floats(0, 359.99),
    fov=st.one_of(st.just(360.0), st.floats(1, 359)),
    range_m=st.floats(5, 150),
)
def test_the_verdict_agrees_with_a_brute_force_ray_test(
    seed: int, heading: float, fov: float, range_m: float
) -> None:
    rng = np.random.default_rng(seed)
    houses = [
        shapely.box(x, y, x + w, y + h)
        for x, y, w, h in zip(
            rng.uniform(-100, 80, 8),
            rng.uniform(-100, 80, 8),
            rng.uniform(3, 25, 8),
            rng.uniform(3, 25, 8),
            strict=True,
        )
    ]
    buildings = Buildings.build([f"way/{i}" for i in range(len(houses))], houses)
    camera = (float(rng.uniform(-20, 20)), float(rng.uniform(-20, 20)), heading, fov, range_m)
    views = CameraViews.build([camera[0]], [camera[1]], [heading], [fov], [range_m])
    # points around the camera, most of them within its range (where buildings matter)
    reach, angle = rng.uniform(0, 1.3 * range_m, 20), rng.uniform(0, 2 * math.pi, 20)
    points = np.column_stack((camera[0] + reach * np.sin(angle), camera[1] + reach * np.cos(angle)))
    for px, py in points:
        expected = brute_force(camera, (px, py), houses)
        got = verdict(views, float(px), float(py), buildings)
        if got != expected:
            # sampling misses a crossing shorter than its step; an edge touched only is blocked by the rule
            step = math.hypot(px - camera[0], py - camera[1]) / (SAMPLES - 1)
            assert {got, expected} == {Sight.BLOCKED, Sight.SEES}, (camera, px, py)
            assert crossing_length(camera, (px, py), houses) <= 2 * step, (camera, px, py, got, expected)


def test_the_batch_agrees_with_the_one_point_function_on_random_cases() -> None:
    rng = np.random.default_rng(18)
    houses = [shapely.box(x, y, x + 15, y + 10) for x, y in rng.uniform(-400, 400, (80, 2))]
    buildings = Buildings.build([f"way/{i}" for i in range(len(houses))], houses)
    n = 60
    cameras = CameraViews.build(
        rng.uniform(-300, 300, n),
        rng.uniform(-300, 300, n),
        rng.uniform(0, 360, n),
        np.where(rng.random(n) < 0.2, 360.0, rng.uniform(20, 120, n)),
        rng.uniform(30, 200, n),
    )
    points = rng.uniform(-400, 400, (500, 2))
    cam, pt = visible_pairs(cameras, points[:, 0], points[:, 1], buildings)
    batch = set(zip(cam.tolist(), pt.tolist(), strict=True))
    one_by_one = {
        (c, p)
        for p, (x, y) in enumerate(points)
        for c in np.flatnonzero(
            sight_of_point(cameras, float(x), float(y), buildings).sight == Sight.SEES
        ).tolist()
    }
    assert batch == one_by_one
    assert len(batch) > 50  # the case is not trivially empty
    assert list(cam) == sorted(cam)
