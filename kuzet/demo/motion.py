"""Demo time and movement along roads. Pure apart from the clock's reading of the real one.

Demo time runs `speedup` times faster than real time from the moment the simulation starts; appeals arrive
and units drive, stay and clear on demo time. What the server stamps stays real time.
"""

from __future__ import annotations

import math
import time
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise

LatLon = tuple[float, float]
EARTH_RADIUS_M = 6_371_008.8


class SimClock:
    """Demo time: `speedup` demo seconds pass for each real second."""

    def __init__(
        self,
        speedup: float,
        *,
        start: datetime | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if speedup <= 0:
            raise ValueError("the speed-up must be positive")
        self.speedup = speedup
        self._monotonic = monotonic
        self._real_start = monotonic()
        self._demo_start = start or datetime.now(UTC)

    def now(self) -> datetime:
        return self._demo_start + timedelta(seconds=(self._monotonic() - self._real_start) * self.speedup)

    def real_seconds(self, demo_seconds: float) -> float:
        return demo_seconds / self.speedup


def metres(a: LatLon, b: LatLon) -> float:
    """Great-circle distance between two (lat, lon) points."""
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def heading(a: LatLon, b: LatLon) -> float:
    """Compass bearing from a to b, 0 to 360 (0 when they coincide)."""
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dl = math.radians(b[1] - a[1])
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return 0.0 if x == y == 0 else math.degrees(math.atan2(y, x)) % 360.0


@dataclass(frozen=True)
class Drive:
    """A unit moving along a polyline at a steady pace, from `started` for `seconds` (demo time)."""

    points: tuple[LatLon, ...]
    cumulative: tuple[float, ...]  # metres from the start to each point
    started: datetime
    seconds: float

    @classmethod
    def along(cls, points: Sequence[LatLon], started: datetime, seconds: float) -> Drive:
        if not points:
            raise ValueError("a drive needs at least one point")
        run = [0.0]
        for a, b in pairwise(points):
            run.append(run[-1] + metres(a, b))
        return cls(tuple(points), tuple(run), started, max(seconds, 1.0))

    @property
    def metres(self) -> float:
        return self.cumulative[-1]

    @property
    def speed_kmh(self) -> float:
        return self.metres / self.seconds * 3.6

    @property
    def end(self) -> LatLon:
        return self.points[-1]

    def done(self, moment: datetime) -> bool:
        return (moment - self.started).total_seconds() >= self.seconds

    def at(self, moment: datetime) -> tuple[LatLon, float]:
        """Where the unit is at `moment`, and its heading."""
        share = min(max((moment - self.started).total_seconds() / self.seconds, 0.0), 1.0)
        if len(self.points) == 1 or self.metres == 0:
            return self.points[-1], 0.0
        travelled = share * self.metres
        i = min(bisect_right(self.cumulative, travelled), len(self.points) - 1)
        a, b = self.points[i - 1], self.points[i]
        span = self.cumulative[i] - self.cumulative[i - 1]
        f = 0.0 if span == 0 else (travelled - self.cumulative[i - 1]) / span
        here = (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f)
        return here, heading(a, b)
