"""The region's geography over HTTP: address search and reverse geocoding for the call-taker, the district
map that places every incident, and what road map the server uses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kuzet.container import Services
from kuzet.geo.districts import grid_districts
from kuzet.geo.runtime import Roads
from tests.ops import FAR_AWAY, PLAZA, Centre
from tests.partners.fixtures import App

REGION = (1.40, 42.42, 1.80, 42.66)


def district_map() -> dict[str, Any]:
    return grid_districts(REGION, 2, 2, ["North West", "North East", "South West", "South East"])


def test_a_call_taker_finds_a_real_address_by_what_the_caller_says(
    centre: Centre, services: Services, andorra_gazetteer: None
) -> None:
    gazetteer = services.geo.gazetteer
    assert gazetteer is not None
    street, number, _ = next(a for a in gazetteer.addresses if a[1].isdigit() and len(a[0]) > 8)
    typed = f"{street.lower()} {number}"
    found = centre.call_taker.ok(centre.call_taker.get("/api/v1/geo/search", q=typed, limit=5))
    assert found and found[0]["kind"] == "address"
    assert street in found[0]["label"] and number in found[0]["label"]
    back = centre.call_taker.ok(
        centre.call_taker.get("/api/v1/geo/reverse", lat=found[0]["lat"], lon=found[0]["lon"])
    )
    assert back["label"] == found[0]["label"] and back["distance_m"] < 1


def test_reverse_geocoding_far_from_any_address_is_a_404(centre: Centre, andorra_gazetteer: None) -> None:
    response = centre.call_taker.get("/api/v1/geo/reverse", lat=43.5, lon=1.0)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_an_admin_loads_districts_and_incidents_take_the_district_of_their_place(
    centre: Centre, services: Services, kaspi: App
) -> None:
    loaded = centre.admin.ok(centre.admin.put("/api/v1/geo/districts", district_map()))
    codes = sorted(f["properties"]["code"] for f in loaded["features"])
    assert codes == ["north-east", "north-west", "south-east", "south-west"]
    assert centre.analyst.ok(centre.analyst.get("/api/v1/geo/districts")) == loaded
    plaza = centre.supervisor.call()["incident"]
    far = centre.supervisor.call(at=FAR_AWAY)["incident"]
    expected = services.geo.districts
    assert expected is not None
    assert plaza["district"] == expected.locate(*PLAZA)
    assert far["district"] == expected.locate(*FAR_AWAY)
    answer = kaspi.client.send_appeal(kaspi.appeal(), idempotency_key="geo-district-1").json()
    appeal = centre.supervisor.ok(centre.supervisor.get(f"/api/v1/appeals/{answer['id']}"))
    incident = centre.supervisor.ok(centre.supervisor.get(f"/api/v1/incidents/{appeal['incident_id']}"))
    assert incident["incident"]["district"] == expected.locate(*PLAZA)
    centre.supervisor.unit("Беркут-9")
    fix = {
        "call_sign": "Беркут-9",
        "at": datetime.now(UTC).isoformat(),
        "lat": FAR_AWAY[0],
        "lon": FAR_AWAY[1],
    }
    centre.supervisor.ok(centre.supervisor.post("/api/v1/units/positions", {"fixes": [fix]}))
    [seen] = centre.supervisor.ok(centre.supervisor.get("/api/v1/units/positions"))
    assert seen["district"] == "central" and seen["district_now"] == expected.locate(*FAR_AWAY)


def test_a_bad_district_map_is_refused_naming_the_field_and_the_old_one_stays(centre: Centre) -> None:
    centre.admin.ok(centre.admin.put("/api/v1/geo/districts", district_map()))
    broken = district_map()
    del broken["features"][2]["properties"]["code"]
    response = centre.admin.put("/api/v1/geo/districts", broken)
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == ["/features/2/properties/code"]
    assert len(centre.admin.ok(centre.admin.get("/api/v1/geo/districts"))["features"]) == 4


def test_the_road_map_in_use_is_reported_with_its_attribution(centre: Centre, andorra_roads: Roads) -> None:
    roads = centre.dispatcher.ok(centre.dispatcher.get("/api/v1/geo/roads"))
    assert roads["loaded"] is True and roads["nodes"] == andorra_roads.graph.node_count
    assert roads["source"] == "andorra.osm.pbf" and "OpenStreetMap" in roads["attribution"]


def test_a_call_at_a_point_in_another_district_becomes_that_districts_incident(
    centre: Centre, services: Services
) -> None:
    centre.admin.ok(centre.admin.put("/api/v1/geo/districts", district_map()))
    districts = services.geo.districts
    assert districts is not None
    there = districts.locate(*FAR_AWAY)
    assert there is not None and there != "central"  # the call-taker works for "central"
    # The call form shows the district of the point before the call is registered.
    taker = centre.call_taker
    lat, lon = FAR_AWAY
    assert taker.ok(taker.get("/api/v1/geo/district", lat=lat, lon=lon)) == {"district": there}
    assert taker.call(at=FAR_AWAY)["incident"]["district"] == there
    assert taker.ok(taker.get("/api/v1/geo/district", lat=43.5, lon=1.0)) == {"district": None}


def test_address_suggestions_name_their_district_and_rank_the_operators_first(
    centre: Centre, andorra_gazetteer: None
) -> None:
    # «Carrer Major» is a street in many towns: the same number matches equally well in each.
    centre.admin.ok(centre.admin.put("/api/v1/geo/districts", district_map()))
    taker = centre.call_taker

    for home in ("north-east", "south-west", "north-west"):
        found = taker.ok(taker.get("/api/v1/geo/search", q="Carrer Major 3", limit=5, district=home))
        assert found[0]["district"] == home, found
        assert found[0]["label"].startswith("Carrer Major 3")
    others = taker.ok(taker.get("/api/v1/geo/search", q="Carrer Major 3", limit=5, district="north-east"))[1:]
    assert {f["district"] for f in others} >= {"north-west"}
