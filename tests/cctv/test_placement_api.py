"""GET /api/v1/cctv/placement: the console's proposal layer over real HTTP, on the demo's past year."""

from __future__ import annotations

import httpx
import pytest

from kuzet.cctv import service as cameras
from kuzet.cctv.domain import Camera, CameraType
from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Role
from tests.cctv.placement_fixtures import HISTORY_INCIDENTS, demo_year, whole_history  # noqa: F401 (a fixture)
from tests.conftest import LiveServer, MakeUser
from tests.core.auth.helpers import logged_in


@pytest.mark.usefixtures("demo_year")
def test_a_supervisor_gets_the_proposal_as_geojson(
    server: LiveServer, http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    _, headers = logged_in(http, services, make_user, "planner", Role.SUPERVISOR, None)
    params = {"new": "4", "period": whole_history(services), "time_limit": "20"}
    response = http.get("/api/v1/cctv/placement", params=params, headers=headers, timeout=90)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    plan = body["plan"]
    assert plan["incidents"] + plan["incidents_without_point"] == HISTORY_INCIDENTS
    assert plan["after"]["weight"] >= plan["greedy_after"]["weight"]
    sites = [f for f in body["features"] if f["properties"]["kind"] == "site"]
    sectors = [f for f in body["features"] if f["properties"]["kind"] == "sector"]
    assert 1 <= len(sites) <= 4 and len(sectors) == len(sites)
    assert (
        sum(f["properties"]["new_weight"] for f in sites)
        >= plan["after"]["weight"] - plan["before"]["weight"]
    )
    ring = sectors[0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) > 4


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"new": "0"}, "new"),
        ({"new": "3", "period": "last year"}, "period"),
        ({"new": "3", "views": "4y90"}, "views"),
        ({"new": "3", "time_limit": "600"}, "time_limit"),
    ],
)
def test_a_bad_request_is_refused_naming_the_field(
    server: LiveServer,
    http: httpx.Client,
    services: Services,
    make_user: MakeUser,
    params: dict[str, str],
    field: str,
) -> None:
    _, headers = logged_in(http, services, make_user, "analyst", Role.ANALYST)
    response = http.get("/api/v1/cctv/placement", params=params, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]


@pytest.mark.usefixtures("demo_year")
def test_incidents_a_registered_camera_sees_count_before_and_nothing_new(
    server: LiveServer, http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    _, headers = logged_in(http, services, make_user, "planner", Role.SUPERVISOR, None)
    params = {"new": "3", "period": whole_history(services), "time_limit": "20"}
    first = http.get("/api/v1/cctv/placement", params=params, headers=headers, timeout=90).json()
    best = next(
        f for f in first["features"] if f["properties"]["kind"] == "site" and f["properties"]["rank"] == 1
    )
    lon, lat = best["geometry"]["coordinates"]
    # A dome already standing where the plan's best camera would go, seeing all round it.
    cameras.register(
        services.uow(),
        services.auth.box,
        camera=Camera(
            camera_id="CAM-DOME-1",
            lat=lat,
            lon=lon,
            mount_height_m=6.0,
            heading_deg=0.0,
            fov_deg=360.0,
            range_m=150.0,
            type=CameraType.STREET,
            owner="Akimat",
            retention_days=30,
        ),
        region=services.settings.region_bbox,
        by=Actor.system("test"),
        at=services.clock.now(),
    )
    second = http.get("/api/v1/cctv/placement", params=params, headers=headers, timeout=90).json()
    plan = second["plan"]
    assert plan["existing_cameras"] == 1
    assert plan["before"]["incidents"] >= best["properties"]["new_incidents"] > 0
    sites = [f for f in second["features"] if f["properties"]["kind"] == "site"]
    assert (lon, lat) not in [tuple(f["geometry"]["coordinates"]) for f in sites]
    gained = plan["after"]["incidents"] - plan["before"]["incidents"]
    assert sum(f["properties"]["new_incidents"] for f in sites) >= gained
