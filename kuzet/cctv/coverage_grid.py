"""Hot-spots of incidents no camera saw: a square grid in the visibility's local metric projection. Pure.

A cell is `cell_m` × `cell_m` metres, aligned on the projection's origin (the region's centre): the incident
at (x, y) metres falls in cell (floor(x / cell_m), floor(y / cell_m)). Each cell sums its uncovered incidents
weighted by priority (the placement plan's weights: P1 4, P2 3, P3 2, P4 1). The top cells by weight (then by
count, then west to east and south to north) are answered as GeoJSON polygons in lon/lat."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kuzet.cctv.coverage import NOT_SEEN, Verdict
from kuzet.cctv.visibility import F64, I64, LocalProjection


@dataclass(frozen=True)
class HotSpot:
    ix: int
    iy: int
    incidents: int
    weight: float
    by_reason: dict[str, int]
    by_priority: dict[int, int]


def cell_of(x: F64, y: F64, cell_m: float) -> tuple[I64, I64]:
    ix: I64 = np.floor(np.asarray(x) / cell_m).astype(np.int64)
    iy: I64 = np.floor(np.asarray(y) / cell_m).astype(np.int64)
    return ix, iy


def hotspots(
    x: F64,
    y: F64,
    found: npt.NDArray[np.int8],
    priority: I64,
    weight: F64,
    *,
    cell_m: float,
    top: int,
) -> tuple[list[HotSpot], int]:
    """The `top` cells of uncovered incidents by weight, and how many cells hold any."""
    unseen = np.flatnonzero(found != Verdict.SEEN)
    if len(unseen) == 0:
        return [], 0
    ix, iy = cell_of(x[unseen], y[unseen], cell_m)
    cells, inverse = np.unique(np.column_stack((ix, iy)), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    weights = np.bincount(inverse, weights=weight[unseen], minlength=len(cells))
    counts = np.bincount(inverse, minlength=len(cells))
    order = np.lexsort((cells[:, 1], cells[:, 0], -counts, -weights))[:top]
    spots = []
    for c in order.tolist():
        members = unseen[inverse == c]
        reasons = np.bincount(found[members].astype(np.int64), minlength=len(Verdict))
        levels, per = np.unique(priority[members], return_counts=True)
        spots.append(
            HotSpot(
                ix=int(cells[c, 0]),
                iy=int(cells[c, 1]),
                incidents=int(counts[c]),
                weight=float(weights[c]),
                by_reason={v.label: int(reasons[v]) for v in NOT_SEEN if reasons[v]},
                by_priority={int(p): int(n) for p, n in zip(levels, per, strict=True)},
            )
        )
    return spots, len(cells)


def cell_ring(spot: HotSpot, cell_m: float, projection: LocalProjection) -> list[list[float]]:
    """The cell's outline as [lon, lat] pairs, closed, counter-clockwise (RFC 7946)."""
    x0, y0 = spot.ix * cell_m, spot.iy * cell_m
    xs = [x0, x0 + cell_m, x0 + cell_m, x0, x0]
    ys = [y0, y0, y0 + cell_m, y0 + cell_m, y0]
    lat, lon = projection.to_latlon(xs, ys)
    return [[round(float(a), 7), round(float(b), 7)] for a, b in zip(lon, lat, strict=True)]


def to_geojson(
    spots: list[HotSpot], *, cell_m: float, projection: LocalProjection, summary: dict[str, Any]
) -> dict[str, Any]:
    """A FeatureCollection: one Polygon per hot-spot cell, ranked, with the summary under `coverage`."""
    features = []
    for rank, spot in enumerate(spots, start=1):
        ring = cell_ring(spot, cell_m, projection)
        centre_lat, centre_lon = projection.to_latlon((spot.ix + 0.5) * cell_m, (spot.iy + 0.5) * cell_m)
        features.append(
            {
                "type": "Feature",
                "id": f"{spot.ix}:{spot.iy}",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "rank": rank,
                    "cell": [spot.ix, spot.iy],
                    "centre": [round(float(centre_lon), 7), round(float(centre_lat), 7)],
                    "uncovered": spot.incidents,
                    "weight": spot.weight,
                    "by_reason": spot.by_reason,
                    "by_priority": {str(p): n for p, n in spot.by_priority.items()},
                },
            }
        )
    return {"type": "FeatureCollection", "features": features, "coverage": summary}
