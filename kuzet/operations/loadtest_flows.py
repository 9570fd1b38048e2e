"""What the load test's people do: call-takers and partner apps register appeals, dispatchers answer new
incidents with a recommendation and an assignment, units move through their statuses, and 200 GPS terminals
report every 5 s.

The appeals' contents are the demo's (kuzet.demo.traffic.AppealMaker, kuzet.demo.callers): the same
categories, texts, people, places and repeat calls. The people's pace is the demo's too, compressed with the
day (a unit on scene for 20 minutes of the day stays 8 real seconds when the day passes in 10 minutes).
"""

from __future__ import annotations

import asyncio
import json
import math
import secrets
import time
import uuid
from collections import deque
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import numpy as np

from kuzet.demo import callers
from kuzet.demo.access import PartnerAccess
from kuzet.demo.dispatcher import WAIT_S
from kuzet.demo.fleet import ACK_AFTER_S, EN_ROUTE_AFTER_S, ON_SCENE_MIN
from kuzet.demo.places import Place, Places
from kuzet.demo.traffic import REPEAT_SHARE, REPEAT_SPREAD_M, AppealMaker, Kind
from kuzet.operations.loadtest_http import FeedTracker, Session, Target, sleep_unless, timed
from kuzet.operations.loadtest_plan import Arrival
from kuzet.operations.loadtest_report import Recorder
from kuzet.partners import signing

FIX_EVERY_S: Final = 5.0
WANDER_M: Final = 300.0  # a reporting unit stays within this of where it started
LINK_REFUSALS: Final = frozenset({409, 422})  # a repeat call to an incident closed meanwhile


class Intake:
    """Registers the appeals of the schedule: 102 calls typed by call-takers, and signed partner appeals."""

    def __init__(
        self,
        *,
        call_takers: Mapping[str, list[Session]],
        partners: Mapping[str, PartnerAccess],
        targets: list[Target],
        places: Places,
        kinds: Mapping[str, Kind],
        rng: np.random.Generator,
        tracker: FeedTracker,
        recorder: Recorder,
    ) -> None:
        self.call_takers = call_takers
        self.partners = partners
        self.targets = targets
        self.places = places
        self.maker = AppealMaker(rng, kinds)
        self.rng = rng
        self.tracker = tracker
        self.recorder = recorder
        self.recent: deque[tuple[Place, Kind, int | None]] = deque(maxlen=50)

    def _pick(self) -> tuple[Place, Kind, str, int | None]:
        """A new event, or (one call in ten) another call about a recent one, as the demo's traffic."""
        if self.recent and self.rng.random() < REPEAT_SHARE:
            place, kind, incident = self.recent[int(self.rng.random() * len(self.recent))]
            near = Places.near(self.rng, place, REPEAT_SPREAD_M)
            link = incident if self.rng.random() < 0.5 else None
            return near, kind, self.maker.text(kind, repeat=True), link
        place, kind = self.places.pick(self.rng), self.maker.kind()
        return place, kind, self.maker.text(kind, repeat=False), None

    async def send(self, arrival: Arrival) -> None:
        place, kind, text, link = self._pick()
        key = self.partners.get(arrival.partner or "")
        if arrival.channel == "partner_app" and key is not None:
            await self._partner(key, place, kind, text)
        else:
            await self._phone(place, kind, text, link)

    async def _phone(self, place: Place, kind: Kind, text: str, link: int | None) -> None:
        desks = self.call_takers[place.district]
        desk = desks[int(self.rng.random() * len(desks))]
        body = self.maker.call_102(place, kind, text, link)
        done = await desk.call("intake_102", "POST", "/api/v1/appeals", body, refusals=LINK_REFUSALS)
        if done is None and link is not None:  # the incident closed meanwhile: reported as a new one
            body = self.maker.call_102(place, kind, text)
            done = await desk.call("intake_102", "POST", "/api/v1/appeals", body)
        if done is None:
            return
        answer, at = done
        self.recorder.latency("intake", self.recorder.latencies["intake_102"][-1])
        self.tracker.expect(("appeal", answer["appeal"]["id"]), place.district, desk.target.index, at)
        if link is None:
            self.recent.append((place, kind, int(answer["incident"]["id"])))

    async def _partner(self, key: PartnerAccess, place: Place, kind: Kind, text: str) -> None:
        verified = key.code != "police102"  # the banks and eGov know the citizen's IIN
        appeal = self.maker.partner_appeal(place, kind, text, verified=verified, at=datetime.now(UTC))
        body = json.dumps(appeal, ensure_ascii=False).encode()
        path = "/partner/v1/appeals"
        headers = {
            "Content-Type": "application/json",
            signing.IDEMPOTENCY_HEADER: str(uuid.uuid4()),
            **signing.signed_headers(
                key_id=key.key_id,
                secret=key.secret,
                method="POST",
                path=path,
                body=body,
                timestamp=int(time.time()),
                nonce=secrets.token_hex(12),
            ),
        }
        target = self.targets[int(self.rng.random() * len(self.targets))]
        request = target.client.post(path, content=body, headers=headers)
        done = await timed(self.recorder, "intake_partner", request)
        if done is None:
            return
        answer, at = done
        self.recorder.latency("intake", self.recorder.latencies["intake_partner"][-1])
        self.tracker.expect(("appeal", answer["id"]), place.district, target.index, at)
        self.recent.append((place, kind, None))


class Dispatch:
    """The dispatchers: each new incident heard on a console is looked at, given the best free unit by the
    recommendation, and that unit's assignment is moved through its statuses at the day's pace."""

    def __init__(
        self,
        *,
        dispatchers: Mapping[str, list[Session]],
        speedup: float,
        rng: np.random.Generator,
        tracker: FeedTracker,
        recorder: Recorder,
        stop: asyncio.Event,
    ) -> None:
        self.dispatchers = dispatchers
        self.speedup = speedup
        self.rng = rng
        self.tracker = tracker
        self.recorder = recorder
        self.stop = stop
        self.handled: set[int] = set()
        self.reserved: set[int] = set()  # units this test has sent and not yet cleared
        self.tasks: set[asyncio.Task[None]] = set()
        self.waiting: deque[tuple[str, dict[str, Any]]] = deque()  # incidents waiting for a free unit

    def heard(self, district: str, kind: str, data: dict[str, Any]) -> None:
        """A console's event: a new incident is taken up once, whichever console heard of it first."""
        if kind != "incident" or data.get("change") != "created" or self.stop.is_set():
            return
        incident_id = int(data["incident_id"])
        if incident_id in self.handled:
            return
        self.handled.add(incident_id)
        self._spawn(self._handle(district, incident_id))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _desk(self, district: str) -> Session:
        desks = self.dispatchers[district]
        return desks[int(self.rng.random() * len(desks))]

    def _pace(self, span: tuple[float, float]) -> float:
        """Real seconds of a span of the day's seconds."""
        return float(self.rng.uniform(*span)) / self.speedup

    async def _handle(self, district: str, incident_id: int) -> None:
        await sleep_unless(self.stop, self._pace(WAIT_S))
        desk = self._desk(district)
        card = await desk.call("incident_card", "GET", f"/api/v1/incidents/{incident_id}")
        if card is None:
            return
        incident = card[0]["incident"]
        if incident["priority"] >= 4 or self.stop.is_set():
            await self._close(desk, incident_id, incident["priority"])
            return
        await self._dispatch(district, incident)

    async def _dispatch(self, district: str, incident: dict[str, Any]) -> None:
        """Send the best free unit; with none free, the incident waits for the next unit this test clears
        (as in the console's queue), rather than asking again and again."""
        chosen = await self._recommend(self._desk(district), int(incident["id"]))
        if chosen is None and self.stop.is_set():
            await self._close(self._desk(district), int(incident["id"]), 4)
            return
        if chosen is None:
            self.recorder.outcome("incident waited for a free unit")
            self.waiting.append((district, incident))
            return
        await self._send(self._desk(district), incident, chosen)

    def _next_waiting(self) -> None:
        if self.waiting and not self.stop.is_set():
            district, incident = self.waiting.popleft()
            self._spawn(self._dispatch(district, incident))

    async def close_waiting(self) -> None:
        """At the end: the incidents still waiting for a unit are closed, as handled without one."""
        waiting, self.waiting = list(self.waiting), deque()
        await asyncio.gather(*(self._close(self._desk(d), int(i["id"]), 4) for d, i in waiting))

    async def _recommend(self, desk: Session, incident_id: int) -> dict[str, Any] | None:
        path = f"/api/v1/incidents/{incident_id}/recommendations"
        found = await desk.call("recommendation", "GET", path, params={"k": 5})
        if found is None:
            return None
        free = [
            u
            for u in found[0]["units"]
            if u["status"] == "available" and not u["preemptable"] and u["unit_id"] not in self.reserved
        ]
        free.sort(key=lambda u: bool(u["other_district"]))  # the district's own units first
        return free[0] if free else None

    async def _send(self, desk: Session, incident: dict[str, Any], unit: dict[str, Any]) -> None:
        unit_id = int(unit["unit_id"])
        self.reserved.add(unit_id)
        try:
            path = f"/api/v1/incidents/{incident['id']}/assignments"
            done = await desk.call("assignment", "POST", path, {"unit_id": unit_id})
            if done is None:
                return
            assignment, at = done
            self.tracker.expect(
                ("assignment", assignment["id"], "assigned"), desk.district, desk.target.index, at
            )
            await self._work(desk.district, int(assignment["id"]), incident, float(unit["eta_s"]))
        finally:
            self.reserved.discard(unit_id)
            self._next_waiting()

    async def _work(self, district: str, assignment_id: int, incident: dict[str, Any], eta_s: float) -> None:
        """The unit's day: acknowledge, go, arrive, stay by priority, clear; then the incident is closed."""
        priority = int(incident["priority"])
        low, high = ON_SCENE_MIN.get(priority, ON_SCENE_MIN[3])
        steps: list[tuple[str, float, dict[str, Any]]] = [
            ("acknowledged", self._pace(ACK_AFTER_S), {}),
            ("en_route", self._pace(EN_ROUTE_AFTER_S), {}),
            ("on_scene", eta_s / self.speedup, {"confirm_far_arrival": True}),
            ("cleared", self._pace((low * 60, high * 60)), {}),
        ]
        path = f"/api/v1/assignments/{assignment_id}/status"
        for status, pause, extra in steps:
            await sleep_unless(self.stop, pause)
            body = {"status": status, **extra}
            if status == "cleared":
                body["disposition"] = callers.disposition(self.rng, "other", priority).value
            desk = self._desk(district)
            done = await desk.call("unit_status", "POST", path, body)
            if done is None:
                return
            self.tracker.expect(("assignment", assignment_id, status), district, desk.target.index, done[1])
        await self._close(self._desk(district), int(incident["id"]), None)

    async def _close(self, desk: Session, incident_id: int, priority: int | None) -> None:
        body: dict[str, Any] = {"status": "closed", "note": "Нагрузочный тест"}
        if priority is not None:  # closed without a unit: by phone, or no unit was free
            body["disposition"] = callers.disposition(self.rng, "admin", 4).value
        await desk.call("incident_status", "POST", f"/api/v1/incidents/{incident_id}/status", body)


@dataclass
class Terminal:
    """A unit's GPS terminal: it wanders near where the unit was when the test began."""

    call_sign: str
    district: str
    lat: float
    lon: float
    home: tuple[float, float]
    slot: int  # which second of each five it reports in


class Gps:
    """Every second, a fifth of the terminals report, in one batch per district (as an AVL gateway)."""

    def __init__(
        self,
        terminals: list[Terminal],
        dispatchers: Mapping[str, list[Session]],
        rng: np.random.Generator,
        recorder: Recorder,
    ) -> None:
        self.terminals = terminals
        self.dispatchers = dispatchers
        self.rng = rng
        self.recorder = recorder
        self.tasks: set[asyncio.Task[None]] = set()

    def _move(self, t: Terminal) -> dict[str, Any]:
        step = float(self.rng.uniform(0.0, 60.0))
        off_n = (t.lat - t.home[0]) * 111_195.0
        off_e = (t.lon - t.home[1]) * 111_195.0 * math.cos(math.radians(t.home[0]))
        if math.hypot(off_n, off_e) > WANDER_M:
            angle = math.atan2(-off_e, -off_n)  # back towards home
        else:
            angle = float(self.rng.uniform(0.0, 2 * math.pi))
        t.lat += step * math.cos(angle) / 111_195.0
        t.lon += step * math.sin(angle) / (111_195.0 * math.cos(math.radians(t.lat)))
        return {
            "call_sign": t.call_sign,
            "at": datetime.now(UTC).isoformat(),
            "lat": round(t.lat, 6),
            "lon": round(t.lon, 6),
            "speed_kmh": round(step / FIX_EVERY_S * 3.6, 1),
            "heading": round(math.degrees(angle) % 360.0, 1) % 360.0,
            "accuracy_m": 8.0,
        }

    async def run(self, stop: asyncio.Event) -> None:
        began = time.perf_counter()
        tick = 0
        while not stop.is_set():
            batches: dict[str, list[dict[str, Any]]] = {}
            for t in self.terminals:
                if t.slot == tick % int(FIX_EVERY_S):
                    batches.setdefault(t.district, []).append(self._move(t))
            for district, fixes in batches.items():
                desks = self.dispatchers[district]
                desk = desks[tick % len(desks)]
                task = asyncio.get_running_loop().create_task(self._post(desk, fixes))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            tick += 1
            await sleep_unless(stop, began + tick - time.perf_counter())

    async def warm_up(self) -> None:
        """One fix of one unit through each target, before the clock starts: a host loads its road map at
        its first fix (snapping), and requests that come meanwhile would find no map."""
        first = next(iter(self.terminals), None)
        if first is None:
            return
        for desk in self.dispatchers[first.district]:
            await self._post(desk, [self._move(first)], kind="warm_up")

    async def _post(self, desk: Session, fixes: list[dict[str, Any]], kind: str = "gps") -> None:
        if await desk.call(kind, "POST", "/api/v1/units/positions", {"fixes": fixes}) is not None:
            self.recorder.outcome("gps fixes stored", len(fixes))
