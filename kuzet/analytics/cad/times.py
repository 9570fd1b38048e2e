"""Reading the times of a CAD export: strptime patterns, ISO 8601 and epoch seconds or milliseconds, in the
source's zone, to UTC. Pure.

`datetime.strptime` is most of an import's cost (some 13 µs a call, several calls a row), so the usual
numeric patterns (%Y %m %d %H %M %S between non-digit separators, such as "%d.%m.%Y %H:%M:%S") are read by
a compiled regular expression instead. It accepts only what strptime accepts, and gives the same moment;
anything it does not match, or cannot make a date of, still goes to strptime.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Final

from kuzet.analytics.cad.mapping import FormatKind, Source, TimeFormat

_FAST_DIRECTIVES: Final = {
    "%Y": r"(\d{4})",
    "%m": r"(\d{1,2})",
    "%d": r"(\d{1,2})",
    "%H": r"(\d{1,2})",
    "%M": r"(\d{1,2})",
    "%S": r"(\d{1,2})",
}
_ORDER: Final = ("%Y", "%m", "%d", "%H", "%M", "%S")


@lru_cache(maxsize=64)
def fast_pattern(pattern: str) -> tuple[re.Pattern[str], tuple[int, ...]] | None:
    """A regular expression for a plain numeric pattern, and where each of year, month, day, hour, minute
    (and second) sits among its groups; None if the pattern is not plain enough."""
    parts = [p for p in re.split(r"(%.)", pattern) if p]
    directives = [p for p in parts if p.startswith("%") and len(p) == 2]
    if any(d not in _FAST_DIRECTIVES for d in directives) or len(set(directives)) != len(directives):
        return None
    if not set(_ORDER[:5]) <= set(directives):
        return None
    regex = []
    for i, part in enumerate(parts):
        if part in _FAST_DIRECTIVES:
            if i + 1 < len(parts) and parts[i + 1] in _FAST_DIRECTIVES:
                return None  # two numbers side by side: leave the splitting to strptime
            regex.append(_FAST_DIRECTIVES[part])
        elif any(c.isdigit() or c == "%" for c in part):
            return None
        else:  # like strptime: a run of blanks matches one or more blanks, and letters ignore case
            regex.append(r"\s+".join(re.escape(word) for word in re.split(r"\s+", part)))
    places = tuple(directives.index(d) for d in _ORDER if d in directives)
    return re.compile("".join(regex), re.IGNORECASE | re.ASCII), places


def read_time(text: str, source: Source) -> tuple[datetime, bool] | None:
    """The moment in UTC, and whether a local time was ambiguous (or skipped) at a clock change; None when
    no format fits. Times without an offset are in the source's zone; epoch times are UTC."""
    for time_format in source.formats:
        moment = parse(text, time_format)
        if moment is None:
            continue
        if moment.tzinfo is not None:
            return moment.astimezone(UTC), False
        local = moment.replace(tzinfo=source.zone)
        ambiguous = local.utcoffset() != moment.replace(tzinfo=source.zone, fold=1).utcoffset()
        return local.astimezone(UTC), ambiguous
    return None


def parse(text: str, time_format: TimeFormat) -> datetime | None:
    """The time as written (naive unless it has an offset or is an epoch time); None if it does not fit."""
    try:
        if time_format.kind is FormatKind.PATTERN:
            return _fast(text, time_format.pattern) or datetime.strptime(text, time_format.pattern)  # noqa: DTZ007
        if time_format.kind is FormatKind.ISO8601:
            return datetime.fromisoformat(text)
        scale = 1000.0 if time_format.kind is FormatKind.EPOCH_MS else 1.0
        return datetime.fromtimestamp(float(text) / scale, UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _fast(text: str, pattern: str) -> datetime | None:
    compiled = fast_pattern(pattern)
    if compiled is None:
        return None
    regex, places = compiled
    found = regex.fullmatch(text)
    if found is None:
        return None
    texts = found.groups()
    year, month, day, hour, minute = (int(texts[place]) for place in places[:5])
    second = int(texts[places[5]]) if len(places) > 5 else 0
    try:
        return datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - the zone is applied after
    except ValueError:
        return None  # 31.02: strptime refuses it too, with its own message
