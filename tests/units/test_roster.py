"""The unit roster over HTTP: types, districts, crews, shifts, statuses by hand, history."""

from __future__ import annotations

from tests.ops import Centre


def test_a_new_unit_is_off_duty_until_its_shift_starts(centre: Centre) -> None:
    unit = centre.supervisor.unit("Барс-7", on_duty=False)
    assert (unit["status"], unit["on_duty"], unit["type"]) == ("off_duty", False, "patrol_car")
    d = centre.dispatcher
    started = d.ok(
        d.post(
            f"/api/v1/units/{unit['id']}/shift",
            {"on_duty": True, "crew": [{"name": "Айбек Нуров", "badge": "1001"}]},
        )
    )
    assert (started["status"], started["crew"]) == ("available", [{"name": "Айбек Нуров", "badge": "1001"}])
    ended = d.ok(d.post(f"/api/v1/units/{unit['id']}/shift", {"on_duty": False}))
    assert ended["status"] == "off_duty"


def test_a_call_sign_is_unique(centre: Centre) -> None:
    centre.supervisor.unit("Барс-8")
    again = centre.supervisor.post(
        "/api/v1/units", {"call_sign": "Барс-8", "type": "foot_patrol", "district": "central"}
    )
    assert again.status_code == 409


def test_status_by_hand_and_its_history(centre: Centre) -> None:
    unit = centre.supervisor.unit("Барс-9")
    d = centre.dispatcher
    d.ok(d.post(f"/api/v1/units/{unit['id']}/status", {"status": "busy", "reason": "refuelling"}))
    d.ok(d.post(f"/api/v1/units/{unit['id']}/status", {"status": "out_of_service", "reason": "flat tyre"}))
    d.ok(d.post(f"/api/v1/units/{unit['id']}/status", {"status": "available"}))
    history = d.ok(d.get(f"/api/v1/units/{unit['id']}"))["history"]
    assert [(h["status_before"], h["status"], h["reason"]) for h in history] == [
        (None, "off_duty", "created"),
        ("off_duty", "available", "shift start"),
        ("available", "busy", "refuelling"),
        ("busy", "out_of_service", "flat tyre"),
        ("out_of_service", "available", None),
    ]
    assert all(h["actor"] for h in history)


def test_assignment_statuses_cannot_be_set_by_hand(centre: Centre) -> None:
    unit = centre.supervisor.unit("Барс-10")
    refused = centre.dispatcher.post(f"/api/v1/units/{unit['id']}/status", {"status": "on_scene"})
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:kuzet:problem:illegal-unit-transition"


def test_a_unit_at_work_cannot_end_its_shift_or_be_marked_available(centre: Centre) -> None:
    unit = centre.supervisor.unit("Барс-11")
    incident = centre.call_taker.call()["incident"]
    d = centre.dispatcher
    d.ok(d.post(f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": unit["id"]}), 201)
    assert d.post(f"/api/v1/units/{unit['id']}/shift", {"on_duty": False}).status_code == 409
    assert d.post(f"/api/v1/units/{unit['id']}/status", {"status": "available"}).status_code == 409


def test_an_off_duty_unit_cannot_be_assigned(centre: Centre) -> None:
    unit = centre.supervisor.unit("Барс-12", on_duty=False)
    incident = centre.call_taker.call()["incident"]
    refused = centre.dispatcher.post(
        f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": unit["id"]}
    )
    assert refused.status_code == 409
    assert refused.json()["unit_status"] == "off_duty"


def test_roster_edits_and_district_scope(centre: Centre) -> None:
    unit = centre.supervisor.unit("Барс-13")
    changed = centre.supervisor.ok(
        centre.supervisor.patch(
            f"/api/v1/units/{unit['id']}", {"type": "rapid_response", "district": "north"}
        )
    )
    assert (changed["type"], changed["district"]) == ("rapid_response", "north")
    board = [u["call_sign"] for u in centre.dispatcher.ok(centre.dispatcher.get("/api/v1/units"))]
    assert "Барс-13" not in board  # now another district's unit
    assert centre.dispatcher.get(f"/api/v1/units/{unit['id']}").status_code == 404
