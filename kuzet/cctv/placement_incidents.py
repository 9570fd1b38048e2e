"""The incidents a placement plan counts: those received in a period, with their priority and point.

A period is a year (`2025`), a month (`2025-06`), a day (`2025-06-01`) or a span of days
(`2025-01-01..2025-06-30`), in local dates (Asia/Almaty), both ends included. Live incidents come from the
incident store; an incident merged into another is the other's duplicate and is not counted twice.
Imported incidents (`kuzet import-cad`) carry no point: with `origin` imported or all they are counted and
reported as left out, never placed.

Like the analytics snapshot, this reads a few columns of other features' tables, read-only, in one short
transaction: going through their services would build every incident's domain object for five numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, func, select

from kuzet.analytics.cad.tables import imported_incidents
from kuzet.analytics.domain import Origin
from kuzet.cctv.placement import PlacementError
from kuzet.core.clock import LOCAL_TZ
from kuzet.incidents.store import incidents

_PERIOD: Final = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
MAX_PERIOD_DAYS: Final = 366 * 5


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    def __str__(self) -> str:
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC of the local days first..last."""
        start = datetime.combine(self.first, time(), LOCAL_TZ)
        end = datetime.combine(self.last + timedelta(days=1), time(), LOCAL_TZ)
        return start, end


def parse_period(text: str) -> Period:
    """A year, a month, a day, or `first..last` of those; PlacementError on field `period` otherwise."""
    text = text.strip()
    try:
        if ".." in text:
            left, right = text.split("..", 1)
            period = Period(_one(left).first, _one(right).last)
        else:
            period = _one(text)
    except ValueError:
        raise PlacementError(
            "period",
            f"period {text!r} is not a year, a month, a day (2025, 2025-06, 2025-06-01) or a span a..b",
        ) from None
    if period.last < period.first:
        raise PlacementError("period", f"period {text!r} ends before it begins")
    if (period.last - period.first).days > MAX_PERIOD_DAYS:
        raise PlacementError("period", f"period {text!r} is longer than {MAX_PERIOD_DAYS} days")
    return period


def _one(text: str) -> Period:
    match = _PERIOD.match(text.strip())
    if not match:
        raise ValueError(text)
    year = int(match.group(1))
    month, day = (int(g) if g else None for g in match.groups()[1:])
    if month is None:
        return Period(date(year, 1, 1), date(year, 12, 31))
    if day is None:
        first = date(year, month, 1)
        following = date(year + (month == 12), month % 12 + 1, 1)
        return Period(first, following - timedelta(days=1))
    return Period(date(year, month, day), date(year, month, day))


@dataclass(frozen=True, eq=False)
class PeriodIncidents:
    """Incidents with a point, as arrays; and how many of the period were left out for having none."""

    incident_id: npt.NDArray[np.int64]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    priority: npt.NDArray[np.int64]
    without_point: int
    imported_without_point: int

    def __len__(self) -> int:
        return len(self.lat)


def read_incidents(engine: Engine, period: Period, origin: Origin = Origin.LIVE) -> PeriodIncidents:
    """The period's incidents of the given origin that have a point."""
    start, end = period.utc_bounds()
    ids: list[int] = []
    lats: list[float] = []
    lons: list[float] = []
    priorities: list[int] = []
    without_point = imported = 0
    with engine.connect() as conn:
        if origin in (Origin.LIVE, Origin.ALL):
            received = (incidents.c.received_at >= start) & (incidents.c.received_at < end)
            live = incidents.c.merged_into_id.is_(None) & received
            query = select(incidents.c.id, incidents.c.lat, incidents.c.lon, incidents.c.priority).where(live)
            for row in conn.execute(query):
                if row.lat is None or row.lon is None:
                    without_point += 1
                    continue
                ids.append(row.id)
                lats.append(row.lat)
                lons.append(row.lon)
                priorities.append(row.priority)
        if origin in (Origin.IMPORTED, Origin.ALL):
            received = (imported_incidents.c.received_at >= start) & (imported_incidents.c.received_at < end)
            imported = int(
                conn.execute(
                    select(func.count()).select_from(imported_incidents).where(received)
                ).scalar_one()
            )
    return PeriodIncidents(
        incident_id=np.array(ids, dtype=np.int64),
        lat=np.array(lats, dtype=np.float64),
        lon=np.array(lons, dtype=np.float64),
        priority=np.array(priorities, dtype=np.int64),
        without_point=without_point,
        imported_without_point=imported,
    )
