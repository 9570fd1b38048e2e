"""The Analytics page's camera coverage in a real browser: cameras and calls made through the API; a district
analyst sees the district's incidents seen and not seen, by reason, as the API counts them, regroups them by
priority, and draws the uncovered hot-spots on the map."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from kuzet.core.auth.domain import Role
from tests.cctv.test_coverage_api import scene
from tests.console.browser import Console, Operator
from tests.ops import Centre

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]
__all__ = ["scene"]


def test_the_page_shows_the_coverage_and_its_hot_spots(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre, scene: dict[str, Any]
) -> None:
    desk = open_console()
    desk.open()
    desk.login(operator("analyst-coverage", Role.ANALYST, "central").username)
    page = desk.page
    expect(page.locator(desk.by("analytics-view"))).to_be_visible()
    figures: Any = centre.analyst.ok(centre.analyst.get("/api/v1/analytics/cctv-coverage"))
    total = page.locator(desk.by("coverage-total"))
    expect(total.locator("td").nth(0)).to_have_text(str(figures["total"]["incidents"]))
    expect(total.locator("td").nth(1)).to_have_text(str(figures["total"]["seen"]))
    expect(total.locator('td[data-reason="camera_offline"]')).to_have_text(
        str(figures["total"]["not_seen"]["camera_offline"])
    )
    expect(total.locator(desk.by("coverage-share"))).to_contain_text("50")

    page.locator(desk.by("coverage-group")).select_option("priority")
    analyst = centre.analyst
    by_priority: Any = analyst.ok(analyst.get("/api/v1/analytics/cctv-coverage", group="priority"))
    expect(page.locator(desk.by("coverage-row"))).to_have_count(len(by_priority["rows"]))

    page.locator(desk.by("coverage-hotspots")).click()
    expect(page.locator(desk.by("map"))).to_have_attribute("data-coverage-cells", "1")
    page.locator(desk.by("coverage-clear")).click()
    expect(page.locator(desk.by("map"))).to_have_attribute("data-coverage-cells", "0")
