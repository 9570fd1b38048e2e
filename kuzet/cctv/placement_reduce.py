"""Shrinking a placement problem without changing its optimum.

- An incident an existing camera already sees adds nothing whatever is chosen: dropped.
- An incident no option sees cannot be gained: dropped.
- Incidents seen by exactly the same set of options are gained together or not at all: merged into one
  column whose weight is their sum. Incidents cluster (a market, a junction), so 200,000 incidents seen by
  2,000 sites fall to a few thousand distinct columns, and the MILP's size with them.
- An option that sees nothing left, or one that costs more than the whole budget, can never help: dropped.

Identical columns are found by two independent random 64-bit hashes of each column's set of rows (sums of
per-row random keys, so the order of rows does not matter), and then checked entry by entry: a collision would
only cost a slower path, never a wrong merge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class ReducedProblem:
    """The reduced problem; `options[k]` is the original index of reduced option `k`."""

    coverage: sparse.csr_array  # reduced options × merged incidents
    weights: F64
    options: I64
    site_of_option: I64
    option_cost: F64


def reduce_problem(
    coverage: sparse.csr_array,
    weights: F64,
    covered_before: Bools,
    site_of_option: I64,
    option_cost: F64,
    *,
    budget: float | None = None,
) -> ReducedProblem:
    """Drop covered, unreachable and weightless incidents and useless options; merge identical incidents."""
    csc = sparse.csc_array(coverage, dtype=np.int8)
    csc.sum_duplicates()
    csc.data[:] = 1
    seen_by = np.diff(csc.indptr)
    keep = (~covered_before) & (seen_by > 0) & (weights > 0)
    columns = np.flatnonzero(keep)
    csc = sparse.csc_array(csc[:, columns])
    kept_weights = weights[columns]

    groups = _identical_columns(csc)
    first = np.unique(groups, return_index=True)[1]
    merged_weights = np.bincount(groups, weights=kept_weights, minlength=len(first)).astype(np.float64)
    merged = sparse.csr_array(csc[:, first])

    useful = np.diff(merged.indptr) > 0
    if budget is not None:
        useful &= option_cost <= budget + 1e-9
    options = np.flatnonzero(useful).astype(np.int64)
    return ReducedProblem(
        coverage=sparse.csr_array(merged[options]),
        weights=merged_weights,
        options=options,
        site_of_option=site_of_option[options],
        option_cost=option_cost[options],
    )


def _identical_columns(csc: sparse.csc_array) -> I64:
    """A group number per column, equal exactly when two columns have the same rows."""
    n_rows, n_cols = csc.shape
    if n_cols == 0:
        return np.empty(0, dtype=np.int64)
    rng = np.random.default_rng(0x6B757A6574)
    keys = rng.integers(0, np.iinfo(np.uint64).max, size=(2, n_rows), dtype=np.uint64, endpoint=True)
    col_of_entry = np.repeat(np.arange(n_cols), np.diff(csc.indptr))
    hashes = np.zeros((3, n_cols), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(2):
            np.add.at(hashes[k], col_of_entry, keys[k][csc.indices])
    hashes[2] = np.diff(csc.indptr).astype(np.uint64)
    _, first, groups = np.unique(hashes.T, axis=0, return_index=True, return_inverse=True)
    groups = groups.ravel()
    # Renumber groups by their first column, so that a merged column is the earliest incident of its group.
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    groups = rank[groups].astype(np.int64)
    if _same_rows_as_representative(csc, groups):
        return groups
    return _identical_columns_exactly(csc)


def _same_rows_as_representative(csc: sparse.csc_array, groups: I64) -> bool:
    """Whether every column has the very rows of its group's first column (a collision fails this)."""
    csc = sparse.csc_array(csc)
    csc.sort_indices()
    first = np.unique(groups, return_index=True)[1]
    rep = first[groups]
    starts, ends = csc.indptr[:-1], csc.indptr[1:]
    lengths = ends - starts
    if not np.array_equal(lengths, lengths[rep]):
        return False
    own = np.arange(csc.indptr[-1])  # the entries of column j lie at indptr[j]:indptr[j+1], in column order
    theirs = np.repeat(starts[rep], lengths) + (own - np.repeat(starts, lengths))
    return bool(np.array_equal(csc.indices[own], csc.indices[theirs]))


def _identical_columns_exactly(csc: sparse.csc_array) -> I64:
    """The slow, plain grouping by each column's tuple of rows."""
    csc = sparse.csc_array(csc)
    csc.sort_indices()
    seen: dict[tuple[int, ...], int] = {}
    groups = np.empty(csc.shape[1], dtype=np.int64)
    for j in range(csc.shape[1]):
        rows = tuple(csc.indices[csc.indptr[j] : csc.indptr[j + 1]].tolist())
        groups[j] = seen.setdefault(rows, len(seen))
    return groups
