"""The analyst's Analytics page in a real browser: intervals grouped as asked with the API's figures, trend
charts drawn from the API's counts, and the period report downloaded for the analyst's own district only;
a supervisor picks any district, and the page and its report show that district's figures."""

from __future__ import annotations

import re
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from kuzet.analytics.report import text as report_text
from kuzet.container import Services
from kuzet.core.auth.domain import Role
from tests.analytics import dataset
from tests.console.browser import Console, Operator
from tests.console.districts import NAMES, put_named_districts
from tests.ops import Centre, Desk

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def loaded(services: Services, centre: Centre) -> dataset.Loaded:
    put_named_districts(centre)
    done = dataset.load(services)
    services.analytics.reset()  # the snapshot is read afresh, with the data set in it
    return done


def choose_period(console: Console) -> None:
    page = console.page
    page.fill(console.by("analytics-from"), MARCH["from"])
    page.fill(console.by("analytics-to"), MARCH["to"])
    page.click(console.by("analytics-show"))
    wait_loaded(page)


def wait_loaded(page: Page) -> None:
    page.wait_for_selector('[data-testid="analytics-view"][data-loading="false"]', timeout=15_000)


def api(desk: Desk, path: str, **params: str) -> Any:
    return desk.ok(desk.get(f"/api/v1/analytics/{path}", **MARCH, **params))


def table_incidents(console: Console) -> dict[str, int]:
    """Incidents per row of the page's table, by the row's group (the codes the API answered)."""
    rows = console.page.locator(console.by("analytics-row"))
    return {
        rows.nth(i).get_attribute("data-group") or "": int(
            rows.nth(i).locator("td").first.inner_text().replace("\xa0", "").replace(" ", "")
        )
        for i in range(rows.count())
    }


def downloaded(console: Console, testid: str, tmp_path: Path) -> bytes:
    with console.page.expect_download() as info:
        console.page.click(console.by(testid))
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return target.read_bytes()


def workbook_incidents(content: bytes) -> int:
    summary = load_workbook(BytesIO(content))[report_text.sheet_name("summary", "ru")]
    cells = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row and len(row) > 1}
    return int(cells[report_text.heading("incidents", "ru")])


def test_an_analyst_groups_intervals_sees_trends_and_downloads_the_districts_report(
    open_console: OpenConsole,
    operator: MakeOperator,
    centre: Centre,
    loaded: dataset.Loaded,
    tmp_path: Path,
) -> None:
    desk = open_console()
    desk.open()
    desk.login(operator("analyst-page", Role.ANALYST, "central").username)
    page = desk.page
    # The analyst lands on the page (F8); their district is fixed, by its name.
    expect(page.locator(desk.by("analytics-view"))).to_be_visible()
    expect(page.locator(desk.by("nav-analytics"))).to_have_class("nav-item active")
    district = page.locator(desk.by("analytics-district"))
    expect(district).to_be_disabled()
    expect(district.locator("option:checked")).to_have_text(NAMES["central"]["name_ru"])
    choose_period(desk)

    # Grouped by priority: the rows and the total are the API's (the analyst's scope: central only).
    by_priority = api(centre.analyst, "intervals", group_by="priority")
    expected = {str(r["group"]["priority"]): r["incidents"] for r in by_priority["rows"]}
    assert len(expected) >= 2
    assert table_incidents(desk) == expected
    total = api(centre.analyst, "intervals")["rows"][0]
    expect(page.locator(desk.by("analytics-total")).locator("td").first).to_have_text(str(total["incidents"]))
    within = total["intervals"]["response"]["within_target_pct"]
    shown = page.locator(desk.by("analytics-total")).locator(desk.by("analytics-within")).inner_text()
    assert shown.replace(",", ".").startswith(f"{within:.1f}".rstrip("0").rstrip("."))

    # Then by category as well: one row per pair the API gives.
    page.select_option(desk.by("analytics-then"), "category")
    wait_loaded(page)
    pairs = api(centre.analyst, "intervals", group_by="priority,category")["rows"]
    expected_pairs = {f"{r['group']['priority']}|{r['group']['category']}": r["incidents"] for r in pairs}
    # The table is redrawn when the answer comes: its rows are then named by pairs (the count may not change).
    expect(page.locator(desk.by("analytics-row")).first).to_have_attribute("data-group", re.compile(r"\|"))
    expect(page.locator(desk.by("analytics-row"))).to_have_count(len(expected_pairs))
    assert table_incidents(desk) == expected_pairs

    # The trend (a month: week by week): one bar per week with the API's count, drawn as SVG.
    weeks = api(centre.analyst, "counts", group_by="week")["rows"]
    bars = page.locator(f"{desk.by('analytics-trend-counts')} rect.chart-bar")
    expect(bars).to_have_count(len(weeks))
    drawn = sorted(int(bars.nth(i).get_attribute("data-value") or -1) for i in range(bars.count()))
    assert drawn == sorted(r["count"] for r in weeks)
    expect(page.locator(f"{desk.by('analytics-trend-response')} circle.chart-dot").first).to_be_visible()

    # The report of the period, for the analyst's district: the same incidents as the page.
    content = downloaded(desk, "analytics-report-xlsx", tmp_path)
    assert workbook_incidents(content) == total["incidents"]
    asked = [url for url in desk.requested if "/api/v1/analytics/report" in url]
    assert parse_qs(urlsplit(asked[-1]).query)["district"] == ["central"]
    assert parse_qs(urlsplit(asked[-1]).query)["from"] == [MARCH["from"]]


def test_a_supervisor_picks_a_district_for_the_page_and_its_pdf_report(
    open_console: OpenConsole,
    operator: MakeOperator,
    centre: Centre,
    loaded: dataset.Loaded,
    tmp_path: Path,
) -> None:
    desk = open_console()
    desk.open()
    desk.login(**_login(operator("super-page", Role.SUPERVISOR, None)))
    page = desk.page
    page.keyboard.press("F8")
    expect(page.locator(desk.by("analytics-view"))).to_be_visible()
    choose_period(desk)
    everything = api(centre.supervisor, "intervals")["rows"][0]["incidents"]
    expect(page.locator(desk.by("analytics-total")).locator("td").first).to_have_text(str(everything))
    page.select_option(desk.by("analytics-district"), "north")
    wait_loaded(page)
    north = api(centre.supervisor, "intervals", district="north")["rows"][0]["incidents"]
    assert 0 < north < everything
    expect(page.locator(desk.by("analytics-total")).locator("td").first).to_have_text(str(north))
    content = downloaded(desk, "analytics-report-pdf", tmp_path)
    assert content.startswith(b"%PDF")
    asked = [url for url in desk.requested if "/api/v1/analytics/report" in url]
    assert parse_qs(urlsplit(asked[-1]).query)["district"] == ["north"]


def _login(person: Operator) -> dict[str, Any]:
    return {"username": person.username, "totp_secret": person.totp_secret}
