"""A whole incident life, read on the card's timeline in Russian and in Kazakh: not one English word.

The incident goes through what a shift does to one (two calls merged and split again, the alarm heard, the
place corrected, the category changed, a note, a unit sent and cancelled, another sent, arriving and
clearing, closed and reopened); the console renders its timeline from the API (the card's entries and the
catalogue's texts) and every visible word must be in the chosen language. Numbers, incident numbers and
call signs are allowed; the operators' user names (the actor column) are logins, not words of the UI."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from kuzet.container import Services
from kuzet.core.auth.domain import Role
from tests.console.browser import Console, Operator
from tests.interagency.handover_fixtures import register
from tests.ops import NEAR_PLAZA, PLAZA, Centre, Desk

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]
# A word of two Latin letters or more; a code such as P1, a number or a call sign has none.
LATIN_WORD = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z'’]+(?![\w-])")


def live_a_whole_life(centre: Centre, services: Services) -> dict[str, Any]:
    """An incident through a shift's events, all typed in Russian, ending reopened (back in the queue)."""
    desk: Desk = centre.dispatcher
    address = {"address": "ул. Абая, 10"}
    first = centre.call_taker.call(**address)["incident"]
    second = centre.call_taker.call(at=NEAR_PLAZA, text="Шум драки во дворе", **address)["incident"]
    incident = f"/api/v1/incidents/{first['id']}"
    desk.ok(desk.post(f"{incident}/merge", {"child_id": second["id"]}))
    desk.ok(desk.post(f"/api/v1/incidents/{second['id']}/unmerge", {}))
    desk.ok(desk.post(f"{incident}/alarm/acknowledge", {"alarm": "new_p1"}))
    desk.ok(desk.post(f"{incident}/location", {"lat": PLAZA[0], "lon": PLAZA[1], "address": "ул. Абая, 12"}))
    desk.ok(desk.post(f"{incident}/category", {"category_code": "assault", "reason": "Есть пострадавший"}))
    desk.ok(desk.post(f"{incident}/notes", {"text": "Заявитель ждёт у подъезда"}))
    register(services, "ambulance_103")  # handed over (nobody answers here: the entry is the request)
    desk.ok(desk.post(f"{incident}/handovers", {"agency": "ambulance_103", "note": "Нужна скорая"}), 201)
    spare = centre.supervisor.unit("Сокол-7")
    sent = desk.ok(desk.post(f"{incident}/assignments", {"unit_id": spare["id"]}), 201)
    desk.ok(desk.post(f"/api/v1/assignments/{sent['id']}/cancel", {"reason": "Ближе есть другой наряд"}))
    unit = centre.supervisor.unit("Беркут-3")
    assignment = desk.ok(desk.post(f"{incident}/assignments", {"unit_id": unit["id"]}), 201)
    for step in ("acknowledged", "en_route", "on_scene"):
        desk.ok(desk.post(f"/api/v1/assignments/{assignment['id']}/status", {"status": step}))
    desk.ok(
        desk.post(
            f"/api/v1/assignments/{assignment['id']}/status", {"status": "cleared", "disposition": "arrest"}
        )
    )
    desk.ok(desk.post(f"{incident}/status", {"status": "closed", "disposition": "arrest"}))
    desk.ok(desk.post(f"{incident}/reopen", {"reason": "Заявитель перезвонил"}))
    card: dict[str, Any] = desk.ok(desk.get(incident))
    return card


def timeline_words(console: Console, incident_id: int) -> list[str]:
    """The timeline as the card shows it, without the actor column (user names)."""
    page = console.page
    page.locator(f'{console.by("queue-row")}[data-incident-id="{incident_id}"]').click()
    timeline = page.locator(console.by("timeline"))
    expect(timeline).to_be_visible()
    texts: list[str] = timeline.locator("li.tl").evaluate_all(
        "(items) => items.map((li) => [...li.children].filter((c) => !c.classList.contains('tl-actor'))"
        ".map((c) => c.textContent).join(' '))"
    )
    return texts


@pytest.mark.parametrize("locale", ["ru", "kk"])
def test_a_whole_incident_life_reads_without_an_english_word(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre, services: Services, locale: str
) -> None:
    card = live_a_whole_life(centre, services)
    kinds = {entry["kind"] for entry in card["timeline"]}
    # The life covers what the timeline can say (the facts the console words in each language among them).
    assert {
        "created",
        "merged_child",
        "child_unmerged",
        "alarm_acknowledged",
        "reopened",
        "handover_requested",
    } <= kinds
    assert any(entry["data"].get("last_unit_cleared") for entry in card["timeline"]), card["timeline"]
    desk = open_console()
    desk.open()
    desk.login(operator(f"timeline-{locale}", Role.DISPATCHER).username)
    page = desk.page
    page.click(desk.by(f"lang-{locale}"))
    expect(page.locator("html")).to_have_attribute("lang", locale)
    lines = timeline_words(desk, card["incident"]["id"])
    assert len(lines) == len(card["timeline"])
    english = {line: LATIN_WORD.findall(line) for line in lines if LATIN_WORD.search(line)}
    assert not english, f"{locale} timeline has English words: {english}"


def test_the_check_finds_english_in_an_english_timeline(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre, services: Services
) -> None:
    """The check can fail: the same life read in English is full of Latin words."""
    card = live_a_whole_life(centre, services)
    desk = open_console()
    desk.open()
    desk.login(operator("timeline-en", Role.DISPATCHER).username)
    desk.page.click(desk.by("lang-en"))
    expect(desk.page.locator("html")).to_have_attribute("lang", "en")
    lines = timeline_words(desk, card["incident"]["id"])
    assert sum(1 for line in lines if LATIN_WORD.search(line)) >= len(lines) // 2
