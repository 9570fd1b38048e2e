"""A list read narrowed to districts: one (a dispatcher's), several (an analyst's), or none (region-wide).

A repository that lists rows of districts takes `districts`, a sequence of codes where empty (or None) means
every district, and keeps `district` for its callers that name just one. The rows kept are those whose
district is one of them (`column IN (...)`); giving both is a caller's mistake, not a silent union.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select

S = TypeVar("S", bound=Select[Any])


def chosen_districts(district: str | None = None, districts: Iterable[str] | None = None) -> tuple[str, ...]:
    """The codes to keep, in the order given and without repeats; empty when every district is meant."""
    if isinstance(districts, str):  # a string is a sequence of letters: never what is meant
        raise TypeError("districts is a sequence of district codes; give one code as district=")
    several = tuple(dict.fromkeys(districts or ()))
    if district is not None and several:
        raise ValueError("give district or districts, not both")
    return (district,) if district is not None else several


def in_districts(column: ColumnElement[Any], districts: tuple[str, ...]) -> ColumnElement[bool] | None:
    """The condition keeping rows of these districts (None: no condition, every district)."""
    if not districts:
        return None
    return column == districts[0] if len(districts) == 1 else column.in_(districts)


def narrowed(
    query: S,
    column: ColumnElement[Any],
    *,
    district: str | None = None,
    districts: Iterable[str] | None = None,
) -> S:
    """The query keeping only rows of the district, or of the districts (neither: every district)."""
    condition = in_districts(column, chosen_districts(district, districts))
    return query if condition is None else query.where(condition)
