"""Use case: which units to send to an incident, ranked by exact road travel time from where they are now.

A dispatcher waits on this call, so it does no work per unit that the answer does not need: one statement
reads every candidate with its last fix, road snap and current incident (`store.read_candidates`) as plain
rows; the rules decide once per kind of unit (type, status, incident worked on), not once per unit; units are
placed by the snap stored with their fix; and only the k units recommended become objects.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from kuzet.core.actor import Actor
from kuzet.core.errors import Conflict, NotFound, Unavailable
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork
from kuzet.dispatch import recommend as rules
from kuzet.dispatch.store import (
    BUSY_INCIDENT,
    BUSY_PRIORITY,
    CALL_SIGN,
    DISTRICT,
    FIX_AT,
    LAT,
    LON,
    ROAD_DISTANCE_M,
    ROAD_EDGE,
    ROAD_FRACTION,
    SNAP_STORED,
    UNIT_ID,
    UNIT_STATUS,
    UNIT_TYPE,
    read_candidates,
)
from kuzet.geo.graph import F64, I32, RoadGraph
from kuzet.geo.graph import haversine_m as haversine_many
from kuzet.geo.runtime import Geo, Roads
from kuzet.incidents import service as incidents
from kuzet.incidents.catalogue import Group
from kuzet.incidents.domain import Incident
from kuzet.incidents.store import CategoryRepository
from kuzet.units.domain import UnitStatus, UnitType
from kuzet.units.positions.domain import haversine_m

if TYPE_CHECKING:  # numba and scipy: loaded with the road graph (kuzet.geo.runtime), not with this module
    from kuzet.geo.eta import EtaEngine
    from kuzet.geo.snap import Snap

NO_MAP = N_("No road map is loaded: import one with `kuzet import-osm`.")
# Road metres are at least the straight line between their ends, less this share and these metres: slack for
# points placed on an edge by linear interpolation of its ends' coordinates (see _walking_floor_s).
LINE_SLACK = 0.02
LINE_SLACK_M = 1.0

# A candidate row of store.read_candidates: the driver's values, read by position (store.UNIT_ID, ...).
Row = Sequence[Any]


@dataclass(frozen=True)
class Recommended:
    unit_id: int
    call_sign: str
    unit_type: UnitType
    status: UnitStatus
    district: str
    position_at: datetime
    eta_s: float
    road_m: float
    straight_m: float
    age_s: float
    stale: bool
    preemptable: bool
    busy: rules.Busy | None
    district_now: str | None
    other_district: bool  # its home district is not the incident's
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
        if not incident.is_open:
            raise Conflict(N_("The incident is no longer open (or was merged): no unit is to be sent to it."))
        if incident.lat is None or incident.lon is None:
            raise Conflict(N_("The incident has no location yet: set its place first."))
        roads = geo.roads
        if roads is None:
            raise Unavailable(NO_MAP)
        found = read_candidates(
            # Every district's units: the nearest one may stand across a district border (mutual aid).
            uow.session,
            district=None,
            graph=roads.identity,
            edges=roads.graph.edge_count,
        )
    placed = _candidates(
        found.rows,
        group=Group(category.group),
        priority=incident.priority,
        incident_id=incident.id,
        roads=roads,
        max_distance_m=geo.snap_max_distance_m,
    )
    target = roads.snapper.snap(incident.lat, incident.lon)
    factor = geo.factor_at(at)
    ranked = _rank(roads.engine(factor), roads.graph, target, placed, k, foot_speed_kmh)
    place = (incident.lat, incident.lon)
    total = len(placed.rows)
    chosen = [
        _recommended(
            placed.rows[i], placed.preemptable[i], found.fix_at, eta_s, road_m,
            place=place, geo=geo, stale_after_s=stale_after_s, at=at, rank=rank, total=total,
            incident_district=incident.district,
        )
        for rank, (i, eta_s, road_m) in enumerate(ranked, start=1)
    ]  # fmt: skip
    return Recommendation(
        incident, chosen, total, placed.skipped, factor, round(target.distance_m, 1), roads.map_name
    )


@dataclass(frozen=True)
class _Placed:
    """The candidates: units that may be sent, with a position on the road, in roster order (parallel
    lists); and how many units were passed over, and why."""

    rows: list[Row]
    preemptable: list[bool]
    foot: list[bool]
    edges: list[int]
    fractions: list[float]
    skipped: dict[str, int]


def _candidates(
    rows: Sequence[Row], *, group: Group, priority: int, incident_id: int, roads: Roads, max_distance_m: float
) -> _Placed:
    """Sort the rows into candidates and units passed over, in one pass.

    The rules see a unit's type, status and current incident only, so they are asked once per distinct
    such triple. A unit stands where the snap stored with its fix puts it when that snap was made on the
    graph now loaded (SNAP_STORED, which the statement checks against the graph's fingerprint); other fixes
    (stored without a road point, or on a map since re-imported) are snapped now, all at once. Both give the
    same answer for the same fix and graph; a snap farther than the limit is off the road."""
    verdicts: dict[tuple[Any, Any, Any], tuple[rules.Eligibility, bool]] = {}
    kept: list[Row] = []
    preemptable: list[bool] = []
    foot: list[bool] = []
    edges: list[int] = []
    fractions: list[float] = []
    again: list[int] = []  # candidates (their index in kept) whose fix is snapped now
    not_eligible = no_position = off_road = 0
    for row in rows:
        key = (row[UNIT_TYPE], row[UNIT_STATUS], row[BUSY_INCIDENT])
        known = verdicts.get(key)
        if known is None:
            known = verdicts[key] = _verdict(row, group, priority, incident_id)
        verdict, on_foot = known
        if not verdict.eligible:
            not_eligible += 1
        elif row[LAT] is None:
            no_position += 1
        elif not row[SNAP_STORED]:
            again.append(len(kept))
            kept.append(row)
            preemptable.append(verdict.preemptable)
            foot.append(on_foot)
            edges.append(-1)
            fractions.append(0.0)
        elif row[ROAD_DISTANCE_M] <= max_distance_m:
            kept.append(row)
            preemptable.append(verdict.preemptable)
            foot.append(on_foot)
            edges.append(row[ROAD_EDGE])
            fractions.append(row[ROAD_FRACTION])
        else:
            off_road += 1
    if again:
        snapped = roads.place([kept[i][LAT] for i in again], [kept[i][LON] for i in again], max_distance_m)
        lost = set()
        for i, snap in zip(again, snapped, strict=True):
            if snap is None:
                lost.add(i)
            else:
                edges[i], fractions[i] = snap.edge, snap.fraction
        if lost:
            off_road += len(lost)
            stay = [i for i in range(len(kept)) if i not in lost]
            kept = [kept[i] for i in stay]
            preemptable = [preemptable[i] for i in stay]
            foot = [foot[i] for i in stay]
            edges = [edges[i] for i in stay]
            fractions = [fractions[i] for i in stay]
    skipped = {"not_eligible": not_eligible, "no_position": no_position, "off_road": off_road}
    return _Placed(kept, preemptable, foot, edges, fractions, skipped)


def _verdict(row: Row, group: Group, priority: int, incident_id: int) -> tuple[rules.Eligibility, bool]:
    """The rules' verdict on a unit of this row's type, status and current incident; and whether it walks."""
    unit_type = UnitType(row[UNIT_TYPE])
    verdict = rules.eligibility_of(
        unit_type,
        UnitStatus(row[UNIT_STATUS]),
        group=group,
        priority=priority,
        busy=_busy(row),
        incident_id=incident_id,
    )
    return verdict, unit_type is UnitType.FOOT_PATROL


def _busy(row: Row) -> rules.Busy | None:
    return None if row[BUSY_INCIDENT] is None else rules.Busy(row[BUSY_INCIDENT], row[BUSY_PRIORITY])


def _rank(
    engine: EtaEngine, graph: RoadGraph, target: Snap, placed: _Placed, k: int, foot_speed_kmh: float
) -> list[tuple[int, float, float]]:
    """The k fastest to arrive: (index in rows, ETA, road metres). Cars: the exact search stops once the k
    best are known. Foot patrols walk the fastest driving route at walking pace; their search is not cut
    short, but a foot patrol whose straight line alone takes longer to walk than the k-th car needs to
    drive is left out of it: at least k units beat it whatever its route."""
    edges = np.array(placed.edges, dtype=np.int32)
    fractions = np.array(placed.fractions, dtype=np.float64)
    foot = np.array(placed.foot, dtype=bool)
    driving, walking = np.flatnonzero(~foot), np.flatnonzero(foot)
    cars = engine.etas_arrays(target, edges[driving], fractions[driving], k=k)
    found = [(int(driving[e.source]), e.seconds, e.meters) for e in cars]
    pace = foot_speed_kmh / 3.6
    if len(walking) and len(cars) >= k:
        floor = _walking_floor_s(graph, target, edges[walking], fractions[walking], pace)
        walking = walking[floor <= cars[k - 1].seconds]
    if len(walking):
        found += [
            (int(walking[e.source]), e.meters / pace, e.meters)
            for e in engine.etas_arrays(target, edges[walking], fractions[walking], k=None)
        ]
    rows = placed.rows
    found.sort(key=lambda item: (item[1], rows[item[0]][CALL_SIGN]))
    return found[:k]


def _walking_floor_s(graph: RoadGraph, target: Snap, edges: I32, fractions: F64, pace: float) -> F64:
    """A lower bound on the seconds each point needs to walk any road route to the target.

    A route is at least the straight line between its ends, times the graph's least road-to-line ratio (1
    on graphs built from OSM, whose edge lengths are the line between their nodes). A point on an edge is
    placed by interpolating its ends' coordinates, which may put it a little nearer or farther than its
    share of the edge's length; LINE_SLACK and LINE_SLACK_M cover that with a wide margin."""
    tail, head = graph.tail[edges], graph.head[edges]
    lat = graph.lat[tail] + fractions * (graph.lat[head] - graph.lat[tail])
    lon = graph.lon[tail] + fractions * (graph.lon[head] - graph.lon[tail])
    line = haversine_many(lat, lon, np.full_like(lat, target.lat), np.full_like(lon, target.lon))
    metres = np.maximum(line * _road_over_line(graph) / (1.0 + LINE_SLACK) - LINE_SLACK_M, 0.0)
    floor: F64 = metres / pace
    return floor


_ROAD_OVER_LINE: weakref.WeakKeyDictionary[RoadGraph, float] = weakref.WeakKeyDictionary()
_ROAD_OVER_LINE_LOCK = threading.Lock()


def _road_over_line(graph: RoadGraph) -> float:
    """The least ratio, over the graph's edges, of an edge's length to the straight line between its ends
    (at most 1). Computed once per graph."""
    with _ROAD_OVER_LINE_LOCK:
        found = _ROAD_OVER_LINE.get(graph)
        if found is None:
            lat, lon, tail, head = graph.lat, graph.lon, graph.tail, graph.head
            line = haversine_many(lat[tail], lon[tail], lat[head], lon[head])
            apart = line > 0
            least = float((graph.length_m[apart] / line[apart]).min()) if apart.any() else 1.0
            found = _ROAD_OVER_LINE[graph] = min(1.0, least)
    return found


def _recommended(
    row: Row,
    preemptable: bool,
    fix_at: Callable[[Any], datetime],
    eta_s: float,
    road_m: float,
    *,
    place: tuple[float, float],
    geo: Geo,
    stale_after_s: float,
    at: datetime,
    rank: int,
    total: int,
    incident_district: str | None,
) -> Recommended:
    lat, lon = row[LAT], row[LON]
    straight = haversine_m(lat, lon, *place)
    position_at: datetime = fix_at(row[FIX_AT])
    age = max(0.0, (at - position_at).total_seconds())
    unit_type = UnitType(row[UNIT_TYPE])
    busy = _busy(row)
    timing = {
        **rules.minutes_seconds(eta_s),
        "road_km": round(road_m / 1000, 1),
        "line_km": round(straight / 1000, 1),
    }
    if unit_type is UnitType.FOOT_PATROL:
        first: tuple[str, dict[str, Any]] = (rules.FOOT_REASON, timing)
    elif preemptable and busy is not None:
        first = (rules.PREEMPT_REASON, {**timing, "priority": busy.priority, "incident": busy.incident_id})
    else:
        first = (rules.AVAILABLE_REASON, timing)
    reasons = [first, (rules.RANK_NOTE, {"rank": rank, "total": total})]
    if age > stale_after_s:
        reasons.append((rules.STALE_NOTE, {"age_min": round(age / 60)}))
    other_district = incident_district is not None and row[DISTRICT] != incident_district
    if other_district:
        reasons.append((rules.OTHER_DISTRICT_NOTE, {}))
    return Recommended(
        unit_id=row[UNIT_ID],
        call_sign=row[CALL_SIGN],
        unit_type=unit_type,
        status=UnitStatus(row[UNIT_STATUS]),
        district=row[DISTRICT],
        position_at=position_at,
        eta_s=round(eta_s, 1),
        road_m=round(road_m, 1),
        straight_m=round(straight, 1),
        age_s=round(age, 1),
        stale=age > stale_after_s,
        preemptable=preemptable,
        busy=busy,
        district_now=geo.district_of(lat, lon),
        other_district=other_district,
        reasons=tuple(reasons),
    )
