"""Interval statistics over the fact columns: the selection, the groups, the two kernel passes, the answer.

All the groupings of one request are answered from one pair of passes: each row is counted once, into its
group of the finest grouping that holds them all (the union of their dimensions); each grouping's figures are
then sums of those fine groups. Quantiles are exact (linear interpolation between the two closest ranks, as
numpy's default and DuckDB's `quantile_cont`): the histograms say which bucket holds each rank, and only the
values of those buckets are looked at again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from math import ceil, floor, prod
from typing import Final

import numpy as np

from kuzet.analytics.domain import (
    DataQuality,
    Dimension,
    DimensionKey,
    FilterValue,
    GroupRow,
    IntervalSummary,
    IntervalTable,
    Origin,
    Query,
    Targets,
)
from kuzet.analytics.intervals.columns import View, day_number
from kuzet.analytics.intervals.passes import Counts, Pass, Run, Selector, count, fine_bits_for, parts_of

QUANTILES: Final = (0.5, 0.9)
DIRECT_GROUPS: Final = 4096  # up to this many possible fine groups, a row's group is computed directly


class TooManyGroups(ValueError):
    """The dimensions grouped by at once have more combinations than a 64-bit key can number."""


def selection(view: View, query: Query) -> tuple[np.ndarray, int]:
    """The rows counted (alive, not merged away, in the period, origin and filters) and how many merged-away
    rows the same conditions select."""
    rows = view.rows
    mask = view.alive[:rows].copy()
    if query.origin is not Origin.ALL:
        mask &= _among(view, Dimension.ORIGIN, (query.origin.value,))
    if query.first is not None:
        mask &= view.local_date[:rows] >= day_number(query.first)
    if query.last is not None:
        mask &= view.local_date[:rows] <= day_number(query.last)
    for dimension, values in query.filters.items():
        mask &= _among(view, dimension, values)
    merged = view.merged[:rows]
    merged_count = int(np.count_nonzero(mask & merged))
    mask &= ~merged
    return mask, merged_count


def _among(view: View, dimension: DimensionKey, values: Sequence[FilterValue]) -> np.ndarray:
    dictionary = view.dictionaries[dimension]
    allowed = np.zeros(view.code_count(dimension), np.bool_)
    for value in values:
        code = dictionary.code(value)
        if code is not None and code < allowed.size:
            allowed[code] = True
    chosen: np.ndarray = allowed[view.codes[dimension][: view.rows]]
    return chosen


@dataclass(frozen=True)
class FineGroups:
    """Each row's fine group (`codes`, valid where the mask is set) and each fine group's key (the combined
    dimension codes, decoded with `dimensions`, `sizes` and `strides`)."""

    dimensions: tuple[DimensionKey, ...]
    sizes: tuple[int, ...]
    strides: tuple[int, ...]
    codes: np.ndarray  # int32 per row
    keys: np.ndarray  # int64 per fine group

    def dimension_codes(self, dimension: DimensionKey, groups: np.ndarray) -> np.ndarray:
        at = self.dimensions.index(dimension)
        codes: np.ndarray = (self.keys[groups] // self.strides[at]) % self.sizes[at]
        return codes


def fine_groups(view: View, mask: np.ndarray, groupings: Sequence[tuple[DimensionKey, ...]]) -> FineGroups:
    dimensions = tuple(dict.fromkeys(d for grouping in groupings for d in grouping))
    sizes = tuple(view.code_count(d) for d in dimensions)
    if prod(sizes) >= 2**62:
        raise TooManyGroups(", ".join(map(str, dimensions)))
    strides = tuple(prod(sizes[n + 1 :]) for n in range(len(sizes)))
    rows = view.rows
    if prod(sizes) <= DIRECT_GROUPS:
        codes = np.zeros(rows, np.int32)
        for dimension, stride in zip(dimensions, strides, strict=True):
            codes += view.codes[dimension][:rows] * np.int32(stride)
        return FineGroups(dimensions, sizes, strides, codes, np.arange(prod(sizes), dtype=np.int64))
    combined = np.zeros(int(np.count_nonzero(mask)), np.int64)
    for dimension, stride in zip(dimensions, strides, strict=True):
        combined += view.codes[dimension][:rows][mask].astype(np.int64) * stride
    keys, inverse = np.unique(combined, return_inverse=True)
    codes = np.zeros(rows, np.int32)
    codes[mask] = inverse
    return FineGroups(dimensions, sizes, strides, codes, keys)


@dataclass(frozen=True)
class Coarse:
    """One grouping's groups over the present fine groups: `of_fine[i]` is the group of `present[i]`."""

    grouping: tuple[DimensionKey, ...]
    present: np.ndarray
    of_fine: np.ndarray
    count: int
    first_member: np.ndarray  # a present fine group of each group (to read the group's codes)

    @classmethod
    def of(cls, grouping: tuple[DimensionKey, ...], fine: FineGroups, present: np.ndarray) -> Coarse:
        key = np.zeros(present.size, np.int64)
        for dimension in grouping:
            size = fine.sizes[fine.dimensions.index(dimension)]
            key = key * size + fine.dimension_codes(dimension, present)
        unique, first, of_fine = np.unique(key, return_index=True, return_inverse=True)
        return cls(grouping, present, of_fine.reshape(-1), int(unique.size), present[first])

    def add(self, per_fine: np.ndarray) -> np.ndarray:
        """Per-fine-group figures (… × fine groups [× buckets], axis 1) summed per group."""
        if not self.count:
            return np.zeros((per_fine.shape[0], 0, *per_fine.shape[2:]), per_fine.dtype)
        order = np.argsort(self.of_fine, kind="stable")
        bounds = np.searchsorted(self.of_fine[order], np.arange(self.count))
        summed: np.ndarray = np.add.reduceat(per_fine[:, self.present[order]], bounds, axis=1)
        return summed

    @cached_property
    def members(self) -> list[np.ndarray]:
        """The present fine groups of each group."""
        order = np.argsort(self.of_fine, kind="stable")
        bounds = np.searchsorted(self.of_fine[order], np.arange(1, self.count))
        return np.split(self.present[order], bounds)


# A rank's bucket (grouping, interval, group, bucket) and its place in that bucket.
Place = tuple[tuple[int, int, int, int], int]


@dataclass(frozen=True)
class Quantile:
    """Where one quantile of one group lies: h = (n - 1) q, and the places of ranks floor(h) and ceil(h)."""

    h: float
    low: Place
    high: Place

    def value(self, selector: Selector) -> float:
        below = selector.value(*self.low)
        if self.high == self.low:
            return below
        return below + (self.h - floor(self.h)) * (selector.value(*self.high) - below)


@dataclass(frozen=True)
class Grouped:
    """One grouping's figures (intervals × groups) and where its ranks lie (the first and last rank are the
    minimum and maximum)."""

    coarse: Coarse
    incidents: np.ndarray
    reopened: np.ndarray
    n: np.ndarray
    total: np.ndarray
    negative: np.ndarray
    judged: np.ndarray
    within: np.ndarray
    quantiles: dict[tuple[int, int, float], Quantile]

    @classmethod
    def of(cls, j: int, coarse: Coarse, total: Counts, selector: Selector) -> Grouped:
        def counted(per_fine: np.ndarray) -> np.ndarray:
            summed: np.ndarray = coarse.add(per_fine).astype(np.int64)
            return summed

        cumulative = np.cumsum(counted(total.hist), axis=2)
        n = cumulative[:, :, -1]

        def place(k: int, c: int, rank: int) -> Place:
            bucket = int(np.searchsorted(cumulative[k, c], rank, side="right"))
            key = (j, k, c, bucket)
            selector.want(key, coarse.members[c])
            return key, rank - (int(cumulative[k, c, bucket - 1]) if bucket else 0)

        quantiles = {}
        for k, c in zip(*np.nonzero(n), strict=True):
            last = int(n[k, c]) - 1
            for q in (0.0, *QUANTILES, 1.0):
                h = last * q
                quantiles[(int(k), int(c), q)] = Quantile(h, place(k, c, floor(h)), place(k, c, ceil(h)))
        return cls(
            coarse=coarse,
            incidents=counted(total.incidents[None])[0],
            reopened=counted(total.reopened[None])[0],
            n=n,
            total=coarse.add(total.total),
            negative=counted(total.negative),
            judged=counted(total.judged),
            within=counted(total.within),
            quantiles=quantiles,
        )

    def summary(self, k: int, c: int, selector: Selector) -> IntervalSummary:
        n, incidents, negative = int(self.n[k, c]), int(self.incidents[c]), int(self.negative[k, c])
        judged = int(self.judged[k, c])
        low, median, p90, high = (
            self.quantiles[(k, c, q)].value(selector) if n else None for q in (0.0, *QUANTILES, 1.0)
        )
        return IntervalSummary(
            n=n,
            mean=float(self.total[k, c]) / n if n else None,
            median=median,
            p90=p90,
            minimum=low,
            maximum=high,
            within_target_pct=100.0 * int(self.within[k, c]) / judged if judged else None,
            missing=incidents - n - negative,
            negative=negative,
        )


def _target_table(view: View, names: Sequence[str], targets: Targets) -> np.ndarray:
    """Intervals × priority codes: each interval's target in seconds for an incident of that priority."""
    priorities = view.dictionaries[Dimension.PRIORITY].values[: view.code_count(Dimension.PRIORITY)]
    table = np.full((len(names), len(priorities)), np.nan)
    for k, name in enumerate(names):
        seconds = targets.seconds(name)
        if isinstance(seconds, Mapping):
            table[k] = [seconds.get(p, np.nan) if isinstance(p, int) else np.nan for p in priorities]
        elif seconds is not None:
            table[k] = seconds
    return table


def _columns(view: View, names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The values and buckets of the named intervals (the whole arrays when all are named)."""
    picked = [view.intervals.index(name) for name in names]
    if picked == list(range(len(view.intervals))):
        return view.values, view.buckets
    return np.ascontiguousarray(view.values[picked]), np.ascontiguousarray(view.buckets[picked])


def interval_tables(
    view: View,
    query: Query,
    groupings: Sequence[tuple[DimensionKey, ...]],
    names: Sequence[str],
    targets: Targets,
    run: Run,
) -> tuple[tuple[IntervalTable, ...], DataQuality]:
    """The named intervals' statistics for each grouping of the rows the query selects, and the selection's
    data quality (from the first grouping's rows)."""
    mask, merged_count = selection(view, query)
    fine = fine_groups(view, mask, groupings)
    groups = int(fine.keys.size)
    values, buckets = _columns(view, names)
    bits = fine_bits_for(len(names), groups)
    shared = Pass(mask, fine.codes, values, buckets, bits, parts_of(view.rows), run)
    parts = count(shared, view, groups, _target_table(view, names, targets))
    total = sum(parts[1:], parts[0])
    present = np.flatnonzero(total.incidents)
    selector = Selector(total, parts)
    grouped = [Grouped.of(j, Coarse.of(g, fine, present), total, selector) for j, g in enumerate(groupings)]
    selector.collect(shared)
    tables = tuple(_table(view, fine, g, names, selector) for g in grouped)
    return tables, DataQuality.of_rows(tables[0].rows, names, merged_excluded=merged_count)


def _table(
    view: View, fine: FineGroups, grouped: Grouped, names: Sequence[str], selector: Selector
) -> IntervalTable:
    coarse = grouped.coarse
    rows = []
    for c in range(coarse.count):
        member = coarse.first_member[c : c + 1]
        group = {
            str(d): view.dictionaries[d].values[int(fine.dimension_codes(d, member)[0])]
            for d in coarse.grouping
        }
        rows.append(
            GroupRow(
                group=group,
                incidents=int(grouped.incidents[c]),
                intervals={name: grouped.summary(k, c, selector) for k, name in enumerate(names)},
                reopened=int(grouped.reopened[c]),
            )
        )
    if not coarse.grouping and not rows:  # no incidents: the overall row says so
        rows.append(GroupRow(group={}, incidents=0, intervals=dict.fromkeys(names, _NOTHING)))
    rows.sort(key=lambda r: tuple((r.group[str(d)] is None, r.group[str(d)]) for d in coarse.grouping))
    return IntervalTable(coarse.grouping, tuple(rows))


_NOTHING: Final = IntervalSummary(0, None, None, None, None, None, None, missing=0, negative=0)
