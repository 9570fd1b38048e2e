"""The operator console in a real browser: log in, take a call by keyboard, watch the queue fill live, send
the recommended unit, switch language, and two desks seeing each other's work."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from playwright.sync_api import expect

from kuzet.analytics.report import text as report_text
from kuzet.core.auth.domain import Role
from kuzet.geo.runtime import Roads
from tests.conftest import LiveServer
from tests.console.browser import Console, Operator
from tests.ops import PLAZA, Centre
from tests.partners.fixtures import App

OpenConsole = Callable[[], Console]


def now() -> str:
    return datetime.now(UTC).isoformat()


MakeOperator = Callable[..., Operator]


def row(console: Console, incident_id: int) -> str:
    return f'{console.by("queue-row")}[data-incident-id="{incident_id}"]'


def test_a_supervisor_logs_in_with_a_second_factor(open_console: OpenConsole, operator: MakeOperator) -> None:
    boss = operator("boss", Role.SUPERVISOR, None)
    assert boss.totp_secret is not None
    console = open_console()
    console.open()
    console.login(boss.username, totp_secret=boss.totp_secret)
    expect(console.page.locator(console.by("queue"))).to_be_visible()
    # The shift overview offers this month's report as a page of its own.
    console.page.keyboard.press("F6")
    with console.context.expect_page() as opened:
        console.page.click(console.by("report-month-html"))
    report = opened.value
    report.wait_for_load_state()
    expect(report.locator("p.centre")).to_have_text(report_text.heading("title", "ru"))
    assert report.url.startswith("blob:")  # made from the response, no request outside the server


def test_a_wrong_password_is_refused_with_a_message(
    open_console: OpenConsole, operator: MakeOperator
) -> None:
    desk = operator("desk1", Role.DISPATCHER)
    console = open_console()
    console.open()
    console.page.fill(console.by("login-username"), desk.username)
    console.page.fill(console.by("login-password"), "not-the-password")
    console.page.click(console.by("login-submit"))
    expect(console.page.locator(console.by("toast"))).not_to_be_empty()
    expect(console.page.locator(console.by("live-status"))).to_have_count(0)


def test_a_call_taker_takes_a_102_call_by_keyboard_only(
    open_console: OpenConsole,
    operator: MakeOperator,
    centre: Centre,
    andorra_roads: Roads,
    andorra_gazetteer: None,
) -> None:
    taker = operator("taker1", Role.CALL_TAKER)
    console = open_console()
    console.open()
    console.login(taker.username)
    page = console.page
    page.keyboard.press("F2")
    expect(page.locator(console.by("call-phone"))).to_be_focused()
    page.keyboard.type("+7 701 555 12 34")
    page.keyboard.press("Tab")
    expect(page.locator(console.by("call-address"))).to_be_focused()
    page.keyboard.type("Avinguda Meritxell")
    expect(page.locator(console.by("address-suggestions")).locator("li").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator(console.by("call-category"))).to_be_focused()
    page.keyboard.type("драка")
    expect(page.locator(console.by("category-suggestions")).locator("li").first).to_be_visible()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator(console.by("call-text"))).to_be_focused()
    page.keyboard.type("Драка у магазина, двое мужчин")
    page.keyboard.press("Control+Enter")
    # The call is registered: the queue shows its incident, and the server has the appeal with that phone.
    deadline = time.monotonic() + 5
    registered: list[dict[str, object]] = []
    while not registered and time.monotonic() < deadline:
        queue = centre.dispatcher.ok(centre.dispatcher.get("/api/v1/incidents"))
        registered = [i for i in queue if i["category_code"] == "fight"]
        time.sleep(0.1)
    assert registered, "no incident was registered"
    # The form is clear and ready for the next call; F3 shows the queue with the new incident.
    expect(page.locator(console.by("call-phone"))).to_be_focused()
    expect(page.locator(console.by("call-phone"))).to_have_value("")
    page.keyboard.press("F3")
    expect(page.locator(row(console, int(registered[0]["id"])))).to_be_visible()  # type: ignore[call-overload]


def test_a_partner_appeal_appears_in_the_queue_within_a_second(
    open_console: OpenConsole, operator: MakeOperator, kaspi: App, centre: Centre
) -> None:
    desk = operator("desk2", Role.DISPATCHER)
    console = open_console()
    console.open()
    console.login(desk.username)
    before = console.page.locator(console.by("queue-row")).count()
    sent = time.monotonic()
    answer = kaspi.client.send_appeal(kaspi.appeal(), idempotency_key="browser-1").json()
    console.page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=queue-row]').length > n", arg=before, timeout=3_000
    )
    took = time.monotonic() - sent
    appeal = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/appeals/{answer['id']}"))
    expect(console.page.locator(row(console, appeal["incident_id"]))).to_be_visible()
    print(f"partner appeal to queue row: {took * 1000:.0f} ms")
    assert took < 1.0


def test_a_dispatcher_sends_the_recommended_unit_with_one_click(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre, andorra_roads: Roads
) -> None:
    unit = centre.supervisor.unit("Беркут-7")
    fix = {"call_sign": "Беркут-7", "at": now(), "lat": PLAZA[0] + 0.004, "lon": PLAZA[1]}
    centre.dispatcher.ok(centre.dispatcher.post("/api/v1/units/positions", {"fixes": [fix]}))
    incident = centre.call_taker.call()["incident"]
    desk = operator("desk3", Role.DISPATCHER)
    console = open_console()
    console.open()
    console.login(desk.username)
    page = console.page
    page.click(row(console, incident["id"]))
    card = page.locator(console.by("incident-card"))
    recommended = card.locator(f'{console.by("recommendation")}[data-unit-id="{unit["id"]}"]')
    expect(recommended).to_be_visible()
    recommended.locator(console.by("assign")).click()
    # The card shows the unit's road route on the map; the unit board shows it dispatched.
    the_map = page.locator(console.by("map"))
    expect(the_map).to_have_attribute("data-route", "shown")
    page.keyboard.press("F4")
    unit_row = page.locator(f'{console.by("unit-row")}[data-unit-id="{unit["id"]}"]')
    expect(unit_row).to_have_attribute("data-status", "dispatched")
    board = centre.dispatcher.ok(centre.dispatcher.get("/api/v1/units"))
    assert next(u for u in board if u["id"] == unit["id"])["status"] == "dispatched"
    # The unit drives: its next GPS fix moves its marker on the map without a reload.
    moves = int(the_map.get_attribute("data-unit-moves") or 0)
    fix = {"call_sign": "Беркут-7", "at": now(), "lat": PLAZA[0] + 0.0038, "lon": PLAZA[1]}
    centre.dispatcher.ok(centre.dispatcher.post("/api/v1/units/positions", {"fixes": [fix]}))
    page.wait_for_function(
        "n => Number(document.querySelector('[data-testid=map]').dataset.unitMoves) > n", arg=moves
    )


def test_the_console_switches_to_kazakh(
    open_console: OpenConsole, operator: MakeOperator, server: LiveServer
) -> None:
    desk = operator("desk4", Role.DISPATCHER)
    console = open_console()
    console.open()
    console.login(desk.username)
    texts = {
        loc: httpx.get(f"{server.url}/api/v1/console/texts", params={"locale": loc}).json()
        for loc in ("ru", "kk")
    }
    nav = console.page.locator(console.by("nav-queue"))
    expect(nav).to_contain_text(texts["ru"]["nav.queue"])
    console.page.click(console.by("lang-kk"))
    expect(nav).to_contain_text(texts["kk"]["nav.queue"])
    assert texts["kk"]["nav.queue"] != texts["ru"]["nav.queue"]


def test_two_desks_see_each_others_changes_live(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre, andorra_roads: Roads
) -> None:
    first, second = operator("desk5", Role.DISPATCHER), operator("desk6", Role.DISPATCHER)
    unit = centre.supervisor.unit("Сункар-9")
    fix = {"call_sign": "Сункар-9", "at": now(), "lat": PLAZA[0], "lon": PLAZA[1] + 0.003}
    centre.dispatcher.ok(centre.dispatcher.post("/api/v1/units/positions", {"fixes": [fix]}))
    one, two = open_console(), open_console()
    for console, who in ((one, first), (two, second)):
        console.open()
        console.login(who.username)
    incident = centre.call_taker.call()["incident"]
    for console in (one, two):
        console.page.wait_for_selector(row(console, incident["id"]), timeout=3_000)
    one.page.click(row(one, incident["id"]))
    one.page.locator(f'{one.by("recommendation")}[data-unit-id="{unit["id"]}"]').locator(
        one.by("assign")
    ).click()
    # The second desk sees the incident dispatched and the unit busy, without a reload.
    expect(two.page.locator(row(two, incident["id"]))).to_have_attribute("data-status", "dispatched")
    two.page.keyboard.press("F4")
    expect(two.page.locator(f'{two.by("unit-row")}[data-unit-id="{unit["id"]}"]')).to_have_attribute(
        "data-status", "dispatched"
    )
