"""Snap GPS fixes and addresses to the nearest road segment.

A `cKDTree` holds sample points along every segment (its midpoint, plus a point every ~25 m on longer ones)
as Cartesian coordinates on a sphere of the Earth's radius, so distances are metres anywhere in the country
without a projection zone. For each query point the segments of the k nearest samples are candidates; the
point is projected onto each of them in a local tangent plane, and the closest projection wins. A two-way
segment is sampled once (through one of its two directed edges): the ETA engine handles the other direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree  # type: ignore[import-untyped]

from kuzet.geo.graph import EARTH_RADIUS_M, F64, I32, RoadGraph

SAMPLE_SPACING_M: Final = 25.0
CANDIDATES: Final = 8
_M_PER_DEG: Final = np.pi / 180.0 * EARTH_RADIUS_M


@dataclass(frozen=True, slots=True)
class Snap:
    """A point on the road: directed edge `edge`, `fraction` of the way from its tail to its head."""

    edge: int
    fraction: float
    distance_m: float
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class SnapBatch:
    """Many snaps as parallel arrays (see Snap)."""

    edge: I32
    fraction: F64
    distance_m: F64
    lat: F64
    lon: F64

    def __len__(self) -> int:
        return len(self.edge)

    def at(self, i: int) -> Snap:
        return Snap(
            int(self.edge[i]),
            float(self.fraction[i]),
            float(self.distance_m[i]),
            float(self.lat[i]),
            float(self.lon[i]),
        )

    def snaps(self) -> list[Snap]:
        columns = (self.edge, self.fraction, self.distance_m, self.lat, self.lon)
        return [Snap(*values) for values in zip(*(c.tolist() for c in columns), strict=True)]


def _xyz(lat: F64, lon: F64) -> F64:
    phi, lam = np.radians(lat), np.radians(lon)
    cos_phi = np.cos(phi)
    xyz: F64 = EARTH_RADIUS_M * np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))
    return xyz


class Snapper:
    """Nearest-road lookups over one RoadGraph."""

    def __init__(self, graph: RoadGraph, *, spacing_m: float = SAMPLE_SPACING_M, k: int = CANDIDATES) -> None:
        self.graph = graph
        self.k = k
        twin = graph.twin
        edges = np.arange(graph.edge_count, dtype=np.int32)
        edges = edges[(twin < 0) | (edges < twin)]
        # Samples at fractions (i + 0.5) / count, count = ceil(length / spacing): the midpoint when short.
        counts = np.maximum(np.ceil(graph.length_m[edges] / spacing_m).astype(np.int64), 1)
        sample_edge = np.repeat(edges, counts)
        first = np.repeat(np.cumsum(counts) - counts, counts)
        fraction = (np.arange(len(sample_edge)) - first + 0.5) / np.repeat(counts, counts)
        tail, head = graph.tail[sample_edge], graph.head[sample_edge]
        lat = graph.lat[tail] + fraction * (graph.lat[head] - graph.lat[tail])
        lon = graph.lon[tail] + fraction * (graph.lon[head] - graph.lon[tail])
        self._sample_edge = sample_edge
        self._tree = cKDTree(_xyz(lat, lon), balanced_tree=False, compact_nodes=False)

    def snap(self, lat: float, lon: float) -> Snap:
        """The nearest point on the road network to (lat, lon)."""
        return self.snap_many(np.array([lat], dtype=np.float64), np.array([lon], dtype=np.float64)).at(0)

    def snap_many(self, lats: npt.ArrayLike, lons: npt.ArrayLike) -> SnapBatch:
        """Snap many points at once (vectorised; the GPS ingest path)."""
        qlat = np.asarray(lats, dtype=np.float64).reshape(-1)
        qlon = np.asarray(lons, dtype=np.float64).reshape(-1)
        if qlat.shape != qlon.shape:
            raise ValueError("lats and lons differ in length")
        k = min(self.k, len(self._sample_edge))
        _, nearest = self._tree.query(_xyz(qlat, qlon), k=k)
        candidates = self._sample_edge[np.asarray(nearest).reshape(len(qlat), k)]
        g = self.graph
        tail, head = g.tail[candidates], g.head[candidates]
        # Local tangent plane at each query point, in metres; the query point is the origin.
        kx = (_M_PER_DEG * np.cos(np.radians(qlat)))[:, None]
        ax = (g.lon[tail] - qlon[:, None]) * kx
        ay = (g.lat[tail] - qlat[:, None]) * _M_PER_DEG
        dx = (g.lon[head] - qlon[:, None]) * kx - ax
        dy = (g.lat[head] - qlat[:, None]) * _M_PER_DEG - ay
        span = dx * dx + dy * dy
        t = np.clip(-(ax * dx + ay * dy) / np.where(span > 0, span, 1.0), 0.0, 1.0)
        px, py = ax + t * dx, ay + t * dy
        dist2 = px * px + py * py
        best = np.argmin(dist2, axis=1)
        rows = np.arange(len(qlat))
        edge = candidates[rows, best].astype(np.int32)
        fraction = t[rows, best]
        e_tail, e_head = g.tail[edge], g.head[edge]
        return SnapBatch(
            edge=edge,
            fraction=fraction,
            distance_m=np.sqrt(dist2[rows, best]),
            lat=g.lat[e_tail] + fraction * (g.lat[e_head] - g.lat[e_tail]),
            lon=g.lon[e_tail] + fraction * (g.lon[e_head] - g.lon[e_tail]),
        )
