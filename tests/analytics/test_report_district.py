"""A report for one district: region-wide staff may ask for any district, a district's analyst only for
their own (another is refused, as on the other analytics routes); the workbook carries that district's
figures, the same as the analytics API's."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from kuzet.analytics.report import text as report_text
from kuzet.analytics.service import Analytics
from kuzet.container import Services
from tests.analytics import dataset
from tests.ops import Centre, Desk

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def loaded(services: Services, analytics: Analytics) -> dataset.Loaded:
    done = dataset.load(services)
    analytics.reset()
    return done


def report_incidents(desk: Desk, **params: str) -> int:
    response = desk.get("/api/v1/analytics/report", format="xlsx", locale="en", **MARCH, **params)
    assert response.status_code == 200, response.text
    summary = load_workbook(BytesIO(response.content))[report_text.sheet_name("summary", "en")]
    cells = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row and len(row) > 1}
    return int(cells[report_text.heading("incidents", "en")])


def counted(desk: Desk, **params: str) -> int:
    return int(desk.ok(desk.get("/api/v1/analytics/counts", **MARCH, **params))["total"])


def test_a_supervisor_reports_on_any_one_district(centre: Centre, loaded: dataset.Loaded) -> None:
    supervisor = centre.supervisor
    north, central = counted(supervisor, district="north"), counted(supervisor, district="central")
    assert north > 0 and central > 0 and north != central
    assert report_incidents(supervisor, district="north") == north
    assert report_incidents(supervisor, district="central") == central
    assert report_incidents(supervisor) == counted(supervisor) == north + central


def test_a_district_analyst_reports_on_their_own_district_only(
    centre: Centre, loaded: dataset.Loaded
) -> None:
    analyst = centre.analyst  # of the central district
    central = counted(centre.supervisor, district="central")
    assert report_incidents(analyst, district="central") == central
    assert report_incidents(analyst) == central
    refused = analyst.get("/api/v1/analytics/report", format="pdf", district="north", **MARCH)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
