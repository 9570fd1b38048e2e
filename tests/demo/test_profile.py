"""The hourly profile of appeals: quiet before dawn, busiest in the evening, heavier weekend nights."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from kuzet.core.clock import LOCAL_TZ
from kuzet.demo.history import history_window, receive_times
from kuzet.demo.profile import MEAN_PER_HOUR, arrivals, rate_per_hour

WEDNESDAY = datetime(2026, 10, 14, tzinfo=LOCAL_TZ)
SATURDAY = datetime(2026, 10, 17, tzinfo=LOCAL_TZ)


def _day(start: datetime) -> list[float]:
    return [rate_per_hour(start + timedelta(hours=h)) for h in range(24)]


def test_the_quietest_hours_are_between_four_and_six_in_the_morning() -> None:
    day = _day(WEDNESDAY)
    assert int(np.argmin(day)) in (4, 5)
    assert max(day[4:6]) < 0.5 * MEAN_PER_HOUR


def test_the_evening_is_the_peak() -> None:
    day = _day(WEDNESDAY)
    assert 18 <= int(np.argmax(day)) <= 22
    assert max(day) > 1.3 * MEAN_PER_HOUR


def test_weekend_nights_are_heavier_than_weekday_nights() -> None:
    for hour in (0, 1, 2, 23):
        late = timedelta(hours=hour)
        assert rate_per_hour(SATURDAY + late) > rate_per_hour(WEDNESDAY + late)


def test_a_year_averages_the_mean_rate_of_a_200k_region() -> None:
    start = datetime(2026, 1, 1, tzinfo=LOCAL_TZ)
    hourly = [rate_per_hour(start + timedelta(hours=h)) for h in range(365 * 24)]
    assert abs(np.mean(hourly) - MEAN_PER_HOUR) < 0.02 * MEAN_PER_HOUR
    assert 190_000 < sum(hourly) < 215_000


def test_arrivals_follow_the_rate() -> None:
    rng = np.random.default_rng(3)
    evening, dawn = WEDNESDAY + timedelta(hours=20), WEDNESDAY + timedelta(hours=5)
    in_evening = sum(arrivals(rng, evening, 600, MEAN_PER_HOUR) for _ in range(600))  # 100 hours
    at_dawn = sum(arrivals(rng, dawn, 600, MEAN_PER_HOUR) for _ in range(600))
    assert abs(in_evening / 100 - rate_per_hour(evening)) < 0.1 * rate_per_hour(evening)
    assert at_dawn < in_evening / 3
    assert arrivals(rng, evening, 0, MEAN_PER_HOUR) == 0


def test_a_simulated_year_ends_before_today_and_keeps_the_profile() -> None:
    now = datetime(2026, 11, 30, 13, 20, tzinfo=LOCAL_TZ)
    start, end = history_window(now)
    assert end < now.replace(hour=0, minute=0) and (end - start).days >= 364
    moments = receive_times(np.random.default_rng(5), 20_000, start, end)
    assert moments == sorted(moments) and start <= moments[0] and moments[-1] < end
    hours = np.bincount([m.astimezone(LOCAL_TZ).hour for m in moments], minlength=24)
    assert hours[20] > 3 * hours[5]
