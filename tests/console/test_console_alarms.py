"""A night shift's safety net: a new P1 sounds an alarm, counts on the Queue tab and flashes its row; a timer
turns red at the dispatch deadline; a mute silences the sound for 60 s; acknowledgements are kept."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import update

from kuzet.container import Services
from kuzet.core.auth.domain import Role
from kuzet.incidents.store import incidents
from tests.console.browser import Console, Operator
from tests.ops import FAR_AWAY, Centre

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]


def sounds(console: Console) -> int:
    return int(console.page.evaluate("Number(document.body.dataset.alarmSounds ?? 0)"))


def test_a_new_p1_alarms_until_acknowledged_and_its_timer_reddens_at_the_dispatch_deadline(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre
) -> None:
    desk = open_console()
    desk.open()
    desk.login(operator("desk-alarm", Role.DISPATCHER).username)
    page = desk.page
    badge = page.locator(desk.by("queue-alarm-count"))
    expect(badge).to_be_hidden()
    assert sounds(desk) == 0
    # A P1 (a fight) is registered: the alarm sounds, the Queue tab counts it, its row flashes.
    fight = centre.call_taker.call()["incident"]
    row = page.locator(f'{desk.by("queue-row")}[data-incident-id="{fight["id"]}"]')
    expect(row).to_have_attribute("data-alarm", "new_p1")
    expect(badge).to_have_text("1")
    page.wait_for_function("Number(document.body.dataset.alarmSounds ?? 0) >= 1")
    # The P1 dispatch deadline is one minute: a P1 received 55 s ago is amber, and red five seconds later.
    received = (datetime.now(UTC) - timedelta(seconds=55)).isoformat()
    late = centre.call_taker.call(received_at=received, at=FAR_AWAY)["incident"]
    timer = page.locator(f'{desk.by("queue-row")}[data-incident-id="{late["id"]}"]').locator(
        desk.by("queue-timer")
    )
    expect(timer).to_have_class(re.compile(r"\btimer-warn\b"))
    expect(timer).to_have_class(re.compile(r"\btimer-over\b"), timeout=10_000)
    expect(badge).to_have_text("2")
    # Muted, a third P1 makes no sound, but it is counted.
    page.click(desk.by("alarm-mute"))
    expect(page.locator(desk.by("alarm-mute"))).to_have_attribute("data-muted", "true")
    heard = sounds(desk)
    centre.call_taker.call(at=(FAR_AWAY[0] + 0.002, FAR_AWAY[1]))
    expect(badge).to_have_text("3")
    page.wait_for_timeout(1500)
    assert sounds(desk) == heard
    # Acknowledged on its card, the first P1 stops alarming at this desk; its timeline records who heard it.
    row.click()
    page.click(desk.by("alarm-ack"))
    expect(badge).to_have_text("2")
    page.keyboard.press("Escape")
    expect(row).to_be_visible()
    expect(row).not_to_have_attribute("data-alarm", "new_p1")
    card = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{fight['id']}"))
    heard_by = [e for e in card["timeline"] if e["kind"] == "alarm_acknowledged"]
    assert [(e["actor"], e["data"]["alarm"]) for e in heard_by] == [("desk-alarm", "new_p1")]


def test_a_unit_late_on_scene_alarms_until_acknowledged(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre, services: Services
) -> None:
    desk = open_console()
    desk.open()
    desk.login(operator("desk-late", Role.DISPATCHER).username)
    page = desk.page
    fight = centre.call_taker.call()["incident"]
    unit = centre.supervisor.unit("Беркут-41")
    d = centre.dispatcher
    d.ok(d.post(f"/api/v1/incidents/{fight['id']}/assignments", {"unit_id": unit["id"]}), 201)
    row = page.locator(f'{desk.by("queue-row")}[data-incident-id="{fight["id"]}"]')
    expect(row).to_have_attribute("data-status", "dispatched")
    expect(row).not_to_have_attribute("data-alarm", re.compile(".+"))
    # The unit was sent eight minutes ago (a P1 must be on scene within seven): the desk learns it with the
    # incident's next change.
    with services.uow() as uow:
        uow.session.execute(
            update(incidents)
            .where(incidents.c.id == fight["id"])
            .values(first_dispatched_at=datetime.now(UTC) - timedelta(minutes=8))
        )
        uow.commit()
    d.ok(d.post(f"/api/v1/incidents/{fight['id']}/notes", {"text": "Экипаж в пробке"}))
    expect(row).to_have_attribute("data-alarm", "late_arrival")
    expect(page.locator(desk.by("queue-alarm-count"))).to_have_text("1")
    row.click()
    page.click(desk.by("alarm-ack"))
    expect(page.locator(desk.by("queue-alarm-count"))).to_be_hidden()
    card = d.ok(d.get(f"/api/v1/incidents/{fight['id']}"))
    heard = [e["data"]["alarm"] for e in card["timeline"] if e["kind"] == "alarm_acknowledged"]
    assert heard == ["late_arrival"]
