"""Unusable inputs get an error naming the field; the profile file and the policies do what they say."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from kuzet.planning.errors import PlanningInputError
from kuzet.planning.history import History
from kuzet.planning.profile import ArrivalProfile
from kuzet.planning.results import figures
from kuzet.planning.scenario import Policy, Scenario, UnitSpec, read_plan, scenario_from_plan
from kuzet.planning.sim import simulate
from kuzet.planning.travel import TravelTable
from kuzet.units.domain import UnitType
from tests.planning.sim_support import ExponentialDemand, grid


def test_empty_history_is_refused_naming_the_history() -> None:
    with pytest.raises(PlanningInputError) as caught:
        History.from_rows([])
    assert caught.value.field == "history"
    with pytest.raises(PlanningInputError, match="history"):
        ArrivalProfile.learn([])


def test_post_outside_the_graph_is_refused_naming_the_unit() -> None:
    graph = grid(side=3)
    with pytest.raises(PlanningInputError) as caught:
        TravelTable(graph, [4, graph.node_count + 5])
    assert caught.value.field == "units[1].post_node"
    with pytest.raises(PlanningInputError) as in_plan:
        scenario_from_plan({"posts": [{"node": 99_999, "count": 1}]}, node_count=graph.node_count)
    assert in_plan.value.field == "posts[0].node"


def test_negative_unit_count_is_refused_naming_the_post(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"posts": [{"node": 1, "count": 2}, {"node": 3, "count": -1}]}))
    with pytest.raises(PlanningInputError) as caught:
        read_plan(plan, node_count=9)
    assert caught.value.field == "posts[1].count"
    assert "-1" in str(caught.value)


def test_plan_file_gives_units_with_shifts() -> None:
    plan = {"call_takers": 3, "posts": [{"node": 1, "count": 2, "shift": ["08-20"], "district": "a"}]}
    scenario = scenario_from_plan(plan, node_count=9)
    assert [u.shifts for u in scenario.units] == [((8, 20),), ((8, 20),)]
    assert scenario.call_takers == 3
    with pytest.raises(PlanningInputError) as caught:
        scenario_from_plan({"posts": [{"node": 1, "shift": "late"}]})
    assert caught.value.field == "posts[0].shift"


def test_profile_file_csv_and_json(tmp_path: Path) -> None:
    rates = np.arange(168, dtype=float) + 1
    csv_file = tmp_path / "profile.csv"
    lines = ["hour_of_week,rate,month,factor"]
    lines += [
        f"{h},{rates[h]},{h + 1 if h < 12 else ''},{1.5 if h == 6 else (1.0 if h < 12 else '')}"
        for h in range(168)
    ]
    csv_file.write_text("\n".join(lines))
    profile = ArrivalProfile.read(csv_file)
    assert profile.rates.tolist() == rates.tolist()
    assert profile.months[6] == 1.5
    json_file = tmp_path / "profile.json"
    json_file.write_text(json.dumps({"rates": rates.tolist()}))
    assert ArrivalProfile.read(json_file).months.tolist() == [1.0] * 12
    json_file.write_text(json.dumps({"rates": [1.0] * 100}))
    with pytest.raises(PlanningInputError) as caught:
        ArrivalProfile.read(json_file)
    assert caught.value.field == "profile.rates"


def test_shifts_keep_units_off_duty_outside_their_hours() -> None:
    graph = grid(side=3)
    day = (UnitSpec("D", UnitType.PATROL_CAR, "one", 4, ((8, 20),)),)
    scenario = Scenario(day)
    travel = TravelTable(graph, [4])
    demand = ExponentialDemand(districts=["one"], at_node=4, mean_on_scene_s=600.0)
    record = simulate(
        scenario,
        travel,
        demand,
        ArrivalProfile.flat(1.0),
        start=datetime(2025, 3, 3, tzinfo=UTC),
        hours=240,
        seed=1,
    )
    result = figures(record, scenario)
    assert result["units_busy.h03"] == 0.0  # nobody on duty at 3 a.m.; calls wait for the morning
    assert result["units_busy.h12"] > 0.0
    assert result["waited_for_unit.share"] > 0.3


def test_preemption_diverts_units_from_low_priority_calls() -> None:
    from dataclasses import dataclass

    from kuzet.planning.history import Draws

    @dataclass
    class Mixed(ExponentialDemand):
        def draw(self, rng: np.random.Generator, n: int) -> Draws:
            base = super().draw(rng, n)
            priority = rng.choice([1, 3], size=n, p=[0.3, 0.7]).astype(np.int64)
            return Draws(
                priority, base.group, base.district, base.node, base.handling, base.turnout, base.on_scene
            )

    graph = grid(side=3)
    units = tuple(UnitSpec(f"U{i}", UnitType.PATROL_CAR, "one", 4) for i in range(2))
    travel = TravelTable(graph, [4, 4])
    demand = Mixed(districts=["one"], at_node=4, mean_on_scene_s=3600.0)
    start = datetime(2025, 3, 3, tzinfo=UTC)
    out = {}
    for policy in (Policy.RECOMMENDER, Policy.PREEMPTION):
        scenario = Scenario(units, policy=policy)
        record = simulate(scenario, travel, demand, ArrivalProfile.flat(1.5), start=start, hours=500, seed=3)
        out[policy] = figures(record, scenario)
    assert out[Policy.RECOMMENDER]["preemptions"] == 0
    assert out[Policy.PREEMPTION]["preemptions"] > 10
    p1 = "response.p1.mean_s"
    assert out[Policy.PREEMPTION][p1] < 0.5 * out[Policy.RECOMMENDER][p1]
    # Every diverted call is still served in the end.
    assert out[Policy.PREEMPTION]["unserved"] == 0


def test_arrivals_follow_the_local_hour_of_week_and_month() -> None:
    months = np.ones(12)
    months[1] = 0.0  # no calls in February
    rates = np.zeros(168)
    rates[4 * 24 + 20] = 50.0  # Fridays 20:00-21:00 local only
    profile = ArrivalProfile(rates, months)
    # 2025-01-31 is a Friday; 14:00 UTC is 19:00 in Asia/Almaty. Three days: only Friday 20-21 local counts.
    moments = profile.arrivals(np.random.default_rng(1), datetime(2025, 1, 31, 14, tzinfo=UTC), 72)
    assert len(moments) > 20
    assert ((moments >= 3600) & (moments < 7200)).all()
    # The next Friday 20:00 falls in February: nothing.
    later = profile.arrivals(np.random.default_rng(1), datetime(2025, 2, 7, 14, tzinfo=UTC), 72)
    assert len(later) == 0
    assert profile.rate_at(datetime(2025, 1, 31, 15, 30, tzinfo=UTC)) == 50.0
