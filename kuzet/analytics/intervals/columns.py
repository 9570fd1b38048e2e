"""The facts as numpy columns, for the interval statistics: kept in step with the engine's DuckDB facts table.

Each row has a fixed position (the facts table's `pos`): a load fills positions from 0, a delta appends
after the last one and marks the rows it replaces dead. Dimensions are dictionary codes (0 is NULL; a value
keeps its code for the life of the columns), the local date is days since 1970-01-01, and each interval is
its raw seconds (NaN when a stamp is missing, negative when the end came first).

Readers take a `View`: what it shows never changes. A delta writes only past the rows a view shows, and
marking rows dead copies the `alive` column first, so a query never waits for a refresh nor sees half of one.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kuzet.analytics.domain import Dimension, DimensionKey, FilterValue
from kuzet.analytics.intervals import kernel

DIMENSIONS: Final = tuple(Dimension)
NULL_CODE: Final = 0
EPOCH: Final = date(1970, 1, 1)
NO_DATE: Final = np.iinfo(np.int32).min  # a row without a local date: outside every period


def day_number(day: date) -> int:
    return (day - EPOCH).days


class Dictionary:
    """The values of one dimension by code; code 0 is NULL. Only ever grows (under the columns' writer)."""

    def __init__(self) -> None:
        self.values: list[FilterValue | None] = [None]
        self._codes: dict[FilterValue, int] = {}

    def code(self, value: FilterValue) -> int | None:
        return self._codes.get(value)

    def _add(self, value: FilterValue) -> int:
        found = self._codes.get(value)
        if found is None:
            found = self._codes[value] = len(self.values)
            self.values.append(value)
        return found

    def encode(self, column: pa.ChunkedArray | pa.Array) -> np.ndarray:
        """The codes of a column's values, new values added."""
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        encoded = pc.dictionary_encode(column)
        lookup = np.array([NULL_CODE, *(self._add(v) for v in encoded.dictionary.to_pylist())], np.int32)
        indices = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        codes: np.ndarray = lookup[indices + 1]
        return codes


@dataclass(frozen=True)
class View:
    """The first `rows` rows of the columns, as they were when it was taken (arrays may be longer)."""

    rows: int
    alive: np.ndarray  # bool
    merged: np.ndarray  # bool
    reopened: np.ndarray  # bool
    local_date: np.ndarray  # int32 days
    codes: Mapping[DimensionKey, np.ndarray]  # int32
    dictionaries: Mapping[DimensionKey, Dictionary]
    values: np.ndarray  # float64, intervals × capacity, C order
    buckets: np.ndarray  # uint16, intervals × capacity: each value's bucket (kernel.buckets_of)
    intervals: tuple[str, ...]

    def code_count(self, dimension: DimensionKey) -> int:
        """Codes in use by the rows of this view are below this (NULL included)."""
        return len(self.dictionaries[dimension].values)


class FactColumns:
    """The writer of the columns (one at a time: the engine's sync) and the source of views."""

    GROWTH: Final = 1.25  # room made when the rows outgrow the arrays, so that deltas rarely copy them
    ROOM: Final = 4096

    def __init__(self, intervals: Sequence[str]) -> None:
        self.intervals = tuple(intervals)
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._view = self._allocate(0, 0, {d: Dictionary() for d in DIMENSIONS})

    def load(self, table: pa.Table) -> None:
        """All the rows anew (positions from 0), with dictionaries of their own; views taken before keep
        showing the old rows until this is through."""
        fresh = FactColumns(self.intervals)
        fresh.put(table)
        with self._lock:
            self._view = fresh.view()

    def view(self) -> View:
        return self._view

    def _allocate(
        self,
        rows: int,
        capacity: int,
        dictionaries: Mapping[DimensionKey, Dictionary],
        old: View | None = None,
    ) -> View:
        def grown(array: np.ndarray | None, dtype: type, fill: object) -> np.ndarray:
            fresh: np.ndarray = np.full(capacity, fill, dtype)
            if array is not None:
                fresh[:rows] = array[:rows]
            return fresh

        values = np.full((len(self.intervals), capacity), np.nan)
        buckets = np.full((len(self.intervals), capacity), kernel.MISSING, np.uint16)
        if old is not None:
            values[:, :rows] = old.values[:, :rows]
            buckets[:, :rows] = old.buckets[:, :rows]
        return View(
            rows=rows,
            alive=grown(old.alive if old else None, np.bool_, False),
            merged=grown(old.merged if old else None, np.bool_, False),
            reopened=grown(old.reopened if old else None, np.bool_, False),
            local_date=grown(old.local_date if old else None, np.int32, NO_DATE),
            codes={d: grown(old.codes[d] if old else None, np.int32, NULL_CODE) for d in DIMENSIONS},
            dictionaries=dictionaries,
            values=values,
            buckets=buckets,
            intervals=self.intervals,
        )

    def put(self, table: pa.Table, dead: np.ndarray | None = None) -> None:
        """Rows of the facts table (with `pos`, the dimensions, `local_date`, `merged`, `reopened` and the
        `raw_<interval>` seconds) written at their positions, after marking the positions in `dead` dead."""
        with self._lock:
            shown = view = self._view
            pos = table.column("pos").to_numpy().astype(np.int64)
            rows = max(view.rows, int(pos.max()) + 1) if pos.size else view.rows
            if rows > view.alive.shape[0]:  # fresh, longer arrays: no view shows them yet
                view = self._allocate(view.rows, int(rows * self.GROWTH) + self.ROOM, view.dictionaries, view)
            alive = view.alive
            if dead is not None and dead.size:
                if alive is shown.alive:
                    alive = alive.copy()
                alive[dead] = False
            self._write(view, alive, pos, table)
            self._view = replace(view, rows=rows, alive=alive)

    def _write(self, view: View, alive: np.ndarray, pos: np.ndarray, table: pa.Table) -> None:
        alive[pos] = True
        view.merged[pos] = _flags(table.column("merged"))
        view.reopened[pos] = _flags(table.column("reopened"))
        days = table.column("local_date").cast(pa.int32()).fill_null(NO_DATE)
        view.local_date[pos] = days.to_numpy()
        for dimension in DIMENSIONS:
            view.codes[dimension][pos] = view.dictionaries[dimension].encode(table.column(dimension.value))
        for k, name in enumerate(self.intervals):
            raw = table.column(f"raw_{name}").cast(pa.float64())
            seconds = raw.to_numpy(zero_copy_only=False)  # NULL becomes NaN
            view.values[k, pos] = seconds
            view.buckets[k, pos] = kernel.buckets_of(seconds)


def _flags(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.fill_null(False).to_numpy(zero_copy_only=False), dtype=np.bool_)
