"""The cameras that see an incident, over real HTTP, with the demo extract's real OSM buildings: a camera with
a clear view sees it; one behind a real building is blocked by that building's id; one looking away, one too
short-sighted, one offline are listed with their reason; a retired one and a far one are not listed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from sqlalchemy import select

from kuzet.cctv.buildings_osm import Footprints, read_footprints
from kuzet.cctv.visibility import Buildings, LocalProjection
from kuzet.container import Services
from kuzet.core.audit.store import audit_log
from tests.ops import PLAZA, Centre

DEMO_EXTRACT = Path(__file__).parents[1] / "data" / "osm" / "andorra.osm.pbf"


@pytest.fixture(scope="module")
def demo_footprints() -> Footprints:
    return read_footprints(DEMO_EXTRACT)


@pytest.fixture
def demo_buildings(services: Services, demo_footprints: Footprints) -> Iterator[Buildings]:
    """The demo extract's buildings in the server's buildings file (as `kuzet import-osm` writes it)."""
    path = services.settings.buildings_file
    demo_footprints.save(path)
    yield demo_footprints.buildings(LocalProjection.around(services.settings.region_bbox))
    path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Scene:
    """A real building with an incident just east of it and a camera just west of it."""

    building_id: str
    incident: tuple[float, float]  # x, y metres
    behind: tuple[float, float]


def clear(buildings: Buildings, a: tuple[float, float], b: tuple[float, float]) -> bool:
    return len(buildings.tree.query(shapely.LineString([a, b]), predicate="intersects")) == 0


def find_scene(buildings: Buildings, near: tuple[float, float]) -> Scene:
    """The nearest building to `near` at least 12 m wide with open ground 8 m east and west of it, whose line
    of sight from west to east crosses it alone, and with clear views to the east of the incident."""
    order = np.argsort(shapely.distance(buildings.polygons, shapely.Point(near)))
    for i in order[:400].tolist():
        x0, y0, x1, y1 = shapely.bounds(buildings.polygons[i])
        if x1 - x0 < 12:
            continue
        cy = (y0 + y1) / 2
        incident, behind = (x1 + 8, cy), (x0 - 8, cy)
        hits = buildings.tree.query(shapely.LineString([behind, incident]), predicate="intersects")
        if hits.tolist() != [i]:
            continue
        if len(buildings.tree.query(shapely.Point(behind), predicate="dwithin", distance=2)):
            continue
        if not clear(buildings, incident, (incident[0] + 25, incident[1])):
            continue
        if not clear(buildings, incident, (incident[0], incident[1] + 200)):
            continue
        return Scene(buildings.ids[i], incident, behind)
    raise AssertionError("no building fits the scene near the plaza")


def camera(camera_id: str, projection: LocalProjection, x: float, y: float, **view: Any) -> dict[str, Any]:
    lat, lon = projection.to_latlon(x, y)
    body = {"camera_id": camera_id, "lat": float(lat), "lon": float(lon), "mount_height_m": 5.0}
    body |= {"heading_deg": 0.0, "fov_deg": 60.0, "range_m": 100.0, "type": "street", "owner": "Akimat"}
    return body | {"retention_days": 30, "stream_url": "rtsp://10.1.1.1/s"} | view


def test_the_incident_lists_who_sees_it_and_why_the_others_do_not(
    centre: Centre, services: Services, demo_buildings: Buildings
) -> None:
    projection = LocalProjection.around(services.settings.region_bbox)
    px, py = (float(v) for v in projection.to_xy(*PLAZA))
    scene = find_scene(demo_buildings, (px, py))
    (ix, iy), (bx, by) = scene.incident, scene.behind
    lat, lon = (float(v) for v in projection.to_latlon(ix, iy))
    incident = centre.call_taker.call(at=(lat, lon))["incident"]
    sup = centre.supervisor
    for body in (
        camera("CAM-SEE", projection, ix + 20, iy, heading_deg=270.0),
        camera("CAM-BEHIND", projection, bx, by, heading_deg=90.0, range_m=150.0),
        camera("CAM-AWAY", projection, ix + 20, iy, heading_deg=90.0),
        camera("CAM-SHORT", projection, ix, iy + 150, heading_deg=180.0, range_m=50.0),
        camera("CAM-OFF", projection, ix + 20, iy, heading_deg=270.0, status="offline"),
        camera("CAM-RETIRED", projection, ix + 20, iy, heading_deg=270.0, status="retired"),
        camera("CAM-FAR", projection, ix, iy + 1000, heading_deg=180.0, range_m=50.0),
        camera("DOME-FAR-SEES", projection, ix, iy + 190, fov_deg=360.0, range_m=400.0),
    ):
        sup.ok(sup.post("/api/v1/cameras", body), 201)

    found = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{incident['id']}/cameras"))
    assert found["located"] and found["radius_m"] == 300
    seeing = {c["camera"]["camera_id"]: c for c in found["seeing"]}
    assert list(seeing) == ["CAM-SEE", "DOME-FAR-SEES"]  # nearest first; a long range sees past 300 m
    see = seeing["CAM-SEE"]
    assert see["distance_m"] == pytest.approx(20, abs=0.5) and see["bearing_deg"] == pytest.approx(270, abs=1)
    assert see["reason"] is None and see["camera"]["stream_url"] is None
    sector = see["sector"]
    assert sector[0] == sector[-1] and len(sector) > 5
    assert shapely.Polygon([(lo, la) for la, lo in sector]).contains(shapely.Point(lon, lat))
    others = {c["camera"]["camera_id"]: c for c in found["not_seeing"]}
    assert {k: (v["reason"], v["blocked_by"]) for k, v in others.items()} == {
        "CAM-BEHIND": ("blocked", scene.building_id),
        "CAM-AWAY": ("out_of_sector", None),
        "CAM-SHORT": ("too_far", None),
        "CAM-OFF": ("not_active", None),
    }
    assert others["CAM-OFF"]["camera"]["status"] == "offline"
    assert others["CAM-BEHIND"]["in_range"] and others["CAM-BEHIND"]["in_sector"]
    distances = [c["distance_m"] for c in found["not_seeing"]]
    assert distances == sorted(distances)


def test_without_a_buildings_file_nothing_blocks(centre: Centre, services: Services) -> None:
    services.settings.buildings_file.unlink(missing_ok=True)
    projection = LocalProjection.around(services.settings.region_bbox)
    x, y = (float(v) for v in projection.to_xy(*PLAZA))
    incident = centre.call_taker.call()["incident"]
    sup = centre.supervisor
    sup.ok(sup.post("/api/v1/cameras", camera("CAM-N", projection, x, y - 40, heading_deg=0.0)), 201)
    found = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{incident['id']}/cameras"))
    assert [c["camera"]["camera_id"] for c in found["seeing"]] == ["CAM-N"]
    assert found["seeing"][0]["distance_m"] == pytest.approx(40, abs=1)


def test_a_missing_incident_is_a_problem_not_an_empty_list(centre: Centre) -> None:
    missing = centre.dispatcher.get("/api/v1/incidents/999999/cameras")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


def test_an_incident_of_another_district_is_not_found_and_the_try_is_audited(
    centre: Centre, services: Services
) -> None:
    north = centre.supervisor.call(district="north")["incident"]
    refused = centre.dispatcher.get(f"/api/v1/incidents/{north['id']}/cameras")  # a central dispatcher
    assert refused.status_code == 404
    with services.engine.connect() as connection:
        rows = connection.execute(
            select(audit_log.c.outcome).where(
                audit_log.c.object_type == "incident", audit_log.c.object_id == str(north["id"])
            )
        ).all()
    assert "denied" in [r.outcome for r in rows]
    assert centre.supervisor.ok(centre.supervisor.get(f"/api/v1/incidents/{north['id']}/cameras"))["located"]
