"""/api/v1/planning: today's posts as a plan, and plans simulated over the demo's past year over real HTTP,
with their 95 % intervals and the slow map; bad plans refused naming the field."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from kuzet.container import Services
from kuzet.core.auth.domain import Role
from kuzet.core.clock import to_local
from kuzet.geo.graph import RoadGraph
from tests.cctv.placement_fixtures import demo_year  # noqa: F401 (a fixture)
from tests.conftest import LiveServer, MakeUser
from tests.core.auth.helpers import logged_in

FIGURES = ("median_response_s", "p90_response_s", "within_target", "utilisation", "waited_share")


def _period(services: Services) -> dict[str, str]:
    today = to_local(services.clock.now()).date()
    return {"from": date(today.year - 1, 1, 1).isoformat(), "to": today.isoformat()}


@pytest.mark.usefixtures("demo_year")
def test_todays_posts_evaluate_with_intervals_and_a_slow_map(
    server: LiveServer, http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    _, headers = logged_in(http, services, make_user, "planner", Role.SUPERVISOR, None)
    today = http.get("/api/v1/planning/current", headers=headers)
    assert today.status_code == 200, today.text
    plan = today.json()
    graph = RoadGraph.load(services.settings.roads_file)
    assert plan["posts"] and all(0 <= p["node"] < graph.node_count for p in plan["posts"])
    assert all(p["count"] == 1 for p in plan["posts"])
    body = {"plan": plan, "period": _period(services), "days": 3, "replications": 3}
    answer = http.post("/api/v1/planning/evaluate", json=body, headers=headers, timeout=120)
    assert answer.status_code == 200, answer.text
    result: Any = answer.json()
    assert result["units"] == len(plan["posts"]) and result["replications"] == 3
    for name in FIGURES:
        figure = result["figures"][name]
        assert figure["runs"] == 3, name
        assert figure["low"] <= figure["mean"] <= figure["high"], (name, figure)
    assert 0 <= result["figures"]["within_target"]["mean"] <= 1
    assert result["figures"]["median_response_s"]["mean"] <= result["figures"]["p90_response_s"]["mean"]
    cells = result["slow_map"]["features"]
    assert result["slow_map"]["type"] == "FeatureCollection" and cells
    ring = cells[0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 5
    assert all(c["properties"]["median_response_s"] > 0 for c in cells)
    # Queueing theory's quick answers beside the simulation: the hypercube of today's units on the roads and
    # the call-takers Erlang C asks for.
    quick = result["queueing"]
    assert quick["problems"] == {}, quick
    assert quick["method"] == ("exact" if len(plan["posts"]) <= 15 else "approximate")
    assert 0 <= quick["cross_border"] <= 1 and 0 < quick["busiest_workload"] < 1
    assert 0 < quick["mean_travel_s"] < 3600 and quick["travel_by_district_s"]
    assert quick["call_takers_peak"] >= 1 and quick["handle_time_s"] > 0
    # Half the cars, all at one post: the simulated median response grows.
    one_post = {"posts": [{**plan["posts"][0], "count": max(1, len(plan["posts"]) // 2)}]}
    fewer = http.post(
        "/api/v1/planning/evaluate", json={**body, "plan": one_post}, headers=headers, timeout=120
    ).json()
    assert fewer["figures"]["median_response_s"]["mean"] > result["figures"]["median_response_s"]["mean"]
    assert fewer["queueing"]["mean_travel_s"] > quick["mean_travel_s"]


def _refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]], response.json()


@pytest.mark.usefixtures("demo_year")
def test_bad_plans_and_too_long_runs_are_refused_naming_the_field(
    server: LiveServer, http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    _, headers = logged_in(http, services, make_user, "analyst", Role.ANALYST)
    graph = RoadGraph.load(services.settings.roads_file)
    period = _period(services)

    def post(plan: dict[str, Any], **more: Any) -> httpx.Response:
        body = {"plan": plan, "period": period, "days": 1, "replications": 2, **more}
        return http.post("/api/v1/planning/evaluate", json=body, headers=headers, timeout=60)

    _refused(post({"posts": [{"node": graph.node_count + 7, "count": 1}]}), "plan.posts[0].node")
    _refused(post({"posts": [{"node": 0, "count": -2}]}), "plan.posts[0].count")
    _refused(post({"posts": []}), "plan.posts")
    _refused(post({"posts": [{"node": 0}]}, days=61), "days")
    _refused(post({"posts": [{"node": 0}]}, replications=11), "replications")
    _refused(post({"posts": [{"node": 0}]}, days=60, replications=10), "days")
    _refused(post({"posts": [{"lat": 95.0, "lon": 1.5}]}), "plan.posts[0].lat")
    # A post moved on the map comes as a point without a node: it is snapped to the road graph.
    lat, lon = float(graph.lat[0]), float(graph.lon[0])
    moved = post({"posts": [{"lat": lat, "lon": lon, "count": 2}]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["units"] == 2
    empty = {"from": "2019-01-01", "to": "2019-12-31"}
    _refused(post({"posts": [{"node": 0}]}, period=empty), "period")


def test_a_dispatcher_may_not_plan(
    server: LiveServer, http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    _, headers = logged_in(http, services, make_user, "dispatcher", Role.DISPATCHER, "central")
    assert http.get("/api/v1/planning/current", headers=headers).status_code == 403
