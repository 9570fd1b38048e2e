"""Recommendations: eligible units ranked by exact road travel time on the real Andorra map, each with its
ETA, distances, position age, district and a one-line reason; and the assigned unit's road route."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from kuzet.container import Services
from kuzet.geo.runtime import Roads
from tests.ops import NEAR_PLAZA, PLAZA, Centre, Desk

# Road points of Andorra la Vella and around, from a few hundred metres to several km from the plaza.
SPOTS = {
    "Беркут-1": (42.5078, 1.5236),
    "Беркут-2": (42.5102, 1.5372),
    "Беркут-3": (42.4960, 1.5130),
    "Беркут-4": (42.5350, 1.5820),
    "Беркут-5": (42.5440, 1.5130),
}


def report(desk: Desk, spots: dict[str, tuple[float, float]], *, ago_s: float = 5) -> None:
    at = (datetime.now(UTC) - timedelta(seconds=ago_s)).isoformat()
    fixes = [{"call_sign": s, "at": at, "lat": lat, "lon": lon} for s, (lat, lon) in spots.items()]
    desk.ok(desk.post("/api/v1/units/positions", {"fixes": fixes}))


def recommended(desk: Desk, incident_id: int, k: int = 5, **headers: str) -> Any:
    response = desk.http.get(
        f"/api/v1/incidents/{incident_id}/recommendations",
        params={"k": k},
        headers={**desk.headers, **headers},
    )
    return desk.ok(response)


def test_units_are_ranked_by_road_travel_time_with_reasons(
    centre: Centre, services: Services, andorra_roads: Roads
) -> None:
    for sign in SPOTS:
        centre.supervisor.unit(sign)
    centre.supervisor.unit("Участковый-1", type="district_inspector")  # not sent to a priority 1 fight
    centre.supervisor.unit("Выходной-1", on_duty=False)
    report(centre.dispatcher, {**SPOTS, "Участковый-1": PLAZA, "Выходной-1": PLAZA})
    incident = centre.call_taker.call(category_code="fight")["incident"]
    found = recommended(centre.dispatcher, incident["id"], k=3)
    units = found["units"]
    assert [u["call_sign"] for u in units] and len(units) == 3
    assert found["eligible"] == 5 and found["skipped"]["not_eligible"] == 2
    assert [u["eta_s"] for u in units] == sorted(u["eta_s"] for u in units)
    # The ETAs are the engine's own, exact on the graph, for the same snapped points.
    roads = services.geo.roads
    assert roads is not None
    target = roads.snapper.snap(*PLAZA)
    signs = list(SPOTS)
    snaps = [roads.snapper.snap(*SPOTS[s]) for s in signs]
    exact = sorted(roads.engine().etas(target, snaps), key=lambda e: e.seconds)[:3]
    assert [u["call_sign"] for u in units] == [signs[e.source] for e in exact]
    assert np.allclose([u["eta_s"] for u in units], [e.seconds for e in exact], atol=0.1)
    first = units[0]
    assert first["road_m"] > 0 and first["straight_m"] > 0 and first["stale"] is False
    assert first["status"] == "available" and first["preemptable"] is False
    assert first["explanation"].startswith("Свободен") and "№ 1 из 5" in first["explanation"]
    kk = recommended(centre.dispatcher, incident["id"], k=1, **{"Accept-Language": "kk"})
    assert kk["units"][0]["explanation"].startswith("Бос")


def test_a_unit_on_a_minor_incident_may_be_diverted_to_a_priority_one(
    centre: Centre, andorra_roads: Roads
) -> None:
    centre.supervisor.unit("Беркут-1")
    report(centre.dispatcher, {"Беркут-1": SPOTS["Беркут-1"]})
    noise = centre.call_taker.call(category_code="noise", text="Шумят соседи", at=SPOTS["Беркут-5"])[
        "incident"
    ]
    unit_id = centre.dispatcher.ok(centre.dispatcher.get("/api/v1/units"))[0]["id"]
    centre.dispatcher.ok(
        centre.dispatcher.post(f"/api/v1/incidents/{noise['id']}/assignments", {"unit_id": unit_id}), 201
    )
    fight = centre.call_taker.call(category_code="fight")["incident"]
    [unit] = recommended(centre.dispatcher, fight["id"])["units"]
    assert unit["preemptable"] is True and unit["current_incident_id"] == noise["id"]
    assert str(noise["id"]) in unit["explanation"]
    theft = centre.call_taker.call(category_code="theft", text="Украли сумку", at=SPOTS["Беркут-3"])[
        "incident"
    ]
    assert recommended(centre.dispatcher, theft["id"])["units"] == []


def test_a_stale_position_is_flagged(centre: Centre, andorra_roads: Roads) -> None:
    centre.supervisor.unit("Беркут-2")
    report(centre.dispatcher, {"Беркут-2": SPOTS["Беркут-2"]}, ago_s=300)
    incident = centre.call_taker.call()["incident"]
    [unit] = recommended(centre.dispatcher, incident["id"])["units"]
    assert unit["stale"] is True and unit["position_age_s"] >= 300
    assert "5 мин" in unit["explanation"]


def test_an_incident_without_a_place_gets_a_clear_refusal(centre: Centre, andorra_roads: Roads) -> None:
    incident = centre.call_taker.call(at=(None, None), address="Где-то у рынка")["incident"]
    response = centre.dispatcher.get(f"/api/v1/incidents/{incident['id']}/recommendations")
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_closed_incident_gets_no_recommendations(centre: Centre, andorra_roads: Roads) -> None:
    incident = centre.call_taker.call()["incident"]
    path = f"/api/v1/incidents/{incident['id']}"
    centre.dispatcher.ok(
        centre.dispatcher.post(f"{path}/status", {"status": "cancelled", "disposition": "false_call"})
    )
    response = centre.dispatcher.http.get(
        f"{path}/recommendations", headers={**centre.dispatcher.headers, "Accept-Language": "en"}
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "no longer open" in response.json()["detail"]


def test_the_assigned_units_route_runs_by_road_from_it_to_the_incident(
    centre: Centre, andorra_roads: Roads
) -> None:
    centre.supervisor.unit("Беркут-3")
    report(centre.dispatcher, {"Беркут-3": SPOTS["Беркут-3"]})
    incident = centre.call_taker.call()["incident"]
    [unit] = recommended(centre.dispatcher, incident["id"])["units"]
    assignment = centre.dispatcher.ok(
        centre.dispatcher.post(
            f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": unit["unit_id"]}
        ),
        201,
    )
    route = centre.analyst.ok(centre.analyst.get(f"/api/v1/assignments/{assignment['id']}/route"))
    coords = route["geometry"]["coordinates"]
    assert route["geometry"]["type"] == "LineString" and len(coords) > 5
    assert coords[0] == [SPOTS["Беркут-3"][1], SPOTS["Беркут-3"][0]]
    assert coords[-1] == [PLAZA[1], PLAZA[0]]
    assert abs(route["properties"]["eta_s"] - unit["eta_s"]) < 0.5
    assert abs(route["properties"]["road_m"] - unit["road_m"]) < 1.0


def test_the_nearest_unit_is_offered_across_a_district_border_marked_and_can_be_sent(
    centre: Centre, andorra_roads: Roads
) -> None:
    centre.supervisor.unit("Беркут-1")
    north = centre.supervisor.unit("Сокол-9", district="north")
    report(centre.supervisor, {"Беркут-1": SPOTS["Беркут-1"], "Сокол-9": NEAR_PLAZA})
    incident = centre.call_taker.call()["incident"]
    central = recommended(centre.dispatcher, incident["id"])
    assert [u["call_sign"] for u in central["units"]] == ["Сокол-9", "Беркут-1"] and central["eligible"] == 2
    assert [u["other_district"] for u in central["units"]] == [True, False]
    assert [u["district"] for u in central["units"]] == ["north", "central"]
    region = recommended(centre.supervisor, incident["id"])
    assert [u["call_sign"] for u in region["units"]] == ["Сокол-9", "Беркут-1"]
    # The central dispatcher sends the north's unit (mutual aid); the audit row names its district.
    d = centre.dispatcher
    d.ok(d.post(f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": north["id"]}), 201)
    board = centre.supervisor.ok(centre.supervisor.get("/api/v1/units"))
    assert next(u for u in board if u["id"] == north["id"])["status"] == "dispatched"
