"""A unit reported on scene while its fresh GPS fix is 1.9 km away: the card asks, and a confirmed arrival is
recorded as confirmed by the operator, with the distance."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from playwright.sync_api import expect

from kuzet.core.auth.domain import Role
from tests.console.browser import Console, Operator
from tests.ops import PLAZA, Centre


def test_a_far_arrival_asks_for_confirmation_and_is_recorded_as_such(
    open_console: Callable[[], Console], operator: Callable[..., Operator], centre: Centre
) -> None:
    incident = centre.call_taker.call()["incident"]
    unit = centre.supervisor.unit("Беркут-31")
    d = centre.dispatcher
    assignment = d.ok(d.post(f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": unit["id"]}), 201)
    d.ok(d.post(f"/api/v1/assignments/{assignment['id']}/status", {"status": "en_route"}))
    fix = {
        "call_sign": "Беркут-31",
        "at": datetime.now(UTC).isoformat(),
        "lat": PLAZA[0] + 0.017,
        "lon": PLAZA[1],
    }
    d.ok(d.post("/api/v1/units/positions", {"fixes": [fix]}))
    desk = open_console()
    desk.open()
    desk.login(operator("desk-far", Role.DISPATCHER).username)
    page = desk.page
    page.locator(f'{desk.by("queue-row")}[data-incident-id="{incident["id"]}"]').click()
    page.click(desk.by("assignment-on_scene"))
    question = page.locator(desk.by("action-form"))
    expect(question).to_contain_text("Беркут-31")
    expect(question).to_contain_text(" м ")  # the distance, in the operator's language (ru)
    assert d.ok(d.get(f"/api/v1/incidents/{incident['id']}"))["assignments"][0]["status"] == "en_route"
    page.click(desk.by("action-confirm"))
    expect(question).to_have_count(0)
    # The card's timeline says so, in the operator's language.
    texts = centre.dispatcher.ok(centre.dispatcher.get("/api/v1/console/texts", locale="ru"))
    said = texts["timeline.far_arrival"].split("{")[0]
    expect(page.locator('[data-kind="unit_on_scene"]')).to_contain_text(said)
    card = d.ok(d.get(f"/api/v1/incidents/{incident['id']}"))
    assert card["assignments"][0]["status"] == "on_scene"
    [arrived] = [e for e in card["timeline"] if e["kind"] == "unit_on_scene"]
    assert (
        arrived["data"]["arrival_confirmed_by_operator"] is True
        and 1800 < arrived["data"]["far_arrival_m"] < 2000
    )
