"""Hand-over states and the overdue rule (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kuzet.interagency.handover import (
    AgencyStatus,
    Handover,
    HandoverState,
    can_acknowledge,
    can_report,
    step_kind,
)

AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def requested(**changes: object) -> Handover:
    fields: dict[str, object] = {
        "id": 1,
        "ref": "ab" * 16,
        "incident_id": 7,
        "agency_code": "ambulance_103",
        "state": HandoverState.REQUESTED,
        "note": None,
        "requested_by": "disp1",
        "requested_at": AT,
        "ack_deadline_seconds": 60,
    }
    return Handover(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_request_is_overdue_only_after_its_deadline_and_only_while_unanswered() -> None:
    handover = requested()
    assert handover.ack_due_at == AT + timedelta(seconds=60)
    assert not handover.overdue(AT + timedelta(seconds=60))
    assert handover.overdue(AT + timedelta(seconds=61))
    for state in HandoverState:
        if state is not HandoverState.REQUESTED:
            assert not requested(state=state).overdue(AT + timedelta(hours=1)), state


@pytest.mark.parametrize(
    ("state", "status", "allowed"),
    [
        (HandoverState.REQUESTED, AgencyStatus.DISPATCHED, False),
        (HandoverState.REJECTED, AgencyStatus.DISPATCHED, False),
        (HandoverState.ACKNOWLEDGED, AgencyStatus.DISPATCHED, True),
        (HandoverState.ACKNOWLEDGED, AgencyStatus.ON_SCENE, True),  # a crew on scene at once
        (HandoverState.DISPATCHED, AgencyStatus.DISPATCHED, False),
        (HandoverState.ON_SCENE, AgencyStatus.DISPATCHED, False),
        (HandoverState.ON_SCENE, AgencyStatus.CLOSED, True),
        (HandoverState.CLOSED, AgencyStatus.CLOSED, False),
    ],
)
def test_an_accepted_hand_over_only_moves_forward(
    state: HandoverState, status: AgencyStatus, allowed: bool
) -> None:
    assert can_report(state, status) is allowed


def test_only_a_request_is_acknowledged_and_each_state_has_its_timeline_entry() -> None:
    assert [s for s in HandoverState if can_acknowledge(s)] == [HandoverState.REQUESTED]
    assert step_kind(HandoverState.ON_SCENE) == "handover_on_scene"
