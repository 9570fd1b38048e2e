"""Benchmark: the year report's interval tables, ours against DuckDB and pandas; the snapshot's refresh cost.

The tables are the four standard intervals (n, mean, median, p90, min, max, % within target, missing,
negative; and per row the incidents and the reopened) overall, by priority and by district, for the live
incidents received in 2026 that were not merged away. They are computed on SYNTHETIC snapshots of 204,000
and 10,000,000 incidents (see benchmarks/analytics_data.py). Methods, all given the same snapshot file:

- ours: `Analytics.intervals(query, groupings=[(), (priority,), (district,)])`, end to end: the freshness
  check, the selection, the compiled passes over the engine's numpy columns (all three groupings at once),
  the data quality, the domain objects. The engine's facts (each interval already in seconds) are loaded once
  from the snapshot before timing, as the background refresher does in service.
- DuckDB, GROUPING SETS (the baseline of the goals): what a DuckDB user would write. Once, before timing
  and like our facts, the intervals are precomputed into a narrow in-memory table, one row per incident:
  priority, district, the selection's columns (origin, merged, local date), reopened, per interval its
  seconds (NULL when missing or negative) and whether it is negative, and the target in seconds of the
  incident's priority for each interval that has one (ours applies the targets at query time: the baseline
  is spared that). Then ONE query selects the rows and computes every figure for the grouping sets ((),
  (priority), (district)): count, avg, quantile_cont at 0.5 and 0.9 (linear interpolation between the two
  closest ranks, our definition), min, max, % within target, missing and negatives.
- DuckDB, the same query over the Parquet file (the narrow columns computed on the fly): the cost without
  any precomputation, for context only. (The synthetic snapshot holds one version of each incident, so
  neither DuckDB query keeps the newest version per key, as our facts' load does.)
- pandas: the same tables from a DataFrame with the narrow table's columns (prepared once, untimed); the
  selection and the groupings are timed.

Before timing, the answers are compared figure by figure (ours against both DuckDB queries and pandas), and
the comparison is shown to catch one figure changed by one part in a million. The methods are then timed
round-robin (ours, DuckDB narrow table, DuckDB over Parquet, pandas; then again) for --runs rounds; the
medians and p90s are printed with the goals (issue 7): ours <= 50 ms at 204k and <= 500 ms at 10M, and ours
<= 1.5 x the DuckDB GROUPING SETS query.

Then the snapshot's refresh cost (no goal is set for it; issue 7 asks for the figure): on SQLite, with
204,000 incidents in the real tables, a refresh that finds 1,000 new incidents (reading them, writing the
delta, applying it to the engine), and one that finds nothing.

    .venv/bin/python -m benchmarks.analytics [--sizes 204000,10000000] [--runs 7] [--no-refresh]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from sqlalchemy import create_engine

from benchmarks.analytics_data import seed_catalogue, seed_store, write_synthetic_snapshot
from benchmarks.goals import at_most
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
FIGURES = ("n", "mean", "median", "p90", "min", "max", "within %", "missing", "negative")
SMALL_GOAL_MS, LARGE_GOAL_MS, LARGE = 50.0, 500.0, 1_000_000  # <= 50 ms at 204k, <= 500 ms at 10M
RATIO_GOAL = 1.5  # ours <= 1.5 x the DuckDB GROUPING SETS query
TOLERANCE = 1e-9  # relative, for the figures that are not counts

# One method's answer: per row (grouping index, priority, district), its figures by name ("incidents",
# "reopened", "<interval> <figure>"); None where a figure has no value (no valid interval, no target).
Answer = dict[tuple[int, Any, Any], dict[str, float | None]]


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


def our_answer(report: IntervalReport) -> Answer:
    answer: Answer = {}
    for k, table in enumerate(report.tables):
        for row in table.rows:
            figures: dict[str, float | None] = {"incidents": row.incidents, "reopened": row.reopened}
            for name in NAMES:
                s = row.intervals[name]
                values = (s.n, s.mean, s.median, s.p90, s.minimum, s.maximum)
                values += (s.within_target_pct, s.missing, s.negative)
                figures |= {f"{name} {f}": v for f, v in zip(FIGURES, values, strict=True)}
            answer[(k, row.group.get("priority"), row.group.get("district"))] = figures
    return answer


# --- DuckDB -----------------------------------------------------------------------------------------------

NARROW = "intervals"


def narrow_select(source: str) -> str:
    """One row per incident: the grouping and selection columns, per interval its seconds (NULL when a
    stamp is missing or the end came first) and whether it is negative, and the targets of its priority."""
    seconds = ", ".join(f"(epoch_us({b}) - epoch_us({a})) / 1e6 AS s_{n}" for n, (a, b) in SPANS.items())
    intervals = [f"CASE WHEN s_{n} >= 0 THEN s_{n} END AS {n}, s_{n} < 0 AS {n}_negative" for n in NAMES]
    targets = [f"{target} AS {n}_target" for n in NAMES if (target := target_sql(n)) is not None]
    kept = ", ".join([*intervals, *targets])
    inner = f"SELECT *, {seconds} FROM {source}"  # noqa: S608 - our names
    return f"SELECT priority, district, origin, merged, reopened, local_date, {kept} FROM ({inner})"  # noqa: S608


def target_sql(name: str) -> str | None:
    """The interval's target in seconds as an SQL expression of the row (by priority), or None if it has
    none. (A priority without a target gives NULL: its intervals are not judged.)"""
    seconds = TARGETS.seconds(name)
    if isinstance(seconds, Mapping):
        cases = " ".join(f"WHEN {p} THEN {s!r}" for p, s in sorted(seconds.items()))
        return f"CASE priority {cases} END"
    return None if seconds is None else repr(seconds)


def grouping_sets_sql(source: str) -> str:
    """The year tables as one query with GROUPING SETS over `source` (the narrow table or its SELECT)."""
    figures = []
    for n in NAMES:
        judged = f"nullif(count({n}_target) FILTER ({n} IS NOT NULL), 0)"
        within = f"100.0 * count_if({n} <= {n}_target) / {judged}" if target_sql(n) else "NULL"
        missing = f"count(*) - count({n}) - count_if({n}_negative)"
        figures += [f"count({n})", f"avg({n})", f"quantile_cont({n}, [0.5, 0.9])", f"min({n})", f"max({n})"]
        figures += [within, missing, f"count_if({n}_negative)"]
    selection = (
        f"origin = 'live' AND NOT merged AND local_date BETWEEN DATE '{YEAR.first}' AND DATE '{YEAR.last}'"
    )
    columns = ", ".join(
        ["GROUPING(priority, district)", "priority", "district", "count(*)", "count_if(reopened)"]
    )
    return (
        f"SELECT {columns}, {', '.join(figures)} FROM {source} WHERE {selection} "  # noqa: S608 - our names
        "GROUP BY GROUPING SETS ((), (priority), (district)) ORDER BY 1 DESC, 2, 3"
    )


def duckdb_answer(rows: list[tuple[Any, ...]]) -> Answer:
    grouping_of = {3: 0, 1: 1, 2: 2}  # GROUPING(priority, district) -> overall, by priority, by district
    answer: Answer = {}
    for row in rows:
        figures: dict[str, float | None] = {"incidents": row[3], "reopened": row[4]}
        for k, name in enumerate(NAMES):
            n, mean, quantiles, low, high, within, missing, negative = row[5 + 8 * k : 13 + 8 * k]
            median, p90 = quantiles or (None, None)
            values = (n, mean, median, p90, low, high, within, missing, negative)
            figures |= {f"{name} {f}": v for f, v in zip(FIGURES, values, strict=True)}
        answer[(grouping_of[row[0]], row[1], row[2])] = figures
    return answer


# --- pandas -----------------------------------------------------------------------------------------------


def pandas_frame(path: Path) -> pd.DataFrame:
    """One row per incident, as the narrow DuckDB table: the grouping and selection columns, each interval
    in seconds (NaN when missing or negative) and whether it is negative, the targets of its priority."""
    stamps = sorted({s for span in SPANS.values() for s in span})
    kept = ["origin", "merged", "reopened", "local_date", "priority", "district"]
    raw = pq.read_table(path, columns=[*kept, *stamps]).to_pandas(date_as_object=False)
    frame = raw[["priority", "merged", "reopened", "local_date"]].copy()
    frame["origin"] = raw["origin"].astype("category")
    frame["district"] = raw["district"].astype("category")
    for n, (a, b) in SPANS.items():
        seconds = (raw[b] - raw[a]).dt.total_seconds()
        frame[n] = seconds.where(seconds >= 0)
        frame[f"{n}_negative"] = seconds < 0
        target = TARGETS.seconds(n)
        if isinstance(target, Mapping):
            frame[f"{n}_target"] = frame["priority"].map(target).astype(float)
        elif target is not None:
            frame[f"{n}_target"] = target
    return frame


def pandas_tables(frame: pd.DataFrame) -> list[pd.DataFrame]:
    """The selection, then per grouping the figures."""
    dates = frame["local_date"].between(pd.Timestamp(YEAR.first), pd.Timestamp(YEAR.last))
    chosen = frame[(frame["origin"] == "live") & ~frame["merged"] & dates]
    extra: dict[str, Any] = {"all": 0}
    for n in NAMES:
        if f"{n}_target" in chosen:
            target = chosen[f"{n}_target"]
            extra[f"{n}_judged"] = chosen[n].notna() & target.notna()
            extra[f"{n}_within"] = chosen[n] <= target
    chosen = chosen.assign(**extra)
    counted = ["reopened", *(c for n in NAMES for c in (f"{n}_negative", f"{n}_judged", f"{n}_within"))]
    tables = []
    for keys in ("all", "priority", "district"):
        grouped = chosen.groupby(keys, observed=True)
        stats = grouped[NAMES].agg(["count", "mean", "median", "min", "max"])
        stats.columns = [f"{name} {figure}" for name, figure in stats.columns]
        p90 = grouped[NAMES].quantile(0.9).add_suffix(" p90")
        sums = grouped[[c for c in counted if c in chosen]].sum()
        tables.append(pd.concat([stats, p90, sums, grouped.size().rename("incidents")], axis=1))
    return tables


def pandas_answer(tables: list[pd.DataFrame]) -> Answer:
    def value(x: Any) -> float | None:
        return None if pd.isna(x) else float(x)

    answer: Answer = {}
    for k, table in enumerate(tables):
        for group, row in table.iterrows():
            figures: dict[str, float | None] = {"incidents": row["incidents"], "reopened": row["reopened"]}
            for n in NAMES:
                count, negative = int(row[f"{n} count"]), int(row[f"{n}_negative"])
                judged = row.get(f"{n}_judged", 0)
                within = 100.0 * row[f"{n}_within"] / judged if judged else None
                figures |= {
                    f"{n} n": count,
                    **{f"{n} {f}": value(row[f"{n} {f}"]) for f in ("mean", "median", "p90", "min", "max")},
                    f"{n} within %": within,
                    f"{n} missing": int(row["incidents"]) - count - negative,
                    f"{n} negative": negative,
                }
            key = (0, None, None) if k == 0 else (1, int(group), None) if k == 1 else (2, None, str(group))
            answer[key] = figures
    return answer


# --- the comparison ---------------------------------------------------------------------------------------


def differences(mine: Answer, theirs: Answer, name: str) -> list[str]:
    """Every figure of every row that differs (counts exactly; the others within TOLERANCE, relative)."""
    if set(mine) != set(theirs):
        return [f"the rows differ: ours {sorted(mine, key=str)}, {name} {sorted(theirs, key=str)}"]
    found = []
    for key, figures in mine.items():
        other = theirs[key]
        if set(figures) != set(other):
            found.append(f"{key}: the figures differ: {sorted(set(figures) ^ set(other))}")
            continue
        for figure, value in figures.items():
            there = other[figure]
            same = (
                value is None and there is None
                if value is None or there is None
                else math.isclose(value, there, rel_tol=TOLERANCE, abs_tol=1e-12)
            )
            if not same:
                found.append(f"{key} {figure}: ours {value}, {name} {there}")
    return found


def check_agree(mine: Answer, others: dict[str, Answer]) -> None:
    """Ours against each other answer, figure by figure; and a self-test that the check can fail."""
    for name, theirs in others.items():
        found = differences(mine, theirs, name)
        if found:
            raise SystemExit(f"ours and {name} differ ({len(found)} figures):\n  " + "\n  ".join(found[:20]))
    key = next(iter(mine))
    changed = {k: dict(figures) for k, figures in mine.items()}
    changed[key]["response p90"] = (changed[key]["response p90"] or 0.0) * (1 + 1e-6) + 1e-9
    if not differences(mine, changed, "the changed copy"):
        raise SystemExit("the check did not notice a changed p90: it cannot fail, fix it")
    figures = len(mine) * len(mine[key])
    print(f"  the answers agree: {figures} figures in {len(mine)} rows, ours against {', '.join(others)}")
    print("  (the same check flags a copy of ours with one p90 changed by one part in a million)")


def time_round_robin(methods: dict[str, Callable[[], object]], runs: int) -> dict[str, list[float]]:
    """Each round times every method once, in turn; seconds per method, per round."""
    times: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(runs):
        for name, work in methods.items():
            began = time.perf_counter()
            work()
            times[name].append(time.perf_counter() - began)
    return times


def compare(rows: int, runs: int, folder: Path) -> None:
    label = f"{rows:,} incidents (SYNTHETIC)"
    file = folder / "base.parquet"
    began = time.perf_counter()
    write_synthetic_snapshot(file, rows)
    size_mb = file.stat().st_size / 1e6
    print(f"\n{label}: snapshot written in {time.perf_counter() - began:.1f} s ({size_mb:,.0f} MB Parquet)")

    analytics = ours(folder, "base.parquet")
    began = time.perf_counter()
    analytics.ensure_fresh()
    print(f"  once, untimed: our engine loads the snapshot's facts: {time.perf_counter() - began:.2f} s")

    db = duckdb.connect()
    began = time.perf_counter()
    db.execute(f"CREATE TABLE {NARROW} AS {narrow_select('read_parquet($file)')}", {"file": str(file)})
    print(f"  once, untimed: DuckDB precomputes the narrow table: {time.perf_counter() - began:.2f} s")
    narrow_sql = grouping_sets_sql(NARROW)
    over_parquet = narrow_select(f"read_parquet('{file}')")
    parquet_sql = grouping_sets_sql(f"({over_parquet})")

    began = time.perf_counter()
    frame = pandas_frame(file)
    print(f"  once, untimed: pandas reads and prepares its frame: {time.perf_counter() - began:.2f} s")

    methods: dict[str, Callable[[], object]] = {
        "ours (Analytics.intervals)": lambda: our_tables(analytics),
        "DuckDB, narrow table, GROUPING SETS": lambda: db.execute(narrow_sql).fetchall(),
        "DuckDB, same query over the Parquet": lambda: db.execute(parquet_sql).fetchall(),
        "pandas, prepared frame": lambda: pandas_tables(frame),
    }
    mine = our_answer(our_tables(analytics))  # each method's first run, untimed, is its warm-up
    check_agree(
        mine,
        {
            "DuckDB (narrow table)": duckdb_answer(db.execute(narrow_sql).fetchall()),
            "DuckDB (over Parquet)": duckdb_answer(db.execute(parquet_sql).fetchall()),
            "pandas": pandas_answer(pandas_tables(frame)),
        },
    )

    times = time_round_robin(methods, runs)
    threads = db.execute("SELECT current_setting('threads')").fetchone()
    machine = f"{os.cpu_count()} cores, DuckDB threads {threads and threads[0]}"
    print(f"  {runs} rounds, the methods interleaved in each; {machine}")
    medians = {name: float(np.median(t)) * 1000 for name, t in times.items()}
    ours_ms = medians["ours (Analytics.intervals)"]
    for name, t in times.items():
        ms, p90 = medians[name], float(np.percentile(t, 90)) * 1000
        ratio = "" if name.startswith("ours") else f"   ours / this {ours_ms / ms:5.2f}"
        print(f"  {name:<36} median {ms:9.1f} ms   p90 {p90:9.1f} ms{ratio}")
    goal = SMALL_GOAL_MS if rows <= LARGE else LARGE_GOAL_MS
    print(at_most(f"ours, median, {rows:,} incidents", ours_ms, goal, "ms"))
    ratio = ours_ms / medians["DuckDB, narrow table, GROUPING SETS"]
    print(at_most("ours / the DuckDB GROUPING SETS query (medians)", ratio, RATIO_GOAL, "x"))
    analytics.close()
    db.close()
    file.unlink()


def refresh_cost(folder: Path, base_rows: int = 204_000, batch: int = 1_000, rounds: int = 5) -> None:
    """SQLite, real tables: a refresh that finds `batch` new incidents, and one that finds nothing. (In
    service the overlap re-reads the last five minutes of changes too: a few incidents at 560 a day.) No
    goal is set for these figures: they are reported."""
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
    print(f"  refresh finding {batch:,} new incidents: median {np.median(costs) * 1000:.0f} ms (no goal set)")
    print(
        f"  refresh finding nothing (the change scan): median {np.median(idle) * 1000:.0f} ms (no goal set)"
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
