"""Units (наряды): roster, types and the status machine. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Final

from kuzet.core.errors import IllegalStatusChange
from kuzet.core.i18n import N_


class UnitType(StrEnum):
    PATROL_CAR = "patrol_car"
    TRAFFIC_POLICE = "traffic_police"
    DISTRICT_INSPECTOR = "district_inspector"
    RAPID_RESPONSE = "rapid_response"
    FOOT_PATROL = "foot_patrol"


class UnitStatus(StrEnum):
    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    BUSY = "busy"
    OUT_OF_SERVICE = "out_of_service"
    OFF_DUTY = "off_duty"


U = UnitStatus
UNIT_TRANSITIONS: Final[Mapping[UnitStatus, frozenset[UnitStatus]]] = {
    U.OFF_DUTY: frozenset({U.AVAILABLE}),
    U.AVAILABLE: frozenset({U.DISPATCHED, U.BUSY, U.OUT_OF_SERVICE, U.OFF_DUTY}),
    U.DISPATCHED: frozenset({U.EN_ROUTE, U.ON_SCENE, U.AVAILABLE}),
    U.EN_ROUTE: frozenset({U.ON_SCENE, U.AVAILABLE}),
    U.ON_SCENE: frozenset({U.AVAILABLE}),
    U.BUSY: frozenset({U.AVAILABLE, U.OUT_OF_SERVICE, U.OFF_DUTY}),
    U.OUT_OF_SERVICE: frozenset({U.AVAILABLE, U.OFF_DUTY}),
}

# Statuses that only an assignment sets; a dispatcher cannot set or leave them by hand.
ASSIGNMENT_STATUSES: Final = frozenset({U.DISPATCHED, U.EN_ROUTE, U.ON_SCENE})
MANUAL_STATUSES: Final = frozenset({U.AVAILABLE, U.BUSY, U.OUT_OF_SERVICE})


@dataclass(frozen=True)
class CrewMember:
    name: str
    badge: str | None = None


@dataclass(frozen=True)
class Unit:
    id: int
    call_sign: str
    type: UnitType
    district: str
    crew: tuple[CrewMember, ...]
    status: UnitStatus
    status_since: datetime

    @property
    def on_duty(self) -> bool:
        return self.status is not U.OFF_DUTY


# Status names as the console shows them (the same message ids), for errors that name a status.
STATUS_NAMES: Final[Mapping[str, str]] = {
    U.AVAILABLE: N_("Available"),
    U.DISPATCHED: N_("Dispatched"),
    U.EN_ROUTE: N_("En route"),
    U.ON_SCENE: N_("On scene"),
    U.BUSY: N_("Busy"),
    U.OUT_OF_SERVICE: N_("Out of service"),
    U.OFF_DUTY: N_("Off duty"),
}


class IllegalUnitTransition(IllegalStatusChange):
    slug = "illegal-unit-transition"
    default_detail = N_("A unit in status {current} cannot move to {requested}.")

    def __init__(self, current: UnitStatus, requested: UnitStatus) -> None:
        super().__init__(current.value, requested.value, STATUS_NAMES)


def change_status(unit: Unit, to: UnitStatus, *, at: datetime) -> Unit:
    if to not in UNIT_TRANSITIONS[unit.status]:
        raise IllegalUnitTransition(unit.status, to)
    return replace(unit, status=to, status_since=at)


def set_by_hand(unit: Unit, to: UnitStatus, *, at: datetime) -> Unit:
    """A dispatcher marks a unit available, busy or out of service; never while it works an assignment."""
    if to not in MANUAL_STATUSES or unit.status in ASSIGNMENT_STATUSES:
        raise IllegalUnitTransition(unit.status, to)
    return change_status(unit, to, at=at)
