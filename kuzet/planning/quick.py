"""Quick answers from queueing theory for a plan, beside the simulation: Larson's hypercube for the patrol
units and Erlang C for the call-takers.

The hypercube's atoms are the road-graph nodes of the history's incidents that need a unit (priority 1-3),
merged into cells of about `CELL_M` metres when there are more than `ATOMS_MAX` of them (each cell is
placed at its busiest node). Each atom's rate is its share of those incidents times the profile's mean rate.
The preference lists rank the units by road time from their posts (a patrol sector counts from its first
node), nearest first, as the recommender does. Every unit has the same service rate, one over the history's
mean busy time per call (`History.busy_seconds`), and is counted as on duty at all hours: the model has no
shifts. Beyond `EXACT_MAX_UNITS` units Larson's approximation is used.

The call-takers' staffing table comes from the profile's 168 hourly rates and a handling time (by default
the history's median time from a call's receipt to its first dispatch); the peak hour's need is what a plan
without shifts of call-takers must staff.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kuzet.geo.graph import RoadGraph
from kuzet.planning.erlang import ServiceTarget, StaffingRow, staffing_table
from kuzet.planning.errors import PlanningInputError
from kuzet.planning.history import Demand
from kuzet.planning.hypercube import (
    EXACT_MAX_UNITS,
    build_model,
    cross_border_fraction,
    mean_travel_times,
    preferences_from_travel_times,
    solve,
)
from kuzet.planning.profile import ArrivalProfile
from kuzet.planning.scenario import Scenario
from kuzet.planning.travel import TravelTable

ATOMS_MAX = 400
CELL_M = 500.0
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Atoms:
    nodes: np.ndarray  # road-graph node of each atom
    calls: np.ndarray  # the history's incidents in each atom
    district: list[str]  # each atom's district (its incidents' most frequent)


@dataclass(frozen=True)
class UnitsAnswer:
    """The hypercube's answer for a plan's units."""

    method: str  # "exact" or "approximate"
    workloads: dict[str, float]  # call sign → share of time busy
    cross_border: float  # share of dispatches into another district's atom
    mean_travel_s: float
    travel_by_district_s: dict[str, float]
    probability_all_busy: float
    service_time_s: float
    calls_per_hour: float
    atoms: int


@dataclass(frozen=True)
class CallTakersAnswer:
    handle_time_s: float
    target: ServiceTarget
    table: tuple[StaffingRow, ...]

    @property
    def peak(self) -> int:
        return max(row.call_takers for row in self.table)


def atoms_of(demand: Demand, graph: RoadGraph) -> Atoms:
    """The incidents that need a unit, by road-graph node, merged into cells when there are many nodes."""
    needed = demand.priority < 4
    if not needed.any():
        raise PlanningInputError("history", "has no incident of priority 1-3 to send a unit to")
    nodes, district = demand.node[needed], demand.district[needed]
    key = nodes
    if len(np.unique(nodes)) > ATOMS_MAX:
        lat, lon = graph.lat[nodes], graph.lon[nodes]
        dlat = CELL_M / METRES_PER_DEGREE
        dlon = dlat / math.cos(math.radians(float(np.mean(graph.lat))))
        key = np.floor(lat / dlat).astype(np.int64) * 1_000_003 + np.floor(lon / dlon).astype(np.int64)
    out_nodes, out_calls, out_district = [], [], []
    for k in np.unique(key):
        here = key == k
        node_values, node_counts = np.unique(nodes[here], return_counts=True)
        dist_values, dist_counts = np.unique(district[here], return_counts=True)
        out_nodes.append(int(node_values[np.argmax(node_counts)]))
        out_calls.append(int(here.sum()))
        out_district.append(demand.districts[int(dist_values[np.argmax(dist_counts)])])
    return Atoms(np.array(out_nodes, dtype=np.int64), np.array(out_calls, dtype=np.float64), out_district)


def units_answer(
    scenario: Scenario,
    graph: RoadGraph,
    demand: Demand,
    profile: ArrivalProfile,
    *,
    service_time_s: float,
    exact_max_units: int = EXACT_MAX_UNITS,
) -> UnitsAnswer:
    """The hypercube model of the plan's units on the history's atoms (see the module's docstring)."""
    if not service_time_s > 0:
        raise PlanningInputError("service_time_s", f"must be > 0, not {service_time_s}")
    atoms = atoms_of(demand, graph)
    share_needed = float(np.mean(demand.priority < 4))
    per_hour = float(np.mean(profile.rates)) * share_needed
    rates = atoms.calls / atoms.calls.sum() * per_hour
    travel = TravelTable.for_units(graph, scenario.units)
    times = np.column_stack([travel.to_node_all(int(node)) for node in atoms.nodes])  # units × atoms, s
    reachable = np.isfinite(times).any(axis=0)
    if not reachable.all():  # an atom no unit can reach by road is left to the simulation
        times, rates = times[:, reachable], rates[reachable]
        atoms = Atoms(
            atoms.nodes[reachable], atoms.calls[reachable], list(np.array(atoms.district)[reachable])
        )
    mu = 3600.0 / service_time_s
    if per_hour >= mu * len(scenario.units):
        raise PlanningInputError(
            "posts",
            f"{len(scenario.units)} units cannot keep up with {per_hour:.2f} calls an hour of "
            f"{service_time_s / 60:.0f} minutes each: the queue would grow without end",
        )
    model = build_model(
        rates.tolist(), preferences_from_travel_times(times), service_rates=[mu] * len(scenario.units)
    )
    result = solve(model, exact_max_units=exact_max_units)
    finite = np.where(np.isfinite(times), times, 0.0)
    by_atom, overall = mean_travel_times(result, finite)
    by_district: dict[str, float] = {}
    for name in sorted(set(atoms.district)):
        mask = np.array([d == name for d in atoms.district])
        weights = rates[mask]
        by_district[name] = float(np.average(by_atom[mask], weights=weights)) if weights.sum() else math.nan
    return UnitsAnswer(
        method=result.method,
        workloads={u.call_sign: float(w) for u, w in zip(scenario.units, result.workloads, strict=True)},
        cross_border=cross_border_fraction(result, [u.district for u in scenario.units], atoms.district),
        mean_travel_s=float(overall),
        travel_by_district_s=by_district,
        probability_all_busy=float(result.probability_all_busy),
        service_time_s=service_time_s,
        calls_per_hour=per_hour,
        atoms=len(atoms.nodes),
    )


def call_takers_answer(
    profile: ArrivalProfile,
    handling_s: Sequence[float] | np.ndarray,
    *,
    handle_time_s: float | None = None,
    target: ServiceTarget | None = None,
) -> CallTakersAnswer:
    """Erlang C staffing for every hour of the week (see the module's docstring)."""
    if handle_time_s is None:
        pool = np.asarray(handling_s, dtype=np.float64)
        pool = pool[np.isfinite(pool) & (pool > 0)]
        if not len(pool):
            raise PlanningInputError("handle_time", "the history has no handling times: give one")
        handle_time_s = float(np.median(pool))
    if not handle_time_s > 0:
        raise PlanningInputError("handle_time", f"must be > 0 seconds, not {handle_time_s}")
    goal = target or ServiceTarget()
    return CallTakersAnswer(
        handle_time_s, goal, staffing_table(profile.rates.tolist(), handle_time_s=handle_time_s, target=goal)
    )


def summary(
    scenario: Scenario,
    graph: RoadGraph,
    demand: Demand,
    profile: ArrivalProfile,
    *,
    service_time_s: float | None,
    handling_s: Sequence[float] | np.ndarray,
) -> dict[str, Any]:
    """Both answers as plain figures for the API; an answer that cannot be made says why in `problems`."""
    out: dict[str, Any] = {"problems": {}}
    try:
        if service_time_s is None:
            raise PlanningInputError("history", "has no dispatch and clear times to learn a unit's busy time")
        units = units_answer(scenario, graph, demand, profile, service_time_s=service_time_s)
        out |= {
            "method": units.method,
            "busiest_workload": max(units.workloads.values()),
            "cross_border": units.cross_border,
            "mean_travel_s": units.mean_travel_s,
            "travel_by_district_s": units.travel_by_district_s,
            "all_busy": units.probability_all_busy,
        }
    except PlanningInputError as exc:
        out["problems"]["hypercube"] = f"{exc.field}: {exc.reason}"
    try:
        takers = call_takers_answer(profile, handling_s)
        out |= {"call_takers_peak": takers.peak, "handle_time_s": takers.handle_time_s}
    except PlanningInputError as exc:
        out["problems"]["call_takers"] = f"{exc.field}: {exc.reason}"
    return out
