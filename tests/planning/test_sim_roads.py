"""The simulation on the roads: the hour's travel-time factor, foot units at walking pace, and the policies
that do not follow the road ETA (straight line, district only) choosing as they say in a whole run."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from kuzet.core.clock import to_local
from kuzet.planning.profile import ArrivalProfile
from kuzet.planning.scenario import Policy, Scenario, UnitSpec
from kuzet.planning.sim import RunRecord, simulate
from kuzet.planning.travel import TravelTable
from kuzet.units.domain import UnitType
from tests.planning.sim_support import ExponentialDemand, grid

SIDE = 6
START = datetime(2025, 1, 6, tzinfo=UTC)


def node(row: int, col: int) -> int:
    return row * SIDE + col


def run(scenario: Scenario, at: int, *, hours: int = 3000) -> RunRecord:
    graph = grid(side=SIDE)
    travel = TravelTable.for_units(graph, scenario.units)
    demand = ExponentialDemand(districts=["a"], at_node=at, mean_on_scene_s=60.0)
    return simulate(scenario, travel, demand, ArrivalProfile.flat(0.2), start=START, hours=hours, seed=5)


def drives_and_hours(record: RunRecord) -> tuple[np.ndarray, np.ndarray]:
    """Drives of calls that found the unit at its post (a minute on scene, a walk back under 20 minutes)."""
    previous_cleared = np.concatenate([[-np.inf], record.cleared[:-1]])
    kept = (record.ready - previous_cleared > 3600.0) & np.isfinite(record.on_scene)
    hours = np.array([to_local(START).hour + int(s // 3600) for s in record.ready[kept]]) % 24
    return (record.on_scene - record.en_route)[kept], hours


def test_the_hours_travel_factor_slows_cars_but_not_foot_patrols() -> None:
    factors = {"17-20": 2.0}
    car = UnitSpec("C1", UnitType.PATROL_CAR, "a", node(0, 0))
    foot = UnitSpec("F1", UnitType.FOOT_PATROL, "a", node(0, 0))
    at = node(3, 4)
    for unit, table in ((car, TravelTable(grid(side=SIDE), [car.post_node])),
                        (foot, TravelTable(grid(side=SIDE), [foot.post_node], foot=[True]))):  # fmt: skip
        base = table.to_node(0, at)
        drives, hours = drives_and_hours(run(Scenario((unit,), travel_time_factors=factors), at))
        evening = (hours >= 17) & (hours < 20)
        assert evening.sum() > 30 and (~evening).sum() > 300
        slowed = 2.0 if unit.type is UnitType.PATROL_CAR else 1.0
        assert np.allclose(drives[evening], base * slowed) and np.allclose(drives[~evening], base)


def test_a_foot_patrol_walks() -> None:
    graph = grid(side=SIDE)
    at = node(2, 2)
    foot = UnitSpec("F1", UnitType.FOOT_PATROL, "a", node(0, 0))
    drives, _ = drives_and_hours(run(Scenario((foot,)), at))
    by_car = TravelTable(graph, [foot.post_node]).to_node(0, at)
    # Two blocks of ~220 m and two of ~165 m at 5 km/h, against the grid's 40 km/h streets.
    assert np.allclose(drives, by_car * 40.0 / 5.0, rtol=1e-6)


# A call at the grid's corner; unit A three blocks up and three across (nearer in a straight line), unit B
# four blocks up (nearer by road: blocks across are ~0.74 of blocks up at this latitude, so A drives ~5.2
# blocks' worth and B 4, while A is ~3.7 away as the crow flies and B 4).
CALL = node(0, 0)
A = UnitSpec("A", UnitType.PATROL_CAR, "b", node(3, 3))
B = UnitSpec("B", UnitType.PATROL_CAR, "a", node(4, 0))


def served_by(record: RunRecord) -> list[int]:
    return [i for i, busy in enumerate(record.unit_busy_s) if busy > 0]


def test_the_recommender_sends_the_nearest_by_road() -> None:
    assert served_by(run(Scenario((A, B)), CALL, hours=500)) == [1]


def test_the_straight_line_policy_sends_the_nearest_as_the_crow_flies() -> None:
    assert served_by(run(Scenario((A, B), policy=Policy.STRAIGHT_LINE), CALL, hours=500)) == [0]


def test_the_district_only_policy_keeps_to_the_calls_district() -> None:
    near_but_other = UnitSpec("N", UnitType.PATROL_CAR, "b", node(0, 1))
    scenario = Scenario((near_but_other, B), policy=Policy.DISTRICT_ONLY)
    assert served_by(run(scenario, CALL, hours=500)) == [1]
    assert served_by(run(Scenario((near_but_other, B)), CALL, hours=500)) == [0]
