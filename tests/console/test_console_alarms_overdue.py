"""Alarms beyond the new P1: an incident of any priority left without a unit past its dispatch deadline
(KUZET_OVERDUE_DISPATCH_MINUTES) alarms; the Queue tab counts alarms from whatever view the operator is on;
the 60-second mute ends by itself (the browser's clock is driven by Playwright, no real minute is waited);
and the deadlines follow the server's clock, as the timers do, whatever the workstation's own clock says."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from kuzet.container import Services
from kuzet.core.auth.domain import Role
from tests.console.browser import Console
from tests.console.test_console_alarms import MakeOperator, OpenConsole, sounds
from tests.ops import FAR_AWAY, PLAZA, Centre

THEFT = {"category_code": "theft", "text": "Украли сумку у остановки"}  # priority 2
FLASH = "rgb(248, 201, 196)"  # an alarm row's colour while the list flashes (app.css)
ANY = re.compile(".+")


def ago(seconds: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat()


def queue_row(desk: Console, incident_id: int) -> str:
    return f'{desk.by("queue-row")}[data-incident-id="{incident_id}"]'


def wait_for_sound_after(desk: Console, heard: int) -> None:
    desk.page.wait_for_function(f"Number(document.body.dataset.alarmSounds ?? 0) > {heard}")


def test_a_p2_without_a_unit_past_its_configured_dispatch_deadline_alarms_flashes_and_counts(
    open_console: OpenConsole,
    operator: MakeOperator,
    centre: Centre,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Not the console's own default (3 min for a P2): the deadline must come from the server's settings.
    monkeypatch.setattr(services.settings, "overdue_dispatch_minutes", {1: 1.0, 2: 2.0, 3: 10.0})
    desk = open_console()
    desk.open()
    desk.login(operator("desk-overdue", Role.DISPATCHER).username)
    page = desk.page
    badge = page.locator(desk.by("queue-alarm-count"))
    # A theft (P2) received 1:50 ago, no unit yet: amber, and no alarm until its two minutes are up.
    theft = centre.call_taker.call(**THEFT, received_at=ago(110))["incident"]
    assert theft["priority"] == 2
    fresh = centre.call_taker.call(**THEFT, at=FAR_AWAY)["incident"]
    row = page.locator(queue_row(desk, theft["id"]))
    timer = row.locator(desk.by("queue-timer"))
    expect(timer).to_have_class(re.compile(r"\btimer-warn\b"))
    expect(row).not_to_have_attribute("data-alarm", ANY)
    expect(badge).to_be_hidden()
    assert sounds(desk) == 0
    # Two minutes without a unit: the timer turns red, the alarm sounds, the Queue tab counts it, the row
    # flashes.
    expect(row).to_have_attribute("data-alarm", "overdue", timeout=15_000)
    expect(timer).to_have_class(re.compile(r"\btimer-over\b"))
    expect(badge).to_have_text("1")
    wait_for_sound_after(desk, 0)
    flashing = (
        "([row, flash, on]) => row.parentElement.classList.contains('alarm-flash') === on"
        " && (getComputedStyle(row).backgroundColor === flash) === on"
    )
    page.wait_for_function(flashing, arg=[row.element_handle(), FLASH, True])
    page.wait_for_function(flashing, arg=[row.element_handle(), FLASH, False])
    page.wait_for_function(flashing, arg=[row.element_handle(), FLASH, True])
    # The theft received just now is not late: no alarm on its row, and it does not flash.
    other = page.locator(queue_row(desk, fresh["id"]))
    expect(other).not_to_have_attribute("data-alarm", ANY)
    assert other.evaluate("r => getComputedStyle(r).backgroundColor") != FLASH
    # Acknowledged on its card, the overdue alarm stops at this desk and the timeline records it.
    row.click()
    page.click(desk.by("alarm-ack"))
    expect(badge).to_be_hidden()
    card = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{theft['id']}"))
    heard = [(e["actor"], e["data"]["alarm"]) for e in card["timeline"] if e["kind"] == "alarm_acknowledged"]
    assert heard == [("desk-overdue", "overdue")]


def test_the_queue_tab_counts_alarms_while_the_operator_works_on_another_view(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre
) -> None:
    desk = open_console()
    desk.open()
    desk.login(operator("desk-elsewhere", Role.DISPATCHER).username)
    page = desk.page
    badge = page.locator(desk.by("queue-alarm-count"))
    queue = page.locator(desk.by("queue"))
    # On the unit board, a new P1 is counted on the Queue tab and sounds.
    page.click(desk.by("nav-units"))
    expect(page.locator(desk.by("nav-units"))).to_have_class(re.compile(r"\bactive\b"))
    expect(queue).to_have_count(0)
    centre.call_taker.call(at=PLAZA)
    expect(badge).to_be_visible()
    expect(badge).to_be_in_viewport()
    expect(badge).to_have_text("1")
    wait_for_sound_after(desk, 0)
    # On the search page, a P2 waiting 2:50 (its deadline: three minutes) becomes overdue: counted and heard.
    page.click(desk.by("nav-search"))
    expect(page.locator(desk.by("search-view"))).to_be_visible()
    expect(queue).to_have_count(0)
    heard = sounds(desk)
    theft = centre.call_taker.call(**THEFT, at=FAR_AWAY, received_at=ago(170))["incident"]
    expect(badge).to_have_text("2", timeout=15_000)
    expect(badge).to_be_in_viewport()
    wait_for_sound_after(desk, heard)
    # Back on the queue, the rows that were counted are the ones alarming.
    page.click(desk.by("nav-queue"))
    expect(page.locator(queue_row(desk, theft["id"]))).to_have_attribute("data-alarm", "overdue")
    expect(page.locator(f"{desk.by('queue-row')}[data-alarm]")).to_have_count(2)


def test_the_mute_ends_by_itself_after_a_minute_and_the_alarm_sounds_again(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre
) -> None:
    desk = open_console()
    desk.context.clock.install()  # the browser's timers and clocks, from now, driven by the test when asked
    desk.open()
    desk.login(operator("desk-mute", Role.DISPATCHER).username)
    page = desk.page
    badge = page.locator(desk.by("queue-alarm-count"))
    mute = page.locator(desk.by("alarm-mute"))
    live = page.locator(desk.by("live-status"))
    d = centre.dispatcher
    fight = centre.call_taker.call(at=PLAZA)["incident"]
    expect(badge).to_have_text("1")
    wait_for_sound_after(desk, 0)
    mute.click()
    expect(mute).to_have_attribute("data-muted", "true")
    # The fight gets a unit: no alarm is left to sound at this desk.
    unit = centre.supervisor.unit("Беркут-51")
    d.ok(d.post(f"/api/v1/incidents/{fight['id']}/assignments", {"unit_id": unit["id"]}), 201)
    expect(page.locator(queue_row(desk, fight["id"]))).to_have_attribute("data-status", "dispatched")
    expect(badge).to_be_hidden()
    heard = sounds(desk)
    # 40 s later the mute still holds: a new P1 is counted and flagged, but silent.
    page.clock.fast_forward(40_000)
    expect(mute).to_have_attribute("data-muted", "true")
    expect(live).to_have_attribute("data-state", "connected")  # the jump may have ended a quiet live feed
    second = centre.call_taker.call(at=FAR_AWAY)["incident"]
    second_row = page.locator(queue_row(desk, second["id"]))
    expect(second_row).to_have_attribute("data-alarm", "new_p1")
    expect(badge).to_have_text("1")
    assert sounds(desk) == heard  # the sound would have been made with the count
    # Twenty-one seconds on, the minute is over: the mute ends by itself and the unheard P1 sounds.
    page.clock.fast_forward(21_000)
    expect(mute).to_have_attribute("data-muted", "false")
    wait_for_sound_after(desk, heard)
    # The P1 arrived seconds ago by the server's clock: still a new P1 with a green timer, not overdue.
    expect(second_row).to_have_attribute("data-alarm", "new_p1")
    expect(second_row.locator(desk.by("queue-timer"))).to_have_class(re.compile(r"\btimer-ok\b"))
    # A new alarm after the mute sounds at once.
    heard = sounds(desk)
    expect(live).to_have_attribute("data-state", "connected")
    third = centre.call_taker.call(at=(FAR_AWAY[0] + 0.002, FAR_AWAY[1]))["incident"]
    expect(page.locator(queue_row(desk, third["id"]))).to_have_attribute("data-alarm", "new_p1")
    expect(badge).to_have_text("2")
    assert sounds(desk) > heard


def test_deadlines_follow_the_server_clock_when_the_workstation_clock_runs_late(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre
) -> None:
    desk = open_console()
    # The workstation's clock is five minutes behind the server's (no time server on this desk).
    desk.context.clock.install(time=datetime.now(UTC) - timedelta(minutes=5))
    desk.open()
    desk.login(operator("desk-late-clock", Role.DISPATCHER).username)
    page = desk.page
    # A theft waiting 2:56 by the server's clock: three minutes is its deadline.
    theft = centre.call_taker.call(**THEFT, received_at=ago(176))["incident"]
    row = page.locator(queue_row(desk, theft["id"]))
    timer = row.locator(desk.by("queue-timer"))
    expect(row).to_be_visible()
    expect(timer).to_have_class(re.compile(r"\btimer-over\b"), timeout=15_000)
    # The alarm comes with the red timer, not five minutes later.
    expect(row).to_have_attribute("data-alarm", "overdue", timeout=3_000)
    expect(page.locator(desk.by("queue-alarm-count"))).to_have_text("1")
    wait_for_sound_after(desk, 0)
