"""Search (F7) in the browser: a closed incident is found by number, phone and address and opens read-only;
the call form shows the caller's earlier appeals while the call is taken."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import expect

from kuzet.core.auth.domain import Role
from tests.console.browser import Console, Operator
from tests.ops import NEAR_PLAZA, Centre

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]
CALLER = "+77015550101"


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def closed_fight(centre: Centre) -> dict[str, Any]:
    """A fight called in yesterday and closed, and an open theft from another caller today."""
    fight = centre.call_taker.call(
        caller_phone=CALLER, address="ул. Абая, 10", text="Драка у магазина", received_at=ago(days=1)
    )
    centre.call_taker.call(
        caller_phone="+77017770202",
        category_code="theft",
        address="пр. Назарбаева, 5",
        text="Украли велосипед",
        at=NEAR_PLAZA,
    )
    d = centre.dispatcher
    d.ok(
        d.post(
            f"/api/v1/incidents/{fight['incident']['id']}/status",
            {"status": "closed", "disposition": "resolved_by_phone"},
        )
    )
    return dict(fight["incident"])


def search_by(console: Console, testid: str, value: str) -> None:
    page = console.page
    page.click(console.by("search-clear"))
    page.fill(console.by(testid), value)
    page.press(console.by(testid), "Enter")


def test_search_finds_a_closed_incident_by_number_phone_and_address_and_opens_it(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre
) -> None:
    incident = closed_fight(centre)
    who = operator("disp-search", Role.DISPATCHER)
    console = open_console()
    console.open()
    console.login(who.username, totp_secret=who.totp_secret)
    page = console.page
    page.keyboard.press("F7")
    expect(page.locator(console.by("search-view"))).to_be_visible()
    rows = page.locator(console.by("search-row"))
    # Nothing asked: the recently closed list, with the fight in it.
    expect(page.locator(console.by("search-heading"))).to_have_text("Недавно закрытые")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(console.by("search-row-number"))).to_have_text(incident["number"])

    for testid, value in (
        ("search-number", incident["number"].rsplit("-", 1)[1].lstrip("0")),  # just its sequence, 1
        ("search-phone", "8 701 555 01 01"),
        ("search-address", "АБАЯ"),
    ):
        search_by(console, testid, value)
        expect(page.locator(console.by("search-heading"))).to_have_text("Найдено: 1")
        expect(rows).to_have_count(1)
        expect(rows.first.locator(console.by("search-row-number"))).to_have_text(incident["number"])
        expect(rows.first).to_have_attribute("data-status", "closed")

    search_by(console, "search-address", "нет такой улицы")
    expect(page.locator(console.by("search-empty"))).to_be_visible()
    search_by(console, "search-address", "абая")
    rows.first.click()
    card = page.locator(console.by("incident-card"))
    expect(card.locator(console.by("incident-number"))).to_have_text(incident["number"])
    expect(card.locator(console.by("card-read-only"))).to_be_visible()
    expect(card).to_have_attribute("data-status", "closed")
    expect(card.locator(console.by("incident-actions"))).to_have_count(0)  # not even reopen
    # Only the way back and the links that show a place on the map: no action, no form.
    actions = card.locator("button:not([data-testid='card-back']):not(.link), form, textarea")
    expect(actions).to_have_count(0)
    expect(card.locator("button.link").first).to_be_visible()

    page.keyboard.press("Escape")
    expect(page.locator(console.by("search-view"))).to_be_visible()


def test_the_call_form_shows_the_callers_earlier_appeals(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre
) -> None:
    incident = closed_fight(centre)
    who = operator("taker-history", Role.CALL_TAKER)
    console = open_console()
    console.open()
    console.login(who.username, totp_secret=who.totp_secret)
    page = console.page
    page.keyboard.press("F2")
    phone = page.locator(console.by("call-phone"))
    expect(phone).to_be_focused()
    history = page.locator(console.by("caller-history"))
    page.keyboard.type("+7 701 555 01 01")
    expect(history).to_be_visible()
    items = history.locator(console.by("caller-history-item"))
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text(incident["number"])
    expect(items.first).to_contain_text("Закрыто")
    expect(phone).to_be_focused()  # the history never takes the keyboard from the call
    phone.fill("")
    page.keyboard.type("+7 701 999 88 77")  # a caller with no earlier appeal
    expect(history).to_be_hidden()
