"""Landmark distances for ALT lower bounds (A*, Landmarks, Triangle inequality) on a RoadGraph.

A few landmarks are chosen on the edge of the map by farthest-point selection, and the free-flow travel time
(factor 1 on every class) from each landmark to every node and from every node to each landmark is computed
once with scipy's Dijkstra. On a directed graph the triangle inequality gives, for any landmark L,

    d(u, v) ≥ d(L, v) − d(L, u)    and    d(u, v) ≥ d(u, L) − d(v, L),

and the largest of these over the landmarks is a lower bound on d(u, v), usually much tighter than a
straight line. The table is float32, node-major (all landmark values of one node are contiguous,
2 · 4 bytes per landmark and node). Each value is rounded in the direction that keeps the bounds valid:
d(L, v) down, d(v, L) up. Where a bound needs the opposite direction (the subtracted d(L, u), the d(u, L)
that is subtracted from), `above` and `below` move the stored value past the rounding error.
Unreachable pairs stay +inf; an inf − inf is NaN, which every max in this package skips (comparisons with
NaN are false), so it never turns into a bound.

Points are snapped positions (an edge and a fraction): a point on u→v at fraction f is reached from u after
f·time(u→v) and from v after (1 − f)·time(v→u) if the street is two-way, and it reaches v after
(1 − f)·time(u→v) and u after f·time(v→u). Both landmark quantities of a point follow from its end nodes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import dijkstra  # type: ignore[import-untyped]

from kuzet.geo.graph import F32, F64, I32, RoadGraph

LANDMARKS = 8
# A float32 is within a relative 2^-24 of the value it was rounded from (one unit in the last place is at
# most 2^-23 of it); twice that, plus a tiny absolute margin for zero, is safely on the other side.
ROUND = 2.0**-22
TINY = 1e-30


@dataclass(frozen=True, eq=False)
class Landmarks:
    """Free-flow landmark distances of one graph: table[v, i, 0] ≤ d(L_i, v), table[v, i, 1] ≥ d(v, L_i)."""

    nodes: I32
    table: F32
    seconds: float  # time taken to compute them

    @property
    def count(self) -> int:
        return len(self.nodes)

    @property
    def nbytes(self) -> int:
        return int(self.table.nbytes + self.nodes.nbytes)


def free_flow_seconds(graph: RoadGraph) -> F64:
    """Travel time of every edge with every class factor at 1, as the landmark tables use."""
    return graph.travel_seconds()


def _rounded(values: F64, up: bool) -> F32:
    """float32 values on the requested side of float64 `values` (±inf kept)."""
    out = values.astype(np.float32)
    wrong = out < values if up else out > values
    out[wrong] = np.nextafter(out[wrong], np.float32(np.inf if up else -np.inf))
    return out


def compute_landmarks(graph: RoadGraph, count: int = LANDMARKS) -> Landmarks:
    """Choose `count` landmarks by farthest-point selection and tabulate their distances (scipy Dijkstra).

    The first landmark is the node farthest (round trip in driving time) from a central node; each next
    one is the node whose round trip to the nearest landmark chosen so far is the longest, so the landmarks
    spread along the edge of the map. Nodes not reachable both ways are never chosen.
    """
    started = time.perf_counter()
    n = graph.node_count
    count = max(1, min(count, n))
    seconds = free_flow_seconds(graph)
    forward = csr_matrix((seconds, graph.head, graph.indptr), shape=(n, n))
    rev_tail = graph.tail[graph.rev_edge]
    backward = csr_matrix((seconds[graph.rev_edge], rev_tail, graph.rev_indptr), shape=(n, n))
    table = np.empty((n, count, 2), dtype=np.float32)
    nodes = np.empty(count, dtype=np.int32)
    centre = int(np.argmin((graph.lat - np.median(graph.lat)) ** 2 + (graph.lon - np.median(graph.lon)) ** 2))
    far = dijkstra(forward, indices=centre) + dijkstra(backward, indices=centre)
    for i in range(count):
        landmark = int(np.argmax(np.where(np.isfinite(far), far, -1.0)))
        nodes[i] = landmark
        out_of = dijkstra(forward, indices=landmark)
        into = dijkstra(backward, indices=landmark)
        table[:, i, 0] = _rounded(out_of, up=False)
        table[:, i, 1] = _rounded(into, up=True)
        far = out_of + into if i == 0 else np.minimum(far, out_of + into)
        far[landmark] = -1.0
    return Landmarks(nodes, table, time.perf_counter() - started)


@njit(cache=True, inline="always")
def above(stored: float) -> float:
    """A value ≥ the exact distance that `stored` (a float32 rounded down from it) stands for."""
    return stored * (1.0 + ROUND) + TINY


@njit(cache=True, inline="always")
def below(stored: float) -> float:
    """A value ≤ the exact distance that `stored` (a float32 rounded up from it) stands for."""
    return stored * (1.0 - ROUND) - TINY


@njit(cache=True, boundscheck=False)
def point_bounds(
    table: F32, tail: I32, head: I32, twin: I32, length: F64, speed: F32, edges: I32, fractions: F64, out: F64
) -> None:
    """Landmark distances of snapped points into `out[p, i, :]`, on the side each use needs.

    out[p, i, 0] ≤ d(L_i, p) ≤ out[p, i, 1] and out[p, i, 2] ≤ d(p, L_i) ≤ out[p, i, 3].
    """
    n_lm = table.shape[1]
    for p in range(len(edges)):
        e = edges[p]
        f = fractions[p]
        a, b, r = tail[e], head[e], twin[e]
        along = length[e] / (speed[e] / 3.6)
        back = length[r] / (speed[r] / 3.6) if r >= 0 else np.inf
        tail_in = f * along  # from the tail along the edge
        tail_out = f * back if r >= 0 else np.inf  # back to the tail on the twin
        head_in = (1.0 - f) * back if r >= 0 else np.inf  # from the head on the twin
        head_out = (1.0 - f) * along  # on to the head
        for i in range(n_lm):
            sa, sb = float(table[a, i, 0]), float(table[b, i, 0])
            ka, kb = float(table[a, i, 1]), float(table[b, i, 1])
            out[p, i, 0] = min(sa + tail_in, sb + head_in)
            out[p, i, 1] = min(above(sa) + tail_in, above(sb) + head_in)
            out[p, i, 2] = min(head_out + below(kb), tail_out + below(ka))
            out[p, i, 3] = min(head_out + kb, tail_out + ka)


def node_lower_bound(lm: Landmarks, u: npt.NDArray[np.integer[Any]], v: npt.NDArray[np.integer[Any]]) -> F64:
    """Lower bounds on the free-flow time d(u, v) for paired node arrays (0 where nothing is known)."""
    src_u_up = lm.table[u, :, 0].astype(np.float64) * (1.0 + ROUND) + TINY
    snk_u_low = lm.table[u, :, 1].astype(np.float64) * (1.0 - ROUND) - TINY
    with np.errstate(invalid="ignore"):
        terms = np.fmax(lm.table[v, :, 0] - src_u_up, snk_u_low - lm.table[v, :, 1])
    bound: F64 = np.nanmax(np.concatenate([terms, np.zeros((len(terms), 1))], axis=1), axis=1)
    return bound
