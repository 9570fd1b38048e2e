"""The Analytics page makes the period report over imported incidents too: the analyst picks the data
(live, imported, or both) beside the report buttons, and the workbook downloaded holds the imported
incidents, with a title that says so."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from kuzet.analytics.report import text as report_text
from kuzet.console.texts import TEXTS
from kuzet.container import Services
from kuzet.core.auth.domain import Role
from kuzet.core.i18n import translate
from tests.analytics import dataset
from tests.console.browser import Console, Operator
from tests.console.districts import put_named_districts
from tests.console.test_console_analytics_page import MARCH, choose_period, downloaded
from tests.ops import Centre

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]


@pytest.fixture
def loaded(services: Services, centre: Centre) -> None:
    put_named_districts(centre)
    dataset.load(services)
    dataset.load_imported(services)
    services.analytics.reset()


def test_an_analyst_downloads_the_report_over_imported_data(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre, loaded: None, tmp_path: Path
) -> None:
    desk = open_console()
    desk.open()
    desk.login(operator("analyst-origin", Role.ANALYST, "central").username)
    page = desk.page
    expect(page.locator(desk.by("analytics-view"))).to_be_visible()
    choose_period(desk)
    origin = page.locator(desk.by("analytics-report-origin"))
    expect(origin.locator("option:checked")).to_have_text(translate(TEXTS["analytics.origin.live"], "ru"))
    page.select_option(desk.by("analytics-report-origin"), "imported")

    content = downloaded(desk, "analytics-report-xlsx", tmp_path)
    asked = parse_qs(urlsplit([u for u in desk.requested if "/api/v1/analytics/report" in u][-1]).query)
    assert asked["origin"] == ["imported"] and asked["district"] == ["central"]
    summary = load_workbook(BytesIO(content))[report_text.sheet_name("summary", "ru")]
    cells = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row and len(row) > 1}
    imported = centre.analyst.ok(centre.analyst.get("/api/v1/analytics/counts", origin="imported", **MARCH))
    assert int(cells[report_text.heading("incidents", "ru")]) == imported["total"] == 1
    assert report_text.t(report_text.TITLE_IMPORTED, "ru") in str(summary["A1"].value)

    # Back to live data: the default is not sent, and the report is the live one.
    page.select_option(desk.by("analytics-report-origin"), "live")
    downloaded(desk, "analytics-report-xlsx", tmp_path)
    asked = parse_qs(urlsplit([u for u in desk.requested if "/api/v1/analytics/report" in u][-1]).query)
    assert "origin" not in asked
