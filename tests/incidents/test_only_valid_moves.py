"""Only valid actions are offered: the card lists the statuses a dispatcher may set by hand now (none while
units work the incident), every one of them is accepted, and a refused move names the statuses in the
operator's language, never as codes. The console's own tables of unit and assignment moves match the
server's state machines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kuzet.core.i18n import translate
from kuzet.dispatch.domain import ACTIVE, ASSIGNMENT_TRANSITIONS, AssignmentStatus
from kuzet.incidents.domain import UNIT_DRIVEN
from kuzet.units.domain import ASSIGNMENT_STATUSES, MANUAL_STATUSES, UNIT_TRANSITIONS, UnitStatus
from tests.ops import Centre

DOMAIN_JS = Path(__file__).resolve().parents[2] / "web" / "src" / "core" / "domain.js"


def test_the_card_offers_only_moves_the_server_accepts(centre: Centre) -> None:
    d = centre.dispatcher
    incident = centre.call_taker.call()["incident"]
    url = f"/api/v1/incidents/{incident['id']}"
    moves = d.ok(d.get(url))["moves"]
    assert moves and not set(moves) & {s.value for s in UNIT_DRIVEN}

    unit = centre.supervisor.unit("Беркут-31")
    d.ok(d.post(f"{url}/assignments", {"unit_id": unit["id"]}), 201)
    assert d.ok(d.get(url))["moves"] == []  # units at work: they clear first
    for refused in ("queued", "cancelled", "transferred"):
        assert d.post(f"{url}/status", {"status": refused, "disposition": "other"}).status_code in (409, 422)

    other = centre.call_taker.call(at=(42.51, 1.53))["incident"]
    other_url = f"/api/v1/incidents/{other['id']}"
    for to in d.ok(d.get(other_url))["moves"]:
        body = {"status": to, "disposition": "other"} if to in ("cancelled", "closed") else {"status": to}
        if to == "transferred":
            body["disposition"] = "handed_to_agency"
        fresh = centre.call_taker.call(at=(42.51, 1.53 + 0.001 * len(to)), category_code="noise")["incident"]
        assert d.ok(d.post(f"/api/v1/incidents/{fresh['id']}/status", body))["status"] == to


@pytest.mark.parametrize("locale", ["ru", "kk", "en"])
def test_a_refused_move_names_the_statuses_in_the_operators_language(centre: Centre, locale: str) -> None:
    d = centre.dispatcher
    incident = centre.call_taker.call(category_code="noise")["incident"]
    url = f"/api/v1/incidents/{incident['id']}/status"
    d.ok(d.post(url, {"status": "closed", "disposition": "other"}))

    refused = d.http.post(url, json={"status": "queued"}, headers={**d.headers, "Accept-Language": locale})

    assert refused.status_code == 409
    problem = refused.json()
    assert translate("Closed", locale) in problem["detail"]
    assert translate("Queued", locale) in problem["detail"]
    assert not re.search(r"\b(closed|queued)\b", problem["detail"]), problem["detail"]
    assert (problem["current_status"], problem["requested_status"]) == ("closed", "queued")


def js_table(name: str) -> dict[str, set[str]]:
    """A `const NAME = { status: ['a', 'b'], ... }` table of web/src/core/domain.js."""
    body = re.search(rf"const {name} = \{{(.*?)\}};", DOMAIN_JS.read_text(), re.S)
    assert body, name
    rows = re.findall(r"(\w+): \[([^\]]*)\]", body[1])
    return {key: set(re.findall(r"'(\w+)'", values)) for key, values in rows}


def test_the_consoles_unit_moves_are_the_servers() -> None:
    server = {
        s.value: {t.value for t in UNIT_TRANSITIONS[s] & MANUAL_STATUSES}
        for s in UnitStatus
        if s not in ASSIGNMENT_STATUSES
    }
    offered = js_table("UNIT_HAND_MOVES")
    for status, moves in server.items():
        assert offered.get(status, set()) == moves, status


def test_the_consoles_assignment_moves_are_the_servers() -> None:
    server = {
        s.value: {t.value for t in ASSIGNMENT_TRANSITIONS[s] if t is not AssignmentStatus.CANCELLED}
        for s in AssignmentStatus
        if s in ACTIVE
    }
    assert js_table("ASSIGNMENT_MOVES") == server
