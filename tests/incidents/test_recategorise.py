"""What the incident turned out to be: a dispatcher changes its category, and with it the priority (the
category's own, or one the dispatcher gives), always with a reason that the timeline keeps."""

from __future__ import annotations

from tests.ops import Centre


def test_a_new_category_brings_its_priority_and_the_timeline_keeps_the_reason(centre: Centre) -> None:
    d = centre.dispatcher
    incident = centre.call_taker.call(category_code="noise")["incident"]
    url = f"/api/v1/incidents/{incident['id']}"
    assert incident["priority"] == 3

    changed = d.ok(d.post(f"{url}/category", {"category_code": "shots_fired", "reason": "Слышны выстрелы"}))

    assert (changed["category_code"], changed["priority"]) == ("shots_fired", 1)
    [entry] = [e for e in d.ok(d.get(url))["timeline"] if e["kind"] == "recategorised"]
    assert entry["data"] == {
        "category_before": "noise",
        "category": "shots_fired",
        "priority_before": 3,
        "priority": 1,
        "reason": "Слышны выстрелы",
    }
    # The queue orders by the new priority at once.
    assert d.ok(d.get("/api/v1/incidents"))[0]["id"] == incident["id"]


def test_the_dispatcher_may_give_another_priority_than_the_categorys(centre: Centre) -> None:
    d = centre.dispatcher
    incident = centre.call_taker.call(category_code="noise")["incident"]
    url = f"/api/v1/incidents/{incident['id']}/category"

    changed = d.ok(d.post(url, {"category_code": "noise", "priority": 2, "reason": "Дети одни дома"}))

    assert (changed["category_code"], changed["priority"]) == ("noise", 2)


def test_bad_changes_are_refused_naming_the_field(centre: Centre) -> None:
    d = centre.dispatcher
    incident = centre.call_taker.call(category_code="noise")["incident"]
    url = f"/api/v1/incidents/{incident['id']}/category"

    cases = [
        ({"category_code": "fight"}, "reason"),
        ({"category_code": "no_such", "reason": "x"}, "category_code"),
        ({"category_code": "noise", "reason": "x"}, "category_code"),  # nothing would change
        ({"category_code": "fight", "priority": 7, "reason": "x"}, "priority"),
    ]
    for body, field in cases:
        refused = d.post(url, body)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in refused.json()["errors"]] == [field], body

    d.ok(d.post(f"/api/v1/incidents/{incident['id']}/status", {"status": "closed", "disposition": "other"}))
    closed = d.post(url, {"category_code": "fight", "reason": "поздно"})
    assert closed.status_code == 409
    assert centre.call_taker.post(url, {"category_code": "fight", "reason": "x"}).status_code == 403
