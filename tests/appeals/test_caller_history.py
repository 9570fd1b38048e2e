"""A caller's history over HTTP: the earlier appeals from the same phone, the latest first, with incidents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.ops import FAR_AWAY, Centre

HISTORY = "/api/v1/appeals/history"
CALLER = "+77015550101"


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def test_earlier_appeals_of_a_phone_come_latest_first_with_their_incidents(centre: Centre) -> None:
    ct, d = centre.call_taker, centre.dispatcher
    first = ct.call(caller_phone=CALLER, text="Драка у магазина", received_at=ago(days=30))
    d.ok(
        d.post(
            f"/api/v1/incidents/{first['incident']['id']}/status",
            {"status": "closed", "disposition": "resolved_by_phone"},
        )
    )
    second = ct.call(
        caller_phone="8 701 555 01 01", category_code="noise", text="Шумят соседи", received_at=ago(hours=2)
    )
    ct.call(caller_phone="+77017770202", text="Другой звонящий", received_at=ago(hours=1))
    history = ct.ok(ct.get(HISTORY, phone="+7 (701) 555-01-01"))
    assert [h["appeal_number"] for h in history] == [second["appeal"]["number"], first["appeal"]["number"]]
    latest, earlier = history
    assert latest["incident_number"] == second["incident"]["number"]
    assert latest["incident_status"] == "new" and latest["category_code"] == "noise"
    assert latest["text"] == "Шумят соседи"
    assert earlier["incident_status"] == "closed" and earlier["incident_id"] == first["incident"]["id"]
    assert ct.ok(ct.get(HISTORY, phone=CALLER, limit=1)) == [latest]


def test_a_phone_without_appeals_has_an_empty_history(centre: Centre) -> None:
    centre.call_taker.call(caller_phone=CALLER)
    assert centre.call_taker.ok(centre.call_taker.get(HISTORY, phone="+77019998877")) == []


def test_the_history_keeps_to_the_call_takers_district(centre: Centre) -> None:
    centre.supervisor.call(caller_phone=CALLER, district="north", at=FAR_AWAY, received_at=ago(days=1))
    own = centre.call_taker.call(caller_phone=CALLER, received_at=ago(hours=1))
    seen = centre.call_taker.ok(centre.call_taker.get(HISTORY, phone=CALLER))
    assert [h["appeal_number"] for h in seen] == [own["appeal"]["number"]]
    assert len(centre.supervisor.ok(centre.supervisor.get(HISTORY, phone=CALLER))) == 2


def test_a_bad_phone_is_a_problem_naming_the_field(centre: Centre) -> None:
    for params in ({"phone": "12"}, {"phone": "not a phone"}, {}):
        response = centre.call_taker.get(HISTORY, **params)
        assert response.status_code == 422, params
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["field"] == "phone"


def test_only_roles_that_take_calls_see_a_callers_history(centre: Centre) -> None:
    centre.call_taker.call(caller_phone=CALLER)
    assert centre.analyst.get(HISTORY, phone=CALLER).status_code == 403
    assert centre.dispatcher.get(HISTORY, phone=CALLER).status_code == 200
