"""Where the next cameras should go: the maximal covering location problem (MCLP).

Candidate sites each carry one or more camera *options* (a dome, or one heading of a fixed camera); at most
one option is chosen per site. Incidents carry a weight (by priority). An incident is *covered* when a chosen
option, or an existing camera, sees it. The plan chooses at most `new_cameras` options and/or options whose
sites cost at most `budget` in all, so as to maximise the weight of incidents newly covered (the ones the
existing cameras already see count nothing).

It is solved twice and the better answer returned:
- exactly, as a MILP with `scipy.optimize.milp` (HiGHS), under a time limit, on the reduced problem
  (`placement_reduce`): incidents the existing cameras see and incidents no option sees are dropped, and
  incidents seen by exactly the same options are merged into one of summed weight;
- greedily (`placement_greedy`, lazy greedy: the classic (1 - 1/e) approximation with a count limit).

When HiGHS stops at its time limit with an incumbent worse than greedy's (or with none), greedy's plan is
returned and the result says so (`chosen_by`); the gap is then that of greedy's plan against HiGHS's bound.
Pure: numpy and scipy only, no framework.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped]

from kuzet.cctv.placement_greedy import lazy_greedy
from kuzet.cctv.placement_milp import MilpOutcome, solve_milp
from kuzet.cctv.placement_reduce import reduce_problem

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

# Weight of an incident by its priority (1 is the most urgent). A P1 incident seen by a camera is worth four
# P4 ones: the order of urgency the catalogue gives, linear so that no class swamps the others.
DEFAULT_PRIORITY_WEIGHTS: Final[Mapping[int, float]] = {1: 4.0, 2: 3.0, 3: 2.0, 4: 1.0}
DEFAULT_TIME_LIMIT_S: Final = 60.0
# HiGHS's own default relative gap: it stops as "optimal" once (primal - bound) / primal <= this.
DEFAULT_MIP_REL_GAP: Final = 1e-4
MIN_HIGHS_SECONDS: Final = 0.5  # HiGHS is given at least this, even when the reduction used the whole limit


class PlacementError(ValueError):
    """The placement problem is ill-posed; the message names the offending input (`field`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def priority_weights(priorities: npt.ArrayLike, table: Mapping[int, float] | None = None) -> F64:
    """Each incident's weight by its priority; a priority missing from the table weighs as the lowest one."""
    table = dict(DEFAULT_PRIORITY_WEIGHTS if table is None else table)
    if not table:
        raise PlacementError("weights", "the table of weights by priority is empty")
    if any(not w >= 0 for w in table.values()):
        raise PlacementError("weights", "a weight by priority must not be negative")
    floor = table[max(table)]
    values = np.asarray(priorities, dtype=np.int64)
    keys = np.array(sorted(table), dtype=np.int64)
    found = np.isin(values, keys)
    weights = np.full(values.shape, floor, dtype=np.float64)
    if found.any():
        lookup = np.array([table[int(k)] for k in keys], dtype=np.float64)
        weights[found] = lookup[np.searchsorted(keys, values[found])]
    return weights


@dataclass(frozen=True, eq=False)
class PlacementProblem:
    """The MCLP as arrays. Options are rows of `coverage`, incidents its columns.

    `site_of_option[o]` is the site option `o` belongs to; `site_cost[s]` what a camera at site `s` costs.
    `covered_before[j]` says that an existing camera already sees incident `j`.
    """

    site_of_option: I64
    site_cost: F64
    coverage: sparse.csr_array
    weights: F64
    covered_before: Bools
    new_cameras: int | None = None
    budget: float | None = None

    def __post_init__(self) -> None:
        # One stored 1 per (option, incident) seen, whatever the caller's matrix held (duplicates, counts).
        binary = sparse.csr_array(sparse.csr_array(self.coverage) != 0, dtype=np.int8)
        binary.sum_duplicates()
        object.__setattr__(self, "coverage", binary)
        n_options, n_incidents = self.coverage.shape
        if self.new_cameras is None and self.budget is None:
            raise PlacementError("new", "give the number of new cameras, a budget, or both")
        if self.new_cameras is not None and self.new_cameras <= 0:
            raise PlacementError("new", f"the number of new cameras must be positive, not {self.new_cameras}")
        if self.budget is not None and not self.budget > 0:
            raise PlacementError("budget", f"the budget must be positive, not {self.budget}")
        if len(self.site_of_option) != n_options:
            raise PlacementError("sites", "every option (row of the coverage) needs its site")
        if n_options and (self.site_of_option.min() < 0 or self.site_of_option.max() >= len(self.site_cost)):
            raise PlacementError("sites", "an option names a site that does not exist")
        if len(self.site_cost) and not (np.isfinite(self.site_cost).all() and self.site_cost.min() >= 0):
            raise PlacementError("cost", "a site's cost must be a finite number, zero or more")
        if len(self.weights) != n_incidents or len(self.covered_before) != n_incidents:
            raise PlacementError(
                "incidents", "weights and existing coverage must have one entry per incident"
            )
        if n_incidents and not (np.isfinite(self.weights).all() and self.weights.min() >= 0):
            raise PlacementError("weights", "an incident's weight must be a finite number, zero or more")

    @property
    def option_cost(self) -> F64:
        cost: F64 = self.site_cost[self.site_of_option]
        return cost


@dataclass(frozen=True)
class SiteChoice:
    """One chosen option, with what it adds: the incidents it sees that no existing camera sees."""

    option: int
    site: int
    cost: float
    new_incidents: int
    new_weight: float


@dataclass(frozen=True)
class Plan:
    """A set of chosen options scored on the whole (unreduced) problem."""

    options: tuple[int, ...]
    covered_weight: float  # existing and new together
    covered_incidents: int
    new_weight: float
    new_incidents: int
    cost: float

    @property
    def cameras(self) -> int:
        return len(self.options)


@dataclass(frozen=True)
class PlacementResult:
    """The plan returned (the better of HiGHS's and greedy's), the greedy baseline, and how the solve went."""

    plan: Plan
    greedy: Plan
    chosen_by: Literal["milp", "greedy"]
    status: Literal["optimal", "time_limit", "no_solution"]  # HiGHS's outcome
    message: str  # HiGHS's own message
    gap: float | None  # (bound - plan) / plan, relative, of the plan returned; 0 when proven optimal
    mip_gap: float | None  # HiGHS's reported `mip_gap` of its own incumbent (None when it found none)
    upper_bound: float | None  # HiGHS's bound on the best newly covered weight
    solve_seconds: float  # HiGHS alone
    greedy_seconds: float
    reduce_seconds: float
    total_weight: float
    total_incidents: int
    before_weight: float
    before_incidents: int
    reduced_options: int
    reduced_incidents: int  # columns after merging identical ones
    choices: tuple[SiteChoice, ...]

    @property
    def proven_optimal(self) -> bool:
        """HiGHS closed the gap to its tolerance (`mip_rel_gap`), so the plan is optimal within it."""
        return self.status == "optimal"


def score(problem: PlacementProblem, options: tuple[int, ...]) -> Plan:
    """Evaluate chosen options on the full problem (no reduction): what is covered before and after."""
    seen = problem.covered_before.copy()
    if options:
        rows = problem.coverage[np.array(options, dtype=np.int64)]
        seen |= np.asarray(rows.sum(axis=0)).ravel() > 0
    new = seen & ~problem.covered_before
    return Plan(
        options=tuple(sorted(options)),
        covered_weight=float(problem.weights[seen].sum()),
        covered_incidents=int(seen.sum()),
        new_weight=float(problem.weights[new].sum()),
        new_incidents=int(new.sum()),
        cost=float(problem.option_cost[list(options)].sum()) if options else 0.0,
    )


def without_idle(problem: PlacementProblem, options: tuple[int, ...]) -> tuple[int, ...]:
    """The options less those that add nothing the others and the existing cameras do not already see.

    The MILP is indifferent to a camera that adds no weight (any count up to N is allowed); a plan should
    not spend a camera on it. Dropped one at a time, so that of two cameras seeing the same incidents only
    one goes.
    """
    kept = list(options)
    while kept:
        rows = problem.coverage[np.array(kept, dtype=np.int64)]
        seen_by = np.asarray(rows.sum(axis=0)).ravel()
        alone = (seen_by == 1) & ~problem.covered_before
        own = (
            np.asarray(rows[:, alone] @ problem.weights[alone]).ravel()
            if alone.any()
            else np.zeros(len(kept))
        )
        idle = [i for i, weight in enumerate(own) if weight <= 0]  # all it sees, another sees too
        if not idle:
            break
        kept.pop(idle[0])
    return tuple(kept)


def choices_of(problem: PlacementProblem, plan: Plan) -> tuple[SiteChoice, ...]:
    """Each chosen option with the incidents it sees that existing cameras do not (new ones may share)."""
    fresh = ~problem.covered_before
    out = []
    for option in plan.options:
        row = problem.coverage[[option]]
        cols = row.indices[fresh[row.indices]]
        out.append(
            SiteChoice(
                option=option,
                site=int(problem.site_of_option[option]),
                cost=float(problem.option_cost[option]),
                new_incidents=len(cols),
                new_weight=float(problem.weights[cols].sum()),
            )
        )
    return tuple(sorted(out, key=lambda c: (-c.new_weight, c.option)))


def solve(
    problem: PlacementProblem,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    mip_rel_gap: float = DEFAULT_MIP_REL_GAP,
) -> PlacementResult:
    """Choose the options that maximise the newly covered weight; never worse than greedy.

    `time_limit_s` bounds the whole solve: HiGHS gets what the reduction and greedy leave of it.
    """
    if not time_limit_s > 0:
        raise PlacementError("time_limit", f"the time limit must be positive, not {time_limit_s}")
    begun = started = time.perf_counter()
    reduced = reduce_problem(
        problem.coverage,
        problem.weights,
        problem.covered_before,
        problem.site_of_option,
        problem.option_cost,
        budget=problem.budget,
    )
    reduce_seconds = time.perf_counter() - started

    started = time.perf_counter()
    greedy_local = lazy_greedy(
        reduced.coverage,
        reduced.weights,
        reduced.site_of_option,
        reduced.option_cost,
        new_cameras=problem.new_cameras,
        budget=problem.budget,
    )
    greedy_seconds = time.perf_counter() - started
    greedy = score(problem, tuple(int(reduced.options[o]) for o in greedy_local))

    started = time.perf_counter()
    outcome: MilpOutcome = solve_milp(
        reduced.coverage,
        reduced.weights,
        reduced.site_of_option,
        reduced.option_cost,
        new_cameras=problem.new_cameras,
        budget=problem.budget,
        time_limit_s=max(MIN_HIGHS_SECONDS, time_limit_s - (started - begun)),
        mip_rel_gap=mip_rel_gap,
    )
    solve_seconds = time.perf_counter() - started

    milp_plan = (
        score(problem, without_idle(problem, tuple(int(reduced.options[o]) for o in outcome.options)))
        if outcome.options is not None
        else None
    )
    chosen_by: Literal["milp", "greedy"] = "greedy"
    plan = greedy
    if milp_plan is not None and milp_plan.new_weight >= greedy.new_weight:
        plan, chosen_by = milp_plan, "milp"
    gap = _gap(outcome, plan.new_weight)
    before = problem.covered_before
    return PlacementResult(
        plan=plan,
        greedy=greedy,
        chosen_by=chosen_by,
        status=outcome.status,
        message=outcome.message,
        gap=gap,
        mip_gap=outcome.mip_gap,
        upper_bound=outcome.upper_bound,
        solve_seconds=solve_seconds,
        greedy_seconds=greedy_seconds,
        reduce_seconds=reduce_seconds,
        total_weight=float(problem.weights.sum()),
        total_incidents=len(problem.weights),
        before_weight=float(problem.weights[before].sum()),
        before_incidents=int(before.sum()),
        reduced_options=len(reduced.options),
        reduced_incidents=len(reduced.weights),
        choices=choices_of(problem, plan),
    )


def _gap(outcome: MilpOutcome, value: float) -> float | None:
    """The relative gap of the returned plan's value against HiGHS's bound: (bound - value) / value."""
    if outcome.upper_bound is None:
        return None
    if value <= 0:
        return 0.0 if outcome.upper_bound <= 1e-9 else float("inf")
    return max(0.0, (outcome.upper_bound - value) / value) if outcome.upper_bound > value + 1e-9 else 0.0
