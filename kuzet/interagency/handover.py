"""Hand-overs: an incident handed to another agency (101/103/104/112), and what the agency answers.

The exchange is request → acknowledgement (accepted, or rejected with a reason) → the agency's own statuses
(dispatched, on scene, closed, with its units). The agency may skip a status (a crew that reports on scene at
once) but never goes back. While a hand-over is live (neither rejected, closed nor cancelled) the agency is
sent every change of the incident it needs; the operator may cancel it (and closing or cancelling the incident
cancels it), after which the agency's further answers are refused. A request not acknowledged within the
agency's deadline for the incident's priority is overdue: computed, like an overdue incident, never stored.
Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

NOTE_MAX: Final = 1000
REASON_MAX: Final = 500
UNIT_MAX: Final = 40
UNITS_MAX: Final = 20


class AgencyScope(StrEnum):
    """What an agency's signed call may do (declared by its routes, like a partner key's scope)."""

    HANDOVERS_ANSWER = "handovers.answer"
    TRANSFERS_CREATE = "transfers.create"  # hand a call over to the police (an inbound transfer)
    LINK_HEARTBEAT = "link.heartbeat"


class HandoverState(StrEnum):
    REQUESTED = "requested"
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"
    DISPATCHED = "dispatched"
    ON_SCENE = "on_scene"
    CLOSED = "closed"
    CANCELLED = "cancelled"  # by us: the operator, or the incident closed or cancelled


class AgencyStatus(StrEnum):
    """What the agency reports after it accepted."""

    DISPATCHED = "dispatched"
    ON_SCENE = "on_scene"
    CLOSED = "closed"


# The order of the states an accepted hand-over passes through.
_PROGRESS: Final = (
    HandoverState.REQUESTED,
    HandoverState.ACKNOWLEDGED,
    HandoverState.DISPATCHED,
    HandoverState.ON_SCENE,
    HandoverState.CLOSED,
)
FINISHED: Final = frozenset({HandoverState.REJECTED, HandoverState.CLOSED, HandoverState.CANCELLED})


@dataclass(frozen=True)
class Handover:
    id: int
    ref: str  # the shared reference the agency answers on
    incident_id: int
    agency_code: str
    state: HandoverState
    note: str | None
    requested_by: str
    requested_at: datetime
    ack_deadline_seconds: int  # the agency's deadline for the incident's priority when it was requested
    acknowledged_at: datetime | None = None  # our receipt of the answer, accepted or rejected
    reason: str | None = None  # why the agency rejected it, or why we cancelled it
    units: tuple[str, ...] = ()
    resent_at: datetime | None = None  # the one re-send of an overdue request

    @property
    def ack_due_at(self) -> datetime:
        return self.requested_at + timedelta(seconds=self.ack_deadline_seconds)

    @property
    def live(self) -> bool:
        """The agency works it, or is asked to: it is told of changes, and may be cancelled."""
        return self.state not in FINISHED

    def overdue(self, now: datetime) -> bool:
        """Not acknowledged within the deadline (an answered hand-over is never overdue)."""
        return self.state is HandoverState.REQUESTED and now > self.ack_due_at


def can_acknowledge(state: HandoverState) -> bool:
    return state is HandoverState.REQUESTED


def can_report(state: HandoverState, status: AgencyStatus) -> bool:
    """An accepted hand-over moves forward only: to a later state than the one it is in."""
    if state in (HandoverState.REQUESTED, HandoverState.REJECTED, HandoverState.CANCELLED):
        return False
    return _PROGRESS.index(HandoverState(status.value)) > _PROGRESS.index(state)


def step_kind(state: HandoverState) -> str:
    """The incident timeline's entry for reaching this state."""
    return f"handover_{state.value}"
