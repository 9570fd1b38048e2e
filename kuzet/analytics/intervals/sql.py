"""The SQL the engine runs on DuckDB: the query-ready facts table, interval statistics and counts.

Names that reach the SQL text are dimensions (an enum) and interval and stamp names (checked against a plain
pattern when configured); every value a caller gives is a bound parameter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from kuzet.analytics.domain import (
    APPEAL_DIMENSIONS,
    NAME,
    SNAPSHOT_STAMPS,
    STORED_CALENDAR,
    Calendar,
    Dimension,
    DimensionKey,
    IntervalDefinition,
    Origin,
    Query,
    WeekStart,
    source_dimension,
)

FACTS: Final = "facts"
DEDUPE: Final = "QUALIFY row_number() OVER (PARTITION BY key ORDER BY version DESC) = 1"
# Columns of the facts table besides the dimensions (named as the dimensions are) and the intervals.
_KEPT: Final = (
    "key",
    "origin",
    "number",
    "status",
    "disposition",
    "merged",
    "reopened",
    "priority",
    "category_code AS category",
    "category_group",
    "district",
    "channel",
    "partner",
    "unit_type",
    "appeals_count",
    "local_date",
    "hour",
    "weekday",
    "week",
    "month",
    "year",
    "received_at",
    "source_priority",
    "source_category",
    "dimensions",
    "appeals",
)
# An appeal's own columns, once its list is unnested (they replace the incident's of the same names).
_APPEAL_COLUMNS: Final = frozenset({"local_date"} | {d.value for d in APPEAL_DIMENSIONS})


def _ident(name: str) -> str:
    """A plain name quoted as an identifier; anything else is refused."""
    if not NAME.match(name):
        raise ValueError(f"not a plain name: {name!r}")
    return f'"{name}"'


def stamp(name: str) -> str:
    """A stamp column, or an imported incident's further stamp of that name (NULL where there is none)."""
    if name in SNAPSHOT_STAMPS:
        return _ident(name)
    _ident(name)  # refuses anything but a plain name
    return f"stamps['{name}']"


# The local time of `received_at` in the calendar's zone (bound as $zone), and the time parts read from it.
_LOCAL: Final = "timezone($zone, received_at)"
LOCAL_DAY: Final = f"CAST({_LOCAL} AS DATE) - DATE '1970-01-01'"  # days since 1970-01-01
_TIME_PARTS: Final = {
    Dimension.HOUR: f"hour({_LOCAL})",
    Dimension.WEEKDAY: f"isodow({_LOCAL})",  # ISO numbers whatever the week's first day
    Dimension.MONTH: f"strftime({_LOCAL}, '%Y-%m')",
    Dimension.YEAR: f"year({_LOCAL})",
}


def _week(calendar: Calendar) -> str:
    """ISO weeks; a week from Sunday takes the ISO week of its Monday (the MMWR weeks)."""
    shifted = f"{_LOCAL} + INTERVAL 1 DAY" if calendar.week_start is WeekStart.SUNDAY else _LOCAL
    return f"strftime({shifted}, '%G-W%V')"


def derived(calendar: Calendar | None) -> bool:
    return calendar is not None and calendar != STORED_CALENDAR


def column(key: DimensionKey, calendar: Calendar | None = None) -> str:
    """A dimension as SQL over the facts (or an appeal's unnested columns): its column, a source's own
    column out of `dimensions`, or a time part in another calendar (which binds $zone)."""
    own = source_dimension(key)
    if own is not None:
        return f"dimensions['{own}']"
    if calendar is None or not derived(calendar):
        return _ident(key)
    if key == "local_date":
        return f"CAST({_LOCAL} AS DATE)"
    if key == Dimension.WEEK:
        return _week(calendar)
    return _TIME_PARTS[Dimension(key)] if key in _TIME_PARTS else _ident(key)


def derived_rows(expression: str) -> str:
    """An expression made by `column` (names and constants only), for the positions in [$low, $high)."""
    return _statement(["pos", f"{expression} AS value"], FACTS, "WHERE pos >= $low AND pos < $high")


def used(statement: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters a statement names (DuckDB refuses others): the zone is bound only where a time part is
    read in another calendar."""
    return {k: v for k, v in params.items() if re.search(rf"\${re.escape(k)}\b", statement)}


def calendar_params(calendar: Calendar | None) -> dict[str, Any]:
    return {"zone": calendar.zone} if calendar is not None and derived(calendar) else {}


# Each row's place in the engine's numpy columns: numbered from $first_pos in the order DuckDB produces them.
POSITION: Final = "$first_pos + row_number() OVER () - 1 AS pos"


def facts_select(intervals: Sequence[IntervalDefinition], source: str, *, dedupe: bool) -> str:
    """The facts table from snapshot rows: each interval's raw seconds (`raw_<name>`: NULL when a stamp is
    missing, negative when the end came first), and each row's position from $first_pos."""
    raw = [
        f"(epoch_us({stamp(i.end)}) - epoch_us({stamp(i.start)})) / 1e6 AS {_ident(f'raw_{i.name}')}"
        for i in intervals
    ]
    inner = _statement(["*", *raw], source, DEDUPE if dedupe else "")  # positions after the dedupe: dense
    return _statement([*_KEPT, *(_ident(f"raw_{i.name}") for i in intervals), POSITION], f"({inner})")


def _statement(columns: Sequence[str], source: str, *clauses: str) -> str:
    """SELECT … FROM … and clauses. Only names reach the text here (enums, checked names, constants);
    every value is a bound parameter."""
    return " ".join([f"SELECT {', '.join(columns)} FROM {source}", *clauses])  # noqa: S608 - see above


def create_facts(select: str) -> str:
    return f"CREATE OR REPLACE TABLE {FACTS} AS {select}"


def insert_facts(select: str) -> str:
    return f"INSERT INTO {FACTS} {select}"


DELETE_ALL: Final = "DELETE FROM facts"
DELTA_KEYS: Final = "key IN (SELECT key FROM read_parquet($delta))"
DELETE_DELTA_KEYS: Final = f"DELETE FROM facts WHERE {DELTA_KEYS}"  # noqa: S608 - constants
POSITIONS_OF_DELTA_KEYS: Final = f"SELECT pos FROM facts WHERE {DELTA_KEYS}"  # noqa: S608 - constants


def fact_columns(intervals: Sequence[IntervalDefinition]) -> str:
    """What the engine's numpy columns hold, for the rows from position $first_pos on."""
    raws = [_ident(f"raw_{i.name}") for i in intervals]
    dimensions = [_ident(d.value) for d in Dimension]
    columns = ["pos", *dimensions, "local_date", "merged", "reopened", *raws]
    return _statement(columns, FACTS, "WHERE pos >= $first_pos")


NEWEST_OF_FILES: Final = _statement(["*"], "read_parquet($files)", DEDUPE)


def count_facts() -> str:
    return _statement(["count(*)"], FACTS)


@dataclass
class Conditions:
    """WHERE conditions with their parameters, split into the incident's and (for appeals) the appeal's."""

    incident: list[str] = field(default_factory=list)
    appeal: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, column: str, condition: str, **params: Any) -> None:
        (self.appeal if column in _APPEAL_COLUMNS else self.incident).append(condition)
        self.params.update(params)

    @staticmethod
    def clause(conditions: Sequence[str]) -> str:
        return f"WHERE {' AND '.join(conditions)}" if conditions else ""


def conditions(query: Query, *, only_counted: bool) -> Conditions:
    found = Conditions()
    calendar = query.calendar
    found.params.update(calendar_params(calendar))
    if only_counted:
        found.add("merged", "NOT merged")
    if query.origin is not Origin.ALL:
        found.add("origin", "origin = $origin", origin=query.origin.value)
    if query.first is not None:
        found.add("local_date", f"{column('local_date', calendar)} >= $first", first=query.first)
    if query.last is not None:
        found.add("local_date", f"{column('local_date', calendar)} <= $last", last=query.last)
    for n_dimension, (dimension, values) in enumerate(query.filters.items()):
        names = [f"f{n_dimension}_{n}" for n in range(len(values))]
        placeholders = ", ".join(f"${n}" for n in names)
        found.add(
            dimension,
            f"{column(dimension, calendar)} IN ({placeholders})",
            **dict(zip(names, values, strict=True)),
        )
    return found


def _group_clause(group_by: Sequence[DimensionKey]) -> str:
    return ("GROUP BY " + ", ".join(str(n + 1) for n in range(len(group_by)))) if group_by else ""


def _order_clause(group_by: Sequence[DimensionKey]) -> str:
    return ("ORDER BY " + ", ".join(f"{n + 1} NULLS LAST" for n in range(len(group_by)))) if group_by else ""


def incident_counts(query: Query, group_by: Sequence[DimensionKey]) -> tuple[str, dict[str, Any]]:
    found = conditions(query, only_counted=True)
    columns = [*(column(d, query.calendar) for d in group_by), "count(*)"]
    statement = _statement(
        columns,
        FACTS,
        Conditions.clause(found.incident + found.appeal),
        _group_clause(group_by),
        _order_clause(group_by),
    )
    return statement, found.params


def appeal_counts(query: Query, group_by: Sequence[DimensionKey]) -> tuple[str, dict[str, Any]]:
    """Appeals, each with its own channel, partner and time; the incident's other dimensions. The appeals of
    merged-away incidents count: they were received all the same."""
    found = conditions(query, only_counted=False)
    incident_columns = [d.value for d in Dimension if d.value not in _APPEAL_COLUMNS]
    unnested = [*(_ident(c) for c in incident_columns), "dimensions", "unnest(appeals, recursive := true)"]
    inner = _statement(unnested, FACTS, Conditions.clause(found.incident))
    columns = [*(column(d, query.calendar) for d in group_by), "count(*)"]
    statement = _statement(
        columns,
        f"({inner})",
        Conditions.clause(found.appeal),
        _group_clause(group_by),
        _order_clause(group_by),
    )
    return statement, found.params
