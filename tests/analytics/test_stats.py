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

from kuzet.analytics import stats
from kuzet.analytics.columns import DIMENSIONS, FactColumns, View
from kuzet.analytics.domain import Dimension, IntervalSummary, Origin, Query, Targets

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


def as_frame(view: View) -> dict[str, np.ndarray]:
    """The view's rows back as plain columns (decoded), for the reference."""
    rows = view.rows
    frame = {
        d.value: np.array([view.dictionaries[d].values[c] for c in view.codes[d][:rows]], dtype=object)
        for d in DIMENSIONS
    }
    frame.update(alive=view.alive[:rows], merged=view.merged[:rows], reopened=view.reopened[:rows])
    frame["day"] = view.local_date[:rows]
    for k, name in enumerate(NAMES):
        frame[name] = view.values[k, :rows]
    return frame


def expected(view: View, query: Query, grouping: tuple[Dimension, ...]) -> dict[tuple[Any, ...], Any]:
    frame = as_frame(view)
    keep = frame["alive"] & ~frame["merged"]
    if query.origin is not Origin.ALL:
        keep &= frame["origin"] == query.origin.value
    if query.first:
        keep &= frame["day"] >= (query.first - date(1970, 1, 1)).days
    if query.last:
        keep &= frame["day"] <= (query.last - date(1970, 1, 1)).days
    for dimension, values in query.filters.items():
        keep &= np.isin(frame[dimension.value], np.array(values, dtype=object))
    keys = [tuple(frame[d.value][i] for d in grouping) for i in range(view.rows)]
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


def check(view: View, query: Query, groupings: list[tuple[Dimension, ...]], run: stats.Run) -> None:
    tables, quality = stats.interval_tables(view, query, groupings, NAMES, TARGETS, run)
    for grouping, table in zip(groupings, tables, strict=True):
        want = expected(view, query, grouping)
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


def serial(work: Any, *jobs: Any) -> list[Any]:
    return list(map(work, *jobs))


@pytest.fixture(scope="module")
def view() -> View:
    rng = np.random.default_rng(7)
    columns = FactColumns(NAMES)
    columns.put(facts(rng, 3000))
    columns.put(facts(rng, 500, first_pos=3000), dead=rng.choice(3000, 400, replace=False))
    return columns.view()


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
def test_every_figure_matches_numpy_on_each_group(view: View, query: Query) -> None:
    check(view, query, GROUPINGS, serial)


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[None]:
    cells, direct, per_thread = request.param
    monkeypatch.setattr(stats, "HISTOGRAM_CELLS", cells)
    monkeypatch.setattr(stats, "DIRECT_GROUPS", direct)
    monkeypatch.setattr(stats, "ROWS_PER_THREAD", per_thread)
    monkeypatch.setattr(stats, "THREADS", 3)
    yield


@pytest.mark.parametrize(
    "settings",
    [(10**9, 10**6, 10**9), (1, 10**6, 10**9), (10**9, 1, 10**9), (3000, 1, 500)],
    ids=["finest buckets", "coarsest buckets", "compacted groups", "coarse, compacted, on threads"],
    indirect=True,
)
def test_the_figures_do_not_depend_on_buckets_group_numbering_or_threads(view: View, settings: None) -> None:
    with ThreadPoolExecutor(max_workers=3) as pool:

        def run(work: Any, *jobs: Any) -> list[Any]:
            return list(pool.map(work, *jobs))

        check(view, QUERIES[1], GROUPINGS, run)


def test_a_view_keeps_showing_what_it_showed_after_a_delta() -> None:
    rng = np.random.default_rng(3)
    columns = FactColumns(NAMES)
    columns.put(facts(rng, 1000))
    before = columns.view()
    figures = stats.interval_tables(before, Query(), [()], NAMES, TARGETS, serial)[0][0].rows[0]
    columns.put(facts(rng, 1000, first_pos=1000), dead=np.arange(0, 1000, 2))
    after = columns.view()
    assert after.rows == 2000 and before.rows == 1000
    assert stats.interval_tables(before, Query(), [()], NAMES, TARGETS, serial)[0][0].rows[0] == figures
    check(after, Query(), [(), (Dimension.DISTRICT,)], serial)


def test_an_empty_selection_has_one_overall_row_of_nothing(view: View) -> None:
    nothing = Query(filters={Dimension.DISTRICT: ("nowhere",)})
    tables, quality = stats.interval_tables(
        view, nothing, [(), (Dimension.PRIORITY,)], NAMES, TARGETS, serial
    )
    assert [r.incidents for r in tables[0].rows] == [0]
    assert tables[1].rows == ()
    assert quality.incidents == 0


def test_merged_away_rows_are_counted_apart(view: View) -> None:
    frame = as_frame(view)
    live = frame["alive"] & (frame["origin"] == "live")
    assert stats.selection(view, Query())[1] == int((live & frame["merged"]).sum())
