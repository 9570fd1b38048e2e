"""The supervisor's panel of agency links, in the browser: each link's state from its heartbeats, a down link
since its last heartbeat (Almaty time) with the service's phone, the messages waiting (hand-overs and public
alerts, the alerts told apart) and the oldest unacknowledged hand-over, whose incident opens its card; the
panel follows the links without a reload."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from kuzet.container import Services
from kuzet.core.auth.domain import Role
from kuzet.interagency.link_store import LinkRepository
from tests.console.browser import Console, Operator
from tests.interagency.handover_fixtures import register
from tests.interagency.test_alerts_api import missing_child
from tests.ops import Centre

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]
ALMATY = ZoneInfo("Asia/Almaty")


def beat(services: Services, code: str, at: datetime) -> None:
    """The agency's last heartbeat, as our receipt of it at `at`."""
    with services.session_factory() as session:
        LinkRepository(session).beat(code, at=at, agency_at=None)
        session.commit()


def test_the_supervisor_sees_each_link_and_a_down_links_phone(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre, services: Services
) -> None:
    register(services, "ambulance_103", also=("cap",))  # it takes our public alerts too
    register(services, "fire_101")
    now = services.clock.now()
    beat(services, "ambulance_103", now)
    long_ago = now - timedelta(minutes=2)
    beat(services, "fire_101", long_ago)
    # A hand-over to the ambulance that nobody delivers: one message waiting, unacknowledged.
    incident_id = centre.call_taker.call(category_code="stabbing", text="Ранение ножом")["incident"]["id"]
    centre.dispatcher.ok(
        centre.dispatcher.post(f"/api/v1/incidents/{incident_id}/handovers", {"agency": "ambulance_103"}), 201
    )
    # And a public alert, which waits for the ambulance (not for the fire service, which takes no CAP).
    centre.supervisor.ok(centre.supervisor.post("/api/v1/alerts", missing_child(services)), 201)
    number = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{incident_id}"))["incident"][
        "number"
    ]

    supervisor = operator("links-sup", Role.SUPERVISOR, None)
    console = open_console()
    page = console.page
    page.set_viewport_size({"width": 1366, "height": 768})
    console.open()
    console.login(supervisor.username, totp_secret=supervisor.totp_secret)
    beat(services, "ambulance_103", services.clock.now())  # fresh, however long the login took
    page.keyboard.press("F6")

    links = page.locator(console.by("agency-links"))
    fire = links.locator(f'{console.by("agency-link")}[data-agency="fire_101"]')
    ambulance = links.locator(f'{console.by("agency-link")}[data-agency="ambulance_103"]')
    expect(fire).to_have_attribute("data-state", "down")
    expect(fire).to_contain_text("Служба fire_101")
    expect(fire.locator(console.by("link-state"))).to_have_text("Нет связи")
    since = long_ago.astimezone(ALMATY).strftime("%d.%m %H:%M:%S")
    expect(fire.locator(console.by("link-since"))).to_have_text(f"с {since}")
    expect(fire.locator(console.by("link-phone"))).to_contain_text("+7 7172 55 01 03")
    expect(links.locator(console.by("agency-link")).first).to_have_attribute(
        "data-agency", "fire_101"
    )  # down first

    expect(ambulance).to_have_attribute("data-state", "up")
    expect(ambulance.locator(console.by("link-phone"))).to_have_count(0)
    expect(ambulance.locator(console.by("link-waiting"))).to_have_text(
        "Сообщений в очереди: 2 · из них оповещений: 1"
    )
    expect(fire.locator(console.by("link-waiting"))).to_have_text("Сообщений в очереди: 0")
    oldest = ambulance.locator(console.by("link-oldest-incident"))
    expect(oldest).to_have_text(number)
    expect(ambulance.locator(console.by("link-oldest-age"))).to_have_text(
        re.compile(r"^00:\d\d$")
    )  # under a minute
    overflow = page.evaluate(
        "() => { const p = document.querySelector('.panel'); return p.scrollWidth - p.clientWidth; }"
    )
    assert overflow <= 0, overflow  # the panel fits the work column at 1366×768

    # The ambulance goes silent past the limit: the panel shows it down without a reload.
    reloads = page.evaluate("performance.getEntriesByType('navigation').length")
    beat(services, "ambulance_103", services.clock.now() - timedelta(minutes=5))
    expect(ambulance).to_have_attribute("data-state", "down", timeout=8000)
    expect(ambulance.locator(console.by("link-phone"))).to_contain_text("+7 7172 55 01 03")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == reloads

    # The oldest unacknowledged hand-over opens its incident's card.
    ambulance.locator(console.by("link-oldest-incident")).click()
    expect(page.locator(console.by("incident-card"))).to_have_attribute("data-incident-id", str(incident_id))
