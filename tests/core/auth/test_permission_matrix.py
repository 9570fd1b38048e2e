"""Role × endpoint matrix: every route declares a permission, and each is enforced over real HTTP."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from kuzet.app import UndeclaredPermission, check_permissions_declared, create_app
from kuzet.container import Services
from kuzet.core.audit.store import audit_log
from kuzet.core.auth.domain import Role
from kuzet.core.deps import api_routes
from tests.conftest import LiveServer, MakeUser
from tests.core.auth.helpers import logged_in

ALL = frozenset(Role)
ADMIN = frozenset({Role.ADMIN})
STAFF_READERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ANALYST})
OPERATIONS = frozenset({Role.CALL_TAKER, Role.DISPATCHER, Role.SUPERVISOR, Role.ANALYST})
CALL_TAKING = frozenset({Role.CALL_TAKER, Role.DISPATCHER, Role.SUPERVISOR})
DISPATCHING = frozenset({Role.DISPATCHER, Role.SUPERVISOR})
ROSTER = frozenset({Role.SUPERVISOR, Role.ADMIN})
STATS = frozenset({Role.SUPERVISOR, Role.ANALYST, Role.ADMIN})
POSITION_REPORTERS = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
WATCHLIST_KEEPERS = frozenset({Role.SUPERVISOR})
PARTNER_KEY: frozenset[Role] = frozenset()  # signed by a partner's key: no staff token opens these
PUBLIC = None

# The specification, written out by hand: who may call what. A new route must be added here.
EXPECTED: dict[tuple[str, str], frozenset[Role] | None] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("GET", "/api/v1/auth/me"): ALL,
    ("POST", "/api/v1/auth/totp/enrol"): ALL,
    ("POST", "/api/v1/auth/totp/confirm"): ALL,
    ("POST", "/api/v1/auth/logout"): ALL,
    ("GET", "/api/v1/auth/throttles"): ADMIN,
    ("DELETE", "/api/v1/auth/throttles"): ADMIN,
    ("GET", "/api/v1/users"): STAFF_READERS,
    ("POST", "/api/v1/users"): ADMIN,
    ("GET", "/api/v1/users/{user_id}"): STAFF_READERS,
    ("POST", "/api/v1/users/{user_id}/lock"): ADMIN,
    ("POST", "/api/v1/users/{user_id}/unlock"): ADMIN,
    ("POST", "/api/v1/users/{user_id}/reset-2fa"): ADMIN,
    ("POST", "/api/v1/users/{user_id}/password"): ADMIN,
    ("PUT", "/api/v1/users/{user_id}/districts"): ADMIN,
    ("GET", "/api/v1/audit"): frozenset({Role.ADMIN, Role.SUPERVISOR}),
    ("GET", "/api/v1/audit/verify"): ADMIN,
    ("GET", "/api/v1/categories"): ALL,
    ("PUT", "/api/v1/categories/{code}"): ADMIN,
    ("POST", "/api/v1/appeals"): CALL_TAKING,
    ("POST", "/api/v1/appeals/duplicates"): CALL_TAKING,
    ("GET", "/api/v1/appeals/history"): CALL_TAKING,
    ("GET", "/api/v1/appeals/{appeal_id}"): OPERATIONS,
    ("GET", "/api/v1/incidents/search"): OPERATIONS,
    ("GET", "/api/v1/incidents/recently-closed"): OPERATIONS,
    ("POST", "/api/v1/appeals/{appeal_id}/move"): DISPATCHING,
    ("GET", "/api/v1/incidents"): OPERATIONS,
    ("GET", "/api/v1/incidents/overdue"): DISPATCHING,
    ("GET", "/api/v1/incidents/{incident_id}"): OPERATIONS,
    ("POST", "/api/v1/incidents/{incident_id}/status"): DISPATCHING,
    ("POST", "/api/v1/incidents/{incident_id}/reopen"): DISPATCHING,
    ("POST", "/api/v1/incidents/{incident_id}/category"): DISPATCHING,
    ("POST", "/api/v1/incidents/{incident_id}/location"): DISPATCHING,
    ("POST", "/api/v1/incidents/{incident_id}/alarm/acknowledge"): DISPATCHING,
    ("POST", "/api/v1/incidents/{incident_id}/notes"): DISPATCHING,
    ("POST", "/api/v1/incidents/{incident_id}/injured"): DISPATCHING,
    ("POST", "/api/v1/incidents/{incident_id}/merge"): DISPATCHING,
    ("POST", "/api/v1/incidents/{incident_id}/unmerge"): DISPATCHING,
    ("POST", "/api/v1/incidents/{incident_id}/assignments"): DISPATCHING,
    ("POST", "/api/v1/assignments/{assignment_id}/status"): DISPATCHING,
    ("POST", "/api/v1/assignments/{assignment_id}/cancel"): DISPATCHING,
    ("POST", "/api/v1/assignments/{assignment_id}/reassign"): DISPATCHING,
    ("GET", "/api/v1/units"): OPERATIONS,
    ("POST", "/api/v1/units"): ROSTER,
    ("GET", "/api/v1/units/{unit_id}"): OPERATIONS,
    ("PATCH", "/api/v1/units/{unit_id}"): ROSTER,
    ("POST", "/api/v1/units/{unit_id}/shift"): DISPATCHING,
    ("POST", "/api/v1/units/{unit_id}/status"): DISPATCHING,
    ("GET", "/api/v1/appeals/stats/channels"): STATS,
    ("GET", "/api/v1/analytics/intervals"): STATS,
    ("GET", "/api/v1/analytics/counts"): STATS,
    ("GET", "/api/v1/analytics/far-arrivals"): STATS,
    ("GET", "/api/v1/analytics/joint-response"): STATS,
    ("GET", "/api/v1/analytics/compare"): STATS,
    ("GET", "/api/v1/analytics/dimensions"): STATS,
    ("GET", "/api/v1/analytics/cctv-coverage"): STATS,
    ("GET", "/api/v1/analytics/cctv-coverage/hotspots"): STATS,
    ("GET", "/api/v1/analytics/report"): STATS,
    ("POST", "/api/v1/units/positions"): POSITION_REPORTERS,
    ("GET", "/api/v1/units/positions"): OPERATIONS,
    ("GET", "/api/v1/units/{unit_id}/track"): OPERATIONS,
    ("GET", "/api/v1/incidents/{incident_id}/recommendations"): DISPATCHING,
    ("GET", "/api/v1/assignments/{assignment_id}/route"): OPERATIONS,
    ("GET", "/api/v1/geo/search"): OPERATIONS,
    ("GET", "/api/v1/geo/reverse"): OPERATIONS,
    ("GET", "/api/v1/geo/district"): OPERATIONS,
    ("GET", "/api/v1/geo/districts"): ALL,
    ("PUT", "/api/v1/geo/districts"): ADMIN,
    ("GET", "/api/v1/geo/roads"): ALL,
    ("GET", "/api/v1/geo/roads/geometry"): ALL,
    ("GET", "/"): PUBLIC,
    ("GET", "/api/v1/console/texts"): PUBLIC,
    ("GET", "/api/v1/live"): OPERATIONS,
    ("GET", "/api/v1/live/head"): OPERATIONS,
    ("GET", "/api/v1/console/settings"): OPERATIONS,
    ("GET", "/api/v1/media/{media_id}"): OPERATIONS,
    ("GET", "/api/v1/partners"): ADMIN,
    ("POST", "/api/v1/partners"): ADMIN,
    ("POST", "/api/v1/partners/{code}/rotate"): ADMIN,
    ("POST", "/api/v1/partners/{code}/disable"): ADMIN,
    ("POST", "/api/v1/partners/{code}/enable"): ADMIN,
    ("GET", "/api/v1/partners/{code}/deliveries"): ADMIN,
    ("POST", "/api/v1/partners/{code}/deliveries/{message_id}/retry"): ADMIN,
    ("GET", "/api/v1/agencies"): ALL,
    ("GET", "/api/v1/agencies/{code}"): ALL,
    ("POST", "/api/v1/agencies"): ADMIN,
    ("PATCH", "/api/v1/agencies/{code}"): ADMIN,
    ("POST", "/api/v1/agencies/{code}/enable"): ADMIN,
    ("POST", "/api/v1/agencies/{code}/disable"): ADMIN,
    ("POST", "/api/v1/agencies/{code}/rotate"): ADMIN,
    ("POST", "/partner/v1/appeals"): PARTNER_KEY,
    ("GET", "/partner/v1/appeals/{appeal_id}"): PARTNER_KEY,
    ("POST", "/partner/v1/media"): PARTNER_KEY,
    ("POST", "/api/v1/incidents/{incident_id}/handovers"): DISPATCHING,
    ("GET", "/api/v1/incidents/{incident_id}/handovers"): OPERATIONS,
    ("POST", "/api/v1/incidents/{incident_id}/handovers/{agency}/cancel"): DISPATCHING,
    ("POST", "/api/v1/agency/handovers/{ref}/ack"): PARTNER_KEY,  # signed by an agency's key, like partners
    ("POST", "/api/v1/agency/handovers/{ref}/status"): PARTNER_KEY,
    ("POST", "/api/v1/agency/transfers"): PARTNER_KEY,  # an agency transfers a call to us (signed)
    ("POST", "/api/v1/agency/heartbeat"): PARTNER_KEY,
    ("GET", "/api/v1/agencies/health"): DISPATCHING,
    ("GET", "/api/v1/cameras"): ALL,
    ("POST", "/api/v1/cameras"): ROSTER,
    ("POST", "/api/v1/cameras/import"): ROSTER,
    ("GET", "/api/v1/cameras/{camera_id}"): ALL,
    ("PATCH", "/api/v1/cameras/{camera_id}"): ROSTER,
    ("DELETE", "/api/v1/cameras/{camera_id}"): ROSTER,
    ("GET", "/api/v1/incidents/{incident_id}/cameras"): OPERATIONS,
    ("GET", "/api/v1/cctv/placement"): STATS,
    ("GET", "/api/v1/planning/current"): STATS,
    ("POST", "/api/v1/planning/evaluate"): STATS,
    ("GET", "/api/v1/cameras/{camera_id}/snapshot"): DISPATCHING,
    ("GET", "/api/v1/cameras/{camera_id}/live"): DISPATCHING,
    ("POST", "/api/v1/cameras/{camera_id}/footage-requests"): DISPATCHING,
    ("GET", "/api/v1/footage-requests"): DISPATCHING,
    ("GET", "/api/v1/footage-requests/{request_id}"): DISPATCHING,
    ("POST", "/api/v1/footage-requests/{request_id}/export"): ROSTER,
    ("POST", "/api/v1/footage-requests/{request_id}/hand-over"): ROSTER,
    ("GET", "/api/v1/cameras/health"): ALL,  # camera health for the supervisor's view
    ("GET", "/api/v1/cameras/uptime"): ALL,
    ("GET", "/api/v1/watchlist"): WATCHLIST_KEEPERS,  # every look at the watch list is audited
    ("POST", "/api/v1/watchlist"): WATCHLIST_KEEPERS,
    ("POST", "/api/v1/watchlist/search"): WATCHLIST_KEEPERS,
    ("GET", "/api/v1/watchlist/{entry_id}"): WATCHLIST_KEEPERS,
    ("PATCH", "/api/v1/watchlist/{entry_id}"): WATCHLIST_KEEPERS,
    ("DELETE", "/api/v1/watchlist/{entry_id}"): WATCHLIST_KEEPERS,
    ("POST", "/api/v1/cctv/events"): PARTNER_KEY,  # signed by a camera analytics source's key
    ("POST", "/api/v1/cctv/heartbeats"): PARTNER_KEY,
    ("GET", "/api/v1/camera-events"): OPERATIONS,  # the camera events behind an incident's appeals
    ("GET", "/api/v1/camera-events/{event_id}/image"): OPERATIONS,
    ("GET", "/api/v1/alerts"): OPERATIONS,
    ("GET", "/api/v1/alerts/{alert_id}"): OPERATIONS,
    ("GET", "/api/v1/alerts/{alert_id}/cap.xml"): OPERATIONS,
    ("POST", "/api/v1/alerts"): frozenset({Role.SUPERVISOR}),
    ("POST", "/api/v1/alerts/{alert_id}/update"): frozenset({Role.SUPERVISOR}),
    ("POST", "/api/v1/alerts/{alert_id}/cancel"): frozenset({Role.SUPERVISOR}),
    ("POST", "/api/v1/alerts/import"): frozenset({Role.SUPERVISOR}),
    ("GET", "/feeds/alerts.atom"): PUBLIC,  # read by public alerting hubs
    ("GET", "/feeds/alerts/{identifier}.xml"): PUBLIC,
}

BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/users"): {
        "username": "newcomer",
        "password": "Fresh-Password-77",
        "role": "dispatcher",
        "district": "central",
        "full_name": "Айгерим Садыкова",
    },
    ("POST", "/api/v1/users/{user_id}/password"): {"password": "Another-Password-88"},
    ("PUT", "/api/v1/users/{user_id}/districts"): {"districts": ["central"]},
    ("POST", "/api/v1/auth/totp/confirm"): {"code": "000000"},
    ("PUT", "/api/v1/categories/{code}"): {
        "group": "other",
        "priority": 3,
        "agencies": [],
        "name": {"ru": "Тест", "kk": "Тест", "en": "Test"},
    },
    ("POST", "/api/v1/appeals"): {
        "caller_phone": "+77011234567",
        "text": "Шум",
        "category_code": "noise",
        "lat": 42.5,
        "lon": 1.52,
    },
    ("POST", "/api/v1/appeals/duplicates"): {"lat": 42.5, "lon": 1.52, "category_code": "noise"},
    ("POST", "/api/v1/units"): {"call_sign": "Matrix-1", "type": "patrol_car", "district": "central"},
}

# Logging out ends the session that the rest of the row needs, so it goes last.
ORDER = sorted(EXPECTED, key=lambda key: key == ("POST", "/api/v1/auth/logout"))


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    return {(method, route.path) for route in api_routes(app.routes) for method in route.methods}


def test_matrix_covers_every_route(services: Services) -> None:
    assert app_routes(create_app(services.settings, services=services)) == set(EXPECTED)


def test_a_route_without_a_permission_stops_the_app(services: Services) -> None:
    app = create_app(services.settings, services=services)
    stray = APIRouter()

    @stray.get("/api/v1/stray")
    def _stray() -> dict[str, str]:
        return {}

    app.include_router(stray)
    with pytest.raises(UndeclaredPermission, match="/api/v1/stray"):
        check_permissions_declared(app)


def call(
    client: httpx.Client, key: tuple[str, str], headers: dict[str, str], target_id: int
) -> httpx.Response:
    """Call the route: user routes get a real user, other ids a missing one (so 404 when allowed)."""
    method, path = key
    path = path.replace("{code}", "matrix_test").replace("{user_id}", str(target_id))
    path = path.replace("/partners/matrix_test", "/partners/nobody")
    path = re.sub(r"\{\w+_id\}", "999999", path)
    if key == ("GET", "/api/v1/live"):  # a stream: the status line is enough
        with client.stream(method, path, headers=headers) as response:
            return response
    return client.request(method, path, json=BODIES.get(key), headers=headers)


def refusals(services: Services) -> int:
    refused = audit_log.c.action.in_(
        ["access.refused", "partner.refused", "agency.refused", "cctv_source.refused"]
    )
    with services.engine.connect() as connection:
        return len(connection.execute(audit_log.select().where(refused)).all())


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_exactly_its_endpoints(
    role: Role, server: LiveServer, http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    target = make_user("target", Role.CALL_TAKER, "central")
    _, headers = logged_in(
        http,
        services,
        make_user,
        f"who-{role.value}",
        role,
        None if role in {Role.ADMIN, Role.SUPERVISOR} else "central",
    )
    wrong: list[str] = []
    for key in ORDER:
        allowed = EXPECTED[key]
        if allowed is PUBLIC:
            continue
        before = refusals(services)
        response = call(http, key, headers, target.id)
        if allowed is PARTNER_KEY:
            if response.status_code != 401:
                wrong.append(f"{key} let a staff token through: {response.status_code}")
        elif role in allowed:
            if response.status_code in (401, 403):
                wrong.append(f"{key} refused {role}: {response.status_code} {response.text}")
        else:
            if response.status_code != 403:
                wrong.append(f"{key} let {role} through: {response.status_code}")
            elif refusals(services) != before + 1:
                wrong.append(f"{key} refusal of {role} was not audited")
    assert not wrong, "\n".join(wrong)


def test_every_protected_endpoint_refuses_an_anonymous_caller(http: httpx.Client, services: Services) -> None:
    for key, allowed in EXPECTED.items():
        before = refusals(services)
        response = call(http, key, {}, 1)
        if allowed is PUBLIC:
            assert response.status_code not in (401, 403), key
            continue
        assert response.status_code == 401, key
        assert response.headers["content-type"] == "application/problem+json"
        scheme = "KUZET-HMAC-SHA256" if allowed is PARTNER_KEY else "Bearer"
        assert response.headers["www-authenticate"] == scheme
        assert refusals(services) == before + 1, key


def test_a_forged_token_is_refused(http: httpx.Client) -> None:
    response = http.get("/api/v1/auth/me", headers={"Authorization": "Bearer not-a-real-token"})
    assert response.status_code == 401
    assert response.json()["type"] == "urn:kuzet:problem:unauthenticated"
