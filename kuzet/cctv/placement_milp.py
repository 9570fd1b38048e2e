"""The placement plan as a mixed-integer programme, solved by HiGHS through `scipy.optimize.milp`.

Variables: x_o in {0, 1} per option (chosen or not), y_j in [0, 1] per (merged) incident (covered or not).
    maximise    sum_j w_j y_j
    subject to  y_j <= sum_{o sees j} x_o          for every incident j
                sum_{o at site s} x_o <= 1         for every site with more than one option
                sum_o x_o <= N                     when a number of new cameras is given
                sum_o c_o x_o <= B                 when a budget is given
y need not be integer: for integer x the best y_j is min(1, sum x), itself 0 or 1. An incident seen by one
option only needs no y: its weight is put on that option's x.

`milp` minimises, so the objective is negated. What scipy returns (scipy >= 1.9): `status` 0 when HiGHS
proved the incumbent optimal within `mip_rel_gap`, 1 when it stopped at the time limit (or node or iteration
limit), 2 infeasible, 3 unbounded, 4 other; `x` the incumbent or None; `fun` its objective; `mip_dual_bound`
HiGHS's bound on the objective (a lower bound, since it minimises) and `mip_gap` = |fun - mip_dual_bound| /
|fun|, the gap of *its* incumbent. With the signs undone, -mip_dual_bound bounds the newly covered weight
from above.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped]
from scipy.optimize import Bounds, LinearConstraint, milp  # type: ignore[import-untyped]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class MilpOutcome:
    status: Literal["optimal", "time_limit", "no_solution"]
    message: str
    options: tuple[int, ...] | None  # HiGHS's incumbent (indices of the reduced options), or None
    value: float | None  # its newly covered weight
    upper_bound: float | None  # on the best newly covered weight
    mip_gap: float | None


def solve_milp(
    coverage: sparse.csr_array,
    weights: F64,
    site_of_option: I64,
    option_cost: F64,
    *,
    new_cameras: int | None,
    budget: float | None,
    time_limit_s: float,
    mip_rel_gap: float,
) -> MilpOutcome:
    """Solve the reduced problem exactly (up to `mip_rel_gap`) within `time_limit_s` seconds."""
    n_options, n_incidents = coverage.shape
    if n_options == 0 or n_incidents == 0:
        return MilpOutcome(
            "optimal", "nothing to gain: no option sees an uncovered incident", (), 0.0, 0.0, 0.0
        )
    # An incident only one option sees is gained exactly when that option is chosen: its weight goes on the
    # option's x, and it needs no y of its own. Clustered incidents make these most of the columns.
    csc = sparse.csc_array(coverage)
    seen_by = np.diff(csc.indptr)
    single = seen_by == 1
    option_gain = np.bincount(
        csc.indices[csc.indptr[:-1][single]], weights=weights[single], minlength=n_options
    )
    shared_cols = np.flatnonzero(~single)
    csc = sparse.csc_array(csc[:, shared_cols])
    weights = weights[shared_cols]
    n_incidents = len(shared_cols)

    n = n_options + n_incidents
    objective = np.concatenate([-option_gain, -weights])
    integrality = np.concatenate([np.ones(n_options), np.zeros(n_incidents)])

    # y_j - sum_{o sees j} x_o <= 0
    blocks, lower, upper = [], [], []
    if n_incidents:
        blocks.append(sparse.hstack([-sparse.csr_array(csc.T), sparse.eye_array(n_incidents)], format="csr"))
        lower.append(np.full(n_incidents, -np.inf))
        upper.append(np.zeros(n_incidents))

    sites, per_site = np.unique(site_of_option, return_counts=True)
    shared = sites[per_site > 1]
    if len(shared):
        rows = np.searchsorted(shared, site_of_option)
        at_shared = np.isin(site_of_option, shared)
        one_per_site = sparse.csr_array(
            (np.ones(at_shared.sum()), (rows[at_shared], np.flatnonzero(at_shared))), shape=(len(shared), n)
        )
        blocks.append(one_per_site)
        lower.append(np.full(len(shared), -np.inf))
        upper.append(np.ones(len(shared)))
    if new_cameras is not None:
        blocks.append(sparse.csr_array(np.concatenate([np.ones(n_options), np.zeros(n_incidents)])[None, :]))
        lower.append(np.array([-np.inf]))
        upper.append(np.array([float(new_cameras)]))
    if budget is not None:
        blocks.append(sparse.csr_array(np.concatenate([option_cost, np.zeros(n_incidents)])[None, :]))
        lower.append(np.array([-np.inf]))
        upper.append(np.array([float(budget)]))

    constraints = LinearConstraint(
        sparse.vstack(blocks, format="csr"), np.concatenate(lower), np.concatenate(upper)
    )
    result = milp(
        objective,
        integrality=integrality,
        bounds=Bounds(np.zeros(n), np.ones(n)),
        constraints=constraints,
        options={"time_limit": float(time_limit_s), "mip_rel_gap": float(mip_rel_gap), "presolve": True},
    )
    bound = getattr(result, "mip_dual_bound", None)
    upper_bound = None if bound is None or not np.isfinite(bound) else float(-bound)
    if result.x is None:
        return MilpOutcome("no_solution", str(result.message), None, None, upper_bound, None)
    chosen = tuple(int(o) for o in np.flatnonzero(result.x[:n_options] > 0.5))
    gap = getattr(result, "mip_gap", None)
    return MilpOutcome(
        status="optimal" if result.status == 0 else "time_limit",
        message=str(result.message),
        options=chosen,
        value=float(-result.fun),
        upper_bound=upper_bound,
        mip_gap=None if gap is None or not np.isfinite(gap) else float(gap),
    )
