"""Interval statistics of the constructed data set (tests/analytics/dataset.py), every figure worked out by
hand here and checked again with numpy; data quality, grouping, filters, targets, custom intervals, origin."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pytest

from kuzet.analytics.domain import Dimension, IntervalSummary, Origin, Query
from kuzet.analytics.service import Analytics
from kuzet.container import Services
from tests.analytics import dataset

MARCH = Query(first=date(2026, 3, 1), last=date(2026, 3, 31))

# The valid intervals of March's counted incidents (A B C D E F H; G is merged away), read off the table.
CALL_PROCESSING = [60, 120, 30, 100, 300, 45]  # H is negative
TURNOUT = [30, 30, 10, 100, 15, 40]  # E is missing
TRAVEL = [300, 450, 260, 180, 190]  # D is negative, E missing
RESPONSE = [390, 600, 300, 180, 240, 200]  # E missing


def numpy_figures(values: Sequence[float]) -> tuple[int, float, float, float, float, float]:
    array = np.array(values, dtype=float)
    return (
        len(array),
        float(np.mean(array)),
        float(np.median(array)),
        float(np.percentile(array, 90)),
        float(array.min()),
        float(array.max()),
    )


def figures(summary: IntervalSummary) -> tuple[int, float | None, ...]:
    return (summary.n, summary.mean, summary.median, summary.p90, summary.minimum, summary.maximum)


@pytest.fixture
def loaded(services: Services, region: Analytics) -> dataset.Loaded:
    done = dataset.load(services)
    dataset.load_imported(services)
    region.refresh()
    return done


def test_response_figures_by_hand(region: Analytics, loaded: dataset.Loaded) -> None:
    (row,) = region.intervals(MARCH, ["response"]).tables[0].rows
    response = row.intervals["response"]
    # Sorted: 180 200 240 300 390 600. Mean 1910 / 6; median (240 + 300) / 2; p90 at rank 0.9 × 5 = 4.5,
    # halfway from 390 to 600.
    assert figures(response) == pytest.approx((6, 1910 / 6, 270.0, 495.0, 180.0, 600.0))
    assert figures(response) == pytest.approx(numpy_figures(RESPONSE))
    assert (response.missing, response.negative) == (1, 0)
    assert row.incidents == 7


def test_every_standard_interval_matches_numpy(region: Analytics, loaded: dataset.Loaded) -> None:
    (row,) = region.intervals(MARCH).tables[0].rows
    expected = {
        "call_processing": (CALL_PROCESSING, 0, 1),
        "turnout": (TURNOUT, 1, 0),
        "travel": (TRAVEL, 1, 1),
        "response": (RESPONSE, 1, 0),
    }
    for name, (values, missing, negative) in expected.items():
        summary = row.intervals[name]
        assert figures(summary) == pytest.approx(numpy_figures(values)), name
        assert (summary.missing, summary.negative) == (missing, negative), name


def test_within_target_per_priority_and_flat(region: Analytics, loaded: dataset.Loaded) -> None:
    report = region.intervals(MARCH.narrowed(Dimension.ORIGIN, "live"), groupings=[(), (Dimension.PRIORITY,)])
    overall, by_priority = report.tables
    # Response targets 5 / 10 / 15 min: priority 1 (A 390, B 600, F 240 against 300 s) one of three;
    # priority 2 (C 300, D 180, H 200 against 600 s) all three; E (priority 3) has no response.
    assert overall.rows[0].intervals["response"].within_target_pct == pytest.approx(100 * 4 / 6)
    pct = {r.group["priority"]: r.intervals["response"].within_target_pct for r in by_priority.rows}
    assert pct == pytest.approx({1: 100 / 3, 2: 100.0, 3: None})
    # Call processing against a flat minute (60 s included): 60, 30, 45 of six; turnout has no target.
    assert overall.rows[0].intervals["call_processing"].within_target_pct == pytest.approx(50.0)
    assert overall.rows[0].intervals["turnout"].within_target_pct is None


def test_data_quality_counts_merged_reopened_missing_and_negative(
    region: Analytics, loaded: dataset.Loaded
) -> None:
    quality = region.intervals(MARCH).data_quality
    assert (quality.incidents, quality.merged_excluded, quality.reopened) == (7, 1, 1)
    assert {n: (q.missing, q.negative) for n, q in quality.intervals.items()} == {
        "call_processing": (0, 1),
        "turnout": (1, 0),
        "travel": (1, 1),
        "response": (1, 0),
        "acknowledge": (2, 0),  # D was never acknowledged; E's unit was not either
        "secured": (7, 0),  # live incidents have no such stamp
    }


def test_grouping_by_priority_and_district(region: Analytics, loaded: dataset.Loaded) -> None:
    query = Query(MARCH.first, MARCH.last, group_by=(Dimension.PRIORITY, Dimension.DISTRICT))
    rows = region.intervals(query, ["response", "travel"]).tables[0].rows
    found = {(r.group["priority"], r.group["district"]): r for r in rows}
    assert list(found) == [(1, "central"), (2, "central"), (2, "north"), (3, "central")]
    assert figures(found[(1, "central")].intervals["response"]) == pytest.approx(
        (3, 410.0, 390.0, 558.0, 240.0, 600.0)  # 240 390 600: p90 at rank 1.8 → 390 + 0.8 × 210
    )
    assert figures(found[(2, "north")].intervals["response"]) == pytest.approx(numpy_figures([300, 180]))
    assert found[(2, "north")].intervals["travel"].negative == 1
    assert figures(found[(2, "central")].intervals["travel"]) == pytest.approx(numpy_figures([190]))
    empty = found[(3, "central")].intervals["response"]
    assert (empty.n, empty.mean, empty.median, empty.missing) == (0, None, None, 1)


def test_grouping_by_local_time(region: Analytics, loaded: dataset.Loaded) -> None:
    query = Query(MARCH.first, MARCH.last, group_by=(Dimension.HOUR,))
    hours = [r.group["hour"] for r in region.intervals(query, ["response"]).tables[0].rows]
    assert hours == [10, 11, 12, 13, 14, 15, 16]  # UTC 05:00 … 11:00 in Almaty (UTC+5)
    query = Query(group_by=(Dimension.MONTH, Dimension.WEEKDAY, Dimension.WEEK, Dimension.YEAR))
    rows = region.intervals(query, ["response"]).tables[0].rows
    assert [(r.group["month"], r.group["weekday"], r.group["week"], r.incidents) for r in rows] == [
        ("2026-03", 2, "2026-W11", 7),  # Tuesday 10 March
        ("2026-04", 4, "2026-W14", 1),  # Thursday 2 April (I)
    ]
    assert {r.group["year"] for r in rows} == {2026}


def test_filters_narrow_the_selection(region: Analytics, loaded: dataset.Loaded) -> None:
    def response(query: Query) -> IntervalSummary:
        return region.intervals(query, ["response"]).tables[0].rows[0].intervals["response"]

    assert figures(response(MARCH.narrowed(Dimension.DISTRICT, "north"))) == pytest.approx(
        numpy_figures([300, 180])
    )
    assert figures(response(MARCH.narrowed(Dimension.PRIORITY, 1))) == pytest.approx(
        numpy_figures([390, 600, 240])
    )
    assert figures(response(MARCH.narrowed(Dimension.PARTNER, "kaspi"))) == pytest.approx(
        numpy_figures([600])
    )
    assert figures(response(MARCH.narrowed(Dimension.UNIT_TYPE, "rapid_response"))) == pytest.approx(
        numpy_figures([600])
    )
    april = Query(first=date(2026, 4, 1), last=date(2026, 4, 30))
    assert figures(response(april)) == pytest.approx(numpy_figures([400]))
    both = Query(filters={Dimension.CHANNEL: ("phone_102",), Dimension.PRIORITY: (1, 2)})
    assert figures(response(both)) == pytest.approx(numpy_figures([390, 300, 180, 240, 200, 400]))


def test_an_empty_selection_has_one_row_of_nothing(region: Analytics, loaded: dataset.Loaded) -> None:
    report = region.intervals(MARCH.narrowed(Dimension.DISTRICT, "nowhere"))
    (row,) = report.tables[0].rows
    assert row.incidents == 0 and row.intervals["response"].n == 0
    assert report.data_quality.incidents == 0


def test_custom_intervals_over_unit_and_imported_stamps(region: Analytics, loaded: dataset.Loaded) -> None:
    (row,) = region.intervals(MARCH, ["acknowledge"]).tables[0].rows
    # Acknowledged 15, 10, 5, 20, 25 s after dispatch (A B C F H); D and E never.
    assert figures(row.intervals["acknowledge"]) == pytest.approx(numpy_figures([15, 10, 5, 20, 25]))
    imported = Query(origin=Origin.IMPORTED)
    (row,) = region.intervals(imported, ["secured", "response"]).tables[0].rows
    assert figures(row.intervals["secured"]) == pytest.approx((1, 120.0, 120.0, 120.0, 120.0, 120.0))
    assert figures(row.intervals["response"]) == pytest.approx((1, 500.0, 500.0, 500.0, 500.0, 500.0))


def test_imported_incidents_only_when_asked(region: Analytics, loaded: dataset.Loaded) -> None:
    def n(origin: Origin) -> int:
        query = Query(MARCH.first, MARCH.last, origin=origin)
        return region.intervals(query, ["response"]).tables[0].rows[0].intervals["response"].n

    assert (n(Origin.LIVE), n(Origin.IMPORTED), n(Origin.ALL)) == (6, 1, 7)
    query = Query(MARCH.first, MARCH.last, origin=Origin.ALL, group_by=(Dimension.ORIGIN,))
    rows = region.intervals(query, ["response"]).tables[0].rows
    assert [(r.group["origin"], r.incidents) for r in rows] == [("imported", 1), ("live", 7)]


def test_several_groupings_in_one_pass(region: Analytics, loaded: dataset.Loaded) -> None:
    groupings = [(), (Dimension.PRIORITY,), (Dimension.DISTRICT,)]
    overall, by_priority, by_district = region.intervals(MARCH, ["response"], groupings=groupings).tables
    assert [r.incidents for r in overall.rows] == [7]
    assert [(r.group["priority"], r.incidents) for r in by_priority.rows] == [(1, 3), (2, 3), (3, 1)]
    assert [(r.group["district"], r.incidents) for r in by_district.rows] == [("central", 5), ("north", 2)]
    alone = region.intervals(MARCH.narrowed(Dimension.DISTRICT, "north"), ["response"]).tables[0].rows[0]
    assert by_district.rows[1].intervals == alone.intervals
