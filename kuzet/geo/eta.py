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

The loop is compiled with numba in `kuzet.geo.search` (a hand-written 4-ary heap with lazy deletion on
preallocated arrays). The node labels persist between queries: each query records the nodes it labels and
resets only those, so its cost depends on the part of the graph it explores, not on the size of the graph.
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

from kuzet.geo.graph import EARTH_RADIUS_M, F64, I32, RoadGraph, class_factors
from kuzet.geo.landmarks import LANDMARKS, Landmarks, compute_landmarks, point_bounds
from kuzet.geo.search import SLACK_M, alt_goals, alt_lower, search
from kuzet.geo.snap import Snap

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
            alt_lower(pts, here_b, self._alt_scale, lower)
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
                alt_goals(pts, here_b, units, many, g_lm, g_from, g_to)
            else:
                g_lm, g_from, g_to = _NO_LM, _NO_GOAL, _NO_GOAL
                if len(goal):
                    goal_of[wanted] = np.arange(np.count_nonzero(wanted), dtype=np.int32)
            n_goal = int(goal_of.max()) + 1
            live = np.empty(n_goal, dtype=np.int32)
            left = np.empty(n_goal, dtype=np.int32)
            settled += search(
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
