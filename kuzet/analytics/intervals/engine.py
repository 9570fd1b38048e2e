"""DuckDB over the snapshot: an in-process, in-memory facts table, its numpy columns, and the queries.

The facts table holds the newest version of each incident with every configured interval already in seconds
(NULL when a stamp is missing, negative when the end came first), so that a query only aggregates. It is
loaded from the snapshot's files when the base changes, and a delta is applied to it in place (its keys
deleted, its rows inserted). Counts run on it in DuckDB, on cursors of their own, so several threads may ask
at once. Interval statistics (exact quantiles over many groups, the slow part in SQL) run on the same rows
held as numpy columns (`columns.py`, `stats.py`), which each load and delta update in step.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import numpy as np
import pyarrow as pa

from kuzet.analytics.domain import (
    DataQuality,
    DimensionKey,
    IntervalDefinition,
    IntervalTable,
    Measure,
    Query,
    SnapshotInfo,
    Targets,
)
from kuzet.analytics.intervals import sql, stats
from kuzet.analytics.intervals.columns import FactColumns, View
from kuzet.analytics.intervals.derived import DerivedColumns
from kuzet.analytics.snapshot.columns import SCHEMA, SCHEMA_ID
from kuzet.analytics.snapshot.files import SnapshotState

T = TypeVar("T")


class QueryEngine:
    def __init__(self, intervals: Sequence[IntervalDefinition], targets: Targets) -> None:
        self.intervals = tuple(intervals)
        self.targets = targets
        self._db = duckdb.connect(":memory:")
        self._guard = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="analytics-query")
        self._base: str | None = None
        self._applied: tuple[str, ...] = ()
        self.info = SnapshotInfo(refreshed_at=None, version=0, rows=0)
        self.columns = FactColumns([i.name for i in self.intervals])
        self._derived = DerivedColumns()
        self._db.register("empty_snapshot", SCHEMA.empty_table())
        self._db.execute(sql.create_facts(self._select("empty_snapshot", dedupe=False)), {"first_pos": 0})
        self._db.unregister("empty_snapshot")

    def close(self) -> None:
        self._pool.shutdown()
        self._db.close()

    def _select(self, source: str, *, dedupe: bool) -> str:
        return sql.facts_select(self.intervals, source, dedupe=dedupe)

    def sync(self, folder: Path, state: SnapshotState) -> None:
        """Match the facts table to the state: reload on a new base, else apply the deltas not yet applied."""
        with self._guard:
            if state.version == self.info.version and state.base == self._base:
                return
            if state.schema != SCHEMA_ID:  # files of an earlier layout: nothing until they are read anew
                state = SnapshotState(version=state.version)
            fresh = state.base != self._base or state.deltas[: len(self._applied)] != self._applied
            self._base = None  # until this sync is through: a failure makes the next one load afresh
            if fresh:
                self._load(folder, state)
            else:
                for name in state.deltas[len(self._applied) :]:
                    self._apply(folder / name)
            self._base, self._applied = state.base, state.deltas
            rows = self._db.execute(sql.count_facts()).fetchone()
            self.info = SnapshotInfo(state.refreshed_at, state.version, int(rows[0]) if rows else 0)

    def _load(self, folder: Path, state: SnapshotState) -> None:
        self._derived.reset()
        files = [str(folder / name) for name in state.files]
        if not files:
            self._db.execute(sql.DELETE_ALL)
            self.columns.reset()
            return
        source = "read_parquet($files)"
        statement = self._select(source, dedupe=bool(state.deltas))
        self._db.execute(sql.create_facts(statement), {"files": files, "first_pos": 0})
        self.columns.load(self._columns_from(0))

    def _apply(self, delta: Path) -> None:
        first_pos = self.columns.view().rows
        params = {"delta": str(delta)}
        self._db.execute("BEGIN TRANSACTION")
        try:
            dead = self._db.execute(sql.POSITIONS_OF_DELTA_KEYS, params).fetchnumpy()["pos"]
            self._db.execute(sql.DELETE_DELTA_KEYS, params)
            select = self._select("read_parquet($delta)", dedupe=True)
            self._db.execute(sql.insert_facts(select), {**params, "first_pos": first_pos})
            self._db.execute("COMMIT")
        except Exception:
            self._db.execute("ROLLBACK")
            raise
        self.columns.put(self._columns_from(first_pos), np.asarray(dead, np.int64))

    def _columns_from(self, first_pos: int) -> pa.Table:
        with self._db.cursor() as cursor:
            found = cursor.sql(sql.fact_columns(self.intervals), params={"first_pos": first_pos})
            return found.to_arrow_table()

    def view_for(self, query: Query) -> View:
        """The columns as they are now, with those the query derives (waiting for a sync in progress)."""
        if not query.derives():
            return self.columns.view()
        with self._guard:
            return self._derived.view_for(self.columns.view(), query, self._fetch_table)

    def _fetch_table(self, statement: str, params: dict[str, Any]) -> pa.Table:
        with self._db.cursor() as cursor:
            return cursor.sql(statement, params=sql.used(statement, params)).to_arrow_table()

    def _fetch(self, statement: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        with self._db.cursor() as cursor:
            return cursor.execute(statement, sql.used(statement, params)).fetchall()

    def interval_tables(
        self, query: Query, groupings: Sequence[tuple[DimensionKey, ...]], names: Sequence[str]
    ) -> tuple[tuple[IntervalTable, ...], DataQuality]:
        """Statistics of the named intervals for each grouping, and the data quality of the selection (summed
        from the first grouping's rows), from the numpy columns as they are now."""
        return stats.interval_tables(self.view_for(query), query, groupings, names, self.targets, self._run)

    def _run(self, work: Callable[..., T], *jobs: Iterable[Any]) -> list[T]:
        return list(self._pool.map(work, *jobs))

    def merged_count(self, query: Query) -> int:
        return stats.selection(self.view_for(query), query)[1]

    def counts(
        self, query: Query, measure: Measure, group_by: Sequence[DimensionKey]
    ) -> list[tuple[dict[str, Any], int]]:
        build = sql.appeal_counts if measure is Measure.APPEALS else sql.incident_counts
        statement, params = build(query, group_by)
        return [
            ({str(d): r[n] for n, d in enumerate(group_by)}, int(r[len(group_by)]))
            for r in self._fetch(statement, params)
        ]
