"""Coverage analytics over real HTTP: cameras registered and calls taken through the API, one camera heard
from by MQTT an hour ago and silent since; the share of incidents seen and the reasons of the others, grouped
by district and priority; the hot-spot cells holding the uncovered incidents; a 422 naming each bad
parameter; a district analyst limited to the district; the verdicts cached until the registry changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import shapely
from sqlalchemy import insert

from kuzet.analytics.cad.tables import cad_imports, imported_incidents
from kuzet.cctv import coverage_service, health_service
from kuzet.cctv.coverage_store import CoverageSelection
from kuzet.cctv.visibility import Buildings, LocalProjection
from kuzet.container import Services
from kuzet.core.audit.store import audit_log
from kuzet.core.clock import to_local
from tests.cctv.test_incident_cameras import demo_buildings, demo_footprints, find_scene
from tests.ops import FAR_AWAY, PLAZA, Centre

ROUTE = "/api/v1/analytics/cctv-coverage"
__all__ = ["demo_buildings", "demo_footprints"]


def camera(camera_id: str, projection: LocalProjection, x: float, y: float, **view: Any) -> dict[str, Any]:
    lat, lon = projection.to_latlon(x, y)
    body = {"camera_id": camera_id, "lat": float(lat), "lon": float(lon), "mount_height_m": 5.0}
    body |= {"heading_deg": 0.0, "fov_deg": 60.0, "range_m": 100.0, "type": "street", "owner": "Akimat"}
    return body | {"retention_days": 30} | view


def place(projection: LocalProjection, x: float, y: float) -> tuple[float, float]:
    lat, lon = projection.to_latlon(x, y)
    return float(lat), float(lon)


@pytest.fixture
def scene(centre: Centre, services: Services) -> dict[str, Any]:
    """Four incidents: one seen, one a silent camera would have seen, one behind a camera, one far away."""
    services.settings.buildings_file.unlink(missing_ok=True)  # nothing blocks
    projection = LocalProjection.around(services.settings.region_bbox)
    px, py = (float(v) for v in projection.to_xy(*PLAZA))
    sup = centre.supervisor
    for body in (
        camera("CAM-NORTH", projection, px, py - 40),  # looks north at the plaza
        camera("CAM-SILENT", projection, px + 500, py - 40),  # looks north at a spot 500 m east
    ):
        sup.ok(sup.post("/api/v1/cameras", body), 201)
    offline_after = timedelta(seconds=services.settings.cctv_offline_seconds)
    health_service.beats(
        services.uow(),
        ["CAM-SILENT"],
        via="mqtt",
        at=services.clock.now() - timedelta(hours=1),
        offline_after=offline_after,
    )
    east = place(projection, px + 500, py)
    calls = {
        "seen": {"at": PLAZA, "district": "central", "category_code": "fight"},
        "camera_offline": {"at": east, "district": "central", "category_code": "noise"},
        "out_of_view": {"at": place(projection, px, py - 140), "district": "north", "category_code": "fight"},
        "no_camera_near": {"at": FAR_AWAY, "district": "north", "category_code": "noise"},
    }
    incidents = {k: sup.call(**c)["incident"] for k, c in calls.items()}
    return {"projection": projection, "incidents": incidents, "calls": calls}


def test_the_share_seen_and_the_reasons_by_district(centre: Centre, scene: dict[str, Any]) -> None:
    sup = centre.supervisor
    body = sup.ok(sup.get(ROUTE, group="district"))
    assert body["group"] == "district" and body["selection"]["origin"] == "live"
    assert body["cameras"] == 2 and body["without_point"] == 0
    total = body["total"]
    assert (total["incidents"], total["seen"]) == (4, 1)
    assert total["not_seen"] == {"camera_offline": 1, "blocked": 0, "out_of_view": 1, "no_camera_near": 1}
    rows = {r["key"]: r for r in body["rows"]}
    assert sorted(rows) == ["central", "north"]
    for key, row in rows.items():
        mine = [k for k, i in scene["incidents"].items() if i["district"] == key]
        assert row["incidents"] == len(mine)
        assert row["seen"] == mine.count("seen")
        assert row["share"] == pytest.approx(row["seen"] / row["incidents"])
        assert {r: n for r, n in row["not_seen"].items() if n} == {r: 1 for r in mine if r != "seen"}
    assert sum(r["incidents"] for r in rows.values()) == total["incidents"]
    assert total["share"] == pytest.approx(sum(r["seen"] for r in rows.values()) / total["incidents"])

    by_priority = sup.ok(sup.get(ROUTE, group="priority"))
    priorities = sorted({i["priority"] for i in scene["incidents"].values()})
    assert [r["key"] for r in by_priority["rows"]] == priorities
    assert by_priority["total"] == total
    everything = sup.ok(sup.get(ROUTE, group="district", origin="all"))
    assert everything["imported_without_point"] == 0 and everything["total"] == total
    only_noise = sup.ok(sup.get(ROUTE, group="month", category="noise"))
    assert only_noise["total"]["incidents"] == 2 and only_noise["total"]["seen"] == 0
    assert len(only_noise["rows"]) == 1 and only_noise["rows"][0]["key"] == only_noise["selection"]["to"][:7]


def test_the_hot_spots_hold_the_uncovered_incidents(centre: Centre, scene: dict[str, Any]) -> None:
    response = centre.supervisor.get(f"{ROUTE}/hotspots", cell=200, top=50)
    assert response.status_code == 200 and response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["coverage"]["uncovered"] == 3 and body["coverage"]["cell_m"] == 200
    cells = [shapely.Polygon(f["geometry"]["coordinates"][0]) for f in body["features"]]
    assert sum(f["properties"]["uncovered"] for f in body["features"]) == 3
    for key, call in scene["calls"].items():
        lat, lon = call["at"]
        holding = [c for c in cells if c.contains(shapely.Point(lon, lat))]
        assert len(holding) == (0 if key == "seen" else 1), key
    weights = [f["properties"]["weight"] for f in body["features"]]
    assert weights == sorted(weights, reverse=True)
    top_one = centre.supervisor.ok(centre.supervisor.get(f"{ROUTE}/hotspots", top=1))
    assert len(top_one["features"]) == 1 and top_one["coverage"]["cells"] == len(body["features"])


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("", {"group": "hour"}, "group"),
        ("", {"from": "2026-13-01"}, "from"),
        ("", {"from": "2026-03-10", "to": "2026-03-01"}, "to"),
        ("", {"from": "2020-01-01", "to": "2026-03-01"}, "to"),
        ("", {"priority": "1,high"}, "priority"),
        ("", {"origin": "elsewhere"}, "origin"),
        ("/hotspots", {"cell": "5"}, "cell"),
        ("/hotspots", {"top": "0"}, "top"),
    ],
)
def test_bad_parameters_are_a_422_naming_the_field(
    centre: Centre, path: str, params: dict[str, str], field: str
) -> None:
    desk = centre.analyst
    response = desk.http.get(f"{ROUTE}{path}", params=params, headers=desk.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    (error,) = response.json()["errors"]
    assert (error["field"], error["location"]) == (field, "query")


def test_a_district_analyst_sees_only_their_district(
    centre: Centre, scene: dict[str, Any], services: Services
) -> None:
    analyst = centre.analyst  # of the central district
    body = analyst.ok(analyst.get(ROUTE, group="district"))
    assert body["selection"]["district"] == ["central"]
    assert [r["key"] for r in body["rows"]] == ["central"]
    assert (body["total"]["incidents"], body["total"]["seen"]) == (2, 1)
    spots = analyst.ok(analyst.get(f"{ROUTE}/hotspots"))
    assert spots["coverage"]["uncovered"] == 1
    refused = analyst.get(f"{ROUTE}/hotspots", district="north")
    assert refused.status_code == 403
    with services.engine.connect() as connection:
        audited = connection.execute(audit_log.select().where(audit_log.c.action == "analytics.read")).all()
    assert len(audited) == 1
    assert centre.call_taker.get(ROUTE).status_code == 403


def test_the_verdicts_are_cached_until_the_registry_changes(
    centre: Centre, scene: dict[str, Any], services: Services
) -> None:
    today = to_local(services.clock.now()).date()
    chosen = CoverageSelection(today - timedelta(days=1), today)
    projection: LocalProjection = scene["projection"]
    offline_after = timedelta(seconds=services.settings.cctv_offline_seconds)

    def assess() -> coverage_service.Coverage:
        return coverage_service.assess(
            services.uow(),
            chosen,
            buildings=Buildings.none(),
            projection=projection,
            now=services.clock.now(),
            offline_after=offline_after,
        )

    first = assess()
    # A heartbeat after the incidents changes none of their verdicts: the answer comes from the cache.
    health_service.beats(
        services.uow(), ["CAM-SILENT"], via="mqtt", at=services.clock.now(), offline_after=offline_after
    )
    again = assess()
    assert again.cached and again.found.tolist() == first.found.tolist()
    sup = centre.supervisor
    fx, fy = (float(v) for v in projection.to_xy(*FAR_AWAY))
    # A camera registered now does not see the incidents taken before it was.
    sup.ok(sup.post("/api/v1/cameras", camera("CAM-LATE", projection, fx, fy - 30)), 201)
    late = assess()
    assert not late.cached and late.found.tolist() == first.found.tolist()
    body = sup.ok(sup.get(ROUTE))
    assert body["cameras"] == 3 and body["total"]["seen"] == 1
    # The next incident there is seen by it.
    sup.call(at=FAR_AWAY, district="north", category_code="fight")
    body = sup.ok(sup.get(ROUTE))
    assert (body["total"]["incidents"], body["total"]["seen"]) == (5, 2)


def test_imported_incidents_are_counted_apart_having_no_place(
    centre: Centre, scene: dict[str, Any], services: Services
) -> None:
    now = services.clock.now()
    with services.engine.begin() as conn:
        made = conn.execute(
            insert(cad_imports).values(
                file_name="old.csv",
                file_sha256="0" * 64,
                mapping_name="old",
                started_at=now,
                finished_at=now,
                rows_read=2,
                rows_imported=2,
                rows_rejected=0,
                duplicates=0,
                report={},
                imported_by="test",
            )
        ).inserted_primary_key[0]
        for number, district in (("OLD-1", "central"), ("OLD-2", "north")):
            conn.execute(
                insert(imported_incidents).values(
                    import_id=made, number=number, district=district, received_at=now, stamps={}
                )
            )
    sup = centre.supervisor
    imported = sup.ok(sup.get(ROUTE, origin="imported"))
    assert imported["imported_without_point"] == 2 and imported["total"]["incidents"] == 0
    assert imported["rows"] == [] and imported["total"]["share"] is None
    everything = sup.ok(sup.get(ROUTE, origin="all"))
    assert everything["imported_without_point"] == 2 and everything["total"]["incidents"] == 4
    analyst = centre.analyst
    assert analyst.ok(analyst.get(ROUTE, origin="all"))["imported_without_point"] == 1


def test_a_real_building_between_camera_and_incident_is_the_reason(
    centre: Centre, services: Services, demo_buildings: Buildings
) -> None:
    projection = LocalProjection.around(services.settings.region_bbox)
    px, py = (float(v) for v in projection.to_xy(*PLAZA))
    found = find_scene(demo_buildings, (px, py))
    (ix, iy), (bx, by) = found.incident, found.behind
    sup = centre.supervisor
    body = camera("CAM-BEHIND", projection, bx, by, heading_deg=90.0, range_m=150.0)
    sup.ok(sup.post("/api/v1/cameras", body), 201)
    sup.call(at=place(projection, ix, iy), district="central")
    answer = sup.ok(sup.get(ROUTE))
    assert answer["total"]["seen"] == 0 and answer["total"]["not_seen"]["blocked"] == 1
    sup.ok(sup.post("/api/v1/cameras", camera("CAM-CLEAR", projection, ix + 20, iy, heading_deg=270.0)), 201)
    sup.call(at=place(projection, ix, iy), district="central", category_code="noise")
    answer = sup.ok(sup.get(ROUTE, group="category"))
    rows = {r["key"]: r for r in answer["rows"]}
    assert rows["fight"]["not_seen"]["blocked"] == 1  # taken before the clear camera was registered
    assert rows["noise"]["seen"] == 1
