"""An arrival reported far from the scene: with the unit's fresh GPS fix 1.9 km away, "on scene" is a 409 that
says how far, until the operator confirms it; the timeline then records the confirmed distance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kuzet.core.clock import LOCAL_TZ
from tests.ops import PLAZA, Centre


def fix(centre: Centre, call_sign: str, lat: float, lon: float, age_s: float = 0) -> None:
    at = (datetime.now(UTC) - timedelta(seconds=age_s)).isoformat()
    body = {"fixes": [{"call_sign": call_sign, "at": at, "lat": lat, "lon": lon}]}
    centre.dispatcher.ok(centre.dispatcher.post("/api/v1/units/positions", body))


def en_route(centre: Centre, call_sign: str) -> tuple[dict[str, Any], dict[str, Any]]:
    incident = centre.call_taker.call()["incident"]
    unit = centre.supervisor.unit(call_sign)
    d = centre.dispatcher
    assignment = d.ok(d.post(f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": unit["id"]}), 201)
    for step in ("acknowledged", "en_route"):
        d.ok(d.post(f"/api/v1/assignments/{assignment['id']}/status", {"status": step}))
    return incident, assignment


def test_a_far_arrival_is_asked_about_and_recorded_as_confirmed(centre: Centre) -> None:
    incident, assignment = en_route(centre, "Беркут-21")
    fix(centre, "Беркут-21", PLAZA[0] + 0.017, PLAZA[1])  # ~1.9 km north of the scene
    d = centre.dispatcher
    url = f"/api/v1/assignments/{assignment['id']}/status"
    refused = d.post(url, {"status": "on_scene"})
    assert refused.status_code == 409 and refused.headers["content-type"] == "application/problem+json"
    assert 1800 < refused.json()["far_arrival_m"] < 2000
    assert d.ok(d.post(url, {"status": "on_scene", "confirm_far_arrival": True}))["status"] == "on_scene"
    card = d.ok(d.get(f"/api/v1/incidents/{incident['id']}"))
    [arrived] = [e for e in card["timeline"] if e["kind"] == "unit_on_scene"]
    assert arrived["data"]["arrival_confirmed_by_operator"] is True
    assert 1800 < arrived["data"]["far_arrival_m"] < 2000


def arrive(centre: Centre, assignment: dict[str, Any]) -> Any:
    d = centre.dispatcher
    return d.ok(d.post(f"/api/v1/assignments/{assignment['id']}/status", {"status": "on_scene"}))


def test_a_near_or_stale_fix_does_not_question_the_arrival(centre: Centre) -> None:
    _, near = en_route(centre, "Беркут-22")
    fix(centre, "Беркут-22", PLAZA[0] + 0.001, PLAZA[1])  # ~110 m away
    assert arrive(centre, near)["status"] == "on_scene"
    _, stale = en_route(centre, "Беркут-23")
    fix(centre, "Беркут-23", PLAZA[0] + 0.017, PLAZA[1], age_s=600)  # far, but ten minutes old
    assert arrive(centre, stale)["status"] == "on_scene"


def test_analytics_count_the_arrivals_confirmed_far_from_the_scene(centre: Centre) -> None:
    d = centre.dispatcher
    _, far = en_route(centre, "Беркут-23")
    fix(centre, "Беркут-23", PLAZA[0] + 0.017, PLAZA[1])
    d.ok(
        d.post(f"/api/v1/assignments/{far['id']}/status", {"status": "on_scene", "confirm_far_arrival": True})
    )
    _, near = en_route(centre, "Беркут-24")
    fix(centre, "Беркут-24", PLAZA[0] + 0.0005, PLAZA[1])
    d.ok(d.post(f"/api/v1/assignments/{near['id']}/status", {"status": "on_scene"}))
    today = datetime.now(LOCAL_TZ).date().isoformat()  # periods are local days

    counted = centre.analyst.ok(centre.analyst.get("/api/v1/analytics/far-arrivals", to=today))

    by_unit = {u["call_sign"]: u for u in counted["units"]}
    assert by_unit["Беркут-23"]["far_confirmed"] == 1 and 1800 < by_unit["Беркут-23"]["farthest_m"] < 2000
    assert by_unit["Беркут-24"] == {
        **by_unit["Беркут-24"],
        "arrivals": 1,
        "far_confirmed": 0,
        "farthest_m": None,
    }
    assert counted["far_confirmed"] >= 1 and counted["arrivals"] >= 2
    assert counted["share"] == round(counted["far_confirmed"] / counted["arrivals"], 4)
    card = d.ok(d.get(f"/api/v1/incidents/{far['incident_id']}"))
    assert card["assignments"][0]["far_arrival_m"] == by_unit["Беркут-23"]["farthest_m"]
    # Before the period's first arrival there is nothing, and a bad period names its field.
    empty = centre.analyst.ok(centre.analyst.get("/api/v1/analytics/far-arrivals", to="2020-01-01"))
    assert empty.pop("explanation")  # why it is empty: see tests/analytics/test_empty_explanations.py
    assert empty == {"arrivals": 0, "far_confirmed": 0, "share": None, "units": []}
    refused = centre.analyst.get("/api/v1/analytics/far-arrivals", **{"from": today, "to": "2020-01-01"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "to"
