"""The CAD import use case on the real database: rows stored, the report, duplicates, dry run, failure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from kuzet.analytics.cad.importer import ImportOutcome, import_cad, vocabulary
from kuzet.analytics.cad.mapping import load_mapping
from kuzet.analytics.cad.source import SourceFileError
from kuzet.analytics.cad.tables import cad_imports, imported_incidents
from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.audit.store import audit_log

DATA = Path(__file__).with_name("cad_data")
EXPORT, MAPPING = DATA / "tsou_2025.csv", DATA / "tsou_2025.toml"
ImportFn = Callable[..., ImportOutcome]


@pytest.fixture
def run_import(services: Services) -> ImportFn:
    def _run(path: Path = EXPORT, mapping: Path = MAPPING, **options: Any) -> ImportOutcome:
        codes = vocabulary(services.uow())
        return import_cad(
            services.uow(),
            path=path,
            mapping=load_mapping(mapping, codes),
            codes=codes,
            by=Actor.system("analyst-test"),
            at=services.clock.now(),
            **options,
        )

    return _run


def stored(services: Services) -> dict[str, dict[str, Any]]:
    with services.engine.connect() as connection:
        rows = connection.execute(select(imported_incidents)).mappings().all()
    return {row["number"]: dict(row) for row in rows}


def count(services: Services, table: Any, *where: Any) -> int:
    with services.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_rows_are_stored_in_utc_with_our_codes_and_extra_stamps(
    services: Services, run_import: ImportFn
) -> None:
    outcome = run_import()
    rows = stored(services)
    assert len(rows) == 13
    fight = rows["КУИ-2025-0002"]
    assert fight["import_id"] == outcome.import_id
    assert (fight["category_code"], fight["category_raw"], fight["priority"], fight["district"]) == (
        "fight",
        "Драка",
        1,
        "north",
    )
    assert (fight["channel"], fight["partner"], fight["unit_type"], fight["disposition"]) == (
        "phone_102",
        None,
        "patrol_car",
        "arrest",
    )
    assert fight["received_at"] == utc(2025, 2, 14, 17, 15, 10)  # 22:15:10 in Almaty, UTC+5
    assert fight["first_on_scene_at"] == utc(2025, 2, 14, 17, 20, 40)
    assert fight["stamps"] == {
        "call_answered": "2025-02-14T17:15:15+00:00",
        "ambulance_notified": "2025-02-14T17:17:00+00:00",  # epoch seconds
    }
    app = rows["КУИ-2025-0003"]
    assert (app["channel"], app["partner"], app["unit_type"]) == ("partner_app", "kaspi", "traffic_police")
    assert app["first_on_scene_at"] == utc(2025, 3, 1, 7, 14, 30)  # written as ISO 8601 with +05:00
    assert app["stamps"] == {}  # «N/A» and an empty cell are missing, not stamps
    assert (
        rows["КУИ-2025-0004"]["first_on_scene_at"] is None and rows["КУИ-2025-0004"]["district"] == "Заречный"
    )
    assert (
        rows["КУИ-2025-0005"]["category_code"] is None and rows["КУИ-2025-0005"]["category_raw"] == "Прочее"
    )
    assert rows["КУИ-2024-0999"]["received_at"] == utc(2024, 2, 15, 4, 0)  # UTC+6 before March 2024
    assert rows["КУИ-2025-0001"]["received_at"] == utc(2025, 1, 5, 3, 0)  # the first of two rows wins
    negative = rows["КУИ-2025-0008"]
    assert negative["first_on_scene_at"] < negative["received_at"]  # kept for analytics to count


def test_the_report_counts_and_names_each_reject_by_line(services: Services, run_import: ImportFn) -> None:
    report = run_import().report
    assert (report["rows_read"], report["imported"], report["rejected"], report["duplicates"]) == (
        18,
        13,
        4,
        1,
    )
    assert (report["warnings"], report["blank_lines"], report["status"]) == (6, 1, "imported")
    assert report["rejects"]["by_reason"] == {
        "missing:received_at": 1,
        "unreadable_time:first_on_scene_at": 1,
        "missing:number": 1,
        "field_count": 1,
    }
    first = {r["line"]: r["reasons"] for r in report["rejects"]["first"]}
    assert first == {
        7: [{"code": "missing", "field": "received_at"}],
        8: [{"code": "unreadable_time", "field": "first_on_scene_at", "value": "32.05.2025 18:06:00"}],
        12: [{"code": "missing", "field": "number"}],
        16: [{"code": "field_count", "field": "", "value": "3", "limit": 16}],
    }
    assert report["duplicates_detail"]["first"] == [
        {"line": 11, "number": "КУИ-2025-0001", "earlier_import": None}
    ]
    assert report["warnings_detail"]["by_reason"] == {
        "ambiguous_time:received_at": 1,  # 29.02.2024 23:30 came twice when Almaty moved to UTC+5
        "ambiguous_time:first_on_scene_at": 1,
        "unknown_value:category": 1,
        "unknown_value:priority": 1,
        "unknown_value:channel": 1,
        "unknown_value:disposition": 1,
    }
    assert report["warnings_detail"]["unknown_values"]["channel"] == {"Телеграм": 1}
    assert report["missing"]["call_answered"] == {"": 2, "N/A": 1, "-": 1}
    assert report["missing"]["first_on_scene_at"] == {"NOT CAPTURED": 1}
    assert report["span"] == {"from": "2024-02-15T04:00:00+00:00", "to": "2025-12-31T18:59:07+00:00"}


def test_the_import_is_recorded_with_its_report_and_audited(services: Services, run_import: ImportFn) -> None:
    outcome = run_import()
    with services.engine.connect() as connection:
        record = connection.execute(select(cad_imports)).mappings().one()
        audit = (
            connection.execute(select(audit_log).where(audit_log.c.action == "cad.import")).mappings().one()
        )
    assert record["id"] == outcome.import_id and record["finished_at"] is not None
    assert (record["file_name"], record["mapping_name"], record["imported_by"]) == (
        "tsou_2025.csv",
        "АИС ЦОУ 2025",
        "analyst-test",
    )
    assert len(record["file_sha256"]) == 64
    assert (record["rows_read"], record["rows_imported"], record["rows_rejected"], record["duplicates"]) == (
        18,
        13,
        4,
        1,
    )
    assert record["report"] == outcome.report
    assert (audit["actor"], audit["object_id"], audit["outcome"]) == (
        "analyst-test",
        str(outcome.import_id),
        "ok",
    )
    assert audit["detail"]["imported"] == 13 and audit["detail"]["sha256"] == record["file_sha256"]


def test_running_the_same_file_again_imports_nothing_new(services: Services, run_import: ImportFn) -> None:
    first = run_import()
    again = run_import()
    assert again.report["imported"] == 0 and again.report["rejected"] == 4
    assert again.report["duplicates_detail"]["earlier_imports"] == 14
    assert again.report["same_file_imported_before"] == [first.import_id]
    assert {r["import_id"] for r in stored(services).values()} == {first.import_id}
    # An import that stores nothing leaves no empty record, only its audit row.
    assert again.import_id is None and again.report["status"] == "nothing_imported"
    assert count(services, cad_imports) == 1


def test_duplicates_are_found_across_batches(services: Services, run_import: ImportFn) -> None:
    report = run_import(batch_size=3).report
    assert (report["imported"], report["duplicates"]) == (13, 1)
    assert report["duplicates_detail"]["in_file"] == 1 and len(stored(services)) == 13


def test_a_dry_run_reports_the_same_and_writes_nothing(services: Services, run_import: ImportFn) -> None:
    report = run_import(dry_run=True, batch_size=3).report
    assert report["status"] == "dry_run"
    assert (report["rows_read"], report["imported"], report["rejected"], report["duplicates"]) == (
        18,
        13,
        4,
        1,
    )
    assert count(services, imported_incidents) == 0 and count(services, cad_imports) == 0
    assert count(services, audit_log, audit_log.c.action == "cad.import") == 0


def test_a_dry_run_counts_rows_already_imported_as_duplicates(
    services: Services, run_import: ImportFn
) -> None:
    run_import()
    report = run_import(dry_run=True).report
    assert (report["imported"], report["duplicates"]) == (0, 14)


def test_a_cp1251_export_with_a_preamble_and_epoch_milliseconds(
    services: Services, run_import: ImportFn
) -> None:
    report = run_import(DATA / "duty_desk_cp1251.csv", DATA / "duty_desk_cp1251.toml").report
    assert (report["rows_read"], report["imported"], report["rejected"]) == (3, 3, 0)
    rows = stored(services)
    theft = rows["ДЧ-17"]
    assert (theft["category_code"], theft["received_at"]) == ("theft", utc(2024, 2, 10, 3, 0))
    assert theft["first_on_scene_at"] == utc(2024, 2, 10, 3, 10) and theft["closed_at"] == utc(
        2024, 2, 10, 4, 0
    )
    assert rows["ДЧ-18"]["category_code"] == "car_theft" and rows["ДЧ-18"]["first_on_scene_at"] is None
    assert rows["ДЧ-19"]["received_at"] == utc(2024, 2, 12, 2, 10) and rows["ДЧ-19"]["closed_at"] is None


def test_a_file_not_in_its_declared_encoding_stops_before_writing(
    services: Services, run_import: ImportFn, tmp_path: Path
) -> None:
    mapping = tmp_path / "utf8.toml"
    text = (DATA / "duty_desk_cp1251.toml").read_text(encoding="utf-8").replace('"cp1251"', '"utf-8"')
    mapping.write_text(text, encoding="utf-8")
    with pytest.raises(SourceFileError, match=r"not readable as utf-8: bad bytes near byte 0 \(line 1\)"):
        run_import(DATA / "duty_desk_cp1251.csv", mapping)
    assert count(services, cad_imports) == 0


def test_a_failure_midway_removes_the_rows_and_records_the_failure(
    services: Services, run_import: ImportFn
) -> None:
    def stop(done: int, total: int, rows: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_import(batch_size=5, progress=stop)
    assert count(services, imported_incidents) == 0
    with services.engine.connect() as connection:
        record = connection.execute(select(cad_imports)).mappings().one()
        outcome = connection.execute(
            select(audit_log.c.outcome).where(audit_log.c.action == "cad.import")
        ).scalar_one()
    assert record["report"]["status"] == "failed" and record["report"]["error"] == "KeyboardInterrupt"
    assert record["rows_imported"] == 0 and outcome == "failed"
    assert run_import().report["imported"] == 13  # and the next run starts afresh
