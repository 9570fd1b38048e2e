"""Counts of the constructed data set: incidents by their first appeal's channel, appeals by their own channel
and partner (merged-away incidents' appeals included), filters and time dimensions."""

from __future__ import annotations

from datetime import date

import pytest

from kuzet.analytics.domain import Dimension, Measure, Origin, Query
from kuzet.analytics.service import Analytics
from kuzet.container import Services
from tests.analytics import dataset

MARCH = Query(first=date(2026, 3, 1), last=date(2026, 3, 31))


@pytest.fixture
def loaded(services: Services, region: Analytics) -> None:
    dataset.load(services)
    dataset.load_imported(services)
    region.refresh()


def grouped(
    region: Analytics, query: Query, measure: Measure = Measure.INCIDENTS
) -> dict[tuple[object, ...], int]:
    report = region.counts(query, measure)
    return {tuple(r.group[d.value] for d in query.group_by): r.count for r in report.rows}


def test_incidents_by_their_first_appeals_channel(region: Analytics, loaded: None) -> None:
    query = Query(MARCH.first, MARCH.last, group_by=(Dimension.CHANNEL,))
    # A (102 first, then the Halyk app), C D E F H by 102; B by Kaspi; G is merged away.
    assert grouped(region, query) == {("partner_app",): 1, ("phone_102",): 6}
    report = region.counts(query)
    assert (report.total, report.merged_excluded) == (7, 1)


def test_appeals_by_their_own_channel_and_partner(region: Analytics, loaded: None) -> None:
    query = Query(MARCH.first, MARCH.last, group_by=(Dimension.CHANNEL, Dimension.PARTNER))
    assert grouped(region, query, Measure.APPEALS) == {
        ("partner_app", "halyk"): 1,  # A's second appeal
        ("partner_app", "kaspi"): 1,
        ("partner_app", "police102"): 1,  # G's, though G was merged into A
        ("phone_102", None): 6,
    }
    assert region.counts(query, Measure.APPEALS).total == 9


def test_filters_and_time_dimensions_of_counts(region: Analytics, loaded: None) -> None:
    by_priority = Query(MARCH.first, MARCH.last, group_by=(Dimension.PRIORITY,))
    assert grouped(region, by_priority) == {(1,): 3, (2,): 3, (3,): 1}
    north = MARCH.narrowed(Dimension.DISTRICT, "north")
    assert region.counts(north, Measure.APPEALS).total == 2
    apps = Query(filters={Dimension.CHANNEL: ("partner_app",)}, group_by=(Dimension.PARTNER,))
    assert grouped(region, apps, Measure.APPEALS) == {("halyk",): 1, ("kaspi",): 1, ("police102",): 1}
    by_month = Query(origin=Origin.ALL, group_by=(Dimension.MONTH, Dimension.ORIGIN))
    assert grouped(region, by_month) == {
        ("2026-03", "imported"): 1,
        ("2026-03", "live"): 7,
        ("2026-04", "live"): 1,
    }
    by_category = Query(MARCH.first, MARCH.last, group_by=(Dimension.CATEGORY_GROUP, Dimension.CATEGORY))
    assert grouped(region, by_category) == {
        ("property", "theft"): 3,
        ("public_order", "noise"): 1,
        ("violence", "fight"): 3,
    }
