"""The greedy baseline of the placement plan: lazy greedy (Minoux's accelerated greedy).

It repeatedly takes the option adding the most not-yet-covered weight (per unit of cost when there is a
budget), at most one option per site, until the count or the budget is spent or nothing more can be gained.
Coverage is submodular, so an option's gain only falls as others are taken: the gains kept in the heap are
upper bounds, and an option whose freshly computed gain still tops the heap is the true best.

With a budget, the ratio rule alone can be arbitrarily bad (one cheap small option blocks one dear large one),
so the best single affordable option is also tried and the better of the two kept (Khuller, Moss and Naor).
"""

from __future__ import annotations

import heapq

import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

_EPS = 1e-9


def lazy_greedy(
    coverage: sparse.csr_array,
    weights: F64,
    site_of_option: I64,
    option_cost: F64,
    *,
    new_cameras: int | None,
    budget: float | None,
) -> tuple[int, ...]:
    """The options greedy takes, in the order it takes them (indices into `coverage`'s rows)."""
    csr = sparse.csr_array(coverage)
    chosen = _ratio_greedy(csr, weights, site_of_option, option_cost, new_cameras=new_cameras, budget=budget)
    if budget is None:
        return chosen
    gains = csr @ weights
    affordable = np.flatnonzero(option_cost <= budget + _EPS)
    if len(affordable) and (new_cameras is None or new_cameras >= 1):
        best = int(affordable[np.argmax(gains[affordable])])
        if gains[best] > _covered_weight(csr, weights, chosen) + _EPS:
            return (best,)
    return chosen


def _ratio_greedy(
    csr: sparse.csr_array,
    weights: F64,
    site_of_option: I64,
    option_cost: F64,
    *,
    new_cameras: int | None,
    budget: float | None,
) -> tuple[int, ...]:
    covered = np.zeros(csr.shape[1], dtype=np.bool_)
    taken_sites: set[int] = set()
    remaining = float("inf") if budget is None else budget
    limit = csr.shape[0] if new_cameras is None else new_cameras

    def key(option: int, gain: float) -> float:
        if budget is None:
            return gain
        cost = float(option_cost[option])
        return gain / cost if cost > 0 else float("inf") if gain > 0 else 0.0

    gains = csr @ weights
    heap = [(-key(o, float(gains[o])), o) for o in range(csr.shape[0]) if gains[o] > 0]
    heapq.heapify(heap)
    chosen: list[int] = []
    while heap and len(chosen) < limit:
        _, option = heapq.heappop(heap)
        if int(site_of_option[option]) in taken_sites or option_cost[option] > remaining + _EPS:
            continue  # its site is taken, or it no longer fits the budget: it never will again
        rows = csr.indices[csr.indptr[option] : csr.indptr[option + 1]]
        fresh = rows[~covered[rows]]
        gain = float(weights[fresh].sum())
        if gain <= 0:
            continue
        current = key(option, gain)
        if heap and current < -heap[0][0] - _EPS:
            heapq.heappush(heap, (-current, option))
            continue
        chosen.append(option)
        covered[fresh] = True
        taken_sites.add(int(site_of_option[option]))
        remaining -= float(option_cost[option])
    return tuple(chosen)


def _covered_weight(csr: sparse.csr_array, weights: F64, options: tuple[int, ...]) -> float:
    if not options:
        return 0.0
    rows = csr[np.array(options, dtype=np.int64)]
    seen = np.asarray(rows.sum(axis=0)).ravel() > 0
    return float(weights[seen].sum())
