"""The console on a 1366×768 screen, for every role, in ru, kk and en: the navigation stays on one line,
nothing runs out of the bar or the window (with two more tabs as well), the active tab stays readable under
the mouse, and the user bar names the district, not its code, once the district map has brought the names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from kuzet.core.auth.domain import Role
from tests.conftest import LiveServer
from tests.console.browser import OUTPUT, REPORT_CSP_VIOLATIONS, Console, Operator
from tests.console.districts import NAMES, put_named_districts
from tests.ops import Centre

MakeOperator = Callable[..., Operator]
ROLES = [
    (Role.CALL_TAKER, "central"),
    (Role.DISPATCHER, "central"),
    (Role.SUPERVISOR, None),
    (Role.ANALYST, "central"),
]
# What the layout must hold, measured in the page: the tabs on one line, nothing past the bar or the window.
MEASURE = """() => {
  const bar = document.querySelector('.topbar');
  const tabs = [...document.querySelectorAll('.nav-item')].map((b) => b.getBoundingClientRect());
  const line = parseFloat(getComputedStyle(document.querySelector('.nav-item')).lineHeight) || 16;
  const outside = [...bar.children].filter((c) => c.offsetParent !== null)
    .filter((c) => { const r = c.getBoundingClientRect(); return r.right > innerWidth + 0.5 || r.left < 0; })
    .map((c) => c.className);
  return {
    tabs: tabs.length,
    tops: [...new Set(tabs.map((r) => Math.round(r.top)))],
    tallest: Math.max(...tabs.map((r) => r.height)),
    line,
    barOverflow: bar.scrollWidth - bar.clientWidth,
    barHeight: bar.getBoundingClientRect().height,
    pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
    outside,
  };
}"""
# Two more tabs, as the search and another view will add: copies of the first tab with longer names.
ADD_TWO_TABS = """() => {
  const nav = document.querySelector('.nav');
  for (const [key, text] of [['F7', 'Поиск происшествий'], ['F10', 'Командная строка']]) {
    const tab = nav.querySelector('.nav-item').cloneNode(true);
    tab.classList.remove('active');
    tab.querySelector('.nav-label').textContent = text;
    tab.querySelector('kbd').textContent = key;
    tab.dataset.testid = `nav-extra-${key}`;
    nav.append(tab);
  }
}"""


@pytest.fixture
def named_districts(centre: Centre) -> None:
    put_named_districts(centre)


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two computed colours (rgb() or rgba(), an opaque background)."""

    def luminance(colour: str) -> float:
        red, green, blue = (int(float(v)) / 255 for v in colour[colour.index("(") + 1 : -1].split(",")[:3])
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def small_screen(browser: Browser, base: str) -> Console:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ru-RU")
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    console = Console(page, context, base)
    console.watch(page)
    return console


def assert_one_line(page: Page, where: str) -> None:
    page.wait_for_timeout(150)  # the bar settles its compact level on the next frame
    found: dict[str, Any] = page.evaluate(MEASURE)
    assert found["tabs"] >= 1, where
    assert len(found["tops"]) == 1, f"{where}: the tabs wrap onto {len(found['tops'])} lines: {found}"
    assert found["tallest"] < 2 * found["line"] + 10, f"{where}: a tab's label wraps: {found}"
    assert found["barOverflow"] <= 1 and found["pageOverflow"] <= 0, f"{where}: something overflows: {found}"
    assert not found["outside"], f"{where}: out of the window: {found}"
    assert found["barHeight"] <= 44.5, f"{where}: the bar grew: {found}"


@pytest.mark.parametrize(("role", "district"), ROLES, ids=[r.value for r, _ in ROLES])
def test_every_role_in_every_language_fits_1366_by_768_on_one_line(
    browser: Browser,
    server: LiveServer,
    operator: MakeOperator,
    named_districts: None,
    role: Role,
    district: str | None,
    request: pytest.FixtureRequest,
) -> None:
    desk = small_screen(browser, server.url)
    try:
        person = operator(f"layout-{role.value}", role, district)
        desk.open()
        desk.login(person.username, totp_secret=person.totp_secret)
        page = desk.page
        user = page.locator(desk.by("user"))
        for code in ("ru", "kk", "en"):
            page.click(desk.by(f"lang-{code}"))
            expect(page.locator("html")).to_have_attribute("lang", code)
            assert_one_line(page, f"{role.value}/{code}")
            if district is not None:
                # The district's name in this language, never its code.
                expect(user).to_contain_text(NAMES[district][f"name_{code}"])
                assert f"· {district}" not in user.inner_text()
                whole = page.locator(".user-role").evaluate("(el) => el.scrollWidth <= el.clientWidth")
                assert whole, f"{role.value}/{code}: the district's name is cut: {user.inner_text()}"
            # The active tab under the mouse: its text stays darker than its background.
            active = page.locator(".nav-item.active")
            active.hover()
            colours = active.evaluate(
                "(el) => { const s = getComputedStyle(el); return [s.color, s.backgroundColor]; }"
            )
            assert contrast(*colours) >= 4.5, (
                f"{role.value}/{code}: the active tab under the mouse: {colours}"
            )
        # Two more tabs still fit on the line (in the longest language of the three).
        page.click(desk.by("lang-kk"))
        expect(page.locator("html")).to_have_attribute("lang", "kk")
        page.evaluate(ADD_TWO_TABS)
        assert_one_line(page, f"{role.value}/kk with two more tabs")
        OUTPUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUTPUT / f"{request.node.name}.png"))
        assert not desk.foreign_requests() and not desk.csp_violations
    finally:
        desk.context.close()


def test_the_incident_card_prints_alone(
    open_console: Callable[[], Console], operator: MakeOperator, centre: Centre
) -> None:
    incident = centre.call_taker.call()["incident"]
    desk = open_console()
    desk.open()
    desk.login(operator("layout-print", Role.DISPATCHER).username)
    page = desk.page
    page.locator(f'{desk.by("queue-row")}[data-incident-id="{incident["id"]}"]').click()
    card = page.locator(desk.by("incident-card"))
    expect(card).to_contain_text(incident["number"])
    expect(page.locator(".topbar")).to_be_visible()
    page.emulate_media(media="print")
    # On paper: the card and its timeline, no bar, map, command line or buttons.
    for hidden in (".topbar", desk.by("map"), ".cmdline"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(card).to_be_visible()
    expect(page.locator(desk.by("timeline"))).to_be_visible()
    assert card.locator("button:visible").count() == 0
    colour = card.evaluate("(el) => getComputedStyle(el).color")
    assert colour == "rgb(0, 0, 0)", colour
    page.emulate_media(media="screen")
    expect(page.locator(".topbar")).to_be_visible()
