"""How features hear each other's domain events inside the committing transaction."""

from __future__ import annotations

from kuzet.console.feed import wire_feed
from kuzet.core.events import EventBus
from kuzet.incidents.service import IncidentUpdated
from kuzet.interagency import handover_changes
from kuzet.partners.callbacks import on_incident_updated


def wire(bus: EventBus) -> None:
    """Subscribe the in-transaction handlers: what must commit together with the event that caused it."""
    bus.subscribe_in_transaction(IncidentUpdated, on_incident_updated)
    bus.subscribe_in_transaction(IncidentUpdated, handover_changes.on_incident_updated)
    wire_feed(bus)
