"""The demo region's world: districts over the Andorra map, forty units with crews, and their posts on roads.

Districts are Andorra's parishes. The capital, Andorra la Vella, is the `central` district: the demo's
call-taker, dispatcher and analyst work there, and the first seven demo units belong to it. Each district's
outline is its parishes' administrative boundary as the demo map draws it (La Massana and Ordino make one
district), stretched to the region's box so that together the districts cover the whole road map without
gaps (`kuzet.geo.boundaries`). Should the map lack a parish, each district is instead the set of places nearer
to one of its towns than to any other town (Voronoi cells of the towns, clipped to the box): straight lines
across the valleys, a rough stand-in.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely  # type: ignore[import-untyped]
from shapely.geometry import MultiPoint, box  # type: ignore[import-untyped]

from kuzet.container import Services
from kuzet.demo.callers import MALE_NAMES, SURNAMES
from kuzet.demo.seed import DEMO_ACTOR, DEMO_MAP, DEMO_POSTS, DEMO_UNITS, seed_demo_positions
from kuzet.geo import service as geo_service
from kuzet.geo.boundaries import DistrictOutline, districts_from_boundaries
from kuzet.geo.districts import BBox, Districts
from kuzet.geo.graph import RoadGraph
from kuzet.units import service as units
from kuzet.units.domain import CrewMember, UnitType
from kuzet.units.store import UnitRepository

log = logging.getLogger(__name__)
LatLon = tuple[float, float]


@dataclass(frozen=True)
class Parish:
    code: str
    name_ru: str
    name_kk: str
    name_en: str
    towns: tuple[LatLon, ...]  # the first is the main town, where posts gather
    share: float  # of the region's appeals


PARISHES: Final = (
    Parish("central", "Андорра-ла-Велья (центральный)", "Андорра-ла-Велья (орталық)", "Andorra la Vella",
           ((42.5063, 1.5218),), 0.30),
    Parish("escaldes", "Эскальдес-Энгордань", "Эскальдес-Энгордань", "Escaldes-Engordany",
           ((42.5100, 1.5390),), 0.20),
    Parish("encamp", "Энкамп", "Энкамп", "Encamp", ((42.5345, 1.5803), (42.5425, 1.7330)), 0.15),
    Parish("la-massana", "Ла-Массана и Ордино", "Ла-Массана және Ордино", "La Massana and Ordino",
           ((42.5450, 1.5150), (42.5560, 1.5330), (42.5720, 1.4840)), 0.13),
    Parish("sant-julia", "Сант-Жулия-де-Лория", "Сант-Жулия-де-Лория", "Sant Julià de Lòria",
           ((42.4637, 1.4913),), 0.12),
    Parish("canillo", "Канильо", "Канильо", "Canillo", ((42.5667, 1.5975), (42.5770, 1.6680)), 0.10),
)  # fmt: skip
PARISH_SHARES: Final = {p.code: p.share for p in PARISHES}
# The parishes' administrative areas (OSM admin_level 7) in the demo map that make each district.
PARISH_LEVEL: Final = "7"
PARISH_AREAS: Final = {
    "central": ("Andorra la Vella",),
    "escaldes": ("Escaldes-Engordany",),
    "encamp": ("Encamp",),
    "la-massana": ("La Massana", "Ordino"),
    "sant-julia": ("Sant Julià de Lòria",),
    "canillo": ("Canillo",),
}

P, R, T, D, F = (
    UnitType.PATROL_CAR,
    UnitType.RAPID_RESPONSE,
    UnitType.TRAFFIC_POLICE,
    UnitType.DISTRICT_INSPECTOR,
    UnitType.FOOT_PATROL,
)
# The units beyond the first seven: call sign, type and home district (the tens digit names the district).
ROSTER: Final[tuple[tuple[str, UnitType, str], ...]] = (
    ("Беркут-11", P, "central"), ("Беркут-12", P, "central"), ("УУП-12", D, "central"),
    ("Пеший-12", F, "central"),
    ("Беркут-21", P, "escaldes"), ("Беркут-22", P, "escaldes"), ("Беркут-23", P, "escaldes"),
    ("Сункар-2", R, "escaldes"), ("ДПС-2", T, "escaldes"), ("УУП-21", D, "escaldes"),
    ("Пеший-21", F, "escaldes"),
    ("Беркут-31", P, "encamp"), ("Беркут-32", P, "encamp"), ("Сункар-3", R, "encamp"),
    ("ДПС-3", T, "encamp"), ("УУП-31", D, "encamp"), ("Пеший-31", F, "encamp"),
    ("Беркут-41", P, "la-massana"), ("Беркут-42", P, "la-massana"), ("Беркут-43", P, "la-massana"),
    ("ДПС-4", T, "la-massana"), ("УУП-41", D, "la-massana"), ("УУП-42", D, "la-massana"),
    ("Беркут-51", P, "sant-julia"), ("Беркут-52", P, "sant-julia"), ("ДПС-5", T, "sant-julia"),
    ("УУП-51", D, "sant-julia"), ("Пеший-51", F, "sant-julia"),
    ("Беркут-61", P, "canillo"), ("Беркут-62", P, "canillo"), ("Сункар-6", R, "canillo"),
    ("ДПС-6", T, "canillo"), ("УУП-61", D, "canillo"),
)  # fmt: skip
CREW_SIZE: Final = {P: 2, R: 3, T: 1, D: 1, F: 2}
# Posts stand on roads within this distance of one of the district's towns.
POST_RADIUS_M: Final = 2500.0


def _names(parish: Parish) -> dict[str, str]:
    return {
        "name": parish.name_ru,
        "name_ru": parish.name_ru,
        "name_kk": parish.name_kk,
        "name_en": parish.name_en,
    }


def district_map(bbox: BBox, parishes: Sequence[Parish] = PARISHES) -> dict[str, Any]:
    """The parishes as a GeoJSON FeatureCollection: their boundaries in the demo map, else towns' cells."""
    if all(parish.code in PARISH_AREAS for parish in parishes):
        wanted = [DistrictOutline(p.code, _names(p), PARISH_AREAS[p.code]) for p in parishes]
        outlined = districts_from_boundaries(DEMO_MAP, PARISH_LEVEL, wanted, bbox)
        if outlined is not None:
            return outlined
    return town_cells(bbox, parishes)


def town_cells(bbox: BBox, parishes: Sequence[Parish] = PARISHES) -> dict[str, Any]:
    """The parishes as a GeoJSON FeatureCollection: each town's Voronoi cell in the box, merged by parish."""
    towns = [(parish.code, lat, lon) for parish in parishes for lat, lon in parish.towns]
    region = box(*bbox)
    cells = shapely.voronoi_polygons(MultiPoint([(lon, lat) for _, lat, lon in towns]), extend_to=region)
    parts: dict[str, list[Any]] = defaultdict(list)
    for cell in cells.geoms:
        owner = next(code for code, lat, lon in towns if cell.intersects(shapely.Point(lon, lat)))
        parts[owner].append(cell.intersection(region))
    features = []
    for parish in parishes:
        shape = shapely.union_all(parts[parish.code])
        features.append(
            {
                "type": "Feature",
                "properties": {"code": parish.code, **_names(parish)},
                "geometry": json.loads(shapely.to_geojson(shape)),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def crew_of(index: int, unit_type: UnitType) -> tuple[CrewMember, ...]:
    """A crew of 1 to 3 people, the same for the same unit on every run."""
    size = CREW_SIZE[unit_type]
    return tuple(
        CrewMember(
            f"{MALE_NAMES[(7 * n + 3) % len(MALE_NAMES)]} {SURNAMES[(5 * n + 1) % len(SURNAMES)]}",
            str(4100 + n),
        )
        for n in range(index * 3, index * 3 + size)
    )


def _metres_to(lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64], point: LatLon) -> Any:
    """Approximate metres from every node to one point (equirectangular: fine at a district's scale)."""
    dy = (lat - point[0]) * 111_195.0
    dx = (lon - point[1]) * 111_195.0 * np.cos(np.radians(point[0]))
    return np.hypot(dx, dy)


def choose_posts(
    graph: RoadGraph, districts: Districts, wanted: Mapping[str, Sequence[str]], parishes: Sequence[Parish]
) -> dict[str, LatLon]:
    """A post on a road node inside its district for each call sign, spread apart (farthest-point picking),
    starting at the node nearest the district's main town. The same map gives the same posts."""
    located = np.array(districts.locate_many(graph.lat, graph.lon), dtype=object)
    towns = {parish.code: parish.towns for parish in parishes}
    posts: dict[str, LatLon] = {}
    for code, call_signs in wanted.items():
        inside = np.flatnonzero(located == code)
        if not len(inside) or not call_signs:
            continue
        lat, lon = graph.lat[inside], graph.lon[inside]
        near = [_metres_to(lat, lon, town) for town in towns.get(code, ((float(lat[0]), float(lon[0])),))]
        close = np.minimum.reduce(near) <= POST_RADIUS_M
        pool = np.flatnonzero(close) if close.any() else np.arange(len(inside))
        chosen = [int(pool[np.argmin(near[0][pool])])]
        gap = _metres_to(lat[pool], lon[pool], (float(lat[chosen[0]]), float(lon[chosen[0]])))
        for _ in call_signs[1:]:
            chosen.append(int(pool[np.argmax(gap)]))
            gap = np.minimum(
                gap, _metres_to(lat[pool], lon[pool], (float(lat[chosen[-1]]), float(lon[chosen[-1]])))
            )
        for call_sign, node in zip(call_signs, chosen, strict=False):
            posts[call_sign] = (round(float(lat[node]), 6), round(float(lon[node]), 6))
    return posts


@dataclass(frozen=True)
class World:
    districts_loaded: bool
    units_created: int
    placed: int
    posts: dict[str, LatLon]


def _same_map(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two district maps have the same codes and shapes (to a millionth of a degree)."""
    first, second = Districts.from_geojson(a), Districts.from_geojson(b)
    return set(first.codes) == set(second.codes) and all(
        shapely.equals_exact(district.geometry, second[district.code].geometry, tolerance=1e-6)
        for district in first
    )


def seed_demo_districts(services: Services) -> bool:
    """Load the parishes as the district map, unless a district map is there; the demo's own earlier map of
    straight-lined town cells is replaced by the parishes' outlines. True if it loaded them."""
    bbox = services.settings.region_bbox
    stored = geo_service.district_map(services.uow())
    if stored["features"] and not _same_map(stored, town_cells(bbox)):
        return False
    data = district_map(bbox)
    if stored["features"] and _same_map(stored, data):
        return False
    geo_service.replace_districts(services.uow(), data, by=DEMO_ACTOR, at=services.clock.now())
    services.geo.reload()
    return True


def seed_demo_roster(services: Services) -> int:
    """Put the units of ROSTER on the roster and on shift (units already there are left as they are)."""
    created = 0
    at = services.clock.now()
    for index, (call_sign, unit_type, district) in enumerate(ROSTER):
        with services.uow() as uow:
            if uow.repo(UnitRepository).by_call_sign(call_sign) is not None:
                continue
        unit = units.create(
            services.uow(),
            call_sign=call_sign,
            unit_type=unit_type,
            district=district,
            crew=crew_of(index, unit_type),
            by=DEMO_ACTOR,
            at=at,
        )
        units.shift(services.uow(), unit_id=unit.id, on_duty=True, crew=None, by=DEMO_ACTOR, at=at)
        created += 1
    return created


def demo_posts(services: Services) -> dict[str, LatLon]:
    """Where every demo unit has its post: the first seven's fixed posts, the others' on the road map."""
    posts = dict(DEMO_POSTS)
    roads, districts = services.geo.roads, services.geo.districts
    if roads is None or districts is None:
        return posts
    wanted: dict[str, list[str]] = defaultdict(list)
    for call_sign, _, district in ROSTER:
        wanted[district].append(call_sign)
    posts.update(choose_posts(roads.graph, districts, wanted, PARISHES))
    return posts


def seed_demo_world(services: Services, *, roster: bool = True) -> World:
    """Districts, the forty units on shift, and each unit's first position at its post. Safe to run again.
    Without `roster` (a plan's units stand in for it), only the districts and the first seven's posts."""
    loaded = seed_demo_districts(services)
    created = seed_demo_roster(services) if roster else 0
    posts = demo_posts(services) if roster else dict(DEMO_POSTS)
    placed = seed_demo_positions(services, posts)
    return World(loaded, created, placed, posts)


def all_call_signs() -> list[str]:
    return [call_sign for call_sign, _, _ in DEMO_UNITS] + [call_sign for call_sign, _, _ in ROSTER]
