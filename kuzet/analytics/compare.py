"""Two selections of interval values side by side: did we get faster?

Pure statistics over two samples of seconds (no framework, no database). The medians are compared with the
two-sided Mann–Whitney U test (scipy.stats.mannwhitneyu, its default method: exact for small samples without
ties, else the normal approximation with tie and continuity corrections). The difference of the P90s (B − A)
gets a percentile bootstrap confidence interval: each sample is resampled with replacement on its own, a
fixed number of times, from a seeded generator, so that the same samples give the same interval.
Quantiles are numpy's default (linear interpolation), as the interval engine's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

TEST_NAME: Final = "Mann-Whitney U (two-sided)"
BOOTSTRAP_METHOD: Final = "percentile bootstrap"
DEFAULT_RESAMPLES: Final = 2000
DEFAULT_CONFIDENCE: Final = 0.95
DEFAULT_ALPHA: Final = 0.05
DEFAULT_SEED: Final = 20260101
CHUNK: Final = 256  # resamples drawn at once: bounds the memory of one step to CHUNK × the larger sample


@dataclass(frozen=True)
class SampleSummary:
    n: int
    median: float | None
    p90: float | None
    mean: float | None

    @classmethod
    def of(cls, values: np.ndarray) -> SampleSummary:
        if not values.size:
            return cls(0, None, None, None)
        return cls(
            int(values.size),
            float(np.median(values)),
            float(np.percentile(values, 90)),
            float(values.mean()),
        )


@dataclass(frozen=True)
class MannWhitney:
    test: str
    u: float  # the U statistic of sample A, as scipy gives it
    p_value: float


@dataclass(frozen=True)
class BootstrapInterval:
    method: str
    resamples: int
    confidence: float
    seed: int
    low: float
    high: float


@dataclass(frozen=True)
class Comparison:
    """A against B; each difference is B − A (negative: B is faster). `significant` is None when either
    sample is empty (nothing to test)."""

    a: SampleSummary
    b: SampleSummary
    median_difference: float | None
    p90_difference: float | None
    mean_difference: float | None
    mann_whitney: MannWhitney | None
    p90_interval: BootstrapInterval | None
    alpha: float
    significant: bool | None


def mann_whitney(a: np.ndarray, b: np.ndarray) -> MannWhitney:
    result = stats.mannwhitneyu(a, b, alternative="two-sided")
    return MannWhitney(TEST_NAME, float(result.statistic), float(result.pvalue))


def bootstrap_p90_difference(
    a: np.ndarray,
    b: np.ndarray,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = DEFAULT_SEED,
) -> BootstrapInterval:
    """The percentile bootstrap interval of P90(B) − P90(A): both samples resampled independently."""
    if not a.size or not b.size:
        raise ValueError("both samples need at least one value")
    if resamples < 1 or not 0.0 < confidence < 1.0:
        raise ValueError("resamples must be positive and confidence strictly between 0 and 1")
    rng = np.random.default_rng(seed)
    differences = np.empty(resamples)
    for start in range(0, resamples, CHUNK):
        size = min(CHUNK, resamples - start)
        drawn_a = a[rng.integers(0, a.size, size=(size, a.size))]
        drawn_b = b[rng.integers(0, b.size, size=(size, b.size))]
        differences[start : start + size] = np.percentile(drawn_b, 90, axis=1) - np.percentile(
            drawn_a, 90, axis=1
        )
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(differences, [tail, 1.0 - tail])
    return BootstrapInterval(BOOTSTRAP_METHOD, resamples, confidence, seed, float(low), float(high))


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else b - a


def compare(
    a: np.ndarray,
    b: np.ndarray,
    *,
    alpha: float = DEFAULT_ALPHA,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = DEFAULT_SEED,
) -> Comparison:
    """The two samples' figures, their differences (B − A), the Mann–Whitney test of the medians and the
    bootstrap interval of the P90 difference; significant when the test's p-value is below alpha."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    first, second = SampleSummary.of(a), SampleSummary.of(b)
    test = interval = None
    significant = None
    if a.size and b.size:
        test = mann_whitney(a, b)
        interval = bootstrap_p90_difference(a, b, resamples=resamples, confidence=confidence, seed=seed)
        significant = bool(test.p_value < alpha)
    return Comparison(
        a=first,
        b=second,
        median_difference=_difference(first.median, second.median),
        p90_difference=_difference(first.p90, second.p90),
        mean_difference=_difference(first.mean, second.mean),
        mann_whitney=test,
        p90_interval=interval,
        alpha=alpha,
        significant=significant,
    )
