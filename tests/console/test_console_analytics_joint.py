"""The Analytics page's joint-response table in a real browser: hand-overs made through the API and answered
by the agencies' signed calls at known times of their own; the page shows each service's line and its
categories' lines with the API's counts and intervals (median / 90th percentile as mm:ss)."""

from __future__ import annotations

from collections.abc import Callable
from math import floor
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from kuzet.container import Services
from kuzet.core.auth.domain import Role
from tests.console.browser import Console, Operator
from tests.interagency.handover_fixtures import register
from tests.interagency.test_handovers import hand_over
from tests.interagency.test_joint_response import answer, incident
from tests.ops import Centre

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]


def mm_ss(seconds: float) -> str:
    whole = floor(seconds)
    return f"{whole // 60:02d}:{whole % 60:02d}"


@pytest.fixture
def answered(centre: Centre, services: Services, http: httpx.Client) -> None:
    ambulance = register(services, "ambulance_103")
    fire = register(services, "fire_101")
    for category, ack, on_scene in (
        ("stabbing", 35.0, 480.0),
        ("stabbing", 50.0, 610.0),
        ("fight", 20.0, 300.0),
    ):
        created = hand_over(centre, incident(centre, category))
        answer(http, ambulance, created, "ack", ack, accepted=True)
        answer(http, ambulance, created, "status", on_scene, status="on_scene", units=["103-02"])
    refused = hand_over(centre, incident(centre, "stabbing"), "fire_101")
    answer(http, fire, refused, "ack", 15.0, accepted=False, reason="нет расчётов")


def test_the_page_shows_each_services_answers_and_intervals(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre, answered: None
) -> None:
    desk = open_console()
    desk.open()
    desk.login(operator("analyst-joint", Role.ANALYST, "central").username)
    page = desk.page
    expect(page.locator(desk.by("analytics-view"))).to_be_visible()
    figures: Any = centre.analyst.ok(centre.analyst.get("/api/v1/analytics/joint-response"))
    rows = page.locator(desk.by("analytics-joint-row"))
    expect(rows).to_have_count(len(figures["by_agency"]) + len(figures["by_category"]))

    ambulance = next(r for r in figures["by_agency"] if r["agency"] == "ambulance_103")
    line = page.locator(f'{desk.by("analytics-joint-row")}[data-agency="ambulance_103"][data-category=""]')
    expect(line.locator("th").first).to_have_text("Служба ambulance_103")
    expect(line.locator("td").first).to_have_text(str(ambulance["requested"]))
    on_scene = ambulance["intervals"]["on_scene"]
    cell = line.locator('td[data-interval="on_scene"]')
    expect(cell).to_have_attribute("data-n", str(on_scene["n"]))
    expect(cell).to_have_text(f"{mm_ss(on_scene['median_s'])} / {mm_ss(on_scene['p90_s'])}")

    fire = page.locator(f'{desk.by("analytics-joint-row")}[data-agency="fire_101"][data-category=""]')
    expect(fire.locator("td").nth(2)).to_have_text("1")  # rejected
    expect(fire.locator('td[data-interval="dispatched"]')).to_have_text("—")
    expect(page.locator(desk.by("analytics-joint-hint"))).to_contain_text("по собственным часам службы")
