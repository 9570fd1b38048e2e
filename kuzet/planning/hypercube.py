"""Larson's hypercube queueing model: patrol units (servers) answering calls from atoms (response areas).

Each unit is either free or busy, so the system's state is a corner of an N-dimensional hypercube. A call from
atom j goes to the first free unit on j's preference list. When every unit is busy, the call either waits in
one first-come-first-served queue (the infinite-line-capacity model) or is handed to a back-up system and lost
to the model (the zero-line-capacity model).

The exact model solves the balance equations of the 2^N states (for N up to ~15). For the infinite queue the
states "all busy and k waiting" form a geometric tail with ratio λ/Σμ, which is folded into the all-busy
corner: that corner leaves downwards at μ_n·(1 − λ/Σμ), so the chain keeps 2^N states. Larson's approximation
(Larson 1975; Larson & Odoni, *Urban Operations Research*, §5.5) replaces the state probabilities by the
workloads of the units and the correction factors Q(N, ρ, j); it is used beyond the exact model's reach.

Times and rates may be in any unit, as long as they agree (calls per hour with services per hour, and so on).
Units and atoms are numbered from 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped]
import scipy.sparse.linalg as sla  # type: ignore[import-untyped]

from kuzet.planning import hypercube_approx

FloatArray = npt.NDArray[np.float64]

EXACT_MAX_UNITS = 15
DIRECT_SOLVE_MAX_STATES = 1 << 10
POWER_TOLERANCE = 1e-14
POWER_MAX_STEPS = 2_000_000


class LineCapacity(StrEnum):
    """What happens to a call that finds every unit busy."""

    INFINITE = "infinite"  # it waits in one queue, served in order by the first unit to clear
    ZERO = "zero"  # it is lost to the model (handed to a back-up system)


@dataclass(frozen=True)
class HypercubeModel:
    """A validated model: per-atom arrival rates, per-unit service rates, per-atom preference lists."""

    arrival_rates: tuple[float, ...]
    service_rates: tuple[float, ...]
    preferences: tuple[tuple[int, ...], ...]
    capacity: LineCapacity = LineCapacity.INFINITE

    @property
    def n_units(self) -> int:
        return len(self.service_rates)

    @property
    def n_atoms(self) -> int:
        return len(self.arrival_rates)

    @property
    def total_arrival_rate(self) -> float:
        return math.fsum(self.arrival_rates)


@dataclass(frozen=True)
class HypercubeResult:
    """Workloads and dispatch fractions; the other measures are derived from these."""

    workloads: FloatArray  # (N,), the share of time each unit is busy
    dispatch_fractions: FloatArray  # (N, J), f_nj: the share of all dispatches that send unit n to atom j
    probability_all_busy: float  # P_Q (a call waits) or, for zero line capacity, the share of calls lost
    method: str  # "exact" or "approximate"
    iterations: int

    def atom_shares(self) -> FloatArray:
        """(N, J): of the dispatches into atom j, the share answered by unit n."""
        per_atom = self.dispatch_fractions.sum(axis=0)
        safe = np.where(per_atom > 0, per_atom, 1.0)
        return self.dispatch_fractions / safe


def _finite_nonnegative(name: str, values: Sequence[float]) -> tuple[float, ...]:
    out = tuple(float(v) for v in values)
    for i, v in enumerate(out):
        if not math.isfinite(v) or v < 0:
            raise ValueError(f"{name}: entry {i} must be a finite number >= 0, got {v!r}")
    return out


def build_model(
    arrival_rates: Sequence[float],
    preferences: Sequence[Sequence[int]],
    *,
    service_rates: Sequence[float] | None = None,
    mean_service_times: Sequence[float] | None = None,
    capacity: LineCapacity = LineCapacity.INFINITE,
) -> HypercubeModel:
    """Check the inputs and return the model; a ValueError names the field at fault."""
    rates = _finite_nonnegative("arrival_rates", arrival_rates)
    if not rates:
        raise ValueError("arrival_rates: at least one atom is needed")
    if math.fsum(rates) <= 0:
        raise ValueError("arrival_rates: at least one atom must have a positive rate")
    if (service_rates is None) == (mean_service_times is None):
        raise ValueError(
            "service_rates: give either service_rates or mean_service_times, not both or neither"
        )
    if service_rates is not None:
        field, given = "service_rates", _finite_nonnegative("service_rates", service_rates)
        mus = given
    elif mean_service_times is not None:
        field, given = "mean_service_times", _finite_nonnegative("mean_service_times", mean_service_times)
        mus = tuple(1.0 / t if t > 0 else 0.0 for t in given)
    if not mus:
        raise ValueError(f"{field}: at least one unit is needed")
    if any(v <= 0 for v in given):
        raise ValueError(f"{field}: every unit needs a value > 0")
    n_units = len(mus)
    if len(preferences) != len(rates):
        raise ValueError(f"preferences: {len(preferences)} lists given for {len(rates)} atoms")
    lists: list[tuple[int, ...]] = []
    for j, order in enumerate(preferences):
        units = tuple(int(u) for u in order)
        for u in units:
            if not 0 <= u < n_units:
                raise ValueError(f"preferences: atom {j} names unit {u}, not one of the {n_units} units")
        if sorted(units) != list(range(n_units)):
            raise ValueError(f"preferences: atom {j} must rank every one of the {n_units} units exactly once")
        lists.append(units)
    if capacity is LineCapacity.INFINITE and math.fsum(rates) >= math.fsum(mus):
        raise ValueError("arrival_rates: the total must stay below the units' total service rate for a queue")
    return HypercubeModel(rates, mus, tuple(lists), LineCapacity(capacity))


def preferences_from_travel_times(travel_times: npt.ArrayLike) -> tuple[tuple[int, ...], ...]:
    """Per atom, the units nearest first; `travel_times` is (units × atoms); ties go to the lower id."""
    times = np.asarray(travel_times, dtype=np.float64)
    if times.ndim != 2 or times.size == 0:
        raise ValueError("travel_times: must be a non-empty (units × atoms) matrix")
    if not np.all(np.isfinite(times)) or np.any(times < 0):
        raise ValueError("travel_times: every entry must be a finite number >= 0")
    order = np.argsort(times, axis=0, kind="stable")
    return tuple(tuple(int(u) for u in order[:, j]) for j in range(times.shape[1]))


def _dispatch_table(model: HypercubeModel, busy: npt.NDArray[np.bool_]) -> npt.NDArray[np.int8]:
    """(J, 2^N): the unit atom j gets in each state, −1 when every unit is busy."""
    n_states = busy.shape[1]
    table = np.empty((model.n_atoms, n_states), dtype=np.int8)
    for j, order in enumerate(model.preferences):
        chosen = np.full(n_states, -1, dtype=np.int8)
        for unit in reversed(order):
            chosen[~busy[unit]] = unit
        table[j] = chosen
    return table


def _stationary(generator: sp.csr_matrix, exit_rates: FloatArray) -> tuple[FloatArray, int]:
    """π with π·Q = 0 and Σπ = 1: a direct sparse solve when small, else power steps of the uniformised chain.

    The power steps stop when one step moves π by less than POWER_TOLERANCE (L1).
    """
    n_states = generator.shape[0]
    transposed = generator.T.tocsr()
    if n_states <= DIRECT_SOLVE_MAX_STATES:
        system = transposed.tolil()
        system[0, :] = 1.0
        rhs = np.zeros(n_states)
        rhs[0] = 1.0
        solution = np.asarray(sla.spsolve(system.tocsc(), rhs), dtype=np.float64)
        return solution / solution.sum(), 1
    uniform = float(exit_rates.max()) * 1.001
    step = (sp.identity(n_states, format="csr") + transposed / uniform).tocsr()
    probs = np.full(n_states, 1.0 / n_states)
    for iteration in range(1, POWER_MAX_STEPS + 1):
        nxt = step @ probs
        if iteration % 20 == 0 and float(np.abs(nxt - probs).sum()) < POWER_TOLERANCE:
            return nxt / nxt.sum(), iteration
        probs = nxt
    raise ArithmeticError("the hypercube's balance equations did not converge")


def solve_exact(model: HypercubeModel) -> HypercubeResult:
    """The exact hypercube: 2^N states, balance equations solved with scipy sparse."""
    n = model.n_units
    if n > EXACT_MAX_UNITS + 3:
        raise ValueError(f"service_rates: {n} units are too many for the exact model (2^{n} states)")
    n_states = 1 << n
    full = n_states - 1
    states = np.arange(n_states, dtype=np.int64)
    busy = ((states[None, :] >> np.arange(n, dtype=np.int64)[:, None]) & 1).astype(bool)
    mu = np.asarray(model.service_rates)
    lam = np.asarray(model.arrival_rates)
    total_lam = float(lam.sum())
    tail = total_lam / float(mu.sum()) if model.capacity is LineCapacity.INFINITE else 0.0
    table = _dispatch_table(model, busy)
    up = np.zeros((n, n_states))
    for j in range(model.n_atoms):
        free = table[j] >= 0
        up[table[j][free], states[free]] += lam[j]
    rows: list[npt.NDArray[np.int64]] = []
    cols: list[npt.NDArray[np.int64]] = []
    vals: list[FloatArray] = []
    for unit in range(n):
        bit = np.int64(1 << unit)
        down_from = states[busy[unit]]
        rate = np.full(down_from.size, mu[unit])
        rate[down_from == full] *= 1.0 - tail
        rows += [down_from, states[~busy[unit]]]
        cols += [down_from ^ bit, states[~busy[unit]] | bit]
        vals += [rate, up[unit, ~busy[unit]]]
    r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    keep = v > 0
    rates = sp.csr_matrix((v[keep], (r[keep], c[keep])), shape=(n_states, n_states))
    exit_rates = np.asarray(rates.sum(axis=1), dtype=np.float64).ravel()
    generator = (rates - sp.diags(exit_rates)).tocsr()
    probs, iterations = _stationary(generator, exit_rates)
    workloads = busy.astype(np.float64) @ probs
    p_full = float(probs[full])
    fractions = np.zeros((n, model.n_atoms))
    for j in range(model.n_atoms):
        free = table[j] >= 0
        fractions[:, j] = np.bincount(table[j][free], weights=probs[free], minlength=n) * lam[j]
    if model.capacity is LineCapacity.INFINITE:
        fractions += np.outer(mu / mu.sum(), lam) * p_full
        fractions /= total_lam
    else:
        fractions /= total_lam * (1.0 - p_full)
    return HypercubeResult(workloads, fractions, p_full, "exact", iterations)


def solve_approximate(model: HypercubeModel, *, tolerance: float = 1e-6) -> HypercubeResult:
    """Larson's 1975 approximation with the correction factors Q(N, ρ, j); all units need one service rate."""
    rates = np.asarray(model.service_rates)
    if not np.allclose(rates, rates[0], rtol=1e-9):
        raise ValueError("service_rates: the approximation needs every unit to have the same service rate")
    workloads, fractions, p_all, steps = hypercube_approx.solve(
        np.asarray(model.arrival_rates),
        float(rates[0]),
        np.asarray(model.preferences, dtype=np.int64),
        infinite_queue=model.capacity is LineCapacity.INFINITE,
        tolerance=tolerance,
    )
    return HypercubeResult(workloads, fractions, p_all, "approximate", steps)


def solve(model: HypercubeModel, *, exact_max_units: int = EXACT_MAX_UNITS) -> HypercubeResult:
    """The exact model up to `exact_max_units` units, Larson's approximation beyond."""
    if model.n_units <= exact_max_units:
        return solve_exact(model)
    return solve_approximate(model)


def cross_border_fraction(
    result: HypercubeResult, unit_districts: Sequence[str], atom_districts: Sequence[str]
) -> float:
    """The share of dispatches that send a unit into an atom of another district."""
    n, j = result.dispatch_fractions.shape
    if len(unit_districts) != n:
        raise ValueError(f"unit_districts: {len(unit_districts)} given for {n} units")
    if len(atom_districts) != j:
        raise ValueError(f"atom_districts: {len(atom_districts)} given for {j} atoms")
    units = np.asarray(unit_districts, dtype=object)[:, None]
    atoms = np.asarray(atom_districts, dtype=object)[None, :]
    return float(result.dispatch_fractions[units != atoms].sum())


def mean_travel_times(result: HypercubeResult, travel_times: npt.ArrayLike) -> tuple[FloatArray, float]:
    """Mean travel time into each atom and region-wide, from a (units × atoms) travel-time matrix.

    A queued call is charged the travel time from the answering unit's post, as for any other call.
    """
    times = np.asarray(travel_times, dtype=np.float64)
    if times.shape != result.dispatch_fractions.shape:
        raise ValueError(
            f"travel_times: shape {times.shape} does not match units × atoms "
            f"{result.dispatch_fractions.shape}"
        )
    if not np.all(np.isfinite(times)) or np.any(times < 0):
        raise ValueError("travel_times: every entry must be a finite number >= 0")
    weighted = result.dispatch_fractions * times
    per_atom_share = result.dispatch_fractions.sum(axis=0)
    safe = np.where(per_atom_share > 0, per_atom_share, 1.0)
    by_atom = np.where(per_atom_share > 0, weighted.sum(axis=0) / safe, np.nan)
    return by_atom, float(weighted.sum() / result.dispatch_fractions.sum())
