"""The comparison over real HTTP: incidents of March last year and March this year written through the
stores, compared as a chief would ask ("did we get faster?"), and live data against an imported history.
N and the medians equal a recomputation with numpy of the same cases, the test is scipy's; a bad parameter is
a 422 naming it, and a district analyst compares their own district only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from scipy import stats

from kuzet.analytics.service import Analytics
from kuzet.container import Services
from tests.analytics import dataset
from tests.analytics.dataset import Case
from tests.ops import Centre

LAST_MARCH = {"a.from": "2025-03-01", "a.to": "2025-03-31"}
THIS_MARCH = {"b.from": "2026-03-01", "b.to": "2026-03-31"}


def march(year: int, day: int) -> datetime:
    return datetime(year, 3, day, 6, 0, tzinfo=UTC)  # 11:00 in Almaty


def year(
    prefix: str, year: int, count: int, dispatched: int, en_route: int, first: int, step: int
) -> list[Case]:
    """`count` cases on the first days of March, every third in the north district and of priority 2."""
    return [
        Case(
            f"{prefix}{n}",
            2 if n % 3 == 0 else 1,
            "north" if n % 3 == 0 else "central",
            "fight",
            march(year, n + 1),
            dispatched,
            en_route,
            first + step * n,
        )
        for n in range(count)
    ]


# Last year: slower, twelve cases; this year: faster, eight, then one never reached (no response) and one
# merged away.
BEFORE = tuple(year("Y", 2025, 12, 60, 90, 420, 41))
AFTER = (
    *year("Z", 2026, 8, 45, 70, 300, 29),
    Case("ZE", 1, "central", "fight", march(2026, 20), 300),
    Case("ZM", 1, "central", "fight", march(2026, 21) + timedelta(minutes=5), merged_into="Z1"),
)


def responses(cases: tuple[Case, ...], district: str | None = None) -> np.ndarray:
    """The response times of the cases counted: reached on scene, not merged away, in the district."""
    return np.array(
        [
            float(c.on_scene)
            for c in cases
            if c.on_scene is not None and c.merged_into is None and district in (None, c.district)
        ]
    )


@pytest.fixture
def two_years(services: Services, analytics: Analytics) -> None:
    dataset.load(services, BEFORE + AFTER)
    analytics.reset()


def check_side(side: dict[str, Any], values: np.ndarray) -> None:
    assert side["n"] == values.size
    assert side["median_s"] == pytest.approx(np.median(values))
    assert side["p90_s"] == pytest.approx(np.percentile(values, 90))
    assert side["mean_s"] == pytest.approx(values.mean())


def test_this_march_against_last_march(centre: Centre, two_years: None) -> None:
    desk = centre.supervisor
    body = desk.ok(desk.get("/api/v1/analytics/compare", **LAST_MARCH, **THIS_MARCH))
    a, b = responses(BEFORE), responses(AFTER)
    assert body["interval"] == "response" and body["unit"] == "seconds"
    assert (body["a"]["first"], body["a"]["last"], body["a"]["origin"]) == (
        "2025-03-01",
        "2025-03-31",
        "live",
    )
    check_side(body["a"], a)
    check_side(body["b"], b)
    assert body["difference"]["median_s"] == pytest.approx(np.median(b) - np.median(a))
    assert body["difference"]["p90_s"] == pytest.approx(np.percentile(b, 90) - np.percentile(a, 90))
    expected = stats.mannwhitneyu(a, b, alternative="two-sided")
    test = body["median_test"]
    assert test["test"] == "Mann-Whitney U (two-sided)"
    assert (test["u"], test["p_value"]) == pytest.approx((expected.statistic, expected.pvalue))
    assert body["alpha"] == 0.05 and body["significant"] is bool(expected.pvalue < 0.05)
    boot = body["p90_difference_interval"]
    assert (boot["method"], boot["resamples"], boot["confidence"]) == ("percentile bootstrap", 2000, 0.95)
    assert boot["low_s"] <= body["difference"]["p90_s"] <= boot["high_s"]
    # The same question twice: the same interval (the bootstrap is seeded).
    again = desk.ok(desk.get("/api/v1/analytics/compare", **LAST_MARCH, **THIS_MARCH))
    assert again["p90_difference_interval"] == boot


def test_shared_filters_and_alpha(centre: Centre, two_years: None) -> None:
    desk = centre.supervisor
    body = desk.ok(
        desk.get("/api/v1/analytics/compare", **LAST_MARCH, **THIS_MARCH, district="north", alpha="0.001")
    )
    assert body["filters"] == {"district": ["north"]} and body["alpha"] == 0.001
    a, b = responses(BEFORE, "north"), responses(AFTER, "north")
    check_side(body["a"], a)
    check_side(body["b"], b)
    p = stats.mannwhitneyu(a, b, alternative="two-sided").pvalue
    assert body["median_test"]["p_value"] == pytest.approx(p) and body["significant"] is bool(p < 0.001)
    same = desk.ok(
        desk.get("/api/v1/analytics/compare", **{"a.from": "2026-03-01", "a.to": "2026-03-31"}, **THIS_MARCH)
    )
    assert same["significant"] is False and same["difference"]["median_s"] == 0.0
    empty = desk.ok(desk.get("/api/v1/analytics/compare", **LAST_MARCH, **{"b.from": "2027-01-01"}))
    assert empty["b"]["n"] == 0 and empty["median_test"] is None and empty["significant"] is None


def test_live_data_against_an_imported_history(
    centre: Centre, services: Services, analytics: Analytics
) -> None:
    dataset.load(services)
    dataset.load_imported(services)
    analytics.reset()
    desk = centre.supervisor
    params = {"a.origin": "imported", "b.origin": "live", "b.from": "2026-03-01", "b.to": "2026-03-31"}
    body = desk.ok(desk.get("/api/v1/analytics/compare", **params))
    live = responses(tuple(c for c in dataset.CASES if c.received.month == 3))
    assert (body["a"]["origin"], body["a"]["n"], body["a"]["median_s"]) == ("imported", 1, 500.0)
    check_side(body["b"], live)
    assert body["difference"]["median_s"] == pytest.approx(np.median(live) - 500.0)


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"a.from": "2025-02-30"}, "a.from", "date_from_datetime_parsing"),
        ({"b.from": "2026-03-10", "b.to": "2026-03-01"}, "b.to", "period"),
        ({"a.origin": "elsewhere"}, "a.origin", "enum"),
        ({"interval": "coffee"}, "interval", "unknown_interval"),
        ({"alpha": "1.5"}, "alpha", "less_than"),
        ({"priority": "1,high"}, "priority", "int_parsing"),
    ],
)
def test_bad_parameters_are_a_422_naming_the_field(
    centre: Centre, analytics: Analytics, params: dict[str, str], field: str, code: str
) -> None:
    response = centre.analyst.http.get(
        "/api/v1/analytics/compare",
        params=params,
        headers={**centre.analyst.headers, "Accept-Language": "en"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    (error,) = response.json()["errors"]
    assert (error["field"], error["location"], error["code"]) == (field, "query", code)


def test_a_district_analyst_compares_their_own_district(centre: Centre, two_years: None) -> None:
    analyst = centre.analyst  # of the central district
    body = analyst.ok(analyst.get("/api/v1/analytics/compare", **LAST_MARCH, **THIS_MARCH))
    assert body["filters"] == {"district": ["central"]}
    check_side(body["a"], responses(BEFORE, "central"))
    check_side(body["b"], responses(AFTER, "central"))
    refused = analyst.get("/api/v1/analytics/compare", **LAST_MARCH, **THIS_MARCH, district="north")
    assert refused.status_code == 403
