"""Hand-over from the card, in the browser, with `kuzet agency-sim` playing the ambulance (103) over loopback:
one key hands a knife wound over and the service's acknowledgement arrives on the card live. A service that
does not answer (nothing listens at its endpoint) past its deadline raises the desk's alarm and the card shows
its phone."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from playwright.sync_api import expect

from kuzet.container import Services
from kuzet.core.auth.domain import Role
from kuzet.core.outbox import Relay
from tests.console.browser import Console, Operator
from tests.interagency.handover_fixtures import Sim, handover_relay, make_sim, register
from tests.ops import Centre

__all__ = ["handover_relay", "make_sim"]

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]


def open_stabbing(console: Console, centre: Centre, username: str) -> int:
    """A knife wound (the category links the ambulance 103), opened on a dispatcher's card."""
    registration = centre.call_taker.call(category_code="stabbing", text="Ранение ножом")
    incident_id = int(registration["incident"]["id"])
    console.open()
    console.login(username)
    console.page.keyboard.press("F3")
    console.page.locator(f'{console.by("queue-row")}[data-incident-id="{incident_id}"]').click()
    expect(console.page.locator(console.by("incident-card"))).to_have_attribute(
        "data-incident-id", str(incident_id)
    )
    return incident_id


def test_one_key_hands_over_and_the_acknowledgement_arrives_live(
    open_console: OpenConsole,
    operator: MakeOperator,
    centre: Centre,
    services: Services,
    handover_relay: Relay,
    make_sim: Callable[..., Sim],
) -> None:
    # The ambulance answers after 1-1.5 s, long enough to see the request waiting first. Its process starts
    # while the dispatcher opens the card.
    ambulance = register(services, "ambulance_103")
    with ThreadPoolExecutor(1) as pool:
        starting = pool.submit(make_sim, ambulance, "--min-delay", "1", "--max-delay", "1.5")
        console = open_console()
        incident_id = open_stabbing(console, centre, operator("ho-desk1", Role.DISPATCHER).username)
        starting.result()
    page = console.page
    services_part = page.locator(console.by("services"))
    send = services_part.locator(console.by("handover-send"))
    expect(send).to_have_attribute("data-agency", "ambulance_103")
    expect(send).to_contain_text("Alt+H")

    page.keyboard.press("Alt+h")
    row = services_part.locator(f'{console.by("handover")}[data-agency="ambulance_103"]')
    expect(row).to_have_attribute("data-state", "requested")
    expect(row.locator(console.by("handover-state"))).to_have_text("запрошено")
    expect(send).to_have_count(0)  # handed over: no longer proposed
    reloads = page.evaluate("performance.getEntriesByType('navigation').length")
    page.evaluate(
        """() => new MutationObserver((changes, watcher) => {
          if (document.querySelector('[data-testid=handover][data-state=acknowledged]')) {
            window.ackSeenAt = Date.now();
            watcher.disconnect();
          }
        }).observe(document.body, { subtree: true, childList: true, attributes: true })"""
    )

    # No reload: the acknowledgement comes through the live feed.
    expect(row).not_to_have_attribute("data-state", "requested", timeout=8000)
    expect(page.locator(console.by("timeline"))).to_contain_text("Служба подтвердила")
    expect(row).to_contain_text("время службы")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == reloads
    listed = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{incident_id}/handovers"))
    received = datetime.fromisoformat(listed["handovers"][0]["acknowledged_at"]).timestamp() * 1000
    seen = page.evaluate("window.ackSeenAt")
    assert seen is not None and 0 <= seen - received < 1000, (seen, received)


def test_a_service_not_answering_by_its_deadline_alarms_and_shows_its_phone(
    open_console: OpenConsole,
    operator: MakeOperator,
    centre: Centre,
    services: Services,
    handover_relay: Relay,
) -> None:
    register(services, "ambulance_103", p1_ack_seconds=1)
    register(services, "fire_101")  # not linked to the category: chosen from the other services
    register(services, "alert_hub", fmt="cap")  # takes our public alerts only: never offered a hand-over
    console = open_console()
    incident_id = open_stabbing(console, centre, operator("ho-desk2", Role.DISPATCHER).username)
    page = console.page
    chooser = page.locator(console.by("handover-choose"))
    expect(chooser.locator('option[value="fire_101"]')).to_have_count(1)
    expect(chooser.locator('option[value="alert_hub"]')).to_have_count(0)
    chooser.select_option("fire_101")
    page.locator(console.by("handover-other-send")).click()
    expect(page.locator(f'{console.by("handover")}[data-agency="fire_101"]')).to_have_attribute(
        "data-state", "requested"
    )
    page.locator(console.by("handover-send")).click()

    overdue = page.locator(console.by("handover-overdue"))
    expect(overdue).to_contain_text("+7 7172 55 01 03", timeout=8000)
    ack = page.locator(console.by("alarm-ack"))
    expect(ack).to_have_attribute("data-alarm", "handover_overdue")
    ack.click()
    expect(page.locator(console.by("timeline"))).to_contain_text("Служба не подтвердила")
    server = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{incident_id}"))
    heard = [e["data"]["alarm"] for e in server["timeline"] if e["kind"] == "alarm_acknowledged"]
    assert heard == ["handover_overdue"]
