"""Joint response over the real API: incidents handed over to the ambulance (103) and the fire service (101),
the test playing each agency with calls signed by its key and its own clock; the analytics endpoint then
reports, per agency and per category, the intervals the agencies' answers give (recomputed here from the
times the test sent) and the answers counted; the period report carries the section."""

from __future__ import annotations

import subprocess
import time
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from openpyxl import load_workbook

from kuzet.analytics.report.text import clock
from kuzet.container import Services
from kuzet.core.clock import LOCAL_TZ
from tests.interagency.handover_fixtures import Registered, register
from tests.interagency.test_handovers import _answer, hand_over
from tests.ops import Centre, parse


def incident(centre: Centre, category: str) -> int:
    registration = centre.call_taker.call(category_code=category, text="Нужна помощь другой службы")
    return int(registration["incident"]["id"])


def answer(
    http: httpx.Client, agency: Registered, created: dict[str, Any], step: str, after: float, **body: Any
) -> None:
    """The agency's answer, `after` seconds after our request by the agency's own clock."""
    at = parse(created["requested_at"]) + timedelta(seconds=after)
    response = _answer(http, agency, created["ref"], step, {**body, "at": at.isoformat()})
    assert response.status_code == 200, response.text
    assert response.json()["applied"] is True


def stats(values: list[float]) -> dict[str, Any]:
    """What the endpoint should say of these intervals, recomputed here."""
    array = np.array(values, dtype=float)
    return {
        "n": len(values),
        "median_s": pytest.approx(float(np.percentile(array, 50))),
        "p90_s": pytest.approx(float(np.percentile(array, 90))),
        "mean_s": pytest.approx(float(array.mean())),
    }


def row(rows: list[dict[str, Any]], agency: str, category: str | None = None) -> dict[str, Any]:
    return next(r for r in rows if r["agency"] == agency and r["category"] == category)


@pytest.fixture
def worked(centre: Centre, services: Services, http: httpx.Client) -> dict[str, Any]:
    """Six hand-overs to the ambulance (answered at known agency times, one by a clock running behind,
    one rejected) and two to the fire service (1 s deadline: one answered late, one never)."""
    ambulance = register(services, "ambulance_103")
    fire = register(services, "fire_101", p1_ack_seconds=1)
    plans = [  # category, acknowledgement, dispatched, on scene (seconds after our request, agency clock)
        ("stabbing", 20.0, 50.0, 400.0),
        ("stabbing", 35.0, 95.0, 610.0),
        ("stabbing", 48.0, None, 300.0),  # reports on scene at once
        ("stabbing", -30.0, 15.0, 500.0),  # its clock behind ours
        ("fight", 12.0, 70.0, None),
    ]
    stabbings = []
    for category, ack, dispatched, on_scene in plans:
        incident_id = incident(centre, category)
        if category == "stabbing":
            stabbings.append(incident_id)
        created = hand_over(centre, incident_id)
        answer(http, ambulance, created, "ack", ack, accepted=True)
        if dispatched is not None:
            answer(http, ambulance, created, "status", dispatched, status="dispatched", units=["103-01"])
        if on_scene is not None:
            answer(http, ambulance, created, "status", on_scene, status="on_scene", units=["103-01"])
    refused = hand_over(centre, incident(centre, "fight"))
    answer(http, ambulance, refused, "ack", 25.0, accepted=False, reason="нет свободных бригад")

    late = hand_over(centre, stabbings[0], "fire_101")
    hand_over(centre, stabbings[1], "fire_101")  # never answered
    time.sleep(1.3)  # past the fire service's 1 s deadline, by our clock
    answer(http, fire, late, "ack", 40.0, accepted=True)
    return {"plans": plans, "day": parse(late["requested_at"]).astimezone(LOCAL_TZ).date().isoformat()}


def test_the_endpoint_reports_each_agencys_intervals_from_its_own_times(
    centre: Centre, worked: dict[str, Any]
) -> None:
    day, plans = worked["day"], worked["plans"]
    s = centre.supervisor
    found = s.ok(s.get("/api/v1/analytics/joint-response", **{"from": day, "to": day}))
    assert found["basis"] == "agency" and found["unit"] == "seconds"
    assert [r["agency"] for r in found["by_agency"]] == ["ambulance_103", "fire_101"]

    ambulance = row(found["by_agency"], "ambulance_103")
    assert ambulance["agency_name"]["en"] == "Agency ambulance_103"
    counts = {k: ambulance[k] for k in ("requested", "accepted", "rejected", "unanswered", "waiting", "late")}
    assert counts == {"requested": 6, "accepted": 5, "rejected": 1, "unanswered": 0, "waiting": 0, "late": 0}
    acks = [p[1] for p in plans if p[1] >= 0] + [25.0]  # the rejection answered too
    assert ambulance["intervals"]["acknowledged"] == {**stats(acks), "negative": 1}
    assert ambulance["intervals"]["dispatched"] == {
        **stats([p[2] for p in plans if p[2] is not None]),
        "negative": 0,
    }
    assert ambulance["intervals"]["on_scene"] == {
        **stats([p[3] for p in plans if p[3] is not None]),
        "negative": 0,
    }

    stabbing = row(found["by_category"], "ambulance_103", "stabbing")
    assert stabbing["requested"] == 4
    assert stabbing["intervals"]["on_scene"] == {**stats([p[3] for p in plans[:4]]), "negative": 0}
    fight = row(found["by_category"], "ambulance_103", "fight")
    assert (fight["requested"], fight["rejected"]) == (2, 1)
    assert fight["intervals"]["acknowledged"] == {**stats([12.0, 25.0]), "negative": 0}

    fire = row(found["by_agency"], "fire_101")
    assert (fire["requested"], fire["accepted"], fire["late"], fire["unanswered"]) == (2, 1, 1, 1)
    assert fire["intervals"]["acknowledged"] == {**stats([40.0]), "negative": 0}

    # By our receipt there is no skew: every answer counts, each after our request.
    received = s.ok(s.get("/api/v1/analytics/joint-response", basis="received", agency="ambulance_103"))
    (by_receipt,) = received["by_agency"]
    assert by_receipt["intervals"]["acknowledged"]["n"] == 6
    assert by_receipt["intervals"]["acknowledged"]["negative"] == 0
    assert received["selection"]["agency"] == ["ambulance_103"]


def test_filters_narrow_the_hand_overs_and_another_day_has_none(
    centre: Centre, worked: dict[str, Any]
) -> None:
    s = centre.supervisor
    fights = s.ok(s.get("/api/v1/analytics/joint-response", category="fight"))
    assert [(r["agency"], r["category"]) for r in fights["by_category"]] == [("ambulance_103", "fight")]
    before = (datetime.fromisoformat(worked["day"]) - timedelta(days=1)).date().isoformat()
    empty = s.ok(s.get("/api/v1/analytics/joint-response", **{"from": before, "to": before}))
    assert empty["by_agency"] == [] and empty["by_category"] == []


def test_a_district_analyst_sees_its_own_district_and_is_refused_another(
    centre: Centre, worked: dict[str, Any]
) -> None:
    a = centre.analyst
    own = a.ok(a.get("/api/v1/analytics/joint-response"))
    assert own["selection"]["district"] == ["central"]
    assert sum(r["requested"] for r in own["by_agency"]) == 8
    refused = a.get("/api/v1/analytics/joint-response", district="north")
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"priority": "1,x"}, "priority"),
        ({"from": "2026-12-10", "to": "2026-12-01"}, "to"),
        ({"from": "12/01/2026"}, "from"),
        ({"basis": "ours"}, "basis"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(
    centre: Centre, params: dict[str, str], field: str
) -> None:
    refused = centre.supervisor.get("/api/v1/analytics/joint-response", **params)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in refused.json()["errors"]] == [field]


def test_the_period_report_has_the_joint_response_section(
    centre: Centre, worked: dict[str, Any], tmp_path: Path
) -> None:
    day, plans = worked["day"], worked["plans"]
    s = centre.supervisor
    period = {"from": day, "to": day, "locale": "en"}
    page = s.get("/api/v1/analytics/report", **period, format="html")
    assert page.status_code == 200, page.text
    assert "Joint response with other services" in page.text
    assert "Agency ambulance_103" in page.text and "Agency fire_101" in page.text
    on_scene = float(np.percentile([p[3] for p in plans if p[3] is not None], 50))
    assert clock(on_scene) in page.text

    workbook = s.get("/api/v1/analytics/report", **period, format="xlsx")
    book = load_workbook(BytesIO(workbook.content))
    rows = list(book["Intervals of services"].iter_rows(values_only=True))
    ambulance = next(r for r in rows if r[0] == "Agency ambulance_103" and r[2] == "Request → on scene")
    assert ambulance[1] == "All categories" and ambulance[3] == 4
    assert ambulance[4] == pytest.approx(on_scene / 60, abs=1e-4)

    pdf = s.get("/api/v1/analytics/report", **{**period, "locale": "kk"}, format="pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf.content)
    printed = subprocess.run(["pdftotext", str(source), "-"], capture_output=True, text=True, check=True)
    assert "Басқа қызметтермен бірлескен ден қою" in " ".join(printed.stdout.split())


def test_a_hand_over_the_dispatcher_cancelled_unanswered_is_counted_cancelled(
    centre: Centre, services: Services, http: httpx.Client
) -> None:
    register(services, "rescue_112", p1_ack_seconds=1)
    incident_id = incident(centre, "stabbing")
    hand_over(centre, incident_id, "rescue_112")
    d = centre.dispatcher
    d.ok(
        d.post(f"/api/v1/incidents/{incident_id}/handovers/rescue_112/cancel", {"reason": "Справились сами"})
    )
    hand_over(centre, incident(centre, "stabbing"), "rescue_112")  # left unanswered
    time.sleep(1.2)  # past the 1 s deadline
    s = centre.supervisor
    (rescue,) = s.ok(s.get("/api/v1/analytics/joint-response", agency="rescue_112"))["by_agency"]
    assert (rescue["requested"], rescue["cancelled"], rescue["unanswered"], rescue["waiting"]) == (2, 1, 1, 0)
    assert (
        rescue["intervals"]["acknowledged"]["n"] == 0
        and rescue["intervals"]["acknowledged"]["median_s"] is None
    )
