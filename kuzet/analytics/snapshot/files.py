"""The columnar snapshot under KUZET_DATA_DIR/analytics/: a base file and delta files (Parquet), and a state.

A refresh writes the rows of what changed since the last one (with a safety overlap) to a new delta file;
after a number of deltas they are compacted into a new base (the newest version of each key); a full read
replaces the base now and then, and whenever the store no longer matches what was read (ids went backwards,
or imported incidents were removed). One process writes at a time (a file lock); any process reads the files
the state names. Files a state no longer names are removed a while later, when no reader can still need them.
"""

from __future__ import annotations

import fcntl
import json
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import Any, Final

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from kuzet.analytics.intervals.sql import NEWEST_OF_FILES
from kuzet.analytics.snapshot.columns import SCHEMA, SCHEMA_ID, to_table
from kuzet.analytics.snapshot.source import Floors, Source
from kuzet.core.clock import Clock

STATE_FILE: Final = "state.json"
LOCK_FILE: Final = ".refresh.lock"
STALE_FILES_AFTER: Final = timedelta(minutes=10)
ROW_GROUP: Final = 50_000  # rows per Parquet row group of a base
CONVERT: Final = 200  # rows per conversion to Arrow: one call holds the interpreter, and intake waits on it


def _tables(chunks: Iterable[list[dict[str, Any]]], version: int) -> Iterator[pa.Table]:
    """The rows as Arrow tables of a few hundred rows each, so that the refreshing thread never holds the
    interpreter for long and intake in the same process stays quick."""
    for chunk in chunks:
        for start in range(0, len(chunk), CONVERT):
            yield to_table(chunk[start : start + CONVERT], version=version)


def _row_groups(tables: Iterable[pa.Table]) -> Iterator[pa.Table]:
    """Small tables gathered into row groups of a useful size."""
    pending: list[pa.Table] = []
    size = 0
    for table in tables:
        pending.append(table)
        size += table.num_rows
        if size >= ROW_GROUP:
            yield pa.concat_tables(pending)
            pending, size = [], 0
    if pending:
        yield pa.concat_tables(pending)


@dataclass(frozen=True)
class Checkpoint:
    at: datetime
    floors: Floors


@dataclass(frozen=True)
class SnapshotState:
    version: int = 0
    base: str | None = None
    deltas: tuple[str, ...] = ()
    refreshed_at: datetime | None = None  # when the last refresh began
    built_at: datetime | None = None  # when the last full read began
    rows: int = 0  # rows written since the base, the base's included (a key may be counted twice)
    checkpoints: tuple[Checkpoint, ...] = ()
    schema: str = SCHEMA_ID  # the layout of its files

    @property
    def files(self) -> tuple[str, ...]:
        return ((self.base,) if self.base else ()) + self.deltas

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["refreshed_at"] = _iso(self.refreshed_at)
        data["built_at"] = _iso(self.built_at)
        data["checkpoints"] = [{"at": c.at.isoformat(), "floors": asdict(c.floors)} for c in self.checkpoints]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SnapshotState:
        return cls(
            version=int(data["version"]),
            base=data["base"],
            deltas=tuple(data["deltas"]),
            refreshed_at=_moment(data["refreshed_at"]),
            built_at=_moment(data["built_at"]),
            rows=int(data["rows"]),
            checkpoints=tuple(
                Checkpoint(datetime.fromisoformat(c["at"]), Floors(**c["floors"]))
                for c in data["checkpoints"]
            ),
            schema=str(data.get("schema", "")),
        )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


class Snapshot:
    def __init__(
        self,
        folder: Path,
        source: Source,
        clock: Clock,
        *,
        overlap: timedelta,
        compact_after: int,
        rebuild_every: timedelta,
    ) -> None:
        self.folder = folder
        self.source = source
        self.clock = clock
        self.overlap = overlap
        self.compact_after = compact_after
        self.rebuild_every = rebuild_every
        self._lock = threading.Lock()

    def state(self) -> SnapshotState:
        path = self.folder / STATE_FILE
        if not path.exists():
            return SnapshotState()
        return SnapshotState.from_json(json.loads(path.read_text(encoding="utf-8")))

    def refresh(self, *, full: bool = False) -> SnapshotState:
        """Bring the snapshot up to date: a delta of what changed, or a full read when one is due."""
        with self._writing():
            now = self.clock.now()
            state = self.state()
            if full or self._rebuild_due(state, now):
                state = self._rebuild(state, now)
            else:
                state = self._add_delta(state, now)
                if len(state.deltas) >= self.compact_after:
                    state = self._compact(state)
            self._save(state)
            self._remove_stale(state)
            return state

    def reset(self) -> SnapshotState:
        """Forget the snapshot's rows (its files); the next refresh reads everything again. The version goes
        on counting, so that no reader takes a new file for one it has already loaded."""
        with self._writing():
            emptied = SnapshotState(version=self.state().version)
            self._save(emptied)
            for path in self.folder.glob("*.parquet"):
                path.unlink()
            return emptied

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One writer: a thread lock in this process, a file lock between processes."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._lock, (self.folder / LOCK_FILE).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _rebuild_due(self, state: SnapshotState, now: datetime) -> bool:
        if state.base is None or state.built_at is None or now - state.built_at >= self.rebuild_every:
            return True
        if state.schema != SCHEMA_ID:  # written by an earlier version of Kuzet: read everything anew
            return True
        return not self.source.consistent_with(self._floors_for(state, now))

    def _floors_for(self, state: SnapshotState, now: datetime) -> Floors:
        """The floors of the newest refresh at least `overlap` ago: rows with lower ids committed after that
        refresh (a transaction still open then) are read again, not missed."""
        settled = [c for c in state.checkpoints if c.at <= now - self.overlap]
        return (settled[-1] if settled else state.checkpoints[0]).floors

    def _rebuild(self, state: SnapshotState, now: datetime) -> SnapshotState:
        floors = self.source.floors()
        version = state.version + 1
        name = f"base-{version:08d}.parquet"
        rows = 0
        chunks = chain(
            self.source.live_rows(self.source.all_live_ids()),
            self.source.imported_rows(self.source.all_imported_ids()),
        )
        with pq.ParquetWriter(self.folder / f"{name}.tmp", SCHEMA) as writer:
            for table in _row_groups(_tables(chunks, version)):
                writer.write_table(table)
                rows += table.num_rows
        (self.folder / f"{name}.tmp").replace(self.folder / name)
        return SnapshotState(
            version=version,
            base=name,
            deltas=(),
            refreshed_at=now,
            built_at=now,
            rows=rows,
            checkpoints=(Checkpoint(now, floors),),
        )

    def _add_delta(self, state: SnapshotState, now: datetime) -> SnapshotState:
        floors = self.source.floors()  # before reading the changes: what comes after is read next time
        previous = self._floors_for(state, now)
        since = (state.refreshed_at or now) - self.overlap
        live_ids = self.source.changed_live_ids(since=since, floors=previous)
        imported_ids = self.source.new_imported_ids(previous, floors)
        checkpoints = (*self._kept_checkpoints(state, now), Checkpoint(now, floors))
        state = replace(state, refreshed_at=now, checkpoints=checkpoints)
        if not live_ids and not imported_ids:
            return state
        version = state.version + 1
        chunks = chain(self.source.live_rows(live_ids), self.source.imported_rows(imported_ids))
        table = pa.concat_tables(list(_tables(chunks, version)))
        name = f"delta-{version:08d}.parquet"
        pq.write_table(table, self.folder / f"{name}.tmp")
        (self.folder / f"{name}.tmp").replace(self.folder / name)
        return replace(state, version=version, deltas=(*state.deltas, name), rows=state.rows + table.num_rows)

    def _kept_checkpoints(self, state: SnapshotState, now: datetime) -> tuple[Checkpoint, ...]:
        """The checkpoints inside the overlap, and the newest one before it (the next floors)."""
        settled = [c for c in state.checkpoints if c.at <= now - self.overlap]
        recent = tuple(c for c in state.checkpoints if c.at > now - self.overlap)
        return ((settled[-1],) if settled else ()) + recent

    def _compact(self, state: SnapshotState) -> SnapshotState:
        """A new base holding the newest version of each key of the base and the deltas."""
        version = state.version + 1
        name = f"base-{version:08d}.parquet"
        files = [str(self.folder / f) for f in state.files]
        target = self.folder / f"{name}.tmp"
        with duckdb.connect() as db:
            db.sql(NEWEST_OF_FILES, params={"files": files}).write_parquet(str(target))
            rows = int(pq.ParquetFile(target).metadata.num_rows)
        target.replace(self.folder / name)
        return replace(state, version=version, base=name, deltas=(), rows=rows)

    def _save(self, state: SnapshotState) -> None:
        temporary = self.folder / f"{STATE_FILE}.tmp"
        temporary.write_text(json.dumps(state.to_json()), encoding="utf-8")
        temporary.replace(self.folder / STATE_FILE)

    def _remove_stale(self, state: SnapshotState) -> None:
        """Remove files the state no longer names once they are old enough that no reader still loads them."""
        cutoff = time.time() - STALE_FILES_AFTER.total_seconds()  # file ages are the file system's
        named = set(state.files)
        for path in self.folder.glob("*.parquet"):
            if path.name not in named and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
