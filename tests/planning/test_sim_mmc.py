"""In the M/M/c special case the simulation must agree with Erlang C (kuzet.planning.erlang)."""

from __future__ import annotations

from datetime import UTC, datetime

from kuzet.planning.erlang import erlang_c, mean_wait
from kuzet.planning.profile import ArrivalProfile
from kuzet.planning.results import figures, replicate, replications
from kuzet.planning.scenario import Scenario, UnitSpec
from kuzet.planning.sim import simulate
from kuzet.planning.travel import TravelTable
from kuzet.units.domain import UnitType
from tests.planning.sim_support import ExponentialDemand, grid

SERVERS = 4
PER_HOUR = 3.0  # λ
MEAN_SERVICE_H = 1.0  # 1/μ: offered load 3 Erlangs on 4 units, Erlang C ≈ 0.51


def test_waiting_probability_and_mean_wait_agree_with_erlang_c() -> None:
    graph = grid(side=3)
    units = tuple(UnitSpec(f"U{i}", UnitType.PATROL_CAR, "one", 4) for i in range(SERVERS))
    scenario = Scenario(units)  # no call-takers, every call and every unit at node 4: no travel
    travel = TravelTable(graph, [u.post_node for u in units])
    demand = ExponentialDemand(districts=["one"], at_node=4, mean_on_scene_s=MEAN_SERVICE_H * 3600)
    profile = ArrivalProfile.flat(PER_HOUR)
    start = datetime(2025, 1, 6, tzinfo=UTC)

    def run(seed: int) -> dict[str, float]:
        record = simulate(scenario, travel, demand, profile, start=start, hours=2000, seed=seed)
        return figures(record, scenario)

    result = replicate(run, range(10))
    waited = result["waited_for_unit.share"]
    wait_h = result["waited_for_unit.mean_s"]
    expected_p = erlang_c(SERVERS, PER_HOUR * MEAN_SERVICE_H)
    expected_w = mean_wait(SERVERS, PER_HOUR, 1.0 / MEAN_SERVICE_H) * 3600.0
    assert waited.holds(expected_p), (waited, expected_p)
    assert wait_h.holds(expected_w), (wait_h, expected_w)
    # The interval is tight enough to mean something: under a tenth of the figure either side.
    assert waited.high - waited.low < 0.1 * expected_p
    # Travel is zero, so response is the wait for a unit.
    assert result["travel.all.mean_s"].high < 1e-6
    utilisation = result["utilisation.mean"]
    assert utilisation.holds(PER_HOUR * MEAN_SERVICE_H / SERVERS), utilisation


def test_call_taker_queue_agrees_with_erlang_c() -> None:
    from dataclasses import dataclass, replace

    import numpy as np

    from kuzet.planning.history import Draws

    @dataclass
    class Handled(ExponentialDemand):
        mean_handling_s: float = 120.0

        def draw(self, rng: np.random.Generator, n: int) -> Draws:
            return replace(super().draw(rng, n), handling=rng.exponential(self.mean_handling_s, size=n))

    takers, per_hour, handling_s = 3, 60.0, 120.0  # 2 Erlangs on 3 call-takers
    graph = grid(side=3)
    units = tuple(UnitSpec(f"U{i}", UnitType.PATROL_CAR, "one", 4) for i in range(40))
    scenario = Scenario(units, call_takers=takers)
    travel = TravelTable(graph, [u.post_node for u in units])
    demand = Handled(districts=["one"], at_node=4, mean_on_scene_s=60.0)
    profile = ArrivalProfile.flat(per_hour)
    start = datetime(2025, 1, 6, tzinfo=UTC)
    result = replications(scenario, travel, demand, profile, start=start, hours=80, seeds=range(8))
    load = per_hour * handling_s / 3600.0
    assert result["call_taker_wait.share"].holds(erlang_c(takers, load)), result["call_taker_wait.share"]
    expected_wait = mean_wait(takers, per_hour, 3600.0 / handling_s) * 3600.0
    assert result["call_taker_wait.mean_s"].holds(expected_wait), (
        result["call_taker_wait.mean_s"],
        expected_wait,
    )
