"""Property-based tests of the incident, unit and assignment state machines (pure, no database)."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from kuzet.core.errors import InvalidInput
from kuzet.dispatch.domain import ACTIVE, ASSIGNMENT_TRANSITIONS, Assignment, AssignmentStatus, advance
from kuzet.incidents import domain
from kuzet.incidents.domain import (
    TRANSITIONS,
    Disposition,
    IllegalTransition,
    Incident,
    IncidentStatus,
    Stamps,
)
from kuzet.units.domain import (
    ASSIGNMENT_STATUSES,
    UNIT_TRANSITIONS,
    IllegalUnitTransition,
    Unit,
    UnitStatus,
    UnitType,
    change_status,
    set_by_hand,
)

T0 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
STAMP_FOR = {
    IncidentStatus.DISPATCHED: "first_dispatched_at",
    IncidentStatus.EN_ROUTE: "first_en_route_at",
    IncidentStatus.ON_SCENE: "first_on_scene_at",
    IncidentStatus.CLEARED: "cleared_at",
    IncidentStatus.CLOSED: "closed_at",
}
UNIT_STEPS = (IncidentStatus.DISPATCHED, IncidentStatus.EN_ROUTE, IncidentStatus.ON_SCENE)

incident_commands = st.lists(
    st.one_of(
        st.tuples(st.just("move"), st.sampled_from(IncidentStatus), st.none() | st.sampled_from(Disposition)),
        st.tuples(st.just("unit"), st.sampled_from(UNIT_STEPS), st.none()),
        st.tuples(st.just("reopen"), st.none(), st.none()),
    ),
    max_size=40,
)


def new_incident() -> Incident:
    return Incident(
        1,
        "INC-2026-000001",
        IncidentStatus.NEW,
        "fight",
        1,
        "central",
        42.5,
        1.5,
        None,
        "x",
        Stamps(received_at=T0),
    )


@settings(max_examples=500, deadline=None)
@given(incident_commands)
def test_incident_commands_never_break_the_lifecycle(commands: list[tuple[str, object, object]]) -> None:
    incident = new_incident()
    earned: dict[str, datetime] = {}
    reopens = 0
    for n, (kind, target, disposition) in enumerate(commands, start=1):
        at = T0 + timedelta(minutes=n)
        before = incident
        try:
            if kind == "move":
                assert isinstance(target, IncidentStatus)
                incident = domain.transition(incident, target, at=at, disposition=disposition)  # type: ignore[arg-type]
                assert target in TRANSITIONS[before.status]
            elif kind == "unit":
                assert isinstance(target, IncidentStatus)
                incident = domain.progress(incident, target, at=at)
            else:
                incident = domain.reopen(incident, at=at)
                assert before.status is IncidentStatus.CLOSED
                reopens += 1
        except (IllegalTransition, InvalidInput):
            assert incident is before
            continue
        for name in (f.name for f in fields(Stamps)):
            old, new = getattr(before.stamps, name), getattr(incident.stamps, name)
            if old is not None:
                assert new == old, f"{name} was stamped twice"
            elif new is not None:
                assert new == at and name not in earned
                earned[name] = at
                # The stamp was earned by the move to its own status.
                assert kind in ("move", "unit") and STAMP_FOR[target] == name  # type: ignore[index]
        assert incident.status in IncidentStatus
        if incident.status in (
            IncidentStatus.DISPATCHED,
            IncidentStatus.EN_ROUTE,
            IncidentStatus.ON_SCENE,
            IncidentStatus.CLEARED,
        ):
            assert incident.stamps.first_dispatched_at is not None
        if incident.status in (IncidentStatus.CLEARED, IncidentStatus.CLOSED, IncidentStatus.CANCELLED):
            assert incident.disposition is not None
        if incident.status is IncidentStatus.CLOSED:
            assert incident.stamps.closed_at is not None
        assert incident.reopen_count == reopens


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.sampled_from(UnitStatus)), max_size=40))
def test_unit_commands_follow_the_status_graph(commands: list[tuple[bool, UnitStatus]]) -> None:
    unit = Unit(1, "Беркут-1", UnitType.PATROL_CAR, "central", (), UnitStatus.OFF_DUTY, T0)
    for n, (by_hand, target) in enumerate(commands, start=1):
        at = T0 + timedelta(minutes=n)
        before = unit
        try:
            unit = set_by_hand(unit, target, at=at) if by_hand else change_status(unit, target, at=at)
        except IllegalUnitTransition:
            assert unit is before
            continue
        assert target in UNIT_TRANSITIONS[before.status]
        assert (unit.status, unit.status_since) == (target, at)
        if by_hand:
            assert before.status not in ASSIGNMENT_STATUSES and target not in ASSIGNMENT_STATUSES


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(AssignmentStatus), max_size=12))
def test_assignment_stamps_each_moment_once(targets: list[AssignmentStatus]) -> None:
    assignment = Assignment(1, 1, 1, AssignmentStatus.ASSIGNED, T0, "disp")
    seen: set[AssignmentStatus] = {AssignmentStatus.ASSIGNED}
    for n, target in enumerate(targets, start=1):
        at = T0 + timedelta(minutes=n)
        try:
            moved = advance(assignment, target, at=at, reason="r")
        except Exception:
            assert target not in ASSIGNMENT_TRANSITIONS[assignment.status]
            continue
        assert target not in seen, "a status was entered twice"
        seen.add(target)
        assignment = moved
        assert assignment.active == (assignment.status in ACTIVE)
    stamps = [
        assignment.acknowledged_at,
        assignment.en_route_at,
        assignment.on_scene_at,
        assignment.cleared_at,
    ]
    present = [s for s in stamps if s is not None]
    assert present == sorted(present)
