"""Assignments: a unit sent to an incident, with stamps of its own, and how it moves unit and incident."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from kuzet.core.errors import IllegalStatusChange
from kuzet.core.i18n import N_
from kuzet.incidents.domain import Disposition, IncidentStatus
from kuzet.units.domain import UnitStatus


class AssignmentStatus(StrEnum):
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    CLEARED = "cleared"
    CANCELLED = "cancelled"


A = AssignmentStatus
ACTIVE: Final = frozenset({A.ASSIGNED, A.ACKNOWLEDGED, A.EN_ROUTE, A.ON_SCENE})
ASSIGNMENT_TRANSITIONS: Final[Mapping[AssignmentStatus, frozenset[AssignmentStatus]]] = {
    A.ASSIGNED: frozenset({A.ACKNOWLEDGED, A.EN_ROUTE, A.ON_SCENE, A.CANCELLED}),
    A.ACKNOWLEDGED: frozenset({A.EN_ROUTE, A.ON_SCENE, A.CANCELLED}),
    A.EN_ROUTE: frozenset({A.ON_SCENE, A.CANCELLED}),
    A.ON_SCENE: frozenset({A.CLEARED}),
    A.CLEARED: frozenset(),
    A.CANCELLED: frozenset(),
}

# The unit's status follows its assignment on its own.
UNIT_STATUS_FOR: Final[Mapping[AssignmentStatus, UnitStatus]] = {
    A.ASSIGNED: UnitStatus.DISPATCHED,
    A.ACKNOWLEDGED: UnitStatus.DISPATCHED,
    A.EN_ROUTE: UnitStatus.EN_ROUTE,
    A.ON_SCENE: UnitStatus.ON_SCENE,
    A.CLEARED: UnitStatus.AVAILABLE,
    A.CANCELLED: UnitStatus.AVAILABLE,
}

# The step an assignment's move is for the incident (its first such moment is stamped there).
INCIDENT_STEP_FOR: Final[Mapping[AssignmentStatus, IncidentStatus]] = {
    A.ASSIGNED: IncidentStatus.DISPATCHED,
    A.EN_ROUTE: IncidentStatus.EN_ROUTE,
    A.ON_SCENE: IncidentStatus.ON_SCENE,
}

_STAMP_OF: Final[Mapping[AssignmentStatus, str]] = {
    A.ACKNOWLEDGED: "acknowledged_at",
    A.EN_ROUTE: "en_route_at",
    A.ON_SCENE: "on_scene_at",
    A.CLEARED: "cleared_at",
    A.CANCELLED: "cancelled_at",
}


@dataclass(frozen=True)
class Assignment:
    id: int
    incident_id: int
    unit_id: int
    status: AssignmentStatus
    assigned_at: datetime
    assigned_by: str
    acknowledged_at: datetime | None = None
    en_route_at: datetime | None = None
    on_scene_at: datetime | None = None
    cleared_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    disposition: Disposition | None = None
    far_arrival_m: int | None = None  # an arrival confirmed by the operator this far from the scene

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


# Status names as the console shows them (the same message ids), for errors that name a status.
STATUS_NAMES: Final[Mapping[str, str]] = {
    A.ASSIGNED: N_("Assigned"),
    A.ACKNOWLEDGED: N_("Acknowledged"),
    A.EN_ROUTE: N_("En route"),
    A.ON_SCENE: N_("On scene"),
    A.CLEARED: N_("Unit cleared"),
    A.CANCELLED: N_("Recalled"),
}


class IllegalAssignmentMove(IllegalStatusChange):
    slug = "illegal-assignment-move"
    default_detail = N_("An assignment in status {current} cannot move to {requested}.")

    def __init__(self, current: AssignmentStatus, requested: AssignmentStatus) -> None:
        super().__init__(current.value, requested.value, STATUS_NAMES)


def advance(
    assignment: Assignment,
    to: AssignmentStatus,
    *,
    at: datetime,
    reason: str | None = None,
    disposition: Disposition | None = None,
) -> Assignment:
    """Move the assignment and stamp the moment on it (each stamp once: no status is entered twice)."""
    if to not in ASSIGNMENT_TRANSITIONS[assignment.status]:
        raise IllegalAssignmentMove(assignment.status, to)
    stamp: dict[str, Any] = {_STAMP_OF[to]: at}
    moved = replace(assignment, status=to, **stamp)
    if to is A.CANCELLED:
        moved = replace(moved, cancel_reason=reason)
    if to is A.CLEARED:
        moved = replace(moved, disposition=disposition)
    return moved
