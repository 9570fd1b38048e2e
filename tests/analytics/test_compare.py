"""Comparing two selections: the statistics agree with scipy.stats and with a hand count of the ranks, the
bootstrap interval of the P90 difference is reproducible from its seed and holds the true difference, and
the same sample twice is no difference at all."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from kuzet.analytics.compare import (
    BOOTSTRAP_METHOD,
    TEST_NAME,
    bootstrap_p90_difference,
    compare,
)


def samples(seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Last year's response times, and this year's, about a minute faster and with ties (whole seconds)."""
    rng = np.random.default_rng(seed)
    last_year = np.round(240 + rng.gamma(4.0, 60.0, size=140))
    this_year = np.round(200 + rng.gamma(4.0, 55.0, size=120))
    return last_year, this_year


def test_the_test_of_the_medians_is_scipys_mann_whitney() -> None:
    a, b = samples()
    found = compare(a, b)
    expected = stats.mannwhitneyu(a, b, alternative="two-sided")
    assert found.mann_whitney is not None
    assert found.mann_whitney.test == TEST_NAME
    assert found.mann_whitney.u == expected.statistic
    assert found.mann_whitney.p_value == expected.pvalue
    # U of A is its rank sum less the smallest it could be (ties share their mean rank).
    ranks = stats.rankdata(np.concatenate([a, b]))
    assert found.mann_whitney.u == pytest.approx(ranks[: a.size].sum() - a.size * (a.size + 1) / 2)
    assert found.significant is bool(expected.pvalue < 0.05)
    assert found.significant is True


def test_the_figures_and_differences_are_numpys() -> None:
    a, b = samples()
    found = compare(a, b)
    assert (found.a.n, found.b.n) == (a.size, b.size)
    assert found.a.median == np.median(a) and found.b.median == np.median(b)
    assert found.a.p90 == np.percentile(a, 90) and found.b.p90 == np.percentile(b, 90)
    assert found.a.mean == pytest.approx(a.mean())
    assert found.median_difference == np.median(b) - np.median(a)
    assert found.p90_difference == np.percentile(b, 90) - np.percentile(a, 90)
    assert found.mean_difference == pytest.approx(b.mean() - a.mean())


def test_the_bootstrap_interval_is_reproducible_from_its_seed() -> None:
    a, b = samples()
    first = bootstrap_p90_difference(a, b, resamples=2000, confidence=0.95, seed=11)
    again = bootstrap_p90_difference(a, b, resamples=2000, confidence=0.95, seed=11)
    other = bootstrap_p90_difference(a, b, resamples=2000, confidence=0.95, seed=12)
    assert first == again and (other.low, other.high) != (first.low, first.high)
    assert (first.method, first.resamples, first.confidence, first.seed) == (BOOTSTRAP_METHOD, 2000, 0.95, 11)
    assert first.low < np.percentile(b, 90) - np.percentile(a, 90) < first.high
    narrower = bootstrap_p90_difference(a, b, resamples=2000, confidence=0.80, seed=11)
    assert first.low <= narrower.low <= narrower.high <= first.high


def test_the_bootstrap_interval_is_a_loop_of_resamples() -> None:
    """The vectorised interval equals the plain loop over the same draws of the same generator."""
    a, b = samples()
    found = bootstrap_p90_difference(a, b, resamples=300, confidence=0.9, seed=5)
    rng = np.random.default_rng(5)
    differences: list[float] = []
    for start in range(0, 300, 256):
        size = min(256, 300 - start)
        draws_a = rng.integers(0, a.size, size=(size, a.size))
        draws_b = rng.integers(0, b.size, size=(size, b.size))
        for da, db in zip(draws_a, draws_b, strict=True):
            differences.append(np.percentile(b[db], 90) - np.percentile(a[da], 90))
    assert (found.low, found.high) == pytest.approx(tuple(np.quantile(differences, [0.05, 0.95])))


def test_the_interval_holds_the_true_difference_of_a_constructed_case() -> None:
    """Two large samples of one distribution, the second shifted by 90 s: every quantile, the P90 too, is
    90 s later in truth."""
    rng = np.random.default_rng(2026)
    a = 300 + rng.exponential(120.0, size=3000)
    b = 390 + rng.exponential(120.0, size=3000)
    interval = compare(a, b).p90_interval
    assert interval is not None
    assert interval.low < 90.0 < interval.high
    assert interval.high - interval.low < 60.0


def test_identical_samples_are_not_significant() -> None:
    a, _ = samples()
    found = compare(a, a.copy())
    assert found.mann_whitney is not None and found.mann_whitney.p_value == 1.0
    assert found.significant is False
    assert found.median_difference == found.p90_difference == found.mean_difference == 0.0
    assert found.p90_interval is not None and found.p90_interval.low <= 0.0 <= found.p90_interval.high


def test_an_empty_selection_has_nothing_to_test() -> None:
    a, _ = samples()
    found = compare(a, np.array([]))
    assert found.b.n == 0 and found.b.median is None and found.median_difference is None
    assert found.mann_whitney is None and found.p90_interval is None and found.significant is None
    assert compare(a, a, alpha=0.5).alpha == 0.5
