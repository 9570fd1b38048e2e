"""The discrete-event simulation of the region (SimPy): calls, call-takers, dispatch, units on the roads.

A run draws the year's calls up front (the arrival profile gives the moments, the demand what each call is
and how long its steps take), then SimPy plays them out:
1. a call waits for a free call-taker (c servers, FIFO; none when `call_takers` is 0) and is handled for
   its drawn handling time (the history's received → first dispatched);
2. the dispatcher picks a unit by the scenario's policy; with none to send, the call waits, most urgent
   first, then oldest; a unit that becomes free, or comes on duty, takes the first waiting call it may;
3. the unit turns out (the drawn turnout), drives the road time from its post (or from where it is
   returning, see below) times the hour's travel-time factor, works the drawn time on scene, then drives
   back to its post. A unit driving back may be sent again: its ETA is then the time left to its post plus
   the post's time to the call, an upper bound of the true time, since the unit is on its way to the post;
4. with pre-emption, a priority 1 call may take a unit busy on a priority 3/4 call; that call goes back to
   the waiting list and keeps the time on scene it still needs;
5. a share of the calls of each priority (`Scenario.backup_share`) gets a second unit, the policy's next
   choice among the free units, sent with the first and working the same time on scene; it is not diverted
   and not waited for (no free unit: no back-up).
Time is seconds after `start`; the local hour (Asia/Almaty, no daylight saving) sets shifts and factors.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import simpy

from kuzet.core.clock import to_local
from kuzet.dispatch.recommend import may_respond
from kuzet.geo.graph import F64, haversine_m
from kuzet.incidents.catalogue import Group
from kuzet.planning.dispatch_policies import choose
from kuzet.planning.errors import PlanningInputError
from kuzet.planning.history import Demand, Draws
from kuzet.planning.profile import ArrivalProfile
from kuzet.planning.scenario import Scenario, duty_hours
from kuzet.planning.travel import TravelTable, hourly_factors
from kuzet.units.domain import UnitType

DRAIN_HOURS = 12  # after the last call arrives, the run goes on this long so that late calls finish
NAN = float("nan")


@dataclass
class RunRecord:
    """Everything one run stamped, per call (NaN: never reached) and per unit."""

    start: datetime
    hours: int
    priority: np.ndarray
    district: np.ndarray
    received: F64
    answered: F64
    ready: F64
    dispatched: F64
    en_route: F64
    on_scene: F64
    cleared: F64
    waited: np.ndarray  # no unit could be sent when the call was ready
    unit_busy_s: F64
    unit_duty_s: F64
    busy_by_hour: F64  # unit-seconds busy in each hour of the run
    districts: list[str] = field(default_factory=list)
    preemptions: int = 0


class Model:
    def __init__(
        self,
        scenario: Scenario,
        travel: TravelTable,
        draws: Draws,
        arrivals: F64,
        *,
        start: datetime,
        hours: int,
        districts: list[str],
        backup: np.ndarray | None = None,
        patrol_rng: np.random.Generator | None = None,
    ) -> None:
        self.s = scenario
        self.patrol_rng = patrol_rng or np.random.default_rng(0)
        self.t = travel
        self.d = draws
        self.env = simpy.Environment()
        n, u = len(arrivals), len(scenario.units)
        self.hours = hours
        self.hour0 = to_local(start).hour
        self.factor = hourly_factors(scenario.travel_time_factors)
        self.duty = np.array([duty_hours(x.shifts) for x in scenario.units])  # units × 24
        self.foot = np.array([x.type is UnitType.FOOT_PATROL for x in scenario.units])
        dist_index = {name: i for i, name in enumerate(districts)}
        self.unit_district = np.array(
            [dist_index.get(x.district, -1) for x in scenario.units], dtype=np.int64
        )
        g = travel.graph
        self.post_lat = g.lat[travel.posts]
        self.post_lon = g.lon[travel.posts]
        self.types = [x.type for x in scenario.units]
        self._fit: dict[tuple[Group, int], np.ndarray] = {}
        self.free = np.ones(u, dtype=bool)
        self.busy_priority = np.zeros(u, dtype=np.int64)
        self.return_until = np.zeros(u)
        self.busy_since = np.zeros(u)
        self.current = np.full(u, -1, dtype=np.int64)
        self.jobs: list[simpy.Process | None] = [None] * u
        self.on_duty = self.duty[:, self.hour0].copy()
        self.arrivals = arrivals
        self.scene_started = np.full(n, NAN)
        self.remaining = draws.on_scene.copy()
        self.waiting: list[tuple[int, float, int]] = []
        self.backup = np.zeros(n, dtype=bool) if backup is None else backup.copy()  # still to be sent
        blank = [np.full(n, NAN) for _ in range(6)]
        self.rec = RunRecord(
            start=start, hours=hours, priority=draws.priority, district=draws.district, received=arrivals,
            answered=blank[0], ready=blank[1], dispatched=blank[2], en_route=blank[3], on_scene=blank[4],
            cleared=blank[5], waited=np.zeros(n, dtype=bool), unit_busy_s=np.zeros(u),
            unit_duty_s=np.zeros(u), busy_by_hour=np.zeros(hours + DRAIN_HOURS + 1), districts=districts,
        )  # fmt: skip
        self.takers = simpy.Resource(self.env, scenario.call_takers) if scenario.call_takers > 0 else None

    def run(self) -> RunRecord:
        self.env.process(self._arrive())
        self.env.process(self._hourly())
        self.env.run(until=(self.hours + DRAIN_HOURS) * 3600.0)
        rec = self.rec
        hours = (self.hour0 + np.arange(self.hours)) % 24
        rec.unit_duty_s = self.duty[:, hours].sum(axis=1) * 3600.0
        for unit in np.flatnonzero(~self.free):  # still busy at the end: count what was worked
            self._account(int(unit))
        return rec

    # Calls and call-takers.
    def _arrive(self) -> simpy.events.ProcessGenerator:
        env = self.env
        for i, moment in enumerate(self.arrivals.tolist()):
            yield env.timeout(moment - env.now)
            if self.takers is None:
                self.rec.answered[i] = moment
                env.timeout(float(self.d.handling[i]), i).callbacks.append(self._handled)
            else:
                env.process(self._call(i))

    def _call(self, i: int) -> simpy.events.ProcessGenerator:
        takers = self.takers
        if takers is None:
            return
        with takers.request() as request:
            yield request
            self.rec.answered[i] = self.env.now
            yield self.env.timeout(float(self.d.handling[i]))
        self._ready(i)

    def _handled(self, event: simpy.Event) -> None:
        self._ready(int(event.value or 0))

    def _ready(self, i: int) -> None:
        self.rec.ready[i] = self.env.now
        if self.d.priority[i] >= 4:
            return  # no dispatch needed
        if not self._try(i):
            self.rec.waited[i] = True
            bisect.insort(self.waiting, (int(self.d.priority[i]), self.env.now, i))

    # Dispatch.
    def _fit_of(self, i: int) -> np.ndarray:
        key = (self.d.group[i], int(self.d.priority[i]))
        fit = self._fit.get(key)
        if fit is None:
            fit = self._fit[key] = np.array([may_respond(t, key[0], key[1]) for t in self.types])
        return fit

    def _try(self, i: int) -> bool:
        """Send a unit to call `i` now if the policy finds one."""
        now, node = self.env.now, int(self.d.node[i])
        factor = np.where(self.foot, 1.0, self.factor[self._hour(now)])
        g = self.t.graph
        post_lat, post_lon = self.post_lat, self.post_lon
        if self.t.patrolling.any():
            self.t.place(self.patrol_rng, self.return_until <= now)
            post_lat, post_lon = g.lat[self.t.where()], g.lon[self.t.where()]
        eta = np.maximum(self.return_until - now, 0.0) + self.t.to_node_all(node) * factor
        here_lat, here_lon = np.full(len(eta), g.lat[node]), np.full(len(eta), g.lon[node])
        line = haversine_m(post_lat, post_lon, here_lat, here_lon)
        choice = choose(
            self.s.policy, priority=int(self.d.priority[i]), district=int(self.d.district[i]),
            fit=self._fit_of(i), on_duty=self.on_duty, free=self.free, busy_priority=self.busy_priority,
            unit_district=self.unit_district, road_eta=eta, line_m=line,
        )  # fmt: skip
        if choice.unit < 0:
            return False
        unit = choice.unit
        travel = float(eta[unit])
        if choice.preempts:
            travel = self._preempt(unit, node, float(factor[unit]))
        self._send(unit, i, travel)
        if self.backup[i]:
            self.backup[i] = False
            second = choose(
                self.s.policy, priority=int(self.d.priority[i]), district=int(self.d.district[i]),
                fit=self._fit_of(i), on_duty=self.on_duty, free=self.free, busy_priority=self.busy_priority,
                unit_district=self.unit_district, road_eta=eta, line_m=line,
            )  # fmt: skip
            if second.unit >= 0 and not second.preempts:
                self._send(second.unit, i, float(eta[second.unit]), backup=True)
        return True

    def _preempt(self, unit: int, node: int, factor: float) -> float:
        """Take `unit` off its call (back to the waiting list); its road time from that call's place."""
        now, old = self.env.now, int(self.current[unit])
        if not np.isnan(self.scene_started[old]):
            self.remaining[old] = max(self.remaining[old] - (now - self.scene_started[old]), 0.0)
            self.scene_started[old] = NAN
        elif self.rec.en_route[old] > now:
            self.rec.en_route[old] = NAN  # diverted before it set off: that en route never happened
        job = self.jobs[unit]
        if job is not None and job.is_alive:
            job.interrupt("preempted")
        self._account(unit)
        self.rec.preemptions += 1
        bisect.insort(self.waiting, (int(self.d.priority[old]), now, old))
        return self.t.between(int(self.d.node[old]), node) * factor

    def _send(self, unit: int, i: int, travel: float, *, backup: bool = False) -> None:
        now = self.env.now
        if np.isnan(self.rec.dispatched[i]):
            self.rec.dispatched[i] = now
        self.free[unit] = False
        self.busy_priority[unit] = 0 if backup else self.d.priority[i]  # a back-up is never diverted
        self.busy_since[unit] = now
        self.current[unit] = i
        self.jobs[unit] = self.env.process(self._job(unit, i, travel, backup))

    def _job(self, unit: int, i: int, travel: float, backup: bool = False) -> simpy.events.ProcessGenerator:
        env, rec = self.env, self.rec
        try:
            turnout = float(self.d.turnout[i])
            if np.isnan(rec.en_route[i]):
                rec.en_route[i] = env.now + turnout
            yield env.timeout(turnout + travel)
            if np.isnan(rec.on_scene[i]):
                rec.on_scene[i] = env.now
            if not backup:
                self.scene_started[i] = env.now
            yield env.timeout(float(self.remaining[i]))
        except simpy.Interrupt:
            return  # pre-empted: the dispatcher has already put the call back and taken the unit
        rec.cleared[i] = max(env.now, 0.0 if np.isnan(rec.cleared[i]) else rec.cleared[i])
        self._account(unit)
        self.free[unit] = True
        self.busy_priority[unit] = 0
        self.current[unit] = -1
        self.jobs[unit] = None
        back = self.t.back_to_post(unit, int(self.d.node[i]))
        factor = 1.0 if self.foot[unit] else self.factor[self._hour(env.now)]
        self.return_until[unit] = env.now + back * factor
        self._drain()

    def _drain(self) -> None:
        """Give waiting calls, most urgent and oldest first, to the units that may take them."""
        if not self.waiting:
            return
        pending, self.waiting = self.waiting, []  # a diversion puts its call back on the new list
        kept: list[tuple[int, float, int]] = []
        for entry in pending:
            if not (self.free & self.on_duty).any() and entry[0] != 1:
                kept.append(entry)
                continue
            if not self._try(entry[2]):
                kept.append(entry)
        self.waiting = sorted(kept + self.waiting)

    def _hourly(self) -> simpy.events.ProcessGenerator:
        while True:
            yield self.env.timeout(3600.0 - self.env.now % 3600.0)
            self.on_duty = self.duty[:, self._hour(self.env.now)].copy()
            self._drain()

    def _hour(self, now: float) -> int:
        return int((self.hour0 + now // 3600.0) % 24)

    def _account(self, unit: int) -> None:
        """Add the unit's busy time since `busy_since` to its total and to the hours it spans."""
        start, end = float(self.busy_since[unit]), self.env.now
        # Utilisation counts the run's hours only (the drain after the last arrival has no duty hours).
        self.rec.unit_busy_s[unit] += max(min(end, self.hours * 3600.0) - start, 0.0)
        hours = self.rec.busy_by_hour
        while start < end:
            h = int(start // 3600.0)
            stop = min(end, (h + 1) * 3600.0)
            if h < len(hours):
                hours[h] += stop - start
            start = stop
        self.busy_since[unit] = end


def prepare(
    scenario: Scenario,
    travel: TravelTable,
    demand: Demand,
    profile: ArrivalProfile,
    *,
    start: datetime,
    hours: int,
    seed: int,
    scale: float = 1.0,
) -> tuple[Model, Draws]:
    """One run ready to play: the model, and the calls drawn with `seed` (a caller may place them)."""
    if hours <= 0:
        raise PlanningInputError("hours", f"must be > 0, not {hours}")
    if start.tzinfo is None:
        raise PlanningInputError("start", "must carry a time zone")
    scenario.check_graph(travel.graph.node_count)
    start = start.replace(minute=0, second=0, microsecond=0)
    rng = np.random.default_rng(seed)
    arrivals = profile.arrivals(rng, start, hours, scale)
    draws = demand.draw(rng, len(arrivals))
    backup = None
    if scenario.backup_share:  # drawn last, so that runs without back-ups keep their random streams
        share = np.array([scenario.backup_share.get(int(p), 0.0) for p in draws.priority])
        backup = rng.random(len(arrivals)) < share
    patrol_rng = np.random.default_rng([seed, 1])  # its own stream: runs with fixed posts stay as they were
    model = Model(
        scenario, travel, draws, arrivals, start=start, hours=hours, districts=demand.districts,
        backup=backup, patrol_rng=patrol_rng,
    )  # fmt: skip
    return model, draws


def simulate(
    scenario: Scenario,
    travel: TravelTable,
    demand: Demand,
    profile: ArrivalProfile,
    *,
    start: datetime,
    hours: int,
    seed: int,
    scale: float = 1.0,
) -> RunRecord:
    """One run: draw the calls with `seed`, play them out, return the stamps."""
    model, _ = prepare(scenario, travel, demand, profile, start=start, hours=hours, seed=seed, scale=scale)
    return model.run()


def year_hours(start: datetime) -> int:
    return int(((start + timedelta(days=365)) - start).total_seconds() // 3600)
