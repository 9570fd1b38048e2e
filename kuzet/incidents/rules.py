"""Pure rules over incidents: duplicate suggestions (place, time, category) and overdue timers (priority)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from kuzet.core.errors import FieldError
from kuzet.core.i18n import N_
from kuzet.incidents.catalogue import Category, compatible
from kuzet.incidents.domain import Incident, IncidentStatus

EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def box_around(lat: float, radius_m: float) -> tuple[float, float]:
    """Half-sizes in degrees (lat, lon) of a box that holds the circle: a cheap database pre-filter."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    return dlat * 1.01, dlon * 1.01


@dataclass(frozen=True)
class Suggestion:
    incident: Incident
    distance_m: float
    minutes_apart: float
    same_category: bool
    score: float


def suggest(
    *,
    lat: float,
    lon: float,
    kind: Category,
    at: datetime,
    candidates: Iterable[tuple[Incident, Category]],
    radius_m: float,
    window: timedelta,
) -> list[Suggestion]:
    """Open incidents that may be the same event, best first.

    The score adds the distance as a share of the radius and the time apart as a share of the window (0 is
    the same place and moment); the same category halves it.
    """
    found = []
    for incident, other in candidates:
        if incident.lat is None or incident.lon is None or not compatible(kind, other):
            continue
        distance = distance_m(lat, lon, incident.lat, incident.lon)
        apart = abs(at - incident.stamps.received_at)
        if distance > radius_m or apart > window:
            continue
        same = other.code == kind.code
        score = (distance / radius_m + apart / window) * (0.5 if same else 1.0)
        found.append(Suggestion(incident, distance, apart.total_seconds() / 60, same, score))
    return sorted(found, key=lambda s: (s.score, s.incident.id))


def place_problems(
    lat: float | None, lon: float | None, address: str | None, inside: Callable[[float, float], bool]
) -> list[FieldError]:
    """What is wrong with a place: coordinates given by halves, outside the region, or no place at all."""
    if (lat is None) != (lon is None):
        field = "lat" if lat is None else "lon"
        return [FieldError(field, N_("Give both latitude and longitude."), "partial_coordinates")]
    if lat is not None and lon is not None and not inside(lat, lon):
        return [FieldError("lat", N_("The point is outside the region served."), "outside_region")]
    if lat is None and not (address or "").strip():
        return [FieldError("address", N_("Give coordinates or an address."), "location_required")]
    return []


class Breach(StrEnum):
    AWAITING_DISPATCH = "awaiting_dispatch"
    AWAITING_ARRIVAL = "awaiting_arrival"
    NO_PLACE = "no_place"  # waiting for a unit with no point on the map: nobody can be sent, overdue at once


@dataclass(frozen=True)
class Overdue:
    incident: Incident
    breach: Breach
    waited: timedelta
    threshold: timedelta

    @property
    def over_by(self) -> timedelta:
        return self.waited - self.threshold


def overdue(
    incidents: Iterable[Incident],
    *,
    now: datetime,
    dispatch_within: Mapping[int, timedelta],
    arrive_within: Mapping[int, timedelta],
) -> list[Overdue]:
    """Open incidents past their priority's threshold, computed from the stamps; the worst first.

    Waiting for dispatch counts from `received_at`; waiting for arrival counts from the first dispatch.
    Priorities with no threshold (4: no dispatch needed) are never overdue. An incident waiting for dispatch
    without a point on the map is overdue from the start: no unit can be recommended until its place is set.
    """
    late = []
    for incident in incidents:
        stamps = incident.stamps
        since: datetime | None
        # A reopened incident waits again from its reopening, not from its first call or first dispatch.
        restart = incident.reopened_at
        if incident.status in (IncidentStatus.NEW, IncidentStatus.QUEUED):
            limit, since = dispatch_within.get(incident.priority), stamps.received_at
            breach = Breach.AWAITING_DISPATCH
        elif incident.status in (IncidentStatus.DISPATCHED, IncidentStatus.EN_ROUTE):
            limit, since = arrive_within.get(incident.priority), stamps.first_dispatched_at
            breach = Breach.AWAITING_ARRIVAL
        else:
            continue
        if since is not None and restart is not None:
            since = max(since, restart)
        if limit is None or since is None:
            continue
        if breach is Breach.AWAITING_DISPATCH and (incident.lat is None or incident.lon is None):
            breach, limit = Breach.NO_PLACE, timedelta(0)
        waited = now - since
        if waited > limit:
            late.append(Overdue(incident, breach, waited, limit))
    return sorted(late, key=lambda o: (-o.over_by, o.incident.priority))
