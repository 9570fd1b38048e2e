"""Street names for the drawn road map: each polyline of the drawing (`kuzet.geo.drawing`) named after the
gazetteer's street it runs along, so that the console can label streets without a tile server.

The road graph keeps no names; the gazetteer keeps each named street's vertices (densified to at most 25 m
apart). A line is named by its segments' middles: each is matched to the nearest street vertex within
`MATCH_M`, and the street matched along most of the line's length names it, if that is at least half of the
line. Lines along unnamed roads (or streets the extract leaves unnamed) stay without a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import numpy as np
from scipy.spatial import cKDTree  # type: ignore[import-untyped]

from kuzet.geo.drawing import SCALE, draw
from kuzet.geo.gazetteer import EARTH_RADIUS_M, Gazetteer
from kuzet.geo.graph import RoadGraph

# A segment's middle is at most 12.5 m from a vertex of its own street (vertices every 25 m at most), plus
# the drawing's rounding to about a metre.
MATCH_M: Final = 15.0
NAMED_SHARE: Final = 0.5
NO_NAME: Final = -1


@dataclass(frozen=True)
class StreetNames:
    """`names`: the street names in use; `line_names`: per drawn line, an index into `names` or -1."""

    names: list[str]
    line_names: list[int]


def _plane(lat: np.ndarray, lon: np.ndarray, origin_lat: float) -> np.ndarray:
    """Degrees as metres on a local equirectangular plane (enough for nearest neighbours within metres)."""
    scale = np.radians(1.0) * EARTH_RADIUS_M
    return np.column_stack((lon * scale * np.cos(np.radians(origin_lat)), lat * scale))


@lru_cache(maxsize=2)
def name_lines(graph: RoadGraph, gazetteer: Gazetteer) -> StreetNames:
    """The street name of every line of `draw(graph)` (cached per graph and gazetteer)."""
    lines = draw(graph).lines
    if not lines or not len(gazetteer.vertices):
        return StreetNames([], [NO_NAME] * len(lines))
    middles, weights, owners = [], [], []
    for n, line in enumerate(lines):
        points = np.cumsum(np.asarray(line, dtype=np.int64).reshape(-1, 2), axis=0) / SCALE
        middles.append((points[:-1] + points[1:]) / 2)
        steps = np.diff(points, axis=0) * np.array([1.0, np.cos(np.radians(points[0, 0]))])
        weights.append(np.hypot(steps[:, 0], steps[:, 1]))
        owners.append(np.full(len(points) - 1, n, dtype=np.int64))
    middle = np.concatenate(middles)
    length = np.concatenate(weights)
    line_of = np.concatenate(owners)
    origin = float(middle[:, 0].mean())
    tree = cKDTree(_plane(gazetteer.vertices[:, 0], gazetteer.vertices[:, 1], origin))
    distance, nearest = tree.query(_plane(middle[:, 0], middle[:, 1], origin), distance_upper_bound=MATCH_M)
    matched = np.isfinite(distance)
    street = np.full(len(middle), NO_NAME, dtype=np.int64)
    street[matched] = gazetteer.vertex_street[nearest[matched]]
    # Length of each (line, street) pair; the longest pair of each line wins if it covers half the line.
    total = np.bincount(line_of, weights=length, minlength=len(lines))
    found = np.column_stack((line_of[matched], street[matched]))
    pairs, where = np.unique(found, axis=0, return_inverse=True)
    along = np.bincount(where.ravel(), weights=length[matched], minlength=len(pairs))
    best = np.full(len(lines), NO_NAME, dtype=np.int64)
    best_length = np.zeros(len(lines))
    for (n, owner), metres in zip(pairs.tolist(), along.tolist(), strict=True):
        if metres > best_length[n]:
            best[n], best_length[n] = owner, metres
    named = (best != NO_NAME) & (best_length >= NAMED_SHARE * np.maximum(total, 1e-12))
    names: list[str] = []
    index_of: dict[str, int] = {}
    line_names = [NO_NAME] * len(lines)
    for n in np.flatnonzero(named).tolist():
        name = gazetteer.names[int(best[n])][0]
        line_names[n] = index_of.setdefault(name, len(index_of))
        if line_names[n] == len(names):
            names.append(name)
    return StreetNames(names, line_names)
