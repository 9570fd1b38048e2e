"""The watch list: plates in one spelling, kept by supervisors over the API, every look audited with the
plate masked, and a bad plate refused naming the field with nothing stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from kuzet.cctv.watchlist import PlateError, mask_plate, normalise_plate
from kuzet.cctv.watchlist_store import watchlist
from kuzet.container import Services
from kuzet.core.audit.store import audit_log
from tests.ops import Centre


@pytest.mark.parametrize(
    ("raw", "plate"),
    [
        ("123ABC02", "123ABC02"),
        ("123 ABC 02", "123ABC02"),
        ("123-abc-02", "123ABC02"),
        ("123 АВС 02", "123ABC02"),  # Cyrillic А, В, С
        ("а 123 ксм", "A123KCM"),  # old format, Cyrillic lower case
        ("A123BCD", "A123BCD"),
        ("\t777\u2013OXP\u00a001 ", "777OXP01"),  # a tab, an en dash, a no-break space
        ("ЕНОРТХУ1", "EHOPTXY1"),
    ],
)
def test_plates_are_read_in_one_spelling(raw: str, plate: str) -> None:
    assert normalise_plate(raw) == plate


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("123ӘБВ02", "plate_characters"),  # Kazakh and Russian letters with no Latin twin
        ("12/3AB", "plate_characters"),
        ("123ABC02!", "plate_characters"),
        ("A1", "plate_length"),
        ("123ABC02123", "plate_length"),
        ("ABCDEF", "plate_digits"),
        ("  - ", "missing"),
    ],
)
def test_odd_plates_are_refused_naming_the_field(raw: str, code: str) -> None:
    with pytest.raises(PlateError) as refused:
        normalise_plate(raw, field="plate")
    assert (refused.value.error.field, refused.value.error.code) == ("plate", code)


def test_a_plate_is_masked_for_the_audit_log() -> None:
    assert mask_plate("123ABC02") == "12****02"
    assert mask_plate("A12") == "***"


def expiry(days: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def test_a_supervisor_keeps_the_list_and_every_look_is_audited(centre: Centre, services: Services) -> None:
    desk = centre.supervisor
    added = desk.ok(
        desk.post("/api/v1/watchlist", {"plate": "123 авс 02", "reason": "Угон", "expires_at": expiry()}), 201
    )
    assert added["plate"] == "123ABC02" and added["active"] is True and added["added_by"] == "sup1"
    assert (
        desk.post(
            "/api/v1/watchlist", {"plate": "123ABC02", "reason": "x", "expires_at": expiry()}
        ).status_code
        == 409
    )
    listed = desk.ok(desk.get("/api/v1/watchlist", active="true"))
    assert [e["plate"] for e in listed] == ["123ABC02"]
    found = desk.ok(desk.post("/api/v1/watchlist/search", {"plate": "123A"}))
    assert found["exact"] is None and [e["id"] for e in found["entries"]] == [added["id"]]
    exact = desk.ok(desk.post("/api/v1/watchlist/search", {"plate": "123-ABC-02"}))
    assert exact["exact"]["id"] == added["id"]
    changed = desk.ok(
        desk.patch(f"/api/v1/watchlist/{added['id']}", {"reason": "Угон, розыск по ориентировке"})
    )
    assert changed["reason"].startswith("Угон, розыск") and changed["expires_at"] == added["expires_at"]
    assert desk.ok(desk.get(f"/api/v1/watchlist/{added['id']}"))["id"] == added["id"]
    assert desk.http.delete(f"/api/v1/watchlist/{added['id']}", headers=desk.headers).status_code == 204
    assert desk.get(f"/api/v1/watchlist/{added['id']}").status_code == 404
    with services.engine.connect() as connection:
        rows = connection.execute(
            select(audit_log.c.action, audit_log.c.detail, audit_log.c.actor)
            .where(audit_log.c.action.like("watchlist.%"))
            .order_by(audit_log.c.seq)
        ).all()
    assert [r.action for r in rows] == [
        "watchlist.add",
        "watchlist.list",
        "watchlist.search",
        "watchlist.search",
        "watchlist.change",
        "watchlist.read",
        "watchlist.remove",
    ]
    assert all(r.actor == "sup1" for r in rows)
    assert "123ABC02" not in str([r.detail for r in rows])  # masked everywhere
    assert rows[0].detail["plate"] == "12****02"


def test_a_plate_with_odd_characters_is_refused_and_nothing_is_stored(
    centre: Centre, services: Services
) -> None:
    response = centre.supervisor.post(
        "/api/v1/watchlist", {"plate": "123ABC02;DROP", "reason": "Угон", "expires_at": expiry()}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("plate", "plate_characters")]
    with services.engine.connect() as connection:
        assert connection.execute(select(watchlist)).all() == []


def test_an_expiry_in_the_past_is_refused(centre: Centre) -> None:
    response = centre.supervisor.post(
        "/api/v1/watchlist", {"plate": "123ABC02", "reason": "Угон", "expires_at": expiry(-1)}
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "expires_at"


def test_dispatchers_do_not_see_the_list(centre: Centre) -> None:
    assert centre.dispatcher.get("/api/v1/watchlist").status_code == 403
    assert centre.dispatcher.post("/api/v1/watchlist/search", {"plate": "123ABC02"}).status_code == 403
