"""Backups as plain data: the folder's layout, the manifest and the rules that judge a backup and a target.

No framework and no database here: the other modules of kuzet/operations read and write, this one decides."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

MANIFEST: Final = "manifest.json"
FORMAT: Final = "kuzet-backup/1"
DATABASE: Final = "database"  # the SQLite copy (database/kuzet.db) or the pg_dump directory (database/)
SQLITE_FILE: Final = "database/kuzet.db"
DATA: Final = "data"  # the data folder's files, under their paths in it
# Partner media and camera pictures kept elsewhere than their default place in the data folder
# (KUZET_MEDIA_DIR, KUZET_CAMERA_IMAGES_DIR: storage that several hosts share), under their paths there.
MEDIA: Final = "media"
CAMERA_IMAGES: Final = "camera-images"
CHECKPOINTS: Final = "audit-checkpoints.jsonl"  # the audit checkpoint file, wherever it is configured
PREFIX: Final = "kuzet-"
PARTIAL: Final = ".partial"  # a backup being written; never taken for the latest one
# Tables a migration fills in a new database: rows there do not make a database "not empty".
SEEDED_BY_MIGRATIONS: Final = frozenset({"alembic_version", "audit_head", "categories"})
# The tables whose counts the command prints; the manifest counts every table.
KEY_TABLES: Final = ("appeals", "incidents", "assignments", "units", "users", "audit_log", "outbox")


class BackupError(Exception):
    """A backup cannot be taken, trusted or restored; the message says why and what to do."""


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the backup folder, with forward slashes
    sha256: str
    size: int

    def fields(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "size": self.size}


def folder_name(at: datetime) -> str:
    """`kuzet-20261207T054500Z`: names sort in the order the backups were taken."""
    return PREFIX + at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def non_empty_tables(row_counts: Mapping[str, int]) -> list[str]:
    """The tables that make a restore target "not empty": any holding rows, other than a migration's seed."""
    return sorted(t for t, n in row_counts.items() if n > 0 and t not in SEEDED_BY_MIGRATIONS)


def count_mismatches(expected: Mapping[str, int], found: Mapping[str, int]) -> list[str]:
    """How the restored row counts differ from the manifest's, one line per table."""
    lines = []
    for table in sorted(set(expected) | set(found)):
        want, got = expected.get(table), found.get(table)
        if want != got:
            lines.append(f"{table}: manifest {want}, restored {got}")
    return lines


def file_mismatches(listed: Iterable[FileEntry], actual: Mapping[str, tuple[int, str] | None]) -> list[str]:
    """The listed files that are missing or whose size or SHA-256 differ from what was found on disk."""
    problems = []
    for entry in listed:
        found = actual.get(entry.path)
        if found is None:
            problems.append(f"{entry.path}: missing")
        elif found[0] != entry.size:
            problems.append(f"{entry.path}: size {found[0]}, manifest says {entry.size}")
        elif found[1] != entry.sha256:
            problems.append(f"{entry.path}: checksum differs from the manifest")
    return problems


def place_of(path: str, default_names: Mapping[str, str]) -> tuple[str, str] | None:
    """Where a backed-up file goes back: its folder (DATA, MEDIA or CAMERA_IMAGES) and its path in it; None
    for the database and the checkpoint file, which are restored their own way.

    `default_names` gives the default name in the data folder of MEDIA and CAMERA_IMAGES: a file backed up
    from there goes back to that folder wherever the target keeps it, so that a backup taken before the
    folder was moved to shared storage restores into it."""
    top, _, rest = path.partition("/")
    if top in (MEDIA, CAMERA_IMAGES) and rest:
        return top, rest
    if top != DATA or not rest:
        return None
    first, _, inner = rest.partition("/")
    for folder, name in default_names.items():
        if first == name and inner:
            return folder, inner
    return DATA, rest


def parse_files(manifest: Mapping[str, Any]) -> list[FileEntry]:
    """The manifest's file list, checked for shape and for paths that would leave the backup folder."""
    entries = []
    for raw in manifest.get("files", []):
        try:
            entry = FileEntry(path=str(raw["path"]), sha256=str(raw["sha256"]), size=int(raw["size"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise BackupError(f"manifest lists a file without path, sha256 and size: {raw!r}") from exc
        parts = entry.path.split("/")
        if entry.path.startswith("/") or ".." in parts or "" in parts:
            raise BackupError(f"manifest lists a path outside the backup: {entry.path}")
        entries.append(entry)
    return entries


def check_manifest(manifest: Mapping[str, Any]) -> None:
    """Refuse a manifest of another format, or one missing what a restore needs."""
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"not a Kuzet backup manifest (format {manifest.get('format')!r}, expected {FORMAT})"
        )
    for name in ("backend", "migration_revision", "created_at", "row_counts", "files"):
        if name not in manifest:
            raise BackupError(f"manifest has no {name}")
    if manifest["backend"] not in {"sqlite", "postgresql"}:
        raise BackupError(f"manifest names an unknown back end: {manifest['backend']!r}")
