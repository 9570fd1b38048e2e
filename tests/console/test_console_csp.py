"""The console's Content-Security-Policy is enforced in the browser, and the tests see what it refuses."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from kuzet.console.api import STATIC
from kuzet.core.auth.domain import Role
from tests.console.browser import VIOLATION_MARK, Console, Operator
from tests.ops import Centre
from tests.partners.fixtures import App

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]

INJECT_SCRIPT = """() => {
  const script = document.createElement('script');
  script.textContent = 'window.injected = true';
  document.head.append(script);
  return window.injected === true;
}"""

INJECT_STYLE = """() => {
  const box = document.createElement('div');
  box.setAttribute('style', 'color: rgb(255, 0, 0)');
  document.body.append(box);
  return getComputedStyle(box).color;
}"""


def test_an_injected_inline_script_does_not_run_and_is_reported(open_console: OpenConsole) -> None:
    console = open_console()
    console.open()
    console.page.wait_for_selector(console.by("login-username"))
    with console.page.expect_console_message(lambda m: f"{VIOLATION_MARK} script-src" in m.text):
        ran = console.page.evaluate(INJECT_SCRIPT)
    assert ran is False
    assert any("script-src" in text for text in console.csp_violations)
    # Refused on purpose; chromium's own message came before the listener's. Any other refusal fails the test.
    console.csp_violations.clear()


def test_an_injected_inline_style_is_not_applied_and_is_reported(open_console: OpenConsole) -> None:
    console = open_console()
    console.open()
    console.page.wait_for_selector(console.by("login-username"))
    with console.page.expect_console_message(lambda m: f"{VIOLATION_MARK} style-src" in m.text):
        colour = console.page.evaluate(INJECT_STYLE)
    assert colour != "rgb(255, 0, 0)"
    assert any("style-src" in text for text in console.csp_violations)
    console.csp_violations.clear()


def test_a_partners_photo_opens_in_a_window_of_its_own_under_the_policy(
    open_console: OpenConsole, operator: MakeOperator, kaspi: App, centre: Centre
) -> None:
    png = next((STATIC / "img").glob("marker-icon-*.png")).read_bytes()  # a real PNG at hand
    media = kaspi.client.upload(png).json()
    appeal = kaspi.client.send_appeal(kaspi.appeal(media=[media["id"]])).json()
    incident_id = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/appeals/{appeal['id']}"))[
        "incident_id"
    ]
    desk = operator("desk-photo", Role.DISPATCHER)
    console = open_console()
    console.open()
    console.login(desk.username)
    console.page.click(f'{console.by("queue-row")}[data-incident-id="{incident_id}"]')
    with console.context.expect_page() as opened:
        console.page.locator(console.by("media")).locator("button").first.click()
    window = opened.value
    photo = window.locator('[data-testid="photo"]')
    expect(photo).to_be_visible()
    assert window.url.startswith("blob:")
    assert photo.evaluate("img => img.complete && img.naturalWidth") > 0  # the image itself loaded
    # The page's look comes from the console's stylesheet (inline styles would be refused).
    assert window.evaluate("getComputedStyle(document.body).display") == "flex"
    # The fixture fails the test if chromium refused anything on this page or the console's.
