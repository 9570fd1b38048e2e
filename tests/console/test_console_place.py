"""No incident loses its place silently: Tab takes the address, a call without a point asks first, an incident
without a place is flagged and overdue, and setting its place from the card brings units within a second."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from playwright.sync_api import expect

from kuzet.container import Services
from kuzet.core.auth.domain import Role
from kuzet.geo.districts import grid_districts
from kuzet.geo.runtime import Roads
from tests.console.browser import Console, Operator
from tests.ops import FAR_AWAY, PLAZA, Centre, Desk

OpenConsole = Callable[[], Console]
POINT = re.compile(r"^\d+\.\d{5}, \d+\.\d{5}$")  # the call form's point, as it shows one
OVER = re.compile(r"\btimer-over\b")
REGION = (1.40, 42.42, 1.80, 42.66)  # Andorra, cut in four districts
GRID_NAMES = ["North West", "North East", "South West", "South East"]
MakeOperator = Callable[..., Operator]


def take_call(console: Console, *, phone: str, address: str, category: str, text: str) -> None:
    """Type a call at the keyboard as fast as a call-taker does: Tab moves on without waiting for any list."""
    page = console.page
    page.keyboard.press("F2")
    page.keyboard.type(phone)
    page.keyboard.press("Tab")
    page.keyboard.type(address)
    page.keyboard.press("Tab")
    expect(page.locator(console.by("call-category"))).to_be_focused()
    page.keyboard.type(category)
    expect(page.locator(console.by("category-suggestions")).locator("li").first).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.type(text)


def registered(centre: Centre, phone_tail: str, desk: Desk | None = None) -> dict[str, Any]:
    """The incident of the appeal with this phone, once the server has it (as a desk sees the queue)."""
    desk = desk or centre.dispatcher
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for incident in desk.ok(desk.get("/api/v1/incidents")):
            card = desk.ok(desk.get(f"/api/v1/incidents/{incident['id']}"))
            if any(a["caller_phone"].endswith(phone_tail) for a in card["appeals"]):
                return dict(card["incident"])
        time.sleep(0.1)
    raise AssertionError("no incident was registered")


def test_tab_takes_the_address_even_before_its_list_appears(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre, andorra_gazetteer: None
) -> None:
    console = open_console()
    console.open()
    console.login(operator("taker-tab", Role.CALL_TAKER).username)
    take_call(console, phone="+7 701 555 00 11", address="Avinguda Meritxell", category="драка", text="Драка")
    expect(console.page.locator(console.by("call-point"))).to_have_text(POINT)
    console.page.keyboard.press("Control+Enter")
    expect(console.page.locator(console.by("call-no-point"))).to_be_hidden()
    incident = registered(centre, "0011")
    assert incident["lat"] is not None


def test_a_call_without_a_place_is_confirmed_flagged_overdue_and_placed_from_the_card(
    open_console: OpenConsole,
    operator: MakeOperator,
    centre: Centre,
    andorra_roads: Roads,
    andorra_gazetteer: None,
) -> None:
    unit = centre.supervisor.unit("Беркут-11")
    fix = {
        "call_sign": "Беркут-11",
        "at": datetime.now(UTC).isoformat(),
        "lat": PLAZA[0] + 0.003,
        "lon": PLAZA[1],
    }
    centre.dispatcher.ok(centre.dispatcher.post("/api/v1/units/positions", {"fixes": [fix]}))
    taker = open_console()
    taker.open()
    taker.login(operator("taker-np", Role.CALL_TAKER).username)
    page = taker.page
    take_call(taker, phone="+7 701 555 00 22", address="где-то у рынка", category="драка", text="Драка, двое")
    expect(page.locator(taker.by("call-point"))).not_to_have_text(POINT)
    # The first Ctrl+Enter only asks: no point, no unit can be offered.
    page.keyboard.press("Control+Enter")
    ask = page.locator(taker.by("call-no-point"))
    expect(ask).to_be_visible()
    time.sleep(0.3)
    assert centre.dispatcher.ok(centre.dispatcher.get("/api/v1/incidents")) == []
    page.keyboard.press("Control+Enter")  # the second one registers it anyway
    expect(ask).to_be_hidden()
    incident = registered(centre, "0022")
    assert incident["lat"] is None
    # The dispatcher's queue flags it and its timer is already over.
    desk = open_console()
    desk.open()
    desk.login(operator("desk-np", Role.DISPATCHER).username)
    row = desk.page.locator(f'{desk.by("queue-row")}[data-incident-id="{incident["id"]}"]')
    expect(row.locator(desk.by("queue-no-place"))).to_be_visible()
    expect(row.locator(desk.by("queue-timer"))).to_have_class(OVER)
    # On the card, "set place" comes first; an address and Enter place it, and units are offered at once.
    row.click()
    card = desk.page.locator(desk.by("incident-card"))
    card.locator(desk.by("card-set-place")).click()
    desk.page.locator(desk.by("place-address")).type("Plaça del Poble")
    expect(desk.page.locator(desk.by("place-suggestions")).locator("li").first).to_be_visible()
    placed_at = time.monotonic()
    desk.page.keyboard.press("Enter")
    recommended = card.locator(f'{desk.by("recommendation")}[data-unit-id="{unit["id"]}"]')
    expect(recommended).to_be_visible(timeout=3_000)
    took = time.monotonic() - placed_at
    print(f"place set to recommendation shown: {took * 1000:.0f} ms")
    assert took < 1.0
    expect(row.locator(desk.by("queue-no-place"))).to_be_hidden()
    after = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{incident['id']}"))["incident"]
    assert after["lat"] is not None and after["location_verified_by"]


def test_a_call_across_the_border_lands_in_its_district_and_the_nearest_unit_is_offered_first(
    open_console: OpenConsole,
    operator: MakeOperator,
    centre: Centre,
    services: Services,
    andorra_roads: Roads,
    andorra_gazetteer: None,
) -> None:
    centre.admin.ok(centre.admin.put("/api/v1/geo/districts", grid_districts(REGION, 2, 2, GRID_NAMES)))
    districts = services.geo.districts
    assert districts is not None
    there = districts.locate(*PLAZA)
    assert there is not None and there != "central"
    near = centre.supervisor.unit("Беркут-12")  # a central unit, next to the place
    far = centre.supervisor.unit("Сокол-12", district=there)  # the place's own district, far away
    at = datetime.now(UTC).isoformat()
    fixes = [
        {"call_sign": "Беркут-12", "at": at, "lat": PLAZA[0] + 0.002, "lon": PLAZA[1]},
        {"call_sign": "Сокол-12", "at": at, "lat": FAR_AWAY[0], "lon": FAR_AWAY[1]},
    ]
    centre.supervisor.ok(centre.supervisor.post("/api/v1/units/positions", {"fixes": fixes}))
    taker = open_console()
    taker.open()
    taker.login(operator("taker-border", Role.CALL_TAKER).username)  # works for "central"
    take_call(taker, phone="+7 701 555 00 33", address="Plaça del Poble", category="драка", text="Драка")
    # Before submitting, the call-taker sees the district the point lies in.
    expect(taker.page.locator(taker.by("call-point-district"))).to_have_attribute("data-district", there)
    taker.page.keyboard.press("Control+Enter")
    desk = open_console()
    desk.open()
    desk.login(operator("desk-border", Role.DISPATCHER, there).username)  # the dispatcher of the place
    incident = registered(centre, "0033", desk=centre.supervisor)
    assert incident["district"] == there
    desk.page.locator(f'{desk.by("queue-row")}[data-incident-id="{incident["id"]}"]').click()
    first = desk.page.locator(desk.by("recommendation")).first
    expect(first).to_have_attribute("data-unit-id", str(near["id"]))
    expect(first.locator(desk.by("rec-other-district"))).to_be_visible()
    other = desk.page.locator(f'{desk.by("recommendation")}[data-unit-id="{far["id"]}"]')
    expect(other.locator(desk.by("rec-other-district"))).to_have_count(0)
