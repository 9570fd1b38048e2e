"""The simulated dispatcher's policies choose as they say (pure)."""

from __future__ import annotations

import numpy as np

from kuzet.planning.dispatch_policies import choose
from kuzet.planning.scenario import Policy

# Three units: 0 is free, in district 0, far by road but nearest in a straight line (across a river);
# 1 is free, in district 1, nearest by road; 2 is busy on a priority 3 call, in district 0, nearest of all.
STATE = {
    "fit": np.array([True, True, True]),
    "on_duty": np.array([True, True, True]),
    "free": np.array([True, True, False]),
    "busy_priority": np.array([0, 0, 3]),
    "unit_district": np.array([0, 1, 0]),
    "road_eta": np.array([600.0, 200.0, 60.0]),
    "line_m": np.array([300.0, 1500.0, 100.0]),
}


def _pick(policy: Policy, priority: int = 2, **changes: object) -> tuple[int, bool]:
    state = STATE | changes
    choice = choose(policy, priority=priority, district=0, **state)  # type: ignore[arg-type]
    return choice.unit, choice.preempts


def test_recommender_takes_the_nearest_free_unit_by_road() -> None:
    assert _pick(Policy.RECOMMENDER) == (1, False)
    assert _pick(Policy.RECOMMENDER, priority=1) == (1, False)  # no diversion in the plain rule


def test_straight_line_takes_the_nearest_as_the_crow_flies() -> None:
    assert _pick(Policy.STRAIGHT_LINE) == (0, False)


def test_district_only_keeps_to_the_calls_district() -> None:
    assert _pick(Policy.DISTRICT_ONLY) == (0, False)
    assert _pick(Policy.DISTRICT_ONLY, free=np.array([False, True, False])) == (-1, False)


def test_preemption_diverts_only_for_priority_1_and_only_from_low_priority_work() -> None:
    none_free = np.array([False, False, False])
    busy = np.array([2, 1, 3])
    assert _pick(Policy.PREEMPTION, priority=1, free=none_free, busy_priority=busy) == (2, True)
    assert _pick(Policy.PREEMPTION, priority=2, free=none_free, busy_priority=busy) == (-1, False)
    assert _pick(Policy.PREEMPTION, priority=1, free=none_free, busy_priority=np.array([2, 1, 2])) == (
        -1,
        False,
    )
    assert _pick(Policy.RECOMMENDER, priority=1, free=none_free, busy_priority=busy) == (-1, False)


def test_units_off_duty_or_of_the_wrong_type_are_never_sent() -> None:
    assert _pick(Policy.RECOMMENDER, on_duty=np.array([True, False, True])) == (0, False)
    assert _pick(Policy.RECOMMENDER, fit=np.array([False, False, True])) == (-1, False)
