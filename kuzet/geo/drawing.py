"""The road map as polylines for the console's map: our own graph drawn as vectors, no tile server.

Each directed edge pair becomes one undirected segment. Segments are chained through nodes where exactly
two segments of the same tier meet, so a street is one line rather than hundreds. Coordinates are integers in
1e-5 degrees (about a metre); the first point of a line is absolute and the others are steps from the
previous one, which keeps the payload small.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from kuzet.geo.graph import RoadGraph
from kuzet.geo.speeds import RoadClass

SCALE = 100_000
# Drawing tiers: 0 main roads, 1 streets, 2 service roads and living streets.
_MAIN_UP_TO = RoadClass.SECONDARY_LINK
_STREETS_UP_TO = RoadClass.RESIDENTIAL


@dataclass(frozen=True)
class Drawing:
    lines: list[list[int]]
    tiers: list[int]


def tier_of(road_class: int) -> int:
    if road_class <= _MAIN_UP_TO:
        return 0
    return 1 if road_class <= _STREETS_UP_TO else 2


@lru_cache(maxsize=2)
def draw(graph: RoadGraph) -> Drawing:
    """The graph's polylines (cached per loaded graph)."""
    low = np.minimum(graph.tail, graph.head)
    high = np.maximum(graph.tail, graph.head)
    tiers = np.array([tier_of(c) for c in range(int(RoadClass.SERVICE) + 1)], dtype=np.int8)
    edge_tier = tiers[graph.road_class]
    order = np.lexsort((edge_tier, high, low))
    low, high, edge_tier = low[order], high[order], edge_tier[order]
    first = np.ones(len(low), dtype=bool)
    first[1:] = (low[1:] != low[:-1]) | (high[1:] != high[:-1])
    a, b, tier = low[first].tolist(), high[first].tolist(), edge_tier[first].tolist()
    neighbours: dict[int, list[int]] = {}
    for s, (u, v) in enumerate(zip(a, b, strict=True)):
        neighbours.setdefault(u, []).append(s)
        neighbours.setdefault(v, []).append(s)
    lat = np.round(graph.lat * SCALE).astype(np.int64).tolist()
    lon = np.round(graph.lon * SCALE).astype(np.int64).tolist()
    used = [False] * len(a)

    def through(node: int, t: int) -> bool:
        around = neighbours[node]
        return len(around) == 2 and tier[around[0]] == tier[around[1]] == t

    def walk(start: int, s: int) -> list[int]:
        nodes = [start]
        node = start
        while True:
            used[s] = True
            node = b[s] if a[s] == node else a[s]
            nodes.append(node)
            if node == start or not through(node, tier[s]):
                return nodes
            s = next(x for x in neighbours[node] if x != s)
            if used[s]:
                return nodes

    lines: list[list[int]] = []
    line_tiers: list[int] = []
    # Lines start where streets end or branch; whatever is left over is made of closed loops.
    starts = [n for n in neighbours if not through(n, tier[neighbours[n][0]])] + list(neighbours)
    for node in starts:
        for s in neighbours[node]:
            if not used[s]:
                lines.append(_encode(walk(node, s), lat, lon))
                line_tiers.append(tier[s])
    return Drawing(lines, line_tiers)


def _encode(nodes: list[int], lat: list[int], lon: list[int]) -> list[int]:
    out = [lat[nodes[0]], lon[nodes[0]]]
    for previous, node in itertools.pairwise(nodes):
        out += (lat[node] - lat[previous], lon[node] - lon[previous])
    return out
