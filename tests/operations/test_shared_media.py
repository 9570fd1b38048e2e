"""Two Kuzet hosts on one PostgreSQL with shared media and camera pictures' folders (issue 20, point 1): a
photo a partner sends with an appeal, or a picture a plate reader sends with an event, through host A is
opened by staff through host B, byte for byte, though each host has its own data folder."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from kuzet.cctv import camera_events_service, watchlist_service
from kuzet.cctv import service as cameras
from kuzet.cctv.camera_events import AnalyticsSource
from kuzet.cctv.domain import Camera, CameraType
from kuzet.container import Services
from kuzet.core.actor import Actor
from tests.cctv.test_plate_hits_fixtures import Source
from tests.conftest import BACKEND, scratch_database
from tests.operations.hosts import Host, Seeded, citizen_appeal, running_hosts, seed, settings_for
from tests.ops import PLAZA

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(300),  # two servers' start on a busy machine
    pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL only: hosts share one PostgreSQL server"),
]

# JPEG magic bytes, then bytes of this run alone: each file is stored under a hash no earlier run made.
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + secrets.token_bytes(2048)
PICTURE = b"\xff\xd8\xff\xdb" + secrets.token_bytes(1024)
PLATE = "777 KZT 02"


@dataclass
class Shared:
    folder: Path  # as if an NFS export both machines mount
    seeded: Seeded
    camera_source: tuple[str, str]  # the plate reader's key id and secret
    hosts: list[Host]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    folder = tmp_path_factory.mktemp("shared-media")
    with scratch_database(folder) as url:
        seeded = seed(url, folder, webhook=None)
        camera_source = _plate_reader(url, folder)
        media, pictures = str(folder / "shared" / "media"), str(folder / "shared" / "cctv-events")
        with running_hosts(url, folder, media_dir=media, camera_images_dir=pictures) as hosts:
            yield Shared(folder / "shared", seeded, camera_source, hosts)


def _plate_reader(url: str, folder: Path) -> tuple[str, str]:
    """A plate reader's source and key, its camera at the plaza, and PLATE on the watch list."""
    services = Services.build(settings_for(url, folder / "seed-cctv"))
    try:
        now, by = services.clock.now(), Actor.system("test")
        issued = camera_events_service.create(
            services.uow(),
            services.auth.box,
            source=AnalyticsSource("plates_akimat", "Akimat plate readers", True),
            by=by,
            at=now,
        )
        camera = Camera(
            camera_id="CAM-PLAZA",
            lat=PLAZA[0],
            lon=PLAZA[1],
            mount_height_m=6.0,
            heading_deg=90.0,
            fov_deg=70.0,
            range_m=80.0,
            type=CameraType.STREET,
            owner="Akimat",
            retention_days=30,
        )
        cameras.register(
            services.uow(),
            services.auth.box,
            camera=camera,
            region=services.settings.region_bbox,
            by=by,
            at=now,
        )
        watchlist_service.add(
            services.uow(),
            plate=PLATE,
            reason="Угон",
            expires_at=now.replace(year=now.year + 1),
            by=by,
            at=now,
        )
    finally:
        services.close()
    return issued.key.key_id, issued.key.secret


def _kept_in(shared: Shared, digest: str) -> list[Path]:
    """Of the shared folder and the hosts' data folders, those holding a file named by `digest`."""
    return [p for p in (shared.folder, *(h.data for h in shared.hosts)) if list(p.rglob(f"{digest}*"))]


def test_a_photo_sent_through_one_host_is_opened_through_the_other(shared: Shared) -> None:
    a, b = shared.hosts
    partner = shared.seeded.partner(a)
    try:
        uploaded = partner.upload(PHOTO)
        assert uploaded.status_code == 201, uploaded.text
        media = uploaded.json()
        sent = partner.send_appeal(citizen_appeal("Украли велосипед, фото вора") | {"media": [media["id"]]})
        assert sent.status_code in (200, 201, 202), sent.text
    finally:
        partner.close()
    assert media["sha256"] == hashlib.sha256(PHOTO).hexdigest()
    assert _kept_in(shared, media["sha256"]) == [shared.folder], "kept in the shared folder alone"

    # A dispatcher on host B finds the photo on the incident card and opens it there.
    with httpx.Client(base_url=b.url, headers=b.login("disp"), timeout=15) as staff:
        appeal = staff.get(f"/api/v1/appeals/{sent.json()['id']}")
        assert appeal.status_code == 200, appeal.text
        card = staff.get(f"/api/v1/incidents/{appeal.json()['incident_id']}")
        assert card.status_code == 200, card.text
        (shown,) = [m for a in card.json()["appeals"] for m in a["media"]]
        assert shown["url"] == f"/api/v1/media/{media['id']}"
        photo = staff.get(shown["url"])
        assert photo.status_code == 200, photo.text
        assert photo.headers["content-type"] == "image/jpeg"
        assert photo.content == PHOTO


def test_a_camera_picture_sent_through_one_host_is_opened_through_the_other(shared: Shared) -> None:
    a, b = shared.hosts
    key_id, secret = shared.camera_source
    with httpx.Client(base_url=a.url, timeout=15) as to_a:
        answer = Source(to_a, key_id, secret).event(
            plate=PLATE, image=base64.b64encode(PICTURE).decode(), id=secrets.token_hex(8)
        )
    assert answer.status_code in (200, 201), answer.text
    assert answer.json()["image"] is True
    assert _kept_in(shared, hashlib.sha256(PICTURE).hexdigest()) == [shared.folder]

    with httpx.Client(base_url=b.url, headers=b.login("disp"), timeout=15) as staff:
        listed = staff.get("/api/v1/camera-events", params={"incident_id": answer.json()["incident"]["id"]})
        assert listed.status_code == 200, listed.text
        (event,) = listed.json()
        assert event["image"] is not None
        picture = staff.get(event["image"])
        assert picture.status_code == 200, picture.text
        assert picture.content == PICTURE
