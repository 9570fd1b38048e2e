"""The use case of a comparison: each selection's values of one interval, taken from the interval engine's
columns with the engine's own selection (period, origin, filters, merged incidents left out), and compared
by `compare.py`. Only valid values count, as in the engine's statistics: a missing or negative interval is
left out.

numpy's statistics of the engine and scipy are imported when a comparison is made, so that the API's routers,
and the server, start without them (see `kuzet.analytics.service`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kuzet.analytics.domain import Query
from kuzet.core.errors import FieldError, InvalidInput
from kuzet.core.i18n import N_

if TYPE_CHECKING:
    import numpy as np

    from kuzet.analytics.compare import Comparison
    from kuzet.analytics.service import Analytics


@dataclass(frozen=True)
class Settings:
    """How a comparison is tested: the significance level; the bootstrap's resamples, confidence, seed."""

    alpha: float = 0.05
    resamples: int = 2000
    confidence: float = 0.95
    seed: int = 20260101


def interval_values(analytics: Analytics, query: Query, interval: str) -> np.ndarray:
    """The valid seconds of the named interval over the incidents the query selects, in the engine's order."""
    import numpy as np

    from kuzet.analytics.intervals import stats

    _check(analytics, interval)
    analytics.ensure_fresh()
    view = analytics.engine.columns.view()
    mask, _ = stats.selection(view, query.checked())
    values: np.ndarray = view.values[view.intervals.index(interval), : view.rows][mask]
    kept: np.ndarray = values[np.isfinite(values) & (values >= 0.0)]
    return kept


def _check(analytics: Analytics, interval: str) -> None:
    if interval not in analytics.interval_names:
        raise InvalidInput(
            [
                FieldError(
                    "interval",
                    N_("Unknown interval {value}; use one of: {expected}."),
                    "unknown_interval",
                    "query",
                    {"value": interval, "expected": ", ".join(analytics.interval_names)},
                )
            ]
        )


def compare(analytics: Analytics, a: Query, b: Query, interval: str, settings: Settings) -> Comparison:
    from kuzet.analytics import compare as statistics

    _check(analytics, interval)
    return statistics.compare(
        interval_values(analytics, a, interval),
        interval_values(analytics, b, interval),
        alpha=settings.alpha,
        resamples=settings.resamples,
        confidence=settings.confidence,
        seed=settings.seed,
    )
