"""Camera events past KUZET_CCTV_EVENT_RETENTION_DAYS, forgotten by the relay's housekeeping on a clock moved
forward: a read that made no appeal is deleted with its picture; one that made an appeal stays on its
incident without the plate, the picture or the watch-list entry; a picture another kept event shows stays."""

from __future__ import annotations

import base64
import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select, update

from kuzet.appeals.store import appeals
from kuzet.cctv.camera_events_images import path_of
from kuzet.cctv.camera_events_store import camera_events
from kuzet.container import Services
from tests.cctv.test_plate_hits_fixtures import AddCamera, Source, WatchPlate, add_camera, source, watch
from tests.ops import Centre

__all__ = ["add_camera", "source", "watch"]


class Later:
    """The system clock moved forward."""

    def __init__(self, by: timedelta) -> None:
        self.by = by

    def now(self) -> datetime:
        return datetime.now().astimezone() + self.by


def picture(colour: tuple[int, int, int]) -> str:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(out, format="JPEG")
    return base64.b64encode(out.getvalue()).decode()


def events(services: Services) -> dict[int, Any]:
    with services.engine.connect() as connection:
        return {r.id: r for r in connection.execute(select(camera_events)).all()}


def file_of(services: Services, sha256: str) -> Any:
    return path_of(services.settings.camera_images_folder, sha256)


def housekeeping_at(services: Services, monkeypatch: pytest.MonkeyPatch, later: timedelta) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(services, "clock", Later(later))
        services.housekeeping()


def test_old_events_lose_their_plate_and_picture_and_those_without_appeal_go(
    services: Services,
    centre: Centre,
    source: Source,
    add_camera: AddCamera,
    watch: WatchPlate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert services.settings.cctv_event_retention_days == 30
    add_camera("CAM-PLAZA")
    watch("123ABC02")
    red, blue = picture((200, 20, 20)), picture((20, 20, 200))
    hit = source.event(image=red).json()  # on the watch list: an appeal
    assert hit["outcome"] == "watchlist_hit"
    shares = source.event(plate="777 XYZ 01", image=red).json()  # not listed, the same picture
    alone = source.event(plate="555 QQQ 05", image=blue).json()  # not listed, a picture of its own
    assert shares["outcome"] == alone["outcome"] == "not_listed"
    before = events(services)
    by_event = {r.event_id: r for r in before.values()}
    hit_row, shares_row, alone_row = (by_event[a["id"]] for a in (hit, shares, alone))
    red_file, blue_file = file_of(services, hit_row.image_sha256), file_of(services, alone_row.image_sha256)
    assert red_file.is_file() and blue_file.is_file() and shares_row.image_sha256 == hit_row.image_sha256

    housekeeping_at(services, monkeypatch, timedelta(days=29))  # within the retention: nothing forgotten
    assert events(services) == before and red_file.is_file() and blue_file.is_file()

    # One read received 40 days ago: deleted, but its picture stays, as the hit still shows it.
    with services.engine.begin() as connection:
        connection.execute(
            update(camera_events)
            .where(camera_events.c.id == shares_row.id)
            .values(received_at=shares_row.received_at - timedelta(days=40))
        )
    services.housekeeping()
    assert set(events(services)) == {hit_row.id, alone_row.id}
    assert red_file.is_file()

    housekeeping_at(services, monkeypatch, timedelta(days=31))
    (kept,) = events(services).values()
    assert kept.id == hit_row.id and kept.appeal_id == hit["appeal"]["id"]
    assert kept.plate is None and kept.image_sha256 is None and kept.watch_entry_id is None
    assert (kept.camera_id, kept.outcome) == ("CAM-PLAZA", "watchlist_hit")
    assert not red_file.exists() and not blue_file.exists()
    with services.engine.connect() as connection:
        assert connection.execute(select(appeals.c.id).where(appeals.c.id == kept.appeal_id)).one()
    desk = centre.supervisor
    (shown,) = desk.ok(desk.get("/api/v1/camera-events", incident_id=hit["incident"]["id"]))
    assert (shown["plate"], shown["image"], shown["outcome"]) == (None, None, "watchlist_hit")

    housekeeping_at(services, monkeypatch, timedelta(days=400))  # nothing left to forget: unchanged
    assert list(events(services)) == [hit_row.id]
