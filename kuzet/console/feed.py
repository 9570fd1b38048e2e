"""What the consoles are told about each domain event, written with the change that caused it.

An event becomes a small row (kind, district, payload) in the live feed. A console refetches the incident
or unit it names through the API, which applies the viewer's role, scope and masking; only unit positions
travel in full, because they change every few seconds and carry nothing personal.
"""

from __future__ import annotations

from typing import Any, Final

from kuzet.appeals.service import AppealRegistered
from kuzet.cctv.health_service import CameraHealthChanged
from kuzet.console import store
from kuzet.core.events import DomainEvent, EventBus
from kuzet.core.uow import UnitOfWork
from kuzet.dispatch.service import AssignmentChanged
from kuzet.incidents.service import IncidentCreated, IncidentUpdated
from kuzet.interagency.alerts import AlertChanged
from kuzet.units.positions.service import UnitsMoved
from kuzet.units.service import UnitStatusChanged

Row = tuple[str, str | None, dict[str, Any]]
# Kinds every console hears, whatever its district: public alerts and camera health are the whole region's.
REGION_WIDE: Final = frozenset({"alert", "camera_health"})


def rows_for(event: DomainEvent) -> list[Row]:
    """The live rows of one event (kind, district it belongs to, payload)."""
    match event:
        case IncidentCreated():
            payload = {"incident_id": event.incident_id, "status": "new", "change": "created"}
            return [("incident", event.district, payload)]
        case IncidentUpdated():
            payload = {"incident_id": event.incident_id, "status": event.status, "change": event.change}
            return [("incident", event.district, payload)]
        case AppealRegistered():
            payload = {
                "appeal_id": event.appeal_id,
                "incident_id": event.incident_id,
                "channel": event.channel,
            }
            return [("appeal", event.district, payload)]
        case UnitStatusChanged():
            payload = {
                "unit_id": event.unit_id,
                "call_sign": event.call_sign,
                "status": event.status,
                "incident_id": event.incident_id,
            }
            return [("unit", event.district, payload)]
        case AssignmentChanged():
            payload = {
                "assignment_id": event.assignment_id,
                "incident_id": event.incident_id,
                "unit_id": event.unit_id,
                "status": event.status,
            }
            return [("assignment", event.district, payload)]
        case UnitsMoved():
            return _moves(event)
        case AlertChanged():  # public alerts are the whole region's: every console reads them again
            payload = {"alert_id": event.alert_id, "change": event.change, "follows": event.follows}
            return [("alert", None, payload)]
        case CameraHealthChanged():  # the supervisor's alarm: a camera went silent, or is back
            since = event.since.isoformat() if event.since else None
            payload = {"camera": event.camera_id, "state": event.state, "since": since}
            return [("camera_health", None, payload)]
    return []


def _moves(event: UnitsMoved) -> list[Row]:
    """One row per district of the units that moved, so a district console hears only of its own units."""
    by_district: dict[str | None, list[dict[str, Any]]] = {}
    for unit_id, call_sign, lat, lon, at, district in event.positions:
        by_district.setdefault(district, []).append(
            {"unit_id": unit_id, "call_sign": call_sign, "lat": lat, "lon": lon, "at": at}
        )
    return [("positions", district, {"positions": moved}) for district, moved in by_district.items()]


def record(uow: UnitOfWork, events: list[DomainEvent]) -> None:
    """Commit handler: append the live rows of every event of the transaction to the feed, in one go, and
    wake this process's consoles once it has committed."""
    rows = [row for event in events if isinstance(event, FED_EVENTS) for row in rows_for(event)]
    if rows:
        store.append(uow.session, rows, at=uow.clock.now())
        uow.call_after_commit(store.committed)


FED_EVENTS: tuple[type[DomainEvent], ...] = (
    IncidentCreated,
    IncidentUpdated,
    AppealRegistered,
    UnitStatusChanged,
    AssignmentChanged,
    UnitsMoved,
    AlertChanged,
    CameraHealthChanged,
)


def wire_feed(bus: EventBus) -> None:
    bus.subscribe_at_commit(record)
