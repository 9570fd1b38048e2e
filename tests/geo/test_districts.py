"""District polygons: a point is placed in the district that holds it, bad GeoJSON is refused with the field
named, and a grid of rectangles covers its box without gaps."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import shapely  # type: ignore[import-untyped]
from shapely.geometry import box, shape  # type: ignore[import-untyped]

from kuzet.geo.districts import DistrictError, Districts, grid_districts

ANDORRA_BBOX = (1.40, 42.42, 1.80, 42.66)


def square(west: float, south: float, size: float) -> list[list[float]]:
    return [
        [west, south],
        [west + size, south],
        [west + size, south + size],
        [west, south + size],
        [west, south],
    ]


def feature(code: Any, geometry: dict[str, Any], **names: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"code": code, **names}, "geometry": geometry}


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def city() -> dict[str, Any]:
    """Three districts: two squares side by side (sharing an edge), and one made of two islands."""
    return collection(
        feature("west", {"type": "Polygon", "coordinates": [square(0.0, 0.0, 1.0)]}, name_ru="Западный"),
        feature("east", {"type": "Polygon", "coordinates": [square(1.0, 0.0, 1.0)]}, name="East"),
        feature(
            "islands",
            {"type": "MultiPolygon", "coordinates": [[square(5.0, 5.0, 1.0)], [square(8.0, 5.0, 1.0)]]},
            name_kk="Аралдар",
        ),
    )


def test_a_point_is_placed_in_the_district_holding_it() -> None:
    districts = Districts.from_geojson(city())

    assert districts.locate(0.5, 0.5) == "west"  # (lat, lon)
    assert districts.locate(0.5, 1.5) == "east"
    assert districts.locate(0.5, 3.0) is None
    assert districts.locate(-10.0, -10.0) is None


def test_each_island_of_a_multipolygon_belongs_to_its_district() -> None:
    districts = Districts.from_geojson(city())

    assert districts.locate(5.5, 5.5) == "islands"
    assert districts.locate(5.5, 8.5) == "islands"
    assert districts.locate(5.5, 7.0) is None  # the water between the islands


def test_a_point_in_a_hole_is_outside() -> None:
    ring_with_hole = [square(0.0, 0.0, 3.0), square(1.0, 1.0, 1.0)[::-1]]
    districts = Districts.from_geojson(
        collection(feature("ring", {"type": "Polygon", "coordinates": ring_with_hole}))
    )

    assert districts.locate(0.5, 0.5) == "ring"
    assert districts.locate(1.5, 1.5) is None


def test_a_point_on_a_shared_border_gets_one_consistent_answer() -> None:
    districts = Districts.from_geojson(city())
    swapped = Districts.from_geojson(collection(*reversed(city()["features"])))

    assert districts.locate(0.5, 1.0) == "west"
    assert districts.locate_many([0.5, 0.5], [1.0, 1.0]) == ["west", "west"]
    assert swapped.locate(0.5, 1.0) == "east"


def test_locating_many_points_agrees_with_one_at_a_time() -> None:
    districts = Districts.from_geojson(city())
    rng = np.random.default_rng(7)
    lats, lons = rng.uniform(-1, 7, 300), rng.uniform(-1, 10, 300)

    many = districts.locate_many(lats, lons)

    assert many == [districts.locate(float(lat), float(lon)) for lat, lon in zip(lats, lons, strict=True)]
    assert {"west", "east", "islands", None} <= set(many)
    assert districts.locate_many([], []) == []


def test_names_codes_and_geojson_round_trip() -> None:
    districts = Districts.from_geojson(city())
    again = Districts.from_geojson(json.loads(json.dumps(districts.to_geojson())))

    assert districts.codes == again.codes == ("west", "east", "islands")
    assert again["west"].label("ru") == "Западный"
    assert again["east"].label("ru") == "East"  # no Russian name: the plain one
    assert again["islands"].label() == "islands"  # no plain name: the code
    for district in districts:
        assert shapely.equals(district.geometry, again[district.code].geometry)


def drop_code(data: dict[str, Any]) -> None:
    del data["features"][2]["properties"]["code"]


def set_path(*path: Any, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


@pytest.mark.parametrize(
    ("spoil", "field", "reason"),
    [
        (set_path("type", value="Feature"), "type", "FeatureCollection"),
        (set_path("features", value=[]), "features", "non-empty"),
        (drop_code, "features/2/properties/code", "missing"),
        (
            set_path("features", 0, "properties", "code", value="Central District"),
            "features/0/properties/code",
            "a-z",
        ),
        (set_path("features", 0, "properties", "code", value="x" * 41), "features/0/properties/code", "40"),
        (
            set_path("features", 1, "properties", "code", value="west"),
            "features/1/properties/code",
            "duplicate",
        ),
        (
            set_path("features", 0, "properties", "name_ru", value=42),
            "features/0/properties/name_ru",
            "string",
        ),
        (set_path("features", 1, "properties", value=None), "features/1/properties", "missing"),
        (set_path("features", 0, "geometry", value=None), "features/0/geometry", "missing"),
        (
            set_path("features", 0, "geometry", value={"type": "Point", "coordinates": [0, 0]}),
            "features/0/geometry/type",
            "Polygon",
        ),
        (
            set_path("features", 0, "geometry", "coordinates", 0, 2, value=[1.0, 95.0]),
            "features/0/geometry/coordinates/0/2",
            "out of range",
        ),
        (
            set_path("features", 0, "geometry", "coordinates", 0, 1, value=[True, 0.0]),
            "features/0/geometry/coordinates/0/1",
            "numbers",
        ),
        (
            set_path("features", 0, "geometry", "coordinates", 0, 4, value=[0.0, 0.5]),
            "features/0/geometry/coordinates/0",
            "end where it starts",
        ),
        (
            set_path("features", 2, "geometry", "coordinates", 1, 0, value=[[8, 5], [9, 5]]),
            "features/2/geometry/coordinates/1/0",
            "at least 4",
        ),
        (
            set_path(
                "features", 0, "geometry", "coordinates", value=[[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]
            ),
            "features/0/geometry",
            "Self-intersection",
        ),
    ],
)
def test_invalid_geojson_is_refused_naming_the_field(
    spoil: Callable[[dict[str, Any]], None], field: str, reason: str
) -> None:
    data = copy.deepcopy(city())
    spoil(data)

    with pytest.raises(DistrictError) as refused:
        Districts.from_geojson(data)

    assert any(path == field and reason in why for path, why in refused.value.errors), refused.value.errors
    assert field in str(refused.value)


def test_every_problem_is_reported_at_once() -> None:
    data = city()
    del data["features"][0]["properties"]["code"]
    data["features"][1]["geometry"]["type"] = "LineString"

    with pytest.raises(DistrictError) as refused:
        Districts.from_geojson(data)

    assert [path for path, _ in refused.value.errors] == [
        "features/0/properties/code",
        "features/1/geometry/type",
    ]


@pytest.mark.parametrize("data", [None, [], "FeatureCollection", {"type": "FeatureCollection"}])
def test_something_other_than_a_feature_collection_is_refused(data: Any) -> None:
    with pytest.raises(DistrictError) as refused:
        Districts.from_geojson(data)

    assert refused.value.errors


def test_a_grid_covers_its_box_without_gaps_or_overlaps() -> None:
    names = ["Ordino", "Canillo", "La Massana", "Encamp", "Andorra la Vella", "Escaldes", "Sant Julià", "Pas"]
    districts = Districts.from_geojson(grid_districts(ANDORRA_BBOX, 2, 4, names))
    cells = [district.geometry for district in districts]
    region = box(*ANDORRA_BBOX)

    assert districts.codes[0] == "ordino"
    assert districts.codes[6] == "sant-julia"
    assert shapely.union_all(cells).symmetric_difference(region).area < 1e-12
    assert sum(cell.area for cell in cells) == pytest.approx(region.area, rel=1e-12)
    rng = np.random.default_rng(11)
    lats = rng.uniform(ANDORRA_BBOX[1], ANDORRA_BBOX[3], 20_000)
    lons = rng.uniform(ANDORRA_BBOX[0], ANDORRA_BBOX[2], 20_000)
    edges_lon = np.linspace(ANDORRA_BBOX[0], ANDORRA_BBOX[2], 5)  # points exactly on the inner edges too
    lats, lons = np.concatenate((lats, np.full(5, 42.5))), np.concatenate((lons, edges_lon))
    started = time.perf_counter()
    located = districts.locate_many(lats, lons)
    print(f"\nlocated {len(lats)} points in {(time.perf_counter() - started) * 1000:.1f} ms")
    assert None not in located
    assert districts.locate(42.65, 1.41) == "ordino"  # the north-west corner cell
    assert districts.locate(42.43, 1.79) == "pas"  # the south-east corner cell


def test_a_grid_refuses_the_wrong_number_of_names_or_a_bad_box() -> None:
    with pytest.raises(ValueError, match="4 names"):
        grid_districts(ANDORRA_BBOX, 2, 2, ["a", "b", "c"])
    with pytest.raises(ValueError, match="bbox"):
        grid_districts((1.8, 42.42, 1.4, 42.66), 1, 1, ["a"])
    with pytest.raises(ValueError, match="duplicate"):
        grid_districts(ANDORRA_BBOX, 1, 2, ["Ordino", "ordino"])


def test_a_name_without_latin_letters_gets_a_numbered_code() -> None:
    grid = grid_districts(ANDORRA_BBOX, 1, 2, ["Алмалинский", "Medeu"])

    assert [f["properties"]["code"] for f in grid["features"]] == ["district-1", "medeu"]
    assert shape(grid["features"][0]["geometry"]).is_valid
