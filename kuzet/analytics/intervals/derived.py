"""Dimension columns the snapshot does not hold ready, made on demand from the facts table for the numpy
statistics: a source's own columns (`source.<name>`), and the local date and time dimensions in a calendar
other than the stored one (another zone, or weeks from Sunday).

Each column is made once for the rows it lacks and kept: between two loads of the facts, positions only grow
and the row at a position never changes (a changed incident gets a new position, the old one is marked dead).
A load starts them afresh. The engine makes them under its sync lock, so the facts and the columns it reads
them for are the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Final

import numpy as np
import pyarrow as pa

from kuzet.analytics.domain import TIME_DIMENSIONS, DimensionKey, Query, source_dimension
from kuzet.analytics.intervals import sql
from kuzet.analytics.intervals.columns import NO_DATE, NULL_CODE, Dictionary, View

Fetch = Callable[[str, dict[str, Any]], pa.Table]
_DATE: Final = "local_date"


@dataclass
class _Column:
    rows: int
    values: np.ndarray  # int32: dictionary codes, or days for the local date
    dictionary: Dictionary


class DerivedColumns:
    def __init__(self) -> None:
        self._made: dict[tuple[str, str], _Column] = {}

    def reset(self) -> None:
        self._made = {}

    def view_for(self, view: View, query: Query, fetch: Fetch) -> View:
        """The view with the query's derived columns in place of, or beside, the stored ones."""
        calendar = query.calendar
        wanted: list[DimensionKey] = [k for k in (*query.group_by, *query.filters) if source_dimension(k)]
        if sql.derived(calendar):
            wanted += [*TIME_DIMENSIONS, _DATE]
        if not wanted:
            return view
        params = sql.calendar_params(calendar)
        columns = {key: self._column(view, key, sql.column(key, calendar), params, fetch) for key in wanted}
        day = columns.pop(_DATE, None)
        return replace(
            view,
            local_date=view.local_date if day is None else day.values,
            codes={**view.codes, **{k: c.values for k, c in columns.items()}},
            dictionaries={**view.dictionaries, **{k: c.dictionary for k, c in columns.items()}},
        )

    def _column(
        self, view: View, key: DimensionKey, expression: str, params: dict[str, Any], fetch: Fetch
    ) -> _Column:
        expression = sql.LOCAL_DAY if key == _DATE else expression
        params = sql.used(expression, params)  # a source column is the same in every calendar
        cache_key = (expression, repr(sorted(params.items())))
        made = self._made.get(cache_key)
        capacity = view.alive.shape[0]
        fill = NO_DATE if key == _DATE else NULL_CODE
        if made is None:
            made = self._made[cache_key] = _Column(0, np.full(capacity, fill, np.int32), Dictionary())
        if made.rows >= view.rows:
            return made
        if made.values.shape[0] < capacity:
            grown = np.full(capacity, fill, np.int32)
            grown[: made.rows] = made.values[: made.rows]
            made.values = grown
        table = fetch(sql.derived_rows(expression), {**params, "low": made.rows, "high": view.rows})
        pos = table.column("pos").to_numpy().astype(np.int64)
        value = table.column("value")
        if key == _DATE:
            made.values[pos] = value.cast(pa.int32()).fill_null(NO_DATE).to_numpy()
        else:
            made.values[pos] = made.dictionary.encode(value)
        made.rows = view.rows
        return made
