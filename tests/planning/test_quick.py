"""The quick answers beside the simulation: the hypercube on the road graph for a plan's units, and Erlang C
staffing of the call-takers from the arrival profile."""

from __future__ import annotations

import numpy as np
import pytest

from kuzet.incidents.catalogue import Group
from kuzet.planning import quick
from kuzet.planning.erlang import ServiceTarget, staffing
from kuzet.planning.errors import PlanningInputError
from kuzet.planning.history import Demand
from kuzet.planning.hypercube import build_model, preferences_from_travel_times, solve_exact
from kuzet.planning.profile import HOURS_OF_WEEK, ArrivalProfile
from kuzet.planning.scenario import Scenario, UnitSpec
from kuzet.planning.travel import TravelTable
from kuzet.units.domain import UnitType
from tests.planning.sim_support import grid

SIDE = 6
CORNERS = (0, SIDE - 1, SIDE * (SIDE - 1), SIDE * SIDE - 1)
SERVICE_S = 2400.0


def demand_at(nodes: list[int], district: str = "a") -> Demand:
    n = len(nodes)
    return Demand(
        districts=[district],
        priority=np.full(n, 2, dtype=np.int64),
        group=[Group.OTHER] * n,
        district=np.zeros(n, dtype=np.int64),
        node=np.asarray(nodes, dtype=np.int64),
        category=np.zeros(n, dtype=np.int64),
        handling_by_priority={2: np.array([60.0, 90.0, 200.0])},
        on_scene_by_category=[np.array([1800.0])],
    )


def plan(posts: tuple[int, ...], district: str = "a") -> Scenario:
    return Scenario(tuple(UnitSpec(f"U{i}", UnitType.PATROL_CAR, district, p) for i, p in enumerate(posts)))


EVERY_NODE = [n for n in range(SIDE * SIDE) for _ in range(1 + n % 3)]  # uneven demand over the grid


def test_the_answer_is_the_hypercube_of_the_plans_road_times() -> None:
    graph = grid(side=SIDE)
    profile = ArrivalProfile.flat(2.0)
    answer = quick.units_answer(
        plan(CORNERS), graph, demand_at(EVERY_NODE), profile, service_time_s=SERVICE_S
    )
    # The same model built by hand from the road times of each post.
    nodes, calls = np.unique(EVERY_NODE, return_counts=True)
    times = np.array([[TravelTable(graph, [p]).to_node(0, int(n)) for n in nodes] for p in CORNERS])
    rates = calls / calls.sum() * 2.0
    by_hand = solve_exact(
        build_model(
            rates.tolist(), preferences_from_travel_times(times), service_rates=[3600 / SERVICE_S] * 4
        )
    )
    assert answer.method == "exact" and answer.atoms == len(nodes)
    assert list(answer.workloads.values()) == pytest.approx(by_hand.workloads.tolist(), abs=1e-9)
    # Every call is served in the end: the workloads add up to the offered load.
    assert sum(answer.workloads.values()) == pytest.approx(2.0 * SERVICE_S / 3600, abs=1e-9)
    assert 0.0 < answer.mean_travel_s < times.max()


def test_more_units_shorten_the_mean_travel() -> None:
    graph = grid(side=SIDE)
    profile = ArrivalProfile.flat(0.5)
    demand = demand_at(EVERY_NODE)
    one = quick.units_answer(plan(CORNERS[:1]), graph, demand, profile, service_time_s=SERVICE_S)
    four = quick.units_answer(plan(CORNERS), graph, demand, profile, service_time_s=SERVICE_S)
    assert four.mean_travel_s < 0.7 * one.mean_travel_s


def test_units_of_another_district_cross_its_border() -> None:
    graph = grid(side=SIDE)
    profile = ArrivalProfile.flat(1.0)
    same = quick.units_answer(
        plan(CORNERS, "a"), graph, demand_at(EVERY_NODE, "a"), profile, service_time_s=600
    )
    other = quick.units_answer(
        plan(CORNERS, "b"), graph, demand_at(EVERY_NODE, "a"), profile, service_time_s=600
    )
    assert same.cross_border == pytest.approx(0.0) and other.cross_border == pytest.approx(1.0)
    assert list(same.travel_by_district_s) == ["a"]


def test_many_places_merge_into_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = grid(side=SIDE, spacing_deg=0.004)  # ~450 m blocks: roughly a cell per node or two
    monkeypatch.setattr(quick, "ATOMS_MAX", 5)
    atoms = quick.atoms_of(demand_at(EVERY_NODE), graph)
    assert 5 < len(atoms.nodes) < SIDE * SIDE
    assert atoms.calls.sum() == len(EVERY_NODE)  # no call lost in the merge
    assert set(atoms.nodes.tolist()) <= set(EVERY_NODE)


def test_a_plan_that_cannot_keep_up_is_refused() -> None:
    with pytest.raises(PlanningInputError) as caught:
        quick.units_answer(
            plan(CORNERS[:2]), grid(side=SIDE), demand_at(EVERY_NODE), ArrivalProfile.flat(4.0),
            service_time_s=SERVICE_S,
        )  # fmt: skip
    assert caught.value.field == "posts" and "cannot keep up" in caught.value.reason


def test_call_takers_follow_erlang_c_hour_by_hour() -> None:
    rates = np.full(HOURS_OF_WEEK, 6.0)
    rates[5 * 24 + 21] = 60.0  # Saturday 21:00
    profile = ArrivalProfile(rates, np.ones(12))
    answer = quick.call_takers_answer(profile, [60.0, 90.0, 200.0, float("nan")])
    assert answer.handle_time_s == 90.0  # the median handling time
    assert len(answer.table) == HOURS_OF_WEEK
    assert answer.peak == staffing(60.0, 90.0, ServiceTarget()) > staffing(6.0, 90.0, ServiceTarget())
    assert max(answer.table, key=lambda row: row.call_takers).hour_of_week == 5 * 24 + 21
    assert quick.call_takers_answer(profile, [], handle_time_s=30.0).peak <= answer.peak


def test_call_takers_need_a_handling_time() -> None:
    with pytest.raises(PlanningInputError) as caught:
        quick.call_takers_answer(ArrivalProfile.flat(5.0), [float("nan")])
    assert caught.value.field == "handle_time"
