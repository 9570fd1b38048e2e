"""Benchmark: the year report's interval tables, ours against one raw DuckDB query and pandas; refresh cost.

The tables are the four standard intervals (n, mean, median, p90, min, max, % within target, missing,
negative) overall, by priority and by district, for the live incidents received in 2026. They are computed
on SYNTHETIC snapshots of 204,000 and 10,000,000 incidents (see benchmarks/analytics_data.py):

- ours: `Analytics.intervals(query, groupings=[(), (priority,), (district,)])`, end to end: the freshness
  check, the selection, the two compiled passes over the engine's numpy columns (all three groupings at once),
  the data quality, the domain objects;
- raw DuckDB: the same aggregation written as one SQL query over the snapshot's stamps, (a) straight over the
  Parquet file and (b) over the same rows loaded into an in-memory DuckDB table first;
- pandas: the same tables from a DataFrame whose intervals are already computed (as our facts are).

Each is run several times; the medians and the ratios are printed, and the three answers are compared. Then
the snapshot's refresh cost: on SQLite, with 204,000 incidents in the real tables, the cost of a refresh that
finds 1,000 new incidents (reading them, writing the delta, applying it to the engine), and of one that
finds nothing.

    .venv/bin/python -m benchmarks.analytics [--sizes 204000,10000000] [--runs 7] [--no-refresh]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from sqlalchemy import create_engine

from benchmarks.analytics_data import seed_catalogue, seed_store, write_synthetic_snapshot
from kuzet.analytics.domain import STANDARD_INTERVALS, Dimension, IntervalReport, Query, Targets
from kuzet.analytics.intervals.engine import QueryEngine
from kuzet.analytics.service import Analytics
from kuzet.analytics.snapshot.files import Snapshot, SnapshotState
from kuzet.analytics.snapshot.source import Source
from kuzet.core import migrate
from kuzet.core.clock import SystemClock
from kuzet.core.db import make_engine

YEAR = Query(first=date(2026, 1, 1), last=date(2026, 12, 31))
GROUPINGS: list[tuple[Dimension, ...]] = [(), (Dimension.PRIORITY,), (Dimension.DISTRICT,)]
NAMES = [i.name for i in STANDARD_INTERVALS]
TARGETS = Targets({1: 7.0, 2: 7.0, 3: 7.0, 4: 7.0})
SPANS = {i.name: (i.start, i.end) for i in STANDARD_INTERVALS}


def median_ms(work: Callable[[], object], runs: int) -> float:
    work()  # warm
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


# --- ours -------------------------------------------------------------------------------------------------


def ours(folder: Path, base: str) -> Analytics:
    """Our analytics over a snapshot folder holding one base file (as a refresh would have left it)."""
    state = SnapshotState(version=1, base=base, refreshed_at=datetime.now(UTC), built_at=datetime.now(UTC))
    (folder / "state.json").write_text(json.dumps(state.to_json()), encoding="utf-8")
    never = Source(create_engine("sqlite://"))  # the store is not read: the snapshot is fresh
    snapshot = Snapshot(
        folder, never, SystemClock(), overlap=timedelta(0), compact_after=20, rebuild_every=timedelta(days=1)
    )
    return Analytics(snapshot, QueryEngine(STANDARD_INTERVALS, TARGETS), max_age=timedelta(days=365))


def our_tables(analytics: Analytics) -> IntervalReport:
    return analytics.intervals(YEAR, NAMES, groupings=GROUPINGS)


# --- raw DuckDB -------------------------------------------------------------------------------------------


def raw_sql(source: str) -> str:
    """The same aggregation as one hand-written query over the snapshot's stamps."""
    spans = ", ".join(f"(epoch_us({b}) - epoch_us({a})) / 1e6 AS {n}" for n, (a, b) in SPANS.items())
    aggregates = []
    for n in NAMES:
        ok = f"{n} >= 0"
        aggregates += [
            f"count({n}) FILTER ({ok})",
            f"avg({n}) FILTER ({ok})",
            f"quantile_cont({n}, [0.5, 0.9]) FILTER ({ok})",
            f"min({n}) FILTER ({ok})",
            f"max({n}) FILTER ({ok})",
            f"count_if({ok} AND {n} <= 420)" if n == "response" else "NULL",
            f"count_if({n} < 0)",
            f"count_if({n} IS NULL)",
        ]
    where = "origin = 'live' AND NOT merged AND local_date BETWEEN DATE '2026-01-01' AND DATE '2026-12-31'"
    selection = f"SELECT priority, district, {spans} FROM {source} WHERE {where}"  # noqa: S608 - our names
    columns = f"GROUPING(priority, district), priority, district, count(*), {', '.join(aggregates)}"
    groups = "GROUP BY GROUPING SETS ((), (priority), (district)) ORDER BY 1, 2, 3"
    return f"WITH f AS ({selection}) SELECT {columns} FROM f {groups}"  # noqa: S608 - our names


# --- pandas -----------------------------------------------------------------------------------------------


def pandas_frame(path: Path) -> pd.DataFrame:
    """The selection with its intervals in seconds (NaN when missing or negative), as our facts hold them."""
    stamps = sorted({s for span in SPANS.values() for s in span})
    frame = pd.read_parquet(path, columns=["origin", "merged", "local_date", "priority", "district", *stamps])
    frame = frame[(frame.origin == "live") & ~frame.merged]
    frame = frame[(frame.local_date >= YEAR.first) & (frame.local_date <= YEAR.last)]
    out = frame[["priority", "district"]].assign(all=0)
    for n, (a, b) in SPANS.items():
        seconds = (frame[b] - frame[a]).dt.total_seconds()
        out[f"{n}_neg"] = seconds < 0
        out[n] = seconds.where(seconds >= 0)
    out["response_ok"] = out["response"] <= 420
    return out


def pandas_tables(frame: pd.DataFrame) -> list[pd.DataFrame]:
    tables = []
    for keys in ("all", "priority", "district"):
        grouped = frame.groupby(keys)
        stats = grouped[NAMES].agg(["count", "mean", "median", "min", "max"])
        stats.columns = [f"{name}_{figure}" for name, figure in stats.columns]
        p90 = grouped[NAMES].quantile(0.9).add_suffix("_p90")
        flags = grouped[[*(f"{n}_neg" for n in NAMES), "response_ok"]].sum()
        tables.append(pd.concat([stats, p90, flags], axis=1))
    return tables


# --- the comparison ---------------------------------------------------------------------------------------


def check_agree(report: IntervalReport, raw: list[tuple[Any, ...]], tables: list[pd.DataFrame]) -> None:
    """The three answers agree: n, mean, median and p90 of every interval in every row."""
    grouping_of = {3: 0, 1: 1, 2: 2}  # GROUPING(priority, district) → overall, by priority, by district
    theirs = {(grouping_of[r[0]], r[1], r[2]): r for r in raw}
    mine = {
        (k, row.group.get("priority"), row.group.get("district")): row
        for k, table in enumerate(report.tables)
        for row in table.rows
    }
    if set(mine) != set(theirs):
        raise SystemExit(f"the rows differ: ours {sorted(mine, key=str)}, raw {sorted(theirs, key=str)}")
    for key, row in mine.items():
        for k, n in enumerate(NAMES):
            at = 4 + 8 * k
            s = row.intervals[n]
            figures = [s.n, s.mean, s.median, s.p90]
            other = theirs[key]
            expected = [other[at], other[at + 1], *(other[at + 2] or [None, None])]
            if not np.allclose(
                np.array(figures, float), np.array(expected, float), rtol=1e-9, equal_nan=True
            ):
                raise SystemExit(f"ours and raw DuckDB differ on {n} {key}: {figures} vs {expected}")
    overall = tables[0].iloc[0]
    s = report.tables[0].rows[0].intervals["response"]
    pandas_figures = [overall["response_count"], overall["response_median"], overall["response_p90"]]
    if not np.allclose([s.n, s.median, s.p90], pandas_figures, rtol=1e-9):
        raise SystemExit(f"ours and pandas differ: {[s.n, s.median, s.p90]} vs {pandas_figures}")


def compare(rows: int, runs: int, folder: Path) -> None:
    label = f"{rows:,} incidents (SYNTHETIC)"
    began = time.perf_counter()
    write_synthetic_snapshot(folder / "base.parquet", rows)
    size_mb = (folder / "base.parquet").stat().st_size / 1e6
    print(f"\n{label}: snapshot written in {time.perf_counter() - began:.1f} s ({size_mb:,.0f} MB Parquet)")

    analytics = ours(folder, "base.parquet")
    began = time.perf_counter()
    analytics.ensure_fresh()
    print(f"  our engine loads the snapshot (facts, intervals derived): {time.perf_counter() - began:.2f} s")
    report = our_tables(analytics)

    parquet_sql = raw_sql(f"read_parquet('{folder / 'base.parquet'}')")
    raw = duckdb.connect()
    began = time.perf_counter()
    raw.execute(
        "CREATE TABLE snapshot AS SELECT * FROM read_parquet($file)", {"file": str(folder / "base.parquet")}
    )
    print(f"  raw DuckDB loads the Parquet into a table: {time.perf_counter() - began:.2f} s")
    table_sql = raw_sql("snapshot")
    raw_rows = raw.execute(table_sql).fetchall()

    began = time.perf_counter()
    frame = pandas_frame(folder / "base.parquet")
    print(f"  pandas reads and prepares the frame: {time.perf_counter() - began:.2f} s")
    check_agree(report, raw_rows, pandas_tables(frame))
    print("  the three answers agree (n, mean, median, p90 of every interval in every row)")

    results = {
        "ours (Analytics.intervals)": median_ms(lambda: our_tables(analytics), runs),
        "raw DuckDB, in-memory table": median_ms(lambda: raw.execute(table_sql).fetchall(), runs),
        "raw DuckDB, over Parquet": median_ms(lambda: raw.execute(parquet_sql).fetchall(), runs),
        "pandas, prepared frame": median_ms(lambda: pandas_tables(frame), max(1, runs // 3)),
    }
    goal = 50 if rows <= 1_000_000 else 500
    mine = results["ours (Analytics.intervals)"]
    for name, ms in results.items():
        ratio = "" if ms == mine else f"   ours / this = {mine / ms:5.2f}"
        print(f"  {name:<30} median {ms:9.1f} ms{ratio}")
    ratio = mine / results["raw DuckDB, in-memory table"]
    verdict = "met" if mine <= goal else "NOT met"
    print(f"  goal <= {goal} ms: {verdict} ({mine:.0f} ms on {os.cpu_count()} cores)")
    print(f"  goal <= 1.5 x the raw DuckDB query: {'met' if ratio <= 1.5 else 'NOT met'} ({ratio:.2f} x)")
    analytics.close()
    raw.close()
    (folder / "base.parquet").unlink()


def refresh_cost(folder: Path, base_rows: int = 204_000, batch: int = 1_000, rounds: int = 5) -> None:
    """SQLite, real tables: a refresh that finds `batch` new incidents, and one that finds nothing. (In
    service the overlap re-reads the last five minutes of changes too: a few incidents at 560 a day.)"""
    url = f"sqlite:///{folder / 'refresh.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    unit_ids = seed_catalogue(engine)
    began = time.perf_counter()
    seed_store(engine, unit_ids, first_id=1, size=base_rows, at=datetime.now(UTC) - timedelta(hours=1))
    seeded = time.perf_counter() - began
    print(f"\nRefresh cost on SQLite: {base_rows:,} SYNTHETIC incidents seeded in {seeded:.1f} s")
    snapshot = Snapshot(
        folder / "snapshot",
        Source(engine),
        SystemClock(),
        overlap=timedelta(0),  # each refresh then reads exactly the batch that came since the last one
        compact_after=1000,
        rebuild_every=timedelta(days=1),
    )
    analytics = Analytics(snapshot, QueryEngine(STANDARD_INTERVALS, TARGETS), max_age=timedelta(0))
    began = time.perf_counter()
    analytics.refresh(full=True)
    full = time.perf_counter() - began
    print(f"  full read of {base_rows:,} incidents: {full:.1f} s ({full / base_rows * 1e6:.0f} ms per 1,000)")
    costs, idle = [], []
    for n in range(rounds):
        seed_store(engine, unit_ids, first_id=base_rows + 1 + n * batch, size=batch, at=datetime.now(UTC))
        began = time.perf_counter()
        analytics.refresh()
        costs.append(time.perf_counter() - began)
        began = time.perf_counter()
        analytics.refresh()
        idle.append(time.perf_counter() - began)
    print(f"  refresh finding {batch:,} new incidents: median {statistics.median(costs) * 1000:.0f} ms")
    print(
        f"  refresh finding nothing (the change scan alone): median {statistics.median(idle) * 1000:.0f} ms"
    )
    analytics.close()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="204000,10000000")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-refresh", action="store_true")
    args = parser.parse_args()
    print(
        "Analytics benchmark: the year report's interval tables (4 intervals overall, by priority, district)"
    )
    with tempfile.TemporaryDirectory(prefix="kuzet-analytics-") as scratch:
        for rows in (int(s) for s in args.sizes.split(",") if s):
            folder = Path(scratch) / f"n{rows}"
            folder.mkdir()
            compare(rows, args.runs, folder)
        if not args.no_refresh:
            refresh_cost(Path(scratch))


if __name__ == "__main__":
    main()
