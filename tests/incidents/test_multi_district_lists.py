"""An analyst tied to several districts reads the lists of all of them: the queue, the search, the recently
closed, the overdue timers and the unit roster hold central and north, never south; a district asked for
outside them is refused as before, and single-district and region-wide readers see what they saw."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from kuzet.container import Services
from kuzet.core.actor import Actor, ActorKind
from kuzet.core.district_scope import chosen_districts
from kuzet.incidents import queries, search
from kuzet.units.store import UnitRepository
from tests.conftest import PASSWORD, bearer, login
from tests.ops import FAR_AWAY, NEAR_PLAZA, PLAZA, Centre, Desk

SEARCH = "/api/v1/incidents/search"
RECENTLY_CLOSED = "/api/v1/incidents/recently-closed"
MINE = ("central", "north")
WHERE = {"central": PLAZA, "north": NEAR_PLAZA, "south": FAR_AWAY}


def analyst_of(centre: Centre, username: str, *districts: str) -> Desk:
    """An analyst the administrator ties to these districts through the API; logged in."""
    admin = centre.admin
    body: dict[str, Any] = {
        "username": username,
        "password": PASSWORD,
        "role": "analyst",
        "full_name": "Дана Омарова",
        "district": districts[0],
        "also_districts": list(districts[1:]),
    }
    created = admin.ok(admin.post("/api/v1/users", body), 201)
    assert created["districts"] == list(districts)
    return Desk(admin.http, bearer(login(admin.http, username)))


def incidents_in_three_districts(centre: Centre) -> dict[str, dict[str, dict[str, Any]]]:
    """In each of central, north and south: an open fight and a closed noise complaint (by the supervisor)."""
    sup = centre.supervisor
    made: dict[str, dict[str, dict[str, Any]]] = {}
    for district, at in WHERE.items():
        fight = sup.call(district=district, at=at, text=f"Драка, район {district}")["incident"]
        noise = sup.call(
            district=district, at=at, category_code="noise", text=f"Драка за стеной, район {district}"
        )["incident"]
        body = {"status": "closed", "disposition": "resolved_by_phone"}
        noise = sup.ok(sup.post(f"/api/v1/incidents/{noise['id']}/status", body))
        made[district] = {"open": fight, "closed": noise}
    return made


def numbers(
    made: dict[str, dict[str, dict[str, Any]]], which: tuple[str, ...], districts: tuple[str, ...]
) -> set[str]:
    return {made[d][w]["number"] for d in districts for w in which}


def seen(items: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """The numbers and the districts of the incidents a list holds."""
    return {i["number"] for i in items}, {i["district"] for i in items}


def test_the_queue_holds_the_open_incidents_of_every_district_of_the_analyst(centre: Centre) -> None:
    made = incidents_in_three_districts(centre)
    analyst = analyst_of(centre, "an-two", *MINE)
    assert seen(analyst.ok(analyst.get("/api/v1/incidents"))) == (numbers(made, ("open",), MINE), set(MINE))
    # A district dispatcher still sees its own district only; the region-wide supervisor every one.
    dispatcher, sup = centre.dispatcher, centre.supervisor
    assert seen(dispatcher.ok(dispatcher.get("/api/v1/incidents")))[1] == {"central"}
    assert seen(sup.ok(sup.get("/api/v1/incidents")))[1] == set(WHERE)


def test_search_finds_in_every_district_of_the_analyst_and_refuses_another(centre: Centre) -> None:
    made = incidents_in_three_districts(centre)
    analyst = analyst_of(centre, "an-two", *MINE)
    both = analyst.ok(analyst.get(SEARCH, q="драка"))["items"]
    assert seen(both) == (numbers(made, ("open", "closed"), MINE), set(MINE))
    # One of them asked for: that one only.
    north = analyst.ok(analyst.get(SEARCH, q="драка", district="north"))["items"]
    assert seen(north) == (numbers(made, ("open", "closed"), ("north",)), {"north"})
    # Another district asked for: refused, naming the field, as for a single-district reader.
    refused = analyst.get(SEARCH, q="драка", district="south")
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [("district", "out_of_scope")]
    dispatcher = centre.dispatcher
    assert seen(dispatcher.ok(dispatcher.get(SEARCH, q="драка"))["items"])[1] == {"central"}
    assert dispatcher.get(SEARCH, q="драка", district="north").status_code == 422


def test_recently_closed_holds_the_closings_of_every_district_of_the_analyst(centre: Centre) -> None:
    made = incidents_in_three_districts(centre)
    analyst = analyst_of(centre, "an-two", *MINE)
    closed = analyst.ok(analyst.get(RECENTLY_CLOSED))
    assert seen(closed) == (numbers(made, ("closed",), MINE), set(MINE))
    assert all(i["status"] == "closed" for i in closed)
    sup = centre.supervisor
    assert seen(sup.ok(sup.get(RECENTLY_CLOSED)))[0] == numbers(made, ("closed",), tuple(WHERE))


def test_the_roster_holds_the_units_of_every_district_of_the_analyst(centre: Centre) -> None:
    for district in WHERE:
        for n in (1, 2):
            centre.supervisor.unit(f"Беркут-{district}-{n}", district=district, on_duty=n == 1)
    analyst = analyst_of(centre, "an-two", *MINE)
    board = analyst.ok(analyst.get("/api/v1/units"))
    assert {u["call_sign"] for u in board} == {f"Беркут-{d}-{n}" for d in MINE for n in (1, 2)}
    assert {u["district"] for u in board} == set(MINE)
    dispatcher = centre.dispatcher
    assert {u["district"] for u in dispatcher.ok(dispatcher.get("/api/v1/units"))} == {"central"}


def test_overdue_timers_and_incidents_by_id_cover_every_district_of_the_actor(
    centre: Centre, services: Services
) -> None:
    made = incidents_in_three_districts(centre)
    analyst = Actor(ActorKind.USER, "an-two", role="analyst", district="central", also_districts=("north",))
    at_once = {priority: timedelta(0) for priority in (1, 2, 3, 4)}
    late = queries.overdue(
        services.uow(),
        now=services.clock.now() + timedelta(minutes=1),
        dispatch_within=at_once,
        arrive_within=at_once,
        by=analyst,
    )
    assert {o.incident.number for o in late} == numbers(made, ("open",), MINE)
    every = sorted(made[d][w]["id"] for d in WHERE for w in ("open", "closed"))
    with services.uow() as uow:
        by_id = search.in_scope_step(uow, every, analyst)
    assert {i.district for i in by_id.values()} == set(MINE) and len(by_id) == 4


def test_a_repository_is_given_one_district_or_several_never_a_bare_string_or_both(
    centre: Centre, services: Services
) -> None:
    for district in WHERE:
        centre.supervisor.unit(f"Сункар-{district}", district=district)
    with services.uow() as uow:
        repo = uow.repo(UnitRepository)
        assert {u.district for u in repo.roster(district="south")} == {"south"}
        assert {u.district for u in repo.roster(districts=["south", "north"])} == {"south", "north"}
        assert {u.district for u in repo.roster(districts=[])} == set(WHERE)
        assert {u.district for u in repo.roster()} == set(WHERE)
    assert chosen_districts(districts=["north", "central", "north"]) == ("north", "central")
    with pytest.raises(TypeError):
        chosen_districts(districts="north")
    with pytest.raises(ValueError):
        chosen_districts("north", ["central"])
