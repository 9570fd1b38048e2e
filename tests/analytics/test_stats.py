"""The interval statistics of the numpy columns, against numpy computing each group's figures on its own.

The data are random, with what trips bucketed selection up: ties, zeros and -0.0, values below and above the
buckets' range, missing and negative intervals, NULL group values, merged and dead rows. Every figure of every
row of every grouping must agree — with the finest buckets, with coarse ones, with groups numbered directly
and compacted, on one thread and split between threads.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from kuzet.analytics.domain import Dimension, IntervalSummary, Origin, Query, Targets
from kuzet.analytics.intervals import passes, stats
from kuzet.analytics.intervals.columns import DIMENSIONS, FactColumns, View

NAMES = ("response", "travel", "odd")
TARGETS = Targets({1: 7.0, 2: 10.0}, {"travel": 5.0})
DAY0 = date(2026, 1, 1)


def _values(rng: np.random.Generator, size: int) -> np.ndarray:
    """Seconds with everything awkward in them."""
    v = np.round(rng.gamma(2.0, 200.0, size), 1)  # rounding makes ties
    kind = rng.random(size)
    v[kind < 0.05] = np.nan
    v[(kind >= 0.05) & (kind < 0.08)] *= -1
    v[(kind >= 0.08) & (kind < 0.10)] = 0.0
    v[(kind >= 0.10) & (kind < 0.11)] = -0.0
    v[(kind >= 0.11) & (kind < 0.12)] = 1e-5  # below the lowest bucket
    v[(kind >= 0.12) & (kind < 0.13)] = 3e9  # above the highest
    return v


def facts(rng: np.random.Generator, size: int, first_pos: int = 0) -> pa.Table:
    def choice(options: Sequence[Any], null: float = 0.05) -> pa.Array:
        picked = [options[i] for i in rng.integers(0, len(options), size)]
        return pa.array([None if rng.random() < null else p for p in picked])

    columns: dict[str, Any] = {d.value: choice([f"{d.value}-{n}" for n in range(3)]) for d in DIMENSIONS}
    columns.update(
        {
            "pos": pa.array(np.arange(first_pos, first_pos + size), pa.int64()),
            "origin": choice(["live", "imported"], null=0),
            "priority": choice([1, 2, 3, 4]),
            "hour": choice(list(range(24)), null=0),
            "district": choice(["central", "north", "south", "east"], null=0.1),
            "local_date": pa.array([DAY0 + timedelta(days=int(d)) for d in rng.integers(-30, 400, size)]),
            "merged": pa.array(rng.random(size) < 0.05),
            "reopened": pa.array(rng.random(size) < 0.1),
        }
    )
    for name in NAMES:
        columns[f"raw_{name}"] = pa.array(_values(rng, size))
    return pa.table(columns)


class Written:
    """The columns and, beside them, everything written to them: the reference is computed from the tables
    as given, not read back from the columns."""

    def __init__(self, names: Sequence[str] = NAMES) -> None:
        self.columns = FactColumns(names)
        self.tables: list[pa.Table] = []
        self.dead: set[int] = set()

    def put(self, table: pa.Table, dead: Sequence[int] = ()) -> View:
        self.columns.put(table, np.array(list(dead), np.int64))
        self.tables.append(table)
        self.dead |= set(dead)
        return self.columns.view()

    def frame(self) -> dict[str, np.ndarray]:
        table = pa.concat_tables(self.tables)
        frame = {name: np.array(table.column(name).to_pylist(), dtype=object) for name in table.column_names}
        frame["alive"] = np.array([p not in self.dead for p in frame["pos"]])
        frame["merged"] = frame["merged"].astype(bool)
        frame["reopened"] = frame["reopened"].astype(bool)
        frame["day"] = np.array([(d - date(1970, 1, 1)).days for d in frame["local_date"]])
        for name in NAMES:
            frame[name] = table.column(f"raw_{name}").to_numpy(zero_copy_only=False).astype(float)
        return frame


def expected(
    frame: dict[str, np.ndarray], query: Query, grouping: tuple[Dimension, ...]
) -> dict[tuple[Any, ...], Any]:
    size = frame["alive"].size
    keep = frame["alive"] & ~frame["merged"]
    if query.origin is not Origin.ALL:
        keep &= frame["origin"] == query.origin.value
    if query.first:
        keep &= frame["day"] >= (query.first - date(1970, 1, 1)).days
    if query.last:
        keep &= frame["day"] <= (query.last - date(1970, 1, 1)).days
    for dimension, values in query.filters.items():
        keep &= np.isin(frame[dimension.value], np.array(values, dtype=object))
    keys = [tuple(frame[d.value][i] for d in grouping) for i in range(size)]
    groups = {keys[i] for i in np.flatnonzero(keep)} or ({()} if not grouping else set())
    answer = {}
    for key in groups:
        rows = keep & np.array([k == key for k in keys])
        figures: dict[str, Any] = {
            "incidents": int(rows.sum()),
            "reopened": int(frame["reopened"][rows].sum()),
        }
        for name in NAMES:
            raw = frame[name][rows]
            valid = raw[raw >= 0]
            target = np.array([_target(name, p) for p in frame["priority"][rows]])[raw >= 0]
            judged = ~np.isnan(target)
            figures[name] = IntervalSummary(
                n=valid.size,
                mean=float(valid.mean()) if valid.size else None,
                median=float(np.quantile(valid, 0.5)) if valid.size else None,
                p90=float(np.quantile(valid, 0.9)) if valid.size else None,
                minimum=float(valid.min()) if valid.size else None,
                maximum=float(valid.max()) if valid.size else None,
                within_target_pct=100.0 * float((valid[judged] <= target[judged]).sum()) / judged.sum()
                if judged.any()
                else None,
                missing=int(np.isnan(raw).sum()),
                negative=int((raw < 0).sum()),
            )
        answer[key] = figures
    return answer


def map_all(work: Any, *jobs: Any) -> list[Any]:
    return list(map(work, *jobs))


def _target(name: str, priority: object) -> float:
    seconds = TARGETS.seconds(name)
    if isinstance(seconds, float):
        return seconds
    if seconds is None or not isinstance(priority, int):
        return float("nan")
    return float(seconds.get(priority, float("nan")))


def _same(mine: IntervalSummary, theirs: IntervalSummary) -> bool:
    for field in ("n", "missing", "negative"):
        if getattr(mine, field) != getattr(theirs, field):
            return False
    for field in ("mean", "median", "p90", "minimum", "maximum", "within_target_pct"):
        a, b = getattr(mine, field), getattr(theirs, field)
        if (a is None) != (b is None) or (a is not None and a != pytest.approx(b, rel=1e-12, abs=1e-12)):
            return False
    return True


def check(
    written: Written, query: Query, groupings: list[tuple[Dimension, ...]], run: stats.Run = map_all
) -> None:
    view = written.columns.view()
    tables, quality = stats.interval_tables(view, query, groupings, NAMES, TARGETS, run)
    frame = written.frame()
    for grouping, table in zip(groupings, tables, strict=True):
        want = expected(frame, query, grouping)
        got = {tuple(row.group[d.value] for d in grouping): row for row in table.rows}
        assert set(got) == set(want), grouping
        for key, row in got.items():
            assert row.incidents == want[key]["incidents"], (grouping, key)
            assert row.reopened == want[key]["reopened"], (grouping, key)
            for name in NAMES:
                assert _same(row.intervals[name], want[key][name]), (grouping, key, name, row.intervals[name])
        order = [tuple((v is None, v) for v in key) for key in got]
        assert order == sorted(order), "rows come in order of their groups, NULL last"
    assert quality.incidents == sum(r.incidents for r in tables[0].rows)


@pytest.fixture(scope="module")
def written() -> Written:
    """Rows loaded, then a delta that replaces some of them (and outgrows the arrays)."""
    rng = np.random.default_rng(7)
    written = Written()
    written.put(facts(rng, 3000))
    written.put(facts(rng, 5000, first_pos=3000), dead=rng.choice(3000, 400, replace=False).tolist())
    return written


QUERIES = [
    Query(),
    Query(first=date(2026, 1, 1), last=date(2026, 12, 31)),
    Query(origin=Origin.ALL, filters={Dimension.PRIORITY: (1, 3), Dimension.DISTRICT: ("north", "nowhere")}),
    Query(filters={Dimension.DISTRICT: ("nowhere",)}),
]
GROUPINGS: list[tuple[Dimension, ...]] = [
    (),
    (Dimension.PRIORITY,),
    (Dimension.DISTRICT,),
    (Dimension.DISTRICT, Dimension.PRIORITY),
    (Dimension.HOUR, Dimension.CATEGORY),
]


@pytest.mark.parametrize("query", QUERIES, ids=["all", "year", "filtered", "nothing"])
def test_every_figure_matches_numpy_on_each_group(written: Written, query: Query) -> None:
    check(written, query, GROUPINGS)


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[None]:
    cells, direct, per_thread = request.param
    monkeypatch.setattr(passes, "HISTOGRAM_CELLS", cells)
    monkeypatch.setattr(stats, "DIRECT_GROUPS", direct)
    monkeypatch.setattr(passes, "ROWS_PER_THREAD", per_thread)
    monkeypatch.setattr(passes, "THREADS", 3)
    yield


@pytest.mark.parametrize(
    "settings",
    [
        (10**9, 10**6, 10**9),
        (1, 10**6, 10**9),
        (10**9, 1, 10**9),
        (300_000, 10**6, 500),
        (3000, 1, 500),
    ],
    ids=[
        "finest buckets",
        "coarsest buckets",
        "compacted groups",
        "middling buckets, on threads",
        "coarse, compacted, on threads",
    ],
    indirect=True,
)
def test_the_figures_do_not_depend_on_buckets_group_numbering_or_threads(
    written: Written, settings: None
) -> None:
    with ThreadPoolExecutor(max_workers=3) as pool:

        def run(work: Any, *jobs: Any) -> list[Any]:
            return list(pool.map(work, *jobs))

        check(written, QUERIES[1], GROUPINGS, run)


def test_a_view_keeps_showing_what_it_showed_after_a_delta() -> None:
    rng = np.random.default_rng(3)
    written = Written()
    before = written.put(facts(rng, 1000))
    figures = stats.interval_tables(before, Query(), [()], NAMES, TARGETS, map_all)[0][0].rows[0]
    after = written.put(facts(rng, 1000, first_pos=1000), dead=range(0, 1000, 2))
    assert after.rows == 2000 and before.rows == 1000
    assert stats.interval_tables(before, Query(), [()], NAMES, TARGETS, map_all)[0][0].rows[0] == figures
    check(written, Query(), [(), (Dimension.DISTRICT,)])


def test_a_load_replaces_everything_at_once() -> None:
    rng = np.random.default_rng(5)
    written = Written()
    before = written.put(facts(rng, 300))
    written.columns.load(facts(rng, 200))
    assert before.rows == 300 and written.columns.view().rows == 200
    assert before.dictionaries is not written.columns.view().dictionaries


def test_some_of_the_intervals_and_a_dimension_that_is_always_null(written: Written) -> None:
    view = written.columns.view()
    grouping = (Dimension.UNIT_TYPE,)
    rng = np.random.default_rng(11)
    nulls = Written()
    table = facts(rng, 400)
    table = table.set_column(table.column_names.index("unit_type"), "unit_type", pa.nulls(400, pa.string()))
    nulls.put(table)
    (only_null,), _ = stats.interval_tables(
        nulls.columns.view(), Query(), [grouping], ["travel"], TARGETS, map_all
    )
    assert [row.group for row in only_null.rows] == [{"unit_type": None}]
    (some,), _ = stats.interval_tables(view, Query(), [()], ["odd", "response"], TARGETS, map_all)
    (every,), _ = stats.interval_tables(view, Query(), [()], NAMES, TARGETS, map_all)
    assert some.rows[0].intervals["odd"] == every.rows[0].intervals["odd"]
    assert some.rows[0].intervals["response"] == every.rows[0].intervals["response"]


def test_an_empty_selection_has_one_overall_row_of_nothing(written: Written) -> None:
    nothing = Query(filters={Dimension.DISTRICT: ("nowhere",)})
    groupings: list[tuple[Dimension, ...]] = [(), (Dimension.PRIORITY,)]
    for view in (written.columns.view(), FactColumns(NAMES).view()):
        tables, quality = stats.interval_tables(view, nothing, groupings, NAMES, TARGETS, map_all)
        assert [r.incidents for r in tables[0].rows] == [0]
        assert tables[1].rows == ()
        assert quality.incidents == 0


def test_merged_away_rows_are_counted_apart(written: Written) -> None:
    frame = written.frame()
    live = frame["alive"] & (frame["origin"] == "live")
    assert stats.selection(written.columns.view(), Query())[1] == int((live & frame["merged"]).sum())
