"""Simulated units: they follow every active assignment, whoever made it, over HTTP as a district dispatcher.

A unit acknowledges, goes en route, drives its road route at the route's pace (sped up with demo time),
arrives, stays a while by the incident's priority, clears with a disposition, closes the incident when it was
the last unit there, and drives back to its post. Positions of moving units go to the server in one batch
per district every tick; standing units report now and then so they never look stale.

A person in the console may act first (cancel, clear, reassign): the refused call is logged and the unit's
state is read again from the server at the next sync. Connection errors are left to the runner.
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import numpy as np

from kuzet.demo import callers
from kuzet.demo.desk import Desk, Refused
from kuzet.demo.motion import Drive, LatLon, metres

log = logging.getLogger(__name__)

# A route between two points: its polyline and the car's travel time in seconds, or None.
Router = Callable[[LatLon, LatLon], tuple[list[LatLon], float] | None]

BUSY: Final = frozenset({"dispatched", "en_route", "on_scene"})
ACK_AFTER_S: Final = (10.0, 25.0)
EN_ROUTE_AFTER_S: Final = (15.0, 35.0)
ON_SCENE_MIN: Final = {1: (25.0, 40.0), 2: (15.0, 30.0), 3: (10.0, 20.0)}
WALKING_KMH: Final = 5.0
KEEPALIVE_REAL_S: Final = 45.0  # a standing unit reports this often (real time), well within "stale"
HOME_FROM_M: Final = 150.0  # a unit further than this from its post drives back when it is free
FOLLOW_RETRY: Final = timedelta(seconds=60)
FIX_INDEX: Final = re.compile(r"fixes\[(\d+)\]")


@dataclass
class Job:
    """An active assignment the fleet works, at a stage; `due` is when its next step happens (demo time)."""

    assignment_id: int
    incident_id: int
    district: str  # the incident's: its dispatcher records the progress
    priority: int
    group: str
    stage: str
    due: datetime


@dataclass
class SimUnit:
    id: int
    call_sign: str
    type: str
    district: str
    status: str
    position: LatLon | None = None
    post: LatLon | None = None
    job: Job | None = None
    drive: Drive | None = None
    moved: bool = False
    reported: float = field(default=-1e9)  # real monotonic time of the last report
    follow_after: datetime | None = None  # after a failed take-over, when to try again (demo time)

    @property
    def on_foot(self) -> bool:
        return self.type == "foot_patrol"


class Fleet:
    def __init__(
        self,
        *,
        dispatchers: Mapping[str, Desk],
        rng: np.random.Generator,
        posts: Mapping[str, LatLon] | None = None,
        router: Router | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.desks = dict(dispatchers)
        self.rng = rng
        self.posts = dict(posts or {})
        self.router = router
        self.monotonic = monotonic
        self.units: dict[int, SimUnit] = {}
        self.queue: dict[str, list[dict[str, Any]]] = {}
        self.groups: dict[str, str] = {}  # category code → group
        self.steps: defaultdict[str, int] = defaultdict(int)  # what the fleet did, by kind

    # --- reading the server ----------------------------------------------------------------------------

    def start(self) -> None:
        """The catalogue and where every unit is now."""
        first = next(iter(self.desks.values()), None)
        if first is not None:
            self.groups = {c["code"]: c["group"] for c in first.get("/api/v1/categories")}
        for desk in self.desks.values():
            for p in desk.get("/api/v1/units/positions"):
                unit = self._unit(p["unit_id"], p["call_sign"], "patrol_car", p["district"], "available")
                unit.position = (p["lat"], p["lon"])

    def _unit(self, unit_id: int, call_sign: str, kind: str, district: str, status: str) -> SimUnit:
        unit = self.units.get(unit_id)
        if unit is None:
            unit = self.units[unit_id] = SimUnit(unit_id, call_sign, kind, district, status)
        unit.post = unit.post or self.posts.get(call_sign) or unit.position
        return unit

    def sync(self, now: datetime) -> None:
        """Read each district's unit board and queue; take over assignments the fleet does not know yet."""
        for district, desk in self.desks.items():
            for row in desk.get("/api/v1/units"):
                unit = self._unit(row["id"], row["call_sign"], row["type"], row["district"], row["status"])
                unit.type, unit.status, unit.district = row["type"], row["status"], row["district"]
                if unit.job is not None and unit.status not in BUSY:
                    self._drop(unit, "ended in the console", now)
                elif unit.job is None and unit.status in BUSY and (unit.follow_after or now) <= now:
                    self._adopt(unit, now)
                elif unit.job is None and unit.drive is None and unit.status == "available":
                    self._go_home(unit, now)  # left away from its post (by a person, or an earlier run)
            self.queue[district] = desk.get("/api/v1/incidents")

    def _adopt(self, unit: SimUnit, now: datetime) -> None:
        """Find the active assignment of a unit someone else sent, and work it from its current stage."""
        try:
            self._follow(unit, now)
        except Refused as refused:
            log.info(
                "demo fleet: cannot follow a unit", extra={"unit": unit.call_sign, "reason": str(refused)}
            )
            unit.job, unit.follow_after = None, now + FOLLOW_RETRY

    def _follow(self, unit: SimUnit, now: datetime) -> None:
        history = self._home_desk(unit).get(f"/api/v1/units/{unit.id}")["history"]
        incident_id = next((h["incident_id"] for h in reversed(history) if h["incident_id"]), None)
        if incident_id is None:
            return
        card, district = self._card(incident_id, unit.district)
        mine = [a for a in card["assignments"] if a["unit_id"] == unit.id and a["active"]]
        if not mine:
            return
        a, incident = mine[0], card["incident"]
        group = self.groups.get(incident["category_code"], "other")
        unit.job = Job(a["id"], incident["id"], district, incident["priority"], group, a["status"], now)
        if a["status"] == "en_route":
            self._drive_to_incident(unit, now)
        elif a["status"] == "on_scene":
            unit.job.due = now + self._on_scene_time(incident["priority"])
        self.steps["adopted"] += 1

    def _card(self, incident_id: int, first: str) -> tuple[dict[str, Any], str]:
        """The incident card, read through the desk whose district holds it (the unit's own, usually)."""
        order = [first, *(d for d in self.desks if d != first)]
        for district in order:
            desk = self.desks.get(district)
            if desk is None:
                continue
            try:
                return desk.get(f"/api/v1/incidents/{incident_id}"), district
            except Refused as refused:
                if refused.status != 404:
                    raise
        raise Refused(404, "GET", f"/api/v1/incidents/{incident_id}", "in no simulated district")

    def _home_desk(self, unit: SimUnit) -> Desk:
        desk = self.desks.get(unit.district)
        if desk is None:
            raise Refused(404, "GET", f"/api/v1/units/{unit.id}", "no desk for the unit's district")
        return desk

    # --- working the assignments -----------------------------------------------------------------------

    def take(
        self,
        unit: SimUnit,
        assignment: dict[str, Any],
        incident: dict[str, Any],
        *,
        district: str,
        now: datetime,
    ) -> None:
        """A unit the simulated dispatcher of `district` just sent: it acknowledges after a few seconds."""
        unit.status, unit.drive = "dispatched", None
        group = self.groups.get(incident["category_code"], "other")
        due = now + self._seconds(ACK_AFTER_S)
        unit.job = Job(
            assignment["id"], incident["id"], district, incident["priority"], group, "assigned", due
        )

    def work(self, now: datetime) -> None:
        for unit in list(self.units.values()):
            job = unit.job
            if job is None or now < job.due:
                continue
            try:
                self._next_step(unit, job, now)
            except Refused as refused:
                log.info("demo fleet: step refused", extra={"unit": unit.call_sign, "reason": str(refused)})
                self._drop(unit, "refused", now)

    def _next_step(self, unit: SimUnit, job: Job, now: datetime) -> None:
        desk = self.desks.get(job.district)
        if desk is None:
            raise Refused(404, "POST", f"/api/v1/assignments/{job.assignment_id}/status", "no desk")
        path = f"/api/v1/assignments/{job.assignment_id}/status"
        if job.stage == "assigned":
            desk.post(path, {"status": "acknowledged"})
            job.stage, job.due = "acknowledged", now + self._seconds(EN_ROUTE_AFTER_S)
        elif job.stage == "acknowledged":
            desk.post(path, {"status": "en_route"})
            job.stage = "en_route"
            unit.status = "en_route"
            self._drive_to_incident(unit, now)
        elif job.stage == "en_route":
            if unit.drive is not None and not unit.drive.done(now):
                job.due = unit.drive.started + timedelta(seconds=unit.drive.seconds)
                return
            try:
                desk.post(path, {"status": "on_scene"})
            except Refused as refused:
                if refused.status != 409:
                    raise
                # Its last fix lags behind, far from the scene: the crew says it is there, the desk confirms.
                desk.post(path, {"status": "on_scene", "confirm_far_arrival": True})
            self._stop(unit, now)
            job.stage, unit.status = "on_scene", "on_scene"
            job.due = now + self._on_scene_time(job.priority)
            self.steps["on_scene"] += 1
        elif job.stage == "on_scene":
            ending = callers.disposition(self.rng, job.group, job.priority)
            desk.post(path, {"status": "cleared", "disposition": ending.value})
            unit.job, unit.status = None, "available"
            self.steps["cleared"] += 1
            if not any(u.job and u.job.incident_id == job.incident_id for u in self.units.values()):
                self._close(desk, job.incident_id)
            self._go_home(unit, now)

    def _close(self, desk: Desk, incident_id: int) -> None:
        try:
            desk.post(
                f"/api/v1/incidents/{incident_id}/status",
                {"status": "closed", "note": "Демо: последний наряд освободился"},
            )
            self.steps["closed"] += 1
        except Refused as refused:  # another unit is still there, or a person closed it first
            log.info("demo fleet: close refused", extra={"incident": incident_id, "reason": str(refused)})

    def _drive_to_incident(self, unit: SimUnit, now: datetime) -> None:
        job = unit.job
        if job is None:
            return
        route = self.desks[job.district].get(f"/api/v1/assignments/{job.assignment_id}/route")
        points = [(lat, lon) for lon, lat in route["geometry"]["coordinates"]]
        props = route["properties"]
        seconds = props["road_m"] / (WALKING_KMH / 3.6) if unit.on_foot else props["eta_s"]
        unit.drive = Drive.along(points, now, seconds)
        job.due = now + timedelta(seconds=unit.drive.seconds)

    def _go_home(self, unit: SimUnit, now: datetime) -> None:
        """Back to the post by road, or wait where it is when there is no road map or no way back."""
        if unit.post is None or unit.position is None or self.router is None:
            return
        if metres(unit.position, unit.post) < HOME_FROM_M:
            return
        found = self.router(unit.position, unit.post)
        if found is None:
            return
        points, seconds = found
        if unit.on_foot:
            seconds = Drive.along(points, now, 1.0).metres / (WALKING_KMH / 3.6)
        unit.drive = Drive.along(points, now, seconds)

    def _stop(self, unit: SimUnit, now: datetime) -> None:
        if unit.drive is not None:
            unit.position, _ = unit.drive.at(now)
            unit.moved = True
        unit.drive = None

    def _drop(self, unit: SimUnit, why: str, now: datetime) -> None:
        """Forget the unit's assignment (the server will say at the next sync if it still has one)."""
        self._stop(unit, now)
        unit.job = None
        self.steps[f"dropped ({why})"] += 1
        if unit.status not in BUSY:
            self._go_home(unit, now)

    def _seconds(self, span: tuple[float, float]) -> timedelta:
        return timedelta(seconds=float(self.rng.uniform(*span)))

    def _on_scene_time(self, priority: int) -> timedelta:
        low, high = ON_SCENE_MIN.get(priority, ON_SCENE_MIN[3])
        return timedelta(minutes=float(self.rng.uniform(low, high)))

    # --- moving and reporting --------------------------------------------------------------------------

    def move(self, now: datetime) -> None:
        for unit in self.units.values():
            if unit.drive is None:
                continue
            unit.position, _ = unit.drive.at(now)
            unit.moved = True
            if unit.drive.done(now) and unit.job is None:
                unit.drive = None  # home

    def report(self, now: datetime) -> int:
        """POST the positions due: moving units every call, standing ones now and then. Returns fixes sent."""
        real, at = self.monotonic(), datetime.now(UTC).isoformat()
        batches: dict[str, list[tuple[SimUnit, dict[str, Any]]]] = defaultdict(list)
        for unit in self.units.values():
            if unit.position is None or unit.district not in self.desks:
                continue
            if not unit.moved and real - unit.reported < KEEPALIVE_REAL_S:
                continue
            speed, course = 0.0, None
            if unit.drive is not None and not unit.drive.done(now):
                _, course = unit.drive.at(now)
                speed = round(unit.drive.speed_kmh, 1)
            fix = {"call_sign": unit.call_sign, "at": at, "lat": round(unit.position[0], 6),
                   "lon": round(unit.position[1], 6), "speed_kmh": speed, "accuracy_m": 8.0}  # fmt: skip
            if course is not None:
                fix["heading"] = round(course, 1) % 360.0
            batches[unit.district].append((unit, fix))
        sent = 0
        for district, batch in batches.items():
            sent += self._post_fixes(self.desks[district], batch, real)
        return sent

    def _post_fixes(self, desk: Desk, batch: list[tuple[SimUnit, dict[str, Any]]], real: float) -> int:
        """One batch; if the server refuses some fixes (a jump faster than it allows, when the speed-up
        exceeds its limit), the others are sent again without them, and those units report later."""
        try:
            desk.post("/api/v1/units/positions", {"fixes": [fix for _, fix in batch]})
        except Refused as refused:
            bad = {int(m.group(1)) for f in refused.fields if (m := FIX_INDEX.match(f))}
            log.info("demo fleet: positions refused", extra={"reason": str(refused), "fixes": len(bad)})
            kept = [item for i, item in enumerate(batch) if i not in bad]
            if refused.status != 422 or not bad or not kept:
                return 0
            return self._post_fixes(desk, kept, real)
        for unit, _ in batch:
            unit.moved, unit.reported = False, real
        return len(batch)
