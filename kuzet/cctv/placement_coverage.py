"""Which camera views see which incidents, as a sparse matrix (views × incidents) for the placement plan.

`Coverage` is any function giving that matrix. The plan uses the registry's visibility (sector, range and
the buildings in the way: `placement_visibility`); `coverage_matrix` here is the same sector and range rule
without buildings, for when no footprints are known and for tests: candidate pairs from a k-d tree over the
incidents (every incident within a view's range, in local metres, an equirectangular projection about the
region's centre), kept when the incident's bearing from the camera is within heading ± FOV/2 across the
0/360 wrap (a 360-degree view sees all round) and it is at most the range away.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped]
from scipy.spatial import cKDTree  # type: ignore[import-untyped]

from kuzet.geo.graph import EARTH_RADIUS_M

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

METRES_PER_DEGREE: Final = math.radians(1.0) * EARTH_RADIUS_M  # of latitude, on the mean sphere

# Views × incidents, 1 where the view sees the incident.
Coverage = Callable[["Views", F64, F64], sparse.csr_array]


@dataclass(frozen=True, eq=False)
class Views:
    """Camera views as arrays, one entry per view (a candidate option or an existing camera)."""

    lat: F64
    lon: F64
    heading_deg: F64
    fov_deg: F64
    range_m: F64
    height_m: F64

    def __len__(self) -> int:
        return len(self.lat)


class LocalFrame:
    """Metres east and north of a reference point (equirectangular)."""

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0, self.lon0 = lat0, lon0
        self.kx = METRES_PER_DEGREE * math.cos(math.radians(lat0))

    @classmethod
    def around(cls, lat: F64, lon: F64) -> LocalFrame:
        if len(lat) == 0:
            return cls(0.0, 0.0)
        return cls(float((lat.min() + lat.max()) / 2), float((lon.min() + lon.max()) / 2))

    def xy(self, lat: F64, lon: F64) -> tuple[F64, F64]:
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * METRES_PER_DEGREE


def in_sector(dx: F64, dy: F64, heading_deg: F64, fov_deg: F64, range_m: F64) -> Bools:
    """Whether points (dx east, dy north of the camera, in metres) lie in heading ± fov/2 within range."""
    distance = np.hypot(dx, dy)
    bearing = np.degrees(np.arctan2(dx, dy)) % 360.0
    off = np.abs((bearing - heading_deg + 180.0) % 360.0 - 180.0)
    inside: Bools = (distance <= range_m) & ((fov_deg >= 360.0) | (off <= fov_deg / 2.0) | (distance == 0.0))
    return inside


def coverage_matrix(
    views: Views,
    inc_lat: F64,
    inc_lon: F64,
    *,
    frame: LocalFrame | None = None,
) -> sparse.csr_array:
    """Views × incidents, 1 where the incident is in the view's sector and range (buildings not counted)."""
    n_views, n_incidents = len(views), len(inc_lat)
    if n_views == 0 or n_incidents == 0:
        return sparse.csr_array((n_views, n_incidents), dtype=np.int8)
    frame = frame or LocalFrame.around(
        np.concatenate([views.lat, inc_lat]), np.concatenate([views.lon, inc_lon])
    )
    ix, iy = frame.xy(inc_lat, inc_lon)
    vx, vy = frame.xy(views.lat, views.lon)
    tree = cKDTree(np.column_stack([ix, iy]))
    rows_list, cols_list = [], []
    # Views sharing a position and range (the headings of one site) share one ball query.
    positions = np.column_stack([vx, vy, views.range_m])
    unique, group = np.unique(positions, axis=0, return_inverse=True)
    order = np.argsort(group.ravel(), kind="stable")
    bounds = np.searchsorted(group.ravel()[order], np.arange(len(unique) + 1))
    balls = tree.query_ball_point(unique[:, :2], r=unique[:, 2] + 1e-6, return_sorted=False)
    for g, found in enumerate(balls):
        if not found:
            continue
        members = order[bounds[g] : bounds[g + 1]]
        cols = np.asarray(found, dtype=np.int64)
        rows_list.append(np.repeat(members, len(cols)))
        cols_list.append(np.tile(cols, len(members)))
    if not rows_list:
        return sparse.csr_array((n_views, n_incidents), dtype=np.int8)
    rows, cols = np.concatenate(rows_list), np.concatenate(cols_list)
    keep = in_sector(
        ix[cols] - vx[rows],
        iy[cols] - vy[rows],
        views.heading_deg[rows],
        views.fov_deg[rows],
        views.range_m[rows],
    )
    rows, cols = rows[keep], cols[keep]
    return sparse.csr_array(
        (np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n_views, n_incidents), dtype=np.int8
    )


def seen_by_any(matrix: sparse.csr_array) -> Bools:
    """Whether any view (row) sees each incident (column): what the existing cameras already see."""
    seen: Bools = np.diff(sparse.csc_array(matrix).indptr) > 0
    return seen
