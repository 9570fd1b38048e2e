"""The CAD mapping file: read, checked, and every fault named by its key before anything is imported."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kuzet.analytics.cad.mapping import (
    DEFAULT_MISSING,
    FormatKind,
    MappingError,
    label_key,
    load_mapping,
    parse_mapping,
)
from kuzet.analytics.cad.rows import resolve_columns

DATA = Path(__file__).with_name("cad_data")
CODES = {
    "category": frozenset(
        {"theft", "fight", "traffic_accident_no_injured", "noise", "car_theft", "hooliganism"}
    ),
    "channel": frozenset({"phone_102", "partner_app", "walk_in", "agency"}),
    "partner": frozenset({"police102", "egov", "kaspi", "halyk"}),
    "unit_type": frozenset({"patrol_car", "traffic_police"}),
    "disposition": frozenset({"protocol_drawn", "arrest", "assistance_rendered", "false_call"}),
}


def document(**changes: Any) -> dict[str, Any]:
    """The shipped test mapping as a TOML document, with top-level tables replaced or added."""
    parsed = tomllib.loads((DATA / "tsou_2025.toml").read_text(encoding="utf-8"))
    parsed.update(changes)
    return parsed


def keys_at_fault(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(MappingError) as caught:
        parse_mapping(doc, default_name="test", codes=CODES)
    return [key for key, _why in caught.value.errors]


def test_the_shipped_mapping_reads_with_its_dialect_zone_formats_and_value_maps() -> None:
    mapping = load_mapping(DATA / "tsou_2025.toml", CODES)
    assert mapping.name == "АИС ЦОУ 2025"
    assert (mapping.dialect.delimiter, mapping.dialect.encoding, mapping.dialect.header_row) == (
        ";",
        "utf-8-sig",
        1,
    )
    received = mapping.fields["received_at"]
    assert received.column == "Поступило" and received.zone == ZoneInfo("Asia/Almaty")
    assert [f.kind for f in received.formats] == [FormatKind.PATTERN, FormatKind.ISO8601]
    assert mapping.stamps["ambulance_notified"].formats[0].kind is FormatKind.EPOCH_S
    assert mapping.values["category"][label_key("КРАЖА")] == "theft"
    assert mapping.values["priority"][label_key("Экстренный")] == 1
    assert mapping.missing == {"", "not captured", "n/a", "-"}


def test_defaults_apply_when_a_mapping_names_only_its_columns() -> None:
    mapping = parse_mapping(
        {"fields": {"number": "No", "received_at": "Received"}}, default_name="minimal", codes=CODES
    )
    assert mapping.name == "minimal"
    assert (mapping.dialect.delimiter, mapping.dialect.encoding) == (",", "utf-8-sig")
    assert mapping.fields["received_at"].zone == ZoneInfo("Asia/Almaty")
    assert mapping.fields["received_at"].formats[0].kind is FormatKind.ISO8601
    assert mapping.missing == {label_key(m) for m in DEFAULT_MISSING}


def test_an_unknown_field_is_named_by_its_key() -> None:
    fields = {**document()["fields"], "response_time": "Время реагирования"}
    assert keys_at_fault(document(fields=fields)) == ["fields.response_time"]


def test_a_missing_required_field_is_named() -> None:
    fields = {k: v for k, v in document()["fields"].items() if k not in ("number", "received_at")}
    assert keys_at_fault(document(fields=fields)) == ["fields.number", "fields.received_at"]


def test_a_bad_time_pattern_is_named_with_its_position_in_the_list() -> None:
    fields = {
        **document()["fields"],
        "first_on_scene_at": {"column": "Прибытие", "formats": ["iso8601", "%d.%m.%Y %Q"]},
    }
    assert keys_at_fault(document(fields=fields)) == ["fields.first_on_scene_at.formats[1]"]


@pytest.mark.parametrize(
    "pattern",
    [
        "%H:%M:%S",  # no date
        "%d.%m.%Y",  # no time of day
        "%d.%m.%Y %I:%M",  # 12-hour clock without AM/PM reads 23:59 as 11:59
        "dd.mm.yyyy HH:MM",  # not a strptime pattern at all
    ],
)
def test_a_pattern_without_a_full_date_and_time_is_refused(pattern: str) -> None:
    assert keys_at_fault(document(time={"formats": [pattern]})) == ["time.formats[0]"]


def test_unknown_keys_zone_encoding_and_dialect_are_all_reported_at_once() -> None:
    doc = document(
        csv={"delimiter": ";;", "encoding": "klingon-8", "header": 1},
        time={"zone": "Asia/Nowhere"},
        extras={"a": 1},
    )
    assert sorted(keys_at_fault(doc)) == [
        "csv.delimiter",
        "csv.encoding",
        "csv.header",
        "extras",
        "time.zone",
    ]


def test_value_map_targets_must_be_our_codes() -> None:
    doc = document(
        values={
            "category": {"Кража": "кража"},
            "priority": {"Высший": 0, "Срочный": "2"},
            "channel": {"Звонок": "phone"},
            "partner": {"Kaspi": "kaspi_bank"},
        }
    )
    assert sorted(keys_at_fault(doc)) == [
        "values.category.Кража",
        "values.channel.Звонок",
        "values.partner.Kaspi",
        "values.priority.Высший",
        "values.priority.Срочный",
    ]


def test_a_value_map_needs_a_column_feeding_its_field_and_distinct_labels() -> None:
    fields = {k: v for k, v in document()["fields"].items() if k != "partner"}
    doc = document(
        fields=fields,
        values={"partner": {"Kaspi": "kaspi"}, "category": {"Кража": "theft", "кража": "theft"}},
    )
    assert sorted(keys_at_fault(doc)) == ["values.category.кража", "values.partner"]


def test_an_extra_stamp_needs_a_plain_name_that_is_not_one_of_our_fields() -> None:
    doc = document(stamps={"Ответ": "Ответ оператора", "received_at": "Поступило", "answered": 0})
    assert sorted(keys_at_fault(doc)) == ["stamps.answered", "stamps.received_at", "stamps.Ответ"]


def test_without_a_header_columns_are_given_by_position() -> None:
    doc = {"csv": {"header_row": 0}, "fields": {"number": 1, "received_at": "Поступило"}}
    assert keys_at_fault(doc) == ["fields.received_at"]
    mapping = parse_mapping({**doc, "fields": {"number": 1, "received_at": 8}}, default_name="n", codes=CODES)
    assert resolve_columns(mapping, None) == {"fields.number": 0, "fields.received_at": 7}


def test_a_file_that_is_not_toml_or_not_there_is_a_mapping_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[fields\nnumber = ", encoding="utf-8")
    with pytest.raises(MappingError, match="not valid TOML"):
        load_mapping(broken, CODES)
    with pytest.raises(MappingError, match="cannot read"):
        load_mapping(tmp_path / "absent.toml", CODES)


def test_mapped_columns_missing_from_the_header_are_named() -> None:
    mapping = load_mapping(DATA / "tsou_2025.toml", CODES)
    header = ["Номер КУИ", "поступило ", "Поступило"]  # names compare trimmed and case-folded
    with pytest.raises(MappingError) as caught:
        resolve_columns(mapping, header)
    faults = dict(caught.value.errors)
    assert "appears more than once" in faults["fields.received_at"]
    assert "is not in the file's header" in faults["fields.category"]
    assert "fields.number" not in faults
