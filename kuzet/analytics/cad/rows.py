"""Checking one record of a CAD export against its mapping: the values to store, or why the row is refused.

The rules (also in docs/cad-import.md):
- A row is **rejected** when its number or received_at is missing, when any mapped time (standard or extra
  stamp) is present but matches none of its formats, when its number is longer than 60 characters, or when it
  has a different number of fields than the header (its columns would be shifted). A record that spans
  physical lines (a quoted field holding line breaks) is rejected as an `unbalanced_quote`, naming its
  lines, when its field count is wrong or a line inside it holds a whole record's delimiters: a quote that
  is never closed swallows the lines after it, and those rows are then reported, never silently lost.
- A row is kept with a **warning** when a coded value (category, priority, channel, partner, unit type,
  disposition) has no match in the value maps and is not already one of our codes: the field is stored empty,
  and for a category the source label stays in `category_raw`. A text too long for its column (district,
  disposition, category label) is also stored empty with a warning, as is a local time that is ambiguous at
  a clock change (the earlier offset is used).
- A value equal to a missing marker is stored empty and counted per column. Intervals are not judged here:
  a negative interval is the analytics' data-quality business, so it is stored as it came.
Pure.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import datetime
from typing import Any, Final

from kuzet.analytics.cad.mapping import (
    CODED_FIELDS,
    DIMENSION_VALUE_LIMIT,
    TEXT_LIMITS,
    TIME_FIELDS,
    CadMapping,
    MappingError,
    Source,
    Vocabulary,
    label_key,
)
from kuzet.analytics.cad.times import read_time

_PRIORITY_TEXTS: Final = {str(p): p for p in range(1, 5)}
# The columns of `imported_incidents` that a row fills (besides its import).
COLUMNS: Final = (
    "number",
    "category_code",
    "category_raw",
    *CODED_FIELDS[1:],
    *TIME_FIELDS,
    "stamps",
    "source_priority",
    "dimensions",
)


@dataclass(frozen=True)
class Issue:
    """Why a row is rejected or warned about: a code, the field (ours or a stamp's name), the value as
    written, and for `too_long` and `field_count` the limit it broke."""

    code: str  # missing | unreadable_time | too_long | field_count | unbalanced_quote | unknown_value |
    # ambiguous_time
    field: str
    value: str = ""
    limit: int = 0


@dataclass
class CheckedRow:
    values: dict[str, Any] | None  # the imported incident's columns; None when the row is rejected
    rejects: list[Issue] = dc_field(default_factory=list)
    warnings: list[Issue] = dc_field(default_factory=list)
    missing: list[tuple[str, str]] = dc_field(default_factory=list)  # (field, the marker as written)


def resolve_columns(mapping: CadMapping, header: Sequence[str] | None) -> dict[str, int]:
    """The 0-based position of every mapped field and stamp in the file; MappingError names each mapped
    column that the header lacks or holds twice."""
    errors: list[tuple[str, str]] = []
    positions: dict[str, int] = {}
    folded = [label_key(name) for name in header] if header is not None else []
    sources = [
        *((f"fields.{n}", s) for n, s in mapping.fields.items()),
        *((f"stamps.{n}", s) for n, s in mapping.stamps.items()),
        *((f"dimensions.{n}", s) for n, s in mapping.dimensions.items()),
    ]
    for key, source in sources:
        if isinstance(source.column, int):
            if header is not None and source.column > len(header):
                errors.append((key, f"column {source.column} is past the header's {len(header)} columns"))
            positions[key] = source.column - 1
            continue
        hits = [i for i, name in enumerate(folded) if name == label_key(source.column)]
        if len(hits) != 1:
            errors.append((key, _not_found(source.column, header or [], twice=bool(hits))))
        else:
            positions[key] = hits[0]
    if errors:
        raise MappingError(errors)
    return positions


def _not_found(column: str, header: Sequence[str], *, twice: bool) -> str:
    """Why a named column cannot be used, with every header and, for a missing one, the closest match."""
    listed = "; ".join(header)
    if twice:
        return f"column {column!r} appears more than once in the header (header: {listed})"
    by_key = {label_key(name): name for name in header}
    close = difflib.get_close_matches(label_key(column), list(by_key), n=1, cutoff=0.6)
    hint = f"; did you mean {by_key[close[0]]}?" if close else ""
    return f"column {column!r} is not in the file's header{hint} (header: {listed})"


class RowChecker:
    """Turns records into imported-incident values by the mapping, the file's header and our vocabulary."""

    def __init__(self, mapping: CadMapping, header: Sequence[str] | None, codes: Vocabulary) -> None:
        positions = resolve_columns(mapping, header)
        self._fields = {name: positions[f"fields.{name}"] for name in mapping.fields}
        self._stamps = {name: positions[f"stamps.{name}"] for name in mapping.stamps}
        self._dimensions = {name: positions[f"dimensions.{name}"] for name in mapping.dimensions}
        self._sources: dict[str, Source] = {**mapping.fields, **mapping.stamps}
        self._width = len(header) if header is not None else max(positions.values()) + 1
        self._exact = header is not None
        self._delimiter = mapping.dialect.delimiter
        self._missing = mapping.missing
        self._maps = mapping.values
        self._codes = codes

    def check(self, record: Sequence[str], lines: tuple[int, int] | None = None) -> CheckedRow:
        """Check one record; `lines` are its first and last physical lines when it spans several."""
        row = CheckedRow(values=None)
        if lines is not None and lines[1] > lines[0] and self._swallowed(record):
            row.rejects.append(Issue("unbalanced_quote", "", f"{lines[0]}–{lines[1]}", len(record)))
            return row
        if len(record) != self._width and (self._exact or len(record) < self._width):
            row.rejects.append(Issue("field_count", "", str(len(record)), self._width))
            return row
        values: dict[str, Any] = dict.fromkeys(COLUMNS)
        for name, index in self._fields.items():
            text = self._present(row, name, record[index])
            if text is not None:
                self._take(row, values, name, text)
        for name in ("number", "received_at"):
            if values[name] is None and not any(issue.field == name for issue in row.rejects):
                row.rejects.append(Issue("missing", name))
        values["stamps"] = self._extra_stamps(row, record)
        values["dimensions"] = self._kept_columns(row, record)
        if not row.rejects:
            row.values = values
        return row

    def _swallowed(self, record: Sequence[str]) -> bool:
        """A multi-line record looks like lines joined by an unclosed quote: its field count is wrong, or a
        line inside one of its fields holds as many delimiters as a whole record."""
        if len(record) != self._width and (self._exact or len(record) < self._width):
            return True
        if self._width < 2:
            return False
        return any(
            line.count(self._delimiter) >= self._width - 1
            for value in record
            if "\n" in value or "\r" in value
            for line in value.splitlines()
        )

    def _present(self, row: CheckedRow, name: str, raw: str) -> str | None:
        """The trimmed value, or None (noted per column) when it is a missing marker."""
        text = raw.strip()
        if text.casefold() in self._missing:
            row.missing.append((name, text))
            return None
        return text

    def _take(self, row: CheckedRow, values: dict[str, Any], name: str, text: str) -> None:
        if name in TIME_FIELDS:
            values[name] = self._time(row, name, text)
        elif name == "number":
            if len(text) > TEXT_LIMITS["number"]:
                row.rejects.append(Issue("too_long", name, text, TEXT_LIMITS["number"]))
            else:
                values[name] = text
        else:
            code = self._coded(row, name, text)
            if name == "category":
                values["category_code"], values["category_raw"] = code, self._fitting(row, name, text)
            else:
                values[name] = code
            if name == "priority":  # the source's own scale is kept whatever ours became
                values["source_priority"] = self._fitting(row, "source_priority", text)

    def _time(self, row: CheckedRow, name: str, text: str) -> datetime | None:
        read = read_time(text, self._sources[name])
        if read is None:
            row.rejects.append(Issue("unreadable_time", name, text))
            return None
        moment, ambiguous = read
        if ambiguous:
            row.warnings.append(Issue("ambiguous_time", name, text))
        return moment

    def _coded(self, row: CheckedRow, name: str, text: str) -> str | int | None:
        """Our value for a source label: by the value map, else the label itself if it is already ours."""
        mapped = self._maps.get(name, {}).get(text.casefold())
        if mapped is not None:
            return mapped
        if name == "priority":
            found: str | int | None = _PRIORITY_TEXTS.get(text)
        elif name in self._codes:
            found = text if text in self._codes[name] else None
        else:  # free text, such as a district code
            return self._fitting(row, name, text)
        if found is None:  # stored empty; a category also keeps its label in category_raw
            row.warnings.append(Issue("unknown_value", name, text))
        return found

    def _fitting(self, row: CheckedRow, name: str, text: str) -> str | None:
        limit = TEXT_LIMITS.get(name)
        if limit is not None and len(text) > limit:
            row.warnings.append(Issue("too_long", name, text, limit))
            return None
        return text

    def _kept_columns(self, row: CheckedRow, record: Sequence[str]) -> dict[str, str]:
        """The further source columns the mapping keeps as dimensions, as written (missing ones left out)."""
        kept: dict[str, str] = {}
        for name, index in self._dimensions.items():
            text = self._present(row, name, record[index])
            if text is None:
                continue
            if len(text) > DIMENSION_VALUE_LIMIT:
                row.warnings.append(Issue("too_long", name, text, DIMENSION_VALUE_LIMIT))
                continue
            kept[name] = text
        return kept

    def _extra_stamps(self, row: CheckedRow, record: Sequence[str]) -> dict[str, str]:
        stamps: dict[str, str] = {}
        for name, index in self._stamps.items():
            text = self._present(row, name, record[index])
            moment = None if text is None else self._time(row, name, text)
            if moment is not None:
                stamps[name] = moment.isoformat()
        return stamps
