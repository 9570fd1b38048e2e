"""`kuzet backup drill` restores the latest backup into a scratch database and checks it; `/readyz` shows
the last drill's result without letting it change readiness."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from kuzet.container import Services
from kuzet.core.backup_drill import record_path
from kuzet.operations.domain import MANIFEST
from tests.operations.backup_helpers import empty_target, kuzet, make_data
from tests.ops import Centre, parse
from tests.partners.fixtures import App


@pytest.fixture
def no_drill_yet(services: Services) -> Iterator[Path]:
    """The shared data folder without a drill record, before and after the test."""
    path = record_path(services.settings.data_dir)
    path.unlink(missing_ok=True)
    yield path
    path.unlink(missing_ok=True)


def test_readyz_shows_no_drill_before_one_has_run(http: httpx.Client, no_drill_yet: Path) -> None:
    response = http.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.json()["checks"]["backup_drill"] is None


def test_the_drill_restores_the_latest_backup_and_readyz_shows_it(
    centre: Centre, kaspi: App, services: Services, http: httpx.Client, tmp_path: Path, no_drill_yet: Path
) -> None:
    made = make_data(centre, kaspi, services, tmp_path)
    backups = tmp_path / "backups"
    assert kuzet(made.settings, "backup", "--to", str(backups)).returncode == 0
    centre.call_taker.call(text="Ещё один вызов между копиями")
    assert kuzet(made.settings, "backup", "--to", str(backups)).returncode == 0
    latest = max(backups.iterdir(), key=lambda p: json.loads((p / MANIFEST).read_text())["created_at"])
    assert json.loads((latest / MANIFEST).read_text())["row_counts"]["appeals"] == 5

    drill = kuzet(made.settings, "backup", "drill", "--from", str(backups))
    assert drill.returncode == 0, drill.stderr
    assert f"drill passed: {latest.name}" in drill.stdout
    assert "row_counts: ok" in drill.stdout and "audit: ok: audit chain intact" in drill.stdout

    ready = http.get("/readyz")
    assert ready.status_code == 200
    shown = ready.json()["checks"]["backup_drill"]
    assert (shown["ok"], shown["backup"]) == (True, latest.name)
    assert abs(parse(shown["at"]) - services.clock.now()) < timedelta(minutes=2)
    with services.engine.connect() as connection:
        actions = connection.execute(text("SELECT action, outcome FROM audit_log ORDER BY seq")).all()
    assert ("backup.drill", "ok") in [tuple(a) for a in actions]
    assert sum(1 for a in actions if a[0] == "backup.create") == 2
    # The drill used a scratch database: the live one keeps its rows, and a PostgreSQL scratch is dropped.
    if not services.settings.is_sqlite:
        with services.engine.connect() as connection:
            left = connection.execute(
                text("SELECT count(*) FROM pg_database WHERE datname LIKE 'kuzet_drill_%'")
            )
            assert left.scalar_one() == 0


@pytest.mark.parametrize("damage", ["a database file flipped", "the manifest's row count"])
def test_a_failing_drill_shows_on_readyz_without_taking_the_server_out(
    centre: Centre,
    kaspi: App,
    services: Services,
    http: httpx.Client,
    tmp_path: Path,
    no_drill_yet: Path,
    damage: str,
) -> None:
    made = make_data(centre, kaspi, services, tmp_path)
    backups = tmp_path / "backups"
    assert kuzet(made.settings, "backup", "--to", str(backups)).returncode == 0
    (folder,) = backups.iterdir()
    manifest = json.loads((folder / MANIFEST).read_text())
    if damage == "the manifest's row count":
        manifest["row_counts"]["appeals"] += 1
        (folder / MANIFEST).write_text(json.dumps(manifest))
        expected = "row counts differ from the manifest: appeals: manifest 5, restored 4"
    else:
        chosen = next(f["path"] for f in manifest["files"] if f["path"].startswith("database/"))
        content = bytearray((folder / chosen).read_bytes())
        content[-1] ^= 0xFF
        (folder / chosen).write_bytes(bytes(content))
        expected = f"{chosen}: checksum differs from the manifest"

    drill = kuzet(made.settings, "backup", "drill", "--from", str(backups))
    assert drill.returncode == 1
    assert "drill FAILED" in drill.stderr and expected in drill.stderr

    ready = http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert ready.json()["checks"]["backup_drill"]["ok"] is False
    assert ready.json()["checks"]["backup_drill"]["backup"] == folder.name
    recorded = json.loads(no_drill_yet.read_text())
    assert expected in recorded["error"]


def test_a_drill_without_any_backup_fails_and_says_so(
    services: Services, http: httpx.Client, tmp_path: Path, no_drill_yet: Path
) -> None:
    drill = kuzet(services.settings, "backup", "drill", "--from", str(tmp_path / "none"))
    assert drill.returncode == 1 and "no backup found" in drill.stderr
    shown = http.get("/readyz").json()["checks"]["backup_drill"]
    assert (shown["ok"], shown["backup"]) == (False, None)


def test_a_restored_backup_passes_the_drill_taken_from_its_new_home(
    centre: Centre, kaspi: App, services: Services, tmp_path: Path
) -> None:
    """A backup of a restored deployment restores again: the chain carries on through the restore's row."""
    made = make_data(centre, kaspi, services, tmp_path)
    assert kuzet(made.settings, "backup", "--to", str(tmp_path / "first")).returncode == 0
    (first,) = (tmp_path / "first").iterdir()
    with empty_target(made.settings, tmp_path) as target:
        assert kuzet(target, "restore", str(first)).returncode == 0
        assert kuzet(target, "backup").returncode == 0
        drill = kuzet(target, "backup", "drill")
        assert drill.returncode == 0, drill.stderr
        assert json.loads(record_path(target.data_dir).read_text())["ok"] is True
