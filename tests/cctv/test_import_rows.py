"""Reading camera files, row by row, without a database: every problem of a broken row is reported with its
row and field; a good row becomes a camera; the file as a whole is refused only when it cannot be read."""

from __future__ import annotations

import json

import pytest

from kuzet.cctv.domain import Camera, CameraStatus, CameraType, check_camera
from kuzet.cctv.imports import ImportFileError, parse

REGION = (1.40, 42.42, 1.80, 42.66)
HEADER = "camera_id,lat,lon,mount_height_m,heading_deg,fov_deg,range_m,type,owner,retention_days,status\n"


def csv_parse(rows: str) -> tuple[list[tuple[int, str]], list[tuple[int, str, str]]]:
    parsed = parse((HEADER + rows).encode(), "csv", REGION)
    return [(n, c.camera_id) for n, c in parsed.cameras], [(r.row, r.field, r.code) for r in parsed.rejected]


def test_a_good_row_becomes_a_camera_with_its_values() -> None:
    parsed = parse(
        (HEADER + "CAM-1,42.5,1.5,4.5,359.5,360,25,school,School 7,14,maintenance\n").encode(), "csv", REGION
    )
    ((row, camera),) = parsed.cameras
    assert row == 2 and parsed.rejected == []
    assert camera == Camera(
        "CAM-1",
        42.5,
        1.5,
        4.5,
        359.5,
        360.0,
        25.0,
        CameraType.SCHOOL,
        "School 7",
        14,
        CameraStatus.MAINTENANCE,
    )


def test_every_problem_of_a_broken_row_is_reported_and_the_next_row_goes_on() -> None:
    good, bad = csv_parse("CAM-1,50.0,9.0,5,400,-1,0,bus,,x,\nCAM-2,42.5,1.5,5,0,90,50,street,Akimat,30,\n")
    assert good == [(3, "CAM-2")]
    assert {(field, code) for _, field, code in bad} == {
        ("owner", "missing"),
        ("retention_days", "integer"),
        ("type", "enum"),
    }
    assert {row for row, _, _ in bad} == {2}


def test_the_geometry_rules_are_checked_once_the_values_are_read() -> None:
    _, bad = csv_parse("CAM-1,50.0,9.0,5,400,-1,0,street,Akimat,30,\n")
    assert sorted(field for _, field, _ in bad) == ["fov_deg", "heading_deg", "lat", "lon", "range_m"]


def test_rows_number_the_lines_they_end_on_and_a_repeated_id_is_rejected() -> None:
    rows = (
        'CAM-1,42.5,1.5,5,0,90,50,street,"Akimat,\nparks",30,\nCAM-1,42.5,1.5,5,0,90,50,street,Akimat,30,\n'
    )
    good, bad = csv_parse(rows)
    assert good == [(3, "CAM-1")] and bad == [(4, "camera_id", "duplicate")]


def test_a_row_longer_than_the_header_is_rejected() -> None:
    _, bad = csv_parse("CAM-1,42.5,1.5,5,0,90,50,street,Akimat,30,active,surplus\n")
    assert bad == [(2, "row", "extra")]


@pytest.mark.parametrize(
    ("data", "file_format"),
    [
        (b"camera_id,lat\nX,1\n", "csv"),
        (b"\xff\xfe\x00", "csv"),
        (b"[1, 2]", "geojson"),
        (b"{", "geojson"),
        (b"", "xlsx"),
    ],
)
def test_a_file_that_cannot_be_read_as_a_whole_is_refused(data: bytes, file_format: str) -> None:
    with pytest.raises(ImportFileError):
        parse(data, file_format, REGION)


def test_geojson_takes_the_point_and_the_feature_id() -> None:
    props = {"mount_height_m": 3, "heading_deg": 10, "fov_deg": 90, "range_m": 30, "type": "traffic"}
    props |= {"owner": "Police", "retention_days": 7}
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "T-1",
                "geometry": {"type": "Point", "coordinates": [1.51, 42.49]},
                "properties": props,
            },
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[1.5, 42.5], [1.6, 42.5]]},
                "properties": {**props, "camera_id": "T-2"},
            },
            "not a feature",
        ],
    }
    parsed = parse(json.dumps(document).encode(), "geojson", REGION)
    assert [(n, c.camera_id, c.lat, c.lon) for n, c in parsed.cameras] == [(1, "T-1", 42.49, 1.51)]
    assert [(r.row, r.camera_id, r.field) for r in parsed.rejected][:2] == [
        (2, "T-2", "geometry"),
        (3, None, "geometry"),
    ]


@pytest.mark.parametrize("camera_id", ["CAM 1", "Камера №5 у школы", "A"])
def test_free_text_ids_are_allowed(camera_id: str) -> None:
    camera = Camera(camera_id, 42.5, 1.5, 5, 0, 90, 50, CameraType.STREET, "Akimat", 30)
    assert check_camera(camera, REGION) == []


@pytest.mark.parametrize("camera_id", [" CAM", "CAM/1", "CAM?", "x" * 61, "", "CAM\t1"])
def test_ids_that_cannot_sit_in_an_address_are_refused(camera_id: str) -> None:
    camera = Camera(camera_id, 42.5, 1.5, 5, 0, 90, 50, CameraType.STREET, "Akimat", 30)
    assert [p.field for p in check_camera(camera, REGION)] == ["camera_id"]
