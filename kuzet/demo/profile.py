"""When appeals come in: the hourly, weekly and seasonal load of a ЦОУ, as appeals per hour. Pure.

The shapes follow what regional police report (DESIGN §8): few calls between 4 and 6 a.m., a climb through
the day and a peak in the evening; the nights of Friday and Saturday are heavier; summer is busier than
winter. Each factor averages 1 over its cycle, so `mean_per_hour` stays the long-run average.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

import numpy as np
import numpy.typing as npt

from kuzet.core.clock import to_local

# A region of 200k appeals a year takes about 23 an hour.
MEAN_PER_HOUR: Final = 23.0


def _normalised(weights: Sequence[float]) -> tuple[float, ...]:
    mean = sum(weights) / len(weights)
    return tuple(w / mean for w in weights)


# Relative load by local hour, 0 to 23.
WEEKDAY_HOURS: Final = _normalised(
    (1.05, 0.85, 0.65, 0.50, 0.38, 0.33, 0.40, 0.60, 0.80, 0.90, 0.95, 1.00,
     1.05, 1.05, 1.05, 1.10, 1.15, 1.25, 1.40, 1.50, 1.55, 1.55, 1.45, 1.25)
)  # fmt: skip
# Saturdays and Sundays: the small hours carry the night before (Friday and Saturday nights out).
WEEKEND_HOURS: Final = _normalised(
    (1.50, 1.35, 1.15, 0.85, 0.60, 0.45, 0.40, 0.45, 0.55, 0.70, 0.85, 0.95,
     1.00, 1.05, 1.05, 1.10, 1.15, 1.25, 1.40, 1.50, 1.60, 1.70, 1.75, 1.65)
)  # fmt: skip
# Monday to Sunday.
WEEKDAYS: Final = _normalised((0.95, 0.93, 0.95, 0.97, 1.05, 1.12, 1.03))
# January to December.
MONTHS: Final = _normalised((0.92, 0.88, 0.93, 0.97, 1.03, 1.08, 1.12, 1.10, 1.02, 0.98, 0.95, 1.02))


def hour_factor(weekday: int, hour: int) -> float:
    """The load of a local hour of a day of the week (0 = Monday), relative to that day's average."""
    return (WEEKEND_HOURS if weekday >= 5 else WEEKDAY_HOURS)[hour]


def rate_per_hour(moment: datetime, mean_per_hour: float = MEAN_PER_HOUR) -> float:
    """Expected appeals per hour at this moment (read in the region's local time)."""
    local = to_local(moment)
    weekday = local.weekday()
    return mean_per_hour * hour_factor(weekday, local.hour) * WEEKDAYS[weekday] * MONTHS[local.month - 1]


def arrivals(rng: np.random.Generator, moment: datetime, seconds: float, mean_per_hour: float) -> int:
    """How many appeals arrive in the next `seconds` after `moment` (a Poisson draw at the local rate)."""
    if seconds <= 0:
        return 0
    return int(rng.poisson(rate_per_hour(moment, mean_per_hour) * seconds / 3600.0))


def hourly_weights(starts: Sequence[datetime]) -> npt.NDArray[np.float64]:
    """The relative load of each hour that begins at one of `starts` (for spreading a year of history)."""
    weights = np.array([rate_per_hour(start, 1.0) for start in starts], dtype=np.float64)
    total = weights.sum()
    return weights / total if total > 0 else weights
