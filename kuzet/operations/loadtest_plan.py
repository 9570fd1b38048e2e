"""The busy day the load test plays: when each appeal arrives, on a day compressed into a few real minutes.

The day's shape is the demo's (kuzet.demo.profile): the hourly profile of a ЦОУ, its weekly and seasonal
factors, and the region's long-run mean of about 23 appeals an hour (200k+ a year). The load test plays the
busiest day of the year (a summer Saturday), `scale` times over, with the whole day passing in `day_minutes`
real minutes. A shorter run plays only a window of that day: the busiest one, unless a start hour is given.
Pure apart from the random generator it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

import numpy as np

from kuzet.core.clock import LOCAL_TZ
from kuzet.demo import callers
from kuzet.demo.profile import MEAN_PER_HOUR, MONTHS, WEEKDAYS, rate_per_hour

DAY_S: Final = 86_400.0
STEP_S: Final = 60.0  # the day's rate is read once per day-minute


def peak_day(year: int) -> date:
    """The busiest day of a year by the profile: the busiest weekday in the busiest month."""
    month = int(np.argmax(MONTHS)) + 1
    weekday = int(np.argmax(WEEKDAYS))
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7)


@dataclass(frozen=True)
class Day:
    """A day played `scale` times over, compressed so that it passes in `day_minutes` real minutes."""

    on: date
    scale: float = 10.0
    day_minutes: float = 10.0
    mean_per_hour: float = MEAN_PER_HOUR

    @property
    def speedup(self) -> float:
        """Day seconds per real second."""
        return DAY_S / (self.day_minutes * 60.0)

    @property
    def midnight(self) -> datetime:
        return datetime.combine(self.on, time(0), tzinfo=LOCAL_TZ)

    def rate(self, day_s: float) -> float:
        """Appeals per real second at this second of the day."""
        moment = self.midnight + timedelta(seconds=day_s)
        return rate_per_hour(moment, self.mean_per_hour * self.scale) * self.speedup / 3600.0

    def appeals(self) -> float:
        """Expected appeals of the whole day."""
        return sum(self.rate(s) * STEP_S / self.speedup for s in np.arange(0.0, DAY_S, STEP_S))

    def busiest_start(self, run_s: float) -> float:
        """The second of the day where a window of `run_s` real seconds takes the most appeals."""
        width = run_s * self.speedup
        if width >= DAY_S:
            return 0.0
        starts = np.arange(0.0, DAY_S - width + 1.0, STEP_S)
        steps = np.array([self.rate(s) for s in np.arange(0.0, DAY_S, STEP_S)])
        span = max(1, int(width // STEP_S))
        sums = np.convolve(steps, np.ones(span), mode="valid")[: len(starts)]
        return float(starts[int(np.argmax(sums))])


@dataclass(frozen=True)
class Arrival:
    at_s: float  # real seconds from the start of the run
    channel: str  # phone_102 or partner_app
    partner: str | None  # the partner's code for partner_app
    day_s: float  # the moment of the day it stands for


def schedule(
    day: Day,
    rng: np.random.Generator,
    *,
    run_s: float,
    start_day_s: float,
    partner_share: float = callers.PARTNER_SHARE,
    partners: tuple[str, ...] = tuple(callers.PARTNER_WEIGHTS),
) -> list[Arrival]:
    """The appeals of the window: a Poisson process at the day's rate, each by phone or by a partner app."""
    known = {code: w for code, w in callers.PARTNER_WEIGHTS.items() if code in partners}
    mix = callers.Weighted(known) if known else None
    arrivals: list[Arrival] = []
    step_real = STEP_S / day.speedup
    t = 0.0
    while t < run_s:
        length = min(step_real, run_s - t)
        day_s = (start_day_s + t * day.speedup) % DAY_S
        count = int(rng.poisson(day.rate(day_s) * length))
        for offset in np.sort(rng.uniform(0.0, length, count)):
            at = t + float(offset)
            if mix is not None and rng.random() < partner_share:
                arrivals.append(Arrival(at, "partner_app", str(mix.draw(rng)), day_s))
            else:
                arrivals.append(Arrival(at, "phone_102", None, day_s))
        t += length
    return arrivals
