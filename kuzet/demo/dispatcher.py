"""The simulated dispatcher: sends the top recommended unit to an incident left waiting for a while.

It waits 60–120 demo seconds after first seeing an incident in the queue, so a person in the console can
take it first. Priority 4 needs no unit: it is closed as handled by phone or handed on. An incident with no
place, or no unit to send, is looked at again a little later.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Final

import numpy as np

from kuzet.demo import callers
from kuzet.demo.desk import Desk, Refused
from kuzet.demo.fleet import Fleet

log = logging.getLogger(__name__)

WAIT_S: Final = (60.0, 120.0)
RETRY_AFTER: Final = timedelta(seconds=30)
WAITING: Final = frozenset({"new", "queued"})
MAX_TRIES_PER_SYNC: Final = 3  # recommendations asked per district per sync, to spare the server


class SimDispatcher:
    def __init__(self, fleet: Fleet, rng: np.random.Generator) -> None:
        self.fleet = fleet
        self.rng = rng
        self.due: dict[int, datetime] = {}  # incident → when the simulated dispatcher acts on it
        self.sent = 0

    def step(self, now: datetime) -> None:
        """Act on the incidents of each district's queue whose waiting time is up (right after a sync)."""
        waiting = {i["id"] for queue in self.fleet.queue.values() for i in queue}
        self.due = {i: due for i, due in self.due.items() if i in waiting}
        for district, queue in self.fleet.queue.items():
            desk = self.fleet.desks[district]
            tries = 0
            for incident in queue:
                if incident["status"] not in WAITING or incident.get("merged_into_id"):
                    continue
                due = self.due.setdefault(incident["id"], now + self._wait())
                if now < due or tries >= MAX_TRIES_PER_SYNC:
                    continue
                tries += 1
                try:
                    self._act(desk, incident, now)
                except Refused as refused:
                    log.info(
                        "demo dispatcher: refused", extra={"incident": incident["id"], "reason": str(refused)}
                    )
                    self.due[incident["id"]] = now + RETRY_AFTER
            self.fleet.queue[district] = []  # acted on; the next sync reads the queue again

    def _act(self, desk: Desk, incident: dict[str, Any], now: datetime) -> None:
        if incident["priority"] >= 4:
            ending = callers.disposition(self.rng, "admin", incident["priority"])
            body = {
                "status": "closed",
                "disposition": ending.value,
                "note": "Демо: выезд наряда не требуется",
            }
            desk.post(f"/api/v1/incidents/{incident['id']}/status", body)
            return
        if incident.get("lat") is None or not self._anyone_free(desk.district):
            self.due[incident["id"]] = now + RETRY_AFTER
            return
        found = desk.get(f"/api/v1/incidents/{incident['id']}/recommendations", k=5)
        chosen = next(
            (u for u in found["units"] if u["status"] == "available" and not u["preemptable"]), None
        )
        unit = self.fleet.units.get(chosen["unit_id"]) if chosen else None
        if chosen is None or unit is None or unit.job is not None:
            self.due[incident["id"]] = now + RETRY_AFTER
            return
        assignment = desk.post(f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": unit.id})
        self.fleet.take(unit, assignment, incident, district=desk.district, now=now)
        self.sent += 1

    def _anyone_free(self, district: str) -> bool:
        return any(
            u.status == "available" and u.job is None and u.district == district
            for u in self.fleet.units.values()
        )

    def _wait(self) -> timedelta:
        return timedelta(seconds=float(self.rng.uniform(*WAIT_S)))
