"""A whole incident over real HTTP: appeal → incident → assign → en route → on scene → clear → close."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.ops import Centre, parse


def test_a_fight_from_call_to_close_with_every_stamp(centre: Centre) -> None:
    received = (datetime.now(UTC) - timedelta(minutes=3)).replace(microsecond=250000)
    registration = centre.call_taker.call(received_at=received.isoformat())
    incident = registration["incident"]
    assert registration["new_incident"] is True
    assert registration["appeal"]["number"].startswith(f"102-{received.year}-")
    assert incident["status"] == "new" and incident["priority"] == 1
    assert parse(incident["stamps"]["received_at"]) == received

    unit = centre.supervisor.unit("Беркут-12")
    d = centre.dispatcher
    assignment = d.ok(d.post(f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": unit["id"]}), 201)
    for step in ("acknowledged", "en_route", "on_scene"):
        assignment = d.ok(d.post(f"/api/v1/assignments/{assignment['id']}/status", {"status": step}))
        # The unit board names the incident the unit works.
        board = {u["id"]: u for u in d.ok(d.get("/api/v1/units"))}
        assert board[unit["id"]]["incident_id"] == incident["id"]
    assignment = d.ok(
        d.post(
            f"/api/v1/assignments/{assignment['id']}/status",
            {"status": "cleared", "disposition": "protocol_drawn"},
        )
    )
    closed = d.ok(d.post(f"/api/v1/incidents/{incident['id']}/status", {"status": "closed"}))
    board = {u["id"]: u for u in d.ok(d.get("/api/v1/units"))}
    assert board[unit["id"]]["status"] == "available" and board[unit["id"]]["incident_id"] is None

    card = d.ok(d.get(f"/api/v1/incidents/{incident['id']}"))
    stamps = card["incident"]["stamps"]
    assert closed["status"] == card["incident"]["status"] == "closed"
    assert card["incident"]["disposition"] == "protocol_drawn"
    # The incident's first stamps are exactly its only unit's moments.
    assert parse(stamps["received_at"]) == received
    assert stamps["first_dispatched_at"] == assignment["assigned_at"]
    assert stamps["first_en_route_at"] == assignment["en_route_at"]
    assert stamps["first_on_scene_at"] == assignment["on_scene_at"]
    assert stamps["cleared_at"] == assignment["cleared_at"]
    moments = [
        parse(stamps[k])
        for k in (
            "received_at",
            "first_dispatched_at",
            "first_en_route_at",
            "first_on_scene_at",
            "cleared_at",
            "closed_at",
        )
    ]
    assert moments == sorted(moments)
    # The intervals are the exact differences of those stamps.
    spans = card["incident"]["intervals"]
    assert spans["call_processing"] == (moments[1] - moments[0]).total_seconds()
    assert spans["turnout"] == (moments[2] - moments[1]).total_seconds()
    assert spans["travel"] == (moments[3] - moments[2]).total_seconds()
    assert spans["response"] == (moments[3] - moments[0]).total_seconds()
    # The timeline tells the story in order, and the unit is free again.
    kinds = [e["kind"] for e in card["timeline"]]
    assert kinds[:2] == ["created", "appeal_linked"]
    assert kinds.index("unit_dispatched") < kinds.index("unit_en_route") < kinds.index("unit_on_scene")
    assert kinds[-2:] == ["status", "status"]
    # Cleared by its last unit: said as a fact each reader words in its own language, not as English text.
    cleared = card["timeline"][-2]["data"]
    assert cleared["last_unit_cleared"] is True and "note" not in cleared
    unit_card = d.ok(d.get(f"/api/v1/units/{unit['id']}"))
    assert unit_card["unit"]["status"] == "available"
    assert [h["status"] for h in unit_card["history"]] == [
        "off_duty",
        "available",
        "dispatched",
        "en_route",
        "on_scene",
        "available",
    ]


def test_second_unit_does_not_restamp_the_incident(centre: Centre) -> None:
    incident = centre.call_taker.call()["incident"]
    d = centre.dispatcher
    first = centre.supervisor.unit("Беркут-1")
    second = centre.supervisor.unit("Беркут-2")
    a1 = d.ok(d.post(f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": first["id"]}), 201)
    d.ok(d.post(f"/api/v1/assignments/{a1['id']}/status", {"status": "on_scene"}))
    a2 = d.ok(d.post(f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": second["id"]}), 201)
    d.ok(d.post(f"/api/v1/assignments/{a2['id']}/status", {"status": "on_scene"}))
    card = d.ok(d.get(f"/api/v1/incidents/{incident['id']}"))
    assert card["incident"]["stamps"]["first_dispatched_at"] == a1["assigned_at"]
    assert card["incident"]["status"] == "on_scene"
    assert card["incident"]["stamps"]["first_en_route_at"] is None  # the unit reported arrival directly
    assert card["incident"]["intervals"]["travel"] is None


def test_cancelling_the_only_unit_puts_the_incident_back_in_the_queue(centre: Centre) -> None:
    incident = centre.call_taker.call()["incident"]
    unit = centre.supervisor.unit("Беркут-3")
    d = centre.dispatcher
    a = d.ok(d.post(f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": unit["id"]}), 201)
    d.ok(d.post(f"/api/v1/assignments/{a['id']}/cancel", {"reason": "breakdown"}))
    card = d.ok(d.get(f"/api/v1/incidents/{incident['id']}"))
    assert card["incident"]["status"] == "queued"
    assert card["incident"]["stamps"]["first_dispatched_at"] == a["assigned_at"]  # kept
    assert card["assignments"][0]["cancel_reason"] == "breakdown"
    assert d.ok(d.get(f"/api/v1/units/{unit['id']}"))["unit"]["status"] == "available"


def test_reassign_replaces_the_unit_in_one_step(centre: Centre) -> None:
    incident = centre.call_taker.call()["incident"]
    first = centre.supervisor.unit("Беркут-4")
    second = centre.supervisor.unit("Беркут-5")
    d = centre.dispatcher
    a = d.ok(d.post(f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": first["id"]}), 201)
    b = d.ok(
        d.post(f"/api/v1/assignments/{a['id']}/reassign", {"unit_id": second["id"], "reason": "closer"}), 201
    )
    assert b["unit_id"] == second["id"] and b["incident_id"] == incident["id"]
    card = d.ok(d.get(f"/api/v1/incidents/{incident['id']}"))
    assert [x["status"] for x in card["assignments"]] == ["cancelled", "assigned"]
    assert card["incident"]["status"] == "dispatched"


def test_divert_sends_the_same_unit_to_another_incident(centre: Centre) -> None:
    low = centre.call_taker.call(category_code="noise", text="Громкая музыка")["incident"]
    high = centre.call_taker.call(category_code="shots_fired", text="Выстрелы", at=(42.51, 1.53))["incident"]
    unit = centre.supervisor.unit("Беркут-6")
    d = centre.dispatcher
    a = d.ok(d.post(f"/api/v1/incidents/{low['id']}/assignments", {"unit_id": unit["id"]}), 201)
    b = d.ok(
        d.post(
            f"/api/v1/assignments/{a['id']}/reassign", {"incident_id": high["id"], "reason": "priority 1"}
        ),
        201,
    )
    assert b["incident_id"] == high["id"]
    assert d.ok(d.get(f"/api/v1/incidents/{low['id']}"))["incident"]["status"] == "queued"
    assert d.ok(d.get(f"/api/v1/incidents/{high['id']}"))["incident"]["status"] == "dispatched"


def test_a_later_unit_en_route_after_arrival_earns_no_stamp(centre: Centre) -> None:
    incident = centre.call_taker.call()["incident"]
    d = centre.dispatcher
    first = centre.supervisor.unit("Беркут-8")
    second = centre.supervisor.unit("Беркут-9")
    a1 = d.ok(d.post(f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": first["id"]}), 201)
    d.ok(d.post(f"/api/v1/assignments/{a1['id']}/status", {"status": "on_scene"}))
    a2 = d.ok(d.post(f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": second["id"]}), 201)
    d.ok(d.post(f"/api/v1/assignments/{a2['id']}/status", {"status": "en_route"}))
    card = d.ok(d.get(f"/api/v1/incidents/{incident['id']}"))
    assert card["incident"]["stamps"]["first_en_route_at"] is None
    assert card["incident"]["status"] == "on_scene"
