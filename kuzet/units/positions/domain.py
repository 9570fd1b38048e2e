"""Unit positions (AVL) as the domain sees them: a GPS fix, and the rules a fix must meet to be stored."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from kuzet.core.errors import FieldError
from kuzet.core.i18n import N_

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Fix:
    """One GPS fix of a unit, as a terminal or the AVL gateway reports it."""

    call_sign: str
    at: datetime
    lat: float
    lon: float
    speed_kmh: float | None = None
    heading: float | None = None
    accuracy_m: float | None = None


@dataclass(frozen=True)
class FixRules:
    max_speed_kmh: float
    future_tolerance: timedelta
    max_age: timedelta


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _finite(value: float | None) -> bool:
    return value is None or math.isfinite(value)


def check(fix: Fix, where: str, rules: FixRules, now: datetime) -> list[FieldError]:
    """Everything wrong with one fix (empty if it may be stored); `where` prefixes the field names."""
    errors: list[FieldError] = []
    if not math.isfinite(fix.lat) or not -90 <= fix.lat <= 90:
        errors.append(FieldError(f"{where}lat", N_("Not a latitude between -90 and 90."), "out_of_range"))
    if not math.isfinite(fix.lon) or not -180 <= fix.lon <= 180:
        errors.append(FieldError(f"{where}lon", N_("Not a longitude between -180 and 180."), "out_of_range"))
    if fix.at > now + rules.future_tolerance:
        errors.append(FieldError(f"{where}at", N_("The time is in the future."), "in_future"))
    elif fix.at < now - rules.max_age:
        errors.append(FieldError(f"{where}at", N_("The fix is too old to be useful."), "too_old"))
    if not _finite(fix.speed_kmh) or (
        fix.speed_kmh is not None and not 0 <= fix.speed_kmh <= rules.max_speed_kmh
    ):
        errors.append(
            FieldError(
                f"{where}speed_kmh",
                N_("The speed is not plausible (0 to {max} km/h)."),
                "implausible_speed",
                params={"max": round(rules.max_speed_kmh)},
            )
        )
    if not _finite(fix.heading) or (fix.heading is not None and not 0 <= fix.heading < 360):
        errors.append(FieldError(f"{where}heading", N_("Not a heading from 0 to 360."), "out_of_range"))
    if not _finite(fix.accuracy_m) or (fix.accuracy_m is not None and fix.accuracy_m < 0):
        errors.append(FieldError(f"{where}accuracy_m", N_("Must be zero or more."), "out_of_range"))
    return errors


def jump_too_fast(
    before: tuple[datetime, float, float], fix: Fix, rules: FixRules, *, slack_m: float = 100.0
) -> bool:
    """Whether reaching the fix from the previous one needs a speed no car has (GPS jumps are refused).

    A slack distance absorbs the scatter of two fixes taken close together in time."""
    at, lat, lon = before
    seconds = abs((fix.at - at).total_seconds())
    distance = haversine_m(lat, lon, fix.lat, fix.lon) - slack_m
    if distance <= 0:
        return False
    return seconds == 0 or distance / seconds * 3.6 > rules.max_speed_kmh


@dataclass(frozen=True)
class RoadPoint:
    """Where a point lies on the road graph: the directed edge, the fraction along it, and how far off.

    `graph` is the fingerprint of the road graph it was snapped on (edge ids mean nothing on another)."""

    edge: int
    fraction: float
    distance_m: float
    lat: float
    lon: float
    graph: str
