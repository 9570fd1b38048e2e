"""One simulated past year of closed incidents, so that the analytics pages have data on the first day.

The year ends before today, so its numbers never meet the live numbering. Its load follows the hourly,
weekly and seasonal profile and the districts' shares; its categories follow the appeal mix. Each incident
has its appeals (about 70 % by 102 and 30 % through the partner apps), its units' assignments with their
stamps, and a disposition. The intervals spread as real ones do (call processing 1–3 min, turnout under a
minute, travel by road, 10–60 min on scene), and a few stamps are missing or out of order, as in real
data: the analytics must count those in their data-quality line, not hide them.

The units are sent as the live recommender ranks them (`kuzet.demo.history_roads`): the nearest free fitting
unit by road ETA from its post (or from its way back to it), with the hour's travel-time factor, and the
travel is that ETA. A unit is busy until it clears; with every fitting unit busy, the incident waits.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import numpy as np
from sqlalchemy import select

from kuzet.appeals.store import appeals
from kuzet.container import Services
from kuzet.core.clock import LOCAL_TZ, to_local
from kuzet.demo import callers, history_store
from kuzet.demo.callers import Weighted
from kuzet.demo.history_roads import RoadTimes, Sent
from kuzet.demo.history_store import HistoryPlan
from kuzet.demo.places import Place, Places
from kuzet.demo.profile import hourly_weights
from kuzet.demo.world import PARISH_SHARES, demo_posts
from kuzet.incidents.catalogue import Category
from kuzet.incidents.store import CategoryRepository
from kuzet.units.domain import UnitType
from kuzet.units.store import UnitRepository

# Every simulated appeal and assignment is marked as such (and a second load is skipped because of it).
HISTORY_MARK: Final = history_store.HISTORY_MARK
# The simulated year stops this long before today's local midnight, so no stamp falls on today.
END_MARGIN: Final = timedelta(hours=4)
REPEAT_SHARE: Final = 0.12  # incidents with more than one appeal
SECOND_UNIT_SHARE: Final = {1: 0.35, 2: 0.10, 3: 0.03}
# Odd stamps, as real data has them: no en-route press, no arrival press, en route pressed after arrival,
# an incident forgotten for hours before dispatch.
MISSING_EN_ROUTE: Final = 0.015
MISSING_ON_SCENE: Final = 0.008
EN_ROUTE_AFTER_ARRIVAL: Final = 0.004
FORGOTTEN: Final = 0.002
ON_SCENE_MEDIAN_MIN: Final = {1: 40.0, 2: 30.0, 3: 20.0}
# Real drives scatter around the computed ETA (lights, traffic, finding the door): lognormal, median 1.
TRAVEL_SPREAD: Final = 0.15


@dataclass(frozen=True)
class HistoryUnit:
    id: int
    call_sign: str
    type: UnitType
    district: str
    post: tuple[float, float]


@dataclass(frozen=True)
class Loaded:
    incidents: int
    appeals: int
    assignments: int
    seconds: float
    skipped: str | None = None  # why nothing was loaded


def history_window(now: datetime) -> tuple[datetime, datetime]:
    """The year before today (local time): from a year before today's midnight to a little before it."""
    midnight = to_local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - timedelta(days=365)).astimezone(UTC), (midnight - END_MARGIN).astimezone(UTC)


def receive_times(rng: np.random.Generator, count: int, start: datetime, end: datetime) -> list[datetime]:
    """`count` moments in [start, end), spread by the hourly, weekly and seasonal profile, in time order."""
    hours = max(1, int((end - start).total_seconds() // 3600))
    weights = hourly_weights([start + timedelta(hours=h) for h in range(hours)])
    seconds = rng.choice(hours, size=count, p=weights) * 3600.0 + rng.uniform(0, 3600, size=count)
    return [start + timedelta(seconds=float(s)) for s in np.sort(seconds)]


def _lognormal(rng: np.random.Generator, median: float, sigma: float) -> float:
    return float(median * math.exp(sigma * rng.standard_normal()))


class Planner:
    """Draws one incident after another; `plan()` gives every row of the year."""

    def __init__(
        self,
        rng: np.random.Generator,
        categories: Sequence[Category],
        places: Places,
        units: Sequence[HistoryUnit],
        roads: RoadTimes,
    ) -> None:
        self.rng = rng
        self.roads = roads
        self.places = places
        self.units = units
        known = {c.code: c for c in categories if c.active}
        self.categories = {code: known[code] for code in callers.CATEGORY_WEIGHTS if code in known}
        if not self.categories or not units:
            raise ValueError("history needs categories of the appeal mix and units on the roster")
        self.category_mix = Weighted({c: callers.CATEGORY_WEIGHTS[c] for c in self.categories})
        self.plan_rows = HistoryPlan()

    def plan(self, moments: Sequence[datetime]) -> HistoryPlan:
        for moment in moments:
            self._incident(moment)
        return self.plan_rows

    def _incident(self, received: datetime) -> None:
        rng = self.rng
        category = self.categories[self.category_mix.draw(rng)]
        place = self.places.pick(rng)
        index = len(self.plan_rows.incidents)
        text = callers.appeal_text(rng, category.code, category.group.value)
        self._appeals(index, category, place, received, text)
        stamps: dict[str, datetime | None]
        if category.priority >= 4:
            stamps = {"closed_at": received + timedelta(seconds=_lognormal(rng, 480, 0.5))}
        else:
            stamps = self._dispatched(index, category, place, received)
        disposition = callers.disposition(rng, category.group.value, category.priority)
        for assignment in self.plan_rows.assignments[-2:]:
            if assignment["incident"] == index:
                assignment["disposition"] = disposition.value
        self.plan_rows.incidents.append(
            {
                "status": "closed",
                "category_code": category.code,
                "priority": category.priority,
                "district": place.district,
                "lat": place.lat,
                "lon": place.lon,
                "address": place.address,
                "description": text,
                "received_at": received,
                "first_dispatched_at": stamps.get("first_dispatched_at"),
                "first_en_route_at": stamps.get("first_en_route_at"),
                "first_on_scene_at": stamps.get("first_on_scene_at"),
                "cleared_at": stamps.get("cleared_at"),
                "closed_at": stamps["closed_at"],
                "disposition": disposition.value,
                "reopen_count": 0,
                "created_at": received,
                "updated_at": stamps["closed_at"],
            }
        )

    def _appeals(self, index: int, category: Category, place: Place, received: datetime, text: str) -> None:
        rng = self.rng
        count = 1 + (1 + int(rng.random() * 2) if rng.random() < REPEAT_SHARE else 0)
        moment = received
        for n in range(count):
            where = place if n == 0 else Places.near(rng, place, 60.0)
            said = text if n == 0 else callers.pick(rng, callers.REPEAT_TEXTS)
            self.plan_rows.appeals.append(self._appeal(index, category, where, moment, said))
            moment += timedelta(seconds=float(rng.uniform(60, 600)))

    def _appeal(
        self, index: int, category: Category, place: Place, at: datetime, text: str
    ) -> dict[str, Any]:
        rng = self.rng
        partner = callers.PARTNERS.draw(rng) if rng.random() < callers.PARTNER_SHARE else None
        verified = partner is not None and partner != "police102"
        return {
            "incident": index,
            "channel": "partner_app" if partner else "phone_102",
            "partner": partner,
            "received_at": at,
            "caller_phone": callers.mobile_phone(rng),
            "phone_kind": "mobile",
            "caller_name": callers.person_name(rng) if partner or rng.random() < 0.8 else None,
            "caller_iin": callers.iin(rng, today=to_local(at).date()) if verified else None,
            "text": text,
            "category_code": category.code,
            "lat": place.lat,
            "lon": place.lon,
            "address": place.address,
            "accuracy_m": round(float(rng.uniform(5, 50)), 1) if partner else None,
            "created_by": HISTORY_MARK,
            "created_at": at,
        }

    def _dispatched(
        self, index: int, category: Category, place: Place, received: datetime
    ) -> dict[str, datetime | None]:
        """The units' assignments and the incident's stamps drawn from them."""
        rng = self.rng
        speed = {1: 0.7, 2: 1.0, 3: 1.5}.get(category.priority, 1.0)
        dispatched = received + timedelta(seconds=_lognormal(rng, 100 * speed, 0.4))
        if rng.random() < FORGOTTEN:
            dispatched += timedelta(hours=float(rng.uniform(2, 6)))
        on_scene_for = _lognormal(rng, ON_SCENE_MEDIAN_MIN.get(category.priority, 20.0) * 60, 0.45)
        node = self.roads.node(place.lat, place.lon)
        first = self.roads.send(category, node, dispatched)
        if first is None:  # a roster with units always has one to send, sooner or later
            raise ValueError("no unit of the roster may be sent")
        dispatched = first.at
        rows = [self._assignment(index, first, node, on_scene_for)]
        if rng.random() < SECOND_UNIT_SHARE.get(category.priority, 0.0):
            later = dispatched + timedelta(seconds=float(rng.uniform(30, 240)))
            second = self.roads.send(category, node, later, besides=first.unit)
            if second is not None:
                rows.append(self._assignment(index, second, node, on_scene_for))
        self.plan_rows.assignments.extend(rows)
        cleared = max(r["cleared_at"] for r in rows)
        return {
            "first_dispatched_at": dispatched,
            "first_en_route_at": _first(r["en_route_at"] for r in rows),
            "first_on_scene_at": _first(r["on_scene_at"] for r in rows),
            "cleared_at": cleared,
            "closed_at": cleared + timedelta(seconds=float(rng.uniform(120, 900))),
        }

    def _assignment(self, index: int, sent: Sent, node: int, on_scene_for: float) -> dict[str, Any]:
        rng = self.rng
        unit, assigned = self.units[sent.unit], sent.at
        acknowledged = assigned + timedelta(seconds=float(rng.uniform(5, 20)))
        en_route = assigned + timedelta(seconds=_lognormal(rng, 45, 0.35))
        travel = sent.travel_s * math.exp(TRAVEL_SPREAD * rng.standard_normal())
        on_scene = en_route + timedelta(seconds=travel)
        cleared = on_scene + timedelta(seconds=on_scene_for * float(rng.uniform(0.8, 1.1)))
        self.roads.occupy(sent.unit, node, cleared)
        odd = rng.random()
        stamps: dict[str, datetime | None] = {"en_route_at": en_route, "on_scene_at": on_scene}
        if odd < MISSING_EN_ROUTE:
            stamps["en_route_at"] = None
        elif odd < MISSING_EN_ROUTE + MISSING_ON_SCENE:
            stamps["on_scene_at"] = None
        elif odd < MISSING_EN_ROUTE + MISSING_ON_SCENE + EN_ROUTE_AFTER_ARRIVAL:
            stamps["en_route_at"] = on_scene + timedelta(seconds=float(rng.uniform(10, 90)))
        return {
            "incident": index,
            "unit_id": unit.id,
            "status": "cleared",
            "active": False,
            "assigned_at": assigned,
            "assigned_by": HISTORY_MARK,
            "acknowledged_at": acknowledged,
            **stamps,
            "cleared_at": cleared,
            "disposition": None,
        }


def _first(moments: Any) -> datetime | None:
    present = [m for m in moments if m is not None]
    return min(present) if present else None


def history_present(services: Services) -> bool:
    with services.session_factory() as session:
        query = select(appeals.c.id).where(appeals.c.created_by == HISTORY_MARK).limit(1)
        return session.execute(query).first() is not None


def _units(services: Services) -> list[HistoryUnit]:
    posts = demo_posts(services)
    with services.uow() as uow:
        roster = uow.repo(UnitRepository).roster(district=None)
    fallback = next(iter(posts.values()), (0.0, 0.0))
    return [
        HistoryUnit(u.id, u.call_sign, u.type, u.district, posts.get(u.call_sign, fallback)) for u in roster
    ]


def load_history(
    services: Services, *, incidents: int, seed: int = 2025, shares: Mapping[str, float] | None = None
) -> Loaded:
    """Load a simulated past year of `incidents` closed incidents, once (a second call skips)."""
    began = time.perf_counter()
    roads, districts = services.geo.roads, services.geo.districts
    reason = (
        "turned off" if incidents <= 0
        else "already loaded" if history_present(services)
        else "no road map or district map" if roads is None or districts is None
        else None
    )  # fmt: skip
    if reason is not None or roads is None or districts is None:
        return Loaded(0, 0, 0, time.perf_counter() - began, reason)
    rng = np.random.default_rng(seed)
    places = Places.build(roads.graph, services.geo.gazetteer, districts, shares or PARISH_SHARES, rng)
    with services.uow() as uow:
        categories = uow.repo(CategoryRepository).all(include_inactive=False)
    start, end = history_window(services.clock.now())
    units = _units(services)
    roads_now = RoadTimes(
        roads.graph, [u.post for u in units], [u.type for u in units], services.geo.travel_time_factors
    )
    planner = Planner(rng, categories, places, units, roads_now)
    plan = planner.plan(receive_times(rng, incidents, start, end))
    history_store.write(services.uow(), plan, at=services.clock.now(), local=LOCAL_TZ)
    return Loaded(len(plan.incidents), len(plan.appeals), len(plan.assignments), time.perf_counter() - began)


__all__ = ["HISTORY_MARK", "HistoryPlan", "Loaded", "load_history"]
