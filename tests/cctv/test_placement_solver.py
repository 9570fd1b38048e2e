"""The placement plan (maximal covering location): HiGHS's optimum against brute force on small instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import sparse  # type: ignore[import-untyped]

from kuzet.cctv import placement
from kuzet.cctv.placement import PlacementError, PlacementProblem, priority_weights, score, solve
from kuzet.cctv.placement_milp import MilpOutcome
from kuzet.cctv.placement_reduce import reduce_problem


def random_problem(
    seed: int,
    *,
    sites: int = 7,
    options: int = 2,
    incidents: int = 60,
    new: int | None = 3,
    budget: float | None = None,
) -> PlacementProblem:
    rng = np.random.default_rng(seed)
    site_of = np.repeat(np.arange(sites), options).astype(np.int64)
    density = rng.uniform(0.05, 0.3)
    coverage = sparse.csr_array((rng.random((sites * options, incidents)) < density).astype(np.int8))
    # Duplicated incidents (the same spot reported again), so that merging has something to merge.
    dup = rng.integers(0, incidents, size=incidents // 3)
    coverage = sparse.csr_array(sparse.hstack([coverage, coverage[:, dup]]))
    total = coverage.shape[1]
    return PlacementProblem(
        site_of_option=site_of,
        site_cost=rng.uniform(1.0, 4.0, sites) if budget is not None else np.ones(sites),
        coverage=coverage,
        weights=priority_weights(rng.integers(1, 5, total)),
        covered_before=rng.random(total) < 0.15,
        new_cameras=new,
        budget=budget,
    )


def brute_force(problem: PlacementProblem) -> float:
    """The best newly covered weight over every admissible set of options (at most one per site)."""
    n_options = problem.coverage.shape[0]
    limit = problem.new_cameras if problem.new_cameras is not None else n_options
    best = 0.0
    for k in range(1, limit + 1):
        for combo in itertools.combinations(range(n_options), k):
            sites = problem.site_of_option[list(combo)]
            if len(set(sites.tolist())) < k:
                continue
            if problem.budget is not None and problem.option_cost[list(combo)].sum() > problem.budget + 1e-9:
                continue
            best = max(best, score(problem, combo).new_weight)
    return best


@pytest.mark.parametrize("seed", range(8))
def test_the_milp_optimum_equals_brute_force_with_a_camera_count(seed: int) -> None:
    problem = random_problem(seed)
    result = solve(problem, time_limit_s=30, mip_rel_gap=0.0)
    assert result.proven_optimal
    assert result.plan.new_weight == pytest.approx(brute_force(problem))
    assert result.greedy.new_weight <= result.plan.new_weight + 1e-9
    assert result.plan.cameras <= 3


@pytest.mark.parametrize("seed", range(6))
def test_the_milp_optimum_equals_brute_force_within_a_budget(seed: int) -> None:
    problem = random_problem(100 + seed, sites=8, options=1, new=None, budget=6.0)
    result = solve(problem, time_limit_s=30, mip_rel_gap=0.0)
    assert result.plan.new_weight == pytest.approx(brute_force(problem))
    assert result.plan.cost <= 6.0 + 1e-9
    assert result.greedy.cost <= 6.0 + 1e-9
    assert result.greedy.new_weight <= result.plan.new_weight + 1e-9


@pytest.mark.parametrize("seed", range(4))
def test_a_count_and_a_budget_together_both_hold(seed: int) -> None:
    problem = random_problem(200 + seed, sites=7, options=2, new=2, budget=5.0)
    result = solve(problem, time_limit_s=30, mip_rel_gap=0.0)
    assert result.plan.cameras <= 2 and result.plan.cost <= 5.0 + 1e-9
    assert result.plan.new_weight == pytest.approx(brute_force(problem))


@pytest.mark.parametrize("seed", range(6))
def test_at_most_one_camera_option_is_chosen_per_site(seed: int) -> None:
    problem = random_problem(300 + seed, sites=5, options=4, new=4)
    result = solve(problem, time_limit_s=30)
    for plan in (result.plan, result.greedy):
        sites = problem.site_of_option[list(plan.options)].tolist()
        assert len(sites) == len(set(sites))


@pytest.mark.parametrize("seed", range(5))
def test_reducing_the_problem_keeps_its_optimum(seed: int) -> None:
    problem = random_problem(400 + seed, sites=6, options=2, new=3)
    reduced = reduce_problem(
        problem.coverage, problem.weights, problem.covered_before, problem.site_of_option, problem.option_cost
    )
    assert reduced.coverage.shape[1] < problem.coverage.shape[1]  # duplicates merged, covered ones dropped
    # The reduced problem as a problem of its own: nothing covered before, one site per original site.
    alone = PlacementProblem(
        site_of_option=reduced.site_of_option,
        site_cost=np.ones(len(problem.site_cost)),
        coverage=reduced.coverage,
        weights=reduced.weights,
        covered_before=np.zeros(reduced.coverage.shape[1], dtype=np.bool_),
        new_cameras=3,
    )
    assert brute_force(alone) == pytest.approx(brute_force(problem))
    assert reduced.weights.sum() <= problem.weights[~problem.covered_before].sum() + 1e-9


def test_incidents_already_seen_count_nothing_new() -> None:
    coverage = sparse.csr_array(np.array([[1, 1, 0, 0], [0, 0, 1, 1]], dtype=np.int8))
    problem = PlacementProblem(
        site_of_option=np.array([0, 1]),
        site_cost=np.ones(2),
        coverage=coverage,
        weights=np.array([4.0, 4.0, 1.0, 1.0]),
        covered_before=np.array([True, True, False, False]),
        new_cameras=1,
    )
    result = solve(problem, time_limit_s=10)
    assert result.plan.options == (1,)  # the heavier incidents are seen already
    assert result.plan.new_weight == 2.0 and result.plan.covered_weight == 10.0
    assert result.before_weight == 8.0
    (choice,) = result.choices
    assert (choice.site, choice.new_incidents, choice.new_weight) == (1, 2, 2.0)


def test_nothing_left_to_gain_gives_an_empty_plan() -> None:
    problem = PlacementProblem(
        site_of_option=np.array([0]),
        site_cost=np.ones(1),
        coverage=sparse.csr_array(np.array([[1, 0]], dtype=np.int8)),
        weights=np.array([1.0, 1.0]),
        covered_before=np.array([True, False]),
        new_cameras=3,
    )
    result = solve(problem, time_limit_s=5)
    assert result.plan.options == () and result.plan.new_weight == 0.0 and result.proven_optimal


def test_priority_weights_follow_the_table_and_default_to_the_lowest() -> None:
    assert priority_weights([1, 2, 3, 4, 9]).tolist() == [4.0, 3.0, 2.0, 1.0, 1.0]
    assert priority_weights([1, 2], {1: 10.0, 2: 0.5}).tolist() == [10.0, 0.5]
    with pytest.raises(PlacementError, match="negative"):
        priority_weights([1], {1: -1.0})


@pytest.mark.parametrize(
    ("new", "budget", "field"),
    [(0, None, "new"), (-2, None, "new"), (None, None, "new"), (None, 0.0, "budget"), (3, -5.0, "budget")],
)
def test_a_count_or_budget_that_is_not_positive_is_refused(
    new: int | None, budget: float | None, field: str
) -> None:
    with pytest.raises(PlacementError, match=r"positive|give the number") as caught:
        random_problem(1, new=new, budget=budget)
    assert caught.value.field == field


def test_a_time_limit_that_is_not_positive_is_refused() -> None:
    with pytest.raises(PlacementError, match="time limit"):
        solve(random_problem(2), time_limit_s=0)


def test_when_highs_stops_with_a_worse_incumbent_greedys_plan_is_returned_and_said_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = random_problem(7)

    def stopped_early(*args: object, **kwargs: object) -> MilpOutcome:
        # What HiGHS gives when its time runs out early: an empty incumbent and a loose bound.
        return MilpOutcome("time_limit", "Time limit reached", (), 0.0, 10_000.0, 1.0)

    monkeypatch.setattr(placement, "solve_milp", stopped_early)
    result = solve(problem, time_limit_s=5)
    assert result.chosen_by == "greedy" and result.status == "time_limit" and not result.proven_optimal
    assert result.plan == result.greedy and result.plan.new_weight > 0
    assert result.gap == pytest.approx((10_000.0 - result.greedy.new_weight) / result.greedy.new_weight)


def test_a_tiny_time_limit_still_gives_a_plan_no_worse_than_greedy() -> None:
    problem = random_problem(8, sites=7, options=2, incidents=60, new=3)
    result = solve(problem, time_limit_s=1e-6)  # HiGHS gets its minimum; greedy is never skipped
    assert result.plan.new_weight >= result.greedy.new_weight > 0


def test_no_camera_is_spent_on_incidents_another_already_sees() -> None:
    same = [1, 1, 1, 0]
    problem = PlacementProblem(
        site_of_option=np.array([0, 1, 2]),
        site_cost=np.ones(3),
        coverage=sparse.csr_array(np.array([same, same, [0, 0, 0, 1]], dtype=np.int8)),
        weights=np.array([1.0, 1.0, 1.0, 2.0]),
        covered_before=np.array([False, False, False, True]),
        new_cameras=3,
    )
    result = solve(problem, time_limit_s=5)
    assert result.plan.cameras == 1 and result.plan.new_weight == 3.0
    assert result.greedy.cameras == 1
