"""Editing on the card: the category (and with it the priority, with a reason), a free note, merging another
incident in and splitting it off again, and moving an appeal into an incident of its own."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import expect

from kuzet.core.auth.domain import Role
from tests.console.browser import Console, Operator
from tests.ops import NEAR_PLAZA, Centre

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]


def open_card(console: Console, incident_id: int) -> None:
    console.page.keyboard.press("F3")
    console.page.locator(f'{console.by("queue-row")}[data-incident-id="{incident_id}"]').click()
    card = console.page.locator(console.by("incident-card"))
    expect(card).to_have_attribute("data-incident-id", str(incident_id))


def test_a_dispatcher_changes_the_category_and_adds_a_note(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre
) -> None:
    incident = centre.call_taker.call(category_code="noise")["incident"]
    console = open_console()
    console.open()
    console.login(operator("edit1", Role.DISPATCHER).username)
    page = console.page
    open_card(console, incident["id"])
    card = page.locator(console.by("incident-card"))

    card.locator(console.by("card-edit-category")).click()
    page.locator(console.by("edit-category")).fill("")
    page.locator(console.by("edit-category")).type("стрельба")
    expect(page.locator(console.by("edit-category-suggestions")).locator("li").first).to_contain_text(
        "Стрельба"
    )
    page.keyboard.press("Enter")
    expect(page.locator(console.by("edit-priority"))).to_have_value("1")  # the category's own priority
    page.locator(console.by("edit-reason")).fill("На месте слышны выстрелы")
    page.locator(console.by("edit-confirm")).click()
    expect(card.locator(".card-head .prio")).to_have_class(re.compile(r"\bprio-1\b"))
    timeline = card.locator(console.by("timeline"))
    expect(timeline).to_contain_text("Категория изменена")
    expect(timeline).to_contain_text("На месте слышны выстрелы")

    card.locator(console.by("card-add-note")).click()
    page.locator(console.by("edit-note")).fill("Заявитель перезвонил: двое с оружием")
    page.keyboard.press("Control+Enter")
    expect(timeline).to_contain_text("Заявитель перезвонил: двое с оружием")
    server = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{incident['id']}"))
    assert (server["incident"]["category_code"], server["incident"]["priority"]) == ("shots_fired", 1)
    assert any(e["kind"] == "note" for e in server["timeline"])


def test_a_dispatcher_merges_splits_off_and_moves_an_appeal(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre
) -> None:
    parent = centre.call_taker.call()["incident"]
    child = centre.call_taker.call(at=NEAR_PLAZA, caller_phone="+77017770011")["incident"]
    console = open_console()
    console.open()
    console.login(operator("edit2", Role.DISPATCHER).username)
    page = console.page
    open_card(console, parent["id"])
    card = page.locator(console.by("incident-card"))

    card.locator(console.by("card-merge")).click()
    page.locator(console.by("edit-merge-number")).type(child["number"][-4:])
    expect(page.locator(console.by("edit-merge-number-suggestions")).locator("li").first).to_contain_text(
        child["number"]
    )
    page.keyboard.press("Enter")
    page.locator(console.by("edit-confirm")).click()
    expect(card.locator(console.by("appeal"))).to_have_count(2)
    merged = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{child['id']}"))["incident"]
    assert merged["merged_into_id"] == parent["id"]

    # The merged incident's own card (opened from the command line) splits it off again.
    page.keyboard.press("F9")
    page.keyboard.type(f"OPEN {child['number']}")
    page.keyboard.press("Enter")
    expect(card).to_have_attribute("data-incident-id", str(child["id"]))
    card.locator(console.by("card-split-off")).click()
    expect(card.locator(console.by("card-split-off"))).to_have_count(0)
    alone = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{child['id']}"))["incident"]
    assert alone["merged_into_id"] is None
    open_card(console, parent["id"])
    expect(card.locator(console.by("appeal"))).to_have_count(1)

    # An appeal moved out becomes an incident of its own.
    second = centre.call_taker.call(incident_id=parent["id"], caller_phone="+77017770022")
    expect(card.locator(console.by("appeal"))).to_have_count(2)
    moving = card.locator(f'{console.by("appeal")}[data-appeal-id="{second["appeal"]["id"]}"]')
    moving.locator(console.by("appeal-move")).click()
    page.locator(console.by("edit-move-new")).check()
    page.locator(console.by("edit-confirm")).click()
    expect(card.locator(console.by("appeal"))).to_have_count(1)
    moved = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/appeals/{second['appeal']['id']}"))
    assert moved["incident_id"] not in (parent["id"], child["id"])
