"""The supervisor's cameras in the browser: a camera silent past the limit is an alarm on the supervisor's
view (since its last heartbeat, in Almaty time, and whose), gone without a reload when its heartbeat comes
back (the live camera_health event); and the placement plan of the next cameras, asked for with a small form
over the demo's past year, drawn as the map's layer with the coverage before and after."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from kuzet.cctv import health_service
from kuzet.container import Services
from kuzet.core.auth.domain import Role
from tests.cctv.camera_fixtures import register_camera
from tests.cctv.placement_fixtures import demo_year, whole_history
from tests.console.browser import Console, Operator

__all__ = ["demo_year"]

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]
ALMATY = ZoneInfo("Asia/Almaty")


def beat(services: Services, camera_id: str, minutes_ago: float) -> None:
    offline_after = timedelta(seconds=services.settings.cctv_offline_seconds)
    at = services.clock.now() - timedelta(minutes=minutes_ago)
    health_service.beats(services.uow(), [camera_id], via="http", at=at, offline_after=offline_after)


@pytest.mark.usefixtures("demo_year")
def test_supervisor_sees_the_silent_camera_and_asks_where_new_cameras_should_go(
    open_console: OpenConsole, operator: MakeOperator, services: Services
) -> None:
    register_camera(services, "CAM-1", None, None)
    silent_for = max(10.0, 2 * services.settings.cctv_offline_seconds / 60)
    beat(services, "CAM-1", silent_for)
    last_heard = services.clock.now() - timedelta(minutes=silent_for)
    supervisor = operator("cam-sup1", Role.SUPERVISOR, None)
    console = open_console()
    page = console.page
    page.set_viewport_size({"width": 1366, "height": 768})
    console.open()
    console.login(supervisor.username, totp_secret=supervisor.totp_secret)
    page.keyboard.press("F6")

    row = page.locator(f'{console.by("camera-offline")}[data-camera="CAM-1"]')
    expect(row.locator(console.by("camera-offline-owner"))).to_have_text("Akimat")
    since = last_heard.astimezone(ALMATY).strftime("%d.%m %H:%M")
    expect(row.locator(console.by("camera-offline-since"))).to_contain_text(f"с {since}")
    map_el = page.locator(console.by("map"))
    expect(map_el).not_to_have_attribute("data-cameras-offline", "0")
    offline_before = int(map_el.get_attribute("data-cameras-offline") or "0")

    # The camera is heard again: the alarm goes and the map stops greying it, without a reload.
    reloads = page.evaluate("performance.getEntriesByType('navigation').length")
    beat(services, "CAM-1", 0)
    expect(row).to_have_count(0, timeout=8000)
    expect(map_el).to_have_attribute("data-cameras-offline", str(offline_before - 1))
    assert page.evaluate("performance.getEntriesByType('navigation').length") == reloads

    # Where should three new cameras go, over the demo's past year?
    form = page.locator(console.by("placement-form"))
    form.locator(console.by("placement-new")).fill("3")
    form.locator(console.by("placement-period")).fill(whole_history(services))
    form.locator(console.by("placement-run")).click()
    summary = page.locator(console.by("placement-summary"))
    expect(summary).to_be_visible(timeout=90_000)
    chosen = int(summary.get_attribute("data-chosen") or "0")
    assert 1 <= chosen <= 3
    expect(map_el).to_have_attribute("data-placement-sites", str(chosen))
    expect(page.locator(console.by("map-layer-placement"))).to_be_checked()
    before = summary.locator(console.by("placement-before")).locator("td").first.inner_text()
    after = summary.locator(console.by("placement-after")).locator("td").first.inner_text()
    assert int(after) >= int(before)
    overflow = page.evaluate(
        "() => { const p = document.querySelector('.panel'); return p.scrollWidth - p.clientWidth; }"
    )
    assert overflow <= 0, overflow  # the supervisor's view fits the work column at 1366×768
