"""The mapping of a foreign CAD export onto our imported incidents: read from TOML and checked. Pure.

A mapping names the CSV dialect, the source column of each of our fields, extra stamps to keep by name, the
time formats and zone of the time columns, the values that mean "missing", and value maps from the source's
labels to our codes. Every problem is reported with the dotted key at fault
(`fields.received_at.formats[1]`), and all of them at once, so that an integrator fixes the file in one go.
`docs/cad-import.md` shows the format.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TIME_FIELDS: Final = (
    "received_at",
    "first_dispatched_at",
    "first_en_route_at",
    "first_on_scene_at",
    "cleared_at",
    "closed_at",
)
# Fields whose source labels may be mapped onto our values.
CODED_FIELDS: Final = ("category", "priority", "district", "channel", "partner", "unit_type", "disposition")
FIELDS: Final = ("number", *CODED_FIELDS, *TIME_FIELDS)
REQUIRED_FIELDS: Final = ("number", "received_at")
PRIORITIES: Final = range(1, 5)
DEFAULT_MISSING: Final = ("", "NOT CAPTURED", "N/A", "NA", "-", "—", "NULL", "нет данных")
DEFAULT_ZONE: Final = "Asia/Almaty"
DEFAULT_ENCODING: Final = "utf-8-sig"  # reads files with and without a byte-order mark
TEXT_LIMITS: Final = {"number": 60, "category": 200, "district": 40, "disposition": 40, "source_priority": 40}
DIMENSION_NAME_LIMIT: Final = 48
DIMENSIONS_LIMIT: Final = 20
DIMENSION_VALUE_LIMIT: Final = 200

# The codes that each coded field accepts (category codes, channels, partners …), given by the caller;
# a field absent here (district) takes any short text.
Vocabulary = Mapping[str, frozenset[str]]
ValueMap = Mapping[str, str | int]

_TOP_KEYS: Final = ("name", "csv", "time", "missing", "fields", "stamps", "dimensions", "values")
WEEK_STARTS: Final = ("monday", "sunday")
_CSV_KEYS: Final = ("delimiter", "quote", "encoding", "header_row")
_STAMP_NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,59}")
# Patterns are tried on this moment: what they print must parse back to the same minute.
_SAMPLE: Final = datetime(2025, 12, 31, 23, 59, 7, tzinfo=timezone(timedelta(hours=5)))


class FormatKind(StrEnum):
    PATTERN = "pattern"  # a strptime pattern such as "%d.%m.%Y %H:%M:%S"
    ISO8601 = "iso8601"  # 2025-12-31T23:59:07, with or without an offset
    EPOCH_S = "epoch_s"  # seconds since 1970-01-01 UTC
    EPOCH_MS = "epoch_ms"  # milliseconds since 1970-01-01 UTC


@dataclass(frozen=True)
class TimeFormat:
    kind: FormatKind
    pattern: str = ""


@dataclass(frozen=True)
class Source:
    """Where a value comes from: a header name or a 1-based column position; time columns add their
    formats (tried in order) and the zone of times written without an offset."""

    column: str | int
    formats: tuple[TimeFormat, ...] = ()
    zone: tzinfo = UTC


@dataclass(frozen=True)
class Dialect:
    delimiter: str = ","
    quote: str = '"'
    encoding: str = DEFAULT_ENCODING
    header_row: int = 1  # the record that holds the column names; 0 = no header (columns by position)


@dataclass(frozen=True)
class CadMapping:
    name: str
    dialect: Dialect
    fields: Mapping[str, Source]
    stamps: Mapping[str, Source]
    missing: frozenset[str]  # case-folded markers of a missing value
    values: Mapping[str, ValueMap]  # per field: case-folded source label → our value
    # Further source columns kept as the source wrote them, by a name of our choosing (`source.<name>` in
    # analytics): the source's agency, beat, shift, unit …
    dimensions: Mapping[str, Source] = dc_field(default_factory=dict)
    zone: str = DEFAULT_ZONE  # the source's own zone (its calendar in analytics)
    week_start: str = "monday"  # the source's first day of a week


@dataclass(frozen=True)
class _Defaults:
    """What a time column takes unless it says otherwise, and whether columns are given by position."""

    formats: tuple[TimeFormat, ...]
    zone: tzinfo
    by_position: bool


class MappingError(ValueError):
    """A mapping that cannot be used: `errors` lists (key, reason) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("bad mapping: " + "; ".join(f"{key}: {why}" for key, why in errors))


def label_key(text: str) -> str:
    """How a source label is compared: trimmed and case-folded."""
    return text.strip().casefold()


def load_mapping(path: Path, codes: Vocabulary) -> CadMapping:
    """Read and check a mapping file; its name defaults to the file's stem."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError([(str(path), f"cannot read: {exc.strerror or exc}")]) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MappingError([(str(path), f"not valid TOML: {exc}")]) from exc
    return parse_mapping(document, default_name=path.stem, codes=codes)


def parse_mapping(document: Mapping[str, Any], *, default_name: str, codes: Vocabulary) -> CadMapping:
    """Check a parsed TOML document; raise MappingError naming every key at fault."""
    errors: list[tuple[str, str]] = []
    _unknown_keys(document, _TOP_KEYS, "", errors)
    name = document.get("name", default_name)
    if not isinstance(name, str) or not name.strip() or len(name) > 300:
        errors.append(("name", "must be a non-empty text of at most 300 characters"))
    dialect = _dialect(_table(document, "csv", errors), errors)
    time = _table(document, "time", errors)
    _unknown_keys(time, ("zone", "formats", "week_start"), "time", errors)
    zone = _zone(time.get("zone", DEFAULT_ZONE), "time.zone", errors)
    week_start = time.get("week_start", "monday")
    if week_start not in WEEK_STARTS:
        errors.append(("time.week_start", f"must be one of {', '.join(WEEK_STARTS)}"))
    formats = _formats(time.get("formats", ["iso8601"]), "time.formats", errors)
    defaults = _Defaults(formats, zone, by_position=dialect.header_row == 0)
    fields = _fields(_table(document, "fields", errors), defaults, errors)
    stamps = _stamps(_table(document, "stamps", errors), defaults, errors)
    dimensions = _dimensions(_table(document, "dimensions", errors), defaults, errors)
    missing = _missing(_table(document, "missing", errors), errors)
    values = _values(_table(document, "values", errors), fields, codes, errors)
    if errors:
        raise MappingError(errors)
    zone_name = str(getattr(zone, "key", DEFAULT_ZONE))
    return CadMapping(
        str(name).strip(), dialect, fields, stamps, missing, values, dimensions, zone_name, str(week_start)
    )


def _table(document: Mapping[str, Any], key: str, errors: list[tuple[str, str]]) -> Mapping[str, Any]:
    value = document.get(key, {})
    if not isinstance(value, Mapping):
        errors.append((key, "must be a table"))
        return {}
    return value


def _unknown_keys(
    table: Mapping[str, Any], allowed: tuple[str, ...], prefix: str, errors: list[tuple[str, str]]
) -> None:
    for key in table:
        if key not in allowed:
            errors.append((_join(prefix, key), f"unknown key (known: {', '.join(allowed)})"))


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _dialect(table: Mapping[str, Any], errors: list[tuple[str, str]]) -> Dialect:
    _unknown_keys(table, _CSV_KEYS, "csv", errors)
    default = Dialect()
    delimiter = table.get("delimiter", default.delimiter)
    quote = table.get("quote", default.quote)
    for key, value in (("delimiter", delimiter), ("quote", quote)):
        if not isinstance(value, str) or len(value) != 1 or value in "\r\n":
            errors.append((f"csv.{key}", "must be one character (not a line break)"))
    if delimiter == quote:
        errors.append(("csv.quote", "must differ from the delimiter"))
    encoding = table.get("encoding", default.encoding)
    try:
        codecs.lookup(str(encoding))
    except LookupError:
        errors.append(("csv.encoding", f"unknown encoding {encoding!r} (e.g. utf-8, utf-8-sig, cp1251)"))
    header_row = table.get("header_row", default.header_row)
    if isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 0:
        errors.append(("csv.header_row", "must be a whole number: the header's record (1 = first), 0 = none"))
        header_row = default.header_row
    return Dialect(str(delimiter), str(quote), str(encoding), header_row)


def _zone(value: Any, key: str, errors: list[tuple[str, str]]) -> tzinfo:
    if isinstance(value, str) and value:
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    errors.append((key, f"unknown time zone {value!r} (e.g. Asia/Almaty, UTC)"))
    return UTC


def _formats(value: Any, key: str, errors: list[tuple[str, str]]) -> tuple[TimeFormat, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        errors.append((key, "must be a non-empty list of formats"))
        return ()
    found = [_format(item, f"{key}[{i}]", errors) for i, item in enumerate(value)]
    return tuple(f for f in found if f is not None)


def _format(item: Any, key: str, errors: list[tuple[str, str]]) -> TimeFormat | None:
    if isinstance(item, str) and item in {k.value for k in FormatKind if k is not FormatKind.PATTERN}:
        return TimeFormat(FormatKind(item))
    if not isinstance(item, str) or "%" not in item:
        errors.append((key, "must be a strptime pattern (with %) or one of iso8601, epoch_s, epoch_ms"))
        return None
    try:
        back = datetime.strptime(_SAMPLE.strftime(item), item)  # noqa: DTZ007 - a check of the pattern only
    except ValueError as exc:
        errors.append((key, f"bad strptime pattern {item!r}: {exc}"))
        return None
    if back.replace(tzinfo=None, second=0) != _SAMPLE.replace(tzinfo=None, second=0):
        errors.append((key, f"pattern {item!r} lacks a full date and time (year, month, day, hour, minute)"))
        return None
    return TimeFormat(FormatKind.PATTERN, item)


def _column(value: Any, key: str, by_position: bool, errors: list[tuple[str, str]]) -> str | int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    if isinstance(value, str) and value.strip() and not by_position:
        return value.strip()
    if by_position:
        errors.append((key, "csv.header_row is 0, so give the column's position (1 = first)"))
    else:
        errors.append((key, "must be a column name or a position (1 = first)"))
    return None


def _source(
    value: Any, key: str, *, time: bool, defaults: _Defaults, errors: list[tuple[str, str]]
) -> Source | None:
    """A source: a column name or position, or a table {column, formats, zone} (the last two for times)."""
    if not isinstance(value, Mapping):
        column = _column(value, key, defaults.by_position, errors)
        value = {"column": column}
    else:
        _unknown_keys(value, ("column", "formats", "zone") if time else ("column",), key, errors)
        if "column" not in value:
            errors.append((f"{key}.column", "missing: name the source column"))
            return None
        column = _column(value["column"], f"{key}.column", defaults.by_position, errors)
    if column is None or not time:
        return None if column is None else Source(column)
    formats = _formats(value["formats"], f"{key}.formats", errors) if "formats" in value else defaults.formats
    zone = _zone(value["zone"], f"{key}.zone", errors) if "zone" in value else defaults.zone
    return Source(column, formats, zone)


def _fields(
    table: Mapping[str, Any], defaults: _Defaults, errors: list[tuple[str, str]]
) -> dict[str, Source]:
    _unknown_keys(table, FIELDS, "fields", errors)
    for required in REQUIRED_FIELDS:
        if required not in table:
            errors.append((f"fields.{required}", "missing: this field is required"))
    fields: dict[str, Source] = {}
    for name in FIELDS:
        if name in table:
            key, time = f"fields.{name}", name in TIME_FIELDS
            source = _source(table[name], key, time=time, defaults=defaults, errors=errors)
            if source is not None:
                fields[name] = source
    return fields


def _stamps(
    table: Mapping[str, Any], defaults: _Defaults, errors: list[tuple[str, str]]
) -> dict[str, Source]:
    stamps: dict[str, Source] = {}
    for name, value in table.items():
        key = f"stamps.{name}"
        if not _STAMP_NAME.fullmatch(name) or name in FIELDS:
            errors.append(
                (key, "a stamp name is a-z, 0-9 and _, starts with a letter, and is not one of our fields")
            )
            continue
        source = _source(value, key, time=True, defaults=defaults, errors=errors)
        if source is not None:
            stamps[name] = source
    return stamps


def _dimensions(
    table: Mapping[str, Any], defaults: _Defaults, errors: list[tuple[str, str]]
) -> dict[str, Source]:
    """Further columns kept as text under names of our choosing: `agency = "Agency"`."""
    kept: dict[str, Source] = {}
    for name, value in table.items():
        key = f"dimensions.{name}"
        if not _STAMP_NAME.fullmatch(name) or len(name) > DIMENSION_NAME_LIMIT:
            errors.append(
                (
                    key,
                    "a dimension name is a-z, 0-9 and _, starts with a letter, "
                    f"at most {DIMENSION_NAME_LIMIT} long",
                )
            )
            continue
        source = _source(value, key, time=False, defaults=defaults, errors=errors)
        if source is not None:
            kept[name] = source
    if len(kept) > DIMENSIONS_LIMIT:
        errors.append(("dimensions", f"at most {DIMENSIONS_LIMIT} columns can be kept"))
    return kept


def _missing(table: Mapping[str, Any], errors: list[tuple[str, str]]) -> frozenset[str]:
    _unknown_keys(table, ("values",), "missing", errors)
    markers = table.get("values", list(DEFAULT_MISSING))
    if not isinstance(markers, list) or not all(isinstance(m, str) for m in markers):
        errors.append(("missing.values", "must be a list of texts"))
        return frozenset(label_key(m) for m in DEFAULT_MISSING)
    return frozenset(label_key(m) for m in markers) | {""}


def _values(
    table: Mapping[str, Any], fields: Mapping[str, Source], codes: Vocabulary, errors: list[tuple[str, str]]
) -> dict[str, ValueMap]:
    _unknown_keys(table, CODED_FIELDS, "values", errors)
    maps: dict[str, ValueMap] = {}
    for field, labels in table.items():
        key = f"values.{field}"
        if field not in CODED_FIELDS:
            continue
        if field not in fields:
            errors.append((key, f"no column feeds {field}: add fields.{field}"))
        if not isinstance(labels, Mapping):
            errors.append((key, "must be a table of source label = our value"))
            continue
        maps[field] = _value_map(field, labels, key, codes, errors)
    return maps


def _value_map(
    field: str, labels: Mapping[str, Any], key: str, codes: Vocabulary, errors: list[tuple[str, str]]
) -> dict[str, str | int]:
    mapped: dict[str, str | int] = {}
    seen: dict[str, str] = {}
    for label, target in labels.items():
        folded = label_key(label)
        if folded in seen:
            errors.append((f"{key}.{label}", f"the same label as {seen[folded]!r} (labels ignore case)"))
            continue
        seen[folded] = label
        problem = _target_problem(field, target, codes)
        if problem:
            errors.append((f"{key}.{label}", problem))
        else:
            mapped[folded] = target
    return mapped


def _target_problem(field: str, target: Any, codes: Vocabulary) -> str | None:
    if field == "priority":
        ok = isinstance(target, int) and not isinstance(target, bool) and target in PRIORITIES
        return None if ok else "a priority is a whole number from 1 to 4"
    if not isinstance(target, str) or not target:
        return "must be one of our codes (a text)"
    known = codes.get(field)
    if known is not None and target not in known:
        shown = ", ".join(sorted(known)[:12]) + (" …" if len(known) > 12 else "")
        return f"{target!r} is not one of our {field} codes ({shown})"
    limit = TEXT_LIMITS.get(field)
    if limit is not None and len(target) > limit:
        return f"longer than {limit} characters"
    return None
