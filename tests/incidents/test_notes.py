"""Free notes on an incident's timeline (the command line's NOTE): any time, open or closed."""

from __future__ import annotations

from tests.ops import Centre


def test_a_note_joins_the_timeline_with_its_author_even_when_closed(centre: Centre) -> None:
    incident = centre.call_taker.call()["incident"]
    d = centre.dispatcher
    path = f"/api/v1/incidents/{incident['id']}"
    d.ok(d.post(f"{path}/notes", {"text": "  Заявитель перезвонил: драка прекратилась  "}))
    d.ok(d.post(f"{path}/status", {"status": "closed", "disposition": "gone_on_arrival"}))
    d.ok(d.post(f"{path}/notes", {"text": "Повторный звонок соседей"}))
    notes = [e for e in d.ok(d.get(path))["timeline"] if e["kind"] == "note"]
    assert [(e["actor"], e["data"]["note"], e["data"]["status"]) for e in notes] == [
        ("disp1", "Заявитель перезвонил: драка прекратилась", "new"),
        ("disp1", "Повторный звонок соседей", "closed"),
    ]


def test_an_empty_note_is_refused_naming_its_field(centre: Centre) -> None:
    incident = centre.call_taker.call()["incident"]
    response = centre.dispatcher.post(f"/api/v1/incidents/{incident['id']}/notes", {"text": "   "})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["text"]


def test_a_call_taker_may_not_add_notes(centre: Centre) -> None:
    incident = centre.call_taker.call()["incident"]
    response = centre.call_taker.post(f"/api/v1/incidents/{incident['id']}/notes", {"text": "Примечание"})
    assert response.status_code == 403
    card = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{incident['id']}"))
    assert not [e for e in card["timeline"] if e["kind"] == "note"]
