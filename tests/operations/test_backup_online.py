"""A backup is taken online: calls keep coming in while it is written, and each backup still restores to
exactly the rows its manifest counts, with an audit chain that verifies."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx

from kuzet.container import Services
from kuzet.operations.backup import take_backup
from kuzet.operations.drill import run_drill
from tests.conftest import LiveServer
from tests.operations.backup_helpers import kuzet, make_data
from tests.ops import PLAZA, Centre
from tests.partners.fixtures import App


def test_backups_taken_while_calls_come_in_restore_to_their_manifest(
    centre: Centre, kaspi: App, services: Services, server: LiveServer, tmp_path: Path
) -> None:
    made = make_data(centre, kaspi, services, tmp_path)
    stop, taken, failures = threading.Event(), [0], []

    def take_calls() -> None:
        with server.client(**centre.call_taker.headers) as client:
            while not stop.is_set():
                body = {
                    "caller_phone": "+77011234567",
                    "text": f"Вызов во время копирования {taken[0]}",
                    "category_code": "fight",
                    "lat": PLAZA[0],
                    "lon": PLAZA[1],
                }
                response = client.post("/api/v1/appeals", json=body)
                if response.status_code == 201:
                    taken[0] += 1
                else:
                    failures.append(response.status_code)

    caller = threading.Thread(target=take_calls, daemon=True)
    caller.start()
    backups = []
    try:
        for n in range(3):
            seen = taken[0]
            deadline = time.monotonic() + 30
            while taken[0] < seen + 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            backups.append(take_backup(made.settings, to=tmp_path / f"b{n}", at=services.clock.now()))
    finally:
        stop.set()
        caller.join(timeout=30)
    assert failures == []
    appeals = [b.manifest["row_counts"]["appeals"] for b in backups]
    assert appeals == sorted(appeals) and appeals[0] < appeals[-1]  # calls were taken between the backups

    home = made.settings.model_copy(update={"data_dir": tmp_path / "drill-home"})
    for n, backup in enumerate(backups):
        drill = run_drill(home, source=tmp_path / f"b{n}", at=services.clock.now())
        assert drill.ok, drill.error
        assert drill.backup == backup.folder
    assert kuzet(made.settings, "audit", "verify").returncode == 0
    assert httpx.get(f"{server.url}/readyz").status_code == 200
