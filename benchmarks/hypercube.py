"""Benchmark: Larson's hypercube queueing model for 15 patrol units, solved exactly (2^15 = 32,768 states).

Inputs are SYNTHETIC, seeded: 15 unit posts and 300 atoms (response areas) at random in a 12 km × 12 km
square, travel time = straight-line distance at 30 km/h, atom arrival rates drawn from a gamma distribution
and scaled so that the mean unit utilisation is 0.3, 0.6 and then 0.9 (the power steps take longer as the load
rises). The road graph is not used: the solver's cost depends on the number of units and atoms, not on where
the travel times come from.

Timed (median of --repeat runs, per load): preference lists from the travel-time matrix, `build_model`,
`solve_exact` (building the sparse generator and solving the balance equations), and the outputs (the
cross-border share and the mean travel time by atom). Also printed, without a goal: Larson's approximation for
the same 15 units and its largest workload error against the exact model, and the approximation for 60 units.

Goal: ≤ 5 s for the exact hypercube with 15 units (the slowest of the three loads).

    .venv/bin/python -m benchmarks.hypercube [--units 15] [--atoms 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from benchmarks.goals import at_most
from kuzet.planning.hypercube import (
    HypercubeModel,
    build_model,
    cross_border_fraction,
    mean_travel_times,
    preferences_from_travel_times,
    solve_approximate,
    solve_exact,
)

GOAL_S = 5.0
SIDE_KM = 12.0
SPEED_KMH = 30.0
SERVICE_MIN = 40.0  # mean time a unit is busy with one call, minutes


def instance(
    rng: np.random.Generator, n_units: int, n_atoms: int
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    posts = rng.random((n_units, 2)) * SIDE_KM
    atoms = rng.random((n_atoms, 2)) * SIDE_KM
    travel_min = np.linalg.norm(posts[:, None, :] - atoms[None, :, :], axis=2) / SPEED_KMH * 60.0
    weights = rng.gamma(2.0, 1.0, n_atoms)
    return travel_min, weights, [_district(p) for p in posts], [_district(a) for a in atoms]


def _district(xy: np.ndarray) -> str:
    return "west" if float(xy[0]) < SIDE_KM / 2 else "east"


def model_for(travel: np.ndarray, weights: np.ndarray, rho: float) -> HypercubeModel:
    n_units = travel.shape[0]
    per_minute = weights / weights.sum() * rho * n_units / SERVICE_MIN
    return build_model(
        per_minute.tolist(), preferences_from_travel_times(travel), mean_service_times=[SERVICE_MIN] * n_units
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=15)
    parser.add_argument("--atoms", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(21)
    travel, weights, unit_districts, atom_districts = instance(rng, args.units, args.atoms)
    print(f"== hypercube: {args.units} units, {args.atoms} atoms, {1 << args.units:,} states (synthetic)")
    worst = 0.0
    for rho in (0.3, 0.6, 0.9):
        times: list[float] = []
        result = solve_exact(model_for(travel, weights, rho))  # warm-up, untimed
        for _ in range(args.repeat):
            started = time.perf_counter()
            model = model_for(travel, weights, rho)
            result = solve_exact(model)
            border = cross_border_fraction(result, unit_districts, atom_districts)
            _, mean_travel = mean_travel_times(result, travel)
            times.append(time.perf_counter() - started)
        approx = solve_approximate(model_for(travel, weights, rho))
        error = float(np.abs(approx.workloads - result.workloads).max())
        median = statistics.median(times)
        worst = max(worst, median)
        print(
            f"utilisation {rho:.1f}: exact in {median:.2f} s ({result.iterations} power steps), "
            f"workloads {result.workloads.min():.3f}–{result.workloads.max():.3f}, "
            f"P(all busy) {result.probability_all_busy:.4f}, cross-border {border:.3f}, "
            f"mean travel {mean_travel:.2f} min; approximation's largest workload error {error:.4f}"
        )
    big_travel, big_weights, _, _ = instance(rng, 60, 1000)
    started = time.perf_counter()
    big = solve_approximate(model_for(big_travel, big_weights, 0.6))
    print(
        f"approximation, 60 units and 1,000 atoms: {time.perf_counter() - started:.2f} s "
        f"({big.iterations} steps)"
    )
    print(at_most(f"exact hypercube, {args.units} units (slowest load)", worst, GOAL_S, "s"))


if __name__ == "__main__":
    main()
