"""Footage requests keep a chain of custody: requested → exported → handed to the investigator, each step with
its time and its actor, only in order, audited; a window the camera no longer keeps is refused naming the
field."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from kuzet.cctv.footage import (
    CustodyEntry,
    CustodyStep,
    FootageRequest,
    advance,
    check_window,
)
from kuzet.container import Services
from kuzet.core.audit.store import audit_log
from kuzet.core.errors import IllegalStatusChange
from tests.cctv.camera_fixtures import incident_id, register_camera
from tests.ops import Centre

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
SHA = hashlib.sha256(b"exported footage").hexdigest()


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# The rules, without a database.


def test_window_inside_retention_is_accepted() -> None:
    start = NOW - timedelta(days=30) + timedelta(seconds=1)
    assert check_window(start, start + timedelta(hours=1), retention_days=30, now=NOW) == []


def test_window_starting_before_retention_names_window_start() -> None:
    start = NOW - timedelta(days=30, seconds=1)
    [problem] = check_window(start, start + timedelta(hours=1), retention_days=30, now=NOW)
    assert (problem.field, problem.code) == ("window_start", "outside_retention")
    assert problem.params["days"] == 30


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (NOW - timedelta(hours=1), NOW + timedelta(minutes=1), "future"),
        (NOW - timedelta(hours=1), NOW - timedelta(hours=1), "order"),
        (NOW - timedelta(hours=26), NOW - timedelta(hours=1, seconds=1), "too_long"),
    ],
)
def test_window_end_problems_name_window_end(start: datetime, end: datetime, code: str) -> None:
    [problem] = check_window(start, end, retention_days=30, now=NOW)
    assert (problem.field, problem.code) == ("window_end", code)


def test_steps_go_only_in_order() -> None:
    request = FootageRequest(
        "CAM-1", 1, "central", NOW, NOW, "r", (CustodyEntry(CustodyStep.REQUESTED, NOW, "disp1"),), 1
    )
    with pytest.raises(IllegalStatusChange):
        advance(request, CustodyEntry(CustodyStep.HANDED_OVER, NOW, "sup1"))
    exported = advance(request, CustodyEntry(CustodyStep.EXPORTED, NOW, "sup1", file_sha256=SHA))
    assert exported.status is CustodyStep.EXPORTED
    with pytest.raises(IllegalStatusChange):
        advance(exported, CustodyEntry(CustodyStep.EXPORTED, NOW, "sup1"))
    done = advance(exported, CustodyEntry(CustodyStep.HANDED_OVER, NOW, "sup1"))
    with pytest.raises(IllegalStatusChange):
        advance(done, CustodyEntry(CustodyStep.HANDED_OVER, NOW, "sup1"))


# Over the API.


def ask(centre: Centre, services: Services, **changes: Any) -> Any:
    now = services.clock.now()
    body = {
        "incident_id": incident_id(centre),
        "window_start": iso(now - timedelta(hours=2)),
        "window_end": iso(now - timedelta(hours=1)),
        "reason": "Драка у магазина: лица нападавших",
        **changes,
    }
    return centre.dispatcher.post("/api/v1/cameras/CAM-1/footage-requests", body)


def test_chain_of_custody_in_order_with_its_trail(centre: Centre, services: Services) -> None:
    register_camera(services, "CAM-1", None, None)
    requested = centre.dispatcher.ok(ask(centre, services), 201)
    assert requested["status"] == "requested"
    ref = requested["id"]
    sup = centre.supervisor
    exported = sup.ok(
        sup.post(
            f"/api/v1/footage-requests/{ref}/export", {"file_sha256": SHA, "file_reference": "EVD-2026-0412"}
        )
    )
    assert exported["status"] == "exported"
    handed = sup.ok(
        sup.post(
            f"/api/v1/footage-requests/{ref}/hand-over",
            {"investigator_name": "Нурлан Жумабеков", "investigator_badge": "0417"},
        )
    )
    assert handed["status"] == "handed_over"
    for listing in (
        sup.ok(sup.get("/api/v1/footage-requests", camera_id="CAM-1")),
        centre.dispatcher.ok(
            centre.dispatcher.get("/api/v1/footage-requests", incident_id=requested["incident_id"])
        ),
    ):
        [found] = listing
        trail = found["trail"]
        assert [e["step"] for e in trail] == ["requested", "exported", "handed_over"]
        assert [e["by"] for e in trail] == ["disp1", "sup1", "sup1"]
        assert trail[1]["file_sha256"] == SHA and trail[1]["file_reference"] == "EVD-2026-0412"
        assert trail[2]["investigator_badge"] == "0417"
        stamps = [datetime.fromisoformat(e["at"]) for e in trail]
        assert stamps == sorted(stamps)
    with services.engine.connect() as connection:
        rows = connection.execute(
            select(audit_log).where(audit_log.c.object_type == "footage_request").order_by(audit_log.c.seq)
        ).all()
    assert [r.action for r in rows] == ["footage.request", "footage.exported", "footage.handed_over"]
    assert all(r.object_id == str(ref) for r in rows)
    assert "Нурлан" not in str(rows)  # the investigator's name stays in the trail, out of the audit log


def test_step_out_of_order_is_refused_409(centre: Centre, services: Services) -> None:
    register_camera(services, "CAM-1", None, None)
    ref = centre.dispatcher.ok(ask(centre, services), 201)["id"]
    sup = centre.supervisor
    early = sup.post(
        f"/api/v1/footage-requests/{ref}/hand-over",
        {"investigator_name": "Нурлан Жумабеков", "investigator_badge": "0417"},
    )
    assert early.status_code == 409
    assert early.headers["content-type"].startswith("application/problem+json")
    assert early.json()["current_status"] == "requested"
    assert early.json()["requested_status"] == "handed_over"
    body = {"file_sha256": SHA, "file_reference": "EVD-1"}
    assert sup.post(f"/api/v1/footage-requests/{ref}/export", body).status_code == 200
    again = sup.post(f"/api/v1/footage-requests/{ref}/export", body)
    assert again.status_code == 409
    [found] = sup.ok(sup.get("/api/v1/footage-requests", camera_id="CAM-1"))
    assert [e["step"] for e in found["trail"]] == ["requested", "exported"]


def test_window_outside_retention_is_422_naming_the_field(centre: Centre, services: Services) -> None:
    register_camera(services, "CAM-1", None, None)  # keeps 30 days
    now = services.clock.now()
    response = ask(
        centre,
        services,
        window_start=iso(now - timedelta(days=31)),
        window_end=iso(now - timedelta(days=31) + timedelta(hours=1)),
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["window_start"]
    assert centre.supervisor.ok(centre.supervisor.get("/api/v1/footage-requests", camera_id="CAM-1")) == []


def test_bad_export_names_the_field_and_call_taker_cannot_ask(centre: Centre, services: Services) -> None:
    register_camera(services, "CAM-1", None, None)
    ref = centre.dispatcher.ok(ask(centre, services), 201)["id"]
    bad = centre.supervisor.post(
        f"/api/v1/footage-requests/{ref}/export", {"file_sha256": "Z" * 64, "file_reference": "EVD-1"}
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["file_sha256"]
    refused = centre.call_taker.post(
        "/api/v1/cameras/CAM-1/footage-requests",
        {"incident_id": 1, "window_start": iso(NOW), "window_end": iso(NOW), "reason": "x"},
    )
    assert refused.status_code == 403
    assert centre.dispatcher.post(f"/api/v1/footage-requests/{ref}/export", {}).status_code == 403


def test_the_footage_requests_of_an_unknown_incident_are_a_documented_404(centre: Centre) -> None:
    desk = centre.dispatcher
    response = desk.get("/api/v1/footage-requests", incident_id=2**31 - 1)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    documented = desk.ok(desk.get("/api/openapi.json"))["paths"]["/api/v1/footage-requests"]["get"]
    assert "404" in documented["responses"]
