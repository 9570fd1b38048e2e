"""An appeal without a point: the server places it from the typed address when the gazetteer is sure, and an
incident that stays without a place is overdue from its first second."""

from __future__ import annotations

from typing import Any

import pytest

from kuzet.container import Services
from kuzet.geo.runtime import Roads
from tests.ops import Centre

pytestmark = pytest.mark.usefixtures("andorra_gazetteer")


def overdue(centre: Centre) -> list[Any]:
    return list(centre.supervisor.ok(centre.supervisor.get("/api/v1/incidents/overdue")))


def test_a_clear_address_places_the_incident(centre: Centre, services: Services) -> None:
    gazetteer = services.geo.gazetteer
    assert gazetteer is not None
    expected = gazetteer.confident("Carrer de la Unió")
    assert expected is not None and expected.label == "Carrer de la Unió, les Escaldes"
    registration = centre.call_taker.call(at=(None, None), address="Carrer de la Unió")
    incident = registration["incident"]
    assert registration["placed_by_address"] == expected.label
    assert (incident["lat"], incident["lon"]) == (expected.lat, expected.lon)
    assert incident["address"] == "Carrer de la Unió"  # what the call-taker typed is kept


@pytest.mark.parametrize(
    "address",
    [
        "где-то у рынка",  # nothing like it
        "Avinguda Meritxell",  # two streets of this name, in Andorra la Vella and in les Escaldes
    ],
)
def test_an_unclear_address_leaves_the_place_to_the_operator(centre: Centre, address: str) -> None:
    registration = centre.call_taker.call(at=(None, None), address=address)
    assert registration["placed_by_address"] is None and registration["incident"]["lat"] is None


def test_a_point_sent_is_never_replaced_by_the_address(centre: Centre) -> None:
    registration = centre.call_taker.call(at=(42.5, 1.52), address="Carrer de la Unió")
    assert registration["placed_by_address"] is None
    assert (registration["incident"]["lat"], registration["incident"]["lon"]) == (42.5, 1.52)


def test_an_incident_without_a_place_is_overdue_at_once_until_it_gets_one(
    centre: Centre, andorra_roads: Roads
) -> None:
    placeless = centre.call_taker.call(at=(None, None), address="где-то у рынка")["incident"]
    placed = centre.call_taker.call()["incident"]
    late = {
        o["incident"]["id"]: o
        for o in centre.supervisor.ok(centre.supervisor.get("/api/v1/incidents/overdue"))
    }
    assert late[placeless["id"]]["breach"] == "no_place" and late[placeless["id"]]["threshold_seconds"] == 0
    assert placed["id"] not in late
    d = centre.dispatcher
    d.ok(d.post(f"/api/v1/incidents/{placeless['id']}/location", {"lat": 42.5078, "lon": 1.5211}))
    late = {
        o["incident"]["id"] for o in centre.supervisor.ok(centre.supervisor.get("/api/v1/incidents/overdue"))
    }
    assert placeless["id"] not in late
