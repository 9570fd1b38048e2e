"""District polygons from the administrative boundaries drawn in an OSM extract.

A region's districts usually follow administrative units (parishes, city districts, аудандар) that OSM draws
as `boundary=administrative` relations of one `admin_level`. pyosmium assembles them into polygons; a
relation cut by the edge of the extract cannot be assembled and is missing. The districts are then made to
cover the whole region box: what no boundary covers (the roads just across a state border, say) goes to the
nearest district, by Voronoi cells of points along the districts' outlines, so that every road of the map
lies in exactly one district and the outlines follow the valleys and ridges the boundaries follow, not
straight lines drawn across them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import osmium
import osmium.filter
import shapely  # type: ignore[import-untyped]
from shapely.geometry import MultiPolygon, Polygon, box  # type: ignore[import-untyped]

from kuzet.geo.districts import BBox
from kuzet.geo.osm import area_polygons

# Outline points every ~100 m (in degrees) to share out what no boundary covers.
_OUTLINE_STEP_DEG: Final = 0.001
_GRID_DEG: Final = 1e-9
_SHAKE_DEG: Final = 1e-7
_SPELLINGS: Final = {"name_ru": "name:ru", "name_kk": "name:kk", "name_en": "name:en"}


@dataclass(frozen=True)
class AdminArea:
    """One administrative unit of an extract: its name, its other spellings and its (multi)polygon."""

    name: str
    names: Mapping[str, str]  # name_ru, name_kk, name_en where the map has them
    admin_level: str
    geometry: Polygon | MultiPolygon


def admin_areas(path: Path | str, admin_level: str) -> list[AdminArea]:
    """The administrative areas of one level that the extract draws whole, in the file's order."""
    processor = (
        osmium.FileProcessor(str(path))
        .with_areas(osmium.filter.KeyFilter("boundary"))
        .with_filter(osmium.filter.KeyFilter("boundary"))
    )
    found: list[AdminArea] = []
    for obj in processor:
        if not isinstance(obj, osmium.osm.Area):
            continue
        tags = obj.tags
        if tags.get("boundary") != "administrative" or tags.get("admin_level") != admin_level:
            continue
        name = tags.get("name")
        polygons = area_polygons(obj)
        if not name or not polygons:
            continue
        geometry = shapely.make_valid(MultiPolygon(polygons) if len(polygons) > 1 else polygons[0])
        names = {key: value for key, tag in _SPELLINGS.items() if (value := tags.get(tag))}
        found.append(AdminArea(name, names, admin_level, _areal(geometry)))
    return found


def _areal(geometry: Any) -> Polygon | MultiPolygon:
    """The polygonal part of a shapely result (an intersection may add stray lines or points)."""
    if isinstance(geometry, Polygon | MultiPolygon):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    return shapely.union_all(parts) if parts else Polygon()


def cover_region(
    parts: Mapping[str, Polygon | MultiPolygon], bbox: BBox
) -> dict[str, Polygon | MultiPolygon]:
    """Each part clipped to the region box, plus the share of the box no part covers that is nearer to it
    than to any other part; together the results cover the box."""
    region = box(*bbox)
    clipped = {code: _areal(shapely.make_valid(shape).intersection(region)) for code, shape in parts.items()}
    rest = region.difference(shapely.union_all(list(clipped.values())))
    if rest.is_empty or rest.area < 1e-12:
        return clipped
    points, owners = [], []
    for code, shape in clipped.items():
        outline = shapely.segmentize(shape.boundary, _OUTLINE_STEP_DEG)
        coordinates = np.unique(shapely.get_coordinates(outline), axis=0)
        points.append(coordinates)
        owners += [code] * len(coordinates)
    # A point of a shared border is kept once (for the first of its districts): Voronoi needs distinct points.
    every, first = np.unique(np.concatenate(points), axis=0, return_index=True)
    # Points evenly spaced along straight borders are degenerate for Voronoi (GEOS returns overlapping
    # cells); a fixed shake of a centimetre or so breaks the ties without moving anything that matters.
    every = every + np.random.default_rng(0).uniform(-_SHAKE_DEG, _SHAKE_DEG, every.shape)
    cells = shapely.voronoi_polygons(shapely.multipoints(every), extend_to=region, ordered=True)
    extra: dict[str, list[Any]] = defaultdict(list)
    for index, cell in zip(first.tolist(), cells.geoms, strict=True):
        polygonal = _areal(cell)  # GEOS may hand a cell back inside a collection
        if not polygonal.is_empty:
            extra[owners[index]].append(polygonal)
    # Unions snap to a grid far finer than a map needs: an exact overlay of thousands of cells may fail.
    return {
        code: _areal(
            shapely.union_all(
                [shape, shapely.union_all(extra[code], grid_size=_GRID_DEG).intersection(rest)],
                grid_size=_GRID_DEG,
            )
        )
        if extra[code]
        else shape
        for code, shape in clipped.items()
    }


@dataclass(frozen=True)
class DistrictOutline:
    """A district made of administrative areas: its code, names and the names of its areas in the extract."""

    code: str
    names: Mapping[str, str]
    areas: tuple[str, ...]


def districts_from_boundaries(
    path: Path | str, admin_level: str, wanted: Sequence[DistrictOutline], bbox: BBox
) -> dict[str, Any] | None:
    """The districts as a GeoJSON FeatureCollection (as `Districts.from_geojson` reads it) made of the
    extract's administrative areas, covering the region box; None if an area named is not in the extract."""
    areas = {area.name: area for area in admin_areas(path, admin_level)}
    if any(name not in areas for district in wanted for name in district.areas):
        return None
    parts = {d.code: shapely.union_all([areas[name].geometry for name in d.areas]) for d in wanted}
    covered = cover_region(parts, bbox)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": d.code, **d.names},
                "geometry": json.loads(shapely.to_geojson(shapely.set_precision(covered[d.code], 1e-7))),
            }
            for d in wanted
        ],
    }
