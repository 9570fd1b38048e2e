"""Incident search over HTTP: by number, phone, address and text over open and closed incidents; filters,
pages, district scope, the personal-data rule, and bad input named field by field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kuzet.container import Services
from kuzet.core.audit.store import audit_log
from tests.ops import FAR_AWAY, NEAR_PLAZA, Centre, Desk

SEARCH = "/api/v1/incidents/search"
CALLER = "+77015550101"


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def close(desk: Desk, incident: dict[str, Any], note: str | None = None) -> dict[str, Any]:
    body = {"status": "closed", "disposition": "resolved_by_phone", "note": note}
    return desk.ok(desk.post(f"/api/v1/incidents/{incident['id']}/status", body))  # type: ignore[no-any-return]


def found(desk: Desk, **params: Any) -> list[str]:
    """The numbers of the incidents the search finds, in its order."""
    return [hit["number"] for hit in desk.ok(desk.get(SEARCH, **params))["items"]]


def seed(centre: Centre) -> dict[str, dict[str, Any]]:
    """Three central incidents (a closed fight, an open theft, a closed noise complaint), one in the north."""
    ct, sup = centre.call_taker, centre.supervisor
    fight = ct.call(
        caller_phone=CALLER,
        address="ул. Абая, 10",
        text="Драка у магазина «Юбилейный»",
        received_at=ago(days=3),
    )
    theft = ct.call(
        caller_phone="+77017770202",
        category_code="theft",
        address="пр. Назарбаева, 5",
        text="Украли велосипед из подъезда",
        at=NEAR_PLAZA,
        received_at=ago(days=2),
    )
    noise = ct.call(
        caller_phone="8 (701) 555-01-01",  # the fight's caller again, typed another way
        category_code="noise",
        address="Plaça del Poble",
        text="Loud music at night",
        received_at=ago(days=1),
    )
    north = sup.call(
        caller_phone=CALLER,
        address="ул. Абая, 99",
        text="Драка во дворе",
        district="north",
        at=FAR_AWAY,
        received_at=ago(hours=5),
    )
    close(centre.dispatcher, fight["incident"], note="Разняли, участники ушли домой")
    close(centre.dispatcher, noise["incident"])
    return {"fight": fight, "theft": theft, "noise": noise, "north": north}


def number(registration: dict[str, Any]) -> str:
    return str(registration["incident"]["number"])


def test_finds_a_closed_incident_by_its_number_its_appeals_number_or_a_part(
    centre: Centre,
) -> None:
    calls = seed(centre)
    sup = centre.supervisor
    fight_number = number(calls["fight"])
    appeal_number = calls["fight"]["appeal"]["number"]  # 102-<year>-000001
    assert found(sup, number=fight_number) == [fight_number]
    assert found(sup, number=appeal_number) == [fight_number]
    assert found(sup, number=appeal_number.lower().replace("-000001", "-1")) == [fight_number]
    year_and_sequence = appeal_number.split("-", 1)[1]  # 2026-000001: the first appeal and the first incident
    assert found(sup, number=year_and_sequence) == [fight_number]
    # The third incident (INC-…-000003) and the third appeal (the noise complaint's) share the sequence.
    assert found(sup, number="3") == [number(calls["noise"])]
    assert found(sup, number="000999") == []
    hit = sup.ok(sup.get(SEARCH, number=fight_number))["items"][0]
    assert hit["status"] == "closed" and hit["closed_at"] is not None
    assert hit["appeal_numbers"] == [appeal_number] and hit["appeal_count"] == 1


def test_finds_every_incident_of_a_callers_phone_typed_in_any_form(centre: Centre) -> None:
    calls = seed(centre)
    expected = [number(calls["north"]), number(calls["noise"]), number(calls["fight"])]
    assert found(centre.supervisor, phone="+7 701 555 01 01") == expected
    assert found(centre.supervisor, phone="87015550101") == expected
    # A district dispatcher finds the same caller's incidents of its own district only.
    assert found(centre.dispatcher, phone=CALLER) == expected[1:]
    hit = centre.dispatcher.ok(centre.dispatcher.get(SEARCH, phone=CALLER))["items"][0]
    assert hit["caller_phones"] == [CALLER]  # as appeals store it (E.164), whole for a dispatcher


def test_finds_by_part_of_the_address_whatever_the_case(centre: Centre) -> None:
    calls = seed(centre)
    sup = centre.supervisor
    assert found(sup, address="АБАЯ") == [number(calls["north"]), number(calls["fight"])]
    assert found(sup, address="абая, 1") == [number(calls["fight"])]
    assert found(sup, address="plaça") == [number(calls["noise"])]
    assert found(sup, address="50%") == []  # a wildcard typed is a character, not a pattern


def test_text_is_found_in_the_description_the_callers_words_and_the_notes(centre: Centre) -> None:
    calls = seed(centre)
    sup, d = centre.supervisor, centre.dispatcher
    assert found(sup, q="юбилейный") == [number(calls["fight"])]  # the description, in another case
    assert found(sup, q="драка") == [number(calls["north"]), number(calls["fight"])]
    assert found(sup, q="РАЗНЯЛИ") == [number(calls["fight"])]  # the note of its closing
    # An appeal that joined later: its words find the incident whose description says otherwise.
    d.ok(
        d.post(
            "/api/v1/appeals",
            {
                "caller_phone": "+77019990303",
                "text": "Сосед слышал крики из подъезда",
                "category_code": "theft",
                "lat": NEAR_PLAZA[0],
                "lon": NEAR_PLAZA[1],
                "incident_id": calls["theft"]["incident"]["id"],
            },
        ),
        201,
    )
    assert found(sup, q="крики") == [number(calls["theft"])]
    assert found(sup, q="velosiped") == []


def test_filters_narrow_by_period_district_category_and_status(centre: Centre) -> None:
    calls = seed(centre)
    sup = centre.supervisor
    everything = found(sup)
    assert everything == [number(calls[k]) for k in ("north", "noise", "theft", "fight")]
    assert found(sup, **{"from": ago(days=2, hours=1), "to": ago(hours=12)}) == [
        number(calls["noise"]),
        number(calls["theft"]),
    ]
    assert found(sup, district="north") == [number(calls["north"])]
    assert found(sup, category="theft") == [number(calls["theft"])]
    assert found(sup, status="closed") == [number(calls["noise"]), number(calls["fight"])]
    assert found(sup, status=["new", "queued"], q="драка") == [number(calls["north"])]


def test_pages_go_on_from_the_cursor_newest_first(centre: Centre) -> None:
    seed(centre)
    sup = centre.supervisor
    everything = found(sup)
    first = sup.ok(sup.get(SEARCH, limit=3))
    assert [h["number"] for h in first["items"]] == everything[:3]
    second = sup.ok(sup.get(SEARCH, limit=3, cursor=first["next_cursor"]))
    assert [h["number"] for h in second["items"]] == everything[3:]
    assert second["next_cursor"] is None


def test_district_staff_search_their_own_district_only(centre: Centre) -> None:
    calls = seed(centre)
    d = centre.dispatcher
    assert number(calls["north"]) not in found(d)
    assert found(d, number=number(calls["north"])) == []
    refused = d.get(SEARCH, district="north")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "district"


def test_phone_search_and_whole_phones_only_for_roles_that_may_see_them(
    centre: Centre, services: Services
) -> None:
    calls = seed(centre)
    analyst = centre.analyst
    refused = analyst.get(SEARCH, phone=CALLER)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["field"] == "phone"
    with services.engine.connect() as connection:
        rows = connection.execute(
            audit_log.select().where(audit_log.c.object_type == "incident_search")
        ).all()
    assert len(rows) == 1 and CALLER not in str(rows[0])
    hit = analyst.ok(analyst.get(SEARCH, number=number(calls["fight"])))["items"][0]
    assert hit["caller_phones"] == ["+7 *** ***-**-01"]


def test_bad_input_is_a_problem_naming_each_field(centre: Centre) -> None:
    sup = centre.supervisor
    response = sup.get(
        SEARCH,
        number="no such thing",
        phone="12",
        q="a",
        category="no_such_category",
        cursor="not-a-cursor",
        **{"from": ago(hours=1), "to": ago(days=1)},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"]: e["code"] for e in response.json()["errors"]}
    assert fields == {
        "number": "invalid_number",
        "phone": "invalid_phone",
        "q": "string_too_short",
        "category": "unknown_category",
        "cursor": "invalid_cursor",
        "to": "before_start",
    }
    assert all(e["location"] == "query" for e in response.json()["errors"])
    for params in ({"status": "bogus"}, {"limit": 0}, {"from": "2026-01-01T00:00:00"}):
        bad = sup.get(SEARCH, **params)
        assert bad.status_code == 422, params
        assert bad.json()["errors"][0]["field"].partition("[")[0] == next(iter(params))  # status[0]


def test_recently_closed_lists_the_latest_closings_in_scope(centre: Centre) -> None:
    calls = seed(centre)
    d = centre.dispatcher
    close(d, calls["theft"]["incident"])
    latest = d.ok(d.get("/api/v1/incidents/recently-closed"))
    assert [h["number"] for h in latest] == [number(calls[k]) for k in ("theft", "noise", "fight")]
    assert all(h["status"] == "closed" for h in latest)
    assert len(d.ok(d.get("/api/v1/incidents/recently-closed", limit=1))) == 1
