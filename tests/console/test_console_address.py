"""Address entry keeps what was typed: a house number the map lacks is kept and placed between its
neighbours, two streets name their crossing, Enter moves on (only Ctrl+Enter submits), and the category
search understands what callers say ("пропал", "road accident")."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import expect

from kuzet.container import Services
from kuzet.core.auth.domain import Role
from tests.console.browser import Console, Operator
from tests.console.test_console_place import registered
from tests.ops import Centre

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]


def test_enter_moves_on_and_a_missing_house_number_is_kept_and_placed(
    open_console: OpenConsole,
    operator: MakeOperator,
    centre: Centre,
    services: Services,
    andorra_gazetteer: None,
) -> None:
    console = open_console()
    console.open()
    console.login(operator("addr1", Role.CALL_TAKER).username)
    page = console.page
    page.keyboard.press("F2")
    page.keyboard.type("+7 701 555 40 40")
    page.keyboard.press("Enter")
    expect(page.locator(console.by("call-address"))).to_be_focused()
    # «Avinguda Meritxell 40» is not in the map: the suggestion keeps the number, as an estimate.
    page.keyboard.type("Meritxell 40")
    first = page.locator(console.by("address-suggestions")).locator("li").first
    expect(first).to_contain_text("Meritxell 40")
    expect(first).to_contain_text("расчётный")
    page.keyboard.press("Enter")
    expect(page.locator(console.by("call-address"))).to_have_value(re.compile(r"Meritxell 40\b"))
    expect(page.locator(console.by("call-address"))).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(console.by("call-category"))).to_be_focused()
    page.keyboard.type("пропал")
    expect(page.locator(console.by("category-suggestions"))).to_contain_text("Пропажа человека")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect(page.locator(console.by("call-text"))).to_be_focused()
    page.keyboard.type("Ушёл из дома утром")
    page.keyboard.press("Enter")  # a new line in the text, not a submission
    page.keyboard.type("и не вернулся")
    expect(page.locator(console.by("call-text"))).to_have_value("Ушёл из дома утром\nи не вернулся")
    page.keyboard.press("Control+Enter")

    incident = registered(centre, "554040")
    gazetteer = services.geo.gazetteer
    assert gazetteer is not None
    estimate = gazetteer.search("Meritxell 40", limit=1)[0]
    assert estimate.kind == "interpolated"
    assert incident["address"].startswith("Avinguda Meritxell 40")
    assert (incident["lat"], incident["lon"]) == (estimate.lat, estimate.lon)


def test_a_crossing_of_two_streets_is_an_address(
    open_console: OpenConsole, operator: MakeOperator, andorra_gazetteer: None
) -> None:
    console = open_console()
    console.open()
    console.login(operator("addr2", Role.CALL_TAKER).username)
    page = console.page
    page.keyboard.press("F2")
    page.locator(console.by("call-address")).fill("Meritxell / Prat de la Creu")
    page.locator(console.by("call-address")).press("ArrowDown")
    first = page.locator(console.by("address-suggestions")).locator("li").first
    expect(first).to_contain_text("Avinguda Meritxell / Avinguda Prat de la Creu")
    expect(first).to_contain_text("перекрёсток")


def test_the_category_search_knows_stems_and_other_words_in_three_languages(
    open_console: OpenConsole, operator: MakeOperator
) -> None:
    console = open_console()
    console.open()
    console.login(operator("addr3", Role.CALL_TAKER).username)
    page = console.page
    page.keyboard.press("F2")
    category = page.locator(console.by("call-category"))
    suggestions = page.locator(console.by("category-suggestions"))
    for typed, expected in (("пропал", "Пропажа человека"), ("драки", "Драка"), ("угнали", "Угон")):
        category.fill("")
        category.type(typed)
        expect(suggestions).to_contain_text(expected)
    console.switch_language("kk")
    category.fill("")
    category.type("жоғалды")
    expect(suggestions).to_contain_text("Адамның хабар-ошарсыз жоғалуы")
    console.switch_language("en")
    for typed, expected in (("road accident", "Traffic accident"), ("stolen car", "Vehicle theft")):
        category.fill("")
        category.type(typed)
        expect(suggestions).to_contain_text(expected)
    # A word nobody uses for "road hazard" keeps it out of a road accident's list.
    category.fill("")
    category.type("road accident")
    expect(suggestions).not_to_contain_text("Road hazard")
