"""From the card, in the browser: the dispatcher sets how many are injured and cancels a hand-over with a
reason (`kuzet agency-sim` playing the ambulance receives both); and the queue raises the overdue hand-over
alarm for an incident whose card this desk never opened."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from playwright.sync_api import expect

from kuzet.container import Services
from kuzet.core.auth.domain import Role
from kuzet.core.outbox import Relay
from tests.console.browser import Console, Operator
from tests.console.test_console_handover import open_stabbing
from tests.interagency.handover_fixtures import Sim, handover_relay, make_sim, register, wait_for
from tests.ops import Centre

__all__ = ["handover_relay", "make_sim"]

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]


def test_the_dispatcher_sets_the_injured_and_cancels_the_hand_over_with_a_reason(
    open_console: OpenConsole,
    operator: MakeOperator,
    centre: Centre,
    services: Services,
    handover_relay: Relay,
    make_sim: Callable[..., Sim],
) -> None:
    ambulance = register(services, "ambulance_103")
    sim = make_sim(ambulance, "--silent")
    console = open_console()
    incident_id = open_stabbing(console, centre, operator("hc-desk1", Role.DISPATCHER).username)
    page = console.page
    send = page.locator(console.by("handover-send"))
    expect(send).to_have_attribute("data-agency", "ambulance_103")
    page.keyboard.press("Alt+h")
    row = page.locator(f'{console.by("handover")}[data-agency="ambulance_103"]')
    expect(row).to_have_attribute("data-state", "requested")

    page.locator(console.by("card-edit-injured")).click()
    page.locator(console.by("edit-injured")).fill("1000")
    page.locator(console.by("edit-confirm")).click()
    expect(page.locator(console.by("edit-injured"))).to_have_attribute("aria-invalid", "true")
    page.locator(console.by("edit-injured")).fill("2")
    page.locator(console.by("edit-confirm")).click()
    expect(page.locator(console.by("card-injured"))).to_contain_text("2")
    expect(page.locator(console.by("timeline"))).to_contain_text("Изменено число пострадавших")

    row.locator(console.by("handover-cancel")).click()
    form = page.locator(console.by("action-form"))
    expect(form).to_contain_text("Причина (будет отправлена службе)")
    page.locator(console.by("action-reason")).fill("Пострадавших доставили попутной машиной")
    page.locator(console.by("action-confirm")).click()
    expect(row).to_have_attribute("data-state", "cancelled")
    expect(row.locator(console.by("handover-state"))).to_have_text("отменена")
    expect(row).to_contain_text("Пострадавших доставили попутной машиной")
    expect(row.locator(console.by("handover-cancel"))).to_have_count(0)
    expect(page.locator(console.by("timeline"))).to_contain_text("Передача отменена")
    # Cancelled, the ambulance is proposed again.
    expect(send).to_have_attribute("data-agency", "ambulance_103")

    def kinds() -> list[str]:
        found = httpx.get(f"{sim.url}/control/messages", timeout=5).json()["messages"]
        return [m["kind"] for m in found]

    assert wait_for(lambda: kinds() == ["request", "update", "cancel"] or None)
    server = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{incident_id}"))
    assert server["incident"]["injured"] == 2


def test_the_queue_alarms_for_an_overdue_hand_over_whose_card_was_never_opened(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre, services: Services
) -> None:
    register(services, "ambulance_103", p1_ack_seconds=1)
    registration = centre.call_taker.call(category_code="stabbing", text="Ранение ножом")
    incident_id = int(registration["incident"]["id"])
    d = centre.dispatcher
    d.ok(d.post(f"/api/v1/incidents/{incident_id}/handovers", {"agency": "ambulance_103"}), 201)

    console = open_console()
    console.open()
    console.login(operator("hc-desk2", Role.DISPATCHER).username)
    console.page.keyboard.press("F3")
    row = console.page.locator(f'{console.by("queue-row")}[data-incident-id="{incident_id}"]')
    expect(row).to_have_attribute("data-alarm", "handover_overdue", timeout=8000)
