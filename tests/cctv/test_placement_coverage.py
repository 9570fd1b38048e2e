"""What a candidate camera sees, for the placement plan: the registry's visibility (sector, range, buildings)
as a sparse matrix, and the plain sector rule beside it; the sites a road graph and a poles file offer."""

from __future__ import annotations

import numpy as np
import pytest
import shapely  # type: ignore[import-untyped]

from kuzet.cctv.placement import PlacementError
from kuzet.cctv.placement_coverage import LocalFrame, Views, coverage_matrix, seen_by_any
from kuzet.cctv.placement_sites import Views as SiteViews
from kuzet.cctv.placement_sites import intersection_sites, read_poles
from kuzet.cctv.placement_visibility import sight_coverage
from kuzet.cctv.visibility import Buildings, LocalProjection

REGION = (1.40, 42.42, 1.80, 42.66)
PROJECTION = LocalProjection.around(REGION)


def views(*rows: tuple[float, float, float, float, float]) -> Views:
    """Views from (x east, y north in metres, heading, fov, range)."""
    x, y, heading, fov, rng = (np.array(c, dtype=np.float64) for c in zip(*rows, strict=True))
    lat, lon = PROJECTION.to_latlon(x, y)
    return Views(lat, lon, heading, fov, rng, np.full(len(x), 6.0))


def points(*xy: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    x, y = (np.array(c, dtype=np.float64) for c in zip(*xy, strict=True))
    return PROJECTION.to_latlon(x, y)


def test_without_buildings_the_visibility_and_the_sector_rule_agree() -> None:
    rng = np.random.default_rng(7)
    n = 60
    cams = views(
        *zip(
            rng.uniform(-300, 300, n).tolist(),
            rng.uniform(-300, 300, n).tolist(),
            rng.uniform(0, 360, n).tolist(),
            rng.choice([60.0, 90.0, 360.0], n).tolist(),
            rng.uniform(30, 120, n).tolist(),
            strict=True,
        )
    )
    lat, lon = points(
        *zip(rng.uniform(-400, 400, 3000).tolist(), rng.uniform(-400, 400, 3000).tolist(), strict=True)
    )
    by_visibility = sight_coverage(Buildings.none(), PROJECTION)(cams, lat, lon)
    by_sector = coverage_matrix(cams, lat, lon, frame=LocalFrame(PROJECTION.lat0, PROJECTION.lon0))
    assert by_visibility.nnz > 100
    # The same rule in the same projection: at most a point on a boundary may differ, in the last bit.
    differ = (by_visibility != by_sector).nnz
    assert differ <= 2


def test_a_building_between_camera_and_incident_hides_it_from_the_plan() -> None:
    cams = views((0, 0, 90, 90, 100), (0, 0, 270, 90, 100))  # one site, looking east and west
    lat, lon = points((50, 0), (-50, 0), (80, 5))
    house = shapely.box(20, -10, 30, 10)  # east of the camera, between it and (50, 0) and (80, 5)
    blocked = sight_coverage(Buildings.build(["way/1"], [house]), PROJECTION)(cams, lat, lon)
    clear = sight_coverage(Buildings.none(), PROJECTION)(cams, lat, lon)
    assert clear.toarray().tolist() == [[1, 0, 1], [0, 1, 0]]
    assert blocked.toarray().tolist() == [[0, 0, 0], [0, 1, 0]]
    assert seen_by_any(blocked).tolist() == [False, True, False]


def test_intersections_are_nodes_where_three_roads_meet_inside_the_region() -> None:
    # A cross (node 0 joined to 1..4), a bend (node 5 joined to 1 and 6), and a crossing outside the region.
    lat = np.array([42.50, 42.501, 42.499, 42.50, 42.50, 42.502, 42.503, 50.0, 50.001, 50.0, 49.999])
    lon = np.array([1.50, 1.50, 1.50, 1.501, 1.499, 1.50, 1.50, 1.5, 1.5, 1.501, 1.5])
    edges = [(0, 1), (0, 2), (0, 3), (0, 4), (1, 5), (5, 6), (7, 8), (7, 9), (7, 10)]
    tail = np.array([a for a, b in edges] + [b for a, b in edges], dtype=np.int32)
    head = np.array([b for a, b in edges] + [a for a, b in edges], dtype=np.int32)
    sites = intersection_sites(lat, lon, tail, head, region=REGION, views=SiteViews())
    assert [(s.lat, s.lon) for s in sites] == [(42.50, 1.50)]
    assert [o.heading_deg for o in sites[0].options] == [0.0, 90.0, 180.0, 270.0]
    dome = intersection_sites(lat, lon, tail, head, region=REGION, views=SiteViews(dome=True, range_m=50))
    assert [(o.fov_deg, o.range_m) for o in dome[0].options] == [(360.0, 50.0)]


def test_a_poles_file_gives_each_pole_its_cost_and_its_own_heading() -> None:
    text = "lat,lon,cost,heading_deg,fov_deg,name\n42.5,1.5,2.5,,,corner\n42.51,1.51,1,45,60,mast\n"
    corner, mast = read_poles(text, region=REGION, views=SiteViews())
    assert corner.cost == 2.5 and len(corner.options) == 4 and corner.name == "corner"
    assert [(o.heading_deg, o.fov_deg, o.range_m) for o in mast.options] == [(45.0, 60.0, 80.0)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lat,lon\n42.5,1.5\n", "no column cost"),
        ("lat,lon,cost,colour\n42.5,1.5,1,red\n", "unknown columns colour"),
        ("lat,lon,cost\n", "lists no pole"),
        ("lat,lon,cost,fov_deg,heading_deg\n42.5,1.5,1,0,10\n", "line 2: fov_deg must be above 0"),
        ("lat,lon,cost,heading_deg\n42.5,1.5,1,400\n", "line 2: heading_deg 400 is outside 0..360"),
    ],
)
def test_a_bad_poles_file_is_refused(text: str, message: str) -> None:
    with pytest.raises(PlacementError, match=message):
        read_poles(text, region=REGION, views=SiteViews())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"fov_deg": 0}, "field of view"), ({"range_m": -5}, "range"), ({"headings": 0}, "headings")],
)
def test_bad_camera_views_are_refused(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(PlacementError, match=message):
        SiteViews(**kwargs)  # type: ignore[arg-type]
