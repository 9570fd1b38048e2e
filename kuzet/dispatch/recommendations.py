"""Use case: which units to send to an incident, ranked by exact road travel time from where they are now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select

from kuzet.core.actor import Actor
from kuzet.core.errors import Conflict, NotFound, Unavailable
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork
from kuzet.dispatch import recommend as rules
from kuzet.dispatch.store import assignments
from kuzet.geo.runtime import Geo, Roads
from kuzet.incidents import service as incidents
from kuzet.incidents.catalogue import Group
from kuzet.incidents.domain import Incident
from kuzet.incidents.store import CategoryRepository
from kuzet.incidents.store import incidents as incidents_table
from kuzet.units.domain import Unit, UnitType
from kuzet.units.positions.domain import haversine_m
from kuzet.units.positions.store import Position, PositionRepository
from kuzet.units.store import UnitRepository

if TYPE_CHECKING:  # numba and scipy: loaded with the road graph (kuzet.geo.runtime), not with this module
    from kuzet.geo.eta import EtaEngine
    from kuzet.geo.snap import Snap

NO_MAP = N_("No road map is loaded: import one with `kuzet import-osm`.")


@dataclass(frozen=True)
class Recommended:
    unit: Unit
    eta_s: float
    road_m: float
    straight_m: float
    position: Position
    age_s: float
    stale: bool
    preemptable: bool
    busy: rules.Busy | None
    district_now: str | None
    reasons: tuple[tuple[str, dict[str, Any]], ...]  # message ids with their parameters, read in order


@dataclass(frozen=True)
class Recommendation:
    incident: Incident
    units: list[Recommended]
    eligible: int
    skipped: dict[str, int]
    travel_time_factor: float
    incident_road_distance_m: float
    graph_source: str


@dataclass(frozen=True)
class _Candidate:
    unit: Unit
    position: Position
    snap: Snap
    preemptable: bool
    busy: rules.Busy | None


def busy_units_query() -> Select[tuple[int, int, int]]:
    """The units on an active assignment. The condition is the partial index's own (`active`, `active = 1`
    on SQLite), so both databases read the index of active assignments, not the whole assignment history
    (`active IS TRUE` does not match it, and was a full scan)."""
    return (
        select(assignments.c.unit_id, incidents_table.c.id, incidents_table.c.priority)
        .join(incidents_table, incidents_table.c.id == assignments.c.incident_id)
        .where(assignments.c.active)
    )


def _busy_units(uow: UnitOfWork) -> dict[int, rules.Busy]:
    rows = uow.session.execute(busy_units_query()).all()
    return {r.unit_id: rules.Busy(r.id, r.priority) for r in rows}


def recommend(
    uow: UnitOfWork,
    *,
    incident_id: int,
    k: int,
    geo: Geo,
    stale_after_s: float,
    foot_speed_kmh: float,
    by: Actor,
    at: datetime,
) -> Recommendation:
    with uow:
        incident = incidents.get_in_scope(uow, incident_id, by)
        category = uow.repo(CategoryRepository).find(incident.category_code)
        if category is None:
            raise NotFound()
        roster = [u for u in uow.repo(UnitRepository).roster(district=None) if by.in_scope(u.district)]
        busy = _busy_units(uow)
        positions = uow.repo(PositionRepository).latest([u.id for u in roster])
    if not incident.is_open:
        raise Conflict(N_("The incident is no longer open (or was merged): no unit is to be sent to it."))
    if incident.lat is None or incident.lon is None:
        raise Conflict(N_("The incident has no location yet: set its place first."))
    roads = geo.roads
    if roads is None:
        raise Unavailable(NO_MAP)
    skipped = {"not_eligible": 0, "no_position": 0, "off_road": 0}
    eligible: list[tuple[Unit, Position, bool, rules.Busy | None]] = []
    for unit in roster:
        verdict = rules.eligibility(
            unit,
            group=Group(category.group),
            priority=incident.priority,
            busy=busy.get(unit.id),
            incident_id=incident.id,
        )
        if not verdict.eligible:
            skipped["not_eligible"] += 1
        elif unit.id not in positions:
            skipped["no_position"] += 1
        else:
            eligible.append((unit, positions[unit.id], verdict.preemptable, busy.get(unit.id)))
    target = roads.snapper.snap(incident.lat, incident.lon)
    placed = _placed(roads, [p for _, p, _, _ in eligible], geo.snap_max_distance_m)
    candidates = []
    for (unit, position, preemptable, on), snap in zip(eligible, placed, strict=True):
        if snap is None:
            skipped["off_road"] += 1
        else:
            candidates.append(_Candidate(unit, position, snap, preemptable, on))
    factor = geo.factor_at(at)
    ranked = _rank(roads.engine(factor), target, candidates, k, foot_speed_kmh)
    place = (incident.lat, incident.lon)
    chosen = [
        _recommended(c, eta_s, road_m, place, geo, stale_after_s, at, rank, len(candidates))
        for rank, (c, eta_s, road_m) in enumerate(ranked, start=1)
    ]
    return Recommendation(
        incident, chosen, len(candidates), skipped, factor, round(target.distance_m, 1), roads.map_name
    )


def _placed(roads: Roads, positions: list[Position], max_distance_m: float) -> list[Snap | None]:
    """Each position on the road: the snap stored with the fix when it was made on the graph now loaded (same
    fingerprint), else snapped now (fixes stored without a road point, or on a map since re-imported). Both
    give the same answer for the same fix and graph; a snap farther than the limit is off the road."""
    from kuzet.geo.snap import Snap

    placed: list[Snap | None] = []
    again: list[int] = []
    edges = roads.graph.edge_count
    for i, p in enumerate(positions):
        if (
            p.road_graph == roads.identity
            and p.road_edge is not None
            and 0 <= p.road_edge < edges
            and p.road_fraction is not None
            and p.road_distance_m is not None
            and p.road_lat is not None
            and p.road_lon is not None
        ):
            on_road = p.road_distance_m <= max_distance_m
            placed.append(
                Snap(p.road_edge, p.road_fraction, p.road_distance_m, p.road_lat, p.road_lon)
                if on_road
                else None
            )
        else:
            placed.append(None)
            again.append(i)
    if again:
        snapped = roads.place(
            [positions[i].lat for i in again], [positions[i].lon for i in again], max_distance_m
        )
        for i, snap in zip(again, snapped, strict=True):
            placed[i] = snap
    return placed


def _rank(
    engine: EtaEngine, target: Snap, candidates: list[_Candidate], k: int, foot_speed_kmh: float
) -> list[tuple[_Candidate, float, float]]:
    """The k fastest to arrive, with ETA and road metres. Cars: the exact search stops once the k best are
    known. Foot patrols walk the same roads at walking pace (their search is not cut short)."""
    driving = [c for c in candidates if c.unit.type is not UnitType.FOOT_PATROL]
    on_foot = [c for c in candidates if c.unit.type is UnitType.FOOT_PATROL]
    found = [
        (driving[e.source], e.seconds, e.meters) for e in engine.etas(target, [c.snap for c in driving], k=k)
    ]
    pace = foot_speed_kmh / 3.6
    found += [
        (on_foot[e.source], e.meters / pace, e.meters)
        for e in engine.etas(target, [c.snap for c in on_foot], k=None)
    ]
    found.sort(key=lambda item: (item[1], item[0].unit.call_sign))
    return found[:k]


def _recommended(
    c: _Candidate,
    eta_s: float,
    road_m: float,
    place: tuple[float, float],
    geo: Geo,
    stale_after_s: float,
    at: datetime,
    rank: int,
    total: int,
) -> Recommended:
    straight = haversine_m(c.position.lat, c.position.lon, *place)
    age = c.position.age_seconds(at)
    timing = {
        **rules.minutes_seconds(eta_s),
        "road_km": round(road_m / 1000, 1),
        "line_km": round(straight / 1000, 1),
    }
    if c.unit.type is UnitType.FOOT_PATROL:
        first: tuple[str, dict[str, Any]] = (rules.FOOT_REASON, timing)
    elif c.preemptable and c.busy is not None:
        first = (
            rules.PREEMPT_REASON,
            {**timing, "priority": c.busy.priority, "incident": c.busy.incident_id},
        )
    else:
        first = (rules.AVAILABLE_REASON, timing)
    reasons = [first, (rules.RANK_NOTE, {"rank": rank, "total": total})]
    if age > stale_after_s:
        reasons.append((rules.STALE_NOTE, {"age_min": round(age / 60)}))
    return Recommended(
        unit=c.unit,
        eta_s=round(eta_s, 1),
        road_m=round(road_m, 1),
        straight_m=round(straight, 1),
        position=c.position,
        age_s=round(age, 1),
        stale=age > stale_after_s,
        preemptable=c.preemptable,
        busy=c.busy,
        district_now=geo.district_of(c.position.lat, c.position.lon),
        reasons=tuple(reasons),
    )
