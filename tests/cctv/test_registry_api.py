"""The camera registry over real HTTP: supervisors register, change and retire cameras (each change
audited); addresses are sealed at rest and answered only to roles allowed to watch; bad input is refused
naming the field and nothing is stored; imports store valid rows and report broken ones."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from kuzet.cctv import api
from kuzet.cctv.store import cameras
from kuzet.container import Services
from kuzet.core.audit.store import audit_log
from tests.ops import Centre

SNAPSHOT = "http://viewer:Cam-Pass-4417@10.20.0.7/snapshot.jpg"
STREAM = "rtsp://viewer:Cam-Pass-4417@10.20.0.7:8554/stream1?channel=1&token=Tk-99"
# What a person is shown of them: where the camera is reached, never how it is logged into.
SNAPSHOT_SHOWN = "http://10.20.0.7/snapshot.jpg"
STREAM_SHOWN = "rtsp://10.20.0.7:8554/stream1"


def camera(**changes: Any) -> dict[str, Any]:
    body = {
        "camera_id": "CAM-0001",
        "lat": 42.5075,
        "lon": 1.5218,
        "mount_height_m": 6.0,
        "heading_deg": 90.0,
        "fov_deg": 70.0,
        "range_m": 80.0,
        "type": "street",
        "owner": "Akimat",
        "retention_days": 30,
        "snapshot_url": SNAPSHOT,
        "stream_url": STREAM,
    }
    return {**body, **changes}


def stored_rows(services: Services) -> list[Any]:
    with services.engine.connect() as connection:
        return list(connection.execute(select(cameras)).all())


def audit_actions(services: Services, object_id: str) -> list[str]:
    with services.engine.connect() as connection:
        rows = connection.execute(
            select(audit_log.c.action).where(audit_log.c.object_id == object_id).order_by(audit_log.c.seq)
        ).all()
    return [r.action for r in rows]


def test_a_supervisor_registers_a_camera_and_its_addresses_are_sealed(
    centre: Centre, services: Services
) -> None:
    created = centre.supervisor.ok(centre.supervisor.post("/api/v1/cameras", camera()), 201)
    assert created["snapshot_url"] == SNAPSHOT_SHOWN and created["stream_url"] == STREAM_SHOWN
    (row,) = stored_rows(services)
    assert "Cam-Pass-4417" not in (row.sealed_snapshot_url + row.sealed_stream_url)
    assert services.auth.box.open(row.sealed_stream_url) == STREAM
    assert audit_actions(services, "CAM-0001") == ["camera.create"]
    with services.engine.connect() as connection:
        details = [str(r.detail) for r in connection.execute(select(audit_log.c.detail)).all()]
    assert not any("Cam-Pass-4417" in d for d in details)


def test_addresses_are_shown_to_a_dispatcher_and_hidden_from_a_call_taker_and_an_analyst(
    centre: Centre, services: Services
) -> None:
    centre.supervisor.ok(centre.supervisor.post("/api/v1/cameras", camera()), 201)
    seen = centre.dispatcher.ok(centre.dispatcher.get("/api/v1/cameras/CAM-0001"))
    assert seen["stream_url"] == STREAM_SHOWN and seen["snapshot_url"] == SNAPSHOT_SHOWN
    assert audit_actions(services, "CAM-0001")[-1] == "camera.addresses_read"
    for desk in (centre.call_taker, centre.analyst):
        hidden = desk.ok(desk.get("/api/v1/cameras/CAM-0001"))
        assert hidden["snapshot_url"] is None and hidden["stream_url"] is None
        assert hidden["has_snapshot_url"] and hidden["has_stream_url"]
        assert hidden["heading_deg"] == 90.0
        (listed,) = desk.ok(desk.get("/api/v1/cameras"))
        assert listed["stream_url"] is None
    (listed,) = centre.dispatcher.ok(centre.dispatcher.get("/api/v1/cameras"))
    assert listed["stream_url"] is None  # listings never carry addresses


def test_a_change_and_a_retirement_are_audited_and_the_camera_is_kept(
    centre: Centre, services: Services
) -> None:
    sup = centre.supervisor
    sup.ok(sup.post("/api/v1/cameras", camera()), 201)
    changed = sup.ok(sup.patch("/api/v1/cameras/CAM-0001", {"heading_deg": 180, "stream_url": None}))
    assert (
        changed["heading_deg"] == 180
        and changed["stream_url"] is None
        and changed["snapshot_url"] == SNAPSHOT_SHOWN
    )
    retired = sup.ok(sup.http.delete("/api/v1/cameras/CAM-0001", headers=sup.headers))
    assert retired["status"] == "retired"
    assert audit_actions(services, "CAM-0001") == ["camera.create", "camera.update", "camera.retire"]
    assert sup.ok(sup.get("/api/v1/cameras", status="retired"))[0]["camera_id"] == "CAM-0001"
    assert sup.ok(sup.get("/api/v1/cameras", status="active")) == []


def test_no_route_ever_answers_a_cameras_credentials(centre: Centre, services: Services) -> None:
    """Whoever reads, through whatever route, never gets the user name, password or query of an address; the
    roles that watch or manage get where the camera is reached, each one-camera read audited."""
    sup = centre.supervisor
    answers = [sup.post("/api/v1/cameras", camera())]
    answers.append(sup.patch("/api/v1/cameras/CAM-0001", {"heading_deg": 120}))
    desks = {
        "ct1": centre.call_taker,
        "disp1": centre.dispatcher,
        "sup1": centre.supervisor,
        "an1": centre.analyst,
        "adm1": centre.admin,
    }
    for desk in desks.values():
        answers += [desk.get("/api/v1/cameras/CAM-0001"), desk.get("/api/v1/cameras")]
    answers.append(sup.http.delete("/api/v1/cameras/CAM-0001", headers=sup.headers))
    for answer in answers:
        assert answer.status_code in (200, 201), answer.text
        for secret in ("Cam-Pass-4417", "viewer", "Tk-99", "channel="):
            assert secret not in answer.text
    reads = {
        name: desk.ok(desk.get("/api/v1/cameras/CAM-0001"))["stream_url"] for name, desk in desks.items()
    }
    # the admin manages the registry: it is shown where its cameras are reached
    assert reads == {
        "ct1": None,
        "an1": None,
        "disp1": STREAM_SHOWN,
        "sup1": STREAM_SHOWN,
        "adm1": STREAM_SHOWN,
    }
    with services.engine.connect() as connection:
        readers = connection.execute(
            select(audit_log.c.actor).where(audit_log.c.action == "camera.addresses_read")
        ).all()
    assert {r.actor for r in readers} == {"disp1", "sup1", "adm1"}
    # the proxy still reaches the camera with its full address, opened on the server only
    (row,) = stored_rows(services)
    assert services.auth.box.open(row.sealed_stream_url) == STREAM


def test_a_call_taker_cannot_register_a_camera(centre: Centre, services: Services) -> None:
    response = centre.call_taker.post("/api/v1/cameras", camera())
    assert response.status_code == 403
    assert stored_rows(services) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lat": 43.9}, "lat"),
        ({"lon": 2.5}, "lon"),
        ({"fov_deg": 361}, "fov_deg"),
        ({"fov_deg": 0}, "fov_deg"),
        ({"fov_deg": -20}, "fov_deg"),
        ({"range_m": -5}, "range_m"),
        ({"range_m": 0}, "range_m"),
        ({"heading_deg": 360}, "heading_deg"),
        ({"stream_url": "ftp://10.0.0.1/x"}, "stream_url"),
        ({"camera_id": "CAM/1"}, "camera_id"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    changes: dict[str, Any], field: str, centre: Centre, services: Services
) -> None:
    response = centre.supervisor.post("/api/v1/cameras", camera(**changes))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert stored_rows(services) == []


def test_a_second_camera_with_the_same_id_is_refused(centre: Centre) -> None:
    centre.supervisor.ok(centre.supervisor.post("/api/v1/cameras", camera()), 201)
    response = centre.supervisor.post("/api/v1/cameras", camera(heading_deg=10))
    assert response.status_code == 409
    assert response.json()["field"] == "camera_id"


def test_a_change_out_of_range_is_refused_and_the_camera_is_unchanged(centre: Centre) -> None:
    sup = centre.supervisor
    sup.ok(sup.post("/api/v1/cameras", camera()), 201)
    response = sup.patch("/api/v1/cameras/CAM-0001", {"fov_deg": 400})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "fov_deg"
    assert sup.ok(sup.get("/api/v1/cameras/CAM-0001"))["fov_deg"] == 70.0


CSV_HEADER = (
    "camera_id,lat,lon,mount_height_m,heading_deg,fov_deg,range_m,type,owner,retention_days,stream_url\n"
)


def upload(
    http: httpx.Client, headers: dict[str, str], body: str, media: str, **params: Any
) -> httpx.Response:
    return http.post(
        "/api/v1/cameras/import",
        content=body.encode(),
        params=params,
        headers={**headers, "Content-Type": media, "Accept-Language": "en"},
    )


def test_a_csv_import_stores_valid_rows_and_reports_each_broken_one(
    centre: Centre, services: Services
) -> None:
    csv_text = CSV_HEADER + (
        "CAM-A,42.507,1.521,5,0,90,60,street,Akimat,30,rtsp://10.0.0.1/a\n"
        "CAM-B,43.900,1.521,5,0,90,60,street,Akimat,30,\n"  # outside the region
        "CAM-C,42.507,1.522,5,0,400,60,traffic,Akimat,30,\n"  # FOV > 360
        "CAM-D,42.507,1.523,5,0,90,-1,school,School 4,14,\n"  # negative range
        "CAM-E,42.507,1.524,5,0,90,abc,street,Akimat,30,\n"  # not a number
        "CAM-F,42.508,1.525,5,350,120,50,private_connected,Shop,7,\n"
    )
    sup = centre.supervisor
    report = sup.ok(upload(sup.http, sup.headers, csv_text, "text/csv"))
    assert report["accepted"] == ["CAM-A", "CAM-F"] and report["rows"] == 6 and report["rejected_rows"] == 4
    assert [(r["row"], r["camera_id"], r["field"]) for r in report["rejected"]] == [
        (3, "CAM-B", "lat"),
        (4, "CAM-C", "fov_deg"),
        (5, "CAM-D", "range_m"),
        (6, "CAM-E", "range_m"),
    ]
    assert all(r["reason"] for r in report["rejected"])
    assert sorted(r.camera_id for r in stored_rows(services)) == ["CAM-A", "CAM-F"]
    assert audit_actions(services, "CAM-A") == ["camera.create"]
    again = sup.ok(upload(sup.http, sup.headers, csv_text, "text/csv"))
    assert again["accepted"] == [] and {"exists"} <= {r["code"] for r in again["rejected"]}


def test_a_dry_run_reports_and_stores_nothing(centre: Centre, services: Services) -> None:
    csv_text = CSV_HEADER + "CAM-A,42.507,1.521,5,0,90,60,street,Akimat,30,\n"
    sup = centre.supervisor
    report = sup.ok(upload(sup.http, sup.headers, csv_text, "text/csv", dry_run="true"))
    assert report["dry_run"] and report["accepted"] == ["CAM-A"]
    assert stored_rows(services) == []


def test_a_geojson_import_reads_points_and_rejects_a_feature_without_one(
    centre: Centre, services: Services
) -> None:
    props = {"mount_height_m": 4, "heading_deg": 270, "fov_deg": 360, "range_m": 40, "type": "school"}
    props |= {"owner": "School 12", "retention_days": 14}
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "DOME-1",
                "geometry": {"type": "Point", "coordinates": [1.52, 42.51]},
                "properties": props,
            },
            {"type": "Feature", "geometry": None, "properties": {**props, "camera_id": "DOME-2"}},
        ],
    }
    import json

    sup = centre.supervisor
    report = sup.ok(upload(sup.http, sup.headers, json.dumps(document), "application/geo+json"))
    assert report["accepted"] == ["DOME-1"]
    assert report["rejected"][0]["row"] == 2 and report["rejected"][0]["field"] == "geometry"
    assert [r.camera_id for r in stored_rows(services)] == ["DOME-1"]


def test_a_file_without_the_required_columns_is_refused_whole(centre: Centre, services: Services) -> None:
    sup = centre.supervisor
    response = upload(sup.http, sup.headers, "camera_id,lat\nX,42.5\n", "text/csv")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "file"
    assert stored_rows(services) == []
    assert upload(sup.http, sup.headers, "{}", "application/json").status_code == 415


def test_a_file_past_the_size_limit_is_refused_and_nothing_stored(
    centre: Centre, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api, "IMPORT_MAX_BYTES", 200)
    csv_text = CSV_HEADER + "CAM-A,42.507,1.521,5,0,90,60,street,Akimat,30,\n" * 5
    sup = centre.supervisor
    response = upload(sup.http, sup.headers, csv_text, "text/csv")
    assert response.status_code == 413 and response.headers["content-type"] == "application/problem+json"
    assert stored_rows(services) == []
