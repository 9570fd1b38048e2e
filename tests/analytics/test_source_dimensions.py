"""The source's own dimensions and calendar in the mapping and the rows: further columns kept by name, the
source priority kept as written whatever ours becomes, the zone and first weekday of the source."""

from __future__ import annotations

import pytest

from kuzet.analytics.cad.mapping import parse_mapping
from kuzet.analytics.cad.rows import RowChecker
from kuzet.analytics.service import analytics_settings, region_calendar
from kuzet.config import ConfigError, Settings
from tests.analytics.test_cad_mapping import CODES, document, keys_at_fault
from tests.analytics.test_cad_rows import HEADER, record


def test_the_mapping_keeps_further_columns_and_the_sources_calendar() -> None:
    doc = document(dimensions={"beat": "Район", "unit": {"column": "Тип наряда"}})
    doc["time"] = {**doc["time"], "zone": "America/Chicago", "week_start": "sunday"}
    mapping = parse_mapping(doc, default_name="t", codes=CODES)
    assert {name: source.column for name, source in mapping.dimensions.items()} == {
        "beat": "Район",
        "unit": "Тип наряда",
    }
    assert (mapping.zone, mapping.week_start) == ("America/Chicago", "sunday")


def test_bad_dimensions_and_week_start_are_named_by_key() -> None:
    doc = document(dimensions={"Bad Name": "Район", "ok": {"column": "Район", "zone": "UTC"}})
    doc["time"] = {**doc["time"], "week_start": "friday"}
    assert keys_at_fault(doc) == ["time.week_start", "dimensions.Bad Name", "dimensions.ok.zone"]


def test_a_kept_column_missing_from_the_header_is_named_with_a_suggestion() -> None:
    mapping = parse_mapping(document(dimensions={"beat": "Раион"}), default_name="t", codes=CODES)
    with pytest.raises(Exception, match="did you mean Район"):
        RowChecker(mapping, HEADER, CODES)


def test_a_row_keeps_the_source_priority_and_further_columns_as_written() -> None:
    mapping = parse_mapping(document(dimensions={"beat": "Район"}), default_name="t", codes=CODES)
    checker = RowChecker(mapping, HEADER, CODES)
    mapped = checker.check(record(Приоритет="Срочный", Район="Заречный")).values or {}
    assert (mapped["priority"], mapped["source_priority"]) == (2, "Срочный")
    assert mapped["dimensions"] == {"beat": "Заречный"}
    unmapped = checker.check(record(Приоритет="9", Район="N/A"))
    assert unmapped.values is not None and unmapped.values["priority"] is None
    assert unmapped.values["source_priority"] == "9"  # nothing lost: grouped by source_priority
    assert unmapped.values["dimensions"] == {}  # a missing marker is not a value
    assert [w.code for w in unmapped.warnings] == ["unknown_value"]


def test_the_regions_calendar_is_checked_when_analytics_start() -> None:
    with pytest.raises(ConfigError, match="KUZET_ANALYTICS_TIMEZONE"):
        analytics_settings(Settings(analytics_timezone="Asia/Nowhere"))
    calendar = region_calendar(Settings(analytics_timezone="Asia/Oral", analytics_week_start="sunday"))
    assert (calendar.zone, calendar.week_start) == ("Asia/Oral", "sunday")
