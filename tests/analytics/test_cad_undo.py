"""Interrupted and undone CAD imports, with a real `kuzet import-cad` process stopped midway by SIGTERM or
kill -9: afterwards, and after `resume` or `undo`, the tables hold exactly what a clean import leaves, or what
was there before."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from kuzet.analytics.cad.tables import cad_imports, imported_incidents
from kuzet.analytics.domain import Origin, Query
from kuzet.analytics.service import Analytics
from kuzet.container import Services
from kuzet.core.audit.store import audit_log
from tests.conftest import run_cli
from tests.processes import kuzet_env, start_kuzet

ROWS = 20_000
BATCH = "100"  # small transactions, so that a kill lands between them
MAPPING = """
name = "Test CAD"
[csv]
delimiter = ","
[time]
zone = "Europe/Berlin"
formats = ["iso8601"]
[fields]
number = "Incident_Number"
received_at = "Call_Received_Time"
first_on_scene_at = "Incident_Arrival_Time"
district = "Beat"
"""


@pytest.fixture
def export(tmp_path: Path) -> tuple[str, str]:
    start = datetime(2025, 3, 1, tzinfo=UTC)
    lines = ["Incident_Number,Call_Received_Time,Incident_Arrival_Time,Beat"]
    for i in range(ROWS):
        received = start + timedelta(minutes=7 * i)
        arrived = received + timedelta(seconds=200 + i % 600)
        lines.append(f"N{i:06d},{received:%Y-%m-%d %H:%M:%S},{arrived:%Y-%m-%d %H:%M:%S},B{i % 9}")
    lines.append("N000005,2025-03-01 00:00:00,,B1")  # a duplicate within the file
    lines.append("N999999,not a time,,B1")  # a reject
    csv_file, mapping = tmp_path / "export.csv", tmp_path / "mapping.toml"
    csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping.write_text(MAPPING, encoding="utf-8")
    return str(csv_file), str(mapping)


def table_rows(services: Services) -> list[tuple[Any, ...]]:
    """Every imported incident's content, without the ids that differ between two imports."""
    columns = [c for c in imported_incidents.c if c.name not in ("id", "import_id")]
    with services.engine.connect() as connection:
        found = connection.execute(select(*columns).order_by(imported_incidents.c.number))
        return [tuple(row) for row in found]


def imports(services: Services) -> list[dict[str, Any]]:
    with services.engine.connect() as connection:
        return [
            dict(r) for r in connection.execute(select(cad_imports).order_by(cad_imports.c.id)).mappings()
        ]


def stored_count(services: Services) -> int:
    with services.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(imported_incidents)).scalar_one())


def interrupt(services: Services, export: tuple[str, str], how: signal.Signals) -> int:
    """Start a real import and stop it with `how` once some batches are committed; its exit code."""
    env = kuzet_env(services.settings, {"KUZET_LOG_LEVEL": "WARNING"})
    process = start_kuzet("import-cad", export[0], "--mapping", export[1], "--batch-size", BATCH, env=env)
    try:
        deadline = time.monotonic() + 60
        while stored_count(services) < 1000 and time.monotonic() < deadline:
            assert process.poll() is None, "the import finished before it could be interrupted"
            time.sleep(0.01)
        process.send_signal(how)
        return process.wait(timeout=60)  # reaped: its pid is gone, as after a real crash
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def clean_import(services: Services, export: tuple[str, str]) -> list[tuple[Any, ...]]:
    done = run_cli(services, "import-cad", export[0], "--mapping", export[1], "--batch-size", BATCH)
    assert done.returncode == 0, done.stderr
    return table_rows(services)


def imported_in_analytics(analytics: Analytics) -> int:
    analytics.refresh()
    return analytics.counts(Query(origin=Origin.IMPORTED)).total


def test_kill_9_leaves_a_resumable_import_that_resume_finishes_exactly(
    services: Services, export: tuple[str, str], analytics: Analytics
) -> None:
    assert interrupt(services, export, signal.SIGKILL) == -signal.SIGKILL
    (record,) = imports(services)
    assert record["report"]["status"] == "running" and record["finished_at"] is None
    assert 0 < stored_count(services) < ROWS
    assert imported_in_analytics(analytics) == 0  # a half-done import counts nowhere

    listed = run_cli(services, "import-cad", "list")
    assert listed.returncode == 0 and "running" in listed.stdout
    shown = run_cli(services, "import-cad", "show", str(record["id"]))
    assert "interrupted: `resume` or `undo` it" in " ".join(shown.stdout.split()), shown.stdout

    resumed = run_cli(services, "import-cad", "resume", str(record["id"]), "--batch-size", BATCH)
    assert resumed.returncode == 0, resumed.stderr
    after_resume, resumed_record = table_rows(services), imports(services)[0]
    assert resumed_record["report"]["status"] == "imported"
    assert imported_in_analytics(analytics) == ROWS
    counts = [resumed_record["report"][k] for k in ("records", "imported", "rejected", "duplicates")]
    assert counts == [ROWS + 2, ROWS, 1, 1]

    undone = run_cli(services, "import-cad", "undo", str(record["id"]))
    assert undone.returncode == 0, undone.stderr
    assert f"{ROWS:,} rows removed" in undone.stdout
    assert table_rows(services) == []  # as before the import
    assert imports(services)[0]["report"]["status"] == "undone"
    with services.engine.connect() as connection:
        actions = connection.execute(select(audit_log.c.action, audit_log.c.object_id)).all()
    assert ("cad.undo", str(record["id"])) in {(a, str(o)) for a, o in actions}

    # The same file imported cleanly gives exactly the rows the resumed import had.
    assert clean_import(services, export) == after_resume
    clean = imports(services)[1]["report"]
    assert [clean[k] for k in ("records", "imported", "rejected", "duplicates")] == counts


def test_sigterm_removes_the_rows_and_records_the_failure(
    services: Services, export: tuple[str, str]
) -> None:
    code = interrupt(services, export, signal.SIGTERM)
    assert code == 128 + signal.SIGTERM
    assert table_rows(services) == []  # as before
    (record,) = imports(services)
    assert record["report"]["status"] == "failed" and record["finished_at"] is not None
    assert record["rows_imported"] == 0
    assert run_cli(services, "import-cad", "undo", str(record["id"])).returncode == 1  # nothing to undo
    full = clean_import(services, export)
    assert len(full) == ROWS


def test_a_later_import_undoes_an_interrupted_one_then_imports(
    services: Services, export: tuple[str, str]
) -> None:
    interrupt(services, export, signal.SIGKILL)
    done = run_cli(services, "import-cad", export[0], "--mapping", export[1], "--batch-size", BATCH)
    assert done.returncode == 0, done.stderr
    assert "had been interrupted: undone" in done.stderr
    first, second = imports(services)
    assert first["report"]["status"] == "undone" and second["report"]["status"] == "imported"
    assert stored_count(services) == ROWS


def test_a_rerun_that_imports_nothing_records_no_import(services: Services, export: tuple[str, str]) -> None:
    clean_import(services, export)
    again = run_cli(services, "import-cad", export[0], "--mapping", export[1])
    assert again.returncode == 0, again.stderr
    assert "nothing new to import: no import was recorded" in again.stdout
    assert len(imports(services)) == 1


def test_show_and_undo_a_finished_import_then_import_again(
    services: Services, export: tuple[str, str]
) -> None:
    before = clean_import(services, export)
    (record,) = imports(services)
    shown = " ".join(run_cli(services, "import-cad", "show", str(record["id"])).stdout.split())
    assert f"import #{record['id']}: imported" in shown and f"imported │ {ROWS:,}" in shown
    assert run_cli(services, "import-cad", "undo", str(record["id"])).returncode == 0
    shown = run_cli(services, "import-cad", "show", str(record["id"])).stdout
    assert f"import #{record['id']}: undone" in shown and "undone at" in shown
    again = run_cli(services, "import-cad", "undo", str(record["id"]))
    assert again.returncode == 1 and "is undone: it holds no rows to undo" in again.stderr
    missing = run_cli(services, "import-cad", "show", "999")
    assert missing.returncode == 1 and "there is no import #999" in missing.stderr
    assert clean_import(services, export) == before  # fixed by undoing and importing again
