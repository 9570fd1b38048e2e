"""Building public alerts: a draft becomes a CAP 1.2 alert with one <info> per language (ru-RU, kk-KZ), times
in whole seconds with an offset (never Z, never a fraction), valid against the OASIS XSD; an update or a
cancellation refers to every earlier message of its chain; areas come from a map drawing or a district."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from defusedxml.ElementTree import fromstring

from kuzet.interagency.alerts import (
    AlertArea,
    AlertDraft,
    AlertOrigin,
    AlertText,
    PublicAlert,
    build_alert,
    chain_references,
    check_texts,
    check_times,
    district_rings,
    read_alert,
    ring_from_points,
)
from kuzet.interagency.cap import (
    CapCategory,
    CapCertainty,
    CapMsgType,
    CapReference,
    CapScope,
    CapSeverity,
    CapStatus,
    CapUrgency,
)
from kuzet.interagency.cap_read import cap_schema_issues, parse_cap
from kuzet.interagency.cap_xml import to_cap_xml
from tests.reference import cap_file

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
NOW = datetime(2026, 12, 7, 4, 15, 30, 123456, tzinfo=UTC)  # a fraction of a second, as clocks give
SENDER = "cou@police.kuzet.kz"


def draft(**changes: object) -> AlertDraft:
    base = AlertDraft(
        event="Дорога закрыта",
        category=CapCategory.TRANSPORT,
        urgency=CapUrgency.EXPECTED,
        severity=CapSeverity.MODERATE,
        certainty=CapCertainty.LIKELY,
        texts={
            "ru": AlertText("Перекрыта улица Абая", "Ремонт теплотрассы.", "Объезжайте по Толе би."),
            "kk": AlertText(
                "Абай көшесі жабылды", "Жылу трассасы жөнделуде.", "Төле би көшесімен айналыңыз."
            ),
        },
        area=AlertArea(
            descriptions={"ru": "Улица Абая", "kk": "Абай көшесі"},
            polygons=(ring_from_points([(43.24, 76.90), (43.25, 76.90), (43.25, 76.93)]),),
        ),
        expires=NOW + timedelta(hours=8, microseconds=5),
        onset=NOW + timedelta(minutes=30),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def stored(
    alert_id: int, identifier: str, sent: datetime, references: tuple[CapReference, ...] = ()
) -> PublicAlert:
    return PublicAlert(
        id=alert_id,
        identifier=identifier,
        sender=SENDER,
        sent=sent,
        msg_type=CapMsgType.UPDATE if references else CapMsgType.ALERT,
        status=CapStatus.ACTUAL,
        scope=CapScope.PUBLIC,
        references=references,
        origin=AlertOrigin.OURS,
        source=None,
        event="Дорога закрыта",
        categories=("Transport",),
        urgency="Expected",
        severity="Moderate",
        certainty="Likely",
        texts={},
        area=draft().area,
        onset=None,
        expires=sent + timedelta(hours=1),
        superseded_by=None,
        cancelled=False,
        issued_by="chief",
        cap_xml="",
        created_at=sent,
    )


def test_a_draft_becomes_a_valid_cap_alert_in_russian_and_kazakh() -> None:
    alert = build_alert(draft(), identifier="kuzet-alert-1", sender=SENDER, sender_name="ЦОУ", sent=NOW)
    document = to_cap_xml(alert)
    assert cap_schema_issues(fromstring(document)) == ()
    assert parse_cap(document) == alert
    assert [(i.language, i.headline) for i in alert.infos] == [
        ("ru-RU", "Перекрыта улица Абая"),
        ("kk-KZ", "Абай көшесі жабылды"),
    ]
    assert [i.areas[0].description for i in alert.infos] == ["Улица Абая", "Абай көшесі"]
    assert alert.scope is CapScope.PUBLIC and alert.msg_type is CapMsgType.ALERT


def test_every_time_is_whole_seconds_with_an_offset_never_z() -> None:
    document = to_cap_xml(
        build_alert(draft(), identifier="kuzet-alert-1", sender=SENDER, sender_name="ЦОУ", sent=NOW)
    )
    root = fromstring(document)
    times = [root.findtext(f"{CAP}sent")] + [
        element.text for name in ("onset", "expires") for element in root.iter(f"{CAP}{name}")
    ]
    assert times[0] == "2026-12-07T04:15:30+00:00"
    assert len(times) == 5
    for text in times:
        assert text is not None and "Z" not in text and "." not in text and text[-6] == "+"
        assert datetime.fromisoformat(text).microsecond == 0


def test_an_update_and_a_cancellation_refer_to_the_whole_chain() -> None:
    first = stored(1, "kuzet-alert-1", NOW.replace(microsecond=0))
    update_refs = chain_references(first)
    assert update_refs == (CapReference(SENDER, "kuzet-alert-1", first.sent),)
    update = stored(2, "kuzet-alert-2", first.sent + timedelta(minutes=5), update_refs)
    cancel_refs = chain_references(update)
    assert [r.identifier for r in cancel_refs] == ["kuzet-alert-1", "kuzet-alert-2"]

    cancel = build_alert(
        draft(),
        identifier="kuzet-alert-3",
        sender=SENDER,
        sender_name="ЦОУ",
        sent=NOW + timedelta(minutes=10),
        msg_type=CapMsgType.CANCEL,
        references=cancel_refs,
        note="Ремонт окончен",
    )
    root = fromstring(to_cap_xml(cancel))
    assert root.findtext(f"{CAP}msgType") == "Cancel" and root.findtext(f"{CAP}note") == "Ремонт окончен"
    assert root.findtext(f"{CAP}references") == (
        f"{SENDER},kuzet-alert-1,2026-12-07T04:15:30+00:00 {SENDER},kuzet-alert-2,2026-12-07T04:20:30+00:00"
    )
    assert parse_cap(to_cap_xml(cancel)).references == cancel_refs


def test_texts_must_be_given_in_both_languages_with_a_headline() -> None:
    assert check_texts(draft().texts, complete=True) == []
    missing = check_texts({"ru": AlertText("Заголовок")}, complete=True)
    assert [e.field for e in missing] == ["texts.kk"]
    other = check_texts(
        {"en": AlertText("Road closed"), "ru": AlertText(" "), "kk": AlertText()}, complete=True
    )
    assert {e.field for e in other} == {"texts.en", "texts.ru.headline", "texts.kk.headline"}
    long = check_texts({"ru": AlertText("x" * 161)}, complete=False)
    assert [(e.field, e.code) for e in long] == [("texts.ru.headline", "too_long")]


def test_the_expiry_is_in_the_future_and_after_the_onset() -> None:
    assert check_times(NOW, NOW + timedelta(hours=1), at=NOW) == []
    assert [e.code for e in check_times(None, NOW - timedelta(seconds=1), at=NOW)] == ["expires_past"]
    late_onset = check_times(NOW + timedelta(hours=2), NOW + timedelta(hours=1), at=NOW)
    assert [e.code for e in late_onset] == ["expires_before_onset"]


def test_a_drawn_ring_is_closed_and_a_degenerate_one_refused() -> None:
    assert ring_from_points([(1, 2), (1, 3), (2, 3)]) == ((1, 2), (1, 3), (2, 3), (1, 2))
    assert ring_from_points([(1, 2), (1, 3), (2, 3), (1, 2)]) == ((1, 2), (1, 3), (2, 3), (1, 2))
    with pytest.raises(ValueError, match="three different points"):
        ring_from_points([(1, 2), (1, 3), (1, 2)])
    with pytest.raises(ValueError, match="latitude"):
        ring_from_points([(91, 2), (1, 3), (2, 3)])


def test_a_district_gives_its_outer_rings_as_latitude_longitude() -> None:
    square = [[76.9, 43.2], [77.0, 43.2], [77.0, 43.3], [76.9, 43.2]]
    hole = [[76.95, 43.22], [76.96, 43.22], [76.96, 43.23], [76.95, 43.22]]
    (ring,) = district_rings({"type": "Polygon", "coordinates": [square, hole]})
    assert ring[0] == (43.2, 76.9) and ring[1] == (43.2, 77.0)
    two = district_rings({"type": "MultiPolygon", "coordinates": [[square], [square]]})
    assert len(two) == 2
    with pytest.raises(ValueError):
        district_rings({"type": "Point", "coordinates": [76.9, 43.2]})


def test_an_imported_alert_is_read_with_its_languages_and_areas() -> None:
    alert = parse_cap(cap_file("examples/oasis-A2-thunderstorm-KSTO1055887203.cap12.xml").read_bytes())
    read = read_alert(alert)
    assert read["event"] == alert.infos[0].event and read["categories"] == ("Met",)
    assert set(read["texts"]) == {info.language for info in alert.infos}
    assert read["area"].polygons[0][0] == (38.47, -120.14)
    assert read["expires"] == alert.infos[0].expires
