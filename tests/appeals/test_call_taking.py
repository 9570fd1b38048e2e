"""102 call-taking over HTTP: validation naming the field and storing nothing; phones, PII, duplicates."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from kuzet.appeals.iin import check_digit
from kuzet.appeals.store import appeals
from kuzet.container import Services
from kuzet.incidents.store import incidents
from tests.ops import FAR_AWAY, NEAR_PLAZA, PLAZA, Centre

VALID_IIN = "9001013" + "0123" + str(check_digit("90010130123"))


def stored(services: Services) -> tuple[int, int]:
    with services.engine.connect() as connection:
        return (
            connection.execute(select(func.count()).select_from(appeals)).scalar_one(),
            connection.execute(select(func.count()).select_from(incidents)).scalar_one(),
        )


BASE: dict[str, Any] = {
    "caller_phone": "+77011234567",
    "text": "Кража сумки",
    "category_code": "theft",
    "lat": PLAZA[0],
    "lon": PLAZA[1],
}


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"caller_phone": "12345"}, "caller_phone", "invalid_phone"),
        ({"caller_phone": "not a phone"}, "caller_phone", "invalid_phone"),
        ({"caller_iin": "900101300124"}, "caller_iin", "invalid_iin"),
        ({"caller_iin": "901301300123"}, "caller_iin", "invalid_iin"),
        ({"lat": 51.1694, "lon": 71.4491}, "lat", "outside_region"),  # Astana: outside the demo region
        ({"category_code": "no_such_thing"}, "category_code", "unknown_category"),
        ({"text": "x" * 10_001}, "text", "string_too_long"),
        ({"text": "   "}, "text", "missing"),
        ({"lat": None, "lon": None}, "address", "location_required"),
        ({"lon": None}, "lon", "partial_coordinates"),
        ({"received_at": "2026-01-01T10:00:00"}, "received_at", "timezone_aware"),
        ({"received_at": "2099-01-01T10:00:00+05:00"}, "received_at", "future"),
        ({"lat": 123}, "lat", "less_than_equal"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    centre: Centre, services: Services, change: dict[str, Any], field: str, code: str
) -> None:
    before = stored(services)
    response = centre.call_taker.post("/api/v1/appeals", {**BASE, **change})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert (field, code) in {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert stored(services) == before


def test_every_problem_is_reported_at_once(centre: Centre) -> None:
    response = centre.call_taker.post(
        "/api/v1/appeals", {**BASE, "caller_phone": "1", "caller_iin": "123", "lat": 0.0, "lon": 0.0}
    )
    assert {e["field"] for e in response.json()["errors"]} == {"caller_phone", "caller_iin", "lat"}


def test_phone_is_normalised_and_a_landline_hints_at_the_locality(centre: Centre) -> None:
    appeal = centre.call_taker.call(caller_phone="8 (7232) 12-34-56")["appeal"]
    assert appeal["caller_phone"] == "+77232123456"
    assert appeal["phone_kind"] == "landline"
    assert appeal["caller_locality"] == {"ru": "Усть-Каменогорск", "kk": "Өскемен", "en": "Ust-Kamenogorsk"}
    mobile = centre.call_taker.call(caller_phone="87011234567", at=FAR_AWAY)["appeal"]
    assert (mobile["caller_phone"], mobile["phone_kind"], mobile["caller_locality"]) == (
        "+77011234567",
        "mobile",
        None,
    )


def test_a_valid_iin_is_kept_and_masked_for_the_analyst(centre: Centre) -> None:
    typed = f"{VALID_IIN[:6]} {VALID_IIN[6:]}"  # as read out over the phone, with a space
    appeal = centre.call_taker.call(caller_iin=typed)["appeal"]
    assert appeal["caller_iin"] == VALID_IIN
    seen = centre.analyst.ok(centre.analyst.get(f"/api/v1/appeals/{appeal['id']}"))
    assert seen["caller_iin"] == "********" + VALID_IIN[-4:]
    assert seen["caller_phone"] == "+7 *** ***-**-67"
    assert seen["caller_name"] == "С. А."
    by_dispatcher = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/appeals/{appeal['id']}"))
    assert by_dispatcher["caller_name"] == "Серик Ахметов"
    assert by_dispatcher["caller_iin"].startswith("********")


def test_an_address_alone_is_enough(centre: Centre) -> None:
    registration = centre.call_taker.call(at=(None, None), address="ул. Абая, 10")
    assert registration["incident"]["lat"] is None and registration["incident"]["address"] == "ул. Абая, 10"


def test_numbers_run_per_year_and_channel(centre: Centre) -> None:
    first = centre.call_taker.call()["appeal"]["number"]
    second = centre.call_taker.call(at=FAR_AWAY)["appeal"]["number"]
    assert int(second.rsplit("-", 1)[1]) == int(first.rsplit("-", 1)[1]) + 1


def test_duplicates_are_suggested_nearest_and_same_kind_first(centre: Centre) -> None:
    fight = centre.call_taker.call()["incident"]
    assault = centre.call_taker.call(category_code="assault", at=NEAR_PLAZA)["incident"]
    centre.call_taker.call(category_code="theft", at=NEAR_PLAZA)  # another group: not a duplicate
    centre.call_taker.call(at=FAR_AWAY)  # too far
    found = centre.call_taker.ok(
        centre.call_taker.post(
            "/api/v1/appeals/duplicates", {"lat": PLAZA[0], "lon": PLAZA[1], "category_code": "fight"}
        )
    )
    assert [s["incident"]["id"] for s in found] == [fight["id"], assault["id"]]
    assert found[0]["distance_m"] == 0 and found[0]["same_category"] is True
    assert 100 < found[1]["distance_m"] < 200


def test_a_new_call_returns_the_suggestions_too(centre: Centre) -> None:
    first = centre.call_taker.call()["incident"]
    second = centre.call_taker.call(at=NEAR_PLAZA)
    assert [s["incident"]["id"] for s in second["duplicates"]] == [first["id"]]


def test_linking_keeps_every_appeal_and_its_own_data(centre: Centre) -> None:
    incident = centre.call_taker.call()["incident"]
    linked = centre.call_taker.call(
        incident_id=incident["id"], at=NEAR_PLAZA, text="Дерутся трое", caller_phone="+77051112233"
    )
    assert linked["new_incident"] is False and linked["incident"]["id"] == incident["id"]
    card = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{incident['id']}"))
    assert [a["text"] for a in card["appeals"]] == ["Драка у магазина, двое мужчин", "Дерутся трое"]
    assert (card["incident"]["lat"], card["incident"]["lon"]) == PLAZA  # the first location stays
    second_link = [e for e in card["timeline"] if e["kind"] == "appeal_linked"][1]
    assert second_link["data"]["differs"]["location"] == {"lat": NEAR_PLAZA[0], "lon": NEAR_PLAZA[1]}


def test_move_and_split_an_appeal(centre: Centre) -> None:
    incident = centre.call_taker.call()["incident"]
    other = centre.call_taker.call(at=FAR_AWAY)["incident"]
    extra = centre.call_taker.call(incident_id=incident["id"])["appeal"]
    d = centre.dispatcher
    moved = d.ok(d.post(f"/api/v1/appeals/{extra['id']}/move", {"incident_id": other["id"]}))
    assert moved["incident"]["id"] == other["id"]
    split = d.ok(d.post(f"/api/v1/appeals/{extra['id']}/move", {"incident_id": None}))
    assert split["new_incident"] is True and split["incident"]["id"] not in (incident["id"], other["id"])
    alone = centre.call_taker.call(at=(42.47, 1.49))["appeal"]
    refused = d.post(f"/api/v1/appeals/{alone['id']}/move", {"incident_id": None})
    assert refused.status_code == 409


def test_a_closed_incident_cannot_take_a_new_appeal(centre: Centre) -> None:
    incident = centre.call_taker.call()["incident"]
    d = centre.dispatcher
    d.ok(
        d.post(
            f"/api/v1/incidents/{incident['id']}/status", {"status": "cancelled", "disposition": "false_call"}
        )
    )
    refused = centre.call_taker.post("/api/v1/appeals", {**BASE, "incident_id": incident["id"]})
    assert refused.status_code == 409


def test_another_districts_incident_is_out_of_reach(centre: Centre, services: Services) -> None:
    north = centre.supervisor.call(district="north")["incident"]
    assert centre.dispatcher.get(f"/api/v1/incidents/{north['id']}").status_code == 404
    assert north["id"] not in [
        i["id"] for i in centre.dispatcher.ok(centre.dispatcher.get("/api/v1/incidents"))
    ]


def test_joining_an_unknown_incident_names_the_field(centre: Centre, services: Services) -> None:
    before = stored(services)
    response = centre.call_taker.post("/api/v1/appeals", {**BASE, "incident_id": 424242})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "incident_id"
    assert stored(services) == before
