"""Camera alerts over real HTTP: a plate reader posts signed events; a plate on the watch list becomes an
appeal on channel `camera` in the dispatchers' queue; a forged, replayed or malformed event is refused and
leaves nothing behind."""

from __future__ import annotations

import base64
import io
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image
from sqlalchemy import func, select

from kuzet.appeals.store import appeals
from kuzet.cctv.camera_events_store import camera_events
from kuzet.container import Services
from kuzet.core.audit.store import audit_log
from kuzet.core.auth.domain import Role
from tests.cctv.test_plate_hits_fixtures import (
    EVENTS,
    AddCamera,
    Source,
    WatchPlate,
    add_camera,
    plate_event,
    source,
    watch,
)
from tests.conftest import LiveServer, MakeUser, run_cli
from tests.core.auth.helpers import logged_in
from tests.ops import FAR_AWAY, Centre

__all__ = ["add_camera", "source", "watch"]


def count(services: Services, table: Any) -> int:
    with services.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def queued(centre: Centre, incident_id: int) -> dict[str, Any] | None:
    found = [
        i for i in centre.dispatcher.ok(centre.dispatcher.get("/api/v1/incidents")) if i["id"] == incident_id
    ]
    return found[0] if found else None


def test_a_signed_hit_is_an_appeal_in_the_queue_within_a_second(
    centre: Centre, source: Source, add_camera: AddCamera, watch: WatchPlate
) -> None:
    add_camera("CAM-PLAZA")
    watch("123ABC02", reason="Угнан 05.12, белая Toyota Camry")
    began = time.monotonic()
    response = source.event(plate="123 авс 02")  # Cyrillic look-alikes, lower case, spaces
    assert response.status_code == 201, response.text
    answer = response.json()
    incident_id = answer["incident"]["id"]
    seen = None
    while seen is None and time.monotonic() - began < 1.0:
        seen = queued(centre, incident_id)
    took = time.monotonic() - began
    assert seen is not None, "the hit did not reach the queue within 1 s"
    print(f"signed plate hit to the dispatcher's queue: {took * 1000:.0f} ms")
    assert answer["outcome"] == "watchlist_hit" and answer["appeal"]["number"].startswith("CAM-")
    appeal = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/appeals/{answer['appeal']['id']}"))
    assert appeal["channel"] == "camera"
    assert "123ABC02" in appeal["text"] and "Toyota" in appeal["text"]
    assert seen["category_code"] == "car_theft"
    assert (seen["lat"], seen["lon"]) == (42.5063, 1.5218)  # the camera's place


def test_a_retried_event_gets_the_first_answer_and_no_second_appeal(
    services: Services, source: Source, add_camera: AddCamera, watch: WatchPlate
) -> None:
    add_camera("CAM-PLAZA")
    watch("123ABC02")
    event = plate_event()
    first = source.post(EVENTS, event)
    again = source.post(EVENTS, event)  # a new nonce: a retry, not a replay
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["appeal"] == first.json()["appeal"] and again.json()["repeated"] is True
    assert count(services, appeals) == 1 and count(services, camera_events) == 1
    changed = source.post(EVENTS, {**event, "confidence": 0.5})
    assert changed.status_code == 422 and changed.json()["errors"][0]["field"] == "id"


def test_the_same_vehicle_seen_again_joins_the_open_incident(
    centre: Centre, source: Source, add_camera: AddCamera, watch: WatchPlate
) -> None:
    add_camera("CAM-PLAZA")
    add_camera("CAM-FAR", at=FAR_AWAY)
    watch("123ABC02")
    first = source.event().json()
    second = source.event(camera="CAM-FAR").json()
    assert second["linked_to_open_incident"] is True
    assert second["incident"] == first["incident"] and second["appeal"] != first["appeal"]


def test_a_forged_signature_is_refused_and_nothing_is_kept(
    services: Services, source: Source, add_camera: AddCamera, watch: WatchPlate
) -> None:
    add_camera("CAM-PLAZA")
    watch("123ABC02")
    response = source.post(EVENTS, plate_event(), secret="not-the-secret-" + "x" * 20)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "KUZET-HMAC-SHA256"
    assert count(services, appeals) == 0 and count(services, camera_events) == 0
    with services.engine.connect() as connection:
        refused = connection.execute(
            select(audit_log.c.detail).where(audit_log.c.action == "cctv_source.refused")
        ).all()
    assert [r.detail["reason"] for r in refused] == ["bad_signature"]


def test_a_replayed_request_is_refused(services: Services, source: Source, add_camera: AddCamera) -> None:
    add_camera("CAM-PLAZA")
    event = plate_event(plate="777ZZZ01")
    first = source.post(EVENTS, event, nonce="nonce-0001-abcdef")
    replay = source.post(EVENTS, event, nonce="nonce-0001-abcdef")
    assert first.status_code == 201
    assert replay.status_code == 401 and replay.headers["content-type"] == "application/problem+json"
    assert count(services, camera_events) == 1


def test_a_stale_request_is_refused(services: Services, source: Source, add_camera: AddCamera) -> None:
    add_camera("CAM-PLAZA")
    response = source.post(EVENTS, plate_event(), timestamp=int(time.time()) - 3600)
    assert response.status_code == 401
    assert count(services, camera_events) == 0


def test_a_plate_with_odd_characters_is_refused_naming_the_plate(
    services: Services, source: Source, add_camera: AddCamera, watch: WatchPlate
) -> None:
    add_camera("CAM-PLAZA")
    watch("123ABC02")
    for odd in ("123ABC02!", "123ӘБВ02", "12#3"):
        response = source.event(plate=odd)
        assert response.status_code == 422, odd
        assert response.headers["content-type"] == "application/problem+json"
        errors = response.json()["errors"]
        assert [e["field"] for e in errors] == ["plate"] and errors[0]["code"] == "plate_characters"
    assert count(services, appeals) == 0 and count(services, camera_events) == 0


def test_an_unknown_camera_is_refused_naming_it(services: Services, source: Source) -> None:
    response = source.event(camera="CAM-NOWHERE")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "camera"
    assert count(services, camera_events) == 0


def test_a_plate_not_on_the_list_is_recorded_without_an_appeal(
    services: Services, source: Source, add_camera: AddCamera, watch: WatchPlate
) -> None:
    add_camera("CAM-PLAZA")
    watch("123ABC02")
    answer = source.event(plate="555KZT02").json()
    assert answer["outcome"] == "not_listed" and answer["appeal"] is None
    assert count(services, camera_events) == 1 and count(services, appeals) == 0
    with services.engine.connect() as connection:
        checks = connection.execute(
            select(audit_log.c.detail).where(audit_log.c.action == "watchlist.check")
        ).all()
    assert [c.detail for c in checks] == [{"plate": "55****02", "match": "none"}]


def test_an_expired_entry_raises_no_appeal(
    services: Services, source: Source, add_camera: AddCamera, watch: WatchPlate
) -> None:
    add_camera("CAM-PLAZA")
    watch("123ABC02", expires_in=timedelta(seconds=1))
    time.sleep(1.1)
    answer = source.event().json()
    assert answer["outcome"] == "entry_expired" and answer["appeal"] is None
    assert count(services, appeals) == 0


def test_a_read_below_the_confidence_raises_no_appeal(
    services: Services, source: Source, add_camera: AddCamera, watch: WatchPlate
) -> None:
    add_camera("CAM-PLAZA")
    watch("123ABC02")
    answer = source.event(confidence=0.4).json()
    assert answer["outcome"] == "low_confidence" and count(services, appeals) == 0


def test_a_crowd_over_the_threshold_is_an_appeal_and_a_small_one_is_not(
    services: Services, source: Source, add_camera: AddCamera
) -> None:
    add_camera("CAM-PLAZA")
    small = source.event(kind="crowd", plate=None, count=12, confidence=0.9).json()
    big = source.event(kind="crowd", plate=None, count=300, confidence=0.9).json()
    assert small["outcome"] == "below_threshold" and small["appeal"] is None
    assert big["outcome"] == "crowd_alert" and big["appeal"]["number"].startswith("CAM-")
    missing = source.event(kind="crowd", plate=None)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "count"


def test_an_event_from_the_future_is_refused_naming_the_time(source: Source, add_camera: AddCamera) -> None:
    add_camera("CAM-PLAZA")
    response = source.event(at=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "at"


def test_the_same_event_posted_at_once_from_many_threads_is_one_appeal(
    services: Services, source: Source, add_camera: AddCamera, watch: WatchPlate
) -> None:
    add_camera("CAM-PLAZA")
    watch("123ABC02")
    event = plate_event()
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: source.post(EVENTS, event), range(6)))
    assert sorted(a.status_code for a in answers) == [200] * 5 + [201]
    assert len({a.json()["appeal"]["id"] for a in answers}) == 1
    assert count(services, appeals) == 1 and count(services, camera_events) == 1


ISSUED = re.compile(r"source=(\S+) key_id=(\S+) secret=(\S+)")


def test_an_operator_adds_a_source_whose_printed_key_signs_its_events(
    services: Services, server: LiveServer, add_camera: AddCamera, watch: WatchPlate
) -> None:
    add_camera("CAM-PLAZA")
    watch("123ABC02")
    added = run_cli(services, "cctv", "source", "add", "crowd_city", "--name", "City crowd detector")
    assert added.returncode == 0, added.stderr
    ((code, key_id, secret),) = ISSUED.findall(added.stdout)
    assert code == "crowd_city"
    listed = run_cli(services, "cctv", "source", "list")
    assert key_id in listed.stdout and secret not in listed.stdout  # a secret is shown once
    env = {"KUZET_CCTV_KEY_ID": key_id, "KUZET_CCTV_SECRET": secret}
    sent = run_cli(
        services,
        "cctv",
        "source",
        "send",
        "--camera",
        "CAM-PLAZA",
        "--plate",
        "123ABC02",
        "--url",
        server.url,
        extra_env=env,
    )
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert '"outcome": "watchlist_hit"' in sent.stdout
    assert run_cli(services, "cctv", "source", "disable", "crowd_city").returncode == 0
    refused = run_cli(
        services,
        "cctv",
        "source",
        "send",
        "--camera",
        "CAM-PLAZA",
        "--plate",
        "123ABC02",
        "--url",
        server.url,
        extra_env=env,
    )
    assert refused.returncode == 1 and '"status": 401' in refused.stdout


def jpeg() -> bytes:
    picture = io.BytesIO()
    Image.new("RGB", (64, 24), "white").save(picture, "JPEG")
    return picture.getvalue()


def test_the_picture_of_a_hit_opens_for_the_incidents_staff_and_each_look_is_audited(
    services: Services,
    centre: Centre,
    source: Source,
    add_camera: AddCamera,
    watch: WatchPlate,
    make_user: MakeUser,
) -> None:
    add_camera("CAM-PLAZA")
    watch("123ABC02")
    picture = jpeg()
    answer = source.event(image=base64.b64encode(picture).decode()).json()
    assert answer["image"] is True
    desk = centre.dispatcher
    (event,) = desk.ok(desk.get("/api/v1/camera-events", incident_id=answer["incident"]["id"]))
    assert (event["camera"], event["plate"], event["outcome"]) == ("CAM-PLAZA", "123ABC02", "watchlist_hit")
    opened = desk.http.get(event["image"], headers=desk.headers)
    assert opened.status_code == 200 and opened.headers["content-type"] == "image/jpeg"
    assert opened.content == picture
    with services.engine.connect() as connection:
        looks = connection.execute(
            select(audit_log.c.actor).where(audit_log.c.action == "cctv.event_image.read")
        ).all()
    assert [r.actor for r in looks] == ["disp1"]
    _, elsewhere = logged_in(desk.http, services, make_user, "disp_north", Role.DISPATCHER, "north")
    assert desk.http.get(event["image"], headers=elsewhere).status_code == 404  # another district's


def test_a_picture_that_is_not_a_jpeg_is_refused_naming_it(
    services: Services, source: Source, add_camera: AddCamera
) -> None:
    add_camera("CAM-PLAZA")
    for bad in (base64.b64encode(b"GIF89a-not-a-jpeg").decode(), "%%% not base64 %%%"):
        response = source.event(image=bad)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "image"
    assert count(services, camera_events) == 0


def test_the_events_of_an_unknown_incident_are_a_documented_404(centre: Centre) -> None:
    desk = centre.dispatcher
    response = desk.get("/api/v1/camera-events", incident_id=2**31 - 1)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    documented = desk.ok(desk.get("/api/openapi.json"))["paths"]["/api/v1/camera-events"]["get"]["responses"]
    assert "404" in documented
