"""What the console's map draws besides the roads: street names along the drawn lines (from the gazetteer,
over real HTTP), and district outlines made of the extract's administrative boundaries."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import shapely  # type: ignore[import-untyped]
from shapely.geometry import box, shape  # type: ignore[import-untyped]

from kuzet.container import Services
from kuzet.geo.boundaries import DistrictOutline, admin_areas, cover_region, districts_from_boundaries
from kuzet.geo.districts import Districts
from kuzet.geo.drawing import SCALE, draw
from kuzet.geo.gazetteer import Gazetteer
from kuzet.geo.runtime import Roads
from kuzet.geo.street_names import name_lines
from tests.ops import Centre
from tests.reference import osm_extract

ANDORRA_BBOX = (1.40, 42.42, 1.80, 42.66)
MERITXELL = (42.50835, 1.52692)  # on Avinguda Meritxell, Andorra la Vella


def points_of(line: list[int]) -> np.ndarray:
    return np.cumsum(np.asarray(line, dtype=np.int64).reshape(-1, 2), axis=0) / SCALE


def metres(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    dy = (a[..., 0] - b[..., 0]) * 111_195.0
    dx = (a[..., 1] - b[..., 1]) * 111_195.0 * np.cos(np.radians(a[..., 0]))
    return np.asarray(np.hypot(dx, dy))


def test_the_geometry_names_the_streets_the_lines_run_along(
    centre: Centre, andorra_roads: Roads, andorra_gazetteer: None, services: Services
) -> None:
    body = centre.dispatcher.ok(centre.dispatcher.get("/api/v1/geo/roads/geometry"))
    lines, names, line_names = body["lines"], body["names"], body["line_names"]
    assert len(line_names) == len(lines) == len(body["tiers"])
    assert all(-1 <= n < len(names) for n in line_names) and len(set(names)) == len(names)
    named = [i for i, n in enumerate(line_names) if n >= 0]
    assert len(named) > len(lines) / 3 and len(names) > 200  # most streets of Andorra carry a name
    # The line passing closest to a point of Avinguda Meritxell is named after it.
    here = np.array(MERITXELL)
    nearest = min(range(len(lines)), key=lambda i: float(metres(points_of(lines[i]), here).min()))
    assert names[line_names[nearest]] == "Avinguda Meritxell"
    # Every named line runs along its street: its vertices lie on that street's gazetteer vertices.
    gazetteer = services.geo.gazetteer
    assert gazetteer is not None
    by_name: dict[str, list[int]] = {}
    for j, (name, *_rest) in enumerate(gazetteer.names):
        by_name.setdefault(name, []).append(j)
    far = 0
    for i in named:
        own = np.isin(gazetteer.vertex_street, by_name[names[line_names[i]]])
        street = gazetteer.vertices[own]
        middle = points_of(lines[i]).mean(axis=0) if len(lines[i]) == 4 else points_of(lines[i])[1]
        far += float(metres(street, middle).min()) > 30
    assert far < len(named) / 50


def test_without_a_gazetteer_no_line_is_named(andorra_roads: Roads) -> None:
    empty = Gazetteer([], [], np.empty((0, 2)), np.empty((0, 2)), np.empty((0, 2)), np.empty(0, np.int32))
    named = name_lines(andorra_roads.graph, empty)
    assert named.names == [] and set(named.line_names) == {-1}
    assert len(named.line_names) == len(draw(andorra_roads.graph).lines)


def test_the_parishes_of_the_extract_are_read_as_drawn() -> None:
    areas = {area.name: area for area in admin_areas(osm_extract("andorra.osm.pbf"), "7")}
    parishes = {"Andorra la Vella", "Canillo", "Encamp", "Escaldes-Engordany", "La Massana", "Ordino"}
    assert parishes | {"Sant Julià de Lòria"} <= set(areas)
    country = next(a for a in admin_areas(osm_extract("andorra.osm.pbf"), "2") if a.name == "Andorra")
    together = shapely.union_all([areas[name].geometry for name in [*parishes, "Sant Julià de Lòria"]])
    # The seven parishes make up the country (to a fraction of a percent: borders are drawn twice).
    assert abs(together.area - country.geometry.area) / country.geometry.area < 0.005
    # A parish outline follows the ridges: far more corners than a box or a Voronoi cell has.
    assert len(shapely.get_coordinates(areas["Canillo"].geometry)) > 100


def test_districts_from_boundaries_cover_the_region_once_and_every_road() -> None:
    wanted = [
        DistrictOutline("central", {"name_en": "Andorra la Vella"}, ("Andorra la Vella",)),
        DistrictOutline("north", {}, ("La Massana", "Ordino", "Canillo")),
        DistrictOutline("east", {}, ("Encamp", "Escaldes-Engordany")),
        DistrictOutline("south", {}, ("Sant Julià de Lòria",)),
    ]
    data = districts_from_boundaries(osm_extract("andorra.osm.pbf"), "7", wanted, ANDORRA_BBOX)
    assert data is not None
    districts = Districts.from_geojson(data)
    assert districts.codes == ("central", "north", "east", "south")
    assert districts["central"].label("en") == "Andorra la Vella"
    shapes = [d.geometry for d in districts]
    region = box(*ANDORRA_BBOX)
    assert abs(shapely.union_all(shapes).area - region.area) < 1e-9
    overlap = sum(a.intersection(b).area for a, b in itertools.combinations(shapes, 2))
    assert overlap < 1e-9
    # A town lies in its own parish's district, even near a border.
    assert districts.locate(42.5063, 1.5218) == "central"  # Andorra la Vella
    assert districts.locate(42.5100, 1.5390) == "east"  # Escaldes-Engordany, next door
    assert districts.locate(42.4637, 1.4913) == "south"  # Sant Julià
    assert districts.locate(42.5560, 1.5330) == "north"  # Ordino


def test_an_area_missing_from_the_extract_gives_no_districts() -> None:
    wanted = [DistrictOutline("x", {}, ("Atlantis",))]
    assert districts_from_boundaries(osm_extract("andorra.osm.pbf"), "7", wanted, ANDORRA_BBOX) is None


def test_what_no_boundary_covers_goes_to_the_nearest_district() -> None:
    west = shape({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]})
    east = shape({"type": "Polygon", "coordinates": [[[2, 0], [3, 0], [3, 1], [2, 1], [2, 0]]]})
    covered = cover_region({"west": west, "east": east}, (0.0, 0.0, 3.0, 2.0))
    assert abs(covered["west"].area + covered["east"].area - 6.0) < 1e-6
    assert covered["west"].contains(shapely.Point(1.3, 0.5)) and covered["east"].contains(
        shapely.Point(1.7, 0.5)
    )
    assert covered["west"].contains(shapely.Point(0.5, 1.8)) and covered["east"].contains(
        shapely.Point(2.5, 1.8)
    )
    counts = Counter(code for code, shape_ in covered.items() if shape_.contains(shapely.Point(1.5, 0.5)))
    assert sum(counts.values()) <= 1
