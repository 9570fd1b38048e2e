"""Public alerts over real HTTP: a supervisor issues an alert over an area drawn on the map or a district,
updates and cancels it (each a new CAP message referring to the earlier ones); the dispatchers see them on
the map; an operator cannot issue one; everything is audited and every message is valid CAP."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from defusedxml.ElementTree import fromstring

from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.audit.store import audit_log
from kuzet.core.auth.domain import Role
from kuzet.geo import service as geo_service
from kuzet.interagency.cap import CapMsgType
from kuzet.interagency.cap_read import parse_cap
from tests.conftest import LiveServer, MakeUser
from tests.core.auth.helpers import logged_in

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
RING = [[42.50, 1.50], [42.52, 1.50], [42.52, 1.53], [42.50, 1.53]]
DISTRICTS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"code": "central", "name_ru": "Центральный", "name_kk": "Орталық"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[1.50, 42.49], [1.56, 42.49], [1.56, 42.53], [1.50, 42.53], [1.50, 42.49]]],
            },
        }
    ],
}


@pytest.fixture
def supervisor(http: httpx.Client, services: Services, make_user: MakeUser) -> dict[str, str]:
    return logged_in(http, services, make_user, "chief", Role.SUPERVISOR, None)[1]


@pytest.fixture
def dispatcher(http: httpx.Client, services: Services, make_user: MakeUser) -> dict[str, str]:
    return logged_in(http, services, make_user, "desk", Role.DISPATCHER, "central")[1]


def missing_child(services: Services, **changes: Any) -> dict[str, Any]:
    expires = services.clock.now() + timedelta(hours=6)
    return {
        "event": "Пропал ребёнок",
        "category": "Rescue",
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Observed",
        "texts": {
            "ru": {
                "headline": "Пропал ребёнок, 7 лет",
                "description": "Мальчик в красной куртке, последний раз видели у парка.",
                "instruction": "Если вы его видели, звоните 102.",
            },
            "kk": {
                "headline": "7 жасар бала жоғалып кетті",
                "description": "Қызыл күртешелі бала, соңғы рет саябақ маңында көрінген.",
                "instruction": "Көрсеңіз, 102 нөміріне қоңырау шалыңыз.",
            },
        },
        "area": {"polygon": RING, "description": "Парк и соседние улицы"},
        "expires": expires.isoformat(),
        **changes,
    }


def issue(http: httpx.Client, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = http.post("/api/v1/alerts", json=body, headers=headers)
    assert response.status_code == 201, response.text
    issued: dict[str, Any] = response.json()
    return issued


def cap_of(http: httpx.Client, headers: dict[str, str], alert_id: int) -> bytes:
    response = http.get(f"/api/v1/alerts/{alert_id}/cap.xml", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/cap+xml")
    return response.content


def alert_audit(services: Services) -> list[Any]:
    with services.engine.connect() as connection:
        rows = connection.execute(audit_log.select().order_by(audit_log.c.seq)).all()
    return [row for row in rows if row.action.startswith("alert.")]


def test_a_supervisor_issues_an_alert_over_a_drawn_area_in_both_languages(
    server: LiveServer,
    http: httpx.Client,
    services: Services,
    supervisor: dict[str, str],
    dispatcher: dict[str, str],
) -> None:
    alert = issue(http, supervisor, missing_child(services))
    assert (alert["msg_type"], alert["status"], alert["origin"], alert["active"]) == (
        "Alert",
        "Actual",
        "ours",
        True,
    )
    assert alert["texts"]["kk"]["headline"] == "7 жасар бала жоғалып кетті"
    assert alert["area"]["polygons"] == [[*RING, RING[0]]]  # closed as CAP wants
    assert alert["area"]["description"] == "Парк и соседние улицы"

    document = cap_of(http, dispatcher, alert["id"])
    cap = parse_cap(document)  # the XSD and the CAP rules
    assert [info.language for info in cap.infos] == ["ru-RU", "kk-KZ"]
    assert cap.identifier == alert["identifier"] and cap.sender == services.settings.cap_sender
    sent = fromstring(document).findtext(f"{CAP}sent")
    assert sent is not None and "Z" not in sent and "." not in sent and sent.endswith("+00:00")
    expires = fromstring(document).find(f"{CAP}info").findtext(f"{CAP}expires")
    assert "." not in expires and datetime.fromisoformat(expires) == datetime.fromisoformat(alert["expires"])

    listed = http.get("/api/v1/alerts", params={"active": "true"}, headers=dispatcher)
    assert listed.status_code == 200 and [a["id"] for a in listed.json()] == [alert["id"]]
    (issued,) = alert_audit(services)
    assert (issued.action, issued.actor, issued.object_id) == ("alert.issued", "chief", str(alert["id"]))


def test_an_alert_over_a_district_takes_its_polygon_and_names(
    server: LiveServer, http: httpx.Client, services: Services, supervisor: dict[str, str]
) -> None:
    geo_service.replace_districts(services.uow(), DISTRICTS, by=Actor.system("test"), at=services.clock.now())
    alert = issue(http, supervisor, missing_child(services, area={"district": "central"}))
    assert alert["area"]["district"] == "central"
    (ring,) = alert["area"]["polygons"]
    assert ring[0] == [42.49, 1.50] and ring[0] == ring[-1] and len(ring) == 5
    cap = parse_cap(cap_of(http, supervisor, alert["id"]))
    assert [info.areas[0].description for info in cap.infos] == ["Центральный", "Орталық"]

    nowhere = missing_child(services, area={"district": "nowhere"})
    unknown = http.post("/api/v1/alerts", json=nowhere, headers=supervisor)
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["area.district"]


def test_an_update_and_a_cancellation_refer_to_the_earlier_messages(
    server: LiveServer,
    http: httpx.Client,
    services: Services,
    supervisor: dict[str, str],
    dispatcher: dict[str, str],
) -> None:
    first = issue(http, supervisor, missing_child(services))
    later = (services.clock.now() + timedelta(hours=12)).isoformat()
    updated = http.post(
        f"/api/v1/alerts/{first['id']}/update",
        json={"texts": {"ru": {"headline": "Пропал ребёнок, 7 лет: поиски продолжаются"}}, "expires": later},
        headers=supervisor,
    )
    assert updated.status_code == 201, updated.text
    update = updated.json()
    assert update["msg_type"] == "Update" and update["identifier"] != first["identifier"]
    assert update["texts"]["ru"]["headline"].endswith("поиски продолжаются")
    assert update["texts"]["ru"]["instruction"] == "Если вы его видели, звоните 102."  # kept
    assert update["texts"]["kk"] == first["texts"]["kk"]
    assert [(r["sender"], r["identifier"]) for r in update["references"]] == [
        (first["sender"], first["identifier"])
    ]
    earlier = http.get(f"/api/v1/alerts/{first['id']}", headers=dispatcher).json()
    assert earlier["superseded_by"] == update["id"] and earlier["active"] is False

    # The superseded alert is not changed again: the newest of its chain is.
    stale = http.post(f"/api/v1/alerts/{first['id']}/cancel", json={"reason": "Найден"}, headers=supervisor)
    assert stale.status_code == 409
    cancelled = http.post(
        f"/api/v1/alerts/{update['id']}/cancel", json={"reason": "Ребёнок найден"}, headers=supervisor
    )
    assert cancelled.status_code == 201, cancelled.text
    cancel = cancelled.json()
    assert cancel["msg_type"] == "Cancel" and cancel["cancelled"] is True and cancel["active"] is False
    cap = parse_cap(cap_of(http, dispatcher, cancel["id"]))
    assert cap.msg_type is CapMsgType.CANCEL and cap.note == "Ребёнок найден"
    assert [r.identifier for r in cap.references] == [first["identifier"], update["identifier"]]
    assert all(r.sent.microsecond == 0 and r.sent.utcoffset() is not None for r in cap.references)
    before = http.get(f"/api/v1/alerts/{update['id']}", headers=dispatcher).json()
    assert before["cancelled"] is True and before["superseded_by"] == cancel["id"]
    assert http.get("/api/v1/alerts?active=true", headers=dispatcher).json() == []
    assert len(http.get("/api/v1/alerts", headers=dispatcher).json()) == 3
    actions = [row.action for row in alert_audit(services)]
    assert actions == ["alert.issued", "alert.updated", "alert.cancelled"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"expires": "2020-01-01T00:00:00+05:00"}, "expires"),
        ({"onset": "2099-01-01T00:00:00+05:00"}, "expires"),
        ({"texts": {"ru": {"headline": "Только по-русски"}}}, "texts.kk"),
        ({"category": "Crime"}, "category"),
        ({"area": {"polygon": [[42.5, 1.5], [42.6, 1.5]]}}, "area.polygon"),
        ({"area": {"polygon": RING, "district": "central"}}, "area"),
        ({"expires": "2099-01-01T00:00:00"}, "expires"),
        ({"texts": {"ru": {"headline": "Звонок\u0007"}, "kk": {"headline": "Хабар"}}}, "texts.ru.headline"),
        ({"event": "Событие\u001b"}, "event"),
    ],
)
def test_a_bad_alert_is_refused_naming_the_field(
    changes: dict[str, Any],
    field: str,
    server: LiveServer,
    http: httpx.Client,
    services: Services,
    supervisor: dict[str, str],
) -> None:
    response = http.post("/api/v1/alerts", json=missing_child(services, **changes), headers=supervisor)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert http.get("/api/v1/alerts", headers=supervisor).json() == []


def test_an_operator_reads_alerts_but_cannot_issue_one(
    server: LiveServer,
    http: httpx.Client,
    services: Services,
    make_user: MakeUser,
    supervisor: dict[str, str],
    dispatcher: dict[str, str],
) -> None:
    alert = issue(http, supervisor, missing_child(services))
    for headers in (dispatcher, logged_in(http, services, make_user, "phone", Role.CALL_TAKER, "central")[1]):
        assert http.post("/api/v1/alerts", json=missing_child(services), headers=headers).status_code == 403
        cancel = http.post(f"/api/v1/alerts/{alert['id']}/cancel", json={"reason": "x"}, headers=headers)
        assert cancel.status_code == 403
        assert http.get(f"/api/v1/alerts/{alert['id']}", headers=headers).status_code == 200
