"""The analytics API over real HTTP: incidents worked through the real use cases, their intervals and counts
as the console asks for them, a 422 naming each bad parameter, and a district analyst's scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from kuzet.analytics.service import Analytics
from kuzet.container import Services
from kuzet.core.audit.store import audit_log
from tests.ops import Centre, Desk, parse

STAMPS = ("received_at", "first_dispatched_at", "first_en_route_at", "first_on_scene_at")


def work(centre: Centre, call_sign: str, minutes_ago: float, **call: Any) -> dict[str, Any]:
    """A call taken by the supervisor (any district), a unit sent, en route, on scene; the card's stamps."""
    received = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).replace(microsecond=0)
    incident = centre.supervisor.call(received_at=received.isoformat(), **call)["incident"]
    unit = centre.supervisor.unit(call_sign, district=incident["district"])
    d = centre.supervisor
    assignment = d.ok(d.post(f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": unit["id"]}), 201)
    for step in ("en_route", "on_scene"):
        d.ok(d.post(f"/api/v1/assignments/{assignment['id']}/status", {"status": step}))
    stamps: dict[str, Any] = d.ok(d.get(f"/api/v1/incidents/{incident['id']}"))["incident"]["stamps"]
    return stamps


def seconds(stamps: dict[str, Any], start: str, end: str) -> float:
    return (parse(stamps[end]) - parse(stamps[start])).total_seconds()


def test_interval_statistics_over_http(centre: Centre, analytics: Analytics) -> None:
    worked = [
        work(centre, "Беркут-1", 6, district="central"),
        work(centre, "Беркут-2", 9, district="north"),
        work(centre, "Беркут-3", 4, district="north", category_code="noise"),
    ]
    body = centre.supervisor.ok(centre.supervisor.get("/api/v1/analytics/intervals", group_by="district"))
    assert body["unit"] == "seconds" and body["selection"]["origin"] == "live"
    assert [i["name"] for i in body["intervals"]] == ["call_processing", "turnout", "travel", "response"]
    assert body["intervals"][3]["target_minutes"] == {"1": 7.0, "2": 7.0, "3": 7.0, "4": 7.0}
    rows = {r["group"]["district"]: r for r in body["rows"]}
    assert sorted(rows) == ["central", "north"]
    north = np.array([seconds(s, "received_at", "first_on_scene_at") for s in worked[1:]])
    response = rows["north"]["intervals"]["response"]
    assert response["n"] == 2
    assert response["mean_s"] == pytest.approx(north.mean())
    assert response["median_s"] == pytest.approx(np.median(north))
    assert response["p90_s"] == pytest.approx(np.percentile(north, 90))
    assert (response["min_s"], response["max_s"]) == pytest.approx((north.min(), north.max()))
    assert response["within_target_pct"] == pytest.approx(100 * np.mean(north <= 420))
    travel = rows["central"]["intervals"]["travel"]
    assert travel["median_s"] == pytest.approx(seconds(worked[0], "first_en_route_at", "first_on_scene_at"))
    assert body["data_quality"]["incidents"] == 3 and body["data_quality"]["merged_excluded"] == 0
    assert body["snapshot"]["rows"] == 3


def test_counts_of_incidents_and_appeals(centre: Centre, analytics: Analytics) -> None:
    work(centre, "Беркут-1", 6, district="central")
    work(centre, "Беркут-2", 5, district="north")
    desk = centre.supervisor
    incidents = desk.ok(desk.get("/api/v1/analytics/counts", group_by="district"))
    assert [(r["group"]["district"], r["count"]) for r in incidents["rows"]] == [("central", 1), ("north", 1)]
    appeals = desk.ok(desk.get("/api/v1/analytics/counts", group_by="channel,partner", measure="appeals"))
    assert appeals["measure"] == "appeals" and appeals["total"] == 2
    assert appeals["rows"] == [{"group": {"channel": "phone_102", "partner": None}, "count": 2}]


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"group_by": "priority,colour"}, "group_by", "unknown_dimension"),
        ({"priority": "1,high"}, "priority", "int_parsing"),
        ({"intervals": "response,coffee"}, "intervals", "unknown_interval"),
        ({"from": "2026-13-01"}, "from", "date_from_datetime_parsing"),
        ({"from": "2026-03-10", "to": "2026-03-01"}, "to", "period"),
        ({"origin": "elsewhere"}, "origin", "enum"),
        ({"group_by": "district,district"}, "group_by", "repeated"),
    ],
)
def test_bad_parameters_are_a_422_naming_the_field(
    centre: Centre, analytics: Analytics, params: dict[str, str], field: str, code: str
) -> None:
    response = centre.analyst.http.get(
        "/api/v1/analytics/intervals",
        params=params,
        headers={**centre.analyst.headers, "Accept-Language": "en"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    (error,) = response.json()["errors"]
    assert (error["field"], error["location"]) == (field, "query")
    assert error["code"] == code, error


def test_an_unknown_interval_is_explained_in_the_callers_language(
    centre: Centre, analytics: Analytics
) -> None:
    desk = centre.analyst
    response = desk.http.get(
        "/api/v1/analytics/intervals",
        params={"intervals": "coffee"},
        headers={**desk.headers, "Accept-Language": "ru"},
    )
    (error,) = response.json()["errors"]
    assert error["reason"] == (
        "Неизвестный интервал coffee; допустимы: call_processing, turnout, travel, response."
    )


def refusals(services: Services) -> int:
    with services.engine.connect() as connection:
        return len(connection.execute(audit_log.select().where(audit_log.c.action == "analytics.read")).all())


def test_a_district_analyst_sees_only_their_district(
    centre: Centre, analytics: Analytics, services: Services
) -> None:
    work(centre, "Беркут-1", 6, district="central")
    work(centre, "Беркут-2", 5, district="north")
    analyst: Desk = centre.analyst  # of the central district
    body = analyst.ok(analyst.get("/api/v1/analytics/intervals", group_by="district"))
    assert body["selection"]["filters"] == {"district": ["central"]}
    assert [r["group"]["district"] for r in body["rows"]] == ["central"]
    assert body["data_quality"]["incidents"] == 1
    counts = analyst.ok(analyst.get("/api/v1/analytics/counts"))
    assert counts["total"] == 1
    refused = analyst.get("/api/v1/analytics/intervals", district="north")
    assert refused.status_code == 403
    assert refusals(services) == 1
    region_wide = centre.supervisor.ok(centre.supervisor.get("/api/v1/analytics/counts"))
    assert region_wide["total"] == 2
