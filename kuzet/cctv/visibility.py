"""Which cameras see a point: the view sector, the range and the buildings in the way. Pure: numpy, shapely 2
(vectorised, with an STRtree over the building footprints) and scipy (the batch's k-d tree); no framework,
no database.

A camera sees a point when
- the point is within the camera's useful range (distance ≤ range, the boundary included);
- the point lies in the view sector: its bearing from the camera is within heading ± FOV/2 (the boundary
  included), measured across the 0°/360° wrap (a camera heading 350° with a 40° view sees bearings 330°–10°);
  a field of view of 360° sees all round; a point at the camera's own place is seen;
- no building footprint crosses the line of sight, the segment from the camera to the point (touching a
  footprint's edge or corner blocks it too).

Two kinds of building do not block:
- a building the camera stands in or on (its point inside the footprint or within MOUNT_TOLERANCE_M of it): a
  camera is mounted on a wall or a roof and looks outwards, so its own building is behind it;
- a building the point itself lies in: an incident's place at an address is usually the building's own point,
  and a camera that sees the building's wall sees where its people come out. This overstates what a camera
  on the far side of that building sees; other buildings between still block.

The model is flat (2D): buildings are taken as taller than any camera, so mount height does not help see over
them (most OSM footprints carry no height). Distances are in a local metric projection: equirectangular around
the region's centre (x east, y north, metres). At city scale (tens of km) its error is well under a metre per
hundred metres, far below the precision of a camera's range."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely  # type: ignore[import-untyped]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
EARTH_RADIUS_M: Final = 6_371_008.8
MOUNT_TOLERANCE_M: Final = 1.0
_EPS_DEG: Final = 1e-9
_CHUNK: Final = 200_000  # lines of sight tested against the buildings at once


class Sight(IntEnum):
    """Whether a camera sees a point, or the first reason it does not (tested in this order)."""

    SEES = 0
    TOO_FAR = 1
    OUT_OF_SECTOR = 2
    BLOCKED = 3


@dataclass(frozen=True)
class LocalProjection:
    """Equirectangular projection around (lat0, lon0): x metres east, y metres north."""

    lat0: float
    lon0: float

    @classmethod
    def around(cls, bbox: tuple[float, float, float, float]) -> LocalProjection:
        min_lon, min_lat, max_lon, max_lat = bbox
        return cls((min_lat + max_lat) / 2, (min_lon + max_lon) / 2)

    @property
    def _kx(self) -> float:
        return math.radians(1.0) * EARTH_RADIUS_M * math.cos(math.radians(self.lat0))

    @property
    def _ky(self) -> float:
        return math.radians(1.0) * EARTH_RADIUS_M

    def to_xy(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[F64, F64]:
        x = (np.asarray(lon, dtype=np.float64) - self.lon0) * self._kx
        y = (np.asarray(lat, dtype=np.float64) - self.lat0) * self._ky
        return x, y

    def to_latlon(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[F64, F64]:
        lat = np.asarray(y, dtype=np.float64) / self._ky + self.lat0
        lon = np.asarray(x, dtype=np.float64) / self._kx + self.lon0
        return lat, lon

    def geometries_to_xy(self, geometries: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Shapely geometries in lon/lat (x = lon, y = lat) to metres."""

        def project(coords: F64) -> F64:
            x, y = self.to_xy(coords[:, 1], coords[:, 0])
            return np.column_stack((x, y))

        return np.asarray(shapely.transform(geometries, project))


@dataclass(frozen=True, eq=False)
class CameraViews:
    """Cameras as arrays, in metres: place, heading (° clockwise from north), field of view (°), range (m)."""

    x: F64
    y: F64
    heading: F64
    fov: F64
    range: F64
    points: npt.NDArray[Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "points", shapely.points(self.x, self.y))

    @classmethod
    def build(
        cls,
        x: npt.ArrayLike,
        y: npt.ArrayLike,
        heading: npt.ArrayLike,
        fov: npt.ArrayLike,
        range_m: npt.ArrayLike,
    ) -> CameraViews:
        def f64(values: npt.ArrayLike) -> F64:
            return np.ascontiguousarray(values, dtype=np.float64).reshape(-1)

        return cls(f64(x), f64(y), f64(heading), f64(fov), f64(range_m))

    def __len__(self) -> int:
        return len(self.x)


@dataclass(frozen=True, eq=False)
class Buildings:
    """Building footprints in metres, with their OSM ids ("way/123", "relation/45"), in an STRtree."""

    ids: list[str]
    polygons: npt.NDArray[Any]
    tree: shapely.STRtree

    @classmethod
    def build(cls, ids: list[str], polygons: npt.ArrayLike) -> Buildings:
        geometries = np.asarray(polygons, dtype=object)
        if len(ids) != len(geometries):
            raise ValueError("one id per building")
        return cls(list(ids), geometries, shapely.STRtree(geometries))

    @classmethod
    def none(cls) -> Buildings:
        return cls.build([], [])

    def __len__(self) -> int:
        return len(self.ids)


def bearings(from_x: F64, from_y: F64, to_x: F64, to_y: F64) -> F64:
    """Compass bearing, degrees [0, 360) clockwise from north, of each `to` seen from each `from`."""
    result: F64 = np.degrees(np.arctan2(to_x - from_x, to_y - from_y)) % 360.0
    return result


def in_sector(bearing: F64, heading: F64, fov: F64, distance: F64) -> npt.NDArray[np.bool_]:
    """Whether each bearing lies within heading ± fov/2 (across the wrap); a point at distance 0 always
    does."""
    off = np.abs((bearing - heading + 180.0) % 360.0 - 180.0)
    inside: npt.NDArray[np.bool_] = (fov >= 360.0) | (off <= fov / 2.0 + _EPS_DEG) | (distance == 0.0)
    return inside


def _excused_keys(
    buildings: Buildings, geometries: npt.NDArray[Any], *, distance: float | None
) -> npt.NDArray[np.int64]:
    """Keys (geometry index × number of buildings + building) of the buildings holding each geometry."""
    if distance is None:
        found = buildings.tree.query(geometries, predicate="intersects")
    else:
        found = buildings.tree.query(geometries, predicate="dwithin", distance=distance)
    keys: npt.NDArray[np.int64] = found[0].astype(np.int64) * len(buildings) + found[1]
    return keys


def first_blockers(
    cameras: CameraViews,
    camera_idx: I64,
    point_x: F64,
    point_y: F64,
    point_idx: I64,
    buildings: Buildings,
    *,
    nearest: bool = False,
) -> I64:
    """For each (camera, point) pair, a building that blocks its line of sight, or -1 when none does; with
    `nearest`, the blocking building nearest the camera. Buildings holding the camera or the point are
    excused (see the module's notes)."""
    n = len(camera_idx)
    blocker = np.full(n, -1, dtype=np.int64)
    if n == 0 or len(buildings) == 0:
        return blocker
    nb = len(buildings)
    cams_used, cam_pos = np.unique(camera_idx, return_inverse=True)
    pts_used, pt_pos = np.unique(point_idx, return_inverse=True)
    cam_own = _excused_keys(buildings, cameras.points[cams_used], distance=MOUNT_TOLERANCE_M)
    pt_own = _excused_keys(buildings, shapely.points(point_x[pts_used], point_y[pts_used]), distance=None)
    for start in range(0, n, _CHUNK):
        stop = min(n, start + _CHUNK)
        c, p = camera_idx[start:stop], point_idx[start:stop]
        coords = np.empty((stop - start, 2, 2))
        coords[:, 0, 0], coords[:, 0, 1] = cameras.x[c], cameras.y[c]
        coords[:, 1, 0], coords[:, 1, 1] = point_x[p], point_y[p]
        line, building = buildings.tree.query(shapely.linestrings(coords), predicate="intersects")
        if len(line) == 0:
            continue
        keep = ~np.isin(cam_pos[start + line].astype(np.int64) * nb + building, cam_own)
        keep &= ~np.isin(pt_pos[start + line].astype(np.int64) * nb + building, pt_own)
        line, building = line[keep], building[keep]
        if nearest and len(line):
            gap = shapely.distance(cameras.points[c[line]], buildings.polygons[building])
            order = np.lexsort((gap, line))
            line, building = line[order], building[order]
        # the first hit of each line (after the sort: the nearest one)
        first = np.unique(line, return_index=True)[1]
        blocker[start + line[first]] = building[first]
    return blocker


@dataclass(frozen=True)
class PointSight:
    """How each camera stands to one point: distance (m), the point's bearing from the camera (°; NaN where
    not asked for), the verdict, and the blocking building's index (-1 unless blocked)."""

    distance_m: F64
    bearing_deg: F64
    in_range: npt.NDArray[np.bool_]
    in_sector: npt.NDArray[np.bool_]
    sight: npt.NDArray[np.int8]
    blocker: I64


def sight_of_point(
    cameras: CameraViews, x: float, y: float, buildings: Buildings, *, report_within_m: float = 0.0
) -> PointSight:
    """Each camera's view of the point (x, y), vectorised over cameras. Distances are measured for every
    camera; bearings and the sector test only for the cameras with the point in range or within
    `report_within_m` (the others' bearing is NaN and their sector flag False); only the cameras with the
    point in range and sector have their line of sight tested against the buildings."""
    n = len(cameras)
    distance = np.hypot(x - cameras.x, y - cameras.y)
    near = distance <= cameras.range
    asked = np.flatnonzero(near | (distance <= report_within_m))
    bearing = np.full(n, np.nan)
    bearing[asked] = np.degrees(np.arctan2(x - cameras.x[asked], y - cameras.y[asked])) % 360.0
    sector = np.zeros(n, dtype=bool)
    sector[asked] = in_sector(bearing[asked], cameras.heading[asked], cameras.fov[asked], distance[asked])
    sight = np.full(n, Sight.TOO_FAR, dtype=np.int8)
    sight[asked[near[asked]]] = Sight.OUT_OF_SECTOR
    candidates = np.flatnonzero(near & sector)
    sight[candidates] = Sight.SEES
    blocker = np.full(n, -1, dtype=np.int64)
    if len(candidates) and len(buildings):
        found = first_blockers(
            cameras,
            candidates,
            np.array([x]),
            np.array([y]),
            np.zeros(len(candidates), dtype=np.int64),
            buildings,
            nearest=True,
        )
        blocker[candidates] = found
        sight[candidates[found >= 0]] = Sight.BLOCKED
    return PointSight(distance, bearing, near, sector, sight, blocker)


def visible_pairs(cameras: CameraViews, point_x: F64, point_y: F64, buildings: Buildings) -> tuple[I64, I64]:
    """Every (camera, point) pair where the camera sees the point, as two index arrays sorted by camera then
    point (a sparse incidence: e.g. `scipy.sparse.coo_array((ones, (cam, pt)))`). Vectorised: a k-d tree
    finds the points within each camera's range, the sector test runs on those pairs, and the lines of sight
    left are tested against the buildings' STRtree in chunks."""
    from scipy.spatial import cKDTree  # type: ignore[import-untyped]  # the batch's only: not for a server start

    point_x = np.asarray(point_x, dtype=np.float64)
    point_y = np.asarray(point_y, dtype=np.float64)
    if len(cameras) == 0 or len(point_x) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    tree = cKDTree(np.column_stack((point_x, point_y)))
    found = tree.query_ball_point(
        np.column_stack((cameras.x, cameras.y)), r=cameras.range, return_sorted=True
    )
    counts = np.fromiter((len(f) for f in found), dtype=np.int64, count=len(found))
    cam = np.repeat(np.arange(len(cameras), dtype=np.int64), counts)
    pt = np.concatenate([np.asarray(f, dtype=np.int64) for f in found]) if counts.sum() else cam[:0]
    dx, dy = point_x[pt] - cameras.x[cam], point_y[pt] - cameras.y[cam]
    distance = np.hypot(dx, dy)
    # the k-d tree's own boundary test may differ from ours in the last bit: keep our rule
    keep = (distance <= cameras.range[cam]) & in_sector(
        np.degrees(np.arctan2(dx, dy)) % 360.0, cameras.heading[cam], cameras.fov[cam], distance
    )
    cam, pt = cam[keep], pt[keep]
    clear = first_blockers(cameras, cam, point_x, point_y, pt, buildings) < 0
    return cam[clear], pt[clear]


def sector_ring(
    x: float, y: float, heading: float, fov: float, range_m: float, *, step_deg: float = 5.0
) -> list[tuple[float, float]]:
    """The view sector's outline in metres: the camera's place, the arc from heading - fov/2 to heading +
    fov/2 at the range, and back (closed). A 360° view is the circle."""
    steps = max(2, math.ceil(fov / step_deg) + 1)
    angles = np.radians(np.linspace(heading - fov / 2.0, heading + fov / 2.0, steps))
    arc = [(x + range_m * math.sin(a), y + range_m * math.cos(a)) for a in angles]
    if fov >= 360.0:
        return [*arc[:-1], arc[0]]
    return [(x, y), *arc, (x, y)]
