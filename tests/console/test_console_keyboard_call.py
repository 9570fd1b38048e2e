"""A keyboard call, measured: from the call-taker's first key to the incident in a dispatcher's queue, the
console adds at most a second to the time spent typing, with the caller's earlier appeals shown on the form
while the call is taken. The figures are printed and written to test-output/console/keyboard-call.json."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from playwright.sync_api import Page, expect

from kuzet.core.auth.domain import Role
from kuzet.geo.runtime import Roads
from tests.console.browser import OUTPUT, Console, Operator
from tests.ops import Centre

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]
PHONE = "+7 701 555 77 88"
OVERHEAD_LIMIT_S = 1.0


class Typist:
    """Types as fast as Playwright can, and adds up the time spent in its own keys."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.typing_s = 0.0

    def type(self, text: str) -> None:
        started = time.perf_counter()
        self.page.keyboard.type(text)
        self.typing_s += time.perf_counter() - started

    def press(self, key: str) -> None:
        started = time.perf_counter()
        self.page.keyboard.press(key)
        self.typing_s += time.perf_counter() - started


def test_a_keyboard_call_reaches_the_queue_within_a_second_of_console_overhead(
    open_console: OpenConsole,
    operator: MakeOperator,
    centre: Centre,
    andorra_roads: Roads,
    andorra_gazetteer: None,
) -> None:
    for text in ("Шумят соседи", "Опять шумят"):  # the caller rang before
        centre.call_taker.call(caller_phone=PHONE, text=text, category_code="noise")
    desk = open_console()
    desk.open()
    desk.login(operator("kb-desk", Role.DISPATCHER).username)
    taker = open_console()
    taker.open()
    taker.login(operator("kb-taker", Role.CALL_TAKER).username)
    page = taker.page
    page.keyboard.press("F2")
    expect(page.locator(taker.by("call-phone"))).to_be_focused()
    keys = Typist(page)

    first_key = time.perf_counter()
    keys.type(PHONE)
    keys.press("Enter")
    keys.type("Avinguda Meritxell 40")
    expect(page.locator(taker.by("address-suggestions")).locator("li").first).to_contain_text("Meritxell 40")
    keys.press("Enter")
    keys.press("Enter")
    keys.type("драка")
    expect(page.locator(taker.by("category-suggestions")).locator("li").first).to_be_visible()
    keys.press("Enter")
    keys.press("Enter")
    keys.type("Драка во дворе, двое")
    # The caller's history is on the form while the call is taken, and the keyboard stayed in the form.
    history = page.locator(taker.by("caller-history"))
    expect(history).to_be_visible()
    expect(history.locator(taker.by("caller-history-item"))).to_have_count(2)
    expect(page.locator(taker.by("call-text"))).to_be_focused()
    keys.press("Control+Enter")
    desk.page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=queue-row]')]"
        ".some(r => r.textContent.includes('Meritxell 40'))",
        timeout=5_000,
    )
    total_s = time.perf_counter() - first_key

    overhead_s = total_s - keys.typing_s
    figures = {
        "total_s": round(total_s, 3),
        "typing_s": round(keys.typing_s, 3),
        "overhead_s": round(overhead_s, 3),
    }
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "keyboard-call.json").write_text(json.dumps(figures, indent=2))
    print(f"\nkeyboard call: {figures}")
    assert overhead_s <= OVERHEAD_LIMIT_S, figures
