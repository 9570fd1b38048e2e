"""Exact ETAs from many units to one incident: one backward Dijkstra, stopped as soon as the answer is known.

The search starts at the incident's snapped point and runs over the reverse CSR, so the label of a node is the
fastest time from that node to the incident. A unit snapped on edge u→v at fraction t reaches v after
(1 − t)·time(u→v) and, if the street is two-way, u after t·time(v→u); the incident on a→b at fraction s is
reached from a after s·time(a→b) and from b after (1 − s)·time(b→a). A unit on the incident's own segment
may also drive straight to it. All these offsets are non-negative, so once the smallest label still in the
heap exceeds the k-th best unit found so far, no unsettled node can improve the top k: the search stops there
and the answer is exact, not an approximation.

The loop is compiled with numba (a hand-written binary heap on preallocated arrays). Work arrays are reused
between queries and told apart by a query stamp, so a query touches only the part of the graph it settles.
Travel times include per-class factors (e.g. rush hour) applied when the engine is built or `set_factors` is
called, without rebuilding the graph.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from kuzet.geo.graph import F64, I32, I64, RoadGraph
from kuzet.geo.snap import Snap


@dataclass(frozen=True, slots=True)
class Eta:
    """Unit `source` (its index in the query) can reach the incident in `seconds`, driving `meters`."""

    source: int
    seconds: float
    meters: float


@dataclass(frozen=True, slots=True)
class Route:
    seconds: float
    meters: float
    points: list[tuple[float, float]]


@njit(cache=True)  # type: ignore[misc]
def _heap_push(keys: F64, nodes: I32, size: int, key: float, node: int) -> int:
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        nodes[i] = nodes[parent]
        i = parent
    keys[i] = key
    nodes[i] = node
    return size + 1


@njit(cache=True)  # type: ignore[misc]
def _heap_pop(keys: F64, nodes: I32, size: int) -> int:
    """Remove the root (read it before calling); returns the new size."""
    size -= 1
    key, node = keys[size], nodes[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and keys[child + 1] < keys[child]:
            child += 1
        if keys[child] >= key:
            break
        keys[i] = keys[child]
        nodes[i] = nodes[child]
        i = child
    if size > 0:
        keys[i] = key
        nodes[i] = node
    return size


@njit(cache=True)  # type: ignore[misc]
def _kth(best: F64, k: int) -> float:
    if k > len(best):
        return np.inf
    return float(np.sort(best)[k - 1])


@njit(cache=True)  # type: ignore[misc]
def _search(
    rev_indptr: I64, rev_tail: I32, rev_edge: I32, rev_time: F64, rev_len: F64,
    time: F64, length: F64, tail: I32, head: I32, twin: I32,
    t_edge: int, t_frac: float, s_edge: I32, s_frac: F64, k: int, limit: float,
    dist: F64, meters: F64, parent: I32, stamp: I32, done: I32, qid: int,
    heap_keys: F64, heap_nodes: I32, src_first: I32, entry_next: I32,
    best_time: F64, best_len: F64, best_via: I32,
) -> int:  # fmt: skip
    """Fill best_time/best_len/best_via for each source; returns the number of settled nodes."""
    n_src = len(s_edge)
    a, b, t_twin = tail[t_edge], head[t_edge], twin[t_edge]
    # Units on the incident's own segment may drive straight to it (best_via = -1).
    for i in range(n_src):
        best_time[i] = np.inf
        best_len[i] = np.inf
        best_via[i] = -2
        if s_edge[i] == t_edge:
            p = s_frac[i]
        elif t_twin >= 0 and s_edge[i] == t_twin:
            p = 1.0 - s_frac[i]
        else:
            continue
        if p <= t_frac:
            best_time[i] = (t_frac - p) * time[t_edge]
            best_len[i] = (t_frac - p) * length[t_edge]
            best_via[i] = -1
        elif t_twin >= 0:
            best_time[i] = (p - t_frac) * time[t_twin]
            best_len[i] = (p - t_frac) * length[t_twin]
            best_via[i] = -1
    # Entry nodes of each unit: entry 2i is the head of its edge, 2i+1 the tail (via the twin edge).
    for i in range(n_src):
        e = s_edge[i]
        for j in range(2 * i, 2 * i + 2):
            node = head[e] if j == 2 * i else tail[e]
            if j == 2 * i + 1 and twin[e] < 0:
                entry_next[j] = -2
                continue
            entry_next[j] = src_first[node]
            src_first[node] = j
    size = 0
    for side in range(2):
        if side == 0:
            node, d, m = a, t_frac * time[t_edge], t_frac * length[t_edge]
        elif t_twin >= 0:
            node, d, m = b, (1.0 - t_frac) * time[t_twin], (1.0 - t_frac) * length[t_twin]
        else:
            break
        if stamp[node] != qid or d < dist[node]:
            stamp[node] = qid
            dist[node] = d
            meters[node] = m
            parent[node] = -1
            size = _heap_push(heap_keys, heap_nodes, size, d, node)
    bound = min(_kth(best_time, k), limit)
    settled = 0
    while size > 0:
        d = heap_keys[0]
        x = heap_nodes[0]
        size = _heap_pop(heap_keys, heap_nodes, size)
        if done[x] == qid:
            continue
        if d > bound:
            break
        done[x] = qid
        settled += 1
        j = src_first[x]
        while j >= 0:
            i = j >> 1
            e = s_edge[i]
            if j & 1 == 0:
                off_t, off_m = (1.0 - s_frac[i]) * time[e], (1.0 - s_frac[i]) * length[e]
            else:
                off_t, off_m = s_frac[i] * time[twin[e]], s_frac[i] * length[twin[e]]
            if d + off_t < best_time[i]:
                improves_bound = d + off_t < bound
                best_time[i] = d + off_t
                best_len[i] = meters[x] + off_m
                best_via[i] = j
                if improves_bound:
                    bound = min(_kth(best_time, k), limit)
            j = entry_next[j]
        for r in range(rev_indptr[x], rev_indptr[x + 1]):
            y = rev_tail[r]
            nd = d + rev_time[r]
            if stamp[y] != qid or nd < dist[y]:
                stamp[y] = qid
                dist[y] = nd
                meters[y] = meters[x] + rev_len[r]
                parent[y] = rev_edge[r]
                size = _heap_push(heap_keys, heap_nodes, size, nd, y)
    # Leave the per-node source lists empty for the next query.
    for i in range(n_src):
        e = s_edge[i]
        src_first[head[e]] = -1
        src_first[tail[e]] = -1
    return settled


class EtaEngine:
    """Exact travel times on one RoadGraph; one query at a time (calls are serialised by a lock)."""

    def __init__(self, graph: RoadGraph, factors: Mapping[int, float] | None = None) -> None:
        self.graph = graph
        n, m = graph.node_count, graph.edge_count
        self._rev_tail = np.ascontiguousarray(graph.tail[graph.rev_edge])
        self._rev_len = np.ascontiguousarray(graph.length_m[graph.rev_edge])
        self._dist = np.zeros(n, dtype=np.float64)
        self._meters = np.zeros(n, dtype=np.float64)
        self._parent = np.full(n, -1, dtype=np.int32)
        self._stamp = np.zeros(n, dtype=np.int32)
        self._done = np.zeros(n, dtype=np.int32)
        self._src_first = np.full(n, -1, dtype=np.int32)
        self._heap_keys = np.empty(m + 2, dtype=np.float64)
        self._heap_nodes = np.empty(m + 2, dtype=np.int32)
        self._qid = 0
        self._lock = threading.Lock()
        self.set_factors(factors)
        self.settled_last = 0
        if m:  # compile (or load the cached machine code) now, not on the first incident
            self.etas(Snap(0, 0.5, 0.0, 0.0, 0.0), [Snap(0, 0.25, 0.0, 0.0, 0.0)], k=1)

    def set_factors(self, factors: Mapping[int, float] | None) -> None:
        """Apply per-class time multipliers (e.g. for the hour of day) to later queries."""
        time = self.graph.travel_seconds(factors)
        with self._lock:
            self._time = time
            self._rev_time = np.ascontiguousarray(time[self.graph.rev_edge])

    def _run(self, target: Snap, edges: I32, fractions: F64, k: int, limit: float) -> tuple[F64, F64, I32]:
        """Run one search; the caller holds the lock."""
        g = self.graph
        m = g.edge_count
        if not 0 <= target.edge < m or (len(edges) and (edges.min() < 0 or edges.max() >= m)):
            raise ValueError("a snap refers to an edge outside the graph")
        n_src = len(edges)
        best_time = np.empty(n_src, dtype=np.float64)
        best_len = np.empty(n_src, dtype=np.float64)
        best_via = np.empty(n_src, dtype=np.int32)
        entry_next = np.empty(2 * n_src, dtype=np.int32)
        self._qid += 1
        if self._qid == np.iinfo(np.int32).max:
            self._stamp[:] = 0
            self._done[:] = 0
            self._qid = 1
        self.settled_last = _search(
            g.rev_indptr, self._rev_tail, g.rev_edge, self._rev_time, self._rev_len,
            self._time, g.length_m, g.tail, g.head, g.twin,
            target.edge, min(max(float(target.fraction), 0.0), 1.0), edges, fractions, k, limit,
            self._dist, self._meters, self._parent, self._stamp, self._done, self._qid,
            self._heap_keys, self._heap_nodes, self._src_first, entry_next,
            best_time, best_len, best_via,
        )  # fmt: skip
        return best_time, best_len, best_via

    def etas(
        self, target: Snap, sources: Sequence[Snap], k: int | None = None, limit_s: float | None = None
    ) -> list[Eta]:
        """The fastest `k` sources (all if None) that reach `target` within `limit_s`, fastest first."""
        edges = np.fromiter((s.edge for s in sources), dtype=np.int32, count=len(sources))
        fractions = np.fromiter((s.fraction for s in sources), dtype=np.float64, count=len(sources))
        return self.etas_arrays(target, edges, fractions, k=k, limit_s=limit_s)

    def etas_arrays(
        self, target: Snap, edges: I32, fractions: F64, k: int | None = None, limit_s: float | None = None
    ) -> list[Eta]:
        """As `etas`, with the sources given as parallel arrays of edge index and fraction."""
        edges = np.ascontiguousarray(edges, dtype=np.int32)
        fractions = np.clip(np.ascontiguousarray(fractions, dtype=np.float64), 0.0, 1.0)
        n_src = len(edges)
        if n_src == 0 or (k is not None and k <= 0):
            return []
        want = n_src if k is None else min(k, n_src)
        limit = np.inf if limit_s is None else float(limit_s)
        with self._lock:
            best_time, best_len, _ = self._run(target, edges, fractions, want, limit)
        order = np.argsort(best_time, kind="stable")[:want]
        return [
            Eta(int(i), float(best_time[i]), float(best_len[i]))
            for i in order
            if best_time[i] <= limit and np.isfinite(best_time[i])
        ]

    def route(self, source: Snap, target: Snap) -> Route:
        """The fastest path from one snapped point to another, with its polyline for the map."""
        g = self.graph
        edges = np.array([source.edge], dtype=np.int32)
        fractions = np.array([min(max(source.fraction, 0.0), 1.0)], dtype=np.float64)
        with self._lock:
            best_time, best_len, best_via = self._run(target, edges, fractions, 1, np.inf)
            via = int(best_via[0])
            path = [] if via < 0 else self._walk(g.head[source.edge] if via % 2 == 0 else g.tail[source.edge])
        if not np.isfinite(best_time[0]):
            raise ValueError("the target cannot be reached from the source")
        points = [(source.lat, source.lon)]
        points.extend((float(g.lat[x]), float(g.lon[x])) for x in path)
        points.append((target.lat, target.lon))
        return Route(float(best_time[0]), float(best_len[0]), points)

    def _walk(self, start: Any) -> list[int]:
        """Nodes from `start` to the seed node next to the target, following the search's parent edges."""
        g = self.graph
        path = [int(start)]
        edge = int(self._parent[start])
        while edge >= 0:
            path.append(int(g.head[edge]))
            edge = int(self._parent[path[-1]])
        return path
