"""Each committed change publishes a domain event for the console; nothing is published for a failed one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kuzet.container import Services
from kuzet.core.events import DomainEvent
from kuzet.incidents.store import incidents
from tests.ops import Centre


def listen(services: Services) -> list[tuple[str, dict[str, Any], bool]]:
    """Record each event's name and data, and whether its incident was already committed when it came."""
    seen: list[tuple[str, dict[str, Any], bool]] = []

    def record(event: DomainEvent) -> None:
        data = dict(vars(event))
        committed = True
        if "incident_id" in data:
            with services.engine.connect() as connection:
                found = connection.execute(
                    select(incidents.c.id).where(incidents.c.id == data["incident_id"])
                )
                committed = found.first() is not None
        seen.append((event.name, data, committed))

    services.bus.subscribe(None, record)
    return seen


def test_a_call_and_a_dispatch_publish_their_events_after_commit(centre: Centre, services: Services) -> None:
    unit = centre.supervisor.unit("Беркут-50")
    seen = listen(services)
    incident = centre.call_taker.call()["incident"]
    d = centre.dispatcher
    d.ok(d.post(f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": unit["id"]}), 201)
    names = [name for name, _, _ in seen]
    assert names[0] == "incident.created"
    assert "appeal.registered" in names[1:3]
    assert {"assignment.changed", "unit.status_changed", "incident.updated"} <= set(names[3:])
    assert all(committed for _, _, committed in seen)
    unit_events = [data for name, data, _ in seen if name == "unit.status_changed"]
    assert unit_events[-1]["status"] == "dispatched" and unit_events[-1]["call_sign"] == "Беркут-50"


def test_a_refused_change_publishes_nothing(centre: Centre, services: Services) -> None:
    seen = listen(services)
    bad = centre.call_taker.post(
        "/api/v1/appeals",
        {"caller_phone": "1", "text": "x", "category_code": "fight", "address": "somewhere"},
    )
    assert bad.status_code == 422
    incident = centre.call_taker.call()["incident"]
    seen.clear()
    refused = centre.dispatcher.post(
        f"/api/v1/incidents/{incident['id']}/status", {"status": "cleared", "disposition": "other"}
    )
    assert refused.status_code == 409
    assert seen == []
