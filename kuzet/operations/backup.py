"""`kuzet backup`: the database from one consistent moment, the audit checkpoints, the data folder's files and
the media and camera pictures kept outside it, in a new folder with a manifest of checksums and row counts."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kuzet import __version__
from kuzet.config import CAMERA_IMAGES_FOLDER, MEDIA_FOLDER, Settings
from kuzet.core.audit.domain import chain_key
from kuzet.operations import files, postgres, sqlite
from kuzet.operations.domain import (
    CAMERA_IMAGES,
    CHECKPOINTS,
    DATA,
    DATABASE,
    FORMAT,
    MANIFEST,
    MEDIA,
    PARTIAL,
    SQLITE_FILE,
    BackupError,
    folder_name,
)
from kuzet.operations.tables import counts_and_revision


@dataclass(frozen=True)
class Backup:
    folder: Path
    manifest: dict[str, Any]


def backups_folder(settings: Settings) -> Path:
    return settings.data_dir / "backups"


def default_names() -> dict[str, str]:
    """The default name in the data folder of each folder that may be kept elsewhere, by its backup prefix."""
    return {MEDIA: MEDIA_FOLDER, CAMERA_IMAGES: CAMERA_IMAGES_FOLDER}


def moved_folders(settings: Settings) -> dict[str, Path]:
    """The media and camera pictures' folders configured elsewhere than their default place in the data
    folder, by their backup prefix: their files are copied under that prefix, not with the data folder's."""
    configured = {MEDIA: settings.media_folder, CAMERA_IMAGES: settings.camera_images_folder}
    return {
        prefix: folder
        for prefix, folder in configured.items()
        if folder.resolve() != (settings.data_dir / default_names()[prefix]).resolve()
    }


def key_check(secret_key: str) -> str:
    """A fingerprint of the audit chain's key (not the key): a restore under another KUZET_SECRET_KEY would
    leave a chain that cannot verify, and is refused before anything is written."""
    return hmac.new(chain_key(secret_key), b"kuzet:backup-key-check", hashlib.sha256).hexdigest()[:16]


def take_backup(settings: Settings, *, to: Path | None, at: datetime) -> Backup:
    """Write a new backup folder under `to` (default: the data folder's backups/) and return it.

    The order matters. The checkpoint file is copied first: each checkpoint then vouches for a row that the
    database copy, taken next, holds. The data folder's files, and the media and camera pictures kept
    outside it, are copied last, so that every file a database row names was on disk by then."""
    root = to if to is not None else backups_folder(settings)
    name = _free_name(root, folder_name(at))
    partial = root / (name + PARTIAL)
    partial.mkdir(parents=True)
    try:
        manifest = _write(settings, partial, at=at)
        final = root / name
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return Backup(final, manifest)


def _free_name(root: Path, name: str) -> str:
    candidate, n = name, 1
    while (root / candidate).exists() or (root / (candidate + PARTIAL)).exists():
        n += 1
        candidate = f"{name}-{n}"
    return candidate


def _write(settings: Settings, folder: Path, *, at: datetime) -> dict[str, Any]:
    checkpoint_file = settings.audit_checkpoint_file
    has_checkpoints = checkpoint_file.is_file()
    if has_checkpoints:
        files.copy_in(checkpoint_file, folder / CHECKPOINTS)

    leave_out = [checkpoint_file, folder.parent]
    database: dict[str, Any]
    if settings.is_sqlite:
        live = sqlite.database_file(settings.database_url)
        leave_out += [live.with_name(live.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]
        copy = folder / SQLITE_FILE
        sqlite.snapshot(settings.database_url, copy)
        counts, revision = counts_and_revision(f"sqlite:///{copy}")
        database = {"kind": "sqlite", "path": SQLITE_FILE}
    elif settings.database_url.startswith("postgresql"):
        counts, revision, version = postgres.dump(settings.database_url, folder / DATABASE)
        database = {"kind": "pg_dump-directory", "path": DATABASE, "pg_dump": version}
    else:
        raise BackupError("only SQLite and PostgreSQL databases can be backed up")
    if revision is None:
        raise BackupError("the database has no migration applied: there is nothing to back up")

    moved = moved_folders(settings)
    leave_out += list(moved.values())  # in the data folder or not, each is copied under its own prefix
    for prefix, root in [(DATA, settings.data_dir), *moved.items()]:
        for relative in files.data_files(root, leave_out=leave_out):
            files.copy_in(root / relative, folder / prefix / relative)

    entries = files.entries_under(folder, folder)
    manifest = {
        "format": FORMAT,
        "kuzet_version": __version__,
        "migration_revision": revision,
        "backend": "sqlite" if settings.is_sqlite else "postgresql",
        "created_at": at.astimezone(UTC).isoformat(),
        "database": database,
        "audit_key_check": key_check(settings.secret_key),
        "checkpoints": CHECKPOINTS if has_checkpoints else None,
        "row_counts": counts,
        "data_files": sum(1 for e in entries if e.path.startswith(DATA + "/")),
        "moved_files": sum(1 for e in entries if e.path.startswith((MEDIA + "/", CAMERA_IMAGES + "/"))),
        "total_bytes": sum(e.size for e in entries),
        "files": [e.fields() for e in entries],
    }
    (folder / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return manifest
