"""The analyst's scope: region-wide (every district, imported data, no second factor forced), or tied to
several districts (their union, any other refused); an empty answer says why, in the caller's language."""

from __future__ import annotations

from typing import Any

import httpx

from kuzet.analytics.service import Analytics
from kuzet.container import Services
from kuzet.core.audit.store import audit_log
from kuzet.core.auth.domain import Role
from tests.analytics import dataset
from tests.analytics.test_api import work
from tests.conftest import PASSWORD, MakeUser, bearer, login, run_cli
from tests.ops import Centre

REPORT = "/api/v1/analytics/report"
ANALYST = {"password": PASSWORD, "role": "analyst", "full_name": "Дана Омарова"}


def analyst_of(centre: Centre, username: str, *districts: str) -> dict[str, str]:
    """An analyst the administrator creates through the API, tied to these districts; logged in."""
    admin = centre.admin
    body: dict[str, Any] = {**ANALYST, "username": username}
    if districts:
        body |= {"district": districts[0], "also_districts": list(districts[1:])}
    created = admin.ok(admin.post("/api/v1/users", body), 201)
    assert created["districts"] == list(districts)
    return bearer(login(admin.http, username))


def get(http: httpx.Client, headers: dict[str, str], path: str, **params: str) -> httpx.Response:
    return http.get(path, params=params, headers={**headers, "Accept-Language": "en"})


def test_an_analyst_of_two_districts_sees_both_and_is_refused_a_third(
    centre: Centre, analytics: Analytics, services: Services
) -> None:
    for call_sign, district in (("Беркут-1", "central"), ("Беркут-2", "north"), ("Беркут-3", "south")):
        work(centre, call_sign, 6, district=district)
    headers = analyst_of(centre, "two-districts", "central", "north")
    http = centre.admin.http
    body = get(http, headers, "/api/v1/analytics/counts", group_by="district").json()
    assert {r["group"]["district"]: r["count"] for r in body["rows"]} == {"central": 1, "north": 1}
    assert body["total"] == 2 and body["explanation"] is None
    one = get(http, headers, "/api/v1/analytics/intervals", district="north").json()
    assert one["data_quality"]["incidents"] == 1
    assert get(http, headers, "/api/v1/analytics/counts", district="south").status_code == 403
    assert get(http, headers, "/api/v1/analytics/intervals", district="north,south").status_code == 403
    with services.engine.connect() as connection:
        refused = connection.execute(audit_log.select().where(audit_log.c.action == "analytics.read")).all()
    assert [(r.actor, r.outcome) for r in refused] == [("two-districts", "denied")] * 2


def test_only_an_analyst_may_have_several_districts(centre: Centre) -> None:
    admin = centre.admin
    body = {**ANALYST, "username": "disp-two", "role": "dispatcher", "district": "central"}
    refused = admin.post("/api/v1/users", {**body, "also_districts": ["north"]})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "single_district"
    moving = {**ANALYST, "username": "moving", "district": "central"}
    analyst = admin.ok(admin.post("/api/v1/users", moving), 201)
    moved = admin.ok(admin.put(f"/api/v1/users/{analyst['id']}/districts", {"districts": ["south", "north"]}))
    assert (moved["district"], moved["districts"]) == ("south", ["south", "north"])
    region = admin.ok(admin.put(f"/api/v1/users/{analyst['id']}/districts", {"districts": []}))
    assert (region["district"], region["districts"]) == (None, [])


def test_a_region_wide_analyst_logs_in_without_a_second_factor_and_reads_imported_data(
    centre: Centre, analytics: Analytics, services: Services, make_user: MakeUser
) -> None:
    assert "analyst" not in services.settings.totp_required_roles
    dataset.load_imported(services)
    work(centre, "Беркут-1", 6, district="north")
    make_user("region-analyst", Role.ANALYST, None)
    response = centre.admin.http.post(
        "/api/v1/auth/login", json={"username": "region-analyst", "password": PASSWORD}
    )
    assert response.status_code == 200 and response.json()["second_factor_pending"] is False
    headers = bearer(response.json()["token"])
    http = centre.admin.http
    imported = get(http, headers, "/api/v1/analytics/counts", origin="imported", group_by="district").json()
    assert [(r["group"]["district"], r["count"]) for r in imported["rows"]] == [("central", 1)]
    assert imported["selection"]["filters"] == {}
    live = get(http, headers, "/api/v1/analytics/counts", origin="live").json()
    assert live["total"] == 1


def test_an_empty_live_answer_says_that_imported_incidents_match(
    centre: Centre, analytics: Analytics, services: Services
) -> None:
    dataset.load_imported(services)  # one imported incident, of the central district
    headers = analyst_of(centre, "region-wide")
    http = centre.admin.http
    counts = get(http, headers, "/api/v1/analytics/counts").json()
    assert counts["total"] == 0
    assert counts["explanation"] == (
        "Nothing found among live data. 1 imported incident matches: add origin=imported."
    )
    intervals = get(http, headers, "/api/v1/analytics/intervals").json()
    assert intervals["data_quality"]["incidents"] == 0
    assert intervals["explanation"] == counts["explanation"]
    russian = http.get("/api/v1/analytics/counts", headers={**headers, "Accept-Language": "ru"}).json()
    assert russian["explanation"] == (
        "В оперативных данных ничего не найдено. "
        "Подходит 1 импортированное происшествие: добавьте origin=imported."
    )
    found = get(http, headers, "/api/v1/analytics/counts", origin="imported").json()
    assert (found["total"], found["explanation"]) == (1, None)


def test_an_empty_answer_names_the_callers_districts_without_counting_others(
    centre: Centre, analytics: Analytics, services: Services
) -> None:
    dataset.load_imported(services)  # of the central district: outside this analyst's scope
    work(centre, "Беркут-1", 6, district="central")
    headers = analyst_of(centre, "outskirts", "north", "south")
    body = get(centre.admin.http, headers, "/api/v1/analytics/counts").json()
    assert body["total"] == 0
    assert body["explanation"] == (
        "Nothing found among live data. No live or imported data matches these dates and filters. "
        "Your scope is the districts north, south; other districts are not counted."
    )


def test_the_command_line_ties_an_analyst_to_several_districts(services: Services) -> None:
    added = run_cli(
        services, "user", "add", "cli-analyst", "--role", "analyst", "--full-name", "Дана Омарова",
        "--district", "central", "--district", "north", "--password", PASSWORD,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    changed = run_cli(services, "user", "set", "cli-analyst", "--district", "south", "--district", "east")
    assert changed.returncode == 0, changed.stderr
    assert "cli-analyst: south, east" in changed.stdout
    dispatcher = run_cli(
        services, "user", "add", "cli-disp", "--role", "dispatcher", "--full-name", "Серик Ахметов",
        "--district", "central", "--district", "north", "--password", PASSWORD,
    )  # fmt: skip
    assert dispatcher.returncode != 0
    assert "Only an analyst may be tied to several districts." in dispatcher.stderr + dispatcher.stdout


def test_an_analyst_of_two_districts_chooses_one_for_a_report_and_lists_both_districts_staff(
    centre: Centre, analytics: Analytics, make_user: MakeUser
) -> None:
    make_user("north-disp", Role.DISPATCHER, "north")
    make_user("south-disp", Role.DISPATCHER, "south")
    headers = analyst_of(centre, "two-districts", "central", "north")
    http = centre.admin.http
    period = {"from": "2026-03-01", "to": "2026-03-31"}
    both = get(http, headers, REPORT, **period)
    assert both.status_code == 422
    (error,) = both.json()["errors"]
    assert (error["field"], error["reason"]) == ("district", "Choose one of your districts: central, north.")
    assert get(http, headers, REPORT, **period, district="north").status_code == 200
    assert get(http, headers, REPORT, **period, district="south").status_code == 403
    listed = {u["username"] for u in get(http, headers, "/api/v1/users").json()}
    assert "north-disp" in listed and "south-disp" not in listed
