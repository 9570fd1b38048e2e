"""Incident lifecycle over HTTP: illegal moves, dispositions, reopening, merging, overdue, categories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.ops import FAR_AWAY, NEAR_PLAZA, Centre


def test_an_illegal_transition_is_a_409_naming_both_statuses(centre: Centre) -> None:
    incident = centre.call_taker.call()["incident"]
    response = centre.dispatcher.post(
        f"/api/v1/incidents/{incident['id']}/status",
        {"status": "cleared", "disposition": "other"},
        **{"Accept-Language": "en"},
    )
    assert response.status_code == 409
    body = response.json()
    assert body["type"] == "urn:kuzet:problem:illegal-transition"
    assert (body["current_status"], body["requested_status"]) == ("new", "cleared")
    # The statuses as an operator reads them; the codes are in current_status and requested_status.
    assert body["detail"] == "An incident in status New cannot move to Cleared."


def test_unit_statuses_cannot_be_set_by_hand(centre: Centre) -> None:
    incident = centre.call_taker.call()["incident"]
    for status in ("dispatched", "en_route", "on_scene"):
        response = centre.dispatcher.post(f"/api/v1/incidents/{incident['id']}/status", {"status": status})
        assert response.status_code == 422
        assert response.json()["errors"][0] == {
            "field": "status",
            "location": "body",
            "pointer": "/status",
            "reason": "Этот статус ставят назначения нарядов.",
            "code": "unit_driven",
        }


def test_no_status_by_hand_while_units_work_the_incident(centre: Centre) -> None:
    incident = centre.call_taker.call()["incident"]
    unit = centre.supervisor.unit("Сункар-9")
    d = centre.dispatcher
    d.ok(d.post(f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": unit["id"]}), 201)
    refused = d.post(
        f"/api/v1/incidents/{incident['id']}/status", {"status": "cancelled", "disposition": "other"}
    )
    assert refused.status_code == 409
    assert d.ok(d.get(f"/api/v1/units/{unit['id']}"))["unit"]["status"] == "dispatched"


def test_a_disposition_belongs_to_the_end_only(centre: Centre) -> None:
    incident = centre.call_taker.call()["incident"]
    response = centre.dispatcher.post(
        f"/api/v1/incidents/{incident['id']}/status", {"status": "queued", "disposition": "false_call"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "not_allowed"


def test_clearing_needs_a_disposition(centre: Centre) -> None:
    incident = centre.call_taker.call()["incident"]
    response = centre.dispatcher.post(f"/api/v1/incidents/{incident['id']}/status", {"status": "cancelled"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "disposition"


def test_reopen_keeps_the_stamps_and_records_the_reopening(centre: Centre) -> None:
    incident = centre.call_taker.call(category_code="lost_documents", text="Потерял паспорт")["incident"]
    d = centre.dispatcher
    closed = d.ok(
        d.post(
            f"/api/v1/incidents/{incident['id']}/status",
            {"status": "closed", "disposition": "resolved_by_phone"},
        )
    )
    reopened = d.ok(d.post(f"/api/v1/incidents/{incident['id']}/reopen", {"reason": "caller called back"}))
    assert reopened["status"] == "queued" and reopened["reopen_count"] == 1
    assert reopened["stamps"]["closed_at"] == closed["stamps"]["closed_at"]
    card = d.ok(d.get(f"/api/v1/incidents/{incident['id']}"))
    reopening = [e for e in card["timeline"] if e["kind"] == "reopened"]
    assert reopening[0]["data"]["reason"] == "caller called back"
    assert reopening[0]["data"]["previous_disposition"] == "resolved_by_phone"
    again = d.ok(
        d.post(
            f"/api/v1/incidents/{incident['id']}/status",
            {"status": "closed", "disposition": "report_registered"},
        )
    )
    assert again["stamps"]["closed_at"] == closed["stamps"]["closed_at"]  # stamped once


def test_only_a_closed_incident_reopens(centre: Centre) -> None:
    incident = centre.call_taker.call()["incident"]
    assert (
        centre.dispatcher.post(f"/api/v1/incidents/{incident['id']}/reopen", {"reason": "x"}).status_code
        == 409
    )


def test_merge_keeps_the_childs_appeals_stamps_and_timeline(centre: Centre) -> None:
    parent = centre.call_taker.call()["incident"]
    child = centre.call_taker.call(at=NEAR_PLAZA, text="Драка, кричат")["incident"]
    d = centre.dispatcher
    merged = d.ok(d.post(f"/api/v1/incidents/{parent['id']}/merge", {"child_id": child["id"]}))
    assert merged["id"] == parent["id"]
    card = d.ok(d.get(f"/api/v1/incidents/{parent['id']}"))
    assert [c["id"] for c in card["children"]] == [child["id"]]
    assert card["children"][0]["stamps"] == child["stamps"]
    assert {a["incident_id"] for a in card["appeals"]} == {parent["id"], child["id"]}
    assert {e["incident_id"] for e in card["timeline"]} == {parent["id"], child["id"]}
    queue = [i["id"] for i in d.ok(d.get("/api/v1/incidents"))]
    assert parent["id"] in queue and child["id"] not in queue
    assert d.post(f"/api/v1/incidents/{child['id']}/status", {"status": "queued"}).status_code == 409

    unmerged = d.ok(d.post(f"/api/v1/incidents/{child['id']}/unmerge"))
    assert unmerged["merged_into_id"] is None
    assert child["id"] in [i["id"] for i in d.ok(d.get("/api/v1/incidents"))]


def test_closed_or_parent_incidents_are_not_merged_in(centre: Centre) -> None:
    parent = centre.call_taker.call()["incident"]
    closed = centre.call_taker.call(at=NEAR_PLAZA)["incident"]
    d = centre.dispatcher
    d.ok(
        d.post(
            f"/api/v1/incidents/{closed['id']}/status", {"status": "cancelled", "disposition": "false_call"}
        )
    )
    assert d.post(f"/api/v1/incidents/{parent['id']}/merge", {"child_id": closed["id"]}).status_code == 409
    middle = centre.call_taker.call(at=FAR_AWAY)["incident"]
    leaf = centre.call_taker.call(at=(42.47, 1.49))["incident"]
    d.ok(d.post(f"/api/v1/incidents/{middle['id']}/merge", {"child_id": leaf["id"]}))
    assert d.post(f"/api/v1/incidents/{parent['id']}/merge", {"child_id": middle["id"]}).status_code == 409


def test_an_incident_with_units_at_work_cannot_be_merged_away(centre: Centre) -> None:
    parent = centre.call_taker.call()["incident"]
    child = centre.call_taker.call(at=NEAR_PLAZA)["incident"]
    unit = centre.supervisor.unit("Сункар-1")
    d = centre.dispatcher
    d.ok(d.post(f"/api/v1/incidents/{child['id']}/assignments", {"unit_id": unit["id"]}), 201)
    assert d.post(f"/api/v1/incidents/{parent['id']}/merge", {"child_id": child["id"]}).status_code == 409


def test_queue_is_sorted_by_priority_then_waiting_time(centre: Centre) -> None:
    now = datetime.now(UTC)
    noise = centre.call_taker.call(
        category_code="noise", received_at=(now - timedelta(minutes=9)).isoformat(), at=FAR_AWAY
    )["incident"]
    old_fight = centre.call_taker.call(received_at=(now - timedelta(minutes=5)).isoformat())["incident"]
    new_fight = centre.call_taker.call(
        received_at=(now - timedelta(minutes=1)).isoformat(), at=(42.47, 1.49)
    )["incident"]
    queue = [i["id"] for i in centre.dispatcher.ok(centre.dispatcher.get("/api/v1/incidents"))]
    assert queue == [old_fight["id"], new_fight["id"], noise["id"]]


def test_overdue_lists_waiting_and_slow_incidents_worst_first(centre: Centre) -> None:
    now = datetime.now(UTC)
    waiting = centre.call_taker.call(received_at=(now - timedelta(minutes=4)).isoformat())["incident"]
    fresh = centre.call_taker.call(received_at=now.isoformat(), at=FAR_AWAY)["incident"]
    noise = centre.call_taker.call(
        category_code="noise", received_at=(now - timedelta(minutes=5)).isoformat(), at=(42.47, 1.49)
    )["incident"]
    late = centre.supervisor.ok(centre.supervisor.get("/api/v1/incidents/overdue"))
    by_id = {o["incident"]["id"]: o for o in late}
    assert waiting["id"] in by_id and fresh["id"] not in by_id and noise["id"] not in by_id
    assert by_id[waiting["id"]]["breach"] == "awaiting_dispatch"
    assert by_id[waiting["id"]]["threshold_seconds"] == 60  # priority 1: one minute to dispatch
    assert 180 < by_id[waiting["id"]]["over_by_seconds"] < 240


def test_a_reopened_incident_is_timed_from_its_reopening(centre: Centre) -> None:
    old = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
    incident = centre.call_taker.call(received_at=old)["incident"]
    d = centre.dispatcher
    d.ok(d.post(f"/api/v1/incidents/{incident['id']}/status", {"status": "closed", "disposition": "other"}))
    d.ok(d.post(f"/api/v1/incidents/{incident['id']}/reopen", {"reason": "new information"}))
    late = [
        o["incident"]["id"] for o in centre.supervisor.ok(centre.supervisor.get("/api/v1/incidents/overdue"))
    ]
    assert incident["id"] not in late  # three hours since the call, but seconds since the reopening


def test_the_shipped_catalogue(centre: Centre) -> None:
    categories = centre.call_taker.ok(centre.call_taker.get("/api/v1/categories"))
    assert len(categories) >= 40
    by_code = {c["code"]: c for c in categories}
    assert by_code["traffic_accident_injured"]["agencies"] == ["ambulance_103"]
    assert by_code["fire_seen"]["agencies"] == ["fire_101"]
    assert by_code["theft"]["name"] == {"ru": "Кража", "kk": "Ұрлық", "en": "Theft"}
    assert all(1 <= c["priority"] <= 4 and all(c["name"].values()) for c in categories)


def test_admin_adds_changes_and_retires_a_category(centre: Centre) -> None:
    body = {
        "group": "public_order",
        "priority": 3,
        "agencies": [],
        "name": {"ru": "Фейерверк", "kk": "Отшашу", "en": "Fireworks"},
    }
    a = centre.admin
    assert a.put("/api/v1/categories/fireworks", body).status_code == 201
    changed = a.ok(a.put("/api/v1/categories/fireworks", {**body, "priority": 2, "agencies": ["fire_101"]}))
    assert (changed["priority"], changed["agencies"]) == (2, ["fire_101"])
    incident = centre.call_taker.call(category_code="fireworks", text="Салют во дворе")["incident"]
    assert incident["priority"] == 2
    a.ok(a.put("/api/v1/categories/fireworks", {**body, "active": False}))
    codes = [c["code"] for c in centre.call_taker.ok(centre.call_taker.get("/api/v1/categories"))]
    assert "fireworks" not in codes
    refused = centre.call_taker.post(
        "/api/v1/appeals",
        {"caller_phone": "+77011234567", "text": "Салют", "category_code": "fireworks", "address": "двор"},
    )
    assert refused.status_code == 422
    assert centre.dispatcher.put("/api/v1/categories/fireworks", body).status_code == 403
    bad = a.put("/api/v1/categories/Bad Code", body)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "code"
