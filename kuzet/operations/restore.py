"""`kuzet restore`: check a backup against its manifest, then bring it back into an empty database and put
the data folder's files back, and the media and camera pictures into their folders wherever configured."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from alembic.util import CommandError

from kuzet.config import Settings
from kuzet.core import migrate
from kuzet.operations import files, postgres, sqlite
from kuzet.operations.backup import default_names, key_check
from kuzet.operations.domain import (
    CAMERA_IMAGES,
    CHECKPOINTS,
    DATA,
    DATABASE,
    MANIFEST,
    MEDIA,
    SQLITE_FILE,
    BackupError,
    check_manifest,
    file_mismatches,
    parse_files,
    place_of,
)
from kuzet.operations.tables import occupied_tables


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    data_files: int  # every file put back: the data folder's, the media and the camera pictures
    checkpoints: Path | None  # where the checkpoint file was put back, if the backup had one


def read_verified(folder: Path) -> dict[str, Any]:
    """The backup's manifest, once every file it lists is found with its size and SHA-256."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"no {MANIFEST} in {folder}: not a Kuzet backup, or an unfinished one") from exc
    except ValueError as exc:
        raise BackupError(f"{folder / MANIFEST} is not valid JSON") from exc
    if not isinstance(manifest, dict):
        raise BackupError(f"{folder / MANIFEST} is not a manifest")
    check_manifest(manifest)
    entries = parse_files(manifest)
    problems = file_mismatches(entries, files.on_disk(folder, entries))
    if problems:
        raise BackupError("backup does not match its manifest: " + "; ".join(problems))
    return manifest


def check_fits(manifest: dict[str, Any], *, database_url: str, secret_key: str) -> None:
    """Refuse a backup that this deployment could not run: another back end, a schema newer than this code,
    or an audit chain made under another secret key."""
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    if manifest["backend"] != backend:
        raise BackupError(
            f"the backup is of a {manifest['backend']} database and KUZET_DATABASE_URL is {backend}: "
            "restore it into the same kind of database"
        )
    revision = manifest["migration_revision"]
    try:
        ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_revision(revision)
    except CommandError as exc:
        head, version = migrate.head_revision(), manifest.get("kuzet_version", "?")
        raise BackupError(
            f"the backup's schema ({revision}) is newer than this Kuzet knows (head {head}): "
            f"restore it with Kuzet {version} or later"
        ) from exc
    expected = manifest.get("audit_key_check")
    if expected is not None and expected != key_check(secret_key):
        raise BackupError(
            "KUZET_SECRET_KEY differs from the one the backup was made under: the audit chain would not "
            "verify. Restore with the original secret key"
        )


def check_empty(database_url: str) -> None:
    occupied = occupied_tables(database_url)
    if occupied:
        shown = ", ".join(occupied[:8]) + (", …" if len(occupied) > 8 else "")
        raise BackupError(
            f"database not empty: {len(occupied)} tables hold rows ({shown}); restore only into an empty "
            "database (a new one, or one only migrated)"
        )


def restore_database(manifest: dict[str, Any], folder: Path, database_url: str) -> None:
    if manifest["backend"] == "sqlite":
        sqlite.restore(folder / SQLITE_FILE, database_url)
    else:
        postgres.restore(folder / DATABASE, database_url)


def restore_backup(settings: Settings, folder: Path) -> Restored:
    """Verify, check the target, restore the database, then the files. Nothing is written before the checks
    pass."""
    manifest = read_verified(folder)
    check_fits(manifest, database_url=settings.database_url, secret_key=settings.secret_key)
    check_empty(settings.database_url)
    restore_database(manifest, folder, settings.database_url)
    roots = {
        DATA: settings.data_dir,
        MEDIA: settings.media_folder,
        CAMERA_IMAGES: settings.camera_images_folder,
    }
    count = 0
    for entry in parse_files(manifest):
        place = place_of(entry.path, default_names())
        if place is not None:
            root, relative = place
            files.put_back(folder / entry.path, roots[root] / relative)
            count += 1
    checkpoints = None
    if manifest.get("checkpoints"):
        checkpoints = settings.audit_checkpoint_file
        files.put_back(folder / CHECKPOINTS, checkpoints)
    return Restored(manifest, count, checkpoints)
