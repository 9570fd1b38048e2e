"""What the backup tests share: what the centre did before the backup, an empty database to restore into,
and the `kuzet` command run against any settings."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kuzet.config import Settings
from kuzet.container import Services
from kuzet.core.audit import service as audit_service
from kuzet.core.audit.checkpoint_file import CheckpointLog
from tests.conftest import KUZET_COMMAND, scratch_database
from tests.ops import Centre
from tests.partners.fixtures import App

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 300


@dataclass
class Made:
    """What the centre did before the backup: the settings it ran under, the calls and the photo."""

    settings: Settings
    calls: list[dict[str, Any]]
    photo: dict[str, Any]
    partner_appeal: dict[str, Any]


def make_data(centre: Centre, kaspi: App, services: Services, tmp_path: Path) -> Made:
    """Three 102 calls, a partner appeal with a photo, and an audit checkpoint in this test's own file."""
    calls = [centre.call_taker.call(text=f"Драка у магазина, вызов {n}") for n in range(3)]
    uploaded = kaspi.client.upload(JPEG)
    assert uploaded.status_code == 201, uploaded.text
    photo = uploaded.json()
    sent = kaspi.client.send_appeal(kaspi.appeal(media=[photo["id"]]))
    assert sent.status_code in (200, 201, 202), sent.text
    settings = services.settings.model_copy(update={"audit_checkpoint_path": tmp_path / "checkpoints.jsonl"})
    written = audit_service.write_checkpoint(
        services.uow(), checkpoints=CheckpointLog.from_settings(settings), at=services.clock.now()
    )
    assert written.written is not None
    return Made(settings, calls, photo, sent.json())


@contextmanager
def empty_target(settings: Settings, folder: Path) -> Iterator[Settings]:
    """Settings of a new, empty database (on the run's back end) and a new data folder."""
    with scratch_database(folder / "db") as url:
        yield settings.model_copy(
            update={"database_url": url, "data_dir": folder / "restored", "audit_checkpoint_path": None}
        )


def kuzet(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed `kuzet` command, as an operator runs it, under these settings."""
    env = {
        **os.environ,
        "KUZET_DATABASE_URL": settings.database_url,
        "KUZET_DATA_DIR": str(settings.data_dir),
        "KUZET_MODE": "test",
        "KUZET_SECRET_KEY": settings.secret_key,
        "KUZET_LOG_LEVEL": "WARNING",
        "COLUMNS": "200",
    }
    env.pop("KUZET_AUDIT_CHECKPOINT_PATH", None)
    if settings.audit_checkpoint_path is not None:
        env["KUZET_AUDIT_CHECKPOINT_PATH"] = str(settings.audit_checkpoint_path)
    return subprocess.run(
        [KUZET_COMMAND, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
