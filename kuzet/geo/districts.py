"""Districts as polygons: read and check them from GeoJSON, and tell which district holds a point. Pure.

A district set arrives as a GeoJSON FeatureCollection of Polygon or MultiPolygon features whose properties
carry a `code` (a-z, 0-9, «_» and «-», at most 40 characters) and optional names (`name`, `name_ru`,
`name_kk`, `name_en`). Every problem found is reported with the path of the field at fault, so that an API
can answer 422 and name it. A point on the border of two districts belongs to the one listed first.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import shapely  # type: ignore[import-untyped]
from shapely.geometry import MultiPolygon, Polygon, shape  # type: ignore[import-untyped]

BBox = tuple[float, float, float, float]

CODE_PATTERN: Final = re.compile(r"[a-z0-9_-]{1,40}")
NAME_KEYS: Final = ("name", "name_ru", "name_kk", "name_en")
NAME_MAX_CHARS: Final = 120
_MAX_PROBLEMS: Final = 50


class DistrictError(ValueError):
    """Invalid district GeoJSON: `errors` lists (field path, reason) pairs, such as
    ("features/2/properties/code", "missing")."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__(
            "invalid districts: " + "; ".join(f"{path or '(root)'}: {why}" for path, why in errors)
        )


@dataclass(frozen=True, slots=True)
class District:
    """One district: its code, the names it was given and its (multi)polygon in lon/lat."""

    code: str
    names: Mapping[str, str]  # the NAME_KEYS that were given
    geometry: Polygon | MultiPolygon

    def label(self, language: str | None = None) -> str:
        """The name in `language` (ru, kk, en) if known, else the plain name, else the code."""
        in_language = self.names.get(f"name_{language}") if language else None
        return in_language or self.names.get("name") or self.code


class Districts:
    """An ordered set of districts with a spatial index over their polygons."""

    def __init__(self, districts: Sequence[District]) -> None:
        self.districts = tuple(districts)
        self._by_code = {district.code: district for district in self.districts}
        if len(self._by_code) != len(self.districts):
            raise ValueError("district codes must be unique")
        self._tree = shapely.STRtree([district.geometry for district in self.districts])

    @classmethod
    def from_geojson(cls, data: Any) -> Districts:
        """Check a FeatureCollection and build the districts; raises DistrictError listing every problem."""
        errors: list[tuple[str, str]] = []
        if not isinstance(data, dict):
            raise DistrictError([("", "must be a GeoJSON object")])
        if data.get("type") != "FeatureCollection":
            errors.append(("type", "must be FeatureCollection"))
        features = data.get("features")
        if not isinstance(features, list) or not features:
            missing = "features" not in data
            raise DistrictError([*errors, ("features", "missing" if missing else "must be a non-empty list")])
        districts: list[District] = []
        first_seen: dict[str, int] = {}
        for index, feature in enumerate(features):
            district = _read_feature(feature, f"features/{index}", errors)
            if district is None:
                continue
            if district.code in first_seen:
                where = f"features/{first_seen[district.code]}"
                errors.append((f"features/{index}/properties/code", f"duplicate code (also in {where})"))
            else:
                first_seen[district.code] = index
                districts.append(district)
        if errors:
            raise DistrictError(errors[:_MAX_PROBLEMS])
        return cls(districts)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(district.code for district in self.districts)

    def __len__(self) -> int:
        return len(self.districts)

    def __iter__(self) -> Iterator[District]:
        return iter(self.districts)

    def __getitem__(self, code: str) -> District:
        return self._by_code[code]

    def locate(self, lat: float, lon: float) -> str | None:
        """The code of the district holding the point, or None outside them all."""
        return self.locate_many([lat], [lon])[0]

    def locate_many(
        self, lats: Sequence[float] | np.ndarray[Any, Any], lons: Sequence[float] | np.ndarray[Any, Any]
    ) -> list[str | None]:
        """The district code for each point (None outside every district), in one index query."""
        lat = np.asarray(lats, dtype=np.float64).ravel()
        lon = np.asarray(lons, dtype=np.float64).ravel()
        if lat.shape != lon.shape:
            raise ValueError("lats and lons must have the same length")
        nowhere = len(self.districts)
        found = np.full(len(lat), nowhere, dtype=np.int64)
        if len(lat) and nowhere:
            point_index, district_index = self._tree.query(shapely.points(lon, lat), predicate="intersects")
            np.minimum.at(found, point_index, district_index)  # on a shared border the first district wins
        return [self.districts[i].code if i < nowhere else None for i in found.tolist()]

    def to_geojson(self) -> dict[str, Any]:
        """The districts as a FeatureCollection, as from_geojson() reads it."""
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": district.code, **district.names},
                    "geometry": json.loads(shapely.to_geojson(district.geometry)),
                }
                for district in self.districts
            ],
        }


def _read_feature(feature: Any, path: str, errors: list[tuple[str, str]]) -> District | None:
    """One feature as a District, or None after adding its problems to `errors`."""
    if not isinstance(feature, dict):
        errors.append((path, "must be a GeoJSON Feature object"))
        return None
    before = len(errors)
    if feature.get("type") != "Feature":
        errors.append((f"{path}/type", "must be Feature"))
    properties = feature.get("properties")
    code: str | None = None
    names: dict[str, str] = {}
    if not isinstance(properties, dict):
        errors.append((f"{path}/properties", "missing" if properties is None else "must be an object"))
    else:
        code = properties.get("code")
        if code is None:
            errors.append((f"{path}/properties/code", "missing"))
        elif not isinstance(code, str) or not CODE_PATTERN.fullmatch(code):
            errors.append((f"{path}/properties/code", "must be 1 to 40 characters of a-z, 0-9, _ and -"))
        for key in NAME_KEYS:
            value = properties.get(key)
            if value is None:
                continue
            if not isinstance(value, str) or not value.strip():
                errors.append((f"{path}/properties/{key}", "must be a non-empty string"))
            elif len(value) > NAME_MAX_CHARS:
                errors.append((f"{path}/properties/{key}", f"must be at most {NAME_MAX_CHARS} characters"))
            else:
                names[key] = value.strip()
    geometry = _read_geometry(feature.get("geometry"), f"{path}/geometry", errors)
    if len(errors) > before or geometry is None or code is None:
        return None
    return District(code, names, geometry)


def _read_geometry(geometry: Any, path: str, errors: list[tuple[str, str]]) -> Polygon | MultiPolygon | None:
    if not isinstance(geometry, dict):
        errors.append((path, "missing" if geometry is None else "must be a GeoJSON geometry object"))
        return None
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind not in ("Polygon", "MultiPolygon"):
        errors.append((f"{path}/type", "must be Polygon or MultiPolygon"))
        return None
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        errors.append(
            (f"{path}/coordinates", "missing" if coordinates is None else "must be a non-empty list")
        )
        return None
    for p, polygon in enumerate(polygons):
        where = f"{path}/coordinates" if kind == "Polygon" else f"{path}/coordinates/{p}"
        problem = _polygon_problem(polygon, where)
        if problem is not None:
            errors.append(problem)
            return None
    built = shape(geometry)
    if not shapely.is_valid(built):
        errors.append((path, f"invalid polygon: {shapely.is_valid_reason(built)}"))
        return None
    if not isinstance(built, Polygon | MultiPolygon) or built.is_empty or built.area == 0:
        errors.append((path, "must enclose an area"))
        return None
    return built


def _polygon_problem(polygon: Any, path: str) -> tuple[str, str] | None:
    """The first structural problem of one polygon's rings (lists of [longitude, latitude]), if any."""
    if not isinstance(polygon, list) or not polygon:
        return path, "must be a non-empty list of rings"
    for r, ring in enumerate(polygon):
        if not isinstance(ring, list) or len(ring) < 4:
            return f"{path}/{r}", "a ring must be a list of at least 4 positions"
        for n, position in enumerate(ring):
            if not _is_position(position):
                return f"{path}/{r}/{n}", "must be [longitude, latitude] in numbers"
            if not (-180 <= position[0] <= 180 and -90 <= position[1] <= 90):
                return f"{path}/{r}/{n}", "longitude or latitude out of range"
        if ring[0][:2] != ring[-1][:2]:
            return f"{path}/{r}", "a ring must end where it starts"
    return None


def _is_position(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) in (2, 3)
        and all(isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) for x in value)
    )


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:40].strip("-")


def grid_districts(bbox: BBox, rows: int, cols: int, names: Sequence[str]) -> dict[str, Any]:
    """A FeatureCollection cutting `bbox` (min_lon, min_lat, max_lon, max_lat) into rows × cols rectangles.

    Cells are named from `names` row by row from the north-west corner; a cell's code is its name in ASCII
    lower case with «-» between words (or district-N when nothing of the name is left). Neighbouring cells
    share their edges exactly, so the grid covers the box without gaps.
    """
    west, south, east, north = bbox
    if rows < 1 or cols < 1:
        raise ValueError("rows and cols must be at least 1")
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValueError(f"bbox {bbox} is not (min_lon, min_lat, max_lon, max_lat)")
    if len(names) != rows * cols:
        raise ValueError(f"{rows * cols} names are needed, {len(names)} given")
    codes = [_slug(name) or f"district-{n + 1}" for n, name in enumerate(names)]
    if len(set(codes)) != len(codes):
        raise ValueError(f"the names give duplicate codes: {codes}")
    xs = [float(x) for x in np.linspace(west, east, cols + 1)]
    ys = [float(y) for y in np.linspace(north, south, rows + 1)]
    features = []
    for n, (name, code) in enumerate(zip(names, codes, strict=True)):
        row, col = divmod(n, cols)
        x0, x1, y_north, y_south = xs[col], xs[col + 1], ys[row], ys[row + 1]
        ring = [[x0, y_south], [x1, y_south], [x1, y_north], [x0, y_north], [x0, y_south]]  # anticlockwise
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name": name},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    return {"type": "FeatureCollection", "features": features}
