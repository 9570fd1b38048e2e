"""The command line (F9 / Ctrl+K) and the F1 sheet of keys, in a real browser: a dispatcher assigns a unit,
changes a unit's status, finds an incident by the caller's phone and adds a note, typing ru or en commands
with Tab completion; the sheet lists the keys the console binds. The parser itself is run under node first."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from kuzet.core.auth.domain import Role
from kuzet.geo.runtime import Roads
from tests.console.browser import Console, Operator
from tests.ops import FAR_AWAY, NEAR_PLAZA, PLAZA, Centre

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]
COMMANDS_JS = Path(__file__).resolve().parents[2] / "web" / "src" / "core" / "commands.js"

WORLD = {
    "units": [
        {"id": 1, "call_sign": "Беркут-3", "status": "available"},
        {"id": 2, "call_sign": "Беркут-12", "status": "busy"},
        {"id": 3, "call_sign": "Сокол 1", "status": "dispatched"},
    ],
    "incidents": [{"id": 10, "number": "102-2026-000123"}, {"id": 11, "number": "102-2026-000124"}],
}


def run_commands_js(calls: list[dict[str, Any]]) -> list[Any]:
    """Call core/commands.js's exported functions under node: [{fn, args}] → their results."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: the console is built with it (`make setup`)")
    script = (
        f"import * as c from {json.dumps(COMMANDS_JS.as_uri())};"
        "const calls = JSON.parse(process.argv[1]);"
        "console.log(JSON.stringify(calls.map(({fn, args}) => c[fn](...args))));"
    )
    done = subprocess.run(
        [node, "--input-type=module", "-e", script, json.dumps(calls)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return list(json.loads(done.stdout))


def parse(*lines: str, current: int | None = None) -> list[dict[str, Any]]:
    calls = [{"fn": "parse", "args": [line, WORLD, {"currentIncidentId": current}]} for line in lines]
    return run_commands_js(calls)


def test_the_parser_understands_ru_kk_and_en_and_names_its_errors() -> None:
    assign = parse(
        "ASSIGN 102-2026-000123 Беркут-3",
        "назначить 123 беркут-3",
        "ТАҒАЙЫНДАУ Беркут-3 000124",
        "НАЗ Беркут-3",
    )
    assert [(r["incident"]["id"], r["unit"]["id"]) for r in assign[:3]] == [(10, 1), (10, 1), (11, 1)]
    assert assign[3] == {"ok": False, "error": {"key": "cmd.error.need_incident", "params": {}}}
    assert parse("НАЗ Беркут-3", current=11)[0]["incident"]["number"] == "102-2026-000124"

    status = parse(
        "STATUS Беркут-3 busy",
        "МӘРТЕБЕ Беркут-12 бос",
        "СТАТУС Беркут-12 не в строю",
        "статус Беркут-3 бос емес",
        "STATUS Сокол 1 available",
        "STATUS Беркут-3 свободен",
        "STATUS Беркут-3 flying",
        "STATUS Беркут-9 busy",
    )
    assert [r.get("status") for r in status[:4]] == ["busy", "available", "out_of_service", "busy"]
    assert status[4]["error"] == {
        "key": "cmd.error.status_not_allowed",
        "params": {"unit": "Сокол 1", "from": "dispatched", "to": "available"},
    }
    assert [r["error"]["key"] for r in status[5:]] == [
        "cmd.error.status_same",
        "cmd.error.unknown_status",
        "cmd.error.no_unit",
    ]

    other = parse(
        "FIND +7 701 123 45 67", "ІЗДЕУ", "NOTE 124 Соседи перезвонили", "ЗАМЕТКА текст", "АШУ 99", "jump"
    )
    assert other[0] == {"ok": True, "command": "find", "query": "+7 701 123 45 67"}
    assert other[1]["error"]["key"] == "cmd.error.need_query"
    assert (other[2]["incident"]["id"], other[2]["text"]) == (11, "Соседи перезвонили")
    assert other[3]["error"]["key"] == "cmd.error.need_incident"
    assert other[4]["error"] == {"key": "cmd.error.no_incident", "params": {"number": "99"}}
    assert other[5]["error"] == {"key": "cmd.error.unknown_command", "params": {"word": "jump"}}


def test_completion_offers_words_call_signs_numbers_and_allowed_statuses() -> None:
    lines = ["НА", "as", "ASSIGN 12", "ASSIGN 123 Бер", "STATUS Беркут-3 ", "СТАТУС Беркут-12 не"]
    calls = [{"fn": "complete", "args": [line, WORLD, "ru"]} for line in lines]
    calls.append({"fn": "complete", "args": ["STATUS Беркут-12 ", WORLD, "en"]})
    calls += [
        {"fn": "findCriteria", "args": [q]}
        for q in ("+7 701 123-45-67", "87011234567", "2026-000123", "Meritxell")
    ]
    results = run_commands_js(calls)
    values = [[o["value"] for o in r["options"]] for r in results[:7]]
    assert values == [
        ["НАЗНАЧИТЬ", "НАЙТИ"],
        ["ASSIGN"],
        ["102-2026-000123", "102-2026-000124"],
        ["Беркут-3", "Беркут-12"],
        ["занят", "не в строю"],  # an available unit: only the moves the unit board allows
        ["не в строю"],
        ["available", "out of service"],
    ]
    assert results[3]["from"] == len("ASSIGN 123 ")
    assert results[7:] == [
        {"phone": "+7 701 123-45-67"},
        {"phone": "87011234567"},
        {"number": "2026-000123"},
        {"q": "Meritxell"},
    ]


# --- in the browser -----------------------------------------------------------------------------------------


def command(console: Console) -> Any:
    return console.page.locator(console.by("command-input"))


def run(console: Console, line: str) -> None:
    box = command(console)
    box.fill(line)
    box.press("Enter")


def result(console: Console) -> Any:
    return console.page.locator(console.by("command-result"))


def open_desk(open_console: OpenConsole, operator: MakeOperator, name: str) -> Console:
    desk = open_console()
    desk.open()
    desk.login(operator(name, Role.DISPATCHER).username)
    return desk


def units_of(centre: Centre) -> dict[str, Any]:
    return {u["call_sign"]: u for u in centre.dispatcher.ok(centre.dispatcher.get("/api/v1/units"))}


def test_the_command_line_assigns_changes_a_status_finds_by_phone_and_notes_in_russian(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre
) -> None:
    berkut = centre.supervisor.unit("Беркут-3")
    centre.supervisor.unit("Беркут-12")
    fight = centre.call_taker.call()["incident"]
    other = centre.call_taker.call(caller_phone="+77019876543", at=FAR_AWAY)["incident"]
    desk = open_desk(open_console, operator, "desk-cmd-ru")
    page = desk.page
    expect(page.locator(f'{desk.by("queue-row")}[data-incident-id="{other["id"]}"]')).to_be_visible()

    # F9 puts the cursor in the line; Tab completes the command word, the number's tail and the call sign.
    page.keyboard.press("F9")
    box = command(desk)
    expect(box).to_be_focused()
    box.type("НАЗ")
    box.press("Tab")
    expect(box).to_have_value("НАЗНАЧИТЬ ")
    serial = str(int(fight["number"].rsplit("-", 1)[1]))
    box.type(serial)
    box.press("Tab")
    expect(box).to_have_value(f"НАЗНАЧИТЬ {fight['number']} ")
    box.type("Бер")
    box.press("Tab")  # two call signs fit: a list, the first highlighted
    options = page.locator(desk.by("command-option"))
    expect(options).to_have_count(2)
    expect(options.first).to_have_attribute("data-value", "Беркут-3")
    box.press("ArrowDown")
    box.press("ArrowUp")
    box.press("Enter")  # takes the highlighted call sign
    expect(box).to_have_value(f"НАЗНАЧИТЬ {fight['number']} Беркут-3 ")
    box.press("Enter")  # runs the command
    expect(result(desk)).to_have_attribute("data-kind", "ok")
    expect(result(desk)).to_have_text(f"Беркут-3 направлен на {fight['number']}")
    expect(box).to_have_value("")
    card = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{fight['id']}"))
    assert [(a["unit_id"], a["status"]) for a in card["assignments"]] == [(berkut["id"], "assigned")]

    # STATUS: a status the unit board allows; one it does not is refused in Russian, naming both statuses.
    run(desk, "СТАТУС Беркут-12 не в строю")
    expect(result(desk)).to_have_attribute("data-kind", "ok")
    expect(result(desk)).to_contain_text("Не в строю")
    assert units_of(centre)["Беркут-12"]["status"] == "out_of_service"
    run(desk, "СТАТУС Беркут-3 занят")
    expect(result(desk)).to_have_attribute("data-kind", "error")
    expect(result(desk)).to_have_text(
        re.compile(r"Беркут-3 в статусе «[^»]+»: статус «Занят» сейчас вручную не ставится")
    )
    expect(result(desk)).not_to_contain_text("dispatched")
    assert units_of(centre)["Беркут-3"]["status"] == "dispatched"
    run(desk, "ПРЫГНУТЬ Беркут-3")
    expect(result(desk)).to_have_text("Неизвестная команда «ПРЫГНУТЬ». Список команд — F1.")

    # ↑ recalls the lines run, refused ones too (to be put right).
    box.fill("")
    box.press("ArrowUp")
    expect(box).to_have_value("ПРЫГНУТЬ Беркут-3")
    box.press("ArrowUp")
    expect(box).to_have_value("СТАТУС Беркут-3 занят")
    box.press("ArrowUp")
    expect(box).to_have_value("СТАТУС Беркут-12 не в строю")
    for _ in range(3):
        box.press("ArrowDown")
    expect(box).to_have_value("")

    # FIND by the caller's phone, written as people say it: the one incident found opens in the card.
    run(desk, "НАЙТИ 8 701 987 65 43")
    expect(page.locator(desk.by("incident-number"))).to_have_text(other["number"])
    expect(result(desk)).to_have_text("Найдено: 1.")
    # By the address: both are listed above the line, and a row opens its card.
    run(desk, "НАЙТИ Plaça del Poble")
    found = page.locator(desk.by("command-found"))
    expect(found).to_have_count(2)
    found.and_(page.locator(f'[data-incident-id="{fight["id"]}"]')).click()
    expect(page.locator(desk.by("incident-number"))).to_have_text(fight["number"])
    expect(found.first).to_be_hidden()

    # OPEN by the appeal's number (102-…): the queue knows incidents' numbers only, the search the rest.
    page.keyboard.press("Escape")
    card = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{other['id']}"))
    appeal_number = card["appeals"][0]["number"]
    assert appeal_number.startswith("102-")
    page.keyboard.press("F9")
    run(desk, f"ОТКРЫТЬ {appeal_number}")
    expect(page.locator(desk.by("incident-number"))).to_have_text(other["number"])
    run(desk, f"ОТКРЫТЬ {fight['number']}")
    expect(page.locator(desk.by("incident-number"))).to_have_text(fight["number"])

    # NOTE without a number goes to the incident open in the card.
    run(desk, "ЗАМЕТКА Заявитель перезвонил, ждёт у подъезда")
    expect(result(desk)).to_have_text(f"Заметка добавлена к {fight['number']}.")
    timeline = page.locator(desk.by("timeline"))
    expect(timeline.locator('[data-kind="note"]')).to_contain_text("Заявитель перезвонил, ждёт у подъезда")


def test_english_commands_assign_set_status_and_find_by_phone(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre
) -> None:
    unit = centre.supervisor.unit("Eagle 7")
    centre.supervisor.unit("Eagle 8")
    fight = centre.call_taker.call(caller_phone="+77015550011", at=NEAR_PLAZA)["incident"]
    desk = open_desk(open_console, operator, "desk-cmd-en")
    page = desk.page
    page.click(desk.by("lang-en"))
    expect(page.locator(desk.by("nav-queue"))).to_contain_text("Queue")
    page.keyboard.press("Control+k")
    box = command(desk)
    expect(box).to_be_focused()
    expect(box).to_have_attribute("placeholder", re.compile(r"^Command \(F9 / Ctrl\+K\): ASSIGN"))

    # A call sign of two words completes as one; the number may come after it.
    box.type("as")
    box.press("Tab")
    box.type("Eag")
    box.press("Tab")  # Eagle 7 and Eagle 8: what they share, and a list
    expect(box).to_have_value("ASSIGN Eagle ")
    expect(page.locator(desk.by("command-option"))).to_have_count(2)
    box.type("7")
    box.press("Tab")
    expect(box).to_have_value("ASSIGN Eagle 7 ")
    box.type(fight["number"])
    box.press("Enter")
    expect(result(desk)).to_have_attribute("data-kind", "ok")
    expect(result(desk)).to_contain_text("Eagle 7")
    assert units_of(centre)["Eagle 7"]["status"] == "dispatched"

    # The incident is still open, and its unit works it: STATUS may not take it off by hand.
    run(desk, "STATUS Eagle 7 available")
    expect(result(desk)).to_have_text("Eagle 7 is «Dispatched»: «Available» cannot be set by hand now.")
    run(desk, "STATUS Eagle 8 busy")
    expect(result(desk)).to_have_text("Eagle 8 is now «Busy».")
    assert units_of(centre)["Eagle 8"]["status"] == "busy"

    run(desk, "FIND +7 701 555 00 11")
    expect(page.locator(desk.by("incident-number"))).to_have_text(fight["number"])
    expect(page.locator(desk.by("assignment"))).to_have_attribute("data-unit-id", str(unit["id"]))
    run(desk, "FIND +7 701 000 00 00")
    expect(result(desk)).to_have_text("Nothing found for «+7 701 000 00 00».")
    run(desk, "FIND x")  # the search wants two letters at least: its refusal, in words, never a code
    expect(result(desk)).to_have_attribute("data-kind", "error")
    expect(result(desk)).not_to_contain_text("string_too_short")
    expect(result(desk)).to_contain_text("2")


def test_f1_lists_the_bound_keys_and_the_recommendations_show_and_obey_alt_digits(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre, andorra_roads: Roads
) -> None:
    centre.supervisor.unit("Беркут-5")
    fix = {
        "call_sign": "Беркут-5",
        "at": datetime.now(UTC).isoformat(),
        "lat": PLAZA[0] + 0.004,
        "lon": PLAZA[1],
    }
    centre.dispatcher.ok(centre.dispatcher.post("/api/v1/units/positions", {"fixes": [fix]}))
    fight = centre.call_taker.call()["incident"]
    desk = open_desk(open_console, operator, "desk-cmd-keys")
    page: Page = desk.page
    row = page.locator(f'{desk.by("queue-row")}[data-incident-id="{fight["id"]}"]')
    row.click()
    first = page.locator(desk.by("recommendation")).first.locator(desk.by("assign"))
    expect(first.locator(desk.by("assign-key"))).to_have_text("Alt+1")

    page.keyboard.press("F1")
    sheet = page.locator(desk.by("shortcut-sheet"))
    expect(sheet).to_be_visible()
    keys = {
        desk_key.get_attribute("data-id"): desk_key.locator("kbd").all_inner_texts()
        for desk_key in sheet.locator(desk.by("shortcut")).all()
    }
    # The dispatcher's view keys (F2, F3, F4, F6) come from the shell's own list; a call-taker's would differ.
    assert keys["nav-queue"] == ["F3"] and keys["nav-units"] == ["F4"] and keys["nav-supervisor"] == ["F6"]
    assert (
        keys["help"] == ["F1"] and keys["command"] == ["F9", "Ctrl+K"] and keys["card-assign"] == ["Alt+1…5"]
    )
    assert {"card-back", "call-submit", "list-move", "command-complete", "command-history"} <= keys.keys()
    expect(sheet).to_contain_text("Назначить рекомендованный наряд 1…5")
    expect(sheet.locator(desk.by("command-help"))).to_contain_text(
        "НАЗНАЧИТЬ <номер происшествия> <позывной>"
    )
    # Esc closes the sheet only: the card stays open.
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()
    expect(page.locator(desk.by("incident-number"))).to_have_text(fight["number"])
    page.keyboard.press("F1")
    expect(sheet).to_be_visible()
    page.keyboard.press("F1")
    expect(sheet).to_be_hidden()

    # Alt+1 sends the first recommended unit, as its hint says.
    page.keyboard.press("Alt+1")
    expect(page.locator(desk.by("assignment"))).to_have_count(1)
    card = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{fight['id']}"))
    assert len(card["assignments"]) == 1
