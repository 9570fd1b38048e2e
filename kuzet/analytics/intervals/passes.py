"""The passes over the fact columns and what they share: the rows split between threads, the per-group
counts of the first pass, and the selector that copies the wanted buckets' values aside in the second pass
and reads exact values by rank from them (see `kernel.py` for the passes themselves)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Final

import numpy as np

from kuzet.analytics.domain import Dimension
from kuzet.analytics.intervals import kernel
from kuzet.analytics.intervals.columns import View

HISTOGRAM_CELLS: Final = 2_000_000  # intervals × fine groups × buckets, per thread
ROWS_PER_THREAD: Final = 250_000
THREADS: Final = max(1, min(4, os.cpu_count() or 1))


def fine_bits_for(intervals: int, groups: int) -> int:
    """The finest buckets whose histograms stay within HISTOGRAM_CELLS; at least one bucket per power of two
    (a query with very many groups may then take more)."""
    for bits in range(kernel.FINEST_BITS, 0, -1):
        if intervals * groups * kernel.bucket_count(bits) <= HISTOGRAM_CELLS:
            return bits
    return 0


@dataclass
class Counts:
    """What the first pass counts, per fine group (and interval)."""

    incidents: np.ndarray
    reopened: np.ndarray
    hist: np.ndarray
    total: np.ndarray
    negative: np.ndarray
    judged: np.ndarray
    within: np.ndarray

    @classmethod
    def empty(cls, intervals: int, groups: int, buckets: int) -> Counts:
        shape = (intervals, groups)
        return cls(
            incidents=np.zeros(groups, np.int64),
            reopened=np.zeros(groups, np.int64),
            hist=np.zeros((intervals, groups, buckets), np.int32),
            total=np.zeros(shape),
            negative=np.zeros(shape, np.int64),
            judged=np.zeros(shape, np.int64),
            within=np.zeros(shape, np.int64),
        )

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            incidents=self.incidents + other.incidents,
            reopened=self.reopened + other.reopened,
            hist=self.hist.astype(np.int64) + other.hist,
            total=self.total + other.total,
            negative=self.negative + other.negative,
            judged=self.judged + other.judged,
            within=self.within + other.within,
        )


def parts_of(rows: int) -> list[tuple[int, int]]:
    count = max(1, min(THREADS, rows // ROWS_PER_THREAD))
    edges = [rows * n // count for n in range(count + 1)]
    return list(pairwise(edges))


Run = Callable[..., list[Any]]  # map(function, *iterables) into a list, perhaps on threads


@dataclass(frozen=True)
class Pass:
    """The inputs both passes share."""

    mask: np.ndarray
    fine: np.ndarray
    values: np.ndarray
    buckets: np.ndarray
    fine_bits: int
    parts: list[tuple[int, int]]
    run: Run

    @property
    def shift(self) -> int:
        return kernel.FINEST_BITS - self.fine_bits


def count(shared: Pass, view: View, groups: int, targets: np.ndarray) -> list[Counts]:
    intervals = shared.values.shape[0]
    buckets = kernel.bucket_count(shared.fine_bits)
    tcode = view.codes[Dimension.PRIORITY]
    judged = [k for k in range(intervals) if not np.isnan(targets[k]).all()]

    def part(span: tuple[int, int]) -> Counts:
        c = Counts.empty(intervals, groups, buckets)
        kernel.count_pass(
            span[0], span[1], shared.mask, shared.fine, view.reopened, shared.values, shared.buckets,
            shared.shift, c.incidents, c.reopened, c.hist, c.total, c.negative,
        )  # fmt: skip
        for k in judged:
            kernel.judge_pass(
                span[0], span[1], shared.mask, shared.fine, shared.values[k], tcode, targets[k], c.judged[k],
                c.within[k],
            )  # fmt: skip
        return c

    return shared.run(part, shared.parts)


class Selector:
    """Finds exact values by rank. The histograms say which bucket holds a rank; each fine group's part of
    such a bucket gets a slot; the second pass copies the slots' values aside; a bucket's values are sorted
    the first time one of its ranks is read."""

    def __init__(self, total: Counts, parts: Sequence[Counts]) -> None:
        self.total = total
        self.parts = parts
        self._slots: list[tuple[int, int, int]] = []  # (interval, fine group, bucket)
        self._slot_of: dict[tuple[int, int, int], int] = {}
        self._bucket_slots: dict[tuple[int, int, int, int], list[int]] = {}  # (grouping, k, group, bucket)
        self._sorted: dict[tuple[int, int, int, int], np.ndarray] = {}
        self._start = np.zeros(1, np.int64)
        self._out = np.empty(0)

    def want(self, key: tuple[int, int, int, int], members: np.ndarray) -> None:
        """Bucket `key` (grouping, interval, group, bucket) of a group made of the fine groups `members`."""
        if key in self._bucket_slots:
            return
        _, k, _, bucket = key
        slots = []
        for f in members[self.total.hist[k, members, bucket] > 0]:
            at = (k, int(f), bucket)
            if at not in self._slot_of:
                self._slot_of[at] = len(self._slots)
                self._slots.append(at)
            slots.append(self._slot_of[at])
        self._bucket_slots[key] = slots

    def _tables(self) -> tuple[np.ndarray, np.ndarray]:
        """The slots as the second pass looks them up: a row per wanted bucket (row 0: nobody's), by group."""
        intervals, groups, buckets = self.total.hist.shape
        row_of = np.zeros((intervals, buckets), np.int32)
        rows = [0] * intervals
        for k, _, bucket in self._slots:
            if not row_of[k, bucket]:
                rows[k] += 1
                row_of[k, bucket] = rows[k]
        slot = np.full((intervals, max(rows) + 1, groups), -1, np.int32)
        for s, (k, f, bucket) in enumerate(self._slots):
            slot[k, row_of[k, bucket], f] = s
        return row_of, slot

    def collect(self, shared: Pass) -> None:
        """The second pass: each part of the rows writes its slots' values after the earlier parts'."""
        where = (
            tuple(np.array(index, np.intp) for index in zip(*self._slots, strict=True))
            or (np.zeros(0, np.intp),) * 3
        )
        sizes = self.total.hist[where]
        self._start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self._out = np.empty(int(self._start[-1]))
        starts, at = [], self._start[:-1].copy()
        for part in self.parts:
            starts.append(at)
            at = at + part.hist[where]
        row_of, slot = self._tables()

        def fill(span: tuple[int, int], start: np.ndarray) -> None:
            kernel.collect_pass(
                span[0], span[1], shared.mask, shared.fine, shared.values, shared.buckets, shared.shift,
                row_of, slot, start, self._out,
            )  # fmt: skip

        shared.run(fill, shared.parts, starts)

    def value(self, key: tuple[int, int, int, int], at: int) -> float:
        values = self._sorted.get(key)
        if values is None:
            slots = self._bucket_slots[key]
            values = np.sort(np.concatenate([self._out[self._start[s] : self._start[s + 1]] for s in slots]))
            self._sorted[key] = values
        return float(values[at])
