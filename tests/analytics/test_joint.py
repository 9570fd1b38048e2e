"""Joint response, computed: per agency and per agency and category, the intervals from our request to the
agency's acknowledgement, dispatch and arrival, with the counts of answers. Expected figures are recomputed
here from the hand-overs themselves (numpy's percentiles), never copied from the code's output."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from kuzet.analytics.joint import (
    Basis,
    HandoverFacts,
    JointInterval,
    StepTimes,
    joint_response,
    quantile,
    summarize,
)

START = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)


def handover(
    agency: str,
    category: str,
    minute: int,
    *,
    ack: float | None = None,
    accepted: bool = True,
    dispatched: float | None = None,
    on_scene: float | None = None,
    delivery: float = 2.0,
    deadline: float = 60.0,
    requested_at: datetime | None = None,
) -> HandoverFacts:
    """A hand-over requested `minute` minutes after START; each step `seconds` after the request by the
    agency's clock, received `delivery` seconds later by ours."""
    requested = requested_at or START + timedelta(minutes=minute)
    steps = {}
    for name, seconds in (("ack", ack), ("dispatched", dispatched), ("on_scene", on_scene)):
        if seconds is not None:
            agency_at = requested + timedelta(seconds=seconds)
            steps[name] = StepTimes(agency_at, agency_at + timedelta(seconds=delivery))
    return HandoverFacts(
        agency=agency,
        category=category,
        requested_at=requested,
        ack_due_at=requested + timedelta(seconds=deadline),
        accepted=None if ack is None else accepted,
        steps=steps,
    )


def expected(values: list[float]) -> tuple[int, float, float, float]:
    array = np.array(values, dtype=float)
    return len(values), float(np.percentile(array, 50)), float(np.percentile(array, 90)), float(array.mean())


def figures(s: JointInterval) -> tuple[int, float | None, float | None, float | None]:
    return s.n, s.median, s.p90, s.mean


def test_quantiles_interpolate_between_ranks_as_numpy_does() -> None:
    rng = random.Random(7)
    for size in (1, 2, 3, 10, 11, 101):
        values = sorted(rng.uniform(0, 900) for _ in range(size))
        for q in (0.5, 0.9):
            assert quantile(values, q) == pytest.approx(float(np.percentile(values, q * 100)))


def test_per_agency_figures_come_from_the_agencys_own_times() -> None:
    rng = random.Random(17)
    facts = []
    for i in range(40):
        agency = ("ambulance_103", "fire_101")[i % 2]
        ack = rng.uniform(5, 200)
        dispatched = ack + rng.uniform(10, 120) if i % 5 else None  # some never dispatched (yet)
        on_scene = None if dispatched is None else dispatched + rng.uniform(60, 900)
        category = ("stabbing", "fire", "road_accident")[i % 3]
        facts.append(handover(agency, category, i, ack=ack, dispatched=dispatched, on_scene=on_scene))
    report = joint_response(facts, basis=Basis.AGENCY, now=NOW)

    assert [r.agency for r in report.by_agency] == ["ambulance_103", "fire_101"]
    for row in report.by_agency:
        mine = [f for f in facts if f.agency == row.agency]
        assert row.category is None and row.requested == len(mine)
        for interval, step in (
            ("acknowledged", "ack"),
            ("dispatched", "dispatched"),
            ("on_scene", "on_scene"),
        ):
            seconds = [
                (f.steps[step].agency_at - f.requested_at).total_seconds() for f in mine if step in f.steps
            ]
            assert figures(row.intervals[interval]) == pytest.approx(expected(seconds))
            assert row.intervals[interval].negative == 0


def test_per_category_rows_split_each_agency_and_add_up_to_it() -> None:
    facts = [
        handover("ambulance_103", category, i, ack=10.0 + 7 * i, dispatched=40.0 + 11 * i)
        for i, category in enumerate(["stabbing", "stabbing", "road_accident", "stabbing", "road_accident"])
    ]
    facts.append(handover("fire_101", "fire", 9, ack=30.0))
    report = joint_response(facts, basis=Basis.AGENCY, now=NOW)

    keys = [(r.agency, r.category) for r in report.by_category]
    assert keys == [("ambulance_103", "road_accident"), ("ambulance_103", "stabbing"), ("fire_101", "fire")]
    for row in report.by_category:
        mine = [f for f in facts if (f.agency, f.category) == (row.agency, row.category)]
        acks = [(f.steps["ack"].agency_at - f.requested_at).total_seconds() for f in mine]
        assert figures(row.intervals["acknowledged"]) == pytest.approx(expected(acks))
    for agency in report.by_agency:
        parts = [r for r in report.by_category if r.agency == agency.agency]
        assert sum(r.requested for r in parts) == agency.requested
        assert sum(r.intervals["dispatched"].n for r in parts) == agency.intervals["dispatched"].n


def test_answers_are_counted_accepted_rejected_unanswered_waiting_and_late() -> None:
    facts = [
        handover("ambulance_103", "stabbing", 0, ack=20.0),  # accepted in time
        handover("ambulance_103", "stabbing", 1, ack=75.0),  # accepted, received after the 60 s deadline
        handover("ambulance_103", "stabbing", 2, ack=59.0, delivery=5.0),  # in time by its clock, not ours
        handover("ambulance_103", "stabbing", 3, ack=90.0, accepted=False),  # rejected, late
        handover("ambulance_103", "stabbing", 4, ack=10.0, accepted=False),  # rejected in time
        handover("ambulance_103", "stabbing", 5),  # never answered, the deadline long passed
        handover("ambulance_103", "stabbing", 0, requested_at=NOW - timedelta(seconds=30)),  # still waiting
    ]
    (row,) = joint_response(facts, basis=Basis.AGENCY, now=NOW).by_agency
    assert (row.requested, row.accepted, row.rejected) == (7, 3, 2)
    assert (row.unanswered, row.waiting, row.late) == (1, 1, 3)
    # The acknowledgement interval is the time to answer, whether the answer was yes or no.
    assert row.intervals["acknowledged"].n == 5


def test_a_hand_over_we_cancelled_before_any_answer_is_neither_unanswered_nor_waiting() -> None:
    facts = [
        replace(handover("fire_101", "fire", 0), cancelled=True),
        replace(handover("fire_101", "fire", 0, requested_at=NOW - timedelta(seconds=5)), cancelled=True),
        replace(handover("fire_101", "fire", 1, ack=12.0), cancelled=True),
        handover("fire_101", "fire", 2),
    ]
    (row,) = joint_response(facts, basis=Basis.AGENCY, now=NOW).by_agency
    assert (row.requested, row.cancelled, row.accepted) == (4, 3, 1)
    assert (row.unanswered, row.waiting) == (1, 0)


def test_a_step_before_our_request_by_the_agencys_clock_is_left_out_and_counted() -> None:
    facts = [
        handover("police_112", "fight", 0, ack=30.0, on_scene=400.0),
        handover("police_112", "fight", 1, ack=45.0, on_scene=500.0),
        handover("police_112", "fight", 2, ack=-20.0, on_scene=-5.0, delivery=60.0),  # its clock runs behind
    ]
    by_agency = joint_response(facts, basis=Basis.AGENCY, now=NOW).by_agency[0]
    assert figures(by_agency.intervals["acknowledged"]) == pytest.approx(expected([30.0, 45.0]))
    assert by_agency.intervals["acknowledged"].negative == 1
    assert by_agency.intervals["on_scene"].negative == 1
    # By our receipt there is no skew: all three counted, each `delivery` later.
    received = joint_response(facts, basis=Basis.RECEIVED, now=NOW).by_agency[0]
    assert figures(received.intervals["acknowledged"]) == pytest.approx(expected([32.0, 47.0, 40.0]))
    assert received.intervals["acknowledged"].negative == 0


def test_no_valid_interval_gives_no_figure_rather_than_zero() -> None:
    assert summarize([]) == JointInterval(0, None, None, None, 0)
    assert summarize([-3.0]) == JointInterval(0, None, None, None, 1)
    (row,) = joint_response([handover("fire_101", "fire", 0)], basis=Basis.AGENCY, now=NOW).by_agency
    assert row.intervals["on_scene"] == JointInterval(0, None, None, None, 0)
