"""Public alerts reach every console live: an alert issued, updated, cancelled or imported is a live `alert`
event at once, heard by a dispatcher whose desk covers only one district (alerts are the whole region's)."""

from __future__ import annotations

import httpx
import pytest

from kuzet.container import Services
from kuzet.core.auth.domain import Role
from tests.conftest import LiveServer, MakeUser
from tests.console.sse import LiveStream
from tests.core.auth.helpers import logged_in
from tests.interagency.test_alerts_api import issue, missing_child
from tests.reference import cap_file


@pytest.fixture
def supervisor(http: httpx.Client, services: Services, make_user: MakeUser) -> dict[str, str]:
    return logged_in(http, services, make_user, "chief", Role.SUPERVISOR, None)[1]


@pytest.fixture
def dispatcher(http: httpx.Client, services: Services, make_user: MakeUser) -> dict[str, str]:
    return logged_in(http, services, make_user, "desk", Role.DISPATCHER, "central")[1]


def test_every_alert_message_is_a_live_event_for_every_console(
    server: LiveServer,
    http: httpx.Client,
    services: Services,
    supervisor: dict[str, str],
    dispatcher: dict[str, str],
) -> None:
    head = int(http.get("/api/v1/live/head", headers=dispatcher).json()["seq"])
    live = LiveStream(server.url, dispatcher, after=head)
    try:
        assert live.status == 200
        issued = issue(http, supervisor, missing_child(services))
        event, took = live.wait_for("alert", alert_id=issued["id"])
        assert event.data == {"alert_id": issued["id"], "change": "issued", "follows": None}
        assert took < 1.0

        updated = http.post(
            f"/api/v1/alerts/{issued['id']}/update",
            json={"texts": {"ru": {"headline": "Пропал ребёнок, 7 лет, красная куртка"}}},
            headers=supervisor,
        ).json()
        event, _ = live.wait_for("alert", alert_id=updated["id"])
        assert (event.data["change"], event.data["follows"]) == ("updated", issued["id"])

        cancelled = http.post(
            f"/api/v1/alerts/{updated['id']}/cancel", json={"reason": "Ребёнок найден"}, headers=supervisor
        ).json()
        event, _ = live.wait_for("alert", alert_id=cancelled["id"])
        assert (event.data["change"], event.data["follows"]) == ("cancelled", updated["id"])

        document = cap_file("examples/oasis-A2-thunderstorm-KSTO1055887203.cap12.xml").read_bytes()
        response = http.post(
            "/api/v1/alerts/import",
            content=document,
            headers={**supervisor, "Content-Type": "application/cap+xml"},
        )
        assert response.status_code == 201, response.text
        event, _ = live.wait_for("alert", alert_id=response.json()["id"])
        assert event.data["change"] == "imported"
        # Nothing personal travels: the console reads the alert through the API.
        assert all(set(m.data) == {"alert_id", "change", "follows"} for m in live.read if m.kind == "alert")
    finally:
        live.close()
