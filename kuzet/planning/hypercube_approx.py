"""Larson's approximation of the hypercube model.

Sources: Larson 1975; Larson & Odoni, *Urban Operations Research*, §5.5. The probability that atom j's k-th
choice is the first free unit is taken as Q(N, ρ, k−1) · ρ_(1st) ⋯ ρ_(k−1th) · (1 − ρ_(kth)), as if units were
busy independently, corrected by the factor Q that makes the formula exact for an M/M/N system whose busy
units are a random subset. The workloads are found by a fixed-point iteration and scaled so that they add up
to the M/M/N total.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln, logsumexp  # type: ignore[import-untyped]

from kuzet.planning.erlang import erlang_b, erlang_c

FloatArray = npt.NDArray[np.float64]
MAX_STEPS = 10_000


def _state_probabilities(n_units: int, offered_load: float, *, infinite_queue: bool) -> FloatArray:
    """P_0 … P_(N−1): the chance that exactly k units are busy, for M/M/N (queue) or M/M/N/N (loss)."""
    k = np.arange(n_units + 1, dtype=np.float64)
    log_terms = k * np.log(offered_load) - gammaln(k + 1)
    if infinite_queue:
        rho = offered_load / n_units
        log_terms[-1] -= np.log1p(-rho)  # the all-busy corner with its geometric queue folded in
    return np.asarray(np.exp(log_terms - logsumexp(log_terms))[:-1], dtype=np.float64)


def correction_factors(n_units: int, offered_load: float, *, infinite_queue: bool = True) -> FloatArray:
    """Q(N, ρ, j) for j = 0 … N−1, with ρ the mean utilisation of a unit.

    Q(N, ρ, j) = Σ_{k=j}^{N−1} P_k · C(N−j−1, k−j) / C(N, k) / (ρ^j (1 − ρ)): the exact chance that j given
    units are busy and another given one is free, divided by what independence would give.
    """
    if n_units < 1:
        raise ValueError(f"n_units: must be at least 1, got {n_units}")
    if not offered_load > 0:
        raise ValueError(f"offered_load: must be > 0, got {offered_load}")
    if infinite_queue and offered_load >= n_units:
        raise ValueError("offered_load: must stay below the number of units for a queue")
    probs = _state_probabilities(n_units, offered_load, infinite_queue=infinite_queue)
    carried = offered_load * (1.0 - (0.0 if infinite_queue else erlang_b(n_units, offered_load)))
    rho = carried / n_units
    factors = np.zeros(n_units)
    with np.errstate(divide="ignore"):
        log_p = np.log(probs)
    for j in range(n_units):
        k = np.arange(j, n_units, dtype=np.float64)
        log_ratio = (
            gammaln(n_units - j)
            - gammaln(k - j + 1)
            - gammaln(n_units - k)  # C(N−j−1, k−j)
            - (gammaln(n_units + 1) - gammaln(k + 1) - gammaln(n_units - k + 1))  # ÷ C(N, k)
        )
        log_sum = logsumexp(log_p[j:] + log_ratio)
        factors[j] = float(np.exp(log_sum - j * np.log(rho) - np.log1p(-rho)))
    return factors


def _first_free_weights(
    workloads: FloatArray, preferences: npt.NDArray[np.int64], factors: FloatArray
) -> FloatArray:
    """(J, N) by preference position: Q(N, ρ, k) · Π of the k workloads ahead (the 1 − ρ_kth left out)."""
    ahead = workloads[preferences]
    before = np.cumprod(np.hstack([np.ones((preferences.shape[0], 1)), ahead[:, :-1]]), axis=1)
    return np.asarray(before * factors[None, :], dtype=np.float64)


def solve(
    arrival_rates: FloatArray,
    service_rate: float,
    preferences: npt.NDArray[np.int64],
    *,
    infinite_queue: bool,
    tolerance: float = 1e-6,
) -> tuple[FloatArray, FloatArray, float, int]:
    """Workloads (N,), dispatch fractions (N, J), P(all busy) and the number of steps taken."""
    n_atoms, n_units = preferences.shape
    total = float(arrival_rates.sum())
    load = total / service_rate
    if infinite_queue:
        p_all = erlang_c(n_units, load)
        total_workload = load
        queued = load * p_all / n_units  # each unit's share of the calls that waited
    else:
        p_all = erlang_b(n_units, load)
        total_workload = load * (1.0 - p_all)
        queued = 0.0
    factors = correction_factors(n_units, load, infinite_queue=infinite_queue)
    workloads = np.full(n_units, total_workload / n_units)
    rows = np.repeat(np.arange(n_atoms), n_units)
    steps = 0
    while steps < MAX_STEPS:
        steps += 1
        weights = _first_free_weights(workloads, preferences, factors) * arrival_rates[:, None] / service_rate
        pull = np.bincount(preferences.ravel(), weights=weights.ravel(), minlength=n_units)
        raw = (pull + queued) / (1.0 + pull)
        updated = raw * (total_workload / raw.sum())
        change = float(np.abs(updated - workloads).max())
        workloads = updated
        if change < tolerance:
            break
    weights = _first_free_weights(workloads, preferences, factors) * (1.0 - workloads[preferences])
    fractions = np.zeros((n_units, n_atoms))
    np.add.at(fractions, (preferences.ravel(), rows), weights.ravel())
    served_share = (1.0 - p_all) if infinite_queue else 1.0
    column = fractions.sum(axis=0)
    fractions *= np.where(column > 0, served_share / np.where(column > 0, column, 1.0), 0.0)[None, :]
    fractions *= (arrival_rates / total)[None, :]
    if infinite_queue:
        fractions += np.outer(np.full(n_units, p_all / n_units), arrival_rates / total)
    return workloads, fractions, p_all, steps
