"""Files of a backup: the data folder's copy, checksums, and putting the files back."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from kuzet.operations.domain import FileEntry

_CHUNK = 1024 * 1024
# Under the data folder, but not copied: backups themselves, the analytics snapshot (rebuilt from the
# database by the server), and the drill's record (per host).
SKIPPED_FOLDERS = ("backups", "analytics")
SKIPPED_FILES = ("backup-drill.json",)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def entry_for(backup: Path, path: Path) -> FileEntry:
    return FileEntry(
        path=path.relative_to(backup).as_posix(), sha256=sha256_of(path), size=path.stat().st_size
    )


def entries_under(backup: Path, folder: Path) -> list[FileEntry]:
    return [entry_for(backup, p) for p in sorted(folder.rglob("*")) if p.is_file()]


def data_files(data_dir: Path, *, leave_out: Iterable[Path]) -> list[Path]:
    """The data folder's files to back up (media, camera pictures, road graph, …), as paths in it.

    Left out: the skipped folders and files, and `leave_out` (the database file and its journals, the
    checkpoint file, a --to folder), each of which is saved its own way or not at all."""
    if not data_dir.is_dir():
        return []
    root = data_dir.resolve()
    excluded = {p.resolve() for p in leave_out} | {root / name for name in SKIPPED_FOLDERS + SKIPPED_FILES}
    found = []
    for folder, subfolders, names in os.walk(root):
        here = Path(folder)
        subfolders[:] = sorted(s for s in subfolders if here / s not in excluded)
        for name in sorted(names):
            path = here / name
            if path not in excluded and not path.is_symlink() and path.is_file():
                found.append(path.relative_to(root))
    return found


def copy_in(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


def put_back(source: Path, target: Path) -> None:
    """Copy a file out of a backup so that the target appears at once, complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.restoring")
    shutil.copy2(source, partial)
    partial.replace(target)


def on_disk(backup: Path, entries: Iterable[FileEntry]) -> dict[str, tuple[int, str] | None]:
    """Size and SHA-256 of each listed file as it is in the backup folder now (None when missing)."""
    found: dict[str, tuple[int, str] | None] = {}
    for entry in entries:
        path = backup / entry.path
        found[entry.path] = (path.stat().st_size, sha256_of(path)) if path.is_file() else None
    return found
