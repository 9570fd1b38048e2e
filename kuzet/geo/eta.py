"""Exact ETAs from many units to one incident: one backward Dijkstra, stopped as soon as the answer is known.

The search starts at the incident's snapped point and runs over the reverse CSR, so the label of a node is the
fastest time from that node to the incident. A unit snapped on edge u→v at fraction t reaches v after
(1 − t)·time(u→v) and, if the street is two-way, u after t·time(v→u); the incident on a→b at fraction s is
reached from a after s·time(a→b) and from b after (1 − s)·time(b→a). A unit on the incident's own segment
may also drive straight to it. All these offsets are non-negative, so once the smallest label still in the
heap exceeds the k-th best unit found so far, no unsettled node can improve the top k: the search stops there
and the answer is exact, not an approximation.

The search is an A* toward the units: a node's heap key adds a lower bound on the time from the nearest
candidate unit to it. By default the bound is straight-line metres on the sphere times the smallest seconds
per metre of any edge. After `prepare_landmarks()` it is an ALT bound (see `kuzet.geo.landmarks`): from
free-flow times to and from a few landmarks and the triangle inequality, much tighter on a road grid, and
scaled by the smallest time factor when a factor below 1 makes some edge faster than free flow. Each unit is
a goal with the landmarks that bound its time to the incident best, tried first. The bound is admissible, so
the stopping rule holds with the key in place of the label (a node is requeued whenever its label drops).
A unit is final once the smallest key in the heap reaches its time; its goal is then dropped, and a node
whose bound was computed while that goal was live gets it raised (and is requeued) when it leaves the heap,
so the search stops spreading around units already found.
Only units whose own lower bound from the incident is within a reach are candidates; the reach starts from
the k-th smallest bound times a factor learnt from recent queries, and if the k-th best ETA found exceeds it
the search runs again with the reach widened to that ETA, so no unit left out could have made the top k.
With too many candidates the key is the plain label (straight line) or one ALT goal standing for them all.
Metres are not carried in the search: they are summed afterwards along the parent edges of the units found.

The loop is compiled with numba (a hand-written 4-ary heap with lazy deletion on preallocated arrays). The
node labels persist between queries: each query records the nodes it labels and resets only those, so its
cost depends on the part of the graph it explores, not on the size of the graph.
Travel times include per-class factors (e.g. rush hour) applied when the engine is built or `set_factors` is
called, without rebuilding the graph.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from kuzet.geo.graph import EARTH_RADIUS_M, F32, F64, I32, I64, RoadGraph, class_factors
from kuzet.geo.landmarks import LANDMARKS, Landmarks, compute_landmarks, point_bounds
from kuzet.geo.snap import Snap

SLACK_M = 0.001  # taken off every straight-line distance, against rounding in the coordinates
GOAL_REACH = 1.8  # first guess of (k-th best ETA) / (k-th smallest straight-line bound); then learnt
MAX_GOALS = 32  # with more candidate units than this, the straight-line bound costs more than it saves
ALT_REACH = 1.2  # as GOAL_REACH, for the much tighter landmark bounds
ALT_USE = 16  # landmarks used per goal (at most): those that bound its time to the incident best
ALT_MIN_NODES = 200_000  # smaller graphs are fast enough with the straight-line bound
_NO_TABLE = np.zeros((1, 1, 2), dtype=np.float32)
_NO_LM = np.zeros((0, 1), dtype=np.int32)
_NO_GOAL = np.zeros((0, 1), dtype=np.float64)
# Landmark tables by graph, shared by the engines of one graph (one per time factor).
_LANDMARKS: weakref.WeakKeyDictionary[RoadGraph, Landmarks] = weakref.WeakKeyDictionary()
_LANDMARKS_LOCK = threading.Lock()


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


@njit(cache=True, inline="always")
def _heap_push(keys: F64, nodes: I32, size: int, key: float, node: int) -> int:
    """Insert into a 4-ary min-heap (shallower than a binary one: fewer levels to sift through)."""
    i = size
    while i > 0:
        parent = (i - 1) >> 2
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        nodes[i] = nodes[parent]
        i = parent
    keys[i] = key
    nodes[i] = node
    return size + 1


@njit(cache=True, inline="always")
def _heap_pop(keys: F64, nodes: I32, size: int) -> int:
    """Remove the root of the 4-ary heap (read it before calling); returns the new size."""
    size -= 1
    key, node = keys[size], nodes[size]
    i = 0
    while True:
        first = 4 * i + 1
        if first >= size:
            break
        child, smallest = first, keys[first]
        for c in range(first + 1, min(first + 4, size)):
            if keys[c] < smallest:
                child, smallest = c, keys[c]
        if smallest >= key:
            break
        keys[i] = smallest
        nodes[i] = nodes[child]
        i = child
    if size > 0:
        keys[i] = key
        nodes[i] = node
    return size


@njit(cache=True, inline="always")
def _kth(best: F64, k: int) -> float:
    """The k-th smallest value of `best` (+inf if there are fewer than k), without sorting or allocating."""
    if k > len(best):
        return np.inf
    # Smallest values so far in `low[0:k]`, ascending (k is small: a few units).
    low = np.full(k, np.inf)
    for v in best:
        if v < low[k - 1]:
            i = k - 1
            while i > 0 and low[i - 1] > v:
                low[i] = low[i - 1]
                i -= 1
            low[i] = v
    return float(low[k - 1])


def _xyz(lat: F64, lon: F64) -> F64:
    """Cartesian coordinates in metres on a sphere of the Earth's radius, flattened (x0, y0, z0, x1, ...)."""
    phi, lam = np.radians(lat), np.radians(lon)
    xyz = np.empty((len(lat), 3), dtype=np.float64)
    xyz[:, 0] = EARTH_RADIUS_M * np.cos(phi) * np.cos(lam)
    xyz[:, 1] = EARTH_RADIUS_M * np.cos(phi) * np.sin(lam)
    xyz[:, 2] = EARTH_RADIUS_M * np.sin(phi)
    return xyz.ravel()


def _seconds_per_metre(time: F64, length: F64) -> float:
    """The smallest time per metre of any edge, slightly reduced to absorb rounding."""
    moving = length > 0
    if not moving.any():
        return 0.0
    return float((time[moving] / length[moving]).min()) * (1.0 - 1e-6)


@njit(cache=True, inline="always")
def _potential(xyz: F64, node: int, goal: F64, rate: float, live: I32, n_live: int) -> float:
    """A lower bound on the time from the nearest live goal point to `node`: straight-line metres × `rate`.

    `goal` holds the x coordinates of the goal points, then their y, then their z; `live[:n_live]` are the
    goals still searched for (none: +inf, nothing left to find; no goal points at all: no bound).
    """
    n_goal = len(goal) // 3
    if n_goal == 0:
        return 0.0
    px, py, pz = xyz[3 * node], xyz[3 * node + 1], xyz[3 * node + 2]
    nearest = np.inf
    for j in range(n_live):
        g = live[j]
        dx = goal[g] - px
        dy = goal[n_goal + g] - py
        dz = goal[2 * n_goal + g] - pz
        sq = dx * dx + dy * dy + dz * dz
        if sq < nearest:
            nearest = sq
    return float(rate * max(np.sqrt(nearest) - SLACK_M, 0.0))


@njit(cache=True, inline="always")
def _goal_bound(table: F32, node: int, g_lm: I32, g_from: F64, g_to: F64, g: int, nearest: float) -> float:
    """The ALT bound on the free-flow time from goal g to `node`, or any value ≥ `nearest` once it is
    clear that it reaches `nearest` (the landmarks of a goal come best first, so that happens early)."""
    bound = 0.0
    for a in range(g_lm.shape[1]):
        i = g_lm[g, a]
        t = table[node, i, 0] - g_from[g, a]
        if t > bound:
            bound = t
        t = g_to[g, a] - table[node, i, 1]
        if t > bound:
            bound = t
        if bound >= nearest:
            break
    return bound


@njit(cache=True, inline="always")
def _alt_potential(
    table: F32, node: int, g_lm: I32, g_from: F64, g_to: F64, scale: float,
    live: I32, n_live: int, left: I32, hint: int,
) -> tuple[float, int]:  # fmt: skip
    """An ALT lower bound on the time from the nearest live goal to `node` (free-flow bound × `scale`), and
    that goal. Goal `hint` (the nearest one of the node evaluated before, if still live) is tried first.

    Goal g stands for one unit (or several) and uses landmarks `g_lm[g]`: with i = g_lm[g, j],
    `g_from[g, j]` ≥ d(L_i, g) and `g_to[g, j]` ≤ d(g, L_i), so d(g, node) ≥ table[node, i, 0] − g_from[g, j]
    and ≥ g_to[g, j] − table[node, i, 1]. NaN terms (inf − inf: an unreachable pair) fail every comparison
    and are skipped.
    """
    nearest, best = np.inf, -1
    if hint >= 0 and left[hint] > 0:
        nearest, best = _goal_bound(table, node, g_lm, g_from, g_to, hint, np.inf), hint
    for j in range(n_live):
        if nearest <= 0.0:
            break
        g = live[j]
        if g == hint:
            continue
        bound = _goal_bound(table, node, g_lm, g_from, g_to, g, nearest)
        if bound < nearest:
            nearest, best = bound, g
    return float(scale * nearest), best


@njit(cache=True, inline="always")
def _node_potential(
    xyz: F64, node: int, goal: F64, rate: float,
    alt: bool, table: F32, g_lm: I32, g_from: F64, g_to: F64, scale: float,
    live: I32, n_live: int, left: I32, hint: int,
) -> tuple[float, int]:  # fmt: skip
    if alt:
        return _alt_potential(table, node, g_lm, g_from, g_to, scale, live, n_live, left, hint)
    return _potential(xyz, node, goal, rate, live, n_live), -1


@njit(cache=True, boundscheck=False)
def _alt_lower(pts: F64, here: F64, scale: float, lower: F64) -> None:
    """Raise `lower[p]` to the ALT bound on d(p, incident), from the points' and the incident's bounds."""
    for p in range(pts.shape[0]):
        bound = 0.0
        for i in range(pts.shape[1]):
            t = here[0, i, 0] - pts[p, i, 1]
            if t > bound:
                bound = t
            t = pts[p, i, 2] - here[0, i, 3]
            if t > bound:
                bound = t
        lower[p] = max(lower[p], scale * bound)


@njit(cache=True, boundscheck=False)
def _alt_goals(
    pts: F64, here: F64, units: I32, combined: bool, g_lm: I32, g_from: F64, g_to: F64
) -> None:  # fmt: skip
    """The goals of one search: each unit of `units` (or one goal for all if `combined`) with the landmarks
    that bound its time to the incident best (`g_lm.shape[1]` of them), in order of that bound."""
    n_goal, n_use = g_lm.shape
    n_lm = pts.shape[1]
    frm = np.empty(n_lm)
    to = np.empty(n_lm)
    score = np.empty(n_lm)
    for g in range(n_goal):
        for i in range(n_lm):
            if combined:
                frm[i], to[i] = -np.inf, np.inf
                for u in units:
                    frm[i] = max(frm[i], pts[u, i, 1])
                    to[i] = min(to[i], pts[u, i, 2])
            else:
                frm[i], to[i] = pts[units[g], i, 1], pts[units[g], i, 2]
            score[i] = 0.0
            t = here[0, i, 0] - frm[i]
            if t > score[i]:
                score[i] = t
            t = to[i] - here[0, i, 3]
            if t > score[i]:
                score[i] = t
        order = np.argsort(-score)
        for a in range(n_use):
            i = order[a]
            g_lm[g, a] = i
            g_from[g, a] = frm[i]
            g_to[g, a] = to[i]


@njit(cache=True, boundscheck=False)
def _search(
    rev_indptr: I64, rev_tail: I32, rev_edge: I32, rev_time: F64,
    time: F64, length: F64, tail: I32, head: I32, twin: I32,
    t_edge: int, t_frac: float, s_edge: I32, s_frac: F64, k: int, limit: float,
    dist: F64, parent: I32, touched: I32,
    heap_keys: F64, heap_nodes: I32, src_first: I32, entry_next: I32,
    best_time: F64, best_len: F64, best_via: I32,
    xyz: F64, pot: F64, pot_gen: I32, rate: float, goal: F64, wanted: npt.NDArray[np.bool_],
    alt: bool, table: F32, g_lm: I32, g_from: F64, g_to: F64, scale: float,
    goal_of: I32, live: I32, left: I32, final: npt.NDArray[np.bool_],
) -> int:  # fmt: skip
    """Fill best_time/best_len/best_via for each source; returns the number of settled nodes.

    `dist` must be +inf everywhere on entry and is left so. `parent[x]` is the reverse-CSR position of the
    edge x was reached through (-1 at the seeds); it is valid after the call for the nodes the search settled.
    Metres are not carried in the search: they are summed afterwards along the parents of the units found.
    """
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
        if not wanted[i]:
            continue
        e = s_edge[i]
        for j in range(2 * i, 2 * i + 2):
            node = head[e] if j == 2 * i else tail[e]
            if j == 2 * i + 1 and twin[e] < 0:
                entry_next[j] = -2
                continue
            entry_next[j] = src_first[node]
            src_first[node] = j
    # Goals still searched for: a goal is dropped once all the units it stands for are final.
    n_live = len(live)
    for g in range(n_live):
        live[g] = g
        left[g] = 0
    hint = -1  # the nearest goal of the node last evaluated
    generation = 0  # goals dropped so far; pot_gen[x] is the generation pot[x] was computed in
    pending = np.inf  # the smallest time of a unit found but not yet known to be final
    for i in range(n_src):
        final[i] = goal_of[i] < 0
        if not final[i]:
            left[goal_of[i]] += 1
            pending = min(pending, best_time[i])
    size = 0
    n_touched = 0
    for side in range(2):
        if side == 0:
            node, d = a, t_frac * time[t_edge]
        elif t_twin >= 0:
            node, d = b, (1.0 - t_frac) * time[t_twin]
        else:
            break
        if d < dist[node]:
            if dist[node] == np.inf:
                touched[n_touched] = node
                n_touched += 1
                pot[node], hint = _node_potential(
                    xyz, node, goal, rate, alt, table, g_lm, g_from, g_to, scale, live, n_live, left, hint
                )
                pot_gen[node] = generation
            dist[node] = d
            parent[node] = -1
            size = _heap_push(heap_keys, heap_nodes, size, d + pot[node], node)
    bound = min(_kth(best_time, k), limit)
    settled = 0
    while size > 0:
        key = heap_keys[0]
        x = heap_nodes[0]
        size = _heap_pop(heap_keys, heap_nodes, size)
        d = dist[x]
        if key != d + pot[x]:
            continue  # a stale heap entry: x was labelled lower, or its bound was raised since
        if key > bound or key == np.inf:
            break  # (an infinite key: no live goal can reach the rest of the graph)
        if key >= pending:
            # Every path not yet found costs at least `key`: units found within it are final, and their
            # goals need no more searching (the bound of nodes labelled later may ignore them).
            pending = np.inf
            for i in range(n_src):
                if final[i]:
                    continue
                if best_time[i] <= key:
                    final[i] = True
                    g = goal_of[i]
                    left[g] -= 1
                    if left[g] == 0:
                        generation += 1
                        for j in range(n_live):
                            if live[j] == g:
                                n_live -= 1
                                live[j] = live[n_live]
                                break
                elif best_time[i] < pending:
                    pending = best_time[i]
        if pot_gen[x] != generation:
            # Goals were dropped since x's bound was computed: raise it, and requeue x if it goes up.
            pot_gen[x] = generation
            p, hint = _node_potential(
                xyz, x, goal, rate, alt, table, g_lm, g_from, g_to, scale, live, n_live, left, hint
            )
            if p > pot[x]:
                pot[x] = p
                size = _heap_push(heap_keys, heap_nodes, size, d + p, x)
                continue
        settled += 1
        j = src_first[x]
        while j >= 0:
            i = j >> 1
            e = s_edge[i]
            off_t = (1.0 - s_frac[i]) * time[e] if j & 1 == 0 else s_frac[i] * time[twin[e]]
            if d + off_t < best_time[i]:
                improves_bound = d + off_t < bound
                best_time[i] = d + off_t
                if d + off_t < pending and not final[i]:
                    pending = d + off_t
                best_via[i] = j
                if improves_bound:
                    bound = min(_kth(best_time, k), limit)
            j = entry_next[j]
        for r in range(rev_indptr[x], rev_indptr[x + 1]):
            y = rev_tail[r]
            nd = d + rev_time[r]
            dy = dist[y]
            if nd < dy:
                if dy == np.inf:
                    touched[n_touched] = y
                    n_touched += 1
                    pot[y], hint = _node_potential(
                        xyz, y, goal, rate, alt, table, g_lm, g_from, g_to, scale, live, n_live, left, hint
                    )
                    pot_gen[y] = generation
                dist[y] = nd
                parent[y] = r
                size = _heap_push(heap_keys, heap_nodes, size, nd + pot[y], y)
    # Metres of the units reached through the graph: their offset plus the edges back to the seed.
    for i in range(n_src):
        j = best_via[i]
        if j < 0:
            continue
        e = s_edge[i]
        if j & 1 == 0:
            x, m = head[e], (1.0 - s_frac[i]) * length[e]
        else:
            x, m = tail[e], s_frac[i] * length[twin[e]]
        r = parent[x]
        while r >= 0:
            edge = rev_edge[r]
            m += length[edge]
            x = head[edge]
            r = parent[x]
        m += t_frac * length[t_edge] if x == a else (1.0 - t_frac) * length[t_twin]
        best_len[i] = m
    # Leave the labels and the per-node source lists empty for the next query.
    for j in range(n_touched):
        dist[touched[j]] = np.inf
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
        self._xyz = _xyz(graph.lat, graph.lon)
        # Work arrays are written once here so that no query pays for first-touch page faults.
        self._dist = np.full(n, np.inf, dtype=np.float64)
        self._parent = np.full(n, -1, dtype=np.int32)
        self._touched = np.full(n, -1, dtype=np.int32)
        self._pot = np.zeros(n, dtype=np.float64)
        self._pot_gen = np.zeros(n, dtype=np.int32)
        self._reach = GOAL_REACH
        self._alt_reach = ALT_REACH
        self._landmarks: Landmarks | None = None
        self._src_first = np.full(n, -1, dtype=np.int32)
        self._heap_keys = np.empty(m + 2, dtype=np.float64)
        self._heap_nodes = np.empty(m + 2, dtype=np.int32)
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
            self._rate = _seconds_per_metre(time, self.graph.length_m)
            # Landmark tables hold free-flow times: every edge now takes at least this share of those.
            self._alt_scale = min(1.0, float(class_factors(factors).min())) * (1.0 - 1e-9)

    def prepare_landmarks(
        self, count: int = LANDMARKS, *, min_nodes: int = ALT_MIN_NODES
    ) -> Landmarks | None:
        """Compute (or reuse) the graph's landmark tables, then use ALT bounds in every later query.

        Costly on a large graph (about 7 s and 2 · count · 4 bytes per node for a million nodes), so it is an
        explicit step: call it once after loading the graph, from a background thread if the server must
        answer meanwhile (queries keep the straight-line bound until it is done). Engines on the same graph
        (one per time factor) share one set of tables. Graphs under `min_nodes` nodes are left as they are
        (returns None): there the per-query set-up costs more than the tighter bound saves.
        """
        if self.graph.node_count < min_nodes or self.graph.edge_count == 0:
            return None
        with _LANDMARKS_LOCK:
            landmarks = _LANDMARKS.get(self.graph)
            if landmarks is None or landmarks.count != count:
                landmarks = _LANDMARKS[self.graph] = compute_landmarks(self.graph, count)
        with self._lock:
            self._landmarks = landmarks
        return landmarks

    @property
    def landmarks(self) -> Landmarks | None:
        return self._landmarks

    def _run(self, target: Snap, edges: I32, fractions: F64, k: int, limit: float) -> tuple[F64, F64, I32]:
        """Run one search; the caller holds the lock."""
        g = self.graph
        m = g.edge_count
        if not 0 <= target.edge < m or (len(edges) and (edges.min() < 0 or edges.max() >= m)):
            raise ValueError("a snap refers to an edge outside the graph")
        n_src = len(edges)
        t_frac = min(max(float(target.fraction), 0.0), 1.0)
        best_time = np.empty(n_src, dtype=np.float64)
        best_len = np.empty(n_src, dtype=np.float64)
        best_via = np.empty(n_src, dtype=np.int32)
        entry_next = np.empty(2 * n_src, dtype=np.int32)
        final = np.empty(n_src, dtype=bool)
        xyz = self._xyz.reshape(-1, 3)
        points = xyz[g.tail[edges]] * (1.0 - fractions)[:, None] + xyz[g.head[edges]] * fractions[:, None]
        here = xyz[g.tail[target.edge]] * (1.0 - t_frac) + xyz[g.head[target.edge]] * t_frac
        # No unit can arrive sooner than its straight-line distance at the top speed of the map.
        lower = self._rate * np.maximum(np.sqrt(((points - here) ** 2).sum(axis=1)) - SLACK_M, 0.0)
        lm = self._landmarks
        alt = lm is not None
        if lm is not None:
            # ALT bounds on each unit's time to the incident, from the landmark distances of both points.
            table = lm.table
            pts = np.empty((n_src, lm.count, 4))
            point_bounds(table, g.tail, g.head, g.twin, g.length_m, g.speed_kmh, edges, fractions, pts)
            here_b = np.empty((1, lm.count, 4))
            t_edge = np.array([target.edge], dtype=np.int32)
            point_bounds(
                table, g.tail, g.head, g.twin, g.length_m, g.speed_kmh, t_edge, np.array([t_frac]), here_b
            )
            _alt_lower(pts, here_b, self._alt_scale, lower)
        else:
            table = _NO_TABLE
        lower_k = float(np.partition(lower, k - 1)[k - 1]) if k < n_src else np.inf
        learnt = self._alt_reach if alt else self._reach
        reach = learnt * lower_k
        settled = 0
        while True:
            wanted = lower <= reach
            many = bool(np.count_nonzero(wanted) > MAX_GOALS)
            if many and not alt:
                wanted[:] = True
                reach = np.inf
                goal = np.empty(0, dtype=np.float64)
            else:
                goal = np.ascontiguousarray(points[wanted].T).ravel()
            goal_of = np.full(n_src, -1, dtype=np.int32)
            if alt:
                units = np.flatnonzero(wanted).astype(np.int32)
                n_goal = 1 if many else len(units)
                goal_of[units] = 0 if many else np.arange(n_goal, dtype=np.int32)
                n_use = min(ALT_USE, table.shape[1])
                g_lm = np.empty((n_goal, n_use), dtype=np.int32)
                g_from = np.empty((n_goal, n_use))
                g_to = np.empty((n_goal, n_use))
                _alt_goals(pts, here_b, units, many, g_lm, g_from, g_to)
            else:
                g_lm, g_from, g_to = _NO_LM, _NO_GOAL, _NO_GOAL
                if len(goal):
                    goal_of[wanted] = np.arange(np.count_nonzero(wanted), dtype=np.int32)
            n_goal = int(goal_of.max()) + 1
            live = np.empty(n_goal, dtype=np.int32)
            left = np.empty(n_goal, dtype=np.int32)
            settled += _search(
                g.rev_indptr, self._rev_tail, g.rev_edge, self._rev_time,
                self._time, g.length_m, g.tail, g.head, g.twin,
                target.edge, t_frac, edges, fractions, k, limit,
                self._dist, self._parent, self._touched,
                self._heap_keys, self._heap_nodes, self._src_first, entry_next,
                best_time, best_len, best_via,
                self._xyz, self._pot, self._pot_gen, self._rate, goal, wanted,
                alt, table, g_lm, g_from, g_to, self._alt_scale,
                goal_of, live, left, final,
            )  # fmt: skip
            kth = min(float(np.partition(best_time, k - 1)[k - 1]), limit)
            if kth <= reach:
                break
            reach = kth
        if np.isfinite(kth) and 0 < lower_k < np.inf:
            # Learn how loose the lower bounds are on this map, so that reruns stay rare.
            learnt = min(max(0.98 * learnt, 1.1 * kth / lower_k), 1e6)
            if alt:
                self._alt_reach = learnt
            else:
                self._reach = learnt
        self.settled_last = settled
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
        r = int(self._parent[start])
        while r >= 0:
            path.append(int(g.head[g.rev_edge[r]]))
            r = int(self._parent[path[-1]])
        return path
