"""The console in a real browser: Debian's chromium driven headless by Playwright (no browser download).

Every page records the requests it makes; a test fails if any of them leaves 127.0.0.1, and chromium is
started with every host but loopback unresolvable, as in a closed police network. Every page (the reports and
media it opens in new windows too) also records what its Content-Security-Policy refused, and a test fails on
any such violation: the console must work with its policy enforced. Each test saves a screenshot under
test-output/console/.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from kuzet.console.api import STATIC
from kuzet.container import Services
from kuzet.core.auth.domain import Role
from tests.conftest import PASSWORD, LiveServer, MakeUser
from tests.core.auth.helpers import enrol_totp

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "console"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    # A desk's alarm sounds without a click first, as on the operators' kiosk browsers.
    "--autoplay-policy=no-user-gesture-required",
    # Only loopback resolves: the console must not need anything else.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
LOCAL_SCHEMES = {"data", "blob", "about"}
CSP_MARK = "Content Security Policy"  # in chromium's own messages and in the listener's below
VIOLATION_MARK = "Content Security Policy violation:"  # the listener's, sent after chromium's own message
# Runs in every page and frame before its own scripts (Playwright's init scripts are not subject to the CSP).
REPORT_CSP_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (e) => console.error(
  `Content Security Policy violation: ${e.effectiveDirective} refused ${e.blockedURI || 'inline'}`
  + ` in ${e.documentURI} (${e.sourceFile || 'page'}:${e.lineNumber}) sample=${e.sample}`));
"""


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Debian's chromium is missing: `make test-tools` installs it (apt-get install chromium)")
    return found


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not (STATIC / "index.html").exists():
        pytest.fail("the console is not built: `make setup` builds web/ into kuzet/console/static")
    launched = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)
    yield launched
    launched.close()


@dataclass
class Console:
    """One browser window on the console, with every URL it asked for."""

    page: Page
    context: BrowserContext
    base: str
    requested: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        """Record what `page` asks for and what its Content-Security-Policy refuses."""
        page.on("request", lambda r: self.requested.append(r.url))
        page.on("console", lambda m: self._note(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self._note(f"page error: {e}"))

    def _note(self, text: str) -> None:
        if CSP_MARK.lower() in text.lower():
            self.csp_violations.append(text)

    def open(self, path: str = "/console/") -> None:
        self.page.goto(self.base + path)

    def by(self, testid: str) -> str:
        return f'[data-testid="{testid}"]'

    def login(self, username: str, password: str = PASSWORD, totp_secret: str | None = None) -> None:
        page = self.page
        page.fill(self.by("login-username"), username)
        page.fill(self.by("login-password"), password)
        page.click(self.by("login-submit"))
        if totp_secret is not None:
            page.wait_for_selector(self.by("login-totp"), state="visible")
            page.fill(self.by("login-totp"), pyotp.TOTP(totp_secret).now())
            page.click(self.by("login-submit"))
        page.wait_for_selector(self.by("live-status") + '[data-state="connected"]', timeout=10_000)

    def switch_language(self, code: str) -> None:
        """Press the language button and wait until the console has switched (texts loaded, views told)."""
        self.page.click(self.by(f"lang-{code}"))
        self.page.wait_for_selector(self.by(f"lang-{code}") + '[aria-pressed="true"]')

    def foreign_requests(self) -> list[str]:
        """Requests that would leave the machine (anything not on 127.0.0.1)."""
        return [
            url
            for url in self.requested
            if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).hostname != "127.0.0.1"
        ]


@pytest.fixture
def open_console(
    browser: Browser, server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Callable[[], Console]]:
    """Open console windows (one browser context each, like two operators at two desks)."""
    opened: list[Console] = []

    def _open() -> Console:
        context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="ru-RU")
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        page = context.new_page()
        console = Console(page, context, server.url)
        console.watch(page)

        def watch_opened(other: Page) -> None:  # a report or a photo opened in a window of its own
            if other is not page:
                console.watch(other)

        context.on("page", watch_opened)
        opened.append(console)
        return console

    yield _open
    OUTPUT.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for n, console in enumerate(opened):
        suffix = f"-{n + 1}" if len(opened) > 1 else ""
        console.page.screenshot(path=str(OUTPUT / f"{name}{suffix}.png"))
    foreign = [url for console in opened for url in console.foreign_requests()]
    refused = [text for console in opened for text in console.csp_violations]
    for console in opened:
        console.context.close()
    assert not foreign, f"the console asked for something outside 127.0.0.1: {foreign}"
    assert not refused, f"the console broke its Content-Security-Policy: {refused}"


@dataclass(frozen=True)
class Operator:
    username: str
    totp_secret: str | None


@pytest.fixture
def operator(services: Services, make_user: MakeUser) -> Callable[..., Operator]:
    """A staff account for the browser (with its TOTP secret when the role needs a second factor)."""

    def _make(username: str, role: Role, district: str | None = "central") -> Operator:
        user = make_user(username, role, district)
        secret = enrol_totp(services, user) if role.value in services.auth.totp_roles else None
        return Operator(username, secret)

    return _make
