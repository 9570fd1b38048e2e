"""The Analytics page over imported data: a region-wide analyst picks the imported incidents, groups them by
a column the import mapping kept (the agency of a Chicago-area export), and reads the figures in the source's
own calendar, which the page names under the table. The expected figures are counted from the CSV itself."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from kuzet.console.texts import TEXTS
from kuzet.container import Services
from kuzet.core.auth.domain import Role
from kuzet.core.i18n import translate
from tests.analytics.test_foreign_export import MAPPING, write_export
from tests.conftest import run_cli
from tests.console.browser import Console, Operator
from tests.console.test_console_analytics_page import table_incidents, wait_loaded

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]
PERIOD = {"from": "2025-10-26", "to": "2025-11-08"}  # the export's two weeks, Sunday to Saturday


def _measured(console: Console) -> dict[str, int]:
    """The measured count (N) of the response interval per row of the page's table, by the row's group."""
    rows = console.page.locator(console.by("analytics-row"))
    return {
        rows.nth(i).get_attribute("data-group") or "": int(rows.nth(i).locator("td").nth(1).inner_text())
        for i in range(rows.count())
    }


def test_an_analyst_groups_imported_incidents_by_the_sources_agency_in_its_calendar(
    open_console: OpenConsole, operator: MakeOperator, services: Services, tmp_path: Path
) -> None:
    export, mapping = tmp_path / "chicago_export.csv", tmp_path / "chicago.toml"
    write_export(export, rows=60)
    mapping.write_text(MAPPING, encoding="utf-8")
    done = run_cli(services, "import-cad", str(export), "--mapping", str(mapping))
    assert done.returncode == 0, done.stderr
    services.analytics.reset()  # the snapshot is read afresh, with the import in it
    with export.open(encoding="utf-8", newline="") as handle:
        agencies = Counter(row["Agency"] for row in csv.DictReader(handle))
    assert len(agencies) >= 2

    desk = open_console()
    desk.open()
    analyst = operator("analyst-source", Role.ANALYST, None)
    desk.login(analyst.username, totp_secret=analyst.totp_secret)
    page = desk.page
    expect(page.locator(desk.by("analytics-view"))).to_be_visible()
    page.fill(desk.by("analytics-from"), PERIOD["from"])
    page.fill(desk.by("analytics-to"), PERIOD["to"])
    page.click(desk.by("analytics-show"))
    wait_loaded(page)
    # Live data (the default): no imported incident is in it, and no source column is offered.
    expect(page.locator(desk.by("analytics-empty"))).to_be_visible()
    expect(page.locator(f'{desk.by("analytics-group")} option[value="source.agency"]')).to_have_count(0)
    expect(page.locator(desk.by("analytics-calendar"))).to_be_hidden()

    page.select_option(desk.by("analytics-data-origin"), "imported")
    wait_loaded(page)
    agency_option = page.locator(f'{desk.by("analytics-group")} option[value="source.agency"]')
    expect(agency_option).to_have_text(translate(TEXTS["analytics.dim.source"], "ru").format(name="agency"))
    page.select_option(desk.by("analytics-group"), "source.agency")
    wait_loaded(page)
    expect(page.locator(desk.by("analytics-row"))).to_have_count(len(agencies))
    assert table_incidents(desk) == dict(agencies)
    assert _measured(desk) == dict(agencies)  # every row of the export has both stamps
    expect(page.locator(desk.by("analytics-total")).locator("td").first).to_have_text(str(agencies.total()))

    # The figures were read in the source's calendar, and the page says so.
    note = translate(TEXTS["analytics.calendar_sunday"], "ru").format(zone="America/Chicago")
    expect(page.locator(desk.by("analytics-calendar"))).to_have_text(note)
    # The report follows the page's data; joint response stays live-only (no origin sent), coverage does not.
    expect(page.locator(desk.by("analytics-report-origin"))).to_have_value("imported")
    asked = {urlsplit(u).path: parse_qs(urlsplit(u).query) for u in desk.requested if "/analytics/" in u}
    assert asked["/api/v1/analytics/intervals"]["origin"] == ["imported"]
    assert "origin" not in asked["/api/v1/analytics/joint-response"]
    assert asked["/api/v1/analytics/cctv-coverage"]["origin"] == ["imported"]
