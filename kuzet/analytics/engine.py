"""DuckDB over the snapshot: an in-process, in-memory facts table, and the queries the reports ask of it.

The facts table holds the newest version of each incident with every configured interval already in seconds
(valid or NULL), its negative flag and its within-target flag, so that a query only aggregates. It is loaded
from the snapshot's files when the base changes, and a delta is applied to it in place (its keys deleted,
its rows inserted). Queries run on cursors of their own, so several threads may ask at once.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb

from kuzet.analytics import sql
from kuzet.analytics.domain import (
    DataQuality,
    Dimension,
    GroupRow,
    IntervalDefinition,
    IntervalSummary,
    IntervalTable,
    Measure,
    Query,
    SnapshotInfo,
    Targets,
)
from kuzet.analytics.snapshot import SnapshotState
from kuzet.analytics.snapshot_columns import SCHEMA


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
        self._db.register("empty_snapshot", SCHEMA.empty_table())
        self._db.execute(sql.create_facts(self._select("empty_snapshot", dedupe=False)))
        self._db.unregister("empty_snapshot")

    def close(self) -> None:
        self._pool.shutdown()
        self._db.close()

    def _select(self, source: str, *, dedupe: bool) -> str:
        return sql.facts_select(self.intervals, self.targets, source, dedupe=dedupe)

    def sync(self, folder: Path, state: SnapshotState) -> None:
        """Match the facts table to the state: reload on a new base, else apply the deltas not yet applied."""
        with self._guard:
            if state.version == self.info.version and state.base == self._base:
                return
            fresh = state.base != self._base or state.deltas[: len(self._applied)] != self._applied
            if fresh:
                self._load(folder, state)
            else:
                for name in state.deltas[len(self._applied) :]:
                    self._apply(folder / name)
            self._base, self._applied = state.base, state.deltas
            rows = self._db.execute(sql.count_facts()).fetchone()
            self.info = SnapshotInfo(state.refreshed_at, state.version, int(rows[0]) if rows else 0)

    def _load(self, folder: Path, state: SnapshotState) -> None:
        files = [str(folder / name) for name in state.files]
        if not files:
            self._db.execute(sql.DELETE_ALL)
            return
        source = "read_parquet($files)"
        statement = self._select(source, dedupe=bool(state.deltas))
        self._db.execute(sql.create_facts(statement), {"files": files})

    def _apply(self, delta: Path) -> None:
        params = {"delta": str(delta)}
        self._db.execute("BEGIN TRANSACTION")
        try:
            self._db.execute(sql.DELETE_DELTA_KEYS, params)
            self._db.execute(sql.insert_facts(self._select("read_parquet($delta)", dedupe=True)), params)
            self._db.execute("COMMIT")
        except Exception:
            self._db.execute("ROLLBACK")
            raise

    def _fetch(self, statement: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        with self._db.cursor() as cursor:
            return cursor.execute(statement, params).fetchall()

    def interval_tables(
        self, query: Query, groupings: Sequence[tuple[Dimension, ...]], names: Sequence[str]
    ) -> tuple[tuple[IntervalTable, ...], DataQuality]:
        """Statistics of the named intervals for each grouping, and the data quality of the selection (summed
        from the first grouping's rows). The statements run side by side, each on a cursor of its own."""
        merged = self._pool.submit(self.merged_count, query)
        statements = [sql.interval_stats(query, grouping, names) for grouping in groupings]
        answers = list(self._pool.map(lambda s: self._fetch(*s), statements))
        tables = tuple(
            IntervalTable(grouping, tuple(_group_row(r, grouping, names) for r in rows))
            for grouping, rows in zip(groupings, answers, strict=True)
        )
        return tables, DataQuality.of_rows(tables[0].rows, names, merged_excluded=merged.result())

    def merged_count(self, query: Query) -> int:
        (row,) = self._fetch(*sql.merged_count(query))
        return int(row[0])

    def counts(
        self, query: Query, measure: Measure, group_by: Sequence[Dimension]
    ) -> list[tuple[dict[str, Any], int]]:
        build = sql.appeal_counts if measure is Measure.APPEALS else sql.incident_counts
        statement, params = build(query, group_by)
        return [
            ({d.value: r[n] for n, d in enumerate(group_by)}, int(r[len(group_by)]))
            for r in self._fetch(statement, params)
        ]


def _group_row(row: tuple[Any, ...], grouping: Sequence[Dimension], names: Sequence[str]) -> GroupRow:
    skip = len(grouping) + 1
    incidents, reopened = int(row[skip - 1]), int(row[skip] or 0)
    summaries = {}
    for n, name in enumerate(names):
        at = skip + 1 + n * sql.STATS_PER_INTERVAL
        count, mean, quantiles, *flags = row[at : at + sql.STATS_PER_INTERVAL]
        ok, judged, negative = (int(f or 0) for f in flags)  # counts over no value come back NULL
        low, median, p90, high = quantiles if quantiles else (None, None, None, None)
        summaries[name] = IntervalSummary(
            n=int(count),
            mean=mean,
            median=median,
            p90=p90,
            minimum=low,
            maximum=high,
            within_target_pct=100.0 * ok / judged if judged else None,
            missing=incidents - int(count) - negative,
            negative=negative,
        )
    group = {d.value: row[n] for n, d in enumerate(grouping)}
    return GroupRow(group=group, incidents=incidents, intervals=summaries, reopened=reopened)
