"""Checking one record of a CAD export: value maps, missing markers, rejects and warnings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from kuzet.analytics.cad.mapping import load_mapping
from kuzet.analytics.cad.rows import RowChecker
from tests.analytics.test_cad_mapping import CODES, DATA

HEADER = (DATA / "tsou_2025.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(";")


@pytest.fixture
def checker() -> RowChecker:
    return RowChecker(load_mapping(DATA / "tsou_2025.toml", CODES), HEADER, CODES)


def record(**values: str) -> list[str]:
    """A record of the test export: every time filled, overridden by column name."""
    base = dict.fromkeys(HEADER, "")
    base.update(
        {
            "Номер КУИ": "КУИ-1",
            "Вид происшествия": "Кража",
            "Приоритет": "Срочный",
            "Район": "Центральный",
            "Источник": "Звонок 102",
            "Тип наряда": "ППС",
            "Поступило": "05.01.2025 08:00:00",
            "Прибытие": "05.01.2025 08:07:00",
        }
    )
    base.update({k.replace("_", " "): v for k, v in values.items()})
    return [base[name] for name in HEADER]


def test_a_good_record_is_mapped_onto_our_codes(checker: RowChecker) -> None:
    checked = checker.check(record(Сообщено_в_103="1736046000"))
    assert checked.rejects == [] and checked.warnings == []
    values = checked.values or {}
    assert values["category_code"] == "theft" and values["category_raw"] == "Кража"
    assert (values["priority"], values["district"], values["channel"], values["unit_type"]) == (
        2,
        "central",
        "phone_102",
        "patrol_car",
    )
    assert values["received_at"] == datetime(2025, 1, 5, 3, 0, tzinfo=UTC)
    assert values["stamps"] == {"ambulance_notified": "2025-01-05T03:00:00+00:00"}


def test_our_own_codes_pass_through_and_an_unmapped_district_is_kept_as_written(checker: RowChecker) -> None:
    values = checker.check(record(Приоритет="4", Источник="walk_in", Район="Заречный")).values or {}
    assert (values["priority"], values["channel"], values["district"]) == (4, "walk_in", "Заречный")


def test_an_unknown_category_keeps_its_label_and_warns(checker: RowChecker) -> None:
    checked = checker.check(record(Вид_происшествия="Прочее", Приоритет="Особый"))
    values = checked.values or {}
    assert (
        values["category_code"] is None and values["category_raw"] == "Прочее" and values["priority"] is None
    )
    assert [(w.code, w.field, w.value) for w in checked.warnings] == [
        ("unknown_value", "category", "Прочее"),
        ("unknown_value", "priority", "Особый"),
    ]


def test_missing_markers_are_stored_empty_and_noted_per_column(checker: RowChecker) -> None:
    checked = checker.check(record(Прибытие="NOT CAPTURED", Ответ_оператора=" n/a ", Партнёр="-"))
    values = checked.values or {}
    assert (
        values["first_on_scene_at"] is None
        and values["partner"] is None
        and "call_answered" not in values["stamps"]
    )
    marked = {("call_answered", "n/a"), ("first_on_scene_at", "NOT CAPTURED"), ("partner", "-")}
    assert marked <= set(checked.missing)
    assert ("cleared_at", "") in checked.missing  # an empty cell is missing too


def test_a_negative_interval_is_stored_as_it_came(checker: RowChecker) -> None:
    values = checker.check(record(Прибытие="05.01.2025 07:58:00")).values or {}
    assert values["first_on_scene_at"] < values["received_at"]


def test_rejects_name_every_reason(checker: RowChecker) -> None:
    checked = checker.check(record(Номер_КУИ="", Поступило="NOT CAPTURED", Прибытие="32.05.2025 18:06:00"))
    assert checked.values is None
    assert sorted((r.code, r.field) for r in checked.rejects) == [
        ("missing", "number"),
        ("missing", "received_at"),
        ("unreadable_time", "first_on_scene_at"),
    ]
    long_number = checker.check(record(Номер_КУИ="К" * 61))
    assert [(r.code, r.limit) for r in long_number.rejects] == [("too_long", 60)]
    short = checker.check(["КУИ-2", "Кража", "Срочный"])
    assert [(r.code, r.value, r.limit) for r in short.rejects] == [("field_count", "3", 16)]


def test_an_unreadable_extra_stamp_rejects_the_row_too(checker: RowChecker) -> None:
    checked = checker.check(record(Сообщено_в_103="вчера"))
    assert [(r.code, r.field) for r in checked.rejects] == [("unreadable_time", "ambulance_notified")]


def test_a_header_less_export_reads_columns_by_position(tmp_path: Path) -> None:
    mapping_file = tmp_path / "m.toml"
    mapping_file.write_text(
        '[csv]\nheader_row = 0\n[fields]\nnumber = 2\nreceived_at = { column = 1, formats = ["epoch_s"] }\n',
        encoding="utf-8",
    )
    checker = RowChecker(load_mapping(mapping_file, CODES), None, CODES)
    values = checker.check(["1767225547", "A-1", "extra columns are fine"]).values or {}
    assert values["number"] == "A-1" and values["received_at"] == datetime(
        2025, 12, 31, 23, 59, 7, tzinfo=UTC
    )
    assert [r.code for r in checker.check(["1767225547"]).rejects] == ["field_count"]
