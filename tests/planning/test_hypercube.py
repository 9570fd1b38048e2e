"""The hypercube queueing model: Larson & Odoni's published example, M/M/N identities, a brute-force chain.

The book's three-unit example (Larson & Odoni, *Urban Operations Research*, 1981, §5.4.3-§5.4.4 and §5.5.3;
the text is online at web.mit.edu/urban_or_book): three units, λ = 1.5 calls per mean service time, μ = 1,
infinite line capacity, fixed preferences. What the text prints, and we take as input:
- the primary response areas' rates, 0.75, 0.35 and 0.40 (§5.4.4: each unit's workload were it alone);
- the dispatch orders (§5.4.3, Table 5-4 as described there and the sets E21, E11 of §5.4.4): unit 1 is first
  back-up of areas 2 and 3; area 1 is backed up by unit 2 for atoms 1 and 2 and by unit 3 for atom 4.
Atoms with the same order merge without changing the model, except for the per-atom dispatch fractions.
One input is not in the text: how area 1's 0.75 splits between atoms 1, 2 and 4 (Figure 5.11). We take
0.25 each; that split is fitted, in effect, to unit 2's printed workload (units 2 and 3's workloads are
the only figures it moves).

Reproduced independently of that choice:
- unit 1's exact workload 0.5574 (to the printed 4 decimals for atom 4's rate anywhere from 0.25 to 0.45;
  it moves by 2e-4 over all splits);
- the probability that a call waits, P'Q = 0.23684;
- the share of dispatches that leave their primary area, 0.43529 (we get 0.43533: within 1e-4 for any
  split near ours; the book's state probabilities are rounded);
- f11 ≈ 8.7 % of all calls send unit 1 to atom 1 (given the equal split);
- the approximation's workloads 0.5627, 0.4716, 0.4657 (we get them to within 0.001), its error on unit 1
  against the exact model, ≈ 0.0053, and the correction factors Q(3, ½, j) to 5 decimals.
The exact model is also checked against a brute-force chain with an explicit (truncated) queue and unequal
units, and against Erlang B and C for identical units.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from kuzet.planning.erlang import erlang_b, erlang_c
from kuzet.planning.hypercube import (
    HypercubeModel,
    LineCapacity,
    build_model,
    cross_border_fraction,
    mean_travel_times,
    preferences_from_travel_times,
    solve,
    solve_approximate,
    solve_exact,
)
from kuzet.planning.hypercube_approx import correction_factors

BOOK_Q = (1.0, 0.73684, 0.63158)  # Q(3, ½, j), j = 0, 1, 2, printed in §5.5.3
BOOK_EXACT = (0.5574, 0.4734, 0.4693)  # the exact hypercube's workloads, (5.30), §5.4.4
BOOK_APPROXIMATE = (0.5627, 0.4716, 0.4657)  # the approximation's workloads, §5.5.3
BOOK_WAITS = 0.23684  # P'Q, §5.4.4
BOOK_INTER_AREA = 0.43529  # the share of responses that are inter-response-area, §5.4.4
BOOK_F11 = 0.087  # "about 8.7 percent" of calls send unit 1 to atom 1, §5.4.4
BOOK_AREAS = (0.75, 0.35, 0.40)  # the primary areas' rates, §5.4.4
# Atoms 1, 2 and 4 (area 1), area 2, area 3: their dispatch orders (units 0-based) and primary areas.
BOOK_ORDERS = ((0, 1, 2), (0, 1, 2), (0, 2, 1), (1, 0, 2), (2, 0, 1))
BOOK_ATOM_AREAS = ("1", "1", "1", "2", "3")


def book_model(area_1: tuple[float, float, float] = (0.25, 0.25, 0.25)) -> HypercubeModel:
    assert sum(area_1) == pytest.approx(BOOK_AREAS[0])
    return build_model((*area_1, *BOOK_AREAS[1:]), BOOK_ORDERS, service_rates=[1.0, 1.0, 1.0])


def random_model(
    seed: int, *, n_units: int, rho: float, equal: bool = True
) -> tuple[HypercubeModel, np.ndarray]:
    rng = np.random.default_rng(seed)
    n_atoms = 3 * n_units
    posts, atoms = rng.random((n_units, 2)), rng.random((n_atoms, 2))
    travel = np.linalg.norm(posts[:, None, :] - atoms[None, :, :], axis=2)
    mus = np.ones(n_units) if equal else rng.uniform(0.6, 1.6, n_units)
    lam = rng.uniform(0.5, 1.5, n_atoms)
    lam *= rho * mus.sum() / lam.sum()
    model = build_model(lam.tolist(), preferences_from_travel_times(travel), service_rates=mus.tolist())
    return model, travel


def test_correction_factors_match_the_book() -> None:
    assert correction_factors(3, 1.5) == pytest.approx(BOOK_Q, abs=5e-6)


@pytest.mark.parametrize("atom_4", [0.25, 0.35, 0.45])
def test_unit_1s_workload_and_the_waits_follow_from_the_printed_areas_alone(atom_4: float) -> None:
    rest = (BOOK_AREAS[0] - atom_4) / 2
    result = solve_exact(book_model((rest, rest, atom_4)))
    assert result.workloads[0] == pytest.approx(BOOK_EXACT[0], abs=5e-5)
    assert result.probability_all_busy == pytest.approx(BOOK_WAITS, abs=5e-6)
    assert result.workloads.sum() == pytest.approx(1.5, abs=1e-9)  # λ/μ: every call is served in the end


def test_exact_model_reproduces_the_books_three_unit_example() -> None:
    result = solve_exact(book_model())
    assert result.workloads == pytest.approx(BOOK_EXACT, abs=5e-5)
    inter_area = cross_border_fraction(result, ["1", "2", "3"], BOOK_ATOM_AREAS)
    assert inter_area == pytest.approx(BOOK_INTER_AREA, abs=1e-4)
    assert result.dispatch_fractions[0, 0] == pytest.approx(BOOK_F11, abs=5e-4)


def test_approximation_reproduces_the_books_three_unit_workloads() -> None:
    exact, approx = solve_exact(book_model()), solve_approximate(book_model())
    assert approx.workloads == pytest.approx(BOOK_APPROXIMATE, abs=1e-3)
    assert abs(approx.workloads[0] - exact.workloads[0]) == pytest.approx(0.0053, abs=2e-4)


def brute_force(model: HypercubeModel, queue_cap: int) -> tuple[np.ndarray, np.ndarray, float]:
    """The untruncated chain (busy set, queue length ≤ cap), built state by state and solved densely."""
    n, lam, mu = model.n_units, np.asarray(model.arrival_rates), np.asarray(model.service_rates)
    states = [(b, q) for b in range(1 << n) for q in range(queue_cap + 1 if b == (1 << n) - 1 else 1)]
    index = {s: i for i, s in enumerate(states)}
    gen = np.zeros((len(states), len(states)))
    flows = np.zeros((len(states), n, model.n_atoms))  # dispatch rate per state to (unit, atom)
    for (busy, q), i in index.items():
        for j, order in enumerate(model.preferences):
            free = [u for u in order if not busy >> u & 1]
            if free:
                gen[i, index[(busy | 1 << free[0], 0)]] += lam[j]
                flows[i, free[0], j] += lam[j]
            elif q < queue_cap:
                gen[i, index[(busy, q + 1)]] += lam[j]
        for u in range(n):
            if busy >> u & 1:
                if q > 0:
                    gen[i, index[(busy, q - 1)]] += mu[u]
                    flows[i, u, :] += mu[u] * lam / lam.sum()
                else:
                    gen[i, index[(busy & ~(1 << u), 0)]] += mu[u]
    np.fill_diagonal(gen, -gen.sum(axis=1))
    system = np.vstack([gen.T, np.ones(len(states))])
    probs = np.linalg.lstsq(system, np.r_[np.zeros(len(states)), 1.0], rcond=None)[0]
    workloads = np.array(
        [sum(p for (b, _), p in zip(states, probs, strict=True) if b >> u & 1) for u in range(n)]
    )
    fractions = np.einsum("s,snj->nj", probs, flows)
    full = sum(p for (b, _), p in zip(states, probs, strict=True) if b == (1 << n) - 1)
    return workloads, fractions / fractions.sum(), float(full)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_exact_model_matches_a_brute_force_chain_with_unequal_units(seed: int) -> None:
    model, _ = random_model(seed, n_units=3, rho=0.6, equal=False)
    result = solve_exact(model)
    workloads, fractions, full = brute_force(model, queue_cap=120)
    assert result.workloads == pytest.approx(workloads, abs=1e-8)
    assert result.dispatch_fractions == pytest.approx(fractions, abs=1e-8)
    assert result.probability_all_busy == pytest.approx(full, abs=1e-8)


@pytest.mark.parametrize(("n_units", "seed"), [(4, 5), (7, 6), (11, 7)])
def test_identical_units_obey_erlang_whatever_the_preferences(n_units: int, seed: int) -> None:
    """With one service rate, the number of busy units is an M/M/N birth-death chain, whatever the order."""
    queue, _ = random_model(seed, n_units=n_units, rho=0.7)
    result = solve_exact(queue)
    load = queue.total_arrival_rate
    assert result.probability_all_busy == pytest.approx(erlang_c(n_units, load), abs=1e-9)
    assert result.workloads.sum() == pytest.approx(load, abs=1e-9)
    loss = build_model(
        queue.arrival_rates, queue.preferences, service_rates=queue.service_rates, capacity=LineCapacity.ZERO
    )
    lost = solve_exact(loss)
    assert lost.probability_all_busy == pytest.approx(erlang_b(n_units, load), abs=1e-9)
    assert lost.workloads.sum() == pytest.approx(load * (1 - erlang_b(n_units, load)), abs=1e-9)


@pytest.mark.parametrize("capacity", list(LineCapacity))
def test_each_unit_dispatch_rate_equals_its_completion_rate(capacity: LineCapacity) -> None:
    model, _ = random_model(11, n_units=6, rho=0.5, equal=False)
    model = build_model(
        model.arrival_rates, model.preferences, service_rates=model.service_rates, capacity=capacity
    )
    result = solve_exact(model)
    served = model.total_arrival_rate * (
        1 - (result.probability_all_busy if capacity is LineCapacity.ZERO else 0)
    )
    assert result.dispatch_fractions.sum() == pytest.approx(1.0, abs=1e-9)
    per_unit = result.dispatch_fractions.sum(axis=1) * served
    assert per_unit == pytest.approx(result.workloads * np.asarray(model.service_rates), abs=1e-9)


@pytest.mark.parametrize("n_units", [5, 6, 7, 8, 9, 10, 11, 12])
def test_approximation_stays_within_a_few_percent_of_the_exact_model(n_units: int) -> None:
    for rho in (0.3, 0.6, 0.85):
        model, travel = random_model(100 + n_units, n_units=n_units, rho=rho)
        exact, approx = solve_exact(model), solve_approximate(model)
        assert np.abs(approx.workloads - exact.workloads).max() <= 0.035
        assert np.abs(approx.dispatch_fractions - exact.dispatch_fractions).sum() / 2 <= 0.035
        travel_exact, travel_approx = (
            mean_travel_times(exact, travel)[1],
            mean_travel_times(approx, travel)[1],
        )
        assert travel_approx == pytest.approx(travel_exact, rel=0.03)


def test_solve_uses_the_approximation_beyond_the_exact_limit() -> None:
    model, _ = random_model(3, n_units=20, rho=0.6)
    result = solve(model)
    assert result.method == "approximate"
    assert result.workloads.sum() == pytest.approx(model.total_arrival_rate, rel=1e-6)
    assert solve(random_model(3, n_units=4, rho=0.6)[0]).method == "exact"


def test_preferences_run_from_nearest_to_farthest() -> None:
    travel = [[5.0, 1.0], [2.0, 1.0], [9.0, 0.5]]
    assert preferences_from_travel_times(travel) == ((1, 0, 2), (2, 0, 1))


def test_light_load_sends_the_nearest_unit_and_crosses_no_border() -> None:
    travel = np.array([[1.0, 4.0, 6.0], [5.0, 2.0, 3.0]])
    model = build_model([1e-6, 1e-6, 1e-6], preferences_from_travel_times(travel), service_rates=[1.0, 1.0])
    result = solve_exact(model)
    by_atom, overall = mean_travel_times(result, travel)
    assert by_atom == pytest.approx([1.0, 2.0, 3.0], rel=1e-4)
    assert overall == pytest.approx(2.0, rel=1e-4)
    assert cross_border_fraction(result, ["north", "south"], ["north", "south", "south"]) < 1e-5
    assert cross_border_fraction(result, ["north", "south"], ["south", "north", "north"]) > 0.99999


def test_busy_neighbour_pushes_dispatches_across_the_border() -> None:
    travel = np.array([[1.0, 3.0], [3.0, 1.0]])
    prefs = preferences_from_travel_times(travel)
    light = solve_exact(build_model([0.5, 0.05], prefs, service_rates=[1.0, 1.0]))
    heavy = solve_exact(build_model([1.5, 0.05], prefs, service_rates=[1.0, 1.0]))
    districts = ["a", "b"]
    assert cross_border_fraction(heavy, districts, districts) > cross_border_fraction(
        light, districts, districts
    )
    assert mean_travel_times(heavy, travel)[0][0] > mean_travel_times(light, travel)[0][0]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"arrival_rates": [0.5, -0.1]}, "arrival_rates"),
        ({"arrival_rates": []}, "arrival_rates"),
        ({"service_rates": [1.0, -1.0]}, "service_rates"),
        ({"service_rates": [1.0, 0.0]}, "service_rates"),
        ({"preferences": [(0, 1), (0, 2)]}, "preferences"),
        ({"preferences": [(0, 1)]}, "preferences"),
        ({"preferences": [(0, 1), (0, 0)]}, "preferences"),
        ({"preferences": [(0, 1), (1,)]}, "preferences"),
        ({"service_rates": None}, "service_rates"),
        ({"arrival_rates": [5.0, 5.0]}, "arrival_rates"),
    ],
)
def test_bad_model_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {
        "arrival_rates": [0.5, 0.2],
        "preferences": [(0, 1), (1, 0)],
        "service_rates": [1.0, 1.0],
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=field):
        build_model(**args)  # type: ignore[arg-type]


def test_mean_service_times_may_replace_rates() -> None:
    by_time = build_model([0.5, 0.2], [(0, 1), (1, 0)], mean_service_times=[2.0, 0.5])
    assert by_time.service_rates == (0.5, 2.0)
    with pytest.raises(ValueError, match="service_rates"):
        build_model([0.5, 0.2], [(0, 1), (1, 0)], service_rates=[1.0, 1.0], mean_service_times=[1.0, 1.0])


def test_bad_output_input_names_the_field() -> None:
    result = solve_exact(build_model([0.5, 0.2], [(0, 1), (1, 0)], service_rates=[1.0, 1.0]))
    with pytest.raises(ValueError, match="travel_times"):
        mean_travel_times(result, [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="travel_times"):
        mean_travel_times(result, [[1.0, -2.0], [1.0, 2.0]])
    with pytest.raises(ValueError, match="unit_districts"):
        cross_border_fraction(result, ["a"], ["a", "b"])
    with pytest.raises(ValueError, match="atom_districts"):
        cross_border_fraction(result, ["a", "b"], ["a"])
    with pytest.raises(ValueError, match="travel_times"):
        preferences_from_travel_times([[1.0, float("nan")]])
    unequal = build_model([0.5, 0.2], [(0, 1), (1, 0)], service_rates=[1.0, 2.0])
    with pytest.raises(ValueError, match="service_rates"):
        solve_approximate(unequal)


def test_every_preference_order_of_three_units_is_accepted() -> None:
    orders = list(itertools.permutations(range(3)))
    model = build_model([0.1] * len(orders), orders, service_rates=[1.0, 1.0, 1.0])
    result = solve_exact(model)
    assert result.workloads == pytest.approx([0.2, 0.2, 0.2], abs=1e-9)  # symmetric: each unit ρ = 0.6/3
