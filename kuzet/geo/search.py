"""The compiled kernels of the ETA engine (see `kuzet.geo.eta` for the method and why it is exact).

A 4-ary heap with lazy deletion on preallocated arrays, the lower bounds of the A* key (straight line on the
sphere, or ALT landmark bounds), and the backward search itself. Everything here is numba `njit` code on
plain arrays; the engine in `eta.py` owns the arrays and calls `search`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

from kuzet.geo.graph import F32, F64, I32, I64

SLACK_M = 0.001  # taken off every straight-line distance, against rounding in the coordinates


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
def alt_lower(pts: F64, here: F64, scale: float, lower: F64) -> None:
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
def alt_goals(
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
def search(
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
