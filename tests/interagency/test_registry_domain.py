"""The agency registry's rules, pure: what a record must hold, and which of our keys signs when."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from kuzet.incidents.catalogue import Agency as CatalogueAgency
from kuzet.interagency.domain import (
    DEFAULT_ACK_DEADLINES,
    KNOWN_AGENCIES,
    Agency,
    AgencyKey,
    KeyDirection,
    MessageFormat,
    check_agency,
    signing_key,
)

T0 = datetime(2026, 12, 10, 8, 0, tzinfo=UTC)
FIRE = Agency(
    code="fire_101",
    names=KNOWN_AGENCIES["fire_101"],
    endpoint_url="https://101.example.kz/kuzet",
    formats=frozenset({MessageFormat.EIDO}),
    ack_deadlines=dict(DEFAULT_ACK_DEADLINES),
    contact_phone="101",
)


def test_the_catalogues_agencies_are_known_by_their_codes_in_three_languages() -> None:
    assert set(KNOWN_AGENCIES) == {a.value for a in CatalogueAgency}
    assert all(set(names) == {"ru", "kk", "en"} and all(names.values()) for names in KNOWN_AGENCIES.values())


def test_a_complete_agency_passes() -> None:
    assert check_agency(FIRE) == []
    assert FIRE.name("kk") == "Өрт сөндіру қызметі 101" and FIRE.name("de") == FIRE.names["ru"]


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"code": "101"}, ["code"]),
        ({"names": {"ru": " ", "kk": "x" * 121, "en": "Fire"}}, ["names.ru", "names.kk"]),
        ({"endpoint_url": "javascript:alert(1)"}, ["endpoint_url"]),
        ({"endpoint_url": "https://"}, ["endpoint_url"]),
        ({"formats": frozenset()}, ["formats"]),
        ({"ack_deadlines": {1: 60, 2: 86_401, 3: 300, 4: 600}}, ["ack_deadlines.2"]),
        ({"ack_deadlines": {0: 5, 1: 60, 2: 120, 3: 300, 4: 600}}, ["ack_deadlines.0"]),
        ({"contact_phone": "+7 (7172) 55-01-01 ext"}, ["contact_phone"]),
        ({"contact_phone": "+7 7172 5501011234567"}, ["contact_phone"]),
    ],
)
def test_each_wrong_field_is_named(change: dict[str, object], fields: list[str]) -> None:
    assert [p.field for p in check_agency(dataclasses.replace(FIRE, **change))] == fields  # type: ignore[arg-type]


def test_a_direct_line_or_a_short_number_is_a_contact_phone() -> None:
    for phone in ("101", "+7 (7172) 55-01-01", "87172550101"):
        assert check_agency(dataclasses.replace(FIRE, contact_phone=phone)) == []


def test_the_deadline_of_a_priority_and_of_one_not_configured() -> None:
    agency = dataclasses.replace(FIRE, ack_deadlines={1: 30, 2: 90, 3: 200, 4: 500})
    assert agency.ack_deadline(1) == 30 and agency.ack_deadline(9) == 500


def key(key_id: str, direction: KeyDirection, use_from: datetime, expires_at: datetime | None) -> AgencyKey:
    return AgencyKey(key_id, "fire_101", direction, "s", use_from, use_from, expires_at)


def test_our_signing_key_is_the_one_in_use_most_recently_and_still_valid() -> None:
    grace_end = T0 + timedelta(hours=24)
    old = key("old", KeyDirection.OUTBOUND, T0 - timedelta(days=90), grace_end)
    new = key("new", KeyDirection.OUTBOUND, grace_end, None)
    theirs = key("theirs", KeyDirection.INBOUND, T0 + timedelta(hours=1), None)
    keys = [old, new, theirs]
    assert signing_key(keys, T0) is old
    assert signing_key(keys, grace_end - timedelta(seconds=1)) is old
    assert signing_key(keys, grace_end) is new
    assert signing_key([theirs], T0 + timedelta(days=1)) is None


def test_a_secret_is_not_in_a_keys_text() -> None:
    assert "hunter2-secret" not in repr(
        dataclasses.replace(key("k", KeyDirection.INBOUND, T0, None), secret="hunter2-secret")
    )
