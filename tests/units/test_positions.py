"""Unit positions (AVL) over HTTP: batches of GPS fixes are checked, placed on the road and kept as the unit's
last known position and track; bad fixes are refused with the field named, and nothing of the batch stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from kuzet.container import Services
from kuzet.geo.runtime import Roads
from kuzet.units.positions.store import unit_tracks
from tests.ops import PLAZA, Centre, Desk


def fix(call_sign: str, lat: float, lon: float, *, ago_s: float = 0, **extra: Any) -> dict[str, Any]:
    at = datetime.now(UTC) - timedelta(seconds=ago_s)
    return {"call_sign": call_sign, "at": at.isoformat(), "lat": lat, "lon": lon, **extra}


def tracked(services: Services) -> int:
    with services.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(unit_tracks)).scalar_one())


def positions(desk: Desk) -> dict[str, Any]:
    return {p["call_sign"]: p for p in desk.ok(desk.get("/api/v1/units/positions"))}


def test_a_batch_of_fixes_becomes_each_units_position_on_the_road(
    centre: Centre, services: Services, andorra_roads: Roads
) -> None:
    centre.supervisor.unit("Беркут-1")
    centre.supervisor.unit("Беркут-2")
    body = {
        "fixes": [
            fix("Беркут-1", 42.5070, 1.5215, ago_s=20, speed_kmh=32.5, heading=90),
            fix("Беркут-1", *PLAZA, ago_s=5, speed_kmh=30.0),
            fix("Беркут-2", 42.5100, 1.5300, ago_s=3),
        ]
    }
    assert centre.dispatcher.ok(centre.dispatcher.post("/api/v1/units/positions", body)) == {
        "stored": 3,
        "on_road": 3,
    }
    seen = positions(centre.dispatcher)
    assert set(seen) == {"Беркут-1", "Беркут-2"}
    first = seen["Беркут-1"]
    assert (first["lat"], first["lon"]) == PLAZA  # the newest of its two fixes
    assert first["stale"] is False and 4 <= first["age_s"] < 60
    assert first["road_distance_m"] is not None and first["road_distance_m"] < 100
    assert first["source"] == "http"
    assert tracked(services) == 3
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    path = f"/api/v1/units/{first['unit_id']}/track"
    track = centre.analyst.ok(centre.analyst.get(path, since=since))
    sent = [f for f in body["fixes"] if f["call_sign"] == "Беркут-1"]
    assert [datetime.fromisoformat(t["at"].replace("Z", "+00:00")) for t in track] == [
        datetime.fromisoformat(f["at"]) for f in sent
    ]
    assert [(t["lat"], t["lon"], t["speed_kmh"]) for t in track] == [
        (f["lat"], f["lon"], f["speed_kmh"]) for f in sent
    ]
    assert track[0]["heading"] == 90 and track[0]["road_distance_m"] is not None


def test_a_position_older_than_two_minutes_is_marked_stale(centre: Centre, andorra_roads: Roads) -> None:
    centre.supervisor.unit("Беркут-3")
    centre.dispatcher.ok(
        centre.dispatcher.post("/api/v1/units/positions", {"fixes": [fix("Беркут-3", *PLAZA, ago_s=150)]})
    )
    assert positions(centre.dispatcher)["Беркут-3"]["stale"] is True


def test_a_late_fix_joins_the_track_but_does_not_replace_the_newer_position(
    centre: Centre, services: Services
) -> None:
    centre.supervisor.unit("Беркут-4")
    post = centre.dispatcher.post
    centre.dispatcher.ok(post("/api/v1/units/positions", {"fixes": [fix("Беркут-4", *PLAZA, ago_s=5)]}))
    centre.dispatcher.ok(
        post("/api/v1/units/positions", {"fixes": [fix("Беркут-4", 42.5066, 1.5221, ago_s=60)]})
    )
    latest = positions(centre.dispatcher)["Беркут-4"]
    assert (latest["lat"], latest["lon"]) == PLAZA
    assert tracked(services) == 2


def refused(desk: Desk, body: bytes | dict[str, Any]) -> list[dict[str, Any]]:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = desk.http.post(
        "/api/v1/units/positions",
        content=content,
        headers={**desk.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return list(response.json()["errors"])


def test_bad_fixes_are_refused_naming_each_field_and_nothing_of_the_batch_is_stored(
    centre: Centre, services: Services
) -> None:
    centre.supervisor.unit("Беркут-5")
    good = fix("Беркут-5", *PLAZA)
    cases = {
        "/fixes/1/lat": fix("Беркут-5", 95.0, 1.52),
        "/fixes/1/lon": fix("Беркут-5", 42.5, -181.0),
        "/fixes/1/call_sign": fix("Нет-такого", *PLAZA),
        "/fixes/1/at": {**good, "at": (datetime.now(UTC) + timedelta(minutes=10)).isoformat()},
        "/fixes/1/speed_kmh": fix("Беркут-5", *PLAZA, speed_kmh=900),
    }
    for pointer, bad in cases.items():
        errors = refused(centre.dispatcher, {"fixes": [good, bad]})
        assert [e["pointer"] for e in errors] == [pointer], errors
    # NaN is not JSON, but Python clients write it: it is refused like any other bad latitude.
    nan_body = json.dumps({"fixes": [good, fix("Беркут-5", float("nan"), 1.52)]}).encode()
    assert "NaN" in nan_body.decode()
    assert [e["pointer"] for e in refused(centre.dispatcher, nan_body)] == ["/fixes/1/lat"]
    assert tracked(services) == 0
    assert positions(centre.dispatcher) == {}
    # The server keeps working: the good fix alone is taken.
    assert (
        centre.dispatcher.ok(centre.dispatcher.post("/api/v1/units/positions", {"fixes": [good]}))["stored"]
        == 1
    )


def test_a_jump_no_car_could_make_is_refused(centre: Centre) -> None:
    centre.supervisor.unit("Беркут-6")
    post = centre.dispatcher.post
    centre.dispatcher.ok(post("/api/v1/units/positions", {"fixes": [fix("Беркут-6", *PLAZA, ago_s=10)]}))
    errors = refused(centre.dispatcher, {"fixes": [fix("Беркут-6", 42.5580, 1.5330, ago_s=5)]})
    assert [(e["pointer"], e["code"]) for e in errors] == [("/fixes/0/lat", "implausible_jump")]


def test_a_district_dispatcher_cannot_report_for_another_districts_unit(centre: Centre) -> None:
    centre.supervisor.unit("Север-1", district="north")
    errors = refused(centre.dispatcher, {"fixes": [fix("Север-1", *PLAZA)]})
    assert [e["code"] for e in errors] == ["unknown_unit"]


def test_a_call_taker_may_not_report_positions(centre: Centre) -> None:
    response = centre.call_taker.post("/api/v1/units/positions", {"fixes": [fix("X", *PLAZA)]})
    assert response.status_code == 403


def test_positions_need_a_session(http: httpx.Client) -> None:
    assert http.get("/api/v1/units/positions").status_code == 401
