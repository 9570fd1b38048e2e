"""SQLite: a consistent copy of the live file with SQLite's online backup API, and the way back."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import make_url

from kuzet.operations.domain import BackupError

_BUSY_MS = 10_000


def database_file(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("the database is in memory: there is no file to back up or restore into")
    return Path(database)


def snapshot(database_url: str, copy: Path) -> None:
    """Copy the live database into `copy` as it stands at one moment.

    The backup API reads the whole database under one read transaction (all pages in one step), so writers
    in WAL mode go on meanwhile and the copy holds exactly the transactions committed before it started.
    The copy is left in rollback-journal mode: one self-contained file, with no -wal beside it."""
    source_file = database_file(database_url)
    if not source_file.is_file():
        raise BackupError(f"no database file at {source_file}")
    copy.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(sqlite3.connect(source_file, timeout=_BUSY_MS / 1000)) as source,
        closing(sqlite3.connect(copy)) as target,
    ):
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")


def restore(copy: Path, database_url: str) -> None:
    """Write the copy over the target database file (checked empty by the caller), then turn WAL back on."""
    target_file = database_file(database_url)
    target_file.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(sqlite3.connect(f"file:{copy}?mode=ro", uri=True)) as source,
        closing(sqlite3.connect(target_file, timeout=_BUSY_MS / 1000)) as target,
    ):
        # In WAL mode the page size cannot change: leave WAL first, whatever page size the copy has.
        target.execute("PRAGMA journal_mode=DELETE")
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
