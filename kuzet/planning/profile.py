"""When calls arrive: an hour-of-week profile (168 rates per hour) with a factor per month. Pure.

Hour 0 of the week is Monday 00:00 in the region's local time. The monthly factors average 1, so the
profile's mean rate is that of the 168 rates. It is learnt from received times (live or imported history)
or read from a file: JSON `{"rates": [168 numbers], "months": [12 numbers]}` or CSV with a header
`hour_of_week,rate` and, optionally, the columns `month,factor` (months 1-12) on the first rows.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from kuzet.core.clock import to_local
from kuzet.geo.graph import F64
from kuzet.planning.errors import PlanningInputError

HOURS_OF_WEEK = 168


def hour_of_week(moment: datetime) -> int:
    local = to_local(moment)
    return local.weekday() * 24 + local.hour


@dataclass(frozen=True)
class ArrivalProfile:
    rates: F64  # calls per hour, by hour of the week
    months: F64  # multiplier by month, January first

    def __post_init__(self) -> None:
        if self.rates.shape != (HOURS_OF_WEEK,):
            raise PlanningInputError("profile.rates", f"needs {HOURS_OF_WEEK} values, not {self.rates.size}")
        if self.months.shape != (12,):
            raise PlanningInputError("profile.months", f"needs 12 values, not {self.months.size}")
        if not (np.isfinite(self.rates).all() and (self.rates >= 0).all()):
            raise PlanningInputError("profile.rates", "every rate must be a number >= 0")
        if not (np.isfinite(self.months).all() and (self.months >= 0).all()):
            raise PlanningInputError("profile.months", "every factor must be a number >= 0")
        if not self.rates.sum() > 0:
            raise PlanningInputError("profile.rates", "all rates are zero: no call would arrive")

    @classmethod
    def flat(cls, per_hour: float) -> ArrivalProfile:
        return cls(np.full(HOURS_OF_WEEK, float(per_hour)), np.ones(12))

    @classmethod
    def learn(cls, received: Sequence[datetime]) -> ArrivalProfile:
        """Rates from received times: calls in each hour of the week over the times that hour occurred."""
        if not received:
            raise PlanningInputError("history", "is empty: no received times to learn arrivals from")
        first, last = min(received), max(received)
        start = to_local(first).replace(minute=0, second=0, microsecond=0)
        hours = max(1, int((last - start).total_seconds() // 3600) + 1)
        seen_how = np.zeros(HOURS_OF_WEEK)
        seen_month = np.zeros(12)
        for h in range(hours):
            local = to_local(start + timedelta(hours=h))
            seen_how[local.weekday() * 24 + local.hour] += 1
            seen_month[local.month - 1] += 1
        count_how = np.zeros(HOURS_OF_WEEK)
        count_month = np.zeros(12)
        for moment in received:
            local = to_local(moment)
            count_how[local.weekday() * 24 + local.hour] += 1
            count_month[local.month - 1] += 1
        rates = np.divide(count_how, seen_how, out=np.zeros(HOURS_OF_WEEK), where=seen_how > 0)
        mean = len(received) / hours
        month_rate = np.divide(count_month, seen_month, out=np.full(12, mean), where=seen_month > 0)
        months = month_rate / mean
        # Months never seen keep factor 1; the seen ones are scaled so that they average 1.
        seen = seen_month > 0
        months[seen] = months[seen] / months[seen].mean()
        months[~seen] = 1.0
        return cls(rates, months)

    @classmethod
    def read(cls, path: Path) -> ArrivalProfile:
        if not path.is_file():
            raise PlanningInputError("profile", f"{path}: no such file")
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".json":
            try:
                data = json.loads(text)
                rates = np.asarray(data["rates"], float)
                months = np.asarray(data.get("months", [1.0] * 12), float)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise PlanningInputError("profile", f"{path}: not a profile ({exc})") from exc
            return cls(rates, months)
        rates = np.full(HOURS_OF_WEEK, np.nan)
        months = np.ones(12)
        reader = csv.DictReader(text.splitlines())
        if not {"hour_of_week", "rate"} <= set(reader.fieldnames or ()):
            raise PlanningInputError("profile", f"{path}: needs the columns hour_of_week and rate")
        for line, row in enumerate(reader, start=2):
            try:
                if (row.get("hour_of_week") or "").strip():
                    rates[int(row["hour_of_week"])] = float(row["rate"])
                if (row.get("month") or "").strip():
                    months[int(row["month"]) - 1] = float(row["factor"])
            except (ValueError, IndexError, KeyError, TypeError) as exc:
                raise PlanningInputError("profile", f"{path} line {line}: {exc}") from exc
        return cls(rates, months)

    def rate_at(self, moment: datetime) -> float:
        local = to_local(moment)
        return float(self.rates[local.weekday() * 24 + local.hour] * self.months[local.month - 1])

    def arrivals(self, rng: np.random.Generator, start: datetime, hours: int, scale: float = 1.0) -> F64:
        """Arrival moments in seconds after `start` over `hours` hours: a Poisson process, piecewise
        constant per hour, sorted."""
        local = to_local(start)
        how0 = local.weekday() * 24 + local.hour
        index = np.arange(hours)
        # The region keeps one offset all year (Asia/Almaty has no daylight saving), so local wall time
        # advances with the run's hours.
        wall = np.datetime64(local.replace(tzinfo=None), "h") + index.astype("timedelta64[h]")
        month_of = wall.astype("datetime64[M]").astype(np.int64) % 12
        rate = self.rates[(how0 + index) % HOURS_OF_WEEK] * self.months[month_of] * scale
        counts = rng.poisson(rate)
        base = np.repeat(index * 3600.0, counts)
        moments: F64 = np.sort(base + rng.uniform(0.0, 3600.0, size=len(base)))
        return moments
