"""Backup → restore into an empty database → the audit chain verifies, on the run's back end (SQLite or
PostgreSQL); a database holding rows and a tampered backup are refused."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url

from kuzet.app import create_app
from kuzet.container import Services
from kuzet.operations.backup import take_backup
from kuzet.operations.domain import DATA, MANIFEST, BackupError
from kuzet.operations.restore import restore_backup
from kuzet.operations.tables import counts_and_revision, occupied_tables
from tests.conftest import running_server
from tests.operations.backup_helpers import JPEG, empty_target, kuzet, make_data
from tests.ops import Centre
from tests.partners.fixtures import App


def test_a_backup_restores_into_an_empty_database_and_serves_what_was_taken(
    centre: Centre, kaspi: App, services: Services, tmp_path: Path
) -> None:
    made = make_data(centre, kaspi, services, tmp_path)
    backup = take_backup(made.settings, to=tmp_path / "backups", at=services.clock.now())
    manifest = backup.manifest
    counts, revision = counts_and_revision(services.settings.database_url)
    assert manifest["migration_revision"] == revision
    # The backup's audit row is written after the copy: the live log is one row ahead of the manifest.
    assert manifest["row_counts"]["appeals"] == counts["appeals"] == 4
    assert manifest["row_counts"]["incidents"] == counts["incidents"] >= 1
    assert manifest["row_counts"]["audit_log"] == counts["audit_log"] > 0
    photo_path = f"{DATA}/media/{made.photo['sha256'][:2]}/{made.photo['sha256']}"
    assert photo_path in {f["path"] for f in manifest["files"]}

    with empty_target(made.settings, tmp_path) as target:
        restored = restore_backup(target, backup.folder)
        assert restored.data_files == manifest["data_files"] > 0
        assert counts_and_revision(target.database_url) == (manifest["row_counts"], revision)
        assert (target.data_dir / photo_path.removeprefix(DATA + "/")).read_bytes() == JPEG

        verified = kuzet(target, "audit", "verify")
        assert verified.returncode == 0, verified.stderr
        assert "agrees with 1 checkpoint" in verified.stdout

        # A server on the restored database serves the calls and the photo as before, to the same sessions,
        # and takes new calls where the numbering left off.
        restored_services = Services.build(target)
        try:
            with (
                running_server(create_app(target, services=restored_services)) as url,
                httpx.Client(base_url=url, timeout=30) as client,
            ):
                for call in made.calls:
                    path = f"/api/v1/incidents/{call['incident']['id']}"
                    before = centre.dispatcher.ok(centre.dispatcher.get(path))
                    after = client.get(path, headers=centre.dispatcher.headers)
                    assert after.status_code == 200, after.text
                    assert after.json() == before
                card = client.get(
                    f"/api/v1/incidents/{made.calls[0]['incident']['id']}",
                    headers=centre.dispatcher.headers,
                ).json()
                assert card["appeals"][0]["text"] == "Драка у магазина, вызов 0"
                new = client.post("/api/v1/appeals", json=_call_body(), headers=centre.call_taker.headers)
                assert new.status_code == 201, new.text
                assert new.json()["incident"]["id"] not in {c["incident"]["id"] for c in made.calls}
        finally:
            restored_services.close()
        assert kuzet(target, "audit", "verify").returncode == 0


def test_the_commands_back_up_restore_and_verify_as_an_operator_runs_them(
    centre: Centre, kaspi: App, services: Services, tmp_path: Path
) -> None:
    made = make_data(centre, kaspi, services, tmp_path)
    taken = kuzet(made.settings, "backup", "--to", str(tmp_path / "backups"))
    assert taken.returncode == 0, taken.stderr
    (folder,) = (tmp_path / "backups").iterdir()
    assert str(folder) in taken.stdout and "appeals 4" in taken.stdout
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["backend"] == ("sqlite" if made.settings.is_sqlite else "postgresql")

    with empty_target(made.settings, tmp_path) as target:
        restored = kuzet(target, "restore", str(folder))
        assert restored.returncode == 0, restored.stderr
        assert "audit chain intact" in restored.stdout
        verified = kuzet(target, "audit", "verify")
        assert verified.returncode == 0, verified.stderr
        counts, _ = counts_and_revision(target.database_url)
        # The restore's own audit row follows the rows restored, and the chain still verifies.
        assert counts["audit_log"] == manifest["row_counts"]["audit_log"] + 1
        assert counts["appeals"] == manifest["row_counts"]["appeals"]

        again = kuzet(target, "restore", str(folder))
        assert again.returncode == 1
        assert "database not empty:" in again.stderr and "tables hold rows" in again.stderr


def test_a_restore_into_a_database_holding_rows_is_refused(
    centre: Centre, kaspi: App, services: Services, tmp_path: Path
) -> None:
    made = make_data(centre, kaspi, services, tmp_path)
    backup = take_backup(made.settings, to=tmp_path / "backups", at=services.clock.now())
    before, _ = counts_and_revision(services.settings.database_url)
    occupied = occupied_tables(services.settings.database_url)
    assert {"appeals", "incidents", "audit_log"} <= set(occupied)
    with pytest.raises(BackupError, match=rf"^database not empty: {len(occupied)} tables hold rows"):
        restore_backup(made.settings, backup.folder)
    assert counts_and_revision(services.settings.database_url)[0] == before


@pytest.mark.parametrize("part", ["database", "data file"])
def test_a_tampered_backup_is_refused_by_its_checksum(
    centre: Centre, kaspi: App, services: Services, tmp_path: Path, part: str
) -> None:
    made = make_data(centre, kaspi, services, tmp_path)
    backup = take_backup(made.settings, to=tmp_path / "backups", at=services.clock.now())
    listed = [f["path"] for f in backup.manifest["files"]]
    chosen = next(p for p in listed if p.startswith("database/" if part == "database" else f"{DATA}/media/"))
    target_file = backup.folder / chosen
    content = bytearray(target_file.read_bytes())
    content[len(content) // 2] ^= 0xFF  # one byte flipped, the size unchanged
    target_file.write_bytes(bytes(content))

    with empty_target(made.settings, tmp_path) as target:
        with pytest.raises(BackupError, match=f"{chosen}: checksum differs from the manifest"):
            restore_backup(target, backup.folder)
        refused = kuzet(target, "restore", str(backup.folder))
        assert refused.returncode == 1 and "checksum differs" in refused.stderr
        # Nothing was written: the target is as empty as it was (a SQLite file not even made), no data folder.
        assert occupied_tables(target.database_url) == []
        if target.is_sqlite:
            assert not Path(make_url(target.database_url).database or "").exists()
        assert not target.data_dir.exists()


def _call_body() -> dict[str, object]:
    return {
        "caller_phone": "+77011234567",
        "text": "Шум во дворе после восстановления",
        "category_code": "fight",
        "lat": 42.5063,
        "lon": 1.5218,
        "address": "Plaça del Poble",
    }
