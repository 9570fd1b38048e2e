"""Which units may be sent to an incident, and how to say why one is ranked where it is (pure rules).

Eligibility: an available unit on duty whose type answers the incident's kind; for a priority 1
incident, also a unit busy on a priority 3 or 4 incident (pre-emptable: the dispatcher may divert it). Ranking
is by road travel time, which the geo ETA engine computes; this module only decides and explains.
"""

from __future__ import annotations

from dataclasses import dataclass

from kuzet.core.i18n import N_
from kuzet.incidents.catalogue import Group as CategoryGroup
from kuzet.units.domain import Unit, UnitStatus, UnitType

# A unit working an incident at least this far down the priority scale may be diverted to a priority 1 one.
PREEMPTABLE_FROM_PRIORITY = 3
_BUSY_ON_INCIDENT = frozenset({UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE})

AVAILABLE_REASON = N_("Available, {min} min {sec} s by road ({road_km} km; {line_km} km in a straight line).")
PREEMPT_REASON = N_(
    "Busy on priority {priority} incident {incident}; can be diverted: {min} min {sec} s by road "
    "({road_km} km)."
)
FOOT_REASON = N_("On foot: {min} min {sec} s at walking pace over {road_km} km of road.")
STALE_NOTE = N_("Last position {age_min} min old.")
RANK_NOTE = N_("No. {rank} of {total} eligible.")
OTHER_DISTRICT_NOTE = N_("From another district: its dispatcher sees it leave.")


def may_respond(unit_type: UnitType, group: CategoryGroup, priority: int) -> bool:
    """Whether a unit of this type is sent to incidents of this group and priority."""
    match unit_type:
        case UnitType.PATROL_CAR:
            return True
        case UnitType.RAPID_RESPONSE:
            return priority == 1 or group in {CategoryGroup.VIOLENCE, CategoryGroup.DRUGS_WEAPONS}
        case UnitType.TRAFFIC_POLICE:
            return group is CategoryGroup.TRAFFIC or priority == 1
        case UnitType.DISTRICT_INSPECTOR:
            return group is not CategoryGroup.TRAFFIC and priority >= 2
        case UnitType.FOOT_PATROL:
            return group not in {CategoryGroup.TRAFFIC, CategoryGroup.HAZARD}
    return False


@dataclass(frozen=True)
class Busy:
    """The incident a unit is working on now."""

    incident_id: int
    priority: int


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    preemptable: bool = False
    why_not: str | None = None  # a short code: off_duty, not_available, wrong_type


def eligibility(
    unit: Unit, *, group: CategoryGroup, priority: int, busy: Busy | None, incident_id: int
) -> Eligibility:
    return eligibility_of(
        unit.type, unit.status, group=group, priority=priority, busy=busy, incident_id=incident_id
    )


def eligibility_of(
    unit_type: UnitType,
    status: UnitStatus,
    *,
    group: CategoryGroup,
    priority: int,
    busy: Busy | None,
    incident_id: int,
) -> Eligibility:
    """As `eligibility`, from the unit's type and status alone: the verdict depends on nothing else, so a
    caller ranking many units may decide once per (type, status, busy) and reuse the verdict."""
    if status is UnitStatus.OFF_DUTY:
        return Eligibility(False, why_not="off_duty")
    if not may_respond(unit_type, group, priority):
        return Eligibility(False, why_not="wrong_type")
    if status is UnitStatus.AVAILABLE:
        return Eligibility(True)
    if (
        priority == 1
        and status in _BUSY_ON_INCIDENT
        and busy is not None
        and busy.incident_id != incident_id
        and busy.priority >= PREEMPTABLE_FROM_PRIORITY
    ):
        return Eligibility(True, preemptable=True)
    return Eligibility(False, why_not="not_available")


def minutes_seconds(seconds: float) -> dict[str, int]:
    whole = round(seconds)
    return {"min": whole // 60, "sec": whole % 60}
