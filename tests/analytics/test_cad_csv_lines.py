"""No silent loss in the CSV reader: physical lines and records are counted, a record spanning lines is
reported with its line range, an unclosed quote that swallows the next lines is rejected naming them, and
imported + rejected + duplicates always equals the records read."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from kuzet.analytics.cad.importer import ImportOutcome, import_cad, vocabulary
from kuzet.analytics.cad.mapping import MappingError, load_mapping
from kuzet.container import Services
from kuzet.core.actor import Actor
from tests.conftest import run_cli

MAPPING = """
[csv]
delimiter = ","
[time]
zone = "America/Chicago"
formats = ["iso8601"]
[fields]
number = "Incident_Number"
received_at = "Call_Received_Time"
first_on_scene_at = "Incident_Arrival_Time"
district = "Beat"
"""
HEADER = "Incident_Number,Call_Received_Time,Incident_Arrival_Time,Beat,Comment"


def write(tmp_path: Path, *lines: str, mapping: str = MAPPING) -> tuple[Path, Path]:
    export, mapping_file = tmp_path / "export.csv", tmp_path / "mapping.toml"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping_file.write_text(mapping, encoding="utf-8")
    return export, mapping_file


def run(services: Services, export: Path, mapping: Path) -> ImportOutcome:
    codes = vocabulary(services.uow())
    return import_cad(
        services.uow(),
        path=export,
        mapping=load_mapping(mapping, codes),
        codes=codes,
        by=Actor.system("analyst-test"),
        at=services.clock.now(),
    )


def row(i: int, comment: str = "ok") -> str:
    return f"N{i},2025-11-0{1 + i % 5} 10:0{i % 10}:00,2025-11-0{1 + i % 5} 10:1{i % 10}:00,B{i},{comment}"


def balanced(report: dict[str, Any]) -> bool:
    return int(report["imported"] + report["rejected"] + report["duplicates"]) == int(report["records"])


def test_an_unclosed_quote_that_swallows_lines_is_rejected_naming_them(
    services: Services, tmp_path: Path
) -> None:
    lines = [HEADER, row(1), row(2), row(3, '"broken quote'), row(4), row(5), row(6), row(7), row(8), row(9)]
    export, mapping = write(tmp_path, *lines)
    report = run(services, export, mapping).report
    # csv gives lines 4 to 10 (the last) as one record: nothing after the quote is silently dropped.
    (reject,) = report["rejects"]["first"]
    assert reject["lines"] == [4, 10] and reject["reasons"][0]["code"] == "unbalanced_quote"
    assert reject["reasons"][0]["value"] == "4–10"
    assert report["lines"] == len(lines) and report["records"] == 3
    assert report["imported"] == 2 and report["rejected"] == 1 and balanced(report)

    done = run_cli(services, "import-cad", str(export), "--mapping", str(mapping), "--dry-run")
    assert "lines 4–10: a quote that is never closed joins these lines into one record of" in " ".join(
        done.stdout.split()
    ), done.stdout
    assert "lines 4–10: lines" not in done.stdout


def test_a_quote_closed_later_is_caught_when_a_swallowed_line_is_a_whole_record(
    services: Services, tmp_path: Path
) -> None:
    # The quote opened on line 3 is closed on line 4's comment: the field count comes out right, but the
    # joined text holds a whole record, so the lines are reported rather than stored as one odd comment.
    lines = [HEADER, row(1), row(2, '"opened'), row(3, 'closed"'), row(4)]
    export, mapping = write(tmp_path, *lines)
    report = run(services, export, mapping).report
    assert [r["lines"] for r in report["rejects"]["first"]] == [[3, 4]]
    assert report["records"] == 3 and report["imported"] == 2 and balanced(report)


def test_a_legitimate_multi_line_field_is_imported(services: Services, tmp_path: Path) -> None:
    lines = [HEADER, row(1), row(2, '"first line'), 'second line"', row(3)]
    export, mapping = write(tmp_path, *lines)
    report = run(services, export, mapping).report
    assert report["lines"] == 5 and report["records"] == 3
    assert report["imported"] == 3 and report["rejected"] == 0 and balanced(report)


def test_a_wrong_column_count_is_reported_with_its_line(services: Services, tmp_path: Path) -> None:
    lines = [HEADER, row(1), row(2) + ",extra", row(3), "N4,2025-11-02 10:00:00"]
    export, mapping = write(tmp_path, *lines)
    report = run(services, export, mapping).report
    by_line = {r["line"]: r["reasons"][0] for r in report["rejects"]["first"]}
    assert by_line == {
        3: {"code": "field_count", "field": "", "value": "6", "limit": 5},
        5: {"code": "field_count", "field": "", "value": "2", "limit": 5},
    }
    assert "lines" not in report["rejects"]["first"][0]
    assert report["imported"] == 2 and balanced(report)


def test_the_counts_agree_with_an_independent_reading(services: Services, tmp_path: Path) -> None:
    body = [row(i, '"a, b"' if i % 7 == 0 else "x") for i in range(1, 40)]
    body[10] = row(11, '"two\nlines"')
    body[20] = row(21) + ",shifted"
    body[30] = row(31, '"never closed')
    export, mapping = write(tmp_path, HEADER, *body)
    report = run(services, export, mapping).report
    with export.open(encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))[1:]
    physical = export.read_text(encoding="utf-8").count("\n")
    assert report["records"] == len(records) and report["lines"] == physical
    assert balanced(report)
    # Rejected: the shifted row and the unclosed quote with the lines it took; the 2-line comment is kept.
    assert report["rejected"] == 2 and report["imported"] == len(records) - 2
    # The quote opened on line 33 is closed by the next quote, on line 37 ("a, b"): those lines are named.
    assert [r["lines"] for r in report["rejects"]["first"] if "lines" in r] == [[33, 37]]


def test_a_missing_column_lists_the_headers_and_suggests_the_closest(tmp_path: Path) -> None:
    text = MAPPING.replace('"Incident_Arrival_Time"', '"Incident_Arival_Time"')
    export, mapping = write(tmp_path, HEADER, row(1), mapping=text)
    from kuzet.analytics.cad.rows import RowChecker
    from kuzet.analytics.cad.source import Records

    loaded = load_mapping(mapping, {})
    with Records(export, loaded.dialect) as records, pytest.raises(MappingError) as caught:
        RowChecker(loaded, records.header, {})
    ((key, why),) = caught.value.errors
    assert key == "fields.first_on_scene_at"
    assert "did you mean Incident_Arrival_Time?" in why
    assert all(name in why for name in HEADER.split(","))
