"""Camera alerts and the duplicate rule, over real HTTP: a watch-list hit joins the open incident of the same
category that a 102 call opened near the camera, within the rule's radius and time window (the settings the
102 duplicate suggestions use), and opens a new incident when the incident lies just outside either, is of
another category, or is closed."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kuzet.container import Services
from kuzet.incidents.rules import EARTH_RADIUS_M, distance_m
from kuzet.incidents.store import incidents
from tests.cctv.test_plate_hits import count
from tests.cctv.test_plate_hits_fixtures import (
    AddCamera,
    Source,
    WatchPlate,
    add_camera,
    source,
    watch,
)
from tests.ops import PLAZA, Centre

__all__ = ["add_camera", "source", "watch"]

# How far past a boundary "just inside" and "just outside" lie: test margins, not settings of the rule.
JUST_M = 5.0
JUST = timedelta(minutes=1)
# Diagonal, so that a point just outside the radius still lies in the database's pre-filter box around the
# camera: the rule's own distance check is what leaves it out.
BEARING_DEG = 45.0


@dataclass(frozen=True)
class Rule:
    """The duplicate rule as the running server reads it from the settings."""

    radius_m: float
    window: timedelta
    category: str  # what a watch-list hit is filed as


@pytest.fixture
def rule(services: Services) -> Rule:
    s = services.settings
    return Rule(s.duplicate_radius_m, timedelta(minutes=s.duplicate_window_minutes), s.cctv_plate_category)


def away(origin: tuple[float, float], metres: float, bearing_deg: float = BEARING_DEG) -> tuple[float, float]:
    """The point this many metres from the origin on this bearing (on the sphere the rule measures on)."""
    lat1, lon1 = math.radians(origin[0]), math.radians(origin[1])
    angle, bearing = metres / EARTH_RADIUS_M, math.radians(bearing_deg)
    lat2 = math.asin(math.sin(lat1) * math.cos(angle) + math.cos(lat1) * math.sin(angle) * math.cos(bearing))
    lon2 = lon1 + math.atan2(
        math.sin(bearing) * math.sin(angle) * math.cos(lat1),
        math.cos(angle) - math.sin(lat1) * math.sin(lat2),
    )
    point = (math.degrees(lat2), math.degrees(lon2))
    assert abs(distance_m(*origin, *point) - metres) < 0.01
    return point


def call_102(
    centre: Centre, *, at: tuple[float, float], category: str, ago: timedelta = timedelta(0)
) -> dict[str, Any]:
    """A 102 call taken at this place, answered this long ago; returns the incident it opened."""
    received = datetime.now(UTC) - ago
    done = centre.call_taker.call(
        at=at,
        category_code=category,
        text="Угнали машину со стоянки, белая Toyota Camry",
        received_at=received.isoformat(),
    )
    assert done["new_incident"] is True
    incident: dict[str, Any] = done["incident"]
    return incident


def card(centre: Centre, incident_id: int) -> Any:
    return centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{incident_id}"))


def hit(source: Source) -> dict[str, Any]:
    """The watched plate read by CAM-PLAZA now."""
    response = source.event()
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    assert answer["outcome"] == "watchlist_hit"
    return answer


def suggested_by_102(centre: Centre, category: str) -> list[int]:
    """The open incidents of this category the 102 rule suggests to a call-taker at the camera's place."""
    desk = centre.call_taker
    found = desk.ok(
        desk.post("/api/v1/appeals/duplicates", {"lat": PLAZA[0], "lon": PLAZA[1], "category_code": category})
    )
    return [s["incident"]["id"] for s in found if s["same_category"]]


def assert_joined(centre: Centre, services: Services, answer: dict[str, Any], incident_id: int) -> None:
    """The hit's appeal is on that incident, no incident was opened, and its timeline says so."""
    assert answer["linked_to_open_incident"] is True
    assert answer["incident"]["id"] == incident_id
    assert count(services, incidents) == 1
    appeal = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/appeals/{answer['appeal']['id']}"))
    assert (appeal["channel"], appeal["incident_id"]) == ("camera", incident_id)
    shown = card(centre, incident_id)
    assert sorted(a["channel"] for a in shown["appeals"]) == ["camera", "phone_102"]
    joined = [
        e
        for e in shown["timeline"]
        if e["kind"] == "appeal_linked" and e["data"]["appeal_id"] == answer["appeal"]["id"]
    ]
    assert len(joined) == 1, shown["timeline"]
    assert joined[0]["data"]["channel"] == "camera"
    assert joined[0]["data"]["appeal_number"] == answer["appeal"]["number"]
    assert joined[0]["actor"] == "cctv:plates_akimat"
    assert suggested_by_102(centre, shown["incident"]["category_code"]) == [
        incident_id
    ]  # the 102 rule agrees


def assert_new(centre: Centre, services: Services, answer: dict[str, Any], incident_id: int) -> None:
    """The hit opened an incident of its own and left the nearby one as it was."""
    assert answer["linked_to_open_incident"] is False
    assert answer["incident"]["id"] != incident_id
    assert count(services, incidents) == 2
    appeal = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/appeals/{answer['appeal']['id']}"))
    assert (appeal["channel"], appeal["incident_id"]) == ("camera", answer["incident"]["id"])
    shown = card(centre, incident_id)
    assert [a["channel"] for a in shown["appeals"]] == ["phone_102"]
    filed_as = card(centre, answer["incident"]["id"])["incident"]["category_code"]
    assert incident_id not in suggested_by_102(centre, filed_as)


def test_a_hit_just_inside_the_radius_joins_the_open_incident_and_the_timeline_says_so(
    centre: Centre, services: Services, source: Source, add_camera: AddCamera, watch: WatchPlate, rule: Rule
) -> None:
    add_camera("CAM-PLAZA")
    watch("123ABC02")
    incident = call_102(centre, at=away(PLAZA, rule.radius_m - JUST_M), category=rule.category)
    assert_joined(centre, services, hit(source), incident["id"])


def test_a_hit_just_outside_the_radius_opens_a_new_incident(
    centre: Centre, services: Services, source: Source, add_camera: AddCamera, watch: WatchPlate, rule: Rule
) -> None:
    add_camera("CAM-PLAZA")
    watch("123ABC02")
    incident = call_102(centre, at=away(PLAZA, rule.radius_m + JUST_M), category=rule.category)
    assert_new(centre, services, hit(source), incident["id"])


def test_a_hit_just_inside_the_time_window_joins_the_open_incident(
    centre: Centre, services: Services, source: Source, add_camera: AddCamera, watch: WatchPlate, rule: Rule
) -> None:
    add_camera("CAM-PLAZA")
    watch("123ABC02")
    incident = call_102(centre, at=away(PLAZA, 20.0), category=rule.category, ago=rule.window - JUST)
    assert_joined(centre, services, hit(source), incident["id"])


def test_a_hit_just_after_the_time_window_opens_a_new_incident(
    centre: Centre, services: Services, source: Source, add_camera: AddCamera, watch: WatchPlate, rule: Rule
) -> None:
    add_camera("CAM-PLAZA")
    watch("123ABC02")
    incident = call_102(centre, at=away(PLAZA, 20.0), category=rule.category, ago=rule.window + JUST)
    assert_new(centre, services, hit(source), incident["id"])


def kin_of(centre: Centre, code: str) -> str:
    """Another active category of the same group: one the 102 rule still suggests, as a different event."""
    catalogue = centre.dispatcher.ok(centre.dispatcher.get("/api/v1/categories"))
    group = next(c["group"] for c in catalogue if c["code"] == code)
    return str(
        next(c["code"] for c in catalogue if c["group"] == group and c["code"] != code and c["active"])
    )


def test_a_hit_near_an_open_incident_of_another_category_opens_a_new_incident(
    centre: Centre, services: Services, source: Source, add_camera: AddCamera, watch: WatchPlate, rule: Rule
) -> None:
    add_camera("CAM-PLAZA")
    watch("123ABC02")
    incident = call_102(centre, at=away(PLAZA, 20.0), category=kin_of(centre, rule.category))
    answer = hit(source)
    assert_new(centre, services, answer, incident["id"])
    assert card(centre, answer["incident"]["id"])["incident"]["category_code"] == rule.category


def test_a_hit_joins_the_incident_of_its_category_though_another_is_nearer(
    centre: Centre, services: Services, source: Source, add_camera: AddCamera, watch: WatchPlate, rule: Rule
) -> None:
    add_camera("CAM-PLAZA")
    watch("123ABC02")
    other = call_102(centre, at=away(PLAZA, 10.0), category=kin_of(centre, rule.category))
    same = call_102(centre, at=away(PLAZA, rule.radius_m - JUST_M), category=rule.category)
    answer = hit(source)
    assert answer["linked_to_open_incident"] is True and answer["incident"]["id"] == same["id"]
    assert count(services, incidents) == 2
    assert [a["channel"] for a in card(centre, other["id"])["appeals"]] == ["phone_102"]


def test_a_hit_near_a_closed_incident_of_the_same_category_opens_a_new_incident(
    centre: Centre, services: Services, source: Source, add_camera: AddCamera, watch: WatchPlate, rule: Rule
) -> None:
    add_camera("CAM-PLAZA")
    watch("123ABC02")
    incident = call_102(centre, at=away(PLAZA, 20.0), category=rule.category)
    desk = centre.dispatcher
    closed = desk.ok(
        desk.post(f"/api/v1/incidents/{incident['id']}/status", {"status": "closed", "disposition": "other"})
    )
    assert closed["status"] == "closed"
    assert_new(centre, services, hit(source), incident["id"])


def test_the_radius_is_the_setting_the_102_rule_reads(
    monkeypatch: pytest.MonkeyPatch,
    centre: Centre,
    services: Services,
    source: Source,
    add_camera: AddCamera,
    watch: WatchPlate,
    rule: Rule,
) -> None:
    add_camera("CAM-PLAZA")
    watch("123ABC02")
    incident = call_102(centre, at=away(PLAZA, rule.radius_m / 2 + JUST_M), category=rule.category)
    assert suggested_by_102(centre, rule.category) == [incident["id"]]  # near enough by the shipped radius
    monkeypatch.setattr(services.settings, "duplicate_radius_m", rule.radius_m / 2)
    assert_new(centre, services, hit(source), incident["id"])


def test_the_time_window_is_the_setting_the_102_rule_reads(
    monkeypatch: pytest.MonkeyPatch,
    centre: Centre,
    services: Services,
    source: Source,
    add_camera: AddCamera,
    watch: WatchPlate,
    rule: Rule,
) -> None:
    add_camera("CAM-PLAZA")
    watch("123ABC02")
    shorter = rule.window / 2
    incident = call_102(centre, at=away(PLAZA, 20.0), category=rule.category, ago=shorter + JUST)
    assert suggested_by_102(centre, rule.category) == [incident["id"]]  # recent enough by the shipped window
    monkeypatch.setattr(
        services.settings, "duplicate_window_minutes", math.ceil(shorter.total_seconds() / 60)
    )
    assert_new(centre, services, hit(source), incident["id"])
