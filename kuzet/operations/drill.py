"""`kuzet backup drill`: restore the latest backup into a scratch database and check it as a restore would
be checked; record the outcome in the data folder, where `/readyz` shows it."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kuzet.config import Settings
from kuzet.core import migrate
from kuzet.core.backup_drill import write_last_drill
from kuzet.operations import audit_trail, postgres
from kuzet.operations.backup import backups_folder
from kuzet.operations.domain import CHECKPOINTS, MANIFEST, PARTIAL, PREFIX, BackupError, count_mismatches
from kuzet.operations.restore import check_fits, read_verified, restore_database
from kuzet.operations.tables import counts_and_revision


@dataclass
class Drill:
    at: datetime
    backup: Path | None = None
    checks: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def record(self) -> dict[str, Any]:
        return {
            "at": self.at.astimezone(UTC).isoformat(),
            "ok": self.ok,
            "backup": self.backup.name if self.backup else None,
            "checks": self.checks,
            "error": self.error,
        }


def latest_backup(root: Path) -> Path:
    """The newest finished backup under `root`: by the time its manifest gives, then by name."""
    found = [
        p
        for p in (root.iterdir() if root.is_dir() else ())
        if p.name.startswith(PREFIX) and not p.name.endswith(PARTIAL) and (p / MANIFEST).is_file()
    ]
    if not found:
        raise BackupError(f"no backup found in {root}: run `kuzet backup` first")
    return max(found, key=lambda p: (_taken_at(p), p.name))


def _taken_at(folder: Path) -> str:
    try:
        return str(json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("created_at", ""))
    except (OSError, ValueError, AttributeError):
        return ""  # an unreadable manifest sorts first; if it is the only one, the drill says why it fails


@contextmanager
def scratch_database(settings: Settings) -> Iterator[str]:
    """An empty database of the deployment's kind: a temporary SQLite file, or a PostgreSQL database created
    for the drill and dropped after it."""
    if settings.is_sqlite:
        with tempfile.TemporaryDirectory(prefix="kuzet-drill-") as folder:
            yield f"sqlite:///{Path(folder) / 'drill.db'}"
    else:
        with postgres.scratch_database(settings.database_url) as url:
            yield url


def run_drill(settings: Settings, *, source: Path | None, at: datetime) -> Drill:
    """Check the latest backup end to end; the result is recorded, pass or fail, and returned."""
    drill = Drill(at=at)
    try:
        drill.backup = latest_backup(source if source is not None else backups_folder(settings))
        _check(settings, drill.backup, drill.checks)
    except BackupError as exc:
        drill.error = str(exc)
    write_last_drill(settings.data_dir, drill.record())
    return drill


def _check(settings: Settings, backup: Path, checks: dict[str, str]) -> None:
    manifest = read_verified(backup)
    checks["checksums"] = f"ok: {len(manifest['files'])} files"
    check_fits(manifest, database_url=settings.database_url, secret_key=settings.secret_key)
    with scratch_database(settings) as url:
        restore_database(manifest, backup, url)
        counts, revision = counts_and_revision(url)
        if revision != manifest["migration_revision"]:
            raise BackupError(
                f"restored schema is at {revision}, the manifest says {manifest['migration_revision']}"
            )
        head = migrate.head_revision()
        checks["migration"] = f"ok: {revision}" + (
            "" if revision == head else f" (head {head}: run db upgrade)"
        )
        mismatches = count_mismatches(manifest["row_counts"], counts)
        if mismatches:
            raise BackupError("row counts differ from the manifest: " + "; ".join(mismatches))
        checks["row_counts"] = f"ok: {len(counts)} tables, {sum(counts.values())} rows"
        report = audit_trail.verify(url, settings.secret_key, backup / CHECKPOINTS)
        if not report.ok:
            raise BackupError(audit_trail.describe(report))
        checks["audit"] = "ok: " + audit_trail.describe(report)
